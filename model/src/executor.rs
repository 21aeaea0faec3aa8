//! The executor: minion tasks APPEND / OVERWRITE / DELETE (spec §3.2) and their Helix jobs.
//!
//! APPEND / OVERWRITE (EX:112-530): `preProcess` (one runtime read and the mode's checks),
//! V1 + the broker query (EX:193-266), V2/V3 + the MV segment swap by lineage replace
//! (EX:274-379; V2 and V3 are both source reads around a local upload, so one step), V4
//! once before the CAS loop (EX:515-516), then the manager's CAS (`appendValid` /
//! `refreshValid`) or pre's blind put (pre:EX:491-588). The query is assumed to see the
//! segment metadata it validated (served data = ZK metadata); the MV segments of a window
//! are recorded in [`World::mv_data`] as the fingerprint of the source data they hold.
//!
//! DELETE (post EX:417-482): pre-check (abort on a non-empty source window, post only),
//! drop the window's MV segments, then `clearValid` (post) or a blind `remove` (pre:EX:546).
//!
//! Helix (spec §3.2): one attempt per task by default, so a failed task is not retried; the
//! scheduler re-derives the work. A job is final when every task is finished or timed out,
//! and a timed-out task's thread keeps running (a zombie) until it finishes.

use crate::config::Config;
use crate::manager::{CasEnd, CasOp, Mutation, NoOp, Writer};
use crate::partition::PartitionFingerprint;
use crate::profile::{Fix, Mutant};
use crate::properties;
use crate::register::RegisterFault;
use crate::world::{ghost_bits, Action, Entropy, TaskRef, World};
use serde::{Deserialize, Serialize};

/// `taskMode` (CC `MaterializedViewTask`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaskMode {
    Append,
    Overwrite,
    Delete,
}

impl TaskMode {
    pub fn name(self) -> &'static str {
        match self {
            TaskMode::Append => "APPEND",
            TaskMode::Overwrite => "OVERWRITE",
            TaskMode::Delete => "DELETE",
        }
    }
}

/// The task config keys the engine reads (SCH:426-497): mode, window, fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaskConfig {
    pub mode: TaskMode,
    pub window_start_ms: i64,
    /// `partitionFingerprints[ws]`, computed from a fresh segment read at dispatch
    /// (DELETE tasks carry none; the scheduler saw an empty window).
    pub fingerprint: PartitionFingerprint,
}

impl TaskConfig {
    pub fn new(
        mode: TaskMode,
        window_start_ms: i64,
        fingerprint: PartitionFingerprint,
    ) -> TaskConfig {
        TaskConfig {
            mode,
            window_start_ms,
            fingerprint,
        }
    }
}

/// Why a task failed (for traces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaskFailure {
    /// `preProcess` rejected the task (EX:112-164).
    PreProcess,
    /// A source validation V1..V4 saw a different fingerprint (EX:625-633).
    SourceChanged,
    /// The CAS op hit a precondition (ISE), its budget, or a non-retryable error.
    Commit,
    /// An injected exception.
    Injected,
}

/// Where a task's thread is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaskPhase {
    /// Submitted, not yet started by a minion.
    Pending,
    /// `preProcess` passed.
    Prepared,
    /// V1 passed and the query ran; `rows` = the window had source data.
    Queried {
        rows: bool,
    },
    /// The MV segments of the window were replaced (or dropped for DELETE).
    Swapped,
    /// The commit CAS loop is running (or, under fix-f1, the V5 `markStale(ws)`).
    Committing(CasOp),
    /// fix-f1: the commit landed; the V5 source re-read is next.
    Committed,
    /// post: the DELETE's pre-check saw an empty source window (EX:433-442); dropping the
    /// window's MV segments (EX:449-470) is next, a step of its own as in the Java.
    DeleteChecked,
    /// fix-f18: the DELETE's `clearStaleFingerprint` landed (the entry is STALE(EMPTY));
    /// dropping the window's MV segments is next.
    FingerprintCleared,
    Succeeded,
    Failed(TaskFailure),
}

/// One minion task.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Task {
    pub config: TaskConfig,
    pub phase: TaskPhase,
    /// Helix timed it out: it no longer keeps its job in flight, but its thread runs on.
    pub timed_out: bool,
    /// fix-f14: the window's MV segments before this task's lineage replace
    /// (`segmentsFrom`, as the fingerprint of the data they hold; `Some(None)`: none), kept
    /// from the swap until the task ends, so that a failure after the swap can revert it.
    /// Always `None` without fix-f14.
    pub lineage_from: Option<Option<PartitionFingerprint>>,
}

