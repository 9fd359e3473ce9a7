//! Random faults (decision 0003 §10): fault j's draws from FAULT stream j.

use thecal_core::model::AlarmKind;

use super::streams::{Draws, Stream};
use super::visits::ack;

/// The kinds of random faults and their weights (occlusion 50 %, stall 20 %, clock 20 %,
/// internal 10 %).
const KINDS: [(AlarmKind, f64); 4] = [
    (AlarmKind::CatheterOcclusion, 50.0),
    (AlarmKind::MotorStall, 20.0),
    (AlarmKind::ClockError, 20.0),
    (AlarmKind::PumpFault, 10.0),
];

/// Fault j: when it comes after fault j − 1 (or implant), what it is, when it clears and whether
/// an external pump's patient acknowledges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FaultDraws {
    /// Time after the previous fault (or implant), ms.
    pub(crate) after_ms: i64,
    /// The alarm it raises.
    pub(crate) kind: AlarmKind,
    /// Time from raise to clear, ms (20–96 h).
    pub(crate) clears_after_ms: i64,
    /// Acknowledged at the pump after this long (external pump only; drawn for both).
    pub(crate) ack_after_ms: Option<i64>,
}

impl FaultDraws {
    /// The draws of fault `j`: inter-arrival (mean `mean_days`), kind, clear delay, then the
    /// acknowledgement draws.
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn draw(seed: u64, j: u64, mean_days: f64) -> Self {
        let mut d = Draws::new(seed, Stream::Fault, j);
        let days = d.exponential(mean_days).min(1e6);
        let weights = KINDS.map(|(_, w)| w);
        let kind = KINDS[d.weighted(&weights)].0;
        let hours = d.uniform_in(20.0, 96.0);
        let ack_after_ms = ack(&mut d);
        Self {
            after_ms: ((days * 86_400_000.0).round() as i64).max(1),
            kind,
            clears_after_ms: (hours * 3_600_000.0).round() as i64,
            ack_after_ms,
        }
    }

    /// Whether the fault stops the motor (a stall or an internal fault).
    pub(crate) fn stops(kind: AlarmKind) -> bool {
        matches!(kind, AlarmKind::MotorStall | AlarmKind::PumpFault)
    }
}
