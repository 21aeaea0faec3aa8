//! Checks `mvsim_model::fingerprint` against golden vectors computed by Guava itself.
//!
//! `tests/data/guava-vectors.json` is the output of `scripts/guava-vectors.sh`, which runs
//! `scripts/guava-vectors/GuavaVectors.java` (Guava `Hashing.farmHashFingerprint64`, mirroring
//! `MaterializedViewTaskUtils.computeWindowFingerprint`, TU:212-236). Regenerate and compare:
//! `scripts/guava-vectors.sh > /tmp/v.json && diff /tmp/v.json model/tests/data/guava-vectors.json`.

use mvsim_model::fingerprint::{
    compute_window_fingerprint, farm_fingerprint64, fingerprint_bytes, fingerprint_of_sorted,
    java_string_cmp, SegmentRef,
};
use mvsim_model::partition::PartitionFingerprint;
use serde::Deserialize;

const GUAVA_VECTORS: &str = include_str!("data/guava-vectors.json");

#[derive(Deserialize)]
struct Vectors {
    spec_table: Vec<SpecCase>,
    raw: Vec<RawCase>,
    windows: Vec<WindowCase>,
}

#[derive(Deserialize)]
struct NamedCrc {
    name: String,
    crc: i64,
}

#[derive(Deserialize)]
struct SpecCase {
    name: String,
    segments: Vec<NamedCrc>,
    segment_count: i32,
    crc: i64,
}

#[derive(Deserialize)]
struct RawCase {
    name: String,
    pattern: String,
    length: usize,
    hex: String,
    fingerprint: i64,
}

#[derive(Deserialize)]
struct Segment {
    name: String,
    #[serde(rename = "startTimeMs")]
    start_time_ms: i64,
    #[serde(rename = "endTimeMs")]
    end_time_ms: i64,
    crc: i64,
}

#[derive(Deserialize)]
struct WindowCase {
    name: String,
    window_start_ms: i64,
    window_end_ms: i64,
    segments: Vec<Segment>,
    hashed_order: Vec<String>,
    hashed_bytes: usize,
    segment_count: i32,
    crc: i64,
}

impl Segment {
    fn as_ref(&self) -> SegmentRef<'_> {
        SegmentRef {
            name: &self.name,
            start_time_ms: self.start_time_ms,
            end_time_ms: self.end_time_ms,
            crc: self.crc,
        }
    }
}

fn vectors() -> Vectors {
    serde_json::from_str(GUAVA_VECTORS).expect("tests/data/guava-vectors.json is valid")
}

fn decode_hex(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd-length hex");
    (0..hex.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(&hex[index..index + 2], 16).expect("hex digit pair"))
        .collect()
}

/// The byte pattern GuavaVectors.java names `pattern`, regenerated independently.
fn pattern_bytes(pattern: &str, length: usize, name: &str) -> Option<Vec<u8>> {
    match pattern {
        "mod251" => Some((0..length).map(|i| ((i * 31 + 7) % 251) as u8).collect()),
        "repeat_a" => Some(vec![b'a'; length]),
        "utf8" => None,
        other => panic!("{name}: unknown pattern {other:?}"),
    }
}

#[test]
fn spec_table_matches_guava() {
    let vectors = vectors();
    assert_eq!(vectors.spec_table.len(), 6);
    for case in &vectors.spec_table {
        let segments = case.segments.iter().map(|segment| SegmentRef {
            name: &segment.name,
            start_time_ms: 0,
            end_time_ms: 0,
            crc: segment.crc,
        });
        let expected = PartitionFingerprint {
            segment_count: case.segment_count,
            crc: case.crc,
        };
        assert_eq!(
            compute_window_fingerprint(segments, 0, 1),
            expected,
            "{}",
            case.name
        );
    }
}

#[test]
fn raw_fingerprint64_matches_guava() {
    let vectors = vectors();
    for case in &vectors.raw {
        let bytes = decode_hex(&case.hex);
        assert_eq!(bytes.len(), case.length, "{}: length", case.name);
        if let Some(expected_bytes) = pattern_bytes(&case.pattern, case.length, &case.name) {
            assert_eq!(bytes, expected_bytes, "{}: pattern", case.name);
        }
        assert_eq!(
            farm_fingerprint64(&bytes),
            case.fingerprint,
            "{}",
            case.name
        );
    }
}

#[test]
fn raw_vectors_cover_the_farmhash_length_branches() {
    let vectors = vectors();
    let lengths: Vec<usize> = vectors.raw.iter().map(|case| case.length).collect();
    for length in [0, 1, 63, 64, 65, 127, 128, 129, 192, 256, 320] {
        assert!(
            lengths.contains(&length),
            "no raw vector of length {length}"
        );
    }
    let hello = vectors.raw.iter().find(|case| case.name == "hello_world");
    assert_eq!(
        hello.expect("hello_world vector").hex,
        "68656c6c6f20776f726c64"
    );
}

#[test]
fn window_fingerprints_match_guava() {
    let vectors = vectors();
    for case in &vectors.windows {
        let expected = PartitionFingerprint {
            segment_count: case.segment_count,
            crc: case.crc,
        };
        let actual = compute_window_fingerprint(
            case.segments.iter().map(Segment::as_ref),
            case.window_start_ms,
            case.window_end_ms,
        );
        assert_eq!(actual, expected, "{}", case.name);
    }
}

/// Rebuilds what Java hashed (filter + `String.compareTo` sort) and checks the order and
/// the byte count Guava reported, so a mismatch points at the sort or the layout.
#[test]
fn window_hash_inputs_match_guava() {
    let vectors = vectors();
    for case in &vectors.windows {
        let mut overlapping: Vec<&Segment> = case
            .segments
            .iter()
            .filter(|s| {
                s.start_time_ms < case.window_end_ms && s.end_time_ms >= case.window_start_ms
            })
            .collect();
        overlapping.sort_by(|x, y| java_string_cmp(&x.name, &y.name));
        let order: Vec<&str> = overlapping.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(order, case.hashed_order, "{}: hash order", case.name);
        let pairs = || overlapping.iter().map(|s| (s.name.as_str(), s.crc));
        assert_eq!(
            fingerprint_bytes(pairs()).len(),
            case.hashed_bytes,
            "{}",
            case.name
        );
        let expected = PartitionFingerprint {
            segment_count: case.segment_count,
            crc: case.crc,
        };
        assert_eq!(fingerprint_of_sorted(pairs()), expected, "{}", case.name);
    }
}

#[test]
fn window_vectors_cover_utf16_order_and_block_boundaries() {
    let vectors = vectors();
    let order_differs = vectors.windows.iter().any(|case| {
        let mut str_sorted = case.hashed_order.clone();
        str_sorted.sort();
        str_sorted != case.hashed_order
    });
    assert!(
        order_differs,
        "no vector where Java order differs from str order"
    );
    for hashed_bytes in [64, 128, 192, 256, 320] {
        assert!(
            vectors
                .windows
                .iter()
                .any(|case| case.hashed_bytes == hashed_bytes),
            "no window vector hashing exactly {hashed_bytes} bytes"
        );
    }
    let empty = vectors.windows.iter().find(|case| case.segment_count == 0);
    let empty = empty.expect("an empty-overlap vector");
    assert_eq!(empty.crc, PartitionFingerprint::EMPTY.crc);
}
