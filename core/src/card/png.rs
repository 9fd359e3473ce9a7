//! PNG output and QR reading from images (feature `png`): resvg draws the SVG with real glyph
//! shaping (rustybuzz) and bidi, using the system's fonts (DejaVu Sans on Debian covers Latin
//! and Arabic); rqrr finds and decodes the QR code. Desktop and CLI only: see
//! docs/decisions/0002-card-rendering.md.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::CardError;

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

/// Draws `svg` (from [`super::render::svg`]) as PNG bytes at its own pixel size.
///
/// # Errors
/// [`CardError::Rendering`] when no font can draw the text, or the drawing fails.
pub fn png(svg: &str) -> Result<Vec<u8>, CardError> {
    let db = fonts();
    if db.is_empty() {
        return Err(CardError::Rendering {
            reason: "no fonts are installed (install DejaVu Sans, or set THECAL_FONT_DIR)".into(),
        });
    }
    let opts = usvg::Options {
        fontdb: db,
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &opts).map_err(|e| CardError::Rendering {
        reason: format!("the SVG could not be read: {e}"),
    })?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| {
        CardError::Rendering {
            reason: "the image is too large".into(),
        }
    })?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| CardError::Rendering {
        reason: format!("PNG encoding failed: {e}"),
    })
}

/// The text of the first QR code found in the PNG `bytes`.
///
/// # Errors
/// [`CardError::ImageUnreadable`] for bytes that are not a PNG; [`CardError::NoQrCode`].
pub fn read_qr(bytes: &[u8]) -> Result<String, CardError> {
    let pixmap = tiny_skia::Pixmap::decode_png(bytes).map_err(|e| CardError::ImageUnreadable {
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
    Err(CardError::NoQrCode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::data::tests::sample;
    use crate::card::l10n::CardLanguage;
    use crate::card::render::{CardLayout, svg};
    use crate::card::view::build;

    #[test]
    fn a_rendered_card_reads_back_its_qr_code() {
        let v = [build(
            &sample(),
            None,
            CardLanguage::English,
            chrono_tz::UTC,
        )];
        let payload = format!("THECAL1:{}", "ABC123 $%*+-./:".repeat(30));
        let bytes = png(&svg(&v, Some(&payload), CardLayout::Card).unwrap()).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(read_qr(&bytes).unwrap(), payload);
    }

    #[test]
    fn not_a_png_and_no_qr_are_typed_errors() {
        assert!(matches!(
            read_qr(b"hello"),
            Err(CardError::ImageUnreadable { .. })
        ));
        let v = [build(
            &sample(),
            None,
            CardLanguage::English,
            chrono_tz::UTC,
        )];
        let bytes = png(&svg(&v, None, CardLayout::Phone).unwrap()).unwrap();
        assert_eq!(read_qr(&bytes), Err(CardError::NoQrCode));
    }
}
