//! Pinot's consistency-manager tests, restated against the model's public API
//! ([`consistency_manager::intake`], [`consistency_manager::flush_candidates`],
//! [`consistency_manager::sweep_candidates`], [`operation::apply_operation`]). Each test is
//! named after its Java method (snake case, without `test`) and cites it. `CMT` =
//! `pinot-materialized-view/src/test/java/org/apache/pinot/materializedview/consistency/MaterializedViewConsistencyManagerTest.java`
//! at `ca5c042d034`. The partition-manager and scheduler restatements are in
//! `model/src/manager_tests.rs`; `docs/pinot-tests.md` counts them all and says why the
//! others cannot be expressed.
//!
//! A Java test's `onBaseTableDataChange` + `flush` is: [`intake`] into an empty hull, READ #1
//! and [`flush_candidates`] on the stored runtime, then `markStale(candidates)` through
//! [`apply_operation`] (READ #2 + write), whose writes are the mock's captured `set` calls.

use mvsim_model::codec::{
    fingerprint_decode, fingerprint_map_decode, fingerprint_map_encode, DecodeError,
};
use mvsim_model::consistency_manager::{
    flush_candidates, intake, intake_timed, sweep_candidates, NO_TIMED_RANGE,
};
use mvsim_model::executor::{TaskConfig, TaskMode};
use mvsim_model::fingerprint::{compute_window_fingerprint, SegmentRef};
use mvsim_model::manager::{CasEnd, Mutation, NoOp, Writer};
use mvsim_model::operation::{apply_operation, OperationOutcome, StepEnvironment};
use mvsim_model::register::RegisterFault;
use mvsim_model::scheduler::SchedulerPhase;
use mvsim_model::{
    Config, PartitionFingerprint, PartitionInfo, PartitionState, Profile, RuntimeMetadata,
};
use std::collections::BTreeMap;

/// CMT:59.
const BUCKET_MS: i64 = 86_400_000;

/// CMT:466-468.
fn valid_info() -> PartitionInfo {
    PartitionInfo {
        state: PartitionState::Valid,
        fingerprint: PartitionFingerprint {
            segment_count: 1,
            crc: 1234,
        },
        last_refresh_time_ms: 10,
    }
}

/// CMT:470-472.
fn valid_empty_info() -> PartitionInfo {
    PartitionInfo {
        fingerprint: PartitionFingerprint::EMPTY,
        ..valid_info()
    }
}

/// CMT:474-476.
fn stale_info() -> PartitionInfo {
    PartitionInfo {
        state: PartitionState::Stale,
        ..valid_empty_info()
    }
}

fn runtime(watermark_ms: i64, entries: &[(i64, PartitionInfo)]) -> RuntimeMetadata {
    RuntimeMetadata {
        watermark_ms,
        partitions: entries.iter().copied().collect::<BTreeMap<_, _>>().into(),
    }
}

fn config() -> Config {
    let mut config = Config::base("cmt", Profile::by_name("post").expect("post profile"));
    config.bucket_ms = BUCKET_MS;
    config.finish().expect("valid configuration")
}

/// `onBaseTableDataChange(start, end)` then `flush`, against `stored` at version 0 (the
/// mocks' `eq(0)`), with `environment` for the manager's store calls.
fn change_then_flush(
    stored: &RuntimeMetadata,
    start_ms: i64,
    end_ms: i64,
    environment: &[StepEnvironment],
) -> Option<OperationOutcome> {
    let (start_ms, end_ms) = intake(None, start_ms, end_ms)?;
    let candidates = flush_candidates(&config(), stored, start_ms, end_ms);
    if candidates.is_empty() {
        return None;
    }
    let mark = Mutation::MarkStale {
        buckets: candidates,
    };
    Some(apply_operation(
        &config(),
        Some(stored.clone()),
        0,
        mark,
        Writer::PostCritical,
        environment,
    ))
}

/// The single `set` the flush issued, with expected version 0, and what it wrote.
fn single_write_at_version_zero(outcome: &OperationOutcome) -> &RuntimeMetadata {
    assert_eq!(outcome.end, CasEnd::Committed);
    assert_eq!(outcome.writes.len(), 1, "{outcome:?}");
    assert_eq!(outcome.writes[0].expected_version, 0);
    &outcome.writes[0].update
}

fn state(runtime: &RuntimeMetadata, bucket: i64) -> PartitionState {
    runtime.partitions[&bucket].state
}

