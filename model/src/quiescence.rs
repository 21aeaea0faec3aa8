//! Quiescence: what "eventually" means for an engine whose periodic actors never stop.
//!
//! Following TigerBeetle's liveness mode (DESIGN-NOTES "Quiescence and liveness"): from a
//! state, stop the environment (no source events, no clock ticks) and every fault, then run
//! the engine's canonical fair schedule deterministically: finish every in-progress step
//! (scheduler cycle, tasks, CM work, broker cache), then fire the sweep and start a new
//! scheduler cycle, and repeat, until a whole round changes nothing (a fixpoint) or the step
//! budget runs out. Every armed timer fires and every runnable task completes, so a
//! fixpoint is a state the real engine converges to under any fair schedule that lets its
//! timers fire, as long as no further faults or events occur.
//!
//! What this proves, exactly: for every state the checker reaches, *this one* fair
//! continuation converges within the budget and the quiescence properties hold at its end.
//! It does not prove that every fair continuation converges to the same fixpoint.

use crate::config::{Config, FaultBudget, Timing};
use crate::world::{Action, NoEntropy, World};

/// Engine steps before the settle gives up.
pub const STEPS_MAX: u32 = 20_000;

/// Scheduler steps one settle cycle may take before the settle gives up. A cycle of the
/// modelled engine plans at most `maxTasksPerBatch` tasks per mode over a handful of
/// buckets: measured in session 12, none is longer than 40 steps on any shipped
/// configuration under `pre`, `post` and `post-fixed`, on `ci-family` shard 1/8, or on
/// sweep seeds 0..300. An engine edit that makes one cycle plan forever would otherwise
/// cost `STEPS_MAX` steps, each cloning an ever longer job list, in every settle.
pub const CYCLE_STEPS_MAX: u32 = 1_000;

/// The outcome of settling a state.
#[derive(Clone, Debug)]
pub struct Settled {
    pub world: World,
    pub steps: u32,
    pub converged: bool,
    /// When not converged: the last actions taken (what is still active).
    pub still_active: Vec<Action>,
}

/// The configuration the settle runs under: abstract timers (all due), no faults.
pub fn settle_config(config: &Config) -> Config {
    Config {
        timing: Timing::Abstract,
        faults: FaultBudget::default(),
        clock_ticks_max: 0,
        script: Vec::new(),
        menu: Vec::new(),
        menu_budget: 0,
        ..config.clone()
    }
}

fn is_periodic_start(action: &Action) -> bool {
    matches!(
        action,
        Action::SchedulerReadWatermark { .. } | Action::ConsistencyManagerSweep { .. }
    )
}

fn engine_step_wanted(action: &Action) -> bool {
    !action.is_environment() && !action.is_fault() && !is_periodic_start(action)
}

/// Settles `world` under `settle_config` (see the module doc).
pub fn settle(settle_config: &Config, world: &World) -> Settled {
    settle_recorded(settle_config, world, &mut None, &mut |_| false)
        .expect("a hook that never stops lets the settle finish")
}

/// [`settle`] with a hook called with every world on the schedule's path: when it returns
/// true (the caller already knows that world's result), the settle stops and returns
/// `None`. The schedule is memoryless, so a caller can memoise settles by state (the
/// checker does; see `sim/src/checker`). With a memo the step budget is counted from the
/// memoised state on, not from `world`.
pub fn settle_until(
    settle_config: &Config,
    world: &World,
    known: &mut dyn FnMut(&World) -> bool,
) -> Option<Settled> {
    settle_recorded(settle_config, world, &mut None, known)
}

/// [`settle`], also returning every step it took (for traces).
pub fn settle_traced(settle_config: &Config, world: &World) -> (Settled, Vec<Action>) {
    let mut taken = Some(Vec::new());
    let settled = settle_recorded(settle_config, world, &mut taken, &mut |_| false)
        .expect("a hook that never stops lets the settle finish");
    (settled, taken.unwrap_or_default())
}

