//! Text extraction from the files staff upload to AI tools, so the policy engine can scan
//! them: PDF, DOCX, XLSX, PPTX, ODT/ODS/ODP, RTF, EML, HTML and plain text, in pure Rust
//! (native and wasm32).
//!
//! Every input is treated as hostile: sizes are checked before anything is allocated for
//! them, decompression is read through `take()` against one budget for the whole file, zip
//! entries and nesting are counted, and a bound that is hit gives
//! [`Unreadable::Limits`] rather than a slow or huge result. Nothing here panics on any
//! input (see `fuzz/fuzz_targets/extract.rs`).
//!
//! ```
//! use lifeguard_extract::{extract, Format, Limits};
//! let got = extract(b"SSN 123-45-6789\n", "note.txt", "text/plain", &Limits::default()).unwrap();
//! assert_eq!(got.format, Format::Text);
//! assert!(got.text.contains("123-45-6789"));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

#[cfg(feature = "wasm")]
pub mod bindings;
mod eml;
mod html;
mod office;
mod pdf;
mod pdflex;
mod rtf;
mod sink;
mod text;

pub(crate) use sink::Sink;

/// Bounds on the work one file may cause. A bound that is hit gives [`Unreadable::Limits`]
/// (except `max_input`, which gives [`Unreadable::TooLarge`] before anything is read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest file accepted, in bytes (64 MiB).
    pub max_input: usize,
    /// The most text extracted from one file, in bytes of UTF-8 (32 MiB).
    pub max_text: usize,
    /// The most bytes decompressed from one file, all zip entries and PDF streams together
    /// (256 MiB).
    pub max_inflated: u64,
    /// The most entries a zip container (DOCX, XLSX, PPTX, ODF) may list (10 000).
    pub max_entries: usize,
    /// The deepest nesting followed: e-mail parts and attached messages, PDF page trees and
    /// object references (32).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_input: 64 << 20, max_text: 32 << 20, max_inflated: 256 << 20, max_entries: 10_000, max_depth: 32 }
    }
}

/// The kinds of file whose text can be extracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Plain text: UTF-8 (with or without BOM), UTF-16 LE/BE, or a single-byte code page.
    Text,
    /// PDF.
    Pdf,
    /// Word (Office Open XML).
    Docx,
    /// Excel (Office Open XML).
    Xlsx,
    /// PowerPoint (Office Open XML).
    Pptx,
    /// OpenDocument text.
    Odt,
    /// OpenDocument spreadsheet.
    Ods,
    /// OpenDocument presentation.
    Odp,
    /// Rich Text Format.
    Rtf,
    /// An e-mail message (RFC 5322, MIME).
    Eml,
    /// HTML.
    Html,
}

impl Format {
    /// The lowercase name, as serialised (`"pdf"`, `"docx"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Pptx => "pptx",
            Format::Odt => "odt",
            Format::Ods => "ods",
            Format::Odp => "odp",
            Format::Rtf => "rtf",
            Format::Eml => "eml",
            Format::Html => "html",
        }
    }
}

/// Why a file's text could not be read. A file that cannot be read follows the policy's
/// setting for unreadable files; it is never taken to be clean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreadable {
    /// Protected by a password (an encrypted PDF, Office file or zip entry).
    Encrypted,
    /// An image (PNG, JPEG, GIF, WebP, HEIC, TIFF, BMP) or a PDF whose pages hold no text
    /// (a scan): text in it could only be read by OCR.
    Image,
    /// An archive (zip, gzip, 7z, RAR, tar, ...) that is not an office document.
    Archive,
    /// A binary file of a kind not known here.
    Binary,
    /// Larger than [`Limits::max_input`].
    TooLarge,
    /// Claims to be a known format but is damaged or truncated.
    Malformed,
    /// Reading it went past one of the [`Limits`] (decompressed size, extracted text, zip
    /// entries, nesting): a zip bomb or a deliberately deep file looks like this.
    Limits,
}

