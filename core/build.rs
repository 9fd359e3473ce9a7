//! Packs the words (`core/locales/<lang>/*.ftl`) for the library: comment lines dropped, and each
//! file's seven languages deflated together (one stream per file: `LANGUAGES` in order,
//! separated by NUL, a missing one empty; the languages share their message ids and structure,
//! so they pack well side by side), so the words cost the phone library about 55 KB instead of
//! 300 KB (decision 0006). `l10n::source` inflates a file the first time it is needed.

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
    let locales = Path::new(&manifest).join("locales");
    println!("cargo::rerun-if-changed=locales");
    let dir = Path::new(&out).join("locales");
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