impl Task {
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, TaskPhase::Succeeded | TaskPhase::Failed(_))
    }

    /// The thread is running and the task is an OVERWRITE or DELETE.
    pub fn is_running_exclusive(&self) -> bool {
        !self.is_finished() && self.config.mode != TaskMode::Append
    }
}

/// One Helix job: the configs one scheduler cycle generated.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Job {
    pub tasks: Vec<Task>,
}

impl Job {
    /// Helix final state: every task finished or timed out (TGU:51-52).
    pub fn is_final(&self) -> bool {
        self.tasks
            .iter()
            .all(|task| task.is_finished() || task.timed_out)
    }
}

/// `countInFlightTasks` (SCH:182-214).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct InFlightCounts {
    pub append: u32,
    /// `max(wm, max windowEndMs of in-flight APPENDs)`.
    pub max_append_end_ms: i64,
    pub delete: u32,
    pub overwrite: u32,
}

impl World {
    /// In-flight task counts over every subtask of every non-final job.
    pub fn in_flight_counts(&self, config: &Config, watermark_ms: i64) -> InFlightCounts {
        let mut counts = InFlightCounts {
            max_append_end_ms: watermark_ms,
            ..InFlightCounts::default()
        };
        // fix-f11: a job Helix reports final only because a task timed out stays in flight
        // while that task's thread runs (the runner has not acknowledged the cancel).
        let wait_for_zombies = config.profile.has_fix(Fix::F11);
        for task in self
            .jobs
            .iter()
            .filter(|job| {
                !job.is_final()
                    || (wait_for_zombies && job.tasks.iter().any(|task| !task.is_finished()))
            })
            .flat_map(|job| &job.tasks)
        {
            match task.config.mode {
                TaskMode::Append => {
                    counts.append += 1;
                    counts.max_append_end_ms = counts
                        .max_append_end_ms
                        .max(task.config.window_start_ms + config.bucket_ms);
                }
                TaskMode::Delete => counts.delete += 1,
                TaskMode::Overwrite => counts.overwrite += 1,
            }
        }
        counts
    }

    /// Helix job submission; also the ghost check "no APPEND for a bucket with an entry".
    pub(crate) fn submit_job(&mut self, _config: &Config, configs: Vec<TaskConfig>) {
        if let Some(runtime) = self.runtime() {
            let over_present = configs.iter().any(|task| {
                task.mode == TaskMode::Append
                    && runtime.partitions.contains_key(&task.window_start_ms)
            });
            if over_present {
                self.ghost.violations |= ghost_bits::APPEND_OVER_PRESENT;
            }
        }
        let tasks = configs
            .into_iter()
            .map(|config| Task {
                config,
                phase: TaskPhase::Pending,
                timed_out: false,
                lineage_from: None,
            })
            .collect();
        self.jobs.make_mut().push(Job { tasks });
    }

    pub(crate) fn executor_actions(&self, config: &Config, out: &mut Vec<Action>) {
        let none = RegisterFault::None;
        let can_fail = self.faults_used.task_failures < config.faults.task_failures;
        let can_time_out = self.faults_used.task_timeouts < config.faults.task_timeouts;
        for (job_index, job) in self.jobs.iter().enumerate() {
            for (task_index, task) in job.tasks.iter().enumerate() {
                let task_ref = TaskRef {
                    job: job_index as u8,
                    task: task_index as u8,
                };
                if task.is_finished() {
                    continue;
                }
                let delete = task.config.mode == TaskMode::Delete;
                match &task.phase {
                    TaskPhase::Pending => self.push_with_faults(
                        config,
                        Action::ExecutorPreProcess {
                            task: task_ref,
                            fault: none,
                        },
                        out,
                    ),
                    TaskPhase::Prepared if delete => {
                        out.push(Action::ExecutorDeleteSegments { task: task_ref })
                    }
                    TaskPhase::DeleteChecked | TaskPhase::FingerprintCleared => {
                        out.push(Action::ExecutorDeleteSegments { task: task_ref })
                    }
                    TaskPhase::Prepared => out.push(Action::ExecutorRunQuery { task: task_ref }),
                    TaskPhase::Queried { .. } => {
                        out.push(Action::ExecutorSwapSegments { task: task_ref })
                    }
                    TaskPhase::Swapped => {
                        out.push(Action::ExecutorValidateCommit { task: task_ref })
                    }
                    TaskPhase::Committed => {
                        out.push(Action::ExecutorRecheckSource { task: task_ref })
                    }
                    TaskPhase::Committing(op) => {
                        if self.is_due(config, op.wake_ms) {
                            let action = if op.wants_read() {
                                Action::ExecutorCasRead {
                                    task: task_ref,
                                    fault: none,
                                }
                            } else {
                                Action::ExecutorCasWrite {
                                    task: task_ref,
                                    fault: none,
                                }
                            };
                            self.push_with_faults(config, action, out);
                        }
                    }
                    TaskPhase::Succeeded | TaskPhase::Failed(_) => {}
                }
                if can_fail {
                    out.push(Action::ExecutorFailTask { task: task_ref });
                }
                if can_time_out && !task.timed_out {
                    out.push(Action::HelixTimeoutTask { task: task_ref });
                }
            }
        }
    }

