//! Tuning the forecasts on simulated patients that the backtests never score
//! ([`backtest::TUNING_SEED`](crate::backtest::TUNING_SEED)), from what their apps stored: the
//! measured refills and the daily battery history, and the day each pump raised ERI. Nothing here
//! reads the simulator's parameters: the forecasts learn a pump class the way a maker or a
//! registry would, from the fleet's data.
//!
//! - **Delivery** ([`DeliveryPrior`]): each measured refill says how much more than its count the
//!   pump delivered that interval. Across pumps, the spread of each pump's mean is the pump-to-pump
//!   spread; around it, the squared deviations fall with the interval's programmed volume as
//!   `interval² + residual² / programmed²` (a least-squares line in `1 / programmed²`).
//! - **Battery** ([`BatteryTuning`]): the millilitre's worth in days is the one that makes the
//!   load to ERI (days + k · mL) most alike across pumps; the gauge curve is the average reading
//!   at each twentieth of that load; the dose growth prior is the fleet's average; the bias and
//!   the spread of the error come from forecasts made at many horizons: the median error, and the
//!   spread whose 80 % ranges hold 80 % of the true dates at each horizon.

use chrono::Duration;

use thecal_core::model::{BatteryIndicator, UtcDateTime};
use thecal_core::therapy::{
    self, BatteryInputs, BatteryModel, BatteryPoint, BatteryTuning, DeliveryPrior,
    IMPLANT_DATE_SLACK_DAYS, IMPLANTED_BATTERY, IMPLANTED_DELIVERY, SPREAD_NODES, Z_80, load_clock,
};

use thecal_core::pump::driver::IMPLANTED_SERVICE_LIFE_DAYS;

use crate::backtest::PatientLife;

/// What the tuning found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuned {
    /// The delivery prior of the class.
    pub delivery: DeliveryPrior,
    /// The battery forecast's tuning.
    pub battery: BatteryTuning,
    /// How many patients it learned from, and how many reached ERI.
    pub patients: (usize, usize),
}

/// Tunes both forecasts on `lives`.
#[must_use]
pub fn tune(lives: &[PatientLife]) -> Tuned {
    let delivery = tune_delivery(lives);
    let battery = tune_battery(lives);
    Tuned {
        delivery,
        battery,
        patients: (
            lives.len(),
            lives.iter().filter(|l| l.eri_at.is_some()).count(),
        ),
    }
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

fn tune_delivery(lives: &[PatientLife]) -> DeliveryPrior {
    let per_pump: Vec<Vec<(f64, f64)>> = lives
        .iter()
        .map(|l| {
            l.checks
                .iter()
                .filter(|c| c.programmed.microliters >= 1_000 && !c.is_flagged())
                .map(|c| (c.delivery_excess(), f64::from(c.programmed.microliters)))
                .collect::<Vec<_>>()
        })
        .filter(|v| v.len() >= 2)
        .collect();
    let all: Vec<f64> = per_pump.iter().flatten().map(|(x, _)| *x).collect();
    let overall = mean(&all);
    // Squared deviations from each pump's mean (corrected for the mean's own fit), against
    // 1 / programmed².
    let mut pairs = Vec::new();
    let mut means = Vec::new();
    for pump in &per_pump {
        let n = pump.len() as f64;
        let m = mean(&pump.iter().map(|(x, _)| *x).collect::<Vec<_>>());
        means.push((m, n));
        for (x, p) in pump {
            pairs.push((1.0 / (p * p), (x - m).powi(2) * n / (n - 1.0)));
        }
    }
    let (slope, intercept) = least_squares(&pairs);
    let interval_var = intercept.max(1e-6);
    let residual_sd_ul = slope.max(0.0).sqrt();
    // The spread of the pumps' means, less what their intervals alone would give.
    let within = mean(
        &means
            .iter()
            .map(|(_, n)| interval_var / n)
            .collect::<Vec<_>>(),
    );
    let between = mean(
        &means
            .iter()
            .map(|(m, _)| (m - overall).powi(2))
            .collect::<Vec<_>>(),
    ) - within;
    DeliveryPrior {
        mean: overall,
        pump_sd: between.max(1e-6).sqrt(),
        interval_sd: interval_var.sqrt(),
        residual_sd_ul,
        ..IMPLANTED_DELIVERY
    }
}

/// y = slope · x + intercept.
fn least_squares(xy: &[(f64, f64)]) -> (f64, f64) {
    let n = xy.len().max(1) as f64;
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (slope, my - slope * mx)
}

/// A pump's history up to ERI and its load to ERI at `k`.
#[derive(Clone, Copy)]
struct Life<'a> {
    points: &'a [BatteryPoint],
    eri: UtcDateTime,
}

