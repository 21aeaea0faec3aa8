//! Sweeps: many seeds, optionally one shard of a range, on several threads, summarised
//! per finding signature (and per property); summaries are JSON and merge across shards.
//!
//! Each failing run contributes every signature of its violations
//! (`Violation::signatures`, the vocabulary of `mvsim_model::signature`) to one group per
//! signature. [`SweepSummary::judge`] then judges each group against a findings baseline
//! (the one `mvsim check` uses): a signature some finding explains is accepted and names
//! the finding; any other is new. `mvsim sweep` exits 1 only for a new signature.
//!
//! Seed `s` of the range belongs to shard `s % N` (module doc of `simulate`). Threads take
//! seeds from a shared counter and keep their own tallies; tallies are sums, counts and
//! sorted seed lists, so the summary is the same for any `--jobs`.

use super::params::SimOptions;
use super::wallclock::Stopwatch;
use super::{run_seed, RunOutcome};
use crate::baseline::Baseline;
use crate::exit::ExitStatus;
use mvsim_model::properties::{self, Expectation};
use mvsim_model::Profile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The `format` of sweep summaries (2: with `exit_status`, `complete`, `interrupted`).
pub const SUMMARY_FORMAT: &str = "mvsim-sweep-summary/2";
/// The most threads `--jobs` accepts.
pub const JOBS_MAX: usize = 256;
/// Failing seeds kept per property (the smallest ones).
const SEEDS_KEPT: usize = 100;

/// A seed range `[start, end)` and the shard of it that ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeedRange {
    /// First seed.
    pub start: u64,
    /// End of the range (exclusive).
    pub end: u64,
    /// The shard that ran (`seed % shard_count == shard_index`).
    pub shard_index: u64,
    /// Number of shards.
    pub shard_count: u64,
}

impl SeedRange {
    /// The first seed of the shard, if any.
    fn first(&self) -> Option<u64> {
        // (shard_index - start) mod shard_count, without overflow for any u64 values.
        let remainder = self.start % self.shard_count;
        let offset = if self.shard_index >= remainder {
            self.shard_index - remainder
        } else {
            self.shard_index + (self.shard_count - remainder)
        };
        let first = self.start.checked_add(offset)?;
        (first < self.end).then_some(first)
    }

    /// How many seeds of the range the shard holds.
    pub fn len(&self) -> u64 {
        self.first()
            .map_or(0, |first| (self.end - 1 - first) / self.shard_count + 1)
    }

    /// Does the shard hold no seed?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `index`-th seed of the shard.
    pub fn seed(&self, index: u64) -> u64 {
        self.first().expect("a non-empty shard") + index * self.shard_count
    }
}

/// Parses `A..B` (end exclusive), `A..=B` or a single seed `N`.
pub fn parse_seed_range(text: &str) -> Result<(u64, u64), String> {
    let seed = |part: &str| {
        part.trim().parse::<u64>().map_err(|_| {
            format!("bad seed range '{text}': '{part}' is not an unsigned 64-bit integer")
        })
    };
    let (start, end) = if let Some((start, end)) = text.split_once("..=") {
        let end = seed(end)?;
        let end = end
            .checked_add(1)
            .ok_or_else(|| format!("bad seed range '{text}': end too large"))?;
        (seed(start)?, end)
    } else if let Some((start, end)) = text.split_once("..") {
        (seed(start)?, seed(end)?)
    } else {
        let single = seed(text)?;
        (single, single.saturating_add(1))
    };
    if end <= start {
        return Err(format!(
            "bad seed range '{text}': the end must be greater than the start (A..B runs A to B-1)"
        ));
    }
    Ok((start, end))
}

/// Parses `I/N` with `I < N`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("bad shard '{text}': expected I/N with 0 <= I < N, e.g. 0/4");
    let (index, count) = text.split_once('/').ok_or_else(bad)?;
    let index: u64 = index.trim().parse().map_err(|_| bad())?;
    let count: u64 = count.trim().parse().map_err(|_| bad())?;
    if count == 0 || index >= count {
        return Err(bad());
    }
    Ok((index, count))
}

