//! The partition-state writers: post's `MaterializedViewPartitionManager` (spec §2.1, §2.3)
//! and pre's three ad-hoc CAS loops (spec §2.2), as one explicit step machine.
//!
//! Every write is a compare-and-set loop. In Pinot the loop is one Java call; here it is a
//! [`CasOp`] that the owning actor advances one atomic step at a time, so that every other
//! actor can interleave between the read and the write (DESIGN-NOTES "Atomicity"):
//!
//! 1. read: `fetchWithVersion`, then run the mutator on the snapshot (`clearValid`'s supplier
//!    re-reads the source here, PM:323-336), giving a write, a no-op or a precondition error;
//! 2. write: `set(update, version)`;
//! 3. after a retryable failure, back off (the op sleeps until `wake_ms`) and go to 1.
//!
//! The mutator and the error classification differ per writer ([`Writer`]); the mutations
//! themselves ([`Mutation`]) cite the lines they model.

use crate::config::{constants, Config};
use crate::partition::{
    align_down, compute_contiguous_upper_ms, PartitionFingerprint, PartitionInfo, PartitionState,
    RuntimeMetadata,
};
use crate::profile::{Fix, Mutant};
use serde::{Deserialize, Serialize};

/// One state change of the runtime znode.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Mutation {
    /// post `appendValid` (PM:181-209): insert VALID into an absent bucket and walk the
    /// watermark up in the same write.
    AppendValid {
        window_start_ms: i64,
        window_end_ms: i64,
        fingerprint: PartitionFingerprint,
    },
    /// post `refreshValid` (PM:223-247): STALE -> VALID(fp) (OVERWRITE commit).
    RefreshValid {
        window_start_ms: i64,
        fingerprint: PartitionFingerprint,
    },
    /// post `clearValid` (PM:305-345): STALE -> VALID(EMPTY) (DELETE commit), guarded by
    /// the source supplier when the profile has the guard.
    ClearValid { window_start_ms: i64 },
    /// fix-f18's `clearStaleFingerprint` (a new op beside `clearValid`, PM:305-345): a
    /// DELETE about to drop the window's MV segments makes the STALE entry's fingerprint
    /// EMPTY (state and `lastRefreshTime` kept), so it no longer claims data the MV is
    /// losing. Critical profile; strict like `clearValid` (no znode or a bucket not STALE:
    /// ISE); an entry already STALE(EMPTY) (a lost-ack replay) no-ops.
    ClearStaleFingerprint { window_start_ms: i64 },
    /// post `revertValid` (PM:360-380): STALE -> VALID keeping fp and time (false positive).
    /// `expected`: fix-f15's compare-and-revert, the fingerprint the scheduler compared
    /// (the live entry must still carry it, else the revert no-ops); `None` in `post`.
    RevertValid {
        window_start_ms: i64,
        expected: Option<PartitionFingerprint>,
    },
    /// post `markStale(t, buckets)` (PM:393-436): VALID -> STALE for every listed bucket,
    /// one write.
    MarkStale { buckets: Vec<i64> },
    /// fix-f9: `markStale` that also creates STALE(EMPTY) entries for listed buckets that
    /// are absent and below the watermark (in-coverage VACANT, the synthesis PM:387-390
    /// defers); an absent bucket at or above the watermark is skipped as in `markStale`, so
    /// an in-flight APPEND's strict absent check (PM:200) is never hit.
    MarkStaleInCoverage { buckets: Vec<i64> },
    /// fix-f1's crash-safe re-check (the scheduler, after a task failed at or after its
    /// commit): VALID -> STALE for one bucket only if the entry is still VALID with
    /// `fingerprint`, the one the failed task committed (compare-and-mark inside the CAS
    /// mutator, like fix-f15's compare-and-revert: no extra read). Any other entry (absent:
    /// the commit never landed; STALE: someone marked it; another fingerprint: a later
    /// commit) is a no-op. Java: a new `markStaleIfValidWith` beside PM:393-436 on the same
    /// critical loop.
    MarkStaleIfValidWith {
        window_start_ms: i64,
        fingerprint: PartitionFingerprint,
    },
    /// post `deletePartition` (PM:445-463): lenient removal of an entry. No automatic path
    /// calls it (reserved for admin commands), so no actor issues it; it is here for the
    /// table tests and for future admin-command scenarios.
    DeletePartition { window_start_ms: i64 },
    /// pre executor APPEND/OVERWRITE write (pre:EX:491-588): blind put VALID(fp); APPEND
    /// also walks the watermark.
    PreExecutorPut {
        window_start_ms: i64,
        window_end_ms: i64,
        fingerprint: PartitionFingerprint,
        append: bool,
    },
    /// pre executor DELETE write: blind `remove(ws)` (pre:EX:546).
    PreExecutorRemove { window_start_ms: i64 },
    /// pre CM `markPartitionsDirty` (pre:CM:338-436): cap the range at the watermark
    /// (pre:CM:394) and flip VALID -> STALE inside it.
    PreMarkDirty { start_ms: i64, end_ms: i64 },
    /// pre scheduler `persistPartitionStateChangeWithRetry(.., VALID)` (pre:SCH:377-449):
    /// the same lenient semantics as post `revertValid`.
    PreSchedulerRevert { window_start_ms: i64 },
}

