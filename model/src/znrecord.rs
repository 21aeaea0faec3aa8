//! The runtime znode in Pinot's exact ZNRecord JSON format, and a JSON format for source
//! segment metadata (spec §1.1-§1.2).
//!
//! Pinot stores `MaterializedViewRuntimeMetadata` as a Helix `ZNRecord` (RM:100-135): `id` is
//! the view table name, the simple field `watermarkMs` holds the watermark (RM:61), and each
//! bucket is one map field keyed by `Long.toString(bucketStartMs)` (RM:107) whose inner map is
//! `state` (`"V"`/`"S"`, PS:42-43), `segmentCount`, `crc` and `lastRefreshTime`, all decimal
//! strings (PI:51-54). The layout is identical pre and post.
//!
//! Reading follows Pinot's tolerances (RM:113-135): a missing `watermarkMs` reads as 0
//! (RM:115); the legacy map field `partitionInfos` (RM:62) and any map key that is not a
//! decimal long are skipped; unknown inner keys are ignored. It rejects what Pinot rejects:
//! a missing required inner key or an unknown state code (PI:107-121, PS:55-63) and a
//! negative watermark (RM:70). Before Pinot sees the record, Helix deserialises it into typed
//! maps (`Map<String, String>` simple fields, `Map<String, Map<String, String>>` map fields,
//! `Map<String, List<String>>` list fields); both readers enforce those JSON types strictly
//! (Jackson would coerce a bare JSON number or boolean to a string; the canonical writer never
//! produces one).
//!
//! Numbers that `Long.parseLong` / `Integer.parseInt` refuse are where the two readers differ.
//! Pinot swallows the `NumberFormatException`: Helix `ZNRecord.getLongField` returns the
//! default 0 for a malformed `watermarkMs`, and `fromZNRecord` wraps `Long.parseLong(key)`
//! *and* `PartitionInfo.fromFieldMap` in one `catch (NumberFormatException)` (RM:113-135), so a
//! bucket whose `segmentCount`, `crc` or `lastRefreshTime` is malformed silently reads as
//! absent. [`runtime_from_znrecord_json`] rejects such input instead (a malformed file is
//! almost always a mistake); [`runtime_from_znrecord_json_as_pinot`] reproduces Pinot.
//!
//! Writing reproduces Helix `ZNRecordSerializer` byte for byte (see
//! `model/tests/data/znrecord-samples.json`): keys `id`, `simpleFields`, `mapFields`,
//! `listFields` in that order; Jackson's default pretty printer (2-space indent, `" : "`,
//! empty objects as `{ }`); map fields sorted in Java `String` order (a `TreeMap`); inner keys
//! in the Java `HashMap` order `state`, `lastRefreshTime`, `crc`, `segmentCount`; no trailing
//! newline.
//!
//! Every error is a [`ZnRecordError`] whose message is one line of the form
//! `<path>: <problem>`, e.g. `mapFields."86400000": missing required key "crc"`.

use crate::partition::{
    PartitionFingerprint, PartitionInfo, PartitionState, RuntimeMetadata, SourceSegment,
};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

/// Simple-field key of the watermark (`WATERMARK_MS_KEY`, RM:61).
pub const WATERMARK_MS_KEY: &str = "watermarkMs";
/// Legacy map-field key the reader skips (`PARTITION_INFOS_MAP_KEY`, RM:62).
pub const PARTITION_INFOS_MAP_KEY: &str = "partitionInfos";
/// Inner key of the state code (PI:51).
pub const STATE_KEY: &str = "state";
/// Inner key of the segment count (PI:52).
pub const SEGMENT_COUNT_KEY: &str = "segmentCount";
/// Inner key of the fingerprint hash (PI:53).
pub const CRC_KEY: &str = "crc";
/// Inner key of the wall-clock refresh time (PI:54).
pub const LAST_REFRESH_TIME_KEY: &str = "lastRefreshTime";

/// Why a ZNRecord or segment list was rejected: a single line naming the JSON path and the
/// problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZnRecordError {
    /// One line, `<path>: <problem>` (or `invalid JSON at line L column C: ...`).
    pub message: String,
}

impl ZnRecordError {
    /// An error whose message is `<path>: <problem>`.
    fn at(path: &str, problem: impl fmt::Display) -> ZnRecordError {
        ZnRecordError {
            message: one_line(&format!("{path}: {problem}")),
        }
    }
}

impl fmt::Display for ZnRecordError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for ZnRecordError {}

