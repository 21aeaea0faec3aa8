//! Table-driven tests of the partition-state writers (`manager.rs`) and of the CAS step
//! machine as the world drives it (`World::cas_read` / `World::cas_write`, one step each).
//!
//! The tests mirror the Java tests that pin the same behaviour, at the post commit
//! `ca5c042d034583271f46cbe71ad6cf69274e5027` of apache/pinot. Abbreviations used in the
//! citations:
//!
//! - `PMT` = `pinot-materialized-view/src/test/java/org/apache/pinot/materializedview/metadata/MaterializedViewPartitionManagerTest.java`
//! - `PFT` = `pinot-materialized-view/src/test/java/org/apache/pinot/materializedview/metadata/PartitionFingerprintTest.java`
//! - `SCHT` = `pinot-materialized-view/src/test/java/org/apache/pinot/materializedview/scheduler/MaterializedViewTaskSchedulerTest.java`
//! - `EXT` = `pinot-plugins/pinot-minion-tasks/pinot-minion-builtin-tasks/src/test/java/org/apache/pinot/plugin/minion/tasks/materializedview/MaterializedViewTaskExecutorTest.java`
//!
//! A Java test's mocked `store.get` / `store.set` calls are this file's `reads` / `writes`;
//! a mock that "bumps the stored version and returns false" is a concurrent write to the
//! register between our read and our write ([`Harness::concurrent_write`]); a lost ack is
//! [`RegisterFault::LostAck`] on the write; a `ZkException` is [`RegisterFault::Transient`].
//! `deletePartition` has no caller in Pinot (spec §2.1): its tests run the pure mutator.
//! `markStale(t, [])` returns before any read in Java
//! (PM:408-410), as `operation::apply_operation` does.

use crate::config::{constants, Config, Timing};
use crate::fingerprint::farm_fingerprint64;
use crate::manager::{
    mutate, CasEnd, CasOp, MutateInputs, Mutated, Mutation, NoOp, Precondition, Writer,
};
use crate::partition::{
    compute_contiguous_upper_ms, compute_max_source_end_time_ms, resolve_append_cutoff_ms,
    PartitionFingerprint, PartitionInfo, PartitionState, RuntimeMetadata,
};
use crate::profile::Profile;
use crate::register::RegisterFault;
use crate::segment_source::SourceSegmentState;
use crate::world::{ghost_bits, Entropy, World};
use std::cell::Cell;
use std::collections::BTreeMap;

/// `BUCKET_MS` of PMT:56 (one day).
const BUCKET_MS: i64 = 86_400_000;
/// PMT:57 uses `1_700_000_000_000`, which is not day-aligned; the pre consistency manager
/// walks aligned slots only (pre:CM:427-436), so the tests use the day boundary below it.
const W0: i64 = 1_699_920_000_000;
const W1: i64 = W0 + BUCKET_MS;
const W2: i64 = W0 + 2 * BUCKET_MS;
/// PMT:60-61.
const FP1: PartitionFingerprint = PartitionFingerprint {
    segment_count: 3,
    crc: 0xCAFE,
};
const FP2: PartitionFingerprint = PartitionFingerprint {
    segment_count: 5,
    crc: 0xBEEF,
};
/// `System.currentTimeMillis()` inside the mutators (`lastRefreshTime` of new entries).
const NOW_MS: i64 = W2 + 12_345;
/// `lastRefreshTime` of the entries a test starts from (PMT uses `1L`).
const OLD_MS: i64 = 1;

fn valid(fingerprint: PartitionFingerprint, time_ms: i64) -> PartitionInfo {
    PartitionInfo {
        state: PartitionState::Valid,
        fingerprint,
        last_refresh_time_ms: time_ms,
    }
}

fn stale(fingerprint: PartitionFingerprint, time_ms: i64) -> PartitionInfo {
    PartitionInfo {
        state: PartitionState::Stale,
        fingerprint,
        last_refresh_time_ms: time_ms,
    }
}

fn runtime(watermark_ms: i64, entries: &[(i64, PartitionInfo)]) -> RuntimeMetadata {
    RuntimeMetadata {
        watermark_ms,
        partitions: entries.iter().copied().collect(),
    }
}

fn profile(name: &str) -> Profile {
    Profile::by_name(name).expect("the profile exists")
}

/// A configuration for one CAS op: concrete timing (so back-off due times are real), the
/// refresh time recorded, one catalog segment name for backfills.
fn config(profile_name: &str, before: Option<RuntimeMetadata>) -> Config {
    let mut config = Config::base("manager-tests", profile(profile_name));
    config.timing = Timing::Concrete;
    config.bucket_ms = BUCKET_MS;
    config.start_ms = NOW_MS;
    config.record_refresh_time = true;
    config.catalog = vec!["backfill".to_string()];
    config.initial_runtime = before;
    config.finish().expect("a valid test configuration")
}

/// Entropy that records every bound it is asked for and draws `draw` (clamped below it).
struct Jitter {
    draw: u64,
    bounds: Vec<u64>,
}

impl Entropy for Jitter {
    fn below(&mut self, bound: u64) -> u64 {
        self.bounds.push(bound);
        self.draw.min(bound - 1)
    }
}

/// One CAS op against a world's register, stepped by hand.
struct Harness {
    config: Config,
    world: World,
    op: CasOp,
    jitter: Jitter,
    /// `store.get` calls (CAS reads, faulted or not).
    reads: u32,
    /// `store.set` calls (CAS writes, faulted or not).
    writes: u32,
}

impl Harness {
    /// `before` at ZK version `version` (ignored when there is no znode).
    fn new(
        profile_name: &str,
        before: Option<RuntimeMetadata>,
        version: i32,
        mutation: Mutation,
        writer: Writer,
    ) -> Harness {
        let config = config(profile_name, before);
        let mut world = World::initial(&config);
        if world.register.value.is_some() {
            world.register.version = version;
        }
        Harness {
            config,
            world,
            op: CasOp::new(mutation, writer),
            jitter: Jitter {
                draw: 0,
                bounds: Vec::new(),
            },
            reads: 0,
            writes: 0,
        }
    }

    fn read(&mut self, fault: RegisterFault) -> Option<CasEnd> {
        assert!(self.op.wants_read(), "the op expects a write, not a read");
        self.reads += 1;
        self.world
            .cas_read(&self.config, &mut self.op, fault, &mut self.jitter)
    }

    fn write(&mut self, fault: RegisterFault) -> Option<CasEnd> {
        assert!(!self.op.wants_read(), "the op expects a read, not a write");
        self.writes += 1;
        self.world
            .cas_write(&self.config, &mut self.op, fault, &mut self.jitter)
    }

    /// The next step without a fault.
    fn step(&mut self) -> Option<CasEnd> {
        if self.op.wants_read() {
            self.read(RegisterFault::None)
        } else {
            self.write(RegisterFault::None)
        }
    }

    /// Steps without faults until the op ends.
    fn run(&mut self) -> CasEnd {
        for _ in 0..1_000 {
            if let Some(end) = self.step() {
                return end;
            }
        }
        panic!("a fault-free CAS op ends within 1000 steps");
    }

    /// Every write of the op loses a version race to a concurrent writer.
    fn run_with_every_write_conflicting(&mut self) -> CasEnd {
        for _ in 0..1_000 {
            if !self.op.wants_read() {
                self.concurrent_write();
            }
            if let Some(end) = self.step() {
                return end;
            }
        }
        panic!("a CAS op whose writes all conflict ends within 1000 steps");
    }

    /// The expected version of the write the last read prepared.
    fn expected_version(&self) -> i32 {
        self.op
            .pending
            .as_ref()
            .expect("a successful read prepared a write")
            .expected_version
    }

    fn runtime(&self) -> Option<&RuntimeMetadata> {
        self.world.register.value.as_ref()
    }

    fn version(&self) -> i32 {
        self.world.register.version
    }

    /// Another writer commits between our read and our write: same content, version + 1
    /// (the mocks of PMT:482-491 bump the version and return false).
    fn concurrent_write(&mut self) {
        let value = self
            .world
            .register
            .value
            .clone()
            .expect("a concurrent writer needs a znode");
        self.world
            .register
            .set(value, -1, RegisterFault::None, false, false)
            .expect("an any-version set succeeds");
    }

    /// A source segment lands in the window `[start, start + bucket)` (a backfill).
    fn backfill(&mut self, window_start_ms: i64) {
        let id = self
            .config
            .segment_id("backfill")
            .expect("the catalog holds the backfill segment");
        self.world.source.make_mut().push(SourceSegmentState {
            id,
            start_ms: window_start_ms + 10,
            end_ms: window_start_ms + 20,
            crc: 7,
        });
    }

    fn reached(&self, bit: u32) -> bool {
        self.world.ghost.reached & bit != 0
    }
}

fn append(window_start_ms: i64, fingerprint: PartitionFingerprint) -> Mutation {
    Mutation::AppendValid {
        window_start_ms,
        window_end_ms: window_start_ms + BUCKET_MS,
        fingerprint,
    }
}

fn refresh(window_start_ms: i64, fingerprint: PartitionFingerprint) -> Mutation {
    Mutation::RefreshValid {
        window_start_ms,
        fingerprint,
    }
}

