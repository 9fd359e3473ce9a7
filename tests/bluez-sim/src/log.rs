//! The write log: every operation a central sent that could change a device.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::peripheral::BdAddr;

/// What a central asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOp {
    /// `GattCharacteristic1.WriteValue` with a write request (or no type given).
    Write,
    /// `GattCharacteristic1.WriteValue` with `type = "command"` (write without response).
    WriteWithoutResponse,
    /// `GattCharacteristic1.StartNotify`.
    StartNotify,
    /// `GattCharacteristic1.StopNotify`.
    StopNotify,
    /// `GattDescriptor1.WriteValue` on the descriptor with this UUID.
    DescriptorWrite(Uuid),
}

/// One entry of the write log. Entries are recorded when the call arrives, before it is checked,
/// so refused calls are logged too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteLogEntry {
    /// Position in the log, from 0.
    pub seq: u64,
    /// When the simulator received the call (wall clock).
    pub at: DateTime<Utc>,
    /// The device it was addressed to.
    pub device: BdAddr,
    /// The characteristic it was addressed to (for a descriptor write: the descriptor's
    /// characteristic).
    pub characteristic: Uuid,
    /// What was asked.
    pub op: WriteOp,
    /// The bytes written (empty for StartNotify/StopNotify).
    pub value: Vec<u8>,
    /// The D-Bus unique name of the caller.
    pub sender: String,
}
