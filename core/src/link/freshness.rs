//! How fresh the data on screen is. Every reading carries its age; this turns the age into what
//! the patient is told, without crying wolf at start-up.

use std::time::Duration;

use crate::model::UtcDateTime;

/// When data counts as stale. Defaults: a warning after 30 minutes without data, urgent after 60.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FreshnessConfig {
    /// Age at which the data is shown as stale (a warning).
    pub warn_after: Duration,
    /// Age at which staleness is urgent.
    pub urgent_after: Duration,
}

impl Default for FreshnessConfig {
    fn default() -> Self {
        Self {
            warn_after: Duration::from_secs(30 * 60),
            urgent_after: Duration::from_secs(60 * 60),
        }
    }
}

/// What the screen says about the age of the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Freshness {
    /// No reading has ever been stored.
    NoData,
    /// Old data, but the first connection attempt since the app started has not finished yet:
    /// shown as "updating", not as an alarm.
    Updating,
    /// Recent enough.
    Fresh,
    /// Older than the warning threshold.
    Stale,
    /// Older than the urgent threshold.
    VeryStale,
}

/// Classifies the newest reading, taken at `last` (if any), at `now`. `first_attempt_done` is
/// whether the link has finished (succeeded or failed) one connection attempt since start-up.
#[must_use]
pub fn freshness(
    last: Option<UtcDateTime>,
    now: UtcDateTime,
    config: FreshnessConfig,
    first_attempt_done: bool,
) -> Freshness {
    let Some(last) = last else {
        return Freshness::NoData;
    };
    let age = (now - last).to_std().unwrap_or(Duration::ZERO);
    if age < config.warn_after {
        Freshness::Fresh
    } else if !first_attempt_done {
        Freshness::Updating
    } else if age < config.urgent_after {
        Freshness::Stale
    } else {
        Freshness::VeryStale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration as D, TimeZone, Utc};

    #[test]
    fn thresholds_and_start_up_grace() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let c = FreshnessConfig::default();
        assert_eq!(freshness(None, now, c, true), Freshness::NoData);
        assert_eq!(
            freshness(Some(now - D::minutes(29)), now, c, true),
            Freshness::Fresh
        );
        assert_eq!(
            freshness(Some(now - D::minutes(30)), now, c, true),
            Freshness::Stale
        );
        assert_eq!(
            freshness(Some(now - D::minutes(60)), now, c, true),
            Freshness::VeryStale
        );
        assert_eq!(
            freshness(Some(now - D::hours(9)), now, c, false),
            Freshness::Updating
        );
        assert_eq!(
            freshness(Some(now - D::minutes(5)), now, c, false),
            Freshness::Fresh
        );
        // A reading "from the future" (phone clock moved back) is fresh, not negative.
        assert_eq!(
            freshness(Some(now + D::minutes(5)), now, c, true),
            Freshness::Fresh
        );
    }

    #[test]
    fn thresholds_are_configurable() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let c = FreshnessConfig {
            warn_after: Duration::from_secs(60),
            urgent_after: Duration::from_secs(120),
        };
        assert_eq!(
            freshness(Some(now - D::seconds(90)), now, c, true),
            Freshness::Stale
        );
        assert_eq!(
            freshness(Some(now - D::seconds(120)), now, c, true),
            Freshness::VeryStale
        );
    }
}
