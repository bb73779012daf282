//! The detectors, tested as data: `tests/data/detectors.toml` lists texts and exactly the
//! findings each must produce (detector and the substring found, in order).
//!
//! Besides the table, the scanner's invariants (ordered, non-overlapping findings on char
//! boundaries, no panic) are checked on every case text cut at every char boundary, and on
//! deterministic pseudo-random mixtures of the cases' fragments.

use lifeguard_core::detect::{Detector, Finding, Scanner};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    text: String,
    expect: Vec<Expected>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    detector: Detector,
    /// The exact substring found.
    text: String,
    /// The byte offset where it starts, for cases that pin offsets (multi-byte text).
    start: Option<usize>,
}

fn cases() -> Vec<Case> {
    let data = include_str!("data/detectors.toml");
    let cases: Cases = toml::from_str(data).expect("tests/data/detectors.toml parses");
    cases.case
}

/// Checks what every scan must guarantee, whatever the text.
fn check_invariants(text: &str, findings: &[Finding]) {
    let mut last_end = 0;
    for f in findings {
        assert!(
            f.start >= last_end,
            "findings overlap or are out of order in {text:?}: {findings:?}"
        );
        assert!(
            f.start < f.end && f.end <= text.len(),
            "bad span {f:?} in {text:?}"
        );
        assert!(
            text.is_char_boundary(f.start) && text.is_char_boundary(f.end),
            "span {f:?} splits a char in {text:?}"
        );
        assert_eq!(f.severity, f.detector.severity());
        last_end = f.end;
    }
}

#[test]
fn detector_cases() {
    let scanner = Scanner::new();
    let cases = cases();
    let mut failures = Vec::new();
    for case in &cases {
        let findings = scanner.scan(&case.text);
        check_invariants(&case.text, &findings);
        let got: Vec<(Detector, &str, usize)> = findings
            .iter()
            .map(|f| (f.detector, &case.text[f.start..f.end], f.start))
            .collect();
        let matches = got.len() == case.expect.len()
            && got
                .iter()
                .zip(&case.expect)
                .all(|(&(detector, text, start), e)| {
                    detector == e.detector && text == e.text && e.start.is_none_or(|s| s == start)
                });
        if !matches {
            let got: Vec<String> = got
                .iter()
                .map(|(d, t, s)| format!("{d} {t:?} @{s}"))
                .collect();
            let want: Vec<String> = case
                .expect
                .iter()
                .map(|e| {
                    format!(
                        "{} {:?}{}",
                        e.detector,
                        e.text,
                        e.start.map(|s| format!(" @{s}")).unwrap_or_default()
                    )
                })
                .collect();
            failures.push(format!(
                "case {:?}\n  text: {:?}\n  want: {want:?}\n  got:  {got:?}",
                case.name, case.text
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn case_names_are_unique_and_every_detector_is_covered() {
    let cases = cases();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    for pair in names.windows(2) {
        assert_ne!(pair[0], pair[1], "duplicate case name");
    }
    for detector in Detector::ALL {
        assert!(
            cases
                .iter()
                .any(|c| c.expect.iter().any(|e| e.detector == *detector)),
            "no case expects a {detector} finding"
        );
    }
}

#[test]
fn every_cut_of_every_case_keeps_the_invariants() {
    let scanner = Scanner::new();
    for case in cases() {
        let text = case.text.as_str();
        for (i, _) in text.char_indices().chain([(text.len(), ' ')]) {
            for part in [&text[..i], &text[i..]] {
                check_invariants(part, &scanner.scan(part));
            }
        }
    }
}

#[test]
fn random_mixtures_keep_the_invariants() {
    let scanner = Scanner::new();
    let cases = cases();
    let fragments: Vec<&str> = cases
        .iter()
        .flat_map(|c| c.text.split_inclusive([' ', '\n', '-', '.', ':']))
        .chain([
            "é",
            "😀",
            "中文",
            "\u{0}",
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----END ",
            "::",
            "+1",
        ])
        .collect();
    // xorshift64: deterministic, so a failure reproduces.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = String::new();
    for _ in 0..2_000 {
        text.clear();
        for _ in 0..(next() % 24) {
            text.push_str(fragments[(next() % fragments.len() as u64) as usize]);
            if next() % 3 == 0 {
                text.push(' ');
            }
        }
        check_invariants(&text, &scanner.scan(&text));
    }
}

#[test]
fn scan_into_appends() {
    let scanner = Scanner::new();
    let mut out = scanner.scan("SSN 123-45-6789");
    scanner.scan_into("mail a@example.org", &mut out);
    let detectors: Vec<Detector> = out.iter().map(|f| f.detector).collect();
    assert_eq!(detectors, [Detector::UsSsn, Detector::Email]);
}