/// CMT:62-91 `testEpochZeroRangeMarksPartitionStale`.
#[test]
fn epoch_zero_range_marks_partition_stale() {
    let stored = runtime(
        2 * BUCKET_MS,
        &[(0, valid_info()), (BUCKET_MS, valid_info())],
    );
    let outcome = change_then_flush(&stored, 0, BUCKET_MS - 1, &[]).expect("a markStale call");
    let updated = single_write_at_version_zero(&outcome);
    assert_eq!(state(updated, 0), PartitionState::Stale);
    assert_eq!(state(updated, BUCKET_MS), PartitionState::Valid);
}

/// CMT:180-214 `testFullInvalidationDoesNotSynthesizeAbsentBuckets`
/// (`onBaseTableFullInvalidation` is `onBaseTableDataChange(t, 0, Long.MAX_VALUE)`, CM:262-264).
#[test]
fn full_invalidation_does_not_synthesize_absent_buckets() {
    let stored = runtime(
        10 * BUCKET_MS,
        &[(5 * BUCKET_MS, valid_info()), (6 * BUCKET_MS, valid_info())],
    );
    let outcome = change_then_flush(&stored, 0, i64::MAX, &[]).expect("a markStale call");
    let updated = single_write_at_version_zero(&outcome);
    assert_eq!(updated.partitions.len(), 2);
    assert_eq!(state(updated, 5 * BUCKET_MS), PartitionState::Stale);
    assert_eq!(state(updated, 6 * BUCKET_MS), PartitionState::Stale);
}

/// CMT:216-255 `testAboveWatermarkValidBucketIsMarkedStale`.
#[test]
fn above_watermark_valid_bucket_is_marked_stale() {
    let stored = runtime(
        BUCKET_MS,
        &[(0, valid_info()), (2 * BUCKET_MS, valid_info())],
    );
    let outcome = change_then_flush(&stored, 2 * BUCKET_MS, 3 * BUCKET_MS - 1, &[])
        .expect("a markStale call");
    let updated = single_write_at_version_zero(&outcome);
    assert_eq!(state(updated, 2 * BUCKET_MS), PartitionState::Stale);
    assert_eq!(state(updated, 0), PartitionState::Valid);
}

/// CMT:259-284 `testCasConflictTriggersRetry`: the first `set` returns false (the mock's
/// `thenReturn(false, true)`, the version unchanged: a `set` that failed without applying,
/// which Helix reports as `false` like a version mismatch), the second succeeds; both carry
/// expected version 0.
#[test]
fn cas_conflict_triggers_retry() {
    let stored = runtime(
        2 * BUCKET_MS,
        &[(0, valid_info()), (BUCKET_MS, valid_info())],
    );
    let first_write_fails = [
        StepEnvironment::default(),
        StepEnvironment {
            fault: RegisterFault::Transient,
            concurrent_write_before: false,
        },
    ];
    let outcome =
        change_then_flush(&stored, 0, BUCKET_MS - 1, &first_write_fails).expect("a markStale call");
    assert_eq!(outcome.end, CasEnd::Committed);
    let versions: Vec<i32> = outcome.writes.iter().map(|w| w.expected_version).collect();
    assert_eq!(versions, vec![0, 0]);
    assert_eq!(outcome.reads, 2);
    let after = outcome.znode_after.expect("znode");
    assert_eq!(state(&after, 0), PartitionState::Stale);
}

fn segment(name: &str, start_ms: i64, end_ms: i64, crc: i64) -> (String, i64, i64, i64) {
    (name.to_string(), start_ms, end_ms, crc)
}

/// `findStrandedEmptyBuckets(partitions, watermark, sourceSegments, bucketMs)` (CM:540-581).
fn find_stranded(
    partitions: &[(i64, PartitionInfo)],
    watermark_ms: i64,
    source: &[(String, i64, i64, i64)],
) -> Vec<i64> {
    let window = |bucket: i64| {
        let segments = source.iter().map(|(name, start, end, crc)| SegmentRef {
            name,
            start_time_ms: *start,
            end_time_ms: *end,
            crc: *crc,
        });
        compute_window_fingerprint(segments, bucket, bucket + BUCKET_MS)
    };
    sweep_candidates(&config(), &runtime(watermark_ms, partitions), &window)
}

/// CMT:312-327 `testFindStrandedEmptyBucketsReMarksWhenSourceRegainedSegments`.
#[test]
fn find_stranded_empty_buckets_re_marks_when_source_regained_segments() {
    let partitions = [
        (0, valid_empty_info()),
        (BUCKET_MS, valid_info()),
        (2 * BUCKET_MS, stale_info()),
    ];
    let source = [segment("s0", 0, BUCKET_MS - 1, 11)];
    assert_eq!(find_stranded(&partitions, 3 * BUCKET_MS, &source), vec![0]);
}

