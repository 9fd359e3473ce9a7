//! The report's one font: a Latin subset of DejaVu Sans Condensed (its licence in
//! `font/LICENSE-DejaVu.txt`), made by `font/make_font.py` and embedded in every report whole
//! (31 KB), already compressed. Text is measured with the generated table of glyph ids and
//! widths, so the library never parses the font program. Bold is drawn by stroking the outline
//! as well as filling it: no second font.
//!
//! Characters outside the subset (another script in a note, an emoji) are drawn as U+FFFD, the
//! replacement character, and searched as such.

mod glyphs {
    include!("font/glyphs.rs");
}

pub(super) use glyphs::{ASCENT, BBOX, CAP_HEIGHT, DESCENT, FONT_LENGTH, UNITS_PER_EM};

/// The font program, zlib-compressed (a PDF `FlateDecode` stream as it is).
pub(super) const PROGRAM: &[u8] = include_bytes!("font/latin.ttf.z");

/// The name the PDF gives the font (a subset: six capital letters, `+`, the font's name).
pub(super) const NAME: &[u8] = b"THECAL+DejaVuSansCondensed";

/// The glyph of a character and its advance width in font units; U+FFFD's for a character
/// the font lacks.
pub(super) fn glyph(c: char) -> (u16, u16) {
    let c = match c {
        '\t' | '\n' | '\r' => ' ',
        // A narrow no-break space is drawn as a no-break space.
        '\u{202f}' => '\u{a0}',
        c => c,
    };
    let find = |c: char| {
        glyphs::GLYPHS
            .binary_search_by_key(&c, |g| g.0)
            .ok()
            .map(|i| (glyphs::GLYPHS[i].1, glyphs::GLYPHS[i].2))
    };
    find(c).or_else(|| find('\u{fffd}')).unwrap_or((0, 0))
}

/// The character a glyph stands for (for the PDF's `ToUnicode` map).
pub(super) fn character(gid: u16) -> Option<char> {
    glyphs::GLYPHS.iter().find(|g| g.1 == gid).map(|g| g.0)
}

/// The width of `text` at `size` points.
pub(super) fn width(text: &str, size: f32) -> f32 {
    let units: u32 = text.chars().map(|c| u32::from(glyph(c).1)).sum();
    #[allow(clippy::cast_precision_loss)]
    let units = units as f32;
    units * size / f32::from(UNITS_PER_EM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_of_the_report_is_covered_and_the_rest_is_replaced() {
        for c in "AZaz09éèêëàâçôûùïîœŒñÑãõáíóúüÜßÄÖäöł€–—“”‘’…≤≥±×µ°·".chars()
        {
            assert_ne!(glyph(c), glyph('\u{fffd}'), "{c}");
        }
        assert_eq!(glyph('日'), glyph('\u{fffd}'));
        assert_eq!(glyph('😀'), glyph('\u{fffd}'));
        assert_eq!(character(glyph('é').0), Some('é'));
        assert!(width("Thecal", 10.0) > 20.0);
        assert!(glyphs::GLYPHS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(FONT_LENGTH, 30_980);
    }
}