/// What a sweep runs.
pub struct SweepPlan {
    /// The engine profile.
    pub profile: Profile,
    /// The run options.
    pub options: SimOptions,
    /// The seeds.
    pub range: SeedRange,
    /// Threads.
    pub jobs: usize,
    /// Print a progress line on stderr.
    pub progress: bool,
}

/// Failures of one property across a sweep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureGroup {
    /// The property's one-line statement.
    pub statement: String,
    /// Runs that violated the property.
    pub runs: u64,
    /// The smallest failing seed.
    pub smallest_seed: u64,
    /// The smallest failing seeds (at most 100).
    pub seeds: Vec<u64>,
    /// The command that replays the smallest failing seed's violation.
    pub replay: String,
}

/// Failures with one signature across a sweep.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureGroup {
    /// The property the signature belongs to.
    pub property: String,
    /// Runs whose violation of the property had a witness with this signature.
    pub runs: u64,
    /// The smallest such seed.
    pub smallest_seed: u64,
    /// The smallest such seeds (at most 100).
    pub seeds: Vec<u64>,
    /// The command that replays the smallest seed's violation.
    pub replay: String,
    /// The baseline finding that explains the signature (set by [`SweepSummary::judge`];
    /// absent: new, or not judged when the summary's `baseline` is absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<String>,
}

/// A sweep's machine-readable summary (`--json`), mergeable across shards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSummary {
    /// Always [`SUMMARY_FORMAT`].
    pub format: String,
    /// The exit status of the sweep (or merge) that wrote it (`crate::exit`).
    pub exit_status: u8,
    /// Every seed asked for ran (false after SIGINT, or when a merged part was partial).
    pub complete: bool,
    /// SIGINT stopped the sweep; `ranges` then end after the last seed that ran.
    pub interrupted: bool,
    /// The engine profile name.
    pub engine: String,
    /// The run options, as command-line flags.
    pub options: Vec<String>,
    /// The seed ranges (shards) covered.
    pub ranges: Vec<SeedRange>,
    /// Runs.
    pub runs: u64,
    /// Runs with at least one violation.
    pub failing_runs: u64,
    /// Workload-phase steps.
    pub steps: u64,
    /// Healing-phase steps.
    pub heal_steps: u64,
    /// Wall time, summed over merged summaries (machine time).
    pub wall_ms: u64,
    /// Per violated property: its failures.
    pub failures: BTreeMap<String, FailureGroup>,
    /// Per signature (text form) of a violation's witness: its failures. Absent in
    /// summaries written before signatures (they read as empty).
    #[serde(default)]
    pub signatures: BTreeMap<String, SignatureGroup>,
    /// The baseline the signatures were judged against (its path, or `--no-baseline`);
    /// absent when not judged (a merge re-judges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    /// Per `Sometimes` property: the runs that reached it.
    pub sometimes: BTreeMap<String, u64>,
    /// Runs that hit the step budget.
    pub limit_hits: u64,
    /// Runs whose workload ran out of segment names.
    pub catalog_exhausted: u64,
    /// Per event kind (`engine::EVENT_KINDS`): the runs in which it occurred (0 included).
    /// Absent in summaries written before event kinds were counted (they read as empty).
    #[serde(default)]
    pub events: BTreeMap<String, u64>,
}

/// One thread's tallies.
#[derive(Default)]
struct Tally {
    runs: u64,
    failing_runs: u64,
    steps: u64,
    heal_steps: u64,
    failures: BTreeMap<String, (u64, Vec<u64>)>,
    /// Per signature text: its property, runs and seeds.
    signatures: BTreeMap<String, (String, u64, Vec<u64>)>,
    reached: BTreeMap<&'static str, u64>,
    limit_hits: u64,
    catalog_exhausted: u64,
    events: BTreeMap<&'static str, u64>,
}

impl Tally {
    fn add(&mut self, seed: u64, outcome: &RunOutcome) {
        self.runs += 1;
        self.steps += outcome.steps as u64;
        self.heal_steps += outcome.heal_steps as u64;
        self.failing_runs += u64::from(!outcome.violations.is_empty());
        for violation in &outcome.violations {
            let entry = self.failures.entry(violation.property.clone()).or_default();
            entry.0 += 1;
            entry.1.push(seed);
            for signature in &violation.signatures {
                let entry = self
                    .signatures
                    .entry(signature.to_string())
                    .or_insert_with(|| (violation.property.clone(), 0, Vec::new()));
                entry.1 += 1;
                entry.2.push(seed);
            }
        }
        for name in outcome.reached_names() {
            *self.reached.entry(name).or_default() += 1;
        }
        self.limit_hits += u64::from(outcome.limit_hit);
        self.catalog_exhausted += u64::from(outcome.catalog_exhausted);
        for kind in outcome.event_names() {
            *self.events.entry(kind).or_default() += 1;
        }
    }

