//! Running a scenario on one engine: the trace, the property log and the verdict.
//!
//! The run is deterministic: abstract timing (time moves only by `clock.tick`), no entropy
//! (every back-off jitter is 0), `lastRefreshTime` not recorded. Every model action is one
//! trace line in the shared format (`crate::trace`), and after every action all `always`
//! properties are evaluated (the first violation of each is recorded with its step) and all
//! `sometimes` properties are checked for reachability. With `quiescence = true` the
//! `quiescent` properties are judged at the fixpoint `quiescence::settle` reaches from the
//! state after the last step, exactly as the checker judges them.

use super::format::{BucketExpect, Expect, FingerprintExpect, Scenario};
use super::steps::{
    action_task, action_verb, short_verb, ActionPattern, ScenarioStep, StepKind, TaskSelector,
};
use crate::trace::{describe_action, describe_znode, fingerprint, trace_line};
use mvsim_model::config::Timing;
use mvsim_model::properties::{self, Check, Expectation};
use mvsim_model::quiescence;
use mvsim_model::register::RegisterFault;
use mvsim_model::scheduler::SchedulerPhase;
use mvsim_model::{Action, Actor, Config, FaultBudget, NoEntropy, Profile, World};
use std::collections::BTreeMap;

/// A compound step that has not ended after this many actions is reported, never a hang.
const COMPOUND_STEPS_MAX: usize = 10_000;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every expectation matched.
    Pass,
    /// At least one expectation did not match.
    Fail,
    /// The scenario could not run (a step not enabled, a bad configuration).
    Error,
    /// Ran on an engine the scenario has no expectations for.
    Unjudged,
}

/// One judged expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckLine {
    pub ok: bool,
    pub text: String,
}

/// The result of one scenario on one engine.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub scenario: String,
    pub engine: String,
    /// Header, trace and summary lines.
    pub lines: Vec<String>,
    pub checks: Vec<CheckLine>,
    pub error: Option<String>,
    /// The `violated` list of the expectation (for the report's headline).
    pub expected_violations: Vec<&'static str>,
    pub judged: bool,
    /// The signatures of every witness of every violation along the run and at quiescence
    /// (`mvsim_model::signature`; the baseline's scenario reproducers read them).
    pub signatures: std::collections::BTreeSet<mvsim_model::signature::Signature>,
    /// The run as a sequence diagram (`mvsim scenario run NAME --diagram mermaid`): the
    /// steps the trace shows, and the quiescence check's.
    pub diagram: crate::diagram::Diagram,
}

impl Outcome {
    pub fn verdict(&self) -> Verdict {
        if self.error.is_some() {
            Verdict::Error
        } else if !self.judged {
            Verdict::Unjudged
        } else if self.checks.iter().all(|check| check.ok) {
            Verdict::Pass
        } else {
            Verdict::Fail
        }
    }

    pub fn passed(&self) -> bool {
        self.verdict() == Verdict::Pass
    }

    /// One line for the report matrix.
    pub fn headline(&self) -> String {
        match self.verdict() {
            Verdict::Error => format!("ERROR: {}", self.error.as_deref().unwrap_or_default()),
            Verdict::Unjudged => "(no expectations for this engine)".to_string(),
            Verdict::Fail => {
                let first = self.checks.iter().find(|check| !check.ok);
                format!("FAIL: {}", first.map_or("", |check| check.text.as_str()))
            }
            Verdict::Pass if self.expected_violations.is_empty() => {
                "ok: all properties hold".to_string()
            }
            Verdict::Pass => format!(
                "ok: {} violated as expected",
                self.expected_violations.join(", ")
            ),
        }
    }

    /// The full text: trace, properties, verdict (what the snapshot tests pin).
    pub fn render(&self) -> String {
        let mut out = self.lines.join("\n");
        out.push('\n');
        let verdict = match self.verdict() {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Error => "ERROR",
            Verdict::Unjudged => "NOT JUDGED (no expectations for this engine)",
        };
        out.push_str(&format!("verdict:   {verdict}\n"));
        if let Some(error) = &self.error {
            out.push_str(&format!("  error  {error}\n"));
        }
        for check in &self.checks {
            let mark = if check.ok { "ok  " } else { "FAIL" };
            out.push_str(&format!("  {mark}   {}\n", check.text));
        }
        out
    }
}

