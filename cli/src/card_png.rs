//! The ID card as PNG, and QR codes read from pictures: resvg draws the core's SVG with real
//! glyph shaping (rustybuzz) and bidi, using the system's fonts (DejaVu Sans on Debian covers
//! Latin and Arabic); rqrr finds and decodes the QR code. Desktop and CLI only: the phone
//! library draws the SVG or the card views itself (see docs/decisions/0002-card-rendering.md).

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

/// Why a picture could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Drawing the card failed.
    #[error("The card could not be drawn ({reason}).")]
    Rendering {
        /// What went wrong (never card data).
        reason: String,
    },
    /// The image could not be read as a PNG picture.
    #[error("The image could not be read ({reason}). Use a PNG picture of the card.")]
    ImageUnreadable {
        /// What went wrong while reading it.
        reason: String,
    },
    /// No readable QR code was found in the image.
    #[error(
        "No readable QR code was found in the image. Use a sharper, well-lit picture of the whole card."
    )]
    NoQrCode,
}

/// The system fonts, loaded once per process (scanning them takes a while).
fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    Arc::clone(DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_system_fonts();
        if let Some(dir) = std::env::var_os("THECAL_FONT_DIR") {
            db.load_fonts_dir(dir);
        }
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    }))
}

/// Draws `svg` (the core's card SVG) as PNG bytes at its own pixel size.
///
/// # Errors
/// [`Error::Rendering`] when no font can draw the text, or the drawing fails.
pub fn png(svg: &str) -> Result<Vec<u8>, Error> {
    let db = fonts();
    if db.is_empty() {
        return Err(Error::Rendering {
            reason: "no fonts are installed (install DejaVu Sans, or set THECAL_FONT_DIR)".into(),
        });
    }
    let opts = usvg::Options {
        fontdb: db,
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opts).map_err(|e| Error::Rendering {
        reason: format!("the SVG could not be read: {e}"),
    })?;
    let size = tree.size().to_int_size();
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| Error::Rendering {
            reason: "the image is too large".into(),
        })?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| Error::Rendering {
        reason: format!("PNG encoding failed: {e}"),
    })
}

/// The largest picture read, in pixels (a 50-megapixel photo; 200 MB once decoded). A PNG
/// declares its size in its header: a damaged or crafted one may declare terabytes.
const MAX_PIXELS: u64 = 50_000_000;

/// The width and height a PNG declares in its header (`IHDR`, the first chunk), if it has one.
fn declared_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let ihdr = bytes.get(8..24)?;
    if &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &ihdr[4..8] != b"IHDR" {
        return None;
    }
    let word = |i: usize| u32::from_be_bytes([ihdr[i], ihdr[i + 1], ihdr[i + 2], ihdr[i + 3]]);
    Some((word(8), word(12)))
}

