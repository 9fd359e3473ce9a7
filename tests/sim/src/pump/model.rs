//! The simulated pump's world (decision 0003 §3, §5–§11): the state committed at the last event
//! and the closed forms that carry it to any later time.
//!
//! [`World::run_to`] processes every event with time ≤ `t` in time order (ties by the rank of
//! §3's table, then by creation order), each one committing the state computed in closed form
//! from the previous event. Observations evaluate the closed forms at `t` without committing, so
//! the state at any time is the same whatever steps reached it.

use std::collections::VecDeque;

use chrono::DateTime;
use thecal_core::model::{
    AlarmKind, BatteryIndicator, BatteryStatus, Concentration, DailyDose, Drug, EventSequence,
    HistoryDetail, InfusionMode, PumpKind, Refill, UtcDateTime, Volume,
};

use super::battery::{self, CAP_DAY, CLINIC_SESSION, ERI_TO_EOS_DAYS, LINK_SESSION, PER_ML, U_ERI};
use super::config::{LinkProfile, SimConfig};
use super::drugs::{self, DRUGS, DrugSpec, Phase};
use super::faults::FaultDraws;
use super::history::Log;
use super::implant::PumpDraws;
use super::schedule::{self, DAY_MS, FlexShape, HOUR_MS, PTM_BOLUS_MS, PTM_LOCKOUT_MS, Program};
use super::streams::{Draws, Stream};
use super::truth::{RanOut, SimTruth, VisitKind, VisitTruth};
use super::unforeseen::{Occlusion, Unforeseen};
use super::visits::{self, CassetteDraws, VisitDraws};

/// Why the pump is not infusing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The estimate reached 0 ("reservoir empty").
    Empty,
    /// End of service.
    EndOfService,
    /// A motor stall or an internal fault.
    Fault,
}

/// The events of §3's table, in rank order (ties go to the earlier variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    DayMark,
    Appointment,
    MidVisit,
    Revision,
    CassetteChange,
    BatteryReplacement,
    FlexBoundary,
    PtmStart,
    PtmEnd,
    Low,
    Empty,
    TrueEmpty,
    CellExhausted,
    Eri,
    Eos,
    Timer(usize),
    LinkOn,
    LinkOff,
}

/// An alarm or fault action due at a time (rank 7, in creation order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimerAction {
    Fault(FaultDraws),
    Clear(AlarmKind),
    Ack(AlarmKind),
}

#[derive(Debug, Clone, Copy)]
struct Timer {
    at: i64,
    action: TimerAction,
}

/// The external pump's battery and cassette (§10, 0003a §4).
#[derive(Debug, Clone)]
struct External {
    battery: u64,
    battery_start: i64,
    life_ms: i64,
    replace_after_ms: i64,
    ack_eri: Option<i64>,
    ack_eos: Option<i64>,
    eri_done: bool,
    eos_done: bool,
    replace_at: Option<i64>,
    cassette: u64,
    cassette_draws: CassetteDraws,
    change_at: Option<i64>,
}

impl External {
    #[allow(clippy::cast_possible_truncation)]
    fn battery(seed: u64, j: u64) -> (i64, i64, Option<i64>, Option<i64>) {
        let mut d = Draws::new(seed, Stream::ExtBattery, j);
        let life_h = d.uniform_in(240.0, 336.0);
        let replace_h = d.uniform_in(2.0, 30.0);
        let ack_eri = visits::ack(&mut d);
        let ack_eos = visits::ack(&mut d);
        (
            (life_h * 3_600_000.0).round() as i64,
            (replace_h * 3_600_000.0).round() as i64,
            ack_eri,
            ack_eos,
        )
    }

    fn eri_time(&self) -> i64 {
        self.battery_start + self.life_ms * 9 / 10
    }

    fn eos_time(&self) -> i64 {
        self.battery_start + self.life_ms
    }
}

