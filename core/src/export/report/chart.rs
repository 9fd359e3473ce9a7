//! The charts, as vector drawing operations in a box: pure functions of the values they show.
//! Every series is told apart by its pattern (a band, a solid line with square marks, solid
//! or hatched bars), never by colour alone, so a grey printout reads the same.

use super::doc::{Op, Pen};
use super::font;
use super::layout::SMALL;

/// A chart's box, in points (bottom left corner, width, height).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// One bucket (a day or a week) of the pain chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PainPoint {
    pub mean: f64,
    pub min: u8,
    pub max: u8,
}

fn text(x: f32, y: f32, s: &str) -> Op {
    Op::Text {
        x,
        y,
        size: SMALL - 0.5,
        bold: false,
        gray: 0.2,
        text: s.to_owned(),
    }
}

/// The x of bucket `i` of `n` (its centre).
/// A horizontal grid line at height `y` for the value `v`, labelled on the left (solid at 0).
fn grid_line(ops: &mut Vec<Op>, f: Frame, y: f32, v: u32) {
    ops.push(Op::Line {
        points: vec![(f.x, y), (f.x + f.w, y)],
        pen: if v == 0 {
            Pen::solid(0.0, 0.6)
        } else {
            Pen::dashed(0.65, 0.4, 1.5, 2.0)
        },
    });
    let label = v.to_string();
    ops.push(text(
        f.x - 4.0 - font::width(&label, SMALL - 0.5),
        y - 2.5,
        &label,
    ));
}

fn x_of(f: Frame, i: usize, n: usize) -> f32 {
    let step = f.w / n.max(1) as f32;
    f.x + step * (i as f32 + 0.5)
}

/// Date labels under the x axis: about one every 70 points, never overlapping.
pub(crate) fn x_labels(f: Frame, labels: &[String]) -> Vec<Op> {
    let n = labels.len();
    if n == 0 {
        return Vec::new();
    }
    let fit = ((f.w / 70.0) as usize).max(2);
    let every = n.div_ceil(fit).max(1);
    let mut ops = Vec::new();
    let mut last_end = f32::MIN;
    for (i, label) in labels.iter().enumerate() {
        if i % every != 0 && i != n - 1 {
            continue;
        }
        let x = x_of(f, i, n);
        let w = font::width(label, SMALL - 0.5);
        let start = (x - w / 2.0).clamp(f.x - 10.0, f.x + f.w + 10.0 - w);
        if start < last_end + 6.0 {
            continue;
        }
        last_end = start + w;
        ops.push(Op::Line {
            points: vec![(x, f.y), (x, f.y - 3.0)],
            pen: Pen::solid(0.0, 0.5),
        });
        ops.push(text(start, f.y - 11.0, label));
    }
    ops
}

/// The pain chart: 0–10 grid, the lowest–highest band in grey, the mean as a black line with
/// square marks. Buckets without a score leave a gap (no line is drawn across them).
pub(crate) fn pain(f: Frame, points: &[Option<PainPoint>]) -> Vec<Op> {
    let mut ops = Vec::new();
    let y_of = |v: f64| {
        let v = if v.is_finite() {
            v.clamp(0.0, 10.0)
        } else {
            0.0
        };
        f.y + (v as f32) / 10.0 * f.h
    };
    for v in (0..=10u32).step_by(2) {
        let y = y_of(f64::from(v));
        grid_line(&mut ops, f, y, v);
    }
    let n = points.len();
    let step = f.w / n.max(1) as f32;
    // Runs of consecutive buckets with scores.
    let mut runs: Vec<Vec<(usize, PainPoint)>> = Vec::new();
    let mut current = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p {
            Some(p) => current.push((i, *p)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    for run in &runs {
        if run.len() == 1 {
            let (i, p) = run[0];
            let x = x_of(f, i, n);
            let half = (step * 0.35).clamp(0.6, 4.0);
            ops.push(Op::Rect {
                x: x - half,
                y: y_of(f64::from(p.min)),
                w: half * 2.0,
                h: (y_of(f64::from(p.max)) - y_of(f64::from(p.min))).max(0.8),
                fill: Some(0.78),
                outline: None,
                hatch: false,
            });
        } else {
            let mut band: Vec<(f32, f32)> = run
                .iter()
                .map(|(i, p)| (x_of(f, *i, n), y_of(f64::from(p.max))))
                .collect();
            band.extend(
                run.iter()
                    .rev()
                    .map(|(i, p)| (x_of(f, *i, n), y_of(f64::from(p.min)))),
            );
            ops.push(Op::Polygon {
                points: band,
                fill: 0.78,
                outline: None,
            });
        }
    }
    for run in &runs {
        let line: Vec<(f32, f32)> = run
            .iter()
            .map(|(i, p)| (x_of(f, *i, n), y_of(p.mean)))
            .collect();
        if line.len() > 1 {
            ops.push(Op::Line {
                points: line.clone(),
                pen: Pen::solid(0.0, 1.1),
            });
        }
        // Marks only where they stay apart.
        if step >= 5.0 || line.len() == 1 {
            for (x, y) in line {
                ops.push(Op::Rect {
                    x: x - 1.6,
                    y: y - 1.6,
                    w: 3.2,
                    h: 3.2,
                    fill: Some(0.0),
                    outline: None,
                    hatch: false,
                });
            }
        }
    }
    ops.push(Op::Line {
        points: vec![(f.x, f.y), (f.x, f.y + f.h)],
        pen: Pen::solid(0.0, 0.6),
    });
    ops
}

/// A whole-number scale's top for `max` (1, 2, 5, 10, 20…), at least 1.
fn nice_top(max: u32) -> u32 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if max <= step * m {
                return step * m;
            }
        }
        step = step.saturating_mul(10);
        if step == u32::MAX {
            return max;
        }
    }
}

