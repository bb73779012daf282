//! Counters for `/metrics`, in the Prometheus text format. Plain atomics: a scrape is rare and
//! the hot paths only add.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses by status class (index 1..=5 for 1xx..5xx).
    pub responses: [AtomicU64; 6],
    /// Policy bundles sent in full.
    pub policy_sent: AtomicU64,
    /// Policy requests answered 304.
    pub policy_not_modified: AtomicU64,
    /// Report events stored.
    pub events_accepted: AtomicU64,
    /// Report events already stored (retries).
    pub events_duplicate: AtomicU64,
    /// Report events refused.
    pub events_rejected: AtomicU64,
    /// Events flagged as incidents.
    pub incidents: AtomicU64,
    /// Webhook deliveries that failed after every retry.
    pub webhook_failures: AtomicU64,
    /// Requests refused by the rate limit.
    pub rate_limited: AtomicU64,
}

impl Metrics {
    /// Counts a response.
    pub fn response(&self, status: u16) {
        let class = usize::from(status / 100).min(5);
        self.responses[class].fetch_add(1, Ordering::Relaxed);
    }

    /// Adds to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The Prometheus exposition text.
    pub fn render(&self, policy_version: Option<i64>) -> String {
        let mut out = String::new();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        out.push_str("# HELP lifeguard_http_responses_total HTTP responses by status class.\n# TYPE lifeguard_http_responses_total counter\n");
        for class in 1..=5 {
            let _ = writeln!(out, "lifeguard_http_responses_total{{class=\"{class}xx\"}} {}", get(&self.responses[class]));
        }
        let counters: [(&str, &str, &AtomicU64); 8] = [
            ("lifeguard_policy_sent_total", "Policy bundles sent in full.", &self.policy_sent),
            ("lifeguard_policy_not_modified_total", "Policy requests answered 304.", &self.policy_not_modified),
            ("lifeguard_report_events_accepted_total", "Report events stored.", &self.events_accepted),
            ("lifeguard_report_events_duplicate_total", "Report events received again and not stored twice.", &self.events_duplicate),
            ("lifeguard_report_events_rejected_total", "Report events refused.", &self.events_rejected),
            ("lifeguard_incidents_total", "Events flagged as incidents.", &self.incidents),
            ("lifeguard_webhook_failures_total", "Incident alerts not delivered after every retry.", &self.webhook_failures),
            ("lifeguard_rate_limited_total", "Requests refused with 429.", &self.rate_limited),
        ];
        for (name, help, c) in counters {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}", get(c));
        }
        if let Some(v) = policy_version {
            let _ = writeln!(out, "# HELP lifeguard_policy_version The policy version this replica serves.\n# TYPE lifeguard_policy_version gauge\nlifeguard_policy_version {v}");
        }
        out
    }
}
