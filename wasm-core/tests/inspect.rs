//! One user action decided at once (`Engine::inspect`): the flavours of a rich paste, files,
//! unreadable files, typed text and request bodies; the strictest verdict, counts that do
//! not double the flavours of one paste, redactions from the same findings, and the events
//! to report.

use lifeguard_core::{ContentAction, Detector, Engine, EventKind, Part, Paste, Via};

const POLICY: &str = r#"{
  "schema_version": 1,
  "content_rules": [
    {"id": "city-critical", "min_severity": "critical", "action": "block", "message": "Never paste this.", "policy_ref": "APP 04.05 §IV.2"},
    {"id": "city-high", "min_severity": "high", "action": "warn", "message": "Think twice.", "policy_ref": "APP 04.05 §IV.2"},
    {"id": "city-contact", "detectors": ["email"], "action": "redact", "message": "Contact details are removed.", "policy_ref": "APP 04.05 §I"},
    {"id": "city-unreadable", "unreadable_files": true, "action": "warn", "message": "Could not read it.", "policy_ref": "APP 04.05 §IV.2"}
  ],
  "departments": [
    {"id": "police", "content_rules": [
      {"id": "police-unreadable", "unreadable_files": true, "action": "block", "message": "CJIS.", "policy_ref": "APP 04.05 §IV.5"}
    ]},
    {"id": "parks"}
  ],
  "pilots": [
    {"id": "pilot-parks", "hosts": ["pilot.example.org"], "departments": ["parks"], "approved_by": "IT Director", "expires_at": "2030-01-01"}
  ]
}"#;

fn engine() -> Engine {
    Engine::from_json(POLICY).expect("valid policy")
}

