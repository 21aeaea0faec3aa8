//! Finding signatures: what a violation *is*, in words that survive renaming segments,
//! shifting time and reordering the model's actions, so that a baseline can accept a known
//! finding without hiding the next one.
//!
//! A property violation has one or more **witnesses**: the bucket, window, write or task it
//! fails on. Each witness gets a [`Signature`], a function of the violating state (including
//! the ghost history kept for this purpose) and of that witness alone, in a small versioned
//! vocabulary ([`VOCABULARY_VERSION`]) that names no segment ids, crc values, bucket numbers
//! or `Action` spellings:
//!
//! ```text
//! quiescent_buckets_match_source | valid-outdated | written-outdated-by=appendValid | causes=notified+not-a-candidate
//! ```
//!
//! - the **property**;
//! - the **class** of the end state at the witness (per property, see [`classes`]);
//! - **written-by**: the manager operation that last wrote the witness bucket, present only
//!   when that write committed a fingerprint that differed from the source window at that
//!   instant (the commit itself was wrong, rather than a later change being missed);
//! - **causes**: what happened to the source changes of the witness bucket's window since
//!   its last correct write (see [`cause`]), kept as ghost flags per bucket.
//!
//! A baseline pattern matches a witness when property, class and written-by are equal and
//! the pattern's causes are a subset of the witness's: a witness that has every cause of an
//! accepted finding is explained by it, whatever else happened in that bucket (a new bug
//! that only ever occurs together with a known cause is hidden in that state; it is seen in
//! any state where it occurs alone).
//!
//! The history is kept in [`Ghost`]: a per-step `violation_detail` (the manager operation
//! or register call of the violating step) and, per bucket, cause flags set by source
//! notifications, CM flushes and marks, and cleared by a correct write of the bucket.

use crate::config::Config;
use crate::manager::{CasEnd, Mutation};
use crate::partition::{align_down, PartitionInfo, RuntimeMetadata};
use crate::properties::{self, Expectation, Property};
use crate::quiescence::Settled;
use crate::world::{ghost_bits, Ghost, World};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// The version of the signature vocabulary. Bump it when a class, cause or operation name
/// changes meaning; a baseline written for another version is refused.
pub const VOCABULARY_VERSION: u32 = 1;

/// Per-bucket cause flags (bits of `Ghost::buckets`, beside the history bits 0-1).
/// The cause of a watermark witness whose walk passed buckets planned on a source without
/// dated data ([`ghost_bits::BUCKET_PLANNED_WITHOUT_DATED_DATA`]).
pub const PLANNED_WITHOUT_DATED_DATA: &str = "planned-without-dated-data";

/// `strict_preconditions_fire_only_by_design`'s witness detail
/// (`Ghost::precondition_detail`): the kind of break in the high nibble, what the entry
/// held in the low one.
pub mod precondition {
    use crate::properties::PreconditionFound;

    /// The precondition failed for a caller that does not trigger it by design.
    pub const LIVE_CALLER: u8 = 1;
    /// The manager threw where the precondition holds (e.g. no carve-out).
    pub const THREW_WHERE_IT_HOLDS: u8 = 2;
    /// The manager did not throw where the precondition fails.
    pub const DID_NOT_THROW: u8 = 3;

    pub fn encode(kind: u8, found: PreconditionFound) -> u8 {
        let found = match found {
            PreconditionFound::NoZnode => 1,
            PreconditionFound::Absent => 2,
            PreconditionFound::Stale => 3,
            PreconditionFound::ValidOwnValue => 4,
            PreconditionFound::ValidOther => 5,
            PreconditionFound::InvalidWindow => 6,
        };
        (kind << 4) | found
    }

    /// The class text: `<op> <kind>, found=<entry>`.
    pub fn class(op: &str, detail: u8) -> String {
        let kind = match detail >> 4 {
            LIVE_CALLER => "called-by-live-task",
            THREW_WHERE_IT_HOLDS => "threw-where-it-holds",
            DID_NOT_THROW => "did-not-throw",
            _ => "unknown",
        };
        let found = match detail & 0xF {
            1 => "no-znode",
            2 => "absent",
            3 => "stale",
            4 => "valid-own-value",
            5 => "valid-other-fingerprint",
            6 => "invalid-window",
            _ => "unknown",
        };
        format!("{op} {kind}, found={found}")
    }
}

pub mod cause {
    /// A source change in the bucket's window was notified to the CM since the bucket's
    /// last correct write.
    pub const NOTIFIED: u16 = 1 << 2;
    /// A CM flush drained such a change and did not list the bucket (it was absent from the
    /// flush's snapshot READ #1).
    pub const NOT_A_CANDIDATE: u16 = 1 << 3;
    /// A `markStale` listed the bucket but did not flip it (it was not VALID at READ #2).
    pub const MARK_NOOP: u16 = 1 << 4;
    /// A CM flush drained such a change and threw on its snapshot READ #1.
    pub const FLUSH_READ_ERROR: u16 = 1 << 5;
    /// A `markStale` listing the bucket ended without a write (budget exhausted, an error
    /// that ended it, a precondition).
    pub const MARK_ABANDONED: u16 = 1 << 6;
    /// The bucket's last write committed a fingerprint other than its source window's at
    /// that instant; the writer is in [`WRITER_SHIFT`]..
    pub const WRITTEN_OUTDATED: u16 = 1 << 7;
    /// A controller failover dropped such a change: it was in the CM's in-memory pending
    /// range, or in the `markStale` the CM thread was running, when the controller went
    /// away (CM:124-127, 173-185).
    pub const LOST_IN_FAILOVER: u16 = 1 << 12;
    /// Bits 8..12: the [`super::detail`] code of the outdated write.
    pub const WRITER_SHIFT: u16 = 8;
    pub const WRITER_MASK: u16 = 0xF << WRITER_SHIFT;
    /// Every cause bit (the rest are the history bits of `ghost_bits`).
    pub const MASK: u16 = NOTIFIED
        | NOT_A_CANDIDATE
        | MARK_NOOP
        | FLUSH_READ_ERROR
        | MARK_ABANDONED
        | WRITTEN_OUTDATED
        | WRITER_MASK
        | LOST_IN_FAILOVER;

    /// The vocabulary names of the flags, in signature order.
    pub const NAMES: [(u16, &str); 6] = [
        (NOTIFIED, "notified"),
        (NOT_A_CANDIDATE, "not-a-candidate"),
        (MARK_NOOP, "mark-noop"),
        (FLUSH_READ_ERROR, "flush-read-error"),
        (MARK_ABANDONED, "mark-abandoned"),
        (LOST_IN_FAILOVER, "lost-in-failover"),
    ];
}

/// Codes of the step a violation or an outdated write came from (`Ghost::violation_detail`,
/// the writer bits of [`cause`]).
pub mod detail {
    use crate::manager::Mutation;

