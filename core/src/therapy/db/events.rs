//! The `pump_events` and `alarms` tables: the pump's history, each event stored once (same pump +
//! same sequence = same event, however often it is replayed), and each alarm's lifecycle.

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::pump_by_serial;
use crate::model::{
    AlarmKind, AlarmPriority, AlarmState, EventSequence, HistoryDetail, HistoryEvent, UtcDateTime,
    from_millis, to_millis,
};
use crate::store::StoreError;
use crate::therapy::{AlarmRecord, Error};

/// Stores one history event of the pump `serial`. Returns `false` if it was already stored.
/// An alarm event also updates that alarm's lifecycle row, in the same transaction.
///
/// # Errors
/// [`Error::UnknownPump`] or a storage error.
pub fn insert_event(
    tx: &Transaction<'_>,
    serial: &str,
    event: &HistoryEvent,
    received_at: UtcDateTime,
) -> Result<bool, Error> {
    let (pump_id, _) = pump_by_serial(tx, serial)?.ok_or(Error::UnknownPump)?;
    let detail =
        serde_json::to_string(&event.detail).map_err(|_| StoreError::encoding("a pump event"))?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO pump_events (pump_id, sequence, pump_time_ms, received_at_ms, type, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (pump_id, sequence) DO NOTHING",
        )?
        .execute(params![
            pump_id,
            event.sequence,
            to_millis(event.pump_time),
            to_millis(received_at),
            event.type_code(),
            detail
        ])?
        == 1;
    if inserted && let HistoryDetail::Refill { refill } = &event.detail {
        super::refills::note_pump_refill(tx, pump_id, event.sequence, event.pump_time, refill)?;
    }
    if inserted
        && let HistoryDetail::Alarm {
            kind,
            priority,
            state,
            raised_sequence,
        } = event.detail
    {
        let column = match state {
            AlarmState::Raised => "raised_at_ms",
            AlarmState::Cleared => "cleared_at_ms",
            AlarmState::Acknowledged => "pump_acknowledged_at_ms",
        };
        tx.prepare_cached(&format!(
            "INSERT INTO alarms (pump_id, raised_sequence, kind, priority, {column})
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (pump_id, raised_sequence) DO UPDATE SET {column} = excluded.{column}"
        ))?
        .execute(params![
            pump_id,
            raised_sequence,
            kind.text_code(),
            priority.code(),
            to_millis(event.pump_time)
        ])?;
    }
    Ok(inserted)
}

/// How far the phone has the pump's history with no gap: ask the pump for every record after it.
/// 0 when nothing is known yet (ask for everything the pump holds).
///
/// # Errors
/// [`Error::UnknownPump`] or a storage error.
pub fn history_synced_through(conn: &Connection, serial: &str) -> Result<EventSequence, Error> {
    conn.prepare_cached("SELECT history_synced_through FROM pumps WHERE serial = ?1")?
        .query_row([serial], |r| r.get(0))
        .optional()?
        .ok_or(Error::UnknownPump)
}

/// Moves the sync mark of `serial` forward: first to `floor` if it is higher (the pump said the
/// records up to it were overwritten and can never be fetched), then over every stored event
/// that follows it without a gap. Returns the new mark.
///
/// # Errors
/// [`Error::UnknownPump`] or a storage error.
pub fn extend_history_sync(
    tx: &Transaction<'_>,
    serial: &str,
    floor: Option<EventSequence>,
) -> Result<EventSequence, Error> {
    let (pump_id, _) = pump_by_serial(tx, serial)?.ok_or(Error::UnknownPump)?;
    let mut mark: EventSequence = tx.query_row(
        "SELECT history_synced_through FROM pumps WHERE id = ?1",
        [pump_id],
        |r| r.get(0),
    )?;
    if let Some(floor) = floor {
        mark = mark.max(floor);
    }
    // The end of the unbroken run of stored sequences that starts right after the mark.
    let has_next: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM pump_events WHERE pump_id = ?1 AND sequence = ?2)",
        )?
        .query_row(params![pump_id, i64::from(mark) + 1], |r| r.get(0))?;
    if has_next {
        mark = tx
            .prepare_cached(
                "SELECT MIN(e.sequence) FROM pump_events e
                 WHERE e.pump_id = ?1 AND e.sequence > ?2 AND NOT EXISTS (
                     SELECT 1 FROM pump_events n WHERE n.pump_id = e.pump_id AND n.sequence = e.sequence + 1)",
            )?
            .query_row(params![pump_id, mark], |r| r.get(0))?;
    }
    tx.execute(
        "UPDATE pumps SET history_synced_through = ?2 WHERE id = ?1",
        params![pump_id, mark],
    )?;
    Ok(mark)
}

