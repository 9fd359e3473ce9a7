//! `Pumps`: the paired pumps, their readings, refills and alarms, as the apps reach them.

use std::sync::Arc;

use super::{Inner, PumpError};
use crate::model::{DeviceInfo, StatusReading};
use crate::therapy::{
    AlarmRecord, RefillAppointment, RefillAppointmentInput, RefillEntry, RefillRecord, db,
};

/// Pumps and their status readings. Get it from `Thecal::pumps()`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Pumps {
    inner: Arc<Inner>,
}

impl Pumps {
    pub(super) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Pumps {
    /// Pairs a pump with this app, or updates what it reports about itself.
    ///
    /// # Errors
    /// [`PumpError::InvalidInput`] naming the wrong field, or a storage error.
    pub async fn register(&self, info: DeviceInfo) -> Result<(), PumpError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("registering a pump", move |tx| {
                db::upsert_pump(tx, &info, now).map(|_| ())
            })
            .await
    }

    /// Every paired pump.
    ///
    /// # Errors
    /// A storage error.
    pub async fn list(&self) -> Result<Vec<DeviceInfo>, PumpError> {
        self.inner
            .read_blocking("listing pumps", db::all_pumps)
            .await
    }

    /// Stores a reading of the pump `serial` (off the caller's thread). Returns `false` when the
    /// same reading was stored before.
    ///
    /// # Errors
    /// [`PumpError::PumpNotPaired`], [`PumpError::InvalidInput`], or a storage error.
    pub async fn record_reading(
        &self,
        serial: String,
        reading: StatusReading,
    ) -> Result<bool, PumpError> {
        self.inner
            .write_blocking("saving a reading", move |tx| {
                db::insert_reading(tx, &serial, &reading)
            })
            .await
    }

    /// The newest reading of the pump `serial`, if any.
    ///
    /// # Errors
    /// A storage error.
    pub async fn latest_reading(&self, serial: String) -> Result<Option<StatusReading>, PumpError> {
        self.inner
            .read_blocking("reading the latest status", move |c| {
                db::latest_reading(c, &serial)
            })
            .await
    }

    /// The refill log of the pump `serial`, newest first, each refill flagged when it changed the
    /// drug, the concentration or the dose.
    ///
    /// # Errors
    /// A storage error.
    pub async fn refill_log(
        &self,
        serial: String,
        limit: u32,
    ) -> Result<Vec<RefillRecord>, PumpError> {
        self.inner
            .read_blocking("reading the refill log", move |c| {
                db::refill_log(c, &serial, limit)
            })
            .await
    }

    /// Records a refill entered by hand (one the pump's history does not have); returns its id.
    ///
    /// # Errors
    /// [`PumpError::InvalidInput`] naming the wrong field, [`PumpError::PumpNotPaired`].
    pub async fn record_refill(
        &self,
        serial: String,
        entry: RefillEntry,
    ) -> Result<i64, PumpError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("recording a refill", move |tx| {
                db::record_refill(tx, &serial, &entry, now)
            })
            .await
    }

    /// Keeps the next refill appointment (replacing any; `None` removes it), read in the
    /// patient's zone unless it names the clinic's. The dashboard shows it, and whether the
    /// reservoir may run low before it; caregivers are told on the day.
    ///
    /// # Errors
    /// [`PumpError::InvalidInput`] naming `date`, `time`, `time_zone` or `place`.
    pub async fn set_refill_appointment(
        &self,
        appointment: Option<RefillAppointmentInput>,
    ) -> Result<Option<RefillAppointment>, PumpError> {
        let (now, zone) = (self.inner.now(), self.inner.zone);
        self.inner
            .write_blocking("keeping the refill appointment", move |tx| {
                crate::therapy::appointment::set(tx, appointment.as_ref(), zone, now)
            })
            .await
    }

    /// Marks refill `refill_id` as discussed with the clinic: a refill whose measured residual
    /// was outside the pump's accuracy stops showing on the dashboard (the check stays in the
    /// log). Returns `false` for an unknown id.
    ///
    /// # Errors
    /// A storage error.
    pub async fn mark_refill_discussed(&self, refill_id: i64) -> Result<bool, PumpError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("marking a refill as discussed", move |tx| {
                db::mark_refill_discussed(tx, refill_id, now)
            })
            .await
    }

    /// The newest `limit` alarms of the pump `serial` (cleared or not), newest first.
    ///
    /// # Errors
    /// A storage error.
    pub async fn alarm_history(
        &self,
        serial: String,
        limit: u32,
    ) -> Result<Vec<AlarmRecord>, PumpError> {
        self.inner
            .read_blocking("reading the alarm history", move |c| {
                db::alarm_history(c, &serial, limit)
            })
            .await
    }

    /// Marks alarm `alarm_id` as acknowledged by the patient in the app. This never reaches the
    /// pump (the pump's alarm keeps sounding until its cause is fixed). Returns `false` for an
    /// unknown id.
    ///
    /// # Errors
    /// A storage error.
    pub async fn acknowledge_alarm(&self, alarm_id: i64) -> Result<bool, PumpError> {
        let now = self.inner.now();
        self.inner
            .write_blocking("acknowledging an alarm", move |tx| {
                db::acknowledge_in_app(tx, alarm_id, now)
            })
            .await
    }
}
