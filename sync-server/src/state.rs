//! What every request handler shares.

use std::sync::Arc;

use crate::tokens::Tokens;
use crate::bundle::BundleCache;
use crate::config::Config;
use crate::devices::DeviceTracker;
use crate::keys::Keys;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::store::Store;

/// Shared state of a running server (cheap to clone: everything is behind `Arc`s).
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// The signing keys.
    pub keys: Arc<Keys>,
    /// Token issuing and checking.
    pub tokens: Tokens,
    /// The current signed policy.
    pub bundles: Arc<BundleCache>,
    /// The configuration.
    pub config: Arc<Config>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Request budget for every route: per token for requests with a valid token, per client
    /// address for the rest.
    pub limiter: Arc<RateLimiter<crate::ratelimit::Client>>,
    /// Per-client budget for login attempts.
    pub login_limiter: Arc<RateLimiter>,
    /// When devices last fetched the policy, until the next flush to the database (tests
    /// call its `flush` to write it at once).
    pub devices: Arc<DeviceTracker>,
    /// Tokens IT revoked before they expire.
    pub revoked: Arc<crate::revocations::Revocations>,
}
