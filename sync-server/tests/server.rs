//! The sync server end to end, over HTTP, on SQLite and on PostgreSQL: the same suite runs on
//! both (see `on_both_databases!` at the bottom).

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use common::{Backend, Server, Site};
use lifeguard_server::tokens::Role;
use serde_json::{Value, json};

fn event(id: &str, kind: &str) -> Value {
    json!({"id": id, "kind": kind, "time": "2026-11-20T10:00:00Z", "host": "chatgpt.com", "rule": "openai-chatgpt",
           "category": "general_purpose_ai", "action": "block", "user": "jane@redondo.org", "department": "police",
           "extension_version": "0.1.0", "policy_version": 1})
}

fn rfc3339_days_ago(days: i64) -> String {
    lifeguard_server::lifecycle::rfc3339(time::OffsetDateTime::now_utc().unix_timestamp() - days * 86400)
}

fn uuid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// Verifies a JWS bundle against the key served at /v1/policy/key; returns the payload.
async fn verified_payload(server: &Server, jws: &str) -> Value {
    let key = server.get("/v1/policy/key", None).await.json();
    let raw: [u8; 32] = B64.decode(key["public_key"].as_str().expect("public_key")).expect("base64url").try_into().expect("32 bytes");
    assert_eq!(key["jwk"]["x"], key["public_key"]);
    assert_eq!(key["jwk"]["crv"], "Ed25519");
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&raw).expect("key");
    let (input, sig) = jws.rsplit_once('.').expect("three parts");
    let sig = ed25519_dalek::Signature::from_slice(&B64.decode(sig).expect("sig b64")).expect("sig");
    vk.verify_strict(input.as_bytes(), &sig).expect("the bundle's signature verifies with the served key");
    let (header, payload) = input.split_once('.').expect("header.payload");
    let header: Value = serde_json::from_slice(&B64.decode(header).expect("header b64")).expect("header json");
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], key["kid"]);
    serde_json::from_slice(&B64.decode(payload).expect("payload b64")).expect("payload json")
}

async fn first_start_serves_the_signed_default_policy_with_etags(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let device = server.token(Role::Device, Some("police"));
    let res = server.get("/v1/policy", Some(&device)).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type").as_deref(), Some("application/jose"));
    let etag = res.header("etag").expect("etag");
    assert!(etag.starts_with("\"v1-") && etag.ends_with('"'), "{etag}");
    let payload = verified_payload(&server, &res.text()).await;
    assert_eq!(payload["version"], 1);
    let default: Value = serde_json::from_str(lifeguard_core::policy::DEFAULT_POLICY_JSON).expect("default");
    assert_eq!(payload["policy"]["site_rules"], default["site_rules"]);
    assert_eq!(payload["policy"]["version"], 1);

    let res = server.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &etag)], None).await;
    assert_eq!(res.status, 304);
    assert!(res.body.is_empty());
    let res = server.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", "\"v0-stale\"")], None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("vary").as_deref(), Some("Accept-Encoding"));
    assert_eq!(res.header("content-encoding"), None, "no gzip unless asked for");
    let plain = res.body;

    // A client that accepts gzip gets the same bytes gzipped, under their own strong ETag;
    // either ETag is the bundle it holds.
    let res = server.request("GET", "/v1/policy", Some(&device), &[("Accept-Encoding", "gzip, deflate, br")], None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-encoding").as_deref(), Some("gzip"));
    assert_eq!(res.header("vary").as_deref(), Some("Accept-Encoding"));
    let gz_etag = res.header("etag").expect("etag");
    assert_eq!(gz_etag, format!("{}-gz\"", etag.trim_end_matches('"')));
    assert!(res.body.len() * 4 < plain.len(), "gzip: {} of {} bytes", res.body.len(), plain.len());
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&res.body[..]), &mut unzipped).expect("gunzip");
    assert_eq!(unzipped, plain);
    for (tag, accept) in [(&gz_etag, "gzip"), (&etag, "gzip"), (&gz_etag, "identity")] {
        let res = server.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", tag), ("Accept-Encoding", accept)], None).await;
        assert_eq!(res.status, 304, "{tag} with Accept-Encoding {accept}");
        assert_eq!(res.header("etag").expect("etag"), if accept == "gzip" { gz_etag.clone() } else { etag.clone() });
    }
    let res = server.request("GET", "/v1/policy", Some(&device), &[("Accept-Encoding", "gzip;q=0")], None).await;
    assert_eq!(res.header("content-encoding"), None, "gzip;q=0 refuses gzip");
    assert_eq!(res.body, plain);

    // Keys are readable by their owner only.
    #[cfg(unix)]
    for file in lifeguard_server::keys::Keys::files(site.dir.path()) {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("key file").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
    server.stop().await;
}

