//! The Thecal Pump Profile: GATT UUIDs and frames, the codec, the `PumpDriver` trait, the
//! drivers and the simulated pump. Pure: no I/O.
