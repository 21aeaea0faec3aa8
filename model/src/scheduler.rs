//! The scheduler: one `generateTasks` cycle for the MV (spec §3.1, SCH:121-342), as
//! separate atomic steps so that commits, marks and source events can land between them:
//!
//! 1. READ #1 watermark, with the cold start (SCH:853-944);
//! 2. READ #2 partitions (SCH:201-209);
//! 3. in-flight accounting from Helix job state (SCH:211-214, `forRunningTasks`); under
//!    fix-f2 steps 2 and 3 swap places (the count first, then READ #2);
//!    fix-f1: after the count, one task Helix reports failed at or after its commit is
//!    re-checked (its window's source re-read, then `markStaleIfValidWith` on the revert
//!    CAS steps), the crash-safe half of fix-f1 (the executor's V5 is the other);
//! 4. earliest STALE bucket: DELETE when its source window is empty, revert when the
//!    fingerprint is unchanged (a false positive), else OVERWRITE (SCH:355-416). The
//!    decision read and `buildTaskConfig`'s fingerprint read are one step here: a source
//!    change between them only changes which fingerprint an OVERWRITE carries, which the
//!    executor re-validates anyway;
//! 5. the revert CAS (`revertValid`, revert profile; pre: its own 8-attempt loop);
//! 6. the APPEND batch: start, cutoff (post caps it at the newest source end + 1,
//!    SCH:263-286; pre uses `now - buffer`, pre:SCH:265), then one step per emitted window
//!    with its fresh fingerprint read (SCH:288-342), and the job submission.
//!
//! An exception anywhere fails this table's generation only: the cycle returns to idle.

use crate::config::{constants, Config};
use crate::executor::{InFlightCounts, TaskConfig, TaskMode};
use crate::manager::{CasEnd, CasOp, Mutation, Writer};
use crate::partition::{
    align_down, compute_contiguous_upper_ms, resolve_append_cutoff_ms, PartitionInfo,
    RuntimeMetadata,
};
use crate::profile::{Fix, Mutant};
use crate::register::RegisterFault;
use crate::shared::Shared;
use crate::world::{Action, Entropy, World};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scheduler's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SchedulerState {
    pub phase: SchedulerPhase,
    /// When the next cycle may start (concrete timing).
    pub next_cycle_ms: i64,
}

impl SchedulerState {
    pub fn is_idle(&self) -> bool {
        self.phase == SchedulerPhase::Idle
    }
}

/// What one cycle has read so far.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cycle {
    /// READ #1.
    pub watermark_ms: i64,
    /// READ #2 (the version is unused, SCH:176).
    pub partitions: Shared<BTreeMap<i64, PartitionInfo>>,
    pub counts: InFlightCounts,
}

/// The APPEND loop's variables (SCH:288-342).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AppendPlan {
    pub next_ms: i64,
    pub cutoff_ms: i64,
    pub slots_left: u32,
    pub iterations_left: u32,
    pub planned: Vec<TaskConfig>,
}

/// Where the cycle is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SchedulerPhase {
    #[default]
    Idle,
    ReadPartitions {
        watermark_ms: i64,
    },
    CountInFlight {
        watermark_ms: i64,
        partitions: Shared<BTreeMap<i64, PartitionInfo>>,
    },
    /// fix-f2: the in-flight count comes first, right after READ #1.
    CountInFlightFirst {
        watermark_ms: i64,
    },
    /// fix-f2: READ #2 after the in-flight count.
    ReadPartitionsCounted {
        watermark_ms: i64,
        counts: InFlightCounts,
    },
    /// fix-f1: the first of [`World::failed_commits`] is re-checked next.
    RecheckFailedCommit(Cycle),
    HandleStale(Cycle),
    /// The revert CAS (or, under fix-f10, the `markStale(ws)` after its re-check; under
    /// fix-f1, the `markStaleIfValidWith` of a failed task's re-check).
    Reverting(Cycle, CasOp),
    /// fix-f10: `revertValid` returned for this bucket and fingerprint; the re-read is next.
    RevertRecheck(Cycle, i64, crate::partition::PartitionFingerprint),
    ResolveCutoff(Cycle),
    BuildAppend(Cycle, AppendPlan),
}

