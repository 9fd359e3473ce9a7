//! Battery: when the elective replacement indicator (ERI) and end of service (EOS) will come.
//!
//! **Implanted pumps** (the battery is never changed): the cell drains with time and with the
//! volume the motor pumps, so the forecast runs on a *load clock*, days plus
//! [`BatteryTuning::days_per_ml`] for each millilitre programmed, not on the calendar. The
//! battery reading follows the class's gauge curve ([`BatteryTuning::gauge`]: a quick first drop,
//! a flat middle, a faster fall near the end) against the share of the cell's load used; the
//! forecast finds the load this pump's cell can take (a least-squares fit of its readings to the
//! curve), runs the load clock on at the programmed dose ahead (growing as doses have grown), and
//! gives ERI with an 80 % range that widens with the time left and with how badly the readings fit.
//! A pump of the class lasts at most its service life; ERI never comes after it.
//!
//! **Replaceable batteries** (external pumps): a straight line through the readings to the
//! model's ERI level, with its own scatter.
//!
//! Once the pump shows ERI, the forecast becomes a countdown to EOS.

use chrono::Duration;

use super::forecast::{DateRange, Z_80};
use crate::model::{BatteryIndicator, UtcDateTime, Volume};

/// What a pump model's battery does, from its driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BatteryModel {
    /// The battery level at which the pump raises ERI.
    pub eri_percent: u8,
    /// How long the pump keeps infusing after ERI (e.g. 90 days), if the model states it.
    pub eri_to_eos: Option<std::time::Duration>,
    /// Whether the battery is changed (external) rather than the pump replaced (implanted).
    pub replaceable: bool,
    /// The longest the model runs from implant to ERI, if its maker states one.
    pub service_life: Option<std::time::Duration>,
}

/// One point of the battery history (the last reading of a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BatteryPoint {
    /// When.
    pub at: UtcDateTime,
    /// Level, 0–100 %.
    pub percent: u8,
    /// The volume programmed per day at that reading (0 when stopped), if known.
    pub daily_volume: Option<Volume>,
}

/// What to tell the patient about the battery.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BatteryForecast {
    /// Level now, 0–100 %.
    pub percent: u8,
    /// The pump's indicator now.
    pub indicator: BatteryIndicator,
    /// Whether the battery itself is changed (external pump): "replace battery" rather than
    /// "plan pump replacement".
    pub replaceable: bool,
    /// ERI (for a replaceable battery: when to change it): forecast, or the day it was seen.
    /// `None` while there is not enough history.
    pub eri: Option<DateRange>,
    /// EOS (infusion stops), when the model states how long after ERI.
    pub eos: Option<DateRange>,
    /// When ERI was first seen, once it has been.
    pub eri_seen_at: Option<UtcDateTime>,
    /// Whole days left until EOS, once ERI has been seen (0 on the day itself; negative after).
    pub days_to_eos: Option<i64>,
}

/// What the implanted battery forecast knows about a pump class, tuned on simulated patients the
/// backtests do not score (`thecal forecast tune`; docs/decisions/0005-forecasts.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatteryTuning {
    /// Days of baseline drain that pumping one millilitre costs.
    pub days_per_ml: f64,
    /// The reading (%) at each twentieth of the load to ERI used: 0 %, 5 %, …, 100 %.
    pub gauge: [f64; 21],
    /// How fast doses grow, per year, before this patient's own history says (log scale).
    pub growth_per_year: f64,
    /// How many years of the patient's own dose history weigh as much as that prior.
    pub growth_weight_years: f64,
    /// The median of log(true time left / forecast time left), corrected for.
    pub bias: f64,
    /// What the fit cannot explain, by horizon: `[years ahead, standard deviation of
    /// log(true / forecast time left)]`, in increasing years; between two nodes it is
    /// interpolated, beyond the last it stays (so the range in days keeps widening).
    pub spread: [[f64; 2]; SPREAD_NODES],
    /// The fewest days of history a forecast is made from.
    pub min_history_days: f64,
}

/// How long before the app's first reading of a new battery the pump may have been implanted,
/// days: an app is paired in the weeks after the implant (the service life counts from the
/// implant; the app counts it from that first reading).
pub const IMPLANT_DATE_SLACK_DAYS: i64 = 30;

/// How many horizons [`BatteryTuning::spread`] is calibrated at.
pub const SPREAD_NODES: usize = 8;

