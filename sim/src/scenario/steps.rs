//! The step vocabulary of a scenario script and its mapping onto `mvsim_model::Action`.
//!
//! A step is `actor.verb`. Single-step verbs name exactly one model action (the trace shows
//! one line for them); compound verbs (`scheduler.cycle`, `executor.run`, `cm.flush`, ...)
//! drive one actor through several actions, optionally stopping `until` a named step is next.
//! `settle` and `run` let every engine actor run under the quiescence module's fair
//! schedule. Every verb is listed in [`VERBS`], which is also the documentation table.

use super::format::{engine_by_name, LoadError, Source, TIME_LIMIT_MS};
use mvsim_model::executor::TaskMode;
use mvsim_model::register::RegisterFault;
use mvsim_model::{Action, Config, SourceEvent, TaskRef, World};
use serde::Deserialize;
use std::fmt::Write as _;
use toml::Spanned;

/// One step as written in the file (all fields optional; [`parse_step`] checks them per verb).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    #[serde(rename = "do")]
    verb: Spanned<String>,
    engines: Option<Vec<Spanned<String>>>,
    segment: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    crc: Option<i64>,
    task: Option<Spanned<String>>,
    zombie: Option<bool>,
    until: Option<Spanned<String>>,
    fault: Option<Spanned<String>>,
    times: Option<u32>,
    steps_max: Option<u32>,
    sweep: Option<bool>,
}

/// A verb: its name, the fields it takes, the fields it requires, and what it does.
pub struct Verb {
    pub name: &'static str,
    pub fields: &'static [&'static str],
    pub required: &'static [&'static str],
    pub summary: &'static str,
}

const TASK: &[&str] = &["task", "zombie"];
const TASK_FAULT: &[&str] = &["task", "zombie", "fault"];
const FAULT: &[&str] = &["fault"];
const NONE: &[&str] = &[];

const fn verb(
    name: &'static str,
    fields: &'static [&'static str],
    required: &'static [&'static str],
    summary: &'static str,
) -> Verb {
    Verb {
        name,
        fields,
        required,
        summary,
    }
}

