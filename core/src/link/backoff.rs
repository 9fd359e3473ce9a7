//! Reconnect timing: capped exponential backoff with jitter, so that a lost link is retried
//! quickly at first, then calmly (battery), and many phones never retry in lockstep.

use std::time::Duration;

/// Backoff settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BackoffConfig {
    /// The first delay.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(60),
        }
    }
}

/// The state of one run of retries.
#[derive(Debug, Clone)]
pub struct Backoff {
    config: BackoffConfig,
    attempt: u32,
    rng: fastrand::Rng,
}

impl Backoff {
    /// A fresh backoff; `seed` fixes the jitter (tests, simulations).
    #[must_use]
    pub fn new(config: BackoffConfig, seed: u64) -> Self {
        Self {
            config,
            attempt: 0,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// How many delays have been handed out since the last reset.
    #[must_use]
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The next delay: `min(max, initial × 2^attempt)`, of which the upper half is random
    /// ("equal jitter"): never less than half the step, never more than the cap.
    pub fn next_delay(&mut self) -> Duration {
        let step = self
            .config
            .initial
            .saturating_mul(1u32.checked_shl(self.attempt.min(31)).unwrap_or(u32::MAX))
            .min(self.config.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = step / 2;
        let jitter_ns = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(self.rng.u64(0..=jitter_ns))
    }

    /// Starts again from the first delay (after a successful connection).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grows_then_caps() {
        let cfg = BackoffConfig {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
        };
        let mut b = Backoff::new(cfg, 7);
        let steps = [1u64, 2, 4, 8, 16, 30, 30, 30];
        for (i, step) in steps.iter().enumerate() {
            let d = b.next_delay();
            let step = Duration::from_secs(*step);
            assert!(
                d >= step / 2 && d <= step,
                "attempt {i}: {d:?} not in [{:?}, {step:?}]",
                step / 2
            );
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_secs(1));
    }

    #[test]
    fn the_same_seed_gives_the_same_delays_and_different_seeds_differ() {
        let cfg = BackoffConfig::default();
        let a: Vec<_> = (0..10)
            .scan(Backoff::new(cfg, 1), |b, _| Some(b.next_delay()))
            .collect();
        let b: Vec<_> = (0..10)
            .scan(Backoff::new(cfg, 1), |b, _| Some(b.next_delay()))
            .collect();
        let c: Vec<_> = (0..10)
            .scan(Backoff::new(cfg, 2), |b, _| Some(b.next_delay()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    proptest! {
        #[test]
        fn never_exceeds_the_cap(seed: u64, initial_ms in 1u64..10_000, max_ms in 1u64..600_000, n in 1usize..100) {
            let cfg = BackoffConfig { initial: Duration::from_millis(initial_ms), max: Duration::from_millis(max_ms) };
            let mut b = Backoff::new(cfg, seed);
            for _ in 0..n {
                prop_assert!(b.next_delay() <= cfg.max);
            }
        }
    }
}
