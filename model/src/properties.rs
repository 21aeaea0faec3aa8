//! The property registry: every invariant mvsim checks, as a named pure function over the
//! global state with an expectation and a one-line statement (STYLE "Properties").
//!
//! - `Always`: must hold in every reachable state (history facts are read from ghost bits
//!   that the write path records, DESIGN-NOTES "Properties over histories").
//! - `Sometimes`: must hold in at least one reachable state; each `Always` has one that
//!   shows the interesting states are reached (a model that does nothing passes every
//!   safety check).
//! - `Quiescent`: must hold at the fixpoint that [`crate::quiescence::settle`] reaches
//!   from every state in which the scripted source events are used up.

use crate::config::Config;
use crate::executor::TaskMode;
use crate::manager::{CasOp, Mutation};
use crate::partition::{PartitionFingerprint, RuntimeMetadata};
use crate::profile::Fix;
use crate::quiescence::Settled;
use crate::scheduler::SchedulerPhase;
use crate::world::{ghost_bits, World};

/// How a property is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expectation {
    Always,
    Sometimes,
    Quiescent,
}

impl Expectation {
    pub fn name(self) -> &'static str {
        match self {
            Expectation::Always => "always",
            Expectation::Sometimes => "sometimes",
            Expectation::Quiescent => "quiescent",
        }
    }
}

/// What a property's check reads.
#[derive(Clone, Copy)]
pub enum Check {
    State(fn(&Config, &World) -> bool),
    Settled(fn(&Config, &Settled) -> bool),
}

/// One registered property.
#[derive(Clone, Copy)]
pub struct Property {
    pub name: &'static str,
    pub expectation: Expectation,
    pub statement: &'static str,
    /// The Java or spec evidence for the property.
    pub evidence: &'static str,
    pub check: Check,
}

impl Property {
    /// Does an `always` (or `sometimes`) property hold on `world`? (A quiescent property
    /// holds on every state; judge it with [`Property::holds_on_settled`].)
    pub fn holds_on_state(&self, config: &Config, world: &World) -> bool {
        match self.check {
            Check::State(check) => check(config, world),
            Check::Settled(_) => true,
        }
    }

    /// Does the property hold at a settled fixpoint?
    pub fn holds_on_settled(&self, config: &Config, settled: &Settled) -> bool {
        match self.check {
            Check::State(check) => check(config, &settled.world),
            Check::Settled(check) => check(config, settled),
        }
    }
}

/// Every property, in report order.
pub fn registry() -> &'static [Property] {
    &REGISTRY
}

/// Looks up a property by name.
pub fn by_name(name: &str) -> Option<&'static Property> {
    REGISTRY.iter().find(|property| property.name == name)
}

fn no_ghost_violation(world: &World, bit: u16) -> bool {
    world.ghost.violations & bit == 0
}

fn reached(world: &World, bit: u32) -> bool {
    world.ghost.reached & bit != 0
}

/// The runtime znode's `watermarkMs` as stored (0 without a znode, as `getWatermarkMs`
/// reads it), read from the register itself: the properties never judge the watermark
/// through the engine's own accessor.
pub(crate) fn znode_watermark_ms(world: &World) -> i64 {
    world
        .register
        .value
        .as_ref()
        .map_or(0, |runtime| runtime.watermark_ms)
}

/// `computeMaxSourceEndTimeMs` restated (SCH:971-980): the max inclusive `endTimeMs >= 0`
/// over the live source segments; `None` when no segment has one (the Java's
/// `Long.MIN_VALUE`).
fn live_max_source_end_ms(world: &World) -> Option<i64> {
    world
        .source
        .iter()
        .map(|segment| segment.end_ms)
        .filter(|end_ms| *end_ms >= 0)
        .max()
}

fn watermark_monotonic(_: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::WATERMARK_DECREASED)
}

fn watermark_within_source_data(_: &Config, world: &World) -> bool {
    let max_end_ms = world.ghost.max_source_end_seen_ms;
    // saturating: a segment ending at i64::MAX (a corrupt trace) bounds nothing.
    max_end_ms < 0 || znode_watermark_ms(world) <= max_end_ms.saturating_add(1)
}

fn bucket_keys_aligned(config: &Config, world: &World) -> bool {
    world.runtime().is_none_or(|runtime| {
        runtime
            .partitions
            .keys()
            .all(|bucket| bucket.rem_euclid(config.bucket_ms) == 0)
    })
}

fn append_only_into_absent(_: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::APPEND_OVER_PRESENT)
}

fn running_exclusive(world: &World) -> usize {
    world
        .jobs
        .iter()
        .flat_map(|job| &job.tasks)
        .filter(|task| task.is_running_exclusive())
        .count()
}

fn one_exclusive_in_flight(_: &Config, world: &World) -> bool {
    running_exclusive(world) <= 1
}

fn stale_only_from_valid(_: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::STALE_NOT_FROM_VALID)
}

fn entries_never_removed(_: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::ENTRY_REMOVED)
}

fn register_linearizable(_: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::REGISTER_NOT_LINEARIZABLE)
}

fn valid_stale_overwrite_order(_: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::ORDER_VIOLATED)
}

/// The newest source data is within the threshold: `now - (maxEnd + 1) <= T`.
/// Is the newest source data the table has ever had within the staleness threshold? Over
/// data ever seen, like `watermark_within_source_data`: a retention delete does not make
/// ingestion late (what the MV then serves for the deleted range is judged by the MV data
/// properties, at quiescence), while a watermark that ran past every row the table ever had
/// (pre's stalled-ingestion bug, F6's walk to the wall clock) is still caught. With no dated
/// data ever, a fresh verdict claims nothing.
fn newest_data_within_threshold(config: &Config, world: &World) -> bool {
    let max_end_ms = world.ghost.max_source_end_seen_ms;
    max_end_ms < 0 || world.now_ms - max_end_ms.saturating_add(1) <= config.staleness_threshold_ms
}

fn broker_freshness_honest(config: &Config, world: &World) -> bool {
    config.staleness_threshold_ms <= 0
        || !world.broker_calls_mv_fresh(config)
        || newest_data_within_threshold(config, world)
}

/// Some bucket's change notification was lost in a controller failover: the CM's
/// in-memory pending range (CM:124-127) or the markStale its thread was running
/// (CM:173-185) held it when the controller went away. Read from the per-bucket cause
/// flags the failover step records (`World::note_failover`), so no engine state is judged
/// through the engine: the antecedent of every quiescent property on a failover
/// configuration (fix-f16's repair is only shown if something was lost to repair).
fn reach_failover_lost_notification(_: &Config, world: &World) -> bool {
    world
        .ghost
        .buckets
        .values()
        .any(|flags| flags & crate::signature::cause::LOST_IN_FAILOVER != 0)
}

