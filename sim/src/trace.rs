//! Human-readable traces: one line per step, `#step t=time actor action | effect`.
//!
//! The effect is computed by diffing the world before and after the step, so the model's
//! step code stays free of strings. Format of one line (documented in the README):
//!
//! ```text
//! #7    t=2000   executor     APPEND[1200,1300) cas write            | znode v3->v4: [1200] absent->V fp(1:3ad1); wm 1200->1300
//! ```
//!
//! Fingerprints print as `fp(count:last 4 hex digits of the FarmHash)`, `EMPTY` for the
//! empty-window constant; `V`/`S` are VALID/STALE.

use mvsim_model::executor::{TaskFailure, TaskPhase};
use mvsim_model::partition::{PartitionFingerprint, PartitionInfo};
use mvsim_model::register::RegisterFault;
use mvsim_model::scheduler::SchedulerPhase;
use mvsim_model::{Action, Config, World};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// One step of a trace, serializable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceLine {
    pub step: usize,
    pub time_ms: i64,
    pub actor: String,
    pub action: String,
    pub effect: String,
}

impl TraceLine {
    /// The documented one-line text form.
    pub fn render(&self) -> String {
        let line = format!(
            "#{:<4} t={:<8} {:<12} {:<40} | {}",
            self.step, self.time_ms, self.actor, self.action, self.effect
        );
        line.trim_end().to_string()
    }
}

/// Builds the trace line of `action` taken from `before` (step number `step`).
pub fn trace_line(
    config: &Config,
    step: usize,
    before: &World,
    action: &Action,
    after: &World,
) -> TraceLine {
    TraceLine {
        step,
        time_ms: after.now_ms,
        actor: action.actor().name().to_string(),
        action: describe_action(config, before, action),
        effect: describe_effect(config, before, after),
    }
}

/// `fp(count:abcd)` or `EMPTY`.
pub fn fingerprint(fp: &PartitionFingerprint) -> String {
    if *fp == PartitionFingerprint::EMPTY {
        "EMPTY".to_string()
    } else {
        format!("fp({}:{:04x})", fp.segment_count, (fp.crc as u64) & 0xffff)
    }
}

fn info(info: Option<&PartitionInfo>) -> String {
    match info {
        None => "absent".to_string(),
        Some(info) => format!("{} {}", info.state.code(), fingerprint(&info.fingerprint)),
    }
}

fn fault_suffix(action: &Action) -> &'static str {
    match action.register_fault() {
        RegisterFault::None => "",
        RegisterFault::Transient => " !transient-error",
        RegisterFault::LostAck => " !lost-ack",
    }
}

fn task_label(config: &Config, world: &World, task: mvsim_model::TaskRef) -> String {
    let Some(job) = world.jobs.get(usize::from(task.job)) else {
        return format!("task {}.{}", task.job, task.task);
    };
    let Some(task) = job.tasks.get(usize::from(task.task)) else {
        return "task ?".to_string();
    };
    let start = task.config.window_start_ms;
    let zombie = if task.timed_out { " (zombie)" } else { "" };
    format!(
        "{}[{},{}){}",
        task.config.mode.name(),
        start,
        start + config.bucket_ms,
        zombie
    )
}