fn clear(window_start_ms: i64) -> Mutation {
    Mutation::ClearValid { window_start_ms }
}

fn revert(window_start_ms: i64) -> Mutation {
    Mutation::RevertValid {
        window_start_ms,
        expected: None,
    }
}

fn mark_stale(buckets: &[i64]) -> Mutation {
    Mutation::MarkStale {
        buckets: buckets.to_vec(),
    }
}

fn pre_put(window_start_ms: i64, fingerprint: PartitionFingerprint, append: bool) -> Mutation {
    Mutation::PreExecutorPut {
        window_start_ms,
        window_end_ms: window_start_ms + BUCKET_MS,
        fingerprint,
        append,
    }
}

// ─────────────────────────────────────────────────────────────────────────────────────
//  The operations: one row per writer that commits, for the engine tests below
// ─────────────────────────────────────────────────────────────────────────────────────

/// What the retry after a lost ack does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Replay {
    /// The retry's read ends the op (the idempotent carve-out or a lenient no-op).
    Ends(CasEnd),
    /// A blind pre writer writes the same update again (a second version bump).
    WritesAgain,
}

/// A state in which `mutation` commits, and the state it commits.
struct OpCase {
    name: &'static str,
    profile: &'static str,
    writer: Writer,
    mutation: Mutation,
    before: RuntimeMetadata,
    after: RuntimeMetadata,
    replay: Replay,
}

impl OpCase {
    fn harness(&self) -> Harness {
        Harness::new(
            self.profile,
            Some(self.before.clone()),
            3,
            self.mutation.clone(),
            self.writer,
        )
    }
}

const ALREADY_VALID: Replay = Replay::Ends(CasEnd::NoOp(NoOp::AlreadyValid));
const LENIENT: Replay = Replay::Ends(CasEnd::NoOp(NoOp::Lenient));

fn op_cases() -> Vec<OpCase> {
    let stale_w0 = runtime(W1, &[(W0, stale(FP2, OLD_MS))]);
    let refreshed_w0 = |fingerprint| runtime(W1, &[(W0, valid(fingerprint, NOW_MS))]);
    vec![
        OpCase {
            name: "appendValid",
            profile: "post",
            writer: Writer::PostCritical,
            mutation: append(W0, FP1),
            before: runtime(W0, &[(W1, valid(FP2, OLD_MS))]),
            after: runtime(W2, &[(W0, valid(FP1, NOW_MS)), (W1, valid(FP2, OLD_MS))]),
            replay: ALREADY_VALID,
        },
        OpCase {
            name: "refreshValid",
            profile: "post",
            writer: Writer::PostCritical,
            mutation: refresh(W0, FP1),
            before: stale_w0.clone(),
            after: refreshed_w0(FP1),
            replay: ALREADY_VALID,
        },
        OpCase {
            name: "clearValid (post)",
            profile: "post",
            writer: Writer::PostCritical,
            mutation: clear(W0),
            before: stale_w0.clone(),
            after: refreshed_w0(PartitionFingerprint::EMPTY),
            replay: ALREADY_VALID,
        },
        OpCase {
            name: "clearValid (post-no-delete-guards)",
            profile: "post-no-delete-guards",
            writer: Writer::PostCritical,
            mutation: clear(W0),
            before: stale_w0.clone(),
            after: refreshed_w0(PartitionFingerprint::EMPTY),
            replay: ALREADY_VALID,
        },
        OpCase {
            name: "revertValid",
            profile: "post",
            writer: Writer::PostRevert,
            mutation: revert(W0),
            before: runtime(W1, &[(W0, stale(FP2, 12_345))]),
            after: runtime(W1, &[(W0, valid(FP2, 12_345))]),
            replay: LENIENT,
        },
        OpCase {
            name: "markStale (single)",
            profile: "post",
            writer: Writer::PostCritical,
            mutation: mark_stale(&[W0]),
            before: runtime(W1, &[(W0, valid(FP1, OLD_MS))]),
            after: runtime(W1, &[(W0, stale(FP1, OLD_MS))]),
            replay: LENIENT,
        },
        OpCase {
            name: "markStale (batch)",
            profile: "post",
            writer: Writer::PostCritical,
            mutation: mark_stale(&[W0, W1, W2]),
            before: runtime(W2, &[(W0, valid(FP1, OLD_MS)), (W1, valid(FP2, OLD_MS))]),
            after: runtime(W2, &[(W0, stale(FP1, OLD_MS)), (W1, stale(FP2, OLD_MS))]),
            replay: LENIENT,
        },
        OpCase {
            name: "pre executor put (APPEND)",
            profile: "pre",
            writer: Writer::PreExecutor,
            mutation: pre_put(W0, FP1, true),
            before: runtime(W0, &[(W1, valid(FP2, OLD_MS))]),
            after: runtime(W2, &[(W0, valid(FP1, NOW_MS)), (W1, valid(FP2, OLD_MS))]),
            replay: Replay::WritesAgain,
        },
        OpCase {
            name: "pre executor put (OVERWRITE)",
            profile: "pre",
            writer: Writer::PreExecutor,
            mutation: pre_put(W0, FP1, false),
            before: stale_w0.clone(),
            after: refreshed_w0(FP1),
            replay: Replay::WritesAgain,
        },
        OpCase {
            name: "pre executor remove (DELETE)",
            profile: "pre",
            writer: Writer::PreExecutor,
            mutation: Mutation::PreExecutorRemove {
                window_start_ms: W0,
            },
            before: runtime(W1, &[(W0, stale(FP2, OLD_MS)), (W1, valid(FP1, OLD_MS))]),
            after: runtime(W1, &[(W1, valid(FP1, OLD_MS))]),
            replay: Replay::WritesAgain,
        },
        OpCase {
            name: "pre markPartitionsDirty",
            profile: "pre",
            writer: Writer::PreConsistencyManager,
            mutation: Mutation::PreMarkDirty {
                start_ms: W0 + 5,
                end_ms: W1 + 5,
            },
            before: runtime(
                W2,
                &[
                    (W0, valid(FP1, OLD_MS)),
                    (W1, valid(FP2, OLD_MS)),
                    (W2, valid(FP2, OLD_MS)),
                ],
            ),
            after: runtime(
                W2,
                &[
                    (W0, stale(FP1, OLD_MS)),
                    (W1, stale(FP2, OLD_MS)),
                    (W2, valid(FP2, OLD_MS)),
                ],
            ),
            replay: LENIENT,
        },
        OpCase {
            name: "pre scheduler revert",
            profile: "pre",
            writer: Writer::PreSchedulerRevert,
            mutation: Mutation::PreSchedulerRevert {
                window_start_ms: W0,
            },
            before: runtime(W1, &[(W0, stale(FP2, 12_345))]),
            after: runtime(W1, &[(W0, valid(FP2, 12_345))]),
            replay: LENIENT,
        },
    ]
}

/// The budget of a writer under `config` (critical budget = the cluster key's value).
fn budget(writer: Writer) -> u32 {
    match writer {
        Writer::PostCritical | Writer::PreExecutor => 2,
        Writer::PostRevert | Writer::PreSchedulerRevert => 8,
        Writer::PreConsistencyManager | Writer::PostMarkStale => 128,
    }
}

// ─────────────────────────────────────────────────────────────────────────────────────
//  Engine behaviour, for every operation
// ─────────────────────────────────────────────────────────────────────────────────────

#[test]
fn every_operation_happy_path_commits_once_with_the_read_version() {
    for case in op_cases() {
        let mut harness = case.harness();
        assert_eq!(harness.read(RegisterFault::None), None, "{}", case.name);
        assert_eq!(harness.expected_version(), 3, "{}: set(.., 3)", case.name);
        assert_eq!(
            harness.write(RegisterFault::None),
            Some(CasEnd::Committed),
            "{}",
            case.name
        );
        assert_eq!(harness.runtime(), Some(&case.after), "{}", case.name);
        assert_eq!(harness.version(), 4, "{}: one version bump", case.name);
        assert_eq!((harness.reads, harness.writes), (1, 1), "{}", case.name);
    }
}

#[test]
fn every_operation_replays_a_lost_ack_without_a_second_effect() {
    for case in op_cases() {
        let mut harness = case.harness();
        assert_eq!(harness.read(RegisterFault::None), None, "{}", case.name);
        // The write is applied, but the caller sees a version conflict and retries.
        assert_eq!(harness.write(RegisterFault::LostAck), None, "{}", case.name);
        assert!(
            harness.op.lost_ack,
            "{}: the lost ack is recorded",
            case.name
        );
        assert_eq!(harness.runtime(), Some(&case.after), "{}", case.name);
        assert_eq!(harness.version(), 4, "{}", case.name);
        let retry = harness.read(RegisterFault::None);
        match case.replay {
            Replay::Ends(end) => {
                assert_eq!(retry, Some(end), "{}: the replay's read", case.name);
                assert_eq!(harness.writes, 1, "{}: no second write", case.name);
                assert_eq!(harness.version(), 4, "{}", case.name);
            }
            Replay::WritesAgain => {
                assert_eq!(retry, None, "{}: a blind writer writes again", case.name);
                assert_eq!(harness.run(), CasEnd::Committed, "{}", case.name);
                assert_eq!(harness.writes, 2, "{}", case.name);
                assert_eq!(harness.version(), 5, "{}: two version bumps", case.name);
            }
        }
        assert_eq!(harness.runtime(), Some(&case.after), "{}", case.name);
        assert_eq!(
            harness.reached(ghost_bits::REACHED_LOST_ACK_REPLAYED),
            case.replay == ALREADY_VALID,
            "{}: the replay milestone marks exactly the carve-out",
            case.name
        );
    }
}

