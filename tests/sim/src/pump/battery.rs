//! The implanted pump's primary cell (decision 0003 §9): drain, gauge, daily reading, ERI and EOS
//! limits; and the external pump's replaceable battery (§10).
//!
//! Every rate is a fraction of the nominal capacity `C_nom = 2 000 mAh` per day; the cell's own
//! capacity is `κ·C_nom`, so each rate is divided by κ.

/// Depth of discharge at ERI, `u_eri` (P6).
pub(crate) const U_ERI: f64 = 0.92;

/// ERI is forced at the first day mark with `d ≥` this (P5: 7 × 365.25 − 90).
pub(crate) const CAP_DAY: i64 = 2_466;

/// Days from ERI to EOS unless the cell is exhausted first (P7).
pub(crate) const ERI_TO_EOS_DAYS: i64 = 90;

const YEAR_DAYS: f64 = 365.25;
const L_MIN_YEARS: f64 = 7.5;
const L_1_YEARS: f64 = 3.2;
const Q_MIN: f64 = 0.048;
const D0: f64 = U_ERI / (L_MIN_YEARS * YEAR_DAYS);
const D1: f64 = U_ERI / (L_1_YEARS * YEAR_DAYS);

/// Drain per mL the motor moves, `a` (P3), fraction of `C_nom`.
pub(crate) const PER_ML: f64 = (D1 - D0) / (1.0 - Q_MIN);

/// Baseline drain per day, `b` (P3), fraction of `C_nom`.
pub(crate) const BASELINE_PER_DAY: f64 = D0 - Q_MIN * PER_ML;

/// `C_nom` in µAh (P4).
const C_NOM_UAH: f64 = 2_000_000.0;

/// A clinic telemetry session, `s_clinic = 20 µAh` (P9).
pub(crate) const CLINIC_SESSION: f64 = 20.0 / C_NOM_UAH;

/// A phone-link or PTM session, `s_link = 2 µAh` (P10).
pub(crate) const LINK_SESSION: f64 = 2.0 / C_NOM_UAH;

/// A held connection, `h_c = 1 µA`, per day (P10).
pub(crate) const CONNECTED_PER_DAY: f64 = 24.0 / C_NOM_UAH;

/// An audible alarm, `h_al = 5 µA`, per day (P11).
pub(crate) const ALARM_PER_DAY: f64 = 5.0 * 24.0 / C_NOM_UAH;

/// `dU/dt` in fraction per day (§9.2): `[b + a·R + h_c·link + h_al·alarm] / κ`, with `R` the
/// programmed motor rate in mL/day (boluses included; 0 while the motor is stopped).
pub(crate) fn drain_per_day(motor_ml_per_day: f64, linked: bool, alarm: bool, kappa: f64) -> f64 {
    let mut rate = BASELINE_PER_DAY + PER_ML * motor_ml_per_day;
    if linked {
        rate += CONNECTED_PER_DAY;
    }
    if alarm {
        rate += ALARM_PER_DAY;
    }
    rate / kappa
}

/// The true gauge value `G(U)` (§9.3), in percent: 100 → 8 at `u_eri`, then linear to 0 at 1.
pub(crate) fn gauge(u: f64) -> f64 {
    if u <= U_ERI {
        let x = u / U_ERI;
        let h = 0.05 * (1.0 - (-x / 0.02).exp()) / (1.0 - (-50.0_f64).exp())
            + 0.55 * x
            + 0.40 * x.powi(5);
        100.0 - 92.0 * h
    } else {
        8.0 * (1.0 - u) / (1.0 - U_ERI)
    }
}

/// The reported Battery Level at a day mark: `clamp(floor(G(U) + η), 0, 100)` (§9.3).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn reading(u: f64, jitter: f64) -> u8 {
    (gauge(u) + jitter).floor().clamp(0.0, 100.0) as u8
}

/// The external pump's battery reading: linear in charge, `floor(100·(1 − used/life))` (§10).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub(crate) fn external_reading(used_ms: i64, life_ms: i64) -> u8 {
    if used_ms <= 0 {
        return 100;
    }
    if used_ms >= life_ms {
        return 0;
    }
    // Integer arithmetic: exact at the 10 % indicator.
    let left = i128::from(life_ms - used_ms) * 100 / i128::from(life_ms.max(1));
    u8::try_from(left).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drain_parameters_match_the_record() {
        assert!((PER_ML - 4.7404e-4).abs() < 5e-8, "{PER_ML}");
        assert!(
            (BASELINE_PER_DAY - 3.1309e-4).abs() < 5e-8,
            "{BASELINE_PER_DAY}"
        );
        // ≈ 26.1 µA.
        let ua = BASELINE_PER_DAY * C_NOM_UAH / 24.0;
        assert!((ua - 26.1).abs() < 0.05, "{ua}");
        // Life to ERI at a constant flow, nominal cell (§9.2's list).
        for (flow, years) in [(0.1, 7.0), (0.3, 5.5), (0.5, 4.6), (1.0, 3.2), (1.5, 2.5)] {
            let life = U_ERI / drain_per_day(flow, false, false, 1.0) / YEAR_DAYS;
            assert!((life - years).abs() < 0.06, "{flow} mL/day: {life} years");
        }
    }

    #[test]
    fn the_gauge_has_a_drop_a_plateau_and_a_knee() {
        for (u, g) in [
            (0.0, 100.0),
            (0.02, 95.9),
            (0.10, 90.0),
            (0.50, 66.0),
            (0.80, 33.0),
            (0.90, 13.0),
            (0.92, 8.0),
            (1.0, 0.0),
        ] {
            assert!((gauge(u) - g).abs() < 0.6, "G({u}) = {}", gauge(u));
        }
        assert_eq!(reading(0.0, 0.0), 100);
        assert_eq!(reading(0.0, 0.4), 100);
        assert_eq!(reading(1.2, 0.0), 0);
    }

    #[test]
    fn the_external_reading_is_linear() {
        assert_eq!(external_reading(0, 1000), 100);
        assert_eq!(external_reading(1, 1000), 99);
        assert_eq!(external_reading(900, 1000), 10);
        assert_eq!(external_reading(1000, 1000), 0);
    }
}
