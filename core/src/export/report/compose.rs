//! The report's sections, in order, from the gathered data: what each says and how it is laid
//! out. Pure.

use chrono::{Datelike, NaiveDate};

use super::chart::{self, Frame, PainPoint};
use super::doc::{Op, Page, Paper};
use super::gather::{Note, ReportData};
use super::layout::{Align, BODY, Column, Flow, MARGIN, SMALL};
use super::words::Words;
use crate::diary::{DoseUnit, TrendPeriod};
use crate::model::{
    AlarmKind, AlarmPriority, BatteryIndicator, Drug, LocalTime, PumpKind, UtcDateTime,
};
use crate::recovery::{GuidanceLevel, Severity, Symptom};
use crate::therapy::{DatePrecision, DateRange, RefillPlace, ResidualFinding};

/// The report's pages.
pub(crate) fn compose(d: &ReportData, w: &Words, paper: Paper) -> Vec<Page> {
    let mut f = Flow::new(paper);
    let date = |t: UtcDateTime| t.with_timezone(&d.zone).date_naive().to_string();
    let datetime = |t: UtcDateTime| {
        let local = t.with_timezone(&d.zone);
        format!("{} {}", local.date_naive(), LocalTime::of(&local))
    };

    // Title.
    f.y -= 6.0;
    f.text(MARGIN, f.y, 17.0, true, &w.get("title"));
    f.y -= 4.0;
    f.para(&w.get("subtitle"), BODY, false, 0.0);
    let from = d.from.to_string();
    let to = d.to.to_string();
    f.y -= 3.0;
    f.para(
        &w.fmt("period", &[("from", &from), ("to", &to)]),
        10.0,
        true,
        0.0,
    );
    f.para(
        &w.fmt(
            "made",
            &[("date", &datetime(d.now)), ("zone", d.zone.name())],
        ),
        BODY,
        false,
        0.0,
    );
    f.y -= 2.0;
    f.para(&w.get("caveat"), SMALL, false, 0.0);

    patient(&mut f, d, w);
    reservoir(&mut f, d, w, &date);
    battery(&mut f, d, w, &date);
    alarms(&mut f, d, w, &datetime);
    pain(&mut f, d, w);
    medication(&mut f, d, w);
    symptoms(&mut f, d, w, &datetime);
    notes(&mut f, d, w, &datetime);

    let name = d
        .card
        .as_ref()
        .map(|c| format!(" · {}", c.patient_name))
        .unwrap_or_default();
    let header = format!("{}{name} · {from} – {to}", w.get("title"));
    f.finish(&header, |n, total| {
        w.fmt(
            "page",
            &[("n", &n.to_string()), ("total", &total.to_string())],
        )
    })
}

fn patient(f: &mut Flow, d: &ReportData, w: &Words) {
    f.heading(&w.get("section-patient"), 40.0);
    let mut rows = Vec::new();
    if let Some(c) = &d.card {
        let kind = match c.device.kind {
            PumpKind::Implanted => w.get("kind-implanted"),
            PumpKind::External => w.get("kind-external"),
        };
        rows.push((w.get("f-patient"), c.patient_name.clone()));
        rows.push((
            w.get("f-device"),
            format!(
                "{} ({kind}), {} {}",
                c.device.name, c.device.manufacturer, c.device.model
            ),
        ));
        rows.push((w.get("f-serial"), c.device.serial.clone()));
        rows.push((w.get("f-implant"), c.implant_date.clone()));
        let drugs: Vec<String> = c
            .drugs
            .iter()
            .map(|g| {
                format!(
                    "{} {}",
                    g.name,
                    w.concentration(g.concentration.micrograms_per_milliliter)
                )
            })
            .collect();
        rows.push((w.get("f-drug"), drugs.join("; ")));
        if let Some(cat) = &c.catheter {
            rows.push((w.get("f-catheter"), cat.clone()));
        }
        rows.push((
            w.get("f-clinic"),
            format!("{}, {}", c.clinic.name, c.clinic.phone),
        ));
        rows.push((w.get("f-physician"), c.clinic.physician.clone()));
        if let Some(e) = &c.emergency_contact {
            rows.push((w.get("f-emergency"), format!("{}, {}", e.name, e.phone)));
        }
    } else if let Some(p) = &d.pump {
        rows.push((
            w.get("f-device"),
            format!(
                "{} {} (firmware {})",
                p.manufacturer, p.model, p.firmware_revision
            ),
        ));
        rows.push((w.get("f-serial"), p.serial.clone()));
    }
    f.fields(&rows, 110.0);
    if d.card.is_none() {
        f.y -= 3.0;
        f.para(&w.get("no-card"), BODY, false, 0.0);
    }
}

