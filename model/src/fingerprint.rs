//! Window fingerprints, byte for byte as Pinot computes them (spec §1.5.1).
//!
//! Pinot summarises the source segments that overlap a bucket's window as a
//! [`PartitionFingerprint`]: the number of overlapping segments and a Guava
//! `farmHashFingerprint64` over their sorted `(name, crc)` pairs. Post has one implementation,
//! `MaterializedViewTaskUtils.computeWindowFingerprint` (TU:212-236), shared by the scheduler,
//! the executor and the consistency-manager sweep; pre had two byte-identical private copies
//! (pre:SCH:993-1029, pre:EX:645-663). Both versions therefore agree on every value, and an
//! empty overlap hashes to [`PartitionFingerprint::EMPTY`] in both (PF:43-62).
//!
//! The algorithm:
//! 1. keep segments with `startTimeMs < windowEndMs && endTimeMs >= windowStartMs` (TU:218);
//! 2. none left: return `EMPTY` (TU:224-226);
//! 3. sort by segment name with Java `String.compareTo`, i.e. UTF-16 code-unit order (TU:227);
//! 4. hash, per segment, `utf8(name) ‖ 0x00 ‖ le_i64(crc) ‖ 0x0A` (TU:229-234) with one
//!    hasher. Guava's FarmHash hasher buffers everything, so the result is FarmHash
//!    `Fingerprint64` of the concatenation, read as a signed `long` (`asLong()`).
//!
//! `model/tests/fingerprint_golden.rs` checks this module against vectors that
//! `scripts/guava-vectors.sh` computes with Guava itself.

use crate::partition::{segment_overlaps_window, PartitionFingerprint, SourceSegment};
use std::cmp::Ordering;

/// Guava `Hashing.farmHashFingerprint64().hashBytes(bytes).asLong()`: FarmHash
/// `Fingerprint64` reinterpreted as a signed long (no byte swap).
///
/// Uses crate `farmhash2` (renamed `farmhash`), which matches Guava on all lengths; the
/// original `farmhash` crate is wrong for lengths that are multiples of 64 and >= 128
/// (TOOLCHAIN-NOTES "FarmHash and Guava").
pub fn farm_fingerprint64(bytes: &[u8]) -> i64 {
    farmhash::fingerprint64(bytes) as i64
}

/// Java `String.compareTo` order: lexicographic over UTF-16 code units (TU:227).
///
/// This equals Rust's `str` (UTF-8 byte, i.e. code-point) order except when the first
/// differing characters are one supplementary character (>= U+10000, encoded from a
/// surrogate 0xD800-0xDBFF) and one in U+E000..=U+FFFF: Java puts the supplementary
/// character first. A proper prefix sorts first in both orders.
pub fn java_string_cmp(a: &str, b: &str) -> Ordering {
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    // Back up to the start of the character that contains the first differing byte
    // (both strings share the bytes before it, so they share that boundary too).
    let mut start = common;
    while !a.is_char_boundary(start) {
        start -= 1;
    }
    match (a[start..].chars().next(), b[start..].chars().next()) {
        (Some(x), Some(y)) => utf16_char_cmp(x, y),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

/// Compares two characters by their UTF-16 encodings (UTF-16 is prefix-free, so the first
/// differing character decides the order of the whole strings).
fn utf16_char_cmp(x: char, y: char) -> Ordering {
    let mut x_units = [0u16; 2];
    let mut y_units = [0u16; 2];
    let x_units: &[u16] = x.encode_utf16(&mut x_units);
    let y_units: &[u16] = y.encode_utf16(&mut y_units);
    x_units.cmp(y_units)
}

/// The engine's view of one source segment for fingerprinting: the `SegmentZKMetadata`
/// fields `getSegmentName()`, `getStartTimeMs()`, `getEndTimeMs()` (inclusive) and
/// `getCrc()` (spec §1.1), borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentRef<'a> {
    /// `getSegmentName()`.
    pub name: &'a str,
    /// `getStartTimeMs()`; `-1` when unset.
    pub start_time_ms: i64,
    /// `getEndTimeMs()`, inclusive; `-1` when unset.
    pub end_time_ms: i64,
    /// `getCrc()`; `-1` by default.
    pub crc: i64,
}

impl<'a> From<&'a SourceSegment> for SegmentRef<'a> {
    fn from(segment: &'a SourceSegment) -> SegmentRef<'a> {
        SegmentRef {
            name: &segment.name,
            start_time_ms: segment.start_time_ms,
            end_time_ms: segment.end_time_ms,
            crc: segment.crc,
        }
    }
}

/// Appends the bytes Pinot feeds to the hasher for already-sorted `(name, crc)` pairs
/// (TU:229-234: `putString(name, UTF_8)`, `putByte(0)`, `putLong(crc)` little-endian,
/// `putByte('\n')`) to `buffer`, and returns the number of pairs.
pub fn append_fingerprint_bytes<'a>(
    sorted_segments: impl IntoIterator<Item = (&'a str, i64)>,
    buffer: &mut Vec<u8>,
) -> usize {
    let mut count = 0;
    for (name, crc) in sorted_segments {
        buffer.extend_from_slice(name.as_bytes());
        buffer.push(0x00);
        buffer.extend_from_slice(&crc.to_le_bytes());
        buffer.push(b'\n');
        count += 1;
    }
    count
}

/// The hasher input for already-sorted `(name, crc)` pairs, as one byte vector (see
/// [`append_fingerprint_bytes`]).
pub fn fingerprint_bytes<'a>(sorted_segments: impl IntoIterator<Item = (&'a str, i64)>) -> Vec<u8> {
    let mut buffer = Vec::new();
    append_fingerprint_bytes(sorted_segments, &mut buffer);
    buffer
}

