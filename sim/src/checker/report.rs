//! `mvsim check`, `mvsim explore` and `mvsim bench`: run the checker, show progress, print
//! the per-property verdicts, and for each violation the trace and one replay command.

use super::{model_for, parse_path, path_indices, replay_path, MvModel};
use crate::exit::{ExitStatus, Outcome};
use crate::trace::trace_line;
use mvsim_model::properties::{self, Expectation};
use mvsim_model::Action;
use serde::Serialize;
use stateright::{Checker, HasDiscoveries, Model};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// `mvsim check` arguments.
#[derive(clap::Args, Debug, Clone)]
pub struct CheckArgs {
    /// Engine profile: pre, post, post-no-delete-guards, post-no-sweep, or a mutant.
    #[arg(long, default_value = "post")]
    pub engine: String,
    /// Bounded configuration: a shipped one (small, ci, large: configs/*.toml) or the path
    /// of a configuration file (docs/configs.md).
    #[arg(long, default_value = "ci")]
    pub config: String,
    /// Breadth-first search (the default; shortest counterexamples when single-threaded).
    #[arg(long, conflicts_with = "dfs")]
    pub bfs: bool,
    /// Depth-first search (less memory, faster, longer counterexamples).
    #[arg(long)]
    pub dfs: bool,
    /// Checker threads (1 to 256).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Stop after generating this many states (at least 1), counting revisits (stateright's
    /// `target_state_count`); a reported "bound reached" outcome (exit 3), never an
    /// out-of-memory kill.
    #[arg(long, default_value_t = 150_000_000)]
    pub max_states: usize,
    /// Stop after this many seconds, at least 1 (a reported "bound reached" outcome).
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Stop when the process's resident memory reaches this many MiB (a reported "bound
    /// reached" outcome); default: 60% of the machine's memory.
    #[arg(long, default_value_t = default_memory_mb())]
    pub max_memory_mb: u64,
    /// Also write the result as JSON to this file (`-`: to stdout, the report to stderr).
    #[arg(long, value_name = "FILE")]
    pub json: Option<std::path::PathBuf>,
    /// Also write the result as JUnit XML to this file (one test case per property).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<std::path::PathBuf>,
    /// Replay this action-index path (printed with every violation) instead of checking.
    #[arg(long)]
    pub path: Option<String>,
    /// With --path: print the replay as a sequence diagram instead of the trace
    /// (`mermaid`; see sim/src/diagram.rs).
    #[arg(long, value_name = "FORMAT")]
    pub diagram: Option<String>,
    /// The findings baseline: violations whose every witness a baseline finding explains
    /// are accepted (reported, exit status 0); anything else is a new finding (exit 1).
    #[arg(long, default_value = crate::baseline::DEFAULT_PATH, conflicts_with = "no_baseline")]
    pub baseline: std::path::PathBuf,
    /// Check with no baseline: every violation is new (how `post-fixed` is checked).
    #[arg(long)]
    pub no_baseline: bool,
    /// With --no-baseline: still fail (exit 1) when a complete search does not reach a
    /// `sometimes` that this baseline file's `[reached]` lists for the engine and
    /// configuration (for `--family`, for `engine/SCOPE`: reached by no member). Accepts no
    /// finding. How CI checks `post-fixed`: every violation is new, and no verdict of it
    /// holds vacuously.
    #[arg(long, value_name = "PATH", requires = "no_baseline")]
    pub reached_from: Option<std::path::PathBuf>,
    /// Fail (exit 1) when a complete search no longer sees a finding the baseline expects
    /// on this engine and configuration, or no longer reaches a `sometimes` its `[reached]`
    /// lists there.
    #[arg(long)]
    pub strict_baseline: bool,
    /// Stop at the first state with a new finding (exit 1; the search is then incomplete
    /// and only that finding is reported).
    #[arg(long)]
    pub fail_fast: bool,
    /// Accept EVERY violation of this property, whatever its signature (repeatable; warned:
    /// it hides any new bug that breaks the same property; prefer the baseline).
    #[arg(long = "accept-property")]
    pub accept_property: Vec<String>,
    /// No progress lines on stderr.
    #[arg(long)]
    pub quiet: bool,
    /// Inject no faults (the configuration's fault budget set to zero), to separate
    /// fault-driven findings from pure interleavings.
    #[arg(long)]
    pub no_faults: bool,
    /// Check every configuration of a family scope (ci-family, controller-family,
    /// large-family, or a path; docs/configs.md); `--threads` checks that many
    /// configurations at once.
    #[arg(long, conflicts_with_all = ["path", "no_faults"])]
    pub family: Option<String>,
    /// With --family: check only the members with index % N == I.
    #[arg(long, requires = "family")]
    pub shard: Option<String>,
    /// With --family: print every member (index and shape) instead of checking.
    #[arg(long, requires = "family")]
    pub list_members: bool,
    /// Merge family shard summaries (--json files of --family runs) instead of checking.
    #[arg(long, num_args = 1.., conflicts_with_all = ["family", "path"])]
    pub merge: Vec<std::path::PathBuf>,
}

