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
        if r["action"]["type"] == "modifyHeaders" {
            continue; // changes headers, never where a navigation goes
        }
        if let Some(re) = c["regexFilter"].as_str() {
            let re = regex::RegexBuilder::new(re).case_insensitive(true).build().expect("RE2-compatible filter");
            if !re.is_match(parsed.as_str()) {
                continue;
            }
        } else {
            // `||host/path`: the host or a subdomain, then the path.
            let filter = c["urlFilter"].as_str().expect("a regexFilter or a urlFilter");
            let (domain, path) = filter.strip_prefix("||").and_then(|f| f.find('/').map(|i| f.split_at(i))).expect("||host/path");
            if !((host == domain || host.ends_with(&format!(".{domain}"))) && parsed.path().starts_with(path)) {
                continue;
            }
        }
        let prio = r["priority"].as_u64().expect("priority");
        let action = match r["action"]["type"].as_str() {
            Some("allow") => SiteAction::Allow,
            Some("block") => SiteAction::Block,
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

/// mallory@redondo.org hashed with the fixture's `suspension_salt`.
const MALLORY: &str = "1ce973a638d067df0e416e68ce004c943ff8e41f36b34cfdbad1a3cdd41abec0";

/// (department, trusted e-mail, e-mail hashed for suspensions)
const VISITORS: &[(Option<&str>, Option<&str>, Option<&str>)] = &[
    (None, None, None),
    (Some("police"), None, None),
    (Some("library"), None, None),
    (Some("it"), None, None),
    (Some("legal"), None, None),
    (Some("finance"), Some("ana@redondo.org"), None),
    (Some("finance"), Some("bob@redondo.org"), None),
    (Some("planning"), None, None),
    (Some("parks"), None, None),
    (None, Some("eve@redondo.org"), None),
    (Some("fire"), None, None),
    (Some("planning"), None, Some(MALLORY)),
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
    // Google Translate's proxy of a rule's host is in the same rule.
    "https://chatgpt-com.translate.goog/?_x_tr_sl=auto",
    "https://huggingface-co.translate.goog/chat/x",
    "https://huggingface-co.translate.goog/models",
    "https://ai-redondo-org.translate.goog/",
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
        for &(department, user, user_hash) in VISITORS {
            let ruleset = serde_json::to_value(engine.dnr_rules(department, user, user_hash, now, &opts())).expect("json");
            let rules = ruleset["rules"].as_array().expect("rules");
            for url in URLS {
                let want = engine.decide(&Visit { url, department, user, user_hash, now }).expect("decides").action;
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
    let set = serde_json::to_value(engine.dnr_rules(Some("police"), None, None, 0, &opts())).expect("json");
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
    let set = engine.dnr_rules(None, None, None, unix("2026-04-01T12:00:00Z"), &opts());
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
    let set = serde_json::to_value(engine.dnr_rules(Some("police"), None, None, 0, &opts())).expect("json");
    let rules = set["rules"].as_array().expect("rules");
    assert!(rules.len() < 1000, "{} DNR rules", rules.len());
    for i in [0, 1, 2, 3, 4001, 4002, 9_999] {
        let url = format!("https://tool{i}.ai-vendor{}.com/x", i % 97);
        let want = if i % 3 == 0 { SiteAction::Warn } else { SiteAction::Block };
        assert_eq!(engine.decide(&Visit { url: &url, department: Some("police"), user: None, user_hash: None, now: 0 }).expect("decides").action, want);
        assert_eq!(simulate(rules, &url), want, "{url}");
    }
    assert_eq!(simulate(rules, "https://tool3.ai-vendor4.com/"), SiteAction::Allow);
}

const WORKSPACE_A: &str = "550e8400-e29b-41d4-a716-446655440000";
const WORKSPACE_B: &str = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

/// A policy whose ChatGPT Enterprise is the planning department's and whose Claude, Gemini
/// and Copilot tenants are everyone's.
fn tenant_policy() -> Engine {
    let json = format!(
        r#"{{"schema_version": 1, "authorized_tools": [
        {{"id": "chatgpt-enterprise", "name": "ChatGPT Enterprise", "hosts": ["chatgpt.com"], "departments": ["planning"], "policy_ref": "§IV.1",
          "tenant_restrictions": {{"openai_workspace_ids": ["{WORKSPACE_A}", "{}"]}}}},
        {{"id": "claude-enterprise", "name": "Claude for Enterprise", "hosts": ["claude.ai"], "policy_ref": "§IV.1",
          "tenant_restrictions": {{"anthropic_org_ids": ["{WORKSPACE_B}"], "google_workspace_domains": ["Redondo.org", "redondo.gov."],
                                  "microsoft_tenant_policy": "{WORKSPACE_A}:{WORKSPACE_B}"}}}}],
        "departments": [{{"id": "planning", "name": "Planning"}}, {{"id": "police", "name": "Police"}}]}}"#,
        WORKSPACE_B.to_uppercase()
    );
    Engine::from_json(&json).expect("valid tenant policy")
}

