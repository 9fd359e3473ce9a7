//! The `pumps` and `refills` rows as stored, for the export to another system and the import
//! into a new store (`export::fhir`): every column a person or the forecasts rely on, in the
//! store's own units.

use rusqlite::{Connection, Row, Transaction, params};

use super::pumps::{kind_code, reservoir_code};
use crate::model::{
    DeviceInfo, PumpKind, ReservoirKind, UtcDateTime, Volume, from_millis, to_millis,
};
use crate::store::StoreError;
use crate::therapy::{Error, PumpSettings};

/// A stored pump: its identity, when the app first saw it, and its model's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PumpRow {
    /// The store's id.
    pub id: i64,
    /// What the pump reports about itself.
    pub info: DeviceInfo,
    /// When the app first stored it.
    pub registered_at: UtcDateTime,
    /// What its model says about itself.
    pub settings: PumpSettings,
}

/// A stored refill, column by column (volumes in µL, concentration in µg/mL, dose in µg/day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefillRow {
    /// The store's id.
    pub id: i64,
    /// The pump's row id.
    pub pump_id: i64,
    /// When.
    pub at: UtcDateTime,
    /// Volume left just before, if known.
    pub volume_before_ul: Option<u32>,
    /// Volume after.
    pub volume_after_ul: u32,
    /// The drug's stored code ([`crate::model::Drug::code`]).
    pub drug: String,
    /// Its concentration.
    pub concentration_ug_ml: u32,
    /// The daily dose programmed.
    pub daily_dose_ug: u32,
    /// `clinic` or `home`, if known.
    pub place: Option<String>,
    /// `pump` (from the pump's history) or `manual`.
    pub source: String,
    /// The pump's sequence number of the refill event, for refills from the pump.
    pub pump_sequence: Option<i64>,
    /// The volume the pump expected to be left, if known.
    pub expected_before_ul: Option<u32>,
    /// The volume programmed since the refill before, if known.
    pub programmed_ul: Option<u32>,
    /// When the patient marked it as discussed with the clinic.
    pub discussed_at: Option<UtcDateTime>,
}

/// Every stored pump, oldest first.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn pump_rows(conn: &Connection) -> Result<Vec<PumpRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, serial, manufacturer, model, firmware_revision, hardware_revision, kind,
                reservoir_kind, reservoir_capacity_ul, registered_at_ms, low_reservoir_threshold_ul,
                eri_to_eos_days, eri_battery_percent, service_life_days
         FROM pumps ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok(pump_row(r)))?;
    rows.map(|r| r?).collect()
}

fn pump_row(r: &Row<'_>) -> Result<PumpRow, StoreError> {
    let kind: String = r.get(6)?;
    let reservoir: String = r.get(7)?;
    Ok(PumpRow {
        id: r.get(0)?,
        info: DeviceInfo {
            serial: r.get(1)?,
            manufacturer: r.get(2)?,
            model: r.get(3)?,
            firmware_revision: r.get(4)?,
            hardware_revision: r.get(5)?,
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
            reservoir_capacity: Volume::from_microliters(r.get(8)?),
        },
        registered_at: from_millis(r.get(9)?)
            .ok_or_else(|| StoreError::damaged("pumps.registered_at_ms"))?,
        settings: PumpSettings {
            low_reservoir_threshold: r.get::<_, Option<u32>>(10)?.map(Volume::from_microliters),
            eri_to_eos_days: r.get(11)?,
            eri_battery_percent: r.get(12)?,
            service_life_days: r.get(13)?,
        },
    })
}

/// Every stored refill, by id.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn refill_rows(conn: &Connection) -> Result<Vec<RefillRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, pump_id, at_ms, volume_before_ul, volume_after_ul, drug, concentration_ug_ml,
                daily_dose_ug, place, source, pump_sequence, expected_before_ul, programmed_ul,
                discussed_at_ms
         FROM refills ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        let at: i64 = r.get(2)?;
        let discussed: Option<i64> = r.get(13)?;
        Ok((
            RefillRow {
                id: r.get(0)?,
                pump_id: r.get(1)?,
                at: UtcDateTime::UNIX_EPOCH,
                volume_before_ul: r.get(3)?,
                volume_after_ul: r.get(4)?,
                drug: r.get(5)?,
                concentration_ug_ml: r.get(6)?,
                daily_dose_ug: r.get(7)?,
                place: r.get(8)?,
                source: r.get(9)?,
                pump_sequence: r.get(10)?,
                expected_before_ul: r.get(11)?,
                programmed_ul: r.get(12)?,
                discussed_at: None,
            },
            at,
            discussed,
        ))
    })?;
    rows.map(|r| {
        let (mut row, at, discussed) = r?;
        row.at = from_millis(at).ok_or_else(|| StoreError::damaged("refills.at_ms"))?;
        row.discussed_at = discussed
            .map(|ms| from_millis(ms).ok_or_else(|| StoreError::damaged("refills.discussed_at_ms")))
            .transpose()?;
        Ok(row)
    })
    .collect()
}

/// Stores a pump under its own id (into a new store), after checking what it reports.
///
/// # Errors
/// [`Error::Invalid`] for an invalid identity, or a storage error (an id or serial already
/// there).
pub fn insert_pump_row(tx: &Transaction<'_>, row: &PumpRow) -> Result<(), Error> {
    row.info.validate()?;
    let s = &row.settings;
    tx.prepare_cached(
        "INSERT INTO pumps (id, serial, manufacturer, model, firmware_revision, hardware_revision,
                            kind, reservoir_kind, reservoir_capacity_ul, registered_at_ms,
                            low_reservoir_threshold_ul, eri_to_eos_days, eri_battery_percent,
                            service_life_days)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        row.id,
        row.info.serial,
        row.info.manufacturer,
        row.info.model,
        row.info.firmware_revision,
        row.info.hardware_revision,
        kind_code(row.info.kind),
        reservoir_code(row.info.reservoir_kind),
        row.info.reservoir_capacity.microliters,
        to_millis(row.registered_at),
        s.low_reservoir_threshold.map(|v| v.microliters),
        s.eri_to_eos_days,
        s.eri_battery_percent,
        s.service_life_days,
    ])
    .map_err(StoreError::from)?;
    Ok(())
}

/// Stores a refill under its own id (into a new store). The table's checks refuse impossible
/// values (negative volumes, unknown places or sources) as a storage error.
///
/// # Errors
/// A storage error (a missing pump, an id already there, a value the table refuses).
pub fn insert_refill_row(tx: &Transaction<'_>, row: &RefillRow) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO refills (id, pump_id, at_ms, volume_before_ul, volume_after_ul, drug,
                              concentration_ug_ml, daily_dose_ug, place, source, pump_sequence,
                              expected_before_ul, programmed_ul, discussed_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        row.id,
        row.pump_id,
        to_millis(row.at),
        row.volume_before_ul,
        row.volume_after_ul,
        row.drug,
        row.concentration_ug_ml,
        row.daily_dose_ug,
        row.place,
        row.source,
        row.pump_sequence,
        row.expected_before_ul,
        row.programmed_ul,
        row.discussed_at.map(to_millis),
    ])?;
    Ok(())
}