#[test]
fn every_operation_retries_a_conflict_until_success() {
    for case in op_cases() {
        let mut harness = case.harness();
        assert_eq!(harness.read(RegisterFault::None), None, "{}", case.name);
        harness.concurrent_write();
        assert_eq!(harness.write(RegisterFault::None), None, "{}", case.name);
        assert_eq!(
            harness.runtime(),
            Some(&case.before),
            "{}: not applied",
            case.name
        );
        assert!(
            harness.reached(ghost_bits::REACHED_CAS_RETRIED),
            "{}",
            case.name
        );
        assert_eq!(harness.read(RegisterFault::None), None, "{}", case.name);
        assert_eq!(
            harness.expected_version(),
            4,
            "{}: re-read version",
            case.name
        );
        assert_eq!(
            harness.write(RegisterFault::None),
            Some(CasEnd::Committed),
            "{}",
            case.name
        );
        assert_eq!(harness.runtime(), Some(&case.after), "{}", case.name);
        assert_eq!((harness.reads, harness.writes), (2, 2), "{}", case.name);
    }
}

#[test]
fn every_operation_handles_a_transient_read_error_by_its_writer_class() {
    for case in op_cases() {
        let mut harness = case.harness();
        let first = harness.read(RegisterFault::Transient);
        if case.writer.retries_read_errors() {
            assert_eq!(first, None, "{}: a read error is retried", case.name);
            assert_eq!(harness.run(), CasEnd::Committed, "{}", case.name);
            assert_eq!(harness.runtime(), Some(&case.after), "{}", case.name);
            assert_eq!((harness.reads, harness.writes), (2, 1), "{}", case.name);
        } else {
            // pre CM (pre:CM:350-356) logs and gives up; pre scheduler's fetch sits outside
            // its try (pre:SCH:396-397) and the exception escapes.
            assert_eq!(first, Some(CasEnd::GaveUp), "{}", case.name);
            assert_eq!(harness.runtime(), Some(&case.before), "{}", case.name);
            assert_eq!(harness.writes, 0, "{}", case.name);
        }
    }
    let read_error_givers_up: Vec<&str> = op_cases()
        .into_iter()
        .filter(|case| !case.writer.retries_read_errors())
        .map(|case| case.name)
        .collect();
    assert_eq!(
        read_error_givers_up,
        ["pre markPartitionsDirty", "pre scheduler revert"]
    );
}

#[test]
fn every_operation_retries_a_transient_write_error() {
    // Helix's property store turns every write failure into `false`, i.e. a CAS conflict
    // that every writer retries (docs/java-notes.md Q10a).
    for case in op_cases() {
        let mut harness = case.harness();
        assert_eq!(harness.read(RegisterFault::None), None, "{}", case.name);
        assert_eq!(
            harness.write(RegisterFault::Transient),
            None,
            "{}",
            case.name
        );
        assert_eq!(
            harness.runtime(),
            Some(&case.before),
            "{}: not applied",
            case.name
        );
        assert_eq!(harness.version(), 3, "{}", case.name);
        assert_eq!(harness.run(), CasEnd::Committed, "{}", case.name);
        assert_eq!(harness.runtime(), Some(&case.after), "{}", case.name);
        assert_eq!((harness.reads, harness.writes), (2, 2), "{}", case.name);
    }
}

#[test]
fn every_operation_exhausts_its_budget_when_every_write_conflicts() {
    for case in op_cases() {
        let mut harness = case.harness();
        harness.config.critical_max_attempts = 2;
        let expected = budget(case.writer);
        assert_eq!(case.writer.max_attempts(&harness.config), expected);
        assert_eq!(
            harness.run_with_every_write_conflicting(),
            CasEnd::Exhausted,
            "{}",
            case.name
        );
        assert_eq!(
            harness.reads, expected,
            "{}: one read per attempt",
            case.name
        );
        assert_eq!(
            harness.writes, expected,
            "{}: one set per attempt",
            case.name
        );
        assert_eq!(harness.op.attempts, expected, "{}", case.name);
        assert_eq!(harness.runtime(), Some(&case.before), "{}", case.name);
        assert!(harness.reached(ghost_bits::REACHED_BUDGET_EXHAUSTED));
    }
}

#[test]
fn every_retrying_operation_exhausts_its_budget_when_every_read_fails() {
    for case in op_cases() {
        if !case.writer.retries_read_errors() {
            continue;
        }
        let mut harness = case.harness();
        harness.config.critical_max_attempts = 2;
        let expected = budget(case.writer);
        let mut end = None;
        while end.is_none() {
            end = harness.read(RegisterFault::Transient);
        }
        assert_eq!(end, Some(CasEnd::Exhausted), "{}", case.name);
        assert_eq!(
            (harness.reads, harness.writes),
            (expected, 0),
            "{}",
            case.name
        );
    }
}

#[test]
fn every_operation_backs_off_base_plus_jitter_before_each_retry() {
    for draw in [0, 7, u64::MAX] {
        for case in op_cases() {
            let mut harness = case.harness();
            harness.jitter.draw = draw;
            let (base_ms, jitter_ms) = match case.writer {
                Writer::PostCritical | Writer::PostMarkStale | Writer::PreExecutor => (50, 150),
                Writer::PostRevert | Writer::PreConsistencyManager | Writer::PreSchedulerRevert => {
                    (5, 20)
                }
            };
            assert_eq!(
                case.writer.backoff_ms(),
                (base_ms, jitter_ms),
                "{}",
                case.name
            );
            assert_eq!(
                harness.op.wake_ms, 0,
                "{}: no sleep before attempt 1",
                case.name
            );
            assert_eq!(harness.read(RegisterFault::None), None);
            harness.concurrent_write();
            assert_eq!(harness.write(RegisterFault::None), None);
            // `Thread.sleep(base + nextInt(max(jitter, 1)))` (PM:594-602): [base, base + jitter).
            let jitter = i64::try_from(draw.min(jitter_ms as u64 - 1)).expect("small");
            assert_eq!(
                harness.op.wake_ms,
                NOW_MS + base_ms + jitter,
                "{}: draw {draw}",
                case.name
            );
            assert_eq!(harness.jitter.bounds, [jitter_ms as u64], "{}", case.name);
        }
    }
}

#[test]
fn back_off_due_times_are_zero_under_abstract_timing() {
    let case = &op_cases()[0];
    let mut harness = case.harness();
    harness.config.timing = Timing::Abstract;
    harness.jitter.draw = 99;
    assert_eq!(harness.read(RegisterFault::None), None);
    harness.concurrent_write();
    assert_eq!(harness.write(RegisterFault::None), None);
    assert_eq!(harness.op.wake_ms, 0);
}

#[test]
fn critical_budget_follows_the_cluster_key_and_the_others_are_fixed() {
    let mut config = config("post", None);
    assert_eq!(
        Writer::PostCritical.max_attempts(&config),
        constants::CRITICAL_MAX_ATTEMPTS
    );
    assert_eq!(constants::CRITICAL_MAX_ATTEMPTS, 128);
    config.critical_max_attempts = 2;
    assert_eq!(Writer::PostCritical.max_attempts(&config), 2);
    assert_eq!(Writer::PreExecutor.max_attempts(&config), 2);
    // REVERT_MAX_ATTEMPTS (PM:122), MAX_PARTITION_STATE_PERSIST_RETRIES (pre:SCH:377) and
    // MAX_MARK_RETRIES (pre:CM:105) are not configurable.
    assert_eq!(Writer::PostRevert.max_attempts(&config), 8);
    assert_eq!(Writer::PreSchedulerRevert.max_attempts(&config), 8);
    assert_eq!(Writer::PreConsistencyManager.max_attempts(&config), 128);
}

// ─────────────────────────────────────────────────────────────────────────────────────
//  Strict violations and lenient no-ops, per operation
// ─────────────────────────────────────────────────────────────────────────────────────

/// Runs `mutation` from `before` (with an optional backfill in bucket `W0`) and expects it
/// to end after one read without writing.
fn assert_ends_without_write(
    label: &str,
    profile_name: &str,
    writer: Writer,
    mutation: Mutation,
    before: Option<RuntimeMetadata>,
    backfilled: bool,
    expected: CasEnd,
) {
    let mut harness = Harness::new(profile_name, before.clone(), 2, mutation, writer);
    if backfilled {
        harness.backfill(W0);
    }
    assert_eq!(harness.read(RegisterFault::None), Some(expected), "{label}");
    assert_eq!(harness.reads, 1, "{label}: fail-fast, no retry");
    assert_eq!(harness.writes, 0, "{label}: no write");
    assert_eq!(harness.runtime(), before.as_ref(), "{label}: unchanged");
}

/// The profile whose engine uses `writer`.
fn profile_of(writer: Writer) -> &'static str {
    match writer {
        Writer::PostCritical | Writer::PostRevert => "post",
        Writer::PostMarkStale => "post-fixed",
        Writer::PreExecutor | Writer::PreConsistencyManager | Writer::PreSchedulerRevert => "pre",
    }
}

