//! `thecal forecast`: backtests of the refill and battery forecasts over simulated patients, and
//! the tuning that sets the forecasts' constants (see `thecal_sim::backtest`, `thecal_sim::tune`
//! and docs/decisions/0005-forecasts.md).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
use thecal_sim::backtest::{self, HorizonReport, Options, Scored};
use thecal_sim::tune;

/// `thecal forecast …`
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Score the forecasts against simulated patients (held-out seeds), and the same number of
    /// patients with a scenario the forecasts were not built for (a partial catheter occlusion).
    Backtest(BacktestArgs),
    /// Tune the forecasts on the tuning seeds; prints the constants for the core.
    Tune(TuneArgs),
}

#[derive(Debug, clap::Args)]
struct BacktestArgs {
    /// How many patients in each scenario.
    #[arg(long, default_value_t = 1000)]
    patients: u32,
    /// The backtest's seed (the tuning seed is refused: it is not held out).
    #[arg(long, default_value_t = backtest::DEFAULT_SEED)]
    seed: u64,
    /// Print JSON: one object per horizon and scenario.
    #[arg(long)]
    json: bool,
    /// Write the calibration chart (stated against observed coverage) to this file (.svg or
    /// .png).
    #[arg(long)]
    chart: Option<PathBuf>,
    /// Worker threads (default: the machine's cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Fail (exit code 1) unless the held-out forecasts meet the bars: coverage inside its 95 %
    /// binomial interval at every horizon, refill 14 days ahead within 1 day and ERI 6 months
    /// ahead within 30 days on average (below 1,000 patients, plus twice the standard error).
    #[arg(long)]
    check: bool,
}

