//! Writing laid-out pages as a PDF 1.7 file with pdf-writer: the one embedded font as a
//! CID-keyed TrueType font (`Identity-H`, two bytes a glyph) with a `ToUnicode` map, so every
//! word can be searched and copied; vector paths for the charts. Content streams are not
//! compressed (the library carries no compressor; a five-year report stays a few hundred KB).

use std::collections::BTreeSet;

use pdf_writer::types::{
    CidFontType, FontFlags, LineCapStyle, SystemInfo, TextRenderingMode, UnicodeCmap,
};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::doc::{Op, Page, Paper, Pen};
use super::font;

const FONT: Name<'static> = Name(b"F1");

/// The PDF file of `pages`, titled `title`.
pub(crate) fn write(pages: &[Page], paper: Paper, title: &str) -> Vec<u8> {
    let (w, h) = paper.size();
    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let (catalog, tree, info) = (alloc(), alloc(), alloc());
    let (type0, cid, descriptor, program, cmap) = (alloc(), alloc(), alloc(), alloc(), alloc());
    let ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("Thecal"));
    let count = i32::try_from(ids.len()).unwrap_or(i32::MAX);
    pdf.pages(tree).kids(ids.iter().map(|p| p.0)).count(count);

    let mut used = BTreeSet::new();
    for (page, (id, content_id)) in pages.iter().zip(&ids) {
        let mut p = pdf.page(*id);
        p.media_box(Rect::new(0.0, 0.0, w, h))
            .parent(tree)
            .contents(*content_id);
        p.resources().fonts().pair(FONT, type0);
        p.finish();
        let content = draw(page, &mut used);
        pdf.stream(*content_id, &content);
    }

    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(Name(font::NAME))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let mut c = pdf.cid_font(cid);
    c.subtype(CidFontType::Type2)
        .base_font(Name(font::NAME))
        .system_info(system)
        .font_descriptor(descriptor)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let scale = 1000.0 / f32::from(font::UNITS_PER_EM);
    {
        let mut widths = c.widths();
        for &gid in &used {
            let advance = font::character(gid).map_or(0, |ch| font::glyph(ch).1);
            widths.consecutive(gid, [f32::from(advance) * scale]);
        }
    }
    c.finish();
    let [x0, y0, x1, y1] = font::BBOX.map(|v| f32::from(v) * scale);
    pdf.font_descriptor(descriptor)
        .name(Name(font::NAME))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(f32::from(font::ASCENT) * scale)
        .descent(f32::from(font::DESCENT) * scale)
        .cap_height(f32::from(font::CAP_HEIGHT) * scale)
        .stem_v(80.0)
        .font_file2(program);
    pdf.stream(program, font::PROGRAM)
        .filter(Filter::FlateDecode)
        .pair(
            Name(b"Length1"),
            i32::try_from(font::FONT_LENGTH).unwrap_or(0),
        );
    let mut map = UnicodeCmap::<u16>::new(Name(b"Thecal-UCS"), system);
    for &gid in &used {
        if let Some(ch) = font::character(gid) {
            map.pair(gid, ch);
        }
    }
    pdf.cmap(cmap, &map.finish());
    pdf.finish()
}

fn pen(c: &mut Content, p: Pen) {
    c.set_stroke_gray(p.gray).set_line_width(p.width);
    match p.dash {
        Some((on, off)) => c.set_dash_pattern([on, off], 0.0),
        None => c.set_dash_pattern([], 0.0),
    };
}

fn path(c: &mut Content, points: &[(f32, f32)]) {
    for (i, &(x, y)) in points.iter().enumerate() {
        if i == 0 {
            c.move_to(x, y);
        } else {
            c.line_to(x, y);
        }
    }
}

fn draw(page: &Page, used: &mut BTreeSet<u16>) -> Vec<u8> {
    let mut c = Content::new();
    c.set_line_cap(LineCapStyle::ButtCap);
    for op in &page.ops {
        match op {
            Op::Text {
                x,
                y,
                size,
                bold,
                gray,
                text,
            } => {
                let mut bytes = Vec::with_capacity(text.len() * 2);
                for ch in text.chars() {
                    let gid = font::glyph(ch).0;
                    used.insert(gid);
                    bytes.extend_from_slice(&gid.to_be_bytes());
                }
                c.begin_text().set_font(FONT, *size).set_fill_gray(*gray);
                if *bold {
                    c.set_text_rendering_mode(TextRenderingMode::FillStroke)
                        .set_stroke_gray(*gray)
                        .set_line_width(size * 0.04);
                } else {
                    c.set_text_rendering_mode(TextRenderingMode::Fill);
                }
                c.next_line(*x, *y).show(Str(&bytes)).end_text();
            }
            Op::Line { points, pen: p } => {
                if points.len() < 2 {
                    continue;
                }
                pen(&mut c, *p);
                path(&mut c, points);
                c.stroke();
            }
            Op::Polygon {
                points,
                fill,
                outline,
            } => {
                if points.len() < 3 {
                    continue;
                }
                c.set_fill_gray(*fill);
                path(&mut c, points);
                c.close_path();
                match outline {
                    Some(p) => {
                        pen(&mut c, *p);
                        c.fill_nonzero_and_stroke();
                    }
                    None => {
                        c.fill_nonzero();
                    }
                }
            }
            Op::Rect {
                x,
                y,
                w,
                h,
                fill,
                outline,
                hatch,
            } => {
                if let Some(g) = fill {
                    c.set_fill_gray(*g).rect(*x, *y, *w, *h).fill_nonzero();
                }
                if *hatch && *w > 0.0 && *h > 0.0 {
                    c.save_state()
                        .rect(*x, *y, *w, *h)
                        .clip_nonzero()
                        .end_path();
                    pen(&mut c, Pen::solid(0.0, 0.5));
                    let mut d = -*h;
                    while d < *w {
                        c.move_to(x + d, *y).line_to(x + d + h, y + h);
                        d += 3.0;
                    }
                    c.stroke().restore_state();
                }
                if let Some(p) = outline {
                    pen(&mut c, *p);
                    c.rect(*x, *y, *w, *h).stroke();
                }
            }
        }
    }
    c.finish().into_vec()
}
