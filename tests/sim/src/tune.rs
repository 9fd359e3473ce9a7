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
//!   the spread of the error come from forecasts made at many horizons, by maximum likelihood.

use chrono::Duration;

use thecal_core::model::{BatteryIndicator, UtcDateTime};
use thecal_core::therapy::{
    self, BatteryInputs, BatteryModel, BatteryPoint, BatteryTuning, DeliveryPrior,
    IMPLANTED_BATTERY, IMPLANTED_DELIVERY, Z_80, load_clock,
};

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
    let reached: Vec<Life<'_>> = lives
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
    let weights = [0.5, 1.0, 2.0, 4.0, 8.0];
    let mut best = (f64::INFINITY, t.growth_weight_years);
    for w in weights {
        let trial = BatteryTuning {
            growth_weight_years: w,
            ..t
        };
        let errors = errors_at(&reached, &trial, &[182.0, 273.0, 365.0]);
        let mae = mean(&errors.iter().map(|e| e.0.abs()).collect::<Vec<_>>());
        if mae < best.0 {
            best = (mae, w);
        }
    }
    t.growth_weight_years = best.1;
    // The error model, by maximum likelihood over forecasts at many horizons.
    let untuned = BatteryTuning {
        bias: 0.0,
        sd_base: 0.0,
        sd_per_year: 0.0,
        ..t
    };
    let samples = errors_at(
        &reached,
        &untuned,
        &[30.0, 61.0, 91.0, 182.0, 273.0, 365.0, 548.0, 730.0],
    );
    let (bias, sd_base, sd_per_year) = fit_error_model(&samples);
    BatteryTuning {
        bias,
        sd_base,
        sd_per_year,
        ..t
    }
}

/// Forecasts made `horizons` days before each pump's ERI with tuning `t`: for each, the log of
/// true over forecast time left, the fit's own variance of it, and the forecast time left in
/// years. Forecasts held by the service life are left out (their date is the cap's).
fn errors_at(lives: &[Life<'_>], t: &BatteryTuning, horizons: &[f64]) -> Vec<(f64, f64, f64)> {
    let model = BatteryModel {
        eri_percent: 8,
        eri_to_eos: None,
        replaceable: false,
        service_life: None,
    };
    let mut out = Vec::new();
    for l in lives {
        for h in horizons {
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
                    implanted_at: None,
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
            let e = (days(now, l.eri) / predicted).ln();
            let fit = ((days(now, r.latest) / predicted).ln() / Z_80).powi(2);
            out.push((e, fit, predicted / 365.25));
        }
    }
    out
}

/// The bias and spread of log errors: maximises the normal likelihood of `e − bias` with
/// variance `fit + base² + per_year² · years`.
fn fit_error_model(samples: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let loglik = |b: f64, s0: f64, s1: f64| {
        samples
            .iter()
            .map(|(e, fit, years)| {
                let v = fit.max(0.0) + s0 * s0 + s1 * s1 * years;
                -0.5 * v.max(1e-9).ln() - (e - b).powi(2) / (2.0 * v.max(1e-9))
            })
            .sum::<f64>()
    };
    let (mut b, mut s0, mut s1) = (0.0, 0.05, 0.05);
    // Coordinate ascent, each coordinate by golden section.
    for _ in 0..30 {
        b = maximise(|x| loglik(x, s0, s1), -1.0, 1.0);
        s0 = maximise(|x| loglik(b, x, s1), 0.0, 1.0);
        s1 = maximise(|x| loglik(b, s0, x), 0.0, 1.0);
    }
    (b, s0, s1)
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

fn maximise(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    minimise(|x| -f(x), a, b)
}

/// The tuned values as the Rust constants of the core (to paste into
/// `core/src/therapy/{reservoir,battery}.rs`).
#[must_use]
pub fn rust_constants(t: &Tuned) -> String {
    let d = &t.delivery;
    let b = &t.battery;
    let gauge: Vec<String> = b.gauge.iter().map(|g| format!("{g:.1}")).collect();
    format!(
        "// thecal forecast tune: {} patients, {} reached ERI\n\
         pub const IMPLANTED_DELIVERY: DeliveryPrior = DeliveryPrior {{\n    \
         mean: {:.4},\n    pump_sd: {:.4},\n    interval_sd: {:.4},\n    residual_sd_ul: {:.0}.0,\n    \
         fill_sd_ul: {:.0}.0,\n    schedule_sd_days: {},\n    refills_used: {},\n}};\n\n\
         pub const IMPLANTED_BATTERY: BatteryTuning = BatteryTuning {{\n    \
         days_per_ml: {:.3},\n    gauge: [{}],\n    growth_per_year: {:.4},\n    \
         growth_weight_years: {:.1},\n    bias: {:.4},\n    sd_base: {:.4},\n    sd_per_year: {:.4},\n    \
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
        b.sd_base,
        b.sd_per_year,
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
    fn the_error_model_recovers_a_known_spread() {
        // Errors drawn at ±1 and ±3 (variance 5) at one year, none from the fit: base² + per_year²
        // = 5 at one year; at four years, ±... variance 5 + 3 · per_year².
        let mut samples = Vec::new();
        for _ in 0..200 {
            for e in [-1.0, 1.0, -3.0, 3.0] {
                samples.push((e * 0.01 + 0.02, 0.0, 1.0));
            }
            for e in [-1.0, 1.0] {
                samples.push((e * 0.01 * 11_f64.sqrt() + 0.02, 0.0, 3.0));
            }
        }
        let (b, s0, s1) = fit_error_model(&samples);
        assert!((b - 0.02).abs() < 1e-3, "{b}");
        // Variance at 1 year: 5e-4 = s0² + s1²; at 3 years: 11e-4 = s0² + 3 s1².
        assert!((s1 * s1 - 3e-4).abs() < 1e-5, "{s1}");
        assert!((s0 * s0 - 2e-4).abs() < 1e-5, "{s0}");
    }
}
