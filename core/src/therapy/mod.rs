//! What the readings mean for the patient: reservoir and refill forecasts, battery ERI/EOS
//! forecasts. Pure: values in, values out.

mod battery;
mod reservoir;

pub use battery::{
    BatteryForecast, BatteryModel, BatteryPoint, ForecastConfidence, MIN_HISTORY_DAYS,
    forecast_battery,
};
pub use reservoir::{ForecastBasis, ReservoirForecast, forecast_reservoir};

#[cfg(test)]
mod tests;