impl Mutation {
    /// The bucket a single-bucket mutation targets.
    pub fn window_start_ms(&self) -> Option<i64> {
        match self {
            Mutation::AppendValid {
                window_start_ms, ..
            }
            | Mutation::RefreshValid {
                window_start_ms, ..
            }
            | Mutation::ClearValid { window_start_ms }
            | Mutation::ClearStaleFingerprint { window_start_ms }
            | Mutation::RevertValid {
                window_start_ms, ..
            }
            | Mutation::PreExecutorPut {
                window_start_ms, ..
            }
            | Mutation::PreExecutorRemove { window_start_ms }
            | Mutation::DeletePartition { window_start_ms }
            | Mutation::PreSchedulerRevert { window_start_ms }
            | Mutation::MarkStaleIfValidWith {
                window_start_ms, ..
            } => Some(*window_start_ms),
            Mutation::MarkStale { .. }
            | Mutation::MarkStaleInCoverage { .. }
            | Mutation::PreMarkDirty { .. } => None,
        }
    }

    /// Short Java-like name for traces.
    pub fn name(&self) -> &'static str {
        match self {
            Mutation::AppendValid { .. } => "appendValid",
            Mutation::RefreshValid { .. } => "refreshValid",
            Mutation::ClearValid { .. } => "clearValid",
            Mutation::ClearStaleFingerprint { .. } => "clearStaleFingerprint",
            Mutation::RevertValid { .. } => "revertValid",
            Mutation::MarkStale { .. } => "markStale",
            Mutation::MarkStaleInCoverage { .. } => "markStale+synthesize",
            Mutation::MarkStaleIfValidWith { .. } => "markStaleIfValidWith",
            Mutation::DeletePartition { .. } => "deletePartition",
            Mutation::PreExecutorPut { append: true, .. } => "pre.put(APPEND)",
            Mutation::PreExecutorPut { append: false, .. } => "pre.put(OVERWRITE)",
            Mutation::PreExecutorRemove { .. } => "pre.remove",
            Mutation::PreMarkDirty { .. } => "pre.markPartitionsDirty",
            Mutation::PreSchedulerRevert { .. } => "pre.persistPartitionStateChange",
        }
    }
}

