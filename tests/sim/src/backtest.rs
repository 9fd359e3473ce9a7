//! Backtests: the forecasts the app shows, scored against what the simulated pump really did.
//!
//! Each simulated patient lives from implant to end of service (decision 0003). Every day the
//! app's own pipeline runs on what it would have received: the day's status reading and the
//! pump's new history events go into a real store ([`therapy::db`]), and the forecasts come from
//! [`therapy::current_forecasts`], exactly as the dashboard computes them. At fixed horizons the
//! forecast is compared with the truth the app never sees:
//!
//! - **refill low, 14 and 30 days ahead**: on the first day the reservoir is *really* (not by
//!   the pump's count) at most that many days from its low threshold, were it not refilled
//!   ([`SimPump::when_true_volume_reaches`]), the forecast's low date against that moment;
//! - **ERI, 6 and 12 months ahead**: on the first day at most that long before the pump raised
//!   its elective replacement indicator, the forecast's ERI against it.
//!
//! Per horizon: the mean absolute error in days, its 90th percentile, and the coverage (the
//! share of true dates inside the stated 80 % range). Forecasts of the same patient share that
//! pump's bias and cell, so they are not independent: the coverage that is tested against the
//! binomial interval uses **one forecast per patient and horizon**, drawn at random among that
//! patient's; the errors and `coverage_all` use every forecast.
//!
//! Seeds: patient `i` of a backtest with seed `s` has the pump seed `key(s, i)`; the forecasts
//! are tuned on the seeds of [`TUNING_SEED`], and backtests are reported on other seeds.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{Duration, TimeZone};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use thecal_core::model::{BatteryIndicator, HistoryEvent, InfusionMode, UtcDateTime};
use thecal_core::pump::{DRIVERS, PumpDriver};
use thecal_core::store::{Store, StoreError};
use thecal_core::therapy::{self, DateRange, PumpSettings};

use crate::pump::{LinkProfile, SimConfig, SimPump, Unforeseen};

/// The seed whose patients the forecasts were tuned on (never reported as a backtest).
pub const TUNING_SEED: u64 = 1;

/// The seed backtests use unless told otherwise (held out from tuning).
pub const DEFAULT_SEED: u64 = 20_261_126;

/// What is forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// The day the reservoir really reaches its low threshold.
    RefillLow,
    /// The elective replacement indicator.
    Eri,
}

/// A forecast horizon: what is forecast, how far ahead.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Horizon {
    /// Its name in reports (`refill_low_14d`).
    pub name: &'static str,
    /// What is forecast.
    pub target: Target,
    /// How far ahead, in days.
    pub days: f64,
}

/// The horizons of the issue: refill low 14 and 30 days ahead, ERI 6 and 12 months ahead.
pub const HORIZONS: [Horizon; 4] = [
    Horizon {
        name: "refill_low_14d",
        target: Target::RefillLow,
        days: 14.0,
    },
    Horizon {
        name: "refill_low_30d",
        target: Target::RefillLow,
        days: 30.0,
    },
    Horizon {
        name: "eri_6mo",
        target: Target::Eri,
        days: 182.0,
    },
    Horizon {
        name: "eri_12mo",
        target: Target::Eri,
        days: 365.0,
    },
];

/// One forecast against the truth.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Scored {
    /// Index into [`HORIZONS`].
    pub horizon: usize,
    /// The patient's index in the backtest.
    pub patient: u32,
    /// When the forecast was made.
    pub made_at: UtcDateTime,
    /// The true date.
    pub truth: UtcDateTime,
    /// The forecast.
    pub range: DateRange,
    /// Whether this is the patient's one forecast at this horizon that the coverage test uses.
    pub independent: bool,
}

impl Scored {
    /// Forecast minus truth, in days.
    #[must_use]
    pub fn error_days(&self) -> f64 {
        (self.range.expected - self.truth).num_milliseconds() as f64 / 86_400_000.0
    }

    /// Whether the truth is inside the stated range.
    #[must_use]
    pub fn inside(&self) -> bool {
        self.range.contains(self.truth)
    }

    /// Where the truth falls in the forecast's distribution, 0–1, reading the range as a
    /// two-piece normal around the central date (for the calibration chart).
    #[must_use]
    pub fn pit(&self) -> f64 {
        let z80 = therapy::Z_80;
        let days =
            |a: UtcDateTime, b: UtcDateTime| (b - a).num_milliseconds() as f64 / 86_400_000.0;
        let offset = days(self.range.expected, self.truth);
        let side = if offset >= 0.0 {
            days(self.range.expected, self.range.latest)
        } else {
            days(self.range.earliest, self.range.expected)
        };
        if side <= 0.0 {
            return if offset >= 0.0 { 1.0 } else { 0.0 };
        }
        normal_cdf(z80 * offset / side)
    }
}