/// Tokens that must never get in, whatever the route.
fn bad_tokens(server: &Server) -> Vec<(&'static str, String)> {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = |aud: &str, iss: &str, exp: i64| json!({"iss": iss, "aud": aud, "sub": "x", "exp": exp, "iat": now, "jti": "j", "role": "it_admin"});
    let good_secret = server.state.keys.jwt_secret().to_vec();
    let sign = |c: &Value, secret: &[u8]| encode(&Header::new(Algorithm::HS256), c, &EncodingKey::from_secret(secret)).expect("encode");
    let valid = sign(&claims("lifeguard", "lifeguard", now + 600), &good_secret);
    let (head, rest) = valid.split_once('.').expect("jwt");
    let (payload, _) = rest.split_once('.').expect("jwt");
    let none_header = B64.encode(r#"{"alg":"none","typ":"JWT"}"#);
    vec![
        ("garbage", "not-a-token".to_owned()),
        ("forged signature", sign(&claims("lifeguard", "lifeguard", now + 600), b"some-other-secret-some-other-secret")),
        ("alg none", format!("{none_header}.{payload}.")),
        ("tampered payload", format!("{head}.{}.{}", B64.encode(claims("lifeguard", "lifeguard", now + 999_999).to_string()), valid.rsplit('.').next().unwrap_or(""))),
        ("expired", sign(&claims("lifeguard", "lifeguard", now - 3600), &good_secret)),
        ("wrong audience", sign(&claims("someone-else", "lifeguard", now + 600), &good_secret)),
        ("wrong issuer", sign(&claims("lifeguard", "someone-else", now + 600), &good_secret)),
    ]
}

/// Every admin route against every role: the expected status codes, as a table. 0 marks
/// "allowed": the request passes the role check (any status but 401/403).
const ADMIN_TABLE: &[(&str, &str, [u16; 5])] = &[
    //                                               device it_admin dept_head auditor city_manager
    ("GET", "/v1/admin/draft", [403, 0, 0, 0, 0]),
    ("PUT", "/v1/admin/draft", [403, 0, 403, 403, 403]),
    ("GET", "/v1/admin/draft/site_rules", [403, 0, 0, 0, 0]),
    ("PUT", "/v1/admin/draft/site_rules/t-rule", [403, 0, 403, 403, 403]),
    ("DELETE", "/v1/admin/draft/site_rules/t-missing", [403, 0, 403, 403, 403]),
    ("PUT", "/v1/admin/draft/exceptions/t-exc", [403, 403, 403, 403, 0]),
    ("DELETE", "/v1/admin/draft/exceptions/t-missing", [403, 403, 403, 403, 0]),
    ("POST", "/v1/admin/publish", [403, 0, 403, 403, 0]),
    ("POST", "/v1/admin/rollback", [403, 0, 403, 403, 403]),
    ("GET", "/v1/admin/versions", [403, 0, 0, 0, 0]),
    ("GET", "/v1/admin/versions/1", [403, 0, 0, 0, 0]),
    ("GET", "/v1/admin/diff?from=1&to=draft", [403, 0, 0, 0, 0]),
    ("POST", "/v1/admin/preview", [403, 0, 0, 0, 0]),
    ("GET", "/v1/admin/reports", [403, 0, 0, 0, 0]),
    ("GET", "/v1/admin/reports?department=parks", [403, 0, 403, 0, 0]),
    ("GET", "/v1/admin/reports/aggregates", [403, 0, 0, 0, 0]),
    ("GET", "/v1/admin/reports/export.csv", [403, 0, 0, 0, 0]),
    ("GET", "/v1/admin/audit", [403, 0, 403, 0, 0]),
    ("GET", "/v1/admin/devices", [403, 0, 0, 0, 0]),
    ("GET", "/v1/admin/devices?department=parks", [403, 0, 403, 0, 0]),
    ("GET", "/v1/admin/approvals", [403, 0, 0, 0, 0]),
    ("PUT", "/v1/admin/approvals/00000000-0000-4000-8000-000000000000/review", [403, 0, 403, 403, 403]),
    ("POST", "/v1/admin/approvals/00000000-0000-4000-8000-000000000000/approve", [403, 0, 403, 403, 403]),
    ("POST", "/v1/admin/approvals/00000000-0000-4000-8000-000000000000/deny", [403, 0, 403, 403, 403]),
];

/// Device routes: only device tokens.
const DEVICE_TABLE: &[(&str, &str, [u16; 5])] = &[
    ("GET", "/v1/policy", [0, 403, 403, 403, 403]),
    ("POST", "/v1/reports", [0, 403, 403, 403, 403]),
    ("POST", "/v1/approvals", [0, 403, 403, 403, 403]),
    ("GET", "/v1/approvals/00000000-0000-4000-8000-000000000000", [0, 403, 403, 403, 403]),
];

fn body_for(method: &str, path: &str, draft: &Value) -> Option<Value> {
    let checklist = json!({"data_types": ["public"], "cji": false, "pii": false, "hipaa": false, "vendor_controls": "v",
        "retention_export_deletion": "r", "explainability": "e", "audit_trails": "a", "compliance": "c", "embedded_third_party_ai": "n"});
    match (method, path) {
        ("GET", _) | ("DELETE", _) => None,
        ("PUT", "/v1/admin/draft") => Some(draft.clone()),
        ("PUT", p) if p.contains("/site_rules/") => Some(json!({"hosts": ["t.example"], "category": "general_purpose_ai", "action": "block", "policy_ref": "APP 04.05 §IV.1"})),
        ("PUT", p) if p.contains("/exceptions/") => Some(json!({"hosts": ["t.example"], "departments": ["police"], "expires_at": "2099-01-01", "approved_by": "x"})),
        ("PUT", p) if p.ends_with("/review") => Some(checklist),
        ("POST", "/v1/admin/publish") => Some(json!({})),
        ("POST", "/v1/admin/rollback") => Some(json!({"to": 1})),
        ("POST", "/v1/admin/preview") => Some(json!({"url": "https://chatgpt.com/"})),
        ("POST", p) if p.ends_with("/approve") => Some(json!({"grant": "tool", "id": "t", "name": "t", "hosts": ["t.example"]})),
        ("POST", p) if p.ends_with("/deny") => Some(json!({"note": "no"})),
        ("POST", "/v1/reports") => Some(json!({"events": []})),
        ("POST", "/v1/approvals") => Some(json!({"requester": "a@redondo.org", "tool": "x", "objective": "o", "why_ai": "w", "alternatives": "a"})),
        _ => Some(json!({})),
    }
}

async fn every_route_checks_tokens_and_roles(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let draft = server.get("/v1/admin/draft", Some(&server.token(Role::ItAdmin, None))).await.json()["policy"].clone();
    let roles = [Role::Device, Role::ItAdmin, Role::DeptHead, Role::Auditor, Role::CityManager];
    let mut failures = Vec::new();
    for (method, path, expected) in ADMIN_TABLE.iter().chain(DEVICE_TABLE) {
        let body = body_for(method, path, &draft);
        // No token, and every kind of bad token: 401.
        let mut attempts: Vec<(String, Option<String>)> = vec![("no token".into(), None)];
        attempts.extend(bad_tokens(&server).into_iter().map(|(n, t)| (n.to_owned(), Some(t))));
        for (name, token) in attempts {
            let res = server.request(method, path, token.as_deref(), &[], body.as_ref().map(|b| b.to_string().into_bytes())).await;
            if res.status != 401 {
                failures.push(format!("{method} {path} with {name}: {} (expected 401)", res.status));
            }
        }
        for (role, want) in roles.iter().zip(expected) {
            let token = server.token(*role, Some("police"));
            let res = server.request(method, path, Some(&token), &[], body.as_ref().map(|b| b.to_string().into_bytes())).await;
            let routed = res.status != 405 && !res.text().contains("no such route");
            let ok = if *want == 0 { routed && res.status != 401 && res.status != 403 && res.status < 500 } else { res.status == *want };
            if !ok {
                failures.push(format!("{method} {path} as {}: {} {} (expected {})", role.as_str(), res.status, res.text(), if *want == 0 { "allowed".into() } else { want.to_string() }));
            }
        }
    }
    assert!(failures.is_empty(), "{} unexpected statuses:\n{}", failures.len(), failures.join("\n"));
    server.stop().await;
}

async fn reports_are_stored_exactly_once_and_never_carry_text(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let device = server.token(Role::Device, Some("police"));
    let mut with_text = event(&uuid(4), "paste_blocked");
    with_text["text"] = json!("SSN 123-45-6789");
    let mut long_host = event(&uuid(5), "visit_blocked");
    long_host["host"] = json!(format!("{}.com", "a".repeat(300)));
    let mut pasted_in_rule = event(&uuid(6), "visit_blocked");
    pasted_in_rule["rule"] = json!("patient John Smith DOB 1/2/1970");
    let mut ssn = event(&uuid(3), "paste_blocked");
    ssn["detectors"] = json!({"us_ssn": 2, "email": 1});
    let batch = json!({"events": [event(&uuid(1), "visit_blocked"), event(&uuid(2), "visit_warned"), ssn, with_text, long_host, pasted_in_rule, event(&uuid(1), "visit_blocked")]});
    let res = server.send("POST", "/v1/reports", Some(&device), &batch).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let out = res.json();
    assert_eq!(out["accepted"], json!([uuid(1), uuid(2), uuid(3)]));
    assert_eq!(out["duplicates"], json!([uuid(1)]));
    let rejected = out["rejected"].as_array().expect("rejected");
    assert_eq!(rejected.len(), 3, "{out}");
    assert_eq!(rejected[0]["id"], uuid(4));
    assert!(rejected[0]["reason"].as_str().unwrap_or("").contains("unknown field `text`"), "{out}");
    assert!(rejected[1]["reason"].as_str().unwrap_or("").contains("`host`"), "{out}");
    assert!(rejected[2]["reason"].as_str().unwrap_or("").contains("`rule`"), "{out}");

    // The retry of the whole batch changes nothing.
    let again = server.send("POST", "/v1/reports", Some(&device), &batch).await.json();
    assert_eq!(again["accepted"], json!([]));
    let mut dups: Vec<String> = again["duplicates"].as_array().expect("dups").iter().map(|v| v.as_str().unwrap_or("").to_owned()).collect();
    dups.sort();
    assert_eq!(dups, vec![uuid(1), uuid(1), uuid(2), uuid(3)]);

    let admin = server.token(Role::Auditor, None);
    let events = server.get("/v1/admin/reports", Some(&admin)).await.json()["events"].clone();
    assert_eq!(events.as_array().map(Vec::len), Some(3), "{events}");
    let stored = events.as_array().expect("events").iter().find(|e| e["id"] == uuid(3)).expect("ssn event").clone();
    assert_eq!(stored["detectors"], json!({"email": 1, "us_ssn": 2}));
    assert_eq!(stored["severity"], "critical");
    assert_eq!(stored["incident"], true);
    assert!(!events.to_string().contains("123-45-6789"));

    // A device may not report for another department.
    let mut other = event(&uuid(7), "visit_blocked");
    other["department"] = json!("parks");
    let out = server.send("POST", "/v1/reports", Some(&device), &json!({"events": [other]})).await.json();
    assert_eq!(out["accepted"], json!([]));
    assert!(out["rejected"][0]["reason"].as_str().unwrap_or("").contains("department"), "{out}");

    // Nor rewrite history: an event dated 1971, or a season before it arrived, is refused;
    // one from a laptop offline for a month is kept.
    let dated = |n: u32, time: String| {
        let mut e = event(&uuid(n), "paste_blocked");
        e["time"] = json!(time);
        e
    };
    let batch = json!({"events": [dated(8, "1971-01-01T00:00:00Z".into()), dated(9, rfc3339_days_ago(91)), dated(10, rfc3339_days_ago(30))]});
    let out = server.send("POST", "/v1/reports", Some(&device), &batch).await.json();
    assert_eq!(out["accepted"], json!([uuid(10)]), "{out}");
    assert!(out["rejected"].as_array().expect("rejected").iter().all(|r| r["reason"].as_str().unwrap_or("").contains("90 days before")), "{out}");
    server.stop().await;
}

async fn bad_bodies_get_clear_errors(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let device = server.token(Role::Device, Some("police"));
    // Over the 1 MiB limit: 413, with a JSON error.
    let big = json!({"events": [], "pad": "x".repeat(1_100_000)}).to_string().into_bytes();
    let res = server.request("POST", "/v1/reports", Some(&device), &[], Some(big)).await;
    assert_eq!(res.status, 413, "{}", res.text());
    assert!(res.json()["error"].as_str().unwrap_or("").contains("larger than"));
    // Malformed JSON: 400 naming the problem.
    let res = server.request("POST", "/v1/reports", Some(&device), &[], Some(b"{\"events\": [".to_vec())).await;
    assert_eq!(res.status, 400);
    assert!(res.json()["error"].as_str().unwrap_or("").contains("malformed JSON"), "{}", res.text());
    // Unknown top-level field: 400 naming it.
    let res = server.send("POST", "/v1/reports", Some(&device), &json!({"events": [], "note": "x"})).await;
    assert_eq!(res.status, 400);
    assert!(res.text().contains("unknown field `note`"), "{}", res.text());
    // A body that is an array where an object is documented: serde alone would read `[5]`
    // as `{"to": 5}` (found by schemathesis). Refused, and nothing is published.
    let it = server.token(Role::ItAdmin, None);
    for (path, token, body) in [("/v1/admin/rollback", &it, "[1]"), ("/v1/admin/publish", &it, "[]"), ("/v1/auth/login", &it, r#"["a@b.c", "password"]"#), ("/v1/reports", &device, "[[]]"), ("/v1/reports", &device, r#"{"events": [[]]}"#)] {
        let res = server.request("POST", path, Some(token), &[], Some(body.as_bytes().to_vec())).await;
        assert_eq!(res.status, 400, "{path} {body}: {}", res.text());
        assert!(res.json()["error"].as_str().unwrap_or("").contains("malformed JSON"), "{path} {body}: {}", res.text());
    }
    assert_eq!(server.get("/v1/admin/versions", Some(&it)).await.json()["versions"].as_array().map(Vec::len), Some(1), "nothing was published");
    // Unknown route: 404 JSON.
    let res = server.get("/v1/nothing", Some(&device)).await;
    assert_eq!(res.status, 404);
    assert!(res.json()["error"].is_string());
    server.stop().await;
}

/// The CSV export's most rows (100,000) export with their detectors: more than PostgreSQL's
/// 65,535 bind parameters in one statement.
async fn the_largest_csv_export_keeps_every_detector(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let n = 70_000;
    let events: Vec<lifeguard_server::store::Event> = (0..n)
        .map(|i| lifeguard_server::store::Event {
            id: uuid(i),
            kind: "paste_blocked".into(),
            time: 1_780_000_000 + i as i64,
            received_at: 1_780_000_000,
            department: Some("police".into()),
            detectors: vec![("us_ssn".into(), 1 + (i % 3) as i64)],
            ..Default::default()
        })
        .collect();
    for chunk in events.chunks(5000) {
        server.state.store.insert_events(chunk).await.expect("insert");
    }
    let it = server.token(Role::ItAdmin, None);
    let res = server.get("/v1/admin/reports/export.csv?limit=100000", Some(&it)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let text = res.text();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), n as usize);
    // The detectors, then the empty count, subject and justification.
    assert!(rows.iter().all(|r| r.ends_with(",us_ssn=1,,,") || r.ends_with(",us_ssn=2,,,") || r.ends_with(",us_ssn=3,,,")), "a row without its detectors");
    server.stop().await;
}

async fn report_queries_filter_aggregate_export_and_purge(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let police = server.token(Role::Device, Some("police"));
    let parks = server.token(Role::Device, Some("parks"));
    let mut a = event(&uuid(1), "visit_blocked");
    a["time"] = json!("2026-11-01T09:00:00Z");
    let mut b = event(&uuid(2), "paste_blocked");
    b["detectors"] = json!({"us_ssn": 3});
    b["host"] = json!("claude.ai");
    b["category"] = json!("general_purpose_ai");
    let mut c = event(&uuid(3), "visit_warned");
    c["department"] = json!("parks");
    c["host"] = json!("gemini.google.com");
    c["category"] = json!("embedded_ai");
    c["time"] = json!(rfc3339_days_ago(80));
    server.send("POST", "/v1/reports", Some(&police), &json!({"events": [a, b]})).await;
    server.send("POST", "/v1/reports", Some(&parks), &json!({"events": [c]})).await;

    let it = server.token(Role::ItAdmin, None);
    let ids = |v: &Value| -> Vec<String> { v["events"].as_array().expect("events").iter().map(|e| e["id"].as_str().unwrap_or("").to_owned()).collect() };
    assert_eq!(ids(&server.get("/v1/admin/reports?department=parks", Some(&it)).await.json()), vec![uuid(3)]);
    assert_eq!(ids(&server.get("/v1/admin/reports?detector=us_ssn", Some(&it)).await.json()), vec![uuid(2)]);
    assert_eq!(ids(&server.get("/v1/admin/reports?host=claude.ai", Some(&it)).await.json()), vec![uuid(2)]);
    assert_eq!(ids(&server.get("/v1/admin/reports?kind=visit_blocked", Some(&it)).await.json()), vec![uuid(1)]);
    assert_eq!(ids(&server.get("/v1/admin/reports?from=2026-11-01&to=2026-11-02", Some(&it)).await.json()), vec![uuid(1)]);
    assert_eq!(ids(&server.get("/v1/admin/reports?incident=true", Some(&it)).await.json()), vec![uuid(2)]);
    assert_eq!(ids(&server.get("/v1/admin/reports?user=jane@redondo.org&rule=openai-chatgpt", Some(&it)).await.json()).len(), 3);
    let res = server.get("/v1/admin/reports?from=yesterday", Some(&it)).await;
    assert_eq!(res.status, 400);
    assert!(res.text().contains("`from`"));

    // A department head sees their own department only.
    let head = server.token(Role::DeptHead, Some("parks"));
    assert_eq!(ids(&server.get("/v1/admin/reports", Some(&head)).await.json()), vec![uuid(3)]);

    let agg = server.get("/v1/admin/reports/aggregates", Some(&it)).await.json();
    assert!(agg["per_day"].as_array().expect("per_day").contains(&json!({"day": "2026-11-01", "kind": "visit_blocked", "count": 1})), "{agg}");
    assert_eq!(agg["by_department"], json!([{"key": "police", "count": 2}, {"key": "parks", "count": 1}]));
    assert_eq!(agg["top_detectors"], json!([{"key": "us_ssn", "count": 3}]));
    assert!(agg["top_hosts"].as_array().expect("hosts").contains(&json!({"key": "claude.ai", "count": 1})), "{agg}");
    assert_eq!(agg["top_hosts"].as_array().map(Vec::len), Some(3));
    assert!(agg["by_category"].as_array().expect("cat").contains(&json!({"key": "embedded_ai", "count": 1})));

    let csv = server.get("/v1/admin/reports/export.csv?department=police", Some(&it)).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap_or_default().starts_with("text/csv"));
    let text = csv.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("id,kind,time,host"));
    assert!(text.contains("us_ssn=3"));

    // Retention: events older than 60 days go, and the count says how many.
    let removed = server.state.store.purge_events(time::OffsetDateTime::now_utc().unix_timestamp() - 60 * 86400).await.expect("purge");
    assert_eq!(removed, 1);
    assert_eq!(ids(&server.get("/v1/admin/reports", Some(&it)).await.json()).len(), 2);
    server.stop().await;
}

