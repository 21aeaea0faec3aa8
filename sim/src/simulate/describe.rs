//! One-line details of a violated property: what in the failing state breaks it, in the
//! trace's notation (`fp(count:last 4 hex)`, `EMPTY`, `V`/`S`). The trace says how the run got
//! there; the detail says what to look at.

use crate::trace::{describe_action, fingerprint};
use mvsim_model::partition::{align_down, PartitionFingerprint};
use mvsim_model::quiescence::Settled;
use mvsim_model::{Config, World};

/// The detail of an `Always` property violated in `world` (empty when the failing step's
/// trace line says it all: the history properties read ghost bits of that step's write).
pub fn state_detail(property: &str, config: &Config, world: &World) -> String {
    match property {
        "watermark_within_source_data" => format!(
            "watermark {} > max source end seen {} + 1 (ahead by {} ms)",
            world.watermark_ms(),
            world.ghost.max_source_end_seen_ms,
            world.watermark_ms() - world.ghost.max_source_end_seen_ms - 1
        ),
        "broker_freshness_honest" => broker_detail(config, world),
        "bucket_keys_aligned" => world
            .runtime()
            .and_then(|runtime| {
                runtime
                    .partitions
                    .keys()
                    .find(|bucket| bucket.rem_euclid(config.bucket_ms) != 0)
                    .map(|bucket| {
                        format!(
                            "bucket key {bucket} is not a multiple of {}",
                            config.bucket_ms
                        )
                    })
            })
            .unwrap_or_default(),
        "one_exclusive_in_flight" => {
            let running: Vec<String> = world
                .jobs
                .iter()
                .flat_map(|job| &job.tasks)
                .filter(|task| task.is_running_exclusive())
                .map(|task| {
                    format!(
                        "{}[{}]",
                        task.config.mode.name(),
                        task.config.window_start_ms
                    )
                })
                .collect();
            format!("running: {}", running.join(", "))
        }
        _ => String::new(),
    }
}

fn broker_detail(config: &Config, world: &World) -> String {
    let max_end_ms = world.max_source_end_ms();
    let newest = if max_end_ms == i64::MIN {
        "the source has no dated segment".to_string()
    } else {
        format!(
            "newest source data ends at {max_end_ms}, {} ms ago",
            world.now_ms - (max_end_ms + 1)
        )
    };
    format!(
        "broker watermark {} is {} ms old (threshold {} ms) so the MV is called fresh, but {newest}",
        world.broker.cache_watermark_ms,
        world.now_ms - world.broker.cache_watermark_ms,
        config.staleness_threshold_ms
    )
}

/// The detail of a `Quiescent` property violated at the settled state.
pub fn settled_detail(property: &str, config: &Config, settled: &Settled) -> String {
    match property {
        "settles" if settled.world.ghost.model_panic.is_some() => format!(
            "the MODEL PANICKED after {} settle steps: {}",
            settled.steps,
            settled
                .world
                .ghost
                .model_panic
                .as_deref()
                .unwrap_or_default()
        ),
        "settles" => {
            let pending: Vec<String> = settled
                .still_active
                .iter()
                .rev()
                .take(6)
                .map(|action| describe_action(config, &settled.world, action))
                .collect();
            format!(
                "no fixpoint after {} settle steps; still active: {}",
                settled.steps,
                pending.join("; ")
            )
        }
        "quiescent_buckets_match_source" | "quiescent_mv_data_matches_source" => {
            mismatches(property, config, &settled.world)
        }
        _ => String::new(),
    }
}

/// Buckets below the watermark whose entry (or MV data) disagrees with the source.
fn mismatches(property: &str, config: &Config, world: &World) -> String {
    let found = mismatched_buckets(property, config, world);
    let shown: Vec<&str> = found
        .iter()
        .take(4)
        .map(|(_, text)| text.as_str())
        .collect();
    let more = if found.len() > shown.len() {
        format!(" (+{} more)", found.len() - shown.len())
    } else {
        String::new()
    };
    format!(
        "below watermark {}: {}{more}",
        world.watermark_ms(),
        shown.join(", ")
    )
}

/// The defects of a bucket-level quiescent property in a settled state, as
/// `"<bucket> <kind>"` (empty for other properties). Shrinking keeps the first of them, so
/// the shrunk trace shows the same defect, not merely the same property.
pub fn defects(property: &str, config: &Config, settled: &Settled) -> Vec<String> {
    match property {
        "quiescent_buckets_match_source" | "quiescent_mv_data_matches_source" => {
            let world = &settled.world;
            mismatched_buckets(property, config, world)
                .into_iter()
                .map(|(bucket, _)| {
                    format!("{bucket} {}", defect_kind(property, config, world, bucket))
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

fn defect_kind(property: &str, config: &Config, world: &World, bucket: i64) -> &'static str {
    let live = world.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
    if property == "quiescent_mv_data_matches_source" {
        let served = world.mv_data.get(&bucket);
        return match (served, live.is_empty_window()) {
            (None, _) => "mv-missing-data",
            (Some(_), true) => "mv-extra-data",
            (Some(_), false) => "mv-wrong-data",
        };
    }
    match world
        .runtime()
        .and_then(|runtime| runtime.partitions.get(&bucket))
    {
        None => "absent",
        Some(info) if info.is_stale() => "stale",
        Some(_) => "valid-wrong-fingerprint",
    }
}

fn mismatched_buckets(property: &str, config: &Config, world: &World) -> Vec<(i64, String)> {
    let watermark_ms = world.watermark_ms();
    let first_ms = world
        .runtime()
        .and_then(|runtime| runtime.partitions.keys().next().copied())
        .into_iter()
        .chain(
            world
                .source
                .iter()
                .filter(|segment| segment.start_ms >= 0)
                .map(|segment| align_down(segment.start_ms, config.bucket_ms)),
        )
        .min()
        .unwrap_or(watermark_ms);
    let mut found = Vec::new();
    let mut bucket = align_down(first_ms, config.bucket_ms);
    while bucket < watermark_ms {
        let live = world.source_window_fingerprint(config, bucket, bucket + config.bucket_ms);
        if let Some(text) = bucket_mismatch(property, world, bucket, live) {
            found.push((bucket, text));
        }
        bucket += config.bucket_ms;
    }
    found
}

fn bucket_mismatch(
    property: &str,
    world: &World,
    bucket: i64,
    live: PartitionFingerprint,
) -> Option<String> {
    if property == "quiescent_mv_data_matches_source" {
        let served = world
            .mv_data
            .get(&bucket)
            .copied()
            .unwrap_or(PartitionFingerprint::EMPTY);
        return (served != live).then(|| {
            format!(
                "[{bucket}] MV holds {} but the source is {}",
                fingerprint(&served),
                fingerprint(&live)
            )
        });
    }
    if live.is_empty_window() {
        return None;
    }
    let entry = world
        .runtime()
        .and_then(|runtime| runtime.partitions.get(&bucket));
    match entry {
        Some(info) if info.is_valid() && info.fingerprint == live => None,
        Some(info) => Some(format!(
            "[{bucket}] {} {} but the source is {}",
            info.state.code(),
            fingerprint(&info.fingerprint),
            fingerprint(&live)
        )),
        None => Some(format!(
            "[{bucket}] absent but the source is {}",
            fingerprint(&live)
        )),
    }
}
