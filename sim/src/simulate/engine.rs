//! The run loop shared by seeded runs and replays: apply a step, check every property,
//! then (after the workload phase) heal and settle.
//!
//! A seeded run ([`run_seeded`]) picks each step with the run stream: one of the enabled
//! engine actions (uniformly; a broker cache refresh only once its drawn lag has passed) or
//! the workload's next source event when it is due; a picked step may be replaced by one of
//! its fault variants with the drawn fault rates. After the step the clock moves by a drawn
//! delay; when nothing is enabled it jumps to the next timer (scheduler cycle, debounce,
//! sweep, CAS back-off, broker lag, workload event). A replay ([`replay`]) applies recorded
//! steps at their recorded times with their recorded jitter draws.
//!
//! Both then run the same deterministic healing phase (no faults, no new source events;
//! the first enabled engine step in `actions()` order, zero jitter, the clock jumping to the
//! next timer when nothing is enabled) until the engine is calm after at least one sweep
//! interval, or a bound; then `quiescence::settle` and the `Quiescent` properties.

use super::params::SimParams;
use super::rng::{RecordingEntropy, ReplayEntropy, SimRng};
use super::workload::Workload;
use mvsim_model::config::FaultBudget;
use mvsim_model::executor::{TaskMode, TaskPhase};
use mvsim_model::properties::{self, Check, Expectation, Property};
use mvsim_model::quiescence::{self, Settled};
use mvsim_model::register::RegisterFault;
use mvsim_model::scheduler::SchedulerPhase;
use mvsim_model::signature::{self, Signature};
use mvsim_model::{Action, Config, Entropy, NoEntropy, TaskRef, World};
use serde::{Deserialize, Serialize};

/// Healing-phase step budget.
pub const HEAL_STEPS_MAX: usize = 200_000;

/// The event kinds a run is classified by (docs/simulator-workloads.md): bit `i` of
/// [`RunOutcome::events`] says kind `EVENT_KINDS[i]` occurred in the run. The sweep
/// summary counts, per kind, the runs where it occurred.
pub const EVENT_KINDS: [&str; 10] = [
    "upload",
    "timeless-upload",
    "identical-reupload",
    "refresh-new-crc",
    "refresh-restores-crc",
    "delete",
    "all-dated-deleted",
    "change-above-watermark",
    "controller-failover",
    "leadership-change",
];

fn kind_bit(name: &str) -> u16 {
    let index = EVENT_KINDS
        .iter()
        .position(|kind| *kind == name)
        .expect("a listed event kind");
    1 << index
}

/// What happened to the source and the controllers in a run, as [`EVENT_KINDS`] bits.
#[derive(Clone, Debug, Default)]
struct EventLog {
    kinds: u16,
    /// Every crc each segment has had (for "refresh-restores-crc").
    crcs: std::collections::BTreeMap<u16, Vec<i64>>,
}

impl EventLog {
    fn new(world: &World) -> EventLog {
        let mut log = EventLog::default();
        for segment in world.source.iter() {
            log.crcs.entry(segment.id).or_default().push(segment.crc);
        }
        log
    }

    /// Classifies one applied step (`before` is the world it was applied to).
    fn note(&mut self, before: &World, action: &Action, after: &World) {
        let dated = |world: &World| world.source.iter().any(|segment| segment.start_ms >= 0);
        let mut kinds = Vec::new();
        let range = match *action {
            Action::SourceUpload {
                segment,
                start_ms,
                end_ms,
                crc,
            } => {
                let identical = before.source_segment(segment).is_some_and(|old| {
                    old.start_ms == start_ms && old.end_ms == end_ms && old.crc == crc
                });
                kinds.push(if identical {
                    "identical-reupload"
                } else if start_ms < 0 || end_ms < 0 {
                    "timeless-upload"
                } else {
                    "upload"
                });
                self.crcs.entry(segment).or_default().push(crc);
                Some((start_ms, end_ms))
            }
            Action::SourceRefresh { segment, crc } => {
                let old = before.source_segment(segment);
                let history = self.crcs.entry(segment).or_default();
                kinds.push(if old.is_some_and(|old| old.crc == crc) {
                    "identical-reupload"
                } else if history.contains(&crc) {
                    "refresh-restores-crc"
                } else {
                    "refresh-new-crc"
                });
                history.push(crc);
                old.map(|old| (old.start_ms, old.end_ms))
            }
            Action::SourceDeleteNotify { segment } => {
                kinds.push("delete");
                before
                    .source_segment(segment)
                    .map(|old| (old.start_ms, old.end_ms))
            }
            Action::ControllerFailover => {
                kinds.push("controller-failover");
                None
            }
            Action::LeadershipChange => {
                kinds.push("leadership-change");
                None
            }
            _ => None,
        };
        if action.is_environment() && dated(before) && !dated(after) {
            kinds.push("all-dated-deleted");
        }
        if let Some((start_ms, end_ms)) = range {
            let watermark_ms = before.watermark_ms();
            if before.runtime().is_some() && start_ms >= 0 && end_ms >= watermark_ms {
                kinds.push("change-above-watermark");
            }
        }
        for kind in kinds {
            self.kinds |= kind_bit(kind);
        }
    }
}

