//! `mvsim simulate`, `mvsim replay` and `mvsim sweep`: arguments, output and exit codes.
//!
//! Output of `simulate` and `replay`: the seed and the drawn profile first, then the run's
//! size and verdict, each violated property with its one-line statement, what breaks it and
//! its witnesses' finding signatures (`signature: ...` lines),
//! the (shrunk) trace up to the violation, the trace files, and one replay command. Exit
//! code 0 when no property was violated, 1 when one was; bad input is an `Err` (main prints
//! `mvsim: error: ...` and exits 2).

use super::engine::{Phase, RunOutcome, Violation};
use super::params::{FaultMode, Features, SimOptions, SimParams, WorkloadMode, START_MS};
use super::record::{self, Expected, Recording};
use super::shrink::REPLAYS_MAX;
use super::sweep::{merge_summaries, parse_seed_range, parse_shard, sweep, SeedRange, SweepPlan};
use super::{run_seed, shrink_recording, trace_lines, SweepSummary};
use crate::baseline::Baseline;
use crate::exit::ExitStatus;
use mvsim_model::properties::{self, Expectation};
use mvsim_model::Profile;
use std::io::Write as _;
use std::path::PathBuf;

/// Run options shared by `simulate`, `replay --seed` and `sweep`. Unset values are drawn
/// per seed (or take Pinot's default where noted).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// Engine profile (pre, post, post-no-delete-guards, ...; default post).
    #[arg(long)]
    pub engine: Option<String>,
    /// bucketTimePeriod in ms (default 3600000).
    #[arg(long, value_name = "MS")]
    pub bucket_ms: Option<i64>,
    /// Length of the workload phase in virtual ms (default: drawn, 12 to 48 hours).
    #[arg(long, value_name = "MS")]
    pub duration_ms: Option<i64>,
    /// Scheduler cycle period in ms (default: drawn from 30 s, 1, 2 and 5 min).
    #[arg(long, value_name = "MS")]
    pub scheduler_period_ms: Option<i64>,
    /// Largest broker cache lag in ms (default: drawn from 0, 1 s, 10 s and 1 min).
    #[arg(long, value_name = "MS")]
    pub broker_lag_ms: Option<i64>,
    /// stalenessThresholdMs of the MV (default: drawn, 1 to 4 buckets).
    #[arg(long, value_name = "MS")]
    pub staleness_threshold_ms: Option<i64>,
    /// The critical CAS attempt budget (default 128).
    #[arg(long, value_name = "N")]
    pub critical_max_attempts: Option<u32>,
    /// maxTasksPerBatch (default 4).
    #[arg(long, value_name = "N")]
    pub max_tasks_per_batch: Option<u32>,
    /// Step budget of the workload phase (default 2000000).
    #[arg(long, value_name = "N")]
    pub steps_max: Option<u64>,
    /// Faults: swarm (each seed draws its own kinds and rates; default), none, or all.
    #[arg(long, value_name = "MODE")]
    pub faults: Option<String>,
    /// Workload: swarm (default), all, none, or a comma list of
    /// stalls,backfills,refreshes,retention,timeless,bursts,drain,history.
    #[arg(long, value_name = "FEATURES")]
    pub workload: Option<String>,
}

impl RunArgs {
    /// The engine profile (post when not given).
    pub fn profile(&self) -> Result<Profile, String> {
        Profile::by_name(self.engine.as_deref().unwrap_or("post"))
    }

    /// The overrides, validated.
    pub fn options(&self) -> Result<SimOptions, String> {
        let faults = match self.faults.as_deref().unwrap_or("swarm") {
            "swarm" => FaultMode::Swarm,
            "none" => FaultMode::None,
            "all" => FaultMode::All,
            other => {
                return Err(format!(
                    "unknown fault mode '{other}' (expected swarm, none or all)"
                ))
            }
        };
        let workload = match self.workload.as_deref().unwrap_or("swarm") {
            "swarm" => WorkloadMode::Swarm,
            "all" => WorkloadMode::Exactly(Features::parse(
                "stalls,backfills,refreshes,retention,timeless,bursts,drain,history",
            )?),
            list => WorkloadMode::Exactly(Features::parse(list)?),
        };
        let options = SimOptions {
            bucket_ms: self.bucket_ms,
            duration_ms: self.duration_ms,
            scheduler_period_ms: self.scheduler_period_ms,
            broker_lag_ms: self.broker_lag_ms,
            staleness_threshold_ms: self.staleness_threshold_ms,
            critical_max_attempts: self.critical_max_attempts,
            max_tasks_per_batch: self.max_tasks_per_batch,
            steps_max: self.steps_max,
            faults,
            workload,
        };
        options.validate()?;
        Ok(options)
    }

