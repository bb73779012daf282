//! Paste verdicts: which content rule decides each finding, the verdict for the text, pilots,
//! redaction and UTF-16 offsets.

use lifeguard_core::content::utf16_spans;
use lifeguard_core::{ContentAction, Detector, Engine, Finding, Paste, Severity, redact};

const POLICY: &str = r#"{
  "schema_version": 1,
  "content_rules": [
    {"id": "city-critical", "min_severity": "critical", "action": "block", "message": "Never paste this.", "policy_ref": "APP 04.05 §IV.2"},
    {"id": "city-high", "min_severity": "high", "action": "warn", "message": "Think twice.", "policy_ref": "APP 04.05 §IV.2"},
    {"id": "city-contact", "detectors": ["email", "phone_us"], "action": "redact", "message": "Contact details are removed.", "policy_ref": "APP 04.05 §I"}
  ],
  "departments": [
    {"id": "finance", "content_rules": [
      {"id": "finance-cards", "detectors": ["credit_card"], "action": "block", "message": "No card numbers.", "policy_ref": "APP 04.05 §IV.2"}
    ]},
    {"id": "police", "content_rules": [
      {"id": "police-medium", "min_severity": "medium", "action": "block", "message": "CJIS.", "policy_ref": "APP 04.05 §IV.5"},
      {"id": "police-email-ok", "detectors": ["email"], "action": "allow", "message": "", "policy_ref": "APP 04.05 §IV.5"}
    ]}
  ],
  "pilots": [
    {"id": "pilot-parks", "hosts": ["pilot.example.org"], "departments": ["parks"], "approved_by": "IT Director", "expires_at": "2030-01-01"}
  ]
}"#;

fn f(detector: Detector, start: usize, end: usize) -> Finding {
    Finding { detector, severity: detector.severity(), start, end }
}

fn paste(department: Option<&'static str>) -> Paste<'static> {
    Paste { department, user: None, url: None, now: 1_780_000_000 }
}

#[test]
fn each_finding_is_rated_by_the_most_specific_rule() {
    let e = Engine::from_json(POLICY).expect("valid");
    let findings = [f(Detector::Email, 0, 5), f(Detector::CreditCard, 10, 26), f(Detector::UsSsn, 30, 41), f(Detector::Vin, 50, 67)];
    let city = e.rate(&findings, &paste(None));
    let rated: Vec<_> = city.findings.iter().map(|r| (r.finding.detector, r.action, r.rule)).collect();
    assert_eq!(
        rated,
        [
            (Detector::Email, ContentAction::Redact, Some("city-contact")),
            (Detector::CreditCard, ContentAction::Warn, Some("city-high")),
            (Detector::UsSsn, ContentAction::Block, Some("city-critical")),
            (Detector::Vin, ContentAction::Allow, None),
        ]
    );
    assert_eq!((city.action, city.rule, city.policy_ref), (ContentAction::Block, Some("city-critical"), Some("APP 04.05 §IV.2")));

    // A department's detector rule beats the city's severity rule.
    let finance = e.rate(&findings[..2], &paste(Some("finance")));
    assert_eq!((finance.action, finance.rule), (ContentAction::Block, Some("finance-cards")));
    // A department's rule can also relax one detector; its severity rule covers the rest.
    let police = e.rate(&[findings[0], findings[3]], &paste(Some("Police")));
    let rated: Vec<_> = police.findings.iter().map(|r| (r.action, r.rule)).collect();
    assert_eq!(rated, [(ContentAction::Allow, Some("police-email-ok")), (ContentAction::Block, Some("police-medium"))]);
}

#[test]
fn no_findings_means_allow() {
    let e = Engine::from_json(POLICY).expect("valid");
    let v = e.rate(&[], &paste(None));
    assert_eq!((v.action, v.rule, v.findings.len()), (ContentAction::Allow, None, 0));
}

#[test]
fn pilots_take_public_data_only() {
    let e = Engine::from_json(POLICY).expect("valid");
    let on_pilot = Paste { department: Some("parks"), user: None, url: Some("https://pilot.example.org/chat"), now: 1_780_000_000 };
    let v = e.rate(&[f(Detector::Email, 0, 5)], &on_pilot);
    assert_eq!((v.action, v.rule), (ContentAction::Block, Some("pilot-parks")));
    assert!(v.policy_ref.is_some_and(|r| r.contains("§IV.7")));
    let elsewhere = Paste { url: Some("https://other.example.org/"), ..on_pilot };
    assert_eq!(e.rate(&[f(Detector::Email, 0, 5)], &elsewhere).action, ContentAction::Redact);
    let expired = Paste { now: 1_900_000_000, ..on_pilot };
    assert_eq!(e.rate(&[f(Detector::Email, 0, 5)], &expired).action, ContentAction::Redact);
}

#[test]
fn redaction_uses_typed_placeholders() {
    let text = "SSN 123-45-6789, mail a@b.org.";
    let findings = [f(Detector::UsSsn, 4, 15), f(Detector::Email, 22, 29)];
    assert_eq!(redact(text, &findings), "SSN [SSN], mail [EMAIL].");
    // Out-of-range or overlapping findings are skipped rather than panicking.
    let bad = [f(Detector::UsSsn, 4, 15), f(Detector::Email, 10, 12), f(Detector::Email, 25, 999)];
    assert_eq!(redact(text, &bad), "SSN [SSN], mail a@b.org.");
}

#[test]
fn utf16_offsets_count_code_units() {
    // "é" is 2 bytes / 1 unit, "😀" 4 bytes / 2 units, "中" 3 bytes / 1 unit.
    let text = "é😀中 123-45-6789";
    let start = text.find('1').expect("digit");
    let findings = [f(Detector::UsSsn, start, text.len())];
    assert_eq!(start, 10);
    assert_eq!(utf16_spans(text, &findings), [(5, 16)]);
    let js: Vec<u16> = text.encode_utf16().collect();
    assert_eq!(String::from_utf16_lossy(&js[5..16]), "123-45-6789");
}

#[test]
fn default_policy_verdicts_on_real_text() {
    let e = Engine::default_city();
    let v = e.scan("Employee SSN: 123-45-6789", &paste(None));
    assert_eq!(v.action, ContentAction::Block);
    assert_eq!(v.findings[0].finding.detector, Detector::UsSsn);
    assert_eq!(v.findings[0].finding.severity, Severity::Critical);
    let clean = e.scan("Please draft a friendly reminder about the Riviera Village street fair on Saturday.", &paste(None));
    assert_eq!((clean.action, clean.findings.len()), (ContentAction::Allow, 0));
    let contact = e.scan("Write to jane.doe@example.com about the permit.", &paste(None));
    assert_eq!(contact.action, ContentAction::Redact);
    let police = e.scan("Suspect vehicle VIN 1HGCM82633A004352 seen on Pacific Coast Hwy.", &paste(Some("police")));
    assert_eq!(police.action, ContentAction::Block);
}

/// Regression: rating a paste on a page whose host has a site rule (not a grant) indexed the
/// grants with the site rule's position and panicked out of bounds.
#[test]
fn paste_on_a_site_rule_host_does_not_confuse_rules_with_pilots() {
    let e = Engine::default_city();
    for url in ["https://chatgpt.com/", "https://www.grammarly.com/", "https://ai.redondo.org/", "https://zzz.example/"] {
        let p = Paste { department: Some("police"), user: None, url: Some(url), now: 1_780_000_000 };
        assert_eq!(e.rate(&[f(Detector::Email, 0, 5)], &p).findings.len(), 1, "{url}");
    }
}