/// Guarantees the one-line promise even if a library message ever contained a newline.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// `parent.key` when `key` is an identifier, else `parent."key"` (JSON-quoted).
fn field_path(parent: &str, key: &str) -> String {
    let mut characters = key.chars();
    let identifier = characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && characters.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if identifier {
        format!("{parent}.{key}")
    } else {
        format!("{parent}.{}", quoted(key))
    }
}

/// A string as a JSON literal (escaped, quoted, never containing a raw newline).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("serialising a str to JSON cannot fail")
}

fn parse_json(text: &str) -> Result<Value, ZnRecordError> {
    serde_json::from_str(text).map_err(|error| {
        let full = error.to_string();
        let position = format!(" at line {} column {}", error.line(), error.column());
        let detail = full.strip_suffix(&position).unwrap_or(&full);
        ZnRecordError {
            message: one_line(&format!(
                "invalid JSON at line {} column {}: {detail}",
                error.line(),
                error.column()
            )),
        }
    })
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn expect_object<'v>(
    value: &'v Value,
    path: &str,
) -> Result<&'v Map<String, Value>, ZnRecordError> {
    value.as_object().ok_or_else(|| {
        ZnRecordError::at(
            path,
            format!("expected a JSON object, found {}", json_type(value)),
        )
    })
}

fn expect_string<'v>(value: &'v Value, path: &str) -> Result<&'v str, ZnRecordError> {
    value.as_str().ok_or_else(|| {
        ZnRecordError::at(
            path,
            format!("expected a JSON string, found {}", json_type(value)),
        )
    })
}

/// `Long.parseLong` (optional sign, ASCII digits, in range).
fn parse_long(text: &str, path: &str) -> Result<i64, ZnRecordError> {
    text.parse::<i64>()
        .map_err(|_| ZnRecordError::at(path, format!("not a decimal long: {}", quoted(text))))
}

/// `Integer.parseInt` (optional sign, ASCII digits, in range).
fn parse_int(text: &str, path: &str) -> Result<i32, ZnRecordError> {
    text.parse::<i32>()
        .map_err(|_| ZnRecordError::at(path, format!("not a decimal int: {}", quoted(text))))
}

// ------------------------------------------------------------------------- runtime reader

/// Parses the runtime znode data (RM:113-135) into `(id, runtime)`.
///
/// Tolerates what Pinot tolerates (missing `watermarkMs` = 0, legacy `partitionInfos`,
/// non-numeric map keys, unknown inner keys, unknown top-level keys, missing field
/// sections) and rejects the rest with a one-line [`ZnRecordError`]. If two map keys parse to
/// the same bucket (`"0"` and `"+0"`), the later one in Java `String` order wins, as Pinot's
/// loop over Helix's sorted map fields does. Never panics.
///
/// Unlike Pinot, rejects a malformed number (see the module doc and
/// [`runtime_from_znrecord_json_as_pinot`]).
pub fn runtime_from_znrecord_json(text: &str) -> Result<(String, RuntimeMetadata), ZnRecordError> {
    let read = read_runtime(text, MalformedNumbers::Reject)?;
    Ok((read.id, read.runtime))
}

/// A runtime znode as [`runtime_from_znrecord_json_with_warnings`] read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeRead {
    /// The record's `id`.
    pub id: String,
    /// The runtime metadata.
    pub runtime: RuntimeMetadata,
    /// One line per thing the reader dropped as Pinot does, silently in Pinot (a map key
    /// that is not a decimal long, RM:113-135): for the caller to show (this crate has no
    /// I/O).
    pub warnings: Vec<String>,
}

/// [`runtime_from_znrecord_json`] that also returns what it dropped.
pub fn runtime_from_znrecord_json_with_warnings(text: &str) -> Result<RuntimeRead, ZnRecordError> {
    read_runtime(text, MalformedNumbers::Reject)
}

/// Parses the runtime znode data exactly as Pinot's `fromZNRecord` (RM:113-135) reads it:
/// like [`runtime_from_znrecord_json`], except that a malformed `watermarkMs` reads as 0
/// (Helix `getLongField` catches `NumberFormatException`) and a bucket whose `segmentCount`,
/// `crc` or `lastRefreshTime` is malformed is skipped (RM catches `NumberFormatException`
/// around `PartitionInfo.fromFieldMap`). Missing keys, unknown state codes and a negative
/// watermark still fail, as they throw `IllegalArgumentException` in Pinot.
pub fn runtime_from_znrecord_json_as_pinot(
    text: &str,
) -> Result<(String, RuntimeMetadata), ZnRecordError> {
    let read = read_runtime(text, MalformedNumbers::AsPinot)?;
    Ok((read.id, read.runtime))
}