/// Fingerprint of `(name, crc)` pairs that are already in Java `String.compareTo` order
/// (TU:227-235): `(count, farmHashFingerprint64(bytes))`, or
/// [`PartitionFingerprint::EMPTY`] for zero pairs (TU:224-226).
///
/// The caller is responsible for the order; [`compute_window_fingerprint`] sorts.
pub fn fingerprint_of_sorted<'a>(
    sorted_segments: impl IntoIterator<Item = (&'a str, i64)>,
) -> PartitionFingerprint {
    let mut buffer = Vec::with_capacity(256);
    let count = append_fingerprint_bytes(sorted_segments, &mut buffer);
    if count == 0 {
        return PartitionFingerprint::EMPTY;
    }
    PartitionFingerprint {
        segment_count: i32::try_from(count).expect("segment count fits a Java int"),
        crc: farm_fingerprint64(&buffer),
    }
}

/// A runtime whose `buckets` are all VALID with the fingerprint of their window over
/// `source` (a state as if every bucket had just been materialized), at `watermark_ms`.
pub fn materialized_runtime(
    source: &[crate::partition::SourceSegment],
    buckets: &[i64],
    bucket_ms: i64,
    watermark_ms: i64,
) -> crate::partition::RuntimeMetadata {
    let partitions = buckets
        .iter()
        .map(|bucket| {
            let fingerprint = compute_window_fingerprint(
                source.iter().map(SegmentRef::from),
                *bucket,
                bucket + bucket_ms,
            );
            let info = crate::partition::PartitionInfo {
                state: crate::partition::PartitionState::Valid,
                fingerprint,
                last_refresh_time_ms: 0,
            };
            (*bucket, info)
        })
        .collect();
    crate::partition::RuntimeMetadata {
        watermark_ms,
        partitions,
    }
}