/// One `modifyHeaders` rule: (header, value, domains, resource types, priority).
type HeaderRule = (String, String, Vec<String>, Vec<String>, u64);

/// The header rules of a ruleset.
fn header_rules(rules: &[Value]) -> Vec<HeaderRule> {
    let strings = |v: &Value| v.as_array().expect("list").iter().map(|x| x.as_str().expect("string").to_owned()).collect::<Vec<_>>();
    rules
        .iter()
        .filter(|r| r["action"]["type"] == "modifyHeaders")
        .map(|r| {
            let h = &r["action"]["requestHeaders"].as_array().expect("requestHeaders")[..];
            assert_eq!(h.len(), 1);
            assert_eq!(h[0]["operation"], "set", "set, never append");
            (h[0]["header"].as_str().expect("name").to_owned(), h[0]["value"].as_str().expect("value").to_owned(), strings(&r["condition"]["requestDomains"]), strings(&r["condition"]["resourceTypes"]), r["priority"].as_u64().expect("priority"))
        })
        .collect()
}

#[test]
fn tenant_restrictions_set_each_vendors_header_on_its_hosts_for_the_tools_audience() {
    let engine = tenant_policy();
    let planning = serde_json::to_value(engine.dnr_rules(Some("planning"), None, None, 0, &opts())).expect("json");
    let rules = planning["rules"].as_array().expect("rules");
    let headers = header_rules(rules);
    let names: Vec<&str> = headers.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(names, ["ChatGPT-Allowed-Workspace-Id", "anthropic-allowed-org-ids", "X-GoogApps-Allowed-Domains", "sec-Restrict-Tenant-Access-Policy"]);
    let by = |name: &str| headers.iter().find(|h| h.0 == name).expect(name).clone();
    // Canonical values: lower-case UUIDs and domains, comma-separated without spaces.
    assert_eq!(by("ChatGPT-Allowed-Workspace-Id").1, format!("{WORKSPACE_A},{WORKSPACE_B}"));
    assert_eq!(by("ChatGPT-Allowed-Workspace-Id").2, ["chatgpt.com", "chat.openai.com"]);
    assert_eq!(by("anthropic-allowed-org-ids").2, ["claude.ai", "claude.com", "api.anthropic.com"]);
    assert_eq!(by("X-GoogApps-Allowed-Domains").1, "redondo.org,redondo.gov");
    assert_eq!(by("X-GoogApps-Allowed-Domains").2, ["google.com"]);
    assert_eq!(by("sec-Restrict-Tenant-Access-Policy").1, format!("{WORKSPACE_A}:{WORKSPACE_B}"));
    assert_eq!(by("sec-Restrict-Tenant-Access-Policy").2, ["login.microsoftonline.com", "login.microsoft.com", "login.windows.net"]);
    let top = rules.iter().filter(|r| r["condition"].get("regexFilter").is_some()).map(|r| r["priority"].as_u64().expect("priority")).max().expect("navigation rules");
    for (name, _, _, types, priority) in &headers {
        for t in ["main_frame", "sub_frame", "xmlhttprequest", "script", "image", "stylesheet", "websocket", "other"] {
            assert!(types.iter().any(|x| x == t), "{name} misses {t}");
        }
        assert!(*priority > top && *priority > 10_000_000, "{name}: an allow rule above it would switch it off");
    }
    // The signed-out ChatGPT endpoints are blocked while the workspace header is set.
    assert_eq!(simulate(rules, "https://chatgpt.com/backend-anon/conversation"), SiteAction::Block);
    assert_eq!(simulate(rules, "https://chat.openai.com/backend-anon/me"), SiteAction::Block);
    assert_eq!(simulate(rules, "https://chatgpt.com/backend-api/conversation"), SiteAction::Allow);
    let mut ids = std::collections::HashSet::new();
    assert!(rules.iter().all(|r| ids.insert(r["id"].as_u64().expect("id"))), "rule ids are unique");

    // Police is not the ChatGPT tool's audience: no OpenAI header (its devices are blocked
    // from chatgpt.com anyway), the city-wide Claude tool's headers still.
    let police = serde_json::to_value(engine.dnr_rules(Some("police"), None, None, 0, &opts())).expect("json");
    let rules = police["rules"].as_array().expect("rules");
    let names: Vec<String> = header_rules(rules).into_iter().map(|h| h.0).collect();
    assert_eq!(names, ["anthropic-allowed-org-ids", "X-GoogApps-Allowed-Domains", "sec-Restrict-Tenant-Access-Policy"]);
    assert_eq!(simulate(rules, "https://chatgpt.com/backend-anon/conversation"), SiteAction::Block, "restricted tool");

    // The default policy has none.
    let default = serde_json::to_value(Engine::default_city().dnr_rules(Some("planning"), None, None, 0, &opts())).expect("json");
    assert!(header_rules(default["rules"].as_array().expect("rules")).is_empty());
}