/// History events of `serial` with a sequence above `after`, in order.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn events_after(
    conn: &Connection,
    serial: &str,
    after: EventSequence,
) -> Result<Vec<HistoryEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.sequence, e.pump_time_ms, e.detail FROM pump_events e JOIN pumps p ON p.id = e.pump_id
         WHERE p.serial = ?1 AND e.sequence > ?2 ORDER BY e.sequence",
    )?;
    let rows = stmt.query_map(params![serial, after], |r| {
        Ok((
            r.get::<_, EventSequence>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (sequence, ms, detail) = row?;
        Ok(HistoryEvent {
            sequence,
            pump_time: from_millis(ms)
                .ok_or_else(|| StoreError::damaged("pump_events.pump_time"))?,
            detail: serde_json::from_str(&detail)
                .map_err(|_| StoreError::damaged("pump_events.detail"))?,
        })
    })
    .collect()
}

/// Alarms of `serial` that are not cleared, most urgent first, then newest first.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn open_alarms(conn: &Connection, serial: &str) -> Result<Vec<AlarmRecord>, StoreError> {
    alarms_where(conn, serial, "a.cleared_at_ms IS NULL", u32::MAX)
}

/// The newest `limit` alarms of `serial`, cleared or not, newest first.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn alarm_history(
    conn: &Connection,
    serial: &str,
    limit: u32,
) -> Result<Vec<AlarmRecord>, StoreError> {
    alarms_where(conn, serial, "1", limit)
}

/// Records that the patient acknowledged alarm `id` in the app (never sent to the pump).
/// Returns `false` if there is no such alarm; acknowledging twice keeps the first time.
///
/// # Errors
/// A storage error.
pub fn acknowledge_in_app(
    tx: &Transaction<'_>,
    id: i64,
    at: UtcDateTime,
) -> Result<bool, StoreError> {
    let exists = tx
        .query_row("SELECT 1 FROM alarms WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some();
    tx.execute(
        "UPDATE alarms SET app_acknowledged_at_ms = ?2 WHERE id = ?1 AND app_acknowledged_at_ms IS NULL",
        params![id, to_millis(at)],
    )?;
    Ok(exists)
}

fn alarms_where(
    conn: &Connection,
    serial: &str,
    condition: &str,
    limit: u32,
) -> Result<Vec<AlarmRecord>, StoreError> {
    let order = if condition == "1" {
        "a.raised_sequence DESC"
    } else {
        "CASE a.priority WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, a.raised_sequence DESC"
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT a.id, a.raised_sequence, a.kind, a.priority, a.raised_at_ms, a.cleared_at_ms,
                a.pump_acknowledged_at_ms, a.app_acknowledged_at_ms
         FROM alarms a JOIN pumps p ON p.id = a.pump_id
         WHERE p.serial = ?1 AND {condition} ORDER BY {order} LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![serial, limit], raw_alarm)?;
    rows.map(|r| decode_alarm(r?)).collect()
}

type RawAlarm = (i64, EventSequence, String, String, [Option<i64>; 4]);

fn raw_alarm(r: &Row<'_>) -> rusqlite::Result<RawAlarm> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        [r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?],
    ))
}

