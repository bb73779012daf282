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

/// A county's imported blocklist: one rule with 100,000 hosts validates (in time linear in
/// its size: a list scan per host made this minutes long), a duplicate at its end is still
/// found, and a policy past [`MAX_HOST_ENTRIES`] is refused at once with what to change.
#[test]
fn large_blocklists_validate_and_have_a_documented_limit() {
    use lifeguard_core::policy::MAX_HOST_ENTRIES;
    use lifeguard_core::policy::raw::RawSiteRule;
    let rule = |id: &str, hosts: Vec<String>| RawSiteRule {
        id: id.into(),
        hosts,
        category: "general_purpose_ai".into(),
        action: "block".into(),
        message: "Not authorized.".into(),
        policy_ref: "APP 04.05 §IV.1".into(),
        ..RawSiteRule::default()
    };
    let hosts = |n: usize| (0..n).map(|i| format!("tool{i}.vendor{}.example", i % 97)).collect::<Vec<_>>();
    let mut raw = Policy::default_city().raw().clone();
    raw.site_rules.push(rule("county-blocklist", hosts(100_000)));
    let policy = Policy::validate(raw.clone()).expect("100,000 hosts validate");
    assert_eq!(policy.site_rules().iter().map(|r| r.hosts.len()).max(), Some(100_000));

    raw.site_rules.last_mut().expect("rule").hosts.push("TOOL5.vendor5.example.".into());
    let e = Policy::validate(raw.clone()).expect_err("a duplicate");
    assert!(e.problems().iter().any(|p| p.at().contains("hosts[100000]") && p.message().contains("listed twice")), "{e}");

    let mut raw = Policy::default_city().raw().clone();
    raw.site_rules.push(rule("too-big", hosts(MAX_HOST_ENTRIES + 1)));
    let e = Policy::validate(raw).expect_err("past the limit");
    assert_eq!(e.problems().len(), 1, "{e}");
    assert!(e.problems()[0].message().contains(&format!("Lifeguard allows {MAX_HOST_ENTRIES}")), "{e}");
}
