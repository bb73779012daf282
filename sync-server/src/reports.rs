//! Report events: what the extension sends, checked field by field before anything is stored.
//!
//! An event is ids, a host, counts and versions. It can never carry the text a user pasted:
//! unknown fields are refused, every string has a strict character set and a length limit
//! (an id cannot hold a sentence), and detector findings are counts keyed by the known
//! detector ids. A batch is stored in one transaction and each event at most once, keyed by
//! the client's UUID, so a retried batch changes nothing.

use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

use lifeguard_core::{Detector, Severity};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::Event;

/// Most events in one batch.
pub const MAX_BATCH: usize = 1000;

/// The oldest an event may be when it arrives, in days.
pub const MAX_EVENT_AGE_DAYS: i64 = 90;

/// Event kinds that are incidents when their findings reach the configured severity: a paste
/// that was blocked, or pasted after a warning (§IV.4), and a request the extension's network
/// check cancelled because its body held data the policy blocks (text that reached the page
/// by a way the paste guard did not see), and a send of typed text that was held, or sent
/// after a warning (the typing guard).
pub const INCIDENT_KINDS: [&str; 5] = ["paste_blocked", "paste_proceeded", "request_blocked", "send_blocked", "send_proceeded"];

/// Where a report's `user` comes from. Devices file reports with a device token, which is
/// issued per department (or per device), not per person: whoever holds the token can name
/// any colleague, and the server cannot check the name. `device`: claimed by the device that
/// filed the report, not verified by the server. Every listing of reports (the API, the CSV
/// export, incident webhooks, the console) says so, so a name is read as a lead, not as proof.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserSource {
    /// Claimed by the device that filed the report, not verified by the server.
    Device,
}

/// The CSV export's name for the `user` column: the user as the device reported it.
pub const CSV_USER_COLUMN: &str = "user_as_reported_by_device";

/// The body of `POST /v1/reports`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// The events, each an `EventIn`, each checked on its own: one that is not (an unknown
    /// field, a bad id) is listed in the answer's `rejected` and the rest are stored.
    #[schema(value_type = Vec<Object>, max_items = 1000)]
    pub events: Vec<serde_json::Map<String, Value>>,
}

/// One event as sent: ids, a host, counts and versions, never the text.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EventIn)]
pub struct RawEvent {
    /// A UUID made by the client: the same event sent twice is stored once.
    id: uuid::Uuid,
    /// What happened (`visit_blocked`, `paste_blocked`, ...).
    kind: String,
    /// When (RFC 3339).
    #[schema(format = DateTime)]
    time: String,
    /// The host of the page.
    #[serde(default)]
    host: Option<String>,
    /// The policy rule that decided.
    #[serde(default)]
    rule: Option<String>,
    /// The rule's category.
    #[serde(default)]
    category: Option<String>,
    /// `block`, `warn`, `redact`, `allow` or `proceed`.
    #[serde(default)]
    action: Option<String>,
    /// Findings per detector id: counts, never the text.
    #[serde(default)]
    detectors: BTreeMap<String, u32>,
    /// The user the extension identified (managed storage or the browser's signed-in account),
    /// as the device claims it: a department's device token can name anyone, so the server
    /// stores it with [`UserSource::Device`] and every listing says so.
    #[serde(default)]
    user: Option<String>,
    /// The device's department.
    #[serde(default)]
    department: Option<String>,
    /// The extension's version.
    #[serde(default)]
    extension_version: Option<String>,
    /// The policy version enforced.
    #[serde(default)]
    policy_version: Option<u64>,
    /// An extension id (for `ai_extension_found`).
    #[serde(default)]
    extension_id: Option<String>,
}

/// Why an event was refused.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Rejected {
    /// Its id, when it had a readable one.
    pub id: Option<String>,
    /// Its position in the batch.
    pub index: usize,
    /// What is wrong.
    pub reason: String,
}

/// The outcome of checking a batch.
#[derive(Debug, Default)]
pub struct Checked {
    /// Events to store.
    pub events: Vec<Event>,
    /// Ids sent twice in this batch (the first is kept).
    pub repeated: Vec<String>,
    /// Events refused.
    pub rejected: Vec<Rejected>,
}

