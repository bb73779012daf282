//! Two `lifeguard serve` replicas on one PostgreSQL act as one service: a publish on one is
//! served by the other, a report batch retried to both is stored once, and simultaneous
//! publishes get distinct version numbers.

mod common;

use common::{Backend, Site};
use lifeguard_server::auth::Role;
use serde_json::{Value, json};

fn batch(n: u32) -> Value {
    let events: Vec<Value> = (0..n)
        .map(|i| json!({"id": format!("00000000-0000-4000-8000-{i:012}"), "kind": "visit_blocked", "time": "2026-11-20T10:00:00Z", "host": "chatgpt.com"}))
        .collect();
    json!({"events": events})
}

#[actix_web::test]
async fn two_replicas_on_one_postgres_act_as_one() {
    let site = Site::new(Backend::Postgres).await;
    let a = site.start().await;
    let b = site.start().await;
    let device = a.token(Role::Device, Some("police"));
    let it = a.token(Role::ItAdmin, None);

    // Both serve version 1, byte for byte.
    let (pa, pb) = (a.get("/v1/policy", Some(&device)).await, b.get("/v1/policy", Some(&device)).await);
    assert_eq!(pa.header("etag"), pb.header("etag"));
    assert_eq!(pa.body, pb.body);
    let etag1 = pa.header("etag").expect("etag");

    // Publish on A (with a change made on B's API: the draft is shared too).
    let rule = json!({"hosts": ["replica-test.example"], "category": "general_purpose_ai", "action": "block", "policy_ref": "APP 04.05 §IV.1"});
    assert_eq!(b.send("PUT", "/v1/admin/draft/site_rules/replica-test", Some(&it), &rule).await.status, 200);
    let res = a.send("POST", "/v1/admin/publish", Some(&it), &json!({})).await;
    assert_eq!(res.status, 201, "{}", res.text());
    // B notices within its re-check interval (100 ms in tests, 1 s by default).
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    let _ = b.get("/v1/policy", Some(&device)).await; // the request that triggers the re-check
    let from_b = b.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &etag1)], None).await;
    assert_eq!(from_b.status, 200);
    assert_eq!(from_b.header("x-lifeguard-policy-version").as_deref(), Some("2"));
    assert_eq!(from_b.body, a.get("/v1/policy", Some(&device)).await.body);

    // The same batch sent to both at once (a retry after a timeout, through a load balancer).
    let body = batch(50);
    let (ra, rb) = tokio::join!(a.send("POST", "/v1/reports", Some(&device), &body), b.send("POST", "/v1/reports", Some(&device), &body));
    let (ra, rb) = (ra.json(), rb.json());
    let accepted = ra["accepted"].as_array().map_or(0, Vec::len) + rb["accepted"].as_array().map_or(0, Vec::len);
    let duplicates = ra["duplicates"].as_array().map_or(0, Vec::len) + rb["duplicates"].as_array().map_or(0, Vec::len);
    assert_eq!((accepted, duplicates), (50, 50), "A: {ra}\nB: {rb}");
    let stored = b.get("/v1/admin/reports?limit=1000", Some(&it)).await.json();
    assert_eq!(stored["events"].as_array().map(Vec::len), Some(50));

    // Two publishes at the same moment on two replicas: two new versions, no error.
    let (note_a, note_b) = (json!({"note": "a"}), json!({"note": "b"}));
    let (pa, pb) = tokio::join!(a.send("POST", "/v1/admin/publish", Some(&it), &note_a), b.send("POST", "/v1/admin/publish", Some(&it), &note_b));
    assert_eq!((pa.status, pb.status), (201, 201), "{} {}", pa.text(), pb.text());
    let mut versions = vec![pa.json()["version"].as_i64(), pb.json()["version"].as_i64()];
    versions.sort();
    assert_eq!(versions, vec![Some(3), Some(4)]);
    a.stop().await;
    b.stop().await;
}
