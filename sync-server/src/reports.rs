//! Report events: what the extension sends, checked field by field before anything is stored.
//!
//! An event is ids, a host, counts and versions. It can never carry the text a user pasted:
//! unknown fields are refused, every string has a strict character set and a length limit
//! (an id cannot hold a sentence), and detector findings are counts keyed by the known
//! detector ids. A batch is stored in one transaction and each event at most once, keyed by
//! the client's UUID, so a retried batch changes nothing.

use std::collections::HashSet;
use std::str::FromStr;

use lifeguard_core::report::MAX_JUSTIFICATION;
use lifeguard_core::{Detector, ReportEvent, Severity};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::Event;

/// Most events in one batch.
pub const MAX_BATCH: usize = 1000;

/// The oldest an event may be when it arrives, in days.
pub const MAX_EVENT_AGE_DAYS: i64 = 90;

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
        match serde_json::from_value::<ReportEvent>(value).map_err(|e| e.to_string()).and_then(|raw| validate(raw, device_department, incident_min, now)) {
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

fn validate(raw: ReportEvent, device_department: Option<&str>, incident_min: Severity, now: i64) -> Result<Event, String> {
    let id = uuid::Uuid::parse_str(&raw.id).map_err(|_| "field `id` is not a UUID".to_owned())?;
    let kind = raw.kind;
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
    let subject = raw.subject.map(|v| ident("subject", v, 128)).transpose()?;
    let count = raw.count.map(|n| if (1..=i64::MAX as u64).contains(&n) { Ok(n as i64) } else { Err("field `count` must be 1 or more".to_owned()) }).transpose()?;
    let justification = raw.justification.map(justification).transpose()?;
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
    let incident = kind.may_be_incident() && severity.is_some_and(|s| s >= incident_min);
    Ok(Event {
        id: id.hyphenated().to_string(),
        kind: kind.as_str().to_owned(),
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
        count,
        subject,
        justification,
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

/// A warn page's justification: the user's own words, so any character but controls, at most
/// [`MAX_JUSTIFICATION`] characters, and nothing the detectors find (the extension refuses such a
/// justification before sending; this refuses one from any other client).
fn justification(v: String) -> Result<String, String> {
    let v = v.trim().to_owned();
    if v.is_empty() {
        return Err("field `justification` is empty".into());
    }
    if v.chars().count() > MAX_JUSTIFICATION {
        return Err(format!("field `justification` is longer than {MAX_JUSTIFICATION} characters"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err("field `justification` has a control character".into());
    }
    let found = lifeguard_core::find(&v);
    if let Some(f) = found.first() {
        return Err(format!("field `justification` holds sensitive data ({}): it cannot be stored", f.detector.label()));
    }
    Ok(v)
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
    fn a_count_and_a_subject_travel_in_their_own_fields() {
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000009", "kind": "reports_dropped", "time": "2026-01-01T00:00:00Z", "count": 1234}));
        assert!(c.rejected.is_empty(), "{:?}", c.rejected);
        assert_eq!((c.events[0].count, c.events[0].rule.as_deref()), (Some(1234), None));
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000009", "kind": "reports_dropped", "time": "2026-01-01T00:00:00Z", "count": 0}));
        assert!(c.rejected[0].reason.contains("`count`"), "{:?}", c.rejected);
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000009", "kind": "ai_extension_found", "time": "2026-01-01T00:00:00Z", "subject": "abcdefghijklmnopabcdefghijklmnop"}));
        assert_eq!(c.events[0].subject.as_deref(), Some("abcdefghijklmnopabcdefghijklmnop"));
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000009", "kind": "ai_extension_found", "time": "2026-01-01T00:00:00Z", "subject": "my ssn is 123 45 6789"}));
        assert!(c.rejected[0].reason.contains("`subject`"), "{:?}", c.rejected);
    }

    #[test]
    fn a_kind_outside_the_vocabulary_is_refused_by_name() {
        let c = one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000009", "kind": "ai_extension_installed", "time": "2026-01-01T00:00:00Z"}));
        assert!(c.rejected[0].reason.contains("`ai_extension_installed` is not a report kind"), "{:?}", c.rejected);
        let c = one(json!({"id": "not-a-uuid", "kind": "visit_blocked", "time": "2026-01-01T00:00:00Z"}));
        assert!(c.rejected[0].reason.contains("`id` is not a UUID"), "{:?}", c.rejected);
    }

    #[test]
    fn a_justification_is_kept_bounded_and_refused_if_it_holds_sensitive_data() {
        let e = |j: &str| one(json!({"id": "6f1c2a3e-0000-4000-8000-000000000010", "kind": "visit_proceeded", "time": "2026-01-01T00:00:00Z", "justification": j}));
        let c = e("  Researching public zoning rules for the council agenda ");
        assert_eq!(c.events[0].justification.as_deref(), Some("Researching public zoning rules for the council agenda"));
        let c = e("for the case of John, SSN 123-45-6789");
        assert!(c.rejected[0].reason.contains("sensitive data (Social Security number)"), "{:?}", c.rejected);
        let c = e(&"a".repeat(MAX_JUSTIFICATION + 1));
        assert!(c.rejected[0].reason.contains("longer than 500"), "{:?}", c.rejected);
        assert_eq!(e(&"é".repeat(MAX_JUSTIFICATION)).events.len(), 1, "characters, not bytes");
        assert!(e("   ").rejected[0].reason.contains("empty"));
        assert!(e("line\u{7}bell").rejected[0].reason.contains("control"));
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
