//! The seeded deterministic simulator: long, realistic histories of the MV engine with
//! faults, driven by one `u64` seed, with exact replay, shrinking and sharded sweeps.
//!
//! # A run
//!
//! The seed seeds one ChaCha8 stream; three sub-streams drawn from it give the run's
//! parameters, its workload and its scheduling ([`rng`]). The parameters are drawn per seed
//! (swarm testing, [`params`]): scheduler period, broker cache lag, staleness threshold,
//! step delays, which fault kinds are on and at what integer-ratio rates, and which workload
//! features run (stalls, backfills, refreshes, retention, time-less segments, bursts,
//! drains). Command-line overrides replace single drawn values.
//!
//! The model runs under concrete timing in virtual milliseconds with Pinot's constants
//! (debounce 5000 ms, sweep 300000 ms, CAS back-off 50 + U[0,150) / 5 + U[0,20) ms with the
//! jitter drawn from the run stream through `mvsim_model::Entropy`). The simulator owns
//! `World::now_ms`. Each iteration picks uniformly among the enabled engine steps and the
//! workload's due source event ([`workload`]); a picked step may become one of its fault
//! variants (transient register error, lost ack, task failure, Helix timeout). After each
//! step the clock moves by a drawn delay (ZooKeeper round trip, query, or a rare slow
//! step); when nothing is enabled it jumps to the next timer. Every `Always` property of
//! `mvsim_model::properties::registry()` is checked after every step, and a run goes on
//! after a violation so that each property's first violation is known. When the workload
//! phase ends, a deterministic healing phase (no faults, no new source events) runs the
//! engine on concrete timers until it is calm, then `quiescence::settle` reaches the
//! fixpoint on which the `Quiescent` properties are judged; no fixpoint is a liveness
//! failure (`settles`) naming the steps still active ([`engine`]).
//!
//! # Traces, replay and shrinking
//!
//! A recorded run ([`record::Recording`], JSON) holds the parameters and every applied step
//! with its time and jitter draws: `mvsim replay --trace FILE` replays it without the RNG
//! and checks that it reproduces the recorded violations; `mvsim replay --seed N --engine
//! E` regenerates it from the seed. A failing run is shrunk by delta debugging over its
//! step list ([`shrink`]); the shrunk trace is saved and replays the same way. Traces print
//! one line per step in the shared format of [`crate::trace`].
//!
//! # Sweeps
//!
//! `mvsim sweep --engine E --seeds A..B [--shard I/N] [--jobs N] [--json FILE]` runs every
//! seed of `A..B` (end exclusive; `A..=B` includes `B`) that belongs to shard `I` of `N`:
//! **seed `s` belongs to shard `s % N`**, so shards interleave and get equal shares of any
//! range. `--jobs` runs seeds on that many threads; the summary does not depend on it. The
//! JSON summaries of shards merge with `mvsim sweep --merge a.json b.json ... [--json
//! all.json]` (same engine, options and shard count required; summaries that share a seed,
//! an impossible shard, or an output path equal to an input are refused: docs/cli.md).
//! Failures are grouped by finding signature and judged against the findings baseline
//! (`--baseline`, `--no-baseline`); the exit status is 1 only for a new signature.
//!
//! As a Kubernetes Indexed Job (`completions: 16`, `completionMode: Indexed`), each pod
//! runs `mvsim sweep --engine post --seeds 0..1000000 --shard $(JOB_COMPLETION_INDEX)/16
//! --json /out/shard-$(JOB_COMPLETION_INDEX).json` and a final step merges `/out/*.json`.
//! With GNU parallel on one machine: `parallel -j 8 mvsim sweep --engine post --seeds
//! 0..100000 --shard {}/8 --json shard-{}.json ::: $(seq 0 7)`, then `mvsim sweep --merge
//! shard-*.json`.

mod bench;
mod cli;
pub mod describe;
pub mod engine;
pub mod params;
pub mod record;
pub mod rng;
pub mod shrink;
mod sweep;
mod wallclock;
pub mod workload;

pub use bench::{bench_simulation, BugDiscovery, SimBenchReport};
pub use cli::{run_replay, run_simulate, run_sweep, ReplayArgs, RunArgs, SimulateArgs, SweepArgs};
pub use engine::{RecordedStep, ReplayMode, RunOutcome, Violation};
pub use params::{FaultMode, Features, SimOptions, SimParams, WorkloadMode};
pub use record::Recording;
pub use sweep::{
    merge_summaries, parse_seed_range, parse_shard, sweep, FailureGroup, SeedRange, SignatureGroup,
    SweepPlan, SweepSummary,
};

use engine::Replayed;
use mvsim_model::{Config, Profile, World};
use rng::SimRng;

/// One seeded run: its parameters, configuration, outcome and (when recorded) its steps.
pub struct SeedRun {
    /// The seed.
    pub seed: u64,
    /// The engine profile.
    pub profile: Profile,
    /// The command-line overrides.
    pub options: SimOptions,
    /// The parameters drawn for the seed (with the overrides applied).
    pub params: SimParams,
    /// The model configuration built from the parameters.
    pub config: Config,
    /// What the run ended with.
    pub outcome: RunOutcome,
    /// Every applied workload step, when recorded.
    pub steps: Option<Vec<RecordedStep>>,
    /// The observer (SIGINT) ended the workload phase early.
    pub interrupted: bool,
}

/// Runs seed `seed` on `profile`; `record` keeps every step (for traces and shrinking).
/// Errors only on invalid options.
pub fn run_seed(
    seed: u64,
    profile: Profile,
    options: &SimOptions,
    record: bool,
) -> Result<SeedRun, String> {
    run_seed_observed(seed, profile, options, record, None)
}

