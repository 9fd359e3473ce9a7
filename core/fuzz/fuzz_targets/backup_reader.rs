//! The backup reader, on arbitrary input: neither the age decryption of a file nor the reading
//! of its plaintext may panic; a plaintext is accepted only with a manifest whose size and
//! SHA-256 match the database after it, and then the database check (SQLite's integrity check,
//! schema version, row counts) runs on it.
//!
//! The first byte picks how the rest is used:
//! - even: as a backup file, opened with the seeds' passphrase (work factors above 4 are
//!   refused before any scrypt work, so mutations of the header stay fast);
//! - odd: as the plaintext inside (first line, manifest, database).
#![no_main]

use libfuzzer_sys::fuzz_target;
use thecal_core::export::backup;

/// The passphrase of the committed seeds (`seed-backup-corpus.sh`).
const PASSPHRASE: &str = "fuzzing passphrase";

fn check_plaintext(plain: impl std::io::Read) {
    let mut db = Vec::new();
    if let Ok(m) = backup::read_payload(plain, &mut db) {
        assert_eq!(m.database_bytes, db.len() as u64, "the manifest's size is the database's");
        let path = std::env::temp_dir().join(format!("thecal-fuzz-{}.sqlite3", std::process::id()));
        std::fs::write(&path, &db).expect("a temporary file");
        let _ = backup::check_database(&path, &m);
        let _ = std::fs::remove_file(&path);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Ok(plain) = backup::decrypt(rest, PASSPHRASE, 4) {
            check_plaintext(plain);
        }
    } else {
        check_plaintext(rest);
    }
});
