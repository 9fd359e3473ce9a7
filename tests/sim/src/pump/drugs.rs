//! The clinic's side of dosing: the drugs table (decision 0003 §6.2), the concentration rule
//! (§6.3, amended by 0003a §1) and titration (§6.4, §11).

use thecal_core::model::Drug;

/// A refill interval shorter than this many days makes the clinic change concentration (P32).
pub(crate) const TOO_FREQUENT_DAYS: f64 = 28.0;

/// One row of the drugs table.
#[derive(Debug)]
pub(crate) struct DrugSpec {
    /// The drug.
    pub(crate) drug: Drug,
    /// Its weight in the mix, %.
    pub(crate) weight: f64,
    /// Concentrations offered, µg/mL, ascending.
    pub(crate) concentrations: &'static [u32],
    /// Initial dose range, µg/day (log-uniform).
    pub(crate) initial: (f64, f64),
    /// Dose bounds, µg/day.
    pub(crate) bounds: (u32, u32),
    /// Absolute steps (ziconotide: +1/+2, −1 µg/day) instead of relative ones.
    pub(crate) absolute_steps: bool,
    /// The longest refill interval, days.
    pub(crate) max_interval_days: f64,
    /// Whether a patient-activated bolus device is effective with it (§6.1, item 12).
    pub(crate) ptm_allowed: bool,
}

/// The table of §6.2, in the order of its weights.
pub(crate) static DRUGS: [DrugSpec; 6] = [
    DrugSpec {
        drug: Drug::Morphine,
        weight: 45.0,
        concentrations: &[5_000, 10_000, 15_000, 20_000, 25_000],
        initial: (500.0, 4_000.0),
        bounds: (100, 15_000),
        absolute_steps: false,
        max_interval_days: 90.0,
        ptm_allowed: true,
    },
    DrugSpec {
        drug: Drug::Hydromorphone,
        weight: 18.0,
        concentrations: &[2_000, 5_000, 10_000, 15_000],
        initial: (100.0, 1_000.0),
        bounds: (20, 10_000),
        absolute_steps: false,
        max_interval_days: 90.0,
        ptm_allowed: true,
    },
    DrugSpec {
        drug: Drug::Baclofen,
        weight: 22.0,
        concentrations: &[500, 1_000, 2_000],
        initial: (60.0, 250.0),
        bounds: (20, 1_500),
        absolute_steps: false,
        max_interval_days: 90.0,
        ptm_allowed: false,
    },
    DrugSpec {
        drug: Drug::Ziconotide,
        weight: 6.0,
        concentrations: &[25, 100],
        initial: (1.0, 2.0),
        bounds: (1, 19),
        absolute_steps: true,
        max_interval_days: 40.0,
        ptm_allowed: false,
    },
    DrugSpec {
        drug: Drug::Bupivacaine,
        weight: 5.0,
        concentrations: &[5_000, 10_000, 20_000, 30_000],
        initial: (1_000.0, 4_000.0),
        bounds: (500, 15_000),
        absolute_steps: false,
        max_interval_days: 90.0,
        ptm_allowed: true,
    },
    DrugSpec {
        drug: Drug::Clonidine,
        weight: 4.0,
        concentrations: &[500, 1_000],
        initial: (40.0, 100.0),
        bounds: (20, 600),
        absolute_steps: false,
        max_interval_days: 90.0,
        ptm_allowed: false,
    },
];

/// The weights of [`DRUGS`], for the weighted choice.
pub(crate) fn weights() -> [f64; 6] {
    DRUGS.each_ref().map(|d| d.weight)
}

/// Rounds a dose to 3 significant figures, whole µg/day, at least 1.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn round_dose(x: f64) -> u32 {
    if !x.is_finite() || x < 1.0 {
        return 1;
    }
    let digits = x.log10().floor() + 1.0;
    let rounded = if digits <= 3.0 {
        x.round()
    } else {
        let unit = 10_f64.powf(digits - 3.0);
        (x / unit).round() * unit
    };
    (rounded as u32).max(1)
}