/// The model configuration of a scenario on an engine.
pub fn build_config(scenario: &Scenario, profile: Profile) -> Result<Config, String> {
    let knobs = &scenario.knobs;
    let mut config = Config::base(&scenario.name, profile);
    config.timing = Timing::Abstract;
    config.record_refresh_time = false;
    config.bucket_ms = knobs.bucket_ms;
    config.buffer_ms = knobs.buffer_ms;
    config.start_ms = knobs.start_ms;
    config.staleness_threshold_ms = knobs.staleness_threshold_ms;
    config.max_tasks_per_batch = knobs.max_tasks_per_batch;
    config.critical_max_attempts = knobs.critical_max_attempts;
    config.slow_delete_removal = knobs.slow_delete_removal;
    config.initial_runtime = scenario.initial.runtime.clone();
    config.initial_source = scenario.initial.source.clone();
    let steps: Vec<&ScenarioStep> = scenario
        .steps
        .iter()
        .filter(|step| step.applies_to(profile.name))
        .collect();
    config.script = steps
        .iter()
        .filter_map(|step| step.source_event())
        .collect();
    let ticks: u32 = steps.iter().map(|step| step.clock_ticks()).sum();
    config.clock_ticks_max = u8::try_from(ticks)
        .map_err(|_| format!("{ticks} clock ticks; at most 255 per scenario"))?;
    config.faults = fault_budget(&steps)?;
    config.finish()
}

/// One fault of each kind per step that injects it.
fn fault_budget(steps: &[&ScenarioStep]) -> Result<FaultBudget, String> {
    let mut budget = FaultBudget::default();
    for step in steps {
        let (fault, verb) = match &step.kind {
            StepKind::Action { pattern, .. } => (pattern.fault, pattern.verb),
            StepKind::ConsistencyManager {
                start: Some((verb, fault)),
                ..
            } => (*fault, *verb),
            _ => continue,
        };
        let counter = match (fault, verb) {
            (RegisterFault::Transient, _) => &mut budget.transient_errors,
            (RegisterFault::LostAck, _) => &mut budget.lost_acks,
            (RegisterFault::None, "executor.fail") => &mut budget.task_failures,
            (RegisterFault::None, "helix.timeout") => &mut budget.task_timeouts,
            (RegisterFault::None, "controller.failover") => &mut budget.controller_failovers,
            (RegisterFault::None, "controller.leadership-change") => &mut budget.leadership_changes,
            _ => continue,
        };
        *counter = counter
            .checked_add(1)
            .ok_or("more than 255 faults of one kind")?;
    }
    Ok(budget)
}

/// Runs `scenario` on `profile`.
pub fn run(scenario: &Scenario, profile: Profile) -> Outcome {
    let expect = scenario.expect.get(profile.name);
    let mut outcome = Outcome {
        scenario: scenario.name.clone(),
        engine: profile.name.to_string(),
        lines: Vec::new(),
        checks: Vec::new(),
        error: None,
        expected_violations: expect.map(|e| e.violated.clone()).unwrap_or_default(),
        judged: expect.is_some(),
        signatures: Default::default(),
        diagram: crate::diagram::Diagram::new(&format!(
            "mvsim scenario run {} --engine {} --diagram mermaid",
            scenario.name, profile.name
        )),
    };
    let config = match build_config(scenario, profile) {
        Ok(config) => config,
        Err(error) => {
            outcome.error = Some(format!("scenario {}: {error}", scenario.name));
            return outcome;
        }
    };
    let mut runner = Runner::new(&config);
    runner.header(scenario, profile);
    for step in &scenario.steps {
        if !step.applies_to(profile.name) {
            let only = step.engines.as_deref().unwrap_or_default().join(", ");
            runner.lines.push(format!(
                "-- step {}: {} (skipped: only on {only})",
                step.index, step.label
            ));
            continue;
        }
        runner
            .lines
            .push(format!("-- step {}: {}", step.index, step.label));
        if let Err(message) = runner.run_step(step) {
            outcome.error = Some(format!(
                "scenario {} step {} ({}:{}): {message}",
                scenario.name, step.index, scenario.file, step.line
            ));
            break;
        }
    }
    let settled = if outcome.error.is_none() && scenario.quiescence {
        Some(runner.quiescence())
    } else {
        None
    };
    runner.summary(settled.as_ref());
    outcome.diagram.extend(std::mem::take(&mut runner.diagram));
    if let Some(error) = &outcome.error {
        outcome.diagram.note(&format!("ERROR {error}"));
    }
    if outcome.error.is_none() {
        if let Some(expect) = expect {
            outcome.checks = judge(&runner, settled.as_ref(), expect, scenario.quiescence);
        }
    }
    outcome.lines = runner.lines;
    outcome.signatures = runner.signatures;
    outcome
}

/// The quiescent properties at the settled state.
struct QuiescenceResult {
    holds: BTreeMap<&'static str, bool>,
}

/// The run in progress.
struct Runner<'a> {
    config: &'a Config,
    settle_config: Config,
    world: World,
    steps_taken: usize,
    lines: Vec<String>,
    /// Per registry index: the step of the first violation (always) or first reach
    /// (sometimes); 0 = the initial state.
    first_violation: Vec<Option<usize>>,
    first_reached: Vec<Option<usize>>,
    signatures: std::collections::BTreeSet<mvsim_model::signature::Signature>,
    diagram: crate::diagram::Diagram,
}

