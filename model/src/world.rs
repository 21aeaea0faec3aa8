//! The whole simulated cluster as one value ([`World`]) and every atomic step of every
//! actor as one enum ([`Action`]).
//!
//! The engine is a labelled transition system: [`World::actions`] lists the enabled steps,
//! [`World::step`] applies one. Both are pure and deterministic (the only extra input is
//! [`Entropy`], the back-off jitter, which the checker fixes to zero), so the exhaustive
//! checker and the seeded simulator drive the very same code (DESIGN-NOTES "One model, two
//! drivers"). The order of `actions()` is a function of the state alone: an action index is
//! a replay handle.
//!
//! Actors live in their own files, each an `impl World` block: `scheduler.rs`,
//! `executor.rs`, `consistency_manager.rs`, `segment_source.rs`, `broker.rs`. The CAS step
//! machine they share is `manager.rs`; its glue to the register (ghost bookkeeping of every
//! applied write) is here.

use crate::broker::BrokerState;
use crate::config::{Config, Timing};
use crate::consistency_manager::CmState;
use crate::executor::{Job, TaskConfig};
use crate::manager::{mutate, CasEnd, CasOp, MutateInputs, Mutated, Mutation, NoOp};
use crate::partition::{PartitionFingerprint, RuntimeMetadata};
use crate::profile::Mutant;
use crate::register::{Register, RegisterFault, SetError};
use crate::scheduler::SchedulerState;
use crate::segment_source::SourceSegmentState;
use crate::shared::Shared;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Random choices the model needs from its driver (only the CAS back-off jitter).
pub trait Entropy {
    /// A uniform integer in `[0, bound)`; `bound >= 1`.
    fn below(&mut self, bound: u64) -> u64;
}

/// The checker's entropy: every draw is 0 (time is abstract there anyway).
pub struct NoEntropy;

impl Entropy for NoEntropy {
    fn below(&mut self, _bound: u64) -> u64 {
        0
    }
}

/// A task address: job index in [`World::jobs`], task index in the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaskRef {
    pub job: u8,
    pub task: u8,
}

/// Every atomic step of every actor, named actor + verb + object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Action {
    /// The clock moves one bucket forward (abstract timing; the simulator owns time itself).
    ClockTick,
    /// A segment upload or backfill: metadata created, then the CM notified (PHRM:3252-3270).
    /// The two are one step: a flush between them reads no source, so it commutes.
    SourceUpload {
        segment: u16,
        start_ms: i64,
        end_ms: i64,
        crc: i64,
    },
    /// A segment refresh with a new crc: metadata updated, then notified (PHRM:3272-3291).
    SourceRefresh { segment: u16, crc: i64 },
    /// Retention delete, part 1: notify before the metadata is removed (SDM:128-161).
    SourceDeleteNotify { segment: u16 },
    /// Retention delete, part 2: the segment metadata is removed (SDM:200).
    SourceDeleteRemove { segment: u16 },
    /// Scheduler READ #1: watermark, cold start if the znode is missing (SCH:853-944).
    SchedulerReadWatermark { fault: RegisterFault },
    /// Scheduler READ #2: the partition map (SCH:175-180).
    SchedulerReadPartitions { fault: RegisterFault },
    /// Scheduler: count in-flight tasks from Helix job state (SCH:182-214).
    SchedulerCountInFlight,
    /// Scheduler: earliest STALE bucket -> DELETE, revert or OVERWRITE (SCH:355-416).
    SchedulerHandleStale,
    /// Scheduler revert CAS read (`revertValid`, PM:360-380; pre:SCH:377-449).
    SchedulerRevertRead { fault: RegisterFault },
    /// Scheduler revert CAS write.
    SchedulerRevertWrite { fault: RegisterFault },
    /// fix-f10: after `revertValid` returned, re-read the source window fingerprint (in Java
    /// one more `computeWindowFingerprint` call after SCH:401-403) and, if it differs from
    /// the reverted fingerprint, start `markStale(ws)`. Its own step: a source read.
    SchedulerRecheckRevert,
    /// fix-f1, crash-safe half: take the first task Helix reports failed at or after its
    /// commit (its config: window and committed fingerprint) and re-read that window's
    /// source fingerprint; if it differs, start `markStaleIfValidWith(ws, fp)` (the revert
    /// CAS steps run it). In Java a `computeSourceWindowFingerprint` per failed task after
    /// `countInFlightTasks` (SCH:214). The Helix record is immutable once written, so
    /// reading it with the source in one step is the same as reading it first.
    SchedulerRecheckFailedCommit,
    /// Scheduler: APPEND start and cutoff (SCH:247-286; pre:SCH:265).
    SchedulerResolveCutoff,
    /// Scheduler: one APPEND loop iteration up to the next emitted window with its fresh
    /// fingerprint read, or the end of the loop and the job submission (SCH:288-342).
    SchedulerBuildAppend,
    /// Executor `preProcess` (EX:112-164; pre:EX:112-157).
    ExecutorPreProcess { task: TaskRef, fault: RegisterFault },
    /// Executor V1 source validation and the broker query (EX:193-266).
    ExecutorRunQuery { task: TaskRef },
    /// Executor V2/V3 validation and the MV segment swap (EX:274-379).
    ExecutorSwapSegments { task: TaskRef },
    /// Executor DELETE: pre-check (post EX:424-442) and MV segment deletion (EX:444-470).
    ExecutorDeleteSegments { task: TaskRef },
    /// Executor `postProcess` V4 (EX:515-516): the source fingerprint once, before the CAS.
    ExecutorValidateCommit { task: TaskRef },
    /// fix-f1 "V5": after `appendValid` / `refreshValid` returned, re-read the source window
    /// fingerprint (in Java one more `computeSourceWindowFingerprint` call in `postProcess`
    /// after EX:515-530) and, if it differs from the committed one, start `markStale(ws)`.
    /// Its own step: a source read, never merged into the CAS write before it.
    ExecutorRecheckSource { task: TaskRef },
    /// Executor commit CAS read+mutate (PM:542-592 / pre:EX:491-588).
    ExecutorCasRead { task: TaskRef, fault: RegisterFault },
    /// Executor commit CAS write.
    ExecutorCasWrite { task: TaskRef, fault: RegisterFault },
    /// Fault: the minion task throws at its current step (Helix: 1 attempt, no retry).
    ExecutorFailTask { task: TaskRef },
    /// Fault: Helix times the task out; the job may turn final while the thread runs on.
    HelixTimeoutTask { task: TaskRef },
    /// CM debounce flush: drain, snapshot READ #1, candidates (CM:380-406; pre:CM:338-370).
    ConsistencyManagerFlush { fault: RegisterFault },
    /// CM VALID-empty sweep (post CM:412-581).
    ConsistencyManagerSweep { fault: RegisterFault },
    /// fix-f16 with fix-f9: the restarted CM's `init` reads the base table's segment ZK
    /// metadata (`ZKMetadataProvider.getSegmentsZKMetadata`, as the sweep does at CM:511-512
    /// at HEAD) for the time span of its dated segments, then queues the full invalidation
    /// `[0, MAX]` and a timed change over that span, so fix-f9's flush synthesizes absent
    /// buckets below coverage that a lost buffer held. Its own step: a source read, never
    /// merged into a CAS ([`crate::consistency_manager::CmState::init_span_read`]).
    ConsistencyManagerInitSpan,
    /// CM mark CAS read+mutate.
    ConsistencyManagerCasRead { fault: RegisterFault },
    /// CM mark CAS write.
    ConsistencyManagerCasWrite { fault: RegisterFault },
    /// The broker's cache receives the znode's current watermark (MC:385-437).
    BrokerRefreshCache,
    /// Fault: the controller hosting the consistency manager and leading the MV table goes
    /// away (a crash, a restart, a deploy). The CM's pending range and debounce timer are
    /// in-memory maps (CM:124, 127) that `stop()` discards (CM:173-185) and nothing
    /// persists; the restarted CM's `init` (CM:156-171) runs no recovery; the scheduler's
    /// cycle in progress is abandoned (GEN:58-60: a fresh scheduler per cycle); minion
    /// tasks run on (docs/java-notes.md "Controller failover").
    ControllerFailover,
    /// Fault: a leadership change without a crash (the lead controller resource moves the
    /// table's partition, CPT:81-83, LCM:103-138). The old lead's cycle in progress runs to
    /// completion: nothing inside a run re-checks leadership (CPT:86-108; PinotTaskManager
    /// overrides `processTables`, PTM:1078-1085, and `scheduleTasks` holds only its own
    /// controller's monitor, PTM:766-774) and its job submission is a plain Helix enqueue
    /// (PTM:1017-1031). The new lead's `PinotTaskManager` run starts its own cycle beside it;
    /// with the default `controller.task.enableDistributedLocking = false` no lock stands
    /// between them (PTM:194-203, 878-904; docs/java-notes.md Q13).
    LeadershipChange,
    /// One step of the old lead's cycle after a [`Action::LeadershipChange`] (the wrapped
    /// action is a scheduler step, applied to the old lead's cycle).
    OldLead(Box<Action>),
}