impl BatteryTuning {
    /// Names what a [`BatteryFit`] made with these constants depends on (the fit's own version,
    /// the load clock's worth of a millilitre, the gauge curve, the shortest history), so that a
    /// stored fit made by other constants is never used: a hash of their exact values.
    #[must_use]
    pub fn fit_key(&self) -> i64 {
        /// Changed whenever [`BatteryFit::of`] computes anything differently.
        const FIT_VERSION: u64 = 1;
        // FNV-1a, 64 bits, over the values' bits: the same on every platform and build.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let words = [
            FIT_VERSION,
            self.days_per_ml.to_bits(),
            self.min_history_days.to_bits(),
        ]
        .into_iter()
        .chain(self.gauge.iter().map(|g| g.to_bits()));
        for w in words {
            for b in w.to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        i64::from_le_bytes(h.to_le_bytes())
    }

    /// The standard deviation of log(true / forecast time left) that the fit does not explain,
    /// `years` ahead.
    #[must_use]
    pub fn spread_at(&self, years: f64) -> f64 {
        let nodes = &self.spread;
        if years <= nodes[0][0] {
            return nodes[0][1];
        }
        for w in nodes.windows(2) {
            let ([y0, s0], [y1, s1]) = (w[0], w[1]);
            if years <= y1 {
                let f = if y1 > y0 {
                    (years - y0) / (y1 - y0)
                } else {
                    1.0
                };
                return s0 + f * (s1 - s0);
            }
        }
        nodes[SPREAD_NODES - 1][1]
    }
}

/// The implanted reference class (tuned: see [`BatteryTuning`]).
pub const IMPLANTED_BATTERY: BatteryTuning = BatteryTuning {
    days_per_ml: 1.440,
    gauge: [
        97.9, 92.7, 89.8, 87.3, 84.7, 82.2, 79.6, 77.0, 74.3, 71.4, 68.4, 65.2, 61.6, 57.7, 53.3,
        48.2, 42.3, 35.5, 27.6, 18.3, 9.0,
    ],
    growth_per_year: 0.1480,
    growth_weight_years: 32.0,
    bias: -0.0021,
    spread: [
        [0.083, 0.0234],
        [0.170, 0.0239],
        [0.252, 0.0234],
        [0.500, 0.0302],
        [0.745, 0.0370],
        [0.992, 0.0420],
        [1.478, 0.0574],
        [1.952, 0.0637],
    ],
    min_history_days: 30.0,
};

/// What the battery forecast is computed from.
#[derive(Debug, Clone, Copy)]
pub struct BatteryInputs<'a> {
    /// The daily history since the battery was new (or since pairing), any order.
    pub points: &'a [BatteryPoint],
    /// Level now.
    pub percent: u8,
    /// Indicator now.
    pub indicator: BatteryIndicator,
    /// When ERI was first seen, if it has been.
    pub eri_seen_at: Option<UtcDateTime>,
    /// When the pump was implanted, if known (for the service life).
    pub implanted_at: Option<UtcDateTime>,
    /// Now.
    pub now: UtcDateTime,
}

/// Forecasts ERI and EOS from the whole daily history (`inputs.points`).
#[must_use]
pub fn forecast_battery(
    inputs: &BatteryInputs<'_>,
    model: BatteryModel,
    tuning: &BatteryTuning,
) -> BatteryForecast {
    let (mut f, to_eos) = match start(inputs, model) {
        Start::Seen(countdown) => return countdown,
        Start::Ahead(f, to_eos) => (f, to_eos),
    };
    let mut points = inputs.points.to_vec();
    points.sort_unstable_by_key(|p| p.at); // one row per day: no ties
    let eri = if model.replaceable {
        let (Some(first), Some(last)) = (points.first(), points.last()) else {
            return f;
        };
        if days_between(first.at, last.at) < tuning.min_history_days || points.len() < 3 {
            return f;
        }
        linear_eri(&points, model.eri_percent, inputs.now)
    } else {
        let Some(fit) = BatteryFit::of(&points, tuning) else {
            return f;
        };
        let first_dose = points
            .iter()
            .filter(|p| in_growth_window(p.at, inputs.now))
            .find_map(dosed);
        project(
            &fit,
            first_dose,
            inputs.now,
            tuning,
            service_end(inputs, model),
        )
    };
    with_eri(&mut f, eri, to_eos);
    f
}

