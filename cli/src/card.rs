//! `thecal card`: the implanted-device ID card: make a demo card and clinic key, draw it
//! (text, SVG, PNG), check a card's QR code offline, log an MRI scan.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use thecal_core::Card;
use thecal_core::card::{
    CardFormat, CardLayout, FollowUpAction, Language, MriStatus, VerifyResult, VerifyStatus,
};

use crate::open;

use crate::card_png;

/// Options of `thecal card`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Fill in a demo card, make a clinic key and sign the card with it.
    Init {
        /// The data folder.
        #[arg(long)]
        db: PathBuf,
        /// The clinic's name on its key.
        #[arg(long, default_value = "Demo Pain Clinic")]
        clinic: String,
        /// How many days the signed card is valid.
        #[arg(long, default_value_t = 365)]
        valid_days: u32,
        /// The pump's serial on the card (default: the sample card's).
        #[arg(long)]
        pump_serial: Option<String>,
    },
    /// Draw the card.
    Render {
        /// The data folder.
        #[arg(long)]
        db: PathBuf,
        /// One or two languages, home language first: en, es, fr, de, it, pt, ar (e.g. fr,en).
        #[arg(long, default_value = "en")]
        lang: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "txt")]
        format: Format,
        /// Wallet card or phone screen.
        #[arg(long, value_enum, default_value = "card")]
        layout: Layout,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
        /// The patient's time zone, for dates.
        #[arg(long, default_value = "UTC")]
        tz: String,
    },
    /// Check a card's QR code offline: prints valid, expired, unknown issuer, tampered or not a
    /// card, and the card when its signature checks out. Exit status 0 only when valid.
    Verify {
        /// The data folder whose trusted clinic keys to use (default: none but --trust).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The QR code's text.
        #[arg(long, conflicts_with = "image", required_unless_present = "image")]
        text: Option<String>,
        /// A PNG picture of the card.
        #[arg(long)]
        image: Option<PathBuf>,
        /// Also trust this clinic public key (64 hex characters); may be repeated.
        #[arg(long)]
        trust: Vec<String>,
    },
    /// List the clinic keys this data folder knows (public keys to hand out).
    Keys {
        /// The data folder.
        #[arg(long)]
        db: PathBuf,
    },
    /// Log an MRI scan and print the pump check the card asks for afterwards.
    MriScan {
        /// The data folder.
        #[arg(long)]
        db: PathBuf,
        /// When the scan was (RFC 3339, default now).
        #[arg(long)]
        at: Option<DateTime<Utc>>,
        /// The language of the reminder.
        #[arg(long, default_value = "en")]
        lang: String,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Txt,
    Svg,
    Png,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Layout {
    Card,
    Phone,
}

/// Runs the command.
pub fn run(args: &Args) -> Result<(), String> {
    match &args.command {
        Command::Init {
            db,
            clinic,
            valid_days,
            pump_serial,
        } => {
            let card = open(db, "UTC")?.card();
            // The sample card every test suite uses (a made-up patient, a simulated pump).
            let mut data = thecal_sim::fixtures::sample_card();
            if let Some(serial) = pump_serial {
                data.device.serial.clone_from(serial);
            }
            crate::block_on(card.save(data)).map_err(|e| e.to_string())?;
            let key = crate::block_on(card.create_clinic_key(clinic.clone()))
                .map_err(|e| e.to_string())?;
            let signed = crate::block_on(card.issue(key.key_id.clone(), *valid_days))
                .map_err(|e| e.to_string())?;
            println!(
                "Demo card saved and signed by {} (key {}).",
                key.name, key.key_id
            );
            println!("Clinic public key: {}", key.public_key);
            println!("Valid until {}", signed.expires_at.format("%Y-%m-%d"));
            Ok(())
        }
        Command::Render {
            db,
            lang,
            format,
            layout,
            out,
            tz,
        } => {
            let languages = parse_languages(lang)?;
            let card = open(db, tz)?.card();
            let layout = match layout {
                Layout::Card => CardLayout::Card,
                Layout::Phone => CardLayout::Phone,
            };
            let as_core = match format {
                Format::Txt => CardFormat::Text,
                Format::Svg | Format::Png => CardFormat::Svg,
            };
            let mut bytes = crate::block_on(card.render(languages, as_core, layout))
                .map_err(|e| e.to_string())?;
            if matches!(format, Format::Png) {
                let svg = String::from_utf8(bytes).map_err(|e| e.to_string())?;
                bytes = card_png::png(&svg).map_err(|e| e.to_string())?;
            }
            std::fs::write(out, bytes)
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            Ok(())
        }
        Command::Verify {
            db,
            text,
            image,
            trust,
        } => verify(db.as_ref(), text.as_deref(), image.as_ref(), trust),
        Command::Keys { db } => {
            let keys = crate::block_on(open(db, "UTC")?.card().keys());
            for k in keys.map_err(|e| e.to_string())? {
                let role = if k.can_sign { "signs" } else { "trusted" };
                println!("{}  {}  {role}  {}", k.key_id, k.public_key, k.name);
            }
            Ok(())
        }
        Command::MriScan { db, at, lang } => {
            let language = parse_languages(lang)?[0];
            let card = open(db, "UTC")?.card();
            let scan = crate::block_on(card.log_mri_scan(at.unwrap_or_else(Utc::now)))
                .map_err(|e| e.to_string())?;
            println!("MRI scan logged (#{}).", scan.id);
            for s in crate::block_on(card.pending_mri_follow_ups()).map_err(|e| e.to_string())? {
                if let Some(action) = s.follow_up {
                    print_follow_up(&card, action, language, s.scanned_at);
                }
            }
            Ok(())
        }
    }
}

fn print_follow_up(card: &Arc<Card>, action: FollowUpAction, lang: Language, at: DateTime<Utc>) {
    let text = card.follow_up_text(action, lang);
    println!("{} ({}): {}", text.title, at.format("%Y-%m-%d"), text.body);
}

fn verify(
    db: Option<&PathBuf>,
    text: Option<&str>,
    image: Option<&PathBuf>,
    trust: &[String],
) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| format!("cannot create a temporary folder: {e}"))?;
    let dir = db.cloned().unwrap_or_else(|| tmp.path().to_owned());
    let card = open(&dir, "UTC")?.card();
    for (i, key) in trust.iter().enumerate() {
        crate::block_on(card.trust_issuer(
            format!("trusted on the command line ({})", i + 1),
            key.clone(),
        ))
        .map_err(|e| e.to_string())?;
    }
    let result = match (text, image) {
        (Some(t), _) => crate::block_on(card.verify(t.to_owned())),
        (None, Some(path)) => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            crate::block_on(card.verify(card_png::read_qr(&bytes).map_err(|e| e.to_string())?))
        }
        (None, None) => return Err("give --text or --image".into()),
    }
    .map_err(|e| e.to_string())?;
    print_result(&result);
    if result.status == VerifyStatus::Valid {
        Ok(())
    } else {
        Err(verdict(result.status).to_owned())
    }
}

