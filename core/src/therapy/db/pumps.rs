//! The `pumps` table: the pumps this app has been paired with.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use crate::model::{DeviceInfo, PumpKind, ReservoirKind, UtcDateTime, Volume, to_millis};
use crate::store::StoreError;
use crate::therapy::Error;

/// Adds a pump, or updates what it reports about itself (firmware after an update);
/// returns its row id.
///
/// # Errors
/// [`Error::Invalid`] for an invalid [`DeviceInfo`], or a storage error.
pub fn upsert_pump(
    tx: &Transaction<'_>,
    info: &DeviceInfo,
    now: UtcDateTime,
) -> Result<i64, Error> {
    info.validate()?;
    let id = tx.query_row(
        "INSERT INTO pumps (serial, manufacturer, model, firmware_revision, hardware_revision,
                            kind, reservoir_kind, reservoir_capacity_ul, registered_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (serial) DO UPDATE SET
             manufacturer = excluded.manufacturer, model = excluded.model,
             firmware_revision = excluded.firmware_revision,
             hardware_revision = excluded.hardware_revision, kind = excluded.kind,
             reservoir_kind = excluded.reservoir_kind,
             reservoir_capacity_ul = excluded.reservoir_capacity_ul
         RETURNING id",
        params![
            info.serial,
            info.manufacturer,
            info.model,
            info.firmware_revision,
            info.hardware_revision,
            kind_code(info.kind),
            reservoir_code(info.reservoir_kind),
            info.reservoir_capacity.microliters,
            to_millis(now),
        ],
        |r| r.get(0),
    )?;
    Ok(id)
}

/// The pump with `serial` and its row id, if paired.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn pump_by_serial(
    conn: &Connection,
    serial: &str,
) -> Result<Option<(i64, DeviceInfo)>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT id, {COLUMNS} FROM pumps WHERE serial = ?1"
    ))?
    .query_row([serial], |r| Ok((r.get(0)?, raw(r, 1)?)))
    .optional()?
    .map(|(id, raw)| Ok((id, decode(raw)?)))
    .transpose()
}

/// Every paired pump, oldest first.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn all_pumps(conn: &Connection) -> Result<Vec<DeviceInfo>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM pumps ORDER BY id"))?;
    let rows = stmt.query_map([], |r| raw(r, 0))?;
    rows.map(|r| decode(r?)).collect()
}

const COLUMNS: &str = "serial, manufacturer, model, firmware_revision, hardware_revision, kind, reservoir_kind, reservoir_capacity_ul";

type Raw = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    u32,
);

fn raw(r: &Row<'_>, at: usize) -> rusqlite::Result<Raw> {
    Ok((
        r.get(at)?,
        r.get(at + 1)?,
        r.get(at + 2)?,
        r.get(at + 3)?,
        r.get(at + 4)?,
        r.get(at + 5)?,
        r.get(at + 6)?,
        r.get(at + 7)?,
    ))
}

fn decode(
    (serial, manufacturer, model, firmware_revision, hardware_revision, kind, reservoir, cap): Raw,
) -> Result<DeviceInfo, StoreError> {
    Ok(DeviceInfo {
        serial,
        manufacturer,
        model,
        firmware_revision,
        hardware_revision,
        kind: match kind.as_str() {
            "implanted" => PumpKind::Implanted,
            "external" => PumpKind::External,
            _ => return Err(StoreError::damaged("pumps.kind")),
        },
        reservoir_kind: match reservoir.as_str() {
            "chamber" => ReservoirKind::ImplantedChamber,
            "cassette" => ReservoirKind::Cassette,
            "bag" => ReservoirKind::Bag,
            _ => return Err(StoreError::damaged("pumps.reservoir_kind")),
        },
        reservoir_capacity: Volume::from_microliters(cap),
    })
}

pub(super) fn kind_code(k: PumpKind) -> &'static str {
    match k {
        PumpKind::Implanted => "implanted",
        PumpKind::External => "external",
    }
}

pub(super) fn reservoir_code(k: ReservoirKind) -> &'static str {
    match k {
        ReservoirKind::ImplantedChamber => "chamber",
        ReservoirKind::Cassette => "cassette",
        ReservoirKind::Bag => "bag",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_device;
    use crate::store::Store;
    use crate::therapy::Error;

    #[test]
    fn upsert_updates_firmware_and_keeps_the_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        let now = chrono::Utc::now();
        let id1 = store
            .write(|tx| upsert_pump(tx, &test_device(), now))
            .unwrap();
        let mut updated = test_device();
        updated.firmware_revision = "1.1.0".into();
        let id2 = store.write(|tx| upsert_pump(tx, &updated, now)).unwrap();
        assert_eq!(id1, id2);
        let (_, got) = store
            .read(|c| pump_by_serial(c, "SIM0001"))
            .unwrap()
            .unwrap();
        assert_eq!(got, updated);
        assert_eq!(store.read(|c| pump_by_serial(c, "nope")).unwrap(), None);
    }

    #[test]
    fn an_invalid_device_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        let mut d = test_device();
        d.serial = String::new();
        let err = store
            .write(|tx| upsert_pump(tx, &d, chrono::Utc::now()))
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(ref e) if e.field == "serial"));
        assert!(store.read(all_pumps).unwrap().is_empty());
    }
}