/// Every verb, in documentation order.
pub const VERBS: &[Verb] = &[
    verb(
        "clock.tick",
        &["times"],
        NONE,
        "the clock moves one bucket (`times` = N: N ticks)",
    ),
    verb(
        "source.upload",
        &["segment", "start", "end", "crc"],
        &["segment", "start", "end", "crc"],
        "upload or backfill a segment [start,end] (inclusive end); the CM is notified",
    ),
    verb(
        "source.refresh",
        &["segment", "crc"],
        &["segment", "crc"],
        "refresh a segment's crc (the same crc: a metadata-only update); the CM is notified",
    ),
    verb(
        "source.delete",
        &["segment"],
        &["segment"],
        "retention delete: notify, remove the metadata (slow_delete_removal: notify only)",
    ),
    verb(
        "source.remove",
        &["segment"],
        &["segment"],
        "with slow_delete_removal: the retry pass of a notified delete (notify again, remove)",
    ),
    verb(
        "scheduler.cycle",
        &["until"],
        NONE,
        "one whole generateTasks cycle, from its watermark read back to idle",
    ),
    verb(
        "scheduler.continue",
        &["until"],
        NONE,
        "the rest of the cycle in progress",
    ),
    verb(
        "scheduler.read-watermark",
        FAULT,
        NONE,
        "cycle READ #1: watermark (cold start if no znode)",
    ),
    verb(
        "scheduler.read-partitions",
        FAULT,
        NONE,
        "cycle READ #2: the bucket map",
    ),
    verb(
        "scheduler.count-in-flight",
        NONE,
        NONE,
        "count in-flight tasks from Helix job states",
    ),
    verb(
        "scheduler.handle-stale",
        NONE,
        NONE,
        "earliest STALE bucket: DELETE, revert or OVERWRITE",
    ),
    verb("scheduler.revert-read", FAULT, NONE, "revertValid CAS read"),
    verb(
        "scheduler.revert-write",
        FAULT,
        NONE,
        "revertValid CAS write",
    ),
    verb(
        "scheduler.resolve-cutoff",
        NONE,
        NONE,
        "APPEND start and cutoff",
    ),
    verb(
        "scheduler.build-append",
        NONE,
        NONE,
        "one APPEND loop turn, or the job submission",
    ),
    verb(
        "executor.run",
        &["task", "zombie", "until"],
        NONE,
        "run a task (or, without `task`, every task in order) to its end",
    ),
    verb(
        "executor.preprocess",
        TASK_FAULT,
        &["task"],
        "preProcess: one runtime read and the mode's checks",
    ),
    verb(
        "executor.query",
        TASK,
        &["task"],
        "V1 source validation and the broker query",
    ),
    verb(
        "executor.swap",
        TASK,
        &["task"],
        "V2/V3 and the MV segment swap",
    ),
    verb(
        "executor.delete-segments",
        TASK,
        &["task"],
        "DELETE: pre-check (post) and MV segment drop",
    ),
    verb(
        "executor.validate",
        TASK,
        &["task"],
        "postProcess V4: the source fingerprint, once, before the CAS",
    ),
    verb(
        "executor.cas-read",
        TASK_FAULT,
        &["task"],
        "commit CAS read + mutator (clearValid's supplier reads the source here)",
    ),
    verb(
        "executor.cas-write",
        TASK_FAULT,
        &["task"],
        "commit CAS write",
    ),
    verb(
        "executor.fail",
        TASK,
        &["task"],
        "fault: the task throws at its current step",
    ),
    verb(
        "helix.timeout",
        TASK,
        &["task"],
        "fault: Helix times the task out; its thread runs on as a zombie",
    ),
    verb(
        "cm.flush",
        &["fault", "until"],
        NONE,
        "CM debounce flush (drain, snapshot READ #1, candidates), then its markStale CAS",
    ),
    verb(
        "cm.sweep",
        &["fault", "until"],
        NONE,
        "CM VALID-empty sweep (post only), then its markStale CAS",
    ),
    verb(
        "cm.continue",
        &["until"],
        NONE,
        "the rest of the CM's mark in progress",
    ),
    verb(
        "controller.failover",
        NONE,
        NONE,
        "fault: the controller restarts; the CM's pending range, timer and running mark and the scheduler's cycle are lost",
    ),
    verb("cm.cas-read", FAULT, NONE, "CM mark CAS read + mutator"),
    verb("cm.cas-write", FAULT, NONE, "CM mark CAS write"),
    verb(
        "broker.refresh",
        NONE,
        NONE,
        "the broker cache receives the znode",
    ),
    verb(
        "settle",
        NONE,
        NONE,
        "every engine actor runs (fair schedule, no events or faults) to a fixpoint",
    ),
    verb(
        "run",
        &["steps_max", "sweep"],
        NONE,
        "like settle, at most `steps_max` steps; `sweep = false` leaves the sweep out",
    ),
];

const SCHEDULER_UNTIL: &[&str] = &[
    "read-partitions",
    "count-in-flight",
    "handle-stale",
    "revert-read",
    "revert-write",
    "resolve-cutoff",
    "build-append",
];
const EXECUTOR_UNTIL: &[&str] = &[
    "preprocess",
    "query",
    "swap",
    "delete-segments",
    "validate",
    "cas-read",
    "cas-write",
];
const CM_UNTIL: &[&str] = &["cas-read", "cas-write"];

/// Picks one task: mode and window start, optionally whether it timed out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSelector {
    pub mode: TaskMode,
    pub window_start_ms: i64,
    pub zombie: Option<bool>,
}

impl TaskSelector {
    pub fn matches(&self, world: &World, task: TaskRef) -> bool {
        let Some(found) = world
            .jobs
            .get(usize::from(task.job))
            .and_then(|job| job.tasks.get(usize::from(task.task)))
        else {
            return false;
        };
        found.config.mode == self.mode
            && found.config.window_start_ms == self.window_start_ms
            && self.zombie.is_none_or(|zombie| zombie == found.timed_out)
    }

    pub fn label(&self, bucket_ms: i64) -> String {
        let zombie = match self.zombie {
            Some(true) => " (zombie)",
            Some(false) => " (not zombie)",
            None => "",
        };
        format!(
            "{}[{},{}){zombie}",
            self.mode.name(),
            self.window_start_ms,
            self.window_start_ms + bucket_ms
        )
    }
}

