//! The pain diary: 0–10 pain scores (with the optional Brief Pain Inventory items), the
//! breakthrough / oral medication log, and their daily and weekly trends.
//!
//! Values, validation and trend assembly are pure; [`Diary`] (from `Thecal::diary()`) wires them
//! to the store. Every change keeps history (who, when, what); a deleted entry can be restored
//! for [`RESTORE_DAYS`] days, after which [`Diary::purge_expired`] removes it for good.

mod api;
mod error;
mod trends;
mod types;

pub use api::Diary;
pub use error::DiaryError;
pub use trends::{
    DrugTotal, MAX_TREND_DAYS, PainStats, Trend, TrendBucket, TrendComparison, TrendPeriod,
    assemble, range_days, weekday_from_monday,
};
pub use types::{
    Author, CalendarDate, ChangeAction, DoseUnit, FUTURE_TOLERANCE_SECONDS, MAX_DOSE,
    MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_SCORE, MedicationEntry, MedicationInput,
    MedicationRevision, PainEntry, PainInput, PainInterference, PainInventory, PainRevision,
    RESTORE_DAYS, Revision, Route, UsualDose, date_of_day, day_number, local_day, to_nearest_milli,
};
pub(crate) use types::{changed_fields, check_text, check_time, tidy};

#[cfg(test)]
mod tests;