    pub fn task(&self, task: TaskRef) -> &Task {
        &self.jobs[usize::from(task.job)].tasks[usize::from(task.task)]
    }

    pub(crate) fn executor_step(
        &mut self,
        config: &Config,
        action: &Action,
        entropy: &mut dyn Entropy,
    ) {
        // fix-f1, read once for both halves: the executor's V5 after the commit
        // (`executor_cas`) and the record of a task failing at or after its commit, which
        // the scheduler re-checks (`note_failed_commit`).
        let fix_f1 = config.profile.has_fix(Fix::F1);
        // delete_aborts_on_backfill: a post DELETE's first step is its backfill guard
        // (EX:424-442); what the source window and the MV held before it, to judge it after.
        let delete_check = match *action {
            Action::ExecutorDeleteSegments { task }
                if config.profile.is_post() && self.task(task).phase == TaskPhase::Prepared =>
            {
                let window_start_ms = self.task(task).config.window_start_ms;
                crate::properties::delete_check_window_has_data(config, self, window_start_ms)
                    .then(|| (window_start_ms, self.mv_data.get(&window_start_ms).copied()))
            }
            _ => None,
        };
        let (task, phase) = match *action {
            Action::ExecutorPreProcess { task, fault } => {
                (task, self.executor_pre_process(config, task, fault))
            }
            Action::ExecutorRunQuery { task } => (task, self.executor_run_query(config, task)),
            Action::ExecutorSwapSegments { task } => {
                (task, self.executor_swap_segments(config, task))
            }
            Action::ExecutorValidateCommit { task } => {
                (task, self.executor_validate_commit(config, task))
            }
            Action::ExecutorDeleteSegments { task } => {
                (task, self.executor_delete_segments(config, task))
            }
            Action::ExecutorRecheckSource { task } => {
                (task, self.executor_recheck_source(config, task))
            }
            Action::ExecutorCasRead { task, fault } | Action::ExecutorCasWrite { task, fault } => {
                let read = matches!(action, Action::ExecutorCasRead { .. });
                (
                    task,
                    self.executor_cas(config, task, read, fault, fix_f1, entropy),
                )
            }
            Action::ExecutorFailTask { task } => (task, TaskPhase::Failed(TaskFailure::Injected)),
            Action::HelixTimeoutTask { task } => (task, self.task(task).phase.clone()),
            _ => unreachable!("executor_step called with a non-executor action"),
        };
        if phase == TaskPhase::Succeeded {
            self.ghost.witnessed.0 |= ghost_bits::WITNESS_TASK_SUCCEEDED;
        }
        if let Some((window_start_ms, held)) = delete_check {
            self.ghost.witnessed.0 |= ghost_bits::WITNESS_DELETE_SAW_BACKFILL;
            let now = self.mv_data.get(&window_start_ms).copied();
            if crate::properties::delete_check_ignored_data(&phase, held, now) {
                self.ghost.violations |= ghost_bits::DELETE_IGNORED_BACKFILL;
                self.ghost.delete_guard_detail =
                    crate::signature::delete_guard::code(&phase, held != now);
            }
        }
        if fix_f1 && !config.profile.has_mutant(Mutant::FailedCommitNotRechecked) {
            self.note_failed_commit(task, &phase);
        }
        // fix-f14: a task that swapped and fails reads the runtime entry of its bucket and,
        // unless the entry carries the task's fingerprint (its commit landed: a lost ack
        // whose retry then failed), reverts its lineage entry (`revertReplaceSegments` of a
        // COMPLETED entry restores segmentsFrom, PHRM:4945-4977), so the window serves what
        // it served before the swap. Read and revert are modelled in the failing step: until
        // the task ends Helix counts it in flight, so only a commit of this window by another
        // task (a zombie's, F13) could change the entry's fingerprint between them
        // (`markStale` and `revertValid` keep it).
        if let (TaskPhase::Failed(_), Some(from)) = (&phase, self.task(task).lineage_from) {
            let task_config = self.task(task).config;
            let window_start_ms = task_config.window_start_ms;
            self.note_register_read(config);
            let committed =
                self.register
                    .read(Self::stale_reads(config))
                    .0
                    .is_some_and(|runtime| {
                        runtime
                            .partitions
                            .get(&window_start_ms)
                            .is_some_and(|info| info.fingerprint == task_config.fingerprint)
                    });
            // `revertReplaceSegments` refuses an entry whose segmentsTo are the segmentsFrom
            // of a later IN_PROGRESS or COMPLETED entry (PHRM:4979-5000): when another task
            // (an OVERWRITE dispatched for the bucket the lost ack made VALID and a mark made
            // STALE, or a DELETE) replaced this task's segments since, the revert throws and
            // changes nothing. That is tracked by identity: the later swap or drop cleared
            // this task's `lineage_from` (`supersede_lineage`), even if it wrote equal data.
            // A window that no longer holds this task's data was replaced too (a revert of
            // another task's entry restores that task's segmentsFrom only while it is the
            // window's latest swap, so the check below adds nothing on a superseding path).
            let swapped = if task_config.fingerprint.segment_count == 0 {
                None
            } else {
                Some(task_config.fingerprint)
            };
            let still_ours = self.mv_data.get(&window_start_ms).copied() == swapped;
            if !committed && still_ours {
                let mv_data = self.mv_data.make_mut();
                match from {
                    Some(held) => mv_data.insert(window_start_ms, held),
                    None => mv_data.remove(&window_start_ms),
                };
            }
        }
        // The success promise is judged at the commit that makes it: under fix-f1 that is
        // the step entering `Committed` (its V5 read only reads; a mark another party lands
        // between the commit and the report does not make the commit dishonest).
        let from_committed = self.task(task).phase == TaskPhase::Committed;
        // A Helix timeout leaves the phase as it is: a task timed out in `Committed` made
        // its promise at the commit step, not now.
        let promised = match phase {
            TaskPhase::Succeeded => !from_committed,
            TaskPhase::Committed => !from_committed,
            _ => false,
        };
        if promised {
            let task_config = self.task(task).config;
            if let Some(broken) =
                crate::properties::succeeded_outcome_broken(config, self, &task_config)
            {
                self.ghost.violations |= ghost_bits::TASK_OUTCOME_DISHONEST;
                self.ghost.outcome_detail =
                    crate::signature::outcome::code(task_config.mode, broken);
            }
        }
        // One write to the shared job list per step.
        let jobs = self.jobs.make_mut();
        let updated = &mut jobs[usize::from(task.job)].tasks[usize::from(task.task)];
        updated.phase = phase;
        if matches!(action, Action::HelixTimeoutTask { .. }) {
            updated.timed_out = true;
        }
        // The lineage entry is the task's to revert until its commit lands (or it ends).
        if matches!(
            updated.phase,
            TaskPhase::Committed | TaskPhase::Succeeded | TaskPhase::Failed(_)
        ) {
            updated.lineage_from = None;
        }
        jobs.retain(|job| !job.tasks.iter().all(Task::is_finished));
    }