/// Forecasts ERI and EOS of an implanted pump from the fit of its daily history stored with it
/// ([`BatteryFit`]), giving exactly what [`forecast_battery`] gives from the same history.
/// `inputs.points` is not read: `first_recent_dose` is the oldest point of that history with a
/// volume above 0 within [`GROWTH_WINDOW_DAYS`] before `inputs.now` (the dose's growth).
#[must_use]
pub fn forecast_battery_from_fit(
    inputs: &BatteryInputs<'_>,
    fit: &BatteryFit,
    first_recent_dose: Option<BatteryPoint>,
    model: BatteryModel,
    tuning: &BatteryTuning,
) -> BatteryForecast {
    let (mut f, to_eos) = match start(inputs, model) {
        Start::Seen(countdown) => return countdown,
        Start::Ahead(f, to_eos) => (f, to_eos),
    };
    let first_dose = first_recent_dose.and_then(|p| dosed(&p));
    let eri = project(
        fit,
        first_dose,
        inputs.now,
        tuning,
        service_end(inputs, model),
    );
    with_eri(&mut f, eri, to_eos);
    f
}

/// Where a forecast starts.
enum Start {
    /// ERI has been seen: the countdown to EOS, complete.
    Seen(BatteryForecast),
    /// The forecast without dates yet, and the time from ERI to EOS.
    Ahead(BatteryForecast, Option<Duration>),
}

fn start(inputs: &BatteryInputs<'_>, model: BatteryModel) -> Start {
    let mut f = BatteryForecast {
        percent: inputs.percent,
        indicator: inputs.indicator,
        replaceable: model.replaceable,
        eri: None,
        eos: None,
        eri_seen_at: inputs.eri_seen_at,
        days_to_eos: None,
    };
    let to_eos = model.eri_to_eos.and_then(|d| Duration::from_std(d).ok());
    if let Some(seen) = inputs
        .eri_seen_at
        .filter(|_| inputs.indicator != BatteryIndicator::Normal)
    {
        f.eri = Some(DateRange::exact(seen));
        if let Some(to_eos) = to_eos {
            let eos = seen + to_eos;
            f.eos = Some(DateRange::exact(eos));
            f.days_to_eos = Some((eos - inputs.now).num_days());
        }
        return Start::Seen(f);
    }
    Start::Ahead(f, to_eos)
}

fn with_eri(f: &mut BatteryForecast, eri: Option<DateRange>, to_eos: Option<Duration>) {
    f.eri = eri;
    if let (Some(eri), Some(to_eos)) = (eri, to_eos) {
        f.eos = Some(eri.shifted(to_eos));
    }
}

/// When the model's service life ends, counted from the implant.
fn service_end(inputs: &BatteryInputs<'_>, model: BatteryModel) -> Option<UtcDateTime> {
    inputs
        .implanted_at
        .zip(model.service_life.and_then(|d| Duration::from_std(d).ok()))
        .map(|(at, life)| at + life)
}

/// How far back the patient's own dose history counts for the dose's growth, days.
pub const GROWTH_WINDOW_DAYS: i32 = 730;

/// Whether a point at `at` is within [`GROWTH_WINDOW_DAYS`] before `now` (or after it).
#[must_use]
pub fn in_growth_window(at: UtcDateTime, now: UtcDateTime) -> bool {
    days_between(at, now) <= f64::from(GROWTH_WINDOW_DAYS)
}

/// The point's time and programmed mL/day, when it has a volume above 0.
fn dosed(p: &BatteryPoint) -> Option<(UtcDateTime, f64)> {
    p.daily_volume
        .map(|v| (p.at, v.milliliters()))
        .filter(|(_, q)| *q > 0.0)
}

/// What the load-clock forecast of an implanted pump takes from the pump's daily battery history:
/// the fit of its cell and where the load clock stood at the newest point. It depends on the
/// history and the tuning only, never on the time it is made, so it can be computed when a day's
/// point is stored and projected to any later moment ([`forecast_battery_from_fit`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatteryFit {
    /// How many daily points the history has.
    pub points: u32,
    /// The oldest point's time and level (a level of 99 % or more: a new battery).
    pub first_at: UtcDateTime,
    /// The oldest point's level, %.
    pub first_percent: u8,
    /// The newest point's time.
    pub last_at: UtcDateTime,
    /// The load clock at the newest point, load-days since the oldest.
    pub last_load: f64,
    /// The programmed mL/day the clock runs on after the newest point.
    pub flow: f64,
    /// The newest point with a volume above 0 (for the dose's growth).
    pub last_dose: Option<BatteryPoint>,
    /// The cell's fit, when the history is long enough for one.
    pub cell: Option<CellFit>,
}