/// Milliseconds since 1970 as a time.
pub(crate) fn at_ms(ms: i64) -> UtcDateTime {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The smallest Δ ≥ 0 (ms) with `floor(rate·Δ / day) ≥ from − to`, added to `te`.
fn crossing(te: i64, from: u64, to: u64, rate: u64) -> i64 {
    let need = u128::from(from.saturating_sub(to)) * 86_400_000;
    let delta = need.div_ceil(u128::from(rate.max(1)));
    te.saturating_add(i64::try_from(delta).unwrap_or(i64::MAX))
}

/// `floor(rate·Δ / day)`, nL.
fn delivered(rate: u64, delta_ms: i64) -> u64 {
    let delta = u128::try_from(delta_ms.max(0)).unwrap_or(0);
    u64::try_from(u128::from(rate) * delta / 86_400_000).unwrap_or(u64::MAX)
}

/// The simulated pump's whole state.
#[derive(Debug, Clone)]
pub(crate) struct World {
    // What the pump is (fixed at construction).
    seed: u64,
    kind: PumpKind,
    ideal: bool,
    t0: i64,
    capacity_nl: u64,
    low_nl: u64,
    offset_ms: i64,
    drug: Drug,
    spec: Option<&'static DrugSpec>,
    kappa: f64,
    bias: f64,
    target_days: f64,
    shape: FlexShape,
    ptm: bool,
    ptm_rate: f64,
    ptm_share: f64,
    drift_ppm: i64,
    link: LinkProfile,
    occlusion: Option<Occlusion>,
    fault_mean_days: f64,
    /// No more clinic visits and no new faults (a counterfactual copy).
    pub(crate) no_visits: bool,

    // Committed at `te`, and the rates that hold until the next event.
    te: i64,
    estimate_nl: u64,
    true_nl: u64,
    u: f64,
    rate: u64,
    true_rate: u64,
    drain_per_ms: f64,

    // Therapy.
    dose: u32,
    concentration: u32,
    flex: bool,
    stopped: Option<Stop>,
    scatter: f64,
    occlusion_factor: f64,
    revised: bool,
    discrepant_refills: u32,

    // Day marks and the battery.
    day: i64,
    battery_percent: u8,
    eri_due: Option<i64>,
    eos_due: Option<i64>,
    eri_at: Option<i64>,
    eri_from_cap: bool,
    eos_at: Option<i64>,

    // PTM boluses.
    ptm_pending: VecDeque<i64>,
    ptm_running: Vec<i64>,
    last_ptm: Option<i64>,

    // Visits.
    visit: u64,
    last_draws: Option<VisitDraws>,
    appointment: Option<i64>,
    late_next: bool,
    mid_visit: Option<i64>,
    revision_at: Option<i64>,
    last_fill_nl: u64,

    // Faults and other timed alarm actions.
    fault: u64,
    timers: Vec<Timer>,

    external: Option<External>,

    // The pump's clock: offset when last set, and when.
    clock_offset_ms: i64,
    clock_set_at: i64,

    // The phone link.
    connected: bool,
    next_hour: i64,
    session_end: Option<i64>,

    /// The pump's history and alarms.
    pub(crate) log: Log,

    // Truth only.
    ran_out: Vec<(i64, Option<i64>)>,
    visits: Vec<VisitTruth>,
}

impl World {
    /// The pump of `config` at its start, after the implant fill (visit 0).
    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn new(config: &SimConfig) -> Self {
        let t0 = config.start.timestamp_millis();
        let implanted = config.kind == PumpKind::Implanted;
        let p = PumpDraws::draw(config.seed, config.kind, config.ideal);
        let capacity_nl = u64::from(p.capacity_ml) * 1_000_000;
        let low_nl: u64 = if implanted { 2_000_000 } else { 10_000_000 };
        let usable_ml = (capacity_nl - low_nl) as f64 / 1e6;
        let (drug, spec, dose, concentration) = if implanted {
            let spec = &DRUGS[p.drug_index];
            let (c, d) =
                drugs::choose_concentration(spec, p.initial_dose, usable_ml, p.target_days);
            (spec.drug.clone(), Some(spec), d, c)
        } else {
            // Today's rule: the concentration whose cassette lasts closest to 25 days.
            let days = |c: u32| usable_ml / drugs::flow_ml_per_day(p.initial_dose, c);
            let c = if (days(1_000) - 25.0).abs() <= (days(2_000) - 25.0).abs() {
                1_000
            } else {
                2_000
            };
            (Drug::Morphine, None, p.initial_dose, c)
        };
        let occlusion = (implanted && config.unforeseen == Some(Unforeseen::CatheterOcclusion))
            .then(|| Occlusion::draw(config.seed));
        let mut w = Self {
            seed: config.seed,
            kind: config.kind,
            ideal: config.ideal,
            t0,
            capacity_nl,
            low_nl,
            offset_ms: p.offset_ms,
            drug,
            spec,
            kappa: p.kappa,
            bias: if implanted { p.bias } else { 0.0 },
            target_days: p.target_days,
            shape: p.shape,
            ptm: p.ptm,
            ptm_rate: p.ptm_rate,
            ptm_share: p.ptm_share,
            drift_ppm: p.drift_ppm,
            link: config.link,
            occlusion,
            fault_mean_days: if implanted { 900.0 } else { 120.0 },
            no_visits: false,
            te: t0,
            estimate_nl: capacity_nl,
            true_nl: capacity_nl,
            u: 0.0,
            rate: 0,
            true_rate: 0,
            drain_per_ms: 0.0,
            dose,
            concentration,
            flex: p.flex,
            stopped: None,
            scatter: 0.0,
            occlusion_factor: 1.0,
            revised: false,
            discrepant_refills: 0,
            day: 0,
            battery_percent: 100,
            eri_due: None,
            eos_due: None,
            eri_at: None,
            eri_from_cap: false,
            eos_at: None,
            ptm_pending: VecDeque::new(),
            ptm_running: Vec::new(),
            last_ptm: None,
            visit: 0,
            last_draws: None,
            appointment: None,
            late_next: false,
            mid_visit: None,
            revision_at: None,
            last_fill_nl: capacity_nl,
            fault: 0,
            timers: Vec::new(),
            external: None,
            clock_offset_ms: 0,
            clock_set_at: t0,
            connected: false,
            next_hour: (t0.div_euclid(HOUR_MS) + 1) * HOUR_MS,
            session_end: None,
            log: Log::new(config.history_capacity),
            ran_out: Vec::new(),
            visits: Vec::new(),
        };
        w.schedule_fault(t0);
        if implanted {
            w.implant_fill();
        } else {
            w.start_external();
        }
        w.update_rates();
        w
    }

    // -----------------------------------------------------------------------------------------
    // Stepping
    // -----------------------------------------------------------------------------------------

    /// Processes every event with time ≤ `t`.
    pub(crate) fn run_to(&mut self, t: i64) {
        while let Some((at, event)) = self.next_event() {
            if at > t {
                break;
            }
            self.commit(at);
            self.process(event);
            self.update_rates();
        }
    }

    /// Commits the closed forms at `t` (an event's time, or an input such as a link change at
    /// the present time, after every earlier event has been processed).
    fn commit(&mut self, t: i64) {
        let delta = t - self.te;
        if delta <= 0 {
            return;
        }
        self.estimate_nl = self.estimate_nl.saturating_sub(delivered(self.rate, delta));
        self.true_nl = self
            .true_nl
            .saturating_sub(delivered(self.true_rate, delta));
        #[allow(clippy::cast_precision_loss)]
        {
            self.u += self.drain_per_ms * delta as f64;
        }
        self.te = t;
    }

    /// Applies an input at `t` (the present, all earlier events processed): commits, runs
    /// `change`, and recomputes the rates.
    pub(crate) fn input_at(&mut self, t: i64, change: impl FnOnce(&mut Self)) {
        self.commit(t);
        change(self);
        self.update_rates();
    }

    fn program(&self) -> Program {
        Program {
            dose: self.dose,
            concentration: self.concentration,
            flex: self.flex.then_some(self.shape),
            ptm_share: self.ptm_share,
        }
    }

    /// Recomputes `R`, `Rt` and `dU/dt` for the segment that starts at `te`.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    fn update_rates(&mut self) {
        let t = self.te;
        self.rate = if self.stopped.is_none() {
            let flex_bolus = self.flex && self.shape.bolus_running(t, self.offset_ms);
            let ptm = u32::try_from(self.ptm_running.len()).unwrap_or(u32::MAX);
            self.program().rate_nl_per_day(flex_bolus, ptm)
        } else {
            0
        };
        let factor = (1.0 + self.bias + self.scatter) * self.occlusion_factor;
        self.true_rate = (self.rate as f64 * factor).round().max(0.0) as u64;
        self.drain_per_ms = if self.kind == PumpKind::Implanted && self.eos_at.is_none() {
            battery::drain_per_day(
                self.rate as f64 / 1e6,
                self.connected,
                !self.log.active().is_empty(),
                self.kappa,
            ) / DAY_MS as f64
        } else {
            0.0
        };
    }

    /// The next event and its time.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    fn next_event(&self) -> Option<(i64, Event)> {
        let mut best: Option<(i64, Event)> = None;
        let mut consider = |t: Option<i64>, e: Event| {
            if let Some(t) = t
                && best.is_none_or(|(b, _)| t < b)
            {
                best = Some((t, e));
            }
        };
        let implanted = self.kind == PumpKind::Implanted;
        let alive = self.eos_at.is_none();
        let te = self.te;
        // 1. Day marks.
        if implanted && alive {
            consider(Some(self.t0 + (self.day + 1) * DAY_MS), Event::DayMark);
        }
        // 2. Visits.
        if !self.no_visits && alive {
            consider(self.appointment, Event::Appointment);
            consider(self.mid_visit, Event::MidVisit);
            consider(self.revision_at, Event::Revision);
        }
        if let Some(ext) = &self.external {
            if !self.no_visits {
                consider(ext.change_at, Event::CassetteChange);
            }
            consider(ext.replace_at, Event::BatteryReplacement);
        }
        // 3. Flex segment boundaries.
        if self.flex && self.stopped.is_none() {
            consider(
                Some(self.shape.next_boundary(te, self.offset_ms)),
                Event::FlexBoundary,
            );
        }
        // 4. PTM boluses.
        consider(self.ptm_pending.front().copied(), Event::PtmStart);
        consider(
            self.ptm_running.iter().map(|s| s + PTM_BOLUS_MS).min(),
            Event::PtmEnd,
        );
        // 5. Threshold crossings.
        if !self.log.is_active(AlarmKind::ReservoirLow) {
            if self.estimate_nl <= self.low_nl {
                consider(Some(te), Event::Low);
            } else if self.rate > 0 {
                consider(
                    Some(crossing(te, self.estimate_nl, self.low_nl, self.rate)),
                    Event::Low,
                );
            }
        }
        if self.stopped.is_none() {
            if self.estimate_nl == 0 {
                consider(Some(te), Event::Empty);
            } else if self.rate > 0 {
                consider(
                    Some(crossing(te, self.estimate_nl, 0, self.rate)),
                    Event::Empty,
                );
            }
        }
        if self.true_nl > 0 && self.true_rate > 0 {
            consider(
                Some(crossing(te, self.true_nl, 0, self.true_rate)),
                Event::TrueEmpty,
            );
        }
        if implanted && alive && self.drain_per_ms > 0.0 {
            let left = 1.0 - self.u;
            let at = if left <= 0.0 {
                te
            } else {
                te.saturating_add((left / self.drain_per_ms).ceil().min(1e15) as i64)
            };
            consider(Some(at), Event::CellExhausted);
        }
        // 6. ERI and EOS.
        consider(self.eri_due, Event::Eri);
        consider(self.eos_due, Event::Eos);
        if let Some(ext) = &self.external {
            if !ext.eri_done {
                consider(Some(ext.eri_time()), Event::Eri);
            }
            if !ext.eos_done {
                consider(Some(ext.eos_time()), Event::Eos);
            }
        }
        // 7. Alarm and fault actions, in creation order.
        for (i, timer) in self.timers.iter().enumerate() {
            if self.no_visits && matches!(timer.action, TimerAction::Fault(_)) {
                continue;
            }
            consider(Some(timer.at), Event::Timer(i));
        }
        // 8. The phone link (profile A1).
        if self.link == LinkProfile::Hourly && implanted && alive {
            consider(self.session_end, Event::LinkOff);
            consider(Some(self.next_hour), Event::LinkOn);
        }
        best
    }

    fn process(&mut self, event: Event) {
        let t = self.te;
        match event {
            Event::DayMark => self.day_mark(),
            Event::Appointment => self.refill(),
            Event::MidVisit => self.mid_interval_visit(),
            Event::Revision => self.revision(),
            Event::CassetteChange => self.cassette_change(),
            Event::BatteryReplacement => self.battery_replacement(),
            Event::FlexBoundary => {}
            Event::PtmStart => {
                if let Some(start) = self.ptm_pending.pop_front() {
                    self.ptm_running.push(start);
                    self.u += LINK_SESSION / self.kappa;
                }
            }
            Event::PtmEnd => self.ptm_running.retain(|s| s + PTM_BOLUS_MS > t),
            Event::Low => {
                self.raise(AlarmKind::ReservoirLow);
                if let Some(ext) = &mut self.external {
                    if ext.change_at.is_none() {
                        ext.change_at = Some(t + ext.cassette_draws.delay_ms);
                    }
                    if let Some(after) = ext.cassette_draws.ack_low {
                        self.add_timer(t + after, TimerAction::Ack(AlarmKind::ReservoirLow));
                    }
                }
            }
            Event::Empty => {
                self.raise(AlarmKind::ReservoirEmpty);
                self.stopped = Some(Stop::Empty);
                if let Some(after) = self
                    .external
                    .as_ref()
                    .and_then(|e| e.cassette_draws.ack_empty)
                {
                    self.add_timer(t + after, TimerAction::Ack(AlarmKind::ReservoirEmpty));
                }
            }
            Event::TrueEmpty => {
                self.true_nl = 0;
                self.ran_out.push((t, None));
            }
            Event::CellExhausted => {
                if self.eri_at.is_none() {
                    self.eri_due = None;
                    self.eri_at = Some(t);
                    self.raise(AlarmKind::BatteryElectiveReplacement);
                }
                self.end_of_service();
            }
            Event::Eri => self.elective_replacement(),
            Event::Eos => self.end_of_service(),
            Event::Timer(i) => {
                let timer = self.timers.remove(i);
                self.timer(timer.action);
            }
            Event::LinkOn => {
                self.next_hour += HOUR_MS;
                self.session_end = Some(t + 60_000);
                self.connected = true;
                self.u += LINK_SESSION / self.kappa;
            }
            Event::LinkOff => {
                self.session_end = None;
                self.connected = false;
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Day marks and the battery
    // -----------------------------------------------------------------------------------------

    fn day_mark(&mut self) {
        let t = self.te;
        self.day += 1;
        let d = self.day;
        let mut draws = Draws::new(self.seed, Stream::Day, u64::try_from(d).unwrap_or(0));
        let jitter = draws.normal(0.0, 0.3);
        self.battery_percent = battery::reading(self.u, if self.ideal { 0.0 } else { jitter });
        if self.eri_at.is_none() && self.eri_due.is_none() && (self.u >= U_ERI || d >= CAP_DAY) {
            self.eri_due = Some(t);
            self.eri_from_cap = self.u < U_ERI;
        }
        let starts = schedule::ptm_starts(&mut draws, self.ptm_rate, t, self.offset_ms);
        if self.ptm {
            for start in starts {
                if self
                    .last_ptm
                    .is_none_or(|last| start - last >= PTM_LOCKOUT_MS)
                {
                    self.ptm_pending.push_back(start);
                    self.last_ptm = Some(start);
                }
            }
        }
        if let Some(o) = self.occlusion
            && !self.revised
        {
            self.occlusion_factor = o.factor(d);
        }
    }

    fn elective_replacement(&mut self) {
        let t = self.te;
        if let Some(ext) = &mut self.external {
            ext.eri_done = true;
            ext.replace_at = Some(t + ext.replace_after_ms);
            let ack = ext.ack_eri;
            self.raise_with_ack(AlarmKind::BatteryElectiveReplacement, ack);
            return;
        }
        self.eri_due = None;
        self.eri_at = Some(t);
        self.eos_due = Some(t + ERI_TO_EOS_DAYS * DAY_MS);
        self.raise(AlarmKind::BatteryElectiveReplacement);
    }

    fn end_of_service(&mut self) {
        let t = self.te;
        if let Some(ext) = &mut self.external {
            ext.eos_done = true;
            let ack = ext.ack_eos;
            self.raise_with_ack(AlarmKind::BatteryEndOfService, ack);
            self.stopped = Some(Stop::EndOfService);
            return;
        }
        self.eos_due = None;
        self.eos_at = Some(t);
        self.battery_percent = 0;
        self.raise(AlarmKind::BatteryEndOfService);
        self.stopped = Some(Stop::EndOfService);
        self.appointment = None;
        self.mid_visit = None;
        self.revision_at = None;
        self.ptm_pending.clear();
        self.ptm_running.clear();
    }

    // -----------------------------------------------------------------------------------------
    // Visits (§6.6, §8)
    // -----------------------------------------------------------------------------------------

    fn usable_ml(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let usable = (self.capacity_nl - self.low_nl) as f64 / 1e6;
        usable
    }

    #[allow(clippy::cast_precision_loss)]
    fn capacity_ml(&self) -> f64 {
        self.capacity_nl as f64 / 1e6
    }

    fn therapy_mode(&self) -> InfusionMode {
        if self.flex {
            InfusionMode::Flex
        } else {
            InfusionMode::Continuous
        }
    }

    fn refill_event(&self, measured: Volume) -> HistoryDetail {
        HistoryDetail::Refill {
            refill: Refill {
                volume_before: measured,
                volume_after: Volume::from_microliters(
                    u32::try_from(self.capacity_nl / 1000).unwrap_or(u32::MAX),
                ),
                drug: self.drug.clone(),
                concentration: Concentration {
                    micrograms_per_milliliter: self.concentration,
                },
                daily_dose: DailyDose {
                    micrograms_per_day: self.dose,
                },
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn visit_truth(
        &self,
        kind: VisitKind,
        expected: u64,
        true_before: u64,
        measured: Option<Volume>,
        programmed: Option<u64>,
        before: (u32, u32),
        late: bool,
    ) -> VisitTruth {
        VisitTruth {
            at: at_ms(self.te),
            kind,
            expected_residual_nl: expected,
            true_before_nl: true_before,
            measured_residual: measured,
            programmed_volume_nl: programmed,
            dose_before: DailyDose {
                micrograms_per_day: before.0,
            },
            dose_after: DailyDose {
                micrograms_per_day: self.dose,
            },
            concentration_before: Concentration {
                micrograms_per_milliliter: before.1,
            },
            concentration_after: Concentration {
                micrograms_per_milliliter: self.concentration,
            },
            late,
            next_refill_at: self.appointment.map(at_ms),
        }
    }

    /// Visit 0, the implant fill: §8.1 steps 5–8 with draws 5, 6 and 8–14 (0003a §2).
    fn implant_fill(&mut self) {
        let t = self.te;
        let draws = VisitDraws::draw(self.seed, 0, self.ideal);
        let capacity_ml = self.capacity_ml();
        self.true_nl = visits::ml_to_nl(capacity_ml + draws.fill_error_ml);
        self.estimate_nl = self.capacity_nl;
        self.last_fill_nl = self.capacity_nl;
        self.u += CLINIC_SESSION / self.kappa;
        self.record(self.refill_event(Volume::from_microliters(0)));
        // The catheter is primed with the new drug: the bridge bolus of a new concentration.
        self.bridge_bolus(draws.bridge_ml);
        self.scatter = draws.scatter;
        self.schedule_refill(t, &draws);
        let truth = self.visit_truth(
            VisitKind::Implant,
            0,
            0,
            Some(Volume::from_microliters(0)),
            None,
            (self.dose, self.concentration),
            false,
        );
        self.visits.push(truth);
    }

    /// A refill visit (§8.1).
    fn refill(&mut self) {
        let t = self.te;
        self.appointment = None;
        self.mid_visit = None;
        let Some(spec) = self.spec else { return };
        self.visit += 1;
        let draws = VisitDraws::draw(self.seed, self.visit, self.ideal);
        let expected = self.estimate_nl;
        let true_before = self.true_nl;
        let before = (self.dose, self.concentration);
        let flex_before = self.flex;
        // 1. Interrogate.
        self.u += CLINIC_SESSION / self.kappa;
        // 2. Set the clock.
        self.set_clock_if_needed();
        // 3. Withdraw and measure the residual.
        let left = visits::ml_to_nl(draws.left_ml).min(self.true_nl);
        let measured_ul = visits::measured_residual_ul(self.true_nl - left, draws.read_error_ml);
        self.true_nl = left;
        // 4. Titrate, and the concentration rule.
        let phase = if self.occluded() {
            Phase::Occluded
        } else if t - self.t0 < 365 * DAY_MS {
            Phase::FirstYear
        } else {
            Phase::Later
        };
        let mut dose = drugs::titrate(
            spec,
            self.dose,
            self.concentration,
            phase,
            draws.titration_x,
            draws.titration_step,
        );
        let mut concentration = self.concentration;
        if drugs::concentration_needs_review(dose, concentration, self.usable_ml()) {
            (concentration, dose) =
                drugs::choose_concentration(spec, dose, self.usable_ml(), self.target_days);
        }
        let flex = flex_before != draws.mode_switch;
        // 5. Fill.
        self.true_nl = left + visits::ml_to_nl(self.capacity_ml() + draws.fill_error_ml);
        self.estimate_nl = self.capacity_nl;
        if let Some(open) = self.ran_out.last_mut()
            && open.1.is_none()
        {
            open.1 = Some(t);
        }
        // 6. Program.
        let changed = (dose, concentration) != before || flex != flex_before;
        self.u += CLINIC_SESSION / self.kappa * if changed { 2.0 } else { 1.0 };
        self.dose = dose;
        self.concentration = concentration;
        self.flex = flex;
        let measured = Volume::from_microliters(measured_ul);
        self.record(self.refill_event(measured));
        if flex != flex_before {
            self.record(HistoryDetail::TherapyChanged {
                mode: self.therapy_mode(),
                daily_dose: DailyDose {
                    micrograms_per_day: dose,
                },
            });
        }
        // 7. Bridge bolus at a new concentration.
        if concentration != before.1 {
            self.bridge_bolus(draws.bridge_ml);
        }
        // 8. The new interval.
        self.scatter = draws.scatter;
        self.clear(AlarmKind::ReservoirLow);
        self.clear(AlarmKind::ReservoirEmpty);
        if self.stopped == Some(Stop::Empty) {
            self.stopped = None;
        }
        let programmed = self.last_fill_nl.saturating_sub(expected);
        self.last_fill_nl = self.capacity_nl;
        self.watch_for_occlusion(expected, measured_ul, programmed, t);
        let late = self.late_next;
        self.schedule_refill(t, &draws);
        let truth = self.visit_truth(
            VisitKind::Refill,
            expected,
            true_before,
            Some(measured),
            Some(programmed),
            before,
            late,
        );
        self.visits.push(truth);
    }

    /// Books the next refill at the end of a visit (§6.6).
    fn schedule_refill(&mut self, t: i64, draws: &VisitDraws) {
        let Some(spec) = self.spec else { return };
        let (planned, _) = visits::plan_next(
            t,
            self.estimate_nl,
            self.low_nl,
            self.program().daily_nl(),
            spec.max_interval_days,
            draws,
        );
        let mut at = visits::appointment(planned, draws.minute, self.offset_ms);
        while at <= t {
            at += DAY_MS;
        }
        self.appointment = Some(at);
        self.late_next = draws.late;
        self.last_draws = Some(*draws);
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let mid = t + (draws.mid_position * (at - t) as f64).round() as i64;
        self.mid_visit = draws.mid_visit.then_some(mid);
    }

    /// The mid-interval titration visit after visit k (§6.6; TITRATION stream k).
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    fn mid_interval_visit(&mut self) {
        let t = self.te;
        self.mid_visit = None;
        let Some(spec) = self.spec else { return };
        let (x, step) = visits::titration_draws(self.seed, self.visit);
        let before = (self.dose, self.concentration);
        self.u += CLINIC_SESSION / self.kappa;
        let phase = if t - self.t0 < 365 * DAY_MS {
            Phase::FirstYear
        } else {
            Phase::Later
        };
        let dose = drugs::titrate(spec, self.dose, self.concentration, phase, x, step);
        if dose != self.dose {
            self.u += CLINIC_SESSION / self.kappa;
            self.set_dose(dose);
            self.bring_refill_forward(t);
        }
        let truth = self.visit_truth(
            VisitKind::Titration,
            self.estimate_nl,
            self.true_nl,
            None,
            None,
            before,
            false,
        );
        self.visits.push(truth);
    }

    /// After a dose increase at `t`: the next refill appointment comes forward if the reservoir
    /// would now reach its low level before it (with the visit's margin), as in §6.6.
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    fn bring_refill_forward(&mut self, t: i64) {
        if let (Some(at), Some(draws)) = (self.appointment, self.last_draws) {
            let to_low_days = self.estimate_nl.saturating_sub(self.low_nl) as f64
                / self.program().daily_nl().max(1.0);
            let target = t + ((to_low_days - draws.margin_days) * DAY_MS as f64).round() as i64;
            if target < at {
                let moved = visits::same_minute_on_day_of(target, at, self.offset_ms);
                self.appointment = Some(moved.clamp(t + 1, at));
            }
        }
    }

    /// The bridge bolus (§8.1 step 7): E and V step down at the programmed/true ratio in force;
    /// the motor's energy is spent at once.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    fn bridge_bolus(&mut self, ml: f64) {
        let programmed = visits::ml_to_nl(ml);
        let factor = (1.0 + self.bias + self.scatter) * self.occlusion_factor;
        let true_volume = (programmed as f64 * factor).round().max(0.0) as u64;
        self.estimate_nl = self.estimate_nl.saturating_sub(programmed);
        self.true_nl = self.true_nl.saturating_sub(true_volume);
        self.u += PER_ML * ml / self.kappa;
    }

    fn set_clock_if_needed(&mut self) {
        let t = self.te;
        if (self.clock_ms(t) - t).abs() > 30_000 {
            let previous = self.pump_time(t);
            self.clock_offset_ms = 0;
            self.clock_set_at = t;
            self.record(HistoryDetail::ClockSet { previous });
        }
    }

    // -----------------------------------------------------------------------------------------
    // The unforeseen scenario U1 (§11)
    // -----------------------------------------------------------------------------------------

    fn occluded(&self) -> bool {
        self.occlusion.is_some() && !self.revised && self.occlusion_factor < 0.9
    }

    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    fn watch_for_occlusion(&mut self, expected: u64, measured_ul: u32, programmed: u64, t: i64) {
        let Some(o) = self.occlusion else { return };
        if programmed == 0 {
            return;
        }
        let measured_nl = f64::from(measured_ul) * 1000.0;
        let discrepancy = (measured_nl - expected as f64) / programmed as f64;
        if discrepancy > 0.10 {
            self.discrepant_refills += 1;
        } else {
            self.discrepant_refills = 0;
        }
        if self.discrepant_refills >= 2 && self.revision_at.is_none() {
            self.revision_at = Some(t + (o.revision_delay_days * DAY_MS as f64).round() as i64);
        }
    }

    /// A catheter revision: two clinic sessions, no refill; the occlusion is gone and the dose
    /// is cut.
    #[allow(clippy::cast_precision_loss)]
    fn revision(&mut self) {
        self.revision_at = None;
        let (Some(o), Some(spec)) = (self.occlusion, self.spec) else {
            return;
        };
        let before = (self.dose, self.concentration);
        self.u += 2.0 * CLINIC_SESSION / self.kappa;
        self.revised = true;
        self.occlusion_factor = 1.0;
        self.discrepant_refills = 0;
        let lowered = drugs::round_dose(f64::from(self.dose) * (1.0 - o.dose_cut));
        let dose = drugs::lower_within_limits(spec, self.dose, lowered, self.concentration);
        self.set_dose(dose);
        let truth = self.visit_truth(
            VisitKind::Revision,
            self.estimate_nl,
            self.true_nl,
            None,
            None,
            before,
            false,
        );
        self.visits.push(truth);
    }

    // -----------------------------------------------------------------------------------------
    // The external pump (§10)
    // -----------------------------------------------------------------------------------------

    fn start_external(&mut self) {
        let t = self.te;
        let (life_ms, replace_after_ms, ack_eri, ack_eos) = External::battery(self.seed, 0);
        let cassette_draws = CassetteDraws::draw(self.seed, 0, self.ideal);
        self.scatter = cassette_draws.scatter;
        self.external = Some(External {
            battery: 0,
            battery_start: t,
            life_ms,
            replace_after_ms,
            ack_eri,
            ack_eos,
            eri_done: false,
            eos_done: false,
            replace_at: None,
            cassette: 0,
            cassette_draws,
            change_at: None,
        });
        let truth = self.visit_truth(
            VisitKind::Implant,
            0,
            0,
            None,
            None,
            (self.dose, self.concentration),
            false,
        );
        self.visits.push(truth);
    }

    fn cassette_change(&mut self) {
        let t = self.te;
        let (seed, ideal) = (self.seed, self.ideal);
        let Some(ext) = &mut self.external else {
            return;
        };
        ext.change_at = None;
        ext.cassette += 1;
        let late = ext.cassette_draws.late;
        let draws = CassetteDraws::draw(seed, ext.cassette, ideal);
        ext.cassette_draws = draws;
        self.set_clock_if_needed();
        let expected = self.estimate_nl;
        let true_before = self.true_nl;
        let reported = Volume::from_microliters(u32::try_from(expected / 1000).unwrap_or(u32::MAX));
        self.record(self.refill_event(reported));
        self.estimate_nl = self.capacity_nl;
        self.true_nl = self.capacity_nl;
        if let Some(open) = self.ran_out.last_mut()
            && open.1.is_none()
        {
            open.1 = Some(t);
        }
        self.scatter = draws.scatter;
        self.clear(AlarmKind::ReservoirLow);
        self.clear(AlarmKind::ReservoirEmpty);
        if self.stopped == Some(Stop::Empty) {
            self.stopped = None;
        }
        let programmed = self.last_fill_nl.saturating_sub(expected);
        self.last_fill_nl = self.capacity_nl;
        let truth = self.visit_truth(
            VisitKind::Refill,
            expected,
            true_before,
            Some(reported),
            Some(programmed),
            (self.dose, self.concentration),
            late,
        );
        self.visits.push(truth);
    }

    fn battery_replacement(&mut self) {
        let t = self.te;
        let Some(ext) = &mut self.external else {
            return;
        };
        ext.battery += 1;
        let (life_ms, replace_after_ms, ack_eri, ack_eos) =
            External::battery(self.seed, ext.battery);
        ext.battery_start = t;
        ext.life_ms = life_ms;
        ext.replace_after_ms = replace_after_ms;
        ext.ack_eri = ack_eri;
        ext.ack_eos = ack_eos;
        ext.eri_done = false;
        ext.eos_done = false;
        ext.replace_at = None;
        self.record(HistoryDetail::BatteryReplaced { percent: 100 });
        self.clear(AlarmKind::BatteryElectiveReplacement);
        self.clear(AlarmKind::BatteryEndOfService);
        if self.stopped == Some(Stop::EndOfService) {
            self.stopped = None;
        }
    }

    // -----------------------------------------------------------------------------------------
    // Faults and alarms
    // -----------------------------------------------------------------------------------------

    fn add_timer(&mut self, at: i64, action: TimerAction) {
        self.timers.push(Timer { at, action });
    }

    fn schedule_fault(&mut self, from: i64) {
        let draws = FaultDraws::draw(self.seed, self.fault, self.fault_mean_days);
        self.fault += 1;
        self.add_timer(
            from.saturating_add(draws.after_ms),
            TimerAction::Fault(draws),
        );
    }

    fn timer(&mut self, action: TimerAction) {
        let t = self.te;
        match action {
            TimerAction::Fault(draws) => {
                if self.stopped != Some(Stop::EndOfService) {
                    let ack = if self.external.is_some() {
                        draws.ack_after_ms
                    } else {
                        None
                    };
                    self.raise_with_ack(draws.kind, ack);
                    if FaultDraws::stops(draws.kind) && self.stopped.is_none() {
                        self.stopped = Some(Stop::Fault);
                    }
                    self.add_timer(t + draws.clears_after_ms, TimerAction::Clear(draws.kind));
                }
                self.schedule_fault(t);
            }
            TimerAction::Clear(kind) => {
                self.clear(kind);
                self.resume_after_fault();
            }
            TimerAction::Ack(kind) => {
                let pump_time = self.pump_time(t);
                self.log.acknowledge(kind, pump_time);
            }
        }
    }

    /// Raises `kind` now and, if it was raised and `ack` is set, books its acknowledgement.
    fn raise_with_ack(&mut self, kind: AlarmKind, ack: Option<i64>) {
        if self.raise(kind)
            && let Some(after) = ack
        {
            self.add_timer(self.te + after, TimerAction::Ack(kind));
        }
    }

    /// Raises `kind` now (an injected alarm too); returns whether it was raised.
    pub(crate) fn raise(&mut self, kind: AlarmKind) -> bool {
        let pump_time = self.pump_time(self.te);
        self.log.raise(kind, pump_time)
    }

    /// Clears `kind` now and forgets its pending acknowledgement.
    pub(crate) fn clear(&mut self, kind: AlarmKind) {
        let pump_time = self.pump_time(self.te);
        if self.log.clear(kind, pump_time) {
            self.timers
                .retain(|timer| timer.action != TimerAction::Ack(kind));
        }
    }

    /// A stall or internal fault stops the motor until it clears.
    pub(crate) fn stop_for_fault(&mut self) {
        self.stopped.get_or_insert(Stop::Fault);
    }

    /// Resumes after a fault when no stopping fault is left.
    pub(crate) fn resume_after_fault(&mut self) {
        let still = self.log.active().iter().any(|(k, _)| FaultDraws::stops(*k));
        if self.stopped == Some(Stop::Fault) && !still {
            self.stopped = None;
        }
    }

    fn record(&mut self, detail: HistoryDetail) {
        let pump_time = self.pump_time(self.te);
        self.log.record(detail, pump_time);
    }

    /// Sets the dose now, logged as a therapy change when it changes (nothing else: the visits
    /// add their own sessions, and the model's checks compare lives that differ by the dose
    /// alone).
    pub(crate) fn set_dose(&mut self, dose: u32) {
        if dose != self.dose {
            self.dose = dose;
            self.record(HistoryDetail::TherapyChanged {
                mode: self.therapy_mode(),
                daily_dose: DailyDose {
                    micrograms_per_day: dose,
                },
            });
        }
    }

    /// Reprograms the dose now, as a clinic's programmer would outside a refill visit: one
    /// programmer session, the new dose, and (like a titration visit, §6.6) the next refill
    /// brought forward if the new dose would run the reservoir low before it.
    pub(crate) fn reprogram(&mut self, dose: u32) {
        if dose != self.dose {
            self.u += CLINIC_SESSION / self.kappa;
            self.set_dose(dose);
            self.bring_refill_forward(self.te);
        }
    }

    /// A phone connected or disconnected (profile [`LinkProfile::Caller`] only).
    pub(crate) fn set_link(&mut self, connected: bool) {
        if self.link != LinkProfile::Caller {
            return;
        }
        if connected && !self.connected && self.eos_at.is_none() {
            self.u += LINK_SESSION / self.kappa;
        }
        self.connected = connected;
    }

    // -----------------------------------------------------------------------------------------
    // Observation (never commits)
    // -----------------------------------------------------------------------------------------

    /// The pump clock at `t`: `t + offset + drift·(t − t_set)/10⁶`, ms.
    fn clock_ms(&self, t: i64) -> i64 {
        let drift = i128::from(self.drift_ppm) * i128::from(t - self.clock_set_at);
        t + self.clock_offset_ms + i64::try_from(drift.div_euclid(1_000_000)).unwrap_or(0)
    }

    /// The pump clock at `t`, as the profile carries it (whole seconds).
    pub(crate) fn pump_time(&self, t: i64) -> UtcDateTime {
        at_ms(self.clock_ms(t).div_euclid(1000) * 1000)
    }

    /// The pump clock at `t`, to the millisecond.
    pub(crate) fn pump_clock(&self, t: i64) -> UtcDateTime {
        at_ms(self.clock_ms(t))
    }

    /// The pump's estimate `E(t)`, nL.
    pub(crate) fn estimate_at(&self, t: i64) -> u64 {
        self.estimate_nl
            .saturating_sub(delivered(self.rate, t - self.te))
    }

    /// The true reservoir `V(t)`, nL.
    pub(crate) fn true_at(&self, t: i64) -> u64 {
        self.true_nl
            .saturating_sub(delivered(self.true_rate, t - self.te))
    }

    /// The depth of discharge `U(t)`.
    #[allow(clippy::cast_precision_loss)]
    pub(crate) fn u_at(&self, t: i64) -> f64 {
        self.u + self.drain_per_ms * (t - self.te).max(0) as f64
    }

    /// The reservoir capacity, nL.
    pub(crate) fn capacity_nl(&self) -> u64 {
        self.capacity_nl
    }

    /// The low-reservoir threshold, nL.
    pub(crate) fn low_nl(&self) -> u64 {
        self.low_nl
    }

    /// The drug.
    pub(crate) fn drug(&self) -> &Drug {
        &self.drug
    }

    /// The programmed daily dose, µg/day.
    pub(crate) fn dose(&self) -> u32 {
        self.dose
    }

    /// The concentration, µg/mL.
    pub(crate) fn concentration(&self) -> u32 {
        self.concentration
    }

    /// The infusion mode at `t`.
    pub(crate) fn mode_at(&self, t: i64) -> InfusionMode {
        if self.stopped.is_some() {
            return InfusionMode::Stopped;
        }
        let flex_bolus = self.flex && self.shape.bolus_running(t, self.offset_ms);
        if flex_bolus || !self.ptm_running.is_empty() {
            return InfusionMode::Bolus;
        }
        self.therapy_mode()
    }

    /// The battery as reported at `t`.
    pub(crate) fn battery_at(&self, t: i64) -> BatteryStatus {
        if let Some(ext) = &self.external {
            let indicator = if ext.eos_done {
                BatteryIndicator::EndOfService
            } else if ext.eri_done {
                BatteryIndicator::ElectiveReplacement
            } else {
                BatteryIndicator::Normal
            };
            return BatteryStatus {
                percent: battery::external_reading(t - ext.battery_start, ext.life_ms),
                indicator,
            };
        }
        let indicator = if self.eos_at.is_some() {
            BatteryIndicator::EndOfService
        } else if self.eri_at.is_some() {
            BatteryIndicator::ElectiveReplacement
        } else {
            BatteryIndicator::Normal
        };
        BatteryStatus {
            percent: if self.eos_at.is_some() {
                0
            } else {
                self.battery_percent
            },
            indicator,
        }
    }

    /// The active alarms.
    pub(crate) fn active_alarms(&self) -> &[(AlarmKind, EventSequence)] {
        self.log.active()
    }

    /// The truth at `t`.
    pub(crate) fn truth(&self, t: i64) -> SimTruth {
        SimTruth {
            at: at_ms(t),
            true_reservoir_nl: self.true_at(t),
            estimate_nl: self.estimate_at(t),
            bias: self.bias,
            interval_scatter: self.scatter,
            occlusion: self.occlusion_factor,
            cell_factor: self.kappa,
            depth_of_discharge: self.u_at(t),
            programmed_rate_nl_per_day: self.rate,
            eri_at: self.eri_at.map(at_ms),
            eri_from_cap: self.eri_from_cap,
            eos_at: self.eos_at.map(at_ms),
            ran_out: self
                .ran_out
                .iter()
                .map(|&(from, until)| RanOut {
                    from: at_ms(from),
                    until: until.map(at_ms),
                })
                .collect(),
            visits: self.visits.clone(),
        }
    }

    /// The first time at or after `from` (the present) at which, with no further visits and no
    /// new faults, the true reservoir (`truth`) or the estimate is at or below `nl`; `None` if
    /// not by `until`.
    pub(crate) fn first_at_or_below(
        &self,
        from: i64,
        until: i64,
        nl: u64,
        truth: bool,
    ) -> Option<i64> {
        let mut w = self.clone();
        w.no_visits = true;
        w.log.announce = false;
        let level = |w: &World, t: i64| {
            if truth {
                w.true_at(t)
            } else {
                w.estimate_at(t)
            }
        };
        if level(&w, from) <= nl {
            return Some(from);
        }
        loop {
            let next = w.next_event();
            let (committed, rate) = if truth {
                (w.true_nl, w.true_rate)
            } else {
                (w.estimate_nl, w.rate)
            };
            let segment_end = next.map_or(until, |(at, _)| at.min(until));
            if rate > 0 && committed > nl {
                let at = crossing(w.te, committed, nl, rate);
                if at <= segment_end {
                    return Some(at.max(from));
                }
            }
            match next {
                Some((at, event)) if at <= until => {
                    w.commit(at);
                    w.process(event);
                    w.update_rates();
                    if level(&w, at) <= nl {
                        return Some(at.max(from));
                    }
                }
                _ => return None,
            }
        }
    }
}
