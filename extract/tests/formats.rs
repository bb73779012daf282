//! Real files written by real tools (tests/fixtures/make.py): each format's text, read
//! through the public API as the extension reads it.

use lifeguard_extract::{Extracted, Format, Limits, Unreadable, extract, sniff};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(name: &str, mime: &str) -> Extracted {
    let bytes = fixture(name);
    match extract(&bytes, name, mime, &Limits::default()) {
        Ok(got) => got,
        Err(why) => panic!("{name}: unreadable: {why:?}"),
    }
}

/// Every sentence is in the text, whole (in order, each on one line).
fn assert_has(got: &Extracted, sentences: &[&str]) {
    for s in sentences {
        assert!(got.text.lines().any(|l| l.contains(s)), "{s:?} is not on any line of {:?}", got.text);
    }
}

fn unreadable(name: &str) -> Unreadable {
    match extract(&fixture(name), name, "", &Limits::default()) {
        Ok(got) => panic!("{name} read as {got:?}"),
        Err(why) => why,
    }
}

#[test]
fn pdf_standard_font_compressed_pages() {
    let got = read("helvetica.pdf", "application/pdf");
    assert_eq!(got.format, Format::Pdf);
    assert_has(&got, &["Employee record for Jane Doe.", "Her SSN 123-45-6789 is on file.", "Page two: caf\u{e9} badge 4471."]);
    // Pages and lines in order, one line each.
    assert_eq!(got.text, "Employee record for Jane Doe.\nHer SSN 123-45-6789 is on file.\nPage two: caf\u{e9} badge 4471.\n");
}

#[test]
fn pdf_embedded_truetype_with_tounicode() {
    let got = read("ttf.pdf", "application/pdf");
    assert_has(&got, &["R\u{e9}sum\u{e9} of Jos\u{e9} \u{c5}ngstr\u{f6}m \u{2014} confidential.", "SSN 123-45-6789 belongs to him."]);
}

#[test]
fn pdf_with_only_an_owner_password_is_read() {
    assert_has(&read("owner-only.pdf", ""), &["Permissions only, SSN 123-45-6789."]);
}

#[test]
fn pdf_needing_a_password_is_encrypted() {
    assert_eq!(unreadable("encrypted.pdf"), Unreadable::Encrypted);
}

#[test]
fn pdf_of_a_scan_is_an_image() {
    assert_eq!(unreadable("scan.pdf"), Unreadable::Image);
}

#[test]
fn docx_runs_table_header_footer() {
    let got = read("split-runs.docx", "");
    assert_eq!(got.format, Format::Docx);
    assert_has(&got, &["Employee SSN 123-45-6789 on file.", "SSN\t219-09-9999", "Name\tJane Doe", "Caf\u{e9} \u{201c}quotes\u{201d} & ampersands <tags>.", "Header: HR file SSN 078-05-1120", "Footer: do not forward"]);
}

#[test]
fn xlsx_shared_strings_numbers_and_sheets() {
    let got = read("cells.xlsx", "");
    assert_eq!(got.format, Format::Xlsx);
    assert_has(&got, &["Name\tRecord\tNumber\tRate", "Jane Doe\tSSN 123-45-6789\t123456789\t42.5", "Second sheet: badge 4471"]);
}

#[test]
fn pptx_slides_and_notes() {
    let got = read("slides.pptx", "");
    assert_eq!(got.format, Format::Pptx);
    assert_has(&got, &["Quarterly review", "Slide text: SSN 123-45-6789", "Second slide title", "Speaker notes: call 555-0100"]);
}

#[test]
fn opendocument() {
    let odt = read("text.odt", "");
    assert_eq!(odt.format, Format::Odt);
    assert_has(&odt, &["Employee SSN 123-45-6789 on file.", "Two  spaces."]);
    let ods = read("cells.ods", "");
    assert_eq!(ods.format, Format::Ods);
    assert_has(&ods, &["Name\tRecord", "Jane Doe\tSSN 123-45-6789"]);
    let odp = read("slides.odp", "");
    assert_eq!(odp.format, Format::Odp);
    assert_has(&odp, &["Slide text: SSN 123-45-6789"]);
}