/// CMT:329-342 `testFindStrandedEmptyBucketsLeavesEmptyWhenSourceStillEmpty`.
#[test]
fn find_stranded_empty_buckets_leaves_empty_when_source_still_empty() {
    let source = [segment("s2", 2 * BUCKET_MS, 3 * BUCKET_MS, 22)];
    assert!(find_stranded(&[(0, valid_empty_info())], BUCKET_MS, &source).is_empty());
}

/// CMT:344-357 `testFindStrandedEmptyBucketsIgnoresNonEmptyValidAndStaleBuckets`.
#[test]
fn find_stranded_empty_buckets_ignores_non_empty_valid_and_stale_buckets() {
    let partitions = [(0, valid_info()), (BUCKET_MS, stale_info())];
    let source = [segment("s", 0, 2 * BUCKET_MS, 33)];
    assert!(find_stranded(&partitions, 3 * BUCKET_MS, &source).is_empty());
}

/// CMT:359-371 `testFindStrandedEmptyBucketsIgnoresBucketsAtOrPastWatermark`.
#[test]
fn find_stranded_empty_buckets_ignores_buckets_at_or_past_watermark() {
    let source = [segment("s1", BUCKET_MS, 2 * BUCKET_MS - 1, 44)];
    assert!(find_stranded(&[(BUCKET_MS, valid_empty_info())], BUCKET_MS, &source).is_empty());
}

/// CMT:376-427 `testSweepForViewReMarksStrandedEmptyBucketStale`: the sweep's read, its
/// candidates, then `markStale` through the manager: one `set` at version 0.
#[test]
fn sweep_for_view_re_marks_stranded_empty_bucket_stale() {
    let stored = runtime(
        2 * BUCKET_MS,
        &[(0, valid_empty_info()), (BUCKET_MS, valid_info())],
    );
    let source = [segment("s0", 0, BUCKET_MS - 1, 11)];
    let stranded = find_stranded(
        &[(0, valid_empty_info()), (BUCKET_MS, valid_info())],
        2 * BUCKET_MS,
        &source,
    );
    assert_eq!(stranded, vec![0]);
    let mark = Mutation::MarkStale { buckets: stranded };
    let outcome = apply_operation(&config(), Some(stored), 0, mark, Writer::PostCritical, &[]);
    let updated = single_write_at_version_zero(&outcome);
    assert_eq!(state(updated, 0), PartitionState::Stale);
    assert_eq!(state(updated, BUCKET_MS), PartitionState::Valid);
}

// ------------------------------------------------------------------------- API behaviour

/// The intake ignores negative bounds (CM:198-202) and merges into the hull (CM:222-227).
#[test]
fn intake_merges_the_hull_and_ignores_negative_bounds() {
    assert_eq!(intake(None, 5, 9), Some((5, 9)));
    assert_eq!(intake(Some((5, 9)), 1, 7), Some((1, 9)));
    assert_eq!(intake(Some((5, 9)), 6, 20), Some((5, 20)));
    assert_eq!(intake(Some((5, 9)), -1, 20), None);
    assert_eq!(intake(None, 0, -1), None);
}

/// fix-f9's timed hull (docs/findings/F9.md): a full invalidation `[0, Long.MAX_VALUE]`
/// leaves it as it was, so a backfill merged with one into `[0, MAX]` keeps its own range;
/// only full invalidations: the empty range.
#[test]
fn intake_timed_keeps_the_timed_hull_beside_a_full_invalidation() {
    assert_eq!(intake_timed(None, 0, i64::MAX), NO_TIMED_RANGE);
    assert_eq!(
        intake_timed(Some(NO_TIMED_RANGE), 0, i64::MAX),
        NO_TIMED_RANGE
    );
    assert_eq!(intake_timed(None, 800, 850), (800, 850));
    assert_eq!(intake_timed(Some((800, 850)), 0, i64::MAX), (800, 850));
    assert_eq!(intake_timed(Some(NO_TIMED_RANGE), 800, 850), (800, 850));
    assert_eq!(intake_timed(Some((800, 850)), 1000, 1050), (800, 1050));
    // The hull itself still becomes [0, MAX] (CM:222-227).
    assert_eq!(intake(Some((800, 850)), 0, i64::MAX), Some((0, i64::MAX)));
}

