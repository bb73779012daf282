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
use crate::inspect::Prior;
use crate::{ContentAction, DnrOptions, Engine, Part, Paste, RatedFinding, Via, Visit};

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

#[derive(Serialize)]
struct JsPartFinding<'p> {
    part: usize,
    #[serde(flatten)]
    rated: RatedFinding<'p>,
    start_utf16: usize,
    end_utf16: usize,
}

#[derive(Serialize)]
struct JsInspection<'a, 'p> {
    action: ContentAction,
    rule: Option<&'p str>,
    policy_ref: Option<&'p str>,
    message: Option<&'p str>,
    findings: Vec<JsPartFinding<'p>>,
    counts: std::collections::BTreeMap<String, u32>,
    found: bool,
    unreadable: &'a [usize],
    redacted: &'a [Option<String>],
    insert: &'a Option<String>,
    report: crate::inspect::Reports,
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
    /// `user` is the visitor's trusted e-mail (for the rules that allow), `user_hash` the
    /// e-mail hashed with the policy's `suspension_salt` (for hashed suspensions).
    pub fn decide(&self, url: &str, department: Option<String>, user: Option<String>, user_hash: Option<String>, now: f64) -> Result<String, JsError> {
        let visit = Visit { url, department: department.as_deref(), user: user.as_deref(), user_hash: user_hash.as_deref(), now: now as i64 };
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

    /// Decides everything one user action brings in (`inspect::Inspection` as JSON, findings
    /// with UTF-16 offsets into their part's scanned text). `texts[i]` is read as `kinds[i]`:
    /// `plain`, `html` and `rtf` are the flavours of one paste or drop (for `html` and `rtf`,
    /// their text as lifeguard-extract reads it), `file` the text of a file,
    /// `unreadable` a file that could not be read (its text is ignored). `via` is `paste`,
    /// `drop`, `file`, `typing` or `request`. `prior`, the JSON of an earlier answer for the
    /// same user action (a text file inspected in chunks), is merged in: the verdict, counts
    /// and events then cover both (`found` says whether anything was found at all). Throws
    /// for an unknown kind or way, or a prior that is not such an answer.
    // Plain values across the wasm boundary, as `scan` takes them.
    #[allow(clippy::too_many_arguments)]
    pub fn inspect(&self, texts: Vec<String>, kinds: Vec<String>, via: &str, department: Option<String>, user: Option<String>, url: Option<String>, now: f64, prior: Option<String>) -> Result<String, JsError> {
        if texts.len() != kinds.len() {
            return Err(JsError::new("inspect: one kind for each text"));
        }
        let via: Via = via.parse().map_err(|e: String| JsError::new(&e))?;
        let parts = texts
            .iter()
            .zip(&kinds)
            .map(|(t, k)| match k.as_str() {
                "plain" => Ok(Part::Plain(t)),
                "html" | "rtf" => Ok(Part::Rich(t)),
                "file" => Ok(Part::File(t)),
                "unreadable" => Ok(Part::Unreadable),
                _ => Err(JsError::new(&format!("inspect: `{k}` is not a kind of part (plain, html, rtf, file, unreadable)"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let paste = Paste { department: department.as_deref(), user: user.as_deref(), url: url.as_deref(), now: now as i64 };
        let v = self.engine.inspect(&parts, via, &paste);
        // UTF-16 offsets, part by part, into the text that was scanned.
        let mut utf16 = Vec::with_capacity(v.findings.len());
        for (i, part) in parts.iter().enumerate() {
            let raw: Vec<_> = v.findings.iter().filter(|f| f.part == i).map(|f| f.rated.finding).collect();
            if raw.is_empty() {
                continue;
            }
            let (Part::Plain(text) | Part::Rich(text) | Part::File(text)) = part else { continue };
            utf16.extend(utf16_spans(text, &raw));
        }
        let findings: Vec<_> = v.findings.iter().zip(utf16).map(|(f, (start_utf16, end_utf16))| JsPartFinding { part: f.part, rated: f.rated, start_utf16, end_utf16 }).collect();
        let prior: Option<Prior> = prior.map(|p| serde_json::from_str(&p)).transpose().map_err(|e| JsError::new(&format!("inspect: the prior answer: {e}")))?;
        let m = v.merged(prior.as_ref(), via).map_err(|e| JsError::new(&format!("inspect: {e}")))?;
        Ok(json(&JsInspection { action: m.action, rule: m.rule, policy_ref: m.policy_ref, message: m.message, findings, counts: m.counts, found: m.found, unreadable: &v.unreadable, redacted: &v.redacted, insert: &v.insert, report: m.report }))
    }

    /// The text with every finding replaced by its typed placeholder (`[SSN]`).
    pub fn redact(&self, text: &str) -> String {
        crate::redact(text, &crate::scanner().scan(text))
    }

    /// The declarativeNetRequest rules for this visitor, as JSON `{rules, next_change_at}`.
    #[wasm_bindgen(js_name = dnrRules)]
    // Plain values across the wasm boundary, as `decide` takes them.
    #[allow(clippy::too_many_arguments)]
    pub fn dnr_rules(&self, department: Option<String>, user: Option<String>, user_hash: Option<String>, now: f64, block_page: &str, warn_page: &str, first_id: u32) -> String {
        let opts = DnrOptions { block_page, warn_page, first_id };
        json(&self.engine.dnr_rules(department.as_deref(), user.as_deref(), user_hash.as_deref(), now as i64, &opts))
    }

    /// Hosts where pastes are inspected, as a JSON array.
    #[wasm_bindgen(js_name = inspectedHosts)]
    pub fn inspected_hosts(&self) -> String {
        json(&self.engine.inspected_hosts())
    }
}
