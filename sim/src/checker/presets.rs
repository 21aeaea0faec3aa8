//! The bounded configurations `small`, `ci` and `large` (one place, as the TLA+ examples
//! name theirs), each a story from spec §5 with `b = 100`, `stalenessThresholdMs = 150`:
//!
//! - **small**: buckets 900..1100 materialized from `s0[900,999]` and `s1[1000,1199]`,
//!   watermark 1200, clock at 1400 (ingestion stalled since 1199). Script: retention delete
//!   of `s1`, then backfill `s2[1100,1150]`. Exercises bug 1 (pre APPENDs empty windows past
//!   the data tail) and bug 2 (pre DELETE removes the entry; the backfill is lost), the full
//!   post lifecycle STALE -> DELETE -> VALID-empty -> backfill -> STALE -> OVERWRITE, and the
//!   DELETE-branch race (the backfill can land anywhere in the DELETE).
//! - **ci**: small, plus `s1` reaching into bucket 1200 (so an APPEND is in flight), an
//!   upload `s3[1200,1250]` racing that APPEND, a refresh of `s0` with an unchanged crc (a
//!   false-positive STALE the scheduler reverts), one transient register error and one lost
//!   ack. At most a few minutes on 2 cores.
//! - **large**: ci plus one task failure and one Helix timeout (zombie threads) and a clock
//!   tick. Minutes to hours; bound it with `--max-states` / `--timeout`.
//!
//! Finding reproducers (docs/findings), each small enough for a complete search in seconds:
//!
//! - **small-transient** (F3): small plus one transient register error.
//! - **append-race** (F1, F10): ci's race without the backfill and without faults: upload
//!   `s3[1200,1250]` into the in-flight APPEND's window, then delete `s1`.
//! - **revert-race** (F10): small's source; script: a refresh of `s0` with an unchanged crc
//!   (a false-positive STALE the scheduler reverts), then a real change in its window, an
//!   upload `s6[950,960]`.
//! - **ci-budget-2** (F5): ci without faults, `critical_max_attempts = 2`.
//! - **all-deleted** (F6): small's source, both segments retention-deleted.
//! - **orphan-append** (F8): `s1[1000,1299]` reaching into the in-flight APPEND's window
//!   1200, `s4[1300,1350]` keeping the cutoff past it; script: delete `s1`.
//! - **old-backfill** (F9): small's source; script: a backfill `s5[800,850]` older than the
//!   first materialized bucket (900, the cold-start watermark's bucket).
//! - **zombie-append** (F13): `s1[1000,1299]` reaching into bucket 1200 (an APPEND is due),
//!   no script, one Helix timeout: the timed-out APPEND and its re-dispatch.
//! - **zombie-overwrite** (F11): small's source and script (delete `s1`, backfill `s2`),
//!   one Helix timeout: a timed-out DELETE/OVERWRITE and the exclusive task dispatched
//!   beside it.
//! - **append-gap** (F12): small's buckets, data in 1200 and 1300 above the watermark (both
//!   APPENDed in one batch), one task failure: the lower window fails, the upper commits,
//!   and a cycle whose partition read missed that commit re-dispatches both.
//! - **overwrite-rollback** (F14): small's source; script: a backfill `s6[1000,1050]` into
//!   a VALID bucket, then its delete (a rolled-back upload) racing the OVERWRITE.

use mvsim_model::fingerprint::materialized_runtime;
use mvsim_model::partition::SourceSegment;
use mvsim_model::{Config, FaultBudget, Profile, SourceEvent};

/// The preset names, in size order.
pub const PRESETS: [&str; 14] = [
    "small",
    "ci",
    "large",
    "small-transient",
    "append-race",
    "revert-race",
    "ci-budget-2",
    "all-deleted",
    "orphan-append",
    "old-backfill",
    "zombie-append",
    "zombie-overwrite",
    "append-gap",
    "overwrite-rollback",
];

