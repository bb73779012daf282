//! The `lifeguard check` and `lifeguard scan` interface (DESIGN.md, "Command line"), run as
//! the real binary: JSON on stdout, byte offsets, clear errors and a non-zero exit status.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn lifeguard(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lifeguard"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lifeguard runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or_default()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("lifeguard exits")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "exit {:?}, stderr: {}", out.status, String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout.clone()).expect("UTF-8");
    assert_eq!(text.lines().count(), 1, "one JSON object on one line: {text}");
    serde_json::from_str(&text).expect("JSON")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeguard-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write");
    path
}

#[test]
fn check_blocks_chatgpt_with_the_default_policy() {
    let d = json(&lifeguard(&["check", "https://chatgpt.com/"], None));
    assert_eq!(d["action"], "block");
    assert_eq!(d["rule"], "openai-chatgpt");
    assert_eq!(d["category"], "general_purpose_ai");
    assert_eq!(d["policy_ref"], "APP 04.05 §IV.1 Authorization Requirement");
}

#[test]
fn check_allows_a_look_alike_and_names_no_rule() {
    let d = json(&lifeguard(&["check", "https://chatgpt.com.example.org/"], None));
    assert_eq!(d["action"], "allow");
    assert_eq!(d["rule"], Value::Null);
}

#[test]
fn check_uses_department_user_and_time() {
    let policy = temp_file(
        "exception.json",
        r#"{"schema_version": 1,
            "site_rules": [{"id": "gpt", "hosts": ["chatgpt.com"], "category": "general_purpose_ai", "action": "block", "message": "No.", "policy_ref": "APP 04.05 §IV.1"}],
            "exceptions": [{"id": "exc", "hosts": ["chatgpt.com"], "departments": ["planning"], "approved_by": "City Manager", "expires_at": "2026-06-30"}]}"#,
    );
    let p = policy.to_str().expect("path");
    let during = json(&lifeguard(&["check", "--policy", p, "--department", "planning", "--at", "2026-06-01T00:00:00Z", "https://chatgpt.com/"], None));
    assert_eq!((during["action"].as_str(), during["rule"].as_str()), (Some("allow"), Some("exc")));
    let after = json(&lifeguard(&["check", "--policy", p, "--department", "planning", "--at", "2026-07-01T00:00:00Z", "https://chatgpt.com/"], None));
    assert_eq!((after["action"].as_str(), after["rule"].as_str()), (Some("block"), Some("gpt")));
    let other = json(&lifeguard(&["check", "--policy", p, "--department", "finance", "--at", "2026-06-01T00:00:00Z", "https://chatgpt.com/"], None));
    assert_eq!(other["action"], "block");
}

#[test]
fn check_refuses_a_bad_policy_file_naming_the_rule_and_field() {
    let policy = temp_file("bad.json", r#"{"schema_version": 1, "site_rules": [{"id": "r1", "hosts": ["https://chatgpt.com"], "category": "general_purpose_ai", "action": "block", "policy_ref": "x"}]}"#);
    let out = lifeguard(&["check", "--policy", policy.to_str().expect("path"), "https://chatgpt.com/"], None);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no decision is printed");
    let err = stderr(&out);
    assert!(err.contains("site_rules[0] `r1`.hosts[0]") && err.contains("not a bare host"), "{err}");
}

#[test]
fn check_refuses_a_missing_policy_file() {
    let out = lifeguard(&["check", "--policy", "/nonexistent/policy.json", "https://chatgpt.com/"], None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot read policy file /nonexistent/policy.json"), "{}", stderr(&out));
}

#[test]
fn check_refuses_a_string_that_is_not_a_url() {
    let out = lifeguard(&["check", "http://[::1"], None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("is not a URL"), "{}", stderr(&out));
}

#[test]
fn scan_finds_an_ssn_with_byte_offsets() {
    let text = "Née: Zoë — SSN 123-45-6789.";
    let v = json(&lifeguard(&["scan"], Some(text.as_bytes())));
    assert_eq!(v["action"], "block");
    let f = &v["findings"][0];
    assert_eq!(f["detector"], "us_ssn");
    assert_eq!(f["severity"], "critical");
    let (s, e) = (f["start"].as_u64().expect("start") as usize, f["end"].as_u64().expect("end") as usize);
    assert_eq!(&text.as_bytes()[s..e], b"123-45-6789");
}

#[test]
fn scan_passes_clean_text() {
    let v = json(&lifeguard(&["scan"], Some(b"Draft a thank-you note to the volunteers of the beach clean-up.")));
    assert_eq!(v["action"], "allow");
    assert_eq!(v["findings"], Value::Array(vec![]));
}

#[test]
fn scan_redacts_on_request() {
    let v = json(&lifeguard(&["scan", "--redact"], Some(b"Email jane.doe@example.com today")));
    assert_eq!(v["action"], "redact");
    assert_eq!(v["redacted"], "Email [EMAIL] today");
}

#[test]
fn scan_applies_the_department_overlay() {
    let text = b"Plate 7ABC123 on the suspect vehicle";
    let city = json(&lifeguard(&["scan"], Some(text)));
    let police = json(&lifeguard(&["scan", "--department", "police"], Some(text)));
    assert_eq!(police["action"], "block", "{police}");
    assert_ne!(city["action"], "block", "{city}");
}

#[test]
fn scan_refuses_bytes_that_are_not_utf8() {
    let out = lifeguard(&["scan"], Some(b"abc \xff\xfe def"));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not UTF-8 text (invalid byte at offset 4)"), "{}", stderr(&out));
}

#[test]
fn policy_validate_reports_every_problem() {
    let policy = temp_file(
        "two-problems.json",
        r#"{"schema_version": 1, "site_rules": [
            {"id": "a", "hosts": ["*.x.com"], "category": "other", "action": "block", "policy_ref": "x"},
            {"id": "b", "hosts": ["y.com"], "category": "other", "action": "deny", "policy_ref": "x"}]}"#,
    );
    let out = lifeguard(&["policy", "validate", policy.to_str().expect("path")], None);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("2 problems") && err.contains("site_rules[0] `a`.hosts[0]") && err.contains("site_rules[1] `b`.action"), "{err}");
    let ok = json(&lifeguard(&["policy", "validate", concat!(env!("CARGO_MANIFEST_DIR"), "/../wasm-core/policy/default-policy.json")], None));
    assert_eq!(ok["valid"], true);
}

/// The extension's build writes this module: the report kinds, detector labels and policy
/// lists lifeguard-core defines, as the console also gets them.
#[test]
fn extension_vocabulary_is_a_module_of_the_engines_names() {
    let out = lifeguard(&["extension", "vocabulary"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let json = text.split_once("Object.freeze(").and_then(|(_, rest)| rest.rsplit_once(");")).map(|(j, _)| j).expect("export const VOCABULARY = Object.freeze({...});");
    let v: Value = serde_json::from_str(json).expect("JSON");
    assert!(v["kinds"].as_array().expect("kinds").iter().any(|k| k["id"] == "paste_blocked" && k["incident"] == true));
    assert!(v["detectors"].as_array().expect("detectors").iter().any(|d| d["id"] == "cji_case_number" && d["label"] == "criminal justice case number"));
    assert_eq!(v["content_actions"], serde_json::json!(["block", "warn", "redact", "allow"]));
}