    pub const APPEND_VALID: u8 = 1;
    pub const REFRESH_VALID: u8 = 2;
    pub const CLEAR_VALID: u8 = 3;
    pub const REVERT_VALID: u8 = 4;
    pub const MARK_STALE: u8 = 5;
    pub const DELETE_PARTITION: u8 = 6;
    pub const PRE_PUT_APPEND: u8 = 7;
    pub const PRE_PUT_OVERWRITE: u8 = 8;
    pub const PRE_REMOVE: u8 = 9;
    pub const PRE_MARK_DIRTY: u8 = 10;
    pub const PRE_REVERT: u8 = 11;
    pub const REGISTER_READ: u8 = 12;
    pub const REGISTER_WRITE: u8 = 13;
    /// An APPEND submitted for a bucket absent from the scheduler's own snapshot (READ #2).
    pub const APPEND_SNAPSHOT_ABSENT: u8 = 14;
    /// An APPEND submitted for a bucket present in the scheduler's own snapshot.
    pub const APPEND_SNAPSHOT_PRESENT: u8 = 15;
    /// An APPEND submitted for a bucket absent from the snapshot but inside the window the
    /// scheduler's own in-flight count covered (its reads said the bucket was taken).
    pub const APPEND_COUNTED_IN_FLIGHT: u8 = 16;
    /// fix-f18's `clearStaleFingerprint`. It writes only STALE entries, so it is never a
    /// writer of an outdated VALID fingerprint (the 4 writer bits of [`cause`] need not
    /// hold it); it can only name a violating write.
    pub const CLEAR_STALE_FINGERPRINT: u8 = 17;

    /// The code of a manager operation.
    pub fn of_mutation(mutation: &Mutation) -> u8 {
        match mutation {
            Mutation::AppendValid { .. } => APPEND_VALID,
            Mutation::RefreshValid { .. } => REFRESH_VALID,
            Mutation::ClearValid { .. } => CLEAR_VALID,
            Mutation::ClearStaleFingerprint { .. } => CLEAR_STALE_FINGERPRINT,
            Mutation::RevertValid { .. } => REVERT_VALID,
            Mutation::MarkStale { .. }
            | Mutation::MarkStaleInCoverage { .. }
            | Mutation::MarkStaleIfValidWith { .. } => MARK_STALE,
            Mutation::DeletePartition { .. } => DELETE_PARTITION,
            Mutation::PreExecutorPut { append: true, .. } => PRE_PUT_APPEND,
            Mutation::PreExecutorPut { append: false, .. } => PRE_PUT_OVERWRITE,
            Mutation::PreExecutorRemove { .. } => PRE_REMOVE,
            Mutation::PreMarkDirty { .. } => PRE_MARK_DIRTY,
            Mutation::PreSchedulerRevert { .. } => PRE_REVERT,
        }
    }

    /// The vocabulary name of a code (Java operation names, not `Action` spellings).
    pub fn name(code: u8) -> &'static str {
        match code {
            APPEND_VALID => "appendValid",
            REFRESH_VALID => "refreshValid",
            CLEAR_VALID => "clearValid",
            REVERT_VALID => "revertValid",
            MARK_STALE => "markStale",
            DELETE_PARTITION => "deletePartition",
            PRE_PUT_APPEND => "pre.put(APPEND)",
            PRE_PUT_OVERWRITE => "pre.put(OVERWRITE)",
            PRE_REMOVE => "pre.remove",
            PRE_MARK_DIRTY => "pre.markPartitionsDirty",
            PRE_REVERT => "pre.revert",
            REGISTER_READ => "register-read",
            REGISTER_WRITE => "register-set",
            APPEND_SNAPSHOT_ABSENT => "absent-in-scheduler-snapshot",
            APPEND_SNAPSHOT_PRESENT => "present-in-scheduler-snapshot",
            APPEND_COUNTED_IN_FLIGHT => "in-flight-in-scheduler-count",
            CLEAR_STALE_FINGERPRINT => "clearStaleFingerprint",
            _ => "unknown",
        }
    }
}

/// The codes of a SUCCEEDED task's broken promise (`Ghost::outcome_detail`): its mode and
/// what it found in its bucket ([`crate::properties::BrokenPromise`]).
pub mod outcome {
    use crate::executor::TaskMode;
    use crate::properties::BrokenPromise;

    const MODES: [TaskMode; 3] = [TaskMode::Append, TaskMode::Overwrite, TaskMode::Delete];
    const FOUND: [BrokenPromise; 5] = [
        BrokenPromise::Absent,
        BrokenPromise::Stale,
        BrokenPromise::ValidOtherFingerprint,
        BrokenPromise::ValidWithData,
        BrokenPromise::Valid,
    ];

    /// The code of a broken promise (never 0).
    pub fn code(mode: TaskMode, found: BrokenPromise) -> u8 {
        let mode = MODES.iter().position(|m| *m == mode).unwrap_or(0) as u8;
        let found = FOUND.iter().position(|f| *f == found).unwrap_or(0) as u8;
        1 + mode * FOUND.len() as u8 + found
    }

    /// The class of a code: `<mode>-succeeded, znode=<what the bucket held>`; `None` for 0.
    pub fn class(code: u8) -> Option<String> {
        let index = usize::from(code.checked_sub(1)?);
        let mode = match MODES.get(index / FOUND.len())? {
            TaskMode::Append => "append",
            TaskMode::Overwrite => "overwrite",
            TaskMode::Delete => "delete",
        };
        let found = match FOUND[index % FOUND.len()] {
            BrokenPromise::Absent => "absent",
            BrokenPromise::Stale => super::classes::STALE,
            BrokenPromise::ValidOtherFingerprint => super::classes::VALID_OTHER_FINGERPRINT,
            BrokenPromise::ValidWithData => "valid-with-data",
            BrokenPromise::Valid => "valid",
        };
        Some(format!("{mode}-succeeded, znode={found}"))
    }
}

/// The codes of what a DELETE's backfill guard did instead of aborting
/// (`Ghost::delete_guard_detail`, `delete_aborts_on_backfill`).
pub mod delete_guard {
    use crate::executor::TaskPhase;
    use crate::manager::Mutation;

    const CLASSES: [&str; 5] = [
        "mv-segments-dropped",
        "drop-next",
        "fingerprint-clear-next",
        "clear-valid-next",
        "did-not-abort",
    ];

    /// The code (never 0): the window's MV segments changed in the guard's step, else where
    /// the task went on to.
    pub fn code(phase: &TaskPhase, mv_changed: bool) -> u8 {
        let index = if mv_changed {
            0
        } else {
            match phase {
                TaskPhase::DeleteChecked => 1,
                TaskPhase::Committing(op)
                    if matches!(op.mutation, Mutation::ClearStaleFingerprint { .. }) =>
                {
                    2
                }
                TaskPhase::Committing(op) if matches!(op.mutation, Mutation::ClearValid { .. }) => {
                    3
                }
                _ => 4,
            }
        };
        1 + index
    }

    /// The class of a code; `None` for 0.
    pub fn class(code: u8) -> Option<&'static str> {
        CLASSES.get(usize::from(code.checked_sub(1)?)).copied()
    }
}