/// One applied step: when, what, and the jitter draws it consumed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedStep {
    /// Virtual time at which the step ran.
    pub time_ms: i64,
    /// The step.
    pub action: Action,
    /// CAS back-off jitter draws the step consumed, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub draws: Vec<u64>,
    /// For executor steps: the task the step belongs to. Actions name tasks by job index,
    /// which shifts when an earlier job is dropped; a lenient replay re-targets the step to
    /// the running task with this identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskIdentity>,
}

/// What a task is, independent of where Helix keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskIdentity {
    /// APPEND, OVERWRITE or DELETE.
    pub mode: TaskMode,
    /// The task's window start.
    pub window_start_ms: i64,
}

fn task_identity(world: &World, action: &Action) -> Option<TaskIdentity> {
    let task = task_ref(action)?;
    let job = world.jobs.get(usize::from(task.job))?;
    let task = job.tasks.get(usize::from(task.task))?;
    Some(TaskIdentity {
        mode: task.config.mode,
        window_start_ms: task.config.window_start_ms,
    })
}

/// `action` re-pointed at the first unfinished task with `identity`, unless the task it
/// names already has that identity.
fn retarget(world: &World, action: &Action, identity: TaskIdentity) -> Action {
    if task_identity(world, action) == Some(identity) {
        return action.clone();
    }
    let found = world.jobs.iter().enumerate().find_map(|(job_index, job)| {
        job.tasks.iter().enumerate().find_map(|(task_index, task)| {
            let same = task.config.mode == identity.mode
                && task.config.window_start_ms == identity.window_start_ms
                && !task.is_finished();
            same.then_some(TaskRef {
                job: job_index as u8,
                task: task_index as u8,
            })
        })
    });
    match found {
        Some(task) => with_task(action, task),
        None => action.clone(),
    }
}

/// The same executor step for another task.
fn with_task(action: &Action, new_task: TaskRef) -> Action {
    let mut action = action.clone();
    match &mut action {
        Action::ExecutorPreProcess { task, .. }
        | Action::ExecutorRunQuery { task }
        | Action::ExecutorSwapSegments { task }
        | Action::ExecutorDeleteSegments { task }
        | Action::ExecutorValidateCommit { task }
        | Action::ExecutorRecheckSource { task }
        | Action::ExecutorCasRead { task, .. }
        | Action::ExecutorCasWrite { task, .. }
        | Action::ExecutorFailTask { task }
        | Action::HelixTimeoutTask { task } => *task = new_task,
        _ => {}
    }
    action
}

/// Where in a run a property was first seen violated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// During the workload phase.
    Workload,
    /// During the healing phase.
    Heal,
    /// At the settled fixpoint.
    Quiescence,
}

/// A property's first violation in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The property's registry name.
    pub property: String,
    /// Steps applied before the check that failed (the failing step is `step - 1`; at
    /// quiescence, every workload and healing step).
    pub step: usize,
    /// Virtual time of the failing state.
    pub time_ms: i64,
    /// Which phase the failing state belongs to.
    pub phase: Phase,
    /// What the failing state looks like (one line).
    pub detail: String,
    /// For bucket-level quiescent properties: what breaks it, `"<bucket> <kind>"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub defects: Vec<String>,
    /// The signatures of the violation's witnesses (`mvsim_model::signature::witnesses_of`
    /// at the violating state; at the settled state for a quiescent property), in witness
    /// order without repeats: the same vocabulary `mvsim check`'s gate judges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<Signature>,
}

/// The distinct signatures of `property`'s witnesses at `world`, in witness order.
fn signatures_of(config: &Config, property: &'static Property, world: &World) -> Vec<Signature> {
    let mut out: Vec<Signature> = Vec::new();
    for witness in signature::witnesses_of(config, property, world) {
        if !out.contains(&witness.signature) {
            out.push(witness.signature);
        }
    }
    out
}