#[derive(Debug, clap::Args)]
struct TuneArgs {
    /// How many tuning patients.
    #[arg(long, default_value_t = 1000)]
    patients: u32,
    /// Worker threads (default: the machine's cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// Runs `thecal forecast`.
///
/// # Errors
/// A message for the person at the terminal.
pub fn run(args: &Args) -> Result<(), String> {
    match &args.command {
        Command::Backtest(a) => run_backtest(a),
        Command::Tune(a) => run_tune(a),
    }
}

fn threads(asked: Option<usize>) -> usize {
    asked.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

fn run_backtest(a: &BacktestArgs) -> Result<(), String> {
    if a.seed == backtest::TUNING_SEED {
        return Err(format!(
            "seed {} is the tuning seed: a backtest on it would score the forecasts on the patients they were tuned on. Use another seed.",
            backtest::TUNING_SEED
        ));
    }
    let started = std::time::Instant::now();
    let mut reports = Vec::new();
    let mut scored_by_scenario = Vec::new();
    for (scenario, unforeseen) in [("held_out", false), ("unforeseen_catheter_occlusion", true)] {
        let options = Options {
            patients: a.patients,
            seed: a.seed,
            unforeseen,
            threads: threads(a.threads),
        };
        let scored = backtest::run(&options).map_err(|e| e.to_string())?;
        reports.extend(backtest::report(&scored, scenario));
        scored_by_scenario.push((scenario, scored));
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&reports).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", table(&reports, a.patients, a.seed));
        println!("({:.0} s)", started.elapsed().as_secs_f64());
    }
    if let Some(path) = &a.chart {
        chart(path, &scored_by_scenario[0].1, &scored_by_scenario[1].1)?;
        if !a.json {
            println!("chart: {}", path.display());
        }
    }
    if a.check {
        let misses = backtest::check(&reports, a.patients);
        if !misses.is_empty() {
            return Err(format!(
                "the forecasts miss their bars:\n  {}",
                misses.join("\n  ")
            ));
        }
        eprintln!("every bar met ({} patients per scenario)", a.patients);
    }
    Ok(())
}

/// The report as a table for the terminal.
fn table(reports: &[HorizonReport], patients: u32, seed: u64) -> String {
    let mut out = format!(
        "Forecast backtest: {patients} simulated patients per scenario, seed {seed}\n\
         (errors over every forecast; coverage over one forecast per patient, against the 95 % \
         binomial interval around the stated 80 %)\n\n"
    );
    let _ = writeln!(
        out,
        "{:<31} {:<15} {:>9} {:>9} {:>9} {:>9} {:>9} {:>5} {:>15}  ok",
        "scenario",
        "horizon",
        "forecasts",
        "MAE d",
        "p90 d",
        "bias d",
        "coverage",
        "n",
        "95 % interval"
    );
    for r in reports {
        let _ = writeln!(
            out,
            "{:<31} {:<15} {:>9} {:>9.2} {:>9.2} {:>+9.2} {:>8.1}% {:>5} {:>6.1}%–{:>5.1}%  {}",
            r.scenario,
            r.horizon,
            r.forecasts,
            r.mae_days,
            r.p90_days,
            r.bias_days,
            r.coverage * 100.0,
            r.n,
            r.interval.0 * 100.0,
            r.interval.1 * 100.0,
            if r.calibrated { "yes" } else { "NO" }
        );
    }
    out
}

/// The calibration chart: for each horizon, the share of true dates inside the central range at
/// each stated level, held-out patients (solid) and the unforeseen scenario (dashed).
fn chart(path: &Path, held_out: &[Scored], unforeseen: &[Scored]) -> Result<(), String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 640)).into_drawing_area();
        let err = |e: &dyn std::fmt::Display| format!("the chart could not be drawn: {e}");
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let mut c = ChartBuilder::on(&root)
            .caption(
                "Forecast calibration: stated range vs. share of true dates inside",
                ("sans-serif", 22),
            )
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..1.0, 0.0..1.0)
            .map_err(|e| err(&e))?;
        c.configure_mesh()
            .x_desc("stated probability of the range")
            .y_desc("share of true dates inside")
            .x_label_formatter(&|x| format!("{:.0} %", x * 100.0))
            .y_label_formatter(&|y| format!("{:.0} %", y * 100.0))
            .draw()
            .map_err(|e| err(&e))?;
        c.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK.mix(0.4)))
            .map_err(|e| err(&e))?
            .label("perfect calibration")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.mix(0.4)));
        let colours = [BLUE, CYAN, RED, MAGENTA];
        for (scored, dashed) in [(held_out, false), (unforeseen, true)] {
            for ((name, points), colour) in backtest::calibration(scored).into_iter().zip(colours) {
                let style = colour.stroke_width(if dashed { 1 } else { 3 });
                let label = if dashed {
                    format!("{name} (unforeseen: catheter occlusion)")
                } else {
                    format!("{name} (held-out)")
                };
                if dashed {
                    c.draw_series(DashedLineSeries::new(points.clone(), 6, 4, style))
                        .map_err(|e| err(&e))?
                        .label(label)
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
                } else {
                    c.draw_series(LineSeries::new(points.clone(), style))
                        .map_err(|e| err(&e))?
                        .label(label)
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
                }
                c.draw_series(points.iter().map(|p| Circle::new(*p, 3, colour.filled())))
                    .map_err(|e| err(&e))?;
            }
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    let bytes = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
    {
        crate::card_png::png(&svg).map_err(|e| e.to_string())?
    } else {
        svg.into_bytes()
    };
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn run_tune(a: &TuneArgs) -> Result<(), String> {
    let lives = std::sync::Mutex::new(Vec::new());
    let options = Options {
        patients: a.patients,
        seed: backtest::TUNING_SEED,
        unforeseen: false,
        threads: threads(a.threads),
    };
    backtest::run_with(&options, |i, life| {
        lives
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((i, life.clone()));
    })
    .map_err(|e| e.to_string())?;
    let mut lives = lives
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // In patient order, whatever order the threads finished in: the same constants every run.
    lives.sort_by_key(|(i, _)| *i);
    let lives: Vec<_> = lives.into_iter().map(|(_, l)| l).collect();
    print!("{}", tune::rust_constants(&tune::tune(&lives)));
    Ok(())
}
