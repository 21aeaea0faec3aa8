//! Bounded fuzzing of every input parser: scenario TOML, trace JSON, ZNRecord JSON (both
//! readers), segment lists, `--path`, and the fingerprint codecs. Each property feeds
//! generated and damaged inputs and requires no panic and, for errors, one line; accepted
//! scenarios and traces are also run (a scenario) or replayed (a trace), since accepting bad
//! data that later panics is the same bug.
//!
//! Bounded: inputs are at most a few KiB (memory stays small), a fixed seed and a fixed
//! number of cases (the project's proptest policy, `model/tests/common/mod.rs`), and no
//! failure-persistence files (`MVSIM_FUZZ_CASES=N` runs N cases per property, e.g. for a
//! longer local run). There are no checker configuration files to fuzz: `check`
//! takes named presets (`--config small|ci|...`), whose names `model_for` validates.

#[path = "../model/tests/common/mod.rs"]
mod common;

use mvsim_model::codec::{fingerprint_decode, fingerprint_map_decode};
use mvsim_model::znrecord::{
    runtime_from_znode_bytes_as_pinot, runtime_from_znrecord_json_with_warnings,
    segments_from_json, PinotRead,
};
use mvsim_sim::checker::{model_for, parse_path, replay_path};
use mvsim_sim::scenario;
use mvsim_sim::simulate::{self, Recording, SimOptions};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The largest generated input, in bytes: keeps memory and time per case small.
const INPUT_BYTES_MAX: usize = 4096;

/// `cases` per property, or `MVSIM_FUZZ_CASES` when set (a longer local run; same seed).
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("MVSIM_FUZZ_CASES")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        ..common::proptest_config()
    }
}

fn assert_one_line(error: &str, what: &str) {
    assert!(!error.is_empty(), "{what}: empty error");
    assert!(!error.contains('\n'), "{what}: error spans lines: {error}");
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every committed scenario file's text.
fn scenario_texts() -> &'static Vec<(PathBuf, String)> {
    static TEXTS: OnceLock<Vec<(PathBuf, String)>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let mut texts = Vec::new();
        for entry in std::fs::read_dir(root().join("scenarios")).expect("scenarios directory") {
            let path = entry.expect("entry").path();
            if path
                .extension()
                .is_some_and(|extension| extension == "toml")
            {
                let text = std::fs::read_to_string(&path).expect("scenario text");
                texts.push((path, text));
            }
        }
        texts.sort();
        texts
    })
}

/// A recorded trace of a short seeded run (the source of damaged traces).
fn trace_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let profile = mvsim_model::Profile::by_name("post").expect("post profile");
        let run = simulate::run_seed(7, profile, &SimOptions::default(), true).expect("seed runs");
        run.recording().expect("recorded").to_json()
    })
}

/// Every ZNRecord corpus case.
fn corpus() -> &'static Vec<Vec<u8>> {
    static CASES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CASES.get_or_init(|| {
        let dir = root().join("model/tests/data/znrecord-corpus/cases");
        let mut cases: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
            .expect("corpus directory")
            .map(|entry| {
                let path = entry.expect("entry").path();
                let bytes = std::fs::read(&path).expect("case");
                (path, bytes)
            })
            .filter(|(_, bytes)| bytes.len() <= INPUT_BYTES_MAX)
            .collect();
        cases.sort();
        cases.into_iter().map(|(_, bytes)| bytes).collect()
    })
}

/// A damage to apply to a text: cut it, overwrite a byte, delete or duplicate a span, or
/// splice in a token that parsers treat specially.
#[derive(Clone, Debug)]
enum Damage {
    Truncate(prop::sample::Index),
    Overwrite(prop::sample::Index, u8),
    Delete(prop::sample::Index, usize),
    Duplicate(prop::sample::Index, usize),
    Insert(prop::sample::Index, &'static str),
}

/// Numbers a trace or scenario may carry: boundaries of the integer types and odd forms.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "7",
    "-1",
    "255",
    "256",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "2147483647",
    "-2147483648",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "99999999999",
    "1e3",
];

const TOKENS: &[&str] = &[
    "-1",
    "0",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "1e309",
    "\"\"",
    "null",
    "[]",
    "{}",
    "[[[[",
    "\"\\ud800\"",
    "\u{feff}",
    "\u{ff10}",
    "=",
    ",",
    ";",
    "/",
    "\n",
    "#",
    "'",
    "\"",
    "]]",
    "}}",
    "[[initial]]",
    "true",
    "nan",
    "inf",
    "+5",
    "-0",
];

fn damage() -> impl Strategy<Value = Damage> {
    let index = any::<prop::sample::Index>();
    prop_oneof![
        index.clone().prop_map(Damage::Truncate),
        (index.clone(), any::<u8>()).prop_map(|(at, byte)| Damage::Overwrite(at, byte)),
        (index.clone(), 1..64_usize).prop_map(|(at, length)| Damage::Delete(at, length)),
        (index.clone(), 1..64_usize).prop_map(|(at, length)| Damage::Duplicate(at, length)),
        (index, prop::sample::select(TOKENS)).prop_map(|(at, token)| Damage::Insert(at, token)),
    ]
}

