//! `thecal export …`: the FHIR R4 bundle of a store, and its import into a new one. The same
//! calls the apps make (`Thecal::export()`).

use std::path::PathBuf;

/// `thecal export …`
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Write the FHIR R4 bundle (pumps, implant, refills, intrathecal drug, pain scores,
    /// medication log) of a store.
    Fhir(FhirArgs),
    /// Read a FHIR bundle Thecal exported into a new (empty) store.
    ImportFhir(ImportArgs),
}

#[derive(Debug, clap::Args)]
struct FhirArgs {
    /// The data folder of the store.
    #[arg(long)]
    db: PathBuf,
    /// The bundle file to write (JSON).
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The data folder of the new store (created if needed; must hold no data).
    #[arg(long)]
    db: PathBuf,
    /// The bundle file to read.
    #[arg(long = "in")]
    input: PathBuf,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    match &args.command {
        Command::Fhir(a) => {
            let export = crate::open_existing(&a.db)?.export();
            let s = crate::block_on(export.write_fhir_bundle(a.out.to_string_lossy().into_owned()))
                .map_err(|e| e.to_string())?;
            println!(
                "{} resources: {} pumps, {} refills, {} pain scores, {} medication doses -> {}",
                s.resources,
                s.pumps,
                s.refills,
                s.pain_entries,
                s.medication_entries,
                a.out.display()
            );
        }
        Command::ImportFhir(a) => {
            let export = crate::open(&a.db, "UTC")?.export();
            let s =
                crate::block_on(export.import_fhir_bundle(a.input.to_string_lossy().into_owned()))
                    .map_err(|e| e.to_string())?;
            println!(
                "imported {} pumps, {} refills, {} pain scores, {} medication doses",
                s.pumps, s.refills, s.pain_entries, s.medication_entries
            );
        }
    }
    Ok(())
}
