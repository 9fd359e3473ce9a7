//! The one call the home screen makes ([`build`]): everything it shows, from the store and the
//! link's state, computed in one go. It reads the other features' data (therapy, link, diary,
//! recovery) and owns none; designed to grow without new round trips. [`watch`] keeps a
//! listener up to date: the dashboard again whenever anything it shows changes.

mod build;
mod watch;

pub use build::{AlarmCurrentState, AlarmView, Dashboard, KeyDates, build};
pub use watch::{DashboardListener, Watch, watch};