/// The class names of each property's end states.
pub mod classes {
    pub const ABSENT_BELOW_COVERAGE: &str = "absent-below-coverage";
    pub const ABSENT_IN_COVERAGE: &str = "absent-in-coverage";
    pub const STALE: &str = "stale";
    pub const VALID_EMPTY_OVER_DATA: &str = "valid-empty-over-data";
    pub const VALID_OUTDATED: &str = "valid-outdated";
    pub const VALID_CURRENT: &str = "valid-current";
    pub const VALID_EMPTY: &str = "valid-empty";
    pub const MV_OUTDATED: &str = "mv-outdated";
    pub const MV_MISSING: &str = "mv-missing";
    pub const MV_ORPHAN: &str = "mv-orphan";
    pub const NO_DATED_SOURCE: &str = "no-dated-source-data";
    pub const PAST_DATA_TAIL: &str = "past-data-tail";
    pub const ZOMBIE_BESIDE_LIVE: &str = "timed-out-task-beside-live";
    pub const TWO_LIVE: &str = "two-live-tasks";
    pub const UNALIGNED: &str = "unaligned-key";
    pub const NO_FIXPOINT: &str = "no-fixpoint";
    /// `settles`: a step of the model panicked (`Ghost::model_panic`): a bug in mvsim's
    /// model or in an edit to it, never a Pinot behaviour.
    pub const MODEL_PANIC: &str = "model-panic";
    pub const ZOMBIE: &str = "zombie";
    pub const LIVE_TASK: &str = "live-task";
    pub const VALID_TASK_FINGERPRINT: &str = "valid-task-fingerprint";
    pub const VALID_OTHER_FINGERPRINT: &str = "valid-other-fingerprint";
    pub const VIOLATED: &str = "violated";
    // one_append_per_bucket_in_flight: where the two APPENDs of one window came from, and
    // whether they were dispatched with the same fingerprint (the window's source changed
    // between the two dispatches, or not).
    pub const ONE_JOB: &str = "one-job";
    pub const TWO_JOBS: &str = "two-jobs";
    pub const FINGERPRINTS_EQUAL: &str = "fingerprints=equal";
    pub const FINGERPRINTS_DIFFER: &str = "fingerprints=differ";
    // append_planned_only_into_snapshot_absent: which of the scheduler's own reads the
    // planned window contradicts.
    pub const BELOW_WATERMARK_READ: &str = "below-watermark-read";
    pub const STALE_IN_SNAPSHOT: &str = "stale-in-snapshot";
    pub const VALID_IN_SNAPSHOT: &str = "valid-in-snapshot";
    // quiescent_watermark_reaches_cutoff: what holds the watermark behind the cutoff.
    pub const STRANDED_AT_VALID: &str = "stranded-at-valid-entry";
    pub const STRANDED_AT_STALE: &str = "stranded-at-stale-entry";
    pub const NOT_APPENDED: &str = "not-appended";
    pub const WINDOW_HAS_DATA: &str = "window=data";
    pub const WINDOW_EMPTY: &str = "window=empty";
    // quiescent_broker_routes_on_znode: the broker's cache, and its verdict.
    pub const CACHE_BEHIND: &str = "cache-behind-znode";
    pub const CACHE_AHEAD: &str = "cache-ahead-of-znode";
    pub const FRESH_WATERMARK_UNSET: &str = "fresh-on-unset-watermark";
    pub const FRESH_PAST_THRESHOLD: &str = "fresh-past-staleness-threshold";
    pub const NOT_FRESH_ELIGIBLE: &str = "not-fresh-on-eligible-watermark";
}

/// Every property with a witness function in [`witnesses_of`] (the others get one witness
/// of class `violated`, which accepts every violation of them; a baseline pattern
/// `P | violated` for a property listed here matches nothing and is refused).
pub const WITNESSED: [&str; 25] = [
    "quiescent_buckets_match_source",
    "quiescent_mv_data_matches_source",
    "valid_bucket_mv_matches_fingerprint",
    "redispatched_append_changes_nothing",
    "watermark_within_source_data",
    "broker_freshness_honest",
    "one_exclusive_in_flight",
    "bucket_keys_aligned",
    "settles",
    "watermark_monotonic",
    "stale_only_from_valid",
    "entries_never_removed",
    "valid_stale_overwrite_order",
    "append_only_into_absent",
    "register_linearizable",
    "writes_change_the_znode",
    "one_append_per_bucket_in_flight",
    "append_planned_only_into_snapshot_absent",
    "task_outcome_honest",
    "quiescent_watermark_reaches_cutoff",
    "quiescent_broker_routes_on_znode",
    "cas_attempts_within_budget",
    "strict_preconditions_fire_only_by_design",
    "delete_aborts_on_backfill",
    "faults_within_budget",
];

/// A witness's signature (see the module doc for its parts and the text form).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Signature {
    pub property: String,
    pub class: String,
    pub written_by: Option<String>,
    pub causes: BTreeSet<String>,
}

impl Signature {
    fn new(property: &str, class: impl Into<String>) -> Signature {
        Signature {
            property: property.to_string(),
            class: class.into(),
            written_by: None,
            causes: BTreeSet::new(),
        }
    }

    /// Does this baseline pattern explain `witness`? Property, class and written-by equal;
    /// the pattern's causes a subset of the witness's.
    pub fn explains(&self, witness: &Signature) -> bool {
        self.property == witness.property
            && self.class == witness.class
            && self.written_by == witness.written_by
            && self.causes.is_subset(&witness.causes)
    }

    /// Parses the text form (`property | class [| written-outdated-by=op] [| causes=a+b]`).
    pub fn parse(text: &str) -> Result<Signature, String> {
        let mut parts = text.split('|').map(str::trim);
        let property = parts.next().filter(|part| !part.is_empty());
        let class = parts.next().filter(|part| !part.is_empty());
        let (Some(property), Some(class)) = (property, class) else {
            return Err(format!(
                "signature '{text}': expected 'property | class [| written-outdated-by=OP] [| causes=A+B]'"
            ));
        };
        if properties::by_name(property).is_none() {
            return Err(format!("signature '{text}': unknown property '{property}'"));
        }
        if class == classes::VIOLATED && WITNESSED.contains(&property) {
            return Err(format!(
                "signature '{text}': '{property}' has a witness function, so class '{}' matches none of its witnesses (docs/signatures.md: re-accept the finding's signatures)",
                classes::VIOLATED
            ));
        }
        let mut signature = Signature::new(property, class);
        for part in parts {
            if let Some(op) = part.strip_prefix("written-outdated-by=") {
                signature.written_by = Some(op.to_string());
            } else if let Some(causes) = part.strip_prefix("causes=") {
                for cause in causes.split('+').map(str::trim).filter(|c| !c.is_empty()) {
                    let known = cause::NAMES.iter().any(|(_, name)| *name == cause)
                        || matches!(
                            cause,
                            "deleted" | "backfilled-after-delete" | PLANNED_WITHOUT_DATED_DATA
                        );
                    if !known {
                        return Err(format!("signature '{text}': unknown cause '{cause}'"));
                    }
                    signature.causes.insert(cause.to_string());
                }
            } else {
                return Err(format!(
                    "signature '{text}': unexpected part '{part}' (expected written-outdated-by=OP or causes=A+B)"
                ));
            }
        }
        Ok(signature)
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} | {}", self.property, self.class)?;
        if let Some(op) = &self.written_by {
            write!(formatter, " | written-outdated-by={op}")?;
        }
        if !self.causes.is_empty() {
            let causes: Vec<&str> = self.causes.iter().map(String::as_str).collect();
            write!(formatter, " | causes={}", causes.join("+"))?;
        }
        Ok(())
    }
}

