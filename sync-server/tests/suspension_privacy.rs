//! Suspensions are HR matters (APP 04.05 §VII): devices receive only what they need to match
//! a suspended person (salted hashes, no reason, no name of who suspended), and in the console
//! only IT and the City Manager read the reasons. On SQLite and on PostgreSQL.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use common::{Backend, Site};
use lifeguard_server::tokens::Role;
use serde_json::{Value, json};

const REASON: &str = "HR case 2026-114: disclosure under review";

async fn devices_get_hashes_and_only_it_and_the_city_manager_read_reasons(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let it = server.token(Role::ItAdmin, None);
    let device = server.token(Role::Device, Some("police"));

    let item = json!({"users": ["Mallory@Redondo.org"], "reason": REASON, "suspended_by": "HR Director Pat Quinn", "policy_ref": "APP 04.05 §VII"});
    let res = server.send("PUT", "/v1/admin/draft/suspensions/susp-2026-07", Some(&it), &item).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let res = server.send("POST", "/v1/admin/publish", Some(&it), &json!({"note": "suspend"})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let version = res.json()["version"].as_i64().expect("version");

    // The bundle every device downloads: the suspension is there, matched by a salted hash.
    let jws = server.get("/v1/policy", Some(&device)).await.text();
    let payload: Value = serde_json::from_slice(&B64.decode(jws.split('.').nth(1).expect("payload")).expect("base64url")).expect("json");
    assert_eq!(payload["version"], version);
    let text = payload.to_string().to_lowercase();
    for secret in ["mallory", "hr case", "disclosure", "pat quinn", "hr director"] {
        assert!(!text.contains(secret), "`{secret}` reaches every device: …{}…", text.split(secret).next().map(|b| &b[b.len().saturating_sub(200)..]).unwrap_or(""));
    }
    let policy = &payload["policy"];
    let salt = policy["suspension_salt"].as_str().expect("a salt");
    assert!(salt.len() >= 32, "{salt}");
    let s = policy["suspensions"].as_array().expect("suspensions").iter().find(|s| s["id"] == "susp-2026-07").expect("the suspension").clone();
    assert_eq!(s["user_hashes"], json!([lifeguard_server::privacy::user_hash(salt, "mallory@redondo.org")]));
    assert!(s.get("reason").is_none() && s.get("users").is_none() && s.get("suspended_by").is_none(), "{s}");
    // The engine a device runs still suspends her, given the hash of her address.
    let engine = lifeguard_core::Engine::from_json(&policy.to_string()).expect("the device's policy is valid");
    let hash = lifeguard_server::privacy::user_hash(salt, "mallory@redondo.org");
    let d = engine.decide(&lifeguard_core::Visit { url: "https://chatgpt.com/", department: Some("police"), user: None, user_hash: Some(&hash), now: 1_900_000_000 }).expect("decides");
    assert_eq!(serde_json::to_value(&d).expect("json")["source"], "suspension");
    // The next version gets another salt: hashes cannot be followed from version to version.
    let res = server.send("POST", "/v1/admin/publish", Some(&it), &json!({"note": "again"})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let jws2 = server.get("/v1/policy", Some(&device)).await.text();
    let payload2: Value = serde_json::from_slice(&B64.decode(jws2.split('.').nth(1).expect("payload")).expect("base64url")).expect("json");
    assert_ne!(payload2["policy"]["suspension_salt"], policy["suspension_salt"]);

    // IT and the City Manager read the reason; department heads and auditors do not.
    let cm = server.token(Role::CityManager, None);
    let head = server.token(Role::DeptHead, Some("police"));
    let auditor = server.token(Role::Auditor, None);
    let paths = ["/v1/admin/draft".to_owned(), "/v1/admin/draft/suspensions".to_owned(), format!("/v1/admin/versions/{version}"), "/v1/admin/audit?limit=1000".to_owned()];
    for path in &paths {
        for (who, token) in [("IT", &it), ("the City Manager", &cm)] {
            let res = server.get(path, Some(token)).await;
            assert_eq!(res.status, 200, "{path}: {}", res.text());
            assert!(res.text().contains(REASON), "{who} reads the reason at {path}");
        }
        for (who, token) in [("a department head", &head), ("an auditor", &auditor)] {
            let res = server.get(path, Some(token)).await;
            if res.status == 403 {
                continue; // the route is not theirs at all (the audit log for department heads)
            }
            assert_eq!(res.status, 200, "{path}: {}", res.text());
            assert!(!res.text().contains("HR case"), "{who} reads the reason at {path}: {}", res.text());
            assert!(res.text().contains("susp-2026-07"), "{who} still sees that the suspension exists at {path}");
        }
    }
    let diff = server.get(&format!("/v1/admin/diff?from=1&to={version}"), Some(&auditor)).await;
    assert_eq!(diff.status, 200, "{}", diff.text());
    assert!(!diff.text().contains("HR case"), "{}", diff.text());
    server.stop().await;
}

on_both_databases!(devices_get_hashes_and_only_it_and_the_city_manager_read_reasons);
