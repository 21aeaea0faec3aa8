//! The runtime znode in Pinot's exact ZNRecord JSON format, and a JSON format for source
//! segment metadata (spec §1.1-§1.2).
//!
//! Pinot stores `MaterializedViewRuntimeMetadata` as a Helix `ZNRecord` (RM:100-135): `id` is
//! the view table name, the simple field `watermarkMs` holds the watermark (RM:61), and each
//! bucket is one map field keyed by `Long.toString(bucketStartMs)` (RM:107) whose inner map is
//! `state` (`"V"`/`"S"`, PS:42-43), `segmentCount`, `crc` and `lastRefreshTime`, all decimal
//! strings (PI:51-54). The layout is identical pre and post.
//!
//! Two readers. The strict one ([`runtime_from_znrecord_json`]) reads what a person writes
//! in a scenario file: it tolerates what Pinot tolerates on purpose (a missing
//! `watermarkMs` = 0 (RM:115), the legacy map field `partitionInfos` (RM:62), map keys that
//! are not decimal longs (skipped, with a warning), unknown inner and top-level keys) and
//! refuses, in one line, everything Pinot reads only by accident or not at all: Helix's
//! typed maps with JSON types other than strings, a malformed number, a missing id, two keys
//! that denote one bucket, a missing inner key or unknown state code (PI:107-121, PS:55-63),
//! a negative watermark (RM:70). Its last check runs Pinot's path: whatever it accepts, Pinot
//! reads identically.
//!
//! The Pinot reader ([`runtime_from_znode_bytes_as_pinot`]) takes a znode's raw bytes and
//! reproduces Pinot's read path exactly: Jackson's tokenizer ([`crate::jackson`]), Helix's
//! binding of `ZNRecord` (numbers and booleans read as their text, `null` sections, setters
//! called once per occurrence, `LinkedHashMap` document order), `Long.parseLong` /
//! `Integer.parseInt` with every Unicode decimal digit of the BMP, and `fromZNRecord`'s
//! swallowed `NumberFormatException`s. Its outcome is a runtime (with warnings for what Pinot
//! dropped), "absent" (Helix returns `null` and Pinot's fetch reports no znode), or the
//! exception `fromZNRecord` throws. `docs/znrecord-parsing.md` lists what it does not
//! reproduce; `model/tests/data/znrecord-corpus/` holds outcomes recorded by running Pinot.
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

/// Parses the runtime znode data (RM:113-135) into `(id, runtime)`: the strict reader.
///
/// Tolerates what Pinot tolerates and what a person may write on purpose (missing
/// `watermarkMs` = 0, legacy `partitionInfos`, non-numeric map keys, unknown inner keys,
/// unknown top-level keys, missing field sections) and rejects the rest with a one-line
/// [`ZnRecordError`]: JSON types other than Helix's, a malformed number, a missing id, two
/// keys that denote the same bucket (`"0"` and `"+0"`; Pinot keeps the later one in
/// document order), a bucket key in non-ASCII digits. Never panics. Use
/// [`runtime_from_znrecord_json_with_warnings`] to learn which keys were skipped, and
/// [`runtime_from_znode_bytes_as_pinot`] to read as Pinot does.
pub fn runtime_from_znrecord_json(text: &str) -> Result<(String, RuntimeMetadata), ZnRecordError> {
    runtime_from_znrecord_json_with_warnings(text).map(|read| (read.id, read.runtime))
}

/// A runtime read by the strict reader, with the keys it skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictRead {
    /// The record's `id` (the view table name).
    pub id: String,
    /// The runtime.
    pub runtime: RuntimeMetadata,
    /// One line per map key skipped because it is not a bucket (Pinot skips it too, RM:128-130).
    pub warnings: Vec<String>,
}

/// [`runtime_from_znrecord_json`], also returning a warning per skipped map key (the model
/// has no I/O: the caller prints them).
pub fn runtime_from_znrecord_json_with_warnings(text: &str) -> Result<StrictRead, ZnRecordError> {
    if text.starts_with('\u{feff}') {
        return Err(ZnRecordError::at(
            "top level",
            "starts with a byte order mark (U+FEFF); remove it (Pinot would skip it)",
        ));
    }
    let root = parse_json(text)?;
    let record = expect_object(&root, "top level")?;
    let id = read_id(record)?;
    let watermark_ms = read_watermark(record)?;
    let mut warnings = Vec::new();
    let partitions = read_partitions(record, &mut warnings)?;
    check_list_fields(record)?;
    let runtime = RuntimeMetadata {
        watermark_ms,
        partitions: partitions.into(),
    };
    check_pinot_agrees(text, &id, &runtime)?;
    Ok(StrictRead {
        id,
        runtime,
        warnings,
    })
}