/// A forecast date at the precision its range supports: a day, a week or a month.
fn when(w: &Words, r: &DateRange, d: &ReportData) -> String {
    let local = |t: UtcDateTime| t.with_timezone(&d.zone).date_naive();
    let (e, a, b) = (local(r.expected), local(r.earliest), local(r.latest));
    let show = |x: NaiveDate| match r.precision {
        DatePrecision::Month => format!("{:04}-{:02}", x.year(), x.month()),
        _ => x.to_string(),
    };
    let centre = match r.precision {
        DatePrecision::Week => {
            let monday = e - chrono::Days::new(u64::from(e.weekday().num_days_from_monday()));
            w.fmt("week-of", &[("date", &monday.to_string())])
        }
        _ => show(e),
    };
    if a == b {
        return centre;
    }
    w.fmt(
        "range",
        &[("date", &centre), ("from", &show(a)), ("to", &show(b))],
    )
}

fn reservoir(f: &mut Flow, d: &ReportData, w: &Words, date: &dyn Fn(UtcDateTime) -> String) {
    f.heading(&w.get("section-reservoir"), 40.0);
    match (&d.latest, &d.reservoir) {
        (Some(l), Some(r)) => {
            f.para(
                &w.fmt(
                    "reservoir-now",
                    &[
                        ("date", &date(l.taken_at)),
                        ("volume", &w.ml(r.volume.microliters)),
                        ("capacity", &w.ml(r.capacity.microliters)),
                        ("dose", &w.dose(l.daily_dose.micrograms_per_day)),
                    ],
                ),
                BODY,
                false,
                0.0,
            );
            if let Some(low) = &r.low {
                f.body(&w.fmt("reservoir-low", &[("when", &when(w, low, d))]));
            }
            if let Some(empty) = &r.empty {
                f.body(&w.fmt("reservoir-empty", &[("when", &when(w, empty, d))]));
            }
        }
        _ if d.pump.is_none() => f.para(&w.get("no-pump"), BODY, false, 0.0),
        _ => f.para(&w.get("no-reading"), BODY, false, 0.0),
    }
    if d.refills.is_empty() {
        f.para(&w.get("refills-none"), BODY, false, 0.0);
        return;
    }
    f.y -= 4.0;
    let (c_date, c_place, c_meas, c_exp, c_diff, c_after, c_drug, c_dose) = (
        w.get("col-date"),
        w.get("col-place"),
        w.get("col-measured"),
        w.get("col-expected"),
        w.get("col-difference"),
        w.get("col-after"),
        w.get("col-drug"),
        w.get("col-dose"),
    );
    let cols = [
        Column {
            title: &c_date,
            share: 1.1,
            align: Align::Left,
        },
        Column {
            title: &c_place,
            share: 0.8,
            align: Align::Left,
        },
        Column {
            title: &c_meas,
            share: 0.9,
            align: Align::Right,
        },
        Column {
            title: &c_exp,
            share: 0.9,
            align: Align::Right,
        },
        Column {
            title: &c_diff,
            share: 1.5,
            align: Align::Left,
        },
        Column {
            title: &c_after,
            share: 0.9,
            align: Align::Right,
        },
        Column {
            title: &c_drug,
            share: 1.7,
            align: Align::Left,
        },
        Column {
            title: &c_dose,
            share: 1.0,
            align: Align::Right,
        },
    ];
    let changed = w.get("changed");
    let rows: Vec<Vec<String>> = d
        .refills
        .iter()
        .map(|r| {
            let check = r.residual_check;
            let diff = check.map_or_else(String::new, |c| {
                let finding = match c.finding {
                    ResidualFinding::AsExpected => w.get("finding-ok"),
                    ResidualFinding::MoreLeftThanExpected => w.get("finding-more"),
                    ResidualFinding::LessLeftThanExpected => w.get("finding-less"),
                };
                // The difference in mL first: a percentage of a small programmed volume can be
                // large without meaning much.
                let diff_ul = i64::from(c.measured.microliters) - i64::from(c.expected.microliters);
                let ml = w.num(diff_ul as f64 / 1000.0, 1);
                let sign = if diff_ul > 0 { "+" } else { "" };
                let pct = if c.difference_percent.abs() > 999 {
                    if c.difference_percent > 0 {
                        ">+999".to_owned()
                    } else {
                        "<-999".to_owned()
                    }
                } else {
                    format!("{:+}", c.difference_percent)
                };
                format!("{sign}{ml}\u{a0}mL ({pct}\u{a0}%) · {finding}")
            });
            let mut drug = format!(
                "{} {}",
                drug_name(&r.drug),
                w.concentration(r.concentration.micrograms_per_milliliter)
            );
            if r.drug_changed || r.concentration_changed {
                drug.push_str(&format!(" ({changed})"));
            }
            let mut dose = w.dose(r.daily_dose.micrograms_per_day);
            if r.dose_changed {
                dose.push_str(&format!(" ({changed})"));
            }
            vec![
                date(r.at),
                match r.place {
                    Some(RefillPlace::Clinic) => w.get("place-clinic"),
                    Some(RefillPlace::Home) => w.get("place-home"),
                    None => String::new(),
                },
                r.volume_before
                    .or(check.map(|c| c.measured))
                    .map_or_else(String::new, |v| w.ml(v.microliters)),
                check.map_or_else(String::new, |c| w.ml(c.expected.microliters)),
                diff,
                w.ml(r.volume_after.microliters),
                drug,
                dose,
            ]
        })
        .collect();
    f.table(&cols, &rows);
    if d.refills
        .iter()
        .any(|r| r.residual_check.is_some_and(|c| c.is_flagged()))
    {
        f.para(&w.get("refills-flagged"), SMALL, false, 0.0);
    }
}

