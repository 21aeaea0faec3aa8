//! Sweeps judged by finding signature against the committed baseline, and a shrinker that
//! keeps the signature: `post`'s known findings are accepted (exit 0), the same failures
//! with no baseline are new (exit 1), a gate self-test mutant shows a new signature, and
//! every shrunk trace still shows its original's signature.

use mvsim_model::Profile;
use mvsim_sim::baseline::Baseline;
use mvsim_sim::simulate::{
    self, sweep, Preserve, Recording, SeedRange, SimOptions, SweepPlan, SweepSummary,
};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_mvsim");
/// A small post range whose failures are all known findings (measured: 13 of 40 runs fail,
/// 9 signatures, all explained by F2, F3, F6 and F9).
const POST_SEEDS: (u64, u64) = (0, 40);

fn baseline_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("baseline.toml")
}

fn baseline() -> Baseline {
    Baseline::load(&baseline_path()).expect("the committed baseline loads")
}

fn mvsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the mvsim binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn plan(engine: &str, (start, end): (u64, u64)) -> SweepPlan {
    SweepPlan {
        profile: Profile::by_name(engine).expect("known profile"),
        options: SimOptions::default(),
        range: SeedRange {
            start,
            end,
            shard_index: 0,
            shard_count: 1,
        },
        jobs: 2,
        progress: false,
    }
}

fn judged(engine: &str, seeds: (u64, u64), baseline: &Baseline) -> SweepSummary {
    let mut summary = sweep(&plan(engine, seeds)).expect("sweeps");
    summary.judge(baseline, "baseline.toml");
    summary
}

#[test]
fn a_post_sweep_sees_only_accepted_signatures_and_every_failure_has_one() {
    let summary = judged("post", POST_SEEDS, &baseline());
    assert!(summary.failing_runs > 0, "the range has failures to judge");
    assert!(summary.new_signatures().is_empty(), "{}", summary.render());
    assert!(!summary.has_new());
    // Every violated property has at least one signature group, with the same property.
    for property in summary.failures.keys() {
        assert!(
            summary.signatures.values().any(|g| &g.property == property),
            "{property} has no signature group"
        );
    }
    for (signature, group) in &summary.signatures {
        assert!(signature.starts_with(&format!("{} | ", group.property)));
        assert!(group.accepted_by.is_some());
        assert!(group
            .replay
            .contains(&format!("--property {}", group.property)));
    }
    // With no baseline, the same groups are all new.
    let bare = judged("post", POST_SEEDS, &Baseline::empty());
    assert_eq!(bare.new_signatures().len(), summary.signatures.len());
    assert!(bare.has_new());
}

