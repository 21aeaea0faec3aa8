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

const CONTRACTS: [(&str, &str); 5] = [
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
        // 3,584,382 before the signature causes kept per bucket (issue 9, tests/check.rs).
        4_298_293,
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
