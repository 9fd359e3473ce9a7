//! Drawing the card: plain text and SVG (pure, no fonts needed), with the QR code as SVG
//! squares. PNG is `png.rs`, behind the `png` feature.

use qrcode::{EcLevel, QrCode};

use super::Error;
use super::view::{CardView, MriMark};
use crate::l10n::{Domain, Texts};

/// The size the card is drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CardLayout {
    /// A wallet card: ID-1 width (85.6 mm) at 300 dpi, 7.5 pt text, long enough for everything
    /// (print it and fold it).
    Card,
    /// A phone screen: 390 points wide at 3×, 16 pt text.
    Phone,
}

/// Plain text: every view, then the QR payload (so a text copy can still be checked).
#[must_use]
pub fn text(views: &[CardView], payload: Option<&str>) -> String {
    let mut out = String::new();
    for v in views {
        // Right-to-left text is kept in logical order: terminals and editors lay it out.
        out.push_str(&format!("{} — {}\n", v.title, v.subtitle));
        out.push_str(&"=".repeat(v.title.chars().count() + v.subtitle.chars().count() + 3));
        out.push('\n');
        for s in &v.sections {
            out.push('\n');
            match &s.badge {
                Some(b) => out.push_str(&format!("{} [{}]\n", s.title, b.text)),
                None => out.push_str(&format!("{}\n", s.title)),
            }
            for r in &s.rows {
                match &r.label {
                    Some(l) if l == "•" => out.push_str(&format!("  • {}\n", r.text)),
                    Some(l) if r.text.is_empty() => {
                        out.push_str(&format!("  {}\n", label_prefix(v, l).trim_end()));
                    }
                    Some(l) => out.push_str(&format!("  {}{}\n", label_prefix(v, l), r.text)),
                    None => out.push_str(&format!("  {}\n", r.text)),
                }
            }
        }
        out.push('\n');
    }
    if let Some(p) = payload {
        out.push_str(p);
        out.push('\n');
    }
    out
}

/// Sizes in SVG pixels.
struct Metrics {
    width: f32,
    margin: f32,
    font: f32,
    qr_max: f32,
}

impl CardLayout {
    fn metrics(self) -> Metrics {
        match self {
            // 85.6 mm at 300 dpi; 7.5 pt = 31 px at 300 dpi.
            Self::Card => Metrics {
                width: 1011.0,
                margin: 36.0,
                font: 31.0,
                qr_max: 720.0,
            },
            // 390 pt at 3 px per pt; 16 pt text.
            Self::Phone => Metrics {
                width: 1170.0,
                margin: 48.0,
                font: 48.0,
                qr_max: 900.0,
            },
        }
    }
}

const INK: &str = "#000000";
const HEADER_BG: &str = "#0b3d91";
const SECTION_BG: &str = "#e6ecf5";
const FONTS: &str = "DejaVu Sans, Noto Sans, Noto Sans Arabic, Arial, sans-serif";

/// The card as an SVG document: the views one after the other, then the QR code.
///
/// # Errors
/// [`Error::Rendering`] if the payload does not fit a QR code.
pub fn svg(views: &[CardView], payload: Option<&str>, layout: CardLayout) -> Result<String, Error> {
    let m = layout.metrics();
    let mut body = String::new();
    let mut y = 0.0_f32;
    for v in views {
        y = draw_view(&mut body, v, &m, y);
    }
    if let Some(p) = payload {
        y = draw_qr(&mut body, p, &m, y)?;
    }
    let height = (y + m.margin).ceil();
    Ok(format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" viewBox="0 0 {w} {height}" font-family="{FONTS}" font-size="{f}" fill="{INK}">
<rect width="{w}" height="{height}" fill="#ffffff"/>
{body}</svg>
"##,
        w = m.width,
        f = m.font,
    ))
}