/// Actors, for traces and the simulator's scheduling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Actor {
    Clock,
    Source,
    Scheduler,
    Executor,
    ConsistencyManager,
    Broker,
}

impl Actor {
    pub fn name(self) -> &'static str {
        match self {
            Actor::Clock => "clock",
            Actor::Source => "source",
            Actor::Scheduler => "scheduler",
            Actor::Executor => "executor",
            Actor::ConsistencyManager => "consistency",
            Actor::Broker => "broker",
        }
    }
}

impl Action {
    pub fn actor(&self) -> Actor {
        use Action::*;
        match self {
            ClockTick => Actor::Clock,
            SourceUpload { .. }
            | SourceRefresh { .. }
            | SourceDeleteNotify { .. }
            | SourceDeleteRemove { .. } => Actor::Source,
            SchedulerReadWatermark { .. }
            | SchedulerReadPartitions { .. }
            | SchedulerCountInFlight
            | SchedulerHandleStale
            | SchedulerRevertRead { .. }
            | SchedulerRevertWrite { .. }
            | SchedulerRecheckRevert
            | SchedulerRecheckFailedCommit
            | SchedulerResolveCutoff
            | SchedulerBuildAppend
            | LeadershipChange
            | OldLead(_) => Actor::Scheduler,
            ExecutorPreProcess { .. }
            | ExecutorRunQuery { .. }
            | ExecutorSwapSegments { .. }
            | ExecutorDeleteSegments { .. }
            | ExecutorValidateCommit { .. }
            | ExecutorRecheckSource { .. }
            | ExecutorCasRead { .. }
            | ExecutorCasWrite { .. }
            | ExecutorFailTask { .. }
            | HelixTimeoutTask { .. } => Actor::Executor,
            ConsistencyManagerFlush { .. }
            | ConsistencyManagerSweep { .. }
            | ConsistencyManagerInitSpan
            | ConsistencyManagerCasRead { .. }
            | ConsistencyManagerCasWrite { .. }
            | ControllerFailover => Actor::ConsistencyManager,
            BrokerRefreshCache => Actor::Broker,
        }
    }

    /// The injected register fault, if any.
    pub fn register_fault(&self) -> RegisterFault {
        use Action::*;
        match self {
            SchedulerReadWatermark { fault }
            | SchedulerReadPartitions { fault }
            | SchedulerRevertRead { fault }
            | SchedulerRevertWrite { fault }
            | ExecutorPreProcess { fault, .. }
            | ExecutorCasRead { fault, .. }
            | ExecutorCasWrite { fault, .. }
            | ConsistencyManagerFlush { fault }
            | ConsistencyManagerSweep { fault }
            | ConsistencyManagerCasRead { fault }
            | ConsistencyManagerCasWrite { fault } => *fault,
            OldLead(inner) => inner.register_fault(),
            _ => RegisterFault::None,
        }
    }

    /// Is this step a fault (injected error, lost ack, task failure or timeout)?
    pub fn is_fault(&self) -> bool {
        self.register_fault() != RegisterFault::None
            || matches!(
                self,
                Action::ExecutorFailTask { .. }
                    | Action::HelixTimeoutTask { .. }
                    | Action::ControllerFailover
                    | Action::LeadershipChange
            )
    }

    /// The segment a source step acts on.
    pub fn source_segment(&self) -> Option<u16> {
        match self {
            Action::SourceUpload { segment, .. }
            | Action::SourceRefresh { segment, .. }
            | Action::SourceDeleteNotify { segment }
            | Action::SourceDeleteRemove { segment } => Some(*segment),
            _ => None,
        }
    }

    /// Is this a step of the environment (clock, source) rather than the engine?
    pub fn is_environment(&self) -> bool {
        matches!(self.actor(), Actor::Clock | Actor::Source)
    }