    /// `preProcess` (EX:112-164; pre:EX:117-154).
    fn executor_pre_process(
        &mut self,
        config: &Config,
        task: TaskRef,
        fault: RegisterFault,
    ) -> TaskPhase {
        let failed = TaskPhase::Failed(TaskFailure::PreProcess);
        if fault == RegisterFault::Transient {
            return TaskPhase::Failed(TaskFailure::Injected);
        }
        let task_config = self.task(task).config;
        self.note_register_read(config);
        let Some(runtime) = self.register.read(Self::stale_reads(config)).0 else {
            // post: fail fast (EX:121-125); pre: log a warning and go on (pre:EX:120-124).
            return if config.profile.is_post() {
                failed
            } else {
                TaskPhase::Prepared
            };
        };
        let window_start_ms = task_config.window_start_ms;
        // fix-f12: APPEND fills absent buckets only (SCH:307-319, PM:170-178), judged on
        // this same read: an entry VALID with the task's fingerprint is the work already
        // done (appendValid's carve-out, PM:192-198, without the query and the segment
        // replace); any other entry is a dispatch the scheduler's skip should have made.
        if task_config.mode == TaskMode::Append && config.profile.has_fix(Fix::F12) {
            match runtime.partitions.get(&window_start_ms) {
                Some(info) if info.is_valid() && info.fingerprint == task_config.fingerprint => {
                    return TaskPhase::Succeeded;
                }
                Some(_) => return failed,
                None => {}
            }
        }
        let ok = match task_config.mode {
            TaskMode::Append => {
                runtime.watermark_ms <= window_start_ms
                    || config
                        .profile
                        .has_mutant(Mutant::AppendPreProcessIgnoresWatermark)
            }
            TaskMode::Overwrite | TaskMode::Delete => runtime
                .partitions
                .get(&window_start_ms)
                .is_some_and(|info| info.is_stale()),
        };
        if ok {
            TaskPhase::Prepared
        } else {
            failed
        }
    }