/// A short description of the step, as the actor would log it.
pub fn describe_action(config: &Config, before: &World, action: &Action) -> String {
    use Action::*;
    let fault = fault_suffix(action);
    let text = match action {
        ClockTick => format!("tick +{}ms", config.bucket_ms),
        SourceUpload {
            segment,
            start_ms,
            end_ms,
            crc,
        } => format!(
            "upload {} [{},{}] crc={}",
            config.segment_name(*segment),
            start_ms,
            end_ms,
            crc
        ),
        SourceRefresh { segment, crc } => {
            format!("refresh {} crc={}", config.segment_name(*segment), crc)
        }
        SourceDeleteNotify { segment } => {
            format!("delete {} (notify)", config.segment_name(*segment))
        }
        SourceDeleteRemove { segment } => {
            format!("delete {} (remove metadata)", config.segment_name(*segment))
        }
        SchedulerReadWatermark { .. } => "cycle: read watermark".to_string(),
        SchedulerReadPartitions { .. } => "read partitions".to_string(),
        SchedulerCountInFlight => "count in-flight tasks".to_string(),
        SchedulerHandleStale => "handle earliest STALE".to_string(),
        SchedulerRevertRead { .. } => format!("{} cas read", revert_op_name(before)),
        SchedulerRevertWrite { .. } => format!("{} cas write", revert_op_name(before)),
        SchedulerRecheckRevert => "re-read source after revert (fix-f10)".to_string(),
        SchedulerRecheckFailedCommit => {
            "re-read source of a task failed after commit (fix-f1)".to_string()
        }
        SchedulerResolveCutoff => "APPEND start and cutoff".to_string(),
        SchedulerBuildAppend => "APPEND loop".to_string(),
        ExecutorPreProcess { task, .. } => {
            format!("{} preProcess", task_label(config, before, *task))
        }
        ExecutorRunQuery { task } => format!("{} V1 + query", task_label(config, before, *task)),
        ExecutorSwapSegments { task } => format!(
            "{} V2/V3 + swap MV segments",
            task_label(config, before, *task)
        ),
        // In post the DELETE is two steps: the pre-check, then the drop from
        // `DeleteChecked` (or, under fix-f18, from `FingerprintCleared`, after the
        // `clearStaleFingerprint` CAS). In pre (and without the pre-check) one step drops.
        ExecutorDeleteSegments { task } => match before.task(*task).phase {
            TaskPhase::DeleteChecked | TaskPhase::FingerprintCleared => {
                format!("{} drop MV segments", task_label(config, before, *task))
            }
            _ if config.profile.delete_precheck => {
                format!("{} pre-check", task_label(config, before, *task))
            }
            _ => format!("{} drop MV segments", task_label(config, before, *task)),
        },
        ExecutorValidateCommit { task } => format!("{} V4", task_label(config, before, *task)),
        ExecutorRecheckSource { task } => {
            format!("{} V5 (fix-f1)", task_label(config, before, *task))
        }
        ExecutorCasRead { task, .. } => format!(
            "{} {} cas read",
            task_label(config, before, *task),
            cas_name(before, *task)
        ),
        ExecutorCasWrite { task, .. } => format!(
            "{} {} cas write",
            task_label(config, before, *task),
            cas_name(before, *task)
        ),
        ExecutorFailTask { task } => format!("{} !task-failure", task_label(config, before, *task)),
        HelixTimeoutTask { task } => {
            format!("{} !helix-timeout", task_label(config, before, *task))
        }
        ConsistencyManagerFlush { .. } => match before.consistency.pending {
            Some((start, end)) => format!("flush [{},{}]", start, end_label(end)),
            None => "flush".to_string(),
        },
        ConsistencyManagerSweep { .. } => "VALID-empty sweep".to_string(),
        ConsistencyManagerInitSpan => "init: read segment span, invalidate".to_string(),
        ConsistencyManagerCasRead { .. } => format!("{} cas read", cm_op_name(before)),
        ConsistencyManagerCasWrite { .. } => format!("{} cas write", cm_op_name(before)),
        BrokerRefreshCache => "cache <- znode".to_string(),
        ControllerFailover => "!controller-failover".to_string(),
        LeadershipChange => "!leadership-change".to_string(),
        OldLead(inner) => {
            // The inner step reads the old lead's cycle: describe it on a view whose
            // scheduler is the old lead's; the inner step's own fault suffix comes with it.
            return format!(
                "(old lead) {}",
                describe_action(config, &old_lead_view(before), inner)
            );
        }
    };
    format!("{text}{fault}")
}

/// `world` with the old lead's cycle (idle when there is none) in the scheduler's place.
pub fn old_lead_view(world: &World) -> World {
    let mut view = world.clone();
    view.scheduler.phase = world
        .old_lead
        .as_deref()
        .cloned()
        .unwrap_or(SchedulerPhase::Idle);
    view
}

