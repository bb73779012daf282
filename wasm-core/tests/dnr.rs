//! declarativeNetRequest compilation: the rules the browser enforces must agree with the
//! engine's own decisions. A small model of Chrome's matching (requestDomains match a host
//! and its subdomains; the highest priority wins; on a tie `allow` beats `redirect`) runs
//! every URL case through the compiled rules and compares with `Engine::decide`.

use lifeguard_core::{DnrOptions, Engine, SiteAction, Visit};
use serde_json::Value;

const BLOCK: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/pages/block.html";
const WARN: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/pages/warn.html";

fn opts() -> DnrOptions<'static> {
    DnrOptions { block_page: BLOCK, warn_page: WARN, first_id: 1 }
}

/// What Chrome would do with a main-frame navigation to `url` under `rules`.
fn simulate(rules: &[Value], url: &str) -> SiteAction {
    let parsed = url::Url::parse(url).expect("test URL");
    let host = parsed.host_str().expect("host").trim_end_matches('.');
    let mut best: Option<(u64, bool, SiteAction)> = None;
    for r in rules {
        let c = &r["condition"];
        let domain_ok = c["requestDomains"].as_array().expect("requestDomains").iter().any(|d| {
            let d = d.as_str().expect("domain");
            host == d || host.ends_with(&format!(".{d}"))
        });
        if !domain_ok {
            continue;
        }
        let re = regex::RegexBuilder::new(c["regexFilter"].as_str().expect("regexFilter")).case_insensitive(true).build().expect("RE2-compatible filter");
        if !re.is_match(parsed.as_str()) {
            continue;
        }
        let prio = r["priority"].as_u64().expect("priority");
        let action = match r["action"]["type"].as_str() {
            Some("allow") => SiteAction::Allow,
            Some("redirect") => {
                let to = r["action"]["redirect"]["regexSubstitution"].as_str().expect("substitution");
                if to.starts_with(BLOCK) { SiteAction::Block } else if to.starts_with(WARN) { SiteAction::Warn } else { panic!("redirect to {to}") }
            }
            other => panic!("unexpected action {other:?}"),
        };
        let is_allow = action == SiteAction::Allow;
        if best.is_none_or(|(p, a, _)| prio > p || (prio == p && is_allow && !a)) {
            best = Some((prio, is_allow, action));
        }
    }
    best.map_or(SiteAction::Allow, |(_, _, a)| a)
}

const VISITORS: &[(Option<&str>, Option<&str>)] = &[
    (None, None),
    (Some("police"), None),
    (Some("library"), None),
    (Some("it"), None),
    (Some("legal"), None),
    (Some("finance"), Some("ana@redondo.org")),
    (Some("finance"), Some("bob@redondo.org")),
    (Some("planning"), None),
    (Some("parks"), None),
    (None, Some("eve@redondo.org")),
    (Some("fire"), None),
];

const URLS: &[&str] = &[
    "https://chatgpt.com/",
    "https://www.chatgpt.com/c/1",
    "https://chat.openai.com/",
    "https://help.openai.com/en",
    "https://platform.openai.com/",
    "https://huggingface.co/chat/x",
    "https://huggingface.co/chat",
    "https://huggingface.co/chatterbox",
    "https://huggingface.co/%63H%61t/x",
    "https://huggingface.co/chat%2Fx",
    "https://huggingface.co/ch%3Fat",
    "https://huggingface.co/chat/docs/a",
    "https://huggingface.co/spaces/a",
    "https://huggingface.co/models",
    "https://app.grammarly.com/",
    "https://otter.ai/",
    "https://ai.redondo.org/",
    "https://copilot.microsoft.com/",
    "https://claude.ai/new",
    "https://pimeyes.com/",
    "https://www.redondo.org/",
    "https://notchatgpt.com/",
];

fn unix(t: &str) -> i64 {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).expect("time").unix_timestamp()
}