fn battery(f: &mut Flow, d: &ReportData, w: &Words, date: &dyn Fn(UtcDateTime) -> String) {
    f.heading(&w.get("section-battery"), 30.0);
    let (Some(l), Some(b)) = (&d.latest, &d.battery) else {
        let id = if d.pump.is_none() {
            "no-pump"
        } else {
            "no-reading"
        };
        f.para(&w.get(id), BODY, false, 0.0);
        return;
    };
    let indicator = match b.indicator {
        BatteryIndicator::Normal => w.get("indicator-ok"),
        BatteryIndicator::ElectiveReplacement => w.get("indicator-eri"),
        BatteryIndicator::EndOfService => w.get("indicator-eos"),
    };
    f.para(
        &w.fmt(
            "battery-now",
            &[
                ("date", &date(l.taken_at)),
                ("percent", &b.percent.to_string()),
                ("indicator", &indicator),
            ],
        ),
        BODY,
        false,
        0.0,
    );
    if let Some(seen) = b.eri_seen_at {
        f.body(&w.fmt("eri-seen", &[("date", &date(seen))]));
    } else if let Some(eri) = &b.eri {
        f.body(&w.fmt("eri-forecast", &[("when", &when(w, eri, d))]));
    }
    if let Some(eos) = &b.eos {
        f.body(&w.fmt("eos-forecast", &[("when", &when(w, eos, d))]));
    }
    if b.eri.is_none() && b.eri_seen_at.is_none() {
        f.para(&w.get("forecast-none"), BODY, false, 0.0);
    }
}

fn alarm_name(w: &Words, k: AlarmKind) -> String {
    match k {
        AlarmKind::ReservoirLow => w.get("alarm-reservoir-low"),
        AlarmKind::ReservoirEmpty => w.get("alarm-reservoir-empty"),
        AlarmKind::BatteryElectiveReplacement => w.get("alarm-eri"),
        AlarmKind::BatteryEndOfService => w.get("alarm-eos"),
        AlarmKind::CatheterOcclusion => w.get("alarm-occlusion"),
        AlarmKind::MotorStall => w.get("alarm-motor-stall"),
        AlarmKind::ClockError => w.get("alarm-clock"),
        AlarmKind::PumpFault => w.get("alarm-fault"),
        AlarmKind::Unrecognised { code } => {
            w.fmt("alarm-unknown", &[("code", &format!("0x{code:04X}"))])
        }
    }
}