/// One witness of a violated property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Witness {
    pub property: &'static str,
    /// What it fails on, for people (may name a bucket; never part of the signature).
    pub subject: String,
    pub signature: Signature,
}

/// Every witness of every property violated at `world` (`always` properties on `world`,
/// quiescent ones on `settled`, which the caller passes when the script is done).
pub fn witnesses(config: &Config, world: &World, settled: Option<&Settled>) -> Vec<Witness> {
    let mut out = Vec::new();
    for property in properties::registry() {
        match property.expectation {
            Expectation::Sometimes => {}
            Expectation::Always => {
                if !property.holds_on_state(config, world) {
                    out.extend(witnesses_of(config, property, world));
                }
            }
            Expectation::Quiescent => {
                if let Some(settled) = settled {
                    if !property.holds_on_settled(config, settled) {
                        out.extend(witnesses_of(config, property, &settled.world));
                    }
                }
            }
        }
    }
    out
}

/// The witnesses of one violated property on `world` (the settled world for a quiescent
/// one; never empty: a property not in [`WITNESSED`] gets one witness of class `violated`,
/// which a baseline pattern can only accept wholesale).
pub fn witnesses_of(config: &Config, property: &'static Property, world: &World) -> Vec<Witness> {
    let name = property.name;
    let mut out: Vec<Witness> = match name {
        "quiescent_buckets_match_source" => properties::quiescent_bucket_mismatches(config, world)
            .into_iter()
            .map(|bucket| Witness {
                property: property.name,
                subject: format!("bucket {bucket}"),
                signature: bucket_signature(name, config, world, bucket, None),
            })
            .collect(),
        "quiescent_mv_data_matches_source" => {
            let windows = properties::quiescent_mv_mismatches(config, world);
            mv_witnesses(property, config, world, windows, "window")
        }
        "valid_bucket_mv_matches_fingerprint" => {
            let buckets: Vec<i64> = world.runtime().map_or_else(Vec::new, |runtime| {
                runtime
                    .partitions
                    .iter()
                    .filter(|(bucket, info)| {
                        info.is_valid() && !properties::mv_holds(world, **bucket, info.fingerprint)
                    })
                    .map(|(bucket, _)| *bucket)
                    .collect()
            });
            mv_witnesses(property, config, world, buckets, "bucket")
        }
        "redispatched_append_changes_nothing" => {
            properties::redispatched_appends_that_swapped(world)
                .map(|task| {
                    let class = redispatch_class(world, task);
                    witness(
                        property,
                        &format!("APPEND task of window {}", task.config.window_start_ms),
                        Signature::new(name, class),
                    )
                })
                .collect()
        }
        "watermark_within_source_data" | "broker_freshness_honest" => {
            let mut signature = if world.max_source_end_ms() == i64::MIN {
                Signature::new(name, classes::NO_DATED_SOURCE)
            } else {
                Signature::new(name, classes::PAST_DATA_TAIL)
            };
            // Past the tail: was a bucket the watermark walked over beyond the data ever
            // seen planned by a cycle that saw no dated source data (F6's rough cutoff),
            // or did the cutoff ignore the data (pre's stalled ingestion)?
            let bound_ms = world.ghost.max_source_end_seen_ms.saturating_add(1);
            let first = align_down(bound_ms, config.bucket_ms);
            let walked_without_data = world
                .ghost
                .buckets
                .range(first..world.watermark_ms().max(first))
                .any(|(_, flags)| flags & ghost_bits::BUCKET_PLANNED_WITHOUT_DATED_DATA != 0);
            if walked_without_data && signature.class == classes::PAST_DATA_TAIL {
                signature
                    .causes
                    .insert(PLANNED_WITHOUT_DATED_DATA.to_string());
            }
            vec![witness(property, "watermark", signature)]
        }
        "one_exclusive_in_flight" => {
            let zombie = world
                .jobs
                .iter()
                .filter(|job| job.is_final())
                .flat_map(|job| &job.tasks)
                .any(|task| task.is_running_exclusive());
            let class = if zombie {
                classes::ZOMBIE_BESIDE_LIVE
            } else {
                classes::TWO_LIVE
            };
            vec![witness(
                property,
                "exclusive tasks",
                Signature::new(name, class),
            )]
        }
        "bucket_keys_aligned" => vec![witness(
            property,
            "bucket keys",
            Signature::new(name, classes::UNALIGNED),
        )],
        "settles" => vec![witness(
            property,
            "settle",
            Signature::new(
                name,
                if world.ghost.model_panic.is_some() {
                    classes::MODEL_PANIC
                } else {
                    classes::NO_FIXPOINT
                },
            ),
        )],
        "watermark_monotonic"
        | "stale_only_from_valid"
        | "entries_never_removed"
        | "valid_stale_overwrite_order"
        | "append_only_into_absent"
        | "register_linearizable" => {
            let step = detail::name(world.ghost.violation_detail);
            vec![witness(
                property,
                "the step that produced this state",
                Signature::new(name, step),
            )]
        }
        "writes_change_the_znode" => {
            let op = detail::name(world.ghost.unchanged_write_detail);
            vec![witness(
                property,
                "the write that produced this state",
                Signature::new(name, op),
            )]
        }
        "delete_aborts_on_backfill" => delete_guard::class(world.ghost.delete_guard_detail)
            .map(|class| {
                witness(
                    property,
                    "the DELETE whose backfill guard ran in this step",
                    Signature::new(name, class),
                )
            })
            .into_iter()
            .collect(),
        "task_outcome_honest" => outcome::class(world.ghost.outcome_detail)
            .map(|class| {
                witness(
                    property,
                    "the task that reported SUCCEEDED in this step",
                    Signature::new(name, class),
                )
            })
            .into_iter()
            .collect(),
        "one_append_per_bucket_in_flight" => properties::doubled_in_flight_appends(world)
            .into_iter()
            .map(|(bucket, tasks)| Witness {
                property: property.name,
                subject: format!("the APPENDs in flight for window {bucket}"),
                signature: Signature::new(name, doubled_append_class(&tasks)),
            })
            .collect(),
        "append_planned_only_into_snapshot_absent" => properties::misplanned_appends(world)
            .map(|(bucket, below, entry)| {
                let mut parts = Vec::new();
                if below {
                    parts.push(classes::BELOW_WATERMARK_READ);
                }
                match entry {
                    Some(info) if info.is_stale() => parts.push(classes::STALE_IN_SNAPSHOT),
                    Some(_) => parts.push(classes::VALID_IN_SNAPSHOT),
                    None => {}
                }
                Witness {
                    property: property.name,
                    subject: format!("the planned APPEND of window {bucket}"),
                    signature: Signature::new(name, parts.join(", ")),
                }
            })
            .collect(),
        "quiescent_watermark_reaches_cutoff" => {
            let bucket = align_down(properties::znode_watermark_ms(world), config.bucket_ms);
            vec![Witness {
                property: property.name,
                subject: format!("the watermark (window {bucket} is next)"),
                signature: Signature::new(name, cutoff_class(config, world, bucket)),
            }]
        }
        "quiescent_broker_routes_on_znode" => broker_witnesses(property, config, world),
        "strict_preconditions_fire_only_by_design" => {
            let op = detail::name(world.ghost.violation_detail);
            let class = precondition::class(op, world.ghost.precondition_detail);
            vec![witness(
                property,
                &format!("the {op} read"),
                Signature::new(name, class),
            )]
        }
        "cas_attempts_within_budget" => {
            let mut found: Vec<Witness> = properties::cas_ops_past_budget(config, world)
                .map(|op| {
                    let class = format!("{}-past-budget", op.mutation.name());
                    let subject = format!("{} after {} reads", op.mutation.name(), op.reads);
                    witness(property, &subject, Signature::new(name, class))
                })
                .collect();
            if world.ghost.violations & ghost_bits::CAS_GAVE_UP_EARLY != 0 {
                let op = detail::name(world.ghost.violation_detail);
                let class = format!("{op}-gave-up-early");
                found.push(witness(
                    property,
                    "the step that gave up",
                    Signature::new(name, class),
                ));
            }
            found
        }
        "faults_within_budget" => properties::fault_budget_breaches(config, world)
            .into_iter()
            .map(|class| witness(property, "the fault budgets", Signature::new(name, class)))
            .collect(),
        _ => {
            debug_assert!(!WITNESSED.contains(&name), "{name} has a witness function");
            Vec::new()
        }
    };
    if out.is_empty() {
        out.push(witness(
            property,
            "state",
            Signature::new(name, classes::VIOLATED),
        ));
    }
    out
}