fn valid_empty_over_data(config: &Config, world: &World) -> bool {
    world.runtime().is_some_and(|runtime| {
        runtime.partitions.iter().any(|(bucket, info)| {
            info.is_valid()
                && info.fingerprint.is_empty_window()
                && world.source.iter().any(|segment| {
                    crate::partition::segment_overlaps_window(
                        segment.start_ms,
                        segment.end_ms,
                        *bucket,
                        bucket + config.bucket_ms,
                    )
                })
        })
    })
}

fn settles(_: &Config, settled: &Settled) -> bool {
    settled.converged
}

/// Buckets below the watermark whose source window has data, with their live fingerprint.
fn covered_windows_with_data<'a>(
    config: &'a Config,
    world: &'a World,
) -> impl Iterator<Item = (i64, crate::partition::PartitionFingerprint)> + 'a {
    let watermark_ms = znode_watermark_ms(world);
    let first_ms = world
        .runtime()
        .and_then(|runtime| runtime.partitions.keys().next().copied())
        .unwrap_or(watermark_ms)
        .min(
            world
                .source
                .iter()
                .filter(|segment| segment.start_ms >= 0)
                .map(|segment| crate::partition::align_down(segment.start_ms, config.bucket_ms))
                .min()
                .unwrap_or(watermark_ms),
        );
    let first_ms = crate::partition::align_down(first_ms, config.bucket_ms);
    (0..)
        .map(move |index| first_ms + index * config.bucket_ms)
        .take_while(move |bucket| *bucket < watermark_ms)
        .map(move |bucket| {
            (
                bucket,
                world.source_window_fingerprint(config, bucket, bucket + config.bucket_ms),
            )
        })
}

/// The buckets below the watermark whose source window has data and whose entry is not
/// VALID with the current source fingerprint (the witnesses of
/// `quiescent_buckets_match_source`).
pub fn quiescent_bucket_mismatches(config: &Config, world: &World) -> Vec<i64> {
    let Some(runtime) = world.runtime() else {
        return Vec::new();
    };
    covered_windows_with_data(config, world)
        .filter(|(_, live)| !live.is_empty_window())
        .filter(|(bucket, live)| {
            !runtime
                .partitions
                .get(bucket)
                .is_some_and(|info| info.is_valid() && info.fingerprint == *live)
        })
        .map(|(bucket, _)| bucket)
        .collect()
}

fn quiescent_buckets_match_source(config: &Config, settled: &Settled) -> bool {
    quiescent_bucket_mismatches(config, &settled.world).is_empty()
}

/// The windows below the watermark whose MV segments do not hold exactly the source data
/// of the window (the witnesses of `quiescent_mv_data_matches_source`).
pub fn quiescent_mv_mismatches(config: &Config, world: &World) -> Vec<i64> {
    covered_windows_with_data(config, world)
        .filter(|(bucket, live)| {
            let served = world
                .mv_data
                .get(bucket)
                .copied()
                .unwrap_or(crate::partition::PartitionFingerprint::EMPTY);
            served != *live
        })
        .map(|(bucket, _)| bucket)
        .collect()
}

fn quiescent_mv_data_matches_source(config: &Config, settled: &Settled) -> bool {
    quiescent_mv_mismatches(config, &settled.world).is_empty()
}

// ---- Contract properties of docs/properties.md (issue 10) ----
//
// Each restates the quantity it judges from its definition here, never by calling the
// engine function whose result it judges.

/// The APPEND tasks Helix still counts in flight for the scheduler: every unfinished task
/// of a job that is not final, except a timed-out one (its job may be final; a zombie is
/// PM:477-483's known residual, not the dispatch rule's business).
fn visible_running_appends(world: &World) -> impl Iterator<Item = &crate::executor::Task> {
    world
        .jobs
        .iter()
        .flat_map(|job| &job.tasks)
        .filter(|task| visible_running_append(task))
}

fn visible_running_append(task: &crate::executor::Task) -> bool {
    task.config.mode == TaskMode::Append && !task.is_finished() && !task.timed_out
}

/// The witnesses of [`one_append_per_bucket_in_flight`]: every window with more than one
/// APPEND in flight, with those tasks as (index of their job, config).
pub(crate) fn doubled_in_flight_appends(
    world: &World,
) -> std::collections::BTreeMap<i64, Vec<(usize, crate::executor::TaskConfig)>> {
    let mut per_window: std::collections::BTreeMap<i64, Vec<_>> = Default::default();
    for (job_index, job) in world.jobs.iter().enumerate() {
        for task in job.tasks.iter().filter(|task| visible_running_append(task)) {
            per_window
                .entry(task.config.window_start_ms)
                .or_default()
                .push((job_index, task.config));
        }
    }
    per_window.retain(|_, tasks| tasks.len() > 1);
    per_window
}

/// PM:177-178 "the scheduler dispatch invariant guarantees one APPEND per bucket".
fn one_append_per_bucket_in_flight(_: &Config, world: &World) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    visible_running_appends(world).all(|task| seen.insert(task.config.window_start_ms))
}

fn reach_append_planned_beside_in_flight(_: &Config, world: &World) -> bool {
    matches!(&world.scheduler.phase, SchedulerPhase::BuildAppend(cycle, _) if cycle.counts.append >= 1)
}

/// SCH:316 against the scheduler's own reads: every window the APPEND loop has planned is
/// absent from its READ #2 snapshot and not below its READ #1 watermark.
fn append_planned_only_into_snapshot_absent(_: &Config, world: &World) -> bool {
    misplanned_appends(world).next().is_none()
}

/// The witnesses of [`append_planned_only_into_snapshot_absent`]: every window the APPEND
/// loop has planned below its READ #1 watermark or into an entry of its READ #2 snapshot,
/// with (below the watermark read, the snapshot's entry).
pub(crate) fn misplanned_appends(
    world: &World,
) -> impl Iterator<Item = (i64, bool, Option<crate::partition::PartitionInfo>)> + '_ {
    let planned = match &world.scheduler.phase {
        SchedulerPhase::BuildAppend(cycle, plan) => Some((cycle, plan)),
        _ => None,
    };
    planned.into_iter().flat_map(|(cycle, plan)| {
        plan.planned.iter().filter_map(move |task| {
            let below = task.window_start_ms < cycle.watermark_ms;
            let entry = cycle.partitions.get(&task.window_start_ms).copied();
            (below || entry.is_some()).then_some((task.window_start_ms, below, entry))
        })
    })
}