    /// The same step with the fault replaced by `fault` (for the simulator's fault draw).
    pub fn with_register_fault(&self, new_fault: RegisterFault) -> Action {
        use Action::*;
        let mut action = self.clone();
        match &mut action {
            SchedulerReadWatermark { fault }
            | SchedulerReadPartitions { fault }
            | SchedulerRevertRead { fault }
            | SchedulerRevertWrite { fault }
            | ExecutorPreProcess { fault, .. }
            | ExecutorCasRead { fault, .. }
            | ExecutorCasWrite { fault, .. }
            | ConsistencyManagerFlush { fault }
            | ConsistencyManagerSweep { fault }
            | ConsistencyManagerCasRead { fault }
            | ConsistencyManagerCasWrite { fault } => *fault = new_fault,
            OldLead(inner) => **inner = inner.with_register_fault(new_fault),
            _ => {}
        }
        action
    }

    /// Does this step write the register (so a lost ack is possible)?
    pub fn is_register_write(&self) -> bool {
        if let Action::OldLead(inner) = self {
            return inner.is_register_write();
        }
        matches!(
            self,
            Action::SchedulerRevertWrite { .. }
                | Action::ExecutorCasWrite { .. }
                | Action::ConsistencyManagerCasWrite { .. }
        )
    }

    /// Does this step read the register through a path where a transient error is modelled?
    pub fn is_register_read(&self) -> bool {
        if let Action::OldLead(inner) = self {
            return inner.is_register_read();
        }
        matches!(
            self,
            Action::SchedulerReadWatermark { .. }
                | Action::SchedulerReadPartitions { .. }
                | Action::SchedulerRevertRead { .. }
                | Action::ExecutorPreProcess { .. }
                | Action::ExecutorCasRead { .. }
                | Action::ConsistencyManagerFlush { .. }
                | Action::ConsistencyManagerSweep { .. }
                | Action::ConsistencyManagerCasRead { .. }
        )
    }
}

fn is_zero(value: &u16) -> bool {
    *value == 0
}

fn is_zero_u8(value: &u8) -> bool {
    *value == 0
}

/// Ghost bits: history facts that only properties and traces read, never a guard.
pub mod ghost_bits {
    /// A write lowered the watermark.
    pub const WATERMARK_DECREASED: u16 = 1 << 0;
    /// A write created STALE from anything but VALID.
    pub const STALE_NOT_FROM_VALID: u16 = 1 << 1;
    /// A write removed a bucket entry.
    pub const ENTRY_REMOVED: u16 = 1 << 2;
    /// A VALID bucket's fingerprint changed without STALE then OVERWRITE/DELETE.
    pub const ORDER_VIOLATED: u16 = 1 << 3;
    /// An APPEND job was submitted for a bucket that had an entry in the live znode.
    pub const APPEND_OVER_PRESENT: u16 = 1 << 4;
    /// A register operation returned what no sequential CAS register would.
    pub const REGISTER_NOT_LINEARIZABLE: u16 = 1 << 5;
    /// A task turned SUCCEEDED while its bucket is not in the state its mode promises
    /// (judged by `properties::succeeded_outcome_broken`).
    pub const TASK_OUTCOME_DISHONEST: u16 = 1 << 6;
    /// A partition-state operation persisted the snapshot it read unchanged (a mutator with
    /// nothing to change returns `null` and writes nothing, PM:524-526, 565-568).
    pub const UNCHANGED_WRITE: u16 = 1 << 7;
    /// A CAS operation gave up on its budget after fewer reads than the Java's budget
    /// (`properties::cas_budget`; the loop throws only after its last attempt, PM:546).
    pub const CAS_GAVE_UP_EARLY: u16 = 1 << 8;
    /// A strict partition-state operation of an executor task (appendValid, refreshValid,
    /// clearValid, clearStaleFingerprint) read a snapshot on which its Javadoc precondition
    /// (restated in `properties::strict_precondition`) fails, from a caller that does not
    /// trigger it by design; or the manager threw where that precondition holds, or did not
    /// throw where it fails. The kind and what the entry held are in
    /// `Ghost::precondition_detail`.
    pub const PRECONDITION_BROKEN: u16 = 1 << 9;
    /// A post DELETE's first step (the commit-time backfill guard, EX:424-442) found the
    /// source window holding data and did anything but end SUCCEEDED with the window's MV
    /// segments untouched (judged by `properties::delete_check_ignored_data`).
    pub const DELETE_IGNORED_BACKFILL: u16 = 1 << 10;

    /// Witness bits ([`super::Witness`]): step events for `sometimes` properties that are not
    /// part of the state's identity.
    pub const WITNESS_TASK_SUCCEEDED: u32 = 1 << 0;
    /// A partition-state operation's read found nothing to change (its mutator returned
    /// `null`: the lenient no-op or the idempotent carve-out).
    pub const WITNESS_NOTHING_TO_CHANGE: u32 = 1 << 1;
    /// A strict partition-state operation read a snapshot on which its precondition fails
    /// (a zombie, a lost-ack replay, or a caller that broke the dispatch invariant).
    pub const WITNESS_PRECONDITION_FAILED: u32 = 1 << 2;
    /// A post DELETE ran its backfill guard over a source window holding data.
    pub const WITNESS_DELETE_SAW_BACKFILL: u32 = 1 << 3;

    /// Milestones for `sometimes` properties.
    pub const REACHED_DELETE_COMMITTED: u32 = 1 << 0;
    pub const REACHED_BACKFILL_AFTER_DELETE: u32 = 1 << 1;
    pub const REACHED_OVERWRITE_AFTER_BACKFILL: u32 = 1 << 2;
    pub const REACHED_FALSE_POSITIVE_REVERTED: u32 = 1 << 3;
    pub const REACHED_CAS_RETRIED: u32 = 1 << 4;
    pub const REACHED_LOST_ACK_REPLAYED: u32 = 1 << 5;
    pub const REACHED_STALE_MARKED: u32 = 1 << 6;
    pub const REACHED_APPEND_COMMITTED: u32 = 1 << 7;
    pub const REACHED_SWEEP_REMARKED: u32 = 1 << 8;
    pub const REACHED_BUDGET_EXHAUSTED: u32 = 1 << 9;
    pub const REACHED_ZOMBIE_COMMITTED: u32 = 1 << 10;
    pub const REACHED_OVERWRITE_COMMITTED: u32 = 1 << 11;

    /// Per-bucket history flags.
    pub const BUCKET_DELETED: u16 = 1 << 0;
    pub const BUCKET_BACKFILLED_AFTER_DELETE: u16 = 1 << 1;
    /// The bucket's latest APPEND plan came from a cycle whose cutoff was resolved while
    /// the live source had no segment with an end time (SCH:996-997 then returns the rough
    /// cutoff `now - buffer`: F6's walk). Set or cleared for the windows a cycle may plan
    /// when it resolves its cutoff, kept by every write of the bucket; a signature cause of the
    /// watermark properties (`planned-without-dated-data`), so that F6 and pre's stalled
    /// ingestion (a cutoff that ignores the source) have different signatures.
    pub const BUCKET_PLANNED_WITHOUT_DATED_DATA: u16 = 1 << 13;
    // Bits 2..12 of a bucket's flags are the signature causes (`crate::signature`).
}