/// `MaterializedViewTaskUtils.computeWindowFingerprint(allSegments, windowStartMs,
/// windowEndMs)` (TU:212-236; pre:SCH:993-1029 and pre:EX:645-663 compute the same value).
///
/// Keeps the segments overlapping `[window_start_ms, window_end_ms)` (TU:218), sorts them
/// by name in Java order with a stable sort like Java's `List.sort` (TU:227; segment names
/// are unique in ZK, so stability only matters for malformed input), and hashes them.
pub fn compute_window_fingerprint<'a>(
    segments: impl IntoIterator<Item = SegmentRef<'a>>,
    window_start_ms: i64,
    window_end_ms: i64,
) -> PartitionFingerprint {
    let mut overlapping: Vec<SegmentRef<'a>> = segments
        .into_iter()
        .filter(|segment| {
            segment_overlaps_window(
                segment.start_time_ms,
                segment.end_time_ms,
                window_start_ms,
                window_end_ms,
            )
        })
        .collect();
    overlapping.sort_by(|x, y| java_string_cmp(x.name, y.name));
    fingerprint_of_sorted(
        overlapping
            .iter()
            .map(|segment| (segment.name, segment.crc)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(name: &str, start_time_ms: i64, end_time_ms: i64, crc: i64) -> SegmentRef<'_> {
        SegmentRef {
            name,
            start_time_ms,
            end_time_ms,
            crc,
        }
    }

    fn fp(segment_count: i32, crc: i64) -> PartitionFingerprint {
        PartitionFingerprint { segment_count, crc }
    }

    #[test]
    fn spec_table_1_5_1() {
        assert_eq!(fingerprint_of_sorted([]), PartitionFingerprint::EMPTY);
        assert_eq!(PartitionFingerprint::EMPTY, fp(0, -7286425919675154353));
        assert_eq!(
            fingerprint_of_sorted([("orders_OFFLINE_0", 1234567890)]),
            fp(1, 2595331089187586119)
        );
        assert_eq!(
            fingerprint_of_sorted([("seg_a", 111), ("seg_b", 222)]),
            fp(2, 489059178717853054)
        );
        assert_eq!(
            fingerprint_of_sorted([("seg_a", 222), ("seg_b", 111)]),
            fp(2, 3531682677179719321)
        );
        assert_eq!(
            fingerprint_of_sorted([("s", -1)]),
            fp(1, -5008433718021208767)
        );
    }

    #[test]
    fn empty_constant_is_farmhash_of_no_bytes_and_not_zero() {
        assert_eq!(farm_fingerprint64(b""), PartitionFingerprint::EMPTY.crc);
        assert_ne!(PartitionFingerprint::EMPTY, fp(0, 0));
        assert_eq!(
            PartitionFingerprint::EMPTY.crc as u64,
            0x9ae1_6a3b_2f90_404f
        );
    }

    #[test]
    fn toolchain_vectors() {
        assert_eq!(farm_fingerprint64(&[b'a'; 128]), -4747627967806356490);
        assert_eq!(farm_fingerprint64(&[b'a'; 192]), -3225629899330117175);
        assert_eq!(farm_fingerprint64(b""), -7286425919675154353);
        assert_eq!(farm_fingerprint64(b"hello world"), 6381520714923946011);
    }

    #[test]
    fn byte_layout_is_name_nul_le_crc_newline() {
        let bytes = fingerprint_bytes([("ab", 0x0102_0304_0506_0708), ("é", -1)]);
        let expected: Vec<u8> = [
            &b"ab\x00"[..],
            &[8, 7, 6, 5, 4, 3, 2, 1],
            b"\n",
            "é".as_bytes(),
            b"\x00",
            &[0xff; 8],
            b"\n",
        ]
        .concat();
        assert_eq!(bytes, expected);
    }

    #[test]
    fn window_filter_is_half_open_with_inclusive_segment_end() {
        let day_ms = 86_400_000;
        let segments = [
            at("seg_a", day_ms, day_ms, 111),         // start == windowStart: in
            at("seg_b", 0, day_ms, 222),              // end == windowStart: in
            at("seg_c", 2 * day_ms, 3 * day_ms, 333), // start == windowEnd: out
            at("seg_d", 0, day_ms - 1, 444),          // ends before: out
            at("seg_e", -1, -1, 555),                 // unset times: out
        ];
        let fingerprint = compute_window_fingerprint(segments, day_ms, 2 * day_ms);
        assert_eq!(fingerprint, fp(2, 489059178717853054));
    }

    #[test]
    fn window_fingerprint_sorts_and_handles_empty_overlap() {
        let unsorted = [at("seg_b", 0, 0, 222), at("seg_a", 0, 0, 111)];
        assert_eq!(
            compute_window_fingerprint(unsorted, 0, 1),
            fp(2, 489059178717853054)
        );
        assert_eq!(
            compute_window_fingerprint(unsorted, 1, 2),
            PartitionFingerprint::EMPTY
        );
        assert_eq!(
            compute_window_fingerprint([], 0, 1),
            PartitionFingerprint::EMPTY
        );
    }

    #[test]
    fn segment_ref_from_source_segment() {
        let segment = SourceSegment {
            name: "s".to_string(),
            start_time_ms: 1,
            end_time_ms: 2,
            crc: -1,
        };
        assert_eq!(SegmentRef::from(&segment), at("s", 1, 2, -1));
    }

    #[test]
    fn java_order_puts_supplementary_before_high_bmp() {
        // U+10000 is the surrogate pair D800 DC00 in UTF-16; U+FF61 is one unit FF61.
        let supplementary = "\u{10000}";
        let halfwidth = "\u{FF61}";
        assert_eq!(java_string_cmp(supplementary, halfwidth), Ordering::Less);
        assert_eq!(supplementary.cmp(halfwidth), Ordering::Greater);
        assert_eq!(
            java_string_cmp("\u{E000}", "seg_\u{1F600}"),
            Ordering::Greater
        );
        assert_eq!(java_string_cmp("x\u{1F600}", "x\u{E000}"), Ordering::Less);
    }

    #[test]
    fn java_order_agrees_with_str_order_elsewhere() {
        let cases = [
            ("", ""),
            ("", "a"),
            ("a", "b"),
            ("ab", "a"),
            ("seg_10", "seg_9"),
            ("café", "cafe"),
            ("事件_0", "事件_1"),
            ("\u{1F600}", "\u{1F601}"),
            ("\u{10000}", "\u{1F600}"),
            ("\u{D7FF}", "\u{E000}"),
            ("é", "\u{10000}"),
        ];
        for (a, b) in cases {
            assert_eq!(java_string_cmp(a, b), a.cmp(b), "{a:?} vs {b:?}");
            assert_eq!(java_string_cmp(b, a), b.cmp(a), "{b:?} vs {a:?}");
        }
    }

    #[test]
    fn java_order_matches_encode_utf16_comparison() {
        let names = [
            "",
            "a",
            "A",
            "z",
            "é",
            "\u{FF61}",
            "\u{FF61}a",
            "\u{E000}",
            "\u{FFFF}",
            "\u{10000}",
            "\u{10000}a",
            "\u{1F600}",
            "\u{10FFFF}",
            "事件",
            "a\u{FF61}",
            "a\u{10000}",
        ];
        for a in names {
            for b in names {
                let expected = a.encode_utf16().cmp(b.encode_utf16());
                assert_eq!(java_string_cmp(a, b), expected, "{a:?} vs {b:?}");
            }
        }
    }
}