/// `mvsim explore` arguments.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {
    #[arg(long, default_value = "post")]
    pub engine: String,
    #[arg(long, default_value = "small")]
    pub config: String,
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
}

/// `mvsim bench` arguments.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    #[arg(long, default_value = "post")]
    pub engine: String,
    #[arg(long, default_value = "ci")]
    pub config: String,
    /// Stop each checker run after generating this many states.
    #[arg(long, default_value_t = 20_000_000)]
    pub max_states: usize,
    /// Simulated steps (at least) for the simulator benchmark.
    #[arg(long, default_value_t = 10_000_000)]
    pub sim_steps: u64,
    /// Also measure configurations/s and unique states/s over one shard of this family.
    #[arg(long)]
    pub family: Option<String>,
    /// The family shard to measure (I/N).
    #[arg(long, default_value = "0/20", requires = "family")]
    pub family_shard: String,
}

/// One property's result, as printed and as JSON.
#[derive(Serialize, Debug, Clone)]
pub struct PropertyResult {
    pub name: &'static str,
    pub expectation: &'static str,
    pub statement: &'static str,
    /// holds | violated | reached | not reached | no violation within bound | not reached within bound
    pub verdict: String,
    /// Every witness of this property the search saw is explained by the baseline (or the
    /// property was accepted wholesale with `--accept-property`).
    pub accepted: bool,
    /// The baseline findings that explain its witnesses.
    pub accepted_by: Vec<String>,
    /// Does this violation count toward exit status 1 (a new finding, or with no gate a
    /// violation not accepted with `--accept-property`)?
    pub counted: bool,
    pub trace_steps: Option<usize>,
    pub path: Option<String>,
    pub replay: Option<String>,
    #[serde(skip)]
    pub trace: Vec<String>,
}

/// The whole check result.
#[derive(Serialize, Debug)]
pub struct CheckResult {
    /// Always [`CHECK_FORMAT`].
    pub format: &'static str,
    /// `exit_status`, `complete`, `interrupted`.
    #[serde(flatten)]
    pub outcome_fields: Outcome,
    pub engine: String,
    pub config: String,
    pub no_faults: bool,
    pub search: &'static str,
    pub threads: usize,
    pub outcome: String,
    pub unique_states: usize,
    pub total_states: usize,
    pub max_depth: usize,
    pub duration_seconds: f64,
    pub unique_states_per_second: f64,
    /// Peak resident memory of the process (VmHWM), bytes.
    pub peak_resident_bytes: u64,
    pub properties: Vec<PropertyResult>,
    /// The gate: every signature seen, accepted or new (absent when no gate ran).
    pub findings: Option<super::findings::FindingsResult>,
}

impl CheckResult {
    /// Violations that count: new findings (and a `--strict-baseline` failure) when a
    /// gate ran, else violated properties not accepted with `--accept-property`.
    pub fn counted_violations(&self) -> usize {
        match &self.findings {
            Some(findings) => findings.new.len() + usize::from(findings.strict_failure),
            None => self
                .properties
                .iter()
                .filter(|property| property.verdict == "violated" && !property.accepted)
                .count(),
        }
    }

    /// The process exit status of this result.
    pub fn status(&self) -> ExitStatus {
        ExitStatus::of(
            self.counted_violations() > 0,
            self.outcome_fields.complete,
            self.outcome_fields.interrupted,
        )
    }
}

/// The most checker threads `--threads` accepts (stateright aborts when it cannot spawn one).
pub const THREADS_MAX: usize = 256;

/// The `format` of `mvsim check --json`.
pub const CHECK_FORMAT: &str = "mvsim-check-result/1";