/// The load this pump's cell takes to ERI, from the least-squares fit of its readings to the
/// class's gauge curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellFit {
    /// Λ: the load to ERI, load-days.
    pub load_to_eri: f64,
    /// The load used before the oldest point (0 when the history starts with a new battery).
    pub load_before: f64,
    /// The fit's own variance of ln Λ.
    pub var_ln_load: f64,
}

impl BatteryFit {
    /// The fit of a daily history sorted by time; `None` when it is empty.
    #[must_use]
    pub fn of(points: &[BatteryPoint], t: &BatteryTuning) -> Option<Self> {
        let (first, last) = (points.first()?, points.last()?);
        let (loads, last_load, flow) = load_clock(points, last.at, t.days_per_ml);
        let enough = days_between(first.at, last.at) >= t.min_history_days && points.len() >= 3;
        Some(Self {
            points: u32::try_from(points.len()).unwrap_or(u32::MAX),
            first_at: first.at,
            first_percent: first.percent,
            last_at: last.at,
            last_load,
            flow,
            last_dose: points.iter().rev().find(|p| dosed(p).is_some()).copied(),
            cell: if enough {
                fit_cell(points, &loads, last_load, t)
            } else {
                None
            },
        })
    }
}

fn days_between(a: UtcDateTime, b: UtcDateTime) -> f64 {
    (b - a).num_milliseconds() as f64 / 86_400_000.0
}

fn at_days(origin: UtcDateTime, days: f64) -> UtcDateTime {
    origin + Duration::milliseconds((days.clamp(-36_500.0, 36_500.0) * 86_400_000.0) as i64)
}

/// The class's gauge curve: the reading at share `s` of the load to ERI (linear between the
/// tabulated twentieths, continued with the last slope past either end).
fn gauge(t: &BatteryTuning, s: f64) -> f64 {
    let x = s * 20.0;
    let i = (x.floor() as isize).clamp(0, 19) as usize;
    let frac = x - i as f64;
    t.gauge[i] + (t.gauge[i + 1] - t.gauge[i]) * frac
}

/// The share of the load used at reading `percent` (the gauge curve inverted; the curve falls).
fn gauge_inverse(t: &BatteryTuning, percent: f64) -> f64 {
    for i in 0..20 {
        let (hi, lo) = (t.gauge[i], t.gauge[i + 1]);
        if percent >= lo && hi > lo {
            return ((i as f64) + ((hi - percent) / (hi - lo)).clamp(0.0, 1.0)) / 20.0;
        }
    }
    1.0
}

/// The load clock of each point of a history sorted by time (days since the first, plus `k` days
/// per programmed mL), the clock at `now`, and the programmed mL/day of the newest point.
#[must_use]
pub fn load_clock(points: &[BatteryPoint], now: UtcDateTime, k: f64) -> (Vec<f64>, f64, f64) {
    let Some(first) = points.first() else {
        return (Vec::new(), 0.0, 0.0);
    };
    let mut loads = Vec::with_capacity(points.len());
    let mut load = 0.0;
    let mut flow = 0.0;
    let mut prev = first.at;
    for p in points {
        load += days_between(prev, p.at) * (1.0 + k * flow);
        loads.push(load);
        if let Some(v) = p.daily_volume {
            flow = v.milliliters();
        }
        prev = p.at;
    }
    let now_load = load + days_between(prev, now).max(0.0) * (1.0 + k * flow);
    (loads, now_load, flow)
}