fn settle_recorded(
    settle_config: &Config,
    world: &World,
    taken: &mut Option<Vec<Action>>,
    known: &mut dyn FnMut(&World) -> bool,
) -> Option<Settled> {
    if known(world) {
        return None;
    }
    let mut world = world.clone();
    let mut steps = 0u32;
    let mut actions = Vec::new();
    let mut recent: Vec<Action> = Vec::new();
    let record = |taken: &mut Option<Vec<Action>>, recent: &mut Vec<Action>, action: &Action| {
        if let Some(taken) = taken.as_mut() {
            taken.push(action.clone());
        }
        if recent.len() >= 32 {
            recent.remove(0);
        }
        recent.push(action.clone());
    };
    loop {
        if steps > 0 && known(&world) {
            return None;
        }
        // A step of the model panicked (`Ghost::model_panic`, before or during this
        // settle): no fixpoint, and `settles` reports it as `model-panic`.
        if world.ghost.model_panic.is_some() || steps >= STEPS_MAX {
            return Some(Settled {
                world,
                steps,
                converged: false,
                still_active: recent,
            });
        }
        actions.clear();
        world.actions(settle_config, &mut actions);
        // 1. Finish in-progress work: the first pending engine step in action order.
        if let Some(action) = actions
            .iter()
            .find(|action| engine_step_wanted(action))
            .cloned()
        {
            world.step(settle_config, &action, &mut NoEntropy);
            record(taken, &mut recent, &action);
            steps += 1;
            continue;
        }
        // 2. Idle: a sweep that finds a stranded bucket.
        let sweep = actions
            .iter()
            .find(|action| {
                matches!(action, Action::ConsistencyManagerSweep { .. }) && !action.is_fault()
            })
            .cloned();
        if let Some(sweep) = sweep {
            let mut probe = world.clone();
            probe.step(settle_config, &sweep, &mut NoEntropy);
            if probe.consistency.work.is_some() || probe.ghost.model_panic.is_some() {
                world = probe;
                record(taken, &mut recent, &sweep);
                steps += 1;
                continue;
            }
        }
        // 3. Idle: one whole scheduler cycle; a cycle that changes nothing is the fixpoint.
        // The cycle gets at most CYCLE_STEPS_MAX steps: a scheduler whose cycle never ends
        // (an edit that makes it plan forever) is a settle with no fixpoint, not a hang
        // that no `--timeout` can interrupt (the checker judges this inside a property,
        // between two of its own timeout checks).
        let budget = CYCLE_STEPS_MAX.min(STEPS_MAX - steps);
        let (probe, cycle) = run_scheduler_cycle(settle_config, &world, budget);
        if cycle.len() as u32 >= budget && !probe.scheduler.is_idle() {
            let start = cycle.len().saturating_sub(32);
            return Some(Settled {
                world: probe,
                steps: steps + cycle.len() as u32,
                converged: false,
                still_active: cycle[start..].to_vec(),
            });
        }
        if cycle.is_empty() || same_engine_state(&probe, &world) {
            return Some(Settled {
                world,
                steps,
                converged: true,
                still_active: Vec::new(),
            });
        }
        for action in &cycle {
            record(taken, &mut recent, action);
        }
        steps += cycle.len() as u32;
        world = probe;
    }
}

/// Runs one scheduler cycle from an idle engine to its end (the scheduler's steps only),
/// or until it has taken `budget` steps.
fn run_scheduler_cycle(settle_config: &Config, world: &World, budget: u32) -> (World, Vec<Action>) {
    let mut probe = world.clone();
    let mut taken = Vec::new();
    let mut actions = Vec::new();
    while (taken.len() as u32) < budget {
        actions.clear();
        probe.actions(settle_config, &mut actions);
        let next = actions
            .iter()
            .find(|action| action.actor() == crate::world::Actor::Scheduler && !action.is_fault())
            .cloned();
        let Some(action) = next else {
            break;
        };
        probe.step(settle_config, &action, &mut NoEntropy);
        taken.push(action);
        if probe.scheduler.is_idle() {
            break;
        }
    }
    (probe, taken)
}

/// Equal apart from ghost history.
fn same_engine_state(left: &World, right: &World) -> bool {
    left.register == right.register
        && left.jobs == right.jobs
        && left.failed_commits == right.failed_commits
        && left.scheduler == right.scheduler
        && left.consistency == right.consistency
        && left.mv_data == right.mv_data
        && left.broker == right.broker
        && left.ghost.model_panic == right.ghost.model_panic
}
