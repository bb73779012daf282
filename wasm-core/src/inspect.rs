//! Everything one user action brings into an AI tool, decided at once: the flavours of a
//! paste or drop (`text/plain`, `text/html`, `text/rtf`), the files with it, files that could not be
//! read, typed text before it is sent, a request body leaving the page.
//!
//! The extension hands over what it read and carries out the answer; it ranks nothing
//! itself. The answer says:
//! - the strictest action of all the parts, and the rule, citation and message behind it;
//! - every finding, with the part it is in;
//! - counts per detector (the only form in which findings leave the browser). The flavours
//!   of one paste hold the same data twice, so a detector counts as often as the flavour
//!   that holds it most; files are different data and add up;
//! - the redacted text of each part, made from the same findings (no second scan), and
//!   what to insert in place of a rich paste when it is redacted: plain text, never HTML;
//! - the event to report now, or for each choice the user can make after a warning.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::{Paste, RatedFinding, redact};
pub use crate::report::EventKind;
use crate::detect::Detector;
use crate::policy::{ContentAction, ContentRule, Selector};
use crate::{Engine, scanner};

/// One thing to inspect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part<'a> {
    /// The `text/plain` flavour of a paste or drop, typed text, or a request body.
    Plain(&'a str),
    /// The text of a rich flavour of the same paste or drop, `text/html` or `text/rtf` (what
    /// a rich editor would insert; `lifeguard-extract` reads it as it is rendered).
    Rich(&'a str),
    /// The text of a file (read or extracted by the extension).
    File(&'a str),
    /// A file whose text could not be read.
    Unreadable,
}

/// How the data arrived, which names the events reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Pasted.
    Paste,
    /// Dropped.
    Drop,
    /// Chosen in a file input.
    File,
    /// Typed in the composer, about to be sent.
    Typing,
    /// A request body leaving the page.
    Request,
}

impl std::str::FromStr for Via {
    type Err = String;
    fn from_str(s: &str) -> Result<Via, String> {
        Ok(match s {
            "paste" => Via::Paste,
            "drop" => Via::Drop,
            "file" => Via::File,
            "typing" => Via::Typing,
            "request" => Via::Request,
            _ => return Err(format!("`{s}` is not a way data arrives (paste, drop, file, typing, request)")),
        })
    }
}

/// The events to report: `now` for a verdict carried out at once, the others for the
/// choices after a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reports {
    /// Report this at once (none for a clean allow).
    pub now: Option<EventKind>,
    /// The user went on with the data as it was.
    pub anyway: Option<EventKind>,
    /// The user went on with the data removed.
    pub redacted: Option<EventKind>,
    /// The user gave up.
    pub cancel: Option<EventKind>,
}

/// A finding, the part it is in, and what the policy says about it. Offsets are into the
/// part's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PartFinding<'p> {
    /// Index into the parts.
    pub part: usize,
    /// The rated finding.
    #[serde(flatten)]
    pub rated: RatedFinding<'p>,
}

/// The answer for one user action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inspection<'p> {
    /// The strictest action among all parts.
    pub action: ContentAction,
    /// The rule behind it.
    pub rule: Option<&'p str>,
    /// Its citation of APP 04.05.
    pub policy_ref: Option<&'p str>,
    /// What staff are told.
    pub message: Option<&'p str>,
    /// Every finding, part by part, in text order.
    pub findings: Vec<PartFinding<'p>>,
    /// Findings per detector, as reported.
    pub counts: BTreeMap<Detector, u32>,
    /// Parts that are unreadable files.
    pub unreadable: Vec<usize>,
    /// Per part, its text with placeholders for the findings; `None` when the action is
    /// `allow` (nothing to redact) and for unreadable files.
    pub redacted: Vec<Option<String>>,
    /// What to insert in place of the paste or drop when it is redacted: the redacted
    /// plain flavour, else the redacted text of the rich one (never HTML or RTF).
    pub insert: Option<String>,
    /// What to report.
    pub report: Reports,
}

/// The text of each part the detectors scan.
fn scanned_text<'a>(part: &Part<'a>) -> &'a str {
    match *part {
        Part::Plain(t) | Part::Rich(t) | Part::File(t) => t,
        Part::Unreadable => "",
    }
}

