//! Signed policy bundles, and the in-memory copy of the current one that `GET /v1/policy`
//! serves.
//!
//! A bundle is a JWS compact serialization (RFC 7515) signed with Ed25519 (`alg: EdDSA`,
//! RFC 8037): `base64url(header) . base64url(payload) . base64url(signature)`, where the
//! payload is `{"version": N, "published_at": "...", "expires_at": "...", "policy": {...}}`.
//! It is made at publish time and stored with the version, so every replica serves the same
//! bytes and the same ETag.
//!
//! Bundles expire (`expires_at`, `bundle_valid_days` after signing): a device that stops
//! getting fresh ones (an outage, a blocked server, a copy a CDN never refreshed) still
//! enforces the one it holds but says it is stale. A version can stay current for months,
//! so the cache re-signs the current version when less than half its validity remains. The
//! signing times are fixed steps from the publish time (publish, then every half validity),
//! and Ed25519 signatures are deterministic, so replicas sharing the key and configuration
//! re-sign to the same bytes and the same ETag. The ETag names the bytes: a re-signed bundle
//! has a new one, so each device downloads it once per half validity (same version, later
//! expiry) and gets 304 in between.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use anyhow::Context as _;

use arc_swap::ArcSwapOption;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use sha2::{Digest, Sha256};

use crate::keys::Keys;
use crate::store::{PolicyStore, PolicyVersion};

/// The JWS `typ` of a policy bundle.
pub const BUNDLE_TYP: &str = "lifeguard-policy+jws";

/// Signs a policy document as a bundle valid until `expires_at` (RFC 3339). `policy` must be
/// the JSON of the document.
pub fn sign(keys: &Keys, version: i64, published_at: &str, expires_at: &str, policy: &serde_json::Value) -> String {
    let header = serde_json::json!({"alg": "EdDSA", "typ": BUNDLE_TYP, "kid": keys.kid()});
    let payload = serde_json::json!({"version": version, "published_at": published_at, "expires_at": expires_at, "policy": policy});
    let signing_input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(payload.to_string()));
    let signature = keys.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", B64.encode(signature))
}

/// When the bundle of a version published at `published_at` (Unix seconds) is signed at
/// `now`: `(signed_at, expires_at)`. Signing times are steps of half the validity from the
/// publish time, the latest not after `now`, so at any moment the bundle served has more
/// than half its validity left, and every replica picks the same time.
pub fn signing_window(published_at: i64, valid_days: u32, now: i64) -> (i64, i64) {
    let valid = i64::from(valid_days.max(1)) * 86_400;
    let step = valid / 2;
    let steps = (now - published_at).max(0) / step;
    let signed_at = published_at + steps * step;
    (signed_at, signed_at + valid)
}

/// The payload of a JWS, parsed (not verified: these are the server's own bundles).
fn payload_of(jws: &str) -> anyhow::Result<serde_json::Value> {
    let p = jws.split('.').nth(1).context("a bundle has three parts")?;
    serde_json::from_slice(&B64.decode(p).context("the bundle payload is not base64url")?).context("the bundle payload is not JSON")
}

/// How the cache signs: the key and the validity.
#[derive(Debug, Clone)]
pub struct Signer {
    /// The policy key.
    pub keys: Arc<Keys>,
    /// `bundle_valid_days`.
    pub valid_days: u32,
}

impl Signer {
    /// The bundle of version `version` (published at `published_at`, Unix seconds) to serve
    /// at `now`: `jws` itself when it already expires at the current window's time, else the
    /// same payload signed again with that expiry.
    fn bundle_at(&self, version: i64, published_at: i64, jws: &str, now: i64) -> anyhow::Result<(String, i64)> {
        let (_, expires_at) = signing_window(published_at, self.valid_days, now);
        let expires = crate::lifecycle::rfc3339(expires_at);
        let payload = payload_of(jws)?;
        if payload.get("expires_at").and_then(serde_json::Value::as_str) == Some(expires.as_str()) {
            return Ok((jws.to_owned(), expires_at));
        }
        let published = payload.get("published_at").and_then(serde_json::Value::as_str).map(str::to_owned).unwrap_or_else(|| crate::lifecycle::rfc3339(published_at));
        let policy = payload.get("policy").context("the bundle has no policy")?;
        Ok((sign(&self.keys, version, &published, &expires, policy), expires_at))
    }
}