/// What a run (seeded or replayed) ended with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOutcome {
    /// Workload-phase steps applied.
    pub steps: usize,
    /// Healing-phase steps applied.
    pub heal_steps: usize,
    /// Steps `quiescence::settle` took.
    pub settle_steps: u32,
    /// Virtual time when the run ended (after healing).
    pub end_ms: i64,
    /// When the workload phase ended and healing started.
    pub heal_start_ms: i64,
    /// First violation of each violated property, in the order they were seen.
    pub violations: Vec<Violation>,
    /// `Sometimes` properties reached, as a bit set over `properties::registry()`.
    pub reached: u64,
    /// The workload phase hit its step budget.
    pub limit_hit: bool,
    /// The workload ran out of segment names.
    pub catalog_exhausted: bool,
    /// The run stopped at the target property's violation (no healing).
    pub stopped_early: bool,
    /// The [`EVENT_KINDS`] that occurred, as bits.
    pub events: u16,
}

impl RunOutcome {
    /// The first violation of `property`, if any.
    pub fn violation(&self, property: &str) -> Option<&Violation> {
        self.violations.iter().find(|v| v.property == property)
    }

    /// Names of the [`EVENT_KINDS`] that occurred, in list order.
    pub fn event_names(&self) -> Vec<&'static str> {
        EVENT_KINDS
            .iter()
            .enumerate()
            .filter(|(index, _)| self.events & (1 << index) != 0)
            .map(|(_, kind)| *kind)
            .collect()
    }

    /// Names of the `Sometimes` properties reached.
    pub fn reached_names(&self) -> Vec<&'static str> {
        properties::registry()
            .iter()
            .enumerate()
            .filter(|(index, _)| self.reached & (1 << index) != 0)
            .map(|(_, property)| property.name)
            .collect()
    }
}

type StateCheck = fn(&Config, &World) -> bool;

/// Every property of the registry, checked after every step.
struct Checks {
    always: Vec<(usize, StateCheck)>,
    sometimes: Vec<(usize, StateCheck)>,
    violated: u64,
    reached: u64,
    violations: Vec<Violation>,
}

impl Checks {
    fn new() -> Checks {
        let registry = properties::registry();
        assert!(registry.len() <= 64, "property bit sets are u64");
        let state_checks = |wanted: Expectation| {
            registry
                .iter()
                .enumerate()
                .filter(|(_, property)| property.expectation == wanted)
                .filter_map(|(index, property)| match property.check {
                    Check::State(check) => Some((index, check)),
                    Check::Settled(_) => None,
                })
                .collect()
        };
        Checks {
            always: state_checks(Expectation::Always),
            sometimes: state_checks(Expectation::Sometimes),
            violated: 0,
            reached: 0,
            violations: Vec::new(),
        }
    }

    fn after_step(&mut self, config: &Config, world: &World, step: usize, phase: Phase) {
        for &(index, check) in &self.always {
            if self.violated & (1 << index) == 0 && !check(config, world) {
                self.violated |= 1 << index;
                let property = &properties::registry()[index];
                let name = property.name;
                self.violations.push(Violation {
                    property: name.to_string(),
                    step,
                    time_ms: world.now_ms,
                    phase,
                    detail: super::describe::state_detail(name, config, world),
                    defects: Vec::new(),
                    signatures: signatures_of(config, property, world),
                });
            }
        }
        for &(index, check) in &self.sometimes {
            if self.reached & (1 << index) == 0 && check(config, world) {
                self.reached |= 1 << index;
            }
        }
    }

    /// The `Quiescent` properties on the settled state; only `settles` when it did not.
    fn quiescent(&mut self, config: &Config, settled: &Settled, step: usize) {
        for (index, property) in properties::registry().iter().enumerate() {
            let Check::Settled(check) = property.check else {
                continue;
            };
            if property.name != "settles" && !settled.converged {
                continue;
            }
            if self.violated & (1 << index) == 0 && !check(config, settled) {
                self.violated |= 1 << index;
                self.violations.push(Violation {
                    property: property.name.to_string(),
                    step,
                    time_ms: settled.world.now_ms,
                    phase: Phase::Quiescence,
                    detail: super::describe::settled_detail(property.name, config, settled),
                    defects: super::describe::defects(property.name, config, settled),
                    signatures: signatures_of(config, property, &settled.world),
                });
            }
        }
    }

    fn is_violated(&self, property: &str) -> bool {
        self.violations.iter().any(|v| v.property == property)
    }
}

/// A trace sink: called with the world before and after every applied step.
pub type Tracer<'a> = &'a mut dyn FnMut(usize, &World, &Action, &World);