/// The cell's fit (see the module's notes) to the points sorted by time, their loads, and the
/// load at the newest point (the search starts just above it: the cell has not reached ERI).
fn fit_cell(
    points: &[BatteryPoint],
    loads: &[f64],
    last_load: f64,
    t: &BatteryTuning,
) -> Option<CellFit> {
    // Thin long histories: a few hundred points carry all the shape there is.
    let step = points.len().div_ceil(400).max(1);
    let sample: Vec<(f64, f64)> = loads
        .iter()
        .zip(points)
        .step_by(step)
        .chain(std::iter::once((loads.last()?, points.last()?)))
        .map(|(l, p)| (*l, f64::from(p.percent)))
        .collect();
    // Seen new: the load starts at 0. Else the first reading says how much was used before.
    let first_share = if points[0].percent >= 99 {
        None
    } else {
        Some(gauge_inverse(t, f64::from(points[0].percent)))
    };
    let offset = |lambda: f64| first_share.map_or(0.0, |s| s * lambda);
    let sse = |ln_lambda: f64| {
        let lambda = ln_lambda.exp();
        let off = offset(lambda);
        sample
            .iter()
            .map(|(l, r)| (r - gauge(t, (off + l) / lambda)).powi(2))
            .sum::<f64>()
    };
    let lo = (last_load.max(1.0) * 1.001).ln();
    let hi = (last_load.max(1.0) * 200.0).ln().max(lo + 1.0);
    let grid = 240;
    let (mut best, mut best_x) = (f64::INFINITY, lo);
    for i in 0..=grid {
        let x = lo + (hi - lo) * f64::from(i) / f64::from(grid);
        let e = sse(x);
        if e < best {
            (best, best_x) = (e, x);
        }
    }
    let h = (hi - lo) / f64::from(grid);
    let (mut a, mut b) = ((best_x - h).max(lo), (best_x + h).min(hi));
    for _ in 0..40 {
        let (m1, m2) = (a + (b - a) * 0.382, a + (b - a) * 0.618);
        if sse(m1) < sse(m2) {
            b = m2;
        } else {
            a = m1;
        }
    }
    let x = (a + b) / 2.0;
    let lambda = x.exp();
    let n = sample.len() as f64;
    // The fit's own uncertainty in ln Λ, from the curvature of the squared error; whole-percent
    // readings never scatter less than rounding does.
    let sigma2 = (sse(x) / (n - 1.0).max(1.0)).max(1.0 / 12.0);
    let d = 1e-3;
    let curvature = (sse(x + d) - 2.0 * sse(x) + sse(x - d)) / (d * d);
    let var_ln_lambda = if curvature > 0.0 {
        2.0 * sigma2 / curvature
    } else {
        1.0
    };
    Some(CellFit {
        load_to_eri: lambda,
        load_before: offset(lambda),
        var_ln_load: var_ln_lambda,
    })
}

/// ERI of an implanted pump by the load clock, from the fit run on to `now`: the load left, run
/// at the programmed dose growing as doses have grown (`first_dose`: the oldest dosed point in
/// the growth window, the newest is the fit's), and its range, ended by the service life `cap`.
fn project(
    fit: &BatteryFit,
    first_dose: Option<(UtcDateTime, f64)>,
    now: UtcDateTime,
    t: &BatteryTuning,
    cap: Option<UtcDateTime>,
) -> Option<DateRange> {
    let cell = fit.cell?;
    let (lambda, var_ln_lambda) = (cell.load_to_eri, cell.var_ln_load);
    let now_load =
        fit.last_load + days_between(fit.last_at, now).max(0.0) * (1.0 + t.days_per_ml * fit.flow);
    let remaining = lambda - cell.load_before - now_load;
    let last_dose = fit
        .last_dose
        .filter(|p| in_growth_window(p.at, now))
        .and_then(|p| dosed(&p));
    let growth = dose_growth(first_dose.zip(last_dose), t);
    let days_left = days_for_load(remaining.max(0.0), fit.flow, t.days_per_ml, growth);
    let central = days_left * t.bias.exp();
    let fit_rel = if remaining > 0.0 {
        var_ln_lambda.sqrt() * lambda / remaining
    } else {
        0.0
    };
    let sd = (fit_rel.powi(2) + t.spread_at(central / 365.25).powi(2))
        .sqrt()
        .min(3.0);
    let spread = (Z_80 * sd).exp();
    let mut expected = at_days(now, central);
    let mut earliest = at_days(now, central / spread);
    let mut latest = at_days(now, central * spread);
    if let Some(cap) = cap {
        if latest >= cap {
            // The service life may end the range. The implant is known only as "on or before
            // the first reading of a new battery", so the life's end may come a little sooner.
            earliest = earliest.min(cap - Duration::days(IMPLANT_DATE_SLACK_DAYS));
        }
        expected = expected.min(cap);
        earliest = earliest.min(cap);
        latest = latest.min(cap);
    }
    Some(DateRange::new(now, expected, earliest, latest))
}

