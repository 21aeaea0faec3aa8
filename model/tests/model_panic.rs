//! A panic inside a model step (a bug in mvsim's model, or in an edit to it) is a state, not a
//! crash: `World::step` catches it into `Ghost::model_panic` with its message and location,
//! the world offers no further action, and its settle reports `settles` with class
//! `model-panic` while every other quiescent property holds there (docs/properties.md).

use mvsim_model::partition::SourceSegment;
use mvsim_model::properties::{self, Expectation};
use mvsim_model::quiescence;
use mvsim_model::signature;
use mvsim_model::{Action, Config, NoEntropy, Profile, TaskRef, World};

fn config() -> Config {
    let mut config = Config::base("model-panic-test", Profile::by_name("post").expect("post"));
    config.start_ms = 1300;
    config.initial_source = vec![SourceSegment::new("s0", 1000, 1099, 1)];
    config.finish().expect("valid")
}

/// A step the model never offers: a task that does not exist (`World::task` indexes the
/// job list, so it panics).
fn impossible_step() -> Action {
    Action::ExecutorRunQuery {
        task: TaskRef { job: 7, task: 3 },
    }
}

#[test]
fn a_panicking_step_is_caught_with_its_message_and_the_world_stops() {
    let config = config();
    let mut world = World::initial(&config);
    let mut offered = Vec::new();
    world.actions(&config, &mut offered);
    assert!(!offered.is_empty(), "a fresh world has steps");
    world.step(&config, &impossible_step(), &mut NoEntropy);
    let message = world
        .ghost
        .model_panic
        .clone()
        .expect("the panic is caught");
    assert!(message.contains("(at model/src/"), "{message}");
    assert_eq!(
        world.ghost.violations, 0,
        "no per-step bit judges the half-done step"
    );
    offered.clear();
    world.actions(&config, &mut offered);
    assert!(offered.is_empty(), "a failed model takes no further step");
    // Every later step is a no-op.
    let failed = world.clone();
    world.step(&config, &Action::ClockTick, &mut NoEntropy);
    assert_eq!(world, failed);
}

#[test]
fn its_settle_reports_settles_as_model_panic_and_nothing_else() {
    let config = config();
    let mut world = World::initial(&config);
    world.step(&config, &impossible_step(), &mut NoEntropy);
    let settle_config = quiescence::settle_config(&config);
    let settled = quiescence::settle(&settle_config, &world);
    assert!(!settled.converged);
    let failing: Vec<&str> = properties::registry()
        .iter()
        .filter(|property| property.expectation != Expectation::Sometimes)
        .filter(|property| !property.holds_on_settled(&config, &settled))
        .map(|property| property.name)
        .collect();
    assert_eq!(failing, ["settles"]);
    let settles = properties::by_name("settles").expect("settles");
    let witnesses = signature::witnesses_of(&config, settles, &settled.world);
    let classes: Vec<String> = witnesses
        .iter()
        .map(|witness| witness.signature.to_string())
        .collect();
    assert_eq!(classes, ["settles | model-panic"]);
    // The same world unbroken settles to a fixpoint (the class is the panic's, not the
    // configuration's).
    let sound = quiescence::settle(&settle_config, &World::initial(&config));
    assert!(sound.converged);
}

#[test]
fn a_panic_raised_outside_a_step_is_still_a_panic() {
    // The hook records only panics inside a step; any other reaches the caller as before.
    let caught = std::panic::catch_unwind(|| {
        let _ = mvsim_model::panics::catching(|| 1);
        panic!("outside");
    });
    assert!(caught.is_err());
}
