//! Any text: scanning never panics, findings are ordered, in bounds, on char boundaries and
//! do not overlap, and redaction and UTF-16 offsets work on them.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use lifeguard_core::{Engine, Paste, Scanner};

fn compiled() -> &'static (Scanner, Engine) {
    static C: OnceLock<(Scanner, Engine)> = OnceLock::new();
    C.get_or_init(|| (Scanner::new(), Engine::default_city()))
}

fuzz_target!(|data: &[u8]| {
    let (scanner, engine) = compiled();
    let text = String::from_utf8_lossy(data);
    let findings = scanner.scan(&text);
    let mut end = 0;
    for f in &findings {
        assert!(f.start >= end && f.start < f.end && f.end <= text.len(), "{f:?}");
        assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end), "{f:?}");
        end = f.end;
    }
    let _ = lifeguard_core::redact(&text, &findings);
    let _ = lifeguard_core::content::utf16_spans(&text, &findings);
    let _ = engine.scan(&text, &Paste { department: Some("police"), url: Some("https://chatgpt.com/c/1"), ..Paste::default() });
});
