//! Text as the detectors read it. Text copied from Word, a PDF or a web page spells digits
//! and separators in ways the ASCII patterns do not see: `123 45 6789` with no-break spaces,
//! `123‑45‑6789` with non-breaking hyphens or en dashes, zero-width characters and soft
//! hyphens inside a number, full-width `１２３` or Arabic-Indic digits. [`normalize`] folds
//! each such character to its ASCII counterpart (or drops it) and keeps, for every byte of
//! the folded text, where its character began in the original, so findings are reported
//! against the text the user pasted: redaction and notices stay exact.
//!
//! Text with nothing to fold (all ASCII prose and code, most pastes) is scanned as it is,
//! without a copy.

use std::borrow::Cow;

/// What becomes of one character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fold {
    /// Read as it is.
    Keep,
    /// Invisible: read as if it were not there.
    Drop,
    /// Read as this ASCII character.
    To(char),
}

/// The first code point of each run of ten Unicode decimal digits (general category Nd)
/// outside ASCII and the full-width forms; `c - zero` is the digit's value.
const DIGIT_ZEROS: &[u32] = &[
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040,
    0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50,
    0xABF0, 0x104A0, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6,
];

/// How a character is read.
pub(crate) fn fold(c: char) -> Fold {
    let u = c as u32;
    match c {
        c if c.is_ascii() => Fold::Keep,
        // Spaces: no-break, narrow no-break, figure, the typographic widths, ideographic.
        '\u{00A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{2028}' | '\u{2029}' => Fold::To(' '),
        // Hyphens, dashes and minus signs.
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' => Fold::To('-'),
        // Invisible: zero-width space and joiners, word joiner, BOM, soft hyphen, Mongolian
        // vowel separator, invisible operators, direction marks and embeddings.
        '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' => Fold::Drop,
        // Full-width forms of ASCII (digits, letters, punctuation; U+FF0D is the minus).
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u - 0xFEE0).map_or(Fold::Keep, Fold::To),
        _ => match DIGIT_ZEROS.iter().find(|&&z| (z..z + 10).contains(&u)) {
            Some(&z) => Fold::To(char::from(b'0' + (u - z) as u8)),
            None => Fold::Keep,
        },
    }
}

/// Folded text, and where each of its bytes came from.
#[derive(Debug)]
pub(crate) struct Normalized<'a> {
    text: Cow<'a, str>,
    /// For each byte of the folded text, the offset in the original of the character it
    /// came from; empty when nothing was folded.
    origin: Vec<u32>,
}

/// Folds `text` for the detectors (see the module documentation).
pub(crate) fn normalize(text: &str) -> Normalized<'_> {
    let Some(first) = first_non_ascii(text.as_bytes()) else {
        return Normalized { text: Cow::Borrowed(text), origin: Vec::new() };
    };
    let Some((at, _)) = text[first..].char_indices().find(|&(_, c)| fold(c) != Fold::Keep) else {
        return Normalized { text: Cow::Borrowed(text), origin: Vec::new() };
    };
    let start = first + at;
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    out.push_str(&text[..start]);
    // Every byte maps to where its character starts: a finding may end inside a character
    // kept as it is (a password value ending in an emoji).
    origin.extend(0..first as u32);
    for (i, c) in text[first..start].char_indices() {
        origin.extend(std::iter::repeat_n((first + i) as u32, c.len_utf8()));
    }
    for (i, c) in text[start..].char_indices() {
        let i = (start + i) as u32;
        let c = match fold(c) {
            Fold::Keep => c,
            Fold::Drop => continue,
            Fold::To(to) => to,
        };
        out.push(c);
        origin.extend(std::iter::repeat_n(i, c.len_utf8()));
    }
    Normalized { text: Cow::Owned(out), origin }
}

/// The offset of the first byte outside ASCII. Checked a block at a time with
/// `<[u8]>::is_ascii`, which reads words rather than bytes: a byte-at-a-time search was a
/// fifth of the time of scanning plain prose.
fn first_non_ascii(bytes: &[u8]) -> Option<usize> {
    const BLOCK: usize = 256;
    let mut at = 0;
    for block in bytes.chunks(BLOCK) {
        if !block.is_ascii() {
            return block.iter().position(|&b| b >= 0x80).map(|i| at + i);
        }
        at += block.len();
    }
    None
}