/// Rejects arguments that cannot run: one-line messages for `mvsim: error: ...`.
fn validate(args: &CheckArgs) -> Result<(), String> {
    for name in &args.accept_property {
        if properties::by_name(name).is_none() {
            return Err(format!("--accept-property: unknown property '{name}'"));
        }
    }
    for name in &args.accept_property {
        eprintln!("mvsim: warning: --accept-property {name}: every violation of {name} is accepted, whatever its cause; a new bug that breaks it is hidden");
    }
    if args.threads == 0 || args.threads > THREADS_MAX {
        return Err(format!(
            "--threads {} is out of range (1 to {THREADS_MAX})",
            args.threads
        ));
    }
    if args.max_states == 0 {
        return Err("--max-states must be at least 1".to_string());
    }
    if args.timeout == Some(0) {
        return Err("--timeout must be at least 1 second".to_string());
    }
    if args.max_memory_mb == 0 {
        return Err("--max-memory-mb must be at least 1".to_string());
    }
    if let (Some(json), Some(junit)) = (&args.json, &args.junit) {
        if crate::files::same_file(json, junit) {
            return Err(format!(
                "--json and --junit name the same file '{}'",
                json.display()
            ));
        }
    }
    if let Some(path) = &args.json {
        crate::files::probe_output(path, "--json")?;
    }
    if let Some(path) = &args.junit {
        if crate::files::is_stdout(path) {
            return Err("--junit needs a file (only --json accepts '-')".to_string());
        }
        crate::files::probe_output(path, "--junit")?;
    }
    Ok(())
}

/// Runs `mvsim check`.
pub fn run_check(args: &CheckArgs) -> Result<ExitStatus, String> {
    if args.family.is_some() || !args.merge.is_empty() {
        return super::family_run::run_family(args);
    }
    let mut model = model_for(&args.config, &args.engine)?;
    if args.no_faults {
        model = model.with_config(mvsim_model::Config {
            faults: Default::default(),
            ..model.config.clone()
        });
    }
    validate(args)?;
    if let Some(path) = &args.path {
        return replay_command(&model, args, path);
    }
    if args.diagram.is_some() {
        return Err("--diagram draws a replay: give --path P".to_string());
    }
    let baseline = if args.no_baseline {
        crate::baseline::Baseline::reached_only(args.reached_from.as_deref())?
    } else {
        crate::baseline::Baseline::load(&args.baseline).map_err(|error| {
            if args.baseline.exists() {
                error
            } else {
                format!(
                    "{error} (the findings baseline; run from the repository root, pass --baseline PATH, or --no-baseline)"
                )
            }
        })?
    };
    let mut gate = super::gate::Gate::new(std::sync::Arc::new(baseline));
    gate.accepted_properties = args.accept_property.clone();
    model.gate = Some(gate);
    crate::interrupt::install();
    let result = check(model, args);
    let json_to_stdout = args.json.as_deref().is_some_and(crate::files::is_stdout);
    if json_to_stdout {
        eprint!("{}", render(&result));
    } else {
        print!("{}", render(&result));
    }
    if let Some(file) = &args.junit {
        crate::files::write_atomic(file, &junit_report(&result))?;
    }
    if let Some(file) = &args.json {
        let text = serde_json::to_string_pretty(&result).map_err(|error| error.to_string())?;
        crate::files::write_atomic(file, &(text + "\n"))?;
    }
    if !args.no_baseline {
        if let Some(line) = crate::baseline_review::record_check(&result, &args.baseline) {
            if json_to_stdout {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        }
    }
    Ok(result.status())
}

/// Why a check stopped before it explored every state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stop {
    Memory,
    Timeout,
    Interrupt,
}

/// Polls a running checker: progress lines, and [`MvModel::stop`] when the memory bound,
/// the timeout or SIGINT is hit. Returns the first reason it stopped the search for.
fn supervise(checker: &dyn Checker<MvModel>, args: &CheckArgs, started: Instant) -> Option<Stop> {
    let mut next_report = Duration::from_secs(2);
    let memory_limit_bytes = args.max_memory_mb.saturating_mul(1024 * 1024);
    let mut stop = None;
    while !checker.is_done() {
        std::thread::sleep(Duration::from_millis(20));
        let elapsed = started.elapsed();
        if stop.is_none() {
            stop = if crate::interrupt::interrupted() {
                Some(Stop::Interrupt)
            } else if resident_bytes().is_some_and(|bytes| bytes >= memory_limit_bytes) {
                Some(Stop::Memory)
            } else if args
                .timeout
                .is_some_and(|seconds| elapsed >= Duration::from_secs(seconds))
            {
                Some(Stop::Timeout)
            } else {
                None
            };
            if stop.is_some() {
                // The checker threads stop after their current block of states.
                checker.model().stop.store(true, Ordering::Relaxed);
            }
        }
        if !args.quiet && elapsed >= next_report {
            let unique = checker.unique_state_count();
            eprintln!(
                "progress: {} unique states, {:.0}/s, depth {}, {:.0}s, {} MiB",
                unique,
                unique as f64 / elapsed.as_secs_f64(),
                checker.max_depth(),
                elapsed.as_secs_f64(),
                resident_bytes().unwrap_or(0) / (1024 * 1024)
            );
            next_report += Duration::from_secs(5);
        }
    }
    stop
}