#[test]
fn strict_violations_fail_fast_on_the_first_read() {
    use Precondition::*;
    let absent = Some(runtime(W0, &[]));
    let valid_fp2 = Some(runtime(W1, &[(W0, valid(FP2, OLD_MS))]));
    let stale_fp1 = Some(runtime(W0, &[(W0, stale(FP1, OLD_MS))]));
    // The window has data in every row: the strict checks come before clearValid's source
    // guard (PM:319-330), so the guard never turns a violation into a no-op.
    #[rustfmt::skip]
    let rows = [
        ("appendValid, no znode",        append(W0, FP1),  None,              NoRuntime),
        ("appendValid, VALID other fp",  append(W0, FP1),  valid_fp2.clone(), BucketPresent),
        ("appendValid, STALE same fp",   append(W0, FP1),  stale_fp1,         BucketPresent),
        ("refreshValid, no znode",       refresh(W0, FP1), None,              NoRuntime),
        ("refreshValid, absent",         refresh(W0, FP1), absent.clone(),    BucketNotStale),
        ("refreshValid, VALID other fp", refresh(W0, FP1), valid_fp2.clone(), BucketNotStale),
        ("clearValid, no znode",         clear(W0),        None,              NoRuntime),
        ("clearValid, absent",           clear(W0),        absent,            BucketNotStale),
        ("clearValid, VALID non-empty",  clear(W0),        valid_fp2,         BucketNotStale),
    ];
    for profile_name in ["post", "post-no-delete-guards"] {
        for (label, mutation, before, violation) in rows.clone() {
            assert_ends_without_write(
                &format!("{label} ({profile_name})"),
                profile_name,
                Writer::PostCritical,
                mutation,
                before,
                true,
                CasEnd::Violation(violation),
            );
        }
    }
}

#[test]
fn lenient_operations_no_op_without_writing() {
    use Writer::*;
    let valid_w0 = Some(runtime(W1, &[(W0, valid(FP1, OLD_MS))]));
    let stale_w0 = Some(runtime(W1, &[(W0, stale(FP1, OLD_MS))]));
    let absent = Some(runtime(W1, &[]));
    // A VALID bucket above the watermark: pre caps the range at the watermark (pre:CM:394).
    let valid_above = Some(runtime(W0, &[(W1, valid(FP1, OLD_MS))]));
    let dirty = |start_ms, end_ms| Mutation::PreMarkDirty { start_ms, end_ms };
    let pre_revert = Mutation::PreSchedulerRevert {
        window_start_ms: W0,
    };
    #[rustfmt::skip]
    let rows = [
        ("revertValid, VALID",    PostRevert,            revert(W0),             valid_w0.clone()),
        ("revertValid, absent",   PostRevert,            revert(W0),             absent.clone()),
        ("revertValid, no znode", PostRevert,            revert(W0),             None),
        ("markStale, STALE",      PostCritical,          mark_stale(&[W0]),     stale_w0.clone()),
        ("markStale, absent",     PostCritical,          mark_stale(&[W0, W1]),  absent.clone()),
        ("markStale, no znode",   PostCritical,          mark_stale(&[W0]),     None),
        ("markStale, empty list", PostCritical,          mark_stale(&[]),        valid_w0.clone()),
        ("pre dirty, no znode",   PreConsistencyManager, dirty(W0, W2),          None),
        ("pre dirty, STALE",      PreConsistencyManager, dirty(W0, W2),          stale_w0),
        ("pre dirty, above wm",   PreConsistencyManager, dirty(W0 + 1, W2),      valid_above),
        ("pre revert, VALID",     PreSchedulerRevert,    pre_revert.clone(),     valid_w0),
        ("pre revert, absent",    PreSchedulerRevert,    pre_revert.clone(),     absent),
        ("pre revert, no znode",  PreSchedulerRevert,    pre_revert,             None),
    ];
    for (label, writer, mutation, before) in rows {
        let profile_name = profile_of(writer);
        let lenient = CasEnd::NoOp(NoOp::Lenient);
        assert_ends_without_write(
            label,
            profile_name,
            writer,
            mutation,
            before,
            false,
            lenient,
        );
    }
}

#[test]
fn idempotent_carve_outs_no_op_on_a_valid_bucket_with_the_same_fingerprint() {
    let valid_fp1 = runtime(W1, &[(W0, valid(FP1, OLD_MS))]);
    let valid_empty = runtime(W1, &[(W0, valid(PartitionFingerprint::EMPTY, OLD_MS))]);
    // The window has data: the carve-out precedes clearValid's supplier (PM:313-317).
    let rows = [
        ("appendValid", append(W0, FP1), valid_fp1.clone()),
        ("refreshValid", refresh(W0, FP1), valid_fp1),
        ("clearValid", clear(W0), valid_empty),
    ];
    for profile_name in ["post", "post-no-delete-guards"] {
        for (label, mutation, before) in rows.clone() {
            assert_ends_without_write(
                &format!("{label} ({profile_name})"),
                profile_name,
                Writer::PostCritical,
                mutation,
                Some(before),
                true,
                CasEnd::NoOp(NoOp::AlreadyValid),
            );
        }
    }
}

#[test]
fn clear_valid_source_guard_is_what_separates_post_from_post_no_delete_guards() {
    // post: the backfill keeps the bucket STALE (PM:330-336).
    assert_ends_without_write(
        "post",
        "post",
        Writer::PostCritical,
        clear(W0),
        Some(runtime(W1, &[(W0, stale(FP2, OLD_MS))])),
        true,
        CasEnd::NoOp(NoOp::SourceNotEmpty),
    );
    // Without the guard, VALID-empty is written over the backfilled window.
    let mut harness = Harness::new(
        "post-no-delete-guards",
        Some(runtime(W1, &[(W0, stale(FP2, OLD_MS))])),
        2,
        clear(W0),
        Writer::PostCritical,
    );
    harness.backfill(W0);
    assert_eq!(harness.run(), CasEnd::Committed);
    assert_eq!(
        harness.runtime(),
        Some(&runtime(
            W1,
            &[(W0, valid(PartitionFingerprint::EMPTY, NOW_MS))]
        ))
    );
}

#[test]
fn pre_writers_have_no_strict_preconditions() {
    // Blind put and remove accept any prior state (pre:EX:545-552).
    let befores = [
        runtime(W1, &[]),
        runtime(W1, &[(W0, valid(FP2, OLD_MS))]),
        runtime(W1, &[(W0, stale(FP2, OLD_MS))]),
    ];
    for before in befores {
        for mutation in [
            pre_put(W0, FP1, true),
            pre_put(W0, FP1, false),
            Mutation::PreExecutorRemove {
                window_start_ms: W0,
            },
        ] {
            let mut harness = Harness::new(
                "pre",
                Some(before.clone()),
                0,
                mutation.clone(),
                Writer::PreExecutor,
            );
            assert_eq!(
                harness.run(),
                CasEnd::Committed,
                "{mutation:?} over {before:?}"
            );
        }
    }
}

#[test]
fn pre_executor_writes_recreate_a_missing_znode_with_version_minus_one() {
    // pre:EX:530: `writeVersion = existing != null ? version : -1`, and Helix creates the
    // node on a -1 set (docs/java-notes.md Q2, Q10i).
    let rows = [
        (
            pre_put(W0, FP1, true),
            runtime(0, &[(W0, valid(FP1, NOW_MS))]),
        ),
        (
            pre_put(W0, FP1, false),
            runtime(0, &[(W0, valid(FP1, NOW_MS))]),
        ),
        (
            Mutation::PreExecutorRemove {
                window_start_ms: W0,
            },
            runtime(0, &[]),
        ),
    ];
    for (mutation, after) in rows {
        let mut harness = Harness::new("pre", None, 0, mutation.clone(), Writer::PreExecutor);
        assert_eq!(harness.read(RegisterFault::None), None, "{mutation:?}");
        assert_eq!(harness.expected_version(), -1, "{mutation:?}");
        assert_eq!(harness.write(RegisterFault::None), Some(CasEnd::Committed));
        assert_eq!(harness.runtime(), Some(&after), "{mutation:?}");
        assert_eq!(harness.version(), 0, "{mutation:?}: created at version 0");
    }
}

#[test]
fn pre_mark_dirty_walks_aligned_slots_from_the_floor_of_the_range_start() {
    // pre:CM:427-436: the first slot is floorDiv(start, b) * b, so a change inside bucket W0
    // marks W0; the end is inclusive, so a range ending at W1 marks W1 too.
    let before = runtime(
        W2,
        &[
            (W0, valid(FP1, OLD_MS)),
            (W1, valid(FP1, OLD_MS)),
            (W2, valid(FP1, OLD_MS)),
        ],
    );
    let mut harness = Harness::new(
        "pre",
        Some(before),
        0,
        Mutation::PreMarkDirty {
            start_ms: W0 + 1,
            end_ms: W1,
        },
        Writer::PreConsistencyManager,
    );
    assert_eq!(harness.run(), CasEnd::Committed);
    let states: Vec<PartitionState> = harness
        .runtime()
        .expect("znode")
        .partitions
        .values()
        .map(|info| info.state)
        .collect();
    assert_eq!(
        states,
        [
            PartitionState::Stale,
            PartitionState::Stale,
            PartitionState::Valid
        ]
    );
}

