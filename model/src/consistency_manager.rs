//! The consistency manager (CM): debounced `markStale` on source-segment changes and, in
//! post, the periodic VALID-empty sweep (spec §3.3).
//!
//! Event intake (`onBaseTableDataChange`, CM:197-240) runs on the notifying controller
//! thread: it merges the range into the pending hull and re-arms the trailing-edge debounce
//! timer. Flushes and sweeps run on the CM's single daemon thread (CM:142), so at most one
//! of them is in progress ([`CmState::work`]) and its CAS retries block the other.
//!
//! post flush (`markStaleThroughManager`, CM:380-406): drain, advisory snapshot READ #1,
//! candidates = existing keys in `[floorDiv(s,b)*b, e]`, then `markStale(candidates)`
//! through the manager's critical CAS loop (READ #2 + write). A key created between READ #1
//! and READ #2 is not a candidate. pre flush (`markPartitionsDirtyWithRetry`,
//! pre:CM:338-436): every attempt reads, caps the range at the watermark (pre:CM:394) and
//! flips VALID -> STALE inside it; only a conflict retries.

use crate::config::Config;
use crate::manager::{CasEnd, CasOp, Mutation, Writer};
use crate::partition::{align_down, PartitionFingerprint, RuntimeMetadata};
use crate::profile::{Fix, Mutant};
use crate::register::RegisterFault;
use crate::world::{ghost_bits, Action, Entropy, World};
use serde::{Deserialize, Serialize};

/// The CM's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CmState {
    /// The merged pending range `[min start, max end]`; the debounce timer is armed iff Some.
    pub pending: Option<(i64, i64)>,
    /// fix-f9: the hull of the pending changes that carried a time span, kept beside a full
    /// invalidation that widens `pending` to `[0, MAX]` (elements 2 and 3 of the patched
    /// `_pendingRanges` record); [`NO_TIMED_RANGE`] when every pending change was a full
    /// invalidation. Some iff `pending` is, under the fix; None without it, so engines
    /// without the fix keep their state space.
    pub pending_timed: Option<(i64, i64)>,
    /// fix-f16 with fix-f9: the restarted CM's `init` has yet to read the base table's
    /// segment span and queue its recovery (the full invalidation and the timed change over
    /// the span, [`World::consistency_init_span`]). False without both fixes, so other
    /// engines keep their state space.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub init_span_read: bool,
    /// When the debounce timer fires (concrete timing).
    pub timer_due_ms: i64,
    /// The flush or sweep the single CM thread is running.
    pub work: Option<CmWork>,
    /// When the next sweep runs (concrete timing).
    pub sweep_due_ms: i64,
}

/// A mark in progress on the CM thread.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CmWork {
    pub op: CasOp,
    /// The mark came from the sweep (for the `sometimes` milestone).
    pub from_sweep: bool,
    /// fix-f3: the flushed range, re-queued if the mark ends in an exception (None
    /// otherwise, so engines without the fix keep their state space).
    pub requeue: Option<Drained>,
}

/// A range the flush drained: the hull and, under fix-f9, its timed part
/// ([`CmState::pending_timed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Drained {
    pub start_ms: i64,
    pub end_ms: i64,
    pub timed: Option<(i64, i64)>,
}

/// fix-f9: the timed part of a pending range that holds only full invalidations (the empty
/// range `[Long.MAX_VALUE, Long.MIN_VALUE]` of the patched record).
pub const NO_TIMED_RANGE: (i64, i64) = (i64::MAX, i64::MIN);

impl CmState {
    pub fn is_idle(&self) -> bool {
        self.pending.is_none() && self.work.is_none() && !self.init_span_read
    }
}

/// `onBaseTableDataChange`'s intake (CM:197-240): the pending hull after the change
/// `[start_ms, end_ms]` arrives, or `None` when the change is ignored (a negative bound: a
/// segment without time metadata, CM:198-202), in which case the timer is not re-armed
/// either. Any other result re-arms the debounce timer.
pub fn intake(pending: Option<(i64, i64)>, start_ms: i64, end_ms: i64) -> Option<(i64, i64)> {
    if start_ms < 0 || end_ms < 0 {
        return None;
    }
    Some(match pending {
        Some((start, end)) => (start.min(start_ms), end.max(end_ms)),
        None => (start_ms, end_ms),
    })
}