impl World {
    pub(crate) fn scheduler_actions(&self, config: &Config, out: &mut Vec<Action>) {
        match &self.scheduler.phase {
            SchedulerPhase::Idle => {
                // fix-f19: the new lead's run cannot take the table's distributed lock while
                // the old lead holds it (PTM:880-889): its `generateTasks` is skipped
                // (PTM:970, 985-990), which changes nothing here, so it is not offered.
                let locked_out = config.profile.has_fix(Fix::F19) && self.old_lead.is_some();
                if self.is_due(config, self.scheduler.next_cycle_ms) && !locked_out {
                    self.push_with_faults(
                        config,
                        Action::SchedulerReadWatermark {
                            fault: RegisterFault::None,
                        },
                        out,
                    );
                }
            }
            phase => self.phase_actions(config, phase, out),
        }
    }

    /// The old lead's steps after a leadership change, each wrapped in [`Action::OldLead`].
    pub(crate) fn old_lead_actions(&self, config: &Config, out: &mut Vec<Action>) {
        let Some(phase) = &self.old_lead else {
            return;
        };
        let mut inner = Vec::new();
        self.phase_actions(config, phase, &mut inner);
        out.extend(
            inner
                .into_iter()
                .map(|action| Action::OldLead(Box::new(action))),
        );
    }

    /// The steps of a cycle in progress (any phase but idle).
    fn phase_actions(&self, config: &Config, phase: &SchedulerPhase, out: &mut Vec<Action>) {
        let none = RegisterFault::None;
        match phase {
            SchedulerPhase::Idle => {}
            SchedulerPhase::ReadPartitions { .. }
            | SchedulerPhase::ReadPartitionsCounted { .. } => {
                self.push_with_faults(config, Action::SchedulerReadPartitions { fault: none }, out);
            }
            SchedulerPhase::CountInFlight { .. } | SchedulerPhase::CountInFlightFirst { .. } => {
                out.push(Action::SchedulerCountInFlight)
            }
            SchedulerPhase::RecheckFailedCommit(_) => {
                out.push(Action::SchedulerRecheckFailedCommit)
            }
            SchedulerPhase::HandleStale(_) => out.push(Action::SchedulerHandleStale),
            SchedulerPhase::Reverting(_, op) => {
                if self.is_due(config, op.wake_ms) {
                    let action = if op.wants_read() {
                        Action::SchedulerRevertRead { fault: none }
                    } else {
                        Action::SchedulerRevertWrite { fault: none }
                    };
                    self.push_with_faults(config, action, out);
                }
            }
            SchedulerPhase::RevertRecheck(..) => out.push(Action::SchedulerRecheckRevert),
            SchedulerPhase::ResolveCutoff(_) => out.push(Action::SchedulerResolveCutoff),
            SchedulerPhase::BuildAppend(..) => out.push(Action::SchedulerBuildAppend),
        }
    }

    /// The leadership-change fault ([`Action::LeadershipChange`], docs/java-notes.md Q13):
    /// the cycle in progress becomes the old lead's and runs on to its end (nothing in a
    /// run re-checks leadership: CPT:86-108, PTM:1078-1085, 1017-1031); the new lead's
    /// periodic run may start its own cycle at once (its timer is its own, CPT via
    /// BasePeriodicTask:180-207; `_runLock` serializes runs of one controller only).
    pub(crate) fn leadership_change(&mut self, config: &Config) {
        let phase = std::mem::take(&mut self.scheduler.phase);
        debug_assert!(phase != SchedulerPhase::Idle && self.old_lead.is_none());
        self.old_lead = Some(Box::new(phase));
        self.scheduler.next_cycle_ms = match config.timing {
            crate::config::Timing::Concrete => self.now_ms,
            crate::config::Timing::Abstract => 0,
        };
    }