#[test]
fn pre_mark_dirty_skips_keys_off_the_bucket_grid() {
    // pre:CM:427-436 visits `floorDiv(start, b) * b + k * b` only, so a key off that grid (an
    // old key kept after bucketTimePeriod changed, spec §1.6) is never marked.
    let off_grid = W0 + BUCKET_MS / 2;
    let before = runtime(W2, &[(off_grid, valid(FP1, OLD_MS))]);
    assert_ends_without_write(
        "pre dirty, off-grid key",
        "pre",
        Writer::PreConsistencyManager,
        Mutation::PreMarkDirty {
            start_ms: W0,
            end_ms: W1,
        },
        Some(before),
        false,
        CasEnd::NoOp(NoOp::Lenient),
    );
}

// ─────────────────────────────────────────────────────────────────────────────────────
//  MaterializedViewPartitionManagerTest (PMT), test by test
// ─────────────────────────────────────────────────────────────────────────────────────

/// Runs a fault-free op from `before` at `version`; returns the harness after it ended.
fn run_op(
    profile_name: &str,
    before: Option<RuntimeMetadata>,
    version: i32,
    mutation: Mutation,
    writer: Writer,
) -> (CasEnd, Harness) {
    let mut harness = Harness::new(profile_name, before, version, mutation, writer);
    let end = harness.run();
    (end, harness)
}

/// The bucket `W0` of the committed runtime.
fn committed_w0(harness: &Harness) -> PartitionInfo {
    *harness
        .runtime()
        .expect("a znode")
        .partitions
        .get(&W0)
        .expect("bucket W0 is present")
}

/// PMT:67-83 `testAppendValidVacantToValidAdvancesWatermark`.
#[test]
fn append_valid_vacant_to_valid_advances_watermark() {
    let mut harness = Harness::new(
        "post",
        Some(runtime(W0, &[])),
        7,
        append(W0, FP1),
        Writer::PostCritical,
    );
    assert_eq!(harness.read(RegisterFault::None), None);
    assert_eq!(harness.expected_version(), 7, "set(.., expectedVersion 7)");
    assert_eq!(harness.write(RegisterFault::None), Some(CasEnd::Committed));
    let persisted = harness.runtime().expect("znode");
    assert_eq!(
        persisted.watermark_ms, W1,
        "watermark advances by one bucket"
    );
    assert_eq!(committed_w0(&harness), valid(FP1, NOW_MS));
}

/// PMT:85-99 `testAppendValidWatermarkClimbsContiguousChain`.
#[test]
fn append_valid_watermark_climbs_contiguous_chain() {
    let before = runtime(W0, &[(W1, valid(FP2, OLD_MS))]);
    let (end, harness) = run_op(
        "post",
        Some(before),
        1,
        append(W0, FP1),
        Writer::PostCritical,
    );
    assert_eq!(end, CasEnd::Committed);
    assert_eq!(harness.runtime().expect("znode").watermark_ms, W2);
}

/// PMT:101-109 `testAppendValidStrictRejectsExistingBucket`.
#[test]
fn append_valid_strict_rejects_existing_bucket() {
    let before = runtime(W0, &[(W0, valid(FP2, OLD_MS))]);
    let (end, harness) = run_op(
        "post",
        Some(before),
        0,
        append(W0, FP1),
        Writer::PostCritical,
    );
    assert_eq!(end, CasEnd::Violation(Precondition::BucketPresent));
    assert_eq!(harness.writes, 0);
}

/// PMT:111-125 `testAppendValidIdempotentOnLostAckReplay`.
#[test]
fn append_valid_idempotent_on_lost_ack_replay() {
    let before = runtime(W1, &[(W0, valid(FP1, OLD_MS))]);
    let (end, harness) = run_op(
        "post",
        Some(before),
        3,
        append(W0, FP1),
        Writer::PostCritical,
    );
    assert_eq!(end, CasEnd::NoOp(NoOp::AlreadyValid));
    assert_eq!(harness.writes, 0, "store.set never called");
}

/// PMT:127-133 `testAppendValidThrowsWhenRuntimeMissing`.
#[test]
fn append_valid_throws_when_runtime_missing() {
    let (end, harness) = run_op("post", None, 0, append(W0, FP1), Writer::PostCritical);
    assert_eq!(end, CasEnd::Violation(Precondition::NoRuntime));
    assert_eq!(harness.runtime(), None, "post never creates the znode here");
}

/// PMT:139-155 `testRefreshValidStaleToValidUpdatesFingerprint`.
#[test]
fn refresh_valid_stale_to_valid_updates_fingerprint() {
    let before = runtime(W1, &[(W0, stale(FP2, OLD_MS))]);
    let mut harness = Harness::new(
        "post",
        Some(before),
        4,
        refresh(W0, FP1),
        Writer::PostCritical,
    );
    assert_eq!(harness.read(RegisterFault::None), None);
    assert_eq!(harness.expected_version(), 4);
    assert_eq!(harness.write(RegisterFault::None), Some(CasEnd::Committed));
    assert_eq!(
        harness.runtime().expect("znode").watermark_ms,
        W1,
        "watermark unchanged on OVERWRITE"
    );
    let info = committed_w0(&harness);
    assert_eq!(info.state, PartitionState::Valid);
    assert_eq!(info.fingerprint, FP1);
    assert!(
        info.last_refresh_time_ms > OLD_MS,
        "lastRefreshTime is bumped to now"
    );
}

/// PMT:157-163 `testRefreshValidStrictRejectsAbsentBucket`.
#[test]
fn refresh_valid_strict_rejects_absent_bucket() {
    let (end, _) = run_op(
        "post",
        Some(runtime(W0, &[])),
        0,
        refresh(W0, FP1),
        Writer::PostCritical,
    );
    assert_eq!(end, CasEnd::Violation(Precondition::BucketNotStale));
}

/// PMT:165-175 `testRefreshValidStrictRejectsValidBucketWithDifferentFingerprint` (the
/// carve-out needs the *same* fingerprint).
#[test]
fn refresh_valid_strict_rejects_valid_bucket_with_different_fingerprint() {
    let before = runtime(W0, &[(W0, valid(FP2, OLD_MS))]);
    let (end, _) = run_op(
        "post",
        Some(before),
        0,
        refresh(W0, FP1),
        Writer::PostCritical,
    );
    assert_eq!(end, CasEnd::Violation(Precondition::BucketNotStale));
}

/// PMT:177-188 `testRefreshValidIdempotentOnLostAckReplay`.
#[test]
fn refresh_valid_idempotent_on_lost_ack_replay() {
    let before = runtime(W1, &[(W0, valid(FP1, OLD_MS))]);
    let (end, harness) = run_op(
        "post",
        Some(before),
        5,
        refresh(W0, FP1),
        Writer::PostCritical,
    );
    assert_eq!(end, CasEnd::NoOp(NoOp::AlreadyValid));
    assert_eq!(harness.writes, 0);
}

/// PMT:194-208 `testClearValidStaleToValidEmptyPersistsEmptyFingerprint`.
#[test]
fn clear_valid_stale_to_valid_empty_persists_empty_fingerprint() {
    let before = runtime(W0, &[(W0, stale(FP2, OLD_MS))]);
    let mut harness = Harness::new("post", Some(before), 2, clear(W0), Writer::PostCritical);
    assert_eq!(harness.read(RegisterFault::None), None);
    assert_eq!(harness.expected_version(), 2);
    assert_eq!(harness.write(RegisterFault::None), Some(CasEnd::Committed));
    let info = committed_w0(&harness);
    assert_eq!(info.state, PartitionState::Valid);
    assert_eq!(info.fingerprint, PartitionFingerprint::EMPTY);
}

/// PMT:210-226 `testClearValidLeavesStaleWhenSourceBackfilled`.
#[test]
fn clear_valid_leaves_stale_when_source_backfilled() {
    let before = runtime(W0, &[(W0, stale(FP2, OLD_MS))]);
    let mut harness = Harness::new("post", Some(before), 2, clear(W0), Writer::PostCritical);
    harness.backfill(W0);
    assert_eq!(harness.run(), CasEnd::NoOp(NoOp::SourceNotEmpty));
    assert_eq!(harness.writes, 0);
    assert_eq!(committed_w0(&harness).state, PartitionState::Stale);
}

/// PMT:228-266 `testClearValidReReadsSourceOnEachCasAttempt`.
#[test]
fn clear_valid_re_reads_source_on_each_cas_attempt() {
    let before = runtime(W0, &[(W0, stale(FP2, OLD_MS))]);
    let mut harness = Harness::new("post", Some(before), 0, clear(W0), Writer::PostCritical);
    // Attempt 1: the source is empty, so the mutator builds VALID-empty...
    assert_eq!(harness.read(RegisterFault::None), None);
    // ...but the write loses a version race, and a backfill lands before the retry.
    harness.concurrent_write();
    harness.backfill(W0);
    assert_eq!(harness.write(RegisterFault::None), None);
    // Attempt 2 re-reads the source inside the mutator and no-ops.
    assert_eq!(
        harness.read(RegisterFault::None),
        Some(CasEnd::NoOp(NoOp::SourceNotEmpty))
    );
    assert_eq!(harness.writes, 1, "only attempt 1 tried to write");
    assert_eq!(committed_w0(&harness).state, PartitionState::Stale);
}