/// The class of a window with more than one APPEND in flight: `one-job` when two of them
/// were submitted in one Helix job (one APPEND loop planned the window twice), `two-jobs`
/// otherwise (a later dispatch beside an in-flight one); and whether they were dispatched
/// with equal fingerprints (the window's source did not change between them) or not.
fn doubled_append_class(tasks: &[(usize, crate::executor::TaskConfig)]) -> String {
    let jobs: BTreeSet<usize> = tasks.iter().map(|(job, _)| *job).collect();
    let place = if jobs.len() < tasks.len() {
        classes::ONE_JOB
    } else {
        classes::TWO_JOBS
    };
    let fingerprints = if tasks
        .windows(2)
        .all(|pair| pair[0].1.fingerprint == pair[1].1.fingerprint)
    {
        classes::FINGERPRINTS_EQUAL
    } else {
        classes::FINGERPRINTS_DIFFER
    };
    format!("{place}, {fingerprints}")
}

/// The class of a watermark behind the APPEND cutoff, by the window at the watermark (the
/// next one the watermark would walk over): `stranded-at-valid-entry` /
/// `stranded-at-stale-entry` when it has an entry (the APPEND loop skips any entry, SCH:316,
/// and only appendValid's walk moves the watermark over it, over VALID entries only),
/// `not-appended, window=data|empty` when it has none (no APPEND for it committed). Whether
/// the entry's fingerprint is current is not the watermark's failure (the bucket's own
/// witnesses on `quiescent_buckets_match_source` say it), so the class does not carry it,
/// nor the bucket's causes.
fn cutoff_class(config: &Config, world: &World, bucket: i64) -> String {
    let entry = world
        .runtime()
        .and_then(|runtime| runtime.partitions.get(&bucket));
    if let Some(info) = entry {
        if info.is_stale() {
            classes::STRANDED_AT_STALE.to_string()
        } else {
            classes::STRANDED_AT_VALID.to_string()
        }
    } else {
        let live = world.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
        let window = if live.is_empty_window() {
            classes::WINDOW_EMPTY
        } else {
            classes::WINDOW_HAS_DATA
        };
        format!("{}, {window}", classes::NOT_APPENDED)
    }
}

/// The witnesses of `quiescent_broker_routes_on_znode`: the broker's cache when it is not
/// the znode's watermark (`cache-behind-znode`, `cache-ahead-of-znode`), and its verdict
/// when it is not the eligibility of the znode's watermark (`fresh-on-unset-watermark`,
/// `fresh-past-staleness-threshold`, `not-fresh-on-eligible-watermark`).
fn broker_witnesses(property: &'static Property, config: &Config, world: &World) -> Vec<Witness> {
    let name = property.name;
    let watermark_ms = properties::znode_watermark_ms(world);
    let mut out = Vec::new();
    let cache_ms = world.broker.cache_watermark_ms;
    if config.broker_cache_lag && cache_ms != watermark_ms {
        let class = if cache_ms < watermark_ms {
            classes::CACHE_BEHIND
        } else {
            classes::CACHE_AHEAD
        };
        out.push(witness(
            property,
            "the broker's watermark cache",
            Signature::new(name, class),
        ));
    }
    let fresh = world.broker_calls_mv_fresh(config);
    let eligible = properties::eligible_on(config, world, watermark_ms);
    let verdict = match (fresh, eligible) {
        (true, false) if watermark_ms <= 0 => Some(classes::FRESH_WATERMARK_UNSET),
        (true, false) => Some(classes::FRESH_PAST_THRESHOLD),
        (false, true) => Some(classes::NOT_FRESH_ELIGIBLE),
        _ => None,
    };
    if let Some(class) = verdict {
        out.push(witness(
            property,
            "the broker's freshness verdict",
            Signature::new(name, class),
        ));
    }
    out
}

/// One witness per window whose MV segments differ, classed by [`mv_class`].
fn mv_witnesses(
    property: &'static Property,
    config: &Config,
    world: &World,
    windows: Vec<i64>,
    noun: &str,
) -> Vec<Witness> {
    windows
        .into_iter()
        .map(|bucket| Witness {
            property: property.name,
            subject: format!("{noun} {bucket}"),
            signature: bucket_signature(
                property.name,
                config,
                world,
                bucket,
                Some(mv_class(config, world, bucket)),
            ),
        })
        .collect()
}

fn witness(property: &'static Property, subject: &str, signature: Signature) -> Witness {
    Witness {
        property: property.name,
        subject: subject.to_string(),
        signature,
    }
}

/// The class of an APPEND that replaced its window's MV segments over a present bucket:
/// who swapped (`zombie`: a task Helix timed out whose thread ran on, F13; `live-task`: a
/// task Helix still tracks, F12's re-dispatch above a gap) and the bucket's entry against
/// the task's own fingerprint (`valid-task-fingerprint`: its commit will hit appendValid's
/// carve-out; `valid-other-fingerprint`: its commit will throw; `stale`).
fn redispatch_class(world: &World, task: &crate::executor::Task) -> String {
    let who = if task.timed_out {
        classes::ZOMBIE
    } else {
        classes::LIVE_TASK
    };
    let entry = world
        .runtime()
        .and_then(|runtime| runtime.partitions.get(&task.config.window_start_ms));
    let znode = match entry {
        Some(info) if info.is_stale() => classes::STALE,
        Some(info) if info.fingerprint == task.config.fingerprint => {
            classes::VALID_TASK_FINGERPRINT
        }
        _ => classes::VALID_OTHER_FINGERPRINT,
    };
    format!("{who}, znode={znode}")
}

