//! Errors of the private bus launcher and the simulator.

use std::io;

/// Why the private D-Bus daemon could not be started.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The temporary directory for the bus socket and config could not be made.
    #[error("could not create the private bus directory: {0}")]
    TempDir(#[source] io::Error),
    /// The bus config could not be written.
    #[error("could not write the private bus config: {0}")]
    Config(#[source] io::Error),
    /// `dbus-daemon` could not be run (is the `dbus-daemon` package installed?).
    #[error("could not run {program} (install the dbus-daemon package): {source}")]
    Spawn {
        /// The program that was run.
        program: String,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
    /// `dbus-daemon` ran but failed.
    #[error("dbus-daemon failed ({status}): {stderr}")]
    Daemon {
        /// Its exit status.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// `dbus-daemon` printed something other than an address and a PID.
    #[error("dbus-daemon printed no usable address and PID: {0:?}")]
    Output(String),
    /// The bus address was already exported to this process's environment by another bus.
    #[error(
        "DBUS_SYSTEM_BUS_ADDRESS was already set in this process ({0}); libdbus reads it once per \
         process, so run one btleplug test per process"
    )]
    AlreadyExported(String),
}

/// Errors of the simulated BlueZ and its control API.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A D-Bus operation failed.
    #[error("D-Bus error: {0}")]
    Bus(#[from] zbus::Error),
    /// The simulator has been stopped.
    #[error("the simulated BlueZ has stopped")]
    Stopped,
    /// A string was not a `AA:BB:CC:DD:EE:FF` address.
    #[error("not a Bluetooth address (want AA:BB:CC:DD:EE:FF): {0:?}")]
    BadAddress(String),
    /// No device with this address has been added.
    #[error("no simulated device has address {0}")]
    UnknownDevice(String),
    /// A device with this address is already there.
    #[error("a simulated device with address {0} already exists")]
    DuplicateDevice(String),
    /// The device has no characteristic with this UUID.
    #[error("device {device} has no characteristic {characteristic}")]
    UnknownCharacteristic {
        /// Device address.
        device: String,
        /// Characteristic UUID.
        characteristic: String,
    },
    /// The characteristic has neither the notify nor the indicate property.
    #[error("characteristic {0} can neither notify nor indicate")]
    CannotNotify(String),
    /// Two characteristics of one device share a UUID (the simulator addresses them by UUID).
    #[error("device {device} lists characteristic {characteristic} twice")]
    DuplicateCharacteristic {
        /// Device address.
        device: String,
        /// Characteristic UUID.
        characteristic: String,
    },
}