/// Checks every event of a batch. `device_department` is the department of the device token.
pub fn check(batch: Vec<serde_json::Map<String, Value>>, device_department: Option<&str>, incident_min: Severity, now: i64) -> Checked {
    let mut out = Checked::default();
    let mut seen = HashSet::new();
    for (index, value) in batch.into_iter().map(Value::Object).enumerate() {
        let id = value.get("id").and_then(Value::as_str).filter(|s| s.len() <= 64).map(str::to_owned);
        match serde_json::from_value::<RawEvent>(value).map_err(|e| e.to_string()).and_then(|raw| validate(raw, device_department, incident_min, now)) {
            Ok(event) => {
                if seen.insert(event.id.clone()) {
                    out.events.push(event);
                } else {
                    out.repeated.push(event.id);
                }
            }
            Err(reason) => out.rejected.push(Rejected { id, index, reason }),
        }
    }
    out
}

fn validate(raw: RawEvent, device_department: Option<&str>, incident_min: Severity, now: i64) -> Result<Event, String> {
    let kind = slug("kind", raw.kind, 48)?;
    let time = time::OffsetDateTime::parse(&raw.time, &time::format_description::well_known::Rfc3339)
        .map_err(|_| "field `time` is not an RFC 3339 time".to_owned())?
        .unix_timestamp();
    if time > now + 24 * 3600 {
        return Err("field `time` is more than a day in the future".into());
    }
    // A device token can file events, not rewrite history: nothing dated before the window an
    // extension's queue can plausibly hold (a laptop offline for a season).
    if time < now - MAX_EVENT_AGE_DAYS * 86400 {
        return Err(format!("field `time` is more than {MAX_EVENT_AGE_DAYS} days before the server received it"));
    }
    let host = raw.host.map(|h| host_name(&h)).transpose()?;
    let rule = raw.rule.map(|v| ident("rule", v, 128)).transpose()?;
    let category = raw.category.map(|v| slug("category", v, 64)).transpose()?;
    let action = raw.action.map(|v| slug("action", v, 32)).transpose()?;
    let user = raw.user.map(user_name).transpose()?;
    let mut department = raw.department.map(|v| slug("department", v, 64)).transpose()?;
    if let Some(dev) = device_department.filter(|d| !d.is_empty()) {
        match &department {
            Some(d) if d != dev => return Err(format!("field `department` is `{d}` but the device token is for `{dev}`")),
            Some(_) => {}
            None => department = Some(dev.to_owned()),
        }
    }
    let extension_version = raw.extension_version.map(|v| charset("extension_version", v, 32, |c| c.is_ascii_alphanumeric() || ".-+".contains(c))).transpose()?;
    let extension_id = raw.extension_id.map(|v| charset("extension_id", v, 32, |c| ('a'..='p').contains(&c))).transpose()?;
    if raw.detectors.len() > Detector::ALL.len() {
        return Err("field `detectors` has more entries than there are detectors".into());
    }
    let mut detectors = Vec::with_capacity(raw.detectors.len());
    let mut severity: Option<Severity> = None;
    for (name, count) in raw.detectors {
        let d = Detector::from_str(&name).map_err(|_| format!("field `detectors` names an unknown detector `{}`", truncate(&name)))?;
        if count == 0 || count > 1_000_000 {
            return Err(format!("field `detectors.{name}` must be a count from 1 to 1000000"));
        }
        severity = severity.max(Some(d.severity()));
        detectors.push((d.as_str().to_owned(), i64::from(count)));
    }
    let incident = INCIDENT_KINDS.contains(&kind.as_str()) && severity.is_some_and(|s| s >= incident_min);
    Ok(Event {
        id: raw.id.hyphenated().to_string(),
        kind,
        time,
        received_at: now,
        host,
        rule,
        category,
        action,
        severity: severity.map(severity_name),
        user,
        department,
        extension_version,
        policy_version: raw.policy_version.map(|v| v.min(i64::MAX as u64) as i64),
        extension_id,
        incident,
        detectors,
    })
}