fn verdict(s: VerifyStatus) -> &'static str {
    match s {
        VerifyStatus::Valid => "valid: signed by a trusted clinic, unchanged, not expired",
        VerifyStatus::Expired => "expired: signed by a trusted clinic but past its expiry date",
        VerifyStatus::UnknownIssuer => {
            "unknown issuer: signed by a clinic key this device does not trust"
        }
        VerifyStatus::Tampered => "tampered: changed after signing or damaged; do not rely on it",
        VerifyStatus::NotACard => "not a card: this is not a Thecal card code",
    }
}

fn print_result(r: &VerifyResult) {
    println!("{}", verdict(r.status));
    if let Some(name) = &r.issuer_name {
        println!(
            "Issuer: {name} (key {})",
            r.key_id.clone().unwrap_or_default()
        );
    } else if let Some(kid) = &r.key_id {
        println!("Issuer key: {kid}");
    }
    if let (Some(i), Some(e)) = (r.issued_at, r.expires_at) {
        println!(
            "Issued {}, valid until {}",
            i.format("%Y-%m-%d"),
            e.format("%Y-%m-%d")
        );
    }
    if let Some(c) = &r.card {
        println!("Patient: {}", c.patient_name);
        println!(
            "Device: {} ({} {}, serial {})",
            c.device.name, c.device.manufacturer, c.device.model, c.device.serial
        );
        println!("Implanted on {}", c.implant_date);
        for d in &c.drugs {
            println!(
                "Drug: {} {} mg/mL",
                d.name,
                d.concentration.milligrams_per_milliliter()
            );
        }
        println!(
            "Clinic: {}, {}, {}",
            c.clinic.name, c.clinic.physician, c.clinic.phone
        );
        let mri = match &c.mri.status {
            MriStatus::Safe => "MR Safe".to_owned(),
            MriStatus::Unsafe => "MR Unsafe".to_owned(),
            MriStatus::Conditional { conditions } => format!(
                "MR Conditional ({} mT; gradient {} mT/m; SAR {} mW/kg)",
                conditions
                    .static_field_mt
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(" or "),
                conditions.max_spatial_gradient_mt_per_m,
                conditions.max_whole_body_sar_mw_per_kg
            ),
        };
        println!("MRI: {mri}");
    }
}

fn parse_languages(list: &str) -> Result<Vec<Language>, String> {
    list.split(',')
        .map(|code| {
            Language::from_code(code.trim()).ok_or_else(|| {
                format!("unknown language {code:?}: use en, es, fr, de, it, pt or ar")
            })
        })
        .collect()
}
