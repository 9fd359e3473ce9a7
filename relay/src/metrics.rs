//! `/metrics` in the Prometheus text format: counters and one latency histogram, by hand (a few
//! atomics; no registry crate needed).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the request latency histogram, seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The relay's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Envelopes accepted (stored) by a post, an escalation release or a pairing hello.
    pub envelopes_accepted: AtomicU64,
    /// Items handed to a recipient by a fetch (a re-delivery counts again).
    pub envelopes_delivered: AtomicU64,
    /// Items acknowledged (deleted) by their recipient.
    pub envelopes_acknowledged: AtomicU64,
    /// Items deleted because they expired.
    pub envelopes_expired: AtomicU64,
    /// Pushes a provider accepted.
    pub pushes_sent: AtomicU64,
    /// Pushes that failed (each attempt).
    pub pushes_failed: AtomicU64,
    /// Phone-silent notices made.
    pub notices_sent: AtomicU64,
    /// Held escalations released.
    pub escalations_released: AtomicU64,
    /// Held escalations cancelled.
    pub escalations_cancelled: AtomicU64,
    /// Requests refused (any 4xx/5xx answered by the API).
    pub requests_refused: AtomicU64,
    latency_buckets: [AtomicU64; 12],
    latency_count: AtomicU64,
    latency_sum_us: AtomicU64,
}

impl Metrics {
    /// Records one request's latency.
    pub fn observe_latency(&self, seconds: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        // Truncation is fine: microsecond resolution is plenty.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let us = (seconds * 1e6) as u64;
        self.latency_sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The text exposition.
    #[must_use]
    pub fn render(&self, store: &str) -> String {
        let mut s = String::new();
        let counters: [(&str, &str, &AtomicU64); 10] = [
            (
                "thecal_relay_envelopes_accepted_total",
                "Envelopes stored.",
                &self.envelopes_accepted,
            ),
            (
                "thecal_relay_envelopes_delivered_total",
                "Items returned by fetches (re-deliveries count).",
                &self.envelopes_delivered,
            ),
            (
                "thecal_relay_envelopes_acknowledged_total",
                "Items acknowledged by their recipient.",
                &self.envelopes_acknowledged,
            ),
            (
                "thecal_relay_envelopes_expired_total",
                "Items deleted unread because they expired.",
                &self.envelopes_expired,
            ),
            (
                "thecal_relay_pushes_sent_total",
                "Pushes accepted by a provider.",
                &self.pushes_sent,
            ),
            (
                "thecal_relay_pushes_failed_total",
                "Push attempts that failed.",
                &self.pushes_failed,
            ),
            (
                "thecal_relay_notices_total",
                "Phone-silent and phone-back notices made.",
                &self.notices_sent,
            ),
            (
                "thecal_relay_escalations_released_total",
                "Held escalation envelopes released.",
                &self.escalations_released,
            ),
            (
                "thecal_relay_escalations_cancelled_total",
                "Held escalation envelopes cancelled.",
                &self.escalations_cancelled,
            ),
            (
                "thecal_relay_requests_refused_total",
                "Requests answered with an error status.",
                &self.requests_refused,
            ),
        ];
        for (name, help, c) in counters {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                c.load(Ordering::Relaxed)
            );
        }
        let name = "thecal_relay_request_duration_seconds";
        let _ = writeln!(s, "# HELP {name} Request latency.\n# TYPE {name} histogram");
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                s,
                "{name}_bucket{{le=\"{b}\"}} {}",
                self.latency_buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(s, "{name}_bucket{{le=\"+Inf\"}} {count}");
        #[allow(clippy::cast_precision_loss)]
        let sum = self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(s, "{name}_sum {sum}\n{name}_count {count}");
        let _ = writeln!(
            s,
            "# HELP thecal_relay_info The relay's store.\n# TYPE thecal_relay_info gauge\nthecal_relay_info{{store=\"{store}\"}} 1"
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe_latency(0.003);
        m.observe_latency(0.3);
        Metrics::add(&m.envelopes_accepted, 2);
        let text = m.render("sqlite");
        assert!(text.contains("thecal_relay_envelopes_accepted_total 2"));
        assert!(text.contains("thecal_relay_request_duration_seconds_bucket{le=\"0.001\"} 0"));
        assert!(text.contains("thecal_relay_request_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(text.contains("thecal_relay_request_duration_seconds_bucket{le=\"0.5\"} 2"));
        assert!(text.contains("thecal_relay_request_duration_seconds_count 2"));
    }
}