/// The rule of one list that acts on unreadable files.
fn unreadable_rule(rules: &[ContentRule]) -> Option<&ContentRule> {
    rules.iter().find(|r| r.selector == Selector::UnreadableFiles)
}

/// What happens to a file nobody can read when the policy says nothing: warn.
const UNREADABLE_DEFAULT: (&str, &str) = (
    "Lifeguard could not read this file, so it could not check it for personal or confidential data. Upload it only if you know it holds none.",
    "APP 04.05 §IV.2 (CJI, PII, HIPAA-protected or confidential data)",
);

pub(crate) fn inspect<'p>(engine: &'p Engine, parts: &[Part<'_>], via: Via, paste: &Paste<'_>) -> Inspection<'p> {
    let mut out = Inspection {
        action: ContentAction::Allow,
        rule: None,
        policy_ref: None,
        message: None,
        findings: Vec::new(),
        counts: BTreeMap::new(),
        unreadable: Vec::new(),
        redacted: Vec::with_capacity(parts.len()),
        insert: None,
        report: Reports { now: None, anyway: None, redacted: None, cancel: None },
    };
    // The flavours of the paste count as one: the most of each detector among them.
    let mut flavour_counts: BTreeMap<Detector, u32> = BTreeMap::new();
    let mut texts = Vec::with_capacity(parts.len());
    let mut raw_findings = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let text = scanned_text(part);
        let found = scanner().scan(text);
        let (action, rule, policy_ref, message) = if *part == Part::Unreadable {
            out.unreadable.push(i);
            unreadable_verdict(engine, paste)
        } else {
            let v = engine.rate(&found, paste);
            let mut counts: BTreeMap<Detector, u32> = BTreeMap::new();
            for f in &v.findings {
                *counts.entry(f.finding.detector).or_default() += 1;
                out.findings.push(PartFinding { part: i, rated: *f });
            }
            let into = if matches!(part, Part::File(_)) { &mut out.counts } else { &mut flavour_counts };
            for (d, n) in counts {
                let c = into.entry(d).or_default();
                *c = if matches!(part, Part::File(_)) { *c + n } else { (*c).max(n) };
            }
            (v.action, v.rule, v.policy_ref, v.message)
        };
        if action > out.action {
            (out.action, out.rule, out.policy_ref, out.message) = (action, rule, policy_ref, message);
        }
        texts.push(text);
        raw_findings.push(found);
    }
    for (d, n) in flavour_counts {
        *out.counts.entry(d).or_default() += n;
    }
    if out.action != ContentAction::Allow {
        for ((part, text), found) in parts.iter().zip(&texts).zip(&raw_findings) {
            out.redacted.push((*part != Part::Unreadable).then(|| redact(text, found)));
        }
        let plain = parts.iter().position(|p| matches!(p, Part::Plain(_))).or_else(|| parts.iter().position(|p| matches!(p, Part::Rich(_))));
        out.insert = plain.and_then(|i| out.redacted[i].clone());
    } else {
        out.redacted.resize(parts.len(), None);
    }
    out.report = reports(out.action, via, !out.findings.is_empty() || !out.unreadable.is_empty());
    out
}

/// The rule for unreadable files: the department's, else the city's, else warn. On a pilot's
/// host a file nobody can check is not known to be public, so it is blocked (§IV.7).
fn unreadable_verdict<'p>(engine: &'p Engine, paste: &Paste<'_>) -> (ContentAction, Option<&'p str>, Option<&'p str>, Option<&'p str>) {
    let policy = engine.policy();
    if let Some(g) = crate::content::pilot_for(policy, &engine.index, paste) {
        return (ContentAction::Block, Some(&g.id), Some(&g.policy_ref), Some("Pilots may use only information that is public or releasable under the CPRA; this file could not be checked."));
    }
    let dept = paste.department.and_then(|d| policy.department(d));
    let rule = dept.and_then(|d| unreadable_rule(&d.content_rules)).or_else(|| unreadable_rule(&policy.content_rules));
    match rule {
        Some(r) => (r.action, Some(&r.id), Some(&r.policy_ref), Some(&r.message)),
        None => (ContentAction::Warn, None, Some(UNREADABLE_DEFAULT.1), Some(UNREADABLE_DEFAULT.0)),
    }
}