    fn is_default(&self) -> bool {
        self.engine.is_none() && self.options().is_ok_and(|o| o == SimOptions::default())
    }
}

/// `mvsim simulate` arguments.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// The seed (an unsigned 64-bit integer).
    #[arg(long)]
    pub seed: String,
    #[command(flatten)]
    /// The run options.
    pub run: RunArgs,
    /// Write the trace here (default on failure: target/mvsim/sim-ENGINE-seedN.json); the
    /// shrunk trace goes next to it as NAME.shrunk.json.
    #[arg(long, value_name = "FILE")]
    pub trace_out: Option<PathBuf>,
    /// Show and shrink this property's violation (default: the first one).
    #[arg(long)]
    pub property: Option<String>,
    /// Do not shrink a failing run.
    #[arg(long)]
    pub no_shrink: bool,
    /// Replay budget of the shrinker.
    #[arg(long, value_name = "N", default_value_t = REPLAYS_MAX)]
    pub shrink_replays: usize,
    /// Trace lines to print (the last ones before the violation).
    #[arg(long, value_name = "N", default_value_t = 60)]
    pub lines: usize,
    /// No progress lines on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// `mvsim replay` arguments.
#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// Regenerate the run of this seed (with --engine and the same options as the run).
    #[arg(long, conflicts_with = "trace")]
    pub seed: Option<String>,
    /// Replay a JSON trace file exactly (no RNG) and check it reproduces its violations.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    #[command(flatten)]
    /// The run options (with `--seed`; a trace file carries its own).
    pub run: RunArgs,
    /// Show this property's violation (default: the first one).
    #[arg(long)]
    pub property: Option<String>,
    /// Print only the last N trace lines (default: all up to the violation).
    #[arg(long, value_name = "N")]
    pub lines: Option<usize>,
}

/// `mvsim sweep` arguments.
#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// Seeds A..B (end exclusive), A..=B, or one seed.
    #[arg(long, value_name = "A..B")]
    pub seeds: Option<String>,
    /// Run only shard I of N: the seeds s with s % N == I.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Threads (1 to 256).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Write the machine-readable summary here (`-`: to stdout, the report to stderr).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the result as JUnit XML here (one test case per property).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Merge these summary files (of shards of one sweep) instead of running seeds.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub merge: Vec<PathBuf>,
    /// No progress line on stderr.
    #[arg(long)]
    pub quiet: bool,
    /// The findings baseline (as for `mvsim check`): a failure whose signature a finding
    /// explains is accepted and listed with the finding's id; any other signature is new
    /// (exit 1).
    #[arg(long, value_name = "PATH", default_value = crate::baseline::DEFAULT_PATH, conflicts_with = "no_baseline")]
    pub baseline: PathBuf,
    /// Judge with no baseline: every signature is new.
    #[arg(long)]
    pub no_baseline: bool,
    #[command(flatten)]
    /// The run options.
    pub run: RunArgs,
}

impl SweepArgs {
    /// The baseline to judge against and how to name it; errors are one line.
    fn load_baseline(&self) -> Result<(Baseline, String), String> {
        if self.no_baseline {
            return Ok((Baseline::empty(), "none (--no-baseline)".to_string()));
        }
        let baseline = Baseline::load(&self.baseline).map_err(|error| {
            if self.baseline.exists() {
                error
            } else {
                format!(
                    "{error} (the findings baseline; run from the repository root, pass --baseline PATH, or --no-baseline)"
                )
            }
        })?;
        Ok((baseline, self.baseline.display().to_string()))
    }
}

fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("bad seed '{text}': expected an unsigned 64-bit integer"))
}