/// Builds a preset for a profile. Errors name the valid presets.
pub fn preset(name: &str, profile: Profile) -> Result<Config, String> {
    let mut config = Config::base(name, profile);
    config.start_ms = 1400;
    config.staleness_threshold_ms = 150;
    config.max_tasks_per_batch = 2;
    // The broker reads the live watermark: sound for the freshness property (broker.rs).
    config.broker_cache_lag = false;
    match name {
        "small" | "small-transient" | "all-deleted" | "old-backfill" | "revert-race"
        | "zombie-overwrite" | "overwrite-rollback" => {
            config.initial_source = vec![
                SourceSegment::new("s0", 900, 999, 10),
                SourceSegment::new("s1", 1000, 1199, 11),
            ];
            config.script = match name {
                "all-deleted" => vec![SourceEvent::delete("s0"), SourceEvent::delete("s1")],
                "old-backfill" => vec![SourceEvent::upload("s5", 800, 850, 15)],
                "overwrite-rollback" => vec![
                    SourceEvent::upload("s6", 1000, 1050, 16),
                    SourceEvent::delete("s6"),
                ],
                "revert-race" => vec![
                    SourceEvent::Refresh {
                        segment: "s0".to_string(),
                        crc: 10,
                    },
                    SourceEvent::upload("s6", 950, 960, 16),
                ],
                _ => vec![
                    SourceEvent::delete("s1"),
                    SourceEvent::upload("s2", 1100, 1150, 12),
                ],
            };
            if name == "small-transient" {
                config.faults.transient_errors = 1;
            }
            if name == "zombie-overwrite" {
                config.faults.task_timeouts = 1;
            }
        }
        "zombie-append" => {
            config.initial_source = vec![
                SourceSegment::new("s0", 900, 999, 10),
                SourceSegment::new("s1", 1000, 1299, 11),
            ];
            config.faults.task_timeouts = 1;
        }
        "append-gap" => {
            config.initial_source = vec![
                SourceSegment::new("s0", 900, 999, 10),
                SourceSegment::new("s1", 1000, 1199, 11),
                SourceSegment::new("s3", 1200, 1299, 13),
                SourceSegment::new("s4", 1300, 1399, 14),
            ];
            config.faults.task_failures = 1;
        }
        "orphan-append" => {
            config.initial_source = vec![
                SourceSegment::new("s0", 900, 999, 10),
                SourceSegment::new("s1", 1000, 1299, 11),
                SourceSegment::new("s4", 1300, 1350, 14),
            ];
            config.script = vec![SourceEvent::delete("s1")];
        }
        "ci-budget-2" | "append-race" => {
            config.initial_source = vec![
                SourceSegment::new("s0", 900, 999, 10),
                SourceSegment::new("s1", 1000, 1299, 11),
            ];
            config.script = vec![
                SourceEvent::upload("s3", 1200, 1250, 13),
                SourceEvent::delete("s1"),
                SourceEvent::upload("s2", 1100, 1150, 12),
            ];
            if name == "append-race" {
                config.script.pop();
            } else {
                config.critical_max_attempts = 2;
            }
        }
        "ci" | "large" => {
            config.initial_source = vec![
                SourceSegment::new("s0", 900, 999, 10),
                SourceSegment::new("s1", 1000, 1299, 11),
            ];
            config.script = vec![
                SourceEvent::upload("s3", 1200, 1250, 13),
                SourceEvent::delete("s1"),
                SourceEvent::upload("s2", 1100, 1150, 12),
            ];
            config.faults = FaultBudget {
                lost_acks: 1,
                ..FaultBudget::default()
            };
            if name == "large" {
                config.script.insert(
                    1,
                    SourceEvent::Refresh {
                        segment: "s0".to_string(),
                        crc: 10,
                    },
                );
                config.faults.transient_errors = 1;
                config.faults.task_failures = 1;
                config.faults.task_timeouts = 1;
                config.clock_ticks_max = 1;
            }
        }
        other => {
            return Err(format!(
                "unknown configuration '{other}' (expected one of: {})",
                PRESETS.join(", ")
            ))
        }
    }
    config.initial_runtime = Some(materialized_runtime(
        &config.initial_source,
        &[900, 1000, 1100],
        config.bucket_ms,
        1200,
    ));
    config.finish()
}