/// The world, its configuration and the checks: what seeded runs and replays share.
struct Driver<'a, 't> {
    config: &'a Config,
    params: &'a SimParams,
    world: World,
    actions: Vec<Action>,
    checks: Checks,
    steps: usize,
    /// Stop as soon as this property is violated (shrinking and trace display).
    stop_at: Option<&'a str>,
    tracer: Option<Tracer<'t>>,
    events: EventLog,
}

impl<'a, 't> Driver<'a, 't> {
    fn new(config: &'a Config, params: &'a SimParams) -> Driver<'a, 't> {
        let world = World::initial(config);
        Driver {
            config,
            params,
            events: EventLog::new(&world),
            world,
            actions: Vec::with_capacity(64),
            checks: Checks::new(),
            steps: 0,
            stop_at: None,
            tracer: None,
        }
    }

    fn apply(&mut self, action: &Action, entropy: &mut dyn Entropy, phase: Phase) {
        let classify = action.is_environment()
            || matches!(
                action,
                Action::ControllerFailover | Action::LeadershipChange
            );
        let before = (self.tracer.is_some() || classify).then(|| self.world.clone());
        self.world.step(self.config, action, entropy);
        if let (true, Some(before)) = (classify, before.as_ref()) {
            self.events.note(before, action, &self.world);
        }
        if action.is_fault() {
            // Unlimited faults: the model offers a fault variant while its count is below
            // the budget (`u8::MAX` for every kind the run draws), so a count that reaches
            // it is held one below. Counts never fall, so they still bound what the run's
            // faults left in the state (`faults_within_budget`).
            hold_budgets_open(&mut self.world.faults_used, &self.config.faults);
        }
        if let (Some(tracer), Some(before)) = (self.tracer.as_mut(), before.as_ref()) {
            tracer(self.steps, before, action, &self.world);
        }
        self.steps += 1;
        if self.world.ghost.model_panic.is_some() {
            // The model panicked in this step: the world is what it left half done, so
            // no `always` judges it; the run's settle reports `settles | model-panic`.
            return;
        }
        self.checks
            .after_step(self.config, &self.world, self.steps, phase);
    }

    fn stopped(&self) -> bool {
        self.stop_at
            .is_some_and(|property| self.checks.is_violated(property))
    }

    fn refresh_actions(&mut self) {
        self.actions.clear();
        self.world.actions(self.config, &mut self.actions);
    }

    /// Is a recorded step enabled now? Source events are checked against the source and
    /// the catalog; every other step must be one `actions()` offers.
    fn enabled(&mut self, action: &Action) -> bool {
        match action {
            Action::SourceUpload { segment, .. }
            | Action::SourceRefresh { segment, .. }
            | Action::SourceDeleteNotify { segment } => {
                usize::from(*segment) < self.config.catalog.len()
                    && self.world.source_action_enabled(action)
            }
            _ => {
                self.refresh_actions();
                self.actions.contains(action)
            }
        }
    }

    /// The next time a timer fires, strictly after now.
    fn next_engine_due_ms(&self) -> Option<i64> {
        next_engine_due_ms(&self.world, self.config).filter(|due| *due > self.world.now_ms)
    }

    fn calm(&self) -> bool {
        let world = &self.world;
        world.engine_idle()
            && world.source_removing.is_empty()
            && world.broker.cache_watermark_ms == world.watermark_ms()
            && world
                .runtime()
                .is_none_or(|runtime| runtime.partitions.values().all(|info| info.is_valid()))
    }

    /// The deterministic healing phase (module doc).
    fn heal(&mut self) -> usize {
        let params = self.params;
        let start_ms = self.world.now_ms;
        let calm_after_ms = start_ms
            + self.config.sweep_interval_ms
            + self.config.debounce_ms
            + params.scheduler_period_ms;
        let buckets = self.world.runtime().map_or(0, |r| r.partitions.len()) as i64;
        let give_up_ms = calm_after_ms + (buckets + 8) * params.scheduler_period_ms;
        let mut steps = 0;
        while steps < HEAL_STEPS_MAX
            && self.world.now_ms < give_up_ms
            && !self.stopped()
            && self.world.ghost.model_panic.is_none()
        {
            self.refresh_actions();
            let wanted = self.actions.iter().find(|action| {
                !action.is_fault()
                    && (!action.is_environment()
                        || matches!(action, Action::SourceDeleteRemove { .. }))
            });
            if let Some(action) = wanted.cloned() {
                self.apply(&action, &mut NoEntropy, Phase::Heal);
                steps += 1;
                continue;
            }
            if self.world.now_ms >= calm_after_ms && self.calm() {
                break;
            }
            match self.next_engine_due_ms() {
                Some(due_ms) => self.world.now_ms = due_ms.min(give_up_ms),
                None => break,
            }
        }
        steps
    }

