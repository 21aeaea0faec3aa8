//! The simulator benchmark behind `mvsim bench`: simulated steps per second and seeds per
//! second on one core, and for each of the two bugs PR #18642 fixed, how many `pre` seeds a
//! sweep runs before the first one that shows it (median over several sweep offsets).

use super::params::SimOptions;
use super::wallclock::Stopwatch;
use super::{run_seed, RunOutcome};
use mvsim_model::Profile;
use std::fmt::Write as _;

/// Sweep offsets of the seeds-to-first-failure measurement.
pub const OFFSETS: [u64; 5] = [0, 10_000, 20_000, 30_000, 40_000];
/// Seeds tried per offset before giving up.
pub const SEEDS_CAP: u64 = 200;

/// The two `pre` bugs and the properties that show them (spec §5.1, §5.2).
pub const KNOWN_BUGS: [(&str, &[&str]); 2] = [
    (
        "watermark over-advance (spec §5.1)",
        &["watermark_within_source_data", "broker_freshness_honest"],
    ),
    (
        "backfill after retention DELETE (spec §5.2)",
        &[
            "entries_never_removed",
            "quiescent_buckets_match_source",
            "quiescent_mv_data_matches_source",
        ],
    ),
];

/// Seeds to the first failure of one known bug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BugDiscovery {
    /// The bug, as the spec names it.
    pub name: &'static str,
    /// The properties whose violation shows it.
    pub properties: &'static [&'static str],
    /// Per offset of [`OFFSETS`]: seeds run up to and including the first failing one
    /// (None: none within [`SEEDS_CAP`]).
    pub seeds_to_failure: Vec<Option<u64>>,
    /// The median (None counts as more than the cap).
    pub median: Option<u64>,
}

/// What `bench_simulation` measured.
#[derive(Clone, Debug)]
pub struct SimBenchReport {
    /// Engine of the throughput runs.
    pub engine: &'static str,
    /// Throughput runs.
    pub runs: u64,
    /// Workload and healing steps.
    pub steps: u64,
    /// Wall time of the throughput runs.
    pub seconds: f64,
    /// Simulated steps per wall second, one thread.
    pub steps_per_second: f64,
    /// Seeds per wall second, one thread.
    pub seeds_per_second: f64,
    /// Seeds to the first failure of each known bug.
    pub bugs: Vec<BugDiscovery>,
}

/// Measures throughput on `post` seeds `0, 1, ...` until `steps_min` steps have run (one
/// thread), then the seeds-to-first-failure of both `pre` bugs.
pub fn bench_simulation(steps_min: u64) -> SimBenchReport {
    let profile = Profile::by_name("post").expect("post exists");
    let options = SimOptions::default();
    let stopwatch = Stopwatch::start();
    let (mut runs, mut steps) = (0u64, 0u64);
    while steps < steps_min.max(1) {
        let run = run_seed(runs, profile, &options, false).expect("default options are valid");
        steps += (run.outcome.steps + run.outcome.heal_steps) as u64;
        runs += 1;
    }
    let seconds = stopwatch.seconds().max(1e-9);
    SimBenchReport {
        engine: profile.name,
        runs,
        steps,
        seconds,
        steps_per_second: steps as f64 / seconds,
        seeds_per_second: runs as f64 / seconds,
        bugs: discover_known_bugs(),
    }
}

fn shows(outcome: &RunOutcome, properties: &[&str]) -> bool {
    outcome
        .violations
        .iter()
        .any(|violation| properties.contains(&violation.property.as_str()))
}

fn discover_known_bugs() -> Vec<BugDiscovery> {
    let pre = Profile::by_name("pre").expect("pre exists");
    let options = SimOptions::default();
    let mut found: Vec<Vec<Option<u64>>> = vec![Vec::new(); KNOWN_BUGS.len()];
    for offset in OFFSETS {
        let mut first: Vec<Option<u64>> = vec![None; KNOWN_BUGS.len()];
        for tried in 1..=SEEDS_CAP {
            let run = run_seed(offset + tried - 1, pre, &options, false)
                .expect("default options are valid");
            for (bug, (_, properties)) in KNOWN_BUGS.iter().enumerate() {
                if first[bug].is_none() && shows(&run.outcome, properties) {
                    first[bug] = Some(tried);
                }
            }
            if first.iter().all(Option::is_some) {
                break;
            }
        }
        for (bug, seeds) in first.into_iter().enumerate() {
            found[bug].push(seeds);
        }
    }
    KNOWN_BUGS
        .iter()
        .zip(found)
        .map(|((name, properties), seeds_to_failure)| BugDiscovery {
            name,
            properties,
            median: median(&seeds_to_failure),
            seeds_to_failure,
        })
        .collect()
}

fn median(values: &[Option<u64>]) -> Option<u64> {
    let mut sorted: Vec<u64> = values.iter().map(|v| v.unwrap_or(u64::MAX)).collect();
    sorted.sort_unstable();
    let middle = *sorted.get(sorted.len() / 2)?;
    (middle != u64::MAX).then_some(middle)
}

impl SimBenchReport {
    /// The report as text (for `mvsim bench` and the README).
    pub fn render(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "simulator  {} runs of {} ({} steps) in {:.2} s on one thread: {:.0} steps/s, {:.1} seeds/s",
            self.runs,
            self.engine,
            self.steps,
            self.seconds,
            self.steps_per_second,
            self.seeds_per_second
        );
        for bug in &self.bugs {
            let per_offset: Vec<String> = bug
                .seeds_to_failure
                .iter()
                .map(|seeds| seeds.map_or(format!(">{SEEDS_CAP}"), |s| s.to_string()))
                .collect();
            let median = bug
                .median
                .map_or(format!(">{SEEDS_CAP}"), |median| median.to_string());
            let _ = writeln!(
                text,
                "pre bug    {}: median {median} seeds to the first failure (offsets {:?}: {})",
                bug.name,
                OFFSETS,
                per_offset.join(", ")
            );
        }
        text
    }
}
