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

/// Rounds before the settle gives up (each round = drain, sweep, one scheduler cycle).
pub const ROUNDS_MAX: u32 = 64;
/// Engine steps before the settle gives up.
pub const STEPS_MAX: u32 = 20_000;

/// The outcome of settling a state.
#[derive(Clone, Debug)]
pub struct Settled {
    pub world: World,
    pub steps: u32,
    pub converged: bool,
    /// When not converged: the actions of the last round (what is still pending).
    pub still_active: Vec<Action>,
}

/// The configuration the settle runs under: abstract timers (all due), no faults.
pub fn settle_config(config: &Config) -> Config {
    Config {
        timing: Timing::Abstract,
        faults: FaultBudget::default(),
        clock_ticks_max: 0,
        script: Vec::new(),
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
    settle_recorded(settle_config, world, &mut None)
}

/// [`settle`], also returning every step it took (for traces).
pub fn settle_traced(settle_config: &Config, world: &World) -> (Settled, Vec<Action>) {
    let mut taken = Some(Vec::new());
    let settled = settle_recorded(settle_config, world, &mut taken);
    (settled, taken.unwrap_or_default())
}

fn settle_recorded(
    settle_config: &Config,
    world: &World,
    taken: &mut Option<Vec<Action>>,
) -> Settled {
    let mut world = world.clone();
    let mut steps = 0u32;
    let mut actions = Vec::new();
    let mut last_round = Vec::new();
    for _ in 0..ROUNDS_MAX {
        let start = world.clone();
        last_round.clear();
        for periodic in [None, Some(true), Some(false)] {
            if let Some(sweep) = periodic {
                actions.clear();
                world.actions(settle_config, &mut actions);
                let wanted = actions.iter().find(|action| {
                    is_periodic_start(action)
                        && !action.is_fault()
                        && matches!(action, Action::ConsistencyManagerSweep { .. }) == sweep
                });
                if let Some(action) = wanted.cloned() {
                    world.step(settle_config, &action, &mut NoEntropy);
                    if let Some(taken) = taken.as_mut() {
                        taken.push(action.clone());
                    }
                    last_round.push(action);
                    steps += 1;
                }
            }
            loop {
                actions.clear();
                world.actions(settle_config, &mut actions);
                let Some(action) = actions
                    .iter()
                    .find(|action| engine_step_wanted(action))
                    .cloned()
                else {
                    break;
                };
                world.step(settle_config, &action, &mut NoEntropy);
                if let Some(taken) = taken.as_mut() {
                    taken.push(action.clone());
                }
                last_round.push(action);
                steps += 1;
                if steps >= STEPS_MAX {
                    return Settled {
                        world,
                        steps,
                        converged: false,
                        still_active: last_round,
                    };
                }
            }
        }
        if same_engine_state(&start, &world) {
            return Settled {
                world,
                steps,
                converged: true,
                still_active: Vec::new(),
            };
        }
    }
    Settled {
        world,
        steps,
        converged: false,
        still_active: last_round,
    }
}

/// Equal apart from ghost history.
fn same_engine_state(left: &World, right: &World) -> bool {
    left.register == right.register
        && left.jobs == right.jobs
        && left.scheduler == right.scheduler
        && left.consistency == right.consistency
        && left.mv_data == right.mv_data
        && left.broker == right.broker
}