/// Joins every checker thread. One that panicked is a bug in mvsim's model (its own
/// `expect`s), neither a finding about Pinot nor an incomplete search: its panic is raised
/// again once every thread has stopped (exit 101, the message already on stderr), as the
/// sweep does. (Until session 6 it was dropped, and the run ended as incomplete, exit 3.)
fn join_checker_threads(handles: Vec<std::thread::JoinHandle<()>>) {
    let mut panicked = None;
    for handle in handles {
        if let Err(payload) = handle.join() {
            panicked.get_or_insert(payload);
        }
    }
    if let Some(payload) = panicked {
        std::panic::resume_unwind(payload);
    }
}

/// Runs the checker and collects the result (also used by tests).
pub fn check(model: MvModel, args: &CheckArgs) -> CheckResult {
    let engine = model.config.profile.name.to_string();
    let config_name = model.config.name.clone();
    let bfs = !args.dfs;
    // The stop flag makes REACHABILITY fail; --fail-fast also ends at the gate's first
    // discovery (a new finding).
    let mut finish = BTreeSet::from([super::REACHABILITY]);
    if args.fail_fast && model.gate.is_some() {
        finish.insert(super::gate::GATE);
    }
    let builder = model
        .checker()
        .threads(args.threads)
        .target_state_count(args.max_states)
        .finish_when(HasDiscoveries::AnyOf(finish));
    // Wall clock for progress, throughput and the timeout only; no verdict depends on it.
    let started = Instant::now();
    let mut checker = if bfs {
        Box::new(builder.spawn_bfs()) as Box<dyn Checker<MvModel>>
    } else {
        Box::new(builder.spawn_dfs()) as Box<dyn Checker<MvModel>>
    };
    let stop = supervise(checker.as_ref(), args, started);
    join_checker_threads(checker.handles());
    let duration = started.elapsed();
    let unique_states = checker.unique_state_count();
    // Complete exactly when every generated state had its properties evaluated (a search
    // that ends as a bound is hit is complete; one stopped with states queued is not).
    let stopped_early = args.fail_fast && checker.discoveries().contains_key(super::gate::GATE);
    let complete =
        !stopped_early && checker.model().visited.load(Ordering::Relaxed) >= unique_states;
    let interrupted = stop == Some(Stop::Interrupt);
    let model = checker.model();
    let mut properties = collect_properties(model, checker.as_ref(), args, !complete);
    let findings =
        super::findings::collect(model, checker.as_ref(), args, complete, &mut properties);
    let outcome = if complete {
        "complete: every interleaving within the bound explored".to_string()
    } else {
        let which = match stop {
            _ if stopped_early => "stopped at the first new finding (--fail-fast)".to_string(),
            Some(Stop::Interrupt) => "interrupted (SIGINT)".to_string(),
            Some(Stop::Memory) => format!("bound reached (--max-memory-mb {})", args.max_memory_mb),
            Some(Stop::Timeout) => {
                format!(
                    "bound reached (--timeout {}s)",
                    args.timeout.unwrap_or_default()
                )
            }
            None => format!("bound reached (--max-states {})", args.max_states),
        };
        format!("{which}: verdicts cover only the states explored")
    };
    let mut result = CheckResult {
        format: CHECK_FORMAT,
        outcome_fields: Outcome::new(ExitStatus::Clean, complete, interrupted),
        engine,
        config: config_name,
        no_faults: args.no_faults,
        search: if bfs { "bfs" } else { "dfs" },
        threads: args.threads,
        outcome,
        unique_states,
        total_states: checker.state_count(),
        max_depth: checker.max_depth(),
        duration_seconds: duration.as_secs_f64(),
        unique_states_per_second: unique_states as f64 / duration.as_secs_f64().max(1e-9),
        peak_resident_bytes: peak_rss_bytes().unwrap_or(0),
        properties,
        findings,
    };
    for property in &mut result.properties {
        property.counted = property.verdict == "violated"
            && !property.accepted
            && result.findings.as_ref().is_none_or(|findings| {
                findings.new.iter().any(|new| new.property == property.name)
            });
    }
    result.outcome_fields = Outcome::new(
        ExitStatus::of(result.counted_violations() > 0, complete, interrupted),
        complete,
        interrupted,
    );
    result
}

