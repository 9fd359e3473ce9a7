//! The ID card tables: the card and its signed payload, clinic key pairs, trusted issuers and
//! logged MRI scans (migration 0007).

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::card::{
    CardData, ClinicKey, FollowUpAction, Issuer, KeyId, MriScan, SignedCard, key_id_of, to_hex,
};
use crate::model::{UtcDateTime, from_millis, to_millis};
use crate::store::StoreError;

/// Saves the patient's card. Different data than stored clears the signed payload (it no
/// longer matches); the same data keeps it. Returns whether the data changed.
///
/// # Errors
/// A storage error.
pub fn save_card(
    tx: &Transaction<'_>,
    card: &CardData,
    now: UtcDateTime,
) -> Result<bool, StoreError> {
    let json = serde_json::to_string(card).map_err(|_| StoreError::encoding("the card"))?;
    let old: Option<String> = tx
        .query_row("SELECT data FROM card WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    if old.as_deref() == Some(json.as_str()) {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO card (id, data, updated_at_ms) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at_ms = excluded.updated_at_ms,
           signed_text = NULL, signed_key_id = NULL, issued_at_ms = NULL, expires_at_ms = NULL",
        params![json, to_millis(now)],
    )?;
    Ok(true)
}

/// The saved card and its signed payload, if any.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn load_card(conn: &Connection) -> Result<Option<(CardData, Option<SignedCard>)>, StoreError> {
    let row = conn
        .query_row(
            "SELECT data, signed_text, signed_key_id, issued_at_ms, expires_at_ms FROM card WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((data, text, kid, issued, expires)) = row else {
        return Ok(None);
    };
    let card: CardData =
        serde_json::from_str(&data).map_err(|_| StoreError::damaged("card.data"))?;
    let signed = match (text, kid, issued, expires) {
        (Some(text), Some(kid), Some(i), Some(e)) => Some(SignedCard {
            text,
            key_id: to_hex(&kid),
            issued_at: from_millis(i).ok_or_else(|| StoreError::damaged("card.issued_at"))?,
            expires_at: from_millis(e).ok_or_else(|| StoreError::damaged("card.expires_at"))?,
        }),
        _ => None,
    };
    Ok(Some((card, signed)))
}

/// Stores the signed payload of the current card.
///
/// # Errors
/// A storage error.
pub fn set_signed_card(
    tx: &Transaction<'_>,
    signed: &SignedCard,
    kid: &KeyId,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE card SET signed_text = ?1, signed_key_id = ?2, issued_at_ms = ?3, expires_at_ms = ?4 WHERE id = 1",
        params![
            signed.text,
            kid.0.as_slice(),
            to_millis(signed.issued_at),
            to_millis(signed.expires_at)
        ],
    )?;
    Ok(())
}

/// Records a clinic key made on this device (its private key is in the platform's key store,
/// never here) and trusts its public key. Returns its description.
///
/// # Errors
/// A storage error.
pub fn insert_clinic_key(
    tx: &Transaction<'_>,
    name: &str,
    public_key: &[u8; 32],
    now: UtcDateTime,
) -> Result<ClinicKey, StoreError> {
    let kid = key_id_of(public_key);
    tx.execute(
        "INSERT INTO clinic_keys (key_id, name, public_key, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
        params![
            kid.0.as_slice(),
            name,
            public_key.as_slice(),
            to_millis(now)
        ],
    )?;
    trust_issuer(tx, name, public_key, now)?;
    Ok(ClinicKey {
        key_id: kid.to_hex(),
        name: name.to_owned(),
        public_key: to_hex(public_key),
        can_sign: true,
    })
}

/// Every key this device knows: its own clinic keys (which can sign) and trusted issuers.
///
/// # Errors
/// A storage error.
pub fn all_keys(conn: &Connection) -> Result<Vec<ClinicKey>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.key_id, t.name, t.public_key, EXISTS (SELECT 1 FROM clinic_keys c WHERE c.key_id = t.key_id)
         FROM trusted_issuers t ORDER BY t.added_at_ms, t.name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ClinicKey {
            key_id: to_hex(&r.get::<_, Vec<u8>>(0)?),
            name: r.get(1)?,
            public_key: to_hex(&r.get::<_, Vec<u8>>(2)?),
            can_sign: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The clinic keys made on this device (their private keys are in the key store).
///
/// # Errors
/// A storage error.
pub fn own_key_ids(conn: &Connection) -> Result<Vec<KeyId>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT key_id FROM clinic_keys ORDER BY key_id")?;
    let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
    let mut out = Vec::new();
    for row in rows {
        let bytes = row?;
        let id = <[u8; 8]>::try_from(bytes.as_slice())
            .map_err(|_| StoreError::damaged("clinic_keys.key_id"))?;
        out.push(KeyId(id));
    }
    Ok(out)
}