/// History kept for properties only (DESIGN-NOTES "Properties over histories").
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Ghost {
    /// Max inclusive source `endTimeMs >= 0` ever present (I4 is relative to data seen).
    pub max_source_end_seen_ms: i64,
    /// [`ghost_bits`] violation bits of the step that produced this state.
    pub violations: u16,
    /// [`ghost_bits`] milestone bits of the step that produced this state.
    pub reached: u32,
    /// What the violating step was, for finding signatures (`crate::signature::detail`);
    /// 0 when `violations == 0`.
    pub violation_detail: u8,
    /// What a SUCCEEDED task's broken promise was (`crate::signature::outcome`), set with
    /// [`ghost_bits::TASK_OUTCOME_DISHONEST`] by the step that reports it (the task itself
    /// may leave the state with its job); 0 otherwise.
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub outcome_detail: u8,
    /// The manager operation (`crate::signature::detail`) of a write that left the znode's
    /// content unchanged, set with [`ghost_bits::UNCHANGED_WRITE`] (`violation_detail` may
    /// name the register call instead when the same write also breaks linearizability);
    /// 0 otherwise.
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub unchanged_write_detail: u8,
    /// With [`ghost_bits::DELETE_IGNORED_BACKFILL`]: what the DELETE's guard did instead of
    /// aborting (`crate::signature::delete_guard`); 0 otherwise.
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub delete_guard_detail: u8,
    /// With [`ghost_bits::PRECONDITION_BROKEN`]: its kind and what the entry held
    /// (`crate::signature::precondition`); 0 otherwise.
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub precondition_detail: u8,
    /// Per-bucket history flags ([`ghost_bits::BUCKET_DELETED`], ...) and signature causes
    /// (`crate::signature::cause`).
    pub buckets: Shared<BTreeMap<i64, u16>>,
    /// Witness bits of the step that produced this state (not part of its identity).
    #[serde(skip)]
    pub witnessed: Witness,
    /// The model itself failed: a step panicked (an `expect`, an `unreachable!`, an index
    /// out of range: a bug in mvsim's model or in an edit to it, never a Pinot behaviour).
    /// The message and where it was raised; the world offers no action from here on and
    /// its settle reports `settles` violated with class `model-panic`
    /// ([`World::step`]). `None` in every state of a sound model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_panic: Option<Box<str>>,
}

/// Step events that only `sometimes` properties read, kept out of the state's identity:
/// every comparison says equal and hashing adds nothing, so they never split a state (the
/// pinned state counts stay as they are). The price is an under-approximation: when the
/// checker reaches a state a second time with a different witness, that visit is not
/// judged, so a `sometimes` over witnesses can miss a reachable event but never reports an
/// unreachable one. Never used for an `always` property (a violation bit must be part of
/// the state, see [`Ghost::violations`]).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Witness(pub u32);

impl PartialEq for Witness {
    fn eq(&self, _other: &Witness) -> bool {
        true
    }
}

impl Eq for Witness {}

impl std::hash::Hash for Witness {
    fn hash<H: std::hash::Hasher>(&self, _state: &mut H) {}
}

impl PartialOrd for Witness {
    fn partial_cmp(&self, other: &Witness) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Witness {
    fn cmp(&self, _other: &Witness) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// The simulated cluster: everything the actors share plus their private state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct World {
    /// Virtual time in ms (bucket-sized ticks under abstract timing).
    pub now_ms: i64,
    /// Clock ticks taken (abstract timing bound).
    pub clock_ticks: u8,
    /// The runtime znode.
    pub register: Register,
    /// Source segment ZK metadata, sorted by catalog id (= Java name order).
    pub source: Shared<Vec<SourceSegmentState>>,
    /// Segments whose delete was notified but whose metadata is not yet removed.
    pub source_removing: Vec<u16>,
    /// Next scripted source event (checker).
    pub script_cursor: u8,
    /// Bit `i`: menu event `i` has fired (checker; `Config::menu`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub menu_fired: u16,
    /// What the MV segments of each window hold, as the fingerprint of the source data they
    /// were built from (absent = no MV segments = EMPTY). This is what queries below the
    /// watermark are served from (RW:176-191).
    pub mv_data: Shared<BTreeMap<i64, PartitionFingerprint>>,
    pub scheduler: SchedulerState,
    /// The old lead's scheduler cycle, still running after a leadership change
    /// ([`Action::LeadershipChange`]); `None` when no two cycles overlap. `scheduler` is
    /// then the new lead's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_lead: Option<Box<crate::scheduler::SchedulerPhase>>,
    /// Helix jobs that still have a running task thread, in submission order.
    pub jobs: Shared<Vec<Job>>,
    /// fix-f1: the configs of APPEND / OVERWRITE tasks that ended with an error at or after
    /// their commit began and that the scheduler has not yet re-checked (Helix keeps a
    /// failed task's state and config in ZooKeeper, so a controller failover keeps them).
    /// Sorted, without duplicates; always empty without fix-f1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_commits: Vec<TaskConfig>,
    pub consistency: CmState,
    pub broker: BrokerState,
    /// Faults injected so far (bounded by `Config::faults`).
    pub faults_used: crate::config::FaultBudget,
    pub ghost: Ghost,
}

impl World {
    /// The initial state of a configuration.
    pub fn initial(config: &Config) -> World {
        let mut source: Vec<SourceSegmentState> = config
            .initial_source
            .iter()
            .map(|segment| SourceSegmentState {
                id: config
                    .segment_id(&segment.name)
                    .expect("catalog holds initial segments"),
                start_ms: segment.start_time_ms,
                end_ms: segment.end_time_ms,
                crc: segment.crc,
            })
            .collect();
        source.sort();
        let mut world = World {
            now_ms: config.start_ms,
            clock_ticks: 0,
            register: Register::new(config.initial_runtime.clone()),
            source: source.into(),
            source_removing: Vec::new(),
            script_cursor: 0,
            menu_fired: 0,
            mv_data: Shared::default(),
            scheduler: SchedulerState::default(),
            old_lead: None,
            jobs: Shared::default(),
            failed_commits: Vec::new(),
            consistency: CmState::default(),
            broker: BrokerState::default(),
            faults_used: Default::default(),
            ghost: Ghost::default(),
        };
        if world.register.value.is_some() {
            world.register.version = config.initial_version;
        }
        // The initial watermark W was reached by appendValid walks over buckets APPENDed from
        // data the cutoff admitted: data up to W - 1 existed in the history the initial
        // state stands for, even if it is gone now (0 is "no watermark").
        let initial_watermark_ms = world.watermark_ms();
        let seen_by_watermark_ms = if initial_watermark_ms > 0 {
            initial_watermark_ms - 1
        } else {
            i64::MIN
        };
        world.ghost.max_source_end_seen_ms = world.max_source_end_ms().max(seen_by_watermark_ms);
        world.init_mv_data_from_runtime(config);
        world.broker.cache_watermark_ms = world.watermark_ms();
        world.consistency.sweep_due_ms = world.arm(config, config.sweep_interval_ms);
        world
    }

