//! Keyed random streams (decision 0003 §4).
//!
//! Every draw comes from a stream keyed by (pump seed, stream, index), never from the order in
//! which the simulation steps: a stream is a fresh `ChaCha8Rng` seeded with
//! `key(seed, stream, index)`. The primitive draws below consume `next_u64` values exactly as
//! the record lists them, so the position of every value in a stream is fixed.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The streams of §4 (the discriminant is the stream id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Drawn once, at construction (§6.1).
    Pump = 1,
    /// Visit k (0 = the implant fill, §6.6); the external pump's cassette k.
    Visit = 2,
    /// The mid-interval titration visit after visit k (§6.6).
    Titration = 3,
    /// Day mark d (§9.3, §6.5).
    Day = 4,
    /// Fault j (§10).
    Fault = 5,
    /// The unforeseen scenario's parameters (§11).
    Unforeseen = 6,
    /// The external pump's battery j (§10).
    ExtBattery = 7,
}

/// splitmix64 (wrapping u64 arithmetic).
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of (seed, stream, index).
pub(crate) fn key(seed: u64, stream: Stream, index: u64) -> u64 {
    splitmix64(splitmix64(splitmix64(seed) ^ stream as u64) ^ index)
}

/// One keyed stream and the record's primitive draws over it.
pub(crate) struct Draws(ChaCha8Rng);

impl Draws {
    /// The stream (seed, stream, index), at its first value.
    pub(crate) fn new(seed: u64, stream: Stream, index: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(key(seed, stream, index)))
    }

    /// `(next_u64 >> 11) · 2⁻⁵³`, in [0, 1): one value.
    #[allow(clippy::cast_precision_loss)] // 53 bits fit an f64 exactly
    pub(crate) fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `a + (b − a)·uniform()`.
    pub(crate) fn uniform_in(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.uniform()
    }

    /// Box–Muller with the cosine (two values; the sine is discarded).
    pub(crate) fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = self.uniform();
        let u2 = self.uniform();
        mean + sd * (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// [`Draws::normal`] clamped to `[lo, hi]` (no rejection: the count of draws is fixed).
    pub(crate) fn clamped_normal(&mut self, mean: f64, sd: f64, lo: f64, hi: f64) -> f64 {
        self.normal(mean, sd).clamp(lo, hi)
    }

    /// `−mean·ln(1 − u)`.
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform()).ln()
    }

    /// `exp(ln a + (ln b − ln a)·u)`.
    pub(crate) fn log_uniform(&mut self, a: f64, b: f64) -> f64 {
        (a.ln() + (b.ln() - a.ln()) * self.uniform()).exp()
    }

    /// Knuth's product method: the number of uniforms whose running product stays above
    /// `e^−λ`.
    pub(crate) fn poisson(&mut self, lambda: f64) -> u32 {
        let limit = (-lambda).exp();
        let mut product = self.uniform();
        let mut k = 0;
        while product > limit {
            k += 1;
            product *= self.uniform();
        }
        k
    }

    /// One of `n` equal items: `floor(n·u)`.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub(crate) fn choice(&mut self, n: usize) -> usize {
        #[allow(clippy::cast_precision_loss)]
        let i = (n as f64 * self.uniform()).floor() as usize;
        i.min(n.saturating_sub(1))
    }

    /// A weighted choice: walks the cumulative weights with `u·total`.
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let target = self.uniform() * total;
        let mut cumulative = 0.0;
        for (i, w) in weights.iter().enumerate() {
            cumulative += w;
            if target < cumulative {
                return i;
            }
        }
        weights.len().saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_its_reference_values() {
        // The first outputs of the reference splitmix64 generator seeded with 0 are
        // splitmix64(0), splitmix64(γ), … where γ is the golden-ratio increment.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(0x9E37_79B9_7F4A_7C15), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn streams_are_keyed_not_ordered() {
        let a: Vec<f64> = (0..3)
            .map(|_| 0)
            .scan(Draws::new(7, Stream::Day, 12), |d, _| Some(d.uniform()))
            .collect();
        // Drawing another stream in between changes nothing.
        let mut d = Draws::new(7, Stream::Day, 12);
        let _ = Draws::new(7, Stream::Day, 13).uniform();
        let b = [d.uniform(), d.uniform(), d.uniform()];
        assert_eq!(a, b);
        assert_ne!(
            Draws::new(7, Stream::Day, 12).uniform(),
            Draws::new(7, Stream::Visit, 12).uniform()
        );
        assert_ne!(
            Draws::new(7, Stream::Day, 12).uniform(),
            Draws::new(8, Stream::Day, 12).uniform()
        );
    }

    #[test]
    fn primitive_draws_stay_in_their_ranges() {
        let mut d = Draws::new(1, Stream::Pump, 0);
        for _ in 0..10_000 {
            let u = d.uniform();
            assert!((0.0..1.0).contains(&u));
            let l = d.log_uniform(500.0, 4_000.0);
            assert!((500.0..=4_000.0).contains(&l));
            assert!(d.choice(7) < 7);
            assert!(d.weighted(&[45.0, 18.0, 22.0, 6.0, 5.0, 4.0]) < 6);
            assert!(d.exponential(0.1) >= 0.0);
            let c = d.clamped_normal(1.0, 0.04, 0.9, 1.1);
            assert!((0.9..=1.1).contains(&c));
        }
        // Poisson's mean is λ.
        let n = 20_000;
        let sum: u32 = (0..n).map(|_| d.poisson(1.5)).sum();
        let mean = f64::from(sum) / f64::from(n);
        assert!((mean - 1.5).abs() < 0.05, "{mean}");
    }
}