fn alarms(f: &mut Flow, d: &ReportData, w: &Words, datetime: &dyn Fn(UtcDateTime) -> String) {
    f.heading(&w.get("section-alarms"), 40.0);
    if d.alarms.is_empty() {
        f.para(&w.get("alarms-none"), BODY, false, 0.0);
        return;
    }
    let (a, b, c, e, g) = (
        w.get("col-raised"),
        w.get("col-alarm"),
        w.get("col-priority"),
        w.get("col-cleared"),
        w.get("col-ack"),
    );
    let cols = [
        Column {
            title: &a,
            share: 1.3,
            align: Align::Left,
        },
        Column {
            title: &b,
            share: 2.0,
            align: Align::Left,
        },
        Column {
            title: &c,
            share: 0.8,
            align: Align::Left,
        },
        Column {
            title: &e,
            share: 1.3,
            align: Align::Left,
        },
        Column {
            title: &g,
            share: 2.0,
            align: Align::Left,
        },
    ];
    let rows: Vec<Vec<String>> = d
        .alarms
        .iter()
        .map(|al| {
            let mut ack = Vec::new();
            if let Some(t) = al.pump_acknowledged_at {
                ack.push(format!("{} {}", w.get("ack-pump"), datetime(t)));
            }
            if let Some(t) = al.app_acknowledged_at {
                ack.push(format!("{} {}", w.get("ack-app"), datetime(t)));
            }
            vec![
                al.raised_at.map_or_else(String::new, datetime),
                alarm_name(w, al.kind),
                match al.priority {
                    AlarmPriority::High => w.get("priority-high"),
                    AlarmPriority::Medium => w.get("priority-medium"),
                    AlarmPriority::Low => w.get("priority-low"),
                },
                al.cleared_at.map_or_else(|| w.get("still-open"), datetime),
                ack.join("; "),
            ]
        })
        .collect();
    f.table(&cols, &rows);
}

/// The chart's date labels and frame, `height` high, below the current position.
fn chart_frame(f: &mut Flow, height: f32) -> Frame {
    f.ensure(height + 24.0);
    let frame = Frame {
        x: MARGIN + 18.0,
        y: f.y - height,
        w: f.width() - 24.0,
        h: height - 6.0,
    };
    f.y -= height + 16.0;
    frame
}

fn legend(f: &mut Flow, items: &[(Op, String)]) {
    f.ensure(14.0);
    f.y -= 10.0;
    let mut x = MARGIN + 18.0;
    let y = f.y;
    for (swatch, label) in items {
        let mut s = swatch.clone();
        match &mut s {
            Op::Rect { x: sx, y: sy, .. } => {
                *sx = x;
                *sy = y - 1.0;
            }
            Op::Line { points, .. } => {
                *points = vec![(x, y + 2.5), (x + 14.0, y + 2.5)];
            }
            _ => {}
        }
        f.push(s);
        f.text(x + 18.0, y, SMALL, false, label);
        x += 30.0 + super::font::width(label, SMALL);
    }
    f.y -= 4.0;
}

fn labels(d: &ReportData) -> Vec<String> {
    d.trend
        .buckets
        .iter()
        .map(|b| {
            b.first_day
                .to_naive("from")
                .map_or_else(|_| String::new(), |x| x.to_string())
        })
        .collect()
}

fn pain(f: &mut Flow, d: &ReportData, w: &Words) {
    let weekly = d.trend.period == TrendPeriod::Week;
    f.heading(&w.get("section-pain"), 230.0);
    let Some(s) = &d.summary.pain else {
        f.para(&w.get("pain-none"), BODY, false, 0.0);
        return;
    };
    let total_days = (d.to - d.from).num_days() + 1;
    let days_with = Some(d.days_with_pain);
    let summary = w.fmt(
        "pain-summary",
        &[
            ("count", &s.count.to_string()),
            (
                "days",
                &days_with.map_or_else(|| "–".to_owned(), |n| n.to_string()),
            ),
            ("total", &total_days.to_string()),
            ("mean", &w.num(s.mean, 1)),
            ("min", &s.min.to_string()),
            ("max", &s.max.to_string()),
        ],
    );
    f.para(&summary, BODY, false, 0.0);
    f.y -= 4.0;
    f.para(
        &w.get(if weekly {
            "pain-chart-week"
        } else {
            "pain-chart-day"
        }),
        BODY,
        true,
        0.0,
    );
    let points: Vec<Option<PainPoint>> = d
        .trend
        .buckets
        .iter()
        .map(|b| {
            b.pain.as_ref().map(|p| PainPoint {
                mean: p.mean,
                min: p.min,
                max: p.max,
            })
        })
        .collect();
    let frame = chart_frame(f, 150.0);
    let labels = labels(d);
    for op in chart::pain(frame, &points) {
        f.push(op);
    }
    for op in chart::x_labels(frame, &labels) {
        f.push(op);
    }
    legend(
        f,
        &[
            (
                Op::Line {
                    points: Vec::new(),
                    pen: super::doc::Pen::solid(0.0, 1.1),
                },
                w.get("legend-mean"),
            ),
            (
                Op::Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 14.0,
                    h: 7.0,
                    fill: Some(0.78),
                    outline: None,
                    hatch: false,
                },
                w.get("legend-band"),
            ),
            (
                Op::Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 0.0,
                    h: 0.0,
                    fill: None,
                    outline: None,
                    hatch: false,
                },
                w.get("legend-gap"),
            ),
        ],
    );
    f.y -= 6.0;
    // The title stays with its chart.
    f.ensure(100.0);
    f.para(
        &w.get(if weekly {
            "bt-chart-week"
        } else {
            "bt-chart-day"
        }),
        BODY,
        true,
        0.0,
    );
    let bt: Vec<(u32, u32)> = d
        .trend
        .buckets
        .iter()
        .map(|b| (b.breakthrough_doses, 0))
        .collect();
    let frame = chart_frame(f, 60.0);
    for op in chart::bars(frame, &bt) {
        f.push(op);
    }
    for op in chart::x_labels(frame, &labels) {
        f.push(op);
    }
}

