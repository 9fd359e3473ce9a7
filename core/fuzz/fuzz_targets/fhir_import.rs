//! The FHIR import, on arbitrary input: reading a bundle may never panic; a bundle that reads
//! is written into a new store (then rolled back), where the only refusals are the import's own
//! typed ones (never a storage failure), and everything read is written.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use thecal_core::export::fhir::{self, FhirSummary};
use thecal_core::model::from_millis;
use thecal_core::store::{Store, StoreError};

/// How a write attempt ended; `Err` in every case, so the transaction is rolled back.
enum Outcome {
    Written(FhirSummary),
    Refused(fhir::Error),
    Store(StoreError),
}

impl From<StoreError> for Outcome {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("thecal-fuzz-fhir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Store::open_in_dir(&dir).expect("a store in the temporary folder")
    })
}

fuzz_target!(|data: &[u8]| {
    let now = from_millis(1_795_597_200_000).expect("a valid time");
    let Ok(imported) = fhir::parse_bundle(data, now) else {
        return;
    };
    let outcome = store()
        .write(|tx| -> Result<(), Outcome> {
            Err(match fhir::write_imported(tx, &imported) {
                Ok(s) => Outcome::Written(s),
                Err(e) => Outcome::Refused(e),
            })
        })
        .expect_err("always rolled back");
    match outcome {
        Outcome::Written(s) => {
            assert_eq!(s.pumps as usize, imported.pumps.len());
            assert_eq!(s.pain_entries as usize, imported.pain.len());
            assert_eq!(s.medication_entries as usize, imported.medications.len());
        }
        Outcome::Refused(fhir::Error::Bundle { .. }) => {}
        Outcome::Refused(e) => panic!("a refusal that is not the import's own: {e:?}"),
        Outcome::Store(e) => panic!("a storage failure: {e:?}"),
    }
});
