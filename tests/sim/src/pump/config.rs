//! How to build a simulated pump.

use chrono::Duration;

use thecal_core::model::{PumpKind, UtcDateTime};

use super::unforeseen::Unforeseen;

/// When a phone is connected to the pump (decision 0003 §9.2, P12): the link costs the cell a
/// session each time it connects and a small current while it is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LinkProfile {
    /// The caller says when a phone connects and disconnects
    /// ([`super::SimPump::set_link_connected`]); the in-process peripheral does so itself.
    #[default]
    Caller,
    /// A0: no phone ever connects (calls to `set_link_connected` are ignored).
    None,
    /// A1: the pump runs one 60-s session every hour on the hour (UTC) by itself (calls to
    /// `set_link_connected` are ignored).
    Hourly,
}

/// How to build a simulated pump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Everything random follows from this.
    pub seed: u64,
    /// Implanted or external.
    pub kind: PumpKind,
    /// The simulated time at which the pump is implanted / started, full.
    pub start: UtcDateTime,
    /// The serial number it reports.
    pub serial: String,
    /// How many history records it keeps (older ones are overwritten).
    pub history_capacity: u16,
    /// At most one Status notification per this much simulated time.
    pub status_interval: Duration,
    /// The unforeseen scenario to run (§11), if any. Off by default: only backtests that say
    /// so enable it.
    pub unforeseen: Option<Unforeseen>,
    /// When a phone is connected (§9.2).
    pub link: LinkProfile,
    /// §12.6's test switch: no pump bias or interval scatter (β = 0, ε = 0), nothing left in
    /// the pump at a withdrawal (ℓ = 0), and no reading errors (syringe reading, fill, battery
    /// jitter). Off by default.
    pub ideal: bool,
}

impl SimConfig {
    /// An implanted pump started at `start`.
    #[must_use]
    pub fn implanted(seed: u64, start: UtcDateTime) -> Self {
        Self {
            seed,
            kind: PumpKind::Implanted,
            start,
            serial: format!("SIM-IT-{:06}", seed % 1_000_000),
            history_capacity: 1024,
            status_interval: Duration::seconds(60),
            unforeseen: None,
            link: LinkProfile::Caller,
            ideal: false,
        }
    }

    /// An external pump started at `start`.
    #[must_use]
    pub fn external(seed: u64, start: UtcDateTime) -> Self {
        Self {
            kind: PumpKind::External,
            serial: format!("SIM-EX-{:06}", seed % 1_000_000),
            history_capacity: 512,
            ..Self::implanted(seed, start)
        }
    }
}
