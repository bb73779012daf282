//! The WebAssembly interface (feature `wasm`), and the only place that knows about
//! wasm-bindgen. Plain data crosses the boundary: bytes and strings in, a JSON string out.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::{Format, Limits, Unreadable, extract};

#[derive(Serialize)]
#[serde(untagged)]
enum Answer<'a> {
    Read { ok: bool, format: Format, text: &'a str },
    Unreadable { ok: bool, reason: Unreadable, message: String },
}

/// The text of a file, as JSON: `{"ok":true,"format":"pdf","text":"..."}`, or
/// `{"ok":false,"reason":"encrypted","message":"..."}` when it cannot be read (`reason` is
/// one of encrypted, image, archive, binary, too_large, malformed, limits; `message` a
/// sentence for staff). `name` and `mime` are the file's name and type as the browser gives
/// them; the content decides first. The default [`Limits`] apply.
#[wasm_bindgen(js_name = extractText)]
pub fn extract_text(bytes: &[u8], name: &str, mime: &str) -> String {
    answer(extract(bytes, name, mime, &Limits::default()))
}

fn answer(got: Result<crate::Extracted, Unreadable>) -> String {
    let json = match &got {
        Ok(e) => serde_json::to_string(&Answer::Read { ok: true, format: e.format, text: &e.text }),
        Err(why) => serde_json::to_string(&Answer::Unreadable { ok: false, reason: *why, message: why.to_string() }),
    };
    // Serialising these plain structs cannot fail; say so in JSON all the same.
    json.unwrap_or_else(|_| r#"{"ok":false,"reason":"malformed","message":"The file could not be read."}"#.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes() {
        let ok = answer(extract(b"SSN 123-45-6789", "a.txt", "", &Limits::default()));
        assert_eq!(ok, r#"{"ok":true,"format":"text","text":"SSN 123-45-6789\n"}"#);
        let no = answer(extract(b"\x89PNG\r\n\x1a\n", "a.png", "", &Limits::default()));
        assert!(no.starts_with(r#"{"ok":false,"reason":"image","message":"The file is an image"#), "{no}");
    }
}