    /// `validateSourceFingerprintAtCommit` (EX:625-633).
    fn source_matches(&self, config: &Config, task_config: &TaskConfig) -> bool {
        let start_ms = task_config.window_start_ms;
        self.source_window_fingerprint(config, start_ms, start_ms + config.bucket_ms)
            == task_config.fingerprint
    }

    /// V1 (EX:193) and the query (EX:200-266).
    fn executor_run_query(&self, config: &Config, task: TaskRef) -> TaskPhase {
        let task_config = self.task(task).config;
        if !self.source_matches(config, &task_config) {
            return TaskPhase::Failed(TaskFailure::SourceChanged);
        }
        TaskPhase::Queried {
            rows: !task_config.fingerprint.is_empty_window(),
        }
    }

    /// V2/V3 and the lineage replace of the window's MV segments (EX:274-379).
    fn executor_swap_segments(&mut self, config: &Config, task: TaskRef) -> TaskPhase {
        let current = self.task(task);
        let task_config = current.config;
        let TaskPhase::Queried { rows } = current.phase else {
            unreachable!("swap follows the query");
        };
        // APPEND with no rows: no segment operation at all (EX:274-285). fix-f8 drops the
        // OVERWRITE-only condition (EX:276): the empty APPEND validates and replaces the
        // window's MV segments with none, like OVERWRITE.
        if !rows && task_config.mode == TaskMode::Append && !config.profile.has_fix(Fix::F8) {
            return TaskPhase::Swapped;
        }
        if !self.source_matches(config, &task_config) {
            return TaskPhase::Failed(TaskFailure::SourceChanged);
        }
        let window_start_ms = task_config.window_start_ms;
        if config.profile.has_fix(Fix::F14) {
            self.supersede_lineage(window_start_ms, task);
            let from = self.mv_data.get(&window_start_ms).copied();
            let jobs = self.jobs.make_mut();
            jobs[usize::from(task.job)].tasks[usize::from(task.task)].lineage_from = Some(from);
        }
        if rows {
            self.mv_data
                .make_mut()
                .insert(window_start_ms, task_config.fingerprint);
        } else {
            self.mv_data.make_mut().remove(&window_start_ms);
        }
        TaskPhase::Swapped
    }

    /// `postProcess` V4 (EX:515-516), then the commit CAS op.
    fn executor_validate_commit(&self, config: &Config, task: TaskRef) -> TaskPhase {
        let task_config = self.task(task).config;
        if !self.source_matches(config, &task_config) {
            return TaskPhase::Failed(TaskFailure::SourceChanged);
        }
        let window_start_ms = task_config.window_start_ms;
        let window_end_ms = window_start_ms + config.bucket_ms;
        let fingerprint = task_config.fingerprint;
        let append = task_config.mode == TaskMode::Append;
        let op = match (config.profile.is_post(), append) {
            (true, true) => CasOp::new(
                Mutation::AppendValid {
                    window_start_ms,
                    window_end_ms,
                    fingerprint,
                },
                Writer::PostCritical,
            ),
            (true, false) => CasOp::new(
                Mutation::RefreshValid {
                    window_start_ms,
                    fingerprint,
                },
                Writer::PostCritical,
            ),
            (false, _) => CasOp::new(
                Mutation::PreExecutorPut {
                    window_start_ms,
                    window_end_ms,
                    fingerprint,
                    append,
                },
                Writer::PreExecutor,
            ),
        };
        TaskPhase::Committing(op)
    }