fn collect_properties(
    model: &MvModel,
    checker: &dyn Checker<MvModel>,
    args: &CheckArgs,
    bound_hit: bool,
) -> Vec<PropertyResult> {
    let discoveries = checker.discoveries();
    properties::registry()
        .iter()
        .enumerate()
        .map(|(index, property)| {
            let discovery = discoveries.get(property.name);
            let sometimes = property.expectation == Expectation::Sometimes;
            let found = discovery.is_some() || model.reached(index);
            let verdict = match (sometimes, found, bound_hit) {
                _ if model.is_disabled(index) => "disabled",
                (true, true, _) => "reached",
                (true, false, false) => "not reached",
                (true, false, true) => "not reached within bound",
                (false, true, _) => "violated",
                (false, false, false) => "holds",
                (false, false, true) => "no violation within bound",
            };
            let mut result = PropertyResult {
                name: property.name,
                expectation: property.expectation.name(),
                statement: property.statement,
                verdict: verdict.to_string(),
                accepted: args
                    .accept_property
                    .iter()
                    .any(|name| name == property.name),
                accepted_by: Vec::new(),
                counted: false,
                trace_steps: None,
                path: None,
                replay: None,
                trace: Vec::new(),
            };
            if let (false, Some(path)) = (sometimes, discovery) {
                let actions: Vec<Action> = path.clone().into_actions();
                let indices = path_indices(model, &actions);
                let path_text = indices
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join("/");
                result.trace = render_trace(
                    model,
                    &actions,
                    property.expectation == Expectation::Quiescent,
                );
                result.trace_steps = Some(actions.len());
                result.replay = Some(replay_line(model, args, &path_text));
                result.path = Some(path_text);
            }
            result
        })
        .collect()
}

/// The one command that replays `path` on this model.
pub(super) fn replay_line(model: &MvModel, args: &CheckArgs, path: &str) -> String {
    format!(
        "mvsim check --engine {} --config {}{} --path {}",
        model.config.profile.name,
        model.config.name,
        if args.no_faults { " --no-faults" } else { "" },
        path
    )
}

/// The trace of `actions` from the initial state; for a quiescent property, followed by
/// the settle's fair continuation.
pub fn render_trace(model: &MvModel, actions: &[Action], with_settle: bool) -> Vec<String> {
    use crate::trace::ReplayEvent;
    let mut lines = Vec::new();
    crate::trace::replay_events(
        &model.config,
        &model.settle_config,
        actions,
        with_settle,
        |event| match event {
            ReplayEvent::Step {
                config,
                index,
                before,
                action,
                after,
                settling,
            } => {
                let line = trace_line(config, index, before, action, after);
                if !settling || !line.effect.is_empty() {
                    lines.push(line.render());
                }
            }
            ReplayEvent::Settle {
                steps,
                converged,
                panic,
            } => lines.push(format!(
                "---- settle: no more events or faults; fair schedule ({steps} steps, {}) ----",
                crate::trace::settle_outcome(converged, panic)
            )),
            ReplayEvent::Quiescent { config, world } => lines.push(format!(
                "---- at quiescence: {} ----",
                crate::trace::describe_znode(config, world)
            )),
        },
    );
    lines
}

/// The human report: the verdict table, the state counts, the findings summary, and the
/// full trace of every violation that counts (accepted findings get one line each).
pub fn render(result: &CheckResult) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "mvsim check --engine {} --config {}{} ({}, {} thread{})\n\n",
        result.engine,
        result.config,
        if result.no_faults { " --no-faults" } else { "" },
        result.search,
        result.threads,
        if result.threads == 1 { "" } else { "s" }
    ));
    out.push_str(&format!("{:<36} {:<10} verdict\n", "property", "kind"));
    for property in &result.properties {
        let detail = match property.trace_steps {
            Some(steps) if !property.accepted_by.is_empty() && property.accepted => {
                format!(
                    " ({steps}-step trace; accepted: {})",
                    property.accepted_by.join(", ")
                )
            }
            Some(steps) if property.accepted => {
                format!(" ({steps}-step trace; accepted wholesale)")
            }
            Some(steps) => format!(" ({steps}-step trace)"),
            None => String::new(),
        };
        out.push_str(&format!(
            "{:<36} {:<10} {}{}\n",
            property.name, property.expectation, property.verdict, detail
        ));
    }
    out.push_str(&format!(
        "\nstates: {} unique, {} total, max depth {}, {:.2}s, {:.0} unique states/s\noutcome: {}\n",
        result.unique_states,
        result.total_states,
        result.max_depth,
        result.duration_seconds,
        result.unique_states_per_second,
        result.outcome
    ));
    if let Some(findings) = &result.findings {
        out.push_str(&findings.render_summary());
    }
    for property in result
        .properties
        .iter()
        .filter(|property| property.verdict == "violated")
    {
        if property.accepted {
            if let Some(replay) = &property.replay {
                out.push_str(&format!("\naccepted {}: replay: {replay}\n", property.name));
            }
            continue;
        }
        out.push_str(&format!(
            "\nVIOLATED {}: {}\n",
            property.name, property.statement
        ));
        for line in &property.trace {
            out.push_str(&format!("  {line}\n"));
        }
        if let Some(replay) = &property.replay {
            out.push_str(&format!("replay: {replay}\n"));
        }
    }
    if let Some(findings) = &result.findings {
        out.push_str(&findings.render_new());
    }
    out.push_str(&format!("exit status: {}\n", result.status().code()));
    out
}