    /// Heals, settles and checks the quiescent properties; returns the outcome.
    fn finish(mut self, mut outcome: RunOutcome) -> RunOutcome {
        outcome.steps = self.steps;
        outcome.heal_start_ms = self.world.now_ms;
        if !self.stopped() {
            outcome.heal_steps = self.heal();
        }
        if self.stopped() {
            outcome.stopped_early = true;
        } else {
            let settle_config = quiescence::settle_config(self.config);
            let settled = quiescence::settle(&settle_config, &self.world);
            outcome.settle_steps = settled.steps;
            self.checks.quiescent(self.config, &settled, self.steps);
        }
        outcome.end_ms = self.world.now_ms;
        outcome.events = self.events.kinds;
        outcome.violations = self.checks.violations;
        outcome.reached = self.checks.reached;
        outcome
    }
}

/// The earliest armed timer of the engine (scheduler cycle or revert back-off, task CAS
/// back-offs, debounce, sweep, CM CAS back-off), whether or not it is already due.
pub fn next_engine_due_ms(world: &World, config: &Config) -> Option<i64> {
    let mut due: Option<i64> = None;
    let mut consider = |time_ms: i64| due = Some(due.map_or(time_ms, |d| d.min(time_ms)));
    match &world.scheduler.phase {
        SchedulerPhase::Idle => consider(world.scheduler.next_cycle_ms),
        SchedulerPhase::Reverting(_, op) => consider(op.wake_ms),
        _ => {}
    }
    for task in world.jobs.iter().flat_map(|job| &job.tasks) {
        if let TaskPhase::Committing(op) = &task.phase {
            consider(op.wake_ms);
        }
    }
    let cm = &world.consistency;
    match &cm.work {
        Some(work) => consider(work.op.wake_ms),
        None => {
            if cm.pending.is_some() {
                consider(cm.timer_due_ms);
            }
            if config.profile.is_post() && config.profile.empty_sweep {
                consider(cm.sweep_due_ms);
            }
        }
    }
    due
}

/// Holds every fault count whose budget is unlimited (`u8::MAX`, as `SimParams` sets for
/// each kind a run draws) one below it, so the model keeps offering that fault.
fn hold_budgets_open(used: &mut FaultBudget, budget: &FaultBudget) {
    for (used, budget) in used.counts_mut().into_iter().zip(budget.counts()) {
        if budget == u8::MAX && *used == u8::MAX {
            *used = u8::MAX - 1;
        }
    }
}

/// The task an executor step (fault steps included) acts on.
fn task_ref(action: &Action) -> Option<TaskRef> {
    match *action {
        Action::ExecutorFailTask { task } | Action::HelixTimeoutTask { task } => Some(task),
        _ => task_of(action),
    }
}

/// The task of an executor work step (not the fault steps).
fn task_of(action: &Action) -> Option<TaskRef> {
    match *action {
        Action::ExecutorPreProcess { task, .. }
        | Action::ExecutorRunQuery { task }
        | Action::ExecutorSwapSegments { task }
        | Action::ExecutorDeleteSegments { task }
        | Action::ExecutorValidateCommit { task }
        | Action::ExecutorRecheckSource { task }
        | Action::ExecutorCasRead { task, .. }
        | Action::ExecutorCasWrite { task, .. } => Some(task),
        _ => None,
    }
}

/// A seeded run in progress.
struct Seeded<'a> {
    driver: Driver<'a, 'a>,
    rng: SimRng,
    workload: Workload,
    /// When the broker's cache may apply the pending znode change.
    broker_ready_ms: Option<i64>,
    draws: Vec<u64>,
    recording: Option<Vec<RecordedStep>>,
    /// The controller failover's timer.
    failover: ControllerTimer,
    /// The leadership change's timer.
    leadership: ControllerTimer,
}

/// A timed controller fault (a failover, a leadership change): its own stream, from which
/// only this timer draws, and when it is next due (`None`: off).
struct ControllerTimer {
    action: Action,
    rng: SimRng,
    due_ms: Option<i64>,
}

impl ControllerTimer {
    fn new(action: Action, rng: SimRng) -> ControllerTimer {
        ControllerTimer {
            action,
            rng,
            due_ms: None,
        }
    }

    /// Re-arms the timer `U[1, 2 * mean]` ms after `now_ms` (off when the mean is 0).
    fn rearm(&mut self, now_ms: i64, mean_ms: i64) {
        self.due_ms = (mean_ms > 0).then(|| now_ms + self.rng.between(1, 2 * mean_ms));
    }
}