fn reach_append_loop_over_snapshot_entry(_: &Config, world: &World) -> bool {
    let SchedulerPhase::BuildAppend(cycle, plan) = &world.scheduler.phase else {
        return false;
    };
    cycle.partitions.range(plan.next_ms..).next().is_some()
}

fn bucket_present(world: &World, bucket: i64) -> bool {
    world
        .runtime()
        .is_some_and(|runtime| runtime.partitions.contains_key(&bucket))
}

/// F2's tolerated half: an APPEND whose bucket already has an entry never replaces the
/// window's MV segments (it must stop in `preProcess`, EX:126-129, or hit the carve-out
/// at commit, which writes nothing). An APPEND that has swapped is past its segment
/// replace; one whose window had no rows did no segment operation at all (EX:274-285), so
/// only an APPEND with rows (a non-empty task fingerprint) has replaced anything.
fn redispatched_append_changes_nothing(_: &Config, world: &World) -> bool {
    redispatched_appends_that_swapped(world).next().is_none()
}

/// The witnesses of [`redispatched_append_changes_nothing`]: every APPEND that has
/// replaced its window's MV segments (swapped, with rows) while its bucket has an entry.
pub(crate) fn redispatched_appends_that_swapped(
    world: &World,
) -> impl Iterator<Item = &crate::executor::Task> {
    world.jobs.iter().flat_map(|job| &job.tasks).filter(|task| {
        task.config.mode == TaskMode::Append
            && task.phase == crate::executor::TaskPhase::Swapped
            && task.config.fingerprint.segment_count != 0
            && bucket_present(world, task.config.window_start_ms)
    })
}

fn reach_append_redispatched_over_present(_: &Config, world: &World) -> bool {
    world.jobs.iter().flat_map(|job| &job.tasks).any(|task| {
        task.config.mode == TaskMode::Append
            && task.phase == crate::executor::TaskPhase::Pending
            && bucket_present(world, task.config.window_start_ms)
    })
}

/// What the MV segments of a window must hold for a bucket entry with this fingerprint:
/// the data of that fingerprint, or nothing for EMPTY (PS:22-27; PF:61-62).
pub(crate) fn mv_holds(
    world: &World,
    bucket: i64,
    fingerprint: crate::partition::PartitionFingerprint,
) -> bool {
    let served = world.mv_data.get(&bucket).copied();
    if fingerprint.segment_count == 0 {
        served.is_none_or(|held| held.segment_count == 0)
    } else {
        served == Some(fingerprint)
    }
}

/// PS:22-27 "VALID: the MV segments of the bucket reflect the source fingerprint": what V1
/// serves below the watermark for a VALID bucket is exactly its fingerprint's data.
fn valid_bucket_mv_matches_fingerprint(_: &Config, world: &World) -> bool {
    world.runtime().is_none_or(|runtime| {
        runtime
            .partitions
            .iter()
            .filter(|(_, info)| info.is_valid())
            .all(|(bucket, info)| mv_holds(world, *bucket, info.fingerprint))
    })
}

fn reach_valid_bucket_with_task_in_flight(_: &Config, world: &World) -> bool {
    world.runtime().is_some_and(|runtime| {
        world.jobs.iter().flat_map(|job| &job.tasks).any(|task| {
            !task.is_finished()
                && runtime
                    .partitions
                    .get(&task.config.window_start_ms)
                    .is_some_and(|info| info.is_valid())
        })
    })
}

/// What a SUCCEEDED task found in its bucket's live znode entry when it broke its mode's
/// promise (the classes of `task_outcome_honest`'s witness, `crate::signature`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokenPromise {
    /// No entry: APPEND / OVERWRITE / post DELETE promised one.
    Absent,
    /// STALE: APPEND / OVERWRITE promised VALID (pre's DELETE promised no entry).
    Stale,
    /// VALID with a fingerprint other than the task's (APPEND / OVERWRITE).
    ValidOtherFingerprint,
    /// VALID with data (post DELETE promised VALID-empty or STALE).
    ValidWithData,
    /// VALID (pre's DELETE promised no entry).
    Valid,
}

/// The promise of a SUCCEEDED task about its bucket in the live znode, judged at the step
/// that reports it (the executor calls this; a broken promise sets
/// [`ghost_bits::TASK_OUTCOME_DISHONEST`]): APPEND / OVERWRITE leave the bucket VALID with
/// the task's fingerprint (PM:153-178, 211-220: committed, or the carve-out found exactly
/// that); DELETE leaves it VALID-empty, or still STALE after a detected backfill
/// (EX:424-442, PM:323-336). `pre`'s DELETE promised the opposite, the entry removed
/// (pre:EX:546), and is judged by its own contract. `None`: the promise is kept.
pub fn succeeded_outcome_broken(
    config: &Config,
    world: &World,
    task: &crate::executor::TaskConfig,
) -> Option<BrokenPromise> {
    let entry = world
        .runtime()
        .and_then(|runtime| runtime.partitions.get(&task.window_start_ms).copied());
    match (task.mode, entry) {
        (TaskMode::Delete, None) if config.profile.is_pre() => None,
        (TaskMode::Delete, Some(info)) if config.profile.is_pre() => Some(if info.is_stale() {
            BrokenPromise::Stale
        } else {
            BrokenPromise::Valid
        }),
        (_, None) => Some(BrokenPromise::Absent),
        (TaskMode::Append | TaskMode::Overwrite, Some(info)) if info.is_stale() => {
            Some(BrokenPromise::Stale)
        }
        (TaskMode::Append | TaskMode::Overwrite, Some(info)) => {
            (info.fingerprint != task.fingerprint).then_some(BrokenPromise::ValidOtherFingerprint)
        }
        (TaskMode::Delete, Some(info)) => (info.is_valid() && info.fingerprint.segment_count != 0)
            .then_some(BrokenPromise::ValidWithData),
    }
}

/// What a strict operation's bucket entry held on the snapshot it read (for signatures).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreconditionFound {
    /// No znode (`cur == null`).
    NoZnode,
    Absent,
    Stale,
    /// VALID with the value the operation would write (the idempotent carve-out's case).
    ValidOwnValue,
    /// VALID with another fingerprint.
    ValidOther,
    /// `windowEndMs <= windowStartMs` (appendValid's argument check).
    InvalidWindow,
}

