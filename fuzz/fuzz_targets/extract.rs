//! Any file: extraction never panics, keeps to its limits, and reads nothing but UTF-8 text.
//! The first byte picks the name and type the browser would give (the content still
//! decides first). Seeded from extract/tests/fixtures (see scripts/fuzz.sh).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lifeguard_extract::{Limits, extract, sniff};

const HINTS: &[(&str, &str)] = &[
    ("", ""),
    ("a.txt", "text/plain"),
    ("a.html", "text/html"),
    ("a.eml", "message/rfc822"),
    ("a.pdf", "application/pdf"),
    ("a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("a.rtf", "application/rtf"),
    ("a.bin", "application/octet-stream"),
];

fuzz_target!(|data: &[u8]| {
    let (name, mime) = HINTS[usize::from(data.first().copied().unwrap_or(0)) % HINTS.len()];
    // Small bounds keep each run quick; they are the same code paths as the defaults.
    let limits = Limits { max_input: 1 << 20, max_text: 1 << 20, max_inflated: 8 << 20, max_entries: 1_000, max_depth: 16 };
    let sniffed = sniff(data, name, mime);
    if let Ok(got) = extract(data, name, mime, &limits) {
        assert!(got.text.len() <= limits.max_text + 1, "{} bytes of text", got.text.len());
        assert_eq!(Some(got.format), sniffed);
    }
});
