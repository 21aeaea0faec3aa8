//! Properties of the partition-state writers and of the whole world (spec §2, §4):
//!
//! - (a) the watermark never decreases, whatever sequence of mutations `mutate` applies to
//!   whatever runtime, for post's manager ops and for pre's three writers (spec §4 I2);
//! - (b) post's `appendValid` inserts exactly the given key and moves the watermark only
//!   forward, by the contiguous VALID walk (PM:181-209, TU:111-123);
//! - (c) pre and post agree where the spec says they do: `revertValid` is pre's scheduler
//!   revert (spec §2.2), pre's APPEND put is `appendValid` on an absent bucket (§2.1 vs §2.2),
//!   `markStale` is pre's `markPartitionsDirty` below the watermark, and pre's uncapped
//!   fingerprint copy (pre:SCH:993-1029) equals post's, `EMPTY` included (§1.5);
//! - (d) random walks through the whole world under the post engines never violate the
//!   `Always` properties `watermark_monotonic`, `bucket_keys_aligned`,
//!   `stale_only_from_valid` and `entries_never_removed`.

mod common;

use mvsim_model::fingerprint::{
    compute_window_fingerprint, farm_fingerprint64, fingerprint_bytes, java_string_cmp, SegmentRef,
};
use mvsim_model::manager::{mutate, MutateInputs, Mutated, Mutation, NoOp, Precondition};
use mvsim_model::partition::{
    align_down, compute_contiguous_upper_ms, segment_overlaps_window, PartitionFingerprint,
    PartitionInfo, PartitionState, RuntimeMetadata, SourceSegment,
};
use mvsim_model::properties::{self, Check};
use mvsim_model::{Action, Config, FaultBudget, NoEntropy, Profile, SourceEvent, World};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use std::collections::{BTreeMap, BTreeSet};

/// `Config::base`'s bucket.
const BUCKET_MS: i64 = 100;
/// Bucket keys are drawn from the first `KEY_SLOTS` buckets.
const KEY_SLOTS: i64 = 12;
/// `System.currentTimeMillis()` seen by the mutators.
const NOW_MS: i64 = 4_242;

fn profile(name: &str) -> Profile {
    Profile::by_name(name).expect("the profile exists")
}

fn engine_config(profile_name: &str) -> Config {
    Config::base("model-properties", profile(profile_name))
}

// ─────────────────────────────────────────────────────────────────────────────────────
//  Strategies
// ─────────────────────────────────────────────────────────────────────────────────────

fn fingerprint_strategy() -> impl Strategy<Value = PartitionFingerprint> {
    prop_oneof![
        Just(PartitionFingerprint::EMPTY),
        Just(PartitionFingerprint {
            segment_count: 1,
            crc: 11
        }),
        Just(PartitionFingerprint {
            segment_count: 1,
            crc: 33
        }),
        Just(PartitionFingerprint {
            segment_count: 2,
            crc: -22
        }),
    ]
}

fn info_strategy() -> impl Strategy<Value = PartitionInfo> {
    (any::<bool>(), fingerprint_strategy(), 0..3_i64).prop_map(|(is_valid, fingerprint, time)| {
        PartitionInfo {
            state: if is_valid {
                PartitionState::Valid
            } else {
                PartitionState::Stale
            },
            fingerprint,
            last_refresh_time_ms: time,
        }
    })
}

fn aligned_key() -> impl Strategy<Value = i64> {
    (0..KEY_SLOTS).prop_map(|slot| slot * BUCKET_MS)
}

/// Mostly bucket-aligned keys, sometimes one off the grid (spec §1.6: keys kept after a
/// `bucketTimePeriod` change).
fn key() -> impl Strategy<Value = i64> {
    prop_oneof![9 => aligned_key(), 1 => 0..KEY_SLOTS * BUCKET_MS]
}

fn watermark() -> impl Strategy<Value = i64> {
    prop_oneof![3 => (0..=KEY_SLOTS).prop_map(|slot| slot * BUCKET_MS), 1 => 0..=KEY_SLOTS * BUCKET_MS]
}