#[test]
fn rtf() {
    let got = read("note.rtf", "application/rtf");
    assert_eq!(got.format, Format::Rtf);
    assert_has(&got, &["Employee SSN 123-45-6789 on file.", "Caf\u{e9} \u{201c}quoted\u{201d} text\u{2014}done.", "Name\tJane Doe"]);
    // Document info, font tables and pictures are not text.
    assert!(!got.text.contains("999-99-9999") && !got.text.contains("Calibri") && !got.text.contains("0123456789abcdef"), "{:?}", got.text);
}

#[test]
fn html_without_script_or_style() {
    let got = read("page.html", "text/html");
    assert_eq!(got.format, Format::Html);
    assert_has(&got, &["Employee SSN 123-45-6789 on file.", "Name\tJos\u{e9} & Ana"]);
    assert!(!got.text.contains("999-99-9999") && !got.text.contains("888-88-8888"), "{:?}", got.text);
}

#[test]
fn eml_headers_bodies_and_attachments() {
    let got = read("message.eml", "message/rfc822");
    assert_eq!(got.format, Format::Eml);
    assert_has(
        &got,
        &[
            "Subject: Payroll question",
            "From: Jane Doe <jane@example.org>",
            "To: HR <hr@example.org>",
            // quoted-printable (with an encoded '=') and base64
            "my SSN 123-45-6789 is wrong in the =system=.",
            "\u{e9}t\u{e9}",
            "my SSN 123-45-6789 is wrong.",
            // the attached DOCX
            "Employee SSN 123-45-6789 on file.",
            "Header: HR file SSN 078-05-1120",
            // the attached message
            "Subject: Forwarded",
            "Forwarded body: passport X1234567",
        ],
    );
}

#[test]
fn utf16_text() {
    let got = read("utf16.txt", "text/plain");
    assert_eq!(got.format, Format::Text);
    assert_eq!(got.text, "Plain text SSN 123-45-6789 in UTF-16.\n");
}

#[test]
fn images_are_images() {
    assert_eq!(unreadable("image.png"), Unreadable::Image);
    assert_eq!(extract(b"\xff\xd8\xff\xe0\0\x10JFIF\0", "a.jpg", "image/jpeg", &Limits::default()).map(|e| e.format), Err(Unreadable::Image));
    assert_eq!(extract(b"GIF89a\x01\0\x01\0", "a.gif", "", &Limits::default()).map(|e| e.format), Err(Unreadable::Image));
    assert_eq!(extract(b"RIFF\x10\0\0\0WEBPVP8 ", "a.webp", "", &Limits::default()).map(|e| e.format), Err(Unreadable::Image));
    assert_eq!(extract(b"\0\0\0\x18ftypheic\0\0\0\0", "a.heic", "", &Limits::default()).map(|e| e.format), Err(Unreadable::Image));
}

#[test]
fn sniffing_goes_by_content_first() {
    // A PDF named .txt is a PDF; a DOCX named .zip is a DOCX.
    assert_eq!(sniff(&fixture("helvetica.pdf"), "notes.txt", "text/plain"), Some(Format::Pdf));
    assert_eq!(sniff(&fixture("split-runs.docx"), "x.zip", "application/zip"), Some(Format::Docx));
    assert_eq!(sniff(&fixture("cells.xlsx"), "", ""), Some(Format::Xlsx));
    assert_eq!(sniff(&fixture("slides.pptx"), "", ""), Some(Format::Pptx));
    assert_eq!(sniff(&fixture("cells.ods"), "", ""), Some(Format::Ods));
    assert_eq!(sniff(&fixture("note.rtf"), "", ""), Some(Format::Rtf));
    assert_eq!(sniff(&fixture("message.eml"), "", ""), Some(Format::Eml));
    assert_eq!(sniff(&fixture("page.html"), "", ""), Some(Format::Html));
    assert_eq!(sniff(&fixture("image.png"), "a.txt", "text/plain"), None);
    // Where the content is only text, the name and MIME type tell HTML and mail apart.
    assert_eq!(sniff(b"<p>hi</p>", "a.htm", ""), Some(Format::Html));
    assert_eq!(sniff(b"<p>hi</p>", "", "text/html; charset=utf-8"), Some(Format::Html));
    assert_eq!(sniff(b"<p>hi</p>", "a.txt", "text/plain"), Some(Format::Text));
    // Empty is empty text, not an unreadable file.
    assert_eq!(sniff(b"", "a.txt", ""), Some(Format::Text));
    assert_eq!(extract(b"", "clipboard.html", "text/html", &Limits::default()), Ok(Extracted { format: Format::Html, text: String::new() }));
}