    /// One step of the old lead's cycle: the scheduler step applied to its phase.
    pub(crate) fn old_lead_step(
        &mut self,
        config: &Config,
        inner: &Action,
        entropy: &mut dyn Entropy,
    ) {
        let mut phase = self
            .old_lead
            .take()
            .expect("an old-lead step needs the old lead's cycle");
        std::mem::swap(&mut self.scheduler.phase, &mut phase);
        self.scheduler_step(config, inner, entropy);
        std::mem::swap(&mut self.scheduler.phase, &mut phase);
        if *phase != SchedulerPhase::Idle {
            self.old_lead = Some(phase);
        }
    }

    pub(crate) fn scheduler_step(
        &mut self,
        config: &Config,
        action: &Action,
        entropy: &mut dyn Entropy,
    ) {
        let phase = std::mem::take(&mut self.scheduler.phase);
        self.scheduler.phase = match (action, phase) {
            (Action::SchedulerReadWatermark { fault }, SchedulerPhase::Idle) => {
                self.scheduler.next_cycle_ms = self.arm(config, config.scheduler_period_ms);
                self.scheduler_read_watermark(config, *fault)
            }
            (
                Action::SchedulerReadPartitions { fault },
                SchedulerPhase::ReadPartitions { watermark_ms },
            ) => match self.scheduler_read_partitions(config, *fault) {
                None => SchedulerPhase::Idle,
                Some(partitions) => SchedulerPhase::CountInFlight {
                    watermark_ms,
                    partitions,
                },
            },
            (
                Action::SchedulerReadPartitions { fault },
                SchedulerPhase::ReadPartitionsCounted {
                    watermark_ms,
                    counts,
                },
            ) => match self.scheduler_read_partitions(config, *fault) {
                None => SchedulerPhase::Idle,
                Some(partitions) => self.after_count(
                    config,
                    Cycle {
                        watermark_ms,
                        partitions,
                        counts,
                    },
                ),
            },
            (
                Action::SchedulerCountInFlight,
                SchedulerPhase::CountInFlightFirst { watermark_ms },
            ) => SchedulerPhase::ReadPartitionsCounted {
                watermark_ms,
                counts: self.in_flight_counts(config, watermark_ms),
            },
            (
                Action::SchedulerCountInFlight,
                SchedulerPhase::CountInFlight {
                    watermark_ms,
                    partitions,
                },
            ) => self.scheduler_count_in_flight(config, watermark_ms, partitions),
            (Action::SchedulerHandleStale, SchedulerPhase::HandleStale(cycle)) => {
                self.scheduler_handle_stale(config, cycle)
            }
            (Action::SchedulerRecheckFailedCommit, SchedulerPhase::RecheckFailedCommit(cycle)) => {
                self.scheduler_recheck_failed_commit(config, cycle)
            }
            (Action::SchedulerRevertRead { fault }, SchedulerPhase::Reverting(cycle, mut op)) => {
                let end = self.cas_read(config, &mut op, *fault, entropy);
                self.note_failed_commit_rechecked(&op, end);
                Self::after_revert_step(config, cycle, op, end)
            }
            (Action::SchedulerRevertWrite { fault }, SchedulerPhase::Reverting(cycle, mut op)) => {
                let end = self.cas_write(config, &mut op, *fault, entropy);
                self.note_failed_commit_rechecked(&op, end);
                Self::after_revert_step(config, cycle, op, end)
            }
            (
                Action::SchedulerRecheckRevert,
                SchedulerPhase::RevertRecheck(cycle, bucket, fingerprint),
            ) => {
                let live =
                    self.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
                if live == fingerprint {
                    SchedulerPhase::ResolveCutoff(cycle)
                } else {
                    let op = CasOp::new(
                        Mutation::MarkStale {
                            buckets: vec![bucket],
                        },
                        Writer::for_mark_stale(config),
                    );
                    SchedulerPhase::Reverting(cycle, op)
                }
            }
            (Action::SchedulerResolveCutoff, SchedulerPhase::ResolveCutoff(cycle)) => {
                self.scheduler_resolve_cutoff(config, cycle)
            }
            (Action::SchedulerBuildAppend, SchedulerPhase::BuildAppend(cycle, plan)) => {
                self.scheduler_build_append(config, cycle, plan)
            }
            (action, phase) => panic!("scheduler step {action:?} not enabled in phase {phase:?}"),
        };
    }