/// `mvsim check --path P`: replay a path and report the properties along it.
fn replay_command(model: &MvModel, args: &CheckArgs, path: &str) -> Result<ExitStatus, String> {
    let indices = parse_path(path)?;
    let (states, actions) = replay_path(model, &indices)?;
    let last = states.last().expect("replay has the initial state");
    let mut violated = Vec::new();
    for (index, property) in properties::registry().iter().enumerate() {
        if property.expectation != Expectation::Sometimes && !model.evaluate(index, last) {
            violated.push(property);
        }
    }
    let with_settle = violated
        .iter()
        .any(|property| property.expectation == Expectation::Quiescent);
    if let Some(format) = &args.diagram {
        crate::diagram::parse_format(format)?;
        let names: Vec<&str> = violated.iter().map(|property| property.name).collect();
        let title = format!("{} --diagram {format}", replay_line(model, args, path));
        let diagram = crate::diagram::checker_path(
            &model.config,
            &model.settle_config,
            &actions,
            with_settle,
            &names,
            &title,
        );
        print!("{}", diagram.mermaid());
        return Ok(if violated.is_empty() {
            ExitStatus::Clean
        } else {
            ExitStatus::Violation
        });
    }
    println!(
        "mvsim check --engine {} --config {} --path {} (replay, {} steps)",
        args.engine,
        args.config,
        path,
        actions.len()
    );
    for line in render_trace(model, &actions, with_settle) {
        println!("  {line}");
    }
    if violated.is_empty() {
        println!("no always/quiescent property is violated in the final state");
        return Ok(ExitStatus::Clean);
    }
    for property in &violated {
        println!("VIOLATED {}: {}", property.name, property.statement);
    }
    Ok(ExitStatus::Violation)
}

/// Runs `mvsim explore`: stateright's Explorer on 127.0.0.1 (blocks until interrupted).
pub fn run_explore(args: &ExploreArgs) -> Result<ExitStatus, String> {
    let mut model = model_for(&args.config, &args.engine)?;
    model.sometimes_as_one = false;
    let address = format!("127.0.0.1:{}", args.port);
    // stateright's `serve` panics when it cannot bind: probe the port first. (Another
    // process could take it between the probe and the bind; that race remains.)
    drop(
        std::net::TcpListener::bind(address.as_str()).map_err(|error| {
            format!("--port {}: cannot listen on {address}: {error}", args.port)
        })?,
    );
    eprintln!(
        "serving the Explorer for --engine {} --config {} on http://{address}",
        args.engine, args.config
    );
    model.checker().serve(address.as_str());
    Ok(ExitStatus::Clean)
}

/// 60% of MemTotal in MiB (4096 if /proc/meminfo is unreadable).
fn default_memory_mb() -> u64 {
    let total_kb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|line| line.starts_with("MemTotal:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        });
    total_kb.map_or(4096, |kb| kb * 6 / 10 / 1024)
}

/// Current resident memory in bytes (VmRSS), if readable.
pub(crate) fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

/// Peak resident memory in bytes (VmHWM), if readable.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes * 1024)
}