/// What to do with a number `Long.parseLong` / `Integer.parseInt` refuses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MalformedNumbers {
    /// Fail with a [`ZnRecordError`] naming the value.
    Reject,
    /// Do what Pinot does: default the watermark to 0, skip the bucket.
    AsPinot,
}

fn read_runtime(text: &str, malformed: MalformedNumbers) -> Result<RuntimeRead, ZnRecordError> {
    let root = parse_json(text)?;
    let record = expect_object(&root, "top level")?;
    let id = read_id(record)?;
    let watermark_ms = read_watermark(record, malformed)?;
    let mut warnings = Vec::new();
    let partitions = read_partitions(record, malformed, &mut warnings)?;
    check_list_fields(record)?;
    let runtime = RuntimeMetadata {
        watermark_ms,
        partitions: partitions.into(),
    };
    Ok(RuntimeRead {
        id,
        runtime,
        warnings,
    })
}

fn read_id(record: &Map<String, Value>) -> Result<String, ZnRecordError> {
    let value = record
        .get("id")
        .ok_or_else(|| ZnRecordError::at("top level", "missing required key \"id\""))?;
    Ok(expect_string(value, "id")?.to_string())
}

/// An optional section (`simpleFields`, `mapFields`, `listFields`): absent reads as empty,
/// like a fresh Helix `ZNRecord`.
fn optional_section<'v>(
    record: &'v Map<String, Value>,
    key: &str,
) -> Result<Option<&'v Map<String, Value>>, ZnRecordError> {
    record
        .get(key)
        .map(|value| expect_object(value, key))
        .transpose()
}

/// `watermarkMs` with default 0 (RM:115) and the constructor check `>= 0` (RM:70).
fn read_watermark(
    record: &Map<String, Value>,
    malformed: MalformedNumbers,
) -> Result<i64, ZnRecordError> {
    let Some(simple_fields) = optional_section(record, "simpleFields")? else {
        return Ok(0);
    };
    let path = format!("simpleFields.{WATERMARK_MS_KEY}");
    let watermark_text = simple_fields
        .get(WATERMARK_MS_KEY)
        .map(|value| expect_string(value, &path))
        .transpose()?;
    for (key, value) in simple_fields {
        expect_string(value, &field_path("simpleFields", key))?;
    }
    let Some(watermark_text) = watermark_text else {
        return Ok(0);
    };
    let watermark_ms = match parse_long(watermark_text, &path) {
        Ok(watermark_ms) => watermark_ms,
        Err(_) if malformed == MalformedNumbers::AsPinot => 0,
        Err(error) => return Err(error),
    };
    if watermark_ms < 0 {
        return Err(ZnRecordError::at(
            &path,
            format!("negative watermark {watermark_ms}"),
        ));
    }
    Ok(watermark_ms)
}

/// One map field per bucket (RM:113-135). Every map field must be a string map (Helix's
/// type); only keys that `Long.parseLong` accepts become buckets (each other key is a
/// warning). The strict reader rejects a negative `segmentCount` (a count; Pinot's
/// `Integer.parseInt` accepts it, so the Pinot reader keeps it with a warning).
fn read_partitions(
    record: &Map<String, Value>,
    malformed: MalformedNumbers,
    warnings: &mut Vec<String>,
) -> Result<BTreeMap<i64, PartitionInfo>, ZnRecordError> {
    let mut partitions = BTreeMap::new();
    let Some(map_fields) = optional_section(record, "mapFields")? else {
        return Ok(partitions);
    };
    for (key, value) in map_fields {
        let path = format!("mapFields.{}", quoted(key));
        let inner = expect_string_map(value, &path)?;
        if key == PARTITION_INFOS_MAP_KEY {
            continue;
        }
        let Ok(bucket_start_ms) = key.parse::<i64>() else {
            warnings.push(format!(
                "{path}: map key is not a bucket start (a decimal long): skipped, as Pinot does"
            ));
            continue;
        };
        match read_partition_info(inner, &path)? {
            FieldMap::Info(info) if info.fingerprint.segment_count < 0 => {
                let count_path = format!("{path}.{SEGMENT_COUNT_KEY}");
                let problem = format!("negative segment count {}", info.fingerprint.segment_count);
                if malformed == MalformedNumbers::Reject {
                    return Err(ZnRecordError::at(&count_path, problem));
                }
                warnings.push(format!("{count_path}: {problem}, kept as Pinot does"));
                partitions.insert(bucket_start_ms, info);
            }
            FieldMap::Info(info) => {
                partitions.insert(bucket_start_ms, info);
            }
            FieldMap::MalformedNumber(_) if malformed == MalformedNumbers::AsPinot => {}
            FieldMap::MalformedNumber(error) => return Err(error),
        }
    }
    Ok(partitions)
}