    /// `getWatermarkMs` (SCH:853-944): read, or cold-start the znode at the aligned first
    /// source bucket (`floorDiv(minStart, b) * b`, SCH:878) with `createIfAbsent`.
    fn scheduler_read_watermark(
        &mut self,
        config: &Config,
        fault: RegisterFault,
    ) -> SchedulerPhase {
        if fault == RegisterFault::Transient {
            return SchedulerPhase::Idle;
        }
        self.note_register_read(config);
        if let Some(runtime) = self.register.read(Self::stale_reads(config)).0 {
            return Self::after_watermark(config, runtime.watermark_ms);
        }
        // No usable source start: ISE, this table's generation fails (SCH:872-876).
        let Some(min_start_ms) = self.min_source_start_ms() else {
            return SchedulerPhase::Idle;
        };
        let watermark_ms = if config.profile.has_mutant(Mutant::UnalignedColdStart) {
            min_start_ms
        } else {
            align_down(min_start_ms, config.bucket_ms)
        };
        self.register.create_if_absent(RuntimeMetadata {
            watermark_ms,
            partitions: Shared::default(),
        });
        Self::after_watermark(config, self.watermark_ms())
    }

    /// The step after READ #1: READ #2 (SCH:201-209), or under fix-f2 the in-flight count
    /// first (SCH:214 moved above 201), so that every job the count finds final has
    /// already committed or failed before the partition map is read.
    fn after_watermark(config: &Config, watermark_ms: i64) -> SchedulerPhase {
        if config.profile.has_fix(Fix::F2) {
            SchedulerPhase::CountInFlightFirst { watermark_ms }
        } else {
            SchedulerPhase::ReadPartitions { watermark_ms }
        }
    }

    /// READ #2 (`fetchWithVersion`, SCH:201-209); `None` when it throws (the cycle fails).
    fn scheduler_read_partitions(
        &mut self,
        config: &Config,
        fault: RegisterFault,
    ) -> Option<Shared<BTreeMap<i64, PartitionInfo>>> {
        if fault == RegisterFault::Transient {
            return None;
        }
        self.note_register_read(config);
        Some(
            self.register
                .read(Self::stale_reads(config))
                .0
                .map(|runtime| runtime.partitions.clone())
                .unwrap_or_default(),
        )
    }

    /// `countInFlightTasks` over jobs not in a final Helix state (TaskGeneratorUtils).
    fn scheduler_count_in_flight(
        &self,
        config: &Config,
        watermark_ms: i64,
        partitions: Shared<BTreeMap<i64, PartitionInfo>>,
    ) -> SchedulerPhase {
        let counts = self.in_flight_counts(config, watermark_ms);
        self.after_count(
            config,
            Cycle {
                watermark_ms,
                partitions,
                counts,
            },
        )
    }

    /// After the in-flight count (Helix read): fix-f1's re-check of a task that failed at or
    /// after its commit, if Helix reports one, then step 1's gate. The list is empty
    /// without fix-f1 (the executor records nothing), so no flag is read here.
    fn after_count(&self, config: &Config, cycle: Cycle) -> SchedulerPhase {
        if self.failed_commits.is_empty() {
            Self::scheduler_gate_exclusive(config, cycle)
        } else {
            SchedulerPhase::RecheckFailedCommit(cycle)
        }
    }