/// The znode class of `bucket` (its entry against the live source window).
fn znode_class(config: &Config, world: &World, bucket: i64) -> &'static str {
    let runtime = world.runtime();
    let entry = runtime.and_then(|runtime| runtime.partitions.get(&bucket));
    let live = world.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
    match entry {
        None => {
            let first = runtime.and_then(|runtime| runtime.partitions.keys().next().copied());
            if first.is_none_or(|first| bucket < first) {
                classes::ABSENT_BELOW_COVERAGE
            } else {
                classes::ABSENT_IN_COVERAGE
            }
        }
        Some(info) if info.is_stale() => classes::STALE,
        Some(info) if info.fingerprint.is_empty_window() && !live.is_empty_window() => {
            classes::VALID_EMPTY_OVER_DATA
        }
        Some(info) if info.fingerprint.is_empty_window() => classes::VALID_EMPTY,
        Some(info) if info.fingerprint != live => classes::VALID_OUTDATED,
        Some(_) => classes::VALID_CURRENT,
    }
}

/// The MV class of window `bucket`: what its MV segments hold against the source and the
/// znode: `mv-orphan` (MV segments where the znode entry says the window is empty or has no
/// entry), `mv-outdated` (MV segments of other source data), `mv-missing` (no MV segments
/// for a window with data).
fn mv_class(config: &Config, world: &World, bucket: i64) -> String {
    let live = world.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
    let served = world
        .mv_data
        .get(&bucket)
        .copied()
        .filter(|served| !served.is_empty_window());
    let entry_says_empty = world
        .runtime()
        .and_then(|runtime| runtime.partitions.get(&bucket))
        .is_none_or(|info| info.fingerprint.is_empty_window());
    let mv = match served {
        Some(_) if entry_says_empty => classes::MV_ORPHAN,
        Some(served) if served != live => classes::MV_OUTDATED,
        _ => classes::MV_MISSING,
    };
    format!("{mv}, znode={}", znode_class(config, world, bucket))
}

/// A bucket witness's signature: its class (or `class`), written-by and causes.
fn bucket_signature(
    property: &str,
    config: &Config,
    world: &World,
    bucket: i64,
    class: Option<String>,
) -> Signature {
    let class = class.unwrap_or_else(|| znode_class(config, world, bucket).to_string());
    let mut signature = Signature::new(property, class);
    let flags = world.ghost.buckets.get(&bucket).copied().unwrap_or(0);
    if flags & cause::WRITTEN_OUTDATED != 0 {
        let writer = ((flags & cause::WRITER_MASK) >> cause::WRITER_SHIFT) as u8;
        signature.written_by = Some(detail::name(writer).to_string());
    }
    for (bit, name) in cause::NAMES {
        if flags & bit != 0 {
            signature.causes.insert(name.to_string());
        }
    }
    if flags & ghost_bits::BUCKET_DELETED != 0 {
        signature.causes.insert("deleted".to_string());
    }
    if flags & ghost_bits::BUCKET_BACKFILLED_AFTER_DELETE != 0 {
        signature
            .causes
            .insert("backfilled-after-delete".to_string());
    }
    signature
}

// ---- the ghost bookkeeping of causes ----

/// The widest source change (in buckets) whose causes are tracked per bucket.
pub const TRACKED_BUCKETS_MAX: i64 = 64;

fn window_buckets(config: &Config, start_ms: i64, end_ms: i64) -> impl Iterator<Item = i64> {
    let first = align_down(start_ms, config.bucket_ms);
    let bucket_ms = config.bucket_ms;
    (0..)
        .map(move |index| first + index * bucket_ms)
        .take_while(move |bucket| *bucket <= end_ms)
}

/// Sets a bucket's ghost flags, dropping the entry when they are all clear.
pub(crate) fn set_flags(ghost: &mut Ghost, bucket: i64, flags: u16) {
    let current = ghost.buckets.get(&bucket).copied().unwrap_or(0);
    if current == flags {
        return;
    }
    if flags == 0 {
        ghost.buckets.make_mut().remove(&bucket);
    } else {
        ghost.buckets.make_mut().insert(bucket, flags);
    }
}

/// Adds `bit` to every bucket of `[start_ms, end_ms]` that has a notified change.
fn add_to_notified(
    ghost: &mut Ghost,
    config: &Config,
    start_ms: i64,
    end_ms: i64,
    skip: &[i64],
    bit: u16,
) {
    // A full invalidation (a time-less change widens the CM's range to [0, MAX]) drains
    // every bucket: its outcome applies to every notified bucket. The ghost holds only
    // notified buckets, so this stays bounded (a time-less change itself is not tracked
    // per bucket, `note_source_change`).
    let (first, last) = if start_ms < 0 || end_ms == i64::MAX {
        (i64::MIN, i64::MAX)
    } else {
        (align_down(start_ms, config.bucket_ms), end_ms)
    };
    if first > last {
        return; // an inverted range (bad input replayed): nothing to note
    }
    let touched: Vec<(i64, u16)> = ghost
        .buckets
        .range(first..=last)
        .filter(|(bucket, flags)| {
            *flags & cause::NOTIFIED != 0 && *flags & bit == 0 && !skip.contains(bucket)
        })
        .map(|(bucket, flags)| (*bucket, flags | bit))
        .collect();
    for (bucket, flags) in touched {
        set_flags(ghost, bucket, flags);
    }
}

/// Per bucket written by one applied write: the new cause bits (computed before the
/// history bookkeeping, applied after it by [`apply_write_causes`]).
pub struct WriteCauses(Vec<(i64, u16)>);

/// Applies the cause bits of a write (keeping each bucket's history bits).
pub fn apply_write_causes(ghost: &mut Ghost, causes: WriteCauses) {
    for (bucket, new_causes) in causes.0 {
        let history = ghost.buckets.get(&bucket).copied().unwrap_or(0) & !cause::MASK;
        set_flags(ghost, bucket, history | new_causes);
    }
}