/// A property name given on the command line: must be an `always` or `quiescent` one.
fn check_property(name: Option<&str>) -> Result<Option<&'static str>, String> {
    let Some(name) = name else {
        return Ok(None);
    };
    match properties::by_name(name) {
        Some(property) if property.expectation != Expectation::Sometimes => Ok(Some(property.name)),
        _ => {
            let names: Vec<&str> = properties::registry()
                .iter()
                .filter(|p| p.expectation != Expectation::Sometimes)
                .map(|p| p.name)
                .collect();
            Err(format!(
                "unknown property '{name}' (expected one of: {})",
                names.join(", ")
            ))
        }
    }
}

/// `+1h02m03.456s` from the start of the run.
fn relative(time_ms: i64) -> String {
    let offset = time_ms - START_MS;
    let sign = if offset < 0 { "-" } else { "+" };
    let offset = offset.unsigned_abs();
    let (hours, rest) = (offset / 3_600_000, offset % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    format!(
        "{sign}{hours}h{minutes:02}m{:02}.{:03}s",
        rest / 1000,
        rest % 1000
    )
}

/// Human output goes to stderr when `--json -` puts the JSON on stdout.
static HUMAN_TO_STDERR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn say(text: &str) {
    if HUMAN_TO_STDERR.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("{text}");
        return;
    }
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    let _ = stdout.flush();
}

fn header(command: &str, seed: u64, profile: Profile, params: &SimParams) {
    say(&format!(
        "mvsim {command}: seed {seed}, engine {} ({})",
        profile.name, profile.summary
    ));
    say(&params.render());
}

fn describe_violation(violation: &Violation, outcome: &RunOutcome) -> String {
    let statement =
        properties::by_name(&violation.property).map_or("", |property| property.statement);
    let place = match violation.phase {
        Phase::Workload => format!(
            "at step #{} (t={}, workload)",
            violation.step - 1,
            relative(violation.time_ms)
        ),
        Phase::Heal => format!(
            "at step #{} (t={}, healing)",
            violation.step - 1,
            relative(violation.time_ms)
        ),
        Phase::Quiescence => format!(
            "at quiescence (after {} healing steps and {} settle steps)",
            outcome.heal_steps, outcome.settle_steps
        ),
    };
    let detail = if violation.detail.is_empty() {
        String::new()
    } else {
        format!("\n           {}", violation.detail)
    };
    format!("{} {place}: {statement}{detail}", violation.property)
}

fn report_outcome(outcome: &RunOutcome) {
    let limits = match (outcome.limit_hit, outcome.catalog_exhausted) {
        (true, _) => " (step budget hit)",
        (_, true) => " (segment catalog used up: uploads stopped)",
        _ => "",
    };
    say(&format!(
        "run      {} workload steps to t={}{limits}, {} healing steps to t={}, settle {} steps",
        outcome.steps,
        relative(outcome.heal_start_ms),
        outcome.heal_steps,
        relative(outcome.end_ms),
        outcome.settle_steps
    ));
    let sometimes = properties::registry()
        .iter()
        .filter(|p| p.expectation == Expectation::Sometimes)
        .count();
    if outcome.violations.is_empty() {
        say(&format!(
            "PASS     no property violated; {}/{sometimes} sometimes-properties reached",
            outcome.reached_names().len()
        ));
        return;
    }
    for (index, violation) in outcome.violations.iter().enumerate() {
        let label = if index == 0 { "FAIL    " } else { "also    " };
        say(&format!(
            "{label} {}",
            describe_violation(violation, outcome)
        ));
        for signature in &violation.signatures {
            say(&format!("         signature: {signature}"));
        }
    }
}

fn replay_command(
    seed: u64,
    profile: Profile,
    options: &SimOptions,
    property: Option<&str>,
) -> String {
    let mut words = vec![
        "mvsim replay --seed".to_string(),
        seed.to_string(),
        "--engine".to_string(),
        profile.name.to_string(),
    ];
    words.extend(options.to_args());
    if let Some(property) = property {
        words.push("--property".to_string());
        words.push(property.to_string());
    }
    words.join(" ")
}