/// The text of the first QR code found in the PNG `bytes`.
///
/// # Errors
/// [`Error::ImageUnreadable`] for bytes that are not a PNG or a picture larger than 50
/// megapixels; [`Error::NoQrCode`].
pub fn read_qr(bytes: &[u8]) -> Result<String, Error> {
    if let Some((w, h)) = declared_size(bytes)
        && u64::from(w) * u64::from(h) > MAX_PIXELS
    {
        return Err(Error::ImageUnreadable {
            reason: format!("the picture is too large ({w} x {h} pixels; at most 50 megapixels)"),
        });
    }
    let pixmap = tiny_skia::Pixmap::decode_png(bytes).map_err(|e| Error::ImageUnreadable {
        reason: e.to_string(),
    })?;
    let (w, h) = (pixmap.width() as usize, pixmap.height() as usize);
    let data = pixmap.data();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let i = (y * w + x) * 4;
        // Premultiplied RGBA over white: luminance of the composited pixel.
        let (r, g, b, a) = (
            u32::from(data[i]),
            u32::from(data[i + 1]),
            u32::from(data[i + 2]),
            u32::from(data[i + 3]),
        );
        let lum = (r * 299 + g * 587 + b * 114) / 1000 + (255 - a);
        u8::try_from(lum.min(255)).unwrap_or(u8::MAX)
    });
    for grid in img.detect_grids() {
        if let Ok((_, content)) = grid.decode() {
            return Ok(content);
        }
    }
    Err(Error::NoQrCode)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;
    use thecal_core::card::render::svg;
    use thecal_core::card::{CardFormat, CardLayout, CardView, Language, VerifyStatus};
    use thecal_core::model::ManualClock;
    use thecal_core::{Thecal, ThecalConfig};
    use thecal_sim::fixtures::sample_card;

    use super::*;

    fn open() -> (tempfile::TempDir, Arc<Thecal>) {
        let dir = tempfile::tempdir().unwrap();
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        let config = ThecalConfig {
            time_zone: "Europe/Paris".into(),
            ..ThecalConfig::default()
        };
        let thecal = Thecal::open_with_clock(
            dir.path(),
            &config,
            Arc::new(ManualClock::new(now)),
            thecal_sim::fixtures::MemorySecretStore::new(),
        )
        .unwrap();
        crate::block_on(thecal.card().save(sample_card())).unwrap();
        (dir, thecal)
    }

    fn english_view(thecal: &Thecal) -> Vec<CardView> {
        crate::block_on(thecal.card().views(vec![Language::English])).unwrap()
    }

    #[test]
    fn a_rendered_card_reads_back_its_qr_code() {
        let (_d, thecal) = open();
        let v = english_view(&thecal);
        let payload = format!("THECAL1:{}", "ABC123 $%*+-./:".repeat(30));
        let bytes = png(&svg(&v, Some(&payload), CardLayout::Card).unwrap()).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(read_qr(&bytes).unwrap(), payload);
    }

    #[test]
    fn not_a_png_and_no_qr_are_typed_errors() {
        assert!(matches!(
            read_qr(b"hello"),
            Err(Error::ImageUnreadable { .. })
        ));
        let (_d, thecal) = open();
        let v = english_view(&thecal);
        let bytes = png(&svg(&v, None, CardLayout::Phone).unwrap()).unwrap();
        assert_eq!(read_qr(&bytes), Err(Error::NoQrCode));
    }

    #[test]
    fn a_picture_declaring_a_huge_size_is_refused_before_it_is_decoded() {
        // Found by the qr_image fuzz target: a damaged header declared 4.7 TB of pixels.
        let (_d, thecal) = open();
        let v = english_view(&thecal);
        let mut bytes = png(&svg(&v, None, CardLayout::Phone).unwrap()).unwrap();
        assert!(declared_size(&bytes).is_some_and(|(w, h)| w > 0 && h > 0));
        bytes[16..24].copy_from_slice(&[0, 1, 0, 0, 0, 1, 0, 0]); // 65,536 x 65,536
        assert_eq!(
            read_qr(&bytes),
            Err(Error::ImageUnreadable {
                reason: "the picture is too large (65536 x 65536 pixels; at most 50 megapixels)"
                    .into()
            })
        );
    }

    #[test]
    fn a_png_of_the_card_verifies() {
        let (_d, thecal) = open();
        let card = thecal.card();
        let key = crate::block_on(card.create_clinic_key("Clinic".into())).unwrap();
        crate::block_on(card.issue(key.key_id, 30)).unwrap();
        for lang in [Language::English, Language::Arabic] {
            for layout in [CardLayout::Card, CardLayout::Phone] {
                let svg =
                    crate::block_on(card.render(vec![lang], CardFormat::Svg, layout)).unwrap();
                let png = png(&String::from_utf8(svg).unwrap()).unwrap();
                let r = crate::block_on(card.verify(read_qr(&png).unwrap())).unwrap();
                assert_eq!(r.status, VerifyStatus::Valid, "{lang:?} {layout:?}");
            }
        }
    }
}