/// The Javadoc precondition of a strict partition-state operation, restated here from its
/// definition (not by calling the manager's mutator), on the snapshot `cur` it read:
/// `Some((holds, found))` for the strict operations, `None` for the lenient ones and pre's
/// blind writes.
/// - `appendValid(ws, we, fp)`: a znode, `we > ws`, and the bucket absent, or already
///   VALID with `fp` (the carve-out) (PM:170-178, 184-191);
/// - `refreshValid(ws, fp)`: the bucket STALE, or already VALID with `fp` (PM:216-220);
/// - `clearValid(ws)`: the bucket STALE, or already VALID-empty (PM:297-302, 313-317); a
///   non-empty source is a no-op, not a precondition (PM:262-264);
/// - fix-f18's `clearStaleFingerprint(ws)`: the bucket STALE.
pub fn strict_precondition(
    mutation: &Mutation,
    cur: Option<&RuntimeMetadata>,
) -> Option<(bool, PreconditionFound)> {
    use PreconditionFound as Found;
    let (window_start_ms, own) = match mutation {
        Mutation::AppendValid {
            window_start_ms,
            window_end_ms,
            fingerprint,
        } => {
            if window_end_ms <= window_start_ms {
                return Some((false, Found::InvalidWindow));
            }
            (*window_start_ms, Some(*fingerprint))
        }
        Mutation::RefreshValid {
            window_start_ms,
            fingerprint,
        } => (*window_start_ms, Some(*fingerprint)),
        Mutation::ClearValid { window_start_ms } => {
            (*window_start_ms, Some(PartitionFingerprint::EMPTY))
        }
        Mutation::ClearStaleFingerprint { window_start_ms } => (*window_start_ms, None),
        _ => return None,
    };
    let Some(cur) = cur else {
        return Some((false, Found::NoZnode));
    };
    let found = match cur.partitions.get(&window_start_ms) {
        None => Found::Absent,
        Some(info) if info.is_stale() => Found::Stale,
        Some(info) if Some(info.fingerprint) == own => Found::ValidOwnValue,
        Some(_) => Found::ValidOther,
    };
    let holds = matches!(
        (mutation, found),
        (
            Mutation::AppendValid { .. },
            Found::Absent | Found::ValidOwnValue
        ) | (
            Mutation::RefreshValid { .. } | Mutation::ClearValid { .. },
            Found::Stale | Found::ValidOwnValue
        ) | (Mutation::ClearStaleFingerprint { .. }, Found::Stale)
    );
    Some((holds, found))
}

/// Does a caller trigger a strict precondition by design (docs/properties.md, §1 and
/// "Preconditions as properties of the callers")? Only two callers do: a task Helix timed
/// out whose thread ran on (a zombie: the precondition is the safety net PM:477-483 names),
/// and an operation whose earlier write was applied but reported failed (a lost ack): its
/// replay finds the entry changed by another writer since (the lost-ack-then-mark APPEND).
/// Every other caller relies on the scheduler's dispatch invariant (PM:176-178: "firing
/// indicates a real bug").
pub fn triggers_precondition_by_design(timed_out: bool, lost_ack: bool) -> bool {
    timed_out || lost_ack
}

fn strict_preconditions_fire_only_by_design(_: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::PRECONDITION_BROKEN)
}

fn reach_precondition_failed(_: &Config, world: &World) -> bool {
    world.ghost.witnessed.0 & ghost_bits::WITNESS_PRECONDITION_FAILED != 0
}

/// delete_aborts_on_backfill's antecedent, restated from the guard's definition (EX:424-442:
/// `computeSourceWindowFingerprint` over the source segments whose inclusive time range
/// overlaps the half-open window, TU:218; `shouldAbortDeleteForBackfill` aborts when any
/// does): does any live source segment overlap `[window_start_ms, window_start_ms +
/// bucketMs)`? A time-less segment (`-1`, `-1`) overlaps no window at or above 0.
pub fn delete_check_window_has_data(config: &Config, world: &World, window_start_ms: i64) -> bool {
    let window_end_ms = window_start_ms.saturating_add(config.bucket_ms);
    world
        .source
        .iter()
        .any(|segment| segment.start_ms < window_end_ms && segment.end_ms >= window_start_ms)
}

/// delete_aborts_on_backfill's consequent broken: the guard that found data (EX:424-442:
/// "abort before touching MV segments or partition state") did not end the task SUCCEEDED
/// (it went on to drop, to clear the fingerprint or to commit), or it changed what the
/// window's MV segments hold (`held` before the step, `now` after).
pub fn delete_check_ignored_data(
    phase: &crate::executor::TaskPhase,
    held: Option<PartitionFingerprint>,
    now: Option<PartitionFingerprint>,
) -> bool {
    *phase != crate::executor::TaskPhase::Succeeded || held != now
}

fn delete_aborts_on_backfill(_: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::DELETE_IGNORED_BACKFILL)
}

fn reach_delete_checks_backfilled_window(_: &Config, world: &World) -> bool {
    world.ghost.witnessed.0 & ghost_bits::WITNESS_DELETE_SAW_BACKFILL != 0
}

fn task_outcome_honest(_: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::TASK_OUTCOME_DISHONEST)
}

fn reach_task_succeeded(_: &Config, world: &World) -> bool {
    world.ghost.witnessed.0 & ghost_bits::WITNESS_TASK_SUCCEEDED != 0
}

/// The mutator contract (PM:524-526: "return the new [metadata] to persist, or `null` to
/// indicate the call is a no-op (success, no CAS write)"; `applyMutation` returns at
/// PM:565-568): a write that leaves the znode's content as it was is a no-op that was
/// persisted anyway (one more version for every other writer's CAS to lose against, and a
/// watch event for every broker). The history fact is a violation bit that the register
/// write path sets when an applied write's content equals the snapshot it replaces; pre's
/// executor put/remove is blind by design (pre:EX:544-575) and not judged.
fn writes_change_the_znode(_: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::UNCHANGED_WRITE)
}

fn reach_nothing_to_change(_: &Config, world: &World) -> bool {
    world.ghost.witnessed.0 & ghost_bits::WITNESS_NOTHING_TO_CHANGE != 0
}

// ---- The CAS loop's attempt budget (issue 10, mutation survivor `cas_read`) ----