fn paste(department: Option<&'static str>) -> Paste<'static> {
    Paste { department, user: None, url: None, now: 1_780_000_000 }
}

#[test]
fn an_html_only_paste_is_inspected() {
    let e = engine();
    // The text lifeguard-extract reads from `<p>Employee <b>Jane</b>, SSN <span>123</span>-<span>45</span>-6789</p>`.
    let v = e.inspect(&[Part::Rich("Employee Jane, SSN 123-45-6789\n")], Via::Paste, &paste(None));
    assert_eq!(v.action, ContentAction::Block);
    assert_eq!(v.rule, Some("city-critical"));
    assert_eq!(v.counts.get(&Detector::UsSsn), Some(&1));
    assert_eq!(v.report.now, Some(EventKind::PasteBlocked));
    // Redaction inserts plain text, never the HTML.
    assert_eq!(v.insert.as_deref(), Some("Employee Jane, SSN [SSN]\n"));
}

#[test]
fn data_only_in_the_html_flavour_decides_the_paste() {
    let e = engine();
    let v = e.inspect(&[Part::Plain("see file"), Part::Rich("see file\n123-45-6789")], Via::Paste, &paste(None));
    assert_eq!(v.action, ContentAction::Block);
    assert!(v.findings.iter().all(|f| f.part == 1));
    assert_eq!(v.insert.as_deref(), Some("see file"), "the plain flavour is inserted, redacted");
}

#[test]
fn the_strictest_flavour_wins_and_one_paste_counts_once() {
    let e = engine();
    let plain = "Mail bob@example.com about SSN 123-45-6789";
    // The HTML's text holds the address twice (the link's text and its href).
    let html = "Mail bob@example.com about SSN 123-45-6789\nmailto:bob@example.com";
    let v = e.inspect(&[Part::Plain(plain), Part::Rich(html)], Via::Paste, &paste(None));
    assert_eq!(v.action, ContentAction::Block);
    // The SSN is in both flavours once: one SSN. The most of any flavour counts.
    assert_eq!(v.counts.get(&Detector::UsSsn), Some(&1));
    assert_eq!(v.counts.get(&Detector::Email), Some(&2));
    assert_eq!(v.redacted[0].as_deref(), Some("Mail [EMAIL] about SSN [SSN]"));
    assert_eq!(v.insert.as_deref(), Some("Mail [EMAIL] about SSN [SSN]"), "the plain flavour is what a redacted rich paste inserts");
    // A warn in one flavour and a block in the other: block, with the blocking rule.
    let v = e.inspect(&[Part::Plain("card 4111 1111 1111 1111"), Part::Rich("card 4111 1111 1111 1111 SSN 123-45-6789")], Via::Paste, &paste(None));
    assert_eq!((v.action, v.rule), (ContentAction::Block, Some("city-critical")));
}

#[test]
fn files_add_up_and_each_is_redacted_from_its_own_findings() {
    let e = engine();
    let v = e.inspect(&[Part::File("a 123-45-6789"), Part::File("b 234-56-7890 and 123-45-6789"), Part::Plain("see the files")], Via::Drop, &paste(None));
    assert_eq!(v.action, ContentAction::Block);
    assert_eq!(v.counts.get(&Detector::UsSsn), Some(&3));
    assert_eq!(v.redacted, vec![Some("a [SSN]".to_owned()), Some("b [SSN] and [SSN]".to_owned()), Some("see the files".to_owned())]);
    assert_eq!(v.findings.iter().map(|f| f.part).collect::<Vec<_>>(), vec![0, 1, 1]);
}

#[test]
fn unreadable_files_follow_their_rule() {
    let e = engine();
    let city = e.inspect(&[Part::Unreadable, Part::File("clean text")], Via::File, &paste(None));
    assert_eq!((city.action, city.rule), (ContentAction::Warn, Some("city-unreadable")));
    assert_eq!(city.unreadable, vec![0]);
    assert_eq!(city.redacted, vec![None, Some("clean text".to_owned())]);
    assert_eq!((city.report.anyway, city.report.cancel), (Some(EventKind::PasteProceeded), Some(EventKind::PasteCancelled)));
    let police = e.inspect(&[Part::Unreadable], Via::File, &paste(Some("police")));
    assert_eq!((police.action, police.rule), (ContentAction::Block, Some("police-unreadable")));
    // A data finding stricter than the unreadable rule still wins.
    let both = e.inspect(&[Part::Unreadable, Part::File("SSN 123-45-6789")], Via::File, &paste(None));
    assert_eq!((both.action, both.rule), (ContentAction::Block, Some("city-critical")));
    // On a pilot's host a file nobody can check is not public data.
    let pilot = Paste { department: Some("parks"), user: None, url: Some("https://pilot.example.org/chat"), now: 1_780_000_000 };
    let v = e.inspect(&[Part::Unreadable], Via::File, &pilot);
    assert_eq!((v.action, v.rule), (ContentAction::Block, Some("pilot-parks")));
}

#[test]
fn without_a_rule_unreadable_files_warn() {
    let e = Engine::from_json(r#"{"schema_version": 1}"#).expect("valid");
    let v = e.inspect(&[Part::Unreadable], Via::File, &paste(None));
    assert_eq!((v.action, v.rule), (ContentAction::Warn, None));
    assert!(v.message.is_some_and(|m| m.contains("could not read")));
    let d = Engine::default_city();
    assert_eq!(d.inspect(&[Part::Unreadable], Via::File, &paste(None)).rule, Some("warn-unreadable-files"));
    assert_eq!(d.inspect(&[Part::Unreadable], Via::File, &paste(Some("police"))).action, ContentAction::Block);
}

#[test]
fn the_way_data_arrives_names_the_events() {
    let e = engine();
    let cases: [(&str, Via, Option<EventKind>, Option<EventKind>); 9] = [
        ("SSN 123-45-6789", Via::Paste, Some(EventKind::PasteBlocked), None),
        ("mail bob@example.com", Via::Paste, Some(EventKind::PasteRedacted), None),
        ("card 4111 1111 1111 1111", Via::Paste, None, Some(EventKind::PasteProceeded)),
        ("SSN 123-45-6789", Via::Typing, Some(EventKind::SendBlocked), None),
        ("card 4111 1111 1111 1111", Via::Typing, None, Some(EventKind::SendProceeded)),
        ("the parks plan", Via::Typing, None, None),
        ("SSN 123-45-6789", Via::Request, Some(EventKind::RequestBlocked), None),
        ("card 4111 1111 1111 1111", Via::Request, None, None),
        ("the parks plan", Via::Paste, None, None),
    ];
    for (text, via, now, anyway) in cases {
        let v = e.inspect(&[Part::Plain(text)], via, &paste(None));
        assert_eq!((v.report.now, v.report.anyway), (now, anyway), "{text} by {via:?}");
    }
}

#[test]
fn a_bad_unreadable_rule_is_refused_with_its_place() {
    for (rule, problem) in [
        (r#"{"id": "u", "unreadable_files": true, "action": "redact", "policy_ref": "x"}"#, "cannot be redacted"),
        (r#"{"id": "u", "unreadable_files": true, "min_severity": "high", "action": "block", "policy_ref": "x"}"#, "not several"),
        (r#"{"id": "u", "unreadable_files": true, "detectors": ["email"], "action": "block", "policy_ref": "x"}"#, "not several"),
    ] {
        let err = Engine::from_json(&format!(r#"{{"schema_version": 1, "content_rules": [{rule}]}}"#)).expect_err(rule).to_string();
        assert!(err.contains("content_rules[0]") && err.contains(problem), "{err}");
    }
    let twice = r#"{"schema_version": 1, "content_rules": [
        {"id": "u1", "unreadable_files": true, "action": "block", "policy_ref": "x"},
        {"id": "u2", "unreadable_files": true, "action": "warn", "policy_ref": "x"}]}"#;
    assert!(Engine::from_json(twice).expect_err("two rules").to_string().contains("already acts on unreadable files"));
}

#[test]
fn a_file_in_chunks_is_decided_as_a_whole() {
    use lifeguard_core::inspect::Prior;
    let e = engine();
    let chunks = ["clean line\nmail bob@example.com\n", "SSN 123-45-6789\n", "card 4111 1111 1111 1111\n", "clean again\n"];
    let mut prior: Option<Prior> = None;
    let mut actions = Vec::new();
    for c in chunks {
        let v = e.inspect(&[Part::File(c)], Via::File, &paste(None));
        let m = v.merged(prior.as_ref(), Via::File).expect("a good prior");
        actions.push(m.action);
        prior = Some(serde_json::from_str(&serde_json::to_string(&m).expect("serialises")).expect("reads back"));
    }
    // The block of the second chunk holds for the rest; a later warn does not lower it.
    assert_eq!(actions, vec![ContentAction::Redact, ContentAction::Block, ContentAction::Block, ContentAction::Block]);
    let last = prior.expect("merged");
    assert_eq!(last.rule.as_deref(), Some("city-critical"));
    assert_eq!(last.counts.get("us_ssn"), Some(&1));
    assert_eq!(last.counts.get("email"), Some(&1));
    assert_eq!(last.counts.get("credit_card"), Some(&1));
    assert!(last.found);
    // A clean chunk after findings still reports: the verdict is the file's.
    let clean = e.inspect(&[Part::File("nothing here")], Via::File, &paste(None));
    let m = clean.merged(Some(&last), Via::File).expect("merged");
    assert_eq!((m.action, m.report.now), (ContentAction::Block, Some(EventKind::PasteBlocked)));
    let bad = Prior { action: "explode".into(), ..Prior::default() };
    assert!(clean.merged(Some(&bad), Via::File).is_err());
}