fn decode_alarm(
    (id, raised_sequence, kind, priority, times): RawAlarm,
) -> Result<AlarmRecord, StoreError> {
    let time = |ms: Option<i64>| -> Result<Option<UtcDateTime>, StoreError> {
        ms.map(|ms| from_millis(ms).ok_or_else(|| StoreError::damaged("alarms.time")))
            .transpose()
    };
    Ok(AlarmRecord {
        id,
        raised_sequence,
        kind: AlarmKind::from_text_code(&kind).ok_or_else(|| StoreError::damaged("alarms.kind"))?,
        priority: AlarmPriority::from_code(&priority)
            .ok_or_else(|| StoreError::damaged("alarms.priority"))?,
        raised_at: time(times[0])?,
        cleared_at: time(times[1])?,
        pump_acknowledged_at: time(times[2])?,
        app_acknowledged_at: time(times[3])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PumpAlarm, test_device};
    use crate::store::Store;
    use crate::therapy::db::upsert_pump;
    use chrono::{Duration, TimeZone, Utc};

    fn t(min: i64) -> UtcDateTime {
        Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn alarm(
        seq: EventSequence,
        kind: AlarmKind,
        state: AlarmState,
        raised: EventSequence,
    ) -> HistoryEvent {
        PumpAlarm {
            sequence: seq,
            pump_time: t(i64::from(seq)),
            kind,
            priority: kind.usual_priority(),
            state,
            raised_sequence: raised,
        }
        .into()
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in_dir(dir.path()).unwrap();
        store
            .write(|tx| upsert_pump(tx, &test_device(), Utc::now()))
            .unwrap();
        (dir, store)
    }

    fn put(store: &Store, e: &HistoryEvent) -> bool {
        store
            .write(|tx| insert_event(tx, "SIM0001", e, t(0)))
            .unwrap()
    }

    #[test]
    fn an_event_replayed_many_times_is_stored_once() {
        let (_d, store) = store();
        let e = alarm(7, AlarmKind::MotorStall, AlarmState::Raised, 7);
        assert!(put(&store, &e));
        for _ in 0..5 {
            assert!(!put(&store, &e));
        }
        assert_eq!(
            store.read(|c| events_after(c, "SIM0001", 0)).unwrap(),
            vec![e]
        );
        assert_eq!(
            store
                .read(|c| alarm_history(c, "SIM0001", 10))
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn lifecycle_raise_acknowledge_clear_in_any_order() {
        let (_d, store) = store();
        // The clear is replayed before the raise: the alarm is still one row with both times.
        put(
            &store,
            &alarm(12, AlarmKind::ReservoirLow, AlarmState::Cleared, 10),
        );
        put(
            &store,
            &alarm(10, AlarmKind::ReservoirLow, AlarmState::Raised, 10),
        );
        put(
            &store,
            &alarm(11, AlarmKind::ReservoirLow, AlarmState::Acknowledged, 10),
        );
        let all = store.read(|c| alarm_history(c, "SIM0001", 10)).unwrap();
        assert_eq!(all.len(), 1);
        let a = &all[0];
        assert_eq!(
            (a.raised_at, a.pump_acknowledged_at, a.cleared_at),
            (Some(t(10)), Some(t(11)), Some(t(12)))
        );
        assert!(
            store
                .read(|c| open_alarms(c, "SIM0001"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn open_alarms_are_sorted_by_priority_then_newest() {
        let (_d, store) = store();
        put(
            &store,
            &alarm(1, AlarmKind::ClockError, AlarmState::Raised, 1),
        );
        put(
            &store,
            &alarm(2, AlarmKind::ReservoirLow, AlarmState::Raised, 2),
        );
        put(
            &store,
            &alarm(3, AlarmKind::MotorStall, AlarmState::Raised, 3),
        );
        put(
            &store,
            &alarm(
                4,
                AlarmKind::BatteryElectiveReplacement,
                AlarmState::Raised,
                4,
            ),
        );
        put(
            &store,
            &alarm(5, AlarmKind::CatheterOcclusion, AlarmState::Raised, 5),
        );
        put(
            &store,
            &alarm(6, AlarmKind::CatheterOcclusion, AlarmState::Cleared, 5),
        );
        let kinds: Vec<_> = store
            .read(|c| open_alarms(c, "SIM0001"))
            .unwrap()
            .into_iter()
            .map(|a| a.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![
                AlarmKind::MotorStall,
                AlarmKind::BatteryElectiveReplacement,
                AlarmKind::ReservoirLow,
                AlarmKind::ClockError
            ]
        );
    }

    #[test]
    fn the_sync_mark_moves_only_over_an_unbroken_run_or_past_overwritten_records() {
        let (_d, store) = store();
        let mark = |floor| {
            store
                .write(|tx| extend_history_sync(tx, "SIM0001", floor))
                .unwrap()
        };
        assert_eq!(
            store
                .read(|c| history_synced_through(c, "SIM0001"))
                .unwrap(),
            0
        );
        // Only 2 is stored: 1 is missing, so the mark stays at 0 and 1 will be asked for.
        put(
            &store,
            &alarm(2, AlarmKind::ClockError, AlarmState::Raised, 2),
        );
        assert_eq!(mark(None), 0);
        put(
            &store,
            &alarm(1, AlarmKind::ClockError, AlarmState::Raised, 1),
        );
        assert_eq!(mark(None), 2);
        for seq in [3, 4, 7, 8] {
            put(
                &store,
                &alarm(seq, AlarmKind::ClockError, AlarmState::Raised, seq),
            );
        }
        assert_eq!(mark(None), 4);
        // The pump says records up to 6 were overwritten: the mark skips them, then runs on.
        assert_eq!(mark(Some(6)), 8);
        // A floor below the mark never moves it back.
        assert_eq!(mark(Some(1)), 8);
        assert_eq!(
            store
                .read(|c| history_synced_through(c, "SIM0001"))
                .unwrap(),
            8
        );
        assert_eq!(
            store.read(|c| history_synced_through(c, "NOPE")),
            Err(Error::UnknownPump)
        );
    }

    #[test]
    fn acknowledging_in_app_keeps_the_first_time_and_reports_unknown_ids() {
        let (_d, store) = store();
        put(
            &store,
            &alarm(1, AlarmKind::MotorStall, AlarmState::Raised, 1),
        );
        let id = store.read(|c| open_alarms(c, "SIM0001")).unwrap()[0].id;
        assert!(store.write(|tx| acknowledge_in_app(tx, id, t(30))).unwrap());
        assert!(store.write(|tx| acknowledge_in_app(tx, id, t(40))).unwrap());
        assert!(
            !store
                .write(|tx| acknowledge_in_app(tx, id + 100, t(40)))
                .unwrap()
        );
        let a = &store.read(|c| open_alarms(c, "SIM0001")).unwrap()[0];
        assert_eq!(a.app_acknowledged_at, Some(t(30)));
        assert_eq!(
            a.cleared_at, None,
            "an in-app acknowledgement does not clear the alarm"
        );
    }

    #[test]
    fn unrecognised_alarm_codes_are_kept() {
        let (_d, store) = store();
        put(
            &store,
            &alarm(
                1,
                AlarmKind::Unrecognised { code: 0x8123 },
                AlarmState::Raised,
                1,
            ),
        );
        let a = &store.read(|c| open_alarms(c, "SIM0001")).unwrap()[0];
        assert_eq!(a.kind, AlarmKind::Unrecognised { code: 0x8123 });
        assert_eq!(a.priority, AlarmPriority::High);
    }
}