/// The last gate of the strict reader: Pinot must read the same record from these bytes.
/// It catches what the checks above leave to Jackson (a `rawPayload` that is not base64,
/// a property name over 50000 bytes, a number over 1000 digits in an ignored field).
fn check_pinot_agrees(
    text: &str,
    id: &str,
    runtime: &RuntimeMetadata,
) -> Result<(), ZnRecordError> {
    let problem = match runtime_from_znode_bytes_as_pinot(text.as_bytes()) {
        PinotRead::Read(read) if read.id.as_deref() == Some(id) && read.runtime == *runtime => {
            return Ok(())
        }
        PinotRead::Read(_) => "Pinot would read a different runtime from it".to_string(),
        PinotRead::Absent { reason } => {
            format!("Helix could not deserialise it, so Pinot would read no runtime: {reason}")
        }
        PinotRead::Threw { exception, message } => {
            format!(
                "Pinot's fromZNRecord would throw {}: {message}",
                exception.name()
            )
        }
    };
    Err(ZnRecordError::at("top level", problem))
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
fn read_watermark(record: &Map<String, Value>) -> Result<i64, ZnRecordError> {
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
    let watermark_ms = parse_long(watermark_text, &path)?;
    if watermark_ms < 0 {
        return Err(ZnRecordError::at(
            &path,
            format!("negative watermark {watermark_ms}"),
        ));
    }
    Ok(watermark_ms)
}

/// One map field per bucket (RM:113-135). Every map field must be a string map (Helix's
/// type); only keys that `Long.parseLong` accepts become buckets, and no two may denote the
/// same bucket.
fn read_partitions(
    record: &Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Result<BTreeMap<i64, PartitionInfo>, ZnRecordError> {
    let mut partitions = BTreeMap::new();
    let Some(map_fields) = optional_section(record, "mapFields")? else {
        return Ok(partitions);
    };
    let mut key_of_bucket: BTreeMap<i64, &str> = BTreeMap::new();
    for (key, value) in map_fields {
        let path = format!("mapFields.{}", quoted(key));
        let inner = expect_string_map(value, &path)?;
        if key == PARTITION_INFOS_MAP_KEY {
            continue;
        }
        let Some(bucket_start_ms) = strict_bucket_key(key, &path, warnings)? else {
            continue;
        };
        if let Some(first) = key_of_bucket.insert(bucket_start_ms, key) {
            return Err(ZnRecordError::at(
                &path,
                format!(
                    "denotes bucket {bucket_start_ms}, as does {} (Pinot keeps the later one in document order)",
                    quoted(first)
                ),
            ));
        }
        partitions.insert(bucket_start_ms, read_partition_info(inner, &path)?);
    }
    Ok(partitions)
}

/// A bucket key as `Long.parseLong` reads it, restricted to ASCII digits: `None` (with a
/// warning) for a key Pinot skips, an error for one Pinot reads in other digits.
fn strict_bucket_key(
    key: &str,
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<i64>, ZnRecordError> {
    if let Ok(bucket_start_ms) = key.parse::<i64>() {
        return Ok(Some(bucket_start_ms));
    }
    let java_key = crate::jackson::java_string(key);
    if let Some(bucket_start_ms) = crate::jackson::java_parse_long(&java_key) {
        return Err(ZnRecordError::at(
            path,
            format!("bucket key in non-ASCII digits (Pinot reads it as bucket {bucket_start_ms}); write it in ASCII"),
        ));
    }
    warnings.push(format!(
        "{path}: not a bucket (not a decimal long); skipped, as Pinot does"
    ));
    Ok(None)
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

/// `PartitionInfo.fromFieldMap` (PI:107-121): all four keys must be present (checked
/// together, before anything is decoded), then the state is decoded (an unknown code throws
/// `IllegalArgumentException`), then the numbers are parsed.
fn read_partition_info(
    inner: &Map<String, Value>,
    path: &str,
) -> Result<PartitionInfo, ZnRecordError> {
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
    let (segment_count, crc, last_refresh_time_ms) = parse_partition_numbers(texts, path)?;
    Ok(PartitionInfo {
        state,
        fingerprint: PartitionFingerprint { segment_count, crc },
        last_refresh_time_ms,
    })
}

/// `Integer.parseInt(segmentCount)`, `Long.parseLong(crc)`, `Long.parseLong(lastRefreshTime)`
/// in that order, as `fromFieldMap` does (PI:107-121).
fn parse_partition_numbers(
    [segment_count_text, crc_text, last_refresh_text]: [&str; 3],
    path: &str,
) -> Result<(i32, i64, i64), ZnRecordError> {
    let segment_count_path = format!("{path}.{SEGMENT_COUNT_KEY}");
    let segment_count = parse_int(segment_count_text, &segment_count_path)?;
    if segment_count < 0 {
        // Pinot's Integer.parseInt accepts it (PI:107-121); a count of segments cannot be
        // negative, so the strict reader refuses it (the Pinot reader keeps it).
        return Err(ZnRecordError::at(
            &segment_count_path,
            format!("negative segment count {segment_count}"),
        ));
    }
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

// ------------------------------------------------------------------------- Pinot's read path

/// What Pinot makes of a runtime znode's bytes: `MaterializedViewRuntimeMetadataUtils.fetch`
/// (MaterializedViewRuntimeMetadataUtils.java:38-48) over Helix's
/// `ZNRecordSerializer.deserialize` (helix-2.0.0 ZNRecordSerializer.java:121-144), then
/// `fromZNRecord` (RM:113-135).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinotRead {
    /// `fromZNRecord` returned this runtime.
    Read(PinotRuntime),
    /// Helix's `deserialize` returned `null` (empty data, or Jackson threw and Helix logged
    /// and swallowed it): `fetch` returns `null`, exactly as for a znode that does not exist.
    Absent {
        /// Why, in one line (Jackson's complaint, paraphrased).
        reason: String,
    },
    /// `fromZNRecord` threw: the caller sees the exception.
    Threw {
        /// The Java exception class.
        exception: JavaException,
        /// One line, in the spirit of the Java message.
        message: String,
    },
}

/// The exceptions `fromZNRecord` can throw on a deserialised record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JavaException {
    /// `Preconditions.checkArgument` or `PartitionState.decode` (PI:108-116, PS:61, RM:70).
    IllegalArgumentException,
    /// `simpleFields` was JSON `null`: `getLongField` dereferences it (ZNRecord.java:304).
    NullPointerException,
}

impl JavaException {
    /// The Java class's simple name.
    pub fn name(self) -> &'static str {
        match self {
            JavaException::IllegalArgumentException => "IllegalArgumentException",
            JavaException::NullPointerException => "NullPointerException",
        }
    }
}

/// A runtime as Pinot read it, with what it silently dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinotRuntime {
    /// `ZNRecord.getId()`: `None` when `id` is missing or JSON `null`. Unpaired surrogates
    /// (which a Java string can hold) are replaced by U+FFFD.
    pub id: Option<String>,
    /// The runtime `fromZNRecord` built.
    pub runtime: RuntimeMetadata,
    /// One line per thing Pinot dropped without a word: a map key that is not a bucket, a
    /// bucket or a watermark whose number `Long.parseLong` / `Integer.parseInt` refused.
    pub warnings: Vec<String>,
}

/// Reads a runtime znode's raw bytes exactly as Pinot does (see [`PinotRead`]). Agrees with
/// the outcomes recorded by running Pinot's own code over the corpus in
/// `model/tests/data/znrecord-corpus/`; `docs/znrecord-parsing.md` lists what it does not
/// reproduce. Never panics.
pub fn runtime_from_znode_bytes_as_pinot(bytes: &[u8]) -> PinotRead {
    if bytes.is_empty() {
        // ZNRecordSerializer.java:122-125: a parent or empty node.
        return PinotRead::Absent {
            reason: "empty data".to_string(),
        };
    }
    let record = match crate::jackson::parse_root(bytes).and_then(|root| bind_znrecord(&root)) {
        Ok(record) => record,
        Err(reason) => return PinotRead::Absent { reason },
    };
    match from_znrecord(record) {
        Ok(runtime) => PinotRead::Read(runtime),
        Err((exception, message)) => PinotRead::Threw {
            exception,
            message: one_line(&message),
        },
    }
}

/// Parses the runtime znode data exactly as Pinot does ([`runtime_from_znode_bytes_as_pinot`]
/// over the text's UTF-8 bytes). Unlike [`runtime_from_znrecord_json`], a malformed number
/// does not fail: Helix `getLongField` reads a malformed `watermarkMs` as 0 and
/// `fromZNRecord` skips a bucket whose `segmentCount`, `crc` or `lastRefreshTime` is malformed
/// (both swallow `NumberFormatException`); each such drop is a warning. `Err` when Pinot would
/// see no record (Helix returns `null`) or `fromZNRecord` throws.
pub fn runtime_from_znrecord_json_as_pinot(text: &str) -> Result<PinotRuntime, ZnRecordError> {
    match runtime_from_znode_bytes_as_pinot(text.as_bytes()) {
        PinotRead::Read(runtime) => Ok(runtime),
        PinotRead::Absent { reason } => Err(ZnRecordError {
            message: one_line(&format!(
                "Helix cannot deserialise the record, so Pinot reads no runtime: {reason}"
            )),
        }),
        PinotRead::Threw { exception, message } => Err(ZnRecordError {
            message: one_line(&format!(
                "fromZNRecord throws {}: {message}",
                exception.name()
            )),
        }),
    }
}

use crate::jackson::{java_parse_int, java_parse_long, java_string_lossy, JavaString, Json};

/// A Java `LinkedHashMap` as Jackson fills it: a repeated key keeps its first position and
/// takes the later value. The index keeps `put` logarithmic for large records.
struct LinkedMap<V> {
    entries: Vec<(JavaString, V)>,
    position_of: BTreeMap<JavaString, usize>,
}

impl<V> LinkedMap<V> {
    fn new() -> Self {
        LinkedMap {
            entries: Vec::new(),
            position_of: BTreeMap::new(),
        }
    }

    fn put(&mut self, key: JavaString, value: V) {
        match self.position_of.get(&key) {
            Some(&position) => self.entries[position].1 = value,
            None => {
                self.position_of.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    fn get(&self, key: &str) -> Option<&V> {
        let position = *self.position_of.get(&crate::jackson::java_string(key))?;
        Some(&self.entries[position].1)
    }
}

/// `Map<String, String>` with Java `null` values.
type StringMap = LinkedMap<Option<JavaString>>;

/// Helix's `ZNRecord` after Jackson bound it: `None` for a section is a JSON `null` passed to
/// its setter; a section absent from the JSON keeps the constructor's empty `TreeMap`.
struct BoundRecord {
    id: Option<JavaString>,
    simple_fields: Option<StringMap>,
    map_fields: Option<LinkedMap<Option<StringMap>>>,
}

/// Jackson binding of the root value to `ZNRecord` (helix-2.0.0 ZNRecord.java:88-207 with
/// `CodehausJacksonIntrospector`): `id` through the `@JsonCreator`, `simpleFields`,
/// `mapFields`, `listFields`, `rawPayload` through their setters (a repeated one: the later
/// call wins), the `@JsonIgnore`d and unknown properties skipped (`ignoreUnknown = true`).
fn bind_znrecord(root: &Json) -> Result<BoundRecord, String> {
    let Json::Object(members) = root else {
        return Err(match root {
            Json::Null => "the document is JSON null".to_string(),
            other => format!("cannot deserialise a ZNRecord from {}", tree_type(other)),
        });
    };
    let mut record = BoundRecord {
        id: None,
        simple_fields: Some(LinkedMap::new()),
        map_fields: Some(LinkedMap::new()),
    };
    for (name, value) in members {
        match java_string_lossy(name).as_str() {
            "id" => record.id = coerce_string(value, "id")?,
            "simpleFields" => {
                record.simple_fields = bind_nullable_map(value, "simpleFields", bind_string_map)?
            }
            "mapFields" => {
                record.map_fields = bind_nullable_map(value, "mapFields", bind_map_fields)?
            }
            "listFields" => {
                bind_nullable_map(value, "listFields", bind_list_fields)?;
            }
            "rawPayload" => bind_raw_payload(value)?,
            _ => {}
        }
    }
    Ok(record)
}

fn tree_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Jackson's `StringDeserializer`: a string as it is, a number as its source text, a boolean
/// as `"true"` / `"false"`, `null` as Java `null`; an object or array fails.
fn coerce_string(value: &Json, path: &str) -> Result<Option<JavaString>, String> {
    match value {
        Json::Null => Ok(None),
        Json::String(text) => Ok(Some(text.clone())),
        Json::Number(text) => Ok(Some(crate::jackson::java_string(text))),
        Json::Bool(flag) => Ok(Some(crate::jackson::java_string(if *flag {
            "true"
        } else {
            "false"
        }))),
        other => Err(format!(
            "{path}: cannot deserialise a String from {}",
            tree_type(other)
        )),
    }
}

/// A map-typed property: `null` passes `null` to the setter; anything but an object fails
/// (an empty string too: Jackson's default coercion refuses `""` for a `Map` or `List`).
fn bind_nullable_map<T>(
    value: &Json,
    path: &str,
    bind: impl Fn(&[(JavaString, Json)], &str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    match value {
        Json::Null => Ok(None),
        Json::Object(members) => bind(members, path).map(Some),
        other => Err(format!(
            "{path}: cannot deserialise a Map from {}",
            tree_type(other)
        )),
    }
}

fn bind_string_map(members: &[(JavaString, Json)], path: &str) -> Result<StringMap, String> {
    let mut map = LinkedMap::new();
    for (key, value) in members {
        let item_path = format!("{path}.{}", quoted(&java_string_lossy(key)));
        map.put(key.clone(), coerce_string(value, &item_path)?);
    }
    Ok(map)
}

fn bind_map_fields(
    members: &[(JavaString, Json)],
    path: &str,
) -> Result<LinkedMap<Option<StringMap>>, String> {
    let mut map = LinkedMap::new();
    for (key, value) in members {
        let item_path = format!("{path}.{}", quoted(&java_string_lossy(key)));
        map.put(
            key.clone(),
            bind_nullable_map(value, &item_path, bind_string_map)?,
        );
    }
    Ok(map)
}

/// `Map<String, List<String>>`: values `null` or arrays of coercible scalars. Unused by
/// `fromZNRecord`, but a wrong type makes Helix return `null`.
fn bind_list_fields(members: &[(JavaString, Json)], path: &str) -> Result<(), String> {
    for (key, value) in members {
        let item_path = format!("{path}.{}", quoted(&java_string_lossy(key)));
        match value {
            Json::Null => {}
            Json::Array(items) => {
                for item in items {
                    coerce_string(item, &item_path)?;
                }
            }
            other => {
                return Err(format!(
                    "{item_path}: cannot deserialise a List from {}",
                    tree_type(other)
                ))
            }
        }
    }
    Ok(())
}

/// `setRawPayload(byte[])`: `null`, a base64 string (Jackson's default `MIME_NO_LINEFEEDS`
/// variant, padding required), or an array of byte-sized integers.
fn bind_raw_payload(value: &Json) -> Result<(), String> {
    let valid = match value {
        Json::Null => true,
        Json::String(text) => jackson_base64_valid(text),
        Json::Array(items) => items.iter().all(|item| match item {
            Json::Null => true,
            Json::Number(_) | Json::String(_) => text_is_byte(item),
            _ => false,
        }),
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "rawPayload: cannot deserialise byte[] from {}",
            tree_type(value)
        ))
    }
}

/// A `byte[]` element Jackson accepts: an integer (or a string holding one) in -128..=255.
fn text_is_byte(item: &Json) -> bool {
    let text = match item {
        Json::Number(text) => text.clone(),
        Json::String(text) => java_string_lossy(text),
        _ => return false,
    };
    text.parse::<i64>()
        .is_ok_and(|byte| (-128..=255).contains(&byte))
}

/// `Base64Variant.decode` with padding required: whitespace (`<= ' '`) only between
/// quartets, each quartet four alphabet characters or two/three then `=` padding.
fn jackson_base64_valid(text: &[u16]) -> bool {
    let is_alphabet = |unit: u16| {
        char::from_u32(u32::from(unit))
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
    };
    let mut index = 0;
    while index < text.len() {
        if text[index] <= 0x20 {
            index += 1;
            continue;
        }
        let quartet = &text[index..text.len().min(index + 4)];
        if quartet.len() < 4 || !is_alphabet(quartet[0]) || !is_alphabet(quartet[1]) {
            return false;
        }
        let padding = u16::from(b'=');
        let valid = match (is_alphabet(quartet[2]), is_alphabet(quartet[3])) {
            (true, true) => true,
            (true, false) => quartet[3] == padding,
            (false, _) => quartet[2] == padding && quartet[3] == padding,
        };
        if !valid {
            return false;
        }
        index += 4;
    }
    true
}

/// `MaterializedViewRuntimeMetadata.fromZNRecord` (RM:113-135) over the bound record.
fn from_znrecord(record: BoundRecord) -> Result<PinotRuntime, (JavaException, String)> {
    let mut warnings = Vec::new();
    // RM:115 -> ZNRecord.getLongField (ZNRecord.java:378-389): NumberFormatException -> 0.
    let Some(simple_fields) = &record.simple_fields else {
        return Err((
            JavaException::NullPointerException,
            "simpleFields is null (getLongField dereferences it)".to_string(),
        ));
    };
    let watermark_ms = match simple_fields.get(WATERMARK_MS_KEY) {
        Some(Some(text)) => java_parse_long(text).unwrap_or_else(|| {
            warnings.push(format!(
                "simpleFields.{WATERMARK_MS_KEY}: {} is not a Java long; Pinot reads the watermark as 0",
                quoted(&java_string_lossy(text))
            ));
            0
        }),
        _ => 0,
    };
    let mut partitions = BTreeMap::new();
    if let Some(map_fields) = &record.map_fields {
        for (key, value) in &map_fields.entries {
            pinot_read_bucket(key, value.as_ref(), &mut partitions, &mut warnings)?;
        }
    }
    if watermark_ms < 0 {
        return Err((
            JavaException::IllegalArgumentException,
            format!("watermarkMs must be non-negative, got: {watermark_ms}"),
        ));
    }
    Ok(PinotRuntime {
        id: record.id.as_deref().map(java_string_lossy),
        runtime: RuntimeMetadata {
            watermark_ms,
            partitions: partitions.into(),
        },
        warnings,
    })
}

/// One iteration of RM:120-131, in the map's (document) order.
fn pinot_read_bucket(
    key: &[u16],
    value: Option<&StringMap>,
    partitions: &mut BTreeMap<i64, PartitionInfo>,
    warnings: &mut Vec<String>,
) -> Result<(), (JavaException, String)> {
    let path = format!("mapFields.{}", quoted(&java_string_lossy(key)));
    if *key == *crate::jackson::java_string(PARTITION_INFOS_MAP_KEY) {
        return Ok(());
    }
    let Some(bucket_start_ms) = java_parse_long(key) else {
        warnings.push(format!(
            "{path}: not a bucket (not a Java long); Pinot skips it"
        ));
        return Ok(());
    };
    // PI:108: a JSON null inner map.
    let Some(inner) = value else {
        return Err((
            JavaException::IllegalArgumentException,
            format!("{path}: PartitionInfo field map must not be null"),
        ));
    };
    let field = |name: &str| inner.get(name).and_then(Option::as_ref);
    let (Some(state), Some(segment_count), Some(crc), Some(last_refresh)) = (
        field(STATE_KEY),
        field(SEGMENT_COUNT_KEY),
        field(CRC_KEY),
        field(LAST_REFRESH_TIME_KEY),
    ) else {
        return Err((
            JavaException::IllegalArgumentException,
            format!("{path}: PartitionInfo field map missing required keys"),
        ));
    };
    let state_text = java_string_lossy(state);
    let state = match state.as_slice() {
        [0x56] => PartitionState::Valid,
        [0x53] => PartitionState::Stale,
        _ => {
            return Err((
                JavaException::IllegalArgumentException,
                format!("{path}: Unknown PartitionState code: {state_text}"),
            ))
        }
    };
    let numbers = (
        java_parse_int(segment_count),
        java_parse_long(crc),
        java_parse_long(last_refresh),
    );
    let (Some(segment_count), Some(crc), Some(last_refresh_time_ms)) = numbers else {
        warnings.push(format!(
            "{path}: a number Java refuses (NumberFormatException); Pinot skips the bucket"
        ));
        return Ok(());
    };
    partitions.insert(
        bucket_start_ms,
        PartitionInfo {
            state,
            fingerprint: PartitionFingerprint { segment_count, crc },
            last_refresh_time_ms,
        },
    );
    Ok(())
}