#[test]
fn compiled_rules_agree_with_decisions() {
    let engine = Engine::from_json(include_str!("data/fixture-policy.json")).expect("fixture");
    let mut checked = 0;
    for at in ["2026-04-01T12:00:00Z", "2026-05-10T00:00:00Z", "2026-07-01T00:00:00Z", "2026-01-01T00:00:00Z"] {
        let now = unix(at);
        for &(department, user) in VISITORS {
            let ruleset = serde_json::to_value(engine.dnr_rules(department, user, now, &opts())).expect("json");
            let rules = ruleset["rules"].as_array().expect("rules");
            for url in URLS {
                let want = engine.decide(&Visit { url, department, user, now }).expect("decides").action;
                let got = simulate(rules, url);
                assert_eq!(got, want, "{url} for {department:?}/{user:?} at {at}: DNR does {got:?}, the engine {want:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * VISITORS.len() * URLS.len());
}

#[test]
fn default_policy_compiles_to_a_ruleset_chrome_accepts() {
    let engine = Engine::default_city();
    let set = serde_json::to_value(engine.dnr_rules(Some("police"), None, 0, &opts())).expect("json");
    let rules = set["rules"].as_array().expect("rules");
    // Chrome's limits for dynamic rules: 5,000 "unsafe" (redirect) rules, 1,000 regex rules.
    assert!(!rules.is_empty() && rules.len() < 1000, "{} rules", rules.len());
    let mut ids = std::collections::HashSet::new();
    for r in rules {
        assert!(ids.insert(r["id"].as_u64().expect("id")), "duplicate id");
        assert!(r["priority"].as_u64().expect("priority") >= 1);
        let types = r["condition"]["resourceTypes"].as_array().expect("types");
        assert!(types.iter().any(|t| t == "main_frame"));
        if let Some(sub) = r["action"]["redirect"]["regexSubstitution"].as_str() {
            assert!(sub.starts_with(BLOCK) || sub.starts_with(WARN), "{sub}");
            assert!(sub.contains("?source=") && sub.ends_with("#\\0"), "{sub}");
        }
    }
    for url in ["https://chatgpt.com/", "https://gemini.google.com/app", "https://claude.ai/", "https://pimeyes.com/"] {
        assert_eq!(simulate(rules, url), SiteAction::Block, "{url}");
    }
    assert_eq!(simulate(rules, "https://ai.redondo.org/"), SiteAction::Allow);
    assert_eq!(simulate(rules, "https://www.redondo.org/"), SiteAction::Allow);
}

#[test]
fn next_change_tells_when_to_recompile() {
    let engine = Engine::from_json(include_str!("data/fixture-policy.json")).expect("fixture");
    let set = engine.dnr_rules(None, None, unix("2026-04-01T12:00:00Z"), &opts());
    // The fire department's suspension starts on 2026-05-01, the first change after April 1.
    assert_eq!(set.next_change_at, Some(unix("2026-05-01T00:00:00Z")));
}

/// Regression: one DNR rule per policy rule made a large policy exceed Chrome's limit of
/// 1,000 regex rules (and 5,000 redirects), and the browser refused the whole update.
#[test]
fn ten_thousand_host_rules_stay_within_chromes_limits() {
    let mut raw = lifeguard_core::Policy::default_city().raw().clone();
    for i in 0..10_000 {
        raw.site_rules.push(lifeguard_core::policy::raw::RawSiteRule {
            id: format!("extra-{i}"),
            hosts: vec![format!("tool{i}.ai-vendor{}.com", i % 97)],
            category: "general_purpose_ai".into(),
            action: if i % 3 == 0 { "warn".into() } else { "block".into() },
            message: "Not authorized.".into(),
            policy_ref: "APP 04.05 §IV.1".into(),
            ..Default::default()
        });
    }
    let engine = Engine::new(lifeguard_core::Policy::validate(raw).expect("valid"));
    let set = serde_json::to_value(engine.dnr_rules(Some("police"), None, 0, &opts())).expect("json");
    let rules = set["rules"].as_array().expect("rules");
    assert!(rules.len() < 1000, "{} DNR rules", rules.len());
    for i in [0, 1, 2, 3, 4001, 4002, 9_999] {
        let url = format!("https://tool{i}.ai-vendor{}.com/x", i % 97);
        let want = if i % 3 == 0 { SiteAction::Warn } else { SiteAction::Block };
        assert_eq!(engine.decide(&Visit { url: &url, department: Some("police"), user: None, now: 0 }).expect("decides").action, want);
        assert_eq!(simulate(rules, &url), want, "{url}");
    }
    assert_eq!(simulate(rules, "https://tool3.ai-vendor4.com/"), SiteAction::Allow);
}