impl Normalized<'_> {
    /// The text to scan.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether anything was folded (offsets then need [`Normalized::original`]).
    pub(crate) fn folded(&self) -> bool {
        matches!(self.text, Cow::Owned(_))
    }

    /// The span of `original` that the folded bytes `start..end` came from: from the first
    /// character's start to the last character's end.
    pub(crate) fn original(&self, original: &str, start: usize, end: usize) -> (usize, usize) {
        if !self.folded() || start >= end {
            return (start, end);
        }
        let from = self.origin[start] as usize;
        let last = self.origin[end - 1] as usize;
        let to = last + original[last..].chars().next().map_or(0, char::len_utf8);
        (from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (character class, characters, how each is read)
    const CLASSES: &[(&str, &[char], Fold)] = &[
        ("ASCII", &['a', '0', '-', ' ', '\n', '~'], Fold::Keep),
        ("no-break and typographic spaces", &['\u{00A0}', '\u{202F}', '\u{2007}', '\u{2009}', '\u{200A}', '\u{2000}', '\u{3000}', '\u{205F}', '\u{1680}'], Fold::To(' ')),
        ("hyphens, dashes, minus", &['\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}', '\u{FE58}', '\u{FE63}', '\u{FF0D}'], Fold::To('-')),
        ("zero-width and format characters", &['\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{00AD}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{180E}'], Fold::Drop),
        ("full-width zero", &['\u{FF10}'], Fold::To('0')),
        ("full-width nine", &['\u{FF19}'], Fold::To('9')),
        ("full-width letters", &['\u{FF21}'], Fold::To('A')),
        ("decimal zeros of other scripts", &['\u{0660}', '\u{06F0}', '\u{0966}', '\u{09E6}', '\u{0E50}', '\u{1040}', '\u{1D7CE}', '\u{1D7F6}'], Fold::To('0')),
        ("decimal sevens of other scripts", &['\u{0667}', '\u{06F7}', '\u{096D}', '\u{0BED}', '\u{0E57}', '\u{1D7D5}'], Fold::To('7')),
        ("letters and symbols that stay", &['é', 'ß', '中', '€', '“', '\u{00B2}', '\u{2460}'], Fold::Keep),
    ];

    #[test]
    fn each_character_class_folds_as_documented() {
        for (class, chars, want) in CLASSES {
            for &c in *chars {
                assert_eq!(fold(c), *want, "{class}: U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn every_digit_run_is_ten_digits_of_one_script() {
        for &z in DIGIT_ZEROS {
            for d in 0..10 {
                let c = char::from_u32(z + d).expect("a char");
                assert!(c.is_numeric(), "U+{:04X} is a digit", z + d);
                assert_eq!(fold(c), Fold::To(char::from(b'0' + d as u8)));
            }
        }
    }

    #[test]
    fn the_first_byte_outside_ascii_is_found_in_any_block() {
        for at in [0, 1, 255, 256, 257, 511, 512, 1000] {
            let mut text = "a".repeat(1200);
            text.replace_range(at..at + 1, "\u{2011}");
            assert_eq!(first_non_ascii(text.as_bytes()), Some(at), "{at}");
        }
        assert_eq!(first_non_ascii("a".repeat(1200).as_bytes()), None);
        assert_eq!(first_non_ascii(b""), None);
    }

    #[test]
    fn plain_text_is_not_copied() {
        for text in ["Employee SSN 123-45-6789", "café crème, “quoted”", ""] {
            let n = normalize(text);
            assert!(!n.folded(), "{text}");
            assert_eq!(n.as_str(), text);
        }
    }

    #[test]
    fn folded_spans_map_back_to_the_original() {
        // A span ending inside a character kept before the first folded one takes it whole.
        let text = "pass: 12🔑\u{00A0}x";
        assert_eq!(normalize(text).original(text, 6, 12), (6, 12));
        let text = "SSN:\u{00A0}１２３\u{2011}45\u{200B}-6789 done";
        let n = normalize(text);
        assert_eq!(n.as_str(), "SSN: 123-45-6789 done");
        let (s, e) = (n.as_str().find("123").expect("found"), n.as_str().find(" done").expect("found"));
        let (from, to) = n.original(text, s, e);
        assert_eq!(&text[from..to], "１２３\u{2011}45\u{200B}-6789");
        // A span ending just before a dropped character does not take it in.
        let (from, to) = n.original(text, n.as_str().find("45").expect("found"), n.as_str().find("45").expect("found") + 2);
        assert_eq!(&text[from..to], "45");
    }
}