    /// fix-f1's crash-safe re-check of one failed task (its own step: a source read). The
    /// task has ended, so its commit, if it landed, precedes this read: a source change
    /// before the read is seen here, one after it is flushed after the commit and its
    /// READ #1 lists the committed key (`flush_candidates`). A changed window gets
    /// `markStaleIfValidWith(ws, fp)`, which marks only the entry the task committed.
    fn scheduler_recheck_failed_commit(&mut self, config: &Config, cycle: Cycle) -> SchedulerPhase {
        let failed = *self
            .failed_commits
            .first()
            .expect("the re-check phase needs a failed task");
        let window_start_ms = failed.window_start_ms;
        let live = self.source_window_fingerprint(
            config,
            window_start_ms,
            window_start_ms + config.bucket_ms,
        );
        if live == failed.fingerprint {
            self.failed_commits.remove(0);
            return Self::scheduler_gate_exclusive(config, cycle);
        }
        let op = CasOp::new(
            Mutation::MarkStaleIfValidWith {
                window_start_ms,
                fingerprint: failed.fingerprint,
            },
            Writer::for_mark_stale(config),
        );
        SchedulerPhase::Reverting(cycle, op)
    }

    /// fix-f1: a re-check mark that ended (written, or a no-op: the entry no longer carries
    /// the task's fingerprint) retires its failed task; one that threw (budget exhausted)
    /// keeps it for the next cycle's re-check.
    fn note_failed_commit_rechecked(&mut self, op: &CasOp, end: Option<CasEnd>) {
        let Mutation::MarkStaleIfValidWith {
            window_start_ms,
            fingerprint,
        } = op.mutation
        else {
            return;
        };
        if matches!(
            end,
            Some(CasEnd::Committed | CasEnd::NoOp(_) | CasEnd::Violation(_))
        ) {
            self.failed_commits.retain(|failed| {
                failed.window_start_ms != window_start_ms || failed.fingerprint != fingerprint
            });
        }
    }

    /// Step 1's gate on the counts (SCH:224).
    fn scheduler_gate_exclusive(config: &Config, cycle: Cycle) -> SchedulerPhase {
        let exclusive = cycle.counts.delete + cycle.counts.overwrite;
        // Step 1: at most one OVERWRITE/DELETE per MV in flight (SCH:224).
        if exclusive == 0 || config.profile.has_mutant(Mutant::IgnoreInFlightExclusive) {
            SchedulerPhase::HandleStale(cycle)
        } else {
            SchedulerPhase::ResolveCutoff(cycle)
        }
    }

    /// `tryHandleStalePartition` (SCH:355-416): only the earliest STALE bucket per cycle.
    fn scheduler_handle_stale(&mut self, config: &Config, cycle: Cycle) -> SchedulerPhase {
        let earliest = cycle
            .partitions
            .iter()
            .find(|(_, info)| info.is_stale())
            .map(|(bucket, info)| (*bucket, *info));
        let Some((bucket, stored)) = earliest else {
            return SchedulerPhase::ResolveCutoff(cycle);
        };
        let live = self.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
        // Emptiness is checked before the false-positive test (SCH:380-390).
        if live.is_empty_window() {
            self.submit_job(
                config,
                vec![TaskConfig::new(TaskMode::Delete, bucket, live)],
            );
            return SchedulerPhase::Idle;
        }
        if live == stored.fingerprint {
            let op = if config.profile.is_post() {
                // fix-f15: compare-and-revert against the fingerprint just compared.
                let expected = config
                    .profile
                    .has_fix(Fix::F15)
                    .then_some(stored.fingerprint);
                CasOp::new(
                    Mutation::RevertValid {
                        window_start_ms: bucket,
                        expected,
                    },
                    Writer::PostRevert,
                )
            } else {
                CasOp::new(
                    Mutation::PreSchedulerRevert {
                        window_start_ms: bucket,
                    },
                    Writer::PreSchedulerRevert,
                )
            };
            return SchedulerPhase::Reverting(cycle, op);
        }
        self.submit_job(
            config,
            vec![TaskConfig::new(TaskMode::Overwrite, bucket, live)],
        );
        SchedulerPhase::Idle
    }