impl Life<'_> {
    fn load_to_eri(&self, k: f64) -> f64 {
        load_clock(self.points, self.eri, k).1
    }
}

fn tune_battery(lives: &[PatientLife]) -> BatteryTuning {
    // Every pump that reached ERI, and those whose cell did: a pump stopped by the class's
    // service life (ERI within the implant-date slack of it) says nothing about its cell. The
    // cell's constants come from the second; the error model from all, forecast as the app
    // does (capped by the service life).
    let life_days = i64::from(IMPLANTED_SERVICE_LIFE_DAYS) - IMPLANT_DATE_SLACK_DAYS;
    let all: Vec<Life<'_>> = lives
        .iter()
        .filter_map(|l| {
            let eri = l.eri_at?;
            let n = l.battery.partition_point(|p| p.at < eri);
            (n > 60 && l.battery[0].percent >= 99).then(|| Life {
                points: &l.battery[..n],
                eri,
            })
        })
        .collect();
    let reached: Vec<Life<'_>> = all
        .iter()
        .filter(|l| (l.eri - l.points[0].at).num_days() < life_days)
        .copied()
        .collect();
    let mut t = IMPLANTED_BATTERY;
    if reached.len() < 10 {
        return t;
    }
    // The millilitre's worth: the most alike loads to ERI (least spread of their logarithms).
    let spread = |k: f64| {
        let logs: Vec<f64> = reached.iter().map(|l| l.load_to_eri(k).ln()).collect();
        let m = mean(&logs);
        mean(&logs.iter().map(|x| (x - m).powi(2)).collect::<Vec<_>>())
    };
    t.days_per_ml = minimise(spread, 0.0, 10.0);
    // The gauge: the average reading at each twentieth of the load to ERI.
    let mut sums = [(0.0, 0.0); 21];
    for l in &reached {
        let (loads, total, _) = load_clock(l.points, l.eri, t.days_per_ml);
        for (load, p) in loads.iter().zip(l.points) {
            let node = (load / total * 20.0).round();
            if (0.0..=20.0).contains(&node) && (load / total * 20.0 - node).abs() < 0.25 {
                let s = &mut sums[node as usize];
                s.0 += f64::from(p.percent);
                s.1 += 1.0;
            }
        }
    }
    for (i, (sum, n)) in sums.iter().enumerate() {
        if *n > 0.0 {
            t.gauge[i] = sum / n;
        }
    }
    // ERI is the reading at the whole load: the level the class raises it at.
    t.gauge[20] = t.gauge[20].min(t.gauge[19]);
    // The fleet's dose growth (log per year, over each pump's life to ERI).
    t.growth_per_year = mean(
        &reached
            .iter()
            .filter_map(|l| {
                let flows: Vec<(UtcDateTime, f64)> = l
                    .points
                    .iter()
                    .filter_map(|p| p.daily_volume.map(|v| (p.at, v.milliliters())))
                    .filter(|(_, q)| *q > 0.0)
                    .collect();
                let (a, b) = (flows.first()?, flows.last()?);
                let years = (b.0 - a.0).num_days() as f64 / 365.25;
                (years > 1.0).then(|| (b.1 / a.1).ln() / years)
            })
            .collect::<Vec<_>>(),
    );
    // How much the patient's own history weighs: the one with the least error at 6–12 months.
    let weights = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0];
    let mut best = (f64::INFINITY, t.growth_weight_years);
    for w in weights {
        let trial = BatteryTuning {
            growth_weight_years: w,
            ..t
        };
        let errors = errors_at(&reached, &trial, &[182.0, 273.0, 365.0]);
        let mae = mean(&errors.iter().map(|e| e.log_error.abs()).collect::<Vec<_>>());
        if mae < best.0 {
            best = (mae, w);
        }
    }
    t.growth_weight_years = best.1;
    // The error model: the bias is the median log error; at each horizon, the spread is the
    // narrowest whose stated 80 % range holds 80 % of the true dates (the coverage the backtest
    // checks). A likelihood fit would let a few far-off pumps widen every patient's range.
    let untuned = BatteryTuning {
        bias: 0.0,
        spread: [[0.0; 2]; SPREAD_NODES],
        ..t
    };
    let samples = errors_at(&all, &untuned, &CALIBRATION_HORIZONS);
    let (bias, spread) = calibrate_error_model(&samples);
    BatteryTuning { bias, spread, ..t }
}