/// Runs `mvsim bench`: checker throughput (DFS and BFS) and time to first counterexample.
pub fn run_bench(args: &BenchArgs) -> Result<ExitStatus, String> {
    // Bad input fails here, once, rather than in each child `mvsim check`.
    model_for(&args.config, &args.engine)?;
    if args.max_states == 0 {
        return Err("--max-states must be at least 1".to_string());
    }
    println!(
        "mvsim bench --engine {} --config {} --max-states {}",
        args.engine, args.config, args.max_states
    );
    // Each search runs in a child process so that its peak memory is its own.
    let exe = std::env::current_exe().map_err(|error| format!("cannot find mvsim: {error}"))?;
    for search in ["--dfs", "--bfs"] {
        let json =
            std::env::temp_dir().join(format!("mvsim-bench-{}{}.json", std::process::id(), search));
        let status = std::process::Command::new(&exe)
            .args([
                "check",
                "--engine",
                &args.engine,
                "--config",
                &args.config,
                search,
                "--quiet",
            ])
            .args(["--max-states", &args.max_states.to_string(), "--json"])
            .arg(&json)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|error| format!("cannot run mvsim check: {error}"))?;
        let text = crate::files::read_input(&json, "check result")
            .map_err(|error| format!("mvsim check failed ({status}): {error}"))?;
        let _ = std::fs::remove_file(&json);
        let result: serde_json::Value =
            serde_json::from_str(&text).map_err(|error| error.to_string())?;
        let unique = result["unique_states"].as_u64().unwrap_or(0);
        let peak = result["peak_resident_bytes"].as_u64().unwrap_or(0);
        println!(
            "checker {}: {} unique states in {:.2}s = {:.0} unique states/s (1 thread), {:.0} bytes/state (peak RSS / unique states), {}",
            result["search"].as_str().unwrap_or("?"),
            unique,
            result["duration_seconds"].as_f64().unwrap_or(0.0),
            result["unique_states_per_second"].as_f64().unwrap_or(0.0),
            peak as f64 / unique.max(1) as f64,
            if result["outcome"].as_str().unwrap_or("").starts_with("complete") { "complete" } else { "bound reached" }
        );
    }
    {
        let engine = "pre";
        let model = model_for(&args.config, engine)?;
        // Wall clock for the benchmark figure only.
        let started = Instant::now();
        let checker = model
            .checker()
            .finish_when(HasDiscoveries::AnyFailures)
            .target_state_count(args.max_states)
            .spawn_bfs()
            .join();
        let first = checker
            .discoveries()
            .into_iter()
            .filter(|(name, _)| {
                properties::by_name(name).is_some_and(|p| p.expectation != Expectation::Sometimes)
            })
            .map(|(name, path)| (name, path.into_actions().len()))
            .min_by_key(|(_, length)| *length);
        match first {
            Some((name, length)) => println!(
                "time to first counterexample (--engine {engine}, bfs): {:.3}s ({name}, {length} steps, {} states)",
                started.elapsed().as_secs_f64(),
                checker.unique_state_count()
            ),
            None => println!("time to first counterexample (--engine {engine}): none found"),
        }
    }
    if let Some(family) = &args.family {
        bench_family(&exe, args, family)?;
    }
    println!(
        "{}",
        crate::simulate::bench_simulation(args.sim_steps).render()
    );
    Ok(ExitStatus::Clean)
}

/// `mvsim bench --family`: one family shard in a child process, one thread.
fn bench_family(exe: &std::path::Path, args: &BenchArgs, family: &str) -> Result<(), String> {
    let json = std::env::temp_dir().join(format!("mvsim-bench-{}-family.json", std::process::id()));
    let status = std::process::Command::new(exe)
        .args([
            "check",
            "--family",
            family,
            "--engine",
            &args.engine,
            "--quiet",
            "--no-baseline",
            "--max-memory-mb",
            "3000",
        ])
        .args(["--shard", &args.family_shard, "--json"])
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|error| format!("cannot run mvsim check --family: {error}"))?;
    let text = std::fs::read_to_string(&json)
        .map_err(|error| format!("mvsim check --family failed ({status}): {error}"))?;
    let _ = std::fs::remove_file(&json);
    let summary: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| error.to_string())?;
    let seconds = summary["duration_seconds"]
        .as_f64()
        .unwrap_or(0.0)
        .max(1e-9);
    let checked = summary["checked"].as_u64().unwrap_or(0);
    let unique = summary["unique_states"].as_u64().unwrap_or(0);
    println!(
        "family {family} shard {}: {checked} configurations, {unique} unique states in {seconds:.2}s = {:.1} configurations/s, {:.0} unique states/s (1 thread)",
        args.family_shard,
        checked as f64 / seconds,
        unique as f64 / seconds
    );
    Ok(())
}

/// Runs `mvsim list`: engine profiles, configurations and properties.
pub fn run_list() -> Result<ExitStatus, String> {
    println!("engine profiles (--engine):");
    for profile in mvsim_model::Profile::all() {
        println!("  {:<36} {}", profile.name, profile.summary);
    }
    println!("\nproposed fixes (compose: --engine post+fix-f1+fix-f3, post-fixed+no-fix-f1):");
    for fix in mvsim_model::Fix::ALL {
        println!("  {:<36} {}", fix.name(), fix.summary());
    }
    println!("\nconfigurations (--config):");
    for (name, _) in super::config_file::SHIPPED {
        let config = super::config_file::load(name, mvsim_model::Profile::by_name("post")?)?.config;
        println!(
            "  {:<26} {} initial segments, {} scripted events, {} menu events (budget {}), faults: {} transient, {} lost ack, {} task failure, {} timeout, {} failover, {} clock tick(s)",
            name,
            config.initial_source.len(),
            config.script.len(),
            config.menu.len(),
            config.menu_budget,
            config.faults.transient_errors,
            config.faults.lost_acks,
            config.faults.task_failures,
            config.faults.task_timeouts,
            config.faults.controller_failovers,
            config.clock_ticks_max
        );
    }
    println!("\nfamily scopes (--family):");
    for (name, _) in super::family::SHIPPED_SCOPES {
        let scope = super::family::load_scope(name)?;
        println!("  {:<14} {}", name, scope.description);
    }
    println!("\nproperties:");
    for property in properties::registry() {
        println!(
            "  {:<34} {:<10} {}",
            property.name,
            property.expectation.name(),
            property.statement
        );
    }
    Ok(ExitStatus::Clean)
}