/// fix-f9: the timed hull after the accepted change `[start_ms, end_ms]` arrives: a full
/// invalidation (`end_ms == Long.MAX_VALUE`: `onBaseTableFullInvalidation`, CM:262-264, which
/// the notifier also sends for a segment without time metadata) carries no time span and
/// leaves it as it was; any other change widens it.
pub fn intake_timed(timed: Option<(i64, i64)>, start_ms: i64, end_ms: i64) -> (i64, i64) {
    let (start, end) = timed.unwrap_or(NO_TIMED_RANGE);
    if end_ms == i64::MAX {
        (start, end)
    } else {
        (start.min(start_ms), end.max(end_ms))
    }
}

/// The post flush's candidates (`markStaleThroughManager`, CM:380-406 via CM:620-657): the
/// existing keys of `snapshot` in `[floorDiv(start, bucket) * bucket, end]`, in key order. The
/// `MarkStaleSynthesizesAbsent` mutant also lists absent aligned buckets of the range
/// (bounded by one bucket around the existing keys). Empty means no `markStale` call.
pub fn flush_candidates(
    config: &Config,
    snapshot: &RuntimeMetadata,
    start_ms: i64,
    end_ms: i64,
) -> Vec<i64> {
    // bucketMs from the MV table config (inferBucketMs, CM:651-657).
    let first = align_down(start_ms, config.bucket_ms);
    if first > end_ms {
        return Vec::new(); // no existing key can satisfy first <= k <= end (CM:638-644)
    }
    if config
        .profile
        .has_mutant(Mutant::MarkStaleSynthesizesAbsent)
    {
        // The mutant also lists absent buckets of the range, bounded by one bucket around
        // the existing keys so that a full invalidation [0, MAX] stays small. (Inside the
        // `has_mutant` block, so scripts/mutation.sh's exclusion rule sees that it is
        // mutant-only code: as a `!has_mutant` early return it did not.)
        let keys = &snapshot.partitions;
        let lowest = keys.keys().next().copied().unwrap_or(first);
        let last = keys.keys().next_back().copied().unwrap_or(first);
        let upper = end_ms.min(last + config.bucket_ms);
        let lower = first.max(align_down(lowest, config.bucket_ms) - config.bucket_ms);
        return (0..)
            .map(|index| lower + index * config.bucket_ms)
            .take_while(|bucket| *bucket <= upper)
            .collect();
    }
    let highest = if config.profile.has_mutant(Mutant::FlushSkipsLastBucket) {
        align_down(end_ms, config.bucket_ms) - 1
    } else {
        end_ms
    };
    if highest < first {
        return Vec::new();
    }
    snapshot
        .partitions
        .range(first..=highest)
        .map(|(bucket, _)| *bucket)
        .collect()
}

/// The sweep's candidates (`findStrandedEmptyBuckets`, CM:540-581): VALID buckets with an
/// empty fingerprint (`segmentCount == 0`) below the watermark (`isInCoverageValidEmpty`,
/// CM:549-553) whose source window `source_window(bucket)` is no longer empty (the
/// `SweepIgnoresSource` mutant skips that check), in key order.
pub fn sweep_candidates(
    config: &Config,
    runtime: &RuntimeMetadata,
    source_window: &dyn Fn(i64) -> PartitionFingerprint,
) -> Vec<i64> {
    let watermark_ms = runtime.watermark_ms;
    runtime
        .partitions
        .iter()
        .filter(|(bucket, info)| {
            info.is_valid() && info.fingerprint.segment_count == 0 && **bucket < watermark_ms
        })
        .map(|(bucket, _)| *bucket)
        .filter(|bucket| {
            config.profile.has_mutant(Mutant::SweepIgnoresSource)
                || !source_window(*bucket).is_empty_window()
        })
        .collect()
}

impl World {
    /// `onBaseTableDataChange` (CM:197-240): merge into the pending hull, re-arm the timer.
    pub(crate) fn consistency_intake(&mut self, config: &Config, start_ms: i64, end_ms: i64) {
        let Some(merged) = intake(self.consistency.pending, start_ms, end_ms) else {
            return;
        };
        self.consistency.pending = Some(merged);
        // fix-f9: the merge also keeps the hull of the timed changes, which a full
        // invalidation would otherwise swallow (CM:222-227 merges `[min, max]` only).
        if config.profile.has_fix(Fix::F9) {
            self.consistency.pending_timed = Some(intake_timed(
                self.consistency.pending_timed,
                start_ms,
                end_ms,
            ));
        }
        self.consistency.timer_due_ms = self.arm(config, config.debounce_ms);
    }