/// Which CAS loop runs the mutation: decides the attempt budget, the back-off and which
/// errors are retried (spec §2.3 "Retry profiles" and "Pre retry loops").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Writer {
    /// post `applyMutation`, critical profile (PM:542-592, 111-127): budget from the
    /// cluster key, 50 + U[0,150) ms; conflicts and any `ZkException` (read or write) retry.
    PostCritical,
    /// post `applyMutation`, revert profile (PM:122, 132-133): 8 attempts, 5 + U[0,20) ms.
    PostRevert,
    /// fix-f5: `markStale` on the critical back-off with `max(key, 128)` attempts.
    PostMarkStale,
    /// pre executor loop (pre:EX:467, 491-588): budget from the cluster key, 50 + U[0,150) ms;
    /// every `ZkException` retries.
    PreExecutor,
    /// pre CM loop (pre:CM:105, 338-462): 128 fixed, 5 + U[0,20) ms; a failed write retries
    /// (Helix's property store turns every write failure into `false`, docs/java-notes.md
    /// Q10a), a read error gives up.
    PreConsistencyManager,
    /// pre scheduler revert loop (pre:SCH:377-449): 8, 5 + U[0,20) ms; write errors retry;
    /// a read error escapes and fails that table's task generation.
    PreSchedulerRevert,
}

impl Writer {
    /// Attempt budget; `critical` is the cluster key's value.
    pub fn max_attempts(self, config: &Config) -> u32 {
        match self {
            Writer::PostCritical | Writer::PreExecutor => config.critical_max_attempts,
            Writer::PostMarkStale => config
                .critical_max_attempts
                .max(constants::CRITICAL_MAX_ATTEMPTS),
            Writer::PostRevert | Writer::PreSchedulerRevert => constants::REVERT_MAX_ATTEMPTS,
            Writer::PreConsistencyManager => constants::PRE_CM_MAX_MARK_RETRIES,
        }
    }

    /// (base, jitter) of the sleep before attempts 2..n: `base + U[0, jitter)`.
    pub fn backoff_ms(self) -> (i64, i64) {
        match self {
            Writer::PostCritical | Writer::PostMarkStale | Writer::PreExecutor => (
                constants::CRITICAL_BACKOFF_BASE_MS,
                constants::CRITICAL_BACKOFF_JITTER_MS,
            ),
            Writer::PostRevert | Writer::PreConsistencyManager | Writer::PreSchedulerRevert => (
                constants::REVERT_BACKOFF_BASE_MS,
                constants::REVERT_BACKOFF_JITTER_MS,
            ),
        }
    }

    /// Does a read-side `ZkException` retry (true) or end the op (false)?
    pub fn retries_read_errors(self) -> bool {
        matches!(
            self,
            Writer::PostCritical | Writer::PostMarkStale | Writer::PostRevert | Writer::PreExecutor
        )
    }

    /// The loop every post `markStale` runs on: critical, or under fix-f5 one whose
    /// budget the cluster key cannot lower.
    pub fn for_mark_stale(config: &Config) -> Writer {
        if config.profile.has_fix(Fix::F5) {
            Writer::PostMarkStale
        } else {
            Writer::PostCritical
        }
    }
}

/// Why a mutation did not write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NoOp {
    /// Lenient op found nothing to do (absent, not STALE, nothing changed, no znode).
    Lenient,
    /// The idempotent carve-out (`isAlreadyValidWithFingerprint`, PM:484-489).
    AlreadyValid,
    /// `clearValid`'s backfill guard saw a non-empty source window (PM:323-336).
    SourceNotEmpty,
}

/// A strict precondition violation (`IllegalStateException` in the mutator): fail-fast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Precondition {
    /// `cur == null`.
    NoRuntime,
    /// `addPartitionInfo` on a present key (appendValid).
    BucketPresent,
    /// The bucket is absent or not STALE (refreshValid / clearValid).
    BucketNotStale,
    /// `windowEndMs <= windowStartMs` (appendValid's argument check, PM:183-186).
    InvalidWindow,
    /// The `clearValid`-throws design alternative: the supplier saw a non-empty source.
    SourceNotEmpty,
}

/// The mutator's verdict on one snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mutated {
    Write(RuntimeMetadata),
    NoOp(NoOp),
    Violation(Precondition),
}

