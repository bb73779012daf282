//! Hostile and unreadable files: each gives the right `Unreadable`, without reading past
//! the limits (a bomb is stopped by the budget, not by running out of memory).

use std::io::{Cursor, Write};

use lifeguard_extract::{Format, Limits, Unreadable, extract};
use lopdf::{Document, Object, Stream, dictionary};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn why(bytes: &[u8], name: &str, limits: &Limits) -> Unreadable {
    match extract(bytes, name, "", limits) {
        Ok(got) => panic!("{name} read as {got:?}"),
        Err(why) => why,
    }
}

/// A zip of (name, contents) entries, deflated.
fn zip_of(entries: &[(&str, &[u8])], options: SimpleFileOptions) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, options).expect("start_file");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

const CONTENT_TYPES: &[u8] = br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;

fn docx_with(document: &[u8]) -> Vec<u8> {
    zip_of(&[("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", document)], deflated())
}

#[test]
fn a_small_docx_made_here_reads() {
    let doc = docx_with(br#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>SSN 123-45-</w:t></w:r><w:r><w:t>6789</w:t></w:r></w:p></w:body></w:document>"#);
    let got = extract(&doc, "a.docx", "", &Limits::default()).map(|e| (e.format, e.text));
    assert_eq!(got, Ok((Format::Docx, "SSN 123-45-6789\n".to_string())));
}

#[test]
fn xlsx_cell_kinds() {
    // As Excel writes them: inline strings (plain and rich), a formula's string result, a
    // boolean, an error, a shared string with a phonetic guide (not text), entities.
    let sst = br#"<sst><si><t>SSN 123-45-</t></si><si><r><t>rich </t></r><r><t>run</t></r><rPh><t>PHONETIC</t></rPh></si></sst>"#;
    let sheet = br#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>inline &amp; plain</t></is></c><c r="B1" t="inlineStr"><is><r><t>SSN 987-</t></r><r><t>65-4321</t></r></is></c><c r="C1" t="str"><f>A1&amp;"x"</f><v>formula result</v></c></row><row r="2"><c r="A2" t="b"><v>1</v></c><c r="B2" t="e"><v>#DIV/0!</v></c><c r="C2" t="s"><v>1</v></c><c r="D2"><v>6789</v></c><c r="E2" t="s"><v>0</v></c></row></sheetData></worksheet>"#;
    let xlsx = zip_of(&[("[Content_Types].xml", CONTENT_TYPES), ("xl/workbook.xml", b"<workbook/>"), ("xl/sharedStrings.xml", sst), ("xl/worksheets/sheet1.xml", sheet)], deflated());
    let got = extract(&xlsx, "a.xlsx", "", &Limits::default()).map(|e| e.text);
    assert_eq!(got, Ok("inline & plain\tSSN 987-65-4321\tformula result\nTRUE\t#DIV/0!\trich run\t6789\tSSN 123-45-\n".to_string()));
}

#[test]
fn odf_headers_and_docx_notes() {
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let parts: [(&str, &[u8], SimpleFileOptions); 3] = [
        ("mimetype", b"application/vnd.oasis.opendocument.text", stored),
        ("content.xml", br#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text><text:p>Body<text:tab/>text<text:line-break/>next</text:p><office:binary-data>iVBORw0KGgo=</office:binary-data></office:text></office:body></office:document-content>"#, deflated()),
        ("styles.xml", br#"<office:document-styles xmlns:office="o" xmlns:style="s" xmlns:text="t"><office:styles><text:p>not a header</text:p></office:styles><office:master-styles><style:master-page><style:header><text:p>Header SSN 078-05-1120</text:p></style:header></style:master-page></office:master-styles></office:document-styles>"#, deflated()),
    ];
    for (name, data, options) in parts {
        w.start_file(name, options).expect("start");
        w.write_all(data).expect("write");
    }
    let odt = w.finish().expect("finish").into_inner();
    assert_eq!(extract(&odt, "a.odt", "", &Limits::default()).map(|e| (e.format, e.text)), Ok((Format::Odt, "Body\ttext\nnext\nHeader SSN 078-05-1120\n".to_string())));

    let w_ns = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let document = format!(r#"<w:document {w_ns}><w:body><w:p><w:r><w:t>SSN 123</w:t></w:r><w:r><w:noBreakHyphen/><w:t>45</w:t><w:softHyphen/><w:t>-6789</w:t><w:tab/><w:t>x</w:t></w:r><w:del><w:r><w:delText>deleted 111-22-3333</w:delText></w:r></w:del></w:p></w:body></w:document>"#);
    let footnotes = format!(r#"<w:footnotes {w_ns}><w:footnote><w:p><w:r><w:t>Footnote text</w:t></w:r></w:p></w:footnote></w:footnotes>"#);
    let comments = format!(r#"<w:comments {w_ns}><w:comment><w:p><w:r><w:t>Comment text</w:t></w:r></w:p></w:comment></w:comments>"#);
    let docx = zip_of(&[("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", document.as_bytes()), ("word/footnotes.xml", footnotes.as_bytes()), ("word/comments.xml", comments.as_bytes())], deflated());
    assert_eq!(extract(&docx, "a.docx", "", &Limits::default()).map(|e| e.text), Ok("SSN 123\u{2011}45\u{ad}-6789\txdeleted 111-22-3333\nFootnote text\nComment text\n".to_string()));
}

#[test]
fn zip_bomb_is_refused_before_inflating() {
    // A real bomb: 300 MiB of spaces in one part, deflated to ~300 KB, sizes declared
    // truthfully (as zip tools write them). Built from one flushed deflate block repeated,
    // so the test does not have to compress 300 MiB.
    let bomb = bomb_zip(300, true);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    assert_eq!(why(&bomb, "bomb.docx", &Limits::default()), Unreadable::Limits);
}

#[test]
fn zip_bomb_that_lies_about_its_size_is_damaged() {
    // The same bomb declaring a size of 1 KiB: inflation stops there (the zip reader holds
    // every entry to its declared size) and the file is damaged.
    let bomb = bomb_zip(300, false);
    assert_eq!(why(&bomb, "bomb.docx", &Limits::default()), Unreadable::Malformed);
}

#[test]
fn the_budget_is_for_all_parts_together() {
    // Each part fits; together they do not.
    let xml = |n: usize| format!(r#"<w:hdr xmlns:w="x"><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:hdr>"#, "a".repeat(n));
    let part = xml(300_000);
    let doc = zip_of(
        &[("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", part.as_bytes()), ("word/header1.xml", part.as_bytes()), ("word/header2.xml", part.as_bytes()), ("word/footer1.xml", part.as_bytes())],
        deflated(),
    );
    let limits = Limits { max_inflated: 1 << 20, ..Limits::default() };
    assert_eq!(why(&doc, "a.docx", &limits), Unreadable::Limits);
    // With room for them all it reads.
    assert!(extract(&doc, "a.docx", "", &Limits { max_inflated: 2 << 20, ..Limits::default() }).is_ok());
}

#[test]
fn too_many_zip_entries() {
    let names: Vec<String> = (0..11).map(|i| format!("word/header{i}.xml")).collect();
    let mut entries: Vec<(&str, &[u8])> = vec![("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", b"<w:document/>")];
    entries.extend(names.iter().map(|n| (n.as_str(), b"<w:hdr/>".as_slice())));
    let doc = zip_of(&entries, deflated());
    assert_eq!(why(&doc, "a.docx", &Limits { max_entries: 10, ..Limits::default() }), Unreadable::Limits);
    assert!(extract(&doc, "a.docx", "", &Limits::default()).is_ok());
    // More than the default allows, and as many as the caller's limits do.
    let names: Vec<String> = (0..10_050).map(|i| format!("word/media/image{i}.png")).collect();
    let mut entries: Vec<(&str, &[u8])> = vec![("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", b"<w:document><w:p><w:r><w:t>many</w:t></w:r></w:p></w:document>")];
    entries.extend(names.iter().map(|n| (n.as_str(), b"".as_slice())));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let many = zip_of(&entries, stored);
    assert_eq!(why(&many, "a.docx", &Limits::default()), Unreadable::Limits);
    assert_eq!(extract(&many, "a.docx", "", &Limits { max_entries: 20_000, ..Limits::default() }).map(|e| (e.format, e.text)), Ok((Format::Docx, "many\n".to_string())));
}

#[test]
fn too_much_text() {
    let doc = docx_with(format!(r#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body></w:document>"#, "x".repeat(5000)).as_bytes());
    assert_eq!(why(&doc, "a.docx", &Limits { max_text: 4096, ..Limits::default() }), Unreadable::Limits);
    assert_eq!(why("y".repeat(5000).as_bytes(), "a.txt", &Limits { max_text: 4096, ..Limits::default() }), Unreadable::Limits);
    // Shared strings are held in memory: they count too, even if no cell uses them.
    let sst = format!(r#"<sst>{}</sst>"#, "<si><t>abcdefgh</t></si>".repeat(1000));
    let xlsx = zip_of(&[("[Content_Types].xml", CONTENT_TYPES), ("xl/workbook.xml", b"<workbook/>"), ("xl/sharedStrings.xml", sst.as_bytes())], deflated());
    assert_eq!(why(&xlsx, "a.xlsx", &Limits { max_text: 4096, ..Limits::default() }), Unreadable::Limits);
}

#[test]
fn too_large() {
    assert_eq!(why(&fixture("helvetica.pdf"), "a.pdf", &Limits { max_input: 1000, ..Limits::default() }), Unreadable::TooLarge);
}

#[test]
fn encrypted_zip_entries() {
    use zip::unstable::write::FileOptionsExt;
    let locked = deflated().with_deprecated_encryption(b"secret").expect("zipcrypto");
    let doc = zip_of(&[("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", b"<w:document/>")], locked);
    assert_eq!(why(&doc, "a.docx", &Limits::default()), Unreadable::Encrypted);
    let other = zip_of(&[("notes.txt", b"SSN 123-45-6789")], locked);
    assert_eq!(why(&other, "a.zip", &Limits::default()), Unreadable::Encrypted);
}

#[test]
fn encrypted_ooxml() {
    // Written by msoffcrypto-tool from split-runs.docx (password "secret"): a CFB file
    // holding EncryptionInfo and EncryptedPackage streams.
    assert_eq!(why(&fixture("encrypted.docx"), "a.docx", &Limits::default()), Unreadable::Encrypted);
}

#[test]
fn archives() {
    let z = zip_of(&[("notes.txt", b"SSN 123-45-6789"), ("a/b.csv", b"1,2")], deflated());
    assert_eq!(why(&z, "a.zip", &Limits::default()), Unreadable::Archive);
    assert_eq!(why(b"\x1f\x8b\x08\0\0\0\0\0\0\x03", "a.gz", &Limits::default()), Unreadable::Archive);
    assert_eq!(why(b"7z\xbc\xaf\x27\x1c\0\x04", "a.7z", &Limits::default()), Unreadable::Archive);
    assert_eq!(why(b"Rar!\x1a\x07\x01\0", "a.rar", &Limits::default()), Unreadable::Archive);
    // A zip that says it is a DOCX but has no document is damaged.
    let broken = zip_of(&[("[Content_Types].xml", CONTENT_TYPES), ("word/document.xml", b"<w:document><w:body><w:p>")], deflated());
    assert!(extract(&broken, "a.docx", "", &Limits::default()).is_ok());
}

#[test]
fn random_bytes_are_binary() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes: Vec<u8> = (0..65_536)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    assert_eq!(why(&bytes, "data.bin", &Limits::default()), Unreadable::Binary);
    assert_eq!(why(&bytes, "data.txt", &Limits::default()), Unreadable::Binary);
    assert_eq!(why(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0\0\0", "old.doc", &Limits::default()), Unreadable::Binary);
}

#[test]
fn malformed_pdfs() {
    let pdf = fixture("helvetica.pdf");
    // Cut off after the header, or garbage after it.
    assert_eq!(why(&pdf[..40], "a.pdf", &Limits::default()), Unreadable::Malformed);
    assert_eq!(why(b"%PDF-1.7\n\x00\x01garbage garbage\n%%EOF", "a.pdf", &Limits::default()), Unreadable::Malformed);
    // Truncated anywhere: never a panic, and never text that was not there.
    for cut in (0..pdf.len()).step_by(97) {
        if let Ok(got) = extract(&pdf[..cut], "a.pdf", "", &Limits::default()) {
            assert!(got.text.lines().all(|l| "Employee record for Jane Doe.\nHer SSN 123-45-6789 is on file.\nPage two: caf\u{e9} badge 4471.".contains(l)), "{cut}: {:?}", got.text);
        }
    }
}

/// A one-page PDF whose content stream is `content`, Flate-compressed.
fn pdf_with_content(content: &[u8]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding" });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut stream = Stream::new(dictionary! {}, content.to_vec());
    stream.compress().expect("compress");
    let content_id = doc.add_object(stream);
    let page_id = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()] });
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

#[test]
fn pdf_made_with_lopdf_reads() {
    let pdf = pdf_with_content(b"BT /F1 12 Tf 72 720 Td (SSN 123-45-) Tj (6789) Tj 0 -20 Td [(Second)-300(line)] TJ ET");
    assert_eq!(extract(&pdf, "a.pdf", "", &Limits::default()).map(|e| e.text), Ok("SSN 123-45-6789\nSecond line\n".to_string()));
}

#[test]
fn pdf_damaged_content_keeps_the_text_before_the_damage() {
    let pdf = pdf_with_content(b"BT /F1 12 Tf 72 720 Td <5353> Tj (N 123-45-6789) Tj ET BT 0 -20 Td [(x) ] ] >> (never closed");
    assert_eq!(extract(&pdf, "a.pdf", "", &Limits::default()).map(|e| e.text), Ok("SSN 123-45-6789\n".to_string()));
}

#[test]
fn pdf_content_bomb() {
    // 8 MiB of spaces in a compressed content stream, against a 1 MiB budget.
    let pdf = pdf_with_content(&vec![b' '; 8 << 20]);
    assert!(pdf.len() < 64 << 10);
    assert_eq!(why(&pdf, "a.pdf", &Limits { max_inflated: 1 << 20, ..Limits::default() }), Unreadable::Limits);
}

#[test]
fn pdf_forms_drawing_themselves_are_read_once() {
    // A form XObject that shows text and draws itself twice: 2^depth draws if followed
    // naively; read once here.
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let form_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id }, "XObject" => dictionary! { "X" => form_id } });
    let form = Stream::new(dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 612.into(), 792.into()], "Resources" => resources_id }, b"BT /F1 12 Tf 72 700 Td (In the form: SSN 123-45-6789) Tj ET /X Do /X Do".to_vec());
    doc.objects.insert(form_id, Object::Stream(form));
    let content_id = doc.add_object(Stream::new(dictionary! {}, b"BT /F1 12 Tf 72 720 Td (Page text) Tj ET /X Do".to_vec()));
    let page_id = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources_id });
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut pdf = Vec::new();
    doc.save_to(&mut pdf).expect("save");
    assert_eq!(extract(&pdf, "a.pdf", "", &Limits::default()).map(|e| e.text), Ok("Page text\nIn the form: SSN 123-45-6789\n".to_string()));
}

#[test]
fn pdf_of_many_empty_pages_is_bounded() {
    // Every page costs something, even with nothing on it.
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let kids: Vec<Object> = (0..5000).map(|_| doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id }).into()).collect();
    doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => 5000 }));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut pdf = Vec::new();
    doc.save_to(&mut pdf).expect("save");
    assert_eq!(why(&pdf, "a.pdf", &Limits { max_inflated: 1 << 20, ..Limits::default() }), Unreadable::Limits);
    assert_eq!(why(&pdf, "a.pdf", &Limits::default()), Unreadable::Image);
}