fn end_label(end: i64) -> String {
    if end == i64::MAX {
        "MAX".to_string()
    } else {
        end.to_string()
    }
}

/// The scheduler's CAS: its revert (named `revertValid` for pre's loop too), or under
/// fix-f10 the `markStale` after the re-check.
fn revert_op_name(world: &World) -> &'static str {
    match &world.scheduler.phase {
        SchedulerPhase::Reverting(_, op)
            if matches!(op.mutation.name(), "markStale" | "markStaleIfValidWith") =>
        {
            op.mutation.name()
        }
        _ => "revertValid",
    }
}

fn cas_name(world: &World, task: mvsim_model::TaskRef) -> &'static str {
    match world
        .jobs
        .get(usize::from(task.job))
        .and_then(|job| job.tasks.get(usize::from(task.task)))
    {
        Some(task) => match &task.phase {
            TaskPhase::Committing(op) => op.mutation.name(),
            _ => "",
        },
        None => "",
    }
}

fn cm_op_name(world: &World) -> String {
    match &world.consistency.work {
        Some(work) => match &work.op.mutation {
            mvsim_model::manager::Mutation::MarkStale { buckets } => {
                format!("markStale{buckets:?}")
            }
            mvsim_model::manager::Mutation::MarkStaleInCoverage { buckets } => {
                format!("markStale+synthesize{buckets:?}")
            }
            other => other.name().to_string(),
        },
        None => "mark".to_string(),
    }
}

/// What changed between two worlds, as `; `-separated clauses (empty when nothing did).
pub fn describe_effect(config: &Config, before: &World, after: &World) -> String {
    let mut clauses: Vec<String> = Vec::new();
    znode_effect(before, after, &mut clauses);
    source_effect(config, before, after, &mut clauses);
    mv_effect(before, after, &mut clauses);
    jobs_effect(config, before, after, &mut clauses);
    failed_commits_effect(before, after, &mut clauses);
    cm_effect(before, after, &mut clauses);
    if before.old_lead.is_none() && after.old_lead.is_some() {
        clauses.push("old lead's cycle runs on; new lead's scheduler idle".to_string());
    } else {
        scheduler_effect(before, after, &mut clauses);
        if before.old_lead != after.old_lead {
            let mut old_lead = Vec::new();
            scheduler_effect(&old_lead_view(before), &old_lead_view(after), &mut old_lead);
            clauses.extend(
                old_lead
                    .into_iter()
                    .map(|clause| format!("old lead: {clause}")),
            );
        }
    }
    if before.broker != after.broker {
        clauses.push(format!("broker wm={}", after.broker.cache_watermark_ms));
    }
    clauses.join("; ")
}

/// fix-f1: a task Helix reports failed at or after its commit, recorded or re-checked.
fn failed_commits_effect(before: &World, after: &World, clauses: &mut Vec<String>) {
    let windows = |world: &World| -> Vec<i64> {
        world
            .failed_commits
            .iter()
            .map(|failed| failed.window_start_ms)
            .collect()
    };
    let (old, new) = (windows(before), windows(after));
    for window in new.iter().filter(|window| !old.contains(window)) {
        clauses.push(format!("helix: failed after commit [{window}]"));
    }
    for window in old.iter().filter(|window| !new.contains(window)) {
        clauses.push(format!("failed task [{window}] re-checked"));
    }
}

