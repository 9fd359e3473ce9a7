//! The flow of a report on pages: text that wraps, tables whose header comes back on every
//! page they continue on, and room kept for a chart. Pure: values in, pages out.

use super::doc::{Op, Page, Paper, Pen};
use super::font;

pub(crate) const MARGIN: f32 = 42.0;
const TOP_BAND: f32 = 28.0;
const BOTTOM_BAND: f32 = 30.0;
pub(crate) const BODY: f32 = 8.5;
pub(crate) const SMALL: f32 = 7.5;

/// Where a table cell's text sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A table column: header, share of the width, alignment.
pub(crate) struct Column<'a> {
    pub title: &'a str,
    pub share: f32,
    pub align: Align,
}

/// Lays pages out from the top down.
pub(crate) struct Flow {
    pub w: f32,
    pub h: f32,
    pub y: f32,
    pages: Vec<Page>,
    page: Page,
}

/// Breaks `text` into lines no wider than `width` at `size` (a word longer than a line is cut).
pub(crate) fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if font::width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if font::width(&piece, size) > width && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

impl Flow {
    pub(crate) fn new(paper: Paper) -> Self {
        let (w, h) = paper.size();
        Self {
            w,
            h,
            y: h - MARGIN - TOP_BAND,
            pages: Vec::new(),
            page: Page::default(),
        }
    }

    /// How many pages are finished.
    pub(crate) fn page_number(&self) -> usize {
        self.pages.len()
    }

    /// The usable width.
    pub(crate) fn width(&self) -> f32 {
        self.w - 2.0 * MARGIN
    }

