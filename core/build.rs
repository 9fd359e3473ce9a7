//! Packs the words (`core/locales/<lang>/*.ftl`) for the library: comment lines dropped and each
//! file deflated, so seven languages cost the phone library about 70 KB instead of 300 KB
//! (decision 0006). `l10n::source` inflates a file the first time a bundle needs it.

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
    for lang in LANGUAGES {
        let dir = Path::new(&out).join("locales").join(lang);
        std::fs::create_dir_all(&dir).expect("OUT_DIR is writable");
        for file in FILES {
            let source = locales.join(lang).join(format!("{file}.ftl"));
            // A file a language does not have (the report in Arabic) is left out; `source.rs`
            // says which exist.
            let Ok(text) = std::fs::read_to_string(&source) else {
                continue;
            };
            // A line starting with `#` is a Fluent comment (a pattern's lines are indented).
            let kept: String = text
                .lines()
                .filter(|l| !l.starts_with('#'))
                .flat_map(|l| [l, "\n"])
                .collect();
            let packed = miniz_oxide::deflate::compress_to_vec(kept.as_bytes(), 10);
            std::fs::write(dir.join(format!("{file}.ftl.z")), packed).expect("OUT_DIR is writable");
        }
    }
}
