//! The runtime znode codec against Pinot's own bytes (`tests/data/znrecord-samples.json`,
//! produced with Helix 2.0.0's `ZNRecordSerializer` over `MaterializedViewRuntimeMetadata`),
//! plus its rejections (PI:107-121, PS:55-63, RM:70), tolerances (RM:113-135) and the source
//! segment JSON format (spec §1.1).

mod common;

use mvsim_model::partition::{
    PartitionFingerprint, PartitionInfo, PartitionState, RuntimeMetadata, SourceSegment,
};
use mvsim_model::znrecord::{
    runtime_from_znrecord_json, runtime_from_znrecord_json_as_pinot,
    runtime_from_znrecord_json_with_warnings, runtime_to_znrecord_json, segments_from_json,
    segments_to_json, ZnRecordError,
};
use proptest::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;

const SAMPLES: &str = include_str!("data/znrecord-samples.json");

#[derive(Deserialize)]
struct Samples {
    samples: Vec<Sample>,
}

#[derive(Deserialize)]
struct Sample {
    name: String,
    runtime: SampleRuntime,
    serialized: String,
    serialized_utf8_length: usize,
    znrecord: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SampleRuntime {
    id: String,
    watermark_ms: i64,
    partitions: BTreeMap<String, SamplePartition>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SamplePartition {
    state: String,
    segment_count: i32,
    crc: i64,
    last_refresh_time: i64,
}

fn samples() -> Vec<Sample> {
    let samples: Samples = serde_json::from_str(SAMPLES).expect("samples file is valid JSON");
    assert_eq!(samples.samples.len(), 4);
    samples.samples
}

fn expected_runtime(sample: &SampleRuntime) -> RuntimeMetadata {
    let partitions = sample.partitions.iter().map(|(key, partition)| {
        let info = PartitionInfo {
            state: PartitionState::from_code(&partition.state).expect("sample state code"),
            fingerprint: PartitionFingerprint {
                segment_count: partition.segment_count,
                crc: partition.crc,
            },
            last_refresh_time_ms: partition.last_refresh_time,
        };
        (key.parse::<i64>().expect("sample keys are numeric"), info)
    });
    RuntimeMetadata {
        watermark_ms: sample.watermark_ms,
        partitions: partitions.collect(),
    }
}

fn parse(text: &str) -> Result<(String, RuntimeMetadata), ZnRecordError> {
    runtime_from_znrecord_json(text)
}

fn parse_ok(text: &str) -> RuntimeMetadata {
    match parse(text) {
        Ok((_, runtime)) => runtime,
        Err(error) => panic!("expected {text:?} to parse, got: {error}"),
    }
}

fn info(
    state: PartitionState,
    segment_count: i32,
    crc: i64,
    last_refresh_time_ms: i64,
) -> PartitionInfo {
    PartitionInfo {
        state,
        fingerprint: PartitionFingerprint { segment_count, crc },
        last_refresh_time_ms,
    }
}

// ------------------------------------------------------------------------- samples

#[test]
fn samples_parse_to_their_runtime() {
    for sample in samples() {
        let (id, runtime) = parse(&sample.serialized).expect(&sample.name);
        assert_eq!(id, sample.runtime.id, "{}", sample.name);
        assert_eq!(
            runtime,
            expected_runtime(&sample.runtime),
            "{}",
            sample.name
        );
    }
}

#[test]
fn samples_serialise_byte_identically() {
    for sample in samples() {
        let runtime = expected_runtime(&sample.runtime);
        let written = runtime_to_znrecord_json(&sample.runtime.id, &runtime);
        assert_eq!(written, sample.serialized, "{}", sample.name);
        assert_eq!(
            written.len(),
            sample.serialized_utf8_length,
            "{}",
            sample.name
        );
    }
}

/// Readers must not depend on key order or whitespace: the samples' `znrecord` objects,
/// re-serialised compactly with keys in another order, parse to the same runtime.
#[test]
fn samples_parse_regardless_of_layout() {
    for sample in samples() {
        let compact = serde_json::to_string(&sample.znrecord).expect("re-serialise");
        let (id, runtime) = parse(&compact).expect(&sample.name);
        assert_eq!(id, sample.runtime.id, "{}", sample.name);
        assert_eq!(
            runtime,
            expected_runtime(&sample.runtime),
            "{}",
            sample.name
        );
    }
}

#[test]
fn empty_overlap_sample_carries_the_empty_fingerprint() {
    let sample = samples()
        .into_iter()
        .find(|s| s.name == "valid_empty_sweep_fixture");
    let runtime = parse_ok(&sample.expect("sample present").serialized);
    assert_eq!(
        runtime.partitions[&0].fingerprint,
        PartitionFingerprint::EMPTY
    );
}

// ------------------------------------------------------------------------- rejections

/// A record with one partition map field `key` whose inner map is `inner` (JSON text).
fn with_partition(key: &str, inner: &str) -> String {
    format!(
        r#"{{"id":"v","simpleFields":{{"watermarkMs":"0"}},"mapFields":{{"{key}":{inner}}},"listFields":{{}}}}"#
    )
}

fn with_watermark(watermark: &str) -> String {
    format!(r#"{{"id":"v","simpleFields":{{"watermarkMs":{watermark}}},"mapFields":{{}}}}"#)
}

const FULL_INNER: &str = r#"{"state":"V","segmentCount":"1","crc":"2","lastRefreshTime":"3"}"#;

fn rejection_cases() -> Vec<(&'static str, String, &'static str)> {
    vec![
        (
            "missing crc",
            with_partition(
                "86400000",
                r#"{"state":"V","segmentCount":"1","lastRefreshTime":"1"}"#,
            ),
            r#"mapFields."86400000": missing required key "crc""#,
        ),
        (
            "missing state",
            with_partition(
                "0",
                r#"{"segmentCount":"1","crc":"1","lastRefreshTime":"1"}"#,
            ),
            r#"mapFields."0": missing required key "state""#,
        ),
        (
            "missing segmentCount",
            with_partition("0", r#"{"state":"S","crc":"1","lastRefreshTime":"1"}"#),
            r#"mapFields."0": missing required key "segmentCount""#,
        ),
        (
            "missing lastRefreshTime",
            with_partition("0", r#"{"state":"S","segmentCount":"1","crc":"1"}"#),
            r#"mapFields."0": missing required key "lastRefreshTime""#,
        ),
        (
            "empty inner map",
            with_partition("-86400000", "{}"),
            r#"mapFields."-86400000": missing required key "state""#,
        ),
        (
            "unknown state",
            with_partition(
                "0",
                r#"{"state":"X","segmentCount":"1","crc":"2","lastRefreshTime":"3"}"#,
            ),
            r#"mapFields."0".state: unknown state code "X" (expected "V" or "S")"#,
        ),
        (
            "lower-case state",
            with_partition(
                "0",
                r#"{"state":"v","segmentCount":"1","crc":"2","lastRefreshTime":"3"}"#,
            ),
            r#"mapFields."0".state: unknown state code "v" (expected "V" or "S")"#,
        ),
        (
            "state name not code",
            with_partition(
                "0",
                r#"{"state":"VALID","segmentCount":"1","crc":"2","lastRefreshTime":"3"}"#,
            ),
            r#"mapFields."0".state: unknown state code "VALID" (expected "V" or "S")"#,
        ),
        (
            "segmentCount beyond int",
            with_partition(
                "0",
                r#"{"state":"V","segmentCount":"2147483648","crc":"2","lastRefreshTime":"3"}"#,
            ),
            r#"mapFields."0".segmentCount: not a decimal int: "2147483648""#,
        ),
        (
            "crc hex",
            with_partition(
                "0",
                r#"{"state":"V","segmentCount":"1","crc":"0x10","lastRefreshTime":"3"}"#,
            ),
            r#"mapFields."0".crc: not a decimal long: "0x10""#,
        ),
        (
            "crc beyond long",
            with_partition(
                "0",
                r#"{"state":"V","segmentCount":"1","crc":"9223372036854775808","lastRefreshTime":"3"}"#,
            ),
            r#"mapFields."0".crc: not a decimal long: "9223372036854775808""#,
        ),
        (
            "lastRefreshTime empty",
            with_partition(
                "0",
                r#"{"state":"V","segmentCount":"1","crc":"2","lastRefreshTime":""}"#,
            ),
            r#"mapFields."0".lastRefreshTime: not a decimal long: """#,
        ),
        (
            "crc as JSON number",
            with_partition(
                "0",
                r#"{"state":"V","segmentCount":"1","crc":2,"lastRefreshTime":"3"}"#,
            ),
            r#"mapFields."0".crc: expected a JSON string, found number"#,
        ),
        (
            "unknown inner key of wrong type",
            with_partition(
                "0",
                r#"{"state":"V","segmentCount":"1","crc":"2","lastRefreshTime":"3","x":[]}"#,
            ),
            r#"mapFields."0".x: expected a JSON string, found array"#,
        ),
        (
            "inner map is a string",
            with_partition("0", r#""V,1,2,3""#),
            r#"mapFields."0": expected a JSON object, found string"#,
        ),
        (
            "negative watermark",
            with_watermark(r#""-5""#),
            "simpleFields.watermarkMs: negative watermark -5",
        ),
        (
            "watermark not numeric",
            with_watermark(r#""abc""#),
            r#"simpleFields.watermarkMs: not a decimal long: "abc""#,
        ),
        (
            "watermark with space",
            with_watermark(r#"" 5""#),
            r#"simpleFields.watermarkMs: not a decimal long: " 5""#,
        ),
        (
            "watermark decimal point",
            with_watermark(r#""1.5""#),
            r#"simpleFields.watermarkMs: not a decimal long: "1.5""#,
        ),
        (
            "watermark as JSON number",
            with_watermark("5"),
            "simpleFields.watermarkMs: expected a JSON string, found number",
        ),
        (
            "watermark null",
            with_watermark("null"),
            "simpleFields.watermarkMs: expected a JSON string, found null",
        ),
        (
            "unknown simple field of wrong type",
            r#"{"id":"v","simpleFields":{"watermarkMs":"1","a b":{}}}"#.to_string(),
            r#"simpleFields."a b": expected a JSON string, found object"#,
        ),
        (
            "unknown inner key with odd name",
            with_partition(
                "0",
                r#"{"state":"V","segmentCount":"1","crc":"2","lastRefreshTime":"3","x\ny":1}"#,
            ),
            r#"mapFields."0"."x\ny": expected a JSON string, found number"#,
        ),
        (
            "missing id",
            r#"{"simpleFields":{},"mapFields":{},"listFields":{}}"#.to_string(),
            r#"top level: missing required key "id""#,
        ),
        (
            "id not a string",
            r#"{"id":7}"#.to_string(),
            "id: expected a JSON string, found number",
        ),
        (
            "top level array",
            "[]".to_string(),
            "top level: expected a JSON object, found array",
        ),
        (
            "simpleFields null",
            r#"{"id":"v","simpleFields":null}"#.to_string(),
            "simpleFields: expected a JSON object, found null",
        ),
        (
            "mapFields array",
            r#"{"id":"v","mapFields":[]}"#.to_string(),
            "mapFields: expected a JSON object, found array",
        ),
        (
            "listFields value not array",
            r#"{"id":"v","listFields":{"x":"y"}}"#.to_string(),
            r#"listFields."x": expected a JSON array, found string"#,
        ),
        (
            "listFields item not string",
            r#"{"id":"v","listFields":{"x":["a",1]}}"#.to_string(),
            r#"listFields."x"[1]: expected a JSON string, found number"#,
        ),
        (
            "legacy partitionInfos of wrong type",
            with_partition("partitionInfos", "[]"),
            r#"mapFields."partitionInfos": expected a JSON object, found array"#,
        ),
        (
            "key with newline is quoted",
            with_partition("a\\nb", "7"),
            r#"mapFields."a\nb": expected a JSON object, found number"#,
        ),
        (
            "empty input",
            String::new(),
            "invalid JSON at line 1 column 0: EOF while parsing a value",
        ),
        (
            "truncated",
            "{\n  \"id\" : \"v\",\n  \"simpleFields\" : {\n".to_string(),
            "invalid JSON at line 4 column 0: EOF while parsing an object",
        ),
        (
            "missing value",
            "{\n  \"id\" : \"v\",\n  \"mapFields\" : ,\n}".to_string(),
            "invalid JSON at line 3 column 17: expected value",
        ),
        (
            "trailing characters",
            format!("{} x", with_watermark(r#""0""#)),
            "invalid JSON at line 1 column 62: trailing characters",
        ),
    ]
}

#[test]
fn rejections_name_the_problem_in_one_line() {
    for (name, input, expected) in rejection_cases() {
        let error = parse(&input).expect_err(name);
        assert_eq!(error.message, expected, "{name}");
        assert_eq!(error.to_string(), expected, "{name}: Display");
        assert!(!error.message.contains('\n'), "{name}: message is one line");
    }
}

#[test]
fn rejection_inputs_are_otherwise_valid() {
    // Guards the table: replacing the bad part with a good one makes each helper parse.
    assert!(parse(&with_partition("0", FULL_INNER)).is_ok());
    assert!(parse(&with_watermark(r#""5""#)).is_ok());
}

/// Pinot's own reader fails or reads differently; `tests/znrecord_corpus.rs` checks it
/// against outcomes recorded by running Pinot. Here: it never accepts with a different
/// reading what the strict reader accepts, and its errors are one line too.
#[test]
fn pinot_reader_errors_are_one_line() {
    for (name, input, _) in rejection_cases() {
        if let Err(error) = runtime_from_znrecord_json_as_pinot(&input) {
            assert!(!error.message.contains('\n'), "{name}");
        }
    }
}

#[test]
fn pinot_reads_a_malformed_watermark_as_zero() {
    let text = format!(
        r#"{{"id":"v","simpleFields":{{"watermarkMs":"1e9"}},"mapFields":{{"0":{FULL_INNER}}}}}"#
    );
    let read = runtime_from_znrecord_json_as_pinot(&text).expect("Pinot reads it");
    assert_eq!(read.runtime.watermark_ms, 0);
    assert_eq!(read.runtime.partitions.len(), 1);
    assert_eq!(
        read.warnings,
        vec![
            r#"simpleFields.watermarkMs: "1e9" is not a Java long; Pinot reads the watermark as 0"#
        ]
    );
    let error = parse(&text).expect_err("strict reader rejects it");
    assert_eq!(
        error.message,
        r#"simpleFields.watermarkMs: not a decimal long: "1e9""#
    );
}

#[test]
fn pinot_skips_a_bucket_with_a_malformed_number() {
    let bad_crc = r#"{"state":"V","segmentCount":"1","crc":"0x10","lastRefreshTime":"3"}"#;
    let bad_count = r#"{"state":"S","segmentCount":"-2147483649","crc":"1","lastRefreshTime":"3"}"#;
    let text = format!(
        r#"{{"id":"v","mapFields":{{"0":{bad_crc},"86400000":{FULL_INNER},"172800000":{bad_count}}}}}"#
    );
    let read = runtime_from_znrecord_json_as_pinot(&text).expect("Pinot reads it");
    let expected = BTreeMap::from([(86_400_000, info(PartitionState::Valid, 1, 2, 3))]);
    assert_eq!(*read.runtime.partitions, expected);
    assert_eq!(read.warnings.len(), 2, "{:?}", read.warnings);
    // A skipped "+0" does not hide a later valid "0".
    let text = format!(r#"{{"id":"v","mapFields":{{"+0":{bad_crc},"0":{FULL_INNER}}}}}"#);
    let read = runtime_from_znrecord_json_as_pinot(&text).expect("Pinot reads it");
    assert_eq!(
        read.runtime.partitions.keys().copied().collect::<Vec<_>>(),
        vec![0]
    );
}

#[test]
fn pinot_reader_agrees_on_the_samples() {
    for sample in samples() {
        let (id, runtime) = parse(&sample.serialized).expect("strict reads the samples");
        let read = runtime_from_znrecord_json_as_pinot(&sample.serialized).expect("Pinot too");
        assert_eq!(read.id.as_deref(), Some(id.as_str()));
        assert_eq!(read.runtime, runtime);
        assert!(read.warnings.is_empty());
    }
}

// ------------------------------------------------------------------------- tolerances

#[test]
fn missing_watermark_reads_as_zero() {
    assert_eq!(
        parse_ok(r#"{"id":"v","simpleFields":{},"mapFields":{}}"#).watermark_ms,
        0
    );
    assert_eq!(parse_ok(r#"{"id":"v"}"#), RuntimeMetadata::default());
}

#[test]
fn legacy_partition_infos_and_non_numeric_keys_are_skipped() {
    let text = format!(
        r#"{{"id":"v","mapFields":{{"partitionInfos":{{"0":"V,1,2"}},"foo":{{"state":"X"}},"":{{}},
        " 1":{{}},"1e3":{{}},"99999999999999999999":{{}},"7":{FULL_INNER}}}}}"#
    );
    let runtime = parse_ok(&text);
    let expected = BTreeMap::from([(7, info(PartitionState::Valid, 1, 2, 3))]);
    assert_eq!(*runtime.partitions, expected);
}

#[test]
fn skipped_map_keys_are_returned_as_warnings() {
    let text = format!(r#"{{"id":"v","mapFields":{{"day-two":{FULL_INNER},"7":{FULL_INNER}}}}}"#);
    let read = runtime_from_znrecord_json_with_warnings(&text).expect("reads");
    assert_eq!(
        read.runtime.partitions.keys().copied().collect::<Vec<_>>(),
        vec![7]
    );
    assert_eq!(
        read.warnings,
        vec![r#"mapFields."day-two": not a bucket (not a decimal long); skipped, as Pinot does"#]
    );
    let clean = format!(r#"{{"id":"v","mapFields":{{"7":{FULL_INNER}}}}}"#);
    assert!(runtime_from_znrecord_json_with_warnings(&clean)
        .expect("reads")
        .warnings
        .is_empty());
}

#[test]
fn a_negative_segment_count_is_rejected_by_the_strict_reader_only() {
    let inner = r#"{"state":"V","segmentCount":"-1","crc":"2","lastRefreshTime":"3"}"#;
    let text = with_partition("86400000", inner);
    let error = parse(&text).expect_err("a negative count");
    assert_eq!(
        error.message,
        r#"mapFields."86400000".segmentCount: negative segment count -1"#
    );
    // Pinot's Integer.parseInt accepts it (PI:107-121).
    let runtime = runtime_from_znrecord_json_as_pinot(&text)
        .expect("Pinot reads it")
        .runtime;
    assert_eq!(
        runtime.partitions[&86_400_000].fingerprint.segment_count,
        -1
    );
}

#[test]
fn a_segment_ending_before_it_starts_is_rejected() {
    let text = r#"[{"name": "a", "startTimeMs": 200, "endTimeMs": 100}]"#;
    let error = segments_from_json(text).expect_err("backwards");
    assert_eq!(
        error.message,
        "segments[0]: endTimeMs 100 is before startTimeMs 200"
    );
    // A missing time (-1) is not a time: no order to check.
    assert!(segments_from_json(r#"[{"name": "a", "startTimeMs": 200}]"#).is_ok());
    assert!(segments_from_json(r#"[{"name": "a", "startTimeMs": 100, "endTimeMs": 100}]"#).is_ok());
}

#[test]
fn unknown_inner_and_top_level_keys_are_ignored() {
    let text = r#"{"id":"v","deltaList":[],"simpleFields":{"watermarkMs":"86400000","other":"x"},
        "mapFields":{"86400000":{"extra":"?","segmentCount":"7","crc":"-9223372036854775808",
        "lastRefreshTime":"-3","state":"S"}},"listFields":{"l":["a"]}}"#;
    let runtime = parse_ok(text);
    assert_eq!(runtime.watermark_ms, 86_400_000);
    let expected = info(PartitionState::Stale, 7, i64::MIN, -3);
    assert_eq!(
        *runtime.partitions,
        BTreeMap::from([(86_400_000, expected)])
    );
}

#[test]
fn java_parse_long_accepts_a_plus_sign_and_leading_zeros() {
    assert_eq!(parse_ok(&with_watermark(r#""+5""#)).watermark_ms, 5);
    assert_eq!(parse_ok(&with_watermark(r#""-0""#)).watermark_ms, 0);
    let runtime = parse_ok(&with_partition("007", FULL_INNER));
    assert_eq!(
        runtime.partitions.keys().copied().collect::<Vec<_>>(),
        vec![7]
    );
}

/// `"+0"`, `"-0"` and `"0"` all parse to bucket 0. Pinot iterates the map fields in
/// document order (Jackson fills a `LinkedHashMap`, which Helix's setter keeps), so the
/// last in document order wins (corpus: `collide-*`); the strict reader refuses the record.
#[test]
fn colliding_keys_are_refused_strictly_and_the_later_wins_in_pinot() {
    let stale = r#"{"state":"S","segmentCount":"9","crc":"9","lastRefreshTime":"9"}"#;
    let text =
        format!(r#"{{"id":"v","mapFields":{{"0":{FULL_INNER},"+0":{stale},"-0":{FULL_INNER}}}}}"#);
    let error = parse(&text).expect_err("strict reader refuses colliding keys");
    assert_eq!(
        error.message,
        r#"mapFields."-0": denotes bucket 0, as does "+0" (Pinot keeps the later one in document order)"#
    );
    let read = runtime_from_znrecord_json_as_pinot(&text).expect("Pinot reads it");
    assert_eq!(
        *read.runtime.partitions,
        BTreeMap::from([(0, info(PartitionState::Valid, 1, 2, 3))])
    );
    let text = format!(r#"{{"id":"v","mapFields":{{"0":{FULL_INNER},"+0":{stale}}}}}"#);
    let read = runtime_from_znrecord_json_as_pinot(&text).expect("Pinot reads it");
    assert_eq!(read.runtime.partitions[&0].state, PartitionState::Stale);
}

#[test]
fn strict_reader_warns_about_skipped_keys() {
    let text = format!(r#"{{"id":"v","mapFields":{{"foo":{FULL_INNER},"7":{FULL_INNER}}}}}"#);
    let read = runtime_from_znrecord_json_with_warnings(&text).expect("reads");
    assert_eq!(read.runtime.partitions.len(), 1);
    assert_eq!(
        read.warnings,
        vec![r#"mapFields."foo": not a bucket (not a decimal long); skipped, as Pinot does"#]
    );
}

// ------------------------------------------------------------------------- properties

fn partition_info() -> impl Strategy<Value = PartitionInfo> {
    let state = prop_oneof![Just(PartitionState::Valid), Just(PartitionState::Stale)];
    let fingerprint = prop_oneof![
        Just(PartitionFingerprint::EMPTY),
        // A count: the strict reader rejects a negative one.
        (0..=i32::MAX, any::<i64>())
            .prop_map(|(segment_count, crc)| PartitionFingerprint { segment_count, crc }),
    ];
    (state, fingerprint, any::<i64>()).prop_map(|(state, fingerprint, last_refresh_time_ms)| {
        PartitionInfo {
            state,
            fingerprint,
            last_refresh_time_ms,
        }
    })
}

fn runtime() -> impl Strategy<Value = RuntimeMetadata> {
    let watermark_ms = prop_oneof![Just(0), Just(i64::MAX), 0..=i64::MAX];
    let partitions = prop::collection::btree_map(any::<i64>(), partition_info(), 0..8);
    (watermark_ms, partitions).prop_map(|(watermark_ms, partitions)| RuntimeMetadata {
        watermark_ms,
        partitions: partitions.into(),
    })
}

fn segment() -> impl Strategy<Value = SourceSegment> {
    // Times as Pinot returns them: -1 (unset) or positive.
    let time_ms = prop_oneof![Just(-1_i64), 1..=i64::MAX];
    (
        "[a-z_\u{e9}\u{4e8b}\u{1f600}0-9]{1,12}",
        time_ms.clone(),
        time_ms,
        any::<i64>(),
    )
        .prop_map(|(name, first_ms, second_ms, crc)| {
            // Two real times are in order (the reader rejects a segment ending before it
            // starts); -1 pairs with anything.
            let (start_time_ms, end_time_ms) = if first_ms > 0 && second_ms > 0 {
                (first_ms.min(second_ms), first_ms.max(second_ms))
            } else {
                (first_ms, second_ms)
            };
            SourceSegment {
                name,
                start_time_ms,
                end_time_ms,
                crc,
            }
        })
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn runtime_round_trips(id in any::<String>(), runtime in runtime()) {
        let text = runtime_to_znrecord_json(&id, &runtime);
        let (read_id, read_runtime) = parse(&text).map_err(|e| TestCaseError::fail(e.message))?;
        prop_assert_eq!(read_id, id);
        prop_assert_eq!(read_runtime, runtime);
    }

    #[test]
    fn writer_output_is_canonical_json(runtime in runtime()) {
        // Whatever serde_json makes of our text, our reader makes the same runtime of it.
        let text = runtime_to_znrecord_json("mv_OFFLINE", &runtime);
        let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let compact = serde_json::to_string(&value).expect("re-serialise");
        prop_assert_eq!(parse(&compact).map(|(_, r)| r), Ok(runtime));
        prop_assert!(!text.ends_with('\n'));
    }

    #[test]
    fn reader_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = parse(&text);
        let _ = segments_from_json(&text);
    }

    #[test]
    fn reader_never_panics_on_damaged_samples(
        sample in 0..4_usize,
        cut in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let text = samples()[sample].serialized.clone().into_bytes();
        let at = cut.index(text.len());
        let mut damaged = text.clone();
        damaged[at] = byte;
        for bytes in [&text[..at], &damaged[..]] {
            if let Ok(candidate) = std::str::from_utf8(bytes) {
                if let Err(error) = parse(candidate) {
                    prop_assert!(!error.message.contains('\n'));
                }
            }
        }
    }

    #[test]
    fn segments_round_trip(segments in prop::collection::vec(segment(), 0..6)) {
        let mut unique = BTreeMap::new();
        let segments: Vec<SourceSegment> = segments
            .into_iter()
            .filter(|s| unique.insert(s.name.clone(), ()).is_none())
            .collect();
        let text = segments_to_json(&segments);
        prop_assert_eq!(segments_from_json(&text), Ok(segments));
    }
}

// ------------------------------------------------------------------------- segments

fn segment_named(name: &str, start_time_ms: i64, end_time_ms: i64, crc: i64) -> SourceSegment {
    SourceSegment {
        name: name.to_string(),
        start_time_ms,
        end_time_ms,
        crc,
    }
}

#[test]
fn segments_accept_numbers_strings_aliases_and_defaults() {
    let text = r#"[
        {"segmentName": "a", "startTimeMs": 86400000, "endTimeMs": 172799999, "crc": 111},
        {"name": "b", "startTimeMs": "86400000", "endTimeMs": "86400001", "crc": "-5", "x": 1},
        {"segmentName": "c"},
        {"segmentName": "d", "startTimeMs": 0, "endTimeMs": -7, "crc": 0}
    ]"#;
    let expected = vec![
        segment_named("a", 86_400_000, 172_799_999, 111),
        segment_named("b", 86_400_000, 86_400_001, -5),
        segment_named("c", -1, -1, -1),
        segment_named("d", -1, -1, 0),
    ];
    assert_eq!(segments_from_json(text), Ok(expected));
}

#[test]
fn segments_to_json_layout() {
    let text = segments_to_json(&[segment_named("s\u{e9}", 1, 2, -1)]);
    let expected = "[\n  {\n    \"segmentName\": \"s\u{e9}\",\n    \"startTimeMs\": 1,\n    \"endTimeMs\": 2,\n    \"crc\": -1\n  }\n]";
    assert_eq!(text, expected);
    assert_eq!(segments_to_json(&[]), "[]");
}

#[test]
fn segment_rejections_name_the_problem() {
    let cases = [
        (
            r#"{}"#,
            "top level: expected a JSON array of segments, found object",
        ),
        (
            r#"[1]"#,
            "segments[0]: expected a JSON object, found number",
        ),
        (
            r#"[{"crc": 1}]"#,
            r#"segments[0]: missing required key "segmentName""#,
        ),
        (
            r#"[{"segmentName": "a", "name": "a"}]"#,
            r#"segments[0]: both "segmentName" and "name" given; use one"#,
        ),
        (
            r#"[{"segmentName": 5}]"#,
            "segments[0].segmentName: expected a JSON string, found number",
        ),
        (
            r#"[{"name": null}]"#,
            "segments[0].name: expected a JSON string, found null",
        ),
        (
            r#"[{"name": "a"}, {"name": "b"}, {"segmentName": "a"}]"#,
            r#"segments[2]: duplicate segment name "a" (first at segments[0])"#,
        ),
        (
            r#"[{"name": "a", "crc": 1.5}]"#,
            "segments[0].crc: not a 64-bit integer: 1.5",
        ),
        (
            r#"[{"name": "a", "crc": 9223372036854775808}]"#,
            "segments[0].crc: not a 64-bit integer: 9223372036854775808",
        ),
        (
            r#"[{"name": "a", "startTimeMs": "soon"}]"#,
            r#"segments[0].startTimeMs: not a decimal long: "soon""#,
        ),
        (
            r#"[{"name": "a", "endTimeMs": true}]"#,
            "segments[0].endTimeMs: expected an integer or a decimal string, found boolean",
        ),
        (
            "[",
            "invalid JSON at line 1 column 1: EOF while parsing a list",
        ),
    ];
    for (input, expected) in cases {
        let error = segments_from_json(input).expect_err(input);
        assert_eq!(error.message, expected, "{input}");
    }
}

/// A large record (20 000 buckets, about 1.8 MB) reads the same through both readers; the
/// Pinot reader's document-order map is indexed (about a second for the test, three parses).
#[test]
fn large_records_read_alike_through_both_readers() {
    let partitions =
        (0..20_000_i64).map(|index| (index * 86_400_000, info(PartitionState::Valid, 1, 2, 3)));
    let runtime = RuntimeMetadata {
        watermark_ms: 0,
        partitions: partitions.collect::<BTreeMap<_, _>>().into(),
    };
    let text = runtime_to_znrecord_json("v", &runtime);
    assert!(text.len() > 1_000_000);
    assert_eq!(parse_ok(&text), runtime);
    let read = runtime_from_znrecord_json_as_pinot(&text).expect("Pinot reads it");
    assert_eq!(read.runtime, runtime);
}
