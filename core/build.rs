//! Packs the words (`core/locales/<lang>/*.ftl`) for the library: comment lines dropped, and each
//! file's seven languages deflated together (one stream per file: `LANGUAGES` in order,
//! separated by NUL, a missing one empty; the languages share their message ids and structure,
//! so they pack well side by side), so the words cost the phone library about 55 KB instead of
//! 300 KB (decision 0006). `l10n::source` inflates a file the first time it is needed.
//!
//! Packs the store's migrations (`src/store/migrations/NNNN_*.sql`) the same way: every file in
//! order, byte for byte (their text, comments included, is what SQLite keeps as the schema),
//! NUL between them, deflated together: 12 KB instead of 47 KB. `store::migrations` inflates them
//! when a database is created or upgraded.

use std::path::Path;

const LANGUAGES: [&str; 7] = ["en", "es", "fr", "de", "it", "pt", "ar"];
const FILES: [&str; 8] = [
    "common",
    "card",
    "report",
    "recovery",
    "alarms",
    "notifications",
    "dashboard",
    "alerts",
];

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    pack_locales(Path::new(&manifest), Path::new(&out));
    pack_migrations(Path::new(&manifest), Path::new(&out));
}

fn pack_locales(manifest: &Path, out: &Path) {
    let locales = manifest.join("locales");
    println!("cargo::rerun-if-changed=locales");
    let dir = out.join("locales");
    std::fs::create_dir_all(&dir).expect("OUT_DIR is writable");
    for file in FILES {
        let mut packed_text = String::new();
        for (i, lang) in LANGUAGES.iter().enumerate() {
            if i > 0 {
                packed_text.push('\0');
            }
            let source = locales.join(lang).join(format!("{file}.ftl"));
            // A file a language does not have (the report in Arabic) stays empty.
            let Ok(text) = std::fs::read_to_string(&source) else {
                continue;
            };
            assert!(
                !text.contains('\0'),
                "{}: a NUL in a language file",
                source.display()
            );
            // A line starting with `#` is a Fluent comment (a pattern's lines are indented).
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                packed_text.push_str(line);
                packed_text.push('\n');
            }
        }
        let packed = miniz_oxide::deflate::compress_to_vec(packed_text.as_bytes(), 10);
        std::fs::write(dir.join(format!("{file}.ftl.z")), packed).expect("OUT_DIR is writable");
    }
}

/// `migrations.sql.z` (the files in order, NUL between them) and `migrations.rs` (their number).
fn pack_migrations(manifest: &Path, out: &Path) {
    let dir = manifest.join("src/store/migrations");
    println!("cargo::rerun-if-changed=src/store/migrations");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the migrations folder is readable")
        .map(|e| {
            e.expect("a readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    let mut packed_text = String::new();
    for (i, name) in names.iter().enumerate() {
        // Numbered from 0001 without a gap: the number is the schema version it makes.
        assert!(
            name.starts_with(&format!("{:04}_", i + 1)),
            "{name}: migrations are numbered 0001, 0002, … without a gap"
        );
        let text = std::fs::read_to_string(dir.join(name)).expect("a readable migration");
        assert!(!text.contains('\0'), "{name}: a NUL in a migration");
        if i > 0 {
            packed_text.push('\0');
        }
        packed_text.push_str(&text);
    }
    let packed = miniz_oxide::deflate::compress_to_vec(packed_text.as_bytes(), 10);
    std::fs::write(out.join("migrations.sql.z"), packed).expect("OUT_DIR is writable");
    std::fs::write(
        out.join("migrations.rs"),
        format!(
            "/// How many migrations there are.\nconst MIGRATION_COUNT: usize = {};\n",
            names.len()
        ),
    )
    .expect("OUT_DIR is writable");
}