impl Unreadable {
    /// The snake_case name, as serialised (`"encrypted"`, `"too_large"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Unreadable::Encrypted => "encrypted",
            Unreadable::Image => "image",
            Unreadable::Archive => "archive",
            Unreadable::Binary => "binary",
            Unreadable::TooLarge => "too_large",
            Unreadable::Malformed => "malformed",
            Unreadable::Limits => "limits",
        }
    }
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unreadable::Encrypted => "The file is protected by a password, so its contents could not be checked.",
            Unreadable::Image => "The file is an image or a scan; text in pictures cannot be checked.",
            Unreadable::Archive => "The file is an archive (such as a zip); files inside archives are not checked.",
            Unreadable::Binary => "The file is of a kind whose contents cannot be checked.",
            Unreadable::TooLarge => "The file is too large to be checked.",
            Unreadable::Malformed => "The file is damaged or not what its type says, so its contents could not be checked.",
            Unreadable::Limits => "The file is built in a way that would take too much time or memory to check (for example a zip bomb or deep nesting).",
        })
    }
}

impl std::error::Error for Unreadable {}

/// A file's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extracted {
    /// What the file was read as.
    pub format: Format,
    /// Its text: paragraphs, rows and pages end in newlines, table cells in tabs, so text
    /// split across runs or cells of one paragraph reads as one.
    pub text: String,
}

/// What a file is, by its content first (`%PDF-`, a zip with `[Content_Types].xml` or an
/// OpenDocument `mimetype`, `{\rtf`, e-mail headers, HTML markup), with the name's extension
/// and the MIME type as hints where the content alone does not tell (HTML, e-mail). `None`
/// for files that are not extractable (images, archives, unknown binary). An empty file is
/// text (or HTML, by its name or type) with no text in it.
pub fn sniff(bytes: &[u8], name: &str, mime: &str) -> Option<Format> {
    sniff_within(bytes, name, mime, &Limits::default())
}

/// [`sniff`], opening a zip only if it lists no more entries than `limits` allow.
fn sniff_within(bytes: &[u8], name: &str, mime: &str, limits: &Limits) -> Option<Format> {
    let ext = extension(name);
    let mime = mime.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if is_pdf(bytes) {
        return Some(Format::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return office::sniff(bytes, limits);
    }
    if bytes.starts_with(b"{\\rtf") {
        return Some(Format::Rtf);
    }
    if magic_unreadable(bytes).is_some() {
        return None;
    }
    let head = text::head_for_sniffing(bytes)?;
    if ext == "eml" || mime == "message/rfc822" || eml::looks_like_mail(&head) {
        return Some(Format::Eml);
    }
    if matches!(ext.as_str(), "html" | "htm" | "xhtml") || mime == "text/html" || mime == "application/xhtml+xml" || html::looks_like_html(&head) {
        return Some(Format::Html);
    }
    Some(Format::Text)
}

/// The text of a file, or why it cannot be read. See [`sniff`] for how the format is chosen
/// and [`Limits`] for the bounds.
pub fn extract(bytes: &[u8], name: &str, mime: &str, limits: &Limits) -> Result<Extracted, Unreadable> {
    let mut inflated = limits.max_inflated;
    extract_at(bytes, name, mime, limits, 0, &mut inflated)
}

/// [`extract`] at a nesting depth (an e-mail's attachments are extracted one level down),
/// with what is left of the file's decompression budget (shared by all its attachments).
pub(crate) fn extract_at(bytes: &[u8], name: &str, mime: &str, limits: &Limits, depth: usize, inflated: &mut u64) -> Result<Extracted, Unreadable> {
    if bytes.len() > limits.max_input {
        return Err(Unreadable::TooLarge);
    }
    if depth > limits.max_depth {
        return Err(Unreadable::Limits);
    }
    if let Some(why) = magic_unreadable(bytes) {
        return Err(why);
    }
    let Some(format) = sniff_within(bytes, name, mime, limits) else {
        if bytes.starts_with(b"PK\x03\x04") {
            return Err(office::unknown_zip(bytes, limits));
        }
        return Err(Unreadable::Binary);
    };
    let mut sink = Sink::new(limits.max_text);
    match format {
        Format::Text => text::extract(bytes, &mut sink)?,
        Format::Html => html::extract(&text::decode_lossy(bytes), &mut sink)?,
        Format::Rtf => rtf::extract(bytes, limits, &mut sink)?,
        Format::Eml => eml::extract(bytes, limits, depth, inflated, &mut sink)?,
        Format::Pdf => pdf::extract(bytes, limits, inflated, &mut sink)?,
        Format::Docx | Format::Xlsx | Format::Pptx | Format::Odt | Format::Ods | Format::Odp => office::extract(bytes, format, limits, inflated, &mut sink)?,
    }
    Ok(Extracted { format, text: sink.into_string() })
}

/// `%PDF-` within the first KiB (the PDF specification lets junk come before it).
fn is_pdf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).any(|w| w == b"%PDF-")
}