/// A report's `user` is whatever the device that filed it said (a department's device token
/// can name anyone): the listing, the CSV export and the OpenAPI document say so (security
/// review 4).
async fn reported_users_are_marked_as_claimed_by_the_device(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let police = server.token(Role::Device, Some("police"));
    let res = server.send("POST", "/v1/reports", Some(&police), &json!({"events": [event(&uuid(1), "visit_blocked")]})).await;
    assert_eq!(res.json()["accepted"].as_array().map(Vec::len), Some(1), "{}", res.text());
    let it = server.token(Role::ItAdmin, None);
    let listed = server.get("/v1/admin/reports", Some(&it)).await.json();
    assert_eq!(listed["events"][0]["user"], "jane@redondo.org");
    assert_eq!(listed["events"][0]["user_source"], "device", "{listed}");

    let text = server.get("/v1/admin/reports/export.csv", Some(&it)).await.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,kind,time,host,rule,category,action,severity,user_as_reported_by_device,department,extension_version,policy_version,incident,detectors,count,subject,justification");
    assert_eq!(lines[1].split(',').nth(8), Some("jane@redondo.org"));

    let doc = server.get("/v1/openapi.json", None).await.json();
    let props = &doc["components"]["schemas"]["EventOut"]["properties"];
    assert!(props["user"]["description"].as_str().unwrap_or("").contains("as the device reported it"), "{}", props["user"]);
    let source = doc["components"]["schemas"]["UserSource"].to_string();
    assert!(source.contains("\"device\"") && source.contains("not verified"), "{source}");
    server.stop().await;
}