fn expect_string_map<'v>(
    value: &'v Value,
    path: &str,
) -> Result<&'v Map<String, Value>, ZnRecordError> {
    let inner = expect_object(value, path)?;
    for (key, value) in inner {
        expect_string(value, &field_path(path, key))?;
    }
    Ok(inner)
}

/// What `PartitionInfo.fromFieldMap` produced, short of an `IllegalArgumentException`.
enum FieldMap {
    Info(PartitionInfo),
    /// `Integer.parseInt` / `Long.parseLong` threw `NumberFormatException`.
    MalformedNumber(ZnRecordError),
}

/// `PartitionInfo.fromFieldMap` (PI:107-121): all four keys must be present (checked
/// together, before anything is decoded), then the state is decoded (an unknown code throws
/// `IllegalArgumentException`), then the numbers are parsed.
fn read_partition_info(inner: &Map<String, Value>, path: &str) -> Result<FieldMap, ZnRecordError> {
    let state_code = required(inner, path, STATE_KEY)?;
    let segment_count_text = required(inner, path, SEGMENT_COUNT_KEY)?;
    let crc_text = required(inner, path, CRC_KEY)?;
    let last_refresh_text = required(inner, path, LAST_REFRESH_TIME_KEY)?;
    let state = PartitionState::from_code(state_code).ok_or_else(|| {
        ZnRecordError::at(
            &format!("{path}.{STATE_KEY}"),
            format!(
                "unknown state code {} (expected \"V\" or \"S\")",
                quoted(state_code)
            ),
        )
    })?;
    let texts = [segment_count_text, crc_text, last_refresh_text];
    Ok(match parse_partition_numbers(texts, path) {
        Ok((segment_count, crc, last_refresh_time_ms)) => FieldMap::Info(PartitionInfo {
            state,
            fingerprint: PartitionFingerprint { segment_count, crc },
            last_refresh_time_ms,
        }),
        Err(error) => FieldMap::MalformedNumber(error),
    })
}

/// `Integer.parseInt(segmentCount)`, `Long.parseLong(crc)`, `Long.parseLong(lastRefreshTime)`
/// in that order, as `fromFieldMap` does (PI:107-121).
fn parse_partition_numbers(
    [segment_count_text, crc_text, last_refresh_text]: [&str; 3],
    path: &str,
) -> Result<(i32, i64, i64), ZnRecordError> {
    let segment_count = parse_int(segment_count_text, &format!("{path}.{SEGMENT_COUNT_KEY}"))?;
    let crc = parse_long(crc_text, &format!("{path}.{CRC_KEY}"))?;
    let last_refresh_path = format!("{path}.{LAST_REFRESH_TIME_KEY}");
    let last_refresh_time_ms = parse_long(last_refresh_text, &last_refresh_path)?;
    Ok((segment_count, crc, last_refresh_time_ms))
}

/// A required inner key of an already type-checked string map.
fn required<'v>(
    inner: &'v Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<&'v str, ZnRecordError> {
    match inner.get(key) {
        Some(value) => expect_string(value, &format!("{path}.{key}")),
        None => Err(ZnRecordError::at(
            path,
            format!("missing required key {}", quoted(key)),
        )),
    }
}