fn draw_view(out: &mut String, v: &CardView, m: &Metrics, mut y: f32) -> f32 {
    let rtl = v.right_to_left;
    let content = m.width - 2.0 * m.margin;
    // Header band: title and subtitle, white on dark blue.
    let title_size = m.font * 1.35;
    let title_lines = wrap(&v.title, content, title_size, true);
    let sub_lines = wrap(&v.subtitle, content, m.font, false);
    let band = m.margin * 0.6
        + title_size * 1.25 * title_lines.len() as f32
        + m.font * 1.3 * sub_lines.len() as f32
        + m.margin * 0.5;
    out.push_str(&format!(
        r##"<g lang="{lang}"><rect x="0" y="{y}" width="{w}" height="{band}" fill="{HEADER_BG}"/>"##,
        lang = v.language.code(),
        w = m.width,
    ));
    let mut ty = y + m.margin * 0.6;
    for l in &title_lines {
        ty += title_size * 1.05;
        line(out, m, rtl, ty, title_size, "#ffffff", &[(l, true)]);
        ty += title_size * 0.2;
    }
    for l in &sub_lines {
        ty += m.font * 1.1;
        line(out, m, rtl, ty, m.font, "#ffffff", &[(l, false)]);
        ty += m.font * 0.2;
    }
    y += band + m.font * 0.6;

    for s in &v.sections {
        // Section heading on a light band, in bold.
        let head_lines = wrap(&s.title, content - m.font * 0.6, m.font * 1.05, true);
        let head_h = m.font * 1.3 * head_lines.len() as f32 + m.font * 0.5;
        out.push_str(&format!(
            r##"<rect x="{x}" y="{y}" width="{w}" height="{head_h}" fill="{SECTION_BG}"/>"##,
            x = m.margin * 0.5,
            w = m.width - m.margin,
        ));
        let mut hy = y + m.font * 0.25;
        for l in &head_lines {
            hy += m.font * 1.05;
            line(out, m, rtl, hy, m.font * 1.05, INK, &[(l, true)]);
            hy += m.font * 0.25;
        }
        y += head_h + m.font * 0.35;
        if let Some(b) = &s.badge {
            y = draw_badge(out, m, rtl, y, &b.text, b.mri);
        }
        for r in &s.rows {
            let (label, indent) = match r.label.as_deref() {
                Some("•") => (Some("•"), m.font * 0.9),
                Some(l) => (Some(l), 0.0),
                None => (None, 0.0),
            };
            let first_prefix = match label {
                Some("•") | None => String::new(),
                Some(l) if r.text.is_empty() => l.to_owned(),
                Some(l) => label_prefix(v, l),
            };
            let lines = wrap_with_prefix(&first_prefix, &r.text, content - indent, m.font);
            for (i, text_line) in lines.iter().enumerate() {
                y += m.font * 1.2;
                let mut parts: Vec<(&str, bool)> = vec![];
                if i == 0 && !first_prefix.is_empty() {
                    parts.push((&first_prefix, true));
                }
                parts.push((text_line, false));
                if i == 0 && label == Some("•") {
                    bullet(out, m, rtl, y);
                }
                line_at(out, m, rtl, indent, y, m.font, INK, &parts);
            }
            y += m.font * 0.2;
        }
        y += m.font * 0.6;
    }
    out.push_str("</g>\n");
    y
}

fn draw_badge(out: &mut String, m: &Metrics, rtl: bool, y: f32, text: &str, mark: MriMark) -> f32 {
    // The ASTM F2503 colours (green, yellow, red) with text that stays readable on them.
    let (bg, fg) = match mark {
        MriMark::Safe => ("#1a7f37", "#ffffff"),
        MriMark::Conditional => ("#ffd100", "#000000"),
        MriMark::Unsafe => ("#b40000", "#ffffff"),
    };
    let size = m.font * 1.1;
    let w = text_width(text, size, true) + size * 1.2;
    let h = size * 1.7;
    let x = if rtl {
        m.width - m.margin - w
    } else {
        m.margin
    };
    out.push_str(&format!(
        r##"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{r}" fill="{bg}" stroke="#000000" stroke-width="3"/><text x="{tx}" y="{ty}" font-size="{size}" font-weight="bold" fill="{fg}" text-anchor="middle">{t}</text>"##,
        r = size * 0.2,
        tx = x + w / 2.0,
        ty = y + h * 0.5 + size * 0.36,
        t = esc(text),
    ));
    y + h + m.font * 0.2
}