#[test]
fn a_tool_with_tenant_restrictions_is_the_citys_workspace_only() {
    let engine = tenant_policy();
    let d = engine.decide(&Visit { url: "https://claude.ai/new", department: Some("police"), user: None, user_hash: None, now: 0 }).expect("decides");
    assert_eq!(d.action, SiteAction::Allow);
    assert!(d.workspace_only);
    assert_eq!(serde_json::to_value(&d).expect("json")["workspace_only"], true);
    let fixture = Engine::from_json(include_str!("data/fixture-policy.json")).expect("fixture");
    let d = fixture.decide(&Visit { url: "https://ai.redondo.org/", department: None, user: None, user_hash: None, now: 0 }).expect("decides");
    assert_eq!(d.action, SiteAction::Allow);
    assert!(!d.workspace_only);
    assert!(serde_json::to_value(&d).expect("json").get("workspace_only").is_none());
}

/// Regression (security review 10): 1,200 path prefixes compiled to 1,200 regex rules, Chrome
/// refused the whole update and a fresh install had no URL blocking. The engine says so
/// before a server publishes such a policy.
#[test]
fn a_policy_past_chromes_regex_limit_is_refused_with_what_to_change() {
    let engine = Engine::default_city();
    assert!(engine.check_browser_limits(0).is_ok());
    let mut raw = lifeguard_core::Policy::default_city().raw().clone();
    raw.site_rules.push(lifeguard_core::policy::raw::RawSiteRule {
        id: "many-paths".into(),
        hosts: vec!["huggingface.co".into()],
        paths: (0..1200).map(|i| format!("/spaces/tool-{i}")).collect(),
        category: "general_purpose_ai".into(),
        action: "block".into(),
        message: "Not authorized.".into(),
        policy_ref: "APP 04.05 §IV.1".into(),
    });
    let engine = Engine::new(lifeguard_core::Policy::validate(raw.clone()).expect("valid as a document"));
    let rules = engine.dnr_rules(None, None, None, 0, &opts()).rules.len();
    assert!(rules > 1000, "{rules} rules");
    let err = engine.check_browser_limits(0).expect_err("past the limit");
    let p = &err.problems()[0];
    assert_eq!(p.at(), "site_rules");
    assert!(p.message().contains("Chrome allows 1000") && p.message().contains("path prefix"), "{}", p.message());
    // 900 are fine.
    raw.site_rules.last_mut().expect("rule").paths.truncate(900);
    assert!(Engine::new(lifeguard_core::Policy::validate(raw).expect("valid")).check_browser_limits(0).is_ok());
}
