//! The simulator's event kinds (docs/simulator-workloads.md): every kind occurs in its
//! stated share of the default swarm, the kinds added later are gated by their workload
//! names and fault modes, and runs with a controller failover or a leadership change replay
//! exactly.

use mvsim_model::Profile;
use mvsim_sim::simulate::{
    self, sweep, FaultMode, Features, SeedRange, SimOptions, SweepPlan, WorkloadMode,
};

/// The seeds the share test sweeps (the default swarm, engine `post`).
const SHARE_SEEDS: u64 = 120;

/// The least share (in percent of [`SHARE_SEEDS`]) each kind must reach; the measured
/// shares over seeds 0..1000 are in docs/simulator-workloads.md.
const MIN_SHARE_PERCENT: [(&str, u64); 10] = [
    ("upload", 90),
    ("timeless-upload", 25),
    ("identical-reupload", 20),
    ("refresh-new-crc", 40),
    ("refresh-restores-crc", 20),
    ("delete", 40),
    ("all-dated-deleted", 5),
    ("change-above-watermark", 90),
    ("controller-failover", 20),
    ("leadership-change", 20),
];

fn post() -> Profile {
    Profile::by_name("post").expect("post exists")
}

fn kinds(seed: u64, options: &SimOptions) -> Vec<&'static str> {
    simulate::run_seed(seed, post(), options, false)
        .expect("valid options")
        .outcome
        .event_names()
}

#[test]
fn every_event_kind_reaches_its_share_of_the_default_swarm() {
    let plan = SweepPlan {
        profile: post(),
        options: SimOptions::default(),
        range: SeedRange {
            start: 0,
            end: SHARE_SEEDS,
            shard_index: 0,
            shard_count: 1,
        },
        jobs: 2,
        progress: false,
    };
    let summary = sweep(&plan).expect("the sweep runs");
    assert_eq!(summary.runs, SHARE_SEEDS);
    assert_eq!(
        summary.events.len(),
        MIN_SHARE_PERCENT.len(),
        "every kind is counted: {:?}",
        summary.events
    );
    for (kind, percent) in MIN_SHARE_PERCENT {
        let runs = summary.events.get(kind).copied().unwrap_or(0);
        assert!(
            runs * 100 >= percent * SHARE_SEEDS,
            "{kind}: {runs} of {SHARE_SEEDS} runs, below the stated {percent}% ({:?})",
            summary.events
        );
    }
    // The summary says it too.
    assert!(summary.render().contains("events     runs with: upload "));
}

#[test]
fn the_later_kinds_stay_off_unless_named() {
    let options = SimOptions {
        faults: FaultMode::None,
        workload: WorkloadMode::Exactly(Features::parse("stalls,backfills,refreshes").unwrap()),
        ..SimOptions::default()
    };
    for seed in 0..6 {
        let kinds = kinds(seed, &options);
        for later in [
            "identical-reupload",
            "refresh-restores-crc",
            "controller-failover",
            "leadership-change",
        ] {
            assert!(!kinds.contains(&later), "seed {seed}: {later} in {kinds:?}");
        }
        assert!(kinds.contains(&"upload"), "seed {seed}: {kinds:?}");
    }
}

#[test]
fn each_later_kind_occurs_when_named() {
    let named = |workload: &str, faults: FaultMode| SimOptions {
        faults,
        workload: WorkloadMode::Exactly(Features::parse(workload).unwrap()),
        ..SimOptions::default()
    };
    for seed in 0..4 {
        let reuploads = kinds(seed, &named("reuploads", FaultMode::None));
        assert!(
            reuploads.contains(&"identical-reupload"),
            "seed {seed}: {reuploads:?}"
        );
        let restores = kinds(seed, &named("restores", FaultMode::None));
        assert!(
            restores.contains(&"refresh-restores-crc"),
            "seed {seed}: {restores:?}"
        );
        let failover = kinds(seed, &named("none", FaultMode::All));
        assert!(
            failover.contains(&"controller-failover"),
            "seed {seed}: {failover:?}"
        );
        assert!(
            failover.contains(&"leadership-change"),
            "seed {seed}: {failover:?}"
        );
    }
}

#[test]
fn a_run_with_failovers_restores_and_reuploads_replays_exactly() {
    let options = SimOptions {
        faults: FaultMode::All,
        workload: WorkloadMode::Exactly(Features::parse("reuploads,restores,retention").unwrap()),
        ..SimOptions::default()
    };
    let run = simulate::run_seed(3, post(), &options, true).expect("valid options");
    assert!(run.outcome.event_names().contains(&"controller-failover"));
    // The old lead's steps and the change itself replay from the trace file too.
    assert!(run.outcome.event_names().contains(&"leadership-change"));
    let recording = run.recording().expect("recorded");
    let replayed = simulate::replay_recording(&recording, None, None).expect("replays");
    assert_eq!(replayed.outcome.violations, run.outcome.violations);
    assert_eq!(replayed.outcome.events, run.outcome.events);
    assert_eq!(replayed.applied, recording.steps);
    // The trace file round-trips the new parameters.
    let reread = simulate::Recording::from_json(&recording.to_json()).expect("parses");
    assert_eq!(reread.params, recording.params);
}