fn bullet(out: &mut String, m: &Metrics, rtl: bool, y: f32) {
    let r = m.font * 0.16;
    let cx = if rtl {
        m.width - m.margin - m.font * 0.35
    } else {
        m.margin + m.font * 0.35
    };
    out.push_str(&format!(
        r##"<circle cx="{cx}" cy="{cy}" r="{r}" fill="{INK}"/>"##,
        cy = y - m.font * 0.33
    ));
}

fn line(
    out: &mut String,
    m: &Metrics,
    rtl: bool,
    y: f32,
    size: f32,
    fill: &str,
    parts: &[(&str, bool)],
) {
    line_at_colored(out, m, rtl, 0.0, y, size, fill, parts);
}

#[allow(clippy::too_many_arguments, reason = "a private drawing helper")]
fn line_at(
    out: &mut String,
    m: &Metrics,
    rtl: bool,
    indent: f32,
    y: f32,
    size: f32,
    fill: &str,
    parts: &[(&str, bool)],
) {
    line_at_colored(out, m, rtl, indent, y, size, fill, parts);
}

/// One line of text; right-to-left lines start at the right margin.
#[allow(clippy::too_many_arguments, reason = "a private drawing helper")]
fn line_at_colored(
    out: &mut String,
    m: &Metrics,
    rtl: bool,
    indent: f32,
    y: f32,
    size: f32,
    fill: &str,
    parts: &[(&str, bool)],
) {
    // A right-to-left line is one right-to-left isolate (RLI … PDI) anchored at the right
    // margin. Renderers disagree on what `direction="rtl"` does to `text-anchor` (resvg and
    // browsers anchor opposite ends), but all of them apply the Unicode bidi algorithm to the
    // isolate the same way.
    let (x, anchor, open, close) = if rtl {
        (
            m.width - m.margin - indent,
            r##" text-anchor="end""##,
            "\u{2067}",
            "\u{2069}",
        )
    } else {
        (m.margin + indent, "", "", "")
    };
    out.push_str(&format!(
        r##"<text x="{x}" y="{y}" font-size="{size}" fill="{fill}" xml:space="preserve"{anchor}>{open}"##
    ));
    for (text, bold) in parts {
        if *bold {
            out.push_str(&format!(
                r##"<tspan font-weight="bold">{}</tspan>"##,
                esc(text)
            ));
        } else {
            out.push_str(&esc(text));
        }
    }
    out.push_str(close);
    out.push_str("</text>");
}

fn draw_qr(out: &mut String, payload: &str, m: &Metrics, y: f32) -> Result<f32, Error> {
    let code =
        QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).map_err(|_| {
            Error::Rendering {
                reason: "the signed card is too long for a QR code".into(),
            }
        })?;
    let n = code.width();
    let quiet = 4;
    let total = n + 2 * quiet;
    // Whole pixels per module keep the edges sharp for scanners.
    #[allow(
        clippy::cast_precision_loss,
        reason = "a QR code is at most 177 modules wide"
    )]
    let module = (m.qr_max / total as f32).floor().max(2.0);
    #[allow(clippy::cast_precision_loss, reason = "as above")]
    let size = module * total as f32;
    let x0 = ((m.width - size) / 2.0).floor();
    let y0 = (y + m.font * 0.4).floor();
    out.push_str(&format!(
        r##"<rect x="{x0}" y="{y0}" width="{size}" height="{size}" fill="#ffffff"/><path fill="#000000" shape-rendering="crispEdges" d=""##
    ));
    let colors = code.to_colors();
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            #[allow(clippy::cast_precision_loss, reason = "as above")]
            let (cx, cy) = (((i % n) + quiet) as f32, ((i / n) + quiet) as f32);
            out.push_str(&format!(
                "M{} {}h{module}v{module}h-{module}z",
                x0 + cx * module,
                y0 + cy * module
            ));
        }
    }
    out.push_str("\"/>\n");
    Ok(y0 + size)
}