fn unit_word(u: DoseUnit) -> &'static str {
    match u {
        DoseUnit::Milligram => "mg",
        DoseUnit::Microgram => "µg",
        DoseUnit::Milliliter => "mL",
        DoseUnit::Tablet => "tablet",
        DoseUnit::Drop => "drop",
        DoseUnit::Patch => "patch",
        DoseUnit::Spray => "spray",
    }
}

fn drug_name(d: &Drug) -> String {
    match d {
        Drug::Morphine => "Morphine".into(),
        Drug::Hydromorphone => "Hydromorphone".into(),
        Drug::Fentanyl => "Fentanyl".into(),
        Drug::Sufentanil => "Sufentanil".into(),
        Drug::Baclofen => "Baclofen".into(),
        Drug::Ziconotide => "Ziconotide".into(),
        Drug::Bupivacaine => "Bupivacaine".into(),
        Drug::Clonidine => "Clonidine".into(),
        Drug::Other { name } => name.clone(),
    }
}

fn medication(f: &mut Flow, d: &ReportData, w: &Words) {
    let weekly = d.trend.period == TrendPeriod::Week;
    f.heading(&w.get("section-medication"), 130.0);
    if d.summary.medication.is_empty() {
        f.para(&w.get("med-none"), BODY, false, 0.0);
        return;
    }
    f.para(
        &w.get(if weekly {
            "med-chart-week"
        } else {
            "med-chart-day"
        }),
        BODY,
        true,
        0.0,
    );
    let values: Vec<(u32, u32)> = d
        .trend
        .buckets
        .iter()
        .map(|b| {
            let doses: u32 = b.medication.iter().map(|m| m.doses).sum();
            (
                b.breakthrough_doses,
                doses.saturating_sub(b.breakthrough_doses),
            )
        })
        .collect();
    let frame = chart_frame(f, 80.0);
    for op in chart::bars(frame, &values) {
        f.push(op);
    }
    for op in chart::x_labels(frame, &labels(d)) {
        f.push(op);
    }
    legend(
        f,
        &[
            (
                Op::Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 14.0,
                    h: 7.0,
                    fill: Some(0.25),
                    outline: None,
                    hatch: false,
                },
                w.get("legend-bt"),
            ),
            (
                Op::Rect {
                    x: 0.0,
                    y: 0.0,
                    w: 14.0,
                    h: 7.0,
                    fill: Some(0.8),
                    outline: Some(super::doc::Pen::solid(0.0, 0.4)),
                    hatch: true,
                },
                w.get("legend-scheduled"),
            ),
        ],
    );
    f.y -= 4.0;
    let days = ((d.to - d.from).num_days() + 1).max(1) as f64;
    let (a, b, c, e, g, h) = (
        w.get("col-drug"),
        w.get("col-unit"),
        w.get("col-total"),
        w.get("col-doses"),
        w.get("col-bt"),
        w.get("col-per-day"),
    );
    let cols = [
        Column {
            title: &a,
            share: 2.4,
            align: Align::Left,
        },
        Column {
            title: &b,
            share: 0.8,
            align: Align::Left,
        },
        Column {
            title: &c,
            share: 1.0,
            align: Align::Right,
        },
        Column {
            title: &e,
            share: 0.8,
            align: Align::Right,
        },
        Column {
            title: &g,
            share: 1.0,
            align: Align::Right,
        },
        Column {
            title: &h,
            share: 1.1,
            align: Align::Right,
        },
    ];
    let rows: Vec<Vec<String>> = d
        .summary
        .medication
        .iter()
        .map(|m| {
            vec![
                m.drug.clone(),
                unit_word(m.unit).to_owned(),
                w.num(m.total, 1),
                m.doses.to_string(),
                m.breakthrough_doses.to_string(),
                w.num(m.total / days, 1),
            ]
        })
        .collect();
    f.table(&cols, &rows);
}

