//! The model's own checks (decision 0003 §12, as amended by 0003a): tests over the simulated
//! pump, not over forecasts.
//!
//! Each check runs at a smoke size by default, so CI stays fast, and at §12's full size with
//! `THECAL_FULL=1`; `tests/sim/README.md` lists the sizes, the commands and the figures measured
//! at full size. Every check prints its figures (`-- --nocapture` shows them).

use std::sync::OnceLock;

use chrono::{Duration, TimeZone, Utc};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use thecal_core::model::{
    AlarmKind, AlarmState, BatteryIndicator, Drug, HistoryEvent, StatusReading, UtcDateTime,
};

use super::drugs::DRUGS;
use super::unforeseen::Occlusion;
use super::{LinkProfile, SimConfig, SimPump, SimTruth, Unforeseen, VisitKind, VisitTruth};

const DAY_MS: i64 = 86_400_000;
const YEAR_DAYS: f64 = 365.25;
/// Days simulated for a whole life: past the 7-year cap.
const LIFE_DAYS: i64 = 2_600;

fn start() -> UtcDateTime {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .expect("a valid time")
}

fn full() -> bool {
    std::env::var("THECAL_FULL").is_ok_and(|v| v == "1")
}

/// The smoke size, or §12's full size with `THECAL_FULL=1`.
fn size(smoke: u64, full_size: u64) -> u64 {
    if full() { full_size } else { smoke }
}

#[allow(clippy::cast_precision_loss)]
fn years(from: UtcDateTime, to: UtcDateTime) -> f64 {
    (to - from).num_milliseconds() as f64 / DAY_MS as f64 / YEAR_DAYS
}

/// The `q`-quantile (nearest rank) of `values`.
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

#[allow(clippy::cast_precision_loss)]
fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

#[allow(clippy::cast_precision_loss)]
fn sd(values: &[f64]) -> f64 {
    let m = mean(values);
    (values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (values.len().max(2) - 1) as f64).sqrt()
}

#[allow(clippy::cast_precision_loss)]
fn share(count: usize, of: usize) -> f64 {
    count as f64 / of.max(1) as f64
}

/// A pump's whole life, observed at every day mark.
struct Life {
    seed: u64,
    drug: Drug,
    /// The Battery Level reported at day mark d (d = 0 is implant).
    readings: Vec<u8>,
    /// The truth at the end.
    truth: SimTruth,
}

impl Life {
    fn eri(&self) -> UtcDateTime {
        self.truth.eri_at.expect("ERI within the simulated life")
    }

    fn eos(&self) -> UtcDateTime {
        self.truth.eos_at.expect("EOS within the simulated life")
    }

    /// The day mark index of a time (the last day mark at or before it).
    fn day_of(t: UtcDateTime) -> usize {
        usize::try_from((t - start()).num_milliseconds().div_euclid(DAY_MS)).unwrap_or(0)
    }
}

/// Runs `config` in daily steps to two days after EOS (or [`LIFE_DAYS`]).
fn live(config: SimConfig) -> Life {
    let seed = config.seed;
    let mut p = SimPump::new(config);
    p.set_subscribed(false);
    let t0 = p.now();
    let mut readings = vec![p.status_reading().battery.percent];
    let drug = p.status_reading().drug;
    let mut after_eos = 0;
    for d in 1..=LIFE_DAYS {
        p.advance_to(t0 + Duration::days(d));
        let s = p.status_reading();
        readings.push(s.battery.percent);
        if s.battery.indicator == BatteryIndicator::EndOfService {
            after_eos += 1;
            if after_eos > 2 {
                break;
            }
        }
    }
    Life {
        seed,
        drug,
        readings,
        truth: p.truth(),
    }
}

fn config(seed: u64, link: LinkProfile) -> SimConfig {
    let mut c = SimConfig::implanted(seed, start());
    c.link = link;
    c
}