/// What earlier inspections of the same user action said: a text file too large to read at
/// once is inspected in chunks, and each chunk's inspection takes the verdict so far, so the
/// last one covers the whole file. The JSON of a [`Merged`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Prior {
    /// The strictest action so far (`allow`, `redact`, `warn`, `block`).
    pub action: String,
    /// Its rule.
    #[serde(default)]
    pub rule: Option<String>,
    /// Its citation.
    #[serde(default)]
    pub policy_ref: Option<String>,
    /// Its message.
    #[serde(default)]
    pub message: Option<String>,
    /// Findings per detector so far.
    #[serde(default)]
    pub counts: BTreeMap<String, u32>,
    /// Whether anything was found (or unreadable) so far.
    #[serde(default)]
    pub found: bool,
}

/// An inspection's verdict merged with what came before: the strictest action (the earlier
/// one on a tie), counts added up, and the events for the merged verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Merged<'a> {
    /// The strictest action of all.
    pub action: ContentAction,
    /// The rule behind it.
    pub rule: Option<&'a str>,
    /// Its citation.
    pub policy_ref: Option<&'a str>,
    /// Its message.
    pub message: Option<&'a str>,
    /// Findings per detector, all together.
    pub counts: BTreeMap<String, u32>,
    /// Whether anything was found (or unreadable) at all.
    pub found: bool,
    /// What to report for the merged verdict.
    pub report: Reports,
}

impl Inspection<'_> {
    /// Whether anything was found, or a file could not be read.
    pub fn found(&self) -> bool {
        !self.findings.is_empty() || !self.unreadable.is_empty()
    }

    /// This inspection merged with a prior one of the same action (see [`Prior`]); without
    /// one, this inspection's own verdict. A prior whose action is not a content action is
    /// an error.
    pub fn merged<'a>(&'a self, prior: Option<&'a Prior>, via: Via) -> Result<Merged<'a>, String> {
        let mut counts: BTreeMap<String, u32> = self.counts.iter().map(|(d, n)| (d.as_str().to_owned(), *n)).collect();
        let mut m = Merged { action: self.action, rule: self.rule, policy_ref: self.policy_ref, message: self.message, counts: BTreeMap::new(), found: self.found(), report: self.report };
        if let Some(p) = prior {
            let action: ContentAction = p.action.parse().map_err(|e| format!("the prior verdict: {e}"))?;
            if action >= m.action {
                (m.action, m.rule, m.policy_ref, m.message) = (action, p.rule.as_deref(), p.policy_ref.as_deref(), p.message.as_deref());
            }
            for (d, n) in &p.counts {
                let c = counts.entry(d.clone()).or_default();
                *c = c.saturating_add(*n);
            }
            m.found |= p.found;
            m.report = reports(m.action, via, m.found);
        }
        m.counts = counts;
        Ok(m)
    }
}

/// The events for a verdict arriving by `via`.
fn reports(action: ContentAction, via: Via, found: bool) -> Reports {
    use EventKind::*;
    let none = Reports { now: None, anyway: None, redacted: None, cancel: None };
    match via {
        Via::Paste | Via::Drop | Via::File => match action {
            ContentAction::Allow => Reports { now: found.then_some(PasteAllowed), ..none },
            ContentAction::Block => Reports { now: Some(PasteBlocked), ..none },
            ContentAction::Redact => Reports { now: Some(PasteRedacted), ..none },
            ContentAction::Warn => Reports { now: None, anyway: Some(PasteProceeded), redacted: Some(PasteRedacted), cancel: Some(PasteCancelled) },
        },
        Via::Typing => match action {
            ContentAction::Allow => none,
            ContentAction::Block => Reports { now: Some(SendBlocked), ..none },
            ContentAction::Redact => Reports { now: Some(SendRedacted), ..none },
            ContentAction::Warn => Reports { now: None, anyway: Some(SendProceeded), redacted: Some(SendRedacted), cancel: Some(SendCancelled) },
        },
        Via::Request => Reports { now: (action == ContentAction::Block).then_some(RequestBlocked), ..none },
    }
}
