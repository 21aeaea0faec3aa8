//! The persisted per-bucket state of one materialized view: [`PartitionState`],
//! [`PartitionFingerprint`], [`PartitionInfo`] and the runtime record
//! [`RuntimeMetadata`] (watermark + bucket map), plus the window arithmetic that every
//! actor shares (spec §1.2-§1.6).
//!
//! Identical in both engine versions: the ZNRecord layout did not change in PR #18642
//! (spec §1.2). Only `PartitionFingerprint::EMPTY` is new in post (PF:61-62), and pre
//! already produced the same value for an empty overlap (spec §1.5).

use crate::shared::Shared;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `PartitionState` (PS:41-43). "Absent" is modelled as "no map entry", as in Pinot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PartitionState {
    /// `VALID("V")`: the MV segments of the bucket reflect the source fingerprint.
    Valid,
    /// `STALE("S")`: the source changed; the scheduler will OVERWRITE or DELETE.
    Stale,
}

impl PartitionState {
    /// The one-letter code Pinot persists (PS:42-43).
    pub fn code(self) -> &'static str {
        match self {
            PartitionState::Valid => "V",
            PartitionState::Stale => "S",
        }
    }

    /// Inverse of [`PartitionState::code`]; `None` for an unknown code (PS:55-63 throws).
    pub fn from_code(code: &str) -> Option<PartitionState> {
        match code {
            "V" => Some(PartitionState::Valid),
            "S" => Some(PartitionState::Stale),
            _ => None,
        }
    }
}

/// `PartitionFingerprint` (PF:64-83): the number of source segments overlapping a window
/// and the FarmHash Fingerprint64 over their sorted (name, crc) pairs (spec §1.5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartitionFingerprint {
    /// `_segmentCount` (Java `int`).
    pub segment_count: i32,
    /// `_crcChecksum` (Java `long`): the FarmHash fingerprint, despite its name.
    pub crc: i64,
}

impl PartitionFingerprint {
    /// `PartitionFingerprint.EMPTY` (PF:61-62): `(0, farmHashFingerprint64(""))`.
    pub const EMPTY: PartitionFingerprint = PartitionFingerprint {
        segment_count: 0,
        crc: -7286425919675154353,
    };

    /// `encode()` (PF:99-101): `"<segmentCount>,<crc>"`.
    pub fn encode(&self) -> String {
        format!("{},{}", self.segment_count, self.crc)
    }

    /// True when no source segment overlapped the window (I10: `segmentCount == 0`).
    pub fn is_empty_window(&self) -> bool {
        self.segment_count == 0
    }
}

/// `PartitionInfo` (PI): state, fingerprint and `lastRefreshTime` (wall-clock ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartitionInfo {
    pub state: PartitionState,
    pub fingerprint: PartitionFingerprint,
    /// No guard reads this; the checker canonicalises it to 0 (see `Config::record_refresh_time`).
    pub last_refresh_time_ms: i64,
}

impl PartitionInfo {
    /// `withState(s)` (PI:89-91): fingerprint and lastRefreshTime are kept.
    pub fn with_state(self, state: PartitionState) -> PartitionInfo {
        PartitionInfo { state, ..self }
    }

    pub fn is_valid(&self) -> bool {
        self.state == PartitionState::Valid
    }

    pub fn is_stale(&self) -> bool {
        self.state == PartitionState::Stale
    }
}

/// `MaterializedViewRuntimeMetadata` (RM): the content of the runtime znode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RuntimeMetadata {
    /// `watermarkMs` simple field; `>= 0` (RM:70).
    pub watermark_ms: i64,
    /// One map field per bucket, keyed by bucket start (RM:107).
    pub partitions: Shared<BTreeMap<i64, PartitionInfo>>,
}

/// One source segment's ZK metadata as the engine reads it (spec §1.1): name, start and
/// inclusive end (both `-1` when the segment has no time), and crc (default `-1`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceSegment {
    pub name: String,
    pub start_time_ms: i64,
    pub end_time_ms: i64,
    pub crc: i64,
}

impl SourceSegment {
    pub fn new(name: &str, start_time_ms: i64, end_time_ms: i64, crc: i64) -> SourceSegment {
        SourceSegment {
            name: name.to_string(),
            start_time_ms,
            end_time_ms,
            crc,
        }
    }
}

/// `floorDiv(x, bucketMs) * bucketMs` (SCH:261, 303, 878).
pub fn align_down(time_ms: i64, bucket_ms: i64) -> i64 {
    assert!(bucket_ms > 0, "bucket_ms must be positive");
    time_ms.div_euclid(bucket_ms) * bucket_ms
}

/// Does a segment with inclusive time range `[start, end]` overlap the half-open window
/// `[window_start, window_end)`? The filter of `computeWindowFingerprint` (TU:218).
pub fn segment_overlaps_window(
    start_time_ms: i64,
    end_time_ms: i64,
    window_start_ms: i64,
    window_end_ms: i64,
) -> bool {
    start_time_ms < window_end_ms && end_time_ms >= window_start_ms
}

/// `computeContiguousUpperMs(fromMs, partitions, bucketMs)` (TU:111-123): walk VALID
/// buckets up from `from_ms`, at most `partitions.len()` steps.
pub fn compute_contiguous_upper_ms(
    from_ms: i64,
    partitions: &BTreeMap<i64, PartitionInfo>,
    bucket_ms: i64,
) -> i64 {
    assert!(
        bucket_ms > 0,
        "computeContiguousUpperMs requires bucketMs > 0"
    );
    let mut cursor = from_ms;
    for _ in 0..partitions.len() {
        match partitions.get(&cursor) {
            Some(info) if info.is_valid() => cursor += bucket_ms,
            _ => return cursor,
        }
    }
    cursor
}

/// `computeMaxSourceEndTimeMs` (SCH:971-980): the max `endTimeMs >= 0`, else `i64::MIN`.
pub fn compute_max_source_end_time_ms<'a>(end_times_ms: impl IntoIterator<Item = &'a i64>) -> i64 {
    end_times_ms
        .into_iter()
        .copied()
        .filter(|end| *end >= 0)
        .max()
        .unwrap_or(i64::MIN)
}

/// `resolveAppendCutoffMs(rough, maxEnd)` (SCH:995-1000): `min(rough, maxEnd + 1)` unless
/// `maxEnd` is a sentinel (`Long.MIN_VALUE` / `Long.MAX_VALUE`), then `rough`.
pub fn resolve_append_cutoff_ms(rough_cutoff_ms: i64, max_source_end_time_ms: i64) -> i64 {
    if max_source_end_time_ms == i64::MIN || max_source_end_time_ms == i64::MAX {
        rough_cutoff_ms
    } else {
        rough_cutoff_ms.min(max_source_end_time_ms + 1)
    }
}