    /// fix-f3's re-queue of a drained range: the hull, and (fix-f9) its timed part, which
    /// re-merging the hull `[0, MAX]` alone would drop. In the Java, the re-queue calls
    /// `onBaseTableDataChange` with elements 0-1 and, when non-empty, 2-3 of the record.
    fn consistency_requeue(&mut self, config: &Config, drained: Drained) {
        self.consistency_intake(config, drained.start_ms, drained.end_ms);
        if let Some((start_ms, end_ms)) = drained.timed {
            if start_ms <= end_ms {
                self.consistency_intake(config, start_ms, end_ms);
            }
        }
    }

    pub(crate) fn consistency_actions(&self, config: &Config, out: &mut Vec<Action>) {
        let cm = &self.consistency;
        // fix-f16 with fix-f9: the init's segment read runs on the controller's start thread
        // (`init`, CM:156-171), not the CM thread, so it is offered whatever that thread is
        // doing. No transient fault is modelled on it (docs/findings/F16.md: the patch falls
        // back to the plain invalidation if the read throws).
        if cm.init_span_read {
            out.push(Action::ConsistencyManagerInitSpan);
        }
        match &cm.work {
            Some(work) => {
                if !self.is_due(config, work.op.wake_ms) {
                    return;
                }
                if work.op.wants_read() {
                    self.push_with_faults(
                        config,
                        Action::ConsistencyManagerCasRead {
                            fault: RegisterFault::None,
                        },
                        out,
                    );
                } else {
                    self.push_with_faults(
                        config,
                        Action::ConsistencyManagerCasWrite {
                            fault: RegisterFault::None,
                        },
                        out,
                    );
                }
            }
            None => {
                if cm.pending.is_some() && self.is_due(config, cm.timer_due_ms) {
                    let flush = Action::ConsistencyManagerFlush {
                        fault: RegisterFault::None,
                    };
                    if config.profile.is_post() {
                        self.push_with_faults(config, flush, out);
                    } else {
                        out.push(flush);
                    }
                }
                if config.profile.is_post()
                    && config.profile.empty_sweep
                    && self.is_due(config, cm.sweep_due_ms)
                {
                    self.push_with_faults(
                        config,
                        Action::ConsistencyManagerSweep {
                            fault: RegisterFault::None,
                        },
                        out,
                    );
                }
            }
        }
    }

    pub(crate) fn consistency_step(
        &mut self,
        config: &Config,
        action: &Action,
        entropy: &mut dyn Entropy,
    ) {
        match *action {
            Action::ConsistencyManagerFlush { fault } => self.consistency_flush(config, fault),
            Action::ConsistencyManagerSweep { fault } => self.consistency_sweep(config, fault),
            Action::ConsistencyManagerInitSpan => self.consistency_init_span(config),
            Action::ConsistencyManagerCasRead { fault }
            | Action::ConsistencyManagerCasWrite { fault } => {
                let mut work = self
                    .consistency
                    .work
                    .take()
                    .expect("a CM CAS step needs CM work");
                let end = if matches!(action, Action::ConsistencyManagerCasRead { .. }) {
                    self.cas_read(config, &mut work.op, fault, entropy)
                } else {
                    self.cas_write(config, &mut work.op, fault, entropy)
                };
                match end {
                    None => self.consistency.work = Some(work),
                    Some(CasEnd::Committed) if work.from_sweep => {
                        self.ghost.reached |= ghost_bits::REACHED_SWEEP_REMARKED;
                    }
                    // fix-f3: the exception re-queues the range for the next debounce flush.
                    Some(CasEnd::Exhausted | CasEnd::GaveUp) if work.requeue.is_some() => {
                        let drained = work.requeue.expect("checked");
                        self.consistency_requeue(config, drained);
                    }
                    // Exceptions are logged and the mark is dropped (CM:400-405).
                    Some(end) => self.note_mark_end(&work.op.mutation, &end),
                }
            }
            _ => unreachable!("consistency_step called with a non-CM action"),
        }
    }

