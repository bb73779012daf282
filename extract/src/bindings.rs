//! The WebAssembly interface of lifeguard-extract, the only place that knows wasm-bindgen.
//!
//! The extension loads this second module only when it has HTML or a file to read. Bytes in,
//! a JSON string out: `{"ok":true,"format":"pdf","text":"..."}` or
//! `{"ok":false,"reason":"encrypted","message":"..."}` (the reason's sentence for staff).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{Format, Limits, extract};

#[derive(Serialize)]
#[serde(untagged)]
enum Answer<'a> {
    Text { ok: bool, format: Format, text: &'a str },
    Unreadable { ok: bool, reason: &'static str, message: String },
}

/// Reads a file's text with the default limits; see the module documentation.
#[wasm_bindgen(js_name = extractText)]
pub fn extract_text(bytes: &[u8], name: &str, mime: &str) -> String {
    let got = extract(bytes, name, mime, &Limits::default());
    let answer = match &got {
        Ok(e) => Answer::Text { ok: true, format: e.format, text: &e.text },
        Err(u) => Answer::Unreadable { ok: false, reason: u.as_str(), message: u.to_string() },
    };
    serde_json::to_string(&answer).expect("answers always serialise")
}