/// The source fields of a source step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceArgs {
    pub segment: String,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub crc: Option<i64>,
}

/// Exactly one model action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionPattern {
    pub verb: &'static str,
    pub task: Option<TaskSelector>,
    pub fault: RegisterFault,
    pub source: Option<SourceArgs>,
}

/// What a step does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// One action (`times` > 1 only for `clock.tick`).
    Action { pattern: ActionPattern, times: u32 },
    /// `scheduler.cycle` (`start`) or `scheduler.continue`.
    Scheduler {
        start: bool,
        until: Option<&'static str>,
    },
    /// `executor.run`.
    Executor {
        task: Option<TaskSelector>,
        until: Option<&'static str>,
    },
    /// `cm.flush` / `cm.sweep` (`start` = the first action's verb) or `cm.continue`.
    ConsistencyManager {
        start: Option<(&'static str, RegisterFault)>,
        until: Option<&'static str>,
    },
    /// `settle` (no budget) or `run`.
    Run { steps_max: Option<u32>, sweep: bool },
}

/// One validated step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioStep {
    /// 1-based position in the script.
    pub index: usize,
    /// Line in the file.
    pub line: usize,
    /// Only on these engines (`None` = all).
    pub engines: Option<Vec<&'static str>>,
    pub kind: StepKind,
    /// The step as the trace shows it (`executor.run DELETE[1100,1200) until cas-read`).
    pub label: String,
}

impl ScenarioStep {
    pub fn applies_to(&self, engine: &str) -> bool {
        self.engines
            .as_ref()
            .is_none_or(|engines| engines.contains(&engine))
    }

    /// The source event this step plays, if it is a scripted source step.
    pub fn source_event(&self) -> Option<SourceEvent> {
        let StepKind::Action { pattern, .. } = &self.kind else {
            return None;
        };
        let args = pattern.source.as_ref()?;
        let segment = args.segment.clone();
        match pattern.verb {
            "source.upload" => Some(SourceEvent::Upload {
                segment,
                start_time_ms: args.start_ms?,
                end_time_ms: args.end_ms?,
                crc: args.crc?,
            }),
            "source.refresh" => Some(SourceEvent::Refresh {
                segment,
                crc: args.crc?,
            }),
            "source.delete" => Some(SourceEvent::Delete { segment }),
            _ => None,
        }
    }

    /// Clock ticks this step takes.
    pub fn clock_ticks(&self) -> u32 {
        match &self.kind {
            StepKind::Action { pattern, times } if pattern.verb == "clock.tick" => *times,
            _ => 0,
        }
    }
}

/// Validates one step (`index` is 1-based).
pub(crate) fn parse_step(
    source: &Source,
    index: usize,
    spanned: &Spanned<StepFile>,
) -> Result<ScenarioStep, LoadError> {
    let step = spanned.get_ref();
    let span = Some(spanned.span());
    let name = step.verb.get_ref().as_str();
    let fail = |message: String| source.error_at(span.clone(), format!("step {index}: {message}"));
    let Some(verb) = VERBS.iter().find(|verb| verb.name == name) else {
        let names: Vec<&str> = VERBS.iter().map(|verb| verb.name).collect();
        return Err(source.error_at(
            Some(step.verb.span()),
            format!(
                "step {index}: unknown step `{name}`; expected one of: {}",
                names.join(", ")
            ),
        ));
    };
    for field in step.present_fields() {
        if field != "engines" && !verb.fields.contains(&field) {
            return Err(fail(format!(
                "`{name}` takes no `{field}`; it takes: {}",
                field_list(verb.fields)
            )));
        }
    }
    let present = step.present_fields();
    if let Some(missing) = verb.required.iter().find(|field| !present.contains(field)) {
        return Err(fail(format!("`{name}` needs `{missing}`")));
    }
    let engines = match &step.engines {
        None => None,
        Some(names) => {
            let mut profiles = Vec::new();
            for engine in names {
                profiles.push(engine_by_name(source, engine)?.name);
            }
            Some(profiles)
        }
    };
    let times = [("start", step.start), ("end", step.end)];
    for (what, value) in times.into_iter().filter_map(|(w, v)| Some((w, v?))) {
        let what = format!("step {index}: {what}");
        super::format::check_time(source, span.clone(), &what, value, TIME_LIMIT_MS)?;
    }
    let kind = step_kind(source, index, verb, step)?;
    if let StepKind::Executor {
        task: Some(task), ..
    }
    | StepKind::Action {
        pattern: ActionPattern {
            task: Some(task), ..
        },
        ..
    } = &kind
    {
        let what = format!("step {index}: task window start");
        super::format::check_time(
            source,
            span.clone(),
            &what,
            task.window_start_ms,
            TIME_LIMIT_MS,
        )?;
    }
    let (line, _) = super::format::line_column(source.text, spanned.span().start);
    Ok(ScenarioStep {
        index,
        line,
        engines,
        label: label(verb.name, step, &kind),
        kind,
    })
}

