//! Paste decisions: what the content rules say about the findings in a text, and
//! redaction.
//!
//! For each finding the most specific rule decides: the department's rule naming its
//! detector, then the department's severity rule, then the city's detector rule, then the
//! city's severity rule (the one with the highest threshold the finding reaches). The
//! verdict for the whole text is the strictest action among its findings. On the host of an
//! active pilot only public data may be used (§IV.7), so any finding there blocks.

use serde::Serialize;

use crate::detect::{Finding, Severity};
use crate::policy::{ContentAction, ContentRule, Grant, GrantKind, Policy, Selector};

/// What a paste is about: who pastes, and where.
#[derive(Debug, Clone, Copy, Default)]
pub struct Paste<'a> {
    /// The pasting user's department.
    pub department: Option<&'a str>,
    /// The pasting user's e-mail.
    pub user: Option<&'a str>,
    /// The URL of the page pasted into, if known (pilot sites accept public data only).
    pub url: Option<&'a str>,
    /// Unix seconds (pilots expire).
    pub now: i64,
}

/// A finding with what the policy says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RatedFinding<'p> {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// What happens because of it.
    pub action: ContentAction,
    /// The content rule (or pilot) that decided, if any.
    pub rule: Option<&'p str>,
}

/// The verdict on a whole text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanVerdict<'p> {
    /// The strictest action among the findings (`allow` when there are none).
    pub action: ContentAction,
    /// The rule behind that action.
    pub rule: Option<&'p str>,
    /// The section of APP 04.05 it cites.
    pub policy_ref: Option<&'p str>,
    /// What staff are told.
    pub message: Option<&'p str>,
    /// Every finding, in text order.
    pub findings: Vec<RatedFinding<'p>>,
}

enum Decider<'p> {
    Rule(&'p ContentRule),
    Pilot(&'p Grant),
}

/// Rates findings against the content rules for this paste.
pub(crate) fn rate<'p>(policy: &'p Policy, pilot: Option<&'p Grant>, paste: &Paste<'_>, findings: &[Finding]) -> ScanVerdict<'p> {
    let dept = paste.department.and_then(|d| policy.department(d));
    let layers: [&'p [ContentRule]; 2] = [dept.map(|d| d.content_rules.as_slice()).unwrap_or(&[]), &policy.content_rules];
    let mut verdict = ScanVerdict { action: ContentAction::Allow, rule: None, policy_ref: None, message: None, findings: Vec::with_capacity(findings.len()) };
    let mut worst: Option<Decider<'p>> = None;
    for f in findings {
        let mut decider = layers.iter().find_map(|rules| rule_for(rules, f)).map(Decider::Rule);
        if let Some(g) = pilot {
            if decider.as_ref().is_none_or(|d| action_of(d) < ContentAction::Block) {
                decider = Some(Decider::Pilot(g));
            }
        }
        let action = decider.as_ref().map_or(ContentAction::Allow, action_of);
        verdict.findings.push(RatedFinding { finding: *f, action, rule: decider.as_ref().map(id_of) });
        if action > verdict.action {
            verdict.action = action;
            worst = decider;
        }
    }
    if let Some(d) = worst {
        verdict.rule = Some(id_of(&d));
        match d {
            Decider::Rule(r) => {
                verdict.policy_ref = Some(&r.policy_ref);
                verdict.message = Some(&r.message);
            }
            Decider::Pilot(g) => {
                verdict.policy_ref = Some(&g.policy_ref);
                verdict.message = Some("Pilots may use only information that is public or releasable under the CPRA.");
            }
        }
    }
    verdict
}

fn action_of(d: &Decider<'_>) -> ContentAction {
    match d {
        Decider::Rule(r) => r.action,
        Decider::Pilot(_) => ContentAction::Block,
    }
}

fn id_of<'p>(d: &Decider<'p>) -> &'p str {
    match d {
        Decider::Rule(r) => &r.id,
        Decider::Pilot(g) => &g.id,
    }
}

/// The rule of one list that decides a finding: a detector rule first, else the severity
/// rule with the highest threshold the finding reaches.
fn rule_for<'p>(rules: &'p [ContentRule], f: &Finding) -> Option<&'p ContentRule> {
    rules
        .iter()
        .find(|r| matches!(&r.selector, Selector::Detectors(ds) if ds.contains(&f.detector)))
        .or_else(|| {
            rules
                .iter()
                .filter_map(|r| match r.selector {
                    Selector::MinSeverity(s) if f.severity >= s => Some((s, r)),
                    _ => None,
                })
                .max_by_key(|(s, _): &(Severity, &ContentRule)| *s)
                .map(|(_, r)| r)
        })
}

/// The active pilot for this visitor on the page's host, if any. Any pilot counts, even
/// where an exception for the same host would decide the visit: its data rule still holds.
pub(crate) fn pilot_for<'p>(policy: &'p Policy, index: &crate::decide::HostIndex, paste: &Paste<'_>) -> Option<&'p Grant> {
    let url = crate::decide::parse_url(paste.url?).ok()?;
    let host = crate::decide::url_host(&url)?;
    index.find(host, url.path(), |e| {
        // Entries of other layers index other lists: look at grants only.
        let g = (e.layer == crate::decide::Layer::Grant).then(|| &policy.grants[e.target as usize])?;
        (g.kind == GrantKind::Pilot && g.active(paste.now) && g.audience.includes(paste.department, paste.user)).then_some(g)
    })
}

/// Replaces each finding in `text` with its typed placeholder (`[SSN]`). Findings must be in
/// order and not overlap, as the scanner gives them; others are skipped.
pub fn redact(text: &str, findings: &[Finding]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in findings {
        if f.start < at || f.end > text.len() || f.start > f.end || !text.is_char_boundary(f.start) || !text.is_char_boundary(f.end) {
            continue;
        }
        out.push_str(&text[at..f.start]);
        out.push_str(f.detector.placeholder());
        at = f.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Converts findings' byte offsets into UTF-16 code-unit offsets, as JavaScript strings
/// index text. One pass over the text, however many findings.
pub fn utf16_spans(text: &str, findings: &[Finding]) -> Vec<(usize, usize)> {
    let mut wanted: Vec<usize> = findings.iter().flat_map(|f| [f.start, f.end]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut map = Vec::with_capacity(wanted.len());
    let (mut byte, mut unit) = (0usize, 0usize);
    let mut chars = text.chars();
    for w in wanted {
        while byte < w {
            let Some(c) = chars.next() else { break };
            byte += c.len_utf8();
            unit += c.len_utf16();
        }
        map.push((w, unit));
    }
    let at = |b: usize| map.binary_search_by_key(&b, |&(k, _)| k).map_or(0, |i| map[i].1);
    findings.iter().map(|f| (at(f.start), at(f.end))).collect()
}
