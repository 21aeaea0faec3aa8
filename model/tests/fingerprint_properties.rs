//! Properties of the window fingerprint (spec §1.5.1, TU:212-236): it is a function of the
//! *set* of overlapping `(name, crc)` pairs, insensitive to input order and to segments
//! outside the window, and sensitive to which crc belongs to which name.

mod common;

use mvsim_model::fingerprint::{
    compute_window_fingerprint, fingerprint_of_sorted, java_string_cmp, SegmentRef,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

const WINDOW_START_MS: i64 = 100;
const WINDOW_END_MS: i64 = 200;

/// Characters that exercise ASCII, 2/3/4-byte UTF-8 and the UTF-16 vs UTF-8 order split
/// (U+E000..U+FFFF against supplementary characters).
fn name_strategy() -> impl Strategy<Value = String> {
    let alphabet = vec![
        'a',
        'b',
        'A',
        '0',
        '_',
        '\u{E9}',
        '\u{4E8B}',
        '\u{E000}',
        '\u{FF61}',
        '\u{FFFF}',
        '\u{10000}',
        '\u{1F600}',
    ];
    prop::collection::vec(prop::sample::select(alphabet), 0..6).prop_map(String::from_iter)
}

/// Unique names, each with a crc.
fn named_crcs(max: usize) -> impl Strategy<Value = BTreeMap<String, i64>> {
    prop::collection::btree_map(name_strategy(), any::<i64>(), 0..max)
}

/// A time range overlapping `[WINDOW_START_MS, WINDOW_END_MS)`.
fn overlapping_range() -> impl Strategy<Value = (i64, i64)> {
    (-1..WINDOW_END_MS, WINDOW_START_MS..400)
}

/// A time range missing the window: starting at or after its end, or ending before its start.
fn outside_range() -> impl Strategy<Value = (i64, i64)> {
    prop_oneof![
        (WINDOW_END_MS..500_i64, WINDOW_END_MS..600_i64),
        (-1..WINDOW_START_MS, -1..WINDOW_START_MS),
        Just((-1, -1)),
    ]
}

#[derive(Clone, Debug)]
struct Owned {
    name: String,
    start_time_ms: i64,
    end_time_ms: i64,
    crc: i64,
}

fn with_ranges(
    named: BTreeMap<String, i64>,
    ranges: impl Strategy<Value = (i64, i64)>,
) -> impl Strategy<Value = Vec<Owned>> {
    let count = named.len();
    prop::collection::vec(ranges, count).prop_map(move |ranges| {
        named
            .iter()
            .zip(ranges)
            .map(|((name, crc), (start_time_ms, end_time_ms))| Owned {
                name: name.clone(),
                start_time_ms,
                end_time_ms,
                crc: *crc,
            })
            .collect()
    })
}

fn fingerprint(segments: &[Owned]) -> mvsim_model::partition::PartitionFingerprint {
    let refs = segments.iter().map(|s| SegmentRef {
        name: &s.name,
        start_time_ms: s.start_time_ms,
        end_time_ms: s.end_time_ms,
        crc: s.crc,
    });
    compute_window_fingerprint(refs, WINDOW_START_MS, WINDOW_END_MS)
}

/// Overlapping segments (1..8 of them) in a shuffled input order.
fn shuffled_overlapping() -> impl Strategy<Value = (Vec<Owned>, Vec<usize>)> {
    named_crcs(8)
        .prop_filter("at least one segment", |named| !named.is_empty())
        .prop_flat_map(|named| with_ranges(named, overlapping_range()))
        .prop_flat_map(|segments| {
            let order: Vec<usize> = (0..segments.len()).collect();
            (Just(segments), Just(order).prop_shuffle())
        })
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn java_string_cmp_is_utf16_code_unit_order(a in name_strategy(), b in name_strategy()) {
        prop_assert_eq!(java_string_cmp(&a, &b), a.encode_utf16().cmp(b.encode_utf16()));
    }

    #[test]
    fn java_string_cmp_matches_utf16_on_arbitrary_strings(a in any::<String>(), b in any::<String>()) {
        prop_assert_eq!(java_string_cmp(&a, &b), a.encode_utf16().cmp(b.encode_utf16()));
        let prefixed = format!("{a}{b}");
        prop_assert_eq!(java_string_cmp(&a, &prefixed), a.encode_utf16().cmp(prefixed.encode_utf16()));
    }

    #[test]
    fn input_order_does_not_matter((segments, order) in shuffled_overlapping()) {
        let shuffled: Vec<Owned> = order.iter().map(|&i| segments[i].clone()).collect();
        prop_assert_eq!(fingerprint(&segments), fingerprint(&shuffled));
    }

    #[test]
    fn equals_reference_sorted_by_utf16((segments, _order) in shuffled_overlapping()) {
        let mut pairs: Vec<(&str, i64)> = segments.iter().map(|s| (s.name.as_str(), s.crc)).collect();
        pairs.sort_by(|x, y| x.0.encode_utf16().cmp(y.0.encode_utf16()));
        prop_assert_eq!(fingerprint(&segments), fingerprint_of_sorted(pairs));
        prop_assert_eq!(fingerprint(&segments).segment_count as usize, segments.len());
    }

    #[test]
    fn segments_outside_the_window_do_not_matter(
        inside in named_crcs(6).prop_flat_map(|named| with_ranges(named, overlapping_range())),
        outside in named_crcs(6).prop_flat_map(|named| with_ranges(named, outside_range())),
    ) {
        let mut all: Vec<Owned> = outside
            .into_iter()
            .map(|s| Owned { name: format!("out{}", s.name), ..s })
            .collect();
        let expected = fingerprint(&inside);
        all.extend(inside);
        prop_assert_eq!(fingerprint(&all), expected);
    }

    #[test]
    fn swapping_crcs_between_names_changes_the_fingerprint(
        (segments, _order) in shuffled_overlapping(),
        first in any::<prop::sample::Index>(),
        second in any::<prop::sample::Index>(),
    ) {
        let (i, j) = (first.index(segments.len()), second.index(segments.len()));
        prop_assume!(segments[i].crc != segments[j].crc);
        let mut swapped = segments.clone();
        swapped[i].crc = segments[j].crc;
        swapped[j].crc = segments[i].crc;
        prop_assert_ne!(fingerprint(&segments), fingerprint(&swapped));
    }

    #[test]
    fn renaming_a_segment_changes_the_fingerprint(
        (segments, _order) in shuffled_overlapping(),
        index in any::<prop::sample::Index>(),
    ) {
        let i = index.index(segments.len());
        let mut renamed = segments.clone();
        renamed[i].name.push_str("_renamed");
        prop_assume!(segments.iter().all(|s| s.name != renamed[i].name));
        prop_assert_ne!(fingerprint(&segments), fingerprint(&renamed));
    }
}
