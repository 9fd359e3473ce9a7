//! `thecal export …`: the FHIR R4 bundle of a store, and its import into a new one. The same
//! calls the apps make (`Thecal::export()`).

use std::path::PathBuf;

use thecal_core::export::report::Paper;
use thecal_core::model::CalendarDate;

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
    /// Write the clinician report (PDF): device, refills, battery forecast, alarms, pain and
    /// medication charts, symptoms and the patient's notes.
    Report(ReportArgs),
}

#[derive(Debug, clap::Args)]
struct ReportArgs {
    /// The data folder of the store.
    #[arg(long)]
    db: PathBuf,
    /// The first local day (YYYY-MM-DD); default: the first thing recorded.
    #[arg(long)]
    from: Option<String>,
    /// The last local day (YYYY-MM-DD); default: today.
    #[arg(long)]
    to: Option<String>,
    /// The report's language: en, es, fr, de, it or pt.
    #[arg(long, default_value = "en")]
    lang: String,
    /// The paper: a4 or letter.
    #[arg(long, default_value = "a4")]
    paper: String,
    /// The PDF file to write.
    #[arg(long)]
    out: PathBuf,
}

fn date(field: &str, text: Option<&String>) -> Result<Option<CalendarDate>, String> {
    text.map(|t| {
        chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(CalendarDate::from_naive)
            .map_err(|_| format!("--{field} must be a date like 2026-03-14"))
    })
    .transpose()
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
        Command::Report(a) => {
            let paper = Paper::from_code(&a.paper).ok_or("--paper must be a4 or letter")?;
            let (from, to) = (date("from", a.from.as_ref())?, date("to", a.to.as_ref())?);
            let export = crate::open_existing(&a.db)?.export();
            let s = crate::block_on(export.write_report(
                a.out.to_string_lossy().into_owned(),
                from,
                to,
                a.lang.clone(),
                paper,
            ))
            .map_err(|e| e.to_string())?;
            println!(
                "{} pages, {} to {}, {} bytes -> {}",
                s.pages,
                s.from
                    .to_naive("from")
                    .map_or_else(|_| "?".into(), |d| d.to_string()),
                s.to.to_naive("to")
                    .map_or_else(|_| "?".into(), |d| d.to_string()),
                s.bytes,
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
