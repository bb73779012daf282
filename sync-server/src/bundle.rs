//! Signed policy bundles, and the in-memory copy of the current one that `GET /v1/policy`
//! serves.
//!
//! A bundle is a JWS compact serialization (RFC 7515) signed with Ed25519 (`alg: EdDSA`,
//! RFC 8037): `base64url(header) . base64url(payload) . base64url(signature)`, where the
//! payload is `{"version": N, "published_at": "...", "policy": {...}}`. It is made once, at
//! publish time, and stored with the version, so every replica serves the same bytes and the
//! same ETag whatever key it holds at the moment.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use arc_swap::ArcSwapOption;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use sha2::{Digest, Sha256};

use crate::keys::Keys;
use crate::store::{PolicyVersion, Store};

/// The JWS `typ` of a policy bundle.
pub const BUNDLE_TYP: &str = "lifeguard-policy+jws";

/// Signs a policy document as a bundle. `policy` must be the JSON of the document.
pub fn sign(keys: &Keys, version: i64, published_at: &str, policy: &serde_json::Value) -> String {
    let header = serde_json::json!({"alg": "EdDSA", "typ": BUNDLE_TYP, "kid": keys.kid()});
    let payload = serde_json::json!({"version": version, "published_at": published_at, "policy": policy});
    let signing_input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(payload.to_string()));
    let signature = keys.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", B64.encode(signature))
}

/// The current bundle, ready to send.
#[derive(Debug)]
pub struct Current {
    /// Its version.
    pub version: i64,
    /// The strong ETag, quoted: `"v<N>-<hash>"`.
    pub etag: String,
    /// The JWS.
    pub body: actix_web::web::Bytes,
}

impl Current {
    fn of(v: &PolicyVersion) -> Current {
        let hash = Sha256::digest(v.bundle.as_bytes());
        let etag = format!("\"v{}-{}\"", v.version, &B64.encode(hash)[..22]);
        Current { version: v.version, etag, body: actix_web::web::Bytes::from(v.bundle.clone()) }
    }

    /// Whether an `If-None-Match` header value names this bundle (`*`, or a list of tags,
    /// weak or strong: RFC 9110 compares If-None-Match weakly).
    pub fn matches(&self, if_none_match: &str) -> bool {
        if_none_match.split(',').map(str::trim).any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == self.etag)
    }
}

/// The bundle cache: readers never lock; a publish (or a replica noticing a newer version in
/// the database) swaps in the new bundle.
#[derive(Debug)]
pub struct BundleCache {
    current: ArcSwapOption<Current>,
    /// When the database was last asked for the latest version (ms since the Unix epoch).
    checked_at_ms: AtomicI64,
    /// Set while one request re-checks, so the others keep serving the cached bundle.
    checking: AtomicBool,
    recheck_ms: i64,
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl BundleCache {
    /// An empty cache that re-checks the database every `recheck_ms`.
    pub fn new(recheck_ms: u64) -> BundleCache {
        BundleCache { current: ArcSwapOption::empty(), checked_at_ms: AtomicI64::new(0), checking: AtomicBool::new(false), recheck_ms: recheck_ms as i64 }
    }

    /// Puts a version in the cache unless a newer one is there already.
    pub fn offer(&self, v: &PolicyVersion) {
        let fresh = Arc::new(Current::of(v));
        self.current.rcu(|cur| match cur {
            Some(c) if c.version >= fresh.version => Some(Arc::clone(c)),
            _ => Some(Arc::clone(&fresh)),
        });
    }

    /// The current bundle. At most once per `recheck_ms`, one caller asks the database whether
    /// another replica published something newer; everyone else reads memory only.
    pub async fn get(&self, store: &dyn Store) -> anyhow::Result<Arc<Current>> {
        let cached = self.current.load_full();
        let due = now_ms() - self.checked_at_ms.load(Ordering::Relaxed) >= self.recheck_ms;
        if let Some(c) = &cached {
            if !due || self.checking.swap(true, Ordering::Acquire) {
                return Ok(Arc::clone(c));
            }
        }
        // Cleared on drop, not after the await: a client that disconnects mid-check drops
        // this future, and a flag left set would stop this replica from ever re-checking.
        struct Clear<'a>(&'a AtomicBool);
        impl Drop for Clear<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        let _clear = Clear(&self.checking);
        let result = self.refresh(store, cached.as_ref().map(|c| c.version)).await;
        match (result, cached) {
            (Ok(()), _) => self.current.load_full().ok_or_else(|| anyhow::anyhow!("no policy version is published")),
            // The database is away: keep serving the last bundle (it is signed and still the
            // newest this replica knows), and try again after the next interval.
            (Err(e), Some(c)) => {
                self.checked_at_ms.store(now_ms(), Ordering::Relaxed);
                tracing::warn!(error = format!("{e:#}"), "cannot re-check the policy version; serving the cached bundle");
                Ok(c)
            }
            (Err(e), None) => Err(e),
        }
    }

    async fn refresh(&self, store: &dyn Store, have: Option<i64>) -> anyhow::Result<()> {
        let latest = store.latest_version().await?;
        self.checked_at_ms.store(now_ms(), Ordering::Relaxed);
        if let Some(latest) = latest {
            if have.is_none_or(|h| h < latest) {
                if let Some(v) = store.version(latest).await? {
                    self.offer(&v);
                }
            }
        }
        Ok(())
    }
}
