//! The `pump_pairings` table: which pump this app follows, and the pumps it followed before.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{PairedPump, PairingEnd, PairingRecord};
use crate::model::{DeviceInfo, UtcDateTime, from_millis, to_millis};
use crate::store::StoreError;
use crate::therapy::{self, db as therapy_db};

const COLUMNS: &str =
    "serial, model, ble_identity, bonded, transport, paired_at_ms, ended_at_ms, end_reason";

/// The pump paired now, if any.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn current_pairing(conn: &Connection) -> Result<Option<PairedPump>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM pump_pairings WHERE ended_at_ms IS NULL"
    ))?
    .query_row([], record)
    .optional()?
    .map(|r| r.map(|r| r.pump))
    .transpose()
}

/// Every pairing, newest first (the current one, if any, first).
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn pairings(conn: &Connection) -> Result<Vec<PairingRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM pump_pairings ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map([], record)?;
    rows.map(|r| r?).collect()
}

/// Stores `info` (the pump's identity, as verified) and makes it the paired pump. A current
/// pairing of the same serial is replaced by the new one (pairing again, e.g. after the phone's
/// Bluetooth was reset); one of another serial is ended with `previous_end`.
///
/// # Errors
/// [`therapy::Error::Invalid`] for an invalid [`DeviceInfo`], or a storage error.
pub fn pair(
    tx: &Transaction<'_>,
    info: &DeviceInfo,
    pump: &PairedPump,
    transport: &str,
    previous_end: PairingEnd,
) -> Result<(), therapy::Error> {
    let pump_id = therapy_db::upsert_pump(tx, info, pump.paired_at)?;
    if let Some(current) = current_pairing(tx)? {
        let reason = if current.serial == pump.serial {
            PairingEnd::Unpaired
        } else {
            previous_end
        };
        end_current(tx, pump.paired_at, reason)?;
    }
    tx.execute(
        "INSERT INTO pump_pairings (pump_id, serial, model, ble_identity, bonded, transport,
                                    paired_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            pump_id,
            pump.serial,
            pump.model,
            pump.ble_identity,
            pump.bonded,
            transport,
            to_millis(pump.paired_at),
        ],
    )
    .map_err(StoreError::from)?;
    Ok(())
}

/// Ends the current pairing (if any) at `at`; returns whether there was one.
///
/// # Errors
/// A storage error.
pub fn end_current(
    tx: &Transaction<'_>,
    at: UtcDateTime,
    reason: PairingEnd,
) -> Result<bool, StoreError> {
    let n = tx.execute(
        "UPDATE pump_pairings SET ended_at_ms = ?1, end_reason = ?2 WHERE ended_at_ms IS NULL",
        params![to_millis(at), end_code(reason)],
    )?;
    Ok(n > 0)
}

fn end_code(reason: PairingEnd) -> &'static str {
    match reason {
        PairingEnd::Unpaired => "unpaired",
        PairingEnd::Replaced => "replaced",
    }
}

fn record(r: &Row<'_>) -> rusqlite::Result<Result<PairingRecord, StoreError>> {
    let paired_at: i64 = r.get(5)?;
    let ended_at: Option<i64> = r.get(6)?;
    let end: Option<String> = r.get(7)?;
    let Some(paired_at) = from_millis(paired_at) else {
        return Ok(Err(StoreError::damaged("pump_pairings.paired_at_ms")));
    };
    let pump = PairedPump {
        serial: r.get(0)?,
        model: r.get(1)?,
        ble_identity: r.get(2)?,
        bonded: r.get(3)?,
        transport: r.get(4)?,
        paired_at,
    };
    let ended = match (ended_at.map(from_millis), end.as_deref()) {
        (None, None) => None,
        (Some(Some(at)), Some("unpaired")) => Some((at, PairingEnd::Unpaired)),
        (Some(Some(at)), Some("replaced")) => Some((at, PairingEnd::Replaced)),
        _ => return Ok(Err(StoreError::damaged("pump_pairings.end_reason"))),
    };
    Ok(Ok(PairingRecord {
        pump,
        ended_at: ended.map(|e| e.0),
        end_reason: ended.map(|e| e.1),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_device;
    use crate::store::Store;

    fn paired(serial: &str, at: UtcDateTime) -> PairedPump {
        PairedPump {
            serial: serial.into(),
            model: test_device().model,
            ble_identity: format!("id-{serial}"),
            bonded: true,
            transport: "test".into(),
            paired_at: at,
        }
    }

    #[test]
    fn pairing_replacing_and_unpairing_keep_every_pump_and_mark_the_old_ones_ended() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        let t0 = crate::model::from_millis(1_700_000_000_000).unwrap();
        assert_eq!(store.read(current_pairing).unwrap(), None);
        let old = test_device();
        let p1 = paired(&old.serial, t0);
        store
            .write(|tx| pair(tx, &old, &p1, "test", PairingEnd::Replaced))
            .unwrap();
        assert_eq!(store.read(current_pairing).unwrap(), Some(p1.clone()));

        let mut new = test_device();
        new.serial = "NEW0002".into();
        let t1 = t0 + chrono::Duration::days(2000);
        let p2 = paired(&new.serial, t1);
        store
            .write(|tx| pair(tx, &new, &p2, "test", PairingEnd::Replaced))
            .unwrap();
        assert_eq!(store.read(current_pairing).unwrap(), Some(p2.clone()));
        let all = store.read(pairings).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].pump, p2);
        assert_eq!(all[0].ended_at, None);
        assert_eq!(all[1].pump, p1);
        assert_eq!(all[1].ended_at, Some(t1));
        assert_eq!(all[1].end_reason, Some(PairingEnd::Replaced));
        // Both pumps stay, with their own rows.
        assert_eq!(store.read(therapy_db::all_pumps).unwrap().len(), 2);

        let t2 = t1 + chrono::Duration::days(1);
        assert!(
            store
                .write(|tx| end_current(tx, t2, PairingEnd::Unpaired))
                .unwrap()
        );
        assert_eq!(store.read(current_pairing).unwrap(), None);
        assert!(
            !store
                .write(|tx| end_current(tx, t2, PairingEnd::Unpaired))
                .unwrap()
        );
        assert_eq!(
            store.read(pairings).unwrap()[0].end_reason,
            Some(PairingEnd::Unpaired)
        );
    }
}