    /// `executeDeleteTask` (post EX:417-482; pre: no source check at all). In post the
    /// pre-check (`computeSourceWindowFingerprint` + `shouldAbortDeleteForBackfill`,
    /// EX:433-442) is one step and the drop (the segment listing and
    /// `startSegmentReplace(from, [])` / `endSegmentReplace`, EX:449-470) a second
    /// `ExecutorDeleteSegments` step from [`TaskPhase::DeleteChecked`]: a DELETE thread can
    /// stall between them (java-notes Q12, decision 1). Under fix-f18 the
    /// `clearStaleFingerprint` CAS comes between them and the drop runs from
    /// [`TaskPhase::FingerprintCleared`]. In pre the one step drops and commits.
    fn executor_delete_segments(&mut self, config: &Config, task: TaskRef) -> TaskPhase {
        let window_start_ms = self.task(task).config.window_start_ms;
        let window_end_ms = window_start_ms + config.bucket_ms;
        let checked = matches!(
            self.task(task).phase,
            TaskPhase::DeleteChecked | TaskPhase::FingerprintCleared
        );
        let fix_f18 = config.profile.has_fix(Fix::F18);
        if !checked && (config.profile.delete_precheck || fix_f18) {
            if config.profile.delete_precheck
                && !config.profile.has_mutant(Mutant::DeleteSkipsBackfillGuard)
                && !self
                    .source_window_fingerprint(config, window_start_ms, window_end_ms)
                    .is_empty_window()
            {
                // Backfill detected: success, no segment or metadata change (EX:424-442).
                return TaskPhase::Succeeded;
            }
            // fix-f18: before the drop, the STALE entry stops claiming the data the
            // segments hold (EX:443, a critical CAS of its own), so a false-positive test
            // after an identical re-upload compares the source with EMPTY and dispatches
            // OVERWRITE.
            if fix_f18 {
                return TaskPhase::Committing(CasOp::new(
                    Mutation::ClearStaleFingerprint { window_start_ms },
                    Writer::PostCritical,
                ));
            }
            return TaskPhase::DeleteChecked;
        }
        if !config
            .profile
            .has_mutant(Mutant::DeleteDropsSegmentsAfterCommit)
        {
            if config.profile.has_fix(Fix::F14) {
                self.supersede_lineage(window_start_ms, task);
            }
            self.mv_data.make_mut().remove(&window_start_ms);
        }
        let op = if config.profile.is_post() {
            CasOp::new(
                Mutation::ClearValid { window_start_ms },
                Writer::PostCritical,
            )
        } else {
            CasOp::new(
                Mutation::PreExecutorRemove { window_start_ms },
                Writer::PreExecutor,
            )
        };
        TaskPhase::Committing(op)
    }

    /// fix-f1 V5: the source window re-read after the commit. A source change that landed
    /// after V4 (EX:515-516) is either seen here, or its CM flush runs after this read and
    /// so after the commit, and then READ #1 lists the committed key (CM:638-644): one of
    /// the two always sees the other's write.
    fn executor_recheck_source(&self, config: &Config, task: TaskRef) -> TaskPhase {
        let task_config = self.task(task).config;
        if self.source_matches(config, &task_config) {
            return TaskPhase::Succeeded;
        }
        TaskPhase::Committing(CasOp::new(
            Mutation::MarkStale {
                buckets: vec![task_config.window_start_ms],
            },
            Writer::for_mark_stale(config),
        ))
    }