/// The current bundle, ready to send: as it is, and gzipped once for the clients that
/// accept it (the default policy's 137 KB JWS is about 16 KB gzipped).
#[derive(Debug)]
pub struct Current {
    /// Its version.
    pub version: i64,
    /// The strong ETag of the JWS as it is, quoted: `"v<N>-<hash>"`.
    pub etag: String,
    /// The strong ETag of the gzipped JWS: another representation has another strong
    /// validator (RFC 9110 §8.8.1), `"v<N>-<hash>-gz"`.
    pub gzip_etag: String,
    /// The JWS.
    pub body: actix_web::web::Bytes,
    /// The JWS, gzipped.
    pub gzip: actix_web::web::Bytes,
    /// When the version was published (Unix seconds).
    pub published_at: i64,
    /// When this bundle expires (Unix seconds, the `expires_at` it carries).
    pub expires_at: i64,
}

impl Current {
    /// The bundle of a version as served at `now` (re-signed if the stored one is old).
    fn of(version: i64, published_at: i64, jws: &str, signer: &Signer, now: i64) -> anyhow::Result<Current> {
        let (jws, expires_at) = signer.bundle_at(version, published_at, jws, now)?;
        let hash = Sha256::digest(jws.as_bytes());
        let tag = format!("v{version}-{}", &B64.encode(hash)[..22]);
        Ok(Current {
            version,
            etag: format!("\"{tag}\""),
            gzip_etag: format!("\"{tag}-gz\""),
            gzip: actix_web::web::Bytes::from(gzip(jws.as_bytes())),
            body: actix_web::web::Bytes::from(jws),
            published_at,
            expires_at,
        })
    }

    /// When the bundle is re-signed: once less than half its validity remains.
    fn renew_at(&self, signer: &Signer) -> i64 {
        self.expires_at - i64::from(signer.valid_days.max(1)) * 86_400 / 2
    }

    /// Whether an `If-None-Match` header value names this bundle (`*`, or a list of tags,
    /// weak or strong: RFC 9110 compares If-None-Match weakly), in either representation:
    /// both are the same signed bytes, so a client holding one has the bundle.
    pub fn matches(&self, if_none_match: &str) -> bool {
        if_none_match.split(',').map(str::trim).any(|tag| {
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag == "*" || tag == self.etag || tag == self.gzip_etag
        })
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// Whether an `Accept-Encoding` header value accepts gzip (RFC 9110 §12.5.3): `gzip`,
/// `x-gzip` or `*` with a quality above zero, unless gzip itself is given `q=0`.
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut star = false;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            return q > 0.0;
        }
        if coding == "*" {
            star = q > 0.0;
        }
    }
    star
}

/// The bundle cache: readers never lock; a publish (or a replica noticing a newer version in
/// the database) swaps in the new bundle, and the current one is re-signed when it is half
/// way to its expiry.
#[derive(Debug)]
pub struct BundleCache {
    current: ArcSwapOption<Current>,
    signer: Signer,
    /// When the database was last asked for the latest version (ms since the Unix epoch).
    checked_at_ms: AtomicI64,
    /// Set while one request re-checks, so the others keep serving the cached bundle.
    checking: AtomicBool,
    recheck_ms: i64,
}

/// Clears the re-check flag on drop, not after the await: a client that disconnects
/// mid-check drops the future, and a flag left set would stop this replica from ever
/// re-checking.
struct Clear<'a>(&'a AtomicBool);
impl Drop for Clear<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl BundleCache {
    /// An empty cache that re-checks the database every `recheck_ms` and signs with `signer`.
    pub fn new(recheck_ms: u64, signer: Signer) -> BundleCache {
        BundleCache { current: ArcSwapOption::empty(), signer, checked_at_ms: AtomicI64::new(0), checking: AtomicBool::new(false), recheck_ms: recheck_ms as i64 }
    }

    /// Puts a version in the cache unless a newer one is there already.
    pub fn offer(&self, v: &PolicyVersion) {
        match Current::of(v.version, v.published_at, &v.bundle, &self.signer, now_ms() / 1000) {
            Ok(fresh) => self.swap_in(Arc::new(fresh)),
            Err(e) => tracing::error!(version = v.version, error = format!("{e:#}"), "cannot read the stored bundle"),
        }
    }

    /// Swaps `fresh` in unless a newer version, or the same version with a later expiry, is
    /// there already.
    fn swap_in(&self, fresh: Arc<Current>) {
        self.current.rcu(|cur| match cur {
            Some(c) if c.version > fresh.version || (c.version == fresh.version && c.expires_at >= fresh.expires_at) => Some(Arc::clone(c)),
            _ => Some(Arc::clone(&fresh)),
        });
    }