/// Prints the last `limit` lines (all when None), saying how many were left out.
fn print_lines(title: &str, lines: &[String], limit: Option<usize>) {
    let shown = limit.map_or(lines.len(), |limit| limit.min(lines.len()));
    let skipped = lines.len() - shown;
    if skipped > 0 {
        say(&format!(
            "{title} (last {shown} of {} lines; the trace file has every step):",
            lines.len()
        ));
    } else {
        say(&format!("{title}:"));
    }
    for line in &lines[skipped..] {
        say(line);
    }
}

/// The property a failing run is shown and shrunk for.
fn target_property(outcome: &RunOutcome, wanted: Option<&'static str>) -> Option<String> {
    match wanted {
        Some(name) => outcome.violation(name).map(|v| v.property.clone()),
        None => outcome.violations.first().map(|v| v.property.clone()),
    }
}

/// Writes a trace file and says where.
fn save(path: &std::path::Path, recording: &Recording, named: bool) -> Result<PathBuf, String> {
    let written = record::write_trace(path, &recording.to_json(), named)?;
    say(&format!(
        "trace    {} ({} steps)",
        written.display(),
        recording.steps.len()
    ));
    Ok(written)
}

/// Shrinks for `target`, saves the shrunk trace (never over a file the user did not name)
/// and says how far it shrank.
fn shrink_and_save(
    recording: &Recording,
    target: &str,
    replays_max: usize,
    shrunk_path: &std::path::Path,
) -> Result<Recording, String> {
    let shrunk = shrink_recording(recording, target, replays_max)?;
    let written = record::write_trace(shrunk_path, &shrunk.to_json(), false)?;
    let replays = shrunk.shrunk.as_ref().map_or(0, |info| info.replays);
    say(&format!(
        "shrunk   {target}: {} -> {} steps in {replays} replays; saved to {} (replayable with --trace)",
        recording.steps.len(),
        shrunk.steps.len(),
        written.display()
    ));
    if let Some(signature) = shrunk
        .shrunk
        .as_ref()
        .and_then(|info| info.signature.as_ref())
    {
        say(&format!("         keeps signature: {signature}"));
    }
    Ok(shrunk)
}

/// Progress lines of one long run on stderr (every 5 s of wall time, as `sweep` does), and
/// the SIGINT check; returns false to stop the workload phase.
/// `MVSIM_PROGRESS_SECONDS` (default 5) sets the interval.
fn simulate_observer(quiet: bool, duration_ms: i64) -> impl FnMut(u64, i64) -> bool {
    let stopwatch = super::wallclock::Stopwatch::start();
    let interval_seconds = std::env::var("MVSIM_PROGRESS_SECONDS")
        .ok()
        .and_then(|text| text.trim().parse::<f64>().ok())
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .unwrap_or(5.0);
    let mut next_report_seconds = interval_seconds;
    move |steps, now_ms| {
        let seconds = stopwatch.seconds();
        if !quiet && steps > 0 && seconds >= next_report_seconds {
            next_report_seconds = seconds + interval_seconds;
            let done = (now_ms - START_MS) as f64 / duration_ms.max(1) as f64;
            eprintln!(
                "progress: {steps} steps, t={} ({:.0}% of the workload phase), {:.2} M steps/s, {seconds:.0}s",
                relative(now_ms),
                (done * 100.0).clamp(0.0, 100.0),
                steps as f64 / seconds.max(1e-9) / 1e6
            );
        }
        !crate::interrupt::interrupted()
    }
}