/// PMT:268-276 `testClearValidStrictRejectsAbsentBucket` (strict check before the guard).
#[test]
fn clear_valid_strict_rejects_absent_bucket() {
    let (end, _) = run_op(
        "post",
        Some(runtime(W0, &[])),
        0,
        clear(W0),
        Writer::PostCritical,
    );
    assert_eq!(end, CasEnd::Violation(Precondition::BucketNotStale));
}

/// PMT:278-296 `testClearValidIdempotentOnLostAckReplay`: no-op without calling the supplier.
#[test]
fn clear_valid_idempotent_on_lost_ack_replay() {
    let before = runtime(W0, &[(W0, valid(PartitionFingerprint::EMPTY, OLD_MS))]);
    let config = config("post", None);
    let supplier_calls = Cell::new(0);
    let supplier = |_: i64| {
        supplier_calls.set(supplier_calls.get() + 1);
        PartitionFingerprint::EMPTY
    };
    let inputs = MutateInputs {
        config: &config,
        refresh_time_ms: NOW_MS,
        source_window: &supplier,
    };
    assert_eq!(
        mutate(&clear(W0), Some(&before), &inputs),
        Mutated::NoOp(NoOp::AlreadyValid)
    );
    assert_eq!(
        supplier_calls.get(),
        0,
        "the replay must not re-read the source"
    );
    // The supplier is called exactly once per attempt on the STALE path.
    let stale_before = runtime(W0, &[(W0, stale(FP2, OLD_MS))]);
    assert!(matches!(
        mutate(&clear(W0), Some(&stale_before), &inputs),
        Mutated::Write(_)
    ));
    assert_eq!(supplier_calls.get(), 1);
    // And through the world: the lost-ack retry hits the carve-out.
    let mut harness = Harness::new(
        "post",
        Some(stale_before),
        4,
        clear(W0),
        Writer::PostCritical,
    );
    assert_eq!(harness.read(RegisterFault::None), None);
    assert_eq!(harness.write(RegisterFault::LostAck), None);
    harness.backfill(W0);
    assert_eq!(
        harness.read(RegisterFault::None),
        Some(CasEnd::NoOp(NoOp::AlreadyValid)),
        "a backfill after the committed write is the sweep's job, not the replay's"
    );
    assert!(harness.reached(ghost_bits::REACHED_LOST_ACK_REPLAYED));
}

/// PMT:302-317 `testRevertValidStaleToValidPreservesFingerprintAndTimestamp`.
#[test]
fn revert_valid_stale_to_valid_preserves_fingerprint_and_timestamp() {
    let before = runtime(W1, &[(W0, stale(FP2, 12_345))]);
    let mut harness = Harness::new("post", Some(before), 9, revert(W0), Writer::PostRevert);
    assert_eq!(harness.read(RegisterFault::None), None);
    assert_eq!(harness.expected_version(), 9);
    assert_eq!(harness.write(RegisterFault::None), Some(CasEnd::Committed));
    assert_eq!(committed_w0(&harness), valid(FP2, 12_345));
}

/// PMT:319-329 `testRevertValidLenientNoOpWhenNotStale`.
#[test]
fn revert_valid_lenient_no_op_when_not_stale() {
    let before = runtime(W1, &[(W0, valid(FP2, OLD_MS))]);
    let (end, harness) = run_op("post", Some(before), 0, revert(W0), Writer::PostRevert);
    assert_eq!(end, CasEnd::NoOp(NoOp::Lenient));
    assert_eq!(harness.writes, 0);
}

/// PMT:331-339 `testRevertValidLenientNoOpWhenAbsent`.
#[test]
fn revert_valid_lenient_no_op_when_absent() {
    let (end, harness) = run_op(
        "post",
        Some(runtime(W1, &[])),
        0,
        revert(W0),
        Writer::PostRevert,
    );
    assert_eq!(end, CasEnd::NoOp(NoOp::Lenient));
    assert_eq!(harness.writes, 0);
}

/// PMT:341-349 `testRevertValidLenientNoOpWhenRuntimeMissing`.
#[test]
fn revert_valid_lenient_no_op_when_runtime_missing() {
    let (end, harness) = run_op("post", None, 0, revert(W0), Writer::PostRevert);
    assert_eq!(end, CasEnd::NoOp(NoOp::Lenient));
    assert_eq!(harness.writes, 0);
}

/// PMT:355-369 `testMarkStaleValidToStaleSingleBucket`.
#[test]
fn mark_stale_valid_to_stale_single_bucket() {
    let before = runtime(W1, &[(W0, valid(FP1, OLD_MS))]);
    let mut harness = Harness::new(
        "post",
        Some(before),
        5,
        mark_stale(&[W0]),
        Writer::PostCritical,
    );
    assert_eq!(harness.read(RegisterFault::None), None);
    assert_eq!(harness.expected_version(), 5);
    assert_eq!(harness.write(RegisterFault::None), Some(CasEnd::Committed));
    let info = committed_w0(&harness);
    assert_eq!(info.state, PartitionState::Stale);
    assert_eq!(info.fingerprint, FP1, "fingerprint preserved on markStale");
}

/// PMT:371-388 `testMarkStaleBatchSingleCasOnly`.
#[test]
fn mark_stale_batch_single_cas_only() {
    let before = runtime(W2, &[(W0, valid(FP1, OLD_MS)), (W1, stale(FP2, OLD_MS))]);
    let mut harness = Harness::new(
        "post",
        Some(before),
        3,
        mark_stale(&[W0, W1, W2]),
        Writer::PostCritical,
    );
    assert_eq!(harness.read(RegisterFault::None), None);
    assert_eq!(harness.expected_version(), 3);
    assert_eq!(harness.write(RegisterFault::None), Some(CasEnd::Committed));
    assert_eq!(harness.writes, 1, "one set for the whole batch");
    let persisted = &harness.runtime().expect("znode").partitions;
    assert_eq!(
        persisted[&W0].state,
        PartitionState::Stale,
        "VALID bucket flipped"
    );
    assert_eq!(
        persisted[&W1],
        stale(FP2, OLD_MS),
        "already-STALE bucket unchanged"
    );
    assert!(
        !persisted.contains_key(&W2),
        "absent bucket not synthesized today"
    );
}

/// PMT:390-400 `testMarkStaleNoOpWhenNoValidEntries`.
#[test]
fn mark_stale_no_op_when_no_valid_entries() {
    let before = runtime(W1, &[(W0, stale(FP1, OLD_MS))]);
    let (end, harness) = run_op(
        "post",
        Some(before),
        0,
        mark_stale(&[W0]),
        Writer::PostCritical,
    );
    assert_eq!(end, CasEnd::NoOp(NoOp::Lenient));
    assert_eq!(harness.writes, 0);
}

/// PMT:402-410 `testMarkStaleEmptyCollectionShortCircuits`. Java returns before any read
/// (PM:408-410): so does [`crate::operation::apply_operation`] (no store call); the
/// mutator also no-ops on every snapshot, and the world's callers never start an op with
/// an empty list (CM flush and sweep return first).
#[test]
fn mark_stale_empty_collection_short_circuits() {
    let before = runtime(W1, &[(W0, valid(FP1, OLD_MS))]);
    let outcome = crate::operation::apply_operation(
        &config("post", None),
        Some(before.clone()),
        3,
        mark_stale(&[]),
        Writer::PostCritical,
        &[],
    );
    assert_eq!(outcome.end, CasEnd::NoOp(NoOp::Lenient));
    assert_eq!((outcome.reads, outcome.writes.len()), (0, 0));
    assert_eq!(
        (outcome.znode_after, outcome.version_after),
        (Some(before), 3)
    );
    let config = config("post", None);
    let inputs = MutateInputs {
        config: &config,
        refresh_time_ms: NOW_MS,
        source_window: &|_| PartitionFingerprint::EMPTY,
    };
    let snapshots = [
        None,
        Some(runtime(W1, &[])),
        Some(runtime(W1, &[(W0, valid(FP1, OLD_MS))])),
    ];
    for snapshot in &snapshots {
        assert_eq!(
            mutate(&mark_stale(&[]), snapshot.as_ref(), &inputs),
            Mutated::NoOp(NoOp::Lenient)
        );
    }
}

/// PMT:412-420 `testMarkStaleNoOpWhenRuntimeMissing`.
#[test]
fn mark_stale_no_op_when_runtime_missing() {
    let (end, harness) = run_op("post", None, 0, mark_stale(&[W0]), Writer::PostCritical);
    assert_eq!(end, CasEnd::NoOp(NoOp::Lenient));
    assert_eq!(harness.writes, 0);
}

/// PMT:466-496 `testCasConflictRetriesUntilSuccess`: two lost races, success on the third.
#[test]
fn cas_conflict_retries_until_success() {
    let before = runtime(W1, &[(W0, stale(FP2, OLD_MS))]);
    let mut harness = Harness::new("post", Some(before), 0, revert(W0), Writer::PostRevert);
    for _ in 0..2 {
        assert_eq!(harness.read(RegisterFault::None), None);
        harness.concurrent_write();
        assert_eq!(harness.write(RegisterFault::None), None);
    }
    assert_eq!(harness.run(), CasEnd::Committed);
    assert_eq!(
        harness.writes, 3,
        "retried twice and succeeded on the third attempt"
    );
    assert_eq!(committed_w0(&harness), valid(FP2, OLD_MS));
}

