//! Revoked tokens: device and operator tokens IT withdrew before they expire (a lost laptop,
//! a device token read out of the registry, a rotation).
//!
//! Every device request checks its token here, so the check is a lookup in an in-memory set.
//! The set is re-read from the database when it is older than `policy_recheck_ms`, so a token
//! revoked on one replica is refused by every replica within that interval (at once on the
//! replica that revoked it). Console sessions are not listed here: they end with their account
//! ([`crate::auth`]).
//!
//! IT revokes through the API (`POST /v1/admin/tokens/revoke`) or, on the server, with
//! `lifeguard token revoke`; both go through [`revoke`], so the record and its audit entry are
//! the same (the CLI's actor is marked `(CLI)`).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use arc_swap::ArcSwap;

use crate::tokens::{Claims, TokenProblem, Tokens};
use crate::store::{AccountStore, AuditEntry, RevokedToken, Write};

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
    pub async fn is_revoked(&self, store: &dyn AccountStore, jti: &str) -> bool {
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

/// Why a token cannot be revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRevocable {
    /// It does not verify (not a Lifeguard token, bad signature, expired, ...).
    Invalid(TokenProblem),
    /// A console session: it ends when its account signs out, changes or is deleted.
    Session,
}

impl std::fmt::Display for NotRevocable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotRevocable::Invalid(p) => p.fmt(f),
            NotRevocable::Session => f.write_str("a console session ends when its account signs out, changes or is deleted; it is not revoked here"),
        }
    }
}

/// The claims of a token that can be revoked: one of this server's, unexpired, not a console
/// session.
pub fn revocable(tokens: &Tokens, token: &str) -> Result<Claims, NotRevocable> {
    let claims = tokens.diagnose(token.trim()).map_err(NotRevocable::Invalid)?;
    if claims.ver.is_some() {
        return Err(NotRevocable::Session);
    }
    Ok(claims)
}

/// Records `claims`' token as revoked, with its audit entry (`token.revoke`, by `actor` in
/// `role`; never the token itself). `true` when newly revoked, `false` when it was already.
/// The caller's replica should also [`Revocations::add`] it; others pick it up within
/// `policy_recheck_ms`.
pub async fn revoke(store: &dyn AccountStore, claims: &Claims, actor: &str, role: &str) -> anyhow::Result<bool> {
    let token = RevokedToken { jti: claims.jti.clone(), subject: claims.sub.clone(), role: claims.role.as_str().into(), department: claims.department.clone(), expires_at: claims.exp };
    let entry = AuditEntry {
        actor: actor.to_owned(),
        role: role.to_owned(),
        action: "token.revoke".into(),
        target: claims.jti.clone(),
        before: None,
        after: serde_json::to_string(&serde_json::json!({"subject": claims.sub, "role": claims.role, "department": claims.department})).ok(),
    };
    Ok(store.revoke_token(&token, &entry).await? == Write::Done)
}