    fn merge(&mut self, other: Tally) {
        self.runs += other.runs;
        self.failing_runs += other.failing_runs;
        self.steps += other.steps;
        self.heal_steps += other.heal_steps;
        for (property, (runs, seeds)) in other.failures {
            let entry = self.failures.entry(property).or_default();
            entry.0 += runs;
            entry.1.extend(seeds);
        }
        for (signature, (property, runs, seeds)) in other.signatures {
            let entry = self
                .signatures
                .entry(signature)
                .or_insert_with(|| (property, 0, Vec::new()));
            entry.1 += runs;
            entry.2.extend(seeds);
        }
        for (name, runs) in other.reached {
            *self.reached.entry(name).or_default() += runs;
        }
        self.limit_hits += other.limit_hits;
        self.catalog_exhausted += other.catalog_exhausted;
        for (kind, runs) in other.events {
            *self.events.entry(kind).or_default() += runs;
        }
    }
}

/// Runs a sweep.
pub fn sweep(plan: &SweepPlan) -> Result<SweepSummary, String> {
    plan.options.validate()?;
    if plan.jobs == 0 || plan.jobs > JOBS_MAX {
        return Err(format!(
            "--jobs {} is out of range (1 to {JOBS_MAX})",
            plan.jobs
        ));
    }
    let total = plan.range.len();
    if total > 0 {
        // A configuration error shows on the first seed; report it before any thread runs.
        run_seed(plan.range.seed(0), plan.profile, &plan.options, false)?;
    }
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let steps = AtomicU64::new(0);
    let failing = AtomicU64::new(0);
    let exited = AtomicU64::new(0);
    let stopwatch = Stopwatch::start();
    let mut tally = Tally::default();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..plan.jobs)
            .map(|_| {
                scope.spawn(|| {
                    let _exit = ExitGuard(&exited);
                    let mut tally = Tally::default();
                    // SIGINT: take no new seed; the seeds already taken finish, so the seeds
                    // that ran are exactly the first `next` of the shard.
                    while !crate::interrupt::interrupted() {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= total {
                            break;
                        }
                        let seed = plan.range.seed(index);
                        let run = run_seed(seed, plan.profile, &plan.options, false)
                            .expect("the first seed's configuration was valid");
                        tally.add(seed, &run.outcome);
                        let run_steps = run.outcome.steps + run.outcome.heal_steps;
                        steps.fetch_add(run_steps as u64, Ordering::Relaxed);
                        failing.fetch_add(
                            u64::from(!run.outcome.violations.is_empty()),
                            Ordering::Relaxed,
                        );
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    tally
                })
            })
            .collect();
        if plan.progress {
            let counters = Counters {
                total,
                done: &done,
                steps: &steps,
                failing: &failing,
            };
            show_progress(&counters, &exited, plan.jobs as u64, &stopwatch);
        }
        for worker in workers {
            tally.merge(worker.join().expect("a sweep worker panicked"));
        }
    });
    let ran = next.load(Ordering::Relaxed).min(total);
    let interrupted = ran < total;
    let mut range = plan.range;
    if interrupted {
        range.end = if ran == 0 {
            range.start
        } else {
            plan.range.seed(ran - 1) + 1
        };
    }
    Ok(summarize(
        plan,
        range,
        tally,
        stopwatch.millis(),
        interrupted,
    ))
}

/// Counts one exited worker even when it panics (so the progress loop ends).
struct ExitGuard<'a>(&'a AtomicU64);

impl Drop for ExitGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

struct Counters<'a> {
    total: u64,
    done: &'a AtomicU64,
    steps: &'a AtomicU64,
    failing: &'a AtomicU64,
}