/// Whether the clinic key `kid` was made on this device (its private key is then in the key
/// store).
///
/// # Errors
/// A storage error.
pub fn is_own_clinic_key(conn: &Connection, kid: &KeyId) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM clinic_keys WHERE key_id = ?1",
            [kid.0.as_slice()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Private keys a version before 8 kept in the database (`legacy_clinic_keys`), by key id, still
/// to be moved to the key store.
///
/// # Errors
/// A storage error.
pub fn legacy_private_keys(conn: &Connection) -> Result<Vec<(KeyId, Vec<u8>)>, StoreError> {
    let mut stmt = conn.prepare("SELECT key_id, private_pkcs8 FROM legacy_clinic_keys")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    rows.map(|row| {
        let (kid, pkcs8) = row?;
        let kid = <[u8; 8]>::try_from(kid.as_slice())
            .map_err(|_| StoreError::damaged("legacy_clinic_keys.key_id"))?;
        Ok((KeyId(kid), pkcs8))
    })
    .collect()
}

/// Erases the private keys moved to the key store (the connection overwrites deleted content).
///
/// # Errors
/// A storage error.
pub fn erase_legacy_private_keys(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute("DELETE FROM legacy_clinic_keys", [])?;
    Ok(())
}

/// Trusts the issuer `public_key` under `name` (a new name replaces the old one).
///
/// # Errors
/// A storage error.
pub fn trust_issuer(
    tx: &Transaction<'_>,
    name: &str,
    public_key: &[u8; 32],
    now: UtcDateTime,
) -> Result<KeyId, StoreError> {
    let kid = key_id_of(public_key);
    tx.execute(
        "INSERT INTO trusted_issuers (key_id, name, public_key, added_at_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key_id) DO UPDATE SET name = excluded.name",
        params![kid.0.as_slice(), name, public_key.as_slice(), to_millis(now)],
    )?;
    Ok(kid)
}

/// The trusted issuer with id `kid`, if any.
///
/// # Errors
/// A storage error.
pub fn trusted_issuer(conn: &Connection, kid: &KeyId) -> Result<Option<Issuer>, StoreError> {
    let row: Option<(String, Vec<u8>)> = conn
        .query_row(
            "SELECT name, public_key FROM trusted_issuers WHERE key_id = ?1",
            [kid.0.as_slice()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(name, pk)| {
        Ok(Issuer {
            name,
            public_key: pk
                .try_into()
                .map_err(|_| StoreError::damaged("trusted_issuers.public_key"))?,
        })
    })
    .transpose()
}

/// Logs an MRI scan with the follow-up the card asks for. Returns the stored scan.
///
/// # Errors
/// A storage error.
pub fn insert_mri_scan(
    tx: &Transaction<'_>,
    scanned_at: UtcDateTime,
    logged_at: UtcDateTime,
    follow_up: Option<FollowUpAction>,
) -> Result<MriScan, StoreError> {
    tx.execute(
        "INSERT INTO mri_scans (scanned_at_ms, logged_at_ms, follow_up) VALUES (?1, ?2, ?3)",
        params![
            to_millis(scanned_at),
            to_millis(logged_at),
            follow_up.map(FollowUpAction::code)
        ],
    )?;
    Ok(MriScan {
        id: tx.last_insert_rowid(),
        scanned_at: from_millis(to_millis(scanned_at)).unwrap_or(scanned_at),
        follow_up,
        pump_checked_at: None,
    })
}

/// Scans whose follow-up is not done yet, oldest first.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn pending_mri_follow_ups(conn: &Connection) -> Result<Vec<MriScan>, StoreError> {
    scans(conn, "follow_up IS NOT NULL AND pump_checked_at_ms IS NULL")
}

/// Every logged scan, oldest first.
///
/// # Errors
/// A storage error, or [`StoreError::Corrupt`] for a damaged row.
pub fn mri_scans(conn: &Connection) -> Result<Vec<MriScan>, StoreError> {
    scans(conn, "1")
}

/// Records that the pump was checked after scan `id` (the first time is kept). `false` if
/// there is no such scan.
///
/// # Errors
/// A storage error.
pub fn mark_pump_checked(
    tx: &Transaction<'_>,
    id: i64,
    at: UtcDateTime,
) -> Result<bool, StoreError> {
    let exists = tx
        .query_row("SELECT 1 FROM mri_scans WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some();
    tx.execute(
        "UPDATE mri_scans SET pump_checked_at_ms = ?2 WHERE id = ?1 AND pump_checked_at_ms IS NULL",
        params![id, to_millis(at)],
    )?;
    Ok(exists)
}

fn scans(conn: &Connection, condition: &str) -> Result<Vec<MriScan>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, scanned_at_ms, follow_up, pump_checked_at_ms FROM mri_scans WHERE {condition} ORDER BY scanned_at_ms, id"
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (id, at, follow_up, checked) = row?;
        Ok(MriScan {
            id,
            scanned_at: from_millis(at)
                .ok_or_else(|| StoreError::damaged("mri_scans.scanned_at"))?,
            follow_up: follow_up
                .map(|c| {
                    FollowUpAction::from_code(&c)
                        .ok_or_else(|| StoreError::damaged("mri_scans.follow_up"))
                })
                .transpose()?,
            pump_checked_at: checked
                .map(|ms| {
                    from_millis(ms).ok_or_else(|| StoreError::damaged("mri_scans.pump_checked_at"))
                })
                .transpose()?,
        })
    })
    .collect()
}
