//! The card's QR code read by a decoder no one here wrote: zbar's `zbarimg` (Debian
//! zbar-tools) reads the PNG made by `thecal card render`, and `thecal card verify` accepts
//! what it read, for English and Arabic, card and phone sizes. A changed character is refused.

use std::path::Path;
use std::process::{Command, Output};

fn thecal(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_thecal"))
        .args(args)
        .output()
        .expect("the thecal binary runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "thecal failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn zbarimg(png: &Path) -> String {
    let out = match Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(png)
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!(
            "zbarimg is not installed ({e}): install Debian's zbar-tools (bash tests/toolchains.sh host)"
        ),
    };
    assert!(
        out.status.success(),
        "zbarimg found no QR code in {}: {}",
        png.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("zbarimg prints the payload as text")
}

#[test]
fn zbarimg_reads_the_rendered_card_and_thecal_verifies_it() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let db = dir.path().join("db");
    let db = db.to_str().expect("a UTF-8 path");
    ok(&thecal(&["card", "init", "--db", db]));
    for (lang, layout) in [
        ("en", "card"),
        ("ar", "card"),
        ("en", "phone"),
        ("ar,fr", "phone"),
    ] {
        let png = dir.path().join(format!("{lang}-{layout}.png"));
        let png_s = png.to_str().expect("a UTF-8 path");
        ok(&thecal(&[
            "card", "render", "--db", db, "--lang", lang, "--format", "png", "--layout", layout,
            "--out", png_s,
        ]));
        let text = zbarimg(&png);
        let text = text.trim_end();
        assert!(
            text.starts_with("THECAL1:"),
            "{lang} {layout}: read {text:?}"
        );
        let out = ok(&thecal(&["card", "verify", "--db", db, "--text", text]));
        assert!(out.starts_with("valid:"), "{lang} {layout}: {out}");
        assert!(
            out.contains(&format!("Patient: {}", sample_name())),
            "{out}"
        );
        // The same PNG through thecal's own QR reader.
        let out = ok(&thecal(&["card", "verify", "--db", db, "--image", png_s]));
        assert!(out.starts_with("valid:"), "{out}");

        // One changed character: refused, with a non-zero exit status.
        let mut chars: Vec<char> = text.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        let out = thecal(&["card", "verify", "--db", db, "--text", &tampered]);
        assert!(!out.status.success(), "a changed payload was accepted");
        assert!(!String::from_utf8_lossy(&out.stdout).contains(&sample_name()));
    }
    // Without the clinic's key the card is from an unknown issuer.
    let png = dir.path().join("en-card.png");
    let text = zbarimg(&png);
    let out = thecal(&["card", "verify", "--text", text.trim_end()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("unknown issuer"));
}

/// The patient's name on the sample card `thecal card init` saves (the shared fixture).
fn sample_name() -> String {
    thecal_sim::fixtures::sample_card().patient_name
}