/// `markStale(t, [])` returns before any read (PM:405-410): no store call at all.
#[test]
fn mark_stale_with_no_buckets_makes_no_store_call() {
    let stored = runtime(BUCKET_MS, &[(0, valid_info())]);
    let mark = Mutation::MarkStale { buckets: vec![] };
    let outcome = apply_operation(
        &config(),
        Some(stored.clone()),
        4,
        mark,
        Writer::PostCritical,
        &[],
    );
    assert_eq!(outcome.end, CasEnd::NoOp(NoOp::Lenient));
    assert_eq!(outcome.reads, 0);
    assert!(outcome.writes.is_empty());
    assert_eq!(outcome.znode_after, Some(stored));
    assert_eq!(outcome.version_after, 4);
}

/// A concurrent writer between our read and our write: the retry reads the new version and
/// writes with it; the znode ends one version further than the concurrent write left it.
#[test]
fn apply_operation_reports_expected_versions_across_a_conflict() {
    let stored = runtime(BUCKET_MS, &[(0, valid_info())]);
    let mark = Mutation::MarkStale { buckets: vec![0] };
    let conflict = [
        StepEnvironment::default(),
        StepEnvironment {
            fault: RegisterFault::None,
            concurrent_write_before: true,
        },
    ];
    let outcome = apply_operation(
        &config(),
        Some(stored),
        7,
        mark,
        Writer::PostCritical,
        &conflict,
    );
    assert_eq!(outcome.end, CasEnd::Committed);
    let versions: Vec<i32> = outcome.writes.iter().map(|w| w.expected_version).collect();
    assert_eq!(versions, vec![7, 8]);
    assert_eq!(outcome.version_after, 9);
    assert_eq!(
        outcome.back_offs_ms,
        vec![Writer::PostCritical.backoff_ms().0]
    );
}

/// The initial version in a configuration reaches the world's register.
#[test]
fn initial_version_in_the_configuration_is_the_register_version() {
    let mut config = config();
    config.initial_runtime = Some(runtime(0, &[]));
    config.initial_version = 41;
    let world = mvsim_model::World::initial(&config.clone().finish().expect("valid"));
    assert_eq!(world.register.version, 41);
    config.initial_version = -1;
    assert!(config.finish().is_err());
    assert_eq!(
        mvsim_model::World::initial(&self::config())
            .register
            .version,
        0
    );
}

/// `PartitionFingerprint.decode` and the map codec on Pinot's own encodings.
#[test]
fn fingerprint_codecs_round_trip_pinot_encodings() {
    let fingerprint = PartitionFingerprint {
        segment_count: 3,
        crc: -12,
    };
    assert_eq!(fingerprint_decode(&fingerprint.encode()), Ok(fingerprint));
    let map = BTreeMap::from([(BUCKET_MS, fingerprint), (0, PartitionFingerprint::EMPTY)]);
    let encoded = fingerprint_map_encode(&map);
    assert_eq!(
        encoded,
        format!("0={};86400000=3,-12", PartitionFingerprint::EMPTY.encode())
    );
    assert_eq!(fingerprint_map_decode(&encoded), Ok(map));
    assert!(matches!(
        fingerprint_map_decode("0=1"),
        Err(DecodeError::IllegalArgument(_))
    ));
}

// ------------------------------------------------------------------------- scheduler

/// `SCHT` = `pinot-materialized-view/src/test/java/org/apache/pinot/materializedview/scheduler/MaterializedViewTaskSchedulerTest.java`.
/// One `generateTasks` cycle: the scheduler's steps only, from idle
/// back to idle; returns the tasks of every job submitted during the cycle.
fn scheduler_cycle(config: &Config, world: &mut mvsim_model::World) -> Vec<TaskConfig> {
    let jobs_before = world.jobs.len();
    let mut actions = Vec::new();
    for _ in 0..1_000 {
        actions.clear();
        world.actions(config, &mut actions);
        let Some(action) = actions
            .iter()
            .find(|action| action.actor() == mvsim_model::Actor::Scheduler)
        else {
            panic!("the scheduler has no enabled step: {actions:?}");
        };
        let action = action.clone();
        world.step(config, &action, &mut mvsim_model::NoEntropy);
        if world.scheduler.is_idle() {
            return world.jobs[jobs_before..]
                .iter()
                .flat_map(|job| job.tasks.iter().map(|task| task.config))
                .collect();
        }
    }
    panic!("a scheduler cycle ends within 1000 steps");
}