    /// Assume the MV segments of every VALID bucket at start hold what its fingerprint says.
    fn init_mv_data_from_runtime(&mut self, _config: &Config) {
        if let Some(runtime) = &self.register.value {
            for (bucket, info) in &runtime.partitions {
                if !info.fingerprint.is_empty_window() {
                    self.mv_data.make_mut().insert(*bucket, info.fingerprint);
                }
            }
        }
    }

    /// The znode's watermark (0 when there is no znode).
    pub fn watermark_ms(&self) -> i64 {
        self.register
            .value
            .as_ref()
            .map_or(0, |runtime| runtime.watermark_ms)
    }

    pub fn runtime(&self) -> Option<&RuntimeMetadata> {
        self.register.value.as_ref()
    }

    /// A due time `delay_ms` from now under concrete timing; 0 under abstract timing, so that
    /// states differing only in a due time nobody compares are one state.
    pub fn arm(&self, config: &Config, delay_ms: i64) -> i64 {
        match config.timing {
            Timing::Concrete => self.now_ms + delay_ms,
            Timing::Abstract => 0,
        }
    }

    /// Has a timer with this due time fired?
    pub fn is_due(&self, config: &Config, due_ms: i64) -> bool {
        config.timing == Timing::Abstract || self.now_ms >= due_ms
    }

    /// Every enabled step, in an order that depends on the state alone.
    pub fn actions(&self, config: &Config, out: &mut Vec<Action>) {
        if self.ghost.model_panic.is_some() {
            return; // a failed model takes no further step
        }
        if config.timing == Timing::Abstract && self.clock_ticks < config.clock_ticks_max {
            out.push(Action::ClockTick);
        }
        self.source_actions(config, out);
        self.scheduler_actions(config, out);
        self.executor_actions(config, out);
        self.consistency_actions(config, out);
        self.broker_actions(config, out);
        // Last, so that the indices of every other step (replay paths) do not depend on
        // the failover budget.
        if self.faults_used.controller_failovers < config.faults.controller_failovers
            && self.failover_loses_something()
        {
            out.push(Action::ControllerFailover);
        }
        // The old lead's cycle and the leadership change come after every other step, so
        // that no index moves in a configuration without leadership changes.
        self.old_lead_actions(config, out);
        if self.faults_used.leadership_changes < config.faults.leadership_changes
            && self.old_lead.is_none()
            && !self.scheduler.is_idle()
        {
            out.push(Action::LeadershipChange);
        }
    }

    /// Would a controller failover now lose anything (a pending range, a running mark, a
    /// scheduler cycle in progress)? Otherwise the failover is the identity on the checked
    /// state (abstract timers) and is not offered.
    fn failover_loses_something(&self) -> bool {
        !self.consistency.is_idle() || !self.scheduler.is_idle()
    }

    /// The controller failover fault ([`Action::ControllerFailover`]); every effect cites
    /// the Java at `ca5c042d034` (docs/java-notes.md "Controller failover").
    fn controller_failover(&mut self, config: &Config) {
        // The CM's debounce buffer `_pendingRanges` (CM:124) and `_pendingTimers` (CM:127)
        // are in-memory: `stop()` discards them (CM:173-185, "Pending flushes are
        // discarded"), a crash loses them, and nothing persists them. The mark the CM thread
        // was running dies with it (`shutdownNow`, CM:182); a write it already applied stays.
        let pending = self.consistency.pending.take();
        self.consistency.pending_timed = None; // fix-f9's timed part of the same record
        let work = self.consistency.work.take();
        self.note_failover(config, pending, work.as_ref().map(|work| &work.op.mutation));
        // The restarted (or other) controller's CM starts from an empty buffer: `init`
        // (CM:156-171) rebuilds the reverse index and schedules the first sweep one full
        // interval later (CM:168, 417-434); no startup sweep of VALID buckets, no full
        // invalidation (BCS:614-648 wires nothing else).
        self.consistency.sweep_due_ms = self.arm(config, config.sweep_interval_ms);
        if config.profile.has_fix(crate::profile::Fix::F16) {
            // fix-f16: `init` ends with a full invalidation of every base table with a
            // dependent MV (`onBaseTableFullInvalidation`, CM:262-264), so whatever a lost
            // buffer held is re-marked; the scheduler's false-positive revert (SCH:393-407)
            // returns unchanged buckets to VALID without recomputing them. The patched
            // init first reads the base table's dated segment span and queues a timed
            // change over it beside the invalidation (docs/findings/F16.patch). Without
            // fix-f9 the `[0, MAX]` hull absorbs that change (CM:222-227), so the read is
            // not modelled and the invalidation is queued here; with fix-f9 the read is
            // its own step (`ConsistencyManagerInitSpan`), which queues both. The flag is
            // set by every init, so a failover before the read completes loses nothing:
            // the next init reads again.
            if config.profile.has_fix(crate::profile::Fix::F9) {
                self.consistency.init_span_read = true;
            } else {
                self.consistency_intake(config, 0, i64::MAX);
            }
        }
        // The scheduler keeps no state between cycles (a new `MaterializedViewTaskScheduler`
        // per `generateTasks`, GEN:58-60): a cycle in progress on the old lead is abandoned
        // before its job submission, as by any exception (SCH:121-342); the new lead's
        // `PinotTaskManager` run starts a fresh one (CPT:86-108). Helix jobs and minion task
        // threads are unaffected: their state is in ZooKeeper and on the minions.
        self.scheduler.phase = crate::scheduler::SchedulerPhase::Idle;
        self.scheduler.next_cycle_ms = self.arm(config, config.scheduler_period_ms);
    }