async fn policy_lifecycle_edit_publish_diff_rollback(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let it = server.token(Role::ItAdmin, None);
    let device = server.token(Role::Device, Some("police"));
    let first = server.get("/v1/policy", Some(&device)).await;
    let etag1 = first.header("etag").expect("etag");

    // An invalid item: 422 (well-formed JSON, not a valid policy), the problems naming the field.
    let res = server.send("PUT", "/v1/admin/draft/site_rules/new-ai", Some(&it), &json!({"hosts": ["new-ai.example"], "category": "general_purpose_ai", "action": "explode", "policy_ref": "APP 04.05 §IV.1"})).await;
    assert_eq!(res.status, 422, "{}", res.text());
    let problems = res.json()["problems"].clone();
    assert!(problems.as_array().is_some_and(|p| p.iter().any(|p| p["at"].as_str().unwrap_or("").contains("action"))), "{problems}");
    // A rule Chrome could not install (1,200 path prefixes, each a regex rule past the
    // browser's 1,000): refused before it reaches the draft, saying what to change.
    let paths: Vec<String> = (0..1200).map(|i| format!("/spaces/tool-{i}")).collect();
    let res = server.send("PUT", "/v1/admin/draft/site_rules/many-paths", Some(&it), &json!({"hosts": ["huggingface.co"], "paths": paths, "category": "general_purpose_ai", "action": "block", "policy_ref": "APP 04.05 §IV.1"})).await;
    assert_eq!(res.status, 422, "{}", res.text());
    assert!(res.text().contains("Chrome allows 1000"), "{}", res.text());
    assert!(!server.get("/v1/admin/draft", Some(&it)).await.text().contains("many-paths"), "nothing saved");
    // A whole document with a schema error.
    let res = server.send("PUT", "/v1/admin/draft", Some(&it), &json!({"schema_version": 1, "site_rulez": []})).await;
    assert_eq!(res.status, 422);
    assert!(res.json()["problems"][0]["message"].as_str().unwrap_or("").contains("site_rulez"), "{}", res.text());

    let rule = json!({"hosts": ["new-ai.example"], "category": "general_purpose_ai", "action": "block", "message": "Not authorized.", "policy_ref": "APP 04.05 §IV.1"});
    let res = server.send("PUT", "/v1/admin/draft/site_rules/new-ai", Some(&it), &rule).await;
    assert_eq!(res.status, 200, "{}", res.text());
    // Previewing the draft shows the effect before anyone publishes.
    // URL and text together: a paste on a page a site rule names (this panicked in
    // lifeguard-core's pilot search before dd8f0f4).
    let preview = server.send("POST", "/v1/admin/preview", Some(&it), &json!({"url": "https://chat.new-ai.example/x", "text": "SSN 123-45-6789", "department": "police"})).await.json();
    assert_eq!(preview["decision"]["action"], "block", "{preview}");
    assert_eq!(preview["decision"]["rule"], "new-ai");
    assert_eq!(preview["policy"], "draft");
    assert_eq!(preview["scan"]["action"], "block", "{preview}");
    assert_eq!(preview["scan"]["findings"][0]["detector"], "us_ssn");
    // Devices still get version 1.
    assert_eq!(server.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &etag1)], None).await.status, 304);

    let res = server.send("POST", "/v1/admin/publish", Some(&it), &json!({"note": "block new-ai"})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["version"], 2);
    let res = server.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &etag1)], None).await;
    assert_eq!(res.status, 200);
    let payload = verified_payload(&server, &res.text()).await;
    assert_eq!(payload["version"], 2);
    assert!(payload["policy"]["site_rules"].as_array().expect("rules").iter().any(|r| r["id"] == "new-ai"));

    let diff = server.get("/v1/admin/diff?from=1&to=2", Some(&it)).await.json();
    assert_eq!(diff["sections"]["site_rules"], json!({"added": ["new-ai"], "removed": [], "changed": []}), "{diff}");

    let res = server.send("POST", "/v1/admin/rollback", Some(&it), &json!({"to": 1, "note": "undo"})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["version"], 3);
    let v3 = server.get("/v1/admin/versions/3", Some(&it)).await.json();
    let v1 = server.get("/v1/admin/versions/1", Some(&it)).await.json();
    assert_eq!(v3["rollback_of"], 1);
    assert_eq!(v3["policy"]["site_rules"], v1["policy"]["site_rules"]);
    let diff = server.get("/v1/admin/diff?from=2&to=3", Some(&it)).await.json();
    assert_eq!(diff["sections"]["site_rules"]["removed"], json!(["new-ai"]));
    // The draft follows the rollback.
    let draft = server.get("/v1/admin/draft", Some(&it)).await.json();
    assert!(!draft["policy"]["site_rules"].as_array().expect("rules").iter().any(|r| r["id"] == "new-ai"));
    let history = server.get("/v1/admin/versions", Some(&it)).await.json();
    let numbers: Vec<i64> = history["versions"].as_array().expect("versions").iter().map(|v| v["version"].as_i64().unwrap_or(0)).collect();
    assert_eq!(numbers, vec![3, 2, 1]);
    assert_eq!(server.get("/v1/admin/versions/9", Some(&it)).await.status, 404);

    // Every change is in the audit log with who, what, before and after.
    let audit = server.get("/v1/admin/audit", Some(&server.token(Role::Auditor, None))).await.json();
    let actions: Vec<&str> = audit["entries"].as_array().expect("entries").iter().map(|e| e["action"].as_str().unwrap_or("")).collect();
    assert_eq!(actions, vec!["policy.rollback", "policy.publish", "draft.site_rules.put"]);
    let put = &audit["entries"][2];
    assert_eq!(put["actor"], "it_admin@redondo.test (CLI token)");
    assert_eq!(put["before"], Value::Null);
    assert_eq!(put["after"]["hosts"], json!(["new-ai.example"]));
    server.stop().await;
}

