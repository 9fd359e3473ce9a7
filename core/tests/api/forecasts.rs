//! Forecasts checked against the simulated pump: what it actually did is the known answer.

use chrono::{Duration, TimeZone, Utc};

use thecal_core::model::{
    AlarmKind, AlarmState, BatteryIndicator, HistoryDetail, UtcDateTime, Volume,
};
use thecal_core::therapy::*;
use thecal_sim::{SimConfig, SimPump};

fn start() -> UtcDateTime {
    Utc.with_ymd_and_hms(2025, 2, 3, 10, 0, 0).unwrap()
}

/// For pumps that reached "reservoir low" (a late refill), the forecast made the day after the
/// refill before it gives the moment of the alarm, to within the simulator's 10-minute step.
#[test]
fn low_reservoir_date_matches_the_pump_to_the_day() {
    let mut checked = 0;
    let mut exact = 0;
    for seed in 0..60 {
        let mut sim = SimPump::new(SimConfig::implanted(seed, start()));
        sim.set_subscribed(false);
        let low_threshold = sim.features().low_reservoir_threshold;
        let mut forecast: Option<ReservoirForecast> = None;
        let mut seen = 0;
        let mut schedule_known = false;
        let mut t = start();
        'run: while t < start() + Duration::days(400) {
            t += Duration::hours(6);
            sim.advance_to(t);
            // The pump's clock drifts: its offset now turns its event times into true times.
            let offset = sim.pump_clock() - sim.now();
            let new: Vec<_> = sim
                .history()
                .filter(|e| e.sequence > seen)
                .cloned()
                .collect();
            for event in new {
                seen = event.sequence;
                match event.detail {
                    HistoryDetail::Refill { .. } | HistoryDetail::TherapyChanged { .. } => {
                        schedule_known = true;
                        forecast = None;
                    }
                    HistoryDetail::Alarm {
                        kind: AlarmKind::ReservoirLow,
                        state: AlarmState::Raised,
                        ..
                    } => {
                        let Some(f) = forecast.take() else { break 'run };
                        let predicted = f.low_at.expect("a date");
                        let actual = event.pump_time - offset;
                        let error = (predicted - actual).num_minutes().abs();
                        // Within an hour (the simulator's 10-minute step, and its whole-nanolitre
                        // rounding of each step's delivery, which adds up to minutes over a
                        // refill), plus the forecast's own stated uncertainty (a flex schedule's
                        // boluses move the crossing within the day).
                        let allowed =
                            60 + i64::try_from(f.uncertainty.as_secs() / 60).unwrap_or(i64::MAX);
                        assert!(
                            error <= allowed,
                            "seed {seed}: predicted {predicted}, actual {actual}"
                        );
                        let tz = chrono_tz::Europe::Paris;
                        let into_day = (actual.with_timezone(&tz).time() - chrono::NaiveTime::MIN)
                            .num_minutes();
                        if f.uncertainty.is_zero() && (60..24 * 60 - 60).contains(&into_day) {
                            assert_eq!(
                                predicted.with_timezone(&tz).date_naive(),
                                actual.with_timezone(&tz).date_naive(),
                                "seed {seed}: the same day for the patient"
                            );
                            exact += 1;
                        }
                        checked += 1;
                        break 'run;
                    }
                    _ => {}
                }
            }
            if forecast.is_none() && schedule_known {
                forecast = Some(forecast_reservoir(
                    &sim.status_reading(),
                    None,
                    low_threshold,
                ));
            }
        }
    }
    assert!(checked >= 3, "only {checked} pumps reached a low reservoir");
    assert!(
        exact >= 1,
        "no continuous-schedule pump was checked to the day"
    );
}

/// Six months before the simulated battery reaches ERI, the forecast from its daily history is
/// within ±30 days of the real ERI, and EOS follows 90 days later.
#[test]
fn eri_and_eos_within_thirty_days_at_six_months_ahead() {
    for seed in [1_u64, 7, 19, 42] {
        let mut sim = SimPump::new(SimConfig::implanted(seed, start()));
        sim.set_subscribed(false);
        let mut points = Vec::new();
        let mut day = start();
        // Find the real ERI day first (a copy runs ahead).
        let mut probe = sim.clone();
        let eri = loop {
            day += Duration::days(1);
            probe.advance_to(day);
            if probe.status_reading().battery.indicator != BatteryIndicator::Normal {
                break day;
            }
            assert!(
                day < start() + Duration::days(8 * 365),
                "seed {seed}: no ERI in 8 years"
            );
        };
        let forecast_day = eri - Duration::days(182);
        let mut day = start();
        while day <= forecast_day {
            sim.advance_to(day);
            let r = sim.status_reading();
            points.push(BatteryPoint {
                at: day,
                percent: r.battery.percent,
            });
            day += Duration::days(1);
        }
        let model = BatteryModel {
            eri_percent: 8,
            eri_to_eos: Some(std::time::Duration::from_secs(90 * 86_400)),
            replaceable: false,
        };
        let last = points.last().expect("history");
        let f = forecast_battery(
            &points,
            last.percent,
            BatteryIndicator::Normal,
            None,
            model,
            last.at,
        );
        let predicted = f.eri_at.expect("an ERI date");
        assert!(
            (predicted - eri).num_days().abs() <= 30,
            "seed {seed}: predicted {predicted}, real {eri}"
        );
        assert_eq!(f.eos_at, Some(predicted + Duration::days(90)));
        assert!(
            f.confidence >= ForecastConfidence::Medium,
            "seed {seed}: {:?}",
            f.confidence
        );
    }
}

#[test]
fn low_threshold_is_respected() {
    let sim = SimPump::new(SimConfig::implanted(3, start()));
    let f = forecast_reservoir(&sim.status_reading(), None, Volume::from_milliliters(2));
    assert!(f.low_at.expect("date") < f.empty_at.expect("date"));
}