    /// Applies one step. A step that is not enabled is a driver bug: its panic (an index
    /// out of range, an `expect`) is caught like any other.
    ///
    /// A panic inside the step is caught ([`Ghost::model_panic`]): the world keeps what
    /// the step had done when it panicked, every per-step ghost bit is cleared (so no
    /// property judges the half-done step), and every later step is a no-op. The checker
    /// restores the state before the step instead ([`World::next`]), so the state it
    /// reports is a real one; the panic then reaches the user as a `settles` violation
    /// with its trace, not as a crash without one.
    pub fn step(&mut self, config: &Config, action: &Action, entropy: &mut dyn Entropy) {
        if self.ghost.model_panic.is_some() {
            return;
        }
        let caught = crate::panics::catching(|| self.step_unguarded(config, action, entropy));
        if let Err(message) = caught {
            self.clear_step_ghost();
            self.ghost.model_panic = Some(message.into_boxed_str());
        }
    }

    /// The state after `action`, as the checker and trace replay report it: where the step
    /// panics, not the half-done world [`World::step`] leaves but this state marked with
    /// [`Ghost::model_panic`] (no per-step ghost bits), so a reported state is a real one.
    pub fn next(&self, config: &Config, action: &Action, entropy: &mut dyn Entropy) -> World {
        let mut next = self.clone();
        next.step(config, action, entropy);
        if self.ghost.model_panic.is_none() {
            if let Some(message) = next.ghost.model_panic.take() {
                next = self.clone();
                next.clear_step_ghost();
                next.ghost.model_panic = Some(message);
            }
        }
        next
    }

    fn clear_step_ghost(&mut self) {
        self.ghost.violations = 0;
        self.ghost.reached = 0;
        self.ghost.violation_detail = 0;
        self.ghost.outcome_detail = 0;
        self.ghost.unchanged_write_detail = 0;
        self.ghost.delete_guard_detail = 0;
        self.ghost.precondition_detail = 0;
        self.ghost.witnessed = Witness(0);
    }

    fn step_unguarded(&mut self, config: &Config, action: &Action, entropy: &mut dyn Entropy) {
        // Violation and milestone bits describe the step that produced a state only: a
        // checker judges every state, so a fact need not outlive its step, and histories
        // that differ only in old milestones stay one state.
        self.clear_step_ghost();
        self.count_fault(config, action);
        use Action::*;
        match action {
            ClockTick => {
                self.clock_ticks += 1;
                self.now_ms += config.bucket_ms;
            }
            SourceUpload { .. }
            | SourceRefresh { .. }
            | SourceDeleteNotify { .. }
            | SourceDeleteRemove { .. } => self.source_step(config, action),
            SchedulerReadWatermark { .. }
            | SchedulerReadPartitions { .. }
            | SchedulerCountInFlight
            | SchedulerHandleStale
            | SchedulerRevertRead { .. }
            | SchedulerRevertWrite { .. }
            | SchedulerRecheckRevert
            | SchedulerRecheckFailedCommit
            | SchedulerResolveCutoff
            | SchedulerBuildAppend => self.scheduler_step(config, action, entropy),
            ExecutorPreProcess { .. }
            | ExecutorRunQuery { .. }
            | ExecutorSwapSegments { .. }
            | ExecutorDeleteSegments { .. }
            | ExecutorValidateCommit { .. }
            | ExecutorRecheckSource { .. }
            | ExecutorCasRead { .. }
            | ExecutorCasWrite { .. }
            | ExecutorFailTask { .. }
            | HelixTimeoutTask { .. } => self.executor_step(config, action, entropy),
            ConsistencyManagerFlush { .. }
            | ConsistencyManagerSweep { .. }
            | ConsistencyManagerInitSpan
            | ConsistencyManagerCasRead { .. }
            | ConsistencyManagerCasWrite { .. } => self.consistency_step(config, action, entropy),
            BrokerRefreshCache => self.broker_step(config),
            ControllerFailover => self.controller_failover(config),
            LeadershipChange => self.leadership_change(config),
            OldLead(inner) => self.old_lead_step(config, inner, entropy),
        }
    }

    fn count_fault(&mut self, config: &Config, action: &Action) {
        match action.register_fault() {
            RegisterFault::None => {}
            RegisterFault::Transient => self.faults_used.transient_errors += 1,
            RegisterFault::LostAck if config.profile.has_mutant(Mutant::LostAckUncounted) => {}
            RegisterFault::LostAck => self.faults_used.lost_acks += 1,
        }
        match action {
            Action::ExecutorFailTask { .. } => self.faults_used.task_failures += 1,
            Action::HelixTimeoutTask { .. } => self.faults_used.task_timeouts += 1,
            Action::ControllerFailover => self.faults_used.controller_failovers += 1,
            Action::LeadershipChange => self.faults_used.leadership_changes += 1,
            _ => {}
        }
    }

    /// Pushes `action` and, budget permitting, its register-fault variants.
    pub(crate) fn push_with_faults(&self, config: &Config, action: Action, out: &mut Vec<Action>) {
        let can_transient = self.faults_used.transient_errors < config.faults.transient_errors;
        let can_lose_ack =
            action.is_register_write() && self.faults_used.lost_acks < config.faults.lost_acks;
        if can_transient {
            out.push(action.with_register_fault(RegisterFault::Transient));
        }
        if can_lose_ack {
            out.push(action.with_register_fault(RegisterFault::LostAck));
        }
        out.push(action);
    }

    /// Ghost check of a read against a sequential register: it must return the latest
    /// committed version (only the stale-read mutant returns another).
    pub(crate) fn note_register_read(&mut self, config: &Config) {
        if Self::stale_reads(config) {
            let stale = self.register.read(true).1;
            let latest = self.register.read(false).1;
            if stale != latest {
                self.ghost.violations |= ghost_bits::REGISTER_NOT_LINEARIZABLE;
                self.ghost.violation_detail = crate::signature::detail::REGISTER_READ;
            }
        }
    }

    /// Is the stale-read mutant active?
    pub(crate) fn stale_reads(config: &Config) -> bool {
        config.profile.has_mutant(Mutant::StaleRegisterReads)
    }

    /// `lastRefreshTime` for a write now.
    pub(crate) fn refresh_time_ms(&self, config: &Config) -> i64 {
        if config.record_refresh_time {
            self.now_ms
        } else {
            0
        }
    }

