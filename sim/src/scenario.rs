//! Named scenarios: the review's concerns and the engine's lifecycle as small, readable,
//! deterministic stories, each a TOML file in `scenarios/` (format: `docs/scenarios.md`).
//!
//! A scenario names the engine profiles it runs on, an initial state (inline, or a Pinot
//! ZNRecord JSON of the runtime znode plus a JSON segment list), a script of steps (each a
//! specific model action such as `executor.cas-write` with an optional fault, a compound
//! such as `scheduler.cycle` or `executor.run ... until cas-read`, or a bounded
//! `settle` / `run` under the fair schedule), and per engine the expected outcome: which
//! properties are violated (every other `always` property must hold), which `sometimes`
//! milestones are reached, and the final znode. [`run`] plays it on one engine with no
//! entropy and abstract time, producing the shared one-line-per-step trace and a verdict;
//! `tests/scenarios.rs` pins every trace with an insta snapshot.
//!
//! Commands: `mvsim scenario list`, `mvsim scenario run NAME [--engine E]`,
//! `mvsim scenario run --all`, `mvsim scenario verbs`, and `mvsim report --engines pre,post`
//! (the scenario x engine verdict matrix).

pub(crate) mod format;
mod run;
mod steps;

pub use format::{
    line_column, load_file, parse, BucketExpect, Expect, FingerprintExpect, Initial, Knobs,
    LoadError, Scenario,
};
pub use run::{build_config, run, CheckLine, Outcome, Verdict};
pub use steps::{action_verb, ScenarioStep, StepKind, Verb, VERBS};

use mvsim_model::Profile;
use std::path::{Path, PathBuf};

/// `mvsim scenario` arguments.
#[derive(clap::Args, Debug)]
pub struct ScenarioArgs {
    /// Scenario directory (default: ./scenarios, else the crate's scenarios/).
    #[arg(long, global = true)]
    pub dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: ScenarioCommand,
}

/// `mvsim scenario` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum ScenarioCommand {
    /// List the scenarios: name, engines, one-line description.
    List,
    /// Run one scenario on each of its engines (or on --engine), or every scenario (--all).
    Run {
        /// Scenario name (its file name without `.toml`).
        name: Option<String>,
        /// Run every scenario.
        #[arg(long, conflicts_with = "name")]
        all: bool,
        /// Run on this engine profile only.
        #[arg(long)]
        engine: Option<String>,
        /// Print one verdict line per run instead of the traces.
        #[arg(long)]
        brief: bool,
    },
    /// List the step vocabulary (`do = "..."`).
    Verbs,
}

/// `mvsim report` arguments.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Engine profiles, comma-separated (default: every engine some scenario lists).
    #[arg(long, value_delimiter = ',')]
    pub engines: Vec<String>,
    /// Scenario directory (default: ./scenarios, else the crate's scenarios/).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// The scenario directory: `./scenarios` if it exists, else `$CARGO_MANIFEST_DIR/scenarios`
/// (set by `cargo run`), else the repository's `scenarios/` next to this crate.
pub fn default_dir() -> PathBuf {
    let local = PathBuf::from("scenarios");
    if local.is_dir() {
        return local;
    }
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") {
        let candidate = PathBuf::from(manifest).join("scenarios");
        if candidate.is_dir() {
            return candidate;
        }
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// Loads every `*.toml` in `dir`, sorted by file name. The first malformed file is the error.
pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|error| LoadError {
        message: format!(
            "{}: cannot read the scenario directory: {error}",
            dir.display()
        ),
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| load_file(path, &path.display().to_string()))
        .collect()
}

/// Runs `mvsim scenario ...`; returns the process exit code (0 pass, 1 fail, 2 error).
pub fn run_scenario(args: &ScenarioArgs) -> Result<i32, String> {
    let dir = args.dir.clone().unwrap_or_else(default_dir);
    let scenarios = load_dir(&dir).map_err(|error| error.message)?;
    match &args.command {
        ScenarioCommand::List => {
            print!("{}", render_list(&scenarios));
            Ok(0)
        }
        ScenarioCommand::Verbs => {
            for verb in VERBS {
                println!("{:<26} {}", verb.name, verb.summary);
            }
            Ok(0)
        }
        ScenarioCommand::Run {
            name,
            all,
            engine,
            brief,
        } => {
            let chosen = choose(&scenarios, name.as_deref(), *all, &dir)?;
            let engine = engine.as_deref().map(Profile::by_name).transpose()?;
            let outcomes = run_all(&chosen, engine);
            for (index, outcome) in outcomes.iter().enumerate() {
                if *brief {
                    println!(
                        "{:<40} {:<22} {}",
                        outcome.scenario,
                        outcome.engine,
                        outcome.headline()
                    );
                } else {
                    if index > 0 {
                        println!();
                    }
                    print!("{}", outcome.render());
                }
            }
            Ok(exit_code(&outcomes))
        }
    }
}