    /// Re-signs the current bundle if it is half way to its expiry, off the async workers.
    async fn renew_if_old(&self) {
        let Some(c) = self.current.load_full() else { return };
        let now = now_ms() / 1000;
        if now < c.renew_at(&self.signer) {
            return;
        }
        let signer = self.signer.clone();
        let old = Arc::clone(&c);
        let renewed = tokio::task::spawn_blocking(move || {
            let jws = std::str::from_utf8(&old.body).context("the bundle is not text")?.to_owned();
            Current::of(old.version, old.published_at, &jws, &signer, now)
        })
        .await;
        match renewed {
            Ok(Ok(fresh)) => {
                tracing::info!(version = fresh.version, expires_at = crate::lifecycle::rfc3339(fresh.expires_at), "re-signed the current policy bundle");
                self.swap_in(Arc::new(fresh));
            }
            Ok(Err(e)) => tracing::error!(error = format!("{e:#}"), "cannot re-sign the policy bundle; serving the old one"),
            Err(e) => tracing::error!(error = %e, "cannot re-sign the policy bundle; serving the old one"),
        }
    }

    /// The current bundle. At most once per `recheck_ms`, one caller asks the database whether
    /// another replica published something newer, and once a bundle is half way to its expiry
    /// one caller re-signs it; everyone else reads memory only (the bundle held still has half
    /// its validity while it is re-signed).
    pub async fn get(&self, store: &dyn PolicyStore) -> anyhow::Result<Arc<Current>> {
        let cached = self.current.load_full();
        let now = now_ms();
        let due = now - self.checked_at_ms.load(Ordering::Relaxed) >= self.recheck_ms;
        if let Some(c) = &cached {
            let old = now / 1000 >= c.renew_at(&self.signer);
            if !(due || old) || self.checking.swap(true, Ordering::Acquire) {
                return Ok(Arc::clone(c));
            }
            if !due {
                let _clear = Clear(&self.checking);
                self.renew_if_old().await;
                return Ok(self.current.load_full().unwrap_or_else(|| Arc::clone(c)));
            }
        }
        let _clear = Clear(&self.checking);
        let result = self.refresh(store, cached.as_ref().map(|c| c.version)).await;
        self.renew_if_old().await;
        match (result, cached) {
            (Ok(()), _) => self.current.load_full().ok_or_else(|| anyhow::anyhow!("no policy version is published")),
            // The database is away: keep serving the last bundle (it is signed and still the
            // newest this replica knows), and try again after the next interval.
            (Err(e), Some(c)) => {
                self.checked_at_ms.store(now_ms(), Ordering::Relaxed);
                tracing::warn!(error = format!("{e:#}"), "cannot re-check the policy version; serving the cached bundle");
                Ok(self.current.load_full().unwrap_or(c))
            }
            (Err(e), None) => Err(e),
        }
    }

    async fn refresh(&self, store: &dyn PolicyStore, have: Option<i64>) -> anyhow::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::{accepts_gzip, signing_window};

    #[test]
    fn bundles_are_signed_at_steps_of_half_the_validity() {
        const DAY: i64 = 86_400;
        let p = 1_800_000_000;
        // 30 days: signed at publish, re-signed every 15 days; always more than 15 days left.
        assert_eq!(signing_window(p, 30, p), (p, p + 30 * DAY));
        assert_eq!(signing_window(p, 30, p + 15 * DAY - 1), (p, p + 30 * DAY));
        assert_eq!(signing_window(p, 30, p + 15 * DAY), (p + 15 * DAY, p + 45 * DAY));
        assert_eq!(signing_window(p, 30, p + 200 * DAY), (p + 195 * DAY, p + 225 * DAY));
        // A clock behind the publish time signs at the publish time; one day is the least.
        assert_eq!(signing_window(p, 30, p - 100), (p, p + 30 * DAY));
        assert_eq!(signing_window(p, 0, p + DAY), (p + DAY, p + 2 * DAY));
        for now in (p..p + 100 * DAY).step_by(3601) {
            let (signed, expires) = signing_window(p, 30, now);
            assert!(signed <= now && expires - now > 15 * DAY, "{now}");
        }
    }

    #[test]
    fn accept_encoding_is_read_with_qualities() {
        for (header, gzip) in [
            ("gzip", true),
            ("gzip, deflate, br, zstd", true),
            ("GZIP;q=0.5", true),
            ("br;q=1.0, gzip;q=0.8", true),
            ("x-gzip", true),
            ("*", true),
            ("identity, *;q=0.1", true),
            ("", false),
            ("identity", false),
            ("br", false),
            ("gzip;q=0", false),
            ("gzip;q=0.000", false),
            ("*;q=0", false),
            ("gzip;q=0, *", false),
            ("gzipper", false),
        ] {
            assert_eq!(accepts_gzip(header), gzip, "{header:?}");
        }
    }
}