/// The attempt budget of the CAS loop that runs `mutation`, restated from the Java per
/// operation (the property never asks the engine's `Writer` or `CasOp::retry_or_exhaust`):
/// post `revertValid` has `REVERT_MAX_ATTEMPTS = 8` (PM:122, 379); every other post
/// operation `criticalMaxAttempts()`, the cluster key (PM:208, 246, 344, 435, 462,
/// 604-609), and under fix-f5 a mark `max(key, 128)` (the fix's own contract); pre's
/// executor loop the same key (pre:EX:467, 511), pre's CM `MAX_MARK_RETRIES = 128`
/// (pre:CM:105, 344), pre's scheduler revert `MAX_PARTITION_STATE_PERSIST_RETRIES = 8`
/// (pre:SCH:377, 394).
pub(crate) fn cas_budget(config: &Config, mutation: &Mutation) -> u32 {
    let key = config.critical_max_attempts;
    match mutation {
        Mutation::RevertValid { .. } | Mutation::PreSchedulerRevert { .. } => 8,
        Mutation::PreMarkDirty { .. } => 128,
        Mutation::MarkStale { .. }
        | Mutation::MarkStaleInCoverage { .. }
        | Mutation::MarkStaleIfValidWith { .. }
            if config.profile.has_fix(Fix::F5) =>
        {
            key.max(128)
        }
        _ => key,
    }
}

/// Every CAS operation in progress: the CM thread's mark, each task's commit, the
/// scheduler's revert (or mark), and the old lead's after a leadership change.
fn in_flight_cas_ops(world: &World) -> impl Iterator<Item = &CasOp> {
    fn reverting(phase: &SchedulerPhase) -> Option<&CasOp> {
        match phase {
            SchedulerPhase::Reverting(_, op) => Some(op),
            _ => None,
        }
    }
    world
        .consistency
        .work
        .as_ref()
        .map(|work| &work.op)
        .into_iter()
        .chain(reverting(&world.scheduler.phase))
        .chain(world.old_lead.as_deref().and_then(reverting))
        .chain(
            world
                .jobs
                .iter()
                .flat_map(|job| &job.tasks)
                .filter_map(|task| match &task.phase {
                    crate::executor::TaskPhase::Committing(op) => Some(op),
                    _ => None,
                }),
        )
}

/// The witnesses of [`cas_attempts_within_budget`]'s first half: every operation in
/// progress that has read more often than its budget, or has used its budget with no write
/// left to try (its last attempt failed, so it must have stopped).
pub(crate) fn cas_ops_past_budget<'a>(
    config: &'a Config,
    world: &'a World,
) -> impl Iterator<Item = &'a CasOp> + 'a {
    in_flight_cas_ops(world).filter(move |op| {
        let budget = cas_budget(config, &op.mutation);
        op.reads > budget || (op.reads == budget && op.pending.is_none())
    })
}

/// The retry budget (PM:546 `for (attempt = 0; attempt < maxAttempts; attempt++)`, then
/// PM:589-591 throws "after N attempts"; pre's three loops alike): an operation reads the
/// znode at most its budget of times; once its last attempt has failed it has stopped; and
/// it gives up on the budget only after that last attempt (the history half is a violation
/// bit set where a loop gives up, compared with [`cas_budget`]).
fn cas_attempts_within_budget(config: &Config, world: &World) -> bool {
    no_ghost_violation(world, ghost_bits::CAS_GAVE_UP_EARLY)
        && cas_ops_past_budget(config, world).next().is_none()
}

/// The fault budgets (`[faults]` of a configuration, docs/configs.md) are the bound an
/// exhaustive check is complete within, and the faults they admit are what excuse a strict
/// precondition (`triggers_precondition_by_design`: a zombie task or a lost-ack replay) and
/// what the fault `sometimes` report. So every fault a state shows was charged to its
/// budget, and no budget is overspent. Restated from the effects themselves, never from
/// the driver's `count_fault`: the in-flight operations whose write was applied with its
/// ack lost, the tasks Helix timed out, the tasks failed by an injected exception (a task
/// failure, or a transient error in `preProcess`), a lost-ack replay or a zombie commit in
/// this step, a change lost in a controller failover, an old lead's cycle still running.
/// The simulator draws faults by rate and holds each count one below its `u8::MAX` budget
/// (`simulate::engine`), so the claims hold there too.
fn faults_within_budget(config: &Config, world: &World) -> bool {
    fault_budget_breaches(config, world).is_empty()
}

/// The witnesses of [`faults_within_budget`]: one signature class per claim that fails
/// (`<kind>-overspent` for a budget, `<effect>-uncharged` for a fault effect with no fault
/// of its kind charged).
pub(crate) fn fault_budget_breaches(config: &Config, world: &World) -> Vec<&'static str> {
    let used = &world.faults_used;
    let budget = &config.faults;
    const OVERSPENT: [&str; 6] = [
        "transient-errors-overspent",
        "lost-acks-overspent",
        "task-failures-overspent",
        "task-timeouts-overspent",
        "controller-failovers-overspent",
        "leadership-changes-overspent",
    ];
    let mut breaches: Vec<&'static str> = (used.counts().into_iter())
        .zip(budget.counts())
        .zip(OVERSPENT)
        .filter(|((used, budget), _)| used > budget)
        .map(|(_, class)| class)
        .collect();
    let tasks = || world.jobs.iter().flat_map(|job| &job.tasks);
    let timed_out = tasks().filter(|task| task.timed_out).count();
    let injected = tasks()
        .filter(|task| {
            task.phase == crate::executor::TaskPhase::Failed(crate::executor::TaskFailure::Injected)
        })
        .count();
    let lost_acks = in_flight_cas_ops(world).filter(|op| op.lost_ack).count();
    let claims = [
        (
            "lost-ack-uncharged",
            lost_acks <= usize::from(used.lost_acks),
        ),
        (
            "timeout-uncharged",
            timed_out <= usize::from(used.task_timeouts),
        ),
        (
            "injected-failure-uncharged",
            injected <= usize::from(used.task_failures) + usize::from(used.transient_errors),
        ),
        (
            "lost-ack-replay-uncharged",
            used.lost_acks > 0 || !reached(world, ghost_bits::REACHED_LOST_ACK_REPLAYED),
        ),
        (
            "zombie-commit-uncharged",
            used.task_timeouts > 0 || !reached(world, ghost_bits::REACHED_ZOMBIE_COMMITTED),
        ),
        (
            "failover-loss-uncharged",
            used.controller_failovers > 0 || !reach_failover_lost_notification(config, world),
        ),
        (
            "old-lead-uncharged",
            used.leadership_changes > 0 || world.old_lead.is_none(),
        ),
    ];
    breaches.extend(
        claims
            .iter()
            .filter(|(_, holds)| !holds)
            .map(|(class, _)| *class),
    );
    breaches
}