/// Everything a mutator may look at besides the snapshot.
pub struct MutateInputs<'a> {
    pub config: &'a Config,
    /// `System.currentTimeMillis()` inside the mutator (0 when not recorded).
    pub refresh_time_ms: i64,
    /// `clearValid`'s supplier: the live source window fingerprint (read only if called).
    pub source_window: &'a dyn Fn(i64) -> PartitionFingerprint,
}

fn info(state: PartitionState, fingerprint: PartitionFingerprint, time_ms: i64) -> PartitionInfo {
    PartitionInfo {
        state,
        fingerprint,
        last_refresh_time_ms: time_ms,
    }
}

/// `isAlreadyValidWithFingerprint` (PM:484-489).
fn already_valid_with(cur: &RuntimeMetadata, bucket: i64, fp: PartitionFingerprint) -> bool {
    matches!(cur.partitions.get(&bucket), Some(existing) if existing.is_valid() && existing.fingerprint == fp)
}

fn is_stale(cur: &RuntimeMetadata, bucket: i64) -> bool {
    matches!(cur.partitions.get(&bucket), Some(existing) if existing.is_stale())
}

/// Runs the mutator of `mutation` on the snapshot `cur` (spec §2.1 table, §2.2).
pub fn mutate(
    mutation: &Mutation,
    cur: Option<&RuntimeMetadata>,
    inputs: &MutateInputs,
) -> Mutated {
    let result = mutate_bucket(mutation, cur, inputs);
    // fix-f17: every post write that turns a bucket VALID walks the watermark over the
    // resulting map like appendValid (PM:202-203), instead of keeping
    // `current.getWatermarkMs()` (refreshValid PM:244-245, clearValid PM:342-343,
    // revertValid PM:377-378). A bucket below the watermark leaves the walk where it is.
    let walks = matches!(
        mutation,
        Mutation::RefreshValid { .. } | Mutation::ClearValid { .. } | Mutation::RevertValid { .. }
    );
    match (result, cur) {
        (Mutated::Write(mut updated), Some(cur))
            if walks && inputs.config.profile.has_fix(Fix::F17) =>
        {
            updated.watermark_ms = compute_contiguous_upper_ms(
                cur.watermark_ms,
                &updated.partitions,
                inputs.config.bucket_ms,
            );
            Mutated::Write(updated)
        }
        (result, _) => result,
    }
}

