//! `mvsim`: deterministic simulation and model checking of Apache Pinot's
//! materialized-view partition-state engine. See README.md.

use clap::{CommandFactory, Parser, Subcommand};
use mvsim_sim::exit::ExitStatus;
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
    /// Review, accept, reject and prune findings-baseline entries (like `cargo insta review`).
    Baseline(mvsim_sim::baseline_review::BaselineArgs),
    /// The fix matrix: every finding x post, each fix, post-fixed and each leave-one-out.
    Fixes(checker::fixes::FixesArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Parses the command line; a usage error is one `mvsim: error: ...` line and status 2
/// (`--help` and `--version` print as usual and exit 0).
fn parse() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|error| {
        use clap::error::ErrorKind;
        if matches!(
            error.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        ) {
            let _ = error.print();
            let code = if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                ExitStatus::BadInput
            } else {
                ExitStatus::Clean
            };
            return ExitCode::from(code.code());
        }
        let text = error.render().to_string();
        let first = text.lines().next().unwrap_or("invalid command line");
        let message = first.strip_prefix("error: ").unwrap_or(first);
        eprintln!("mvsim: error: {message} (see mvsim --help)");
        ExitCode::from(ExitStatus::BadInput.code())
    })
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
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
        Command::Baseline(args) => mvsim_sim::baseline_review::run_baseline(args),
        Command::Fixes(args) => checker::fixes::run_fixes(args),
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "mvsim", &mut std::io::stdout());
            Ok(ExitStatus::Clean)
        }
    };
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(message) => {
            eprintln!("mvsim: error: {message}");
            ExitCode::from(ExitStatus::BadInput.code())
        }
    }
}