fn runtime_with(key: impl Strategy<Value = i64>) -> impl Strategy<Value = RuntimeMetadata> {
    (
        watermark(),
        prop::collection::btree_map(key, info_strategy(), 0..9),
    )
        .prop_map(|(watermark_ms, partitions)| RuntimeMetadata {
            watermark_ms,
            partitions: partitions.into(),
        })
}

fn runtime() -> impl Strategy<Value = RuntimeMetadata> {
    runtime_with(key())
}

fn aligned_runtime() -> impl Strategy<Value = RuntimeMetadata> {
    runtime_with(aligned_key())
}

/// A window length: usually one bucket, sometimes any positive length.
fn window_length() -> impl Strategy<Value = i64> {
    prop_oneof![3 => Just(BUCKET_MS), 1 => 1..3 * BUCKET_MS]
}

fn post_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (key(), window_length(), fingerprint_strategy()).prop_map(|(start, length, fp)| {
            Mutation::AppendValid {
                window_start_ms: start,
                window_end_ms: start + length,
                fingerprint: fp,
            }
        }),
        (key(), fingerprint_strategy()).prop_map(|(start, fp)| Mutation::RefreshValid {
            window_start_ms: start,
            fingerprint: fp,
        }),
        key().prop_map(|start| Mutation::ClearValid {
            window_start_ms: start
        }),
        (key(), prop::option::of(fingerprint_strategy())).prop_map(|(start, expected)| {
            Mutation::RevertValid {
                window_start_ms: start,
                expected,
            }
        }),
        prop::collection::vec(key(), 0..5).prop_map(|buckets| Mutation::MarkStale { buckets }),
    ]
}

fn pre_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (
            key(),
            window_length(),
            fingerprint_strategy(),
            any::<bool>()
        )
            .prop_map(|(start, length, fp, append)| Mutation::PreExecutorPut {
                window_start_ms: start,
                window_end_ms: start + length,
                fingerprint: fp,
                append,
            }),
        key().prop_map(|start| Mutation::PreExecutorRemove {
            window_start_ms: start
        }),
        (-150..1_400_i64, -150..2_000_i64)
            .prop_map(|(start_ms, end_ms)| Mutation::PreMarkDirty { start_ms, end_ms }),
        key().prop_map(|start| Mutation::PreSchedulerRevert {
            window_start_ms: start
        }),
    ]
}

/// The buckets whose live source window has data (`clearValid`'s supplier).
fn backfilled() -> impl Strategy<Value = BTreeSet<i64>> {
    prop::collection::btree_set(key(), 0..4)
}

/// Runs one mutator with a supplier that reports data in the `backfilled` buckets.
fn apply(
    config: &Config,
    mutation: &Mutation,
    cur: Option<&RuntimeMetadata>,
    backfilled: &BTreeSet<i64>,
) -> Mutated {
    let supplier = |bucket: i64| {
        if backfilled.contains(&bucket) {
            PartitionFingerprint {
                segment_count: 1,
                crc: 99,
            }
        } else {
            PartitionFingerprint::EMPTY
        }
    };
    let inputs = MutateInputs {
        config,
        refresh_time_ms: NOW_MS,
        source_window: &supplier,
    };
    mutate(mutation, cur, &inputs)
}