/// The check result as JUnit XML: one suite for the engine and configuration, one case per
/// property, and an `incomplete` error case when the search did not complete.
pub fn junit_report(result: &CheckResult) -> String {
    use crate::junit::{Case, CaseVerdict};
    let classname = format!("check.{}.{}", result.engine, result.config);
    let mut cases: Vec<Case> = result
        .properties
        .iter()
        .map(|property| {
            let verdict = if property.counted {
                CaseVerdict::Fail(format!("{}: {}", property.verdict, property.statement))
            } else if property.verdict == "violated" {
                CaseVerdict::Skip(
                    "violated, every witness accepted (the findings baseline or --accept-property)"
                        .to_string(),
                )
            } else {
                CaseVerdict::Pass
            };
            let mut output = format!("{} ({})\n", property.verdict, property.expectation);
            for line in &property.trace {
                output.push_str(line);
                output.push('\n');
            }
            if let Some(replay) = &property.replay {
                output.push_str(&format!("replay: {replay}\n"));
            }
            Case {
                name: property.name.to_string(),
                classname: classname.clone(),
                verdict,
                output,
            }
        })
        .collect();
    // The gate: one case per accepted finding seen (passed: accepted), per new signature
    // (failed, with its trace) and per expected finding no longer seen.
    if let Some(findings) = &result.findings {
        let finding_class = format!("{classname}.findings");
        for finding in &findings.accepted {
            cases.push(Case {
                name: format!("{} (accepted)", finding.id),
                classname: finding_class.clone(),
                verdict: CaseVerdict::Pass,
                output: format!(
                    "{} [{}] ({})\n{}\n",
                    finding.title,
                    finding.status,
                    finding.report,
                    finding.signatures.join("\n")
                ),
            });
        }
        for finding in &findings.new {
            let mut output = format!("at {}\n", finding.subject);
            for line in &finding.trace {
                output.push_str(line);
                output.push('\n');
            }
            if let Some(replay) = &finding.replay {
                output.push_str(&format!("replay: {replay}\n"));
            }
            cases.push(Case {
                name: format!("NEW {}", finding.signature),
                classname: finding_class.clone(),
                verdict: CaseVerdict::Fail(format!("new finding: {}", finding.signature)),
                output,
            });
        }
        // What the baseline expects and this complete search no longer saw: findings it
        // must reproduce, `sometimes` it must reach. A failure under --strict-baseline.
        let expected = (findings.not_reproduced.iter())
            .map(|id| (id, "reproduced", "expected"))
            .chain((findings.unreached.iter()).map(|name| (name, "reached", "expected reached")));
        for (what, no_longer, label) in expected {
            let flag = if findings.reached_from.is_empty() {
                "--strict-baseline"
            } else {
                "--reached-from"
            };
            let verdict = if findings.strict_failure {
                CaseVerdict::Fail(format!("{what} is no longer {no_longer} ({flag})"))
            } else {
                CaseVerdict::Skip(format!("{what} is no longer {no_longer}"))
            };
            cases.push(Case {
                name: format!("{what} ({label})"),
                classname: finding_class.clone(),
                verdict,
                output: String::new(),
            });
        }
    }
    if !result.outcome_fields.complete {
        cases.push(Case {
            name: "complete".to_string(),
            classname: classname.clone(),
            verdict: CaseVerdict::Error(result.outcome.clone()),
            output: String::new(),
        });
    }
    let suite = format!(
        "mvsim check --engine {} --config {}{}",
        result.engine,
        result.config,
        if result.no_faults { " --no-faults" } else { "" }
    );
    crate::junit::render(
        "mvsim check",
        vec![(
            suite,
            Duration::from_secs_f64(result.duration_seconds),
            cases,
        )],
    )
}

#[cfg(test)]
mod tests {
    use super::join_checker_threads;

    #[test]
    fn a_panicked_checker_thread_is_raised_again_after_every_thread_stopped() {
        let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&finished);
        let handles = vec![
            std::thread::spawn(|| panic!("model bug")),
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }),
        ];
        let raised = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            join_checker_threads(handles)
        }))
        .expect_err("the panic is raised");
        assert_eq!(raised.downcast_ref::<&str>(), Some(&"model bug"));
        assert!(
            finished.load(std::sync::atomic::Ordering::SeqCst),
            "the other thread was joined first"
        );
        join_checker_threads(vec![std::thread::spawn(|| {})]);
    }
}
