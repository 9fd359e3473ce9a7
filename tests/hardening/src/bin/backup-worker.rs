//! The backup crash trials' worker: makes or restores backups through the public API, one
//! after another, until it is killed.
//!
//! - `backup-worker create DATA_DIR OUT PASSPHRASE`: backs `DATA_DIR` up into `OUT`, again and
//!   again;
//! - `backup-worker restore DATA_DIR PASSPHRASE FILE...`: restores each `FILE` in turn into
//!   `DATA_DIR`, again and again.
//!
//! Before each operation it prints `start N` on stdout, after it `done N`. The harness
//! (`tests/backup_crash.rs`) kills it with `SIGKILL` in the middle of one and checks the files.

use std::io::Write;
use std::sync::Arc;

use thecal_core::{Thecal, ThecalConfig};
use thecal_hardening::block_on;
use thecal_sim::fixtures::MemorySecretStore;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, data) = (args[0].as_str(), &args[1]);
    let thecal = block_on(Thecal::open(
        data.clone(),
        ThecalConfig::default(),
        Box::new(MemorySecretStore::new()),
    ))
    .expect("the app opens");
    let export = Arc::clone(&thecal).export();
    let mut out = std::io::stdout();
    for n in 0u64.. {
        let _ = writeln!(out, "start {n}");
        let _ = out.flush();
        match mode {
            "create" => {
                block_on(export.create_backup(args[2].clone(), args[3].clone()))
                    .expect("the backup is made");
            }
            _ => {
                let files = &args[3..];
                let file = &files[usize::try_from(n).unwrap_or(0) % files.len()];
                block_on(export.restore_backup(file.clone(), args[2].clone()))
                    .expect("the backup is restored");
            }
        }
        let _ = writeln!(out, "done {n}");
        let _ = out.flush();
    }
}