/// `faults_within_budget`'s other half: the budgets are not only never overspent, they are
/// spent. Some explored state has used every fault budget of the configuration to its
/// last unit, so every fault kind the configuration budgets is injected by the search (a
/// driver that stops offering one kind leaves the search checking a fault-free engine
/// under a configuration that names the fault). A configuration without faults reaches it
/// in its initial state.
fn reach_fault_budgets_spent(config: &Config, world: &World) -> bool {
    world.faults_used == config.faults
}

// ---- Progress and what the broker routes on, at quiescence (issue 10, mutation survivors) ----

/// The last bucket boundary the APPEND cutoff admits, restated from SCH:276-306 and
/// SCH:995-1000: the loop dispatches `[ws, ws + b)` while `ws + b <= cutoff`, with
/// `cutoff = min(now - bufferMs, maxSourceEnd + 1)` (`maxSourceEnd` inclusive, hence the
/// `+ 1`, SCH:986-992). `None` when the source has no usable end time (the Java then falls
/// back to the rough cutoff and appends empty windows: finding F6, not an obligation) or a
/// corrupt `Long.MAX_VALUE` one.
pub(crate) fn append_cutoff_boundary_ms(config: &Config, world: &World) -> Option<i64> {
    let max_end_ms = live_max_source_end_ms(world).filter(|end_ms| *end_ms != i64::MAX)?;
    let cutoff_ms = (world.now_ms - config.buffer_ms).min(max_end_ms + 1);
    Some(cutoff_ms.div_euclid(config.bucket_ms) * config.bucket_ms)
}

/// Progress (SCH:263-275: the cutoff exists so that the watermark tracks the data tail,
/// which "the staleness-threshold contract the broker uses" relies on): once the engine is
/// quiescent, every window that ends at or before the cutoff is below the watermark.
fn quiescent_watermark_reaches_cutoff(config: &Config, settled: &Settled) -> bool {
    let world = &settled.world;
    world.register.value.is_none()
        || append_cutoff_boundary_ms(config, world)
            .is_none_or(|boundary_ms| znode_watermark_ms(world) >= boundary_ms)
}

fn reach_watermark_behind_cutoff(config: &Config, world: &World) -> bool {
    world.register.value.is_some()
        && append_cutoff_boundary_ms(config, world)
            .is_some_and(|boundary_ms| znode_watermark_ms(world) < boundary_ms)
}

/// `isEligible` (RW:192-214) restated on a watermark: `watermarkMs > 0` and, with a
/// staleness SLO, `now - watermarkMs <= stalenessThresholdMs`.
pub(crate) fn eligible_on(config: &Config, world: &World, watermark_ms: i64) -> bool {
    watermark_ms > 0
        && (config.staleness_threshold_ms <= 0
            || world.now_ms - watermark_ms <= config.staleness_threshold_ms)
}

/// At quiescence the broker routes on the znode's watermark (its watch-fed cache has caught
/// up: MC:385-437 reloads on every znode change) and calls the MV fresh exactly when
/// RW:192-214 makes that watermark eligible.
fn quiescent_broker_routes_on_znode(config: &Config, settled: &Settled) -> bool {
    let world = &settled.world;
    let watermark_ms = znode_watermark_ms(world);
    let cache_current = !config.broker_cache_lag || world.broker.cache_watermark_ms == watermark_ms;
    cache_current && world.broker_calls_mv_fresh(config) == eligible_on(config, world, watermark_ms)
}

fn reach_broker_cache_behind(config: &Config, world: &World) -> bool {
    config.broker_cache_lag && world.broker.cache_watermark_ms < znode_watermark_ms(world)
}

macro_rules! always {
    ($name:literal, $statement:literal, $evidence:literal, $check:expr) => {
        Property {
            name: $name,
            expectation: Expectation::Always,
            statement: $statement,
            evidence: $evidence,
            check: Check::State($check),
        }
    };
}

macro_rules! sometimes {
    ($name:literal, $statement:literal, $check:expr) => {
        Property {
            name: $name,
            expectation: Expectation::Sometimes,
            statement: $statement,
            evidence: "reachability witness",
            check: Check::State($check),
        }
    };
}

/// A quiescent property. At a settle that a model panic stopped (`Ghost::model_panic`) the
/// world is whatever the failed model left, so only `settles` (the `@model` form) judges
/// it, as class `model-panic`; every other quiescent property holds there.
macro_rules! quiescent {
    (@model $name:literal, $statement:literal, $evidence:literal, $check:expr) => {
        Property {
            name: $name,
            expectation: Expectation::Quiescent,
            statement: $statement,
            evidence: $evidence,
            check: Check::Settled($check),
        }
    };
    ($name:literal, $statement:literal, $evidence:literal, $check:expr) => {
        Property {
            name: $name,
            expectation: Expectation::Quiescent,
            statement: $statement,
            evidence: $evidence,
            check: Check::Settled(|config: &Config, settled: &Settled| {
                settled.world.ghost.model_panic.is_some() || $check(config, settled)
            }),
        }
    };
}

/// How many properties the registry holds (the checker's trampoline table has this length,
/// so a property added here without one is a compile error, not a panic at run time).
pub const REGISTRY_LEN: usize = 57;