    /// After a revert CAS step: keep going, or on to the APPEND batch (a failed revert is
    /// caught and logged, SCH:396-400); pre's read error escapes and fails the cycle.
    /// Under fix-f10 a `revertValid` that returned (committed or no-op) is followed by the
    /// source re-read, against the fingerprint the decision compared (SCH:393).
    fn after_revert_step(
        config: &Config,
        cycle: Cycle,
        op: CasOp,
        end: Option<CasEnd>,
    ) -> SchedulerPhase {
        match end {
            None => SchedulerPhase::Reverting(cycle, op),
            Some(CasEnd::GaveUp) => SchedulerPhase::Idle,
            Some(CasEnd::Committed | CasEnd::NoOp(_)) if config.profile.has_fix(Fix::F10) => {
                match op.mutation {
                    Mutation::RevertValid {
                        window_start_ms, ..
                    } => {
                        let fingerprint = cycle
                            .partitions
                            .get(&window_start_ms)
                            .map(|info| info.fingerprint)
                            .expect("the reverted bucket is in the cycle's snapshot");
                        SchedulerPhase::RevertRecheck(cycle, window_start_ms, fingerprint)
                    }
                    _ => SchedulerPhase::ResolveCutoff(cycle),
                }
            }
            Some(_) => SchedulerPhase::ResolveCutoff(cycle),
        }
    }

    /// Step 2's start and cutoff (SCH:247-286).
    fn scheduler_resolve_cutoff(&mut self, config: &Config, cycle: Cycle) -> SchedulerPhase {
        let slots = config
            .max_tasks_per_batch
            .saturating_sub(cycle.counts.append);
        if slots == 0 {
            return SchedulerPhase::Idle;
        }
        let bucket_ms = config.bucket_ms;
        let contiguous_ms =
            compute_contiguous_upper_ms(cycle.watermark_ms, &cycle.partitions, bucket_ms);
        // Gate self-test mutant: an in-flight APPEND whose window's source changed since its
        // dispatch is left out of the start ("its V4 check will fail anyway").
        let changed = |task: &crate::executor::Task| {
            let window_start_ms = task.config.window_start_ms;
            task.config.mode == TaskMode::Append
                && task.config.fingerprint
                    != self.source_window_fingerprint(
                        config,
                        window_start_ms,
                        window_start_ms + bucket_ms,
                    )
        };
        let ignore_in_flight = config
            .profile
            .has_mutant(Mutant::AppendStartIgnoresInFlight)
            || (config
                .profile
                .has_mutant(Mutant::AppendStartIgnoresChangedWindow)
                && self
                    .jobs
                    .iter()
                    .filter(|job| !job.is_final())
                    .flat_map(|job| &job.tasks)
                    .any(changed));
        let start_ms = if ignore_in_flight {
            contiguous_ms
        } else {
            cycle.counts.max_append_end_ms.max(contiguous_ms)
        };
        let next_ms = if config.profile.has_mutant(Mutant::UnalignedColdStart) {
            start_ms
        } else {
            align_down(start_ms, bucket_ms)
        };
        let rough_cutoff_ms = self.now_ms - config.buffer_ms;
        let cutoff_ms = if config.profile.is_pre() || next_ms + bucket_ms > rough_cutoff_ms {
            rough_cutoff_ms
        } else {
            let max_source_end_ms = self.max_source_end_ms();
            // fix-f6: no source segment with an end time means no data tail to append up
            // to: the cutoff admits no window (SCH:996-997 returns the rough cutoff instead).
            if config.profile.has_fix(Fix::F6) && max_source_end_ms == i64::MIN {
                i64::MIN
            } else if config.profile.has_mutant(Mutant::AppendCutoffDropsPlusOne)
                && max_source_end_ms != i64::MIN
            {
                rough_cutoff_ms.min(max_source_end_ms)
            } else {
                resolve_append_cutoff_ms(rough_cutoff_ms, max_source_end_ms)
            }
        };
        let iterations = (slots as usize + cycle.partitions.len())
            .min(constants::MAX_BATCH_LOOP_ITERATIONS as usize) as u32;
        // Every window the loop may reach: it skips present entries without spending a
        // slot, so up to its iteration bound, not its slots (large-family#352507: a cycle
        // that saw no dated data skipped a present 1100 and planned 1200, which a ghost
        // marked by slots had left unmarked, so F6 showed as pre's bare `past-data-tail`).
        self.note_cutoff_source(config, next_ms, cutoff_ms, iterations);
        let plan = AppendPlan {
            next_ms,
            cutoff_ms,
            slots_left: slots,
            iterations_left: iterations,
            planned: Vec::new(),
        };
        SchedulerPhase::BuildAppend(cycle, plan)
    }