fn choose<'a>(
    scenarios: &'a [Scenario],
    name: Option<&str>,
    all: bool,
    dir: &Path,
) -> Result<Vec<&'a Scenario>, String> {
    if all {
        return Ok(scenarios.iter().collect());
    }
    let Some(name) = name else {
        return Err("give a scenario name or --all (see `mvsim scenario list`)".to_string());
    };
    scenarios
        .iter()
        .find(|scenario| scenario.name == name)
        .map(|scenario| vec![scenario])
        .ok_or_else(|| {
            let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
            format!(
                "unknown scenario `{name}` in {} (expected one of: {})",
                dir.display(),
                names.join(", ")
            )
        })
}

/// Every (scenario, engine) run: the scenario's engines, or only `engine`.
fn run_all(scenarios: &[&Scenario], engine: Option<Profile>) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for scenario in scenarios {
        let engines = match engine {
            Some(profile) => vec![profile],
            None => scenario.engines.clone(),
        };
        for profile in engines {
            outcomes.push(run(scenario, profile));
        }
    }
    outcomes
}

/// 2 if any run could not run, else 1 if any failed, else 0.
pub fn exit_code(outcomes: &[Outcome]) -> i32 {
    if outcomes.iter().any(|o| o.verdict() == Verdict::Error) {
        2
    } else if outcomes.iter().any(|o| o.verdict() == Verdict::Fail) {
        1
    } else {
        0
    }
}

/// `mvsim scenario list` output: name, engines, description, aligned.
pub fn render_list(scenarios: &[Scenario]) -> String {
    let name_width = scenarios
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let engine_width = scenarios
        .iter()
        .map(|s| s.engine_list().len())
        .max()
        .unwrap_or(7)
        .max(7);
    let mut out = format!(
        "{:<name_width$}  {:<engine_width$}  DESCRIPTION\n",
        "NAME", "ENGINES"
    );
    for scenario in scenarios {
        out.push_str(&format!(
            "{:<name_width$}  {:<engine_width$}  {}\n",
            scenario.name,
            scenario.engine_list(),
            scenario.description
        ));
    }
    out
}

/// Runs `mvsim report`: the scenario x engine verdict matrix.
pub fn run_report(args: &ReportArgs) -> Result<i32, String> {
    let dir = args.dir.clone().unwrap_or_else(default_dir);
    let scenarios = load_dir(&dir).map_err(|error| error.message)?;
    let engines: Vec<Profile> = if args.engines.is_empty() {
        Profile::all()
            .iter()
            .filter(|profile| scenarios.iter().any(|s| s.engines.contains(profile)))
            .copied()
            .collect()
    } else {
        args.engines
            .iter()
            .map(|name| Profile::by_name(name.trim()))
            .collect::<Result<_, _>>()?
    };
    let (text, code) = report(&scenarios, &engines);
    print!("{text}");
    Ok(code)
}

/// The report matrix text and its exit code. A scenario that does not list an engine
/// shows `-` in that column.
pub fn report(scenarios: &[Scenario], engines: &[Profile]) -> (String, i32) {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut outcomes = Vec::new();
    for scenario in scenarios {
        let mut row = vec![scenario.name.clone()];
        for profile in engines {
            if scenario.engines.contains(profile) {
                let outcome = run(scenario, *profile);
                row.push(outcome.headline());
                outcomes.push(outcome);
            } else {
                row.push("-".to_string());
            }
        }
        rows.push(row);
    }
    let mut header = vec!["scenario".to_string()];
    header.extend(engines.iter().map(|profile| profile.name.to_string()));
    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            rows.iter()
                .chain(std::iter::once(&header))
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let render_row = |row: &[String]| {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("{}\n", cells.join("  ").trim_end())
    };
    let mut text = render_row(&header);
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    text.push_str(&render_row(&rule));
    for row in &rows {
        text.push_str(&render_row(row));
    }
    let count = |verdict: Verdict| outcomes.iter().filter(|o| o.verdict() == verdict).count();
    text.push_str(&format!(
        "\n{} runs: {} ok, {} FAIL, {} ERROR\n",
        outcomes.len(),
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error)
    ));
    (text, exit_code(&outcomes))
}