impl<'a> Runner<'a> {
    fn new(config: &'a Config) -> Runner<'a> {
        let count = properties::registry().len();
        Runner {
            config,
            settle_config: quiescence::settle_config(config),
            world: World::initial(config),
            steps_taken: 0,
            lines: Vec::new(),
            first_violation: vec![None; count],
            first_reached: vec![None; count],
            signatures: Default::default(),
            diagram: Default::default(),
        }
    }

    fn header(&mut self, scenario: &Scenario, profile: Profile) {
        let knobs = &scenario.knobs;
        self.lines
            .push(format!("scenario:  {} ({})", scenario.name, scenario.file));
        // The profile's summary is not printed: snapshots should change with behaviour,
        // not with wording elsewhere.
        self.lines.push(format!("engine:    {}", profile.name));
        self.lines
            .push(format!("what:      {}", scenario.description));
        self.lines.push(format!(
            "config:    bucket_ms={} buffer_ms={} start_ms={} staleness_threshold_ms={} \
             max_tasks_per_batch={} critical_max_attempts={}{}",
            knobs.bucket_ms,
            knobs.buffer_ms,
            knobs.start_ms,
            knobs.staleness_threshold_ms,
            knobs.max_tasks_per_batch,
            knobs.critical_max_attempts,
            if knobs.slow_delete_removal {
                " slow_delete_removal"
            } else {
                ""
            }
        ));
        if let Some(origin) = &scenario.initial.origin {
            self.lines.push(format!("from:      {origin}"));
        }
        self.lines.push(format!(
            "initial:   {}",
            describe_znode(self.config, &self.world)
        ));
        self.lines.push(format!(
            "source:    {}",
            describe_source(self.config, &self.world)
        ));
        let marks = self.evaluate(0);
        self.lines.extend(marks);
    }

    /// Evaluates every state property after step `step`; returns the marks for new
    /// violations.
    fn evaluate(&mut self, step: usize) -> Vec<String> {
        let mut marks = Vec::new();
        for (index, property) in properties::registry().iter().enumerate() {
            let Check::State(check) = property.check else {
                continue;
            };
            let holds = check(self.config, &self.world);
            if !holds && property.expectation == Expectation::Always {
                let witnesses =
                    mvsim_model::signature::witnesses_of(self.config, property, &self.world);
                self.signatures
                    .extend(witnesses.into_iter().map(|witness| witness.signature));
            }
            match property.expectation {
                Expectation::Always if !holds && self.first_violation[index].is_none() => {
                    self.first_violation[index] = Some(step);
                    let at = if step == 0 {
                        " in the initial state"
                    } else {
                        ""
                    };
                    marks.push(format!("      !! {} violated{at}", property.name));
                }
                Expectation::Sometimes if holds && self.first_reached[index].is_none() => {
                    self.first_reached[index] = Some(step);
                }
                _ => {}
            }
        }
        marks
    }

    /// Takes one action under `config`; returns its trace line, violation marks, and
    /// whether it changed anything but the scheduler's private phase.
    fn take(&mut self, config_for_step: &Config, action: &Action) -> (Vec<String>, bool) {
        let before = self.world.clone();
        self.world.step(config_for_step, action, &mut NoEntropy);
        self.steps_taken += 1;
        let line = trace_line(
            config_for_step,
            self.steps_taken,
            &before,
            action,
            &self.world,
        );
        let mut lines = vec![line.render()];
        self.diagram.push(crate::diagram::step(
            config_for_step,
            self.steps_taken,
            &before,
            action,
            &self.world,
        ));
        lines.extend(cas_note(config_for_step, &before, action, &self.world));
        lines.extend(task_end_note(config_for_step, &before, action, &self.world));
        let marks = self.evaluate(self.steps_taken);
        let material = !marks.is_empty() || materially_changed(&before, &self.world);
        lines.extend(marks);
        (lines, material)
    }

    fn take_logged(&mut self, action: &Action) {
        let config = self.config;
        let (lines, _) = self.take(config, action);
        self.lines.extend(lines);
    }

    fn enabled(&self) -> Vec<Action> {
        let mut actions = Vec::new();
        self.world.actions(self.config, &mut actions);
        actions
    }

    fn run_step(&mut self, step: &ScenarioStep) -> Result<(), String> {
        match &step.kind {
            StepKind::Action { pattern, times } => {
                for _ in 0..*times {
                    self.take_matching(pattern, &step.label)?;
                }
                Ok(())
            }
            StepKind::Scheduler { start, until } => self.scheduler(*start, *until, &step.label),
            StepKind::Executor { task, until } => self.executor(task.as_ref(), *until, &step.label),
            StepKind::ConsistencyManager { start, until } => {
                self.consistency(*start, *until, &step.label)
            }
            StepKind::Run { steps_max, sweep } => {
                self.run_fair(*steps_max, *sweep);
                Ok(())
            }
        }
    }

    fn take_matching(&mut self, pattern: &ActionPattern, label: &str) -> Result<(), String> {
        let enabled = self.enabled();
        let matching: Vec<&Action> = enabled
            .iter()
            .filter(|action| pattern.matches(self.config, &self.world, action))
            .collect();
        match matching.as_slice() {
            [action] => {
                let action = (*action).clone();
                self.take_logged(&action);
                Ok(())
            }
            [] => Err(self.not_enabled(label)),
            several => Err(format!(
                "{label} is ambiguous: it matches {}; add `zombie = true|false`",
                several
                    .iter()
                    .map(|action| describe_action(self.config, &self.world, action))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// `X not enabled; enabled: ...` (non-fault actions, with their verbs).
    fn not_enabled(&self, label: &str) -> String {
        let enabled: Vec<String> = self
            .enabled()
            .iter()
            .filter(|action| !action.is_fault())
            .map(|action| {
                let description = describe_action(self.config, &self.world, action);
                format!("{} ({description})", action_verb(action))
            })
            .collect();
        let enabled = if enabled.is_empty() {
            "nothing".to_string()
        } else {
            enabled.join(", ")
        };
        format!("{label} not enabled; enabled: {enabled}")
    }

    /// Drives `pick`ed actions (the first enabled non-fault one each time) until `done`
    /// (given the worlds before and after an action) holds, nothing is picked, or `until`
    /// is next.
    fn drive(
        &mut self,
        label: &str,
        pick: &dyn Fn(&World, &Action) -> bool,
        done: &dyn Fn(&World, &World) -> bool,
        until: Option<&str>,
    ) -> Result<(), String> {
        for _ in 0..COMPOUND_STEPS_MAX {
            let next = self
                .enabled()
                .into_iter()
                .find(|action| !action.is_fault() && pick(&self.world, action));
            let Some(action) = next else {
                return match until {
                    Some(until) => Err(format!("{label}: ended before reaching {until}")),
                    None => Ok(()),
                };
            };
            if until == Some(short_verb(&action)) {
                return Ok(());
            }
            let before = self.world.clone();
            self.take_logged(&action);
            if done(&before, &self.world) {
                return match until {
                    Some(until) => Err(format!("{label}: ended before reaching {until}")),
                    None => Ok(()),
                };
            }
        }
        Err(format!(
            "{label}: did not end within {COMPOUND_STEPS_MAX} actions"
        ))
    }

    fn scheduler(&mut self, start: bool, until: Option<&str>, label: &str) -> Result<(), String> {
        let idle = self.world.scheduler.is_idle();
        if start {
            let first = ActionPattern {
                verb: "scheduler.read-watermark",
                task: None,
                fault: RegisterFault::None,
                source: None,
            };
            if !idle {
                return Err(format!(
                    "{label} not enabled: a cycle is in progress (use scheduler.continue)"
                ));
            }
            self.take_matching(&first, label)?;
        } else if idle {
            return Err(format!("{label} not enabled: no cycle in progress"));
        }
        let pick = |_: &World, action: &Action| action.actor() == Actor::Scheduler;
        self.drive(label, &pick, &|_, world| world.scheduler.is_idle(), until)
    }

    fn executor(
        &mut self,
        selector: Option<&TaskSelector>,
        until: Option<&str>,
        label: &str,
    ) -> Result<(), String> {
        let Some(selector) = selector else {
            let pick = |_: &World, action: &Action| action.actor() == Actor::Executor;
            return self.drive(label, &pick, &|_, _| false, until);
        };
        let task = self.resolve_task(selector, label)?;
        let pick = move |_: &World, action: &Action| action_task(action) == Some(task);
        // A job leaves `jobs` when its last task finishes (and later jobs move up): during
        // this loop only our task steps, so a shorter job list means our job finished.
        let finished = move |before: &World, after: &World| {
            after.jobs.len() < before.jobs.len()
                || after
                    .jobs
                    .get(usize::from(task.job))
                    .and_then(|job| job.tasks.get(usize::from(task.task)))
                    .is_none_or(|found| found.is_finished())
        };
        self.drive(label, &pick, &finished, until)
    }

    /// The one unfinished task `selector` names.
    fn resolve_task(
        &self,
        selector: &TaskSelector,
        label: &str,
    ) -> Result<mvsim_model::TaskRef, String> {
        let mut found = Vec::new();
        let mut all = Vec::new();
        for (job_index, job) in self.world.jobs.iter().enumerate() {
            for (task_index, task) in job.tasks.iter().enumerate() {
                let task_ref = mvsim_model::TaskRef {
                    job: job_index as u8,
                    task: task_index as u8,
                };
                let zombie = if task.timed_out { " zombie" } else { "" };
                let state = if task.is_finished() {
                    "finished"
                } else {
                    "running"
                };
                all.push(format!(
                    "{}[{},{}) {state}{zombie}",
                    task.config.mode.name(),
                    task.config.window_start_ms,
                    task.config.window_start_ms + self.config.bucket_ms
                ));
                if !task.is_finished() && selector.matches(&self.world, task_ref) {
                    found.push(task_ref);
                }
            }
        }
        match found.as_slice() {
            [task] => Ok(*task),
            [] => Err(format!(
                "{label} not enabled: no unfinished task {}; tasks: {}",
                selector.label(self.config.bucket_ms),
                if all.is_empty() {
                    "none".to_string()
                } else {
                    all.join(", ")
                }
            )),
            _ => Err(format!(
                "{label} is ambiguous: {} unfinished tasks match; add `zombie = true|false`",
                found.len()
            )),
        }
    }

    fn consistency(
        &mut self,
        start: Option<(&'static str, RegisterFault)>,
        until: Option<&str>,
        label: &str,
    ) -> Result<(), String> {
        match start {
            Some((verb, fault)) => {
                let first = ActionPattern {
                    verb,
                    task: None,
                    fault,
                    source: None,
                };
                self.take_matching(&first, label)?;
                if self.world.consistency.work.is_none() {
                    return match until {
                        Some(until) => Err(format!(
                            "{label}: no mark to write (nothing to mark), so no {until}"
                        )),
                        None => Ok(()),
                    };
                }
            }
            None if self.world.consistency.work.is_none() => {
                return Err(format!(
                    "{label} not enabled: the CM has no mark in progress"
                ));
            }
            None => {}
        }
        let pick = |_: &World, action: &Action| {
            matches!(
                action,
                Action::ConsistencyManagerCasRead { .. }
                    | Action::ConsistencyManagerCasWrite { .. }
            )
        };
        self.drive(
            label,
            &pick,
            &|_, world| world.consistency.work.is_none(),
            until,
        )
    }

    /// `settle` / `run`: the quiescence module's fair schedule, at most `steps_max` actions.
    /// Prints every action up to the last one that changed the znode, the source, the MV
    /// segments, a task, the CM or the broker; the rest (scheduler cycles that found
    /// nothing to do) is summarised.
    fn run_fair(&mut self, steps_max: Option<u32>, sweep: bool) {
        let mut settle_config = self.settle_config.clone();
        settle_config.profile.empty_sweep &= sweep;
        let (settled, taken) = quiescence::settle_traced(&settle_config, &self.world);
        let limit = steps_max.map_or(taken.len(), |max| taken.len().min(max as usize));
        let first_step = self.steps_taken + 1;
        let mut pending: Vec<String> = Vec::new();
        let mut quiet = 0usize;
        for action in &taken[..limit] {
            let (lines, material) = self.take(&settle_config, action);
            pending.extend(lines);
            quiet += 1;
            if material {
                self.lines.append(&mut pending);
                quiet = 0;
            }
        }
        let ending = if limit < taken.len() {
            format!("stopped at steps_max={} (not a fixpoint)", limit)
        } else if settled.converged {
            "fixpoint reached".to_string()
        } else {
            format!(
                "NO fixpoint within the budget of {} steps",
                quiescence::STEPS_MAX
            )
        };
        let quiet_text = if quiet > 0 {
            format!("; the last {quiet} changed nothing but the scheduler's cycle (not shown)")
        } else {
            String::new()
        };
        let range = if self.steps_taken >= first_step {
            format!("{} steps #{}..#{}", limit, first_step, self.steps_taken)
        } else {
            "no steps".to_string()
        };
        self.diagram.drop_last(quiet);
        self.lines
            .push(format!("   ({range}{quiet_text}; {ending})"));
    }

    /// Settles the final state and judges the quiescent properties on the fixpoint.
    fn quiescence(&mut self) -> QuiescenceResult {
        let (settled, taken) = quiescence::settle_traced(&self.settle_config, &self.world);
        let changed = settled.world.register != self.world.register
            || settled.world.mv_data != self.world.mv_data;
        self.lines.push(format!(
            "---- quiescence check: no more events or faults, fair schedule: {} steps, {} ----",
            settled.steps,
            if settled.converged {
                "fixpoint reached"
            } else {
                "NO fixpoint within the budget"
            }
        ));
        self.diagram.note(&format!(
            "quiescence check: no more events or faults, fair schedule ({} steps, {})",
            settled.steps,
            if settled.converged {
                "fixpoint reached"
            } else {
                "NO fixpoint within the budget"
            }
        ));
        if changed {
            let mut world = self.world.clone();
            for (offset, action) in taken.iter().enumerate() {
                let before = world.clone();
                world.step(&self.settle_config, action, &mut NoEntropy);
                let line = trace_line(
                    &self.settle_config,
                    self.steps_taken + offset + 1,
                    &before,
                    action,
                    &world,
                );
                if materially_changed(&before, &world) {
                    self.lines.push(line.render());
                    self.diagram.push(crate::diagram::step(
                        &self.settle_config,
                        line.step,
                        &before,
                        action,
                        &world,
                    ));
                }
            }
            self.lines.push(format!(
                "   settled:  {}",
                describe_znode(self.config, &settled.world)
            ));
            self.diagram.note(&format!(
                "settled: {}",
                describe_znode(self.config, &settled.world)
            ));
        } else {
            self.diagram
                .note("the znode and the MV segments do not change at quiescence");
            self.lines
                .push("   (the znode and the MV segments do not change)".to_string());
        }
        let holds: BTreeMap<&'static str, bool> = properties::registry()
            .iter()
            .filter_map(|property| match property.check {
                Check::Settled(check) => Some((property.name, check(self.config, &settled))),
                Check::State(_) => None,
            })
            .collect();
        for property in properties::registry() {
            if holds.get(property.name) == Some(&false) {
                let witnesses =
                    mvsim_model::signature::witnesses_of(self.config, property, &settled.world);
                self.signatures
                    .extend(witnesses.into_iter().map(|witness| witness.signature));
            }
        }
        QuiescenceResult { holds }
    }

    fn summary(&mut self, settled: Option<&QuiescenceResult>) {
        self.lines.push(format!(
            "final:     {}",
            describe_znode(self.config, &self.world)
        ));
        self.lines
            .push(format!("mv data:   {}", describe_mv(&self.world)));
        let registry = properties::registry();
        let violated: Vec<String> = registry
            .iter()
            .zip(&self.first_violation)
            .filter_map(|(property, step)| {
                step.map(|step| format!("{} ({})", property.name, at(step)))
            })
            .collect();
        let reached: Vec<String> = registry
            .iter()
            .zip(&self.first_reached)
            .filter_map(|(property, step)| {
                step.map(|step| format!("{} ({})", property.name, at(step)))
            })
            .collect();
        self.lines
            .push(format!("always:    {}", list_or(&violated, "all hold")));
        if !violated.is_empty() {
            self.diagram
                .note(&format!("always VIOLATED: {}", violated.join(", ")));
        }
        if let Some(settled) = settled {
            let failed: Vec<&str> = settled
                .holds
                .iter()
                .filter(|(_, holds)| !**holds)
                .map(|(name, _)| *name)
                .collect();
            let failed: Vec<String> = failed
                .iter()
                .map(|name| format!("{name} violated"))
                .collect();
            self.lines
                .push(format!("quiescent: {}", list_or(&failed, "all hold")));
            if !failed.is_empty() {
                self.diagram
                    .note(&format!("quiescent: {}", failed.join(", ")));
            }
        }
        self.lines
            .push(format!("reached:   {}", list_or(&reached, "none")));
    }
}

fn at(step: usize) -> String {
    if step == 0 {
        "initially".to_string()
    } else {
        format!("#{step}")
    }
}

fn list_or(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        empty.to_string()
    } else {
        items.join(", ")
    }
}

/// The CM's and the scheduler revert's CAS progress is not part of the shared trace
/// effect, so a rejected write or a lost ack of theirs gets a note line (the executor's
/// shows in its task phase).
fn cas_note(config: &Config, before: &World, action: &Action, after: &World) -> Option<String> {
    let op = match action {
        Action::ConsistencyManagerCasWrite { .. } => &before.consistency.work.as_ref()?.op,
        Action::SchedulerRevertWrite { .. } => match &before.scheduler.phase {
            SchedulerPhase::Reverting(_, op) => op,
            _ => return None,
        },
        _ => return None,
    };
    let retrying = match action {
        Action::ConsistencyManagerCasWrite { .. } => after.consistency.work.is_some(),
        _ => matches!(after.scheduler.phase, SchedulerPhase::Reverting(..)),
    };
    let applied = after.register.version != before.register.version
        || after.register.value != before.register.value;
    let lost_ack = action.register_fault() == RegisterFault::LostAck;
    if applied && !lost_ack {
        return None;
    }
    let max_attempts = op.writer.max_attempts(config);
    let what = if lost_ack {
        "write applied, but its ack was lost: the caller sees a version conflict"
    } else if action.register_fault() == RegisterFault::Transient {
        "write failed (transient error)"
    } else {
        "write rejected: the znode version moved since this attempt's read"
    };
    let next = if retrying {
        format!(
            "{} backs off and retries (attempt {} of {max_attempts})",
            op.mutation.name(),
            op.attempts + 1
        )
    } else {
        format!(
            "{} gives up: budget of {max_attempts} attempts exhausted (logged; nothing retries it)",
            op.mutation.name()
        )
    };
    Some(format!("      .. {what}; {next}"))
}

/// A task whose job left the job list with it shows only as `finished` in the shared trace;
/// this note says how it ended and why.
fn task_end_note(
    config: &Config,
    before: &World,
    action: &Action,
    after: &World,
) -> Option<String> {
    let task_ref = action_task(action)?;
    if after.jobs.len() >= before.jobs.len() {
        return None;
    }
    let task = before.task(task_ref);
    let how = match action {
        Action::ExecutorPreProcess { fault, .. } if *fault == RegisterFault::Transient => {
            "FAILED: the runtime read threw"
        }
        Action::ExecutorPreProcess { .. } => "FAILED: preProcess check (EX:112-164)",
        Action::ExecutorRunQuery { .. }
        | Action::ExecutorSwapSegments { .. }
        | Action::ExecutorValidateCommit { .. } => {
            "FAILED: source fingerprint changed since dispatch (EX:625-633)"
        }
        Action::ExecutorDeleteSegments { .. } => {
            "SUCCEEDED without change: the pre-check saw a non-empty source window (EX:424-442)"
        }
        Action::ExecutorRecheckSource { .. } => {
            "SUCCEEDED: V5 (fix-f1) saw the committed source fingerprint"
        }
        Action::ExecutorCasRead { .. } => return cas_read_end(config, before, task),
        Action::ExecutorCasWrite { .. } if after.register != before.register => {
            "SUCCEEDED: committed"
        }
        Action::ExecutorCasWrite { .. } => "FAILED: CAS budget exhausted",
        Action::ExecutorFailTask { .. } => "FAILED: injected exception",
        _ => return None,
    };
    Some(format!("      .. {}: {how}", task_label(config, task)))
}

/// How a task's CAS read ended it: a no-op success or a precondition failure.
fn cas_read_end(
    config: &Config,
    before: &World,
    task: &mvsim_model::executor::Task,
) -> Option<String> {
    let mvsim_model::executor::TaskPhase::Committing(op) = &task.phase else {
        return None;
    };
    let source_window =
        |bucket: i64| before.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
    let inputs = mvsim_model::manager::MutateInputs {
        config,
        refresh_time_ms: 0,
        source_window: &source_window,
    };
    use mvsim_model::manager::{mutate, Mutated, NoOp, Precondition};
    let how = match mutate(&op.mutation, before.register.value.as_ref(), &inputs) {
        Mutated::NoOp(NoOp::AlreadyValid) => {
            "SUCCEEDED, no write: idempotent carve-out, already VALID with this fp (PM:484-489)"
        }
        Mutated::NoOp(NoOp::SourceNotEmpty) => {
            "SUCCEEDED, no write: clearValid's supplier saw a non-empty source (PM:323-336)"
        }
        Mutated::NoOp(NoOp::Lenient) => "SUCCEEDED, no write (lenient no-op)",
        Mutated::Violation(Precondition::BucketPresent) => {
            "FAILED: IllegalStateException, the bucket is present (addPartitionInfo, PM:200-201)"
        }
        Mutated::Violation(Precondition::BucketNotStale) => {
            "FAILED: IllegalStateException, the bucket is not STALE"
        }
        Mutated::Violation(Precondition::NoRuntime) => "FAILED: IllegalStateException, no znode",
        Mutated::Violation(Precondition::SourceNotEmpty) => {
            "FAILED: IllegalStateException, clearValid's supplier saw a non-empty source (design alternative)"
        }
        Mutated::Violation(other) => {
            return Some(format!(
                "      .. {}: FAILED: precondition {other:?}",
                task_label(config, task)
            ))
        }
        Mutated::Write(_) => "FAILED: the read threw",
    };
    Some(format!("      .. {}: {how}", task_label(config, task)))
}

fn task_label(config: &Config, task: &mvsim_model::executor::Task) -> String {
    let start = task.config.window_start_ms;
    let zombie = if task.timed_out { " (zombie)" } else { "" };
    format!(
        "{}[{},{}){zombie}",
        task.config.mode.name(),
        start,
        start + config.bucket_ms
    )
}

/// A change a reader of the trace cares about (anything but the scheduler's cycle phase).
fn materially_changed(before: &World, after: &World) -> bool {
    before.register != after.register
        || before.source != after.source
        || before.source_removing != after.source_removing
        || before.mv_data != after.mv_data
        || before.jobs != after.jobs
        || before.consistency.pending != after.consistency.pending
        || before.consistency.pending_timed != after.consistency.pending_timed
        || before.consistency.init_span_read != after.consistency.init_span_read
        || before.consistency.work != after.consistency.work
        || before.broker != after.broker
}

fn describe_source(config: &Config, world: &World) -> String {
    if world.source.is_empty() {
        return "(empty)".to_string();
    }
    world
        .source
        .iter()
        .map(|segment| {
            format!(
                "{}[{},{}] crc={}",
                config.segment_name(segment.id),
                segment.start_ms,
                segment.end_ms,
                segment.crc
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_mv(world: &World) -> String {
    if world.mv_data.is_empty() {
        return "(none)".to_string();
    }
    world
        .mv_data
        .iter()
        .map(|(bucket, fp)| format!("[{bucket}] {}", fingerprint(fp)))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------- judging

fn judge(
    runner: &Runner,
    settled: Option<&QuiescenceResult>,
    expect: &Expect,
    quiescence: bool,
) -> Vec<CheckLine> {
    let mut checks = Vec::new();
    for (index, property) in properties::registry().iter().enumerate() {
        let name = property.name;
        let expected_violation = expect.violated.contains(&name);
        let stated = expected_violation || expect.holds.contains(&name);
        let violation = match property.expectation {
            Expectation::Always => runner.first_violation[index].map(at),
            Expectation::Quiescent if quiescence => settled
                .and_then(|settled| settled.holds.get(name))
                .and_then(|holds| (!holds).then(|| "at quiescence".to_string())),
            _ => continue,
        };
        let check = match (expected_violation, violation) {
            (true, Some(where_)) => CheckLine {
                ok: true,
                text: format!("{name} violated as expected ({where_})"),
            },
            (true, None) => CheckLine {
                ok: false,
                text: format!("{name} expected to be violated, but it holds"),
            },
            (false, Some(where_)) => CheckLine {
                ok: false,
                text: format!(
                    "{name} violated ({where_}) but expected to hold: {}",
                    property.statement
                ),
            },
            (false, None) if stated => CheckLine {
                ok: true,
                text: format!("{name} holds"),
            },
            (false, None) => continue,
        };
        checks.push(check);
    }
    judge_reached(runner, expect, &mut checks);
    judge_znode(runner, expect, &mut checks);
    checks
}

fn judge_reached(runner: &Runner, expect: &Expect, checks: &mut Vec<CheckLine>) {
    for (index, property) in properties::registry().iter().enumerate() {
        let reached = runner.first_reached[index];
        if expect.reached.contains(&property.name) {
            checks.push(match reached {
                Some(step) => CheckLine {
                    ok: true,
                    text: format!("{} reached ({})", property.name, at(step)),
                },
                None => CheckLine {
                    ok: false,
                    text: format!("{} expected to be reached, but never was", property.name),
                },
            });
        }
        if expect.not_reached.contains(&property.name) {
            checks.push(match reached {
                None => CheckLine {
                    ok: true,
                    text: format!("{} not reached, as expected", property.name),
                },
                Some(step) => CheckLine {
                    ok: false,
                    text: format!(
                        "{} reached ({}) but expected not to be",
                        property.name,
                        at(step)
                    ),
                },
            });
        }
    }
}

/// `None` when the bucket is as expected, else `[k] expected X, actual Y (source Z)`.
fn bucket_mismatch(
    config: &Config,
    world: &World,
    bucket: i64,
    want: Option<&BucketExpect>,
    have: Option<&mvsim_model::PartitionInfo>,
) -> Option<String> {
    let live = world.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
    let ok = match (want.and_then(|want| want.entry.as_ref()), have) {
        (None, None) => true,
        (Some((state, expected)), Some(info)) => {
            let expected = match expected {
                FingerprintExpect::Exact(fingerprint) => *fingerprint,
                FingerprintExpect::Live => live,
            };
            info.state == *state && info.fingerprint == expected
        }
        _ => false,
    };
    if ok {
        return None;
    }
    let want_text = want.map_or("(not listed)".to_string(), |want| want.text.clone());
    let have_text = have.map_or("absent".to_string(), |info| {
        format!("{} {}", info.state.code(), fingerprint(&info.fingerprint))
    });
    Some(format!(
        "[{bucket}] expected {want_text}, actual {have_text} (source {})",
        fingerprint(&live)
    ))
}

fn judge_znode(runner: &Runner, expect: &Expect, checks: &mut Vec<CheckLine>) {
    let config = runner.config;
    let world = &runner.world;
    if let Some(expected) = expect.watermark_ms {
        let actual = world.runtime().map(|runtime| runtime.watermark_ms);
        checks.push(CheckLine {
            ok: actual == Some(expected),
            text: match actual {
                Some(actual) if actual == expected => format!("final watermark {actual}"),
                Some(actual) => format!("final watermark: expected {expected}, actual {actual}"),
                None => format!("final watermark: expected {expected}, but there is no znode"),
            },
        });
    }
    let Some(expected) = &expect.buckets else {
        return;
    };
    let actual = world
        .runtime()
        .map(|runtime| runtime.partitions.clone())
        .unwrap_or_default();
    let mut keys: Vec<i64> = expected.keys().chain(actual.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    let mismatches: Vec<String> = keys
        .into_iter()
        .filter_map(|bucket| {
            bucket_mismatch(
                config,
                world,
                bucket,
                expected.get(&bucket),
                actual.get(&bucket),
            )
        })
        .collect();
    let listed: Vec<String> = expected
        .iter()
        .map(|(bucket, want)| format!("[{bucket}] {}", want.text))
        .collect();
    checks.push(if mismatches.is_empty() {
        CheckLine {
            ok: true,
            text: format!("final buckets {}", list_or(&listed, "(none)")),
        }
    } else {
        CheckLine {
            ok: false,
            text: format!("final buckets: {}", mismatches.join("; ")),
        }
    });
}