/// Approximate advance width of `s` in DejaVu Sans at `size` (a little generous, so lines never
/// overflow the card).
fn text_width(s: &str, size: f32, bold: bool) -> f32 {
    let em: f32 = s
        .chars()
        .map(|c| match c {
            ' ' | '\u{a0}' => 0.32,
            // Bidi controls take no room.
            '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => 0.0,
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' | '(' | ')' => 0.34,
            'm' | 'w' | 'M' | 'W' | '@' => 0.92,
            c if c.is_ascii_digit() => 0.64,
            c if c.is_ascii_uppercase() => 0.7,
            c if c.is_ascii_lowercase() => 0.57,
            // Arabic letters join and are mostly narrow; diacritics take no room.
            '\u{064B}'..='\u{065F}' | '\u{0670}' => 0.0,
            '\u{0600}'..='\u{06FF}' => 0.55,
            _ => 0.65,
        })
        .sum();
    em * size * if bold { 1.1 } else { 1.0 }
}

/// The words of `text`, with a number kept together with the number after it (so a phone
/// number such as "+44 20 7946 0000" is never split over two lines when it fits on one).
fn groups(text: &str) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for word in text.split(' ') {
        let glue = out.last().is_some_and(|prev| {
            prev.trim_end_matches(['\u{2069}', ')'])
                .ends_with(|c: char| c.is_ascii_digit())
        }) && word
            .trim_start_matches(['\u{2068}', '\u{2066}', '+', '('])
            .starts_with(|c: char| c.is_ascii_digit());
        match out.last_mut() {
            Some(prev) if glue => {
                prev.push(' ');
                prev.push_str(word);
            }
            _ => out.push(word.to_owned()),
        }
    }
    out
}

/// Greedy line breaking of `text` in a column `width` wide; the first line has `first_room`.
fn break_lines(text: &str, first_room: f32, width: f32, size: f32, bold: bool) -> Vec<String> {
    let mut lines: Vec<String> = vec![];
    let mut cur = String::new();
    for group in groups(text) {
        let room = if lines.is_empty() { first_room } else { width };
        let candidate = if cur.is_empty() {
            group.clone()
        } else {
            format!("{cur} {group}")
        };
        if text_width(&candidate, size, bold) <= room {
            cur = candidate;
            continue;
        }
        // Does not fit: the group goes to the next line, word by word if it is wider than a
        // whole line.
        if !cur.is_empty() || lines.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        if text_width(&group, size, bold) <= width {
            cur = group;
        } else {
            for word in group.split(' ') {
                let candidate = if cur.is_empty() {
                    word.to_owned()
                } else {
                    format!("{cur} {word}")
                };
                if text_width(&candidate, size, bold) > width && !cur.is_empty() {
                    lines.push(std::mem::take(&mut cur));
                    cur = word.to_owned();
                } else {
                    cur = candidate;
                }
            }
        }
    }
    lines.push(cur);
    if lines.len() > 1 && lines[0].is_empty() && first_room >= width {
        lines.remove(0);
    }
    balance_isolates(lines)
}

/// Each line is laid out on its own, so a bidi isolate (a right-to-left language's value)
/// broken over two lines is closed at the end of the first and reopened on the next.
fn balance_isolates(lines: Vec<String>) -> Vec<String> {
    let mut open = 0usize;
    lines
        .into_iter()
        .map(|line| {
            let mut out = "\u{2068}".repeat(open);
            out.push_str(&line);
            for c in line.chars() {
                match c {
                    '\u{2066}'..='\u{2068}' => open += 1,
                    '\u{2069}' => open = open.saturating_sub(1),
                    _ => {}
                }
            }
            out.push_str(&"\u{2069}".repeat(open));
            out
        })
        .collect()
}

fn wrap(text: &str, width: f32, size: f32, bold: bool) -> Vec<String> {
    break_lines(text, width, width, size, bold)
}