/// The population of §12.2–§12.6: link A0, seeds 0…N.
fn population() -> &'static [Life] {
    static POPULATION: OnceLock<Vec<Life>> = OnceLock::new();
    POPULATION.get_or_init(|| {
        (0..size(200, 1_000))
            .map(|seed| live(config(seed, LinkProfile::None)))
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// 1. Determinism and step independence
// ---------------------------------------------------------------------------------------------

/// What a run shows: the Status at every day mark it stopped on, and at the end the history and
/// the truth.
#[derive(Debug, PartialEq)]
struct Run {
    day_marks: Vec<StatusReading>,
    history: Vec<HistoryEvent>,
    truth: SimTruth,
    last: StatusReading,
}

/// Advances a fresh pump through `times` (increasing), keeping the Status at day marks.
fn run(seed: u64, times: impl Iterator<Item = UtcDateTime>) -> Run {
    let mut p = SimPump::new(config(seed, LinkProfile::None));
    p.set_subscribed(false);
    let mut day_marks = Vec::new();
    for t in times {
        p.advance_to(t);
        if (t - start()).num_milliseconds() % DAY_MS == 0 {
            day_marks.push(p.status_reading());
        }
    }
    Run {
        day_marks,
        history: p.history().cloned().collect(),
        truth: p.truth(),
        last: p.status_reading(),
    }
}

#[test]
fn check_1_the_state_is_the_same_whatever_the_steps() {
    let (seeds, days) = if full() {
        (50, 7 * 365 + 2)
    } else {
        (5, 2 * 365)
    };
    let end = start() + Duration::days(days);
    let mut events = 0;
    for seed in 0..seeds {
        let fine = run(
            seed,
            (1..=days * 288).map(|k| start() + Duration::minutes(5 * k)),
        );
        let daily = run(seed, (1..=days).map(|d| start() + Duration::days(d)));
        let jump = run(seed, std::iter::once(end));
        // Irregular steps (1 ms to 3 days), stopping at each day mark on the way.
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED);
        let mut times = Vec::new();
        let mut t = start();
        while t < end {
            let step = Duration::milliseconds(
                1 + i64::try_from(rng.next_u64() % (3 * DAY_MS as u64)).unwrap_or(0),
            );
            let ms = (t - start()).num_milliseconds();
            let next_mark = start() + Duration::milliseconds((ms / DAY_MS + 1) * DAY_MS);
            t = (t + step).min(next_mark).min(end);
            times.push(t);
        }
        let irregular = run(seed, times.into_iter());
        assert_eq!(fine.day_marks.len(), usize::try_from(days).unwrap_or(0));
        assert_eq!(
            fine.day_marks, daily.day_marks,
            "seed {seed}: 5 min vs daily"
        );
        assert_eq!(
            fine.day_marks, irregular.day_marks,
            "seed {seed}: 5 min vs irregular"
        );
        assert_eq!(fine.history, daily.history, "seed {seed}");
        assert_eq!(fine.history, jump.history, "seed {seed}");
        assert_eq!(fine.history, irregular.history, "seed {seed}");
        assert_eq!(fine.truth, daily.truth, "seed {seed}");
        assert_eq!(fine.truth, jump.truth, "seed {seed}");
        assert_eq!(fine.truth, irregular.truth, "seed {seed}");
        assert_eq!(fine.last, jump.last, "seed {seed}");
        events += fine.history.len();
    }
    eprintln!(
        "check 1: {seeds} seeds × {days} days: 5-minute, daily, one-jump and irregular steps \
         agree (day marks, {events} history events, truth)"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Lifetimes
// ---------------------------------------------------------------------------------------------

#[test]
fn check_2_lifetimes() {
    let pop = population();
    let n = pop.len();
    let eri: Vec<f64> = pop.iter().map(|l| years(start(), l.eri())).collect();
    let eos: Vec<f64> = pop.iter().map(|l| years(start(), l.eos())).collect();
    let capped = pop.iter().filter(|l| l.truth.eri_from_cap).count();
    let ninety = pop
        .iter()
        .filter(|l| l.eos() - l.eri() == Duration::days(90))
        .count();
    let eos_3 = eos.iter().filter(|&&y| y >= 3.0).count();
    eprintln!(
        "check 2 (A0, {n} pumps): ERI p1 {:.2} p5 {:.2} median {:.2} p95 {:.2} y; EOS min {:.2} \
         median {:.2} max {:.3} y; ERI at the cap {:.1} %; EOS ≥ 3 y {:.1} %; EOS − ERI = 90 d \
         {:.1} %",
        quantile(&eri, 0.01),
        quantile(&eri, 0.05),
        quantile(&eri, 0.5),
        quantile(&eri, 0.95),
        quantile(&eos, 0.0),
        quantile(&eos, 0.5),
        quantile(&eos, 1.0),
        100.0 * share(capped, n),
        100.0 * share(eos_3, n),
        100.0 * share(ninety, n),
    );
    assert!(share(eos_3, n) >= 0.99);
    assert!(eos.iter().all(|&y| y <= 7.0));
    assert!((4.9..=5.9).contains(&quantile(&eri, 0.5)));
    assert!((3.4..=4.2).contains(&quantile(&eri, 0.05)));
    assert!((0.02..=0.12).contains(&share(capped, n)));
    // 0003a §5.3: the others end when the cell is exhausted (U = 1), earlier.
    assert!(share(ninety, n) >= 0.95);
    assert!(pop.iter().all(|l| l.eos() - l.eri() <= Duration::days(90)));
}

#[test]
fn check_2_an_hourly_phone_link_shortens_the_life() {
    // Paired seeds (the same pumps with and without the link); smaller at smoke size because
    // the hourly sessions are 48 events a day.
    let seeds = size(40, 1_000);
    let a0: Vec<f64> = population()
        .iter()
        .take(usize::try_from(seeds).unwrap_or(0))
        .map(|l| years(start(), l.eri()))
        .collect();
    let a1_lives: Vec<Life> = (0..seeds)
        .map(|seed| live(config(seed, LinkProfile::Hourly)))
        .collect();
    let a1: Vec<f64> = a1_lives.iter().map(|l| years(start(), l.eri())).collect();
    let a1_capped = a1_lives.iter().filter(|l| l.truth.eri_from_cap).count();
    let (m0, m1) = (quantile(&a0, 0.5), quantile(&a1, 0.5));
    let shorter = 1.0 - m1 / m0;
    eprintln!(
        "check 2 (A1, {seeds} pumps): ERI median {m1:.2} y against {m0:.2} y with A0 \
         ({:.1} % shorter); p5 {:.2} y; at the cap {:.1} %",
        100.0 * shorter,
        quantile(&a1, 0.05),
        100.0 * share(a1_capped, a1.len()),
    );
    assert!((0.03..=0.08).contains(&shorter), "{shorter}");
}

/// The concentrations programmed after `from`.
fn concentrations_after(truth: &SimTruth, from: UtcDateTime) -> Vec<u32> {
    truth
        .visits
        .iter()
        .filter(|v| v.at > from)
        .map(|v| v.concentration_after.micrograms_per_milliliter)
        .collect()
}

#[test]
fn check_2_a_doubled_dose_reaches_eri_earlier() {
    // 0003a §5.5: compared where the programmed rate doubles, i.e. where the clinic keeps the
    // concentration in both lives (a higher concentration can lower the rate).
    let (mut compared, mut moved) = (0, 0);
    for seed in 0..size(10, 40) {
        let mut base = SimPump::new(config(seed, LinkProfile::None));
        base.set_subscribed(false);
        let two_years = start() + Duration::days(730);
        base.advance_to(two_years);
        let kept = base
            .status_reading()
            .concentration
            .micrograms_per_milliliter;
        let mut doubled = base.clone();
        let dose = doubled.status_reading().daily_dose.micrograms_per_day;
        let now = doubled.now_ms();
        doubled.world.input_at(now, |w| w.set_dose(dose * 2));
        let end = start() + Duration::days(LIFE_DAYS);
        base.advance_to(end);
        doubled.advance_to(end);
        let (b, d) = (base.truth(), doubled.truth());
        let unchanged = |t: &SimTruth| {
            concentrations_after(t, two_years)
                .iter()
                .all(|&c| c == kept)
        };
        if !unchanged(&b) || !unchanged(&d) {
            moved += 1;
            continue;
        }
        compared += 1;
        let (eb, ed) = (b.eri_at.expect("ERI"), d.eri_at.expect("ERI"));
        if b.eri_from_cap {
            assert!(ed <= eb, "seed {seed}");
        } else {
            assert!(ed < eb, "seed {seed}: {ed} is not before {eb}");
        }
    }
    eprintln!(
        "check 2 (doubled dose at year 2): ERI earlier for all {compared} pumps compared; \
         {moved} left out because the clinic changed the concentration"
    );
    assert!(compared > 0);
}

// ---------------------------------------------------------------------------------------------
// 3. The reading
// ---------------------------------------------------------------------------------------------

#[test]
#[allow(clippy::cast_precision_loss)]
fn check_3_the_battery_reading() {
    let pop = population();
    let mut pump_days = 0;
    let mut rises_of_two = 0;
    let mut largest_rise = 0;
    let mut ratios = Vec::new();
    let (mut last_falls, mut middle_falls) = (Vec::new(), Vec::new());
    let mut eri_day_ok = 0;
    let mut not_capped = 0;
    for l in pop {
        assert_eq!(l.readings[0], 100, "seed {}", l.seed);
        let eri_day = Life::day_of(l.eri());
        let eos_day = Life::day_of(l.eos());
        for d in 1..=eos_day.min(l.readings.len() - 1) {
            let rise = i32::from(l.readings[d]) - i32::from(l.readings[d - 1]);
            pump_days += 1;
            largest_rise = largest_rise.max(rise);
            if rise >= 2 {
                rises_of_two += 1;
            }
        }
        for &r in &l.readings[eos_day + 1..] {
            assert_eq!(r, 0, "seed {}: 0 from EOS on", l.seed);
        }
        if l.truth.eri_from_cap {
            continue;
        }
        not_capped += 1;
        if (7..=8).contains(&l.readings[eri_day]) {
            eri_day_ok += 1;
        }
        let at = |f: f64| f64::from(l.readings[(eri_day as f64 * f).round() as usize]);
        let t = eri_day as f64;
        let last = (at(0.9) - at(1.0)) / (0.1 * t);
        let middle = (at(0.25) - at(0.75)) / (0.5 * t);
        ratios.push(last / middle);
        last_falls.push(last);
        middle_falls.push(middle);
    }
    let pooled = mean(&last_falls) / mean(&middle_falls);
    let rise_share = share(rises_of_two, pump_days);
    let low_ratio = ratios.iter().filter(|&&r| r < 2.5).count();
    eprintln!(
        "check 3 ({} pumps, {pump_days} pump-days): rises of 2+ points on {:.3} % of days, \
         largest rise {largest_rise}; fall ratio (last 10 % / middle 50 %) {pooled:.2} on \
         average, per pump min {:.2} median {:.2}, below 2.5 for {low_ratio} of {not_capped}; ERI-day reading 7 or 8 for {:.1} % \
         of pumps not at the cap",
        pop.len(),
        100.0 * rise_share,
        quantile(&ratios, 0.0),
        quantile(&ratios, 0.5),
        100.0 * share(eri_day_ok, not_capped),
    );
    // 0003a §5: the jitter's tail gives rises of two points on about 0.15 % of days.
    assert!(rise_share <= 0.005, "{rise_share}");
    assert!(largest_rise <= 3);
    // 0003a §5.2: on average over the pumps (a pump whose flow falls late has a flatter end).
    assert!(pooled >= 2.5, "{pooled}");
    assert!(share(eri_day_ok, not_capped) >= 0.99);
}

// ---------------------------------------------------------------------------------------------
// 4. Residuals
// ---------------------------------------------------------------------------------------------

fn refills(truth: &SimTruth) -> impl Iterator<Item = &VisitTruth> {
    truth.visits.iter().filter(|v| v.kind == VisitKind::Refill)
}

#[test]
#[allow(clippy::cast_precision_loss)]
fn check_4_refill_residuals() {
    let pop = population();
    let per_refill: Vec<f64> = pop
        .iter()
        .flat_map(|l| refills(&l.truth).filter_map(VisitTruth::discrepancy))
        .collect();
    let beyond = per_refill.iter().filter(|d| d.abs() > 0.05).count();
    let half_year = start() + Duration::milliseconds((YEAR_DAYS / 2.0 * DAY_MS as f64) as i64);
    let per_pump: Vec<f64> = pop
        .iter()
        .filter_map(|l| {
            let (mut off, mut programmed) = (0.0, 0.0);
            for v in refills(&l.truth).filter(|v| v.at <= half_year) {
                let measured = f64::from(v.measured_residual?.microliters) * 1000.0;
                off += v.expected_residual_nl as f64 - measured;
                programmed += v.programmed_volume_nl? as f64;
            }
            (programmed > 0.0).then(|| off / programmed)
        })
        .collect();
    let (m, s) = (mean(&per_refill), sd(&per_refill));
    let b = share(beyond, per_refill.len());
    eprintln!(
        "check 4 ({} pumps, {} refills): per refill mean {:+.2} % SD {:.2} % (p5 {:+.2} %, \
         p95 {:+.2} %, p1 {:+.2} %, p99 {:+.2} %), beyond ±5 % {:.1} %; six months per pump \
         ({} pumps) mean {:+.2} % SD {:.2} %",
        pop.len(),
        per_refill.len(),
        100.0 * m,
        100.0 * s,
        100.0 * quantile(&per_refill, 0.05),
        100.0 * quantile(&per_refill, 0.95),
        100.0 * quantile(&per_refill, 0.01),
        100.0 * quantile(&per_refill, 0.99),
        100.0 * b,
        per_pump.len(),
        100.0 * mean(&per_pump),
        100.0 * sd(&per_pump),
    );
    assert!((0.005..=0.025).contains(&m), "{m}");
    assert!((0.025..=0.045).contains(&s), "{s}");
    assert!((0.05..=0.20).contains(&b), "{b}");
    assert!((0.005..=0.015).contains(&mean(&per_pump)));
}

// ---------------------------------------------------------------------------------------------
// 5. Dosing
// ---------------------------------------------------------------------------------------------

#[test]
#[allow(clippy::cast_precision_loss)]
fn check_5_dosing() {
    let pop = population();
    let mut intervals = Vec::new();
    let mut too_long = 0;
    let mut morphine = Vec::new();
    let (mut refill_count, mut late) = (0, 0);
    for l in pop {
        let spec = DRUGS.iter().find(|s| s.drug == l.drug).expect("a drug");
        let fills: Vec<&VisitTruth> = l
            .truth
            .visits
            .iter()
            .filter(|v| matches!(v.kind, VisitKind::Implant | VisitKind::Refill))
            .collect();
        for w in fills.windows(2) {
            let days = (w[1].at - w[0].at).num_milliseconds() as f64 / DAY_MS as f64;
            intervals.push(days);
            if days > spec.max_interval_days + 22.0 {
                too_long += 1;
            }
        }
        for v in &l.truth.visits {
            let (dose, c) = (
                v.dose_after.micrograms_per_day,
                v.concentration_after.micrograms_per_milliliter,
            );
            assert!(
                (spec.bounds.0..=spec.bounds.1).contains(&dose),
                "seed {}: {dose} µg/day of {:?}",
                l.seed,
                l.drug
            );
            assert!(
                u64::from(dose) * 1000 >= u64::from(c) * 48,
                "seed {}: {dose} µg/day at {c} µg/mL is below 0.048 mL/day",
                l.seed
            );
        }
        for v in refills(&l.truth) {
            refill_count += 1;
            if v.late {
                late += 1;
            }
        }
        if l.drug == Drug::Morphine {
            let one_year = start() + Duration::days(365);
            let first = l.truth.visits[0].dose_after.micrograms_per_day;
            let at_one_year = l
                .truth
                .visits
                .iter()
                .take_while(|v| v.at <= one_year)
                .last()
                .map_or(first, |v| v.dose_after.micrograms_per_day);
            morphine.push(f64::from(at_one_year) / f64::from(first));
        }
    }
    let within = intervals
        .iter()
        .filter(|&&d| (21.0..=100.0).contains(&d))
        .count();
    let late_share = share(late, refill_count);
    eprintln!(
        "check 5 ({} pumps, {} intervals): {:.1} % within 21–100 days (p5 {:.0}, median {:.0}, \
         p95 {:.0}, max {:.0} days), {too_long} longer than the drug's maximum + 22; {:.1} % of \
         refills late; morphine dose at one year ×{:.2} median (p10 ×{:.2}, p90 ×{:.2}, {} \
         pumps)",
        pop.len(),
        intervals.len(),
        100.0 * share(within, intervals.len()),
        quantile(&intervals, 0.05),
        quantile(&intervals, 0.5),
        quantile(&intervals, 0.95),
        quantile(&intervals, 1.0),
        100.0 * late_share,
        quantile(&morphine, 0.5),
        quantile(&morphine, 0.1),
        quantile(&morphine, 0.9),
        morphine.len(),
    );
    assert!(share(within, intervals.len()) >= 0.95);
    assert_eq!(too_long, 0);
    assert!((0.10..=0.14).contains(&late_share), "{late_share}");
    assert!((1.5..=3.0).contains(&quantile(&morphine, 0.5)));
}

// ---------------------------------------------------------------------------------------------
// 6. Truth against report
// ---------------------------------------------------------------------------------------------

#[test]
fn check_6_the_drug_runs_out_before_the_report_says_so_and_nothing_shows() {
    let pop = population();
    let mut cases = 0;
    let mut replayed = false;
    for l in pop.iter().filter(|l| l.truth.bias > 0.0) {
        for out in &l.truth.ran_out {
            // The refill that ended it was late, and the pump still believed it had drug.
            let Some(refill) = l.truth.visits.iter().find(|v| Some(v.at) == out.until) else {
                continue;
            };
            if !refill.late || refill.expected_residual_nl == 0 {
                continue;
            }
            cases += 1;
            if replayed {
                continue;
            }
            replayed = true;
            let mut p = SimPump::new(config(l.seed, LinkProfile::None));
            p.set_subscribed(false);
            p.advance_to(out.from - Duration::seconds(1));
            let before = (
                p.history().count(),
                p.active_alarms().to_vec(),
                p.status_reading(),
            );
            assert!(p.truth().true_reservoir_nl > 0);
            p.advance_to(out.from + Duration::seconds(1));
            assert_eq!(p.truth().true_reservoir_nl, 0);
            let after = p.status_reading();
            assert_eq!(p.history().count(), before.0, "seed {}", l.seed);
            assert_eq!(p.active_alarms(), before.1.as_slice());
            assert_eq!(after.mode, before.2.mode);
            assert_eq!(after.battery, before.2.battery);
            assert!(after.reservoir_volume.microliters > 0);
            assert!(
                before.2.reservoir_volume.microliters - after.reservoir_volume.microliters <= 1
            );
        }
    }
    eprintln!(
        "check 6: {cases} late refills of over-delivering pumps found the drug run out while the \
         pump reported drug left"
    );
    assert!(cases > 0);
}

#[test]
fn check_6_an_ideal_pump_measures_what_it_estimates() {
    let mut refill_count = 0;
    let mut largest = 0_u64;
    for seed in 0..size(20, 200) {
        let mut c = config(seed, LinkProfile::None);
        c.ideal = true;
        let mut p = SimPump::new(c);
        p.set_subscribed(false);
        p.advance_to(start() + Duration::days(3 * 365));
        for v in refills(&p.truth()) {
            let measured = u64::from(v.measured_residual.expect("M").microliters) * 1000;
            let off = measured.abs_diff(v.expected_residual_nl);
            largest = largest.max(off);
            assert!(off <= 100_000, "seed {seed}: {off} nL");
            refill_count += 1;
        }
    }
    eprintln!("check 6 (ideal): {refill_count} refills, largest |M − expected| {largest} nL");
}

// ---------------------------------------------------------------------------------------------
// 7. U1
// ---------------------------------------------------------------------------------------------

#[test]
#[allow(clippy::cast_precision_loss)]
fn check_7_a_partial_occlusion_shows_in_residuals_not_alarms() {
    let seeds = size(100, 1_000);
    let (mut reached, mut shown, mut revised, mut due_revision) = (0, 0, 0, 0);
    for seed in 0..seeds {
        let mut c = config(seed, LinkProfile::None);
        c.unforeseen = Some(Unforeseen::CatheterOcclusion);
        let l = live(c);
        let base = live(config(seed, LinkProfile::None));
        // No alarm of its own: the faults raised are the same as without the occlusion.
        let until = l.eos().min(base.eos());
        let raised = |unforeseen: bool| -> Vec<(UtcDateTime, AlarmKind)> {
            let mut c = config(seed, LinkProfile::None);
            if unforeseen {
                c.unforeseen = Some(Unforeseen::CatheterOcclusion);
            }
            let mut p = SimPump::new(c);
            p.set_subscribed(false);
            p.advance_to(until);
            p.history()
                .filter_map(HistoryEvent::as_alarm)
                .filter(|a| {
                    a.state == AlarmState::Raised
                        && matches!(
                            a.kind,
                            AlarmKind::CatheterOcclusion
                                | AlarmKind::MotorStall
                                | AlarmKind::ClockError
                                | AlarmKind::PumpFault
                        )
                })
                .map(|a| (a.pump_time, a.kind))
                .collect()
        };
        let with = raised(true);
        let without = raised(false);
        assert_eq!(
            with.iter().map(|a| a.1).collect::<Vec<_>>(),
            without.iter().map(|a| a.1).collect::<Vec<_>>(),
            "seed {seed}"
        );
        let o = Occlusion::draw(seed);
        let floor_at = start() + Duration::days(o.onset_day + o.ramp_days - 1);
        let revision = l
            .truth
            .visits
            .iter()
            .find(|v| v.kind == VisitKind::Revision)
            .map(|v| v.at);
        let after: Vec<f64> = refills(&l.truth)
            .filter(|v| v.at >= floor_at && revision.is_none_or(|r| v.at < r))
            .take(2)
            .filter_map(|v| v.discrepancy().map(|d| -d))
            .collect();
        if after.len() == 2 && floor_at < l.eos() {
            reached += 1;
            if after.iter().any(|&d| d > 0.10) {
                shown += 1;
            }
        }
        // A revision follows two consecutive discrepant refills (when EOS leaves time for it).
        let pairs = refills(&l.truth)
            .collect::<Vec<_>>()
            .windows(2)
            .find(|w| w.iter().all(|v| v.discrepancy().is_some_and(|d| -d > 0.10)))
            .map(|w| w[1].at);
        if let Some(second) = pairs
            && second + Duration::days(o.revision_delay_days.ceil() as i64) < l.eos()
        {
            due_revision += 1;
            if revision.is_some_and(|r| r > second) {
                revised += 1;
            }
        }
    }
    eprintln!(
        "check 7 ({seeds} pumps): {reached} reached o_min with two refills after it; {shown} \
         ({:.1} %) showed a residual more than 10 % above the expected within those two; \
         {revised} of {due_revision} revised after two discrepant refills",
        100.0 * share(shown, reached),
    );
    // 0003a §5.4: not every pump (β + ε near +8 % with o_min near 0.85 under-delivers by less
    // than 10 %).
    assert!(share(shown, reached) >= 0.95);
    assert_eq!(revised, due_revision);
}
