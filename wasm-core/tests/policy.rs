//! The policy document: the default city policy is complete and valid, the documented
//! example is valid, and bad policies are refused with every problem located.

use std::collections::HashSet;

use lifeguard_core::policy::{Category, Policy};
use lifeguard_core::{Engine, SiteAction};
use serde::Deserialize;

#[test]
fn default_policy_is_valid_and_covers_consumer_ai() {
    let p = Policy::default_city();
    let consumer: HashSet<&str> = p
        .site_rules()
        .iter()
        .filter(|r| r.department.is_none() && !matches!(r.category, Category::ProhibitedUse | Category::EmbeddedAi | Category::Other))
        .filter(|r| r.action == SiteAction::Block)
        .flat_map(|r| r.hosts.iter().map(String::as_str))
        .collect();
    assert!(consumer.len() >= 150, "only {} consumer AI hosts are blocked", consumer.len());
    for cat in [
        Category::GeneralPurposeAi,
        Category::AiSearch,
        Category::WritingAssistant,
        Category::ImageGeneration,
        Category::VideoGeneration,
        Category::VoiceGeneration,
        Category::AiCompanion,
        Category::CodeAssistant,
        Category::ModelPlayground,
        Category::ProhibitedUse,
    ] {
        assert!(p.site_rules().iter().any(|r| r.category == cat && r.action == SiteAction::Block), "no blocked {cat} site");
    }
    assert!(p.site_rules().iter().any(|r| r.category == Category::EmbeddedAi && r.action == SiteAction::Warn), "embedded AI is warned (§II)");
    for r in p.site_rules() {
        assert!(r.policy_ref.starts_with("APP 04.05 §"), "rule {} cites {:?}", r.id, r.policy_ref);
        assert!(!r.message.is_empty(), "rule {} has no message for staff", r.id);
    }
    for r in p.content_rules() {
        assert!(r.policy_ref.starts_with("APP 04.05 §"), "content rule {} cites {:?}", r.id, r.policy_ref);
    }
    assert!(p.department("police").is_some(), "the Police Department has its own overlay (§IV.5)");
    assert_eq!(p.tools().len(), 1, "one enterprise AI environment (§IV.1)");
}

#[test]
fn default_policy_round_trips() {
    let p = Policy::default_city();
    let again = Policy::from_json(&p.to_json()).expect("re-serialised default policy is valid");
    assert_eq!(p.raw(), again.raw());
}

#[test]
fn documented_example_policy_is_valid() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/example-policy.json")).expect("docs/example-policy.json exists");
    Engine::from_json(&text).unwrap_or_else(|e| panic!("docs/example-policy.json: {e}"));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BadCase {
    name: String,
    policy: Option<String>,
    site_rule: Option<String>,
    tenant: Option<String>,
    at: String,
    message: String,
}

#[derive(Deserialize)]
struct BadCases {
    case: Vec<BadCase>,
}

#[test]
fn bad_policies_name_the_rule_and_field() {
    let cases: BadCases = toml::from_str(include_str!("data/bad-policies.toml")).expect("bad-policies.toml parses");
    let mut failures = Vec::new();
    for c in &cases.case {
        let json = match (&c.policy, &c.site_rule, &c.tenant) {
            (Some(p), None, None) => p.clone(),
            (None, Some(r), None) => format!(r#"{{"schema_version": 1, "site_rules": [{r}]}}"#),
            (None, None, Some(t)) => format!(r#"{{"schema_version": 1, "authorized_tools": [{{"id": "t", "name": "T", "hosts": ["chatgpt.com"], "policy_ref": "§IV.1", "tenant_restrictions": {t}}}]}}"#),
            _ => panic!("{}: give one of `policy`, `site_rule`, `tenant`", c.name),
        };
        match Policy::from_json(&json) {
            Ok(_) => failures.push(format!("{}: accepted", c.name)),
            Err(e) => {
                let hit = e.problems().iter().any(|p| p.at().contains(&c.at) && p.message().contains(&c.message));
                if !hit {
                    failures.push(format!("{}: expected a problem at `{}` saying `{}`, got: {e}", c.name, c.at, c.message));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.case.len(), failures.join("\n"));
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let json = r#"{"schema_version": 1, "site_rules": [
        {"id": "a", "hosts": ["https://x.com"], "category": "other", "action": "block", "policy_ref": "x"},
        {"id": "b", "hosts": ["y.com"], "category": "nope", "action": "block", "policy_ref": "x"},
        {"id": "c", "hosts": ["z.com"], "category": "other", "action": "block", "policy_ref": ""}]}"#;
    let e = Policy::from_json(json).expect_err("three bad rules");
    let at: Vec<&str> = e.problems().iter().map(|p| p.at()).collect();
    assert_eq!(at, ["site_rules[0] `a`.hosts[0]", "site_rules[1] `b`.category", "site_rules[2] `c`.policy_ref"]);
    assert!(e.to_string().starts_with("invalid policy (3 problems):"), "{e}");
}