    /// `flush(base)` -> `markStaleThroughManager` (post CM:380-406) or
    /// `markPartitionsDirtyWithRetry` (pre:CM:338-370).
    fn consistency_flush(&mut self, config: &Config, fault: RegisterFault) {
        let (start_ms, end_ms) = self
            .consistency
            .pending
            .take()
            .expect("a flush needs a pending range");
        // fix-f9's timed part, drained with the hull (one record in the Java, CM:346-357).
        let timed = self.consistency.pending_timed.take();
        let drained = Drained {
            start_ms,
            end_ms,
            timed,
        };
        if config.profile.is_pre() {
            let mutation = Mutation::PreMarkDirty { start_ms, end_ms };
            self.consistency.work = Some(CmWork {
                op: CasOp::new(mutation, Writer::PreConsistencyManager),
                from_sweep: false,
                requeue: None,
            });
            return;
        }
        let requeue = config.profile.has_fix(Fix::F3);
        if fault == RegisterFault::Transient {
            self.note_flush(config, start_ms, end_ms, None);
            // READ #1 threw: logged, the mark is dropped (CM:384-389); fix-f3 re-queues it.
            if requeue {
                self.consistency_requeue(config, drained);
            }
            return;
        }
        self.note_register_read(config);
        let Some(snapshot) = self.register.read(Self::stale_reads(config)).0 else {
            self.note_flush(config, start_ms, end_ms, Some(&[]));
            return;
        };
        let mut candidates = flush_candidates(config, snapshot, start_ms, end_ms);
        // fix-f9 (its timed part is Some only under the fix): also list the absent aligned
        // slots of the timed changes below the snapshot's watermark (CM:638-644 lists
        // existing keys only), for the synthesizing markStale. A full invalidation `[0, MAX]`
        // carries no time range and adds none
        // (MaterializedViewConsistencyManagerTest#testFullInvalidationDoesNotSynthesizeAbsentBuckets),
        // but the timed changes merged into the same debounce window with it still do.
        let in_coverage = timed.is_some();
        if let Some((timed_start_ms, timed_end_ms)) = timed.filter(|(s, e)| s <= e) {
            let below = timed_end_ms.min(snapshot.watermark_ms - 1);
            let mut bucket = align_down(timed_start_ms, config.bucket_ms);
            while bucket <= below {
                candidates.push(bucket);
                bucket += config.bucket_ms;
            }
            candidates.sort_unstable();
            candidates.dedup();
        }
        self.note_flush(config, start_ms, end_ms, Some(&candidates));
        if candidates.is_empty() {
            return;
        }
        let mutation = if in_coverage {
            Mutation::MarkStaleInCoverage {
                buckets: candidates,
            }
        } else {
            Mutation::MarkStale {
                buckets: candidates,
            }
        };
        self.consistency.work = Some(CmWork {
            op: CasOp::new(mutation, Writer::for_mark_stale(config)),
            from_sweep: false,
            requeue: requeue.then_some(drained),
        });
    }

    /// fix-f16 with fix-f9: the restarted CM's recovery (`invalidateAllAfterStart` in
    /// docs/findings/F16.patch, called at the end of `init`, CM:156-171 / HEAD 155-170).
    /// One step: the read of the base table's segment ZK metadata (the sweep's
    /// `getSegmentsZKMetadata`, HEAD CM:511-512) for the span `[min startTimeMs, max
    /// endTimeMs]` of its dated segments (both bounds `>= 0`, as the scheduler's cold start
    /// and `computeMaxSourceEndTimeMs` filter, SCH:870-876, 971-980), then two in-memory
    /// merges back to back on the same thread (`onBaseTableFullInvalidation`, CM:262-264,
    /// and `onBaseTableDataChange` over the span, CM:197-240), which no flush can separate:
    /// each re-arms the 5 s debounce timer. Neither is a CAS. With no dated segment only
    /// the invalidation is queued.
    fn consistency_init_span(&mut self, config: &Config) {
        self.consistency.init_span_read = false;
        let dated = || {
            self.source
                .iter()
                .filter(|segment| segment.start_ms >= 0 && segment.end_ms >= 0)
        };
        let span = dated()
            .map(|segment| segment.start_ms)
            .min()
            .zip(dated().map(|segment| segment.end_ms).max());
        self.consistency_intake(config, 0, i64::MAX);
        if let Some((start_ms, end_ms)) = span {
            self.consistency_intake(config, start_ms, end_ms);
        }
    }

    /// `sweep()` (post CM:440-581): re-mark in-coverage VALID-empty buckets whose source
    /// window regained segments.
    fn consistency_sweep(&mut self, config: &Config, fault: RegisterFault) {
        self.consistency.sweep_due_ms = self.arm(config, config.sweep_interval_ms);
        if fault == RegisterFault::Transient {
            return;
        }
        self.note_register_read(config);
        let Some(runtime) = self.register.read(Self::stale_reads(config)).0 else {
            return;
        };
        let source_window =
            |bucket: i64| self.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
        let stranded = sweep_candidates(config, runtime, &source_window);
        if stranded.is_empty() {
            return;
        }
        self.consistency.work = Some(CmWork {
            op: CasOp::new(
                Mutation::MarkStale { buckets: stranded },
                Writer::for_mark_stale(config),
            ),
            from_sweep: true,
            requeue: None,
        });
    }
}