/// Runs `mvsim simulate`; returns the process exit status.
pub fn run_simulate(args: &SimulateArgs) -> Result<ExitStatus, String> {
    let seed = parse_seed(&args.seed)?;
    let profile = args.run.profile()?;
    let options = args.run.options()?;
    let wanted = check_property(args.property.as_deref())?;
    if let Some(path) = &args.trace_out {
        crate::files::probe_output(path, "--trace-out")?;
    }
    crate::interrupt::install();
    // The drawn duration is only known after the draw; the observer's percentage uses the
    // override or the longest drawn duration (48 h) until then.
    let duration_ms = options.duration_ms.unwrap_or(48 * 3_600_000);
    let mut observer = simulate_observer(args.quiet, duration_ms);
    let run = super::run_seed_observed(seed, profile, &options, true, Some(&mut observer))?;
    header("simulate", seed, profile, &run.params);
    report_outcome(&run.outcome);
    let recording = run.recording().expect("the run was recorded");
    let named = args.trace_out.is_some();
    let trace_path = args
        .trace_out
        .clone()
        .unwrap_or_else(|| record::default_trace_path(profile.name, seed, false));
    let status = ExitStatus::of(!run.outcome.violations.is_empty(), true, run.interrupted);
    if run.interrupted {
        say(&format!(
            "note     interrupted (SIGINT) after {} workload steps: healed, settled and judged there; not shrunk",
            run.outcome.steps
        ));
        save(&trace_path, &recording, named)?;
        return Ok(status);
    }
    let Some(target) = target_property(&run.outcome, wanted) else {
        if let Some(wanted) = wanted {
            say(&format!("note     {wanted} was not violated in this run"));
        }
        if named {
            save(&trace_path, &recording, true)?;
        }
        return Ok(status);
    };
    save(&trace_path, &recording, named)?;
    let shown = if args.no_shrink {
        recording
    } else {
        let shrunk_path = if named {
            record::shrunk_path_for(&trace_path)
        } else {
            record::default_trace_path(profile.name, seed, true)
        };
        shrink_and_save(&recording, &target, args.shrink_replays, &shrunk_path)?
    };
    let lines = trace_lines(&shown, Some(&target))?;
    let title = if shown.shrunk.is_some() {
        "trace (shrunk)"
    } else {
        "trace"
    };
    print_lines(title, &lines, Some(args.lines));
    let first = run.outcome.violations.first().map(|v| v.property.as_str());
    let property = (Some(target.as_str()) != first).then_some(target.as_str());
    say(&format!(
        "replay   {}",
        replay_command(seed, profile, &options, property)
    ));
    Ok(status)
}

/// Runs `mvsim replay`.
pub fn run_replay(args: &ReplayArgs) -> Result<ExitStatus, String> {
    let wanted = check_property(args.property.as_deref())?;
    if let Some(path) = &args.trace {
        if !args.run.is_default() {
            return Err(
                "--trace replays the engine and parameters recorded in the file: drop --engine and the run options"
                    .to_string(),
            );
        }
        let recording = Recording::read(path)?;
        return replay_trace_file(path, &recording, wanted, args.lines);
    }
    let Some(seed) = &args.seed else {
        return Err(
            "replay needs --seed N (with --engine E and the run's options) or --trace FILE".into(),
        );
    };
    let seed = parse_seed(seed)?;
    let profile = args.run.profile()?;
    let options = args.run.options()?;
    let run = run_seed(seed, profile, &options, true)?;
    header("replay", seed, profile, &run.params);
    report_outcome(&run.outcome);
    let recording = run.recording().expect("the run was recorded");
    show_trace(&recording, &run.outcome, wanted, args.lines)?;
    Ok(ExitStatus::of(
        !run.outcome.violations.is_empty(),
        true,
        false,
    ))
}

fn show_trace(
    recording: &Recording,
    outcome: &RunOutcome,
    wanted: Option<&'static str>,
    lines: Option<usize>,
) -> Result<(), String> {
    match target_property(outcome, wanted) {
        Some(target) => {
            let trace = trace_lines(recording, Some(&target))?;
            print_lines(&format!("trace up to {target}"), &trace, lines);
        }
        None if lines.is_some() => {
            let trace = trace_lines(recording, None)?;
            print_lines("trace", &trace, lines);
        }
        None => {
            if let Some(wanted) = wanted {
                say(&format!("note     {wanted} was not violated in this run"));
            }
        }
    }
    Ok(())
}