    fn bottom(&self) -> f32 {
        MARGIN + BOTTOM_BAND
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.page));
        self.y = self.h - MARGIN - TOP_BAND;
    }

    /// Starts a new page unless `need` points are left.
    pub(crate) fn ensure(&mut self, need: f32) {
        if self.y - need < self.bottom() {
            self.new_page();
        }
    }

    pub(crate) fn push(&mut self, op: Op) {
        self.page.ops.push(op);
    }

    pub(crate) fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        self.push(Op::Text {
            x,
            y,
            size,
            bold,
            gray: 0.0,
            text: text.to_owned(),
        });
    }

    /// A paragraph at `size`, indented by `indent`.
    pub(crate) fn para(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let lead = size * 1.3;
        for line in wrap(text, size, self.width() - indent) {
            self.ensure(lead);
            self.y -= lead;
            self.text(MARGIN + indent, self.y + size * 0.25, size, bold, &line);
        }
    }

    /// A paragraph of body text.
    pub(crate) fn body(&mut self, text: &str) {
        self.para(text, BODY, false, 0.0);
    }

    /// A section heading with a rule under it, kept with `keep` points of what follows.
    pub(crate) fn heading(&mut self, text: &str, keep: f32) {
        self.ensure(40.0 + keep);
        self.y -= 20.0;
        self.text(MARGIN, self.y, 11.5, true, text);
        self.y -= 5.0;
        let w = self.width();
        self.push(Op::Line {
            points: vec![(MARGIN, self.y), (MARGIN + w, self.y)],
            pen: Pen::solid(0.0, 0.8),
        });
        self.y -= 3.0;
    }

    /// `label: value` lines, the labels in a column of `label_width`.
    pub(crate) fn fields(&mut self, rows: &[(String, String)], label_width: f32) {
        for (label, value) in rows {
            let lines = wrap(value, BODY, self.width() - label_width);
            let lead = BODY * 1.35;
            self.ensure(lead * lines.len() as f32);
            for (i, line) in lines.iter().enumerate() {
                self.y -= lead;
                if i == 0 {
                    self.push(Op::Text {
                        x: MARGIN,
                        y: self.y,
                        size: BODY,
                        bold: false,
                        gray: 0.3,
                        text: label.clone(),
                    });
                }
                self.text(MARGIN + label_width, self.y, BODY, false, line);
            }
        }
    }

    /// A table; rows are shaded in turn, and the header is repeated after a page break.
    pub(crate) fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<String>]) {
        let total: f32 = columns
            .iter()
            .map(|c| c.share)
            .sum::<f32>()
            .max(f32::EPSILON);
        let width = self.width();
        let widths: Vec<f32> = columns.iter().map(|c| c.share / total * width).collect();
        let pad = 3.0;
        let lead = SMALL * 1.3;
        let header: Vec<Vec<String>> = columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| wrap(c.title, SMALL, w - 2.0 * pad))
            .collect();
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * lead + 4.0;
        let draw_header = |f: &mut Self| {
            let top = f.y;
            f.push(Op::Rect {
                x: MARGIN,
                y: top - header_h,
                w: width,
                h: header_h,
                fill: Some(0.82),
                outline: None,
                hatch: false,
            });
            let mut x = MARGIN;
            for ((lines, w), c) in header.iter().zip(&widths).zip(columns) {
                for (i, l) in lines.iter().enumerate() {
                    let tx = match c.align {
                        Align::Left => x + pad,
                        Align::Right => x + w - pad - font::width(l, SMALL),
                    };
                    f.text(
                        tx,
                        top - 2.0 - lead * (i as f32 + 1.0) + 2.0,
                        SMALL,
                        true,
                        l,
                    );
                }
                x += w;
            }
            f.y = top - header_h;
        };
        self.ensure(header_h + lead * 2.0 + 4.0);
        draw_header(self);
        for (n, row) in rows.iter().enumerate() {
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(t, w)| wrap(t, SMALL, w - 2.0 * pad))
                .collect();
            let h = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lead + 3.0;
            if self.y - h < self.bottom() {
                self.new_page();
                draw_header(self);
            }
            let top = self.y;
            if n % 2 == 1 {
                self.push(Op::Rect {
                    x: MARGIN,
                    y: top - h,
                    w: width,
                    h,
                    fill: Some(0.94),
                    outline: None,
                    hatch: false,
                });
            }
            let mut x = MARGIN;
            for ((lines, w), c) in cells.iter().zip(&widths).zip(columns) {
                for (i, l) in lines.iter().enumerate() {
                    let tx = match c.align {
                        Align::Left => x + pad,
                        Align::Right => x + w - pad - font::width(l, SMALL),
                    };
                    self.text(tx, top - lead * (i as f32 + 1.0) + 1.0, SMALL, false, l);
                }
                x += w;
            }
            self.y = top - h;
        }
        self.push(Op::Line {
            points: vec![(MARGIN, self.y), (MARGIN + width, self.y)],
            pen: Pen::solid(0.5, 0.5),
        });
        self.y -= 4.0;
    }

    /// The pages, each with `header` at the top and `footer(n, total)` at the bottom.
    pub(crate) fn finish(
        mut self,
        header: &str,
        footer: impl Fn(usize, usize) -> String,
    ) -> Vec<Page> {
        self.pages.push(std::mem::take(&mut self.page));
        let total = self.pages.len();
        let (w, h) = (self.w, self.h);
        for (i, page) in self.pages.iter_mut().enumerate() {
            let mut band = vec![
                Op::Text {
                    x: MARGIN,
                    y: h - MARGIN - 8.0,
                    size: SMALL,
                    bold: false,
                    gray: 0.35,
                    text: header.to_owned(),
                },
                Op::Line {
                    points: vec![(MARGIN, h - MARGIN - 13.0), (w - MARGIN, h - MARGIN - 13.0)],
                    pen: Pen::solid(0.6, 0.4),
                },
            ];
            let foot = footer(i + 1, total);
            band.push(Op::Text {
                x: w - MARGIN - font::width(&foot, SMALL),
                y: MARGIN,
                size: SMALL,
                bold: false,
                gray: 0.35,
                text: foot,
            });
            band.append(&mut page.ops);
            page.ops = band;
        }
        self.pages
    }
}