/// PMT:498-520 `testReadSideZkExceptionIsRetried`.
#[test]
fn read_side_zk_exception_is_retried() {
    let before = runtime(W0, &[(W0, stale(FP2, OLD_MS))]);
    let mut harness = Harness::new("post", Some(before), 0, revert(W0), Writer::PostRevert);
    assert_eq!(harness.read(RegisterFault::Transient), None);
    assert_eq!(harness.run(), CasEnd::Committed);
    assert_eq!(harness.writes, 1, "exactly one successful set");
    assert_eq!(harness.reads, 2);
}

/// PMT:522-545 `testMutatorPreconditionViolationFailsFastWithoutRetry`.
#[test]
fn mutator_precondition_violation_fails_fast_without_retry() {
    let before = runtime(W0, &[(W0, valid(FP2, OLD_MS))]);
    let (end, harness) = run_op(
        "post",
        Some(before),
        0,
        refresh(W0, FP1),
        Writer::PostCritical,
    );
    assert_eq!(end, CasEnd::Violation(Precondition::BucketNotStale));
    assert_eq!(harness.reads, 1, "exactly one fetch, no retry burn");
    assert_eq!(harness.writes, 0);
}

/// PMT:547-572 `testRevertBudgetExhaustedThrowsRuntimeException`.
#[test]
fn revert_budget_exhausted_throws_runtime_exception() {
    let before = runtime(W1, &[(W0, stale(FP2, OLD_MS))]);
    let mut harness = Harness::new("post", Some(before), 0, revert(W0), Writer::PostRevert);
    assert_eq!(
        harness.run_with_every_write_conflicting(),
        CasEnd::Exhausted
    );
    assert_eq!(harness.writes, constants::REVERT_MAX_ATTEMPTS);
    assert_eq!(constants::REVERT_MAX_ATTEMPTS, 8);
}

/// PMT:574-594 `testReadSideZkExceptionBudgetExhaustedThrows`.
#[test]
fn read_side_zk_exception_budget_exhausted_throws() {
    let mut harness = Harness::new(
        "post",
        Some(runtime(W1, &[])),
        0,
        revert(W0),
        Writer::PostRevert,
    );
    let mut end = None;
    while end.is_none() {
        end = harness.read(RegisterFault::Transient);
    }
    assert_eq!(end, Some(CasEnd::Exhausted));
    assert_eq!(harness.reads, constants::REVERT_MAX_ATTEMPTS);
    assert_eq!(harness.writes, 0);
}

/// The critical profile under the cluster key `...runtime.update.max.attempts` = 2
/// (PM:604-609): an appendValid that loses every race fails after two sets.
#[test]
fn critical_budget_exhausted_after_the_configured_attempts() {
    let mut harness = Harness::new(
        "post",
        Some(runtime(W0, &[])),
        0,
        append(W0, FP1),
        Writer::PostCritical,
    );
    harness.config.critical_max_attempts = 2;
    assert_eq!(
        harness.run_with_every_write_conflicting(),
        CasEnd::Exhausted
    );
    assert_eq!((harness.reads, harness.writes), (2, 2));
    assert_eq!(harness.runtime(), Some(&runtime(W0, &[])));
}

// ─────────────────────────────────────────────────────────────────────────────────────
//  PartitionFingerprintTest (PFT)
// ─────────────────────────────────────────────────────────────────────────────────────

fn fingerprint(segment_count: i32, crc: i64) -> PartitionFingerprint {
    PartitionFingerprint { segment_count, crc }
}

/// PFT:31-41 `testEncodeAndDecode` (the model encodes only).
#[test]
fn encode_and_decode() {
    assert_eq!(fingerprint(5, 123_456_789).encode(), "5,123456789");
}

/// PFT:43-53 `testEncodeAndDecodeZeroValues`.
#[test]
fn encode_and_decode_zero_values() {
    assert_eq!(fingerprint(0, 0).encode(), "0,0");
}

/// PFT:55-60 `testEncodeAndDecodeNegativeCrc`.
#[test]
fn encode_and_decode_negative_crc() {
    assert_eq!(fingerprint(3, -999).encode(), "3,-999");
}

/// PFT:113-125 `testEqualsAndHashCode`.
#[test]
fn equals_and_hash_code() {
    use std::hash::{BuildHasher, RandomState};
    let hashes = RandomState::new();
    let a = fingerprint(5, 999);
    let b = fingerprint(5, 999);
    assert_eq!(a, b);
    assert_eq!(hashes.hash_one(a), hashes.hash_one(b));
    assert_ne!(a, fingerprint(5, 998));
    assert_ne!(a, fingerprint(4, 999));
}

/// PFT:134-137 `testEmptyConstantHasZeroSegmentCount`.
#[test]
fn empty_constant_has_zero_segment_count() {
    assert_eq!(PartitionFingerprint::EMPTY.segment_count, 0);
    assert!(PartitionFingerprint::EMPTY.is_empty_window());
}

/// PFT:139-147 `testEmptyConstantCrcMatchesEmptyFarmHash64`.
#[test]
fn empty_constant_crc_matches_empty_farm_hash64() {
    assert_eq!(PartitionFingerprint::EMPTY.crc, farm_fingerprint64(&[]));
    assert_eq!(PartitionFingerprint::EMPTY.crc, -7_286_425_919_675_154_353);
    assert_eq!(
        PartitionFingerprint::EMPTY.crc as u64,
        0x9ae1_6a3b_2f90_404f
    );
}

/// PFT:149-156 `testEmptyConstantNotEqualToZeroLiteral`.
#[test]
fn empty_constant_not_equal_to_zero_literal() {
    assert_ne!(PartitionFingerprint::EMPTY, fingerprint(0, 0));
}

/// PFT:164-170 `testEmptyConstantSurvivesEncodeRoundTrip`: the encoding, and a round trip
/// through the ZNRecord JSON (the model's only decoder of fingerprints).
#[test]
fn empty_constant_survives_encode_round_trip() {
    assert_eq!(
        PartitionFingerprint::EMPTY.encode(),
        "0,-7286425919675154353"
    );
    let before = runtime(W1, &[(W0, valid(PartitionFingerprint::EMPTY, OLD_MS))]);
    let json = crate::znrecord::runtime_to_znrecord_json("mv_orders_OFFLINE", &before);
    let (_, after) =
        crate::znrecord::runtime_from_znrecord_json(&json).expect("the model reads its own JSON");
    assert_eq!(after, before);
    assert_eq!(
        after.partitions[&W0].fingerprint,
        PartitionFingerprint::EMPTY
    );
}

// ─────────────────────────────────────────────────────────────────────────────────────
//  computeMaxSourceEndTimeMs (SCHT), resolveAppendCutoffMs (SCHT), computeContiguousUpperMs (EXT)
// ─────────────────────────────────────────────────────────────────────────────────────

/// SCHT:262-267 `testComputeMaxSourceEndTimeMsEmptyList`.
#[test]
fn compute_max_source_end_time_ms_empty_list() {
    assert_eq!(compute_max_source_end_time_ms(&[]), i64::MIN);
}

/// SCHT:269-274 `testComputeMaxSourceEndTimeMsPicksMaximum`.
#[test]
fn compute_max_source_end_time_ms_picks_maximum() {
    assert_eq!(compute_max_source_end_time_ms(&[100, 500, 300]), 500);
}

/// SCHT:276-283 `testComputeMaxSourceEndTimeMsSkipsNegativeEndTimes` (mixed negative).
#[test]
fn compute_max_source_end_time_ms_skips_negative_end_times() {
    assert_eq!(compute_max_source_end_time_ms(&[-1, 250, -1]), 250);
    assert_eq!(compute_max_source_end_time_ms(&[i64::MIN, -7, 3]), 3);
}

/// SCHT:285-292 `testComputeMaxSourceEndTimeMsAllNegativeReturnsMinValue`.
#[test]
fn compute_max_source_end_time_ms_all_negative_returns_min_value() {
    assert_eq!(compute_max_source_end_time_ms(&[-1, -1]), i64::MIN);
}

/// SCHT:294-301 `testComputeMaxSourceEndTimeMsZeroIsValid`.
#[test]
fn compute_max_source_end_time_ms_zero_is_valid() {
    assert_eq!(compute_max_source_end_time_ms(&[0]), 0);
}

/// SCHT:314-324 `testResolveAppendCutoffAdmitsExactlyCoveredBucket`.
#[test]
fn resolve_append_cutoff_admits_exactly_covered_bucket() {
    let bucket_end_ms = 86_400_000;
    assert_eq!(
        resolve_append_cutoff_ms(10 * bucket_end_ms, bucket_end_ms - 1),
        bucket_end_ms
    );
}

/// SCHT:326-333 `testResolveAppendCutoffKeepsRoughCutoffWhenDataIsAhead`.
#[test]
fn resolve_append_cutoff_keeps_rough_cutoff_when_data_is_ahead() {
    assert_eq!(resolve_append_cutoff_ms(1_000_000, 5_000_000), 1_000_000);
}

