//! The WebAssembly bindings, run in headless Chromium by wasm-bindgen-test: what the
//! extension's JavaScript gets back from the engine.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p lifeguard-core --features wasm
//!  --target wasm32-unknown-unknown --test web`

#![cfg(all(target_arch = "wasm32", feature = "wasm"))]

use lifeguard_core::bindings::WasmEngine;
use serde_json::Value;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn parse(s: &str) -> Value {
    serde_json::from_str(s).expect("bindings return JSON")
}

#[wasm_bindgen_test]
fn decides_urls_in_the_browser() {
    let e = WasmEngine::default_city();
    let d = parse(&e.decide("HTTPS://ChatGPT.com./c/1", None, None, None, 1_780_000_000.0).expect("a URL"));
    assert_eq!(d["action"], "block");
    assert_eq!(d["rule"], "openai-chatgpt");
    assert!(d["policy_ref"].as_str().expect("ref").starts_with("APP 04.05 §IV.1"));
    let ok = parse(&e.decide("https://notchatgpt.com/", None, None, None, 1_780_000_000.0).expect("a URL"));
    assert_eq!(ok["action"], "allow");
    assert!(e.decide("https://[bad", None, None, None, 0.0).is_err(), "not a URL is an error, not a decision");
}

#[wasm_bindgen_test]
fn scans_with_utf16_offsets() {
    let e = WasmEngine::default_city();
    let text = "Résumé 😀 SSN 123-45-6789";
    let v = parse(&e.scan(text, None, None, None, 1_780_000_000.0));
    assert_eq!(v["action"], "block");
    let f = &v["findings"][0];
    assert_eq!(f["detector"], "us_ssn");
    let units: Vec<u16> = text.encode_utf16().collect();
    let (s, t) = (f["start_utf16"].as_u64().expect("start") as usize, f["end_utf16"].as_u64().expect("end") as usize);
    assert_eq!(String::from_utf16_lossy(&units[s..t]), "123-45-6789");
    assert_eq!(&text[f["start"].as_u64().expect("s") as usize..f["end"].as_u64().expect("e") as usize], "123-45-6789");
    assert_eq!(e.redact(text), "Résumé 😀 SSN [SSN]");
}

#[wasm_bindgen_test]
fn refuses_a_bad_policy_and_compiles_a_good_one() {
    assert!(WasmEngine::new(r#"{"schema_version": 1, "site_rules": [{"id": "x", "hosts": ["*.a.com"]}]}"#).is_err());
    let e = WasmEngine::new(&WasmEngine::default_policy_json()).expect("the default policy");
    assert_eq!(e.version(), 1.0);
    let rules = parse(&e.dnr_rules(Some("police".into()), None, None, 0.0, "chrome-extension://x/block.html", "chrome-extension://x/warn.html", 1));
    assert!(rules["rules"].as_array().expect("rules").len() > 10);
    let hosts = parse(&e.inspected_hosts());
    assert!(hosts.as_array().expect("hosts").iter().any(|h| h == "ai.redondo.org"));
}
