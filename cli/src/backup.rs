//! `thecal backup create|restore`: the encrypted backup of a store (age format, passphrase),
//! and its restore. The same calls the apps make (`Thecal::export()`); the passphrase is read
//! from a file (one line), never from the command line.

use std::path::{Path, PathBuf};

/// `thecal backup …`
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Back the store up into one encrypted file.
    Create(CreateArgs),
    /// Replace the store's data by a backup (checked whole first; on any error nothing
    /// changes).
    Restore(RestoreArgs),
}

#[derive(Debug, clap::Args)]
struct CreateArgs {
    /// The data folder of the store.
    #[arg(long)]
    db: PathBuf,
    /// The backup file to write.
    #[arg(long)]
    out: PathBuf,
    /// A file holding the passphrase (its first line).
    #[arg(long)]
    passphrase_file: PathBuf,
}

#[derive(Debug, clap::Args)]
struct RestoreArgs {
    /// The data folder of the store (created if needed).
    #[arg(long)]
    db: PathBuf,
    /// The backup file to read.
    #[arg(long = "in")]
    input: PathBuf,
    /// A file holding the passphrase (its first line).
    #[arg(long)]
    passphrase_file: PathBuf,
}

/// The passphrase: the file's first line, without its line ending.
fn passphrase(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the passphrase file {}: {e}", path.display()))?;
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    match &args.command {
        Command::Create(a) => {
            let pass = passphrase(&a.passphrase_file)?;
            let export = crate::open_existing(&a.db)?.export();
            let info =
                crate::block_on(export.create_backup(a.out.to_string_lossy().into_owned(), pass))
                    .map_err(|e| e.to_string())?;
            println!(
                "backup of {} rows (data version {}) -> {} ({} bytes)",
                info.total_rows,
                info.schema_version,
                a.out.display(),
                info.file_bytes
            );
        }
        Command::Restore(a) => {
            let pass = passphrase(&a.passphrase_file)?;
            let export = crate::open(&a.db, "UTC")?.export();
            let info = crate::block_on(
                export.restore_backup(a.input.to_string_lossy().into_owned(), pass),
            )
            .map_err(|e| e.to_string())?;
            println!(
                "restored {} rows (data version {}, made {})",
                info.total_rows,
                info.schema_version,
                info.created_at.format("%Y-%m-%d %H:%M UTC")
            );
        }
    }
    Ok(())
}
