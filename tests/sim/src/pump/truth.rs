//! What the simulation knows and the app never sees (decision 0003 §1, "truth"): used only to
//! score forecasts and to check the model. Nothing here is reachable over the GATT profile, and
//! nothing in the app may depend on it.

use thecal_core::model::{Concentration, DailyDose, UtcDateTime, Volume};

/// A snapshot of the simulated pump's hidden state at [`SimTruth::at`].
///
/// **Never reachable by the app**: it exists for backtests and tests that score what the app
/// inferred from the profile against what really happened.
#[derive(Debug, Clone, PartialEq)]
pub struct SimTruth {
    /// The time of the snapshot (the pump's `now`).
    pub at: UtcDateTime,
    /// The true reservoir volume `V`, nL (what a syringe would find if nothing were left
    /// behind).
    pub true_reservoir_nl: u64,
    /// The pump's own estimate `E`, nL (it reports `floor(E / 1000)` µL).
    pub estimate_nl: u64,
    /// The pump's bias β (its whole life): the true flow is `R·(1 + β + ε)·o`.
    pub bias: f64,
    /// The current refill interval's scatter ε.
    pub interval_scatter: f64,
    /// The catheter occlusion factor `o` of today (1 outside the unforeseen scenario).
    pub occlusion: f64,
    /// The cell's capacity factor κ.
    pub cell_factor: f64,
    /// The cell's depth of discharge `U` (0 new, 1 exhausted).
    pub depth_of_discharge: f64,
    /// The programmed motor rate `R` now, nL/day (0 while stopped).
    pub programmed_rate_nl_per_day: u64,
    /// When ERI was raised, once it has been.
    pub eri_at: Option<UtcDateTime>,
    /// Whether that ERI came from the 7-year service-life cap rather than the cell.
    pub eri_from_cap: bool,
    /// When EOS came (infusion stopped for good), once it has.
    pub eos_at: Option<UtcDateTime>,
    /// Every interval in which the drug had run out (true reservoir at 0) while the pump kept
    /// running, oldest first.
    pub ran_out: Vec<RanOut>,
    /// Every clinic visit so far, oldest first (the implant fill first).
    pub visits: Vec<VisitTruth>,
}

/// An interval in which the true reservoir was empty: the patient got no drug, and no report
/// changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RanOut {
    /// When the true reservoir reached 0.
    pub from: UtcDateTime,
    /// When drug reached the reservoir again (the next refill), if it has.
    pub until: Option<UtcDateTime>,
}

/// What kind of clinic visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VisitKind {
    /// The first fill, at implant (visit 0).
    Implant,
    /// A refill (the clinic withdraws and measures the residual, then fills).
    Refill,
    /// A mid-interval titration visit (no refill).
    Titration,
    /// A catheter revision (the unforeseen scenario only; no refill).
    Revision,
}

/// One clinic visit as it really happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VisitTruth {
    /// When.
    pub at: UtcDateTime,
    /// What kind.
    pub kind: VisitKind,
    /// The pump's estimate just before the visit, nL: the expected residual at a refill.
    pub expected_residual_nl: u64,
    /// The true volume just before the visit, nL.
    pub true_before_nl: u64,
    /// The measured residual `M` (a refill only): what the history's Refill event carries as
    /// `volume_before`, a multiple of 100 µL.
    pub measured_residual: Option<Volume>,
    /// The programmed volume of the interval that ended (a refill only): the previous fill
    /// minus the expected residual, nL, what the pump believes it delivered.
    pub programmed_volume_nl: Option<u64>,
    /// The daily dose before the visit.
    pub dose_before: DailyDose,
    /// The daily dose after it.
    pub dose_after: DailyDose,
    /// The concentration before the visit.
    pub concentration_before: Concentration,
    /// The concentration after it.
    pub concentration_after: Concentration,
    /// Whether this refill came late (booked after the estimated low date, §6.6).
    pub late: bool,
    /// The refill appointment booked at the end of this visit (implant and refills; a
    /// mid-interval visit may bring it forward), if any.
    pub next_refill_at: Option<UtcDateTime>,
}

impl VisitTruth {
    /// The clinic's measured discrepancy `(expected − M) / programmed volume` (§8.2): positive
    /// when more left the reservoir than programmed. `None` except for refills.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn discrepancy(&self) -> Option<f64> {
        let measured = f64::from(self.measured_residual?.microliters) * 1000.0;
        let programmed = self.programmed_volume_nl? as f64;
        (programmed > 0.0).then(|| (self.expected_residual_nl as f64 - measured) / programmed)
    }
}