/// SCHT:335-340 `testResolveAppendCutoffFallsBackWhenNoUsableEndTime`.
#[test]
fn resolve_append_cutoff_falls_back_when_no_usable_end_time() {
    assert_eq!(resolve_append_cutoff_ms(1_000_000, i64::MIN), 1_000_000);
}

/// SCHT:342-349 `testResolveAppendCutoffClampsCorruptMaxValueEndTime`.
#[test]
fn resolve_append_cutoff_clamps_corrupt_max_value_end_time() {
    assert_eq!(resolve_append_cutoff_ms(1_000_000, i64::MAX), 1_000_000);
}

/// SCH:995-1000 around the edges: `min(rough, maxEnd + 1)`, the end of data at 0 admits
/// nothing past 1, and a rough cutoff below the data wins.
#[test]
fn resolve_append_cutoff_is_min_of_rough_and_exclusive_data_end() {
    let rows = [
        (1_000, 0, 1),
        (1_000, 998, 999),
        (1_000, 999, 1_000),
        (1_000, 1_000, 1_000),
        (-5, 10, -5),
        (i64::MAX, i64::MAX - 1, i64::MAX),
    ];
    for (rough_ms, max_end_ms, expected_ms) in rows {
        assert_eq!(
            resolve_append_cutoff_ms(rough_ms, max_end_ms),
            expected_ms,
            "resolve({rough_ms}, {max_end_ms})"
        );
    }
}

/// `WINDOW_START` of EXT:68.
const WINDOW_START_MS: i64 = 1_700_000_000_000;

fn partitions(entries: &[(i64, PartitionInfo)]) -> BTreeMap<i64, PartitionInfo> {
    entries.iter().copied().collect()
}

/// EXT:202-258 `testContiguousEmptyMap`, `testContiguousSingleValid`,
/// `testContiguousChainOfThree`, `testContiguousStopsAtGap`,
/// `testContiguousStopsAtNonValidState`, `testContiguousFromMsAlreadyMissing`, plus
/// VALID-empty counting as VALID (spec §1.6) and a walk from below the first key (TU:111-123).
#[test]
fn contiguous_upper_ms_table() {
    let start = WINDOW_START_MS;
    let b = BUCKET_MS;
    let ok = valid(FP1, OLD_MS);
    let bad = stale(FP1, OLD_MS);
    let empty = valid(PartitionFingerprint::EMPTY, OLD_MS);
    let rows: Vec<(&str, i64, BTreeMap<i64, PartitionInfo>, i64)> = vec![
        ("testContiguousEmptyMap", start, partitions(&[]), start),
        (
            "testContiguousSingleValid",
            start,
            partitions(&[(start, ok)]),
            start + b,
        ),
        (
            "testContiguousChainOfThree",
            start,
            partitions(&[(start, ok), (start + b, ok), (start + 2 * b, ok)]),
            start + 3 * b,
        ),
        (
            "testContiguousStopsAtGap",
            start,
            partitions(&[(start, ok), (start + 2 * b, ok)]),
            start + b,
        ),
        (
            "testContiguousStopsAtNonValidState",
            start,
            partitions(&[(start, ok), (start + b, bad)]),
            start + b,
        ),
        (
            "testContiguousFromMsAlreadyMissing",
            start,
            partitions(&[(start + b, ok)]),
            start,
        ),
        (
            "VALID-empty counts as VALID",
            start,
            partitions(&[(start, empty), (start + b, ok)]),
            start + 2 * b,
        ),
        (
            "keys off the walk's grid are not visited",
            start,
            partitions(&[(start, ok), (start + b + 1, ok)]),
            start + b,
        ),
        (
            "a walk from below the first key stays put",
            start - b,
            partitions(&[(start, ok)]),
            start - b,
        ),
    ];
    for (name, from_ms, map, expected_ms) in rows {
        assert_eq!(
            compute_contiguous_upper_ms(from_ms, &map, b),
            expected_ms,
            "{name}"
        );
    }
}

/// TU:112 `Preconditions.checkArgument(bucketMs > 0)`.
#[test]
#[should_panic(expected = "bucketMs > 0")]
fn contiguous_upper_ms_rejects_a_non_positive_bucket() {
    compute_contiguous_upper_ms(0, &BTreeMap::new(), 0);
}

/// `deletePartition(TABLE, bucket)` (PM:445-463) through
/// [`crate::operation::apply_operation`] on `before` at `version`.
fn delete_partition(
    before: Option<RuntimeMetadata>,
    version: i32,
    window_start_ms: i64,
) -> crate::operation::OperationOutcome {
    crate::operation::apply_operation(
        &config("post", None),
        before,
        version,
        Mutation::DeletePartition { window_start_ms },
        Writer::PostCritical,
        &[],
    )
}

/// PMT:426-440 `testDeletePartitionRemovesEntry`: one `set` at the fetched version 6.
#[test]
fn delete_partition_removes_entry() {
    let before = runtime(W1, &[(W0, stale(FP1, OLD_MS)), (W1, valid(FP2, OLD_MS))]);
    let outcome = delete_partition(Some(before), 6, W0);
    assert_eq!(outcome.end, CasEnd::Committed);
    assert_eq!(outcome.writes.len(), 1);
    assert_eq!(outcome.writes[0].expected_version, 6);
    let persisted = &outcome.writes[0].update.partitions;
    assert!(
        !persisted.contains_key(&W0),
        "deleted bucket no longer present"
    );
    assert!(persisted.contains_key(&W1), "untouched bucket remains");
}

/// PMT:442-450 `testDeletePartitionNoOpWhenAbsent`: no `set`.
#[test]
fn delete_partition_no_op_when_absent() {
    let outcome = delete_partition(Some(runtime(W0, &[])), 0, W0);
    assert_eq!(outcome.end, CasEnd::NoOp(NoOp::Lenient));
    assert!(outcome.writes.is_empty());
}

/// PMT:452-460 `testDeletePartitionNoOpWhenRuntimeMissing`: no `set`.
#[test]
fn delete_partition_no_op_when_runtime_missing() {
    let outcome = delete_partition(None, 0, W0);
    assert_eq!(outcome.end, CasEnd::NoOp(NoOp::Lenient));
    assert!(outcome.writes.is_empty());
}

#[test]
fn fix_f5_mark_budget_is_the_key_but_never_below_128() {
    let mut config = Config::base("t", profile("post+fix-f5"));
    for (key, expected) in [(1, 128), (2, 128), (128, 128), (500, 500)] {
        config.critical_max_attempts = key;
        assert_eq!(Writer::for_mark_stale(&config), Writer::PostMarkStale);
        assert_eq!(
            Writer::PostMarkStale.max_attempts(&config),
            expected,
            "key {key}"
        );
        assert_eq!(Writer::PostCritical.max_attempts(&config), key, "key {key}");
    }
    let post = Config::base("t", profile("post"));
    assert_eq!(Writer::for_mark_stale(&post), Writer::PostCritical);
}

/// `strict_preconditions_fire_only_by_design` restates the strict preconditions from the
/// Javadoc (`properties::strict_precondition`); on every entry shape a strict operation can
/// read (no znode, absent, STALE, VALID with its own value, VALID with another
/// fingerprint) and an empty and a non-empty source window, `post`'s manager throws exactly
/// where the restatement says the precondition fails.
#[test]
fn the_restated_strict_preconditions_agree_with_the_manager() {
    let config = config("post", None);
    let shapes: Vec<Option<RuntimeMetadata>> = vec![
        None,
        Some(runtime(W0, &[])),
        Some(runtime(W0, &[(W0, stale(FP1, OLD_MS))])),
        Some(runtime(W0, &[(W0, valid(FP1, OLD_MS))])),
        Some(runtime(W0, &[(W0, valid(FP2, OLD_MS))])),
        Some(runtime(
            W0,
            &[(W0, valid(PartitionFingerprint::EMPTY, OLD_MS))],
        )),
        Some(runtime(
            W0,
            &[(W0, stale(PartitionFingerprint::EMPTY, OLD_MS))],
        )),
    ];
    let ops = [
        append(W0, FP1),
        refresh(W0, FP1),
        clear(W0),
        Mutation::ClearStaleFingerprint {
            window_start_ms: W0,
        },
    ];
    let mut judged = 0;
    for source in [PartitionFingerprint::EMPTY, FP2] {
        let supplier = |_: i64| source;
        let inputs = MutateInputs {
            config: &config,
            refresh_time_ms: NOW_MS,
            source_window: &supplier,
        };
        for op in &ops {
            for cur in &shapes {
                let (holds, found) = crate::properties::strict_precondition(op, cur.as_ref())
                    .expect("a strict operation");
                let threw = matches!(mutate(op, cur.as_ref(), &inputs), Mutated::Violation(_));
                assert_eq!(
                    threw, !holds,
                    "{op:?} on {cur:?} (found {found:?}, source {source:?})"
                );
                judged += 1;
            }
        }
    }
    assert_eq!(judged, 2 * 4 * 7);
    // The lenient operations have no strict precondition to restate.
    assert!(crate::properties::strict_precondition(
        &Mutation::MarkStale { buckets: vec![W0] },
        None
    )
    .is_none());
}