fn znode_effect(before: &World, after: &World, clauses: &mut Vec<String>) {
    let (old, new) = (&before.register, &after.register);
    if old == new {
        return;
    }
    let mut text = match (&old.value, &new.value) {
        (None, Some(_)) => "znode created v0:".to_string(),
        _ => format!("znode v{}->v{}:", old.version, new.version),
    };
    let empty = Default::default();
    let old_value = old.value.as_ref().unwrap_or(&empty);
    let new_value = new.value.as_ref().unwrap_or(&empty);
    let keys: BTreeSet<&i64> = old_value
        .partitions
        .keys()
        .chain(new_value.partitions.keys())
        .collect();
    let mut parts = Vec::new();
    for key in keys {
        let (a, b) = (old_value.partitions.get(key), new_value.partitions.get(key));
        if a != b {
            parts.push(format!("[{}] {}->{}", key, info(a), info(b)));
        }
    }
    if old_value.watermark_ms != new_value.watermark_ms || old.value.is_none() {
        parts.push(format!(
            "wm {}->{}",
            old_value.watermark_ms, new_value.watermark_ms
        ));
    }
    let _ = write!(text, " {}", parts.join(", "));
    clauses.push(text.trim_end().to_string());
}

fn source_effect(config: &Config, before: &World, after: &World, clauses: &mut Vec<String>) {
    if before.source == after.source {
        return;
    }
    let ids: BTreeSet<u16> = before
        .source
        .iter()
        .chain(after.source.iter())
        .map(|s| s.id)
        .collect();
    for id in ids {
        let (a, b) = (before.source_segment(id), after.source_segment(id));
        let name = config.segment_name(id);
        match (a, b) {
            (None, Some(s)) => clauses.push(format!("source +{name}[{},{}]", s.start_ms, s.end_ms)),
            (Some(_), None) => clauses.push(format!("source -{name}")),
            (Some(x), Some(y)) if x != y => {
                clauses.push(format!("source {name} crc {}->{}", x.crc, y.crc))
            }
            _ => {}
        }
    }
}

/// The windows whose MV segments a step replaced by a new set holding the same data (a
/// lineage replace whose `segmentsFrom` already held the task's fingerprint, as a
/// re-dispatched APPEND's does, F12): `World::mv_data` records the data, not the segment
/// set, so only the task's phase shows the replace.
pub fn replaced_with_equal_data(before: &World, after: &World) -> Vec<(i64, PartitionFingerprint)> {
    let mut out = Vec::new();
    for (job_before, job_after) in before.jobs.iter().zip(after.jobs.iter()) {
        for (task_before, task_after) in job_before.tasks.iter().zip(&job_after.tasks) {
            let window = task_after.config.window_start_ms;
            let fingerprint = task_after.config.fingerprint;
            if task_before.phase == (TaskPhase::Queried { rows: true })
                && task_after.phase == TaskPhase::Swapped
                && before.mv_data.get(&window) == Some(&fingerprint)
                && after.mv_data.get(&window) == Some(&fingerprint)
            {
                out.push((window, fingerprint));
            }
        }
    }
    out
}

fn mv_effect(before: &World, after: &World, clauses: &mut Vec<String>) {
    for (window, held) in replaced_with_equal_data(before, after) {
        clauses.push(format!(
            "mv[{window}] {} replaced (new segments, equal data)",
            fingerprint(&held)
        ));
    }
    if before.mv_data == after.mv_data {
        return;
    }
    let keys: BTreeSet<&i64> = before.mv_data.keys().chain(after.mv_data.keys()).collect();
    for key in keys {
        let (a, b) = (before.mv_data.get(key), after.mv_data.get(key));
        if a != b {
            let show =
                |fp: Option<&PartitionFingerprint>| fp.map_or("none".to_string(), fingerprint);
            clauses.push(format!("mv[{}] {}->{}", key, show(a), show(b)));
        }
    }
}