    /// CAS step 1: read the znode and run the mutator (spec §2.3).
    pub(crate) fn cas_read(
        &mut self,
        config: &Config,
        op: &mut CasOp,
        fault: RegisterFault,
        entropy: &mut dyn Entropy,
    ) -> Option<CasEnd> {
        // Ghost: every `get` this op makes, faulted or not (`cas_attempts_within_budget`).
        op.reads += 1;
        op.attempts += 1;
        if fault == RegisterFault::Transient {
            if !op.writer.retries_read_errors() {
                return Some(CasEnd::GaveUp);
            }
            return self.cas_retry(config, op, entropy);
        }
        self.note_register_read(config);
        let (cur, version) = self.register.read(Self::stale_reads(config));
        let source_window =
            |bucket: i64| self.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
        let inputs = MutateInputs {
            config,
            refresh_time_ms: self.refresh_time_ms(config),
            source_window: &source_window,
        };
        match mutate(&op.mutation, cur, &inputs) {
            Mutated::Write(update) => {
                op.pending = Some(crate::manager::PendingWrite {
                    expected_version: version,
                    update,
                });
                None
            }
            Mutated::NoOp(no_op) => {
                self.ghost.witnessed.0 |= ghost_bits::WITNESS_NOTHING_TO_CHANGE;
                if no_op == NoOp::AlreadyValid && op.lost_ack {
                    self.ghost.reached |= ghost_bits::REACHED_LOST_ACK_REPLAYED;
                }
                Some(CasEnd::NoOp(no_op))
            }
            Mutated::Violation(violation) => Some(CasEnd::Violation(violation)),
        }
    }

    /// CAS step 2: `set(update, expectedVersion)`.
    pub(crate) fn cas_write(
        &mut self,
        config: &Config,
        op: &mut CasOp,
        fault: RegisterFault,
        entropy: &mut dyn Entropy,
    ) -> Option<CasEnd> {
        let pending = op
            .pending
            .take()
            .expect("a CAS write follows a successful read");
        match self.register_set(
            config,
            &op.mutation,
            pending.update,
            pending.expected_version,
            fault,
        ) {
            Ok(()) => Some(CasEnd::Committed),
            // Helix's `ZkCacheBaseDataAccessor.set` swallows every exception and returns
            // false, so a transport error on the write is a `CasConflictException` like a
            // version mismatch, for every writer (docs/java-notes.md Q10a).
            Err(SetError::Conflict { .. })
                if config
                    .profile
                    .has_mutant(Mutant::MarkStaleConflictIsSuccess)
                    && matches!(
                        op.mutation,
                        Mutation::MarkStale { .. } | Mutation::MarkStaleInCoverage { .. }
                    )
                    && self.faults_used.lost_acks > 0 =>
            {
                Some(CasEnd::Committed)
            }
            Err(SetError::Conflict { applied }) => {
                op.lost_ack |= applied;
                self.ghost.reached |= ghost_bits::REACHED_CAS_RETRIED;
                self.cas_retry(config, op, entropy)
            }
            Err(SetError::Transient) => self.cas_retry(config, op, entropy),
        }
    }

    fn cas_retry(
        &mut self,
        config: &Config,
        op: &mut CasOp,
        entropy: &mut dyn Entropy,
    ) -> Option<CasEnd> {
        let (base_ms, jitter_ms) = op.writer.backoff_ms();
        // nextInt(max(jitter, 1)): [0, jitter) (PM:560).
        let jitter = entropy.below(jitter_ms.max(1) as u64) as i64;
        let wake_ms = self.arm(config, base_ms + jitter);
        let end = op.retry_or_exhaust(config, wake_ms);
        if end == Some(CasEnd::Exhausted) {
            self.ghost.reached |= ghost_bits::REACHED_BUDGET_EXHAUSTED;
            // The loop throws only after its last attempt (PM:546, 589-591): a give-up after
            // fewer reads than the Java's budget breaks `cas_attempts_within_budget`.
            if op.reads != crate::properties::cas_budget(config, &op.mutation) {
                self.ghost.violations |= ghost_bits::CAS_GAVE_UP_EARLY;
                self.ghost.violation_detail = crate::signature::detail::of_mutation(&op.mutation);
            }
        }
        end
    }

    /// The register `set`, with the ghost bookkeeping of every applied write.
    fn register_set(
        &mut self,
        config: &Config,
        mutation: &Mutation,
        update: RuntimeMetadata,
        expected_version: i32,
        fault: RegisterFault,
    ) -> Result<(), SetError> {
        let blind = config.profile.has_mutant(Mutant::BlindRegisterWrites);
        let applies = fault != RegisterFault::Transient
            && (blind
                || expected_version == -1
                || (self.register.value.is_some() && expected_version == self.register.version));
        if applies {
            self.record_write(config, mutation, &update);
        }
        // The sequential CAS spec: `set` takes effect iff the node exists and the version
        // matches, or the expected version is -1. A lost ack is an operation with an unknown
        // outcome (it never returned), so either effect is linearizable.
        let sequential = expected_version == -1
            || (self.register.value.is_some() && expected_version == self.register.version);
        if fault != RegisterFault::Transient && applies != sequential {
            self.ghost.violations |= ghost_bits::REGISTER_NOT_LINEARIZABLE;
            self.ghost.violation_detail = crate::signature::detail::REGISTER_WRITE;
        }
        let keep_previous = Self::stale_reads(config);
        self.register
            .set(update, expected_version, fault, blind, keep_previous)
    }