/// The mutator of one operation, before fix-f17's watermark walk.
fn mutate_bucket(
    mutation: &Mutation,
    cur: Option<&RuntimeMetadata>,
    inputs: &MutateInputs,
) -> Mutated {
    let now = inputs.refresh_time_ms;
    match mutation {
        Mutation::AppendValid {
            window_start_ms,
            window_end_ms,
            fingerprint,
        } => append_valid(cur, *window_start_ms, *window_end_ms, *fingerprint, inputs),
        Mutation::RefreshValid {
            window_start_ms,
            fingerprint,
        } => {
            let Some(cur) = cur else {
                return Mutated::Violation(Precondition::NoRuntime);
            };
            if already_valid_with(cur, *window_start_ms, *fingerprint) {
                return Mutated::NoOp(NoOp::AlreadyValid);
            }
            if !is_stale(cur, *window_start_ms) {
                return Mutated::Violation(Precondition::BucketNotStale);
            }
            let mut updated = cur.clone();
            updated.partitions.make_mut().insert(
                *window_start_ms,
                info(PartitionState::Valid, *fingerprint, now),
            );
            Mutated::Write(updated)
        }
        Mutation::ClearValid { window_start_ms } => clear_valid(cur, *window_start_ms, inputs),
        Mutation::ClearStaleFingerprint { window_start_ms } => {
            clear_stale_fingerprint(cur, *window_start_ms)
        }
        Mutation::RevertValid {
            window_start_ms,
            expected,
        } => revert(cur, *window_start_ms, *expected, inputs),
        Mutation::PreSchedulerRevert { window_start_ms } => {
            revert(cur, *window_start_ms, None, inputs)
        }
        Mutation::MarkStale { buckets } => mark_stale(cur, buckets, inputs, false),
        Mutation::MarkStaleInCoverage { buckets } => mark_stale(cur, buckets, inputs, true),
        Mutation::MarkStaleIfValidWith {
            window_start_ms,
            fingerprint,
        } => match cur {
            Some(cur) if already_valid_with(cur, *window_start_ms, *fingerprint) => {
                mark_stale(Some(cur), &[*window_start_ms], inputs, false)
            }
            _ => Mutated::NoOp(NoOp::Lenient),
        },
        Mutation::DeletePartition { window_start_ms } => match cur {
            Some(cur) if cur.partitions.contains_key(window_start_ms) => {
                let mut updated = cur.clone();
                updated.partitions.make_mut().remove(window_start_ms);
                Mutated::Write(updated)
            }
            _ => Mutated::NoOp(NoOp::Lenient),
        },
        Mutation::PreExecutorPut {
            window_start_ms,
            window_end_ms,
            fingerprint,
            append,
        } => {
            // pre:EX:530: a missing znode is started from {watermark 0, {}} and written with
            // version -1, which creates it.
            let mut updated = cur.cloned().unwrap_or_default();
            updated.partitions.make_mut().insert(
                *window_start_ms,
                info(PartitionState::Valid, *fingerprint, now),
            );
            if *append {
                // pre:EX:564: the same contiguous walk as post.
                updated.watermark_ms = compute_contiguous_upper_ms(
                    updated.watermark_ms,
                    &updated.partitions,
                    window_end_ms - window_start_ms,
                );
            }
            Mutated::Write(updated)
        }
        Mutation::PreExecutorRemove { window_start_ms } => {
            let mut updated = cur.cloned().unwrap_or_default();
            updated.partitions.make_mut().remove(window_start_ms);
            Mutated::Write(updated)
        }
        Mutation::PreMarkDirty { start_ms, end_ms } => {
            pre_mark_dirty(cur, *start_ms, *end_ms, inputs)
        }
    }
}

fn append_valid(
    cur: Option<&RuntimeMetadata>,
    window_start_ms: i64,
    window_end_ms: i64,
    fingerprint: PartitionFingerprint,
    inputs: &MutateInputs,
) -> Mutated {
    // Argument checks before any read (PM:183-186): IllegalArgumentException.
    if window_end_ms <= window_start_ms {
        return Mutated::Violation(Precondition::InvalidWindow);
    }
    let Some(cur) = cur else {
        return Mutated::Violation(Precondition::NoRuntime);
    };
    // The carve-out is checked before the strict absent check (PM:192-198).
    if already_valid_with(cur, window_start_ms, fingerprint)
        && !inputs
            .config
            .profile
            .has_mutant(crate::profile::Mutant::AppendValidNoCarveOut)
    {
        return Mutated::NoOp(NoOp::AlreadyValid);
    }
    if cur.partitions.contains_key(&window_start_ms) {
        return Mutated::Violation(Precondition::BucketPresent);
    }
    let mut updated = cur.clone();
    updated.partitions.make_mut().insert(
        window_start_ms,
        info(PartitionState::Valid, fingerprint, inputs.refresh_time_ms),
    );
    updated.watermark_ms = if inputs
        .config
        .profile
        .has_mutant(Mutant::WatermarkFromWindowEnd)
    {
        window_end_ms
    } else {
        compute_contiguous_upper_ms(
            cur.watermark_ms,
            &updated.partitions,
            window_end_ms - window_start_ms,
        )
    };
    Mutated::Write(updated)
}

