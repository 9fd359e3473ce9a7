//! The therapy area's tables, each with its SQL: `pumps` (the paired pumps, the history sync
//! mark, the model's settings), `readings`, `pump_events` and `alarms`, `battery_daily` and
//! `refills`. A stored reading also updates the daily battery summary and the battery fit made
//! from it (`battery_fit`), and a stored refill event the refill log, in the same transaction.

mod battery;
mod events;
mod pumps;
mod readings;
mod refills;
mod transfer;

pub use battery::{
    battery_fit, battery_history, first_battery_indicator, first_recent_dose,
    last_battery_replaced, refresh_battery_fit,
};
pub use events::{
    acknowledge_in_app, alarm_history, events_after, extend_history_sync, history_synced_through,
    insert_event, open_alarms,
};
pub use pumps::{all_pumps, pump_by_serial, upsert_pump};
pub use readings::{
    first_reading_since, insert_reading, insert_reading_deferring_fit, latest_reading,
    readings_between,
};
pub use refills::{
    last_refill, mark_refill_discussed, pump_settings, record_refill, refill_log,
    refills_to_discuss, set_pump_settings,
};
pub use transfer::{
    PumpRow, RefillRow, insert_pump_row, insert_refill_row, pump_rows, refill_rows,
};