/// Applies `mutations` in order; checks that no write lowers the watermark.
fn watermark_never_decreases(
    config: &Config,
    start: Option<RuntimeMetadata>,
    mutations: &[Mutation],
    backfilled: &BTreeSet<i64>,
) -> Result<(), TestCaseError> {
    let mut cur = start;
    for mutation in mutations {
        let before_ms = cur.as_ref().map_or(0, |runtime| runtime.watermark_ms);
        if let Mutated::Write(update) = apply(config, mutation, cur.as_ref(), backfilled) {
            prop_assert!(
                update.watermark_ms >= before_ms,
                "{} lowered the watermark {} -> {}",
                mutation.name(),
                before_ms,
                update.watermark_ms
            );
            cur = Some(update);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config())]

    /// (a) post: every manager op, in any order, from any runtime.
    #[test]
    fn post_mutations_never_lower_the_watermark(
        start in prop::option::of(runtime()),
        mutations in prop::collection::vec(post_mutation(), 1..24),
        backfilled in backfilled(),
        engine in prop::sample::select(vec!["post", "post-no-delete-guards"]),
    ) {
        watermark_never_decreases(&engine_config(engine), start, &mutations, &backfilled)?;
    }

    /// (a) pre: the blind put/remove, the capped mark and the revert, in any order.
    #[test]
    fn pre_mutations_never_lower_the_watermark(
        start in prop::option::of(runtime()),
        mutations in prop::collection::vec(pre_mutation(), 1..24),
        backfilled in backfilled(),
    ) {
        watermark_never_decreases(&engine_config("pre"), start, &mutations, &backfilled)?;
    }

    /// (b) `appendValid` adds exactly `window_start_ms`, keeps every other entry and key as
    /// it was, and sets the watermark to the end of the contiguous VALID run from the old
    /// watermark in steps of the window length.
    #[test]
    fn append_valid_adds_the_given_key_and_walks_the_watermark_forward(
        cur in prop::option::of(runtime()),
        start_ms in key(),
        length_ms in window_length(),
        fingerprint in fingerprint_strategy(),
    ) {
        let config = engine_config("post");
        let mutation = Mutation::AppendValid {
            window_start_ms: start_ms,
            window_end_ms: start_ms + length_ms,
            fingerprint,
        };
        let result = apply(&config, &mutation, cur.as_ref(), &BTreeSet::new());
        let Some(cur) = cur else {
            prop_assert_eq!(result, Mutated::Violation(Precondition::NoRuntime));
            return Ok(());
        };
        match cur.partitions.get(&start_ms) {
            Some(existing) if existing.is_valid() && existing.fingerprint == fingerprint => {
                prop_assert_eq!(result, Mutated::NoOp(NoOp::AlreadyValid));
            }
            Some(_) => prop_assert_eq!(result, Mutated::Violation(Precondition::BucketPresent)),
            None => {
                let Mutated::Write(update) = result else {
                    return Err(TestCaseError::fail(format!("absent bucket not written: {result:?}")));
                };
                let mut expected = cur.partitions.clone();
                expected.make_mut().insert(start_ms, PartitionInfo {
                    state: PartitionState::Valid,
                    fingerprint,
                    last_refresh_time_ms: NOW_MS,
                });
                prop_assert_eq!(&update.partitions, &expected);
                let watermark_ms = update.watermark_ms;
                prop_assert!(watermark_ms >= cur.watermark_ms);
                prop_assert_eq!((watermark_ms - cur.watermark_ms) % length_ms, 0);
                // Every step of the walk crossed a VALID bucket, and it stopped at a bucket
                // that is absent or STALE.
                let mut cursor = cur.watermark_ms;
                while cursor < watermark_ms {
                    prop_assert!(update.partitions.get(&cursor).is_some_and(PartitionInfo::is_valid));
                    cursor += length_ms;
                }
                prop_assert!(!update.partitions.get(&watermark_ms).is_some_and(PartitionInfo::is_valid));
                prop_assert_eq!(
                    watermark_ms,
                    compute_contiguous_upper_ms(cur.watermark_ms, &update.partitions, length_ms)
                );
            }
        }
    }

    /// (c) post `revertValid` (PM:360-380) == pre `persistPartitionStateChangeWithRetry(..,
    /// VALID)` (pre:SCH:390-448) on every snapshot.
    #[test]
    fn revert_valid_equals_pre_scheduler_revert(
        cur in prop::option::of(runtime()),
        start_ms in key(),
    ) {
        let post = apply(
            &engine_config("post"),
            &Mutation::RevertValid { window_start_ms: start_ms, expected: None },
            cur.as_ref(),
            &BTreeSet::new(),
        );
        let pre = apply(
            &engine_config("pre"),
            &Mutation::PreSchedulerRevert { window_start_ms: start_ms },
            cur.as_ref(),
            &BTreeSet::new(),
        );
        prop_assert_eq!(post, pre);
    }

    /// (c) pre's APPEND put (pre:EX:549-565) == post `appendValid` (PM:181-209) whenever the
    /// znode exists and the bucket is absent.
    #[test]
    fn pre_append_put_equals_append_valid_on_an_absent_bucket(
        cur in runtime(),
        start_ms in key(),
        length_ms in window_length(),
        fingerprint in fingerprint_strategy(),
    ) {
        prop_assume!(!cur.partitions.contains_key(&start_ms));
        let post = apply(
            &engine_config("post"),
            &Mutation::AppendValid {
                window_start_ms: start_ms,
                window_end_ms: start_ms + length_ms,
                fingerprint,
            },
            Some(&cur),
            &BTreeSet::new(),
        );
        let pre = apply(
            &engine_config("pre"),
            &Mutation::PreExecutorPut {
                window_start_ms: start_ms,
                window_end_ms: start_ms + length_ms,
                fingerprint,
                append: true,
            },
            Some(&cur),
            &BTreeSet::new(),
        );
        prop_assert!(matches!(post, Mutated::Write(_)));
        prop_assert_eq!(post, pre);
    }

    /// (c) post `markStale(keys)` (PM:405-436) == pre `markPartitionsDirty(start, end)`
    /// (pre:CM:375-462) when `keys` are exactly the existing keys of the range after pre's
    /// watermark cap, so that every marked key is at most the watermark.
    #[test]
    fn mark_stale_equals_pre_mark_dirty_below_the_watermark(
        cur in prop::option::of(aligned_runtime()),
        start_ms in -150..1_400_i64,
        span_ms in 0..1_500_i64,
    ) {
        let end_ms = start_ms + span_ms;
        let pre = apply(
            &engine_config("pre"),
            &Mutation::PreMarkDirty { start_ms, end_ms },
            cur.as_ref(),
            &BTreeSet::new(),
        );
        let capped_end_ms = end_ms.min(cur.as_ref().map_or(0, |runtime| runtime.watermark_ms));
        if cur.is_none() || capped_end_ms < start_ms {
            prop_assert_eq!(pre, Mutated::NoOp(NoOp::Lenient));
            return Ok(());
        }
        let buckets: Vec<i64> = cur
            .as_ref()
            .map(|runtime| {
                runtime
                    .partitions
                    .range(align_down(start_ms, BUCKET_MS)..=capped_end_ms)
                    .map(|(bucket, _)| *bucket)
                    .collect()
            })
            .unwrap_or_default();
        let post = apply(
            &engine_config("post"),
            &Mutation::MarkStale { buckets },
            cur.as_ref(),
            &BTreeSet::new(),
        );
        prop_assert_eq!(post, pre);
    }

    /// (c) pre's private fingerprint copies hash even an empty overlap (pre:SCH:993-1029);
    /// post short-circuits it to `EMPTY` (TU:224-226). They agree on every input.
    #[test]
    fn pre_fingerprint_copy_equals_post_fingerprint(
        segments in segments(),
        window_start_ms in -100..600_i64,
        length_ms in 1..300_i64,
    ) {
        let window_end_ms = window_start_ms + length_ms;
        let post = compute_window_fingerprint(
            segments.iter().map(SegmentRef::from),
            window_start_ms,
            window_end_ms,
        );
        let pre = pre_window_fingerprint(&segments, window_start_ms, window_end_ms);
        prop_assert_eq!(post, pre);
    }

    /// (c) an empty overlap is `EMPTY` in both versions (PF:43-62).
    #[test]
    fn empty_overlap_is_empty_in_pre_and_post(
        segments in segments(),
        window_start_ms in -100..600_i64,
        length_ms in 1..300_i64,
    ) {
        let window_end_ms = window_start_ms + length_ms;
        let outside: Vec<SourceSegment> = segments
            .into_iter()
            .filter(|segment| {
                !segment_overlaps_window(
                    segment.start_time_ms,
                    segment.end_time_ms,
                    window_start_ms,
                    window_end_ms,
                )
            })
            .collect();
        let post = compute_window_fingerprint(
            outside.iter().map(SegmentRef::from),
            window_start_ms,
            window_end_ms,
        );
        prop_assert_eq!(post, PartitionFingerprint::EMPTY);
        prop_assert_eq!(
            pre_window_fingerprint(&outside, window_start_ms, window_end_ms),
            PartitionFingerprint::EMPTY
        );
    }
}

