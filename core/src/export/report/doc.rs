//! What a laid-out report is: pages of drawing operations in points, origin at the bottom
//! left as in PDF. Pure values: the layout makes them, [`super::pdf`] writes them, and the
//! tests read their text without a PDF reader.

/// A page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Paper {
    /// ISO A4, 210 × 297 mm.
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

impl Paper {
    /// Width and height in points.
    #[must_use]
    pub fn size(self) -> (f32, f32) {
        match self {
            Self::A4 => (595.28, 841.89),
            Self::Letter => (612.0, 792.0),
        }
    }

    /// `a4` or `letter` (any case).
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        match code.to_ascii_lowercase().as_str() {
            "a4" => Some(Self::A4),
            "letter" | "us-letter" => Some(Self::Letter),
            _ => None,
        }
    }
}

/// How a line is drawn: grey level (0 black, 1 white), width, dash (none: solid).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pen {
    pub gray: f32,
    pub width: f32,
    pub dash: Option<(f32, f32)>,
}

impl Pen {
    pub(crate) const fn solid(gray: f32, width: f32) -> Self {
        Self {
            gray,
            width,
            dash: None,
        }
    }

    pub(crate) const fn dashed(gray: f32, width: f32, on: f32, off: f32) -> Self {
        Self {
            gray,
            width,
            dash: Some((on, off)),
        }
    }
}

/// One drawing operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// Text on one line, its baseline starting at `(x, y)`.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        gray: f32,
        text: String,
    },
    /// An open polyline.
    Line { points: Vec<(f32, f32)>, pen: Pen },
    /// A filled polygon (a band), optionally outlined.
    Polygon {
        points: Vec<(f32, f32)>,
        fill: f32,
        outline: Option<Pen>,
    },
    /// A rectangle, filled with a grey (if any) and outlined (if any); `hatch` draws
    /// diagonal lines inside, so it reads without colour.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<f32>,
        outline: Option<Pen>,
        hatch: bool,
    },
}

/// A page.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Page {
    pub ops: Vec<Op>,
}

impl Page {
    /// The page's text, line by line from the top (for the tests and the snapshot).
    #[cfg(test)]
    pub(crate) fn text_lines(&self) -> Vec<String> {
        let mut items: Vec<(f32, f32, &str)> = self
            .ops
            .iter()
            .filter_map(|o| match o {
                Op::Text { x, y, text, .. } => Some((*y, *x, text.as_str())),
                _ => None,
            })
            .collect();
        items.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)));
        let mut lines: Vec<(f32, String)> = Vec::new();
        for (y, _, t) in items {
            match lines.last_mut() {
                Some((ly, line)) if (*ly - y).abs() < 2.0 => {
                    line.push_str(" | ");
                    line.push_str(t);
                }
                _ => lines.push((y, t.to_owned())),
            }
        }
        lines.into_iter().map(|(_, l)| l).collect()
    }
}