impl StepFile {
    fn present_fields(&self) -> Vec<&'static str> {
        let flags = [
            ("engines", self.engines.is_some()),
            ("segment", self.segment.is_some()),
            ("start", self.start.is_some()),
            ("end", self.end.is_some()),
            ("crc", self.crc.is_some()),
            ("task", self.task.is_some()),
            ("zombie", self.zombie.is_some()),
            ("until", self.until.is_some()),
            ("fault", self.fault.is_some()),
            ("times", self.times.is_some()),
            ("steps_max", self.steps_max.is_some()),
            ("sweep", self.sweep.is_some()),
        ];
        flags
            .iter()
            .filter(|(_, present)| *present)
            .map(|(name, _)| *name)
            .collect()
    }
}

fn field_list(fields: &[&str]) -> String {
    if fields.is_empty() {
        "no fields (besides `engines`)".to_string()
    } else {
        fields
            .iter()
            .map(|field| format!("`{field}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn step_kind(
    source: &Source,
    index: usize,
    verb: &Verb,
    step: &StepFile,
) -> Result<StepKind, LoadError> {
    let until = |allowed: &'static [&'static str]| parse_until(source, index, verb, step, allowed);
    let task = parse_task(source, index, step)?;
    let fault = parse_fault(source, index, verb, step)?;
    Ok(match verb.name {
        "scheduler.cycle" | "scheduler.continue" => StepKind::Scheduler {
            start: verb.name == "scheduler.cycle",
            until: until(SCHEDULER_UNTIL)?,
        },
        "executor.run" => StepKind::Executor {
            task,
            until: until(EXECUTOR_UNTIL)?,
        },
        "cm.flush" | "cm.sweep" => StepKind::ConsistencyManager {
            start: Some((verb.name, fault)),
            until: until(CM_UNTIL)?,
        },
        "cm.continue" => StepKind::ConsistencyManager {
            start: None,
            until: until(CM_UNTIL)?,
        },
        "settle" => StepKind::Run {
            steps_max: None,
            sweep: true,
        },
        "run" => StepKind::Run {
            steps_max: step.steps_max,
            sweep: step.sweep.unwrap_or(true),
        },
        _ => {
            let times = step.times.unwrap_or(1);
            if times == 0 {
                return Err(source.error_at(None, format!("step {index}: times must be >= 1")));
            }
            let source_args = step.segment.as_ref().map(|segment| SourceArgs {
                segment: segment.clone(),
                start_ms: step.start,
                end_ms: step.end,
                crc: step.crc,
            });
            StepKind::Action {
                pattern: ActionPattern {
                    verb: verb.name,
                    task,
                    fault,
                    source: source_args,
                },
                times,
            }
        }
    })
}

fn parse_until(
    source: &Source,
    index: usize,
    verb: &Verb,
    step: &StepFile,
    allowed: &'static [&'static str],
) -> Result<Option<&'static str>, LoadError> {
    let Some(until) = &step.until else {
        return Ok(None);
    };
    let actor = verb.name.split('.').next().unwrap_or_default();
    let text = until.get_ref().as_str();
    let short = text
        .strip_prefix(actor)
        .and_then(|rest| rest.strip_prefix('.'))
        .unwrap_or(text);
    allowed
        .iter()
        .find(|name| **name == short)
        .map(|name| Some(*name))
        .ok_or_else(|| {
            source.error_at(
                Some(until.span()),
                format!(
                    "step {index}: until `{text}` is not a step of {}; expected one of: {}",
                    verb.name,
                    allowed.join(", ")
                ),
            )
        })
}