fn segments() -> impl Strategy<Value = Vec<SourceSegment>> {
    let name = prop::sample::select(vec!["a", "b", "seg_a", "seg_b", "\u{E9}t\u{E9}", "z"]);
    let times = prop_oneof![
        (-1..700_i64, 0..400_i64).prop_map(|(start, span)| (start, start + span)),
        Just((-1, -1)),
    ];
    prop::collection::btree_map(name, (times, any::<i64>()), 0..6).prop_map(|map| {
        map.into_iter()
            .map(|(name, ((start, end), crc))| SourceSegment {
                name: name.to_string(),
                start_time_ms: start,
                end_time_ms: end,
                crc,
            })
            .collect()
    })
}

/// pre's `computeWindowFingerprint` copy (pre:SCH:993-1029, pre:EX:645-665): filter, sort
/// by Java order, hash every overlapping segment, with no short-circuit for an empty overlap.
fn pre_window_fingerprint(
    segments: &[SourceSegment],
    window_start_ms: i64,
    window_end_ms: i64,
) -> PartitionFingerprint {
    let mut overlapping: Vec<&SourceSegment> = segments
        .iter()
        .filter(|segment| {
            segment.start_time_ms < window_end_ms && segment.end_time_ms >= window_start_ms
        })
        .collect();
    overlapping.sort_by(|x, y| java_string_cmp(&x.name, &y.name));
    let bytes = fingerprint_bytes(
        overlapping
            .iter()
            .map(|segment| (segment.name.as_str(), segment.crc)),
    );
    PartitionFingerprint {
        segment_count: i32::try_from(overlapping.len()).expect("few segments"),
        crc: farm_fingerprint64(&bytes),
    }
}

