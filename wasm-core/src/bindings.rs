//! The WebAssembly interface, and the only place that knows about wasm-bindgen.
//!
//! The extension's service worker and content scripts create one [`WasmEngine`] from the
//! policy bundle they hold and ask it everything. Plain data crosses the boundary: strings
//! in, JSON strings out (parsed with `JSON.parse`), so the JavaScript side needs no
//! generated types. Times are Unix seconds; text offsets come as UTF-8 bytes and as UTF-16
//! code units (`start_utf16`, `end_utf16`) for JavaScript strings.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::content::utf16_spans;
use crate::{ContentAction, DnrOptions, Engine, Paste, RatedFinding, Visit};

/// A compiled policy.
#[wasm_bindgen]
pub struct WasmEngine {
    engine: Engine,
}

#[derive(Serialize)]
struct JsFinding<'p> {
    #[serde(flatten)]
    rated: RatedFinding<'p>,
    start_utf16: usize,
    end_utf16: usize,
}

#[derive(Serialize)]
struct JsVerdict<'p> {
    action: ContentAction,
    rule: Option<&'p str>,
    policy_ref: Option<&'p str>,
    message: Option<&'p str>,
    findings: Vec<JsFinding<'p>>,
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("engine results always serialise")
}

#[wasm_bindgen]
impl WasmEngine {
    /// Compiles a policy document; throws an Error listing every problem.
    #[wasm_bindgen(constructor)]
    pub fn new(policy_json: &str) -> Result<WasmEngine, JsError> {
        Engine::from_json(policy_json).map(|engine| WasmEngine { engine }).map_err(|e| JsError::new(&e.to_string()))
    }

    /// The default city policy built into the engine.
    #[wasm_bindgen(js_name = defaultCity)]
    pub fn default_city() -> WasmEngine {
        WasmEngine { engine: Engine::default_city() }
    }

    /// The default city policy document, as JSON.
    #[wasm_bindgen(js_name = defaultPolicyJson)]
    pub fn default_policy_json() -> String {
        crate::policy::DEFAULT_POLICY_JSON.to_owned()
    }

    /// The policy's version.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> f64 {
        self.engine.policy().version() as f64
    }

    /// Decides a visit; returns the decision as JSON, throws for a string that is not a URL.
    pub fn decide(&self, url: &str, department: Option<String>, user: Option<String>, now: f64) -> Result<String, JsError> {
        let visit = Visit { url, department: department.as_deref(), user: user.as_deref(), now: now as i64 };
        self.engine.decide(&visit).map(|d| json(&d)).map_err(|e| JsError::new(&e.to_string()))
    }

    /// Scans a paste; returns the verdict as JSON with UTF-8 and UTF-16 offsets.
    pub fn scan(&self, text: &str, department: Option<String>, user: Option<String>, url: Option<String>, now: f64) -> String {
        let paste = Paste { department: department.as_deref(), user: user.as_deref(), url: url.as_deref(), now: now as i64 };
        let v = self.engine.scan(text, &paste);
        let raw: Vec<_> = v.findings.iter().map(|f| f.finding).collect();
        let findings = v
            .findings
            .iter()
            .zip(utf16_spans(text, &raw))
            .map(|(rated, (start_utf16, end_utf16))| JsFinding { rated: *rated, start_utf16, end_utf16 })
            .collect();
        json(&JsVerdict { action: v.action, rule: v.rule, policy_ref: v.policy_ref, message: v.message, findings })
    }

    /// The text with every finding replaced by its typed placeholder (`[SSN]`).
    pub fn redact(&self, text: &str) -> String {
        crate::redact(text, &crate::scanner().scan(text))
    }

    /// The declarativeNetRequest rules for this visitor, as JSON `{rules, next_change_at}`.
    #[wasm_bindgen(js_name = dnrRules)]
    pub fn dnr_rules(&self, department: Option<String>, user: Option<String>, now: f64, block_page: &str, warn_page: &str, first_id: u32) -> String {
        let opts = DnrOptions { block_page, warn_page, first_id };
        json(&self.engine.dnr_rules(department.as_deref(), user.as_deref(), now as i64, &opts))
    }

    /// Hosts where pastes are inspected, as a JSON array.
    #[wasm_bindgen(js_name = inspectedHosts)]
    pub fn inspected_hosts(&self) -> String {
        json(&self.engine.inspected_hosts())
    }
}
