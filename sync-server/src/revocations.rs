//! Revoked tokens: device and operator tokens IT withdrew before they expire (a lost laptop,
//! a device token read out of the registry, a rotation).
//!
//! Every device request checks its token here, so the check is a lookup in an in-memory set.
//! The set is re-read from the database when it is older than `policy_recheck_ms`, so a token
//! revoked on one replica is refused by every replica within that interval (at once on the
//! replica that revoked it). Console sessions are not listed here: they end with their account
//! ([`crate::auth`]).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use arc_swap::ArcSwap;

use crate::store::Store;

/// The revoked token ids, and when they were last read.
#[derive(Debug)]
pub struct Revocations {
    ids: ArcSwap<HashSet<String>>,
    /// Milliseconds since the Unix epoch of the last read; 0: never read.
    read_at_ms: AtomicI64,
    recheck_ms: i64,
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

impl Revocations {
    /// An empty set, re-read every `recheck_ms`.
    pub fn new(recheck_ms: u64) -> Revocations {
        Revocations { ids: ArcSwap::from_pointee(HashSet::new()), read_at_ms: AtomicI64::new(0), recheck_ms: i64::try_from(recheck_ms).unwrap_or(i64::MAX) }
    }

    /// Whether the token `jti` is revoked, re-reading the list first when it is stale. A
    /// database error keeps the last list (and is logged): a device is not locked out because
    /// the database blinked, and a revoked token stays refused.
    pub async fn is_revoked(&self, store: &dyn Store, jti: &str) -> bool {
        let now = now_ms();
        let read = self.read_at_ms.load(Ordering::Relaxed);
        if now - read >= self.recheck_ms && self.read_at_ms.compare_exchange(read, now, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
            match store.revoked_tokens(now / 1000).await {
                Ok(ids) => self.ids.store(Arc::new(ids.into_iter().collect())),
                Err(e) => tracing::error!(error = format!("{e:#}"), "cannot read the revoked tokens; keeping the last list"),
            }
        }
        self.ids.load().contains(jti)
    }

    /// Adds a token revoked here, so this replica refuses it at once.
    pub fn add(&self, jti: &str) {
        let mut ids = HashSet::clone(&self.ids.load());
        ids.insert(jti.to_owned());
        self.ids.store(Arc::new(ids));
    }
}