// ─────────────────────────────────────────────────────────────────────────────────────
//  (d) Random walks through the whole world
// ─────────────────────────────────────────────────────────────────────────────────────

fn refresh(name: &str, crc: i64) -> SourceEvent {
    SourceEvent::Refresh {
        segment: name.to_string(),
        crc,
    }
}

/// VALID entries for `buckets` with the fingerprint of their window over `source`.
fn materialized(source: &[SourceSegment], buckets: &[i64], watermark_ms: i64) -> RuntimeMetadata {
    mvsim_model::fingerprint::materialized_runtime(source, buckets, BUCKET_MS, watermark_ms)
}

/// Small worlds, each a story from spec §5, under one engine profile.
fn world_config(story: usize, profile_name: &str) -> Config {
    let mut config = Config::base("model-properties", profile(profile_name));
    config.start_ms = 1_400;
    config.staleness_threshold_ms = 150;
    config.max_tasks_per_batch = 2;
    match story {
        // Retention delete, then a backfill into the deleted bucket (spec §5.2, §5.3).
        0 => {
            config.initial_source = vec![
                SourceSegment::new("s0", 900, 999, 10),
                SourceSegment::new("s1", 1000, 1199, 11),
            ];
            config.initial_runtime = Some(materialized(
                &config.initial_source,
                &[900, 1000, 1100],
                1200,
            ));
            config.script = vec![
                SourceEvent::delete("s1"),
                SourceEvent::upload("s2", 1100, 1150, 12),
            ];
        }
        // APPENDs in flight racing an upload and a same-crc refresh (a false positive),
        // with a transient register error and a lost ack.
        1 => {
            config.initial_source = vec![SourceSegment::new("s1", 1000, 1399, 1)];
            config.initial_runtime = Some(RuntimeMetadata {
                watermark_ms: 1000,
                partitions: BTreeMap::new().into(),
            });
            config.script = vec![SourceEvent::upload("s3", 1000, 1050, 3), refresh("s1", 1)];
            config.faults = FaultBudget {
                transient_errors: 1,
                lost_acks: 1,
                ..FaultBudget::default()
            };
        }
        // Cold start from an unaligned segment, a clock tick, task failures and timeouts.
        _ => {
            config.initial_source = vec![SourceSegment::new("s1", 1050, 1250, 1)];
            config.script = vec![
                SourceEvent::upload("s2", 1250, 1420, 2),
                refresh("s1", 5),
                SourceEvent::delete("s2"),
            ];
            config.clock_ticks_max = 1;
            config.faults = FaultBudget {
                task_failures: 1,
                task_timeouts: 1,
                ..FaultBudget::default()
            };
        }
    }
    config.finish().expect("a valid world configuration")
}

const WORLD_PROPERTIES: [&str; 4] = [
    "watermark_monotonic",
    "bucket_keys_aligned",
    "stale_only_from_valid",
    "entries_never_removed",
];

