//! `thecal`: the command-line shell over the Thecal core: the same `Thecal` object the apps use.

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
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("THECAL_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Status(args) => status::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("thecal: {message}");
            ExitCode::FAILURE
        }
    }
}