fn parse_task(
    source: &Source,
    index: usize,
    step: &StepFile,
) -> Result<Option<TaskSelector>, LoadError> {
    let Some(task) = &step.task else {
        return Ok(None);
    };
    let text = task.get_ref().trim();
    let fail = || {
        source.error_at(
            Some(task.span()),
            format!(
                "step {index}: task `{text}`: expected `MODE START` or `MODE[START,END)` with MODE \
                 APPEND, OVERWRITE or DELETE, e.g. `DELETE 1100`"
            ),
        )
    };
    let split_at = text
        .find(|c: char| c == '[' || c.is_whitespace())
        .ok_or_else(fail)?;
    let mode = match text[..split_at].to_ascii_uppercase().as_str() {
        "APPEND" => TaskMode::Append,
        "OVERWRITE" => TaskMode::Overwrite,
        "DELETE" => TaskMode::Delete,
        _ => return Err(fail()),
    };
    let rest = text[split_at..].trim_start_matches(|c: char| c == '[' || c.is_whitespace());
    let start_text = rest.split([',', ')']).next().unwrap_or_default().trim();
    let window_start_ms = start_text.parse::<i64>().map_err(|_| fail())?;
    Ok(Some(TaskSelector {
        mode,
        window_start_ms,
        zombie: step.zombie,
    }))
}

fn parse_fault(
    source: &Source,
    index: usize,
    verb: &Verb,
    step: &StepFile,
) -> Result<RegisterFault, LoadError> {
    let Some(fault) = &step.fault else {
        return Ok(RegisterFault::None);
    };
    let is_write = verb.name.ends_with("-write");
    match fault.get_ref().as_str() {
        "none" => Ok(RegisterFault::None),
        "transient" => Ok(RegisterFault::Transient),
        "lost-ack" if is_write => Ok(RegisterFault::LostAck),
        other => Err(source.error_at(
            Some(fault.span()),
            format!(
                "step {index}: fault `{other}` on {}; expected {}",
                verb.name,
                if is_write {
                    "`transient`, `lost-ack` or `none`"
                } else {
                    "`transient` or `none` (lost-ack is for CAS writes)"
                }
            ),
        )),
    }
}

fn label(verb: &str, step: &StepFile, kind: &StepKind) -> String {
    let mut text = verb.to_string();
    if let Some(segment) = &step.segment {
        let _ = write!(text, " {segment}");
    }
    if let (Some(start), Some(end)) = (step.start, step.end) {
        let _ = write!(text, " [{start},{end}]");
    }
    if let Some(crc) = step.crc {
        let _ = write!(text, " crc={crc}");
    }
    if let Some(task) = &step.task {
        let _ = write!(text, " {}", task.get_ref().trim());
    }
    match step.zombie {
        Some(true) => text.push_str(" (zombie)"),
        Some(false) => text.push_str(" (not zombie)"),
        None => {}
    }
    if let Some(times) = step.times {
        let _ = write!(text, " x{times}");
    }
    if let StepKind::Run {
        steps_max: Some(steps_max),
        ..
    } = kind
    {
        let _ = write!(text, " steps_max={steps_max}");
    }
    if step.sweep == Some(false) {
        text.push_str(" without sweep");
    }
    if let Some(until) = &step.until {
        let _ = write!(text, " until {}", until.get_ref());
    }
    if let Some(fault) = &step.fault {
        if fault.get_ref() != "none" {
            let _ = write!(text, " !{}", fault.get_ref());
        }
    }
    text
}

// ------------------------------------------------------------------ actions and verbs

