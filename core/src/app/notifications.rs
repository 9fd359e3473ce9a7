//! `Notifications`: the plan of local notifications the apps hand to the OS.

use std::sync::Arc;

use super::{Inner, PumpError};
use crate::model::UtcDateTime;
use crate::notifications::{self, PlannedNotification};

/// The notifications the phone's OS should deliver. Get it from `Thecal::notifications()`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Notifications {
    inner: Arc<Inner>,
}

impl Notifications {
    pub(super) fn new(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Notifications {
    /// Every local notification to schedule for `(from, until]` with the device in
    /// `device_zone` (an IANA name, the phone's current zone): reminders, appointments, refill
    /// booking and due dates, reservoir empty soon, post-MRI pump checks, the battery's
    /// end-of-service countdown. Most important first, then soonest. Ids are stable: schedule
    /// each under its id, so planning again replaces and never duplicates. Plan again after
    /// every reading or change, after a reboot, and when the time or zone changes.
    ///
    /// # Errors
    /// [`PumpError::InvalidInput`] on `device_zone` (`device_zone`) or the window (`until`:
    /// not after `from`, or more than 366 days long); a storage error.
    pub async fn plan(
        &self,
        from: UtcDateTime,
        until: UtcDateTime,
        device_zone: String,
    ) -> Result<Vec<PlannedNotification>, PumpError> {
        let (now, language) = (self.inner.now(), self.inner.language.get());
        self.inner
            .read_blocking("planning notifications", move |c| {
                notifications::plan_from_store(c, from, until, &device_zone, now, language)
            })
            .await
    }
}