impl Seeded<'_> {
    /// The mean interval of a controller timer's fault.
    fn mean_ms(&self, leadership: bool) -> i64 {
        let faults = &self.driver.params.faults;
        if leadership {
            faults.leadership_change_mean_ms
        } else {
            faults.controller_failover_mean_ms
        }
    }

    /// Re-arms both controller timers from now.
    fn rearm_controller_timers(&mut self) {
        let now_ms = self.driver.world.now_ms;
        let (failover, leadership) = (self.mean_ms(false), self.mean_ms(true));
        self.failover.rearm(now_ms, failover);
        self.leadership.rearm(now_ms, leadership);
    }

    /// A due controller fault that `World::actions` offers now (a failover only where it
    /// loses something; a leadership change only mid-cycle with no old lead running):
    /// apply it and re-arm its timer. A due fault waits for such a step.
    fn try_controller_fault(&mut self, leadership: bool) -> bool {
        let now_ms = self.driver.world.now_ms;
        let timer = if leadership {
            &self.leadership
        } else {
            &self.failover
        };
        let due = timer.due_ms.is_some_and(|due| due <= now_ms);
        if !due || !self.driver.actions.contains(&timer.action) {
            return false;
        }
        let action = timer.action.clone();
        self.apply(action);
        let (now_ms, mean_ms) = (self.driver.world.now_ms, self.mean_ms(leadership));
        let timer = if leadership {
            &mut self.leadership
        } else {
            &mut self.failover
        };
        timer.rearm(now_ms, mean_ms);
        true
    }

    /// Updates the broker lag; true while a pending cache refresh must still wait.
    fn broker_lagging(&mut self) -> bool {
        let now_ms = self.driver.world.now_ms;
        let pending = self.driver.actions.contains(&Action::BrokerRefreshCache);
        if !pending {
            self.broker_ready_ms = None;
            return false;
        }
        let lag_max_ms = self.driver.params.broker_lag_ms_max;
        let ready_ms = *self.broker_ready_ms.get_or_insert_with(|| {
            if lag_max_ms > 0 {
                now_ms + self.rng.between(0, lag_max_ms)
            } else {
                now_ms
            }
        });
        now_ms < ready_ms
    }

    /// May the seeded run pick this enabled action (not a fault variant, not a lagging
    /// broker refresh)?
    fn eligible(action: &Action, lagging: bool) -> bool {
        let waiting = lagging && *action == Action::BrokerRefreshCache;
        !action.is_fault() && !waiting
    }

    /// `base`, or one of its fault variants that `actions()` offers, by the fault rates.
    fn with_fault(&mut self, base: Action) -> Action {
        let faults = self.driver.params.faults;
        if !faults.any() {
            return base;
        }
        let mut candidates: [Option<Action>; 2] = [None, None];
        if base.is_register_write() {
            if self.rng.chance(faults.transient_write) {
                candidates[0] = Some(base.with_register_fault(RegisterFault::Transient));
            } else if self.rng.chance(faults.lost_ack) {
                candidates[0] = Some(base.with_register_fault(RegisterFault::LostAck));
            }
        } else if base.is_register_read() && self.rng.chance(faults.transient_read) {
            candidates[0] = Some(base.with_register_fault(RegisterFault::Transient));
        }
        if let Some(task) = task_of(&base) {
            if self.rng.chance(faults.task_failure) {
                candidates[1] = Some(Action::ExecutorFailTask { task });
            } else if self.rng.chance(faults.helix_timeout) {
                candidates[1] = Some(Action::HelixTimeoutTask { task });
            }
        }
        candidates
            .into_iter()
            .flatten()
            .find(|fault| self.driver.actions.contains(fault))
            .unwrap_or(base)
    }

    fn delay_after(&mut self, action: &Action) -> i64 {
        let delays = self.driver.params.delays;
        let max_ms = if self.rng.chance(delays.slow) {
            delays.slow_ms_max
        } else if matches!(
            action,
            Action::ExecutorRunQuery { .. } | Action::ExecutorSwapSegments { .. }
        ) {
            delays.query_ms_max
        } else {
            delays.op_ms_max
        };
        if max_ms > 0 {
            self.rng.between(0, max_ms)
        } else {
            0
        }
    }

    fn apply(&mut self, action: Action) {
        let time_ms = self.driver.world.now_ms;
        let task = if self.recording.is_some() {
            task_identity(&self.driver.world, &action)
        } else {
            None
        };
        self.draws.clear();
        let mut entropy = RecordingEntropy {
            rng: &mut self.rng,
            draws: &mut self.draws,
        };
        self.driver.apply(&action, &mut entropy, Phase::Workload);
        let delay_ms = self.delay_after(&action);
        self.driver.world.now_ms += delay_ms;
        if let Some(recording) = self.recording.as_mut() {
            recording.push(RecordedStep {
                time_ms,
                action,
                draws: self.draws.clone(),
                task,
            });
        }
    }

    /// Nothing is enabled: jump to the next timer, workload event or broker refresh.
    fn jump(&mut self) {
        let now_ms = self.driver.world.now_ms;
        let candidates = [
            self.driver.next_engine_due_ms(),
            Some(self.workload.next_due_ms()).filter(|due| *due > now_ms && *due < i64::MAX),
            self.broker_ready_ms.filter(|due| *due > now_ms),
        ];
        let next_ms = candidates.into_iter().flatten().min();
        self.driver.world.now_ms =
            next_ms.unwrap_or(now_ms + self.driver.params.scheduler_period_ms);
    }

    /// One iteration of the workload phase.
    fn iterate(&mut self) {
        self.driver.refresh_actions();
        if self.try_controller_fault(false) || self.try_controller_fault(true) {
            return;
        }
        let lagging = self.broker_lagging();
        let engine_count = self
            .driver
            .actions
            .iter()
            .filter(|action| Self::eligible(action, lagging))
            .count();
        let source_due = self.workload.next_due_ms() <= self.driver.world.now_ms;
        let total = engine_count + usize::from(source_due);
        if total == 0 {
            self.jump();
            return;
        }
        let pick = self.rng.below(total as u64) as usize;
        if pick == engine_count {
            match self.workload.next_action(&self.driver.world) {
                Some(action) if self.driver.enabled(&action) => self.apply(action),
                _ => {}
            }
            return;
        }
        let base = self
            .driver
            .actions
            .iter()
            .filter(|action| Self::eligible(action, lagging))
            .nth(pick)
            .cloned()
            .expect("pick < engine_count");
        let action = self.with_fault(base);
        self.apply(action);
    }
}