/// Files known by their first bytes to hold no extractable text.
fn magic_unreadable(b: &[u8]) -> Option<Unreadable> {
    const IMAGES: &[&[u8]] = &[b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\0", b"MM\0*", b"BM", b"\0\0\x01\0"];
    const ARCHIVES: &[&[u8]] = &[b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"\xfd7zXZ\0", b"\x28\xb5\x2f\xfd", b"PK\x05\x06", b"PK\x07\x08", b"MSCF"];
    let image = IMAGES.iter().any(|m| b.starts_with(m));
    // "BM" starts much text too: only a bitmap's header makes it one.
    if image && (!b.starts_with(b"BM") || bmp_header(b)) {
        return Some(Unreadable::Image);
    }
    if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        return Some(Unreadable::Image);
    }
    // ISO base media (HEIC, AVIF; also MP4 and QuickTime, which are no more readable).
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return Some(if matches!(&b[8..12], b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1" | b"avif") { Unreadable::Image } else { Unreadable::Binary });
    }
    let bzip2 = b.len() >= 4 && b.starts_with(b"BZh") && (b'1'..=b'9').contains(&b[3]) && b.get(4) == Some(&0x31);
    if bzip2 || ARCHIVES.iter().any(|m| b.starts_with(m)) || (b.len() >= 262 && &b[257..262] == b"ustar") {
        return Some(Unreadable::Archive);
    }
    // Compound File Binary: legacy Office files, and an encrypted OOXML file, whose
    // directory holds an "EncryptedPackage" stream (names are UTF-16LE).
    if b.starts_with(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        const NAME: &[u8] = b"E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0";
        return Some(if memfind(b, NAME).is_some() { Unreadable::Encrypted } else { Unreadable::Binary });
    }
    None
}

/// A bitmap's header gives the file's size and a reserved 0.
fn bmp_header(b: &[u8]) -> bool {
    b.len() >= 14 && b[6..10] == [0, 0, 0, 0] && u32::from_le_bytes([b[2], b[3], b[4], b[5]]) as usize >= 14
}

/// The lowercase extension of a file name (`""` when it has none).
fn extension(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// The first position of `needle` in `hay`.
pub(crate) fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..=hay.len() - needle.len()].iter().position(|&c| c == first) {
            None => return None,
            Some(p) => {
                i += p;
                if &hay[i..i + needle.len()] == needle {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_messages() {
        assert_eq!(serde_json::to_string(&Format::Docx).unwrap_or_default(), "\"docx\"");
        assert_eq!(serde_json::to_string(&Unreadable::TooLarge).unwrap_or_default(), "\"too_large\"");
        for u in [Unreadable::Encrypted, Unreadable::Image, Unreadable::Archive, Unreadable::Binary, Unreadable::TooLarge, Unreadable::Malformed, Unreadable::Limits] {
            assert_eq!(serde_json::to_string(&u).unwrap_or_default(), format!("\"{}\"", u.as_str()));
            assert!(u.to_string().ends_with('.'));
        }
        for f in [Format::Text, Format::Pdf, Format::Docx, Format::Xlsx, Format::Pptx, Format::Odt, Format::Ods, Format::Odp, Format::Rtf, Format::Eml, Format::Html] {
            assert_eq!(serde_json::to_string(&f).unwrap_or_default(), format!("\"{}\"", f.as_str()));
        }
    }

    #[test]
    fn extensions() {
        assert_eq!(extension("a/b.c/Report.PDF"), "pdf");
        assert_eq!(extension(".bashrc"), "");
        assert_eq!(extension("noext"), "");
    }

    #[test]
    fn memfind_finds() {
        assert_eq!(memfind(b"abcabd", b"abd"), Some(3));
        assert_eq!(memfind(b"ab", b"abc"), None);
        assert_eq!(memfind(b"aaa", b"b"), None);
    }
}
