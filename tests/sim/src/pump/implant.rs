//! The pump at implant (decision 0003 §6.1): the fifteen draws of the PUMP stream, in order,
//! and the external pump's reading of the same draws (0003a §4).

use thecal_core::model::PumpKind;

use super::drugs::{self, DRUGS};
use super::schedule::{FlexShape, HOUR_MS};
use super::streams::{Draws, Stream};

/// The pump's local offsets from UTC, hours (P40).
const OFFSETS_H: [i64; 7] = [-8, -7, -6, -5, 0, 1, 2];

/// Everything the PUMP stream decides.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PumpDraws {
    /// 1. Reservoir capacity, mL (the external pump: always 100).
    pub(crate) capacity_ml: u32,
    /// 2. The drug: an index into [`DRUGS`] (implanted).
    pub(crate) drug_index: usize,
    /// 3. Initial dose D₀, µg/day, rounded.
    pub(crate) initial_dose: u32,
    /// 4. Cell factor κ.
    pub(crate) kappa: f64,
    /// 5. Pump bias β.
    pub(crate) bias: f64,
    /// 6. Target refill interval T*, days.
    pub(crate) target_days: f64,
    /// 7. Local offset z, ms.
    pub(crate) offset_ms: i64,
    /// 8. Whether the flex schedule runs.
    pub(crate) flex: bool,
    /// 9–11. The flex schedule's shape (drawn for every pump).
    pub(crate) shape: FlexShape,
    /// 12. Whether the pump has a PTM (effective only for some drugs).
    pub(crate) ptm: bool,
    /// 13. PTM boluses per day λ.
    pub(crate) ptm_rate: f64,
    /// 14. PTM bolus size ρ, share of D.
    pub(crate) ptm_share: f64,
    /// 15. Clock drift, ppm.
    pub(crate) drift_ppm: i64,
}

impl PumpDraws {
    /// The draws of pump `seed` of `kind`; `ideal` zeroes β.
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn draw(seed: u64, kind: PumpKind, ideal: bool) -> Self {
        let mut d = Draws::new(seed, Stream::Pump, 0);
        let implanted = kind == PumpKind::Implanted;
        let capacity_ml = if d.uniform() < 0.5 { 20 } else { 40 };
        // Item 2: the weighted choice (the external pump: morphine, 0003a §4).
        let drug_index = d.weighted(&drugs::weights());
        // Item 3: log-uniform over the drug's range, or (external) today's 2–6 mg/day of
        // morphine in steps of 0.1 mg.
        let initial_dose = if implanted {
            let (lo, hi) = DRUGS[drug_index].initial;
            drugs::round_dose(d.log_uniform(lo, hi))
        } else {
            drugs::round_dose(((2_000.0 + 4_000.0 * d.uniform()) / 100.0).round() * 100.0)
        };
        let kappa = d.clamped_normal(1.0, 0.04, 0.90, 1.10);
        let bias = d.clamped_normal(0.010, 0.015, -0.04, 0.06);
        let target_days = d.uniform_in(30.0, 80.0);
        let offset_ms = OFFSETS_H[d.choice(OFFSETS_H.len())] * HOUR_MS;
        let flex = d.uniform() < 0.25;
        let shape = FlexShape {
            basal_share: [0.5, 0.6, 0.7][d.choice(3)],
            boluses_per_day: [2, 3, 4][d.choice(3)],
            bolus_minutes: [15, 30, 60][d.choice(3)],
        };
        let ptm = d.uniform() < 0.15;
        let ptm_rate = d.uniform_in(0.5, 2.5);
        let ptm_share = d.uniform_in(0.03, 0.10);
        let drift_ppm = (41.0 * d.uniform()).floor() as i64 - 20;
        Self {
            capacity_ml: if implanted { capacity_ml } else { 100 },
            drug_index,
            initial_dose,
            kappa,
            bias: if ideal { 0.0 } else { bias },
            target_days,
            offset_ms,
            flex,
            shape,
            ptm: ptm && implanted && DRUGS[drug_index].ptm_allowed,
            ptm_rate,
            ptm_share,
            drift_ppm,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_draws_cover_their_ranges() {
        let mut drugs_seen = [0_u32; 6];
        let mut forty = 0;
        for seed in 0..2_000 {
            let p = PumpDraws::draw(seed, PumpKind::Implanted, false);
            drugs_seen[p.drug_index] += 1;
            if p.capacity_ml == 40 {
                forty += 1;
            }
            let spec = &DRUGS[p.drug_index];
            assert!(p.initial_dose >= spec.bounds.0 && p.initial_dose <= spec.bounds.1);
            assert!((0.9..=1.1).contains(&p.kappa));
            assert!((-0.04..=0.06).contains(&p.bias));
            assert!((-20..=20).contains(&p.drift_ppm));
            assert!(!p.ptm || spec.ptm_allowed);
        }
        // Morphine about 45 %, ziconotide about 6 %.
        assert!((800..1_000).contains(&drugs_seen[0]), "{drugs_seen:?}");
        assert!((80..170).contains(&drugs_seen[3]), "{drugs_seen:?}");
        assert!((900..1_100).contains(&forty));
        let e = PumpDraws::draw(1, PumpKind::External, false);
        assert_eq!(e.capacity_ml, 100);
        assert!(!e.ptm);
    }
}