fn phase_name(phase: &TaskPhase) -> String {
    match phase {
        TaskPhase::Pending => "pending".into(),
        TaskPhase::Prepared => "prepared".into(),
        TaskPhase::Queried { rows } => format!("queried(rows={rows})"),
        TaskPhase::Swapped => "swapped".into(),
        TaskPhase::Committed => "committed, V5 next".into(),
        TaskPhase::DeleteChecked => "pre-check passed, drop next".into(),
        TaskPhase::FingerprintCleared => "fingerprint cleared, drop next (fix-f18)".into(),
        TaskPhase::Committing(op) if op.attempts == 0 => {
            format!("committing {}", op.mutation.name())
        }
        TaskPhase::Committing(op) if op.pending.is_some() => {
            format!("{} attempt {} read ok", op.mutation.name(), op.attempts)
        }
        TaskPhase::Committing(op) => format!(
            "{} retry (attempt {} failed)",
            op.mutation.name(),
            op.attempts
        ),
        TaskPhase::Succeeded => "SUCCEEDED".into(),
        TaskPhase::Failed(reason) => format!("FAILED({})", failure_name(*reason)),
    }
}

fn failure_name(reason: TaskFailure) -> &'static str {
    match reason {
        TaskFailure::PreProcess => "preProcess check",
        TaskFailure::SourceChanged => "source fingerprint changed",
        TaskFailure::Commit => "commit: precondition or budget",
        TaskFailure::Injected => "exception",
    }
}

fn jobs_effect(config: &Config, before: &World, after: &World, clauses: &mut Vec<String>) {
    if before.jobs == after.jobs {
        return;
    }
    // A submission appends one job; a finished job disappears from the list.
    if after.jobs.len() > before.jobs.len() {
        if let Some(job) = after.jobs.last() {
            let tasks: Vec<String> = job
                .tasks
                .iter()
                .map(|task| {
                    let start = task.config.window_start_ms;
                    format!(
                        "{}[{},{})",
                        task.config.mode.name(),
                        start,
                        start + config.bucket_ms
                    )
                })
                .collect();
            clauses.push(format!("submit job [{}]", tasks.join(", ")));
        }
        return;
    }
    // A job leaves the list when its last task finishes, and later jobs move up. One step
    // changes one task, so the removed job is the one whose removal aligns the two lists
    // (comparing by index would pair a finished job with the next one).
    if after.jobs.len() + 1 == before.jobs.len() {
        let removed = (0..before.jobs.len()).find(|&index| {
            before.jobs[..index] == after.jobs[..index]
                && before.jobs[index + 1..] == after.jobs[index..]
        });
        if let Some(index) = removed {
            for task in before.jobs[index].tasks.iter().filter(|t| !t.is_finished()) {
                let start = task.config.window_start_ms;
                clauses.push(format!(
                    "{}[{},{}) finished",
                    task.config.mode.name(),
                    start,
                    start + config.bucket_ms
                ));
            }
            return;
        }
    }
    for (job_index, job) in before.jobs.iter().enumerate() {
        for (task_index, task) in job.tasks.iter().enumerate() {
            let start = task.config.window_start_ms;
            let label = format!(
                "{}[{},{})",
                task.config.mode.name(),
                start,
                start + config.bucket_ms
            );
            let now = after
                .jobs
                .get(job_index)
                .filter(|after_job| {
                    after_job.tasks.len() == job.tasks.len()
                        && after_job.tasks[0].config == job.tasks[0].config
                })
                .map(|after_job| &after_job.tasks[task_index]);
            match now {
                Some(now) if now.phase != task.phase => {
                    clauses.push(format!("{label} {}", phase_name(&now.phase)))
                }
                Some(now) if now.timed_out != task.timed_out => {
                    clauses.push(format!("{label} timed out, job final"))
                }
                None if !task.is_finished() => clauses.push(format!("{label} finished")),
                _ => {}
            }
        }
    }
}

fn cm_effect(before: &World, after: &World, clauses: &mut Vec<String>) {
    let (old, new) = (&before.consistency, &after.consistency);
    if old.pending != new.pending || old.pending_timed != new.pending_timed {
        match new.pending {
            Some((start, end)) => {
                let mut clause = format!("cm pending [{},{}]", start, end_label(end));
                // fix-f9: the timed changes a full invalidation would otherwise swallow.
                if let Some((timed_start, timed_end)) = new.pending_timed {
                    if end == i64::MAX && timed_start <= timed_end {
                        clause.push_str(&format!(" (timed [{timed_start},{timed_end}])"));
                    }
                }
                clauses.push(clause)
            }
            None => clauses.push("cm drained".to_string()),
        }
    }
    if !old.init_span_read && new.init_span_read {
        clauses.push("cm init reads the segment span next".to_string());
    }
    if old.work.is_none() {
        if let Some(work) = &new.work {
            clauses.push(format!(
                "cm starts {}",
                describe_mutation(&work.op.mutation)
            ));
        }
    } else if new.work.is_none() && old.work.is_some() {
        clauses.push("cm mark done".to_string());
    }
}

