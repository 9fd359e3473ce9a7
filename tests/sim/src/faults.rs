//! Faults the tests of every language inject into a running app (exported to Kotlin and Swift
//! in the test build): the phone's storage full.

use std::sync::Arc;

use thecal_core::Thecal;

/// Makes every write of `thecal` fail as on a full disk (`true`), or work again (`false`).
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn simulate_full_disk(thecal: Arc<Thecal>, full: bool) {
    thecal.store().simulate_full_disk(full);
}
