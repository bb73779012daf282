//! Per-client request budgets (token buckets), so one misbehaving device, a stolen token or a
//! password-guessing script cannot starve everyone else.
//!
//! Every request takes from one bucket ([`Client`]): a request carrying a valid token from its
//! token's bucket, any other from its client address's. A city's devices behind one NAT
//! address therefore do not share one budget (each token has its own), and a flood from
//! inside that NAT with one stolen token empties that token's bucket only. Requests without a
//! valid token (a public key fetch, an update check, garbage bearer strings) count against
//! the address, so no one mints fresh buckets by making up tokens.
//!
//! In memory and per replica: with N replicas the effective budget is N times larger, which is
//! fine for its purpose (stopping floods, not billing).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Whose budget a request takes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Client {
    /// A request with a valid token: the token's id (`jti`).
    Token(String),
    /// Any other request: the client's address (see [`crate::client::address`]).
    Address(IpAddr),
}

/// Token buckets keyed by client (an address, or a [`Client`]).
#[derive(Debug)]
pub struct RateLimiter<K = IpAddr> {
    per_minute: u32,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// A limiter allowing `per_minute` requests a minute per key, in bursts of as many;
    /// 0 disables it.
    pub fn new(per_minute: u32) -> RateLimiter<K> {
        RateLimiter { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Whether it limits anything.
    pub fn is_on(&self) -> bool {
        self.per_minute > 0
    }

    /// Takes `cost` tokens from `key`'s bucket; `Err(seconds)` says when to retry.
    pub fn take(&self, key: K, cost: f64) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let rate = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget full buckets rather than grow without bound.
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < capacity);
        }
        let (tokens, at) = buckets.entry(key).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(capacity);
        *at = now;
        if *tokens >= cost {
            *tokens -= cost;
            Ok(())
        } else {
            Err(((cost - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}