/// Bars per bucket: `solid` at the bottom in dark grey, `hatched` stacked on it (light grey
/// with diagonal lines, outlined, when wide enough); the scale's top and 0 labelled.
pub(crate) fn bars(f: Frame, values: &[(u32, u32)]) -> Vec<Op> {
    let mut ops = Vec::new();
    let n = values.len();
    let max = values.iter().map(|(a, b)| a + b).max().unwrap_or(0);
    let top = nice_top(max);
    let y_of = |v: u32| f.y + v as f32 / top as f32 * f.h;
    let half_top = top / 2;
    for v in [0, half_top, top] {
        if v == 0 && top > 0 && v == half_top {
            continue;
        }
        let y = y_of(v);
        grid_line(&mut ops, f, y, v);
    }
    let step = f.w / n.max(1) as f32;
    // Narrow buckets touch (an area), so a long range does not shimmer into stripes.
    let bw = if step < 3.0 {
        step
    } else {
        (step * 0.7).min(14.0)
    };
    for (i, &(solid, hatched)) in values.iter().enumerate() {
        let x = x_of(f, i, n) - bw / 2.0;
        if solid > 0 {
            ops.push(Op::Rect {
                x,
                y: f.y,
                w: bw,
                h: y_of(solid) - f.y,
                fill: Some(0.25),
                outline: None,
                hatch: false,
            });
        }
        if hatched > 0 {
            ops.push(Op::Rect {
                x,
                y: y_of(solid),
                w: bw,
                h: y_of(solid + hatched) - y_of(solid),
                fill: Some(0.8),
                outline: (bw >= 2.5).then_some(Pen::solid(0.0, 0.4)),
                hatch: bw >= 2.5,
            });
        }
    }
    ops.push(Op::Line {
        points: vec![(f.x, f.y), (f.x, f.y + f.h)],
        pen: Pen::solid(0.0, 0.6),
    });
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_and_gaps() {
        assert_eq!(
            [0, 1, 2, 3, 6, 11, 70].map(nice_top),
            [1, 1, 2, 5, 10, 20, 100]
        );
        let f = Frame {
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 50.0,
        };
        let p = Some(PainPoint {
            mean: 5.0,
            min: 3,
            max: 7,
        });
        // Two runs: a gap in the middle leaves two mean lines, never one across it.
        let ops = pain(f, &[p, p, None, p, p]);
        let lines = ops
            .iter()
            .filter(|o| matches!(o, Op::Line { pen, .. } if pen.width > 1.0))
            .count();
        assert_eq!(lines, 2);
        assert!(pain(f, &[]).len() > 5);
        assert!(bars(f, &[]).len() > 2);
        // Out-of-range values stay inside the frame (a mark may stick out by its half size).
        let wild = Some(PainPoint {
            mean: f64::NAN,
            min: 200,
            max: 255,
        });
        for op in pain(f, &[wild]) {
            if let Op::Rect { y, h, .. } = op {
                assert!(y >= -2.0 && y + h <= 52.0, "{y} {h}");
            }
        }
    }
}
