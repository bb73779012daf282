//! URL decisions as data: every case in `data/urls.toml` (bypass spellings, look-alikes,
//! paths, precedence, departments, expiries) is decided and compared.

use lifeguard_core::{Engine, Visit};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    policy: String,
    url: String,
    department: Option<String>,
    user: Option<String>,
    user_hash: Option<String>,
    at: Option<String>,
    action: Option<String>,
    rule: Option<String>,
    source: Option<String>,
    #[serde(default)]
    error: bool,
}

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

fn unix(t: &str) -> i64 {
    time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).expect("test time").unix_timestamp()
}

#[test]
fn url_cases() {
    let cases: Cases = toml::from_str(include_str!("data/urls.toml")).expect("urls.toml parses");
    let default = Engine::default_city();
    let fixture = Engine::from_json(include_str!("data/fixture-policy.json")).expect("fixture policy is valid");
    let mut failures = Vec::new();
    for c in &cases.case {
        let engine = match c.policy.as_str() {
            "default" => &default,
            "fixture" => &fixture,
            other => panic!("{}: unknown policy {other}", c.name),
        };
        let visit = Visit {
            url: &c.url,
            department: c.department.as_deref(),
            user: c.user.as_deref(),
            user_hash: c.user_hash.as_deref(),
            now: unix(c.at.as_deref().unwrap_or("2026-04-01T12:00:00Z")),
        };
        let got = engine.decide(&visit);
        let d = match (got, c.error) {
            (Err(_), true) => continue,
            (Ok(d), true) => {
                failures.push(format!("{}: expected an error, got {}", c.name, serde_json::to_string(&d).unwrap_or_default()));
                continue;
            }
            (Err(e), false) => {
                failures.push(format!("{}: unexpected error {e}", c.name));
                continue;
            }
            (Ok(d), false) => d,
        };
        let json = serde_json::to_value(&d).expect("serialises");
        let mut check = |field: &str, want: &Option<String>| {
            if let Some(want) = want {
                let got = json[field].as_str().unwrap_or("");
                if got != want {
                    failures.push(format!("{}: {field} is `{got}`, expected `{want}` ({json})", c.name));
                }
            }
        };
        check("action", &c.action);
        check("rule", &c.rule);
        check("source", &c.source);
    }
    assert!(failures.is_empty(), "{} of {} URL cases failed:\n{}", failures.len(), cases.case.len(), failures.join("\n"));
}