impl World {
    /// The cause bits of every bucket an applied write changes: a bucket written VALID with
    /// the current source fingerprint, flipped STALE or removed starts afresh (no causes); a
    /// bucket written VALID with another fingerprint keeps its causes and records the writer;
    /// a bucket a mark listed but did not flip gains [`cause::MARK_NOOP`].
    pub(crate) fn write_causes(
        &self,
        config: &Config,
        mutation: &Mutation,
        old: &RuntimeMetadata,
        update: &RuntimeMetadata,
    ) -> WriteCauses {
        let mut out = Vec::new();
        let flags_of =
            |bucket: i64| self.ghost.buckets.get(&bucket).copied().unwrap_or(0) & cause::MASK;
        let changed = |bucket: &i64| old.partitions.get(bucket) != update.partitions.get(bucket);
        let buckets: BTreeSet<i64> = old
            .partitions
            .keys()
            .chain(update.partitions.keys())
            .copied()
            .filter(changed)
            .collect();
        for bucket in &buckets {
            let after: Option<&PartitionInfo> = update.partitions.get(bucket);
            let new_causes = match after {
                Some(info) if info.is_valid() => {
                    let live =
                        self.source_window_fingerprint(config, *bucket, bucket + config.bucket_ms);
                    if info.fingerprint == live {
                        0
                    } else {
                        let writer =
                            u16::from(detail::of_mutation(mutation)) << cause::WRITER_SHIFT;
                        (flags_of(*bucket) & !cause::WRITER_MASK) | cause::WRITTEN_OUTDATED | writer
                    }
                }
                _ => 0,
            };
            out.push((*bucket, new_causes));
        }
        let listed = self.marked_buckets(mutation);
        for bucket in listed {
            let flags = flags_of(bucket);
            if !buckets.contains(&bucket) && flags & cause::NOTIFIED != 0 {
                out.push((bucket, flags | cause::MARK_NOOP));
            }
        }
        WriteCauses(out)
    }

    /// A source change of `[start_ms, end_ms]` was notified to the CM.
    pub(crate) fn note_source_change(&mut self, config: &Config, start_ms: i64, end_ms: i64) {
        if start_ms < 0 || end_ms < 0 || end_ms == i64::MAX {
            return; // time-less: a full invalidation, not tracked per bucket
        }
        // A segment spanning more than TRACKED_BUCKETS_MAX buckets is not tracked per
        // bucket either (its witnesses then carry no causes): the history stays bounded on
        // any input.
        let first = align_down(start_ms, config.bucket_ms);
        if end_ms.saturating_sub(first) / config.bucket_ms >= TRACKED_BUCKETS_MAX {
            return;
        }
        for bucket in window_buckets(config, start_ms, end_ms) {
            let flags = self.ghost.buckets.get(&bucket).copied().unwrap_or(0);
            set_flags(&mut self.ghost, bucket, flags | cause::NOTIFIED);
        }
    }

    /// A CM flush drained `[start_ms, end_ms]`: its READ #1 threw (`candidates == None`) or
    /// it listed `candidates`.
    pub(crate) fn note_flush(
        &mut self,
        config: &Config,
        start_ms: i64,
        end_ms: i64,
        candidates: Option<&[i64]>,
    ) {
        match candidates {
            None => add_to_notified(
                &mut self.ghost,
                config,
                start_ms,
                end_ms,
                &[],
                cause::FLUSH_READ_ERROR,
            ),
            Some(listed) => add_to_notified(
                &mut self.ghost,
                config,
                start_ms,
                end_ms,
                listed,
                cause::NOT_A_CANDIDATE,
            ),
        }
    }

    /// A controller failover dropped the CM's pending range `pending` and the mark in
    /// progress on its thread (`mark`), if any.
    pub(crate) fn note_failover(
        &mut self,
        config: &Config,
        pending: Option<(i64, i64)>,
        mark: Option<&Mutation>,
    ) {
        if let Some((start_ms, end_ms)) = pending {
            add_to_notified(
                &mut self.ghost,
                config,
                start_ms,
                end_ms,
                &[],
                cause::LOST_IN_FAILOVER,
            );
        }
        let listed = mark.map_or_else(Vec::new, |mark| self.marked_buckets(mark));
        for bucket in listed {
            let flags = self.ghost.buckets.get(&bucket).copied().unwrap_or(0);
            if flags & cause::NOTIFIED != 0 {
                set_flags(&mut self.ghost, bucket, flags | cause::LOST_IN_FAILOVER);
            }
        }
    }

