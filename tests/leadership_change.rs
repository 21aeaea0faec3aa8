//! F19 (docs/findings/F19.md, docs/java-notes.md Q13): a leadership change without a crash
//! (`leadership_changes = N`) lets the old lead's scheduler cycle run on beside the new
//! lead's. On `configs/leadership-change.toml` `post` dispatches two DELETEs for one STALE
//! bucket; `fix-f11` does not close it; `fix-f19` (the distributed task lock, modelled as
//! the new lead's run skipping the table while the old lead holds it) does, and still
//! reaches the leadership change's antecedent. Without the fault budget nothing of it is
//! reachable, and the fault is offered last, so no other step's index moves.

use mvsim_model::properties;
use mvsim_model::{Action, Config, NoEntropy, Profile, World};
use mvsim_sim::checker::{config_file, MvModel};
use stateright::{Checker, Model};
use std::collections::BTreeSet;

fn config(file: &str, engine: &str) -> Config {
    config_file::load(
        &format!("{}/configs/{file}", env!("CARGO_MANIFEST_DIR")),
        Profile::by_name(engine).expect("known profile"),
    )
    .expect("the config loads")
    .config
}

fn index_of(name: &str) -> usize {
    properties::registry()
        .iter()
        .position(|property| property.name == name)
        .expect("registered property")
}

struct Outcome {
    violated: BTreeSet<String>,
    old_lead_reached: bool,
    overlap_reached: bool,
    shortest_exclusive: Option<Vec<Action>>,
}

fn check(config: Config) -> Outcome {
    let checker = MvModel::new(config).checker().spawn_bfs().join();
    assert!(checker.is_done(), "the search completes");
    let model = checker.model();
    Outcome {
        violated: checker
            .discoveries()
            .into_keys()
            .map(str::to_string)
            .collect(),
        old_lead_reached: model.reached(index_of("reach_old_lead_cycle_runs_on")),
        overlap_reached: model.reached(index_of("reach_overlapping_cycles")),
        shortest_exclusive: checker
            .discovery("one_exclusive_in_flight")
            .map(|path| path.into_actions()),
    }
}

#[test]
fn post_dispatches_two_deletes_for_one_bucket_across_a_leadership_change() {
    let outcome = check(config("leadership-change.toml", "post"));
    assert!(outcome.old_lead_reached && outcome.overlap_reached);
    assert_eq!(
        outcome.violated,
        BTreeSet::from(["one_exclusive_in_flight".to_string()])
    );
    let trace = outcome.shortest_exclusive.expect("F19's trace");
    assert_eq!(trace.len(), 13);
    // The fault, then the new lead's whole cycle, then the old lead's dispatch.
    assert!(trace.contains(&Action::LeadershipChange));
    assert_eq!(
        trace.last(),
        Some(&Action::OldLead(Box::new(Action::SchedulerHandleStale)))
    );
}

#[test]
fn fix_f11_does_not_close_f19_and_fix_f19_does() {
    let f11 = check(config("leadership-change.toml", "post+fix-f11"));
    assert!(f11.violated.contains("one_exclusive_in_flight"));
    for engine in ["post+fix-f19", "post-fixed"] {
        for file in ["leadership-change.toml", "leadership-change-backfill.toml"] {
            let fixed = check(config(file, engine));
            assert!(
                fixed.violated.is_empty(),
                "{engine} on {file}: {:?}",
                fixed.violated
            );
            // The leadership change still happens; only the overlap is gone.
            assert!(fixed.old_lead_reached, "{engine} on {file}");
            assert!(!fixed.overlap_reached, "{engine} on {file}");
        }
    }
}

#[test]
fn without_the_budget_there_is_no_leadership_change() {
    let mut config = config("leadership-change.toml", "post");
    config.faults = Default::default();
    let outcome = check(config);
    assert!(!outcome.old_lead_reached && !outcome.overlap_reached);
    assert!(outcome.violated.is_empty(), "{:?}", outcome.violated);
}