/// Programmed flow `q = D/c`, mL/day.
pub(crate) fn flow_ml_per_day(dose: u32, concentration: u32) -> f64 {
    f64::from(dose) / f64::from(concentration.max(1))
}

/// The lowest whole dose that keeps `q ≥ q_min` at concentration `c`: `ceil(c·q_min)`.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn min_dose_at(concentration: u32) -> u32 {
    // The product is computed in thousandths so that 25 × 0.048 = 1.2 rounds up to 2, not to a
    // float just above an integer.
    let milli = u64::from(concentration) * 48;
    u32::try_from(milli.div_ceil(1000)).unwrap_or(u32::MAX)
}

/// Whether `q ≥ q_min` (the pump's minimum flow, 0.048 mL/day, P30), exactly:
/// `D·1000 ≥ c·48`.
pub(crate) fn above_min_flow(dose: u32, concentration: u32) -> bool {
    u64::from(dose) * 1000 >= u64::from(concentration) * 48
}

/// The clinic's choice of concentration (§6.3 with 0003a §1): the lowest offered one with
/// `q ≥ q_min` and `Vu/q ≥ min(T*, max interval)`; if none reaches the interval, the highest
/// offered one; if no offered concentration gives `q ≥ q_min` at this dose, the lowest offered
/// one, and the dose is raised to `ceil(c·q_min)`. Returns (concentration, dose).
pub(crate) fn choose_concentration(
    spec: &DrugSpec,
    dose: u32,
    usable_ml: f64,
    target_days: f64,
) -> (u32, u32) {
    let wanted = target_days.min(spec.max_interval_days);
    let lowest = spec.concentrations[0];
    let highest = spec.concentrations[spec.concentrations.len() - 1];
    if !spec.concentrations.iter().any(|&c| above_min_flow(dose, c)) {
        return (lowest, dose.max(min_dose_at(lowest)));
    }
    for &c in spec.concentrations {
        if above_min_flow(dose, c) && usable_ml / flow_ml_per_day(dose, c) >= wanted {
            return (c, dose);
        }
    }
    (highest, dose)
}

/// Whether the concentration rule runs at a refill: `Vu/q < 28` days or `q < q_min`.
pub(crate) fn concentration_needs_review(dose: u32, concentration: u32, usable_ml: f64) -> bool {
    !above_min_flow(dose, concentration)
        || usable_ml / flow_ml_per_day(dose, concentration) < TOO_FREQUENT_DAYS
}

/// Which titration row applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// The first 365 days after implant.
    FirstYear,
    /// Afterwards.
    Later,
    /// §11: a refill while the catheter is partly occluded (`o_d < 0.9`).
    Occluded,
}

/// Titrates `dose` with the draws `x` (decides) and `step` (sizes) (§6.4; §11 for
/// [`Phase::Occluded`]): rounded to 3 significant figures, clamped to the drug's bounds, and a
/// decrease stops at `ceil(c·q_min)`.
pub(crate) fn titrate(
    spec: &DrugSpec,
    dose: u32,
    concentration: u32,
    phase: Phase,
    x: f64,
    step: f64,
) -> u32 {
    let (p_up, p_down, up) = match phase {
        Phase::FirstYear => (0.70, 0.05, (0.10, 0.30)),
        Phase::Later => (0.30, 0.08, (0.05, 0.15)),
        Phase::Occluded => (0.80, 0.0, (0.10, 0.20)),
    };
    let down = (0.10, 0.20);
    if x < p_up {
        let raised = if spec.absolute_steps {
            dose + if step < 0.5 { 1 } else { 2 }
        } else {
            round_dose(f64::from(dose) * (1.0 + up.0 + (up.1 - up.0) * step))
        };
        raised.clamp(spec.bounds.0, spec.bounds.1)
    } else if x < p_up + p_down {
        let lowered = if spec.absolute_steps {
            dose.saturating_sub(1).max(1)
        } else {
            round_dose(f64::from(dose) * (1.0 - (down.0 + (down.1 - down.0) * step)))
        };
        lower_within_limits(spec, dose, lowered, concentration)
    } else {
        dose
    }
}

