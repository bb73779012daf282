//! Which devices fetch the policy, and when: the console lists those that stopped syncing.
//!
//! `GET /v1/policy` is the hottest route (tens of thousands of 304s a second), so a fetch
//! never writes to the database: it updates an in-memory map keyed by device, and a
//! background task flushes the map to the `devices` table with one upsert at most every
//! `device_flush_seconds` (and once more on shutdown). Each replica flushes its own map; the
//! upsert keeps the latest time, so replicas need not agree on anything. A crash loses at
//! most one interval of sightings, which only delays a device's "last seen" by that much.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::tokens::Claims;
use crate::store::{DeviceSeen, ReportStore};

/// Sightings since the last flush, one per device.
#[derive(Debug, Default)]
pub struct DeviceTracker {
    seen: Mutex<HashMap<String, DeviceSeen>>,
}

/// The name a device is known by: its token's subject, or the token id when the subject is
/// empty (every token carries a `jti`).
fn device_key(claims: &Claims) -> &str {
    if claims.sub.is_empty() { &claims.jti } else { &claims.sub }
}

impl DeviceTracker {
    /// Notes that the device holding `claims` fetched the policy and now holds `version`,
    /// with its network check on or off (`None`: it did not say). Allocates only for a device
    /// not seen since the last flush.
    pub fn saw(&self, claims: &Claims, version: i64, network_guard: Option<bool>, now: i64) {
        let key = device_key(claims);
        let department = claims.department.as_deref();
        // A poisoned lock only means another request panicked mid-update of a plain map.
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(d) = seen.get_mut(key) {
            if now >= d.last_seen {
                d.network_guard = network_guard;
            }
            d.last_seen = d.last_seen.max(now);
            d.policy_version = Some(version);
            if d.department.as_deref() != department {
                d.department = department.map(str::to_owned);
            }
            return;
        }
        seen.insert(
            key.to_owned(),
            DeviceSeen { device: key.to_owned(), department: department.map(str::to_owned), policy_version: Some(version), last_seen: now, network_guard },
        );
    }

    /// Writes the sightings gathered so far to the database and starts a new map; returns
    /// how many devices were written. On a database error the sightings are put back (unless
    /// newer ones arrived meanwhile) for the next flush.
    pub async fn flush(&self, store: &dyn ReportStore) -> anyhow::Result<usize> {
        let batch: Vec<DeviceSeen> = {
            let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            std::mem::take(&mut *seen).into_values().collect()
        };
        if batch.is_empty() {
            return Ok(0);
        }
        if let Err(e) = store.touch_devices(&batch).await {
            let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            for d in batch {
                seen.entry(d.device.clone()).or_insert(d);
            }
            return Err(e);
        }
        Ok(batch.len())
    }
}