/// `listFields` is unused by the MV runtime but must have Helix's type when present.
fn check_list_fields(record: &Map<String, Value>) -> Result<(), ZnRecordError> {
    let Some(list_fields) = optional_section(record, "listFields")? else {
        return Ok(());
    };
    for (key, value) in list_fields {
        let path = format!("listFields.{}", quoted(key));
        let items = value.as_array().ok_or_else(|| {
            ZnRecordError::at(
                &path,
                format!("expected a JSON array, found {}", json_type(value)),
            )
        })?;
        for (index, item) in items.iter().enumerate() {
            expect_string(item, &format!("{path}[{index}]"))?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------- runtime writer

/// Serialises `(id, runtime)` exactly as Pinot's `toZNRecord` (RM:100-111) through Helix's
/// `ZNRecordSerializer` stores it: byte-identical to the samples' `serialized` strings.
pub fn runtime_to_znrecord_json(id: &str, runtime: &RuntimeMetadata) -> String {
    let mut out = String::with_capacity(160 + 160 * runtime.partitions.len());
    out.push_str("{\n  \"id\" : ");
    push_jackson_string(&mut out, id);
    out.push_str(",\n  \"simpleFields\" : {\n    \"watermarkMs\" : \"");
    write!(out, "{}", runtime.watermark_ms).expect("writing to a String cannot fail");
    out.push_str("\"\n  },\n  \"mapFields\" : ");
    push_map_fields(&mut out, &runtime.partitions);
    out.push_str(",\n  \"listFields\" : { }\n}");
    out
}

/// Map fields in Java `String` order of `Long.toString(key)`. The keys are ASCII (`-` and
/// digits), so byte order is Java order: `"-5" < "0" < "172800000" < "86400000"`.
fn push_map_fields(out: &mut String, partitions: &BTreeMap<i64, PartitionInfo>) {
    if partitions.is_empty() {
        out.push_str("{ }");
        return;
    }
    let mut entries: Vec<(String, &PartitionInfo)> = partitions
        .iter()
        .map(|(bucket_start_ms, info)| (bucket_start_ms.to_string(), info))
        .collect();
    entries.sort_by(|x, y| x.0.cmp(&y.0));
    out.push('{');
    for (index, (key, info)) in entries.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        write!(
            out,
            "\n    \"{key}\" : {{\n      \"state\" : \"{}\",\n      \"lastRefreshTime\" : \"{}\",\n      \"crc\" : \"{}\",\n      \"segmentCount\" : \"{}\"\n    }}",
            info.state.code(),
            info.last_refresh_time_ms,
            info.fingerprint.crc,
            info.fingerprint.segment_count,
        )
        .expect("writing to a String cannot fail");
    }
    out.push_str("\n  }");
}

/// A JSON string literal as Jackson writes it: `"` and `\` backslash-escaped, `\b \t \n \f
/// \r` short escapes, other control characters as `\u00XX` (upper-case hex), everything else
/// (including non-ASCII) verbatim.
fn push_jackson_string(out: &mut String, text: &str) {
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            control if u32::from(control) < 0x20 => {
                write!(out, "\\u{:04X}", u32::from(control)).expect("writing to a String");
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

// ------------------------------------------------------------------------- source segments

/// Parses a JSON array of source segments, each
/// `{"segmentName": "...", "startTimeMs": n, "endTimeMs": n, "crc": n}`.
///
/// Mirrors `SegmentZKMetadata` (spec §1.1, SegmentZKMetadata:78-94): `name` is accepted for
/// `segmentName`; numbers may be JSON integers or decimal strings (ZK stores strings); a
/// missing `crc` is `-1`; a missing time, or one `<= 0`, reads as `-1`. Other keys are
/// ignored. Duplicate segment names are rejected (they are znode names in Pinot), and so is
/// an `endTimeMs` before its `startTimeMs` (both real times).
pub fn segments_from_json(text: &str) -> Result<Vec<SourceSegment>, ZnRecordError> {
    let root = parse_json(text)?;
    let items = root.as_array().ok_or_else(|| {
        ZnRecordError::at(
            "top level",
            format!(
                "expected a JSON array of segments, found {}",
                json_type(&root)
            ),
        )
    })?;
    let mut segments = Vec::with_capacity(items.len());
    let mut first_index_by_name: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let path = format!("segments[{index}]");
        let object = expect_object(item, &path)?;
        let name = read_segment_name(object, &path)?;
        if let Some(first) = first_index_by_name.insert(name, index) {
            return Err(ZnRecordError::at(
                &path,
                format!(
                    "duplicate segment name {} (first at segments[{first}])",
                    quoted(name)
                ),
            ));
        }
        let segment = read_segment(object, &path, name)?;
        if segment.start_time_ms > 0
            && segment.end_time_ms < segment.start_time_ms
            && segment.end_time_ms > 0
        {
            return Err(ZnRecordError::at(
                &path,
                format!(
                    "endTimeMs {} is before startTimeMs {}",
                    segment.end_time_ms, segment.start_time_ms
                ),
            ));
        }
        segments.push(segment);
    }
    Ok(segments)
}

fn read_segment_name<'v>(
    object: &'v Map<String, Value>,
    path: &str,
) -> Result<&'v str, ZnRecordError> {
    match (object.get("segmentName"), object.get("name")) {
        (Some(_), Some(_)) => Err(ZnRecordError::at(
            path,
            "both \"segmentName\" and \"name\" given; use one",
        )),
        (Some(value), None) => expect_string(value, &format!("{path}.segmentName")),
        (None, Some(value)) => expect_string(value, &format!("{path}.name")),
        (None, None) => Err(ZnRecordError::at(
            path,
            "missing required key \"segmentName\"",
        )),
    }
}

fn read_segment(
    object: &Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<SourceSegment, ZnRecordError> {
    let start_time_ms = read_optional_long(object, path, "startTimeMs")?;
    let end_time_ms = read_optional_long(object, path, "endTimeMs")?;
    let crc = read_optional_long(object, path, "crc")?;
    Ok(SourceSegment {
        name: name.to_string(),
        start_time_ms: segment_time_ms(start_time_ms),
        end_time_ms: segment_time_ms(end_time_ms),
        crc: crc.unwrap_or(-1),
    })
}

/// `getStartTimeMs` / `getEndTimeMs`: `-1` when missing or `<= 0` (SegmentZKMetadata:78-94).
fn segment_time_ms(raw: Option<i64>) -> i64 {
    match raw {
        Some(time_ms) if time_ms > 0 => time_ms,
        _ => -1,
    }
}

/// A JSON integer or a decimal string; `None` when the key is absent.
fn read_optional_long(
    object: &Map<String, Value>,
    path: &str,
    key: &str,
) -> Result<Option<i64>, ZnRecordError> {
    let path = format!("{path}.{key}");
    match object.get(key) {
        None => Ok(None),
        Some(Value::String(text)) => parse_long(text, &path).map(Some),
        Some(Value::Number(number)) => number
            .as_i64()
            .map(Some)
            .ok_or_else(|| ZnRecordError::at(&path, format!("not a 64-bit integer: {number}"))),
        Some(other) => Err(ZnRecordError::at(
            &path,
            format!(
                "expected an integer or a decimal string, found {}",
                json_type(other)
            ),
        )),
    }
}

/// The JSON shape of one segment, fields in the documented order.
#[derive(Serialize)]
struct SegmentJson<'a> {
    #[serde(rename = "segmentName")]
    segment_name: &'a str,
    #[serde(rename = "startTimeMs")]
    start_time_ms: i64,
    #[serde(rename = "endTimeMs")]
    end_time_ms: i64,
    crc: i64,
}

/// Writes segments as a pretty-printed JSON array that [`segments_from_json`] reads back
/// (times `<= 0` other than `-1` read back as `-1`, as in Pinot).
pub fn segments_to_json(segments: &[SourceSegment]) -> String {
    let rows: Vec<SegmentJson<'_>> = segments
        .iter()
        .map(|segment| SegmentJson {
            segment_name: &segment.name,
            start_time_ms: segment.start_time_ms,
            end_time_ms: segment.end_time_ms,
            crc: segment.crc,
        })
        .collect();
    serde_json::to_string_pretty(&rows).expect("serialising plain structs to JSON cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jackson_escapes_control_characters_in_upper_case_hex() {
        let mut out = String::new();
        push_jackson_string(&mut out, "a\"b\\c\n\t\u{1}\u{1f}é/");
        assert_eq!(out, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001Fé/\"");
    }

    #[test]
    fn escaped_id_round_trips() {
        let id = "mv\n\"x\"\u{1}_OFFLINE";
        let text = runtime_to_znrecord_json(id, &RuntimeMetadata::default());
        let (read_id, runtime) = runtime_from_znrecord_json(&text).expect("own output parses");
        assert_eq!(read_id, id);
        assert_eq!(runtime, RuntimeMetadata::default());
    }

    #[test]
    fn negative_keys_sort_first_in_java_string_order() {
        let info = PartitionInfo {
            state: PartitionState::Valid,
            fingerprint: PartitionFingerprint::EMPTY,
            last_refresh_time_ms: 0,
        };
        let partitions = [
            (-5, info),
            (0, info),
            (172_800_000, info),
            (86_400_000, info),
        ];
        let runtime = RuntimeMetadata {
            watermark_ms: 0,
            partitions: partitions.into_iter().collect(),
        };
        let text = runtime_to_znrecord_json("v", &runtime);
        let positions: Vec<usize> = ["-5", "0", "172800000", "86400000"]
            .iter()
            .map(|key| {
                text.find(&format!("\n    \"{key}\" : {{"))
                    .expect("key written")
            })
            .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{text}");
    }
}
