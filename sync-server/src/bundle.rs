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
}

impl Current {
    fn of(v: &PolicyVersion) -> Current {
        let hash = Sha256::digest(v.bundle.as_bytes());
        let tag = format!("v{}-{}", v.version, &B64.encode(hash)[..22]);
        Current {
            version: v.version,
            etag: format!("\"{tag}\""),
            gzip_etag: format!("\"{tag}-gz\""),
            body: actix_web::web::Bytes::from(v.bundle.clone()),
            gzip: actix_web::web::Bytes::from(gzip(v.bundle.as_bytes())),
        }
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

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

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
