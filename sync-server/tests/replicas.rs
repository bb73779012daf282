//! Replicas on one PostgreSQL: two `lifeguard serve` processes act as one service (a publish
//! on one is served by the other, a report batch retried to both is stored once, simultaneous
//! publishes get distinct version numbers), and a replica whose database goes away keeps
//! serving the signed policy it has while `/readyz` says it is not ready.

mod common;

use common::{Backend, Site};
use lifeguard_server::tokens::Role;
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

#[actix_web::test]
async fn a_database_outage_keeps_the_policy_served_and_fails_readiness() {
    use sqlx::Connection;
    let site = Site::new(Backend::Postgres).await;
    let server = site.start().await;
    let device = server.token(Role::Device, Some("police"));
    let etag = server.get("/v1/policy", Some(&device)).await.header("etag").expect("etag");
    assert_eq!(server.get("/readyz", None).await.status, 200);

    // Take the database away: end its sessions and rename it so reconnects fail.
    let pg = site.pg.as_ref().expect("postgres");
    let name = pg.url.rsplit('/').next().expect("name").to_owned();
    let admin_url = std::env::var("LIFEGUARD_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("admin connection");
    let terminate = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
    sqlx::query(&terminate).execute(&mut admin).await.expect("terminate");
    sqlx::query(&format!("ALTER DATABASE {name} RENAME TO {name}_away")).execute(&mut admin).await.expect("rename");

    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let res = server.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &etag)], None).await;
    assert_eq!(res.status, 304, "{}", res.text());
    let res = server.get("/v1/policy", Some(&device)).await;
    assert_eq!(res.status, 200);
    let ready = server.get("/readyz", None).await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["error"], "not ready", "no database error text reaches the client");
    // A report cannot be stored: the client is told to retry, and sees no internals.
    let res = server.send("POST", "/v1/reports", Some(&device), &batch(1)).await;
    assert_eq!(res.status, 500);
    assert_eq!(res.json(), json!({"error": "internal error"}));

    sqlx::query(&terminate.replace(&name, &format!("{name}_away"))).execute(&mut admin).await.expect("terminate");
    sqlx::query(&format!("ALTER DATABASE {name}_away RENAME TO {name}")).execute(&mut admin).await.expect("rename back");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut ready = 0;
    for _ in 0..50 {
        ready = server.get("/readyz", None).await.status;
        if ready == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(ready, 200, "ready again once the database is back");
    let res = server.send("POST", "/v1/reports", Some(&device), &batch(1)).await;
    assert_eq!(res.json()["accepted"].as_array().map(Vec::len), Some(1));
    server.stop().await;
}
