#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod bus;
mod dbus;
mod error;
mod log;
mod peripheral;
mod pump;
mod sim;
mod state;

pub use async_trait::async_trait;
pub use bus::{PrivateBus, SYSTEM_BUS_ENV};
pub use error::{BusError, SimError};
pub use log::{WriteLogEntry, WriteOp};
pub use peripheral::{
    Advertisement, AttError, BdAddr, CharFlags, CharacteristicDef, Delivery, DescriptorDef,
    LinkEvent, Notifier, Peripheral, ServiceDef, WriteKind,
};
pub use pump::{PumpPeripheral, SIM_PASSKEY};
pub use sim::{BLUEZ_NAME, BluezSim, DeviceHandle, SIM_MTU, SimConfig};
/// UUIDs as the GATT table and btleplug use them.
pub use uuid::Uuid;