fn progress_line(counters: &Counters, stopwatch: &Stopwatch) -> String {
    let done = counters.done.load(Ordering::Relaxed);
    let steps = counters.steps.load(Ordering::Relaxed);
    let failing = counters.failing.load(Ordering::Relaxed);
    let width = 30u64;
    let filled = (done * width).checked_div(counters.total).unwrap_or(width);
    let bar: String = (0..width)
        .map(|cell| if cell < filled { '#' } else { '.' })
        .collect();
    let seconds = stopwatch.seconds().max(1e-9);
    format!(
        "[{bar}] {done}/{} seeds, {failing} failing, {:.2} M steps/s",
        counters.total,
        steps as f64 / seconds / 1e6
    )
}

/// Redraws one progress line on a terminal; otherwise prints a line per tenth.
fn show_progress(counters: &Counters, exited: &AtomicU64, jobs: u64, stopwatch: &Stopwatch) {
    let terminal = std::io::stderr().is_terminal();
    let mut last_tenth = u64::MAX;
    loop {
        let finished = exited.load(Ordering::Relaxed) >= jobs;
        let done = counters.done.load(Ordering::Relaxed);
        let tenth = (done * 10).checked_div(counters.total).unwrap_or(10);
        let mut stderr = std::io::stderr().lock();
        if terminal {
            let _ = write!(stderr, "\r{}", progress_line(counters, stopwatch));
        } else if tenth != last_tenth || finished {
            if tenth != last_tenth {
                let _ = writeln!(stderr, "{}", progress_line(counters, stopwatch));
            }
            last_tenth = tenth;
        }
        let _ = stderr.flush();
        if finished {
            if terminal {
                let _ = writeln!(stderr);
            }
            return;
        }
        drop(stderr);
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn replay_command(engine: &str, options: &[String], seed: u64, property: &str) -> String {
    let mut command = format!("mvsim replay --seed {seed} --engine {engine}");
    for option in options {
        let _ = write!(command, " {option}");
    }
    let _ = write!(command, " --property {property}");
    command
}

fn summarize(
    plan: &SweepPlan,
    range: SeedRange,
    tally: Tally,
    wall_ms: u64,
    interrupted: bool,
) -> SweepSummary {
    let violation = !tally.failures.is_empty();
    let engine = plan.profile.name.to_string();
    let options = plan.options.to_args();
    let failures = tally
        .failures
        .into_iter()
        .map(|(property, (runs, seeds))| {
            let group = failure_group(&engine, &options, &property, runs, seeds);
            (property, group)
        })
        .collect();
    let status = ExitStatus::of(violation, !interrupted, interrupted);
    let signatures = tally
        .signatures
        .into_iter()
        .map(|(signature, (property, runs, seeds))| {
            let group = signature_group(&engine, &options, property, runs, seeds);
            (signature, group)
        })
        .collect();
    SweepSummary {
        format: SUMMARY_FORMAT.to_string(),
        exit_status: status.code(),
        complete: !interrupted,
        interrupted,
        engine,
        options,
        ranges: vec![range],
        runs: tally.runs,
        failing_runs: tally.failing_runs,
        steps: tally.steps,
        heal_steps: tally.heal_steps,
        wall_ms,
        failures,
        signatures,
        baseline: None,
        sometimes: sometimes_counts(&tally.reached),
        limit_hits: tally.limit_hits,
        catalog_exhausted: tally.catalog_exhausted,
        events: super::engine::EVENT_KINDS
            .iter()
            .map(|kind| {
                (
                    kind.to_string(),
                    tally.events.get(kind).copied().unwrap_or(0),
                )
            })
            .collect(),
    }
}

fn failure_group(
    engine: &str,
    options: &[String],
    property: &str,
    runs: u64,
    mut seeds: Vec<u64>,
) -> FailureGroup {
    seeds.sort_unstable();
    seeds.dedup();
    seeds.truncate(SEEDS_KEPT);
    let smallest_seed = seeds.first().copied().unwrap_or_default();
    FailureGroup {
        statement: properties::by_name(property)
            .map(|p| p.statement.to_string())
            .unwrap_or_default(),
        runs,
        smallest_seed,
        seeds,
        replay: replay_command(engine, options, smallest_seed, property),
    }
}

fn signature_group(
    engine: &str,
    options: &[String],
    property: String,
    runs: u64,
    mut seeds: Vec<u64>,
) -> SignatureGroup {
    seeds.sort_unstable();
    seeds.dedup();
    seeds.truncate(SEEDS_KEPT);
    let smallest_seed = seeds.first().copied().unwrap_or_default();
    SignatureGroup {
        replay: replay_command(engine, options, smallest_seed, &property),
        property,
        runs,
        smallest_seed,
        seeds,
        accepted_by: None,
    }
}

/// Every `Sometimes` property with the runs that reached it (0 included).
fn sometimes_counts(reached: &BTreeMap<&'static str, u64>) -> BTreeMap<String, u64> {
    properties::registry()
        .iter()
        .filter(|property| property.expectation == Expectation::Sometimes)
        .map(|property| {
            let runs = reached.get(property.name).copied().unwrap_or(0);
            (property.name.to_string(), runs)
        })
        .collect()
}

/// Merges shard summaries of one engine and option set. Refuses (one line each) what would
/// make the merged counts wrong: a different engine or options, mixed shard counts, two
/// summaries that share a seed (double counting). Each part was checked on reading
/// ([`SweepSummary::read`]).
pub fn merge_summaries(summaries: Vec<SweepSummary>) -> Result<SweepSummary, String> {
    let mut parts = summaries.into_iter();
    let mut merged = parts
        .next()
        .ok_or_else(|| "--merge needs at least one summary file".to_string())?;
    for part in parts {
        if part.engine != merged.engine || part.options != merged.options {
            return Err(format!(
                "cannot merge a sweep of engine {} {:?} into one of engine {} {:?}",
                part.engine, part.options, merged.engine, merged.options
            ));
        }
        for range in &part.ranges {
            for other in &merged.ranges {
                if range.shard_count != other.shard_count {
                    return Err(format!(
                        "cannot merge shards of {} with shards of {} (mixed shard counts)",
                        other.shard_count, range.shard_count
                    ));
                }
                if let Some(seed) = shared_seed(range, other) {
                    return Err(format!(
                        "seeds {}..{} shard {}/{} and {}..{} shard {}/{} overlap (seed {seed} would be counted twice)",
                        range.start, range.end, range.shard_index, range.shard_count,
                        other.start, other.end, other.shard_index, other.shard_count
                    ));
                }
            }
        }
        merge_into(&mut merged, part);
    }
    merged.ranges.sort();
    merged.interrupted = false;
    let status = ExitStatus::of(!merged.failures.is_empty(), merged.complete, false);
    merged.exit_status = status.code();
    Ok(merged)
}

/// The smallest seed both ranges hold, if any (same shard count: same index and
/// intersecting bounds).
fn shared_seed(first: &SeedRange, second: &SeedRange) -> Option<u64> {
    if first.shard_count != second.shard_count || first.shard_index != second.shard_index {
        return None;
    }
    let common = SeedRange {
        start: first.start.max(second.start),
        end: first.end.min(second.end),
        ..*first
    };
    (common.start < common.end && !common.is_empty()).then(|| common.seed(0))
}

fn merge_into(merged: &mut SweepSummary, part: SweepSummary) {
    merged.complete &= part.complete;
    merged.ranges.extend(part.ranges);
    merged.runs += part.runs;
    merged.failing_runs += part.failing_runs;
    merged.steps += part.steps;
    merged.heal_steps += part.heal_steps;
    merged.wall_ms += part.wall_ms;
    merged.limit_hits += part.limit_hits;
    merged.catalog_exhausted += part.catalog_exhausted;
    for (name, runs) in part.sometimes {
        *merged.sometimes.entry(name).or_default() += runs;
    }
    for (kind, runs) in part.events {
        *merged.events.entry(kind).or_default() += runs;
    }
    for (property, group) in part.failures {
        let (runs, seeds) = match merged.failures.remove(&property) {
            Some(existing) => (
                existing.runs + group.runs,
                [existing.seeds, group.seeds].concat(),
            ),
            None => (group.runs, group.seeds),
        };
        let group = failure_group(&merged.engine, &merged.options, &property, runs, seeds);
        merged.failures.insert(property, group);
    }
    merge_signatures(merged, part.signatures);
}

/// Adds a part's signature groups (the merged summary is judged afresh).
fn merge_signatures(merged: &mut SweepSummary, signatures: BTreeMap<String, SignatureGroup>) {
    merged.baseline = None;
    for group in merged.signatures.values_mut() {
        group.accepted_by = None;
    }
    for (signature, group) in signatures {
        let (runs, seeds) = match merged.signatures.remove(&signature) {
            Some(existing) => (
                existing.runs + group.runs,
                [existing.seeds, group.seeds].concat(),
            ),
            None => (group.runs, group.seeds),
        };
        let group = signature_group(&merged.engine, &merged.options, group.property, runs, seeds);
        merged.signatures.insert(signature, group);
    }
}

impl SweepSummary {
    /// Judges every signature group against `baseline` (`shown` names it, e.g. its path or
    /// `--no-baseline`): a group some finding explains is accepted by that finding.
    pub fn judge(&mut self, baseline: &Baseline, shown: &str) {
        for (text, group) in &mut self.signatures {
            group.accepted_by = mvsim_model::signature::Signature::parse(text)
                .ok()
                .and_then(|signature| baseline.explain(&signature))
                .map(|finding| finding.id.clone());
        }
        self.baseline = Some(shown.to_string());
    }

    /// The signatures no baseline finding explains (all of them when not judged).
    pub fn new_signatures(&self) -> Vec<&str> {
        self.signatures
            .iter()
            .filter(|(_, group)| group.accepted_by.is_none())
            .map(|(signature, _)| signature.as_str())
            .collect()
    }

    /// Violated properties with no signature group (summaries written before signatures):
    /// they cannot be judged, so they count as new.
    pub fn unsigned_failures(&self) -> Vec<&str> {
        self.failures
            .keys()
            .filter(|property| {
                !self
                    .signatures
                    .values()
                    .any(|group| &group.property == *property)
            })
            .map(String::as_str)
            .collect()
    }

    /// Did the sweep see a new finding (a new signature, or a failure with none)?
    pub fn has_new(&self) -> bool {
        !self.new_signatures().is_empty() || !self.unsigned_failures().is_empty()
    }

    /// Reads a summary file (at most the input cap, `crate::files`) and checks that it is
    /// consistent: a known format, possible shards (`I < N`, `start <= end`), ranges of one
    /// summary that share no seed, and a run count equal to the seeds its ranges hold.
    /// Errors are one line.
    pub fn read(path: &Path) -> Result<SweepSummary, String> {
        let text = crate::files::read_input(path, "summary")?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|error| format!("corrupt summary '{}': {error}", path.display()))?;
        let format = value.get("format").and_then(|format| format.as_str());
        if format != Some(SUMMARY_FORMAT) {
            return Err(format!(
                "summary '{}' has format {}, expected '{SUMMARY_FORMAT}'",
                path.display(),
                format.map_or("(none)".to_string(), |format| format!("'{format}'"))
            ));
        }
        let summary: SweepSummary = serde_json::from_value(value)
            .map_err(|error| format!("corrupt summary '{}': {error}", path.display()))?;
        summary
            .check()
            .map_err(|problem| format!("corrupt summary '{}': {problem}", path.display()))?;
        Ok(summary)
    }

    fn check(&self) -> Result<(), String> {
        for (index, range) in self.ranges.iter().enumerate() {
            if range.shard_count == 0 || range.shard_index >= range.shard_count {
                return Err(format!(
                    "impossible shard {}/{} (expected I/N with 0 <= I < N)",
                    range.shard_index, range.shard_count
                ));
            }
            if range.end < range.start {
                return Err(format!(
                    "seed range {}..{} ends before it starts",
                    range.start, range.end
                ));
            }
            for other in &self.ranges[..index] {
                if other.shard_count != range.shard_count {
                    return Err("mixed shard counts in one summary".to_string());
                }
                if let Some(seed) = shared_seed(range, other) {
                    return Err(format!("seed {seed} is in two of its ranges"));
                }
            }
        }
        let seeds: u64 = self.ranges.iter().map(SeedRange::len).sum();
        if seeds != self.runs {
            return Err(format!(
                "{} runs recorded but its ranges hold {seeds} seeds",
                self.runs
            ));
        }
        Ok(())
    }

    /// The summary as pretty JSON.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a summary serializes");
        text.push('\n');
        text
    }

    /// The human summary.
    pub fn render(&self) -> String {
        let mut text = String::new();
        let ranges: Vec<String> = self
            .ranges
            .iter()
            .map(|r| {
                if r.shard_count == 1 {
                    format!("{}..{}", r.start, r.end)
                } else {
                    format!(
                        "{}..{} shard {}/{}",
                        r.start, r.end, r.shard_index, r.shard_count
                    )
                }
            })
            .collect();
        let options = if self.options.is_empty() {
            String::new()
        } else {
            format!(" {}", self.options.join(" "))
        };
        let _ = writeln!(
            text,
            "runs       {} seeds ({}), engine {}{options}",
            self.runs,
            ranges.join(", "),
            self.engine
        );
        let seconds = (self.wall_ms as f64 / 1000.0).max(1e-3);
        let all_steps = self.steps + self.heal_steps;
        let _ = writeln!(
            text,
            "steps      {} workload + {} healing in {seconds:.1} s: {:.2} M steps/s, {:.1} seeds/s",
            self.steps,
            self.heal_steps,
            all_steps as f64 / seconds / 1e6,
            self.runs as f64 / seconds
        );
        self.render_failures(&mut text);
        self.render_sometimes(&mut text);
        self.render_events(&mut text);
        if self.limit_hits + self.catalog_exhausted > 0 {
            let _ = writeln!(
                text,
                "limits     {} runs hit the step budget, {} ran out of segment names",
                self.limit_hits, self.catalog_exhausted
            );
        }
        text
    }

    fn render_failures(&self, text: &mut String) {
        if self.failures.is_empty() {
            let _ = writeln!(text, "failures   none");
            return;
        }
        let _ = writeln!(
            text,
            "failures   {} of {} runs violated a property",
            self.failing_runs, self.runs
        );
        let width = self.failures.keys().map(String::len).max().unwrap_or(0);
        for (property, group) in &self.failures {
            let _ = writeln!(
                text,
                "  {property:<width$}  {:>6} runs  smallest seed {:<6}  {}",
                group.runs, group.smallest_seed, group.replay
            );
        }
        self.render_signatures(text);
    }

    /// The signature groups: new ones first, then accepted ones with their finding.
    fn render_signatures(&self, text: &mut String) {
        let new = self.new_signatures();
        let judged = self.baseline.as_deref();
        let _ = writeln!(
            text,
            "signatures {} seen: {} new, {} accepted ({})",
            self.signatures.len(),
            new.len(),
            self.signatures.len() - new.len(),
            judged.map_or("not judged".to_string(), |baseline| format!(
                "baseline {baseline}"
            ))
        );
        let ordered = self
            .signatures
            .iter()
            .filter(|(_, group)| group.accepted_by.is_none())
            .chain(
                self.signatures
                    .iter()
                    .filter(|(_, group)| group.accepted_by.is_some()),
            );
        for (signature, group) in ordered {
            let label = match (&group.accepted_by, judged) {
                (Some(id), _) => id.clone(),
                (None, Some(_)) => "NEW".to_string(),
                (None, None) => "?".to_string(),
            };
            let _ = writeln!(text, "  {label:<4} {signature}");
            let _ = writeln!(
                text,
                "         {} runs, smallest seed {}: {}",
                group.runs, group.smallest_seed, group.replay
            );
        }
        for property in self.unsigned_failures() {
            let _ = writeln!(
                text,
                "  NEW  {property} (no signature recorded: a summary from before signatures)"
            );
        }
    }

    /// One line: per event kind, the runs in which it occurred (in `EVENT_KINDS` order).
    fn render_events(&self, text: &mut String) {
        if self.events.is_empty() {
            return;
        }
        let parts: Vec<String> = super::engine::EVENT_KINDS
            .iter()
            .filter_map(|kind| self.events.get(*kind).map(|runs| format!("{kind} {runs}")))
            .collect();
        let _ = writeln!(text, "events     runs with: {}", parts.join(", "));
    }

    fn render_sometimes(&self, text: &mut String) {
        let reached = self.sometimes.values().filter(|runs| **runs > 0).count();
        let never: Vec<&str> = self
            .sometimes
            .iter()
            .filter(|(_, runs)| **runs == 0)
            .map(|(name, _)| name.as_str())
            .collect();
        let _ = writeln!(
            text,
            "sometimes  {reached}/{} reached{}",
            self.sometimes.len(),
            if never.is_empty() {
                String::new()
            } else {
                format!("; never: {}", never.join(", "))
            }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: u64, end: u64, shard_index: u64, shard_count: u64) -> SeedRange {
        SeedRange {
            start,
            end,
            shard_index,
            shard_count,
        }
    }

    #[test]
    fn shards_of_any_size_count_their_seeds_without_overflow() {
        assert_eq!(range(0, 10, 1, 3).len(), 3); // 1, 4, 7
        assert_eq!(range(5, 10, 1, 3).seed(0), 7);
        let huge = range(u64::MAX - 10, u64::MAX, u64::MAX - 2, u64::MAX - 1);
        assert_eq!(huge.len(), 1);
        assert_eq!(huge.seed(0), u64::MAX - 2);
        assert!(range(3, 3, 0, 1).is_empty());
    }

    #[test]
    fn shared_seeds_are_found_exactly() {
        // Same shard of overlapping bounds: seed 2 is in both.
        assert_eq!(shared_seed(&range(0, 4, 0, 2), &range(2, 8, 0, 2)), Some(2));
        // Other shard index, or bounds that only touch: nothing shared.
        assert_eq!(shared_seed(&range(0, 4, 0, 2), &range(0, 4, 1, 2)), None);
        assert_eq!(shared_seed(&range(0, 4, 0, 2), &range(4, 8, 0, 2)), None);
        // Intersecting bounds that hold no seed of the shard.
        assert_eq!(shared_seed(&range(0, 4, 1, 4), &range(3, 5, 1, 4)), None);
    }

    fn summary(ranges: Vec<SeedRange>, runs: u64) -> SweepSummary {
        SweepSummary {
            format: SUMMARY_FORMAT.to_string(),
            exit_status: 0,
            complete: true,
            interrupted: false,
            engine: "post".to_string(),
            options: Vec::new(),
            ranges,
            runs,
            failing_runs: 0,
            steps: 0,
            heal_steps: 0,
            wall_ms: 0,
            failures: BTreeMap::new(),
            sometimes: BTreeMap::new(),
            limit_hits: 0,
            catalog_exhausted: 0,
            events: BTreeMap::new(),
            signatures: BTreeMap::new(),
            baseline: None,
        }
    }

    #[test]
    fn merging_a_partial_part_is_incomplete_with_status_3() {
        let mut partial = summary(vec![range(0, 2, 1, 2)], 1);
        partial.complete = false;
        partial.interrupted = true;
        let merged =
            merge_summaries(vec![summary(vec![range(0, 4, 0, 2)], 2), partial]).expect("merges");
        assert!(!merged.complete);
        assert!(!merged.interrupted, "the merge itself was not interrupted");
        assert_eq!(merged.exit_status, ExitStatus::Incomplete.code());
        assert_eq!(merged.runs, 3);
    }

    #[test]
    fn summaries_are_checked_for_consistency() {
        assert!(summary(vec![range(0, 4, 0, 2)], 2).check().is_ok());
        let error = summary(vec![range(0, 4, 2, 2)], 2)
            .check()
            .expect_err("bad");
        assert!(error.contains("impossible shard 2/2"), "{error}");
        let error = summary(vec![range(0, 4, 0, 0)], 2)
            .check()
            .expect_err("bad");
        assert!(error.contains("impossible shard 0/0"), "{error}");
        let error = summary(vec![range(4, 2, 0, 1)], 0)
            .check()
            .expect_err("bad");
        assert!(error.contains("ends before it starts"), "{error}");
        let error = summary(vec![range(0, 4, 0, 2), range(0, 4, 0, 2)], 4)
            .check()
            .expect_err("bad");
        assert!(error.contains("seed 0 is in two of its ranges"), "{error}");
        let error = summary(vec![range(0, 4, 0, 2), range(0, 4, 1, 4)], 3)
            .check()
            .expect_err("bad");
        assert!(error.contains("mixed shard counts"), "{error}");
    }
}