/// A seeded run: its outcome and, when asked for, every applied step.
pub struct SeededResult {
    /// What the run ended with.
    pub outcome: RunOutcome,
    /// Every applied workload step, when recorded.
    pub steps: Option<Vec<RecordedStep>>,
    /// The observer ended the workload phase early (SIGINT).
    pub interrupted: bool,
}

/// Watches a seeded run's workload phase every [`OBSERVE_EVERY_STEPS`] steps with
/// `(steps so far, virtual now_ms)`; returning false ends the workload phase there (healing
/// and settling still run, so the run's trace replays exactly). It sees the run, never
/// changes it: a run it does not stop is the same run.
pub type Observer<'a> = &'a mut dyn FnMut(u64, i64) -> bool;

/// How often an [`Observer`] is called.
pub const OBSERVE_EVERY_STEPS: u64 = 4096;

/// The streams a seeded run draws its steps and its controller timers from.
pub struct TimerStreams {
    /// Step choice, faults and delays.
    pub run: SimRng,
    /// Only the controller-failover timer.
    pub failover: SimRng,
    /// Only the leadership-change timer.
    pub leadership: SimRng,
}

/// Runs the workload phase from the run and workload streams, then heals and settles.
pub fn run_seeded(
    config: &Config,
    params: &SimParams,
    streams: TimerStreams,
    workload: Workload,
    record: bool,
    mut observer: Option<Observer<'_>>,
) -> SeededResult {
    let TimerStreams {
        run: run_rng,
        failover: failover_rng,
        leadership: leadership_rng,
    } = streams;
    let mut seeded = Seeded {
        driver: Driver::new(config, params),
        rng: run_rng,
        workload,
        broker_ready_ms: None,
        draws: Vec::new(),
        recording: record.then(Vec::new),
        failover: ControllerTimer::new(Action::ControllerFailover, failover_rng),
        leadership: ControllerTimer::new(Action::LeadershipChange, leadership_rng),
    };
    seeded.rearm_controller_timers();
    let end_ms = config.start_ms + params.duration_ms;
    let mut limit_hit = false;
    let mut interrupted = false;
    while seeded.driver.world.now_ms < end_ms {
        if seeded.driver.world.ghost.model_panic.is_some() {
            break; // the model panicked: the settle reports it (`settles | model-panic`)
        }
        let steps = seeded.driver.steps as u64;
        if steps >= params.steps_max {
            limit_hit = true;
            break;
        }
        if let Some(observer) = observer.as_mut() {
            if steps.is_multiple_of(OBSERVE_EVERY_STEPS)
                && !observer(steps, seeded.driver.world.now_ms)
            {
                interrupted = true;
                break;
            }
        }
        seeded.iterate();
    }
    let outcome = RunOutcome {
        limit_hit,
        catalog_exhausted: seeded.workload.catalog_exhausted,
        ..RunOutcome::default()
    };
    let outcome = seeded.driver.finish(outcome);
    SeededResult {
        outcome,
        steps: seeded.recording,
        interrupted,
    }
}