fn clear_valid(
    cur: Option<&RuntimeMetadata>,
    window_start_ms: i64,
    inputs: &MutateInputs,
) -> Mutated {
    let Some(cur) = cur else {
        return Mutated::Violation(Precondition::NoRuntime);
    };
    // Carve-out before the supplier is called (PM:313-317).
    if already_valid_with(cur, window_start_ms, PartitionFingerprint::EMPTY) {
        return Mutated::NoOp(NoOp::AlreadyValid);
    }
    if !is_stale(cur, window_start_ms) {
        return Mutated::Violation(Precondition::BucketNotStale);
    }
    if inputs.config.profile.clear_valid_source_guard
        && !(inputs.source_window)(window_start_ms).is_empty_window()
    {
        if inputs.config.profile.clear_valid_throws {
            return Mutated::Violation(Precondition::SourceNotEmpty);
        }
        return Mutated::NoOp(NoOp::SourceNotEmpty);
    }
    let mut updated = cur.clone();
    updated.partitions.make_mut().insert(
        window_start_ms,
        info(
            PartitionState::Valid,
            PartitionFingerprint::EMPTY,
            inputs.refresh_time_ms,
        ),
    );
    Mutated::Write(updated)
}

/// fix-f18's `clearStaleFingerprint`: STALE(fp) -> STALE(EMPTY), the watermark kept (the
/// bucket stays STALE, so no walk can move).
fn clear_stale_fingerprint(cur: Option<&RuntimeMetadata>, window_start_ms: i64) -> Mutated {
    let Some(cur) = cur else {
        return Mutated::Violation(Precondition::NoRuntime);
    };
    match cur.partitions.get(&window_start_ms) {
        Some(existing) if existing.is_stale() => {
            if existing.fingerprint == PartitionFingerprint::EMPTY {
                return Mutated::NoOp(NoOp::Lenient);
            }
            let mut updated = cur.clone();
            let mut cleared = *existing;
            cleared.fingerprint = PartitionFingerprint::EMPTY;
            updated
                .partitions
                .make_mut()
                .insert(window_start_ms, cleared);
            Mutated::Write(updated)
        }
        _ => Mutated::Violation(Precondition::BucketNotStale),
    }
}

fn revert(
    cur: Option<&RuntimeMetadata>,
    window_start_ms: i64,
    expected: Option<PartitionFingerprint>,
    inputs: &MutateInputs,
) -> Mutated {
    let Some(cur) = cur else {
        return Mutated::NoOp(NoOp::Lenient);
    };
    // `mutant-revert-rewrites-valid`: the lenient check tests presence only (PM:368's
    // `existing.getState() != STALE` dropped).
    let presence_only = inputs
        .config
        .profile
        .has_mutant(Mutant::RevertRewritesValid);
    match cur.partitions.get(&window_start_ms) {
        Some(existing)
            if (existing.is_stale() || presence_only)
                && expected.is_none_or(|expected| existing.fingerprint == expected) =>
        {
            let mut updated = cur.clone();
            updated
                .partitions
                .make_mut()
                .insert(window_start_ms, existing.with_state(PartitionState::Valid));
            Mutated::Write(updated)
        }
        _ => Mutated::NoOp(NoOp::Lenient),
    }
}

fn mark_stale(
    cur: Option<&RuntimeMetadata>,
    buckets: &[i64],
    inputs: &MutateInputs,
    in_coverage: bool,
) -> Mutated {
    let Some(cur) = cur else {
        return Mutated::NoOp(NoOp::Lenient);
    };
    let mutant = inputs
        .config
        .profile
        .has_mutant(Mutant::MarkStaleSynthesizesAbsent);
    let synthesizes = |bucket: i64| mutant || (in_coverage && bucket < cur.watermark_ms);
    let changes = |bucket: &i64| match cur.partitions.get(bucket) {
        Some(existing) => existing.is_valid(),
        None => synthesizes(*bucket),
    };
    if !buckets.iter().any(changes) {
        return Mutated::NoOp(NoOp::Lenient);
    }
    let mut updated = cur.clone();
    let partitions = updated.partitions.make_mut();
    for bucket in buckets {
        match partitions.get_mut(bucket) {
            Some(existing) if existing.is_valid() => existing.state = PartitionState::Stale,
            None if synthesizes(*bucket) => {
                partitions.insert(
                    *bucket,
                    info(PartitionState::Stale, PartitionFingerprint::EMPTY, 0),
                );
            }
            _ => {}
        }
    }
    Mutated::Write(updated)
}