/// [`run_seed`] with an observer of the workload phase (progress lines, SIGINT).
pub fn run_seed_observed(
    seed: u64,
    profile: Profile,
    options: &SimOptions,
    record: bool,
    observer: Option<engine::Observer<'_>>,
) -> Result<SeedRun, String> {
    options.validate()?;
    let mut master = SimRng::from_seed_u64(seed);
    let mut params_rng = master.split();
    let workload_rng = master.split();
    let run_rng = master.split();
    // The fourth stream: the kinds added after the first three streams (identical
    // re-uploads, crc restores, controller failovers) draw only from it and its splits,
    // so a seed on which none is on runs exactly as before they existed.
    let mut extras_rng = master.split();
    // The fifth stream: the leadership change (java-notes Q13), the same way.
    let mut leadership_rng = master.split();
    let params = params::draw_params(&mut params_rng, options);
    let params = params::draw_extras(&mut extras_rng, options, params);
    let params = params::draw_leadership(&mut leadership_rng, options, params);
    let config = params.config(profile)?;
    let workload = workload::Workload::new(workload_rng, extras_rng.split(), &params);
    let failover_rng = extras_rng.split();
    let result = engine::run_seeded(
        &config,
        &params,
        engine::TimerStreams {
            run: run_rng,
            failover: failover_rng,
            leadership: leadership_rng,
        },
        workload,
        record,
        observer,
    );
    Ok(SeedRun {
        seed,
        profile,
        options: options.clone(),
        params,
        config,
        outcome: result.outcome,
        steps: result.steps,
        interrupted: result.interrupted,
    })
}

impl SeedRun {
    /// The run as a trace file (None when it was not recorded).
    pub fn recording(&self) -> Option<Recording> {
        let status = crate::exit::ExitStatus::of(
            !self.outcome.violations.is_empty(),
            !self.interrupted,
            self.interrupted,
        );
        Some(Recording {
            format: record::TRACE_FORMAT.to_string(),
            exit_status: status.code(),
            complete: !self.interrupted,
            interrupted: self.interrupted,
            seed: self.seed,
            engine: self.profile.name.to_string(),
            options: self.options.to_args(),
            params: self.params.clone(),
            heal_start_ms: self.outcome.heal_start_ms,
            shrunk: None,
            expected: record::Expected::of(&self.outcome.violations),
            steps: self.steps.clone()?,
        })
    }
}

/// The configuration a trace file was recorded with.
pub fn recording_config(recording: &Recording) -> Result<Config, String> {
    let profile = Profile::by_name(&recording.engine)?;
    recording.params.config(profile)
}

/// Replays a trace exactly (every step must be enabled), optionally stopping at a
/// property's first violation and/or rendering trace lines.
pub fn replay_recording(
    recording: &Recording,
    stop_at: Option<&str>,
    tracer: Option<engine::Tracer<'_>>,
) -> Result<Replayed, String> {
    let config = recording_config(recording)?;
    engine::replay(
        &config,
        &recording.params,
        &recording.steps,
        ReplayMode::Exact,
        recording.heal_start_ms,
        stop_at,
        tracer,
    )
}

/// The trace lines of a recording (one per applied step, healing included), up to
/// `stop_at`'s first violation when given. A `-- healing` line separates the phases.
pub fn trace_lines(recording: &Recording, stop_at: Option<&str>) -> Result<Vec<String>, String> {
    let config = recording_config(recording)?;
    let workload_steps = recording.steps.len();
    let mut lines = Vec::new();
    let mut tracer = |step: usize, before: &World, action: &mvsim_model::Action, after: &World| {
        if step == workload_steps {
            lines.push(format!(
                "-- healing from t={}: no faults, no source events, first enabled step, timers on time",
                before.now_ms
            ));
        }
        lines.push(crate::trace::trace_line(&config, step, before, action, after).render());
    };
    replay_recording(recording, stop_at, Some(&mut tracer))?;
    Ok(lines)
}

/// Shrinks a failing recording to a shorter one that still violates `property` with the
/// same first signature (and the same first defect, for bucket-level properties).
pub fn shrink_recording(
    recording: &Recording,
    property: &str,
    replays_max: usize,
) -> Result<Recording, String> {
    shrink_recording_as(recording, property, Preserve::Signature, replays_max)
}

/// What a shrink must preserve besides the property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preserve {
    /// The first signature and the first defect of the original violation (the default).
    Signature,
    /// The property alone (for comparison: it may end at another finding).
    PropertyOnly,
}

/// [`shrink_recording`] with an explicit rule of what to preserve.
pub fn shrink_recording_as(
    recording: &Recording,
    property: &str,
    preserve: Preserve,
    replays_max: usize,
) -> Result<Recording, String> {
    let config = recording_config(recording)?;
    let original = replay_recording(recording, None, None)?;
    let mut target = original
        .outcome
        .violation(property)
        .cloned()
        .ok_or_else(|| format!("the trace does not violate {property}"))?;
    if preserve == Preserve::PropertyOnly {
        target.signatures.clear();
        target.defects.clear();
    }
    let shrunk = shrink::shrink(
        &config,
        &recording.params,
        &recording.steps,
        recording.heal_start_ms,
        &target,
        replays_max,
    );
    let mut result = Recording {
        shrunk: Some(record::ShrinkInfo {
            property: property.to_string(),
            signature: target.signatures.first().map(ToString::to_string),
            original_steps: shrunk.original_len,
            replays: shrunk.replays,
        }),
        steps: shrunk.steps,
        expected: Vec::new(),
        ..recording.clone()
    };
    let replayed = replay_recording(&result, None, None)?;
    result.expected = record::Expected::of(&replayed.outcome.violations);
    Ok(result)
}