/// Wraps `text` after a bold `prefix` on the first line; returns the text part of each line
/// (the first is empty when not even one word fits after the prefix).
fn wrap_with_prefix(prefix: &str, text: &str, width: f32, size: f32) -> Vec<String> {
    break_lines(
        text,
        width - text_width(prefix, size, true),
        width,
        size,
        false,
    )
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// "Label: " in the card's language, with its spacing ("Émise le\u{a0}: "), before a value.
fn label_prefix(v: &CardView, label: &str) -> String {
    if v.right_to_left {
        // Arabic writes "label: value" too; the message would wrap the parts in isolates.
        return format!("{label}: ");
    }
    Texts::or_english(v.language, Domain::Card).format(
        "label-value",
        &[("label", label.into()), ("value", "".into())],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::data::tests::sample;
    use crate::card::view::build;
    use crate::l10n::Language;
    use crate::model::Zone;

    fn views(langs: &[Language]) -> Vec<CardView> {
        langs
            .iter()
            .map(|l| build(&sample(), None, *l, Zone::UTC))
            .collect()
    }

    #[test]
    fn text_has_both_languages_and_the_payload() {
        let t = text(
            &views(&[Language::French, Language::English]),
            Some("THECAL1:ABC"),
        );
        assert!(t.contains("Dispositif médical implanté"));
        assert!(t.contains("Implanted medical device"));
        assert!(
            t.contains("IRM\u{a0}: pour les manipulateurs et les radiologues [MR Conditional]")
        );
        // Unreviewed safety texts in French: shown in English, with the note in French.
        assert!(t.contains("  • The pump may stop during the scan"), "{t}");
        assert!(t.contains("Pas encore vérifié dans votre langue (Français)"));
        assert!(t.trim_end().ends_with("THECAL1:ABC"));
    }

    #[test]
    fn svg_escapes_text_and_marks_rtl() {
        let mut c = sample();
        c.patient_name = "A <b> & \"C\"".into();
        let v = vec![
            build(&c, None, Language::English, Zone::UTC),
            build(&c, None, Language::Arabic, Zone::UTC),
        ];
        let s = svg(&v, Some("THECAL1:ABC"), CardLayout::Card).unwrap();
        assert!(s.contains("A &lt;b&gt; &amp; &quot;C&quot;"));
        assert!(!s.contains("<b>"));
        assert!(s.contains(r##"<g lang="ar">"##) && s.contains("text-anchor=\"end\">\u{2067}"));
        assert!(s.contains("MR Conditional"));
        assert!(s.contains("crispEdges"), "the QR code is drawn");
    }

    #[test]
    fn long_words_and_lines_wrap_inside_the_card() {
        let lines = wrap("aaaa bbbb cccc dddd eeee ffff", 200.0, 20.0, false);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(text_width(l, 20.0, false) <= 200.0 || !l.contains(' '));
        }
        let w = wrap_with_prefix("Serial number: ", "x", 100.0, 20.0);
        assert_eq!(
            w,
            vec!["".to_owned(), "x".to_owned()],
            "no room after the label: next line"
        );
        assert_eq!(wrap("one", 1000.0, 20.0, false), vec!["one"]);
        // A phone number stays on one line when it fits on one.
        let w = wrap_with_prefix("Phone: ", "Jo Example, +44 7700 900000", 300.0, 20.0);
        assert!(w.iter().any(|l| l.contains("+44 7700 900000")), "{w:?}");
        // An isolate broken over two lines is closed and reopened.
        let w = wrap("\u{2068}aaaa bbbb\u{2069} c", 80.0, 20.0, false);
        assert_eq!(w, vec!["\u{2068}aaaa\u{2069}", "\u{2068}bbbb\u{2069} c"]);
        // A word wider than a line still gets a line of its own.
        assert_eq!(
            wrap(
                "a bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb c",
                100.0,
                20.0,
                false
            )
            .len(),
            3
        );
    }

    #[test]
    fn a_payload_too_long_for_a_qr_code_is_a_rendering_error() {
        let long = "A".repeat(5000);
        assert!(matches!(
            svg(&views(&[Language::English]), Some(&long), CardLayout::Phone),
            Err(Error::Rendering { .. })
        ));
    }
}