    /// Ghost checks of one applied write against the current value (spec §4 I2, I5-I7).
    fn record_write(&mut self, config: &Config, mutation: &Mutation, update: &RuntimeMetadata) {
        use ghost_bits::*;
        let empty = RuntimeMetadata::default();
        let old = self.register.value.as_ref().unwrap_or(&empty);
        let mut violations = 0u16;
        if update.watermark_ms < old.watermark_ms {
            violations |= WATERMARK_DECREASED;
        }
        let keys: std::collections::BTreeSet<i64> = old
            .partitions
            .keys()
            .chain(update.partitions.keys())
            .copied()
            .collect();
        let overwrite_or_delete = matches!(
            mutation,
            Mutation::RefreshValid { .. }
                | Mutation::ClearValid { .. }
                | Mutation::PreExecutorPut { append: false, .. }
                | Mutation::PreExecutorRemove { .. }
        );
        for key in keys {
            let before = old.partitions.get(&key);
            let after = update.partitions.get(&key);
            // The in-coverage synthesis (fix-f9, the VACANT design) creates STALE from
            // absent below the watermark by design: `stale_only_from_valid` restated for
            // it reads "STALE only from VALID, or from in-coverage absent".
            let synthesized = matches!(mutation, Mutation::MarkStaleInCoverage { .. })
                && before.is_none()
                && key < old.watermark_ms
                && after.is_some_and(|info| info.is_stale());
            // fix-f18's `clearStaleFingerprint` rewrites a STALE entry's fingerprint to
            // EMPTY before the DELETE drops the segments: the bucket does not *become* STALE
            // (it is STALE before and after), so `stale_only_from_valid` restated for it
            // reads "... or a STALE entry whose fingerprint a DELETE cleared".
            let cleared = matches!(mutation, Mutation::ClearStaleFingerprint { .. })
                && before.is_some_and(|info| info.is_stale())
                && after.is_some_and(|info| {
                    info.is_stale() && info.fingerprint == PartitionFingerprint::EMPTY
                });
            if !synthesized && !cleared {
                violations |= transition_violations(before, after, overwrite_or_delete);
            }
        }
        // Every writer but pre's executor (a blind put/remove, pre:EX:544-575) returns
        // without a write when its mutator has nothing to change: post's manager
        // (PM:524-526, 565-568), pre's CM mark (pre:CM:434-438) and pre's scheduler revert
        // (pre:SCH:403-407). Compared as content: the version is not part of it.
        let blind = matches!(
            mutation,
            Mutation::PreExecutorPut { .. } | Mutation::PreExecutorRemove { .. }
        );
        if !blind && self.register.value.as_ref() == Some(update) {
            violations |= UNCHANGED_WRITE;
            self.ghost.unchanged_write_detail = crate::signature::detail::of_mutation(mutation);
        }
        self.ghost.violations |= violations;
        if violations != 0 {
            self.ghost.violation_detail = crate::signature::detail::of_mutation(mutation);
        }
        let causes = self.write_causes(config, mutation, old, update);
        record_milestones(&mut self.ghost, mutation, old, update);
        crate::signature::apply_write_causes(&mut self.ghost, causes);
    }
}

/// The ghost violation bits of one bucket's transition `before -> after` (spec §4 I5-I7).
fn transition_violations(
    before: Option<&crate::partition::PartitionInfo>,
    after: Option<&crate::partition::PartitionInfo>,
    overwrite_or_delete: bool,
) -> u16 {
    use ghost_bits::*;
    match (before, after) {
        // STALE only from VALID (or an unchanged STALE entry).
        (_, Some(after)) if after.is_stale() => {
            let from_valid = matches!(before, Some(b) if b.is_valid() || (b.is_stale() && b.fingerprint == after.fingerprint));
            if from_valid {
                0
            } else {
                STALE_NOT_FROM_VALID
            }
        }
        (Some(_), None) => ENTRY_REMOVED,
        // A VALID fingerprint changes only via STALE and then OVERWRITE/DELETE.
        (Some(before), Some(after))
            if after.fingerprint != before.fingerprint
                && (before.is_valid() || !overwrite_or_delete) =>
        {
            ORDER_VIOLATED
        }
        _ => 0,
    }
}

/// Ghost milestones of one applied write (for `sometimes` properties).
fn record_milestones(
    ghost: &mut Ghost,
    mutation: &Mutation,
    old: &RuntimeMetadata,
    update: &RuntimeMetadata,
) {
    use ghost_bits::*;
    let bucket = mutation.window_start_ms();
    let flags = bucket.map_or(0, |b| ghost.buckets.get(&b).copied().unwrap_or(0));
    let mut reached = 0u32;
    let mut new_flags = flags;
    match mutation {
        Mutation::ClearValid { .. } | Mutation::PreExecutorRemove { .. } => {
            reached |= REACHED_DELETE_COMMITTED;
            new_flags = BUCKET_DELETED;
        }
        Mutation::RefreshValid { .. } | Mutation::PreExecutorPut { append: false, .. } => {
            reached |= REACHED_OVERWRITE_COMMITTED;
            if flags & BUCKET_BACKFILLED_AFTER_DELETE != 0 {
                reached |= REACHED_OVERWRITE_AFTER_BACKFILL;
            }
            new_flags = 0;
        }
        Mutation::AppendValid { .. } | Mutation::PreExecutorPut { append: true, .. } => {
            reached |= REACHED_APPEND_COMMITTED;
            new_flags = 0;
        }
        Mutation::RevertValid { .. } | Mutation::PreSchedulerRevert { .. } => {
            reached |= REACHED_FALSE_POSITIVE_REVERTED;
        }
        Mutation::DeletePartition { .. } => new_flags = 0,
        // fix-f18: the entry stays STALE; no milestone, the bucket's flags are kept.
        Mutation::ClearStaleFingerprint { .. } => {}
        Mutation::MarkStale { .. }
        | Mutation::MarkStaleInCoverage { .. }
        | Mutation::MarkStaleIfValidWith { .. }
        | Mutation::PreMarkDirty { .. } => {
            let marked = update.partitions.iter().any(|(k, info)| {
                info.is_stale() && old.partitions.get(k).is_none_or(|o| o.is_valid())
            });
            if marked {
                reached |= REACHED_STALE_MARKED;
            }
        }
    }
    // Whether the bucket's latest plan saw dated source data outlives every write: the
    // watermark walked over it when its APPEND committed, whatever a later OVERWRITE or
    // DELETE wrote (only the next plan of the bucket resets it, `note_cutoff_source`).
    let new_flags = (new_flags & !BUCKET_PLANNED_WITHOUT_DATED_DATA)
        | (flags & BUCKET_PLANNED_WITHOUT_DATED_DATA);
    if let Some(bucket) = bucket {
        if new_flags != flags {
            if new_flags == 0 {
                ghost.buckets.make_mut().remove(&bucket);
            } else {
                ghost.buckets.make_mut().insert(bucket, new_flags);
            }
        }
    }
    ghost.reached |= reached;
}

impl World {
    /// The live source fingerprint of a window (TU:212-236), from segment metadata.
    pub fn source_window_fingerprint(
        &self,
        config: &Config,
        window_start_ms: i64,
        window_end_ms: i64,
    ) -> PartitionFingerprint {
        crate::fingerprint::fingerprint_of_sorted(
            self.source
                .iter()
                .filter(|segment| {
                    crate::partition::segment_overlaps_window(
                        segment.start_ms,
                        segment.end_ms,
                        window_start_ms,
                        window_end_ms,
                    )
                })
                .map(|segment| (config.segment_name(segment.id), segment.crc)),
        )
    }

    /// Has every scripted source event been played (and every notified delete removed)?
    /// Menu events are optional: the environment may stop with some of them unplayed, so
    /// this ignores the menu (docs/configs.md "When the environment may stop").
    pub fn script_done(&self, config: &Config) -> bool {
        usize::from(self.script_cursor) >= config.script.len() && self.source_removing.is_empty()
    }

    /// No task thread is running and no engine actor is mid-operation.
    pub fn engine_idle(&self) -> bool {
        self.jobs.is_empty()
            && self.scheduler.is_idle()
            && self.old_lead.is_none()
            && self.consistency.is_idle()
    }
}