fn describe_mutation(mutation: &mvsim_model::manager::Mutation) -> String {
    match mutation {
        mvsim_model::manager::Mutation::MarkStale { buckets } => format!("markStale{buckets:?}"),
        mvsim_model::manager::Mutation::MarkStaleInCoverage { buckets } => {
            format!("markStale+synthesize{buckets:?}")
        }
        mvsim_model::manager::Mutation::PreMarkDirty { start_ms, end_ms } => {
            format!("markPartitionsDirty[{},{}]", start_ms, end_label(*end_ms))
        }
        other => other.name().to_string(),
    }
}

fn scheduler_effect(before: &World, after: &World, clauses: &mut Vec<String>) {
    let (old, new) = (&before.scheduler.phase, &after.scheduler.phase);
    if std::mem::discriminant(old) == std::mem::discriminant(new)
        && !matches!(new, SchedulerPhase::BuildAppend(..))
    {
        return;
    }
    let text = match new {
        SchedulerPhase::Idle => "scheduler idle".to_string(),
        // fix-f2: READ #2 follows the count, so its effect is the snapshot it read.
        SchedulerPhase::HandleStale(cycle)
        | SchedulerPhase::ResolveCutoff(cycle)
        | SchedulerPhase::RecheckFailedCommit(cycle)
            if matches!(old, SchedulerPhase::ReadPartitionsCounted { .. }) =>
        {
            format!("scheduler saw {} bucket(s)", cycle.partitions.len())
        }
        SchedulerPhase::ReadPartitions { watermark_ms }
        | SchedulerPhase::CountInFlightFirst { watermark_ms } => {
            format!("scheduler saw wm={watermark_ms}")
        }
        SchedulerPhase::CountInFlight { partitions, .. } => {
            format!("scheduler saw {} bucket(s)", partitions.len())
        }
        SchedulerPhase::ReadPartitionsCounted { counts, .. } => format!(
            "in flight: {} APPEND, {} OVERWRITE, {} DELETE",
            counts.append, counts.overwrite, counts.delete
        ),
        SchedulerPhase::HandleStale(cycle) | SchedulerPhase::ResolveCutoff(cycle) => format!(
            "in flight: {} APPEND, {} OVERWRITE, {} DELETE",
            cycle.counts.append, cycle.counts.overwrite, cycle.counts.delete
        ),
        SchedulerPhase::Reverting(_, op) if op.mutation.name() == "markStale" => {
            "scheduler re-marks after its revert (fix-f10)".to_string()
        }
        SchedulerPhase::Reverting(_, op) if op.mutation.name() == "markStaleIfValidWith" => {
            "scheduler re-marks a failed task's commit (fix-f1)".to_string()
        }
        SchedulerPhase::Reverting(..) => "scheduler reverts".to_string(),
        SchedulerPhase::RecheckFailedCommit(..) => {
            "scheduler re-checks a task failed after commit (fix-f1)".to_string()
        }
        SchedulerPhase::RevertRecheck(..) => "scheduler re-reads the source (fix-f10)".to_string(),
        SchedulerPhase::BuildAppend(_, plan) => {
            let planned: Vec<String> = plan
                .planned
                .iter()
                .map(|task| task.window_start_ms.to_string())
                .collect();
            format!(
                "next={} cutoff={} planned=[{}]",
                plan.next_ms,
                plan.cutoff_ms,
                planned.join(",")
            )
        }
    };
    if matches!(new, SchedulerPhase::BuildAppend(..)) && old == new {
        return;
    }
    clauses.push(text);
}