    /// Signature ghost: marks (or unmarks) the windows this cycle may plan,
    /// `[next_ms, cutoff_ms)` up to the loop's iteration bound `windows`, with
    /// [`crate::world::ghost_bits::BUCKET_PLANNED_WITHOUT_DATED_DATA`] by whether the live
    /// source has a segment with an end time now, when the cutoff is resolved.
    fn note_cutoff_source(&mut self, config: &Config, next_ms: i64, cutoff_ms: i64, windows: u32) {
        use crate::world::ghost_bits::BUCKET_PLANNED_WITHOUT_DATED_DATA as BIT;
        let without = self.max_source_end_ms() == i64::MIN;
        let bucket_ms = config.bucket_ms;
        let mut bucket = next_ms;
        for _ in 0..windows {
            if bucket.saturating_add(bucket_ms) > cutoff_ms {
                break;
            }
            let flags = self.ghost.buckets.get(&bucket).copied().unwrap_or(0);
            let new_flags = if without { flags | BIT } else { flags & !BIT };
            crate::signature::set_flags(&mut self.ghost, bucket, new_flags);
            bucket += bucket_ms;
        }
    }

    /// One APPEND loop turn up to the next emitted window (with its fresh fingerprint
    /// read), or the end of the loop and the job submission (SCH:288-342).
    fn scheduler_build_append(
        &mut self,
        config: &Config,
        cycle: Cycle,
        mut plan: AppendPlan,
    ) -> SchedulerPhase {
        let bucket_ms = config.bucket_ms;
        while plan.slots_left > 0 && plan.iterations_left > 0 {
            plan.iterations_left -= 1;
            let window_end_ms = plan.next_ms + bucket_ms;
            if window_end_ms > plan.cutoff_ms {
                break;
            }
            let existing = cycle.partitions.get(&plan.next_ms);
            // post skips any entry (SCH:316); pre only VALID ones (pre:SCH:289).
            let skip = if config.profile.is_post()
                && !config.profile.has_mutant(Mutant::AppendLoopSkipsOnlyValid)
            {
                existing.is_some()
            } else {
                existing.is_some_and(|info| info.is_valid())
            };
            if skip {
                plan.next_ms = window_end_ms;
                continue;
            }
            let fingerprint = self.source_window_fingerprint(config, plan.next_ms, window_end_ms);
            plan.planned
                .push(TaskConfig::new(TaskMode::Append, plan.next_ms, fingerprint));
            plan.next_ms = window_end_ms;
            plan.slots_left -= 1;
            return SchedulerPhase::BuildAppend(cycle, plan);
        }
        if !plan.planned.is_empty() {
            // Signature detail (ghost): was a violating APPEND's bucket in the scheduler's own
            // snapshot, or only in the live znode?
            use crate::signature::detail;
            let live = self.runtime().map(|runtime| &runtime.partitions);
            let read = plan
                .planned
                .iter()
                .filter(|task| live.is_some_and(|live| live.contains_key(&task.window_start_ms)))
                .map(|task| {
                    if cycle.partitions.contains_key(&task.window_start_ms) {
                        detail::APPEND_SNAPSHOT_PRESENT
                    } else if cycle.counts.max_append_end_ms > task.window_start_ms {
                        detail::APPEND_COUNTED_IN_FLIGHT
                    } else {
                        detail::APPEND_SNAPSHOT_ABSENT
                    }
                })
                .max();
            self.submit_job(config, plan.planned);
            if self.ghost.violations & crate::world::ghost_bits::APPEND_OVER_PRESENT != 0 {
                self.ghost.violation_detail = read.unwrap_or(detail::APPEND_SNAPSHOT_ABSENT);
            }
        }
        SchedulerPhase::Idle
    }
}