#[test]
fn one_budget_for_a_message_and_its_attachments() {
    // Four attachments of 300 KB of XML each: each fits a 1 MiB budget, together they do not.
    let part = format!(r#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:body></w:document>"#, "a".repeat(300_000));
    let docx = docx_with(part.as_bytes());
    let b64 = base64_lines(&docx);
    let mut eml = String::from("From: a@example.org\r\nTo: b@example.org\r\nSubject: four\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n");
    for i in 0..4 {
        eml.push_str(&format!("--B\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"r{i}.docx\"\r\nContent-Disposition: attachment; filename=\"r{i}.docx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n"));
    }
    eml.push_str("--B--\r\n");
    assert_eq!(why(eml.as_bytes(), "a.eml", &Limits { max_inflated: 1 << 20, ..Limits::default() }), Unreadable::Limits);
    let got = extract(eml.as_bytes(), "a.eml", "", &Limits { max_inflated: 2 << 20, ..Limits::default() });
    assert!(got.is_ok_and(|g| g.text.contains("See attached.") && g.text.matches(&"a".repeat(300_000)).count() == 4));
}

/// Base64 in 76-character lines, as mail carries attachments.
fn base64_lines(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let n = (u32::from(chunk[0]) << 16) | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8) | u32::from(*chunk.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A message nested `depth` times as message/rfc822 attachments.
fn nested_eml(depth: usize) -> Vec<u8> {
    let mut m = "From: a@example.org\r\nTo: b@example.org\r\nSubject: innermost\r\n\r\nSSN 123-45-6789\r\n".to_string();
    for i in 0..depth {
        m = format!("From: a@example.org\r\nTo: b@example.org\r\nSubject: level {i}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\nContent-Type: text/plain\r\n\r\nlevel {i}\r\n--b{i}\r\nContent-Type: message/rfc822\r\n\r\n{m}\r\n--b{i}--\r\n");
    }
    m.into_bytes()
}

#[test]
fn nested_messages_up_to_the_depth() {
    let got = extract(&nested_eml(5), "a.eml", "", &Limits::default());
    assert!(got.as_ref().is_ok_and(|g| g.text.contains("SSN 123-45-6789") && g.text.contains("Subject: innermost")), "{got:?}");
    assert_eq!(why(&nested_eml(40), "a.eml", &Limits::default()), Unreadable::Limits);
}

#[test]
fn mail_found_by_the_fuzzer() {
    // The fixture message with its parts' boundaries mangled: read as far as it goes.
    let got = extract(&fixture("fuzz-multipart.eml"), "a.eml", "", &Limits::default());
    assert!(got.as_ref().is_ok_and(|g| g.text.contains("Subject: Payroll question") && g.text.contains("SSN 123-45-6789")), "{got:?}");
}

#[test]
fn deeply_nested_multipart() {
    let mut body = "Content-Type: text/plain\r\n\r\nSSN 123-45-6789\r\n".to_string();
    for i in 0..60 {
        body = format!("Content-Type: multipart/mixed; boundary=\"n{i}\"\r\n\r\n--n{i}\r\n{body}\r\n--n{i}--\r\n");
    }
    let eml = format!("From: a@example.org\r\nTo: b@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n{body}");
    assert_eq!(why(eml.as_bytes(), "a.eml", &Limits::default()), Unreadable::Limits);
}

#[test]
fn deep_html_and_rtf_stay_linear_and_bounded() {
    // No recursion: deep nesting is just more input.
    let html = format!("<html><body>{}SSN 123-45-6789{}</body></html>", "<div><span>".repeat(20_000), "</span></div>".repeat(20_000));
    let got = extract(html.as_bytes(), "a.html", "", &Limits::default());
    assert!(got.is_ok_and(|g| g.text.contains("SSN 123-45-6789")));
    let rtf = format!("{{\\rtf1 {}x", "{".repeat(100_000));
    assert_eq!(why(rtf.as_bytes(), "a.rtf", &Limits::default()), Unreadable::Limits);
}

/// A DOCX whose document.xml is `mib` MiB of spaces inside `<w:document>`, deflated as one
/// 1 MiB full-flushed block repeated (each block stands alone, so copies concatenate). With
/// `truthful` the zip declares the real size, else 1 KiB.
fn bomb_zip(mib: usize, truthful: bool) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut deflate = Vec::new();
    let piece = |data: &[u8], flush: FlushCompress, c: &mut Compress| {
        let mut out = Vec::with_capacity(data.len() / 100 + 1024);
        let _ = c.compress_vec(data, &mut out, flush);
        out
    };
    let mut c = Compress::new(Compression::best(), false);
    deflate.extend(piece(b"<w:document xmlns:w=\"x\"><w:body><w:p><w:r><w:t>", FlushCompress::Full, &mut c));
    let block = piece(&vec![b' '; 1 << 20], FlushCompress::Full, &mut c);
    for _ in 0..mib {
        deflate.extend_from_slice(&block);
    }
    // An empty final block (fixed Huffman, end of block).
    deflate.extend_from_slice(&[0x03, 0x00]);
    let size = if truthful { (mib << 20) as u32 + 48 } else { 1024 };
    let mut z = Vec::new();
    let mut central = Vec::new();
    let add = |z: &mut Vec<u8>, central: &mut Vec<u8>, name: &[u8], method: u16, data: &[u8], crc: u32, usize_: u32| {
        let offset = z.len() as u32;
        let header = |sig: &[u8], central_dir: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(sig);
            if central_dir {
                h.extend_from_slice(&20u16.to_le_bytes());
            }
            h.extend_from_slice(&20u16.to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            h.extend_from_slice(&method.to_le_bytes());
            h.extend_from_slice(&[0, 0, 0x21, 0]);
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&usize_.to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes());
            if central_dir {
                h.extend_from_slice(&[0; 6]);
                h.extend_from_slice(&0u32.to_le_bytes());
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name);
            h
        };
        z.extend(header(b"PK\x03\x04", false));
        z.extend_from_slice(data);
        central.extend(header(b"PK\x01\x02", true));
    };
    let ct = CONTENT_TYPES;
    add(&mut z, &mut central, b"[Content_Types].xml", 0, ct, crc32(ct), ct.len() as u32);
    add(&mut z, &mut central, b"word/document.xml", 8, &deflate, 0, size);
    let cd_offset = z.len() as u32;
    z.extend_from_slice(&central);
    z.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    z.extend_from_slice(&2u16.to_le_bytes());
    z.extend_from_slice(&2u16.to_le_bytes());
    z.extend_from_slice(&(central.len() as u32).to_le_bytes());
    z.extend_from_slice(&cd_offset.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
