//! Measures the engine in headless Chromium with the browser's performance clock: a URL
//! decision with the default policy plus 10,000 extra host rules, and scans of 1 MB and
//! 100 KB of English text with identifiers; and a county's 100,000-host blocklist parsed,
//! validated and compiled as every inspected page does (< 1 s). Prints figures; asserts
//! nothing about time.
//!
//! `scripts/bench-wasm.sh` runs it (release build).

#![cfg(all(target_arch = "wasm32", feature = "wasm"))]

use lifeguard_core::policy::raw::RawSiteRule;
use lifeguard_core::{Engine, Paste, Policy, Visit};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "../benches/support/corpus.rs"]
mod corpus;
#[path = "../benches/support/policies.rs"]
mod policies;

fn now_ms() -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).expect("performance");
    let now = js_sys::Reflect::get(&perf, &JsValue::from_str("now")).expect("now");
    js_sys::Function::from(now).call0(&perf).expect("call").as_f64().expect("number")
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

#[wasm_bindgen_test]
fn measure_in_chromium() {
    let mut raw = Policy::default_city().raw().clone();
    for i in 0..10_000 {
        raw.site_rules.push(RawSiteRule {
            id: format!("extra-{i}"),
            hosts: vec![format!("tool{i}.ai-vendor{}.com", i % 97)],
            category: "general_purpose_ai".into(),
            action: "block".into(),
            message: "Not authorized.".into(),
            policy_ref: "APP 04.05 §IV.1".into(),
            ..RawSiteRule::default()
        });
    }
    let engine = Engine::new(Policy::validate(raw).expect("valid"));
    let urls = ["https://chatgpt.com/c/123", "https://huggingface.co/chat/x", "https://tool5000.ai-vendor53.com/", "https://a.b.www.redondo.org/x?q=1"];
    let mut per_call = Vec::new();
    for _ in 0..15 {
        let n = 20_000;
        let t = now_ms();
        for i in 0..n {
            let v = Visit { url: urls[i % urls.len()], department: Some("police"), user: None, user_hash: None, now: 1_780_000_000 };
            std::hint::black_box(engine.decide(&v).expect("decides").action);
        }
        per_call.push((now_ms() - t) * 1000.0 / n as f64);
    }
    let text = corpus::corpus();
    let mut mbps = Vec::new();
    for _ in 0..15 {
        let t = now_ms();
        std::hint::black_box(engine.scan(&text, &Paste::default()).action);
        mbps.push(text.len() as f64 / 1e6 / ((now_ms() - t) / 1000.0));
    }
    let small = &text[..text.floor_char_boundary(100 * 1024)];
    let mut ms_100k = Vec::new();
    for _ in 0..15 {
        let t = now_ms();
        std::hint::black_box(engine.scan(small, &Paste::default()).action);
        ms_100k.push(now_ms() - t);
    }
    web_sys_log(&format!(
        "wasm in Chromium: decide median {:.2} µs/URL (default policy + 10,000 rules); scan 1 MB median {:.0} MB/s; scan 100 KB median {:.2} ms",
        median(per_call),
        median(mbps),
        median(ms_100k)
    ));
}

#[wasm_bindgen_test]
fn measure_a_100k_host_policy_in_chromium() {
    for per_rule in [1000, 100_000] {
        let json = policies::county_blocklist(100_000, per_rule);
        let mut ms = Vec::new();
        for _ in 0..5 {
            let t = now_ms();
            std::hint::black_box(Engine::from_json(&json).expect("valid"));
            ms.push(now_ms() - t);
        }
        web_sys_log(&format!("wasm in Chromium: 100,000-host policy ({per_rule} hosts a rule, {} KB) parse + validate + compile median {:.0} ms", json.len() / 1024, median(ms)));
    }
}

fn web_sys_log(s: &str) {
    wasm_bindgen_test::console_log!("{s}");
}
