//! Both runtime readers against the ZNRecord corpus (`tests/data/znrecord-corpus/`): raw
//! znode bytes in `cases/*.znode`, and in `expected.json` what Pinot's own read path made of
//! each, recorded by RUNNING it (`scripts/znrecord-corpus.sh`: Helix 2.0.0
//! `ZNRecordSerializer.deserialize`, Pinot `ca5c042d034` `fromZNRecord`, Jackson 2.19, all
//! compiled from source). CI runs only this test over the committed outcomes.
//!
//! - `runtime_from_znode_bytes_as_pinot` must reproduce every recorded outcome.
//! - The strict reader may refuse anything, with one clear line, but whatever it accepts it
//!   must read exactly as Pinot does; its messages are pinned by a snapshot.

use mvsim_model::codec::{
    fingerprint_decode, fingerprint_encode, fingerprint_map_decode, fingerprint_map_encode,
    DecodeError,
};
use mvsim_model::jackson::{java_decimal_digit, JAVA_DECIMAL_DIGIT_ZEROS};
use mvsim_model::partition::{
    PartitionFingerprint, PartitionInfo, PartitionState, RuntimeMetadata,
};
use mvsim_model::znrecord::{
    runtime_from_znode_bytes_as_pinot, runtime_from_znrecord_json_with_warnings, PinotRead,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Expected {
    generator: String,
    cases: BTreeMap<String, Outcome>,
    codecs: Vec<CodecCase>,
    java_decimal_digit_zeros: Vec<u32>,
}

/// `PartitionFingerprint.decode` / `decodeMap` on one input, as Java ran them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CodecCase {
    input: String,
    decode: CodecOutcome,
    decode_map: CodecOutcome,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
enum CodecOutcome {
    /// The result, re-encoded with `encode` / `encodeMap`.
    Ok(String),
    /// The exception's class.
    Threw(String),
}

#[derive(Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
enum Outcome {
    Absent {
        jackson: String,
    },
    Threw {
        exception: String,
        message: String,
    },
    #[serde(rename_all = "camelCase")]
    Read {
        id: Option<String>,
        watermark_ms: i64,
        partitions: BTreeMap<String, ExpectedPartition>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExpectedPartition {
    state: String,
    segment_count: i32,
    crc: i64,
    last_refresh_time: i64,
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/znrecord-corpus")
}

fn expected() -> Expected {
    let text = std::fs::read_to_string(corpus_dir().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json parses")
}

/// Every case file, by name (the file stem).
fn cases() -> BTreeMap<String, Vec<u8>> {
    let mut cases = BTreeMap::new();
    for entry in std::fs::read_dir(corpus_dir().join("cases")).expect("cases directory") {
        let path = entry.expect("directory entry").path();
        if path
            .extension()
            .is_some_and(|extension| extension == "znode")
        {
            let name = path
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .into_owned();
            cases.insert(name, std::fs::read(&path).expect("case file"));
        }
    }
    cases
}

fn expected_runtime(
    watermark_ms: i64,
    partitions: &BTreeMap<String, ExpectedPartition>,
) -> RuntimeMetadata {
    let partitions = partitions.iter().map(|(key, partition)| {
        let info = PartitionInfo {
            state: PartitionState::from_code(&partition.state).expect("state code"),
            fingerprint: PartitionFingerprint {
                segment_count: partition.segment_count,
                crc: partition.crc,
            },
            last_refresh_time_ms: partition.last_refresh_time,
        };
        (key.parse::<i64>().expect("bucket key"), info)
    });
    RuntimeMetadata {
        watermark_ms,
        partitions: partitions.collect(),
    }
}

/// Why `actual` differs from the recorded outcome, or `None`.
fn disagreement(outcome: &Outcome, actual: &PinotRead) -> Option<String> {
    match (outcome, actual) {
        (Outcome::Absent { .. }, PinotRead::Absent { .. }) => None,
        (
            Outcome::Threw { exception, .. },
            PinotRead::Threw {
                exception: ours, ..
            },
        ) if ours.name() == exception => None,
        (
            Outcome::Read {
                id,
                watermark_ms,
                partitions,
            },
            PinotRead::Read(read),
        ) => {
            let runtime = expected_runtime(*watermark_ms, partitions);
            (read.id != *id || read.runtime != runtime).then(|| {
                format!(
                    "Pinot read id {id:?} and {runtime:?}; we read {:?} and {:?}",
                    read.id, read.runtime
                )
            })
        }
        (outcome, actual) => Some(format!("Pinot: {}; we: {actual:?}", describe(outcome))),
    }
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Absent { jackson } => format!("absent ({jackson})"),
        Outcome::Threw { exception, message } => format!("threw {exception}: {message}"),
        Outcome::Read { .. } => "read".to_string(),
    }
}

#[test]
fn corpus_and_outcomes_name_the_same_cases() {
    let expected = expected();
    let cases = cases();
    assert!(
        expected.generator.contains("ca5c042d034"),
        "{}",
        expected.generator
    );
    assert_eq!(
        expected.cases.keys().collect::<Vec<_>>(),
        cases.keys().collect::<Vec<_>>(),
        "rerun scripts/znrecord-corpus.sh after changing cases/"
    );
    assert!(cases.len() >= 200, "{} cases", cases.len());
}

#[test]
fn pinot_reader_reproduces_every_recorded_outcome() {
    let expected = expected();
    let mut failures = Vec::new();
    for (name, bytes) in cases() {
        let outcome = &expected.cases[&name];
        if let Some(why) = disagreement(outcome, &runtime_from_znode_bytes_as_pinot(&bytes)) {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The corpus exercises each kind of outcome (a harness that always said "absent" would
/// otherwise pass a reader that always says "absent").
#[test]
fn corpus_covers_every_outcome() {
    let expected = expected();
    let count =
        |wanted: fn(&Outcome) -> bool| expected.cases.values().filter(|o| wanted(o)).count();
    assert!(count(|o| matches!(o, Outcome::Absent { .. })) >= 50);
    assert!(count(|o| matches!(o, Outcome::Read { .. })) >= 100);
    assert!(
        count(
            |o| matches!(o, Outcome::Threw { exception, .. } if exception == "IllegalArgumentException")
        ) >= 10
    );
    assert!(
        count(
            |o| matches!(o, Outcome::Threw { exception, .. } if exception == "NullPointerException")
        ) >= 1
    );
}

fn codec_outcome<T>(result: Result<T, DecodeError>, encode: impl Fn(&T) -> String) -> CodecOutcome {
    match result {
        Ok(value) => CodecOutcome::Ok(encode(&value)),
        Err(DecodeError::IllegalArgument(_)) => {
            CodecOutcome::Threw("IllegalArgumentException".to_string())
        }
        Err(DecodeError::NumberFormat(_)) => {
            CodecOutcome::Threw("NumberFormatException".to_string())
        }
    }
}

/// The fingerprint codecs agree with Java's on every recorded input (`codec-inputs.txt`).
#[test]
fn fingerprint_codecs_reproduce_java() {
    let expected = expected();
    assert!(expected.codecs.len() >= 20);
    for case in &expected.codecs {
        let decoded = codec_outcome(fingerprint_decode(&case.input), fingerprint_encode);
        assert_eq!(decoded, case.decode, "decode({:?})", case.input);
        let map = codec_outcome(fingerprint_map_decode(&case.input), fingerprint_map_encode);
        assert_eq!(map, case.decode_map, "decodeMap({:?})", case.input);
    }
}

#[test]
fn java_digit_table_matches_the_jvm() {
    let expected = expected();
    let ours: Vec<u32> = JAVA_DECIMAL_DIGIT_ZEROS
        .iter()
        .map(|&zero| u32::from(zero))
        .collect();
    assert_eq!(ours, expected.java_decimal_digit_zeros);
    for zero in JAVA_DECIMAL_DIGIT_ZEROS {
        for digit in 0..10 {
            assert_eq!(java_decimal_digit(zero + digit as u16), Some(digit));
        }
        assert_eq!(java_decimal_digit(zero - 1), None, "{zero:#x}");
    }
    assert_eq!(java_decimal_digit(0xFFFF), None);
    assert_eq!(java_decimal_digit(0), None);
}

/// Whatever the strict reader accepts, Pinot reads identically; what it refuses, it refuses
/// in one line. The snapshot pins every case's strict outcome.
#[test]
fn strict_reader_accepts_only_what_pinot_reads_the_same() {
    let expected = expected();
    let mut table = String::new();
    for (name, bytes) in cases() {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            writeln!(table, "{name}: (not UTF-8; the strict reader takes text)").expect("write");
            continue;
        };
        match runtime_from_znrecord_json_with_warnings(text) {
            Ok(read) => {
                let Outcome::Read {
                    id,
                    watermark_ms,
                    partitions,
                } = &expected.cases[&name]
                else {
                    panic!("{name}: strict reader accepts what Pinot does not read");
                };
                assert_eq!(Some(&read.id), id.as_ref(), "{name}");
                assert_eq!(
                    read.runtime,
                    expected_runtime(*watermark_ms, partitions),
                    "{name}"
                );
                let warnings = if read.warnings.is_empty() {
                    String::new()
                } else {
                    format!(" (warnings: {})", read.warnings.join("; "))
                };
                let count = read.runtime.partitions.len();
                writeln!(table, "{name}: ok, {count} bucket(s){warnings}").expect("write");
            }
            Err(error) => {
                assert!(!error.message.contains('\n'), "{name}: one line");
                assert!(!error.message.is_empty(), "{name}");
                let shown: String = error.message.chars().take(200).collect();
                writeln!(table, "{name}: error: {shown}").expect("write");
            }
        }
    }
    insta::assert_snapshot!(table);
}
