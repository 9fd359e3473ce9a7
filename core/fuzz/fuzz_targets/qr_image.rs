//! The QR reader for pictures of the ID card (`thecal card verify --image`), on arbitrary input:
//! it may never panic, and a picture it reads gives text, or one of its typed errors.
//!
//! The reader is the CLI's own source file (`cli/src/card_png.rs`), compiled in here so that the
//! fuzzer runs exactly the code the command ships, without building the CLI's BLE stack.
//!
//! The first byte picks how the rest is used:
//! - even: as the picture's bytes (PNG or not);
//! - odd: as the text of a QR code, drawn as a clean PNG (the core's QR encoder, 4 pixels a
//!   module), then damaged by flipping the bytes the text's own first bytes name: reading a
//!   clean picture must give the text back exactly, and a damaged one may fail but never give
//!   other text than the one drawn.
#![no_main]

#[path = "../../../cli/src/card_png.rs"]
#[allow(dead_code)] // the SVG-to-PNG half is not fuzzed here
mod card_png;

use libfuzzer_sys::fuzz_target;
use qrcode::{Color, QrCode};
use resvg::tiny_skia;

const SCALE: u32 = 4;
const QUIET: u32 = 4;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let _ = card_png::read_qr(rest);
        return;
    }
    let text = String::from_utf8_lossy(rest).into_owned();
    let Ok(code) = QrCode::new(text.as_bytes()) else {
        return; // too long for a QR code
    };
    let Some(png) = draw(&code) else {
        return;
    };
    if let Ok(read) = card_png::read_qr(&png) {
        assert_eq!(read, text, "a clean picture reads back its text");
    }
    // Damage the picture where the text's first bytes say.
    let mut damaged = png;
    for &b in rest.iter().take(4) {
        let i = usize::from(b) * 97 % damaged.len();
        damaged[i] ^= 0xFF;
    }
    if let Ok(read) = card_png::read_qr(&damaged) {
        assert_eq!(read, text, "a damaged picture reads its own text or nothing");
    }
});

/// The code as a black-on-white PNG with a quiet zone.
fn draw(code: &QrCode) -> Option<Vec<u8>> {
    let modules = u32::try_from(code.width()).ok()?;
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixmap = tiny_skia::Pixmap::new(side, side)?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let mut black = tiny_skia::Paint::default();
    black.set_color(tiny_skia::Color::BLACK);
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            let i = u32::try_from(i).ok()?;
            let (x, y) = (i % modules + QUIET, i / modules + QUIET);
            #[allow(clippy::cast_precision_loss)]
            let rect = tiny_skia::Rect::from_xywh(
                (x * SCALE) as f32,
                (y * SCALE) as f32,
                SCALE as f32,
                SCALE as f32,
            )?;
            pixmap.fill_rect(rect, &black, tiny_skia::Transform::identity(), None);
        }
    }
    pixmap.encode_png().ok()
}