#[test]
fn sweep_cli_exits_0_with_the_baseline_and_1_without_it() {
    let seeds = format!("{}..{}", POST_SEEDS.0, POST_SEEDS.1);
    let base = [
        "sweep", "--engine", "post", "--seeds", &seeds, "--jobs", "2", "--quiet",
    ];
    let path = baseline_path();
    let path = path.to_string_lossy();
    let accepted = mvsim(&[&base[..], &["--baseline", &path]].concat());
    let text = stdout(&accepted);
    assert_eq!(accepted.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 new, "), "{text}");
    assert!(text.contains("  F2   append_only_into_absent | absent-in-scheduler-snapshot"));
    assert!(!text.contains("NEW"), "{text}");

    let bare = mvsim(&[&base[..], &["--no-baseline"]].concat());
    let text = stdout(&bare);
    assert_eq!(bare.status.code(), Some(1), "{text}");
    assert!(text.contains("  NEW  append_only_into_absent | absent-in-scheduler-snapshot"));
    assert!(
        text.contains("0 accepted (baseline none (--no-baseline))"),
        "{text}"
    );

    // A missing baseline is bad input (exit 2, one line), not an empty baseline.
    let missing = mvsim(&[&base[..], &["--baseline", "/nonexistent/baseline.toml"]].concat());
    assert_eq!(missing.status.code(), Some(2));
    let error = String::from_utf8_lossy(&missing.stderr);
    assert!(error.starts_with("mvsim: error: "), "{error}");
    assert_eq!(error.trim_end().lines().count(), 1, "{error}");
}

#[test]
fn a_gate_self_test_mutant_shows_a_new_signature() {
    let baseline = baseline();
    let flush = judged("mutant-flush-skips-last-bucket", POST_SEEDS, &baseline);
    let new = flush.new_signatures();
    assert!(
        new.contains(
            &"quiescent_buckets_match_source | valid-outdated | causes=not-a-candidate+notified"
        ),
        "{}",
        flush.render()
    );
    let append = judged(
        "mutant-append-start-ignores-in-flight",
        POST_SEEDS,
        &baseline,
    );
    assert!(
        append
            .new_signatures()
            .contains(&"append_only_into_absent | in-flight-in-scheduler-count"),
        "{}",
        append.render()
    );
    // The CLI says so with exit 1.
    let output = mvsim(&[
        "sweep",
        "--engine",
        "mutant-append-start-ignores-in-flight",
        "--seeds",
        "0..40",
        "--jobs",
        "2",
        "--quiet",
        "--baseline",
        &baseline_path().to_string_lossy(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("  NEW  append_only_into_absent | in-flight-in-scheduler-count")
    );
}

/// The first signature of `property`'s violation when `recording` is replayed.
fn first_signature(recording: &Recording, property: &str) -> Option<String> {
    let replayed = simulate::replay_recording(recording, None, None).expect("replays");
    let violation = replayed.outcome.violation(property)?;
    violation.signatures.first().map(ToString::to_string)
}

/// Every signature of `property`'s violation when `recording` is replayed.
fn signatures(recording: &Recording, property: &str) -> Vec<String> {
    let replayed = simulate::replay_recording(recording, None, None).expect("replays");
    replayed
        .outcome
        .violation(property)
        .map(|v| v.signatures.iter().map(ToString::to_string).collect())
        .unwrap_or_default()
}

#[test]
fn every_shrunk_trace_keeps_its_original_signature() {
    let mut shrunk_count = 0;
    let mut property_only_moved = Vec::new();
    for seed in POST_SEEDS.0..POST_SEEDS.1 {
        let run = simulate::run_seed(
            seed,
            Profile::by_name("post").unwrap(),
            &SimOptions::default(),
            true,
        )
        .expect("valid options");
        let Some(violation) = run.outcome.violations.first().cloned() else {
            continue;
        };
        let recording = run.recording().expect("recorded");
        let original = violation.signatures.first().map(ToString::to_string);
        assert!(
            original.is_some(),
            "seed {seed}: a violation has a signature"
        );
        let shrunk =
            simulate::shrink_recording(&recording, &violation.property, 400).expect("shrinks");
        assert!(shrunk.steps.len() <= recording.steps.len());
        let info = shrunk.shrunk.as_ref().expect("shrink info");
        assert_eq!(info.signature, original, "seed {seed}: the recorded target");
        assert!(
            signatures(&shrunk, &violation.property).contains(original.as_ref().unwrap()),
            "seed {seed}: the shrunk trace lost {original:?}"
        );
        let loose = simulate::shrink_recording_as(
            &recording,
            &violation.property,
            Preserve::PropertyOnly,
            400,
        )
        .expect("shrinks");
        if first_signature(&loose, &violation.property) != original
            && !signatures(&loose, &violation.property).contains(original.as_ref().unwrap())
        {
            property_only_moved.push(seed);
        }
        shrunk_count += 1;
        if shrunk_count == 6 {
            break;
        }
    }
    assert!(shrunk_count >= 3, "enough failing seeds to shrink");
    eprintln!("property-only shrinks that lost the signature: seeds {property_only_moved:?}");
}

#[test]
fn a_property_only_shrink_ends_at_another_finding_the_signature_shrink_does_not() {
    // post seed 112 violates quiescent_buckets_match_source with an F3-class witness (a
    // flush-read error dropped the mark). Shrinking for the property alone ends at an
    // F1-class witness (appendValid committed an outdated fingerprint): a different
    // finding. The signature-preserving shrink keeps F3.
    let property = "quiescent_buckets_match_source";
    let f3 = "quiescent_buckets_match_source | valid-outdated | causes=flush-read-error+notified";
    let run = simulate::run_seed(
        112,
        Profile::by_name("post").unwrap(),
        &SimOptions::default(),
        true,
    )
    .expect("valid options");
    let recording = run.recording().expect("recorded");
    let violation = run
        .outcome
        .violation(property)
        .expect("seed 112 violates it");
    assert_eq!(violation.signatures[0].to_string(), f3);
    let baseline = baseline();
    let finding = |signature: &str| {
        let parsed = mvsim_model::signature::Signature::parse(signature).expect("parses");
        baseline.explain(&parsed).map(|finding| finding.id.clone())
    };
    assert_eq!(finding(f3).as_deref(), Some("F3"));

    let loose = simulate::shrink_recording_as(&recording, property, Preserve::PropertyOnly, 400)
        .expect("shrinks");
    let loose_signatures = signatures(&loose, property);
    assert!(
        !loose_signatures.contains(&f3.to_string()),
        "{loose_signatures:?}"
    );
    assert!(
        loose_signatures
            .iter()
            .any(|s| s.contains("written-outdated-by=appendValid")
                && finding(s).as_deref() == Some("F1")),
        "{loose_signatures:?}"
    );

    let kept = simulate::shrink_recording(&recording, property, 400).expect("shrinks");
    assert!(kept.steps.len() < recording.steps.len());
    assert!(signatures(&kept, property).contains(&f3.to_string()));
    assert_eq!(first_signature(&kept, property).as_deref(), Some(f3));
}

#[test]
fn a_summary_from_before_signatures_reads_merges_and_counts_as_new() {
    let summary = judged("post", POST_SEEDS, &baseline());
    let mut value: serde_json::Value = serde_json::from_str(&summary.to_json()).expect("JSON");
    let object = value.as_object_mut().expect("an object");
    object.remove("signatures");
    object.remove("baseline");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sweep-signatures-old");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let old = dir.join("old.json");
    std::fs::write(&old, value.to_string()).expect("writes");
    let read = SweepSummary::read(&old).expect("an old summary still reads");
    assert!(read.signatures.is_empty() && read.baseline.is_none());
    let mut merged = simulate::merge_summaries(vec![read]).expect("merges");
    merged.judge(&baseline(), "baseline.toml");
    // Its failures cannot be judged, so they are new: never accepted by accident.
    assert!(merged.has_new());
    assert_eq!(merged.unsigned_failures().len(), summary.failures.len());
    assert!(merged.render().contains("(no signature recorded"));
}
