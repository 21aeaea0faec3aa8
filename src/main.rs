//! `mvsim`: deterministic simulation and model checking of Apache Pinot's
//! materialized-view partition-state engine. See README.md.

use clap::{Parser, Subcommand};
use mvsim_sim::{checker, scenario, simulate};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "mvsim",
    version,
    about = "Model checker and seeded simulator for Pinot's MV partition-state engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Exhaustively check every interleaving of a bounded configuration.
    Check(checker::CheckArgs),
    /// Serve stateright's Explorer for a configuration on localhost.
    Explore(checker::ExploreArgs),
    /// Measure checker and simulator throughput.
    Bench(checker::BenchArgs),
    /// List engine profiles, configurations and properties.
    List,
    /// Run one seeded simulation.
    Simulate(simulate::SimulateArgs),
    /// Replay a simulation from its seed or its JSON trace file.
    Replay(simulate::ReplayArgs),
    /// Run a range of seeds, optionally one shard of it.
    Sweep(simulate::SweepArgs),
    /// List or run named scenarios.
    Scenario(scenario::ScenarioArgs),
    /// Print the scenario x engine verdict matrix.
    Report(scenario::ReportArgs),
    /// The fix matrix: every finding x post, each fix, post-fixed and each leave-one-out.
    Fixes(checker::fixes::FixesArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Check(args) => checker::run_check(args),
        Command::Explore(args) => checker::run_explore(args),
        Command::Bench(args) => checker::run_bench(args),
        Command::List => checker::run_list(),
        Command::Simulate(args) => simulate::run_simulate(args),
        Command::Replay(args) => simulate::run_replay(args),
        Command::Sweep(args) => simulate::run_sweep(args),
        Command::Scenario(args) => scenario::run_scenario(args),
        Command::Report(args) => scenario::run_report(args),
        Command::Fixes(args) => checker::fixes::run_fixes(args),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(message) => {
            eprintln!("mvsim: error: {message}");
            ExitCode::from(2)
        }
    }
}
