//! The controller-failover fault (docs/java-notes.md Q11): offered only within its budget
//! and only where it loses something, last in the step order; it drops the CM's pending
//! range and running mark and the scheduler's cycle, and leaves jobs and the znode alone;
//! under fix-f16 it leaves a full invalidation pending (with fix-f9 too, the init's own
//! segment-span read queues it).

use mvsim_model::partition::SourceSegment;
use mvsim_model::{Action, Config, NoEntropy, Profile, SourceEvent, World};

fn config(engine: &str, failovers: u8) -> Config {
    let mut config = Config::base("failover-test", Profile::by_name(engine).expect("engine"));
    config.start_ms = 1300;
    config.initial_source = vec![SourceSegment::new("s0", 1000, 1099, 1)];
    config.script = vec![SourceEvent::upload("s1", 1100, 1150, 2)];
    config.faults.controller_failovers = failovers;
    config.finish().expect("valid")
}

fn actions(config: &Config, world: &World) -> Vec<Action> {
    let mut out = Vec::new();
    world.actions(config, &mut out);
    out
}

fn step(config: &Config, world: &mut World, wanted: impl Fn(&Action) -> bool) -> Action {
    let action = actions(config, world)
        .into_iter()
        .find(|action| wanted(action))
        .expect("the step is enabled");
    world.step(config, &action, &mut NoEntropy);
    action
}

#[test]
fn offered_only_when_something_is_lost_within_budget_and_last() {
    let config = config("post", 1);
    let mut world = World::initial(&config);
    assert!(world.engine_idle());
    assert!(!actions(&config, &world).contains(&Action::ControllerFailover));
    step(&config, &mut world, |a| {
        matches!(a, Action::SourceUpload { .. })
    });
    assert!(world.consistency.pending.is_some());
    let offered = actions(&config, &world);
    assert_eq!(offered.last(), Some(&Action::ControllerFailover));
    let register = world.register.clone();
    world.step(&config, &Action::ControllerFailover, &mut NoEntropy);
    assert_eq!(world.consistency.pending, None);
    assert!(world.consistency.work.is_none() && world.scheduler.is_idle());
    assert_eq!(world.register, register, "the znode is untouched");
    assert_eq!(world.faults_used.controller_failovers, 1);
    // The budget is spent: a cycle in progress is not lost again.
    step(&config, &mut world, |a| {
        matches!(a, Action::SchedulerReadWatermark { .. })
    });
    assert!(!world.scheduler.is_idle());
    assert!(!actions(&config, &world).contains(&Action::ControllerFailover));
}

#[test]
fn without_budget_it_never_appears() {
    let config = config("post", 0);
    let mut world = World::initial(&config);
    step(&config, &mut world, |a| {
        matches!(a, Action::SourceUpload { .. })
    });
    step(&config, &mut world, |a| {
        matches!(a, Action::SchedulerReadWatermark { .. })
    });
    assert!(!actions(&config, &world).contains(&Action::ControllerFailover));
}

#[test]
fn a_cycle_in_progress_is_abandoned_and_jobs_run_on() {
    let config = config("post", 1);
    let mut world = World::initial(&config);
    // A whole cycle: the cold start creates the znode and submits APPENDs.
    while world.jobs.is_empty() {
        step(&config, &mut world, |a| {
            a.actor() == mvsim_model::Actor::Scheduler && !a.is_fault()
        });
    }
    let jobs = world.jobs.clone();
    // The next cycle's first read, then the failover.
    while world.scheduler.is_idle() {
        step(&config, &mut world, |a| {
            matches!(a, Action::SchedulerReadWatermark { .. })
        });
    }
    world.step(&config, &Action::ControllerFailover, &mut NoEntropy);
    assert!(world.scheduler.is_idle());
    assert_eq!(world.jobs, jobs, "minion tasks are not the controller's");
}

#[test]
fn fix_failover_leaves_a_full_invalidation_pending() {
    for (engine, expected) in [("post", None), ("post+fix-f16", Some((0, i64::MAX)))] {
        let config = config(engine, 1);
        let mut world = World::initial(&config);
        step(&config, &mut world, |a| {
            matches!(a, Action::SourceUpload { .. })
        });
        world.step(&config, &Action::ControllerFailover, &mut NoEntropy);
        assert_eq!(world.consistency.pending, expected, "{engine}");
    }
}

#[test]
fn with_fix_f9_the_init_reads_the_dated_segment_span_and_survives_a_second_failover() {
    // post+fix-f9+fix-f16: the failover queues nothing yet; the init's own step reads the
    // source's dated span (s0 [1000,1099] and the uploaded s1 [1100,1150]) and queues the
    // full invalidation with that span as fix-f9's timed hull. A second failover before
    // that read leaves it to do (the next init reads again), and loses nothing.
    let config = config("post+fix-f9+fix-f16", 2);
    let mut world = World::initial(&config);
    step(&config, &mut world, |a| {
        matches!(a, Action::SourceUpload { .. })
    });
    world.step(&config, &Action::ControllerFailover, &mut NoEntropy);
    assert_eq!(world.consistency.pending, None);
    assert!(world.consistency.init_span_read && !world.engine_idle());
    let offered = actions(&config, &world);
    assert!(offered.contains(&Action::ConsistencyManagerInitSpan));
    assert_eq!(offered.last(), Some(&Action::ControllerFailover));
    world.step(&config, &Action::ControllerFailover, &mut NoEntropy);
    assert!(
        world.consistency.init_span_read,
        "a second failover keeps the read to do"
    );
    world.step(&config, &Action::ConsistencyManagerInitSpan, &mut NoEntropy);
    assert!(!world.consistency.init_span_read);
    assert_eq!(world.consistency.pending, Some((0, i64::MAX)));
    assert_eq!(world.consistency.pending_timed, Some((1000, 1150)));
    assert!(!actions(&config, &world).contains(&Action::ConsistencyManagerInitSpan));
    // Without fix-f9 the read is not modelled: the invalidation is queued at once.
    let config = config_for("post+fix-f16");
    let mut world = World::initial(&config);
    step(&config, &mut world, |a| {
        matches!(a, Action::SourceUpload { .. })
    });
    world.step(&config, &Action::ControllerFailover, &mut NoEntropy);
    assert!(!world.consistency.init_span_read);
    assert_eq!(world.consistency.pending, Some((0, i64::MAX)));
}

fn config_for(engine: &str) -> Config {
    config(engine, 1)
}