    /// The buckets a mark names: its bucket list, or (pre) the buckets with ghost flags in
    /// its range; none for any other mutation.
    fn marked_buckets(&self, mutation: &Mutation) -> Vec<i64> {
        match mutation {
            Mutation::MarkStale { buckets } | Mutation::MarkStaleInCoverage { buckets } => {
                buckets.clone()
            }
            Mutation::PreMarkDirty { start_ms, end_ms } if start_ms <= end_ms => self
                .ghost
                .buckets
                .range(*start_ms..=*end_ms)
                .map(|(bucket, _)| *bucket)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A CM mark ended without a write.
    pub(crate) fn note_mark_end(&mut self, mutation: &Mutation, end: &CasEnd) {
        let bit = match end {
            CasEnd::Committed => return,
            CasEnd::NoOp(_) => cause::MARK_NOOP,
            CasEnd::Violation(_) | CasEnd::Exhausted | CasEnd::GaveUp => cause::MARK_ABANDONED,
        };
        let listed = self.marked_buckets(mutation);
        for bucket in listed {
            let flags = self.ghost.buckets.get(&bucket).copied().unwrap_or(0);
            if flags & cause::NOTIFIED != 0 {
                set_flags(&mut self.ghost, bucket, flags | bit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The class functions of the contract witnesses on hand-built states, for the failure
    //! kinds no shipped configuration reaches (the mutants' end-to-end classes are in
    //! `tests/witnesses.rs`).
    use super::*;
    use crate::executor::{Job, Task, TaskConfig, TaskMode, TaskPhase};
    use crate::partition::{PartitionFingerprint, PartitionInfo, PartitionState};
    use crate::scheduler::{AppendPlan, Cycle, SchedulerPhase};
    use crate::Profile;

    fn config() -> Config {
        let mut config = Config::base("witness-tests", Profile::by_name("post").expect("post"));
        config.staleness_threshold_ms = 150;
        config.start_ms = 1000;
        config.finish().expect("a valid test configuration")
    }

    fn classes_of(config: &Config, name: &str, world: &World) -> Vec<String> {
        let property = properties::by_name(name).expect("registered");
        witnesses_of(config, property, world)
            .into_iter()
            .map(|witness| witness.signature.class)
            .collect()
    }

    fn fingerprint(crc: i64) -> PartitionFingerprint {
        PartitionFingerprint {
            segment_count: 1,
            crc,
        }
    }

    fn append(window_start_ms: i64, crc: i64) -> Task {
        Task {
            config: TaskConfig::new(TaskMode::Append, window_start_ms, fingerprint(crc)),
            phase: TaskPhase::Prepared,
            timed_out: false,
            lineage_from: None,
        }
    }

    fn entry(state: PartitionState) -> PartitionInfo {
        PartitionInfo {
            state,
            fingerprint: fingerprint(1),
            last_refresh_time_ms: 0,
        }
    }

    #[test]
    fn every_safety_and_quiescence_property_has_a_witness_function() {
        for property in properties::registry() {
            if property.expectation != Expectation::Sometimes {
                assert!(
                    WITNESSED.contains(&property.name),
                    "{} has no witness function: accepting `{} | violated` would accept every violation of it",
                    property.name,
                    property.name
                );
            }
        }
        for name in WITNESSED {
            assert!(properties::by_name(name).is_some(), "{name} is registered");
        }
    }

    #[test]
    fn a_fault_effect_is_judged_against_what_was_charged_for_it() {
        let mut config = config();
        config.faults.task_timeouts = 1;
        config.faults.lost_acks = 1;
        let name = "faults_within_budget";
        let holds = |world: &World| {
            properties::by_name(name)
                .unwrap()
                .holds_on_state(&config, world)
        };
        let mut world = World::initial(&config);
        assert!(holds(&world));
        // A task Helix timed out, charged: holds; the same task, uncharged: violated.
        let mut zombie = append(1100, 7);
        zombie.timed_out = true;
        world.jobs = vec![Job {
            tasks: vec![zombie.clone(), append(1200, 7)],
        }]
        .into();
        world.faults_used.task_timeouts = 1;
        assert!(holds(&world));
        world.faults_used.task_timeouts = 0;
        assert_eq!(classes_of(&config, name, &world), ["timeout-uncharged"]);
        // Two timed-out tasks for one charged timeout.
        world.faults_used.task_timeouts = 1;
        world.jobs = vec![Job {
            tasks: vec![zombie.clone(), zombie],
        }]
        .into();
        assert_eq!(classes_of(&config, name, &world), ["timeout-uncharged"]);
        // A budget overspent, and a lost-ack replay no lost ack paid for, in one state.
        world.jobs = Vec::<Job>::new().into();
        world.faults_used.lost_acks = 2;
        assert_eq!(classes_of(&config, name, &world), ["lost-acks-overspent"]);
        world.faults_used.lost_acks = 0;
        world.ghost.reached |= ghost_bits::REACHED_LOST_ACK_REPLAYED;
        assert_eq!(
            classes_of(&config, name, &world),
            ["lost-ack-replay-uncharged"]
        );
        world.faults_used.lost_acks = 1;
        assert!(holds(&world));
    }

    #[test]
    fn two_appends_of_one_window_are_classed_by_their_jobs_and_fingerprints() {
        let config = config();
        let mut world = World::initial(&config);
        let name = "one_append_per_bucket_in_flight";
        // Two jobs, one fingerprint (a later dispatch of an unchanged window).
        world.jobs = vec![
            Job {
                tasks: vec![append(1100, 7)],
            },
            Job {
                tasks: vec![append(1100, 7), append(1200, 7)],
            },
        ]
        .into();
        assert!(!properties::by_name(name)
            .unwrap()
            .holds_on_state(&config, &world));
        assert_eq!(
            classes_of(&config, name, &world),
            ["two-jobs, fingerprints=equal"]
        );
        // One job planning the window twice, from two source reads.
        world.jobs = vec![Job {
            tasks: vec![append(1100, 7), append(1100, 8)],
        }]
        .into();
        assert_eq!(
            classes_of(&config, name, &world),
            ["one-job, fingerprints=differ"]
        );
        // A timed-out APPEND is not counted (the property's own definition): no witness
        // for that window, and a second window's pair is its own witness.
        let mut zombie = append(1100, 7);
        zombie.timed_out = true;
        world.jobs = vec![
            Job {
                tasks: vec![zombie, append(1200, 7)],
            },
            Job {
                tasks: vec![append(1100, 7), append(1200, 9)],
            },
        ]
        .into();
        let witnesses = witnesses_of(&config, properties::by_name(name).unwrap(), &world);
        assert_eq!(witnesses.len(), 1);
        assert_eq!(
            witnesses[0].signature.class,
            "two-jobs, fingerprints=differ"
        );
        assert!(witnesses[0].subject.contains("1200"));
    }

    #[test]
    fn a_misplanned_append_is_classed_by_the_read_it_contradicts() {
        let config = config();
        let mut world = World::initial(&config);
        let name = "append_planned_only_into_snapshot_absent";
        let partitions = [
            (1000, entry(PartitionState::Valid)),
            (1100, entry(PartitionState::Stale)),
            (1300, entry(PartitionState::Valid)),
        ];
        let cycle = Cycle {
            watermark_ms: 1100,
            partitions: partitions
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>()
                .into(),
            counts: Default::default(),
        };
        let plan = AppendPlan {
            next_ms: 1500,
            cutoff_ms: 1500,
            slots_left: 1,
            iterations_left: 1,
            planned: [900, 1000, 1100, 1200, 1300]
                .into_iter()
                .map(|ws| TaskConfig::new(TaskMode::Append, ws, fingerprint(1)))
                .collect(),
        };
        world.scheduler.phase = SchedulerPhase::BuildAppend(cycle, plan);
        assert_eq!(
            classes_of(&config, name, &world),
            [
                "below-watermark-read",
                "below-watermark-read, valid-in-snapshot",
                "stale-in-snapshot",
                "valid-in-snapshot"
            ]
        );
    }

    #[test]
    fn the_broker_witnesses_name_the_cache_and_the_verdict_apart() {
        let config = config();
        let name = "quiescent_broker_routes_on_znode";
        let mut world = World::initial(&config);
        let runtime = |watermark_ms| RuntimeMetadata {
            watermark_ms,
            partitions: Default::default(),
        };
        world.now_ms = 1000;
        // The znode's watermark is eligible (now - 900 <= 150), the cache is behind it and
        // not eligible: the cache, and the verdict "not fresh".
        world.register.value = Some(runtime(900));
        world.broker.cache_watermark_ms = 800;
        assert_eq!(
            classes_of(&config, name, &world),
            ["cache-behind-znode", "not-fresh-on-eligible-watermark"]
        );
        // The cache ahead of an ineligible znode watermark: fresh past the threshold.
        world.register.value = Some(runtime(800));
        world.broker.cache_watermark_ms = 900;
        assert_eq!(
            classes_of(&config, name, &world),
            ["cache-ahead-of-znode", "fresh-past-staleness-threshold"]
        );
    }

    #[test]
    fn a_broken_promise_code_names_the_mode_and_the_entry_and_nothing_else() {
        use crate::properties::BrokenPromise::*;
        let mut seen = BTreeSet::new();
        for mode in [TaskMode::Append, TaskMode::Overwrite, TaskMode::Delete] {
            for found in [Absent, Stale, ValidOtherFingerprint, ValidWithData, Valid] {
                let code = outcome::code(mode, found);
                assert_ne!(code, 0);
                let class = outcome::class(code).expect("a class");
                assert!(class.starts_with(&mode.name().to_lowercase()), "{class}");
                assert!(seen.insert(class), "two promises share a class");
            }
        }
        assert_eq!(outcome::class(0), None);
        assert_eq!(
            outcome::class(outcome::code(TaskMode::Delete, ValidWithData)).as_deref(),
            Some("delete-succeeded, znode=valid-with-data")
        );
    }

    #[test]
    fn a_violated_pattern_for_a_witnessed_property_is_refused() {
        let error =
            Signature::parse("quiescent_watermark_reaches_cutoff | violated").expect_err("refused");
        assert!(error.contains("has a witness function"), "{error}");
        // Another class of the same property parses.
        assert!(
            Signature::parse("quiescent_watermark_reaches_cutoff | not-appended, window=data")
                .is_ok()
        );
    }
}