/// A draft or version stored in another layout (by an earlier release, or a document IT
/// wrote with defaults left out) compares equal to itself: an edit of one item shows as that
/// item alone in the diff, and the untouched items are kept as they were.
async fn an_edit_changes_only_the_item_it_edits(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let it = server.token(Role::ItAdmin, None);
    // The default policy laid out the way a release that edited JSON values stored it: keys
    // sorted, and a tool and a rule with their empty defaults left out.
    let mut layout: Value = serde_json::from_str(lifeguard_core::policy::DEFAULT_POLICY_JSON).expect("default");
    let tool = layout["authorized_tools"].as_array_mut().and_then(|t| t.iter_mut().find(|t| t["users"] == json!([]))).expect("a tool for everyone");
    let tool_id = tool["id"].as_str().expect("id").to_owned();
    tool.as_object_mut().expect("object").retain(|k, _| k != "users" && k != "departments");
    let draft = server.state.store.draft().await.expect("draft").expect("a draft");
    let entry = lifeguard_server::store::AuditEntry { actor: "an earlier release".into(), role: "it_admin".into(), action: "test".into(), target: "draft".into(), before: None, after: None };
    let write = lifeguard_server::store::DraftWrite { document: &layout.to_string(), expected_revision: draft.revision };
    assert_eq!(server.state.store.save_draft(write, "an earlier release", &entry).await.expect("saved"), lifeguard_server::store::Write::Done);
    let diff = server.get("/v1/admin/diff?from=1&to=draft", Some(&it)).await.json();
    assert_eq!((&diff["sections"], &diff["fields"]), (&json!({}), &json!([])), "the same policy in another layout: {diff}");

    let rule = json!({"hosts": ["new-ai.example"], "category": "general_purpose_ai", "action": "block", "policy_ref": "APP 04.05 §IV.1"});
    let res = server.send("PUT", "/v1/admin/draft/site_rules/new-ai", Some(&it), &rule).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["message"], "", "the item as stored, defaults written: {}", res.text());
    let diff = server.get("/v1/admin/diff?from=1&to=draft", Some(&it)).await.json();
    assert_eq!(diff["sections"], json!({"site_rules": {"added": ["new-ai"], "removed": [], "changed": []}}), "{diff}");
    assert_eq!(diff["fields"], json!([]), "{diff}");
    let tools = server.get("/v1/admin/draft/authorized_tools", Some(&it)).await.json();
    let kept = tools.as_array().expect("tools").iter().find(|t| t["id"] == tool_id.as_str()).expect("the tool is kept").clone();
    assert_eq!((&kept["users"], &kept["departments"]), (&json!([]), &json!([])), "still for everyone: {kept}");

    // Published, the edit is the only difference from version 1.
    assert_eq!(server.send("POST", "/v1/admin/publish", Some(&it), &json!({"note": "new-ai"})).await.status, 201);
    let diff = server.get("/v1/admin/diff?from=1&to=2", Some(&it)).await.json();
    assert_eq!(diff["sections"], json!({"site_rules": {"added": ["new-ai"], "removed": [], "changed": []}}), "{diff}");
    server.stop().await;
}

async fn only_the_city_manager_grants_exceptions(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let it = server.token(Role::ItAdmin, None);
    let cm = server.token(Role::CityManager, None);
    let exception = json!({"hosts": ["chatgpt.com"], "departments": ["library"], "reason": "Teen tech week", "expires_at": "2099-01-31", "approved_by": "someone else"});
    assert_eq!(server.send("PUT", "/v1/admin/draft/exceptions/library-chatgpt", Some(&it), &exception).await.status, 403);
    let res = server.send("PUT", "/v1/admin/draft/exceptions/library-chatgpt", Some(&cm), &exception).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["approved_by"], "city_manager@redondo.test (CLI token)");
    // IT cannot slip an exception change through a whole-document edit.
    let mut draft = server.get("/v1/admin/draft", Some(&it)).await.json()["policy"].clone();
    draft["exceptions"] = json!([]);
    let res = server.send("PUT", "/v1/admin/draft", Some(&it), &draft).await;
    assert_eq!(res.status, 403, "{}", res.text());
    // But may edit the rest of it.
    let mut draft = server.get("/v1/admin/draft", Some(&it)).await.json()["policy"].clone();
    draft["name"] = json!("Renamed");
    assert_eq!(server.send("PUT", "/v1/admin/draft", Some(&it), &draft).await.status, 200);
    assert_eq!(server.send("POST", "/v1/admin/publish", Some(&cm), &json!({})).await.status, 201);
    let preview = server.send("POST", "/v1/admin/preview", Some(&it), &json!({"version": 2, "url": "https://chatgpt.com/", "department": "library"})).await.json();
    assert_eq!(preview["decision"]["action"], "allow", "{preview}");
    let preview = server.send("POST", "/v1/admin/preview", Some(&it), &json!({"version": 2, "url": "https://chatgpt.com/", "department": "police"})).await.json();
    assert_eq!(preview["decision"]["action"], "block", "{preview}");

    // IT's rollback keeps the exceptions in force (§VIII): rolling back to version 1 keeps
    // the City Manager's exception; after the City Manager revokes it (version 4), rolling
    // back to version 2 does not bring it back.
    let res = server.send("POST", "/v1/admin/rollback", Some(&it), &json!({"to": 1, "note": "undo the rename"})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let v3 = server.get("/v1/admin/versions/3", Some(&it)).await.json();
    assert_eq!(v3["policy"]["name"], server.get("/v1/admin/versions/1", Some(&it)).await.json()["policy"]["name"]);
    assert_eq!(v3["policy"]["exceptions"][0]["id"], "library-chatgpt", "{v3}");
    assert_eq!(v3["policy"]["exceptions"][0]["approved_by"], "city_manager@redondo.test (CLI token)");
    assert_eq!(server.send("DELETE", "/v1/admin/draft/exceptions/library-chatgpt", Some(&cm), &json!({})).await.status, 204);
    assert_eq!(server.send("POST", "/v1/admin/publish", Some(&cm), &json!({"note": "revoked"})).await.status, 201);
    let res = server.send("POST", "/v1/admin/rollback", Some(&it), &json!({"to": 2})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let v5 = server.get("/v1/admin/versions/5", Some(&it)).await.json();
    assert_eq!(v5["policy"]["name"], "Renamed");
    assert!(v5["policy"]["exceptions"].as_array().is_none_or(|e| e.is_empty()), "a revoked exception came back: {v5}");
    let preview = server.send("POST", "/v1/admin/preview", Some(&it), &json!({"version": 5, "url": "https://chatgpt.com/", "department": "library"})).await.json();
    assert_eq!(preview["decision"]["action"], "block", "{preview}");
    server.stop().await;
}

/// A planning department's request to use Perplexity on public zoning codes.
fn perplexity_request() -> Value {
    json!({"requester": "sam@redondo.org", "tool": "Perplexity", "url": "https://www.perplexity.ai/", "objective": "Summarize public zoning codes",
           "why_ai": "Hundreds of pages", "alternatives": "Manual reading", "data": "public"})
}

/// A request with the device's own id is filed once, however often it is sent (an answer lost
/// on the way, a request queued while the server was away), and audited once.
async fn an_approval_request_sent_again_is_filed_once(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let device = server.token(Role::Device, Some("planning"));
    let it = server.token(Role::ItAdmin, None);
    let mut queued = perplexity_request();
    queued["id"] = json!("0b7e2f4a-1c9d-4e5f-8a6b-3c2d1e0f9a8b");
    let first = server.send("POST", "/v1/approvals", Some(&device), &queued).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.json()["id"], "0b7e2f4a-1c9d-4e5f-8a6b-3c2d1e0f9a8b");
    let again = server.send("POST", "/v1/approvals", Some(&device), &queued).await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["id"], "0b7e2f4a-1c9d-4e5f-8a6b-3c2d1e0f9a8b");
    let listed = server.get("/v1/admin/approvals", Some(&it)).await.json();
    assert_eq!(listed["requests"].as_array().map(Vec::len), Some(1), "{listed}");
    let audited = server.get("/v1/admin/audit?action=approval.submit", Some(&it)).await.json();
    assert_eq!(audited["entries"].as_array().map(|e| e.iter().filter(|e| e["target"] == "0b7e2f4a-1c9d-4e5f-8a6b-3c2d1e0f9a8b").count()), Some(1), "{audited}");
    // The same id from another department is not theirs to see.
    let police = server.token(Role::Device, Some("police"));
    assert_eq!(server.send("POST", "/v1/approvals", Some(&police), &queued).await.status, 409);
    queued["id"] = json!("not a uuid");
    assert_eq!(server.send("POST", "/v1/approvals", Some(&device), &queued).await.status, 400);
    server.stop().await;
}