fn symptom_name(w: &Words, s: Symptom) -> String {
    w.get(match s {
        Symptom::Bruising => "symptom-bruising",
        Symptom::Soreness => "symptom-soreness",
        Symptom::Swelling => "symptom-swelling",
        Symptom::Tenderness => "symptom-tenderness",
        Symptom::Headache => "symptom-headache",
        Symptom::PositionalHeadache => "symptom-positional-headache",
        Symptom::Tingling => "symptom-tingling",
        Symptom::Weakness => "symptom-weakness",
        Symptom::Numbness => "symptom-numbness",
        Symptom::Bleeding => "symptom-bleeding",
        Symptom::Fever => "symptom-fever",
        Symptom::WoundRedness => "symptom-wound-redness",
        Symptom::SpreadingRedness => "symptom-spreading-redness",
        Symptom::WoundDischarge => "symptom-wound-discharge",
        Symptom::UnusualDrowsiness => "symptom-drowsiness",
        Symptom::SlowedBreathing => "symptom-slowed-breathing",
        Symptom::Other => "symptom-other",
    })
}

fn symptoms(f: &mut Flow, d: &ReportData, w: &Words, datetime: &dyn Fn(UtcDateTime) -> String) {
    f.heading(&w.get("section-recovery"), 40.0);
    if d.symptoms.is_empty() {
        f.para(&w.get("symptoms-none"), BODY, false, 0.0);
        return;
    }
    let (a, b, c, e) = (
        w.get("col-date"),
        w.get("col-symptom"),
        w.get("col-severity"),
        w.get("col-advice"),
    );
    let cols = [
        Column {
            title: &a,
            share: 1.3,
            align: Align::Left,
        },
        Column {
            title: &b,
            share: 2.2,
            align: Align::Left,
        },
        Column {
            title: &c,
            share: 1.0,
            align: Align::Left,
        },
        Column {
            title: &e,
            share: 1.4,
            align: Align::Left,
        },
    ];
    let rows: Vec<Vec<String>> = d
        .symptoms
        .iter()
        .map(|s| {
            vec![
                datetime(s.value.at),
                symptom_name(w, s.value.symptom),
                w.get(match s.value.severity {
                    Severity::Mild => "severity-mild",
                    Severity::Moderate => "severity-moderate",
                    Severity::Severe => "severity-severe",
                }),
                w.get(match s.guidance.level {
                    GuidanceLevel::Routine => "level-routine",
                    GuidanceLevel::CallClinic => "level-call-clinic",
                    GuidanceLevel::Emergency => "level-emergency",
                }),
            ]
        })
        .collect();
    f.table(&cols, &rows);
}

fn notes(f: &mut Flow, d: &ReportData, w: &Words, datetime: &dyn Fn(UtcDateTime) -> String) {
    f.heading(&w.get("section-notes"), 30.0);
    if d.notes.is_empty() {
        f.para(&w.get("notes-none"), BODY, false, 0.0);
        return;
    }
    f.para(&w.get("notes-intro"), SMALL, false, 0.0);
    for Note { at, score, text } in &d.notes {
        let source = match score {
            Some(s) => w.fmt("notes-pain", &[("score", &s.to_string())]),
            None => w.get("notes-symptom"),
        };
        f.y -= 3.0;
        let (top, page) = (f.y, f.page_number());
        f.para(&format!("{} · {source}", datetime(*at)), SMALL, true, 8.0);
        f.para(&format!("“{text}”"), BODY, false, 8.0);
        // A bar down the left of each note: quoted words, not the app's.
        if f.y < top && f.page_number() == page {
            f.push(Op::Rect {
                x: MARGIN,
                y: f.y,
                w: 2.0,
                h: top - f.y,
                fill: Some(0.45),
                outline: None,
                hatch: false,
            });
        }
    }
}