fn apply(bytes: &[u8], damages: &[Damage]) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    for damage in damages {
        let at = |index: &prop::sample::Index| index.index(bytes.len() + 1);
        match damage {
            Damage::Truncate(index) => bytes.truncate(at(index)),
            Damage::Overwrite(index, byte) => {
                let position = at(index);
                if position < bytes.len() {
                    bytes[position] = *byte;
                }
            }
            Damage::Delete(index, length) => {
                let start = at(index);
                let end = (start + length).min(bytes.len());
                bytes.drain(start..end);
            }
            Damage::Duplicate(index, length) => {
                let start = at(index);
                let end = (start + length).min(bytes.len());
                let copy = bytes[start..end].to_vec();
                bytes.splice(start..start, copy);
            }
            Damage::Insert(index, token) => {
                let position = at(index);
                bytes.splice(position..position, token.bytes());
            }
        }
        bytes.truncate(INPUT_BYTES_MAX * 4);
    }
    bytes
}

fn text_of(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

// ------------------------------------------------------------------------- scenario TOML

fn check_scenario(text: &str, label: &str, base_dir: &Path) {
    match scenario::parse(text, label, base_dir) {
        Err(error) => assert_one_line(&error.to_string(), "scenario"),
        Ok(parsed) => {
            // Accepted: it must run on every engine it names without a panic. A run is
            // bounded by its own script (and a settle's budget).
            for profile in parsed.engines.clone() {
                let _ = scenario::run(&parsed, profile);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn scenario_parser_survives_damaged_scenarios(
        which in any::<prop::sample::Index>(),
        damages in prop::collection::vec(damage(), 1..3),
    ) {
        let (path, text) = which.get(scenario_texts());
        let damaged = text_of(apply(text.as_bytes(), &damages));
        let label = path.file_name().and_then(|name| name.to_str()).expect("file name");
        check_scenario(&damaged, label, path.parent().expect("scenario directory"));
    }

    #[test]
    fn scenario_runs_survive_changed_numbers(
        which in any::<prop::sample::Index>(),
        changes in prop::collection::vec(
            (any::<prop::sample::Index>(), prop::sample::select(NUMBERS)), 1..3),
    ) {
        let (path, text) = which.get(scenario_texts());
        let mut text = text.clone();
        for (index, token) in changes {
            text = replace_number(&text, index, token);
        }
        let label = path.file_name().and_then(|name| name.to_str()).expect("file name");
        check_scenario(&text, label, path.parent().expect("scenario directory"));
    }

    #[test]
    fn scenario_parser_survives_arbitrary_text(text in ".{0,512}") {
        check_scenario(&text, "", &root().join("scenarios"));
    }
}

// ------------------------------------------------------------------------- trace JSON

/// Replaces the `index`-th number of a JSON text with `token` (numbers drive the replay).
fn replace_number(text: &str, index: prop::sample::Index, token: &str) -> String {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut previous_is_number = false;
    for (position, byte) in bytes.iter().enumerate() {
        let is_number = byte.is_ascii_digit() || *byte == b'-';
        let after_separator =
            position > 0 && matches!(bytes[position - 1], b' ' | b':' | b'[' | b',' | b'=');
        if is_number && !previous_is_number && after_separator {
            starts.push(position);
        }
        previous_is_number = is_number;
    }
    if starts.is_empty() {
        return text.to_string();
    }
    let start = *index.get(&starts);
    let end = start
        + bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b'-')
            .count();
    format!("{}{token}{}", &text[..start], &text[end..])
}

fn check_trace(text: &str) {
    match Recording::from_json(text) {
        Err(error) => assert_one_line(&error, "trace"),
        Ok(recording) => {
            if let Err(error) = simulate::replay_recording(&recording, None, None) {
                assert_one_line(&error, "trace replay");
            }
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn trace_reader_survives_damaged_traces(damages in prop::collection::vec(damage(), 1..4)) {
        check_trace(&text_of(apply(trace_text().as_bytes(), &damages)));
    }

    #[test]
    fn trace_replay_survives_changed_numbers(
        changes in prop::collection::vec(
            (any::<prop::sample::Index>(), prop::sample::select(NUMBERS)), 1..4),
    ) {
        let mut text = trace_text().to_string();
        for (index, token) in changes {
            text = replace_number(&text, index, token);
        }
        check_trace(&text);
    }

    #[test]
    fn trace_reader_survives_arbitrary_text(text in ".{0,512}") {
        check_trace(&text);
    }
}

/// Found by `trace_replay_survives_changed_numbers`: a step time near `i64::MAX` overflowed
/// the timer arithmetic (`World::arm`) in replay. It is now bad input.
#[test]
fn trace_with_a_time_near_the_end_of_time_is_bad_input() {
    let text = trace_text();
    let at = text.find("\"time_ms\":").expect("a step time") + "\"time_ms\":".len();
    let end = at + text[at..].find(',').expect("a comma after the time");
    let damaged = format!("{}9223372036854775807{}", &text[..at], &text[end..]);
    let recording = Recording::from_json(&damaged).expect("still a well-formed trace");
    let error = simulate::replay_recording(&recording, None, None)
        .err()
        .expect("a time past the end of time is refused");
    assert!(error.contains("outside 0..="), "{error}");
    assert_one_line(&error, "replay");
}

/// Found by `trace_replay_survives_changed_numbers` (4000 cases): an uploaded segment ending
/// at `i64::MAX` overflowed `watermark_within_source_data` (`max_end + 1`). Replay now
/// refuses such a trace, and the property saturates.
#[test]
fn trace_with_an_upload_ending_at_the_end_of_time_is_bad_input() {
    let text = trace_text();
    let at = text.find("\"end_ms\":").expect("an upload's end") + "\"end_ms\":".len();
    let end = at + text[at..].find(',').expect("a comma after the end");
    let damaged = format!("{}9223372036854775807{}", &text[..at], &text[end..]);
    let recording = Recording::from_json(&damaged).expect("still a well-formed trace");
    let error = simulate::replay_recording(&recording, None, None)
        .err()
        .expect("an upload ending at i64::MAX is refused");
    assert!(error.contains("upload end_ms"), "{error}");
    assert_one_line(&error, "replay");
}

// ------------------------------------------------------------------------- ZNRecord JSON

fn check_znrecord(bytes: &[u8]) {
    let pinot = runtime_from_znode_bytes_as_pinot(bytes);
    match &pinot {
        PinotRead::Absent { reason } => assert_one_line(reason, "pinot absent"),
        PinotRead::Threw { message, .. } => assert_one_line(message, "pinot threw"),
        PinotRead::Read(read) => {
            for warning in &read.warnings {
                assert_one_line(warning, "pinot warning");
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        match runtime_from_znrecord_json_with_warnings(text) {
            Err(error) => assert_one_line(&error.message, "strict"),
            Ok(strict) => {
                let PinotRead::Read(read) = pinot else {
                    panic!("strict accepted what Pinot does not read: {text:?}");
                };
                assert_eq!(read.runtime, strict.runtime, "{text:?}");
            }
        }
    }
}

/// JSON-shaped text from ZNRecord's vocabulary, so that fuzzing reaches the binder.
fn znrecord_json() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "id",
        "simpleFields",
        "mapFields",
        "listFields",
        "watermarkMs",
        "state",
        "crc",
        "segmentCount",
        "lastRefreshTime",
        "partitionInfos",
        "rawPayload",
        "0",
        "+0",
        "-0",
        "86400000",
        "\u{ff10}",
        "x",
    ]);
    let leaf = prop_oneof![
        prop::sample::select(TOKENS).prop_map(str::to_string),
        prop::sample::select(vec![
            "\"V\"",
            "\"S\"",
            "\"1\"",
            "\"+2\"",
            "\"AA==\"",
            "\"\u{0663}\""
        ])
        .prop_map(str::to_string),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn znrecord_readers_survive_damaged_corpus_cases(
        which in any::<prop::sample::Index>(),
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let case: &Vec<u8> = which.get(corpus());
        check_znrecord(&apply(case, &damages));
    }

    #[test]
    fn znrecord_readers_survive_structured_records(json in znrecord_json()) {
        check_znrecord(json.as_bytes());
        check_znrecord(format!("{{\"id\":\"v\",\"mapFields\":{json}}}").as_bytes());
        check_znrecord(format!("{{\"id\":\"v\",\"mapFields\":{{\"0\":{json}}}}}").as_bytes());
    }

    #[test]
    fn znrecord_readers_survive_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_znrecord(&bytes);
    }

    #[test]
    fn segment_list_reader_survives_damage(
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let text = std::fs::read_to_string(root().join("scenarios/data/valid_empty_sweep_segments.json"))
            .expect("segment list");
        let damaged = text_of(apply(text.as_bytes(), &damages));
        if let Err(error) = segments_from_json(&damaged) {
            assert_one_line(&error.message, "segments");
        }
    }

    #[test]
    fn fingerprint_codecs_survive_arbitrary_text(text in "[0-9+\\-,;=\u{ff10}-\u{ff19} a]{0,40}") {
        let _ = fingerprint_decode(&text);
        let _ = fingerprint_map_decode(&text);
    }
}

// ------------------------------------------------------------------------- --path

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn path_parser_and_replay_survive_arbitrary_paths(
        text in prop_oneof![".{0,64}", "[0-9/ ]{0,64}", "([0-9]{1,3}/){0,20}[0-9]{1,3}"],
    ) {
        match parse_path(&text) {
            Err(error) => assert_one_line(&error, "--path"),
            Ok(indices) => {
                let model = model_for("small", "post").expect("small preset");
                if let Err(error) = replay_path(&model, &indices) {
                    assert_one_line(&error, "--path replay");
                }
            }
        }
    }
}
