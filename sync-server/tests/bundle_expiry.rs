//! Policy bundles expire (security review item 12): `expires_at` is in the signed payload,
//! `bundle_valid_days` after signing; a version that stays current is re-signed when less
//! than half its validity remains, replicas sharing the key re-sign to the same bytes (and
//! ETag), and the 304 path keeps working with the new ETag. On SQLite and PostgreSQL.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use common::{Backend, Server, Site};
use lifeguard_server::tokens::Role;
use lifeguard_server::lifecycle::rfc3339;
use lifeguard_server::store::{PolicyVersion, Write};
use serde_json::{Value, json};

const DAY: i64 = 86_400;
const VALID_DAYS: u32 = 10;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn unix(t: &Value) -> i64 {
    let s = t.as_str().unwrap_or_else(|| panic!("not a string: {t}"));
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap_or_else(|e| panic!("{s}: {e}")).unix_timestamp()
}

/// The payload of a bundle, after checking its signature with the key the server hands out.
async fn verified(server: &Server, jws: &str) -> Value {
    let key = server.get("/v1/policy/key", None).await.json();
    let raw: [u8; 32] = B64.decode(key["public_key"].as_str().expect("key")).expect("b64").try_into().expect("32 bytes");
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&raw).expect("key");
    let (input, sig) = jws.rsplit_once('.').expect("three parts");
    let sig = ed25519_dalek::Signature::from_slice(&B64.decode(sig).expect("b64")).expect("sig");
    vk.verify_strict(input.as_bytes(), &sig).expect("the bundle verifies with the served key");
    serde_json::from_slice(&B64.decode(input.split_once('.').expect("payload").1).expect("b64")).expect("json")
}

async fn start(site: &Site) -> Server {
    let mut config = site.config();
    config.bundle_valid_days = VALID_DAYS;
    site.start_with(config).await
}

/// Stores version 2 as if it had been published at `published_at`, with the bundle the server
/// signed then (valid `VALID_DAYS` from then).
async fn publish_in_the_past(server: &Server, published_at: i64) -> PolicyVersion {
    let mut doc: Value = serde_json::from_str(lifeguard_core::policy::DEFAULT_POLICY_JSON).expect("default");
    doc["version"] = json!(2);
    doc["published_at"] = json!(rfc3339(published_at));
    let expires = rfc3339(published_at + i64::from(VALID_DAYS) * DAY);
    let bundle = lifeguard_server::bundle::sign(&server.state.keys, 2, &rfc3339(published_at), &expires, &doc);
    let v = PolicyVersion { version: 2, document: doc.to_string(), bundle, published_at, published_by: "it@redondo.test".into(), note: "long ago".into(), rollback_of: None };
    assert_eq!(server.state.store.insert_version(&v, None, None).await.expect("insert"), Write::Done);
    v
}

/// The bundle served now, once the server has noticed version 2 (it re-checks every 100 ms).
async fn bundle_v2(server: &Server, device: &str) -> common::Res {
    for _ in 0..50 {
        let res = server.get("/v1/policy", Some(device)).await;
        if res.header("x-lifeguard-policy-version").as_deref() == Some("2") {
            return res;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("version 2 was never served");
}

async fn a_published_bundle_carries_its_expiry(backend: Backend) {
    let site = Site::new(backend).await;
    let server = start(&site).await;
    let device = server.token(Role::Device, Some("police"));
    let payload = verified(&server, &server.get("/v1/policy", Some(&device)).await.text()).await;
    assert_eq!(payload["version"], 1);
    assert_eq!(unix(&payload["expires_at"]) - unix(&payload["published_at"]), i64::from(VALID_DAYS) * DAY);
    assert!(unix(&payload["expires_at"]) > now() + 9 * DAY);
    server.stop().await;
}

async fn an_old_current_version_is_re_signed_and_replicas_agree(backend: Backend) {
    let site = Site::new(backend).await;
    let a = start(&site).await;
    let device = a.token(Role::Device, Some("police"));
    // Published 12 days ago: its stored bundle expired 2 days ago. Signing steps are every 5
    // days from the publish time, so the bundle served now is signed at +10 days, valid to +20.
    let published = now() - 12 * DAY;
    let stored = publish_in_the_past(&a, published).await;
    let res = bundle_v2(&a, &device).await;
    assert_ne!(res.text(), stored.bundle, "the expired stored bundle is not what devices get");
    let payload = verified(&a, &res.text()).await;
    assert_eq!(payload["version"], 2);
    assert_eq!(payload["published_at"], json!(rfc3339(published)), "the publish time stays");
    assert_eq!(payload["expires_at"], json!(rfc3339(published + 20 * DAY)));
    let stored_doc: Value = serde_json::from_str(&stored.document).expect("doc");
    assert_eq!(payload["policy"], stored_doc, "the same policy, signed again");
    let etag = res.header("etag").expect("etag");
    assert_eq!(a.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &etag)], None).await.status, 304);

    // Another replica on the same data re-signs to the same bytes: one ETag behind a balancer.
    let b = start(&site).await;
    let from_b = b.get("/v1/policy", Some(&device)).await;
    assert_eq!(from_b.header("etag").as_deref(), Some(etag.as_str()));
    assert_eq!(from_b.body, res.body);
    assert_eq!(b.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &etag)], None).await.status, 304);
    a.stop().await;
    b.stop().await;
}

async fn a_bundle_half_way_to_its_expiry_is_re_signed_while_served(backend: Backend) {
    let site = Site::new(backend).await;
    let server = start(&site).await;
    let device = server.token(Role::Device, Some("police"));
    // Half of its 10 days are over two seconds from now.
    let published = now() - 5 * DAY + 2;
    let stored = publish_in_the_past(&server, published).await;
    let first = bundle_v2(&server, &device).await;
    assert_eq!(first.text(), stored.bundle, "still more than half valid: served as stored");
    let etag = first.header("etag").expect("etag");
    assert_eq!(server.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &etag)], None).await.status, 304);

    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let mut renewed = None;
    for _ in 0..50 {
        let res = server.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &etag)], None).await;
        if res.status == 200 {
            renewed = Some(res);
            break;
        }
        assert_eq!(res.status, 304);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let renewed = renewed.expect("the bundle was re-signed: the old ETag no longer matches");
    let payload = verified(&server, &renewed.text()).await;
    assert_eq!(payload["version"], 2);
    assert_eq!(payload["expires_at"], json!(rfc3339(published + 15 * DAY)));
    let new_etag = renewed.header("etag").expect("etag");
    assert_ne!(new_etag, etag);
    assert!(new_etag.starts_with("\"v2-"), "{new_etag}");
    assert_eq!(server.request("GET", "/v1/policy", Some(&device), &[("If-None-Match", &new_etag)], None).await.status, 304);
    server.stop().await;
}

on_both_databases!(a_published_bundle_carries_its_expiry, an_old_current_version_is_re_signed_and_replicas_agree, a_bundle_half_way_to_its_expiry_is_re_signed_while_served);