/// What a backtest runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// How many patients.
    pub patients: u32,
    /// The backtest's seed.
    pub seed: u64,
    /// Whether the pumps get the unforeseen scenario (a partial catheter occlusion).
    pub unforeseen: bool,
    /// How many threads (at least 1).
    pub threads: usize,
}

/// Why a backtest stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store of a simulated patient failed.
    #[error("the simulated patient's store failed: {0}")]
    Store(#[from] therapy::Error),
    /// A temporary folder could not be made.
    #[error("cannot make a temporary folder: {0}")]
    Io(#[from] std::io::Error),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Self::Store(e.into())
    }
}

/// splitmix64, for patient seeds.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The pump seed of patient `i` of a backtest with seed `seed`.
#[must_use]
pub fn patient_seed(seed: u64, i: u32) -> u64 {
    mix(mix(seed) ^ u64::from(i))
}

/// When the simulated patients are implanted.
#[must_use]
pub fn implant_time() -> UtcDateTime {
    chrono::Utc
        .with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Runs the backtest: every patient, every horizon.
///
/// # Errors
/// A store failure of a simulated patient.
pub fn run(options: &Options) -> Result<Vec<Scored>, Error> {
    run_with(options, |_, _| {})
}

/// Runs the backtest and hands each patient's daily history to `visit` as well (the tuning uses
/// it); `visit` gets the patient index and its [`PatientLife`].
///
/// # Errors
/// A store failure of a simulated patient.
pub fn run_with(
    options: &Options,
    visit: impl Fn(u32, &PatientLife) + Sync,
) -> Result<Vec<Scored>, Error> {
    let next = AtomicU32::new(0);
    let results = Mutex::new(Vec::new());
    let failure = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..options.threads.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= options.patients {
                        break;
                    }
                    match simulate_patient(options, i) {
                        Ok((scored, life)) => {
                            visit(i, &life);
                            lock(&results).extend(scored);
                        }
                        Err(e) => {
                            lock(&failure).get_or_insert(e);
                            break;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = lock(&failure).take() {
        return Err(e);
    }
    let mut all = std::mem::take(&mut *lock(&results));
    all.sort_by_key(|s| (s.patient, s.horizon, s.made_at));
    Ok(all)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the tuning learns from: one patient's life as the app saw it, and the truth.
#[derive(Debug, Clone, Default)]
pub struct PatientLife {
    /// The daily battery points and programmed volumes the app stored.
    pub battery: Vec<therapy::BatteryPoint>,
    /// The measured refills, oldest first.
    pub checks: Vec<therapy::ResidualCheck>,
    /// When the pump raised ERI (true time), if it did.
    pub eri_at: Option<UtcDateTime>,
}

/// One simulated patient: the forecasts at every horizon against the truth.
fn simulate_patient(options: &Options, i: u32) -> Result<(Vec<Scored>, PatientLife), Error> {
    let start = implant_time();
    let mut config = SimConfig::implanted(patient_seed(options.seed, i), start);
    config.link = LinkProfile::Hourly;
    config.unforeseen = options.unforeseen.then_some(Unforeseen::CatheterOcclusion);
    let mut sim = SimPump::new(config);
    sim.set_subscribed(false);
    // The true ERI, from a copy run ahead.
    let end = start + Duration::days(8 * 366);
    let eri_at = {
        let mut probe = sim.clone();
        let mut t = start;
        while probe.truth().eri_at.is_none() && t < end {
            t += Duration::days(30);
            probe.advance_to(t);
        }
        probe.truth().eri_at
    };
    let dir = scratch_dir()?;
    let store = Store::open_in_dir(dir.path())?;
    let info = sim.device_info();
    let serial = info.serial.clone();
    let features = sim.features();
    let caps = DRIVERS
        .iter()
        .find(|d| d.matches_features(&features))
        .map(|d: &&dyn PumpDriver| d.capabilities(&features))
        .ok_or_else(|| StoreError::Unexpected {
            context: "no driver for the simulated pump".into(),
        })?;
    let low_nl = u64::from(caps.low_reservoir_threshold.microliters) * 1000;
    store.write(|tx| {
        therapy::db::upsert_pump(tx, &info, start)?;
        therapy::db::set_pump_settings(tx, &serial, &PumpSettings::from_capabilities(&caps))
    })?;
    let mut rng = ChaCha8Rng::seed_from_u64(patient_seed(options.seed ^ 0x5EED, i));
    let mut scored: Vec<Scored> = Vec::new();
    // Per refill horizon: the refill count of the interval already forecast.
    let mut refill_done: [Option<usize>; HORIZONS.len()] = [None; HORIZONS.len()];
    let mut eri_done = [false; HORIZONS.len()];
    let mut seen = 0;
    let mut refills = 0_usize;
    let mut day = 0_i64;
    let last_day = eri_at.map_or(8 * 366, |e| (e - start).num_days() + 1);
    while day < last_day {
        // A month of days in one transaction (the app writes as data comes; this is faster).
        store.write(|tx| {
            for _ in 0..30 {
                day += 1;
                if day >= last_day {
                    break;
                }
                let t = start + Duration::days(day) + Duration::hours(13);
                sim.advance_to(t);
                let reading = sim.status_reading();
                therapy::db::insert_reading(tx, &serial, &reading)?;
                let new: Vec<HistoryEvent> = sim
                    .history()
                    .filter(|e| e.sequence > seen)
                    .cloned()
                    .collect();
                for e in new {
                    seen = e.sequence;
                    if matches!(e.detail, thecal_core::model::HistoryDetail::Refill { .. }) {
                        refills += 1;
                    }
                    therapy::db::insert_event(tx, &serial, &e, t)?;
                }
                let forecast = || {
                    let last_refill = therapy::db::last_refill(tx, &serial)?;
                    therapy::current_forecasts(tx, &info, &reading, last_refill.as_ref(), t)
                };
                for (h, horizon) in HORIZONS.iter().enumerate() {
                    let ahead = Duration::milliseconds((horizon.days * 86_400_000.0) as i64);
                    match horizon.target {
                        Target::Eri => {
                            let Some(eri) = eri_at else { continue };
                            if eri_done[h] || t < eri - ahead {
                                continue;
                            }
                            eri_done[h] = true;
                            if reading.battery.indicator != BatteryIndicator::Normal {
                                continue;
                            }
                            let (_, battery) = forecast()?;
                            if let Some(range) = battery.eri {
                                scored.push(Scored {
                                    horizon: h,
                                    patient: i,
                                    made_at: t,
                                    truth: eri,
                                    range,
                                    independent: false,
                                });
                            }
                        }
                        Target::RefillLow => {
                            if refill_done[h] == Some(refills)
                                || refills == 0
                                || reading.mode == InfusionMode::Stopped
                            {
                                continue;
                            }
                            // Only ask the truth when the pump's own count is near.
                            let counted_days = reading
                                .concentration
                                .volume_for(reading.daily_dose)
                                .filter(|v| v.microliters > 0)
                                .map(|v| {
                                    f64::from(
                                        reading.reservoir_volume.microliters.saturating_sub(
                                            caps.low_reservoir_threshold.microliters,
                                        ),
                                    ) / f64::from(v.microliters)
                                });
                            if counted_days.is_none_or(|d| d > horizon.days * 1.5 + 10.0) {
                                continue;
                            }
                            let Some(truth) = sim.when_true_volume_reaches(low_nl, t + ahead)
                            else {
                                continue;
                            };
                            if truth <= t {
                                refill_done[h] = Some(refills);
                                continue;
                            }
                            refill_done[h] = Some(refills);
                            let (reservoir, _) = forecast()?;
                            if let Some(range) = reservoir.low {
                                scored.push(Scored {
                                    horizon: h,
                                    patient: i,
                                    made_at: t,
                                    truth,
                                    range,
                                    independent: false,
                                });
                            }
                        }
                    }
                }
            }
            Ok::<_, therapy::Error>(())
        })?;
    }
    let life = store.read(|c| {
        Ok::<_, therapy::Error>(PatientLife {
            battery: therapy::db::battery_history(c, &serial, None)?,
            checks: therapy::db::refill_log(c, &serial, u32::MAX)?
                .into_iter()
                .rev()
                .filter_map(|r| r.residual_check)
                .collect(),
            eri_at,
        })
    })?;
    // One forecast per horizon is this patient's independent one (see the module's notes).
    for h in 0..HORIZONS.len() {
        let mine: Vec<usize> = (0..scored.len())
            .filter(|&k| scored[k].horizon == h)
            .collect();
        if !mine.is_empty() {
            let pick = mine[(rng.next_u64() % mine.len() as u64) as usize];
            scored[pick].independent = true;
        }
    }
    Ok((scored, life))
}

/// A temporary folder, in memory when the system has one (the backtest writes a lot).
fn scratch_dir() -> std::io::Result<tempfile::TempDir> {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).or_else(|_| tempfile::tempdir())
    } else {
        tempfile::tempdir()
    }
}

/// The report of one horizon.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HorizonReport {
    /// The horizon's name.
    pub horizon: String,
    /// The scenario: `held_out` or `unforeseen_catheter_occlusion`.
    pub scenario: String,
    /// How many forecasts (all of them).
    pub forecasts: usize,
    /// Mean absolute error, days (all forecasts).
    pub mae_days: f64,
    /// 90th percentile of the absolute error, days (all forecasts).
    pub p90_days: f64,
    /// Mean signed error (forecast − truth), days: negative is early.
    pub bias_days: f64,
    /// Share of true dates inside the stated range, one forecast per patient.
    pub coverage: f64,
    /// The stated level.
    pub nominal: f64,
    /// How many forecasts the coverage is over (one per patient with any).
    pub n: usize,
    /// The 95 % binomial interval of the coverage around the nominal level for `n`.
    pub interval: (f64, f64),
    /// Whether the coverage is inside it.
    pub calibrated: bool,
    /// Share of true dates inside the stated range over every forecast.
    pub coverage_all: f64,
}

/// Summarises the scored forecasts per horizon.
#[must_use]
pub fn report(scored: &[Scored], scenario: &str) -> Vec<HorizonReport> {
    HORIZONS
        .iter()
        .enumerate()
        .map(|(h, horizon)| {
            let all: Vec<&Scored> = scored.iter().filter(|s| s.horizon == h).collect();
            let mut errors: Vec<f64> = all.iter().map(|s| s.error_days().abs()).collect();
            errors.sort_by(f64::total_cmp);
            let n_all = all.len().max(1) as f64;
            let independent: Vec<&&Scored> = all.iter().filter(|s| s.independent).collect();
            let n = independent.len();
            let inside = independent.iter().filter(|s| s.inside()).count();
            let nominal = f64::from(therapy::FORECAST_LEVEL_PERCENT) / 100.0;
            let interval = binomial_interval(n, nominal);
            let coverage = inside as f64 / n.max(1) as f64;
            HorizonReport {
                horizon: horizon.name.to_owned(),
                scenario: scenario.to_owned(),
                forecasts: all.len(),
                mae_days: errors.iter().sum::<f64>() / n_all,
                p90_days: percentile(&errors, 0.9),
                bias_days: all.iter().map(|s| s.error_days()).sum::<f64>() / n_all,
                coverage,
                nominal,
                n,
                interval,
                calibrated: n > 0 && coverage >= interval.0 && coverage <= interval.1,
                coverage_all: all.iter().filter(|s| s.inside()).count() as f64 / n_all,
            }
        })
        .collect()
}

/// The `q` quantile of sorted values (nearest rank).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// The central 95 % interval of the share of successes in `n` trials at probability `p`
/// (exact binomial quantiles).
#[must_use]
pub fn binomial_interval(n: usize, p: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let ln_pmf = |k: usize| {
        ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
            + k as f64 * p.ln()
            + (n - k) as f64 * (1.0 - p).ln()
    };
    let mut cumulative = 0.0;
    let (mut lo, mut hi) = (0, n);
    let mut found_lo = false;
    for k in 0..=n {
        cumulative += ln_pmf(k).exp();
        if !found_lo && cumulative >= 0.025 {
            lo = k;
            found_lo = true;
        }
        if cumulative >= 0.975 {
            hi = k;
            break;
        }
    }
    (lo as f64 / n as f64, hi as f64 / n as f64)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let mut a = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The standard normal distribution function.
#[must_use]
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function (Numerical Recipes' Chebyshev fit, |error| < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// For the calibration chart: per horizon, the observed share of truths inside the central
/// range at each stated level (10 %, 20 %, …, 90 %, 95 %), from where each truth falls in its
/// forecast ([`Scored::pit`]).
#[must_use]
pub fn calibration(scored: &[Scored]) -> Vec<(String, Vec<(f64, f64)>)> {
    let levels = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
    HORIZONS
        .iter()
        .enumerate()
        .map(|(h, horizon)| {
            let pits: Vec<f64> = scored
                .iter()
                .filter(|s| s.horizon == h)
                .map(Scored::pit)
                .collect();
            let n = pits.len().max(1) as f64;
            let points = levels
                .iter()
                .map(|&l| {
                    let inside = pits.iter().filter(|&&u| (2.0 * u - 1.0).abs() <= l).count();
                    (l, inside as f64 / n)
                })
                .collect();
            (horizon.name.to_owned(), points)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binomial_interval_is_the_exact_one() {
        // 1,000 trials at 80 %: 775 to 824 successes hold 95 %.
        let (lo, hi) = binomial_interval(1_000, 0.8);
        assert!(
            (lo - 0.775).abs() < 0.002 && (hi - 0.824).abs() < 0.002,
            "{lo} {hi}"
        );
        assert!((ln_gamma(10.0) - 362_880_f64.ln()).abs() < 1e-9);
        assert!((normal_cdf(therapy::Z_80) - 0.9).abs() < 1e-6);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
    }

    #[test]
    fn patient_seeds_differ_and_repeat() {
        assert_eq!(patient_seed(5, 3), patient_seed(5, 3));
        assert_ne!(patient_seed(5, 3), patient_seed(5, 4));
        assert_ne!(patient_seed(5, 3), patient_seed(6, 3));
    }
}