fn scheduler_config(
    runtime: Option<RuntimeMetadata>,
    source: Vec<mvsim_model::SourceSegment>,
) -> Config {
    let mut config = Config::base("scht", Profile::by_name("post").expect("post profile"));
    config.bucket_ms = BUCKET_MS;
    config.initial_runtime = runtime;
    config.initial_source = source;
    config.finish().expect("valid configuration")
}

/// SCHT:226-247 `testExistingRuntimeWithZeroWatermarkIsReturned`: an existing runtime with
/// watermark 0 is read as it is; no cold start (no segment read for a start, no write).
#[test]
fn existing_runtime_with_zero_watermark_is_returned() {
    // A source whose aligned start is not 0: a cold start would put the watermark there.
    let source = vec![mvsim_model::SourceSegment::new(
        "s0",
        5 * BUCKET_MS,
        6 * BUCKET_MS - 1,
        1,
    )];
    let config = scheduler_config(Some(runtime(0, &[])), source);
    let mut world = mvsim_model::World::initial(&config);
    world.step(
        &config,
        &mvsim_model::Action::SchedulerReadWatermark {
            fault: RegisterFault::None,
        },
        &mut mvsim_model::NoEntropy,
    );
    assert_eq!(
        world.scheduler.phase,
        SchedulerPhase::ReadPartitions { watermark_ms: 0 }
    );
    assert_eq!(world.register.value, Some(runtime(0, &[])));
    assert_eq!(world.register.version, 0, "no set, no create");
}

/// SCHT:357-399 `testStaleDeletedSourceGeneratesDeleteTaskCarryingSourceTable`: a STALE
/// bucket whose source window is empty yields exactly one DELETE task. (That the task also
/// carries the source table name is not expressible: the model has one MV over one source.)
#[test]
fn stale_deleted_source_generates_delete_task_carrying_source_table() {
    let stale_bucket_ms = 1_700_000_000_000 / BUCKET_MS * BUCKET_MS;
    let stale = PartitionInfo {
        state: PartitionState::Stale,
        fingerprint: PartitionFingerprint {
            segment_count: 2,
            crc: 0xABCD,
        },
        last_refresh_time_ms: 1,
    };
    let config = scheduler_config(
        Some(runtime(stale_bucket_ms, &[(stale_bucket_ms, stale)])),
        vec![],
    );
    let mut world = mvsim_model::World::initial(&config);
    let tasks = scheduler_cycle(&config, &mut world);
    assert_eq!(
        tasks.len(),
        1,
        "expected exactly one DELETE task: {tasks:?}"
    );
    assert_eq!(tasks[0].mode, TaskMode::Delete);
    assert_eq!(tasks[0].window_start_ms, stale_bucket_ms);
}

/// SCHT:409-466 `testAppendLoopSkipsAboveWatermarkStaleBucket`: with an OVERWRITE of the
/// STALE bucket b2 in flight (dispatched by the previous cycle, here run first), the APPEND
/// loop must not dispatch b2 again: the second cycle generates nothing.
#[test]
fn append_loop_skips_above_watermark_stale_bucket() {
    let b0 = 1_700_006_400_000 / BUCKET_MS * BUCKET_MS;
    let (b1, b2, b3) = (b0 + BUCKET_MS, b0 + 2 * BUCKET_MS, b0 + 3 * BUCKET_MS);
    let info = |state, crc| PartitionInfo {
        state,
        fingerprint: PartitionFingerprint {
            segment_count: 1,
            crc,
        },
        last_refresh_time_ms: 1,
    };
    let stored = runtime(
        b2,
        &[
            (b0, info(PartitionState::Valid, 1)),
            (b1, info(PartitionState::Valid, 2)),
            (b2, info(PartitionState::Stale, 3)),
        ],
    );
    // Source data ends exactly at b2's inclusive end (SCHT:426-429).
    let tail = mvsim_model::SourceSegment::new("tail", b2, b3 - 1, 99);
    let config = scheduler_config(Some(stored), vec![tail]);
    let mut world = mvsim_model::World::initial(&config);
    let previous = scheduler_cycle(&config, &mut world);
    assert_eq!(
        previous
            .iter()
            .map(|task| (task.mode, task.window_start_ms))
            .collect::<Vec<_>>(),
        vec![(TaskMode::Overwrite, b2)],
        "the previous cycle's step-1 dispatch"
    );
    let tasks = scheduler_cycle(&config, &mut world);
    assert!(
        tasks.is_empty(),
        "the APPEND loop must skip the STALE bucket, got {tasks:?}"
    );
}
