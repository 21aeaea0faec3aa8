//! The witness functions of the six properties that had none before (issue 9): each one's
//! catching mutant (tests/check.rs) produces witnesses of the expected classes, two failure
//! kinds of one property get two classes, and the gate now tells a second bug behind an
//! accepted one apart (F17 accepted, the cutoff mutant new). The renaming / time-shift
//! invariance of these witnesses is in tests/baseline.rs.

use mvsim_model::signature::Signature;
use mvsim_model::{Config, Profile};
use mvsim_sim::baseline::Baseline;
use mvsim_sim::checker::gate::{Gate, GATE};
use mvsim_sim::checker::{config_file, MvModel};
use stateright::{Checker, Model};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

fn config(file: &str, engine: &str, faults: bool) -> Config {
    let path = format!("{}/configs/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut config = config_file::load(&path, Profile::by_name(engine).expect("known profile"))
        .unwrap_or_else(|error| panic!("{error}"))
        .config;
    if !faults {
        config.faults = Default::default();
    }
    config
}

/// A complete BFS of `config` under `baseline`: every signature seen, and whether the gate
/// found a new one.
fn run(config: Config, baseline: Baseline) -> (BTreeSet<Signature>, bool) {
    let mut model = MvModel::new(config);
    model.gate = Some(Gate::new(Arc::new(baseline)));
    let checker = model.checker().spawn_bfs().join();
    assert!(checker.is_done(), "the search completes");
    let gate = checker.model().gate.as_ref().expect("a gate");
    let seen = gate.seen().keys().cloned().collect();
    (seen, checker.discovery(GATE).is_some())
}

/// The classes of `property`'s witnesses over a complete search of `config`.
fn classes(config: Config, property: &str) -> BTreeSet<String> {
    let empty = Baseline::parse("vocabulary = 1\n", Path::new("empty.toml")).expect("empty");
    let (seen, _) = run(config, empty);
    seen.into_iter()
        .filter(|signature| signature.property == property)
        .map(|signature| {
            assert!(
                signature.written_by.is_none() && signature.causes.is_empty(),
                "{signature}: the contract witnesses carry no bucket history"
            );
            signature.class
        })
        .collect()
}

fn set(classes: &[&str]) -> BTreeSet<String> {
    classes.iter().map(|class| class.to_string()).collect()
}

#[test]
fn two_appends_in_flight_for_one_window_name_their_jobs_and_fingerprints() {
    assert_eq!(
        classes(
            config(
                "catch-up-mark.toml",
                "mutant-append-start-ignores-in-flight",
                true
            ),
            "one_append_per_bucket_in_flight"
        ),
        set(&["two-jobs, fingerprints=equal"])
    );
}

#[test]
fn an_append_planned_into_a_stale_snapshot_entry_says_so() {
    assert_eq!(
        classes(
            config(
                "catch-up-mark.toml",
                "mutant-append-loop-skips-only-valid",
                true
            ),
            "append_planned_only_into_snapshot_absent"
        ),
        set(&["stale-in-snapshot"])
    );
}

#[test]
fn a_dishonest_success_names_the_promise_it_broke() {
    // A commit precondition error reported as SUCCEEDED: two promises broken, two classes
    // (the APPEND's bucket is STALE: a mark landed; or VALID with another fingerprint). A
    // DELETE's broken promise (`delete-succeeded, znode=valid-with-data`) shows on `small`
    // under `mutant-ignore-in-flight-exclusive`, too slow for this suite.
    assert_eq!(
        classes(
            config(
                "catch-up-mark.toml",
                "mutant-commit-precondition-error-is-success",
                true
            ),
            "task_outcome_honest"
        ),
        set(&[
            "append-succeeded, znode=stale",
            "append-succeeded, znode=valid-other-fingerprint"
        ])
    );
}

#[test]
fn a_watermark_behind_the_cutoff_says_what_holds_it() {
    // F17: stranded at an entry the walk did not pass.
    assert_eq!(
        classes(
            config("catch-up-mark.toml", "post", false),
            "quiescent_watermark_reaches_cutoff"
        ),
        set(&["stranded-at-valid-entry"])
    );
    // The cutoff without its + 1: the window the newest segment completes is never appended.
    assert_eq!(
        classes(
            config("catch-up.toml", "mutant-append-cutoff-drops-plus-one", true),
            "quiescent_watermark_reaches_cutoff"
        ),
        set(&["not-appended, window=data"])
    );
}

#[test]
fn a_broker_that_never_reloads_shows_its_cache_and_its_verdict() {
    assert_eq!(
        classes(
            config("catch-up.toml", "mutant-broker-cache-loads-once", true),
            "quiescent_broker_routes_on_znode"
        ),
        set(&["cache-behind-znode", "not-fresh-on-eligible-watermark"])
    );
}

#[test]
fn an_unchanged_write_names_its_operation() {
    assert_eq!(
        classes(
            config("catch-up-mark.toml", "mutant-revert-rewrites-valid", true),
            "writes_change_the_znode"
        ),
        set(&["revertValid"])
    );
    // A register that ignores versions lets lost-ack replays of the commits land unchanged
    // too (the same write breaks register_linearizable: the class still names the operation).
    let blind = classes(
        config("catch-up-mark.toml", "mutant-blind-register-writes", true),
        "writes_change_the_znode",
    );
    assert!(
        blind.contains("appendValid") && blind.contains("refreshValid"),
        "{blind:?}"
    );
}

/// The masking the witness functions end: with F17 accepted as `quiescent_watermark_reaches_cutoff
/// | violated`, the cutoff mutant's different bug was accepted as F17 too.
#[test]
fn with_f17_accepted_the_cutoff_mutant_is_new() {
    let baseline =
        Baseline::load(Path::new("baseline.toml")).unwrap_or_else(|error| panic!("{error}"));
    let (seen, new) = run(
        config("catch-up.toml", "mutant-append-cutoff-drops-plus-one", true),
        baseline.clone(),
    );
    assert!(new, "the cutoff mutant is a new finding");
    let cutoff: Vec<&Signature> = seen
        .iter()
        .filter(|signature| signature.property == "quiescent_watermark_reaches_cutoff")
        .collect();
    assert!(!cutoff.is_empty());
    assert!(cutoff
        .iter()
        .all(|signature| baseline.explain(signature).is_none()));
    // F17's own reproducer stays accepted.
    let (_, new) = run(config("catch-up-mark.toml", "post", false), baseline);
    assert!(!new, "F17's reproducer is explained by the baseline");
}