fn check_world(config: &Config, world: &World, trace: &[Action]) -> Result<(), TestCaseError> {
    for name in WORLD_PROPERTIES {
        let property = properties::by_name(name).expect("a registered property");
        let Check::State(check) = property.check else {
            panic!("{name} is a state property");
        };
        prop_assert!(
            check(config, world),
            "{} violated under {} after {:?}",
            name,
            config.profile,
            trace
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config())]

    /// (d) proptest picks the enabled action at every step.
    #[test]
    fn random_world_walks_keep_the_always_properties(
        story in 0..3_usize,
        engine in prop::sample::select(vec!["post", "post-no-delete-guards", "post-no-sweep"]),
        choices in prop::collection::vec(any::<Index>(), 1..120),
    ) {
        let config = world_config(story, engine);
        let mut world = World::initial(&config);
        let mut trace = Vec::new();
        let mut actions = Vec::new();
        check_world(&config, &world, &trace)?;
        for choice in choices {
            actions.clear();
            world.actions(&config, &mut actions);
            if actions.is_empty() {
                break;
            }
            let action = actions[choice.index(actions.len())].clone();
            world.step(&config, &action, &mut NoEntropy);
            trace.push(action);
            check_world(&config, &world, &trace)?;
        }
    }
}

/// The walks above reach the interesting states: commits, marks, DELETEs and retries.
#[test]
fn random_world_walks_reach_commits_marks_and_deletes() {
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::new(common::proptest_config());
    let mut reached = BTreeSet::new();
    let milestones = [
        "reach_append_committed",
        "reach_stale_marked",
        "reach_delete_committed",
        "reach_cas_retried",
    ];
    for _ in 0..256 {
        let story = (0..3_usize).new_tree(&mut runner).expect("story").current();
        let config = world_config(story, "post");
        let choices = prop::collection::vec(any::<Index>(), 120)
            .new_tree(&mut runner)
            .expect("choices")
            .current();
        let mut world = World::initial(&config);
        let mut actions = Vec::new();
        for choice in choices {
            actions.clear();
            world.actions(&config, &mut actions);
            if actions.is_empty() {
                break;
            }
            let action = actions[choice.index(actions.len())].clone();
            world.step(&config, &action, &mut NoEntropy);
            for name in milestones {
                let property = properties::by_name(name).expect("a registered property");
                if let Check::State(check) = property.check {
                    if check(&config, &world) {
                        reached.insert(name);
                    }
                }
            }
        }
    }
    assert_eq!(reached, milestones.into_iter().collect::<BTreeSet<_>>());
}

/// A segment whose start is after its end (bad metadata) must not crash the CM flush:
/// post:CM:638-644 filters existing keys and finds no candidate.
#[test]
fn flush_of_an_inverted_range_finds_no_candidate() {
    use mvsim_model::partition::{PartitionFingerprint, PartitionInfo, PartitionState};
    use mvsim_model::{Action, NoEntropy, RegisterFault, World};
    let mut config =
        mvsim_model::Config::base("inverted", mvsim_model::Profile::by_name("post").unwrap());
    let mut runtime = mvsim_model::RuntimeMetadata {
        watermark_ms: 1000,
        partitions: Default::default(),
    };
    runtime.partitions.make_mut().insert(
        100,
        PartitionInfo {
            state: PartitionState::Valid,
            fingerprint: PartitionFingerprint::EMPTY,
            last_refresh_time_ms: 0,
        },
    );
    config.initial_runtime = Some(runtime);
    config.script = vec![mvsim_model::SourceEvent::Upload {
        segment: "s1".into(),
        start_time_ms: 250,
        end_time_ms: 120,
        crc: 1,
    }];
    let config = config.finish().unwrap();
    let mut world = World::initial(&config);
    let upload = Action::SourceUpload {
        segment: 0,
        start_ms: 250,
        end_ms: 120,
        crc: 1,
    };
    world.step(&config, &upload, &mut NoEntropy);
    let flush = Action::ConsistencyManagerFlush {
        fault: RegisterFault::None,
    };
    world.step(&config, &flush, &mut NoEntropy);
    assert!(world.consistency.work.is_none(), "no candidate, no mark");
}