fn replay_trace_file(
    path: &std::path::Path,
    recording: &Recording,
    wanted: Option<&'static str>,
    lines: Option<usize>,
) -> Result<ExitStatus, String> {
    let profile = Profile::by_name(&recording.engine)?;
    header("replay", recording.seed, profile, &recording.params);
    let shrunk = recording.shrunk.as_ref().map_or(String::new(), |info| {
        format!(
            ", shrunk from {} steps for {}",
            info.original_steps, info.property
        )
    });
    say(&format!(
        "file     {}: {} steps{shrunk}",
        path.display(),
        recording.steps.len()
    ));
    let replayed = super::replay_recording(recording, None, None)?;
    let outcome = &replayed.outcome;
    let got = Expected::of(&outcome.violations);
    if got != recording.expected {
        return Err(format!(
            "replay of '{}' diverged: expected violations {}, got {}",
            path.display(),
            expected_text(&recording.expected),
            expected_text(&got)
        ));
    }
    report_outcome(outcome);
    show_trace(recording, outcome, wanted, lines)?;
    say(&format!(
        "verdict  reproduces the recorded run ({} violation(s): {})",
        got.len(),
        expected_text(&got)
    ));
    Ok(ExitStatus::of(!outcome.violations.is_empty(), true, false))
}

fn expected_text(expected: &[Expected]) -> String {
    if expected.is_empty() {
        return "none".to_string();
    }
    let items: Vec<String> = expected
        .iter()
        .map(|e| format!("{} after {} steps", e.property, e.step))
        .collect();
    items.join(", ")
}

/// Checks the sweep's output paths before it runs.
fn probe_sweep_outputs(args: &SweepArgs) -> Result<(), String> {
    if let Some(path) = &args.json {
        crate::files::probe_output(path, "--json")?;
    }
    if let Some(path) = &args.junit {
        if crate::files::is_stdout(path) {
            return Err("--junit needs a file (only --json accepts '-')".to_string());
        }
        crate::files::probe_output(path, "--junit")?;
    }
    if let (Some(json), Some(junit)) = (&args.json, &args.junit) {
        if crate::files::same_file(json, junit) {
            return Err(format!(
                "--json and --junit name the same file '{}'",
                json.display()
            ));
        }
    }
    HUMAN_TO_STDERR.store(
        args.json.as_deref().is_some_and(crate::files::is_stdout),
        std::sync::atomic::Ordering::Relaxed,
    );
    Ok(())
}

/// Runs `mvsim sweep`.
pub fn run_sweep(args: &SweepArgs) -> Result<ExitStatus, String> {
    if !args.merge.is_empty() {
        return run_merge(args);
    }
    let seeds = args
        .seeds
        .as_deref()
        .ok_or("sweep needs --seeds A..B (or --merge FILES)")?;
    let (start, end) = parse_seed_range(seeds)?;
    let (shard_index, shard_count) = match &args.shard {
        Some(shard) => parse_shard(shard)?,
        None => (0, 1),
    };
    if args.jobs == 0 || args.jobs > super::sweep::JOBS_MAX {
        return Err(format!(
            "--jobs {} is out of range (1 to {})",
            args.jobs,
            super::sweep::JOBS_MAX
        ));
    }
    let judge = args.load_baseline()?;
    let plan = SweepPlan {
        profile: args.run.profile()?,
        options: args.run.options()?,
        range: SeedRange {
            start,
            end,
            shard_index,
            shard_count,
        },
        jobs: args.jobs,
        progress: !args.quiet,
    };
    probe_sweep_outputs(args)?;
    crate::interrupt::install();
    say(&format!(
        "mvsim sweep: engine {}, seeds {start}..{end}{}, {} runs on {} thread(s)",
        plan.profile.name,
        if shard_count > 1 {
            format!(" shard {shard_index}/{shard_count} (seed % {shard_count} == {shard_index})")
        } else {
            String::new()
        },
        plan.range.len(),
        plan.jobs
    ));
    let mut summary = sweep(&plan)?;
    if summary.interrupted {
        say(&format!(
            "note       interrupted (SIGINT) after {} of {} seeds: the summary covers the seeds that ran",
            summary.runs,
            plan.range.len()
        ));
    }
    finish_sweep(&mut summary, args, &judge)
}