/// The horizons (days before ERI) the battery's error model is calibrated at.
const CALIBRATION_HORIZONS: [f64; SPREAD_NODES] =
    [30.0, 61.0, 91.0, 182.0, 273.0, 365.0, 548.0, 730.0];

/// One forecast made before a known ERI.
#[derive(Debug, Clone, Copy)]
struct ErrorSample {
    /// Which calibration horizon it was made at.
    horizon: usize,
    /// The log of true over forecast time left.
    log_error: f64,
    /// The fit's own variance of it.
    fit_variance: f64,
    /// The forecast time left, years.
    years: f64,
    /// For a forecast the service life ends (its range is the cap's, not the spread's):
    /// whether the truth is inside it.
    capped: Option<bool>,
}

/// Forecasts made `horizons` days before each pump's ERI with tuning `t`, as the app makes them
/// (the service life counted from the first reading).
fn errors_at(lives: &[Life<'_>], t: &BatteryTuning, horizons: &[f64]) -> Vec<ErrorSample> {
    let service_life = Duration::days(i64::from(IMPLANTED_SERVICE_LIFE_DAYS));
    let model = BatteryModel {
        eri_percent: 8,
        eri_to_eos: None,
        replaceable: false,
        service_life: service_life.to_std().ok(),
    };
    let mut out = Vec::new();
    for l in lives {
        for (horizon, h) in horizons.iter().enumerate() {
            let now = l.eri - Duration::milliseconds((h * 86_400_000.0) as i64);
            let n = l.points.partition_point(|p| p.at <= now);
            if n < 60 {
                continue;
            }
            let f = therapy::forecast_battery(
                &BatteryInputs {
                    points: &l.points[..n],
                    percent: l.points[n - 1].percent,
                    indicator: BatteryIndicator::Normal,
                    eri_seen_at: None,
                    implanted_at: Some(l.points[0].at),
                    now,
                },
                model,
                t,
            );
            let Some(r) = f.eri else { continue };
            let days = |a: UtcDateTime, b: UtcDateTime| (b - a).num_seconds() as f64 / 86_400.0;
            let predicted = days(now, r.expected);
            if predicted <= 1.0 {
                continue;
            }
            out.push(ErrorSample {
                horizon,
                log_error: (days(now, l.eri) / predicted).ln(),
                fit_variance: ((days(now, r.latest) / predicted).ln() / Z_80).powi(2),
                years: predicted / 365.25,
                capped: (r.latest >= l.points[0].at + service_life).then(|| r.contains(l.eri)),
            });
        }
    }
    out
}

/// The bias (median log error) and, at each calibration horizon, the node `[years, sd]`: the
/// forecasts' median time left, and the narrowest spread whose 80 % ranges (variance `fit +
/// sd²`) hold at least 80 % of that horizon's samples. The range in days never narrows as the
/// horizon grows (`sd · years` is kept non-decreasing).
fn calibrate_error_model(samples: &[ErrorSample]) -> (f64, [[f64; 2]; SPREAD_NODES]) {
    let median = |mut xs: Vec<f64>| {
        if xs.is_empty() {
            return 0.0;
        }
        xs.sort_by(f64::total_cmp);
        let mid = xs.len() / 2;
        if xs.len() % 2 == 0 {
            (xs[mid - 1] + xs[mid]) / 2.0
        } else {
            xs[mid]
        }
    };
    let bias = median(
        samples
            .iter()
            .filter(|s| s.capped.is_none())
            .map(|s| s.log_error)
            .collect(),
    );
    let mut nodes = [[0.0; 2]; SPREAD_NODES];
    for (h, node) in nodes.iter_mut().enumerate() {
        let mine: Vec<&ErrorSample> = samples.iter().filter(|s| s.horizon == h).collect();
        if mine.is_empty() {
            continue;
        }
        node[0] = median(mine.iter().map(|s| s.years).collect());
        let coverage = |sd: f64| {
            let inside = mine
                .iter()
                .filter(|s| {
                    s.capped.unwrap_or_else(|| {
                        (s.log_error - bias).abs() <= Z_80 * (s.fit_variance + sd * sd).sqrt()
                    })
                })
                .count();
            inside as f64 / mine.len().max(1) as f64
        };
        // Coverage grows with sd: bisect for the narrowest that reaches 80 %.
        let (mut lo, mut hi) = (0.0, 1.0);
        if coverage(lo) < 0.8 {
            for _ in 0..50 {
                let mid = (lo + hi) / 2.0;
                if coverage(mid) >= 0.8 {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            node[1] = hi;
        }
    }
    for h in 1..SPREAD_NODES {
        if nodes[h][0] <= nodes[h - 1][0] {
            // A horizon without samples (or out of order) repeats the one before.
            nodes[h] = nodes[h - 1];
            continue;
        }
        let ([y0, s0], [y1, s1]) = (nodes[h - 1], nodes[h]);
        if y1 > 0.0 && s1 * y1 < s0 * y0 {
            nodes[h][1] = s0 * y0 / y1;
        }
    }
    (bias, nodes)
}

/// The minimum of a unimodal `f` on `[a, b]` (golden section).
fn minimise(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let (mut a, mut b) = (a, b);
    for _ in 0..80 {
        let (m1, m2) = (a + (b - a) * 0.382, a + (b - a) * 0.618);
        if f(m1) < f(m2) {
            b = m2;
        } else {
            a = m1;
        }
    }
    (a + b) / 2.0
}

/// The tuned values as the Rust constants of the core (to paste into
/// `core/src/therapy/{reservoir,battery}.rs`).
#[must_use]
pub fn rust_constants(t: &Tuned) -> String {
    let d = &t.delivery;
    let b = &t.battery;
    let gauge: Vec<String> = b.gauge.iter().map(|g| format!("{g:.1}")).collect();
    let spread: Vec<String> = b
        .spread
        .iter()
        .map(|[y, sd]| format!("[{y:.3}, {sd:.4}]"))
        .collect();
    format!(
        "// thecal forecast tune: {} patients, {} reached ERI\n\
         pub const IMPLANTED_DELIVERY: DeliveryPrior = DeliveryPrior {{\n    \
         mean: {:.4},\n    pump_sd: {:.4},\n    interval_sd: {:.4},\n    residual_sd_ul: {:.0}.0,\n    \
         fill_sd_ul: {:.0}.0,\n    schedule_sd_days: {},\n    refills_used: {},\n}};\n\n\
         pub const IMPLANTED_BATTERY: BatteryTuning = BatteryTuning {{\n    \
         days_per_ml: {:.3},\n    gauge: [{}],\n    growth_per_year: {:.4},\n    \
         growth_weight_years: {:.1},\n    bias: {:.4},\n    spread: [{}],\n    \
         min_history_days: {:.1},\n}};\n",
        t.patients.0,
        t.patients.1,
        d.mean,
        d.pump_sd,
        d.interval_sd,
        d.residual_sd_ul,
        d.fill_sd_ul,
        d.schedule_sd_days,
        d.refills_used,
        b.days_per_ml,
        gauge.join(", "),
        b.growth_per_year,
        b.growth_weight_years,
        b.bias,
        spread.join(", "),
        b.min_history_days,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_and_golden_section_find_what_they_should() {
        let (s, i) = least_squares(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]);
        assert!((s - 2.0).abs() < 1e-12 && (i - 1.0).abs() < 1e-12);
        assert!((minimise(|x| (x - 3.3).powi(2), 0.0, 10.0) - 3.3).abs() < 1e-6);
    }

    #[test]
    fn the_error_model_holds_80_percent_at_each_horizon() {
        // At the first horizon (half a year ahead) the errors are ±1 %, ±2 %, …, ±10 %, once
        // per sign: a range of ±8 % holds 80 % of them. At the second (two years ahead) every
        // error is doubled; at the third (three years) they are the first's again, but the
        // range in days may not narrow.
        let mut samples = Vec::new();
        for k in 1..=10 {
            for sign in [-1.0, 1.0] {
                let e = sign * f64::from(k) * 0.01;
                for (horizon, log_error, years) in [(0, e, 0.5), (1, 2.0 * e, 2.0), (2, e, 3.0)] {
                    samples.push(ErrorSample {
                        horizon,
                        log_error,
                        fit_variance: 0.0,
                        years,
                        capped: None,
                    });
                }
            }
        }
        let (b, nodes) = calibrate_error_model(&samples);
        assert!(b.abs() < 1e-12, "{b}");
        let half = |h: usize| Z_80 * nodes[h][1];
        assert_eq!(nodes[0][0], 0.5);
        assert!((half(0) - 0.08).abs() < 1e-6, "{}", half(0));
        assert!((half(1) - 0.16).abs() < 1e-6, "{}", half(1));
        assert!(
            (nodes[2][1] * 3.0 - nodes[1][1] * 2.0).abs() < 1e-9,
            "held at the two-year width in days"
        );
        assert_eq!(nodes[3], nodes[2], "no samples: the node before");
    }
}