/// `wm=1400 [1000] V fp(1:abcd), [1100] S EMPTY (source fp(1:77aa))`: a bucket whose
/// fingerprint differs from its live source window shows the source's.
pub fn describe_znode(config: &Config, world: &World) -> String {
    let Some(runtime) = world.runtime() else {
        return "no znode".to_string();
    };
    let buckets: Vec<String> = runtime
        .partitions
        .iter()
        .map(|(bucket, info)| {
            let live = world.source_window_fingerprint(config, *bucket, bucket + config.bucket_ms);
            let differs = if live == info.fingerprint {
                String::new()
            } else {
                format!(" (source {})", fingerprint(&live))
            };
            format!(
                "[{bucket}] {} {}{differs}",
                info.state.code(),
                fingerprint(&info.fingerprint)
            )
        })
        .collect();
    if buckets.is_empty() {
        format!("wm={} (no buckets)", runtime.watermark_ms)
    } else {
        format!("wm={} {}", runtime.watermark_ms, buckets.join(", "))
    }
}

/// One event of [`replay_events`]: a step of the path or of the settle, the start of the
/// settle, or the settled world.
pub enum ReplayEvent<'a> {
    /// Step `index` (1-based, counting on from the path into the settle) under `config`.
    Step {
        config: &'a Config,
        index: usize,
        before: &'a World,
        action: &'a Action,
        after: &'a World,
        /// A step of the settle's fair continuation (callers drop those with no effect).
        settling: bool,
    },
    /// The settle begins: its length, whether it reached a fixpoint, and the message of a
    /// model panic (`Ghost::model_panic`) that stopped it.
    Settle {
        steps: u32,
        converged: bool,
        panic: Option<&'a str>,
    },
    /// The settled world, after the settle's last step.
    Quiescent {
        config: &'a Config,
        world: &'a World,
    },
}

/// How a settle ended, as the trace and the diagram print it.
pub fn settle_outcome(converged: bool, panic: Option<&str>) -> String {
    match (converged, panic) {
        (_, Some(message)) => format!("NO fixpoint: the MODEL PANICKED: {message}"),
        (true, None) => "fixpoint reached".to_string(),
        (false, None) => "NO fixpoint within budget".to_string(),
    }
}

/// Replays `actions` from `config`'s initial state and, when `with_settle`, the settle's
/// fair continuation under `settle_config`, handing each event to `visit`: the one replay
/// loop behind the printed trace (`mvsim check --path`) and the sequence diagram.
pub fn replay_events(
    config: &Config,
    settle_config: &Config,
    actions: &[Action],
    with_settle: bool,
    mut visit: impl FnMut(ReplayEvent<'_>),
) {
    let mut world = World::initial(config);
    for (index, action) in actions.iter().enumerate() {
        let before = world.clone();
        // As the checker reports it (a panicking step gives the state before it, marked).
        world = before.next(config, action, &mut mvsim_model::NoEntropy);
        visit(ReplayEvent::Step {
            config,
            index: index + 1,
            before: &before,
            action,
            after: &world,
            settling: false,
        });
    }
    if !with_settle {
        return;
    }
    let (settled, taken) = mvsim_model::quiescence::settle_traced(settle_config, &world);
    visit(ReplayEvent::Settle {
        steps: settled.steps,
        converged: settled.converged,
        panic: settled.world.ghost.model_panic.as_deref(),
    });
    for (offset, action) in taken.iter().enumerate() {
        let before = world.clone();
        world.step(settle_config, action, &mut mvsim_model::NoEntropy);
        visit(ReplayEvent::Step {
            config: settle_config,
            index: actions.len() + offset + 1,
            before: &before,
            action,
            after: &world,
            settling: true,
        });
    }
    visit(ReplayEvent::Quiescent {
        config: settle_config,
        world: &settled.world,
    });
}
