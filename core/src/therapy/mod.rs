//! The therapy the pump delivers, as recorded and as forecast: the paired pumps, their readings,
//! history events, alarms and refills (the tables in [`db`]), and what they mean for the patient:
//! reservoir and refill forecasts, battery ERI/EOS forecasts.
//!
//! The forecasts ([`forecast_reservoir`], [`forecast_battery`]) are pure: values in, values out.
//! [`current_forecasts`] reads what they need from the store.

mod alarm_words;
pub mod appointment;
mod battery;
pub mod db;
mod error;
mod forecast;
mod records;
mod reservoir;
mod residual;

use std::time::Duration;

use rusqlite::Connection;

pub use alarm_words::{AlarmText, alarm_text};
pub use appointment::{RefillAppointment, RefillAppointmentInput};
pub use battery::{
    BatteryFit, BatteryForecast, BatteryInputs, BatteryModel, BatteryPoint, BatteryTuning, CellFit,
    GROWTH_WINDOW_DAYS, IMPLANT_DATE_SLACK_DAYS, IMPLANTED_BATTERY, SPREAD_NODES, forecast_battery,
    forecast_battery_from_fit, in_growth_window, load_clock,
};
pub use error::Error;
pub use forecast::{
    DatePrecision, DateRange, FORECAST_LEVEL_PERCENT, ForecastConfidence, Z_80, describe_range,
};
pub use records::{
    AlarmRecord, PumpSettings, RefillEntry, RefillPlace, RefillRecord, RefillSource,
};
pub use reservoir::{
    DeliveryPrior, EXTERNAL_DELIVERY, ForecastBasis, IMPLANTED_DELIVERY, ReservoirForecast,
    ReservoirInputs, forecast_reservoir, learned_delivery,
};
pub use residual::{FLOW_ACCURACY, MIN_FLAGGED_DIFFERENCE, ResidualCheck, ResidualFinding};

use crate::model::{BatteryIndicator, DeviceInfo, StatusReading, UtcDateTime, Volume};

/// The reservoir and battery forecasts of `pump` from its newest reading `latest`, with what the
/// store holds since its last refill and since its battery was new.
///
/// # Errors
/// A storage error, or [`Error::UnknownPump`].
pub fn current_forecasts(
    conn: &Connection,
    pump: &DeviceInfo,
    latest: &StatusReading,
    last_refill: Option<&RefillRecord>,
    now: UtcDateTime,
) -> Result<(ReservoirForecast, BatteryForecast), Error> {
    let serial = pump.serial.as_str();
    let settings = db::pump_settings(conn, serial)?;
    let since_refill = match last_refill {
        Some(refill) => db::first_reading_since(conn, serial, refill.at)?,
        None => None,
    };
    let prior = if pump.kind.battery_replaceable() {
        &EXTERNAL_DELIVERY
    } else {
        &IMPLANTED_DELIVERY
    };
    let log = db::refill_log(
        conn,
        serial,
        u32::try_from(prior.refills_used * 2).unwrap_or(16),
    )?;
    let checks: Vec<ResidualCheck> = log.iter().filter_map(|r| r.residual_check).collect();
    let reservoir = forecast_reservoir(
        &ReservoirInputs {
            latest,
            since_refill: since_refill.as_ref(),
            last_fill: last_refill.map(|r| r.volume_after),
            checks: &checks,
            low_threshold: settings
                .low_reservoir_threshold
                .unwrap_or(Volume::from_microliters(0)),
        },
        prior,
    );
    let since = if pump.kind.battery_replaceable() {
        db::last_battery_replaced(conn, serial)?
    } else {
        None
    };
    let eri_seen =
        db::first_battery_indicator(conn, serial, BatteryIndicator::ElectiveReplacement, since)?;
    let model = BatteryModel {
        eri_percent: settings.eri_battery_percent.unwrap_or(0),
        eri_to_eos: settings
            .eri_to_eos_days
            .map(|d| Duration::from_secs(u64::from(d) * 86_400)),
        replaceable: pump.kind.battery_replaceable(),
        service_life: settings
            .service_life_days
            .map(|d| Duration::from_secs(u64::from(d) * 86_400)),
    };
    let inputs = |points| BatteryInputs {
        points,
        percent: latest.battery.percent,
        indicator: latest.battery.indicator,
        eri_seen_at: eri_seen,
        implanted_at: None,
        now,
    };
    // Once ERI is seen, the forecast is a countdown from it: no history needed.
    let countdown = eri_seen.is_some() && latest.battery.indicator != BatteryIndicator::Normal;
    // An implanted pump's history is fitted when it is stored: project the stored fit.
    let stored = if countdown {
        None
    } else if settings.eri_battery_percent.is_some() && !model.replaceable {
        db::battery_fit(conn, serial, &IMPLANTED_BATTERY)?
    } else {
        None
    };
    let battery = if let Some(fit) = stored {
        let first_dose = db::first_recent_dose(conn, serial, now)?;
        forecast_battery_from_fit(
            &BatteryInputs {
                // A history that starts with a new battery starts at the implant.
                implanted_at: (fit.first_percent >= 99).then_some(fit.first_at),
                ..inputs(&[])
            },
            &fit,
            first_dose,
            model,
            &IMPLANTED_BATTERY,
        )
    } else {
        // No fit stored (a replaceable battery, or rows stored since): the whole history.
        let points = if settings.eri_battery_percent.is_some() && !countdown {
            db::battery_history(conn, serial, since)?
        } else {
            Vec::new()
        };
        // A history that starts with a new battery starts at the implant.
        let implanted_at = points
            .first()
            .filter(|p| p.percent >= 99 && !model.replaceable)
            .map(|p| p.at);
        forecast_battery(
            &BatteryInputs {
                implanted_at,
                ..inputs(&points)
            },
            model,
            &IMPLANTED_BATTERY,
        )
    };
    Ok((reservoir, battery))
}
