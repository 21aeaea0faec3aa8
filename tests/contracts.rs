//! The contract properties of docs/properties.md on the shipped `ci` configuration: `post`
//! keeps every one of them, reaches each one's antecedent (its companion `sometimes`), and
//! keeps the pinned state count (the new properties add no state: their history facts are
//! a violation bit that is zero in `post`, or a witness outside the state's identity).
//! Each property's catching mutant, on `ci` too, is in
//! `tests/check.rs::every_safety_and_quiescence_property_catches_a_real_bug`.

use mvsim_model::properties::{self, Expectation};
use mvsim_model::{Config, Profile};
use mvsim_sim::checker::{presets, MvModel};
use stateright::{Checker, Model};
use std::collections::BTreeSet;

const CONTRACTS: [(&str, &str); 8] = [
    (
        "one_append_per_bucket_in_flight",
        "reach_append_planned_beside_in_flight",
    ),
    (
        "append_planned_only_into_snapshot_absent",
        "reach_append_loop_over_snapshot_entry",
    ),
    (
        "redispatched_append_changes_nothing",
        "reach_append_redispatched_over_present",
    ),
    (
        "valid_bucket_mv_matches_fingerprint",
        "reach_valid_bucket_with_task_in_flight",
    ),
    ("task_outcome_honest", "reach_task_succeeded"),
    ("writes_change_the_znode", "reach_nothing_to_change"),
    (
        "strict_preconditions_fire_only_by_design",
        "reach_precondition_failed",
    ),
    ("faults_within_budget", "reach_lost_ack_replayed"),
];

fn ci(engine: &str) -> Config {
    presets::preset("ci", Profile::by_name(engine).expect("known profile")).expect("ci preset")
}

fn index_of(name: &str) -> usize {
    properties::registry()
        .iter()
        .position(|property| property.name == name)
        .expect("registered property")
}

#[test]
fn post_on_ci_keeps_every_contract_and_reaches_each_antecedent() {
    let checker = MvModel::new(ci("post")).checker().spawn_dfs().join();
    assert_eq!(
        checker.unique_state_count(),
        // 3,584,382 before the signature causes kept per bucket (issue 9, tests/check.rs);
        // 4,298,293 before the DELETE's pre-check and drop became two steps (java-notes Q12).
        4_437_062,
        "the contract properties must not grow the ci state space"
    );
    let violated: BTreeSet<&str> = checker.discoveries().into_keys().collect();
    for (property, antecedent) in CONTRACTS {
        assert_eq!(
            properties::by_name(property).map(|p| p.expectation),
            Some(Expectation::Always)
        );
        assert!(
            !violated.contains(property),
            "{property} violated in post/ci"
        );
        assert!(
            checker.model().reached(index_of(antecedent)),
            "{antecedent} (the antecedent of {property}) not reached in post/ci"
        );
    }
}

/// The progress and broker properties of docs/properties.md §4 (from the mutation
/// survivors) on the shipped `configs/catch-up.toml`, where both have work to do: `post`
/// keeps them, reaches each antecedent, and the file's state count is pinned. Their
/// catching mutants are in `tests/check.rs` too.
const CATCH_UP_CONTRACTS: [(&str, &str); 2] = [
    (
        "quiescent_watermark_reaches_cutoff",
        "reach_watermark_behind_cutoff",
    ),
    (
        "quiescent_broker_routes_on_znode",
        "reach_broker_cache_behind",
    ),
];

#[test]
fn post_on_catch_up_keeps_progress_and_broker_routing_and_reaches_each_antecedent() {
    let config = mvsim_sim::checker::config_file::load(
        concat!(env!("CARGO_MANIFEST_DIR"), "/configs/catch-up.toml"),
        Profile::by_name("post").expect("known profile"),
    )
    .expect("configs/catch-up.toml")
    .config;
    let checker = MvModel::new(config).checker().spawn_dfs().join();
    assert_eq!(checker.unique_state_count(), 2_482);
    let violated: BTreeSet<&str> = checker.discoveries().into_keys().collect();
    for (property, antecedent) in CATCH_UP_CONTRACTS {
        assert_eq!(
            properties::by_name(property).map(|p| p.expectation),
            Some(Expectation::Quiescent)
        );
        assert!(
            !violated.contains(property),
            "{property} violated in post/catch-up"
        );
        assert!(
            checker.model().reached(index_of(antecedent)),
            "{antecedent} (the antecedent of {property}) not reached in post/catch-up"
        );
    }
}

/// F17 (docs/findings/F17.md): in `post` a mark between the two APPEND commits of
/// one batch strands the watermark a bucket behind the cutoff, without any fault.
#[test]
fn post_strands_the_watermark_when_a_mark_lands_between_two_appends_of_a_batch() {
    let mut config = mvsim_sim::checker::config_file::load(
        concat!(env!("CARGO_MANIFEST_DIR"), "/configs/catch-up-mark.toml"),
        Profile::by_name("post").expect("known profile"),
    )
    .expect("configs/catch-up-mark.toml")
    .config;
    config.faults = Default::default();
    let checker = MvModel::new(config).checker().spawn_bfs().join();
    let path = checker
        .discovery("quiescent_watermark_reaches_cutoff")
        .expect("F17: the watermark stays behind the cutoff");
    assert_eq!(path.into_actions().len(), 18);
}

/// The retry budget (docs/properties.md, `cas_attempts_within_budget`, from the mutation
/// survivor in `World::cas_read`) on the shipped preset `ci-budget-2`, the one shipped
/// configuration where budgets run out (a critical budget of 2, F5): `post` keeps it,
/// reaches its antecedent (a CAS operation gives up on its budget), and the state count is
/// the one before the property (the ghost read count equals the attempt count in `post`).
#[test]
fn post_on_ci_budget_2_keeps_the_retry_budget_and_exhausts_one() {
    let checker = MvModel::new(
        presets::preset(
            "ci-budget-2",
            Profile::by_name("post").expect("known profile"),
        )
        .expect("ci-budget-2 preset"),
    )
    .checker()
    .spawn_dfs()
    .join();
    assert_eq!(checker.unique_state_count(), 350_439);
    let violated: BTreeSet<&str> = checker.discoveries().into_keys().collect();
    assert!(
        !violated.contains("cas_attempts_within_budget"),
        "cas_attempts_within_budget violated in post/ci-budget-2"
    );
    assert!(
        checker.model().reached(index_of("reach_budget_exhausted")),
        "reach_budget_exhausted (the antecedent of cas_attempts_within_budget) not reached in post/ci-budget-2"
    );
}