/// How a replay treats a recorded step that is not enabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayMode {
    /// The trace must replay exactly: a disabled step is an error.
    Exact,
    /// Skip disabled steps (shrinking: the candidate is a subsequence).
    Lenient,
}

/// What a replay produced.
pub struct Replayed {
    /// What the replay ended with.
    pub outcome: RunOutcome,
    /// The steps actually applied, with the jitter draws they consumed.
    pub applied: Vec<RecordedStep>,
}

/// The latest virtual time a trace may name: far beyond any run (its duration is at most
/// `TIME_PARAM_MAX_MS`), and far enough below `i64::MAX` that adding any delay to it cannot
/// overflow. A corrupt trace naming a later time is bad input, not a panic.
pub const TRACE_TIME_MAX_MS: i64 =
    super::params::START_MS + 1000 * super::params::TIME_PARAM_MAX_MS;

fn check_trace_time(what: &str, time_ms: i64) -> Result<(), String> {
    if (0..=TRACE_TIME_MAX_MS).contains(&time_ms) {
        Ok(())
    } else {
        Err(format!(
            "{what} {time_ms} is outside 0..={TRACE_TIME_MAX_MS}"
        ))
    }
}

/// Replays `steps`, then heals from `heal_start_ms` (the time the recorded run's workload
/// phase ended) and settles; or stops at `stop_at`'s first violation.
pub fn replay(
    config: &Config,
    params: &SimParams,
    steps: &[RecordedStep],
    mode: ReplayMode,
    heal_start_ms: i64,
    stop_at: Option<&str>,
    tracer: Option<Tracer<'_>>,
) -> Result<Replayed, String> {
    let mut driver = Driver::new(config, params);
    driver.stop_at = stop_at;
    driver.tracer = tracer;
    let mut applied = Vec::with_capacity(steps.len());
    let mut used = Vec::new();
    check_trace_time("heal_start_ms", heal_start_ms)?;
    for (index, step) in steps.iter().enumerate() {
        if driver.stopped() {
            break;
        }
        check_trace_time(&format!("trace step {index}: time_ms"), step.time_ms)?;
        if let Action::SourceUpload {
            start_ms, end_ms, ..
        } = step.action
        {
            // Segment times may be negative (-1: unset), but not beyond any run's reach.
            for (what, time_ms) in [("start_ms", start_ms), ("end_ms", end_ms)] {
                if !(-TRACE_TIME_MAX_MS..=TRACE_TIME_MAX_MS).contains(&time_ms) {
                    return Err(format!(
                        "trace step {index}: upload {what} {time_ms} is outside +-{TRACE_TIME_MAX_MS}"
                    ));
                }
            }
        }
        if step.time_ms < driver.world.now_ms && mode == ReplayMode::Exact {
            return Err(format!(
                "trace step {index}: time goes backwards ({} < {})",
                step.time_ms, driver.world.now_ms
            ));
        }
        driver.world.now_ms = driver.world.now_ms.max(step.time_ms);
        let time_ms = driver.world.now_ms;
        let action = match (mode, step.task) {
            (ReplayMode::Lenient, Some(identity)) => {
                retarget(&driver.world, &step.action, identity)
            }
            _ => step.action.clone(),
        };
        if !driver.enabled(&action) {
            if mode == ReplayMode::Exact {
                return Err(format!(
                    "trace step {index} is not enabled at t={}: {:?} (the trace does not match this model, engine or parameters)",
                    step.time_ms, step.action
                ));
            }
            continue;
        }
        let task = task_identity(&driver.world, &action);
        used.clear();
        let mut entropy = ReplayEntropy {
            recorded: &step.draws,
            position: 0,
            used: &mut used,
        };
        driver.apply(&action, &mut entropy, Phase::Workload);
        applied.push(RecordedStep {
            time_ms,
            action,
            draws: used.clone(),
            task,
        });
    }
    // Healing starts where the recorded run's workload phase ended.
    driver.world.now_ms = driver.world.now_ms.max(heal_start_ms);
    let outcome = driver.finish(RunOutcome::default());
    Ok(Replayed { outcome, applied })
}