/// A lowered dose clamped to the drug's bounds, never below `ceil(c·q_min)` (nor above the dose
/// it lowers).
pub(crate) fn lower_within_limits(
    spec: &DrugSpec,
    dose: u32,
    lowered: u32,
    concentration: u32,
) -> u32 {
    lowered
        .clamp(spec.bounds.0, spec.bounds.1)
        .max(min_dose_at(concentration))
        .min(dose.max(min_dose_at(concentration)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doses_round_to_three_significant_figures() {
        assert_eq!(round_dose(1_234.5), 1_230);
        assert_eq!(round_dose(12_345.0), 12_300);
        assert_eq!(round_dose(999.6), 1_000);
        assert_eq!(round_dose(87.4), 87);
        assert_eq!(round_dose(1.49), 1);
        assert_eq!(round_dose(0.2), 1);
    }

    #[test]
    fn the_weights_add_up_to_one_hundred() {
        assert!((weights().iter().sum::<f64>() - 100.0).abs() < 1e-9);
    }

    #[test]
    fn the_minimum_flow_is_exact() {
        assert_eq!(min_dose_at(25), 2);
        assert_eq!(min_dose_at(25_000), 1_200);
        assert!(above_min_flow(1_200, 25_000));
        assert!(!above_min_flow(1_199, 25_000));
    }

    #[test]
    fn the_lowest_concentration_that_lasts_is_chosen() {
        let morphine = &DRUGS[0];
        // 2 mg/day in 18 mL usable: 5 mg/mL lasts 45 days, enough for a 40-day target.
        assert_eq!(
            choose_concentration(morphine, 2_000, 18.0, 40.0),
            (5_000, 2_000)
        );
        // 60 days needs 10 mg/mL (90 days).
        assert_eq!(
            choose_concentration(morphine, 2_000, 18.0, 60.0),
            (10_000, 2_000)
        );
        // Nothing lasts: the highest.
        assert_eq!(
            choose_concentration(morphine, 15_000, 18.0, 80.0),
            (25_000, 15_000)
        );
        // Ziconotide at 1 µg/day is below the pump's minimum flow at every concentration.
        let ziconotide = &DRUGS[3];
        assert_eq!(choose_concentration(ziconotide, 1, 18.0, 40.0), (25, 2));
    }

    #[test]
    fn titration_follows_its_rows() {
        let morphine = &DRUGS[0];
        assert_eq!(
            titrate(morphine, 1_000, 5_000, Phase::FirstYear, 0.1, 0.5),
            1_200
        );
        assert_eq!(
            titrate(morphine, 1_000, 5_000, Phase::FirstYear, 0.72, 0.5),
            850
        );
        assert_eq!(
            titrate(morphine, 1_000, 5_000, Phase::FirstYear, 0.9, 0.5),
            1_000
        );
        assert_eq!(
            titrate(morphine, 1_000, 5_000, Phase::Later, 0.35, 0.0),
            900
        );
        // A decrease stops at the minimum flow: 25 mg/mL × 0.048 mL/day = 1 200 µg/day.
        assert_eq!(
            titrate(morphine, 1_300, 25_000, Phase::Later, 0.35, 1.0),
            1_200
        );
        // Occluded: up with probability 0.8, never down.
        assert_eq!(
            titrate(morphine, 1_000, 5_000, Phase::Occluded, 0.79, 0.0),
            1_100
        );
        assert_eq!(
            titrate(morphine, 1_000, 5_000, Phase::Occluded, 0.81, 0.0),
            1_000
        );
        let ziconotide = &DRUGS[3];
        assert_eq!(titrate(ziconotide, 5, 100, Phase::Later, 0.1, 0.4), 6);
        assert_eq!(titrate(ziconotide, 5, 100, Phase::Later, 0.1, 0.6), 7);
        assert_eq!(titrate(ziconotide, 5, 25, Phase::Later, 0.32, 0.6), 4);
        assert_eq!(titrate(ziconotide, 19, 25, Phase::Later, 0.1, 0.6), 19);
    }
}