/// How fast this patient's dose grows per year (log scale): the class's prior, moved towards
/// the patient's own history of the last two years (its oldest and newest dosed points) by how
/// long it is.
fn dose_growth(ends: Option<((UtcDateTime, f64), (UtcDateTime, f64))>, t: &BatteryTuning) -> f64 {
    let Some(((t0, q0), (t1, q1))) = ends else {
        return t.growth_per_year;
    };
    let years = days_between(t0, t1) / 365.25;
    if years < 0.25 {
        return t.growth_per_year;
    }
    let own = (q1 / q0).ln() / years;
    (t.growth_per_year * t.growth_weight_years + own * years) / (t.growth_weight_years + years)
}

/// Days until the load clock has run `load` more, at `flow` mL/day now growing by `growth` a
/// year (log scale).
fn days_for_load(load: f64, flow: f64, k: f64, growth: f64) -> f64 {
    let run = |days: f64| {
        let pumped = if growth.abs() < 1e-9 {
            flow * days
        } else {
            flow * 365.25 / growth * ((growth * days / 365.25).exp() - 1.0)
        };
        days + k * pumped
    };
    let (mut a, mut b) = (0.0, 36_500.0);
    if run(b) < load {
        return b;
    }
    for _ in 0..60 {
        let m = (a + b) / 2.0;
        if run(m) < load {
            a = m;
        } else {
            b = m;
        }
    }
    (a + b) / 2.0
}