fn pre_mark_dirty(
    cur: Option<&RuntimeMetadata>,
    start_ms: i64,
    end_ms: i64,
    inputs: &MutateInputs,
) -> Mutated {
    let Some(cur) = cur else {
        return Mutated::NoOp(NoOp::Lenient);
    };
    // pre:CM:394: the affected range is capped at the watermark.
    let end_ms = end_ms.min(cur.watermark_ms);
    if end_ms < start_ms {
        return Mutated::NoOp(NoOp::Lenient);
    }
    let bucket_ms = inputs.config.bucket_ms;
    let first = align_down(start_ms, bucket_ms);
    // pre:CM:427-436 visits the slots first + k*b only: a key off that grid (after a
    // bucketTimePeriod change) is never marked.
    let buckets: Vec<i64> = cur
        .partitions
        .range(first..=end_ms)
        .map(|(bucket, _)| *bucket)
        .filter(|bucket| (bucket - first).rem_euclid(bucket_ms) == 0)
        .collect();
    mark_stale(Some(cur), &buckets, inputs, false)
}

/// The CAS loop of one mutation in progress (spec §2.3).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CasOp {
    pub mutation: Mutation,
    pub writer: Writer,
    /// Attempts started so far (each read starts one).
    pub attempts: u32,
    /// Ghost: the `get` calls this op has made, faulted or not (only properties read it:
    /// `cas_attempts_within_budget` judges them against the Java's budget). Equal to
    /// `attempts` in a correct loop, so it splits no state.
    #[serde(default)]
    pub reads: u32,
    /// Set between a successful read+mutate and the write.
    pub pending: Option<PendingWrite>,
    /// The op sleeps (back-off) until this time (concrete timing only).
    pub wake_ms: i64,
    /// A write of this op was applied but reported as failed (ghost: only properties and
    /// traces read it).
    pub lost_ack: bool,
}

/// The update computed by the mutator, waiting for its `set`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PendingWrite {
    pub expected_version: i32,
    pub update: RuntimeMetadata,
}

/// How a CAS op ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CasEnd {
    Committed,
    NoOp(NoOp),
    /// Precondition violation (fail-fast, `IllegalStateException`).
    Violation(Precondition),
    /// Budget exhausted (`RuntimeException("... after N attempts")`, PM:589-591).
    Exhausted,
    /// A non-retryable register error ended the op (pre CM gives up; pre scheduler's read
    /// error escapes).
    GaveUp,
}

impl CasOp {
    pub fn new(mutation: Mutation, writer: Writer) -> CasOp {
        CasOp {
            mutation,
            writer,
            attempts: 0,
            reads: 0,
            pending: None,
            wake_ms: 0,
            lost_ack: false,
        }
    }

    /// Is the next step a read (true) or a write (false)?
    pub fn wants_read(&self) -> bool {
        self.pending.is_none()
    }

    /// After a retryable failure: back off, or end with `Exhausted` when the budget is spent.
    /// `wake_ms` is the end of the back-off sleep, computed by the driver's timing.
    pub fn retry_or_exhaust(&mut self, config: &Config, wake_ms: i64) -> Option<CasEnd> {
        self.pending = None;
        let mut budget = self.writer.max_attempts(config);
        // `mutant-cas-retries-past-budget`: the loop bound off by one (`attempt <=
        // maxAttempts` for PM:546's `<`), one attempt more than the budget.
        if config.profile.has_mutant(Mutant::CasRetriesPastBudget) {
            budget += 1;
        }
        if self.attempts >= budget {
            return Some(CasEnd::Exhausted);
        }
        self.wake_ms = wake_ms;
        None
    }
}