/// The verb naming one model action.
pub fn action_verb(action: &Action) -> &'static str {
    use Action::*;
    match action {
        ClockTick => "clock.tick",
        SourceUpload { .. } => "source.upload",
        SourceRefresh { .. } => "source.refresh",
        SourceDeleteNotify { .. } => "source.delete",
        SourceDeleteRemove { .. } => "source.remove",
        SchedulerReadWatermark { .. } => "scheduler.read-watermark",
        SchedulerReadPartitions { .. } => "scheduler.read-partitions",
        SchedulerCountInFlight => "scheduler.count-in-flight",
        SchedulerHandleStale => "scheduler.handle-stale",
        SchedulerRevertRead { .. } => "scheduler.revert-read",
        SchedulerRevertWrite { .. } => "scheduler.revert-write",
        SchedulerRecheckRevert => "scheduler.revert-recheck",
        SchedulerRecheckFailedCommit => "scheduler.failed-commit-recheck",
        SchedulerResolveCutoff => "scheduler.resolve-cutoff",
        SchedulerBuildAppend => "scheduler.build-append",
        ExecutorPreProcess { .. } => "executor.preprocess",
        ExecutorRunQuery { .. } => "executor.query",
        ExecutorSwapSegments { .. } => "executor.swap",
        ExecutorDeleteSegments { .. } => "executor.delete-segments",
        ExecutorValidateCommit { .. } => "executor.validate",
        ExecutorRecheckSource { .. } => "executor.recheck",
        ExecutorCasRead { .. } => "executor.cas-read",
        ExecutorCasWrite { .. } => "executor.cas-write",
        ExecutorFailTask { .. } => "executor.fail",
        HelixTimeoutTask { .. } => "helix.timeout",
        ConsistencyManagerFlush { .. } => "cm.flush",
        ConsistencyManagerSweep { .. } => "cm.sweep",
        ConsistencyManagerInitSpan => "cm.init-span",
        ConsistencyManagerCasRead { .. } => "cm.cas-read",
        ConsistencyManagerCasWrite { .. } => "cm.cas-write",
        BrokerRefreshCache => "broker.refresh",
        ControllerFailover => "controller.failover",
        LeadershipChange => "controller.leadership-change",
        OldLead(inner) => match action_verb(inner) {
            "scheduler.read-partitions" => "old-lead.read-partitions",
            "scheduler.count-in-flight" => "old-lead.count-in-flight",
            "scheduler.handle-stale" => "old-lead.handle-stale",
            "scheduler.revert-read" => "old-lead.revert-read",
            "scheduler.revert-write" => "old-lead.revert-write",
            "scheduler.revert-recheck" => "old-lead.revert-recheck",
            "scheduler.resolve-cutoff" => "old-lead.resolve-cutoff",
            "scheduler.build-append" => "old-lead.build-append",
            _ => "old-lead.step",
        },
    }
}

/// The verb without its actor (`cas-read` for `executor.cas-read`).
pub fn short_verb(action: &Action) -> &'static str {
    let verb = action_verb(action);
    verb.split_once('.').map_or(verb, |(_, rest)| rest)
}

/// The task an executor action addresses.
pub fn action_task(action: &Action) -> Option<TaskRef> {
    use Action::*;
    match action {
        ExecutorPreProcess { task, .. }
        | ExecutorRunQuery { task }
        | ExecutorSwapSegments { task }
        | ExecutorDeleteSegments { task }
        | ExecutorValidateCommit { task }
        | ExecutorRecheckSource { task }
        | ExecutorCasRead { task, .. }
        | ExecutorCasWrite { task, .. }
        | ExecutorFailTask { task }
        | HelixTimeoutTask { task } => Some(*task),
        _ => None,
    }
}

impl ActionPattern {
    /// Does `action` (enabled in `world`) fit this pattern?
    pub fn matches(&self, config: &Config, world: &World, action: &Action) -> bool {
        if action_verb(action) != self.verb || action.register_fault() != self.fault {
            return false;
        }
        if let Some(selector) = &self.task {
            if !action_task(action).is_some_and(|task| selector.matches(world, task)) {
                return false;
            }
        }
        if let Some(args) = &self.source {
            let Some(id) = action.source_segment() else {
                return false;
            };
            if config.segment_name(id) != args.segment {
                return false;
            }
            let fields_match = match *action {
                Action::SourceUpload {
                    start_ms,
                    end_ms,
                    crc,
                    ..
                } => {
                    args.start_ms.is_none_or(|v| v == start_ms)
                        && args.end_ms.is_none_or(|v| v == end_ms)
                        && args.crc.is_none_or(|v| v == crc)
                }
                Action::SourceRefresh { crc, .. } => args.crc.is_none_or(|v| v == crc),
                _ => true,
            };
            if !fields_match {
                return false;
            }
        }
        true
    }
}