fn run_merge(args: &SweepArgs) -> Result<ExitStatus, String> {
    if args.seeds.is_some() || args.shard.is_some() || !args.run.is_default() {
        return Err(
            "--merge combines summary files: drop --seeds, --shard and the run options".into(),
        );
    }
    for output in [&args.json, &args.junit].into_iter().flatten() {
        if let Some(input) = args
            .merge
            .iter()
            .find(|input| crate::files::same_file(input, output))
        {
            return Err(format!(
                "the output '{}' is also an input of --merge ('{}')",
                output.display(),
                input.display()
            ));
        }
    }
    for (index, path) in args.merge.iter().enumerate() {
        if let Some(first) = args.merge[..index]
            .iter()
            .find(|other| crate::files::same_file(other, path))
        {
            return Err(format!(
                "--merge names '{}' twice (also as '{}')",
                path.display(),
                first.display()
            ));
        }
    }
    probe_sweep_outputs(args)?;
    let judge = args.load_baseline()?;
    let summaries = args
        .merge
        .iter()
        .map(|path| SweepSummary::read(path))
        .collect::<Result<Vec<_>, _>>()?;
    let mut merged = merge_summaries(summaries)?;
    say(&format!(
        "mvsim sweep: merged {} summaries",
        args.merge.len()
    ));
    finish_sweep(&mut merged, args, &judge)
}

/// Judges the summary's signatures against the baseline, prints and writes it; a counted
/// violation is a new signature (or a failure with none).
fn finish_sweep(
    summary: &mut SweepSummary,
    args: &SweepArgs,
    (baseline, shown): &(Baseline, String),
) -> Result<ExitStatus, String> {
    summary.judge(baseline, shown);
    // A failure counts only as a new signature (or one with none): the JSON says so too.
    let status = ExitStatus::of(summary.has_new(), summary.complete, summary.interrupted);
    summary.exit_status = status.code();
    let human = summary.render();
    if HUMAN_TO_STDERR.load(std::sync::atomic::Ordering::Relaxed) {
        eprint!("{human}");
    } else {
        print!("{human}");
    }
    if let Some(path) = &args.junit {
        crate::files::write_atomic(path, &sweep_junit(summary))?;
    }
    if let Some(path) = &args.json {
        crate::files::write_atomic(path, &summary.to_json())?;
        if !crate::files::is_stdout(path) {
            say(&format!("summary    {}", path.display()));
        }
    }
    Ok(status)
}

/// A sweep summary as JUnit XML: one case per `always`/`quiescent` property.
fn sweep_junit(summary: &SweepSummary) -> String {
    use crate::junit::{Case, CaseVerdict};
    let classname = format!("sweep.{}", summary.engine);
    let mut cases: Vec<Case> = properties::registry()
        .iter()
        .filter(|property| property.expectation != Expectation::Sometimes)
        .map(|property| {
            let (verdict, output) = match summary.failures.get(property.name) {
                Some(group) => (
                    CaseVerdict::Fail(format!(
                        "{} of {} runs violated: {}",
                        group.runs, summary.runs, group.statement
                    )),
                    format!(
                        "failing seeds (smallest {}): {:?}\nreplay: {}\n",
                        group.seeds.len(),
                        group.seeds,
                        group.replay
                    ),
                ),
                None => (
                    CaseVerdict::Pass,
                    format!("held in all {} runs\n", summary.runs),
                ),
            };
            Case {
                name: property.name.to_string(),
                classname: classname.clone(),
                verdict,
                output,
            }
        })
        .collect();
    if !summary.complete {
        cases.push(Case {
            name: "complete".to_string(),
            classname: classname.clone(),
            verdict: CaseVerdict::Error(if summary.interrupted {
                "interrupted (SIGINT): not every seed ran".to_string()
            } else {
                "a merged part was incomplete: not every seed ran".to_string()
            }),
            output: String::new(),
        });
    }
    let ranges: Vec<String> = summary
        .ranges
        .iter()
        .map(|r| {
            format!(
                "{}..{} shard {}/{}",
                r.start, r.end, r.shard_index, r.shard_count
            )
        })
        .collect();
    let suite = format!(
        "mvsim sweep --engine {} ({})",
        summary.engine,
        ranges.join(", ")
    );
    crate::junit::render(
        "mvsim sweep",
        vec![(
            suite,
            std::time::Duration::from_millis(summary.wall_ms),
            cases,
        )],
    )
}