    fn executor_cas(
        &mut self,
        config: &Config,
        task: TaskRef,
        read: bool,
        fault: RegisterFault,
        fix_f1: bool,
        entropy: &mut dyn Entropy,
    ) -> TaskPhase {
        let TaskPhase::Committing(mut op) = self.task(task).phase.clone() else {
            unreachable!("a CAS step needs a committing task");
        };
        // `strict_preconditions_fire_only_by_design`: the precondition restated on the
        // snapshot this read returns (the live value: reads are linearizable), judged with
        // the manager's verdict below. A faulted read runs no mutator and is not judged.
        let restated = (read && fault != RegisterFault::Transient)
            .then(|| properties::strict_precondition(&op.mutation, self.runtime()))
            .flatten();
        let end = if read {
            self.cas_read(config, &mut op, fault, entropy)
        } else {
            self.cas_write(config, &mut op, fault, entropy)
        };
        let timed_out = self.task(task).timed_out;
        if let Some((holds, found)) = restated {
            self.note_strict_precondition(config, &op, &end, holds, found, timed_out);
        }
        // fix-f18: the fingerprint is cleared (or already was: a lost-ack replay); the
        // drop follows. A precondition error or an exhausted budget fails the task before
        // it touched a segment.
        if matches!(op.mutation, Mutation::ClearStaleFingerprint { .. }) {
            return match end {
                None => TaskPhase::Committing(op),
                Some(CasEnd::Committed | CasEnd::NoOp(_)) => TaskPhase::FingerprintCleared,
                Some(CasEnd::Violation(_) | CasEnd::Exhausted | CasEnd::GaveUp) => {
                    TaskPhase::Failed(TaskFailure::Commit)
                }
            };
        }
        if matches!(
            end,
            Some(CasEnd::Committed | CasEnd::NoOp(NoOp::AlreadyValid))
        ) {
            self.drop_segments_left_by_delete(config, task);
        }
        // fix-f1: after the commit (or its lost-ack replay) the V5 re-read follows.
        let recheck = fix_f1
            && matches!(
                op.mutation,
                Mutation::AppendValid { .. } | Mutation::RefreshValid { .. }
            );
        // fix-f1's V5 mark (the only markStale an executor issues) ends the task FAILED,
        // committed or not: V5 saw the source change after the commit, so the task does not
        // report a success its bucket no longer holds (`task_outcome_honest`); the STALE
        // bucket is the scheduler's to OVERWRITE (maxAttemptsPerTask = 1: no Helix retry).
        let v5_mark = matches!(op.mutation, Mutation::MarkStale { .. });
        match end {
            None => TaskPhase::Committing(op),
            Some(CasEnd::Committed | CasEnd::NoOp(_)) if v5_mark => {
                TaskPhase::Failed(TaskFailure::SourceChanged)
            }
            Some(CasEnd::Committed) => {
                if timed_out {
                    self.ghost.reached |= ghost_bits::REACHED_ZOMBIE_COMMITTED;
                }
                if recheck {
                    TaskPhase::Committed
                } else {
                    TaskPhase::Succeeded
                }
            }
            Some(CasEnd::NoOp(NoOp::AlreadyValid)) if recheck => TaskPhase::Committed,
            Some(CasEnd::NoOp(_)) => TaskPhase::Succeeded,
            Some(CasEnd::Violation(_))
                if config
                    .profile
                    .has_mutant(Mutant::CommitPreconditionErrorIsSuccess) =>
            {
                TaskPhase::Succeeded
            }
            Some(CasEnd::Violation(_) | CasEnd::Exhausted | CasEnd::GaveUp) => {
                TaskPhase::Failed(TaskFailure::Commit)
            }
        }
    }

    /// Ghost of `strict_preconditions_fire_only_by_design` for one strict operation's read:
    /// the manager must throw exactly when the restated precondition fails (the
    /// `post-clear-valid-throws` design alternative also throws on a non-empty source, its
    /// stated contract), and it may fail only for a caller that triggers it by design.
    fn note_strict_precondition(
        &mut self,
        config: &Config,
        op: &CasOp,
        end: &Option<CasEnd>,
        holds: bool,
        found: properties::PreconditionFound,
        timed_out: bool,
    ) {
        use crate::signature::precondition as kind;
        let threw = matches!(end, Some(CasEnd::Violation(_)));
        let designed_throw = matches!(
            end,
            Some(CasEnd::Violation(
                crate::manager::Precondition::SourceNotEmpty
            ))
        ) && config.profile.clear_valid_throws;
        if !holds {
            self.ghost.witnessed.0 |= ghost_bits::WITNESS_PRECONDITION_FAILED;
        }
        let broken = if holds && threw && !designed_throw {
            Some(kind::THREW_WHERE_IT_HOLDS)
        } else if !holds && !threw {
            Some(kind::DID_NOT_THROW)
        } else if !holds && !properties::triggers_precondition_by_design(timed_out, op.lost_ack) {
            Some(kind::LIVE_CALLER)
        } else {
            None
        };
        if let Some(broken) = broken {
            self.ghost.violations |= ghost_bits::PRECONDITION_BROKEN;
            self.ghost.violation_detail = crate::signature::detail::of_mutation(&op.mutation);
            self.ghost.precondition_detail = kind::encode(broken, found);
        }
    }

