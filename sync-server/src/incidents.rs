//! Incident alerts (§IV.4): events flagged as incidents are POSTed to the configured webhooks
//! at once, as JSON signed with HMAC-SHA256 over the body (`X-Lifeguard-Signature:
//! sha256=<hex>`), retried with backoff. The event is already stored: a webhook that is down
//! delays the alert, never the report. `https://` webhooks (a city's Teams or Slack) are
//! verified with rustls against Mozilla's roots, or only the webhook's `ca_file`. Each incident's
//! `user` is as the device reported it (`"user_source": "device"`): a lead, not proof.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::metrics::Metrics;
use crate::state::AppState;
use crate::store::Event;

/// Attempts per webhook before giving up (the incident stays in the reports either way).
const ATTEMPTS: u32 = 5;

/// The signature header value for a body.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Sends incidents to every webhook, in the background.
pub fn alert(state: &AppState, events: Vec<Event>) {
    for hook in &state.config.webhooks {
        let body = json!({
            "type": "lifeguard.incident",
            "incidents": events.iter().map(|e| json!({
                "id": e.id, "kind": e.kind, "time": crate::lifecycle::rfc3339(e.time), "host": e.host, "rule": e.rule,
                "severity": e.severity, "user": e.user, "user_source": crate::reports::UserSource::Device, "department": e.department,
                "detectors": e.detectors.iter().map(|(d, n)| (d.clone(), json!(n))).collect::<serde_json::Map<_, _>>(),
            })).collect::<Vec<_>>(),
        })
        .to_string();
        let sig = signature(&hook.secret, body.as_bytes());
        let url = hook.url.clone();
        let tls = hook.tls.clone();
        let metrics = std::sync::Arc::clone(&state.metrics);
        // awc's client lives on the current worker's runtime, so the task stays on it.
        actix_web::rt::spawn(async move {
            let connector = match tls {
                Some(config) => awc::Connector::new().rustls_0_23(config),
                None => awc::Connector::new(),
            };
            let client = awc::Client::builder().connector(connector).timeout(Duration::from_secs(10)).finish();
            for attempt in 0..ATTEMPTS {
                let res = client
                    .post(&url)
                    .insert_header(("Content-Type", "application/json"))
                    .insert_header(("X-Lifeguard-Signature", sig.as_str()))
                    .send_body(body.clone())
                    .await;
                match res {
                    Ok(r) if r.status().is_success() => return,
                    Ok(r) => tracing::warn!(status = r.status().as_u16(), attempt, "incident webhook refused the alert"),
                    Err(e) => tracing::warn!(error = %e, attempt, "incident webhook unreachable"),
                }
                actix_web::rt::time::sleep(Duration::from_millis(500 * 2u64.pow(attempt))).await;
            }
            Metrics::add(&metrics.webhook_failures, 1);
            tracing::error!("incident alert not delivered after {ATTEMPTS} attempts");
        });
    }
}
