//! `thecal`: the command-line shell over the Thecal core: the same `Thecal` object the apps use.

mod frame;
mod sim;
mod status;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Thecal: a companion for people with an intrathecal drug pump.
#[derive(Debug, Parser)]
#[command(name = "thecal", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the current pump status.
    Status(status::Args),
    /// Decode frames of the Thecal Pump Profile.
    Frame(frame::Args),
    /// The simulated pump.
    Sim(sim::Args),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("THECAL_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Status(args) => status::run(&args),
        Command::Frame(args) => frame::run(&args),
        Command::Sim(args) => sim::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("thecal: {message}");
            ExitCode::FAILURE
        }
    }
}