async fn approval_requests_from_submission_to_the_draft(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let device = server.token(Role::Device, Some("planning"));
    let it = server.token(Role::ItAdmin, None);
    let req = perplexity_request();
    let res = server.send("POST", "/v1/approvals", Some(&device), &req).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let id = res.json()["id"].as_str().expect("id").to_owned();
    assert_eq!(res.json()["status"], "submitted");
    let missing = server.send("POST", "/v1/approvals", Some(&device), &json!({"requester": "sam@redondo.org", "tool": "x", "objective": "", "why_ai": "w", "alternatives": "a"})).await;
    assert_eq!(missing.status, 422, "a blank required answer is the request's content, not its shape");
    assert!(missing.text().contains("objective"));

    let list = server.get("/v1/admin/approvals?status=submitted", Some(&it)).await.json();
    assert_eq!(list["requests"][0]["request"]["objective"], "Summarize public zoning codes");
    // Another department's head does not see it.
    let other = server.get("/v1/admin/approvals", Some(&server.token(Role::DeptHead, Some("police")))).await.json();
    assert_eq!(other["requests"], json!([]));

    // An approval whose grant does not validate changes nothing: the request stays in review
    // and the draft keeps no half of it.
    let bad = json!({"grant": "pilot", "id": "planning-perplexity", "name": "Perplexity pilot", "hosts": ["perplexity.ai"], "expires_at": "not a date"});
    let approve = json!({"grant": "pilot", "id": "planning-perplexity", "name": "Perplexity pilot", "hosts": ["perplexity.ai"], "expires_at": "2099-03-01"});
    let res = server.send("POST", &format!("/v1/admin/approvals/{id}/approve"), Some(&it), &approve).await;
    assert_eq!(res.status, 409, "approving needs a review first: {}", res.text());
    let checklist = json!({"data_types": ["public"], "cji": false, "pii": false, "hipaa": false, "vendor_controls": "SOC 2",
        "retention_export_deletion": "30 days", "explainability": "cites sources", "audit_trails": "enterprise logs", "compliance": "CPRA notice",
        "embedded_third_party_ai": "none"});
    let res = server.send("PUT", &format!("/v1/admin/approvals/{id}/review"), Some(&it), &checklist).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let res = server.send("POST", &format!("/v1/admin/approvals/{id}/approve"), Some(&it), &bad).await;
    assert_eq!(res.status, 422, "{}", res.text());
    assert!(res.json()["problems"][0]["at"].as_str().unwrap_or("").contains("expires_at"), "{}", res.text());
    assert_eq!(server.get(&format!("/v1/approvals/{id}"), Some(&device)).await.json()["status"], "in_review");
    assert!(!server.get("/v1/admin/draft/pilots", Some(&it)).await.text().contains("planning-perplexity"));
    let res = server.send("POST", &format!("/v1/admin/approvals/{id}/approve"), Some(&it), &approve).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let draft = server.get("/v1/admin/draft/pilots", Some(&it)).await.json();
    let pilot = draft.as_array().expect("pilots").iter().find(|p| p["id"] == "planning-perplexity").expect("pilot in draft").clone();
    assert_eq!(pilot["departments"], json!(["planning"]));
    assert_eq!(pilot["approved_by"], "it_admin@redondo.test (CLI token)");

    let status = server.get(&format!("/v1/approvals/{id}"), Some(&device)).await.json();
    assert_eq!(status["status"], "approved");
    assert_eq!(status["decision"]["added"]["id"], "planning-perplexity");
    // A device of another department cannot read it.
    assert_eq!(server.get(&format!("/v1/approvals/{id}"), Some(&server.token(Role::Device, Some("police")))).await.status, 404);
    // Decided requests stay decided.
    assert_eq!(server.send("POST", &format!("/v1/admin/approvals/{id}/deny"), Some(&it), &json!({"note": "no"})).await.status, 409);
    // A denial without a reason for the requester is refused as such.
    assert_eq!(server.send("POST", &format!("/v1/admin/approvals/{id}/deny"), Some(&it), &json!({"note": " \u{85}"})).await.status, 422);
    let audit = server.get("/v1/admin/audit?action=approval.", Some(&it)).await.json();
    let actions: Vec<&str> = audit["entries"].as_array().expect("entries").iter().map(|e| e["action"].as_str().unwrap_or("")).collect();
    assert_eq!(actions, vec!["approval.approve", "approval.review", "approval.submit"]);
    server.stop().await;
}

async fn console_login_issues_a_session(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let user = lifeguard_server::store::User {
        email: "it@redondo.org".into(),
        password_hash: lifeguard_server::auth::hash_password("correct horse battery").expect("hash"),
        role: "it_admin".into(),
        department: None,
        session_epoch: 0,
        must_change_password: false,
    };
    server.state.store.add_user(&user).await.expect("add user");
    let res = server.send("POST", "/v1/auth/login", None, &json!({"email": "IT@redondo.org", "password": "correct horse battery"})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let token = res.json()["token"].as_str().expect("token").to_owned();
    assert_eq!(res.json()["role"], "it_admin");
    assert_eq!(server.get("/v1/admin/versions", Some(&token)).await.status, 200);
    // A session token is not a device token.
    assert_eq!(server.get("/v1/policy", Some(&token)).await.status, 403);
    for (email, password) in [("it@redondo.org", "wrong"), ("nobody@redondo.org", "correct horse battery")] {
        let res = server.send("POST", "/v1/auth/login", None, &json!({"email": email, "password": password})).await;
        assert_eq!(res.status, 401);
        assert_eq!(res.json()["error"], "wrong e-mail or password");
    }
    // Both refusals are in the audit log, with the address tried and the client, never the
    // password.
    let audit = server.get("/v1/admin/audit?action=auth.login_failed", Some(&token)).await.json();
    let entries = audit["entries"].as_array().expect("entries");
    let actors: Vec<&str> = entries.iter().filter_map(|e| e["actor"].as_str()).collect();
    assert_eq!(entries.len(), 2, "{audit}");
    assert!(actors.contains(&"it@redondo.org") && actors.contains(&"nobody@redondo.org"), "{actors:?}");
    assert!(!audit.to_string().contains("correct horse") && !audit.to_string().contains("\"wrong\""), "{audit}");
    let known = |who: &str| entries.iter().find(|e| e["actor"] == who).map(|e| e["after"]["known_account"].clone());
    assert_eq!((known("it@redondo.org"), known("nobody@redondo.org")), (Some(json!(true)), Some(json!(false))), "{audit}");
    assert!(entries.iter().all(|e| e["target"] == "127.0.0.1"), "{audit}");
    server.stop().await;
}

async fn login_attempt(server: &Server, forwarded_for: &str) -> u16 {
    let body = json!({"email": "nobody@redondo.org", "password": "wrong password"}).to_string().into_bytes();
    server.request("POST", "/v1/auth/login", None, &[("X-Forwarded-For", forwarded_for)], Some(body)).await.status
}

/// Behind the city's reverse proxy every connection comes from the proxy: the login limit
/// counts the address it forwarded for, so one guesser does not lock out everyone, and only
/// a configured proxy is believed, so a client cannot pick a fresh bucket per attempt.
async fn the_login_limit_counts_clients_behind_trusted_proxies(backend: Backend) {
    let site = Site::new(backend).await;
    let mut config = site.config();
    config.login_per_minute = 2;
    // Not configured: the header is the client's own word, and every attempt is the peer's.
    let direct = site.start_with(config.clone()).await;
    assert_eq!(login_attempt(&direct, "198.51.100.1").await, 401);
    assert_eq!(login_attempt(&direct, "198.51.100.2").await, 401);
    assert_eq!(login_attempt(&direct, "198.51.100.3").await, 429, "a made-up X-Forwarded-For is no new bucket");
    direct.stop().await;

    // A fresh site, so its audit log holds only what the proxied server saw.
    let site = Site::new(backend).await;
    let mut config = site.config();
    config.login_per_minute = 2;
    config.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    let proxied = site.start_with(config).await;
    assert_eq!(login_attempt(&proxied, "198.51.100.1").await, 401);
    assert_eq!(login_attempt(&proxied, "198.51.100.1").await, 401);
    assert_eq!(login_attempt(&proxied, "198.51.100.1").await, 429, "the guesser is limited");
    // The client prepending addresses does not escape: the proxy's appended entry counts.
    assert_eq!(login_attempt(&proxied, "203.0.113.7, 198.51.100.1").await, 429);
    assert_eq!(login_attempt(&proxied, "198.51.100.2").await, 401, "a colleague behind the same proxy is not");
    // The refused sign-ins are audited with the forwarded client.
    let it = proxied.token(Role::ItAdmin, None);
    let audit = proxied.get("/v1/admin/audit?action=auth.login_failed", Some(&it)).await.json();
    let targets: Vec<&str> = audit["entries"].as_array().expect("entries").iter().filter_map(|e| e["target"].as_str()).collect();
    assert!(targets.contains(&"198.51.100.1") && targets.contains(&"198.51.100.2") && !targets.contains(&"127.0.0.1"), "{targets:?}");
    proxied.stop().await;
}

async fn operations_endpoints(backend: Backend) {
    let site = Site::new(backend).await;
    // Metrics are off until a token is configured: they count incidents.
    let off = site.start().await;
    let res = off.get("/metrics", None).await;
    assert_eq!(res.status, 404);
    assert!(res.json()["error"].as_str().is_some_and(|e| e.contains("metrics_token")), "{}", res.text());
    off.stop().await;
    let mut config = site.config();
    config.metrics_token = Some("scrape-me-0123456789".into());
    let server = site.start_with(config).await;
    for token in [None, Some("wrong"), Some("scrape-me-012345678")] {
        assert_eq!(server.get("/metrics", token).await.status, 401, "{token:?}");
    }
    // A console or device JWT is not the metrics token either.
    assert_eq!(server.get("/metrics", Some(&server.token(Role::ItAdmin, None))).await.status, 401);
    assert_eq!(server.get("/healthz", None).await.status, 200);
    let ready = server.get("/readyz", None).await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["policy_version"], 1);
    let device = server.token(Role::Device, Some("police"));
    let etag = server.get("/v1/policy", Some(&device)).await.header("etag").expect("etag");
    server.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &etag)], None).await;
    let metrics = server.get("/metrics", Some("scrape-me-0123456789")).await.text();
    assert!(metrics.contains("lifeguard_policy_not_modified_total 1"), "{metrics}");
    assert!(metrics.contains("lifeguard_policy_version 1"));
    server.stop().await;
}