static REGISTRY: [Property; REGISTRY_LEN] = [
    always!(
        "watermark_monotonic",
        "the watermark never decreases",
        "spec §4 I2; PM:202-203, TU:111-123",
        watermark_monotonic
    ),
    always!(
        "watermark_within_source_data",
        "watermark <= max source endTime + 1, over all source data ever seen",
        "spec §4 I4, §5.1; SCH:263-286, 995-1000",
        watermark_within_source_data
    ),
    always!(
        "bucket_keys_aligned",
        "every bucket key is a multiple of bucketMs",
        "spec §4 I1; SCH:261, 878",
        bucket_keys_aligned
    ),
    always!(
        "append_only_into_absent",
        "no APPEND is dispatched for a bucket that has an entry in the znode",
        "spec §4 I11; SCH:316",
        append_only_into_absent
    ),
    always!(
        "one_exclusive_in_flight",
        "at most one OVERWRITE/DELETE task thread runs at a time",
        "spec §4 I11; SCH:224",
        one_exclusive_in_flight
    ),
    always!(
        "stale_only_from_valid",
        "a bucket becomes STALE only from VALID",
        "spec §4 I6; PM:393-436, CM:633-635",
        stale_only_from_valid
    ),
    always!(
        "entries_never_removed",
        "no write removes a bucket entry (absent only before the first APPEND)",
        "spec §4 I5; PS:32-38",
        entries_never_removed
    ),
    always!(
        "valid_stale_overwrite_order",
        "a VALID bucket's fingerprint changes only through STALE then OVERWRITE or DELETE",
        "spec §4 I7; PS:36-38, SCH:216-237",
        valid_stale_overwrite_order
    ),
    always!(
        "broker_freshness_honest",
        "the broker calls the MV fresh only when the newest source data ever seen is within the staleness threshold",
        "spec §5.1; RW:192-214",
        broker_freshness_honest
    ),
    always!(
        "register_linearizable",
        "every register read returns the latest committed version and every set takes effect exactly when its expected version matches (a sequential CAS register; a lost ack has an unknown outcome)",
        "spec §1.2 (ZooKeeper is linearizable per znode; Stat.version CAS), RMU:55-100",
        register_linearizable
    ),
    quiescent!(
        @model "settles",
        "once events and faults stop, the engine reaches a fixpoint within the step budget (a step of the model that panics reaches none)",
        "DESIGN-NOTES quiescence; spec §4 I13",
        settles
    ),
    quiescent!(
        "quiescent_buckets_match_source",
        "at quiescence every bucket below the watermark whose source window has data is VALID with the current source fingerprint",
        "spec §5.2, §8; PS:22-40",
        quiescent_buckets_match_source
    ),
    quiescent!(
        "quiescent_mv_data_matches_source",
        "at quiescence the MV segments of every window below the watermark hold exactly the source data of that window",
        "spec §3.4 (V1 serves every time below the watermark from the MV); §5.2",
        quiescent_mv_data_matches_source
    ),
    sometimes!(
        "reach_append_committed",
        "an APPEND commits and advances the watermark",
        |_, world| reached(world, ghost_bits::REACHED_APPEND_COMMITTED)
    ),
    sometimes!(
        "reach_watermark_at_data_tail",
        "the watermark reaches max source endTime + 1",
        |_, world| {
            let max_end_ms = world.ghost.max_source_end_seen_ms;
            max_end_ms >= 0 && znode_watermark_ms(world) == max_end_ms + 1
        }
    ),
    sometimes!(
        "reach_append_in_flight",
        "an APPEND task is in flight",
        |_, world| world
            .jobs
            .iter()
            .flat_map(|job| &job.tasks)
            .any(|task| task.config.mode == TaskMode::Append && !task.is_finished())
    ),
    sometimes!(
        "reach_exclusive_in_flight",
        "an OVERWRITE or DELETE task is running",
        |_, world| running_exclusive(world) >= 1
    ),
    sometimes!(
        "reach_stale_marked",
        "the consistency manager marks a VALID bucket STALE",
        |_, world| reached(world, ghost_bits::REACHED_STALE_MARKED)
    ),
    sometimes!(
        "reach_delete_committed",
        "a DELETE commits",
        |_, world| reached(world, ghost_bits::REACHED_DELETE_COMMITTED)
    ),
    sometimes!(
        "reach_overwrite_committed",
        "an OVERWRITE commits",
        |_, world| reached(world, ghost_bits::REACHED_OVERWRITE_COMMITTED)
    ),
    sometimes!(
        "reach_backfill_after_delete",
        "a segment is uploaded into a bucket whose last commit was a DELETE",
        |_, world| reached(world, ghost_bits::REACHED_BACKFILL_AFTER_DELETE)
    ),
    sometimes!(
        "reach_overwrite_after_backfill",
        "an OVERWRITE commits for a bucket backfilled after its DELETE",
        |_, world| reached(world, ghost_bits::REACHED_OVERWRITE_AFTER_BACKFILL)
    ),
    sometimes!(
        "reach_false_positive_reverted",
        "the scheduler reverts a false-positive STALE mark",
        |_, world| reached(world, ghost_bits::REACHED_FALSE_POSITIVE_REVERTED)
    ),
    sometimes!(
        "reach_cas_retried",
        "a CAS write conflicts and is retried",
        |_, world| reached(world, ghost_bits::REACHED_CAS_RETRIED)
    ),
    sometimes!(
        "reach_lost_ack_replayed",
        "a write whose ack was lost is replayed into the idempotent carve-out",
        |_, world| reached(world, ghost_bits::REACHED_LOST_ACK_REPLAYED)
    ),
    sometimes!(
        "reach_valid_empty_over_data",
        "a VALID-empty bucket sits over a non-empty source window",
        valid_empty_over_data
    ),
    sometimes!(
        "reach_sweep_remarked",
        "the sweep re-marks a stranded VALID-empty bucket STALE",
        |_, world| reached(world, ghost_bits::REACHED_SWEEP_REMARKED)
    ),
    sometimes!(
        "reach_broker_calls_fresh",
        "the broker calls the MV fresh under a staleness threshold",
        |config, world| config.staleness_threshold_ms > 0 && world.broker_calls_mv_fresh(config)
    ),
    sometimes!(
        "reach_zombie_committed",
        "a timed-out task's thread commits after its job turned final",
        |_, world| reached(world, ghost_bits::REACHED_ZOMBIE_COMMITTED)
    ),
    sometimes!(
        "reach_quiescent",
        "all scripted events played and the engine idle",
        |config, world| world.script_done(config) && world.engine_idle()
    ),
    always!(
        "one_append_per_bucket_in_flight",
        "at most one APPEND per bucket is in flight among the tasks Helix has not timed out",
        "PM:177-178 (\"one APPEND per bucket\"); SCH:201-214, 247-261 (start at the in-flight end)",
        one_append_per_bucket_in_flight
    ),
    sometimes!(
        "reach_append_planned_beside_in_flight",
        "the scheduler builds an APPEND batch while an APPEND is in flight",
        reach_append_planned_beside_in_flight
    ),
    always!(
        "append_planned_only_into_snapshot_absent",
        "every window the APPEND loop plans is absent from the scheduler's own partition snapshot and not below its watermark read",
        "SCH:247-261, 316 (post skips any entry); PM:177-178",
        append_planned_only_into_snapshot_absent
    ),
    sometimes!(
        "reach_append_loop_over_snapshot_entry",
        "the APPEND loop runs with a snapshot entry at or above its next window",
        reach_append_loop_over_snapshot_entry
    ),
    always!(
        "redispatched_append_changes_nothing",
        "an APPEND whose bucket already has a znode entry never replaces the window's MV segments",
        "EX:126-129 (preProcess wm <= ws), PM:170-178 (carve-out, strict absent check), PM:477-483",
        redispatched_append_changes_nothing
    ),
    sometimes!(
        "reach_append_redispatched_over_present",
        "an APPEND is pending for a bucket that already has a znode entry (F2)",
        reach_append_redispatched_over_present
    ),
    always!(
        "valid_bucket_mv_matches_fingerprint",
        "the MV segments of every VALID bucket hold exactly its fingerprint's data (none for EMPTY)",
        "PS:22-27 (VALID = MV segments reflect the fingerprint); RW:176-191 (V1 serves them below the watermark)",
        valid_bucket_mv_matches_fingerprint
    ),
    sometimes!(
        "reach_valid_bucket_with_task_in_flight",
        "a bucket is VALID while a task for its window is still running",
        reach_valid_bucket_with_task_in_flight
    ),
    always!(
        "task_outcome_honest",
        "a task that reports SUCCEEDED leaves its bucket as its mode promises: APPEND/OVERWRITE VALID with the task's fingerprint, DELETE VALID-empty or still STALE",
        "PM:153-178, 211-220, 297-302 (postconditions, carve-out); EX:424-442, 484-530",
        task_outcome_honest
    ),
    sometimes!(
        "reach_task_succeeded",
        "a task reports SUCCEEDED (a step event, witnessed outside the state's identity)",
        reach_task_succeeded
    ),
    quiescent!(
        "quiescent_watermark_reaches_cutoff",
        "at quiescence the watermark is at or above the last bucket boundary the APPEND cutoff min(now - bufferMs, maxSourceEnd + 1) admits",
        "SCH:263-306 (the cutoff keeps the watermark at the data tail), SCH:971-1000; PM:157-168",
        quiescent_watermark_reaches_cutoff
    ),
    sometimes!(
        "reach_watermark_behind_cutoff",
        "the watermark is below the last bucket boundary the APPEND cutoff admits",
        reach_watermark_behind_cutoff
    ),
    quiescent!(
        "quiescent_broker_routes_on_znode",
        "at quiescence the broker routes on the znode's watermark and calls the MV fresh exactly when that watermark is eligible (> 0, within the staleness threshold)",
        "MC:385-437 (the cache reloads on every znode change); RW:192-214 (isEligible)",
        quiescent_broker_routes_on_znode
    ),
    sometimes!(
        "reach_broker_cache_behind",
        "the broker's cached watermark is behind the znode's",
        reach_broker_cache_behind
    ),
    always!(
        "writes_change_the_znode",
        "every write of a partition-state operation changes the znode's content (one with nothing to change returns without a write; pre's blind executor put/remove excepted)",
        "PM:524-526, 565-568 (a null mutator result is a no-op, no CAS write); PM:360-372, 393-430; pre:CM:434-438, pre:SCH:403-407",
        writes_change_the_znode
    ),
    sometimes!(
        "reach_nothing_to_change",
        "a partition-state operation reads a snapshot with nothing to change and returns without a write (a step event, witnessed outside the state's identity)",
        reach_nothing_to_change
    ),
    sometimes!(
        "reach_old_lead_cycle_runs_on",
        "a leadership change leaves the old lead's scheduler cycle running to its end",
        |_, world| world.old_lead.is_some()
    ),
    sometimes!(
        "reach_overlapping_cycles",
        "after a leadership change the old and the new lead each run a scheduler cycle of the MV at once",
        |_, world| world.old_lead.is_some() && !world.scheduler.is_idle()
    ),
    sometimes!(
        "reach_failover_lost_notification",
        "a controller failover discards a source change the consistency manager had not yet marked (its pending range or its running markStale)",
        reach_failover_lost_notification
    ),
    always!(
        "cas_attempts_within_budget",
        "a CAS operation reads the znode at most its attempt budget of times, stops once its last attempt fails, and gives up only then",
        "PM:546, 589-591 (attempt < maxAttempts, then throw); PM:122, 379, 604-609; pre:EX:511, pre:CM:344, pre:SCH:394",
        cas_attempts_within_budget
    ),
    sometimes!(
        "reach_budget_exhausted",
        "a CAS operation's last attempt fails and it gives up on its budget",
        |_, world| reached(world, ghost_bits::REACHED_BUDGET_EXHAUSTED)
    ),
    always!(
        "strict_preconditions_fire_only_by_design",
        "a strict partition-state operation (appendValid, refreshValid, clearValid, clearStaleFingerprint) throws exactly when its Javadoc precondition fails on the snapshot it read, and it fails only for a zombie task or an operation replaying after a lost ack",
        "PM:170-178, 184-191, 216-220, 297-302 (the preconditions and the carve-out); PM:176-178 (firing indicates a real bug); PM:477-483 (the zombie); EX:518-530",
        strict_preconditions_fire_only_by_design
    ),
    always!(
        "delete_aborts_on_backfill",
        "a DELETE whose source window holds data when its backfill guard runs ends SUCCEEDED without touching the window's MV segments or the znode",
        "EX:405-416 (Javadoc: \"aborts without mutating MV segments or partition state, leaving the bucket STALE\"), EX:424-442",
        delete_aborts_on_backfill
    ),
    sometimes!(
        "reach_delete_checks_backfilled_window",
        "a DELETE's backfill guard runs over a source window that holds data (a step event, witnessed outside the state's identity)",
        reach_delete_checks_backfilled_window
    ),
    sometimes!(
        "reach_precondition_failed",
        "a strict partition-state operation reads a snapshot on which its precondition fails (a step event, witnessed outside the state's identity)",
        reach_precondition_failed
    ),
    always!(
        "faults_within_budget",
        "every fault a state shows (an operation whose ack was lost, a timed-out or injected-failed task, a lost-ack replay, a zombie commit, a change lost in failover, an old lead's cycle) was charged to its budget, and no fault budget is overspent",
        "configuration [faults] (docs/configs.md): the bound of an exhaustive check; the excuses of strict_preconditions_fire_only_by_design (PM:176-178, 477-483)",
        faults_within_budget
    ),
    sometimes!(
        "reach_fault_budgets_spent",
        "every fault budget of the configuration is spent to its last unit, so each fault kind it budgets is injected (trivially reached without faults; the simulator's budgets are unlimited)",
        reach_fault_budgets_spent
    ),
];