    /// fix-f1, crash-safe half: an APPEND / OVERWRITE whose thread ends with an error at or
    /// after its commit began (an exception or a minion crash after `appendValid` /
    /// `refreshValid` returned, before or during V5; a lost ack whose retries exhausted the
    /// budget; V5's own `markStale` exhausted) may have committed a fingerprint nobody will
    /// re-check: V5 died with the thread. Helix keeps the failed task's state and config in
    /// ZooKeeper (TASK_ERROR), and the scheduler re-checks its window
    /// (`scheduler_recheck_failed_commit`). A task that failed earlier committed nothing
    /// (its re-check would be a no-op), and one whose V5 mark ended (`SourceChanged`) has
    /// re-checked itself, so neither is recorded.
    fn note_failed_commit(&mut self, task: TaskRef, phase: &TaskPhase) {
        let current = self.task(task);
        let after_commit = matches!(
            current.phase,
            TaskPhase::Committing(_) | TaskPhase::Committed
        );
        let failed =
            matches!(phase, TaskPhase::Failed(failure) if *failure != TaskFailure::SourceChanged);
        if !failed || !after_commit || current.config.mode == TaskMode::Delete {
            return;
        }
        let config = current.config;
        let known = self.failed_commits.iter().any(|recorded| {
            recorded.window_start_ms == config.window_start_ms
                && recorded.fingerprint == config.fingerprint
        });
        if !known {
            self.failed_commits.push(config);
            self.failed_commits.sort_unstable();
        }
    }

    /// fix-f14: `task`'s lineage replace (a swap, EX:361-374, or a DELETE's drop, EX:452-467:
    /// segmentsFrom = the window's MV segments) takes the window's segments as its
    /// segmentsFrom, so from now on PHRM:4979-5000 refuses to revert the entry of any other
    /// task whose segmentsTo they are. Every other live task's `lineage_from` for the window
    /// is cleared: "the window still holds this task's segments" is a matter of segment
    /// identity, not of equal data (a later OVERWRITE can write the same data, an ABA).
    /// With no segments in the window no entry takes any (EX:371, EX:458; an entry whose
    /// segmentsTo are empty is never refused by that check), and nothing is cleared.
    /// Left approximate: a later entry reverted in turn stops blocking (PHRM:4990-4991 only
    /// counts IN_PROGRESS and COMPLETED entries); the model keeps the earlier entry
    /// unrevertable.
    fn supersede_lineage(&mut self, window_start_ms: i64, task: TaskRef) {
        if !self.mv_data.contains_key(&window_start_ms) {
            return;
        }
        let superseded = |job: usize, index: usize, other: &Task| {
            other.lineage_from.is_some()
                && other.config.window_start_ms == window_start_ms
                && (job, index) != (usize::from(task.job), usize::from(task.task))
        };
        let any = self.jobs.iter().enumerate().any(|(job, entry)| {
            entry
                .tasks
                .iter()
                .enumerate()
                .any(|(index, other)| superseded(job, index, other))
        });
        if !any {
            return;
        }
        for (job, entry) in self.jobs.make_mut().iter_mut().enumerate() {
            for (index, other) in entry.tasks.iter_mut().enumerate() {
                if superseded(job, index, other) {
                    other.lineage_from = None;
                }
            }
        }
    }

    /// `Mutant::DeleteDropsSegmentsAfterCommit`: the DELETE drops the window's MV segments
    /// after its commit. The real DELETE dropped them before the commit (EX:444-477) and
    /// touches no segment here: the window may hold segments again by now (an OVERWRITE
    /// dispatched beside a timed-out zombie DELETE swapped them in), and they stay.
    fn drop_segments_left_by_delete(&mut self, config: &Config, task: TaskRef) {
        let task_config = self.task(task).config;
        if config
            .profile
            .has_mutant(Mutant::DeleteDropsSegmentsAfterCommit)
            && task_config.mode == TaskMode::Delete
            && self.mv_data.contains_key(&task_config.window_start_ms)
        {
            self.mv_data.make_mut().remove(&task_config.window_start_ms);
        }
    }
}