/// ERI of a replaceable battery: a least-squares line to the model's ERI level.
fn linear_eri(points: &[BatteryPoint], eri_percent: u8, now: UtcDateTime) -> Option<DateRange> {
    let origin = points.first()?.at;
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (days_between(origin, p.at), f64::from(p.percent)))
        .collect();
    let n = xy.len() as f64;
    let mean_x = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = xy.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    if slope >= 0.0 {
        return None;
    }
    let intercept = mean_y - slope * mean_x;
    let sse: f64 = xy
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let residual_sd = (sse / (n - 2.0).max(1.0)).sqrt().max(1.0 / 12f64.sqrt());
    let x = (f64::from(eri_percent) - intercept) / slope;
    let se = (residual_sd / slope.abs()) * (1.0 / n + (x - mean_x).powi(2) / sxx).sqrt();
    let half = Z_80 * se;
    Some(DateRange::new(
        now,
        at_days(origin, x),
        at_days(origin, x - half),
        at_days(origin, x + half),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::therapy::ForecastConfidence;
    use chrono::TimeZone;

    fn t0() -> UtcDateTime {
        chrono::Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap()
    }

    fn implanted() -> BatteryModel {
        BatteryModel {
            eri_percent: 8,
            eri_to_eos: Some(std::time::Duration::from_secs(90 * 86_400)),
            replaceable: false,
            service_life: None,
        }
    }

    /// Readings of a cell that follows the class's curve exactly, with a load of `lambda` to
    /// ERI, at `flow` mL/day, daily for `days`.
    fn on_the_curve(days: i64, lambda: f64, flow: f64) -> Vec<BatteryPoint> {
        let t = IMPLANTED_BATTERY;
        (0..days)
            .map(|d| {
                let load = d as f64 * (1.0 + t.days_per_ml * flow);
                BatteryPoint {
                    at: t0() + Duration::days(d),
                    percent: gauge(&t, load / lambda).round() as u8,
                    daily_volume: Some(Volume::from_microliters((flow * 1000.0) as u32)),
                }
            })
            .collect()
    }

    fn inputs(points: &[BatteryPoint], now: UtcDateTime) -> BatteryInputs<'_> {
        BatteryInputs {
            points,
            percent: points.last().map_or(100, |p| p.percent),
            indicator: BatteryIndicator::Normal,
            eri_seen_at: None,
            implanted_at: Some(t0()),
            now,
        }
    }

    fn flat() -> BatteryTuning {
        BatteryTuning {
            growth_per_year: 0.0,
            growth_weight_years: 1e9,
            ..IMPLANTED_BATTERY
        }
    }

    #[test]
    fn the_load_clock_finds_the_cell_and_runs_on_at_the_dose() {
        // 0.5 mL/day: the load clock runs 1 + 0.5 k days a day (k ≈ 1.45: about 1.7); a cell of
        // 3,500 load-days reaches ERI after about 2,000 days.
        let pts = on_the_curve(1_200, 3_500.0, 0.5);
        let now = pts.last().unwrap().at;
        let f = forecast_battery(&inputs(&pts, now), implanted(), &flat());
        let eri = f.eri.unwrap();
        let days = 3_500.0 / (1.0 + IMPLANTED_BATTERY.days_per_ml * 0.5);
        let truth = t0() + Duration::seconds((days * 86_400.0) as i64);
        assert!(
            (eri.expected - truth).num_days().abs() <= 20,
            "{}",
            eri.expected
        );
        assert!(eri.contains(truth));
        assert_eq!(f.eos.unwrap().expected, eri.expected + Duration::days(90));
    }

    #[test]
    fn a_higher_dose_ahead_brings_eri_forward() {
        let pts = on_the_curve(900, 3_500.0, 0.3);
        let now = pts.last().unwrap().at;
        let base = forecast_battery(&inputs(&pts, now), implanted(), &flat())
            .eri
            .unwrap();
        // The same history, but the dose doubled yesterday.
        let mut doubled = pts.clone();
        doubled.last_mut().unwrap().daily_volume = Some(Volume::from_microliters(600));
        let up = forecast_battery(&inputs(&doubled, now), implanted(), &flat())
            .eri
            .unwrap();
        assert!(up.expected < base.expected - Duration::days(60));
    }

    #[test]
    fn the_range_widens_with_the_time_left_and_never_passes_the_service_life() {
        let pts = on_the_curve(2_000, 6_000.0, 0.3);
        let early = forecast_battery(&inputs(&pts[..400], pts[399].at), implanted(), &flat())
            .eri
            .unwrap();
        let late = forecast_battery(&inputs(&pts, pts[1_999].at), implanted(), &flat())
            .eri
            .unwrap();
        // About 3,800 days left against 2,200: the range in days is wider by at least half.
        assert!(early.latest - early.earliest > (late.latest - late.earliest) * 3 / 2);
        let capped = BatteryModel {
            service_life: Some(std::time::Duration::from_secs(2_466 * 86_400)),
            ..implanted()
        };
        let f = forecast_battery(&inputs(&pts, pts[1_999].at), capped, &flat());
        let cap = t0() + Duration::days(2_466);
        let eri = f.eri.unwrap();
        assert_eq!(
            eri.latest, cap,
            "the cell would last longer: the service life ends it"
        );
        assert_eq!(eri.expected, cap);
        assert_eq!(
            eri.earliest,
            cap - Duration::days(IMPLANT_DATE_SLACK_DAYS),
            "the implant may have come before the first reading"
        );
    }

    #[test]
    fn too_little_history_gives_no_date() {
        let pts = on_the_curve(10, 3_500.0, 0.5);
        let f = forecast_battery(&inputs(&pts, pts[9].at), implanted(), &flat());
        assert_eq!(f.eri, None);
    }

    #[test]
    fn after_eri_a_countdown_to_eos() {
        let seen = t0() + Duration::days(1000);
        let now = seen + Duration::days(30);
        let f = forecast_battery(
            &BatteryInputs {
                points: &[],
                percent: 7,
                indicator: BatteryIndicator::ElectiveReplacement,
                eri_seen_at: Some(seen),
                implanted_at: None,
                now,
            },
            implanted(),
            &IMPLANTED_BATTERY,
        );
        assert_eq!(f.eos.unwrap().expected, seen + Duration::days(90));
        assert_eq!(f.days_to_eos, Some(60));
        assert_eq!(f.eri.unwrap().expected, seen);
    }

    #[test]
    fn a_replaceable_battery_follows_its_line() {
        let pts: Vec<BatteryPoint> = (0..(24 * 8))
            .map(|h| BatteryPoint {
                at: t0() + Duration::hours(h),
                percent: (100.0 - 92.0 * h as f64 / (24.0 * 10.0)).round() as u8,
                daily_volume: None,
            })
            .collect();
        let model = BatteryModel {
            eri_percent: 8,
            eri_to_eos: None,
            replaceable: true,
            service_life: None,
        };
        let tuning = BatteryTuning {
            min_history_days: 1.0,
            ..IMPLANTED_BATTERY
        };
        let now = pts.last().unwrap().at;
        let f = forecast_battery(&inputs(&pts, now), model, &tuning);
        let eri = f.eri.unwrap();
        assert!(
            (eri.expected - (t0() + Duration::days(10)))
                .num_hours()
                .abs()
                <= 3
        );
        assert_eq!(eri.confidence, ForecastConfidence::High);
        assert_eq!(f.eos, None);
    }
}