/// Every operation in the OpenAPI document is routed, and every route the role table tests is
/// documented.
async fn the_openapi_document_matches_the_routes(backend: Backend) {
    let site = Site::new(backend).await;
    let server = site.start().await;
    let doc = server.get("/v1/openapi.json", None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let device = server.token(Role::Device, Some("police"));
    let it = server.token(Role::ItAdmin, None);
    let mut failures = Vec::new();
    for (path, ops) in paths {
        for method in ops.as_object().expect("operations").keys() {
            let concrete = path
                .replace("{section}", "site_rules")
                .replace("{id}", "00000000-0000-4000-8000-000000000000")
                .replace("{version}", "1");
            let token = if path == "/v1/policy" || path == "/v1/reports" || path.starts_with("/v1/approvals") { &device } else { &it };
            let body = (method == "put" || method == "post").then(|| b"{}".to_vec());
            let res = server.request(&method.to_uppercase(), &concrete, Some(token), &[], body).await;
            if res.status == 405 || res.text().contains("no such route") {
                failures.push(format!("{method} {path}: documented but not routed ({})", res.status));
            }
        }
        // Every other method: 405, with `Allow` naming exactly the documented ones.
        let concrete = path.replace("{section}", "site_rules").replace("{id}", "00000000-0000-4000-8000-000000000000").replace("{version}", "1").replace("{email}", "a@b.c");
        let mut documented: Vec<String> = ops.as_object().expect("operations").keys().map(|m| m.to_uppercase()).collect();
        documented.sort();
        for method in ["GET", "PUT", "POST", "DELETE", "PATCH"] {
            if documented.iter().any(|m| m == method) {
                continue;
            }
            let res = server.request(method, &concrete, Some(&it), &[], None).await;
            let mut allow: Vec<String> = res.header("allow").unwrap_or_default().split(',').map(|m| m.trim().to_owned()).filter(|m| !m.is_empty()).collect();
            allow.sort();
            if res.status != 405 || allow != documented || res.json()["error"].as_str().is_none() {
                failures.push(format!("{method} {path}: {} Allow {allow:?} (want 405, Allow {documented:?}, a JSON error)", res.status));
            }
        }
    }
    for (method, path, _) in ADMIN_TABLE.iter().chain(DEVICE_TABLE) {
        let path = path.split('?').next().unwrap_or("");
        let documented = paths.iter().any(|(template, ops)| {
            let t: Vec<&str> = template.split('/').collect();
            let p: Vec<&str> = path.split('/').collect();
            t.len() == p.len() && t.iter().zip(&p).all(|(a, b)| a.starts_with('{') || a == b) && ops.get(method.to_lowercase()).is_some()
        });
        if !documented {
            failures.push(format!("{method} {path}: routed but not documented"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    server.stop().await;
}

/// A webhook receiver that refuses its first delivery (to exercise the retry) and records the
/// rest.
/// Deliveries a webhook receiver got: signature header and body.
type Deliveries = std::sync::Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver refusing its first call; over TLS with `tls`.
async fn webhook_receiver(tls: Option<rustls::ServerConfig>) -> (String, Deliveries, actix_web::dev::ServerHandle) {
    use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
    use std::sync::{Arc, Mutex};
    let got: Deliveries = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (got2, calls2) = (Arc::clone(&got), Arc::clone(&calls));
    let server = HttpServer::new(move || {
        let (got, calls) = (Arc::clone(&got2), Arc::clone(&calls2));
        App::new().route(
            "/hook",
            web::post().to(move |req: HttpRequest, body: web::Bytes| {
                let (got, calls) = (Arc::clone(&got), Arc::clone(&calls));
                async move {
                    if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                        return HttpResponse::ServiceUnavailable().finish();
                    }
                    let sig = req.headers().get("X-Lifeguard-Signature").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                    got.lock().expect("lock").push((sig, body.to_vec()));
                    HttpResponse::Ok().finish()
                }
            }),
        )
    })
    .workers(1)
    .disable_signals();
    let (server, scheme) = match tls {
        Some(config) => (server.bind_rustls_0_23(("127.0.0.1", 0), config).expect("bind"), "https://localhost"),
        None => (server.bind(("127.0.0.1", 0)).expect("bind"), "http://127.0.0.1"),
    };
    let url = format!("{scheme}:{}/hook", server.addrs()[0].port());
    let running = server.run();
    let handle = running.handle();
    actix_web::rt::spawn(running);
    (url, got, handle)
}

async fn incidents_are_flagged_and_sent_to_signed_webhooks(backend: Backend) {
    let site = Site::new(backend).await;
    let (url, got, hook) = webhook_receiver(None).await;
    let mut config = site.config();
    config.webhooks = vec![lifeguard_server::config::Webhook::new(&url, "shared-secret")];
    incidents_reach(&site, config, &got).await;
    hook.stop(true).await;
}

/// A city's Teams or Slack webhook is https: the alert goes over TLS, verified against the
/// webhook's `ca_file` (here the test's own authority, as a city relay's internal CA is).
async fn incident_webhooks_over_tls(backend: Backend) {
    let site = Site::new(backend).await;
    let rcgen::CertifiedKey { cert, signing_key } = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let key = rustls::pki_types::PrivateKeyDer::try_from(signing_key.serialize_der()).expect("key");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .expect("server config");
    let (url, got, hook) = webhook_receiver(Some(tls)).await;
    assert!(url.starts_with("https://"));
    let ca = site.dir.path().join("city-ca.pem");
    std::fs::write(&ca, cert.pem()).expect("ca file");
    let mut config = site.config();
    let webhook = lifeguard_server::config::Webhook { ca_file: Some(ca), ..lifeguard_server::config::Webhook::new(&url, "shared-secret") };
    config.webhooks = vec![webhook.prepare().expect("webhook")];
    incidents_reach(&site, config, &got).await;
    hook.stop(true).await;
    // A ca_file that is no certificate stops the start with its name.
    let bad = site.dir.path().join("not-a-ca.pem");
    std::fs::write(&bad, "hello").expect("file");
    let err = lifeguard_server::config::Webhook { ca_file: Some(bad), ..lifeguard_server::config::Webhook::new(&url, "s") }.prepare().expect_err("no certificate");
    assert!(err.to_string().contains("not-a-ca.pem"), "{err}");
    let err = lifeguard_server::config::Webhook::new("ftp://relay.example/hook", "s").prepare().expect_err("scheme");
    assert!(err.to_string().contains("http(s)"), "{err}");
}

/// Posts a critical paste and a harmless one; the receiver (refusing its first call) gets
/// exactly one signed alert naming the critical one.
async fn incidents_reach(site: &Site, config: lifeguard_server::config::Config, got: &Deliveries) {
    let server = site.start_with(config).await;
    let device = server.token(Role::Device, Some("police"));
    let mut blocked = event(&uuid(1), "paste_blocked");
    blocked["detectors"] = json!({"cji_identifier": 1});
    let mut low = event(&uuid(2), "paste_proceeded");
    low["detectors"] = json!({"email": 1});
    let res = server.send("POST", "/v1/reports", Some(&device), &json!({"events": [blocked, low]})).await;
    assert_eq!(res.json()["accepted"].as_array().map(Vec::len), Some(2));
    // The first delivery is refused; the retry arrives within a couple of seconds.
    let start = std::time::Instant::now();
    while got.lock().expect("lock").is_empty() && start.elapsed() < std::time::Duration::from_secs(10) {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let deliveries = got.lock().expect("lock").clone();
    assert_eq!(deliveries.len(), 1, "one alert, delivered on the retry");
    let (sig, body) = &deliveries[0];
    assert_eq!(sig, &lifeguard_server::incidents::signature("shared-secret", body));
    let alert: Value = serde_json::from_slice(body).expect("json");
    let ids: Vec<&str> = alert["incidents"].as_array().expect("incidents").iter().map(|i| i["id"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, vec![uuid(1).as_str()], "only the critical paste is an incident");
    assert_eq!(alert["incidents"][0]["user"], "jane@redondo.org");
    assert_eq!(alert["incidents"][0]["user_source"], "device", "the alert says the user is as the device reported it");
    let incidents = server.get("/v1/admin/reports?incident=true", Some(&server.token(Role::ItAdmin, None))).await.json();
    assert_eq!(incidents["events"].as_array().map(Vec::len), Some(1));
    server.stop().await;
}

/// A managed PostgreSQL needs TLS: `?sslmode=require` (or `verify-full` with `sslrootcert`)
/// in the database URL, and every connection the server holds is encrypted.
#[actix_web::test]
async fn postgres_connections_use_tls_when_the_url_asks() {
    use sqlx::Connection;
    let site = Site::new(Backend::Postgres).await;
    let pg = site.pg.as_ref().expect("postgres");
    let mut config = site.config();
    config.database_url = format!("{}?sslmode=require", site.database_url);
    let server = site.start_with(config).await;
    let it = server.token(Role::ItAdmin, None);
    assert_eq!(server.get("/v1/admin/versions", Some(&it)).await.status, 200);
    let mut admin = sqlx::PgConnection::connect(&pg.admin_url).await.expect("admin connection");
    let row = sqlx::query("SELECT COUNT(*) AS n, COALESCE(bool_and(s.ssl), false) AS all_tls FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1")
        .bind(&pg.name)
        .fetch_one(&mut admin)
        .await
        .expect("pg_stat_ssl");
    let (n, all_tls): (i64, bool) = (sqlx::Row::get(&row, "n"), sqlx::Row::get(&row, "all_tls"));
    assert!(n > 0 && all_tls, "{n} connections, all over TLS: {all_tls}");
    server.stop().await;
}

on_both_databases!(
    incidents_are_flagged_and_sent_to_signed_webhooks,
    incident_webhooks_over_tls,
    the_openapi_document_matches_the_routes,
    first_start_serves_the_signed_default_policy_with_etags,
    every_route_checks_tokens_and_roles,
    reports_are_stored_exactly_once_and_never_carry_text,
    bad_bodies_get_clear_errors,
    report_queries_filter_aggregate_export_and_purge,
    reported_users_are_marked_as_claimed_by_the_device,
    policy_lifecycle_edit_publish_diff_rollback,
    an_edit_changes_only_the_item_it_edits,
    only_the_city_manager_grants_exceptions,
    approval_requests_from_submission_to_the_draft,
    an_approval_request_sent_again_is_filed_once,
    console_login_issues_a_session,
    the_login_limit_counts_clients_behind_trusted_proxies,
    the_largest_csv_export_keeps_every_detector,
    operations_endpoints,
);

/// Rate limits are on without any configuration (security review 4): a client flooding one
/// server from one address is refused with 429 and `Retry-After`, while a device token, its
/// own budget, is still served.
#[actix_web::test]
async fn the_rate_limit_is_on_by_default() {
    let site = Site::new(Backend::Sqlite).await;
    let config = site.config();
    assert_eq!(config.rate_limit_per_minute, lifeguard_server::config::DEFAULT_RATE_LIMIT_PER_MINUTE);
    assert!(config.rate_limit_per_minute > 0);
    let server = site.start_with(config).await;
    // The budget refills at 200 a second while the loop drains it far faster; the bound only
    // keeps a broken limit from looping for ever.
    let mut refused = None;
    for n in 0..60_000u32 {
        let res = server.get("/healthz", None).await;
        if res.status == 429 {
            refused = Some((n, res));
            break;
        }
        assert_eq!(res.status, 200);
    }
    let (n, res) = refused.expect("no 429 after 60,000 requests from one address: the default rate limit is off");
    assert!(n >= 12_000, "refused after {n} requests, before the default budget of 12,000 was spent");
    assert!(res.header("retry-after").and_then(|v| v.parse::<u64>().ok()).is_some_and(|s| s >= 1), "{:?}", res.headers);
    let device = server.token(Role::Device, Some("police"));
    assert_eq!(server.get("/v1/policy", Some(&device)).await.status, 200, "a valid token has its own budget");
    server.stop().await;
}

/// Each valid token is its own budget, the rest share their address's: one flooding token (a
/// device token read out of the registry, behind the city's NAT) cannot starve the other
/// devices on that address, and made-up tokens count as the address.
#[actix_web::test]
async fn the_rate_limit_counts_each_token_and_tokenless_requests_by_address() {
    let site = Site::new(Backend::Sqlite).await;
    let mut config = site.config();
    // 6 a minute refills one every 10 s: nothing refills during the test.
    config.rate_limit_per_minute = 6;
    let server = site.start_with(config).await;
    let (flooding, other) = (server.token(Role::Device, Some("police")), server.token(Role::Device, Some("police")));
    for _ in 0..6 {
        assert_eq!(server.get("/v1/policy", Some(&flooding)).await.status, 200);
    }
    assert_eq!(server.get("/v1/policy", Some(&flooding)).await.status, 429);
    assert_eq!(server.get("/v1/policy", Some(&other)).await.status, 200, "another device's token is not starved");
    let it = server.token(Role::ItAdmin, None);
    assert_eq!(server.get("/v1/admin/reports", Some(&it)).await.status, 200);
    // Without a valid token: the address's budget, shared with made-up tokens.
    for i in 0..6 {
        let status = if i % 2 == 0 { server.get("/healthz", None).await.status } else { server.get("/v1/policy", Some(&format!("made-up-{i}"))).await.status };
        assert!(status == 200 || status == 401, "{status}");
    }
    assert_eq!(server.get("/v1/policy", Some("made-up-7")).await.status, 429, "a made-up token is no new budget");
    assert_eq!(server.get("/healthz", None).await.status, 429);
    assert_eq!(server.get("/v1/policy", Some(&other)).await.status, 200);
    server.stop().await;
}

/// The SQLite file says who pasted what kind of data where: the server's user alone reads it,
/// a new database and one an older version left world-readable alike (security review 15).
#[cfg(unix)]
#[actix_web::test]
async fn the_sqlite_database_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    let fresh = dir.path().join("fresh.sqlite3");
    let store = lifeguard_server::store::open(&format!("sqlite://{}", fresh.display())).await.expect("opens");
    store.append_audit(&lifeguard_server::store::AuditEntry { actor: "it@redondo.org".into(), role: "it_admin".into(), action: "test".into(), target: "x".into(), before: None, after: None }).await.expect("writes");
    assert_eq!(mode(&fresh), 0o600);
    let wal = dir.path().join("fresh.sqlite3-wal");
    assert!(!wal.exists() || mode(&wal) == 0o600, "the WAL takes the database's mode");
    drop(store);
    let old = dir.path().join("old.sqlite3");
    std::fs::write(&old, b"").expect("file");
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    lifeguard_server::store::open(&format!("sqlite://{}", old.display())).await.expect("opens");
    assert_eq!(mode(&old), 0o600);
}