#[test]
fn the_fault_is_offered_last_and_only_mid_cycle() {
    let with = config("leadership-change.toml", "post");
    let mut without = with.clone();
    without.faults = Default::default();
    let mut world = World::initial(&with);
    let mut actions = Vec::new();
    // Walk the scheduler through a cycle; at every state the fault's presence is exactly
    // "a cycle is in progress", and the other steps are those of the budget-free config.
    for _ in 0..3 {
        actions.clear();
        world.actions(&with, &mut actions);
        let mut plain = Vec::new();
        world.actions(&without, &mut plain);
        if world.scheduler.is_idle() {
            assert_eq!(actions, plain);
        } else {
            assert_eq!(actions.last(), Some(&Action::LeadershipChange));
            assert_eq!(actions[..actions.len() - 1], plain[..]);
        }
        let step = actions
            .iter()
            .find(|action| {
                matches!(
                    action,
                    Action::SchedulerReadWatermark { .. }
                        | Action::SchedulerReadPartitions { .. }
                        | Action::SchedulerCountInFlight
                ) && !action.is_fault()
            })
            .cloned()
            .expect("a scheduler step");
        world.step(&with, &step, &mut NoEntropy);
    }
    // Mid-cycle: the fault moves the cycle to the old lead; the new lead starts afresh, and
    // the old lead's steps follow every other step.
    assert!(!world.scheduler.is_idle());
    world.step(&with, &Action::LeadershipChange, &mut NoEntropy);
    assert!(world.scheduler.is_idle() && world.old_lead.is_some());
    actions.clear();
    world.actions(&with, &mut actions);
    assert!(!actions.contains(&Action::LeadershipChange), "budget used");
    let old_lead = actions
        .iter()
        .position(|action| matches!(action, Action::OldLead(_)))
        .expect("the old lead's step is offered");
    assert!(actions[old_lead..]
        .iter()
        .all(|action| matches!(action, Action::OldLead(_))));
    assert!(!world.engine_idle());
}

/// docs/findings/F19.md shows the sequence diagram `mvsim check ... --path P --diagram
/// mermaid` prints today (the reproducer is a config, not a scenario, so
/// tests/diagrams.rs does not cover it).
#[test]
fn the_reports_diagram_is_current() {
    let report =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/findings/F19.md"))
            .expect("docs/findings/F19.md");
    let shown = report
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a mermaid block");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mvsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "--engine",
            "post",
            "--config",
            "configs/leadership-change.toml",
            "--no-baseline",
            "--max-memory-mb",
            "3000",
            "--path",
            "0/0/1/1/1/0/0/2/0/0/0/0/3",
            "--diagram",
            "mermaid",
        ])
        .output()
        .expect("mvsim runs");
    let fresh = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(
        shown, fresh,
        "regenerate the diagram in docs/findings/F19.md"
    );
}

/// F19's APPEND form (`configs/leadership-change-append.toml`): both leads plan and submit
/// the same APPEND batch; the lock closes it (F2's re-dispatch, `append_only_into_absent`,
/// is `fix-f2`'s and stays under `fix-f19` alone).
#[test]
fn two_leads_submit_the_same_append_batch_and_the_lock_stops_it() {
    let post = check(config("leadership-change-append.toml", "post"));
    assert!(post.overlap_reached);
    assert!(post.violated.contains("one_append_per_bucket_in_flight"));
    let fixed = check(config("leadership-change-append.toml", "post+fix-f19"));
    assert!(fixed.old_lead_reached && !fixed.overlap_reached);
    assert_eq!(
        fixed.violated,
        BTreeSet::from(["append_only_into_absent".to_string()])
    );
    let all = check(config("leadership-change-append.toml", "post-fixed"));
    assert!(all.violated.is_empty(), "{:?}", all.violated);
}