/// The name of a severity, as in policies.
pub fn severity_name(s: Severity) -> String {
    serde_json::to_value(s).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

fn charset(field: &str, v: String, max: usize, ok: impl Fn(char) -> bool) -> Result<String, String> {
    if v.is_empty() {
        return Err(format!("field `{field}` is empty"));
    }
    if v.len() > max {
        return Err(format!("field `{field}` is longer than {max} characters"));
    }
    if let Some(c) = v.chars().find(|&c| !ok(c)) {
        return Err(format!("field `{field}` has a character it cannot contain ({c:?})"));
    }
    Ok(v)
}

fn slug(field: &str, v: String, max: usize) -> Result<String, String> {
    charset(field, v, max, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn ident(field: &str, v: String, max: usize) -> Result<String, String> {
    charset(field, v, max, |c| c.is_ascii_alphanumeric() || "_-.:/".contains(c))
}

fn host_name(h: &str) -> Result<String, String> {
    charset("host", h.to_ascii_lowercase(), 253, |c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
}

fn user_name(v: String) -> Result<String, String> {
    charset("user", v, 254, |c| c.is_ascii_alphanumeric() || "._%+-@".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `now` a few days after the events' 2026-01-01.
    fn one(v: Value) -> Checked {
        let Value::Object(m) = v else { panic!("an event is an object") };
        check(vec![m], Some("police"), Severity::Critical, 1_768_000_000)
    }

    #[test]
    fn a_pasted_text_field_is_refused() {
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000001", "kind": "paste_blocked", "time": "2026-01-01T00:00:00Z", "text": "SSN 123-45-6789"}));
        assert!(c.events.is_empty());
        assert!(c.rejected[0].reason.contains("unknown field `text`"), "{:?}", c.rejected);
    }

    #[test]
    fn a_sentence_cannot_hide_in_an_id_field() {
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000001", "kind": "paste_blocked", "time": "2026-01-01T00:00:00Z", "rule": "my ssn is 123 45 6789"}));
        assert!(c.rejected[0].reason.contains("`rule`"), "{:?}", c.rejected);
    }

    #[test]
    fn a_blocked_critical_paste_is_an_incident_and_a_low_one_is_not() {
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000001", "kind": "paste_blocked", "time": "2026-01-01T00:00:00Z", "detectors": {"us_ssn": 1}}));
        assert!(c.events[0].incident);
        assert_eq!(c.events[0].department.as_deref(), Some("police"));
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000001", "kind": "paste_blocked", "time": "2026-01-01T00:00:00Z", "detectors": {"email": 1}}));
        assert!(!c.events[0].incident);
    }

    #[test]
    fn a_request_the_network_check_cancelled_is_an_incident_like_a_blocked_paste() {
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000002", "kind": "request_blocked", "time": "2026-01-01T00:00:00Z", "host": "ai.redondo.org", "action": "block", "detectors": {"us_ssn": 1}}));
        assert!(c.rejected.is_empty(), "{:?}", c.rejected);
        assert!(c.events[0].incident);
        assert_eq!(c.events[0].detectors, [("us_ssn".to_owned(), 1)]);
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000002", "kind": "request_blocked", "time": "2026-01-01T00:00:00Z", "detectors": {"email": 2}}));
        assert!(!c.events[0].incident, "below the incident severity");
        // Counts only, as for pastes: the body it cancelled cannot ride along.
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000002", "kind": "request_blocked", "time": "2026-01-01T00:00:00Z", "body": "{\"prompt\": \"SSN 123-45-6789\"}"}));
        assert!(c.rejected[0].reason.contains("unknown field `body`"), "{:?}", c.rejected);
    }

    #[test]
    fn typed_text_held_or_sent_after_a_warning_is_an_incident_and_a_cancelled_send_is_not() {
        for kind in ["send_blocked", "send_proceeded"] {
            let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000003", "kind": kind, "time": "2026-01-01T00:00:00Z", "host": "ai.redondo.org", "action": "block", "detectors": {"us_ssn": 1}}));
            assert!(c.rejected.is_empty(), "{kind}: {:?}", c.rejected);
            assert_eq!(c.events[0].kind, kind);
            assert!(c.events[0].incident, "{kind}");
            let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000003", "kind": kind, "time": "2026-01-01T00:00:00Z", "detectors": {"email": 1}}));
            assert!(!c.events[0].incident, "{kind} below the incident severity");
        }
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000003", "kind": "send_cancelled", "time": "2026-01-01T00:00:00Z", "detectors": {"us_ssn": 1}}));
        assert!(c.rejected.is_empty(), "{:?}", c.rejected);
        assert!(!c.events[0].incident, "nothing was sent");
        // Counts only: what was typed cannot ride along.
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000003", "kind": "send_blocked", "time": "2026-01-01T00:00:00Z", "prompt": "SSN 123-45-6789"}));
        assert!(c.rejected[0].reason.contains("unknown field `prompt`"), "{:?}", c.rejected);
    }
}
