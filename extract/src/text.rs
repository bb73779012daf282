//! Plain text: UTF-8 (BOM or not), UTF-16 LE/BE (by BOM, or by where the zero bytes fall),
//! and, when not UTF-8, Windows-1252 — but only when the bytes are mostly text.

use crate::{Sink, Unreadable};

/// Windows-1252's 0x80..=0x9F (the rest of the code page is Latin-1). Undefined bytes map to
/// U+FFFD.
const CP1252_HIGH: [char; 32] = [
    '\u{20ac}', '\u{fffd}', '\u{201a}', '\u{0192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{02c6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{fffd}', '\u{017d}', '\u{fffd}',
    '\u{fffd}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{02dc}', '\u{2122}', '\u{0161}', '\u{203a}', '\u{0153}', '\u{fffd}', '\u{017e}', '\u{0178}',
];

/// One Windows-1252 byte as a character.
pub(crate) fn cp1252(b: u8) -> char {
    match b {
        0x80..=0x9f => CP1252_HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Cp1252,
}

/// How the bytes are encoded, and how many BOM bytes to skip; `None` when they are not text.
fn detect(bytes: &[u8]) -> Option<(Encoding, usize)> {
    if bytes.starts_with(b"\xef\xbb\xbf") {
        return Some((Encoding::Utf8, 3));
    }
    if bytes.starts_with(b"\xff\xfe") {
        return Some((Encoding::Utf16Le, 2));
    }
    if bytes.starts_with(b"\xfe\xff") {
        return Some((Encoding::Utf16Be, 2));
    }
    // UTF-16 without a BOM: ASCII-range text puts a zero in every other byte.
    let sample = &bytes[..bytes.len().min(4096)];
    if sample.len() >= 4 {
        let pairs = sample.len() / 2;
        let odd_zero = sample.chunks_exact(2).filter(|p| p[1] == 0 && p[0] != 0).count();
        let even_zero = sample.chunks_exact(2).filter(|p| p[0] == 0 && p[1] != 0).count();
        if odd_zero * 10 >= pairs * 7 && even_zero * 20 < pairs {
            return Some((Encoding::Utf16Le, 0));
        }
        if even_zero * 10 >= pairs * 7 && odd_zero * 20 < pairs {
            return Some((Encoding::Utf16Be, 0));
        }
    }
    if !mostly_text(bytes) {
        return None;
    }
    Some((if std::str::from_utf8(bytes).is_ok() { Encoding::Utf8 } else { Encoding::Cp1252 }, 0))
}

/// No zero bytes, and at most 1 in 50 other control characters (tab, newlines, form feed and
/// escape are text).
fn mostly_text(bytes: &[u8]) -> bool {
    let mut control = 0usize;
    for &b in bytes {
        match b {
            0 => return false,
            b'\t' | b'\n' | b'\r' | 0x0c | 0x1b => {}
            0x01..=0x1f | 0x7f => control += 1,
            _ => {}
        }
    }
    control * 50 <= bytes.len()
}

fn decode(bytes: &[u8], enc: Encoding) -> String {
    match enc {
        Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Encoding::Cp1252 => bytes.iter().map(|&b| cp1252(b)).collect(),
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let units = bytes.chunks_exact(2).map(|p| if enc == Encoding::Utf16Le { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) });
            char::decode_utf16(units).map(|c| c.unwrap_or('\u{fffd}')).collect()
        }
    }
}

/// A text file's text; `Binary` when it is not text.
pub(crate) fn extract(bytes: &[u8], sink: &mut Sink) -> Result<(), Unreadable> {
    let (enc, skip) = detect(bytes).ok_or(Unreadable::Binary)?;
    let body = &bytes[skip..];
    // Valid UTF-8 is copied as it is: refuse before copying what cannot fit. (The other
    // encodings are decoded first; the sink refuses what does not fit.)
    if enc == Encoding::Utf8 && body.len() > sink.room() {
        return Err(Unreadable::Limits);
    }
    sink.push(&decode(body, enc))
}

/// The text of bytes that are expected to be text (HTML, RTF's fallbacks): decoded as
/// [`extract`] would, lossily when they are not.
pub(crate) fn decode_lossy(bytes: &[u8]) -> String {
    match detect(bytes) {
        Some((enc, skip)) => decode(&bytes[skip..], enc),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The decoded start of a file (up to 4 KiB), for telling e-mail, HTML and text apart;
/// `None` when it is not text.
pub(crate) fn head_for_sniffing(bytes: &[u8]) -> Option<String> {
    let (enc, skip) = detect(bytes)?;
    let mut end = bytes.len().min(skip + 4096);
    if matches!(enc, Encoding::Utf16Le | Encoding::Utf16Be) {
        end -= (end - skip) % 2;
    }
    Some(decode(&bytes[skip..end], enc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(b: &[u8]) -> Result<String, Unreadable> {
        let mut s = Sink::new(1 << 20);
        extract(b, &mut s)?;
        Ok(s.into_string())
    }

    #[test]
    fn encodings() {
        assert_eq!(text(b"\xef\xbb\xbfSSN 123-45-6789").as_deref(), Ok("SSN 123-45-6789\n"));
        let le: Vec<u8> = "\u{feff}SSN 123-45-6789 \u{e9}".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(text(&le).as_deref(), Ok("SSN 123-45-6789 \u{e9}\n"));
        let be: Vec<u8> = "\u{feff}SSN 123-45-6789".encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(text(&be).as_deref(), Ok("SSN 123-45-6789\n"));
        let le_no_bom: Vec<u8> = "SSN 123-45-6789".encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(text(&le_no_bom).as_deref(), Ok("SSN 123-45-6789\n"));
        assert_eq!(text(b"caf\xe9 \x93quoted\x94").as_deref(), Ok("caf\u{e9} \u{201c}quoted\u{201d}\n"));
    }

    #[test]
    fn binary_is_not_text() {
        assert_eq!(text(b"\x00\x01\x02\x03binary\x00\x00"), Err(Unreadable::Binary));
        assert_eq!(text(&[7u8; 100]), Err(Unreadable::Binary));
    }
}
