//! The forecasts against the simulated pump's ground truth (decision 0003): the true day the
//! reservoir is low, the true ERI day, which the app never sees. The forecasters were tuned on
//! the patients of `TUNING_SEED`; these patients come from the held-out seed.

use chrono::Duration;

use thecal_core::model::{DailyDose, UtcDateTime};
use thecal_core::therapy::{BatteryForecast, IMPLANTED_DELIVERY, ReservoirForecast};
use thecal_sim::backtest::{DEFAULT_SEED, PatientApp, implant_time, patient_seed, true_eri};
use thecal_sim::pump::{SimConfig, SimFault, SimPump};

fn days(a: UtcDateTime, b: UtcDateTime) -> f64 {
    (b - a).num_milliseconds() as f64 / 86_400_000.0
}

/// Held-out patient `i`'s pump.
fn pump(i: u32) -> SimPump {
    SimPump::new(SimConfig::implanted(
        patient_seed(DEFAULT_SEED, i),
        implant_time(),
    ))
}

/// What a reservoir forecast 14 days before the true low day said, and the truth.
struct LowDay {
    forecast: ReservoirForecast,
    truth: UtcDateTime,
    made_at: UtcDateTime,
    bias: f64,
}

/// Lives `app` until it has seen `refills` refills, then forecasts on the first day the reservoir
/// is really at most 14 days from its low threshold.
fn low_day_after(mut app: PatientApp, refills: usize) -> LowDay {
    let low_nl = u64::from(app.low_threshold().microliters) * 1000;
    let mut found: Option<LowDay> = None;
    app.live_days(3 * 365, |day| {
        if found.is_some() || day.refills < refills {
            return Ok(());
        }
        if let Some(truth) = day
            .sim
            .when_true_volume_reaches(low_nl, day.at + Duration::days(14))
            .filter(|t| *t > day.at)
        {
            found = Some(LowDay {
                forecast: day.forecasts()?.0,
                truth,
                made_at: day.at,
                bias: day.sim.truth().bias,
            });
        }
        Ok(())
    })
    .expect("the simulated patient's store works");
    found.expect("the reservoir runs low after the refills")
}

#[test]
fn a_pump_that_delivers_more_than_it_counts_is_learned_from_its_refills() {
    // The first three held-out pumps that deliver at least 3 % more than they count (the pump's
    // bias; each refill interval adds its own scatter).
    let drifting: Vec<u32> = (0..400)
        .filter(|&i| pump(i).truth().bias >= 0.03)
        .take(3)
        .collect();
    assert_eq!(drifting.len(), 3, "the model draws such pumps");
    let (mut forecast_error, mut count_error, mut inside) = (0.0, 0.0, 0);
    for i in drifting {
        let low = low_day_after(PatientApp::new(pump(i)).unwrap(), 6);
        let f = &low.forecast;
        // Learned from at least five measured refills, nearer the pump's truth than the class's
        // average it started from.
        assert!(f.refills_learned_from >= 5, "{}", f.refills_learned_from);
        let learned = f.delivery_excess_percent / 100.0;
        assert!(
            (learned - low.bias).abs() < (IMPLANTED_DELIVERY.mean - low.bias).abs(),
            "pump {i}: learned {learned:.4}, truth {:.4}",
            low.bias
        );
        // The pump's own count runs late: its alarm comes after the reservoir is really low.
        let alarm = f.pump_alarm_at.expect("the pump is counting down");
        assert!(alarm > low.truth, "pump {i}: its count is behind the truth");
        let range = f.low.expect("a low date");
        forecast_error += days(low.truth, range.expected).abs();
        count_error += days(low.truth, alarm).abs();
        inside += usize::from(range.contains(low.truth));
        assert!(low.truth > low.made_at);
    }
    assert!(
        forecast_error < count_error,
        "the forecast ({forecast_error:.2} d in all) is nearer the true low days than the pump's \
         own count ({count_error:.2} d)"
    );
    assert!(
        inside >= 2,
        "{inside} of 3 true low days inside the 80 % ranges"
    );
}

/// The battery forecast `ahead` days before the true ERI of `app`'s pump, and that ERI.
fn eri_forecast_ahead(app: &mut PatientApp, eri: UtcDateTime, ahead: i64) -> BatteryForecast {
    app.live_until(eri - Duration::days(ahead))
        .expect("the simulated patient's store works");
    app.forecasts().expect("a reading is stored").1
}

#[test]
fn eri_six_months_ahead_falls_within_a_month_of_the_true_day() {
    let mut inside = 0;
    let patients = 8;
    for i in 0..patients {
        let sim = pump(i);
        let eri = true_eri(&sim, 8).expect("an implanted pump reaches ERI within 8 years");
        let mut app = PatientApp::new(sim).unwrap();
        let f = eri_forecast_ahead(&mut app, eri, 182);
        let range = f.eri.expect("years of history give an ERI forecast");
        let error = days(eri, range.expected);
        assert!(error.abs() <= 30.0, "patient {i}: {error:+.1} days");
        inside += usize::from(range.contains(eri));
        // Six months out the range is days wide, not minutes, and not years.
        let width = days(range.earliest, range.latest);
        assert!(
            (2.0..90.0).contains(&width),
            "patient {i}: {width:.1} days wide"
        );
    }
    // 80 % ranges: 8 patients give 5 or more inside 94 % of the time.
    assert!(
        inside >= 5,
        "{inside} of {patients} true ERI days inside the 80 % ranges"
    );
}

#[test]
fn a_dose_increase_brings_eri_forward_and_the_forecast_follows() {
    // Two identical pumps; on day 700 the clinic doubles one's dose.
    let change = implant_time() + Duration::days(700);
    let mut same = PatientApp::new(pump(3)).unwrap();
    let mut doubled = PatientApp::new(pump(3)).unwrap();
    same.live_until(change).unwrap();
    doubled.live_until(change).unwrap();
    let before = doubled.forecasts().unwrap().1.eri.expect("a forecast");
    let dose = doubled.sim.status_reading().daily_dose.micrograms_per_day;
    doubled.sim.inject(SimFault::Reprogram(DailyDose {
        micrograms_per_day: dose * 2,
    }));
    let truth_same = true_eri(&same.sim, 8).unwrap();
    let truth_doubled = true_eri(&doubled.sim, 8).unwrap();
    let true_shift = days(truth_doubled, truth_same);
    assert!(
        true_shift > 60.0,
        "pumping twice as much drains the cell sooner ({true_shift:.0} days)"
    );
    // Thirty days after the change, both apps forecast.
    let later = change + Duration::days(30);
    same.live_until(later).unwrap();
    doubled.live_until(later).unwrap();
    let f_same = same.forecasts().unwrap().1.eri.unwrap();
    let f_doubled = doubled.forecasts().unwrap().1.eri.unwrap();
    let shift = days(f_doubled.expected, f_same.expected);
    assert!(
        (0.5 * true_shift..1.5 * true_shift).contains(&shift),
        "the forecast moved {shift:.0} days for a true {true_shift:.0}"
    );
    assert!(f_doubled.expected < before.expected);
    // Against the truth, the doubled pump's forecast is nearer after the change than before.
    assert!(
        days(truth_doubled, f_doubled.expected).abs() < days(truth_doubled, before.expected).abs()
    );
}
