//! Partial-order reduction: the one step the exhaustive checker may explore alone.
//!
//! At a state where one enabled step is *local* (it reads only the source, which can no
//! longer change, and its own actor's private state, and writes only that private state),
//! exploring that step alone loses no reachable violation, signature, `sometimes` or
//! quiescent verdict: every other enabled step commutes with it, and no property can tell
//! whether it has run yet except through its own actor's private state. This is the
//! ample-set reduction of Peled (1994) and Godefroid's persistent sets with singleton
//! ample sets; the conditions, stated on this model, and why each holds, are in
//! docs/por.md. A state offers one [`ample`] step or none (then every enabled step is
//! explored, as without reduction).
//!
//! Only these steps are ever local, each on a read of the source and its own state:
//! - `ExecutorRunQuery` (EX:193-266): V1 and the query, when the source still matches
//!   (`Prepared` to `Queried`);
//! - `ExecutorRecheckSource` (fix-f1's V5 after EX:515-530), when it starts the
//!   `markStale` (`Committed` to `Committing`);
//! - `SchedulerHandleStale` (SCH:355-416), when it starts a revert or goes on to the
//!   APPEND start (no job submitted);
//! - `SchedulerBuildAppend` (SCH:288-342), an iteration that plans a window (no job
//!   submitted, the cycle not ended);
//! - `SchedulerRecheckRevert` (fix-f10's re-read after SCH:401-403).
//!
//! Every condition is checked here, at the state, before the step is offered alone: the
//! static ones (the environment has finished, no fault that touches the step's actor is
//! left in the budget) from the state and the configuration, the step's locality by
//! applying it and comparing the whole state outside the actor's private part
//! ([`ample`]).

use crate::config::{Config, Timing};
use crate::scheduler::SchedulerPhase;
use crate::world::{Action, NoEntropy, TaskRef, World};

/// Can the environment change anything from here on? No scripted event is left, the
/// menu's budget is spent (or every entry fired) and no retention delete is half done.
/// Once false it stays false: only environment steps move the cursor, the menu bits and
/// `source_removing`.
pub fn environment_finished(config: &Config, world: &World) -> bool {
    usize::from(world.script_cursor) >= config.script.len()
        && (world.menu_fired.count_ones() >= u32::from(config.menu_budget)
            || world.menu_fired.count_ones() as usize >= config.menu.len())
        && world.source_removing.is_empty()
}

/// Which actor's private state a local step may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Task(TaskRef),
    Scheduler,
}

fn candidate(action: &Action) -> Option<Owner> {
    match action {
        Action::ExecutorRunQuery { task } | Action::ExecutorRecheckSource { task } => {
            Some(Owner::Task(*task))
        }
        Action::SchedulerHandleStale
        | Action::SchedulerBuildAppend
        | Action::SchedulerRecheckRevert => Some(Owner::Scheduler),
        _ => None,
    }
}

/// The static half: can any step that writes what the candidate reads, or disables it,
/// still happen? Source steps are excluded by [`environment_finished`]; a task can still
/// be failed (`ExecutorFailTask` ends it) while the failure budget lasts; the scheduler's
/// cycle is reset by a controller failover and moved by a leadership change while their
/// budgets last.
fn no_interfering_fault(config: &Config, world: &World, owner: Owner) -> bool {
    let used = &world.faults_used;
    let budget = &config.faults;
    match owner {
        Owner::Task(_) => used.task_failures >= budget.task_failures,
        Owner::Scheduler => {
            used.controller_failovers >= budget.controller_failovers
                && used.leadership_changes >= budget.leadership_changes
        }
    }
}

/// The dynamic half: applied to this state, the step changes nothing outside its actor's
/// private part, sets no ghost bit of any kind, does not end its task, and leaves the
/// scheduler's cycle running.
fn is_local(config: &Config, world: &World, action: &Action, owner: Owner) -> bool {
    let next = world.next(config, action, &mut NoEntropy);
    let ghost = &next.ghost;
    if ghost.violations != 0
        || ghost.reached != 0
        || ghost.violation_detail != 0
        || ghost.outcome_detail != 0
        || ghost.unchanged_write_detail != 0
        || ghost.precondition_detail != 0
        || ghost.witnessed.0 != 0
        || ghost.model_panic.is_some()
    {
        return false;
    }
    let mut probe = next;
    match owner {
        Owner::Task(task) => {
            let (Some(before), Some(after)) = (task_of(world, task), task_of(&probe, task)) else {
                return false;
            };
            if after.is_finished()
                || after.config != before.config
                || after.timed_out != before.timed_out
                || after.lineage_from != before.lineage_from
                || probe.jobs.len() != world.jobs.len()
            {
                return false;
            }
            let restored = before.phase.clone();
            let jobs = probe.jobs.make_mut();
            jobs[usize::from(task.job)].tasks[usize::from(task.task)].phase = restored;
        }
        Owner::Scheduler => {
            if probe.scheduler.phase == SchedulerPhase::Idle
                || probe.scheduler.next_cycle_ms != world.scheduler.next_cycle_ms
            {
                return false;
            }
            probe.scheduler.phase = world.scheduler.phase.clone();
        }
    }
    // The per-step ghost fields of `world` are its producing step's; compare the rest.
    probe.ghost.violations = world.ghost.violations;
    probe.ghost.reached = world.ghost.reached;
    probe.ghost.violation_detail = world.ghost.violation_detail;
    probe.ghost.outcome_detail = world.ghost.outcome_detail;
    probe.ghost.unchanged_write_detail = world.ghost.unchanged_write_detail;
    probe.ghost.precondition_detail = world.ghost.precondition_detail;
    probe == *world
}

fn task_of(world: &World, task: TaskRef) -> Option<&crate::executor::Task> {
    world
        .jobs
        .get(usize::from(task.job))?
        .tasks
        .get(usize::from(task.task))
}

/// The index in `actions` (the state's enabled steps, [`World::actions`]) of a step the
/// checker may explore alone, or `None` to explore every step. The first local step in
/// action order is chosen, so the choice is a function of the state.
pub fn ample(config: &Config, world: &World, actions: &[Action]) -> Option<usize> {
    if config.timing != Timing::Abstract
        || world.ghost.model_panic.is_some()
        || actions.len() < 2
        || !environment_finished(config, world)
    {
        return None;
    }
    actions.iter().position(|action| {
        candidate(action).is_some_and(|owner| {
            no_interfering_fault(config, world, owner) && is_local(config, world, action, owner)
        })
    })
}
