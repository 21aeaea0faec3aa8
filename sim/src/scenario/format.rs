//! The scenario file format (TOML) and its loader.
//!
//! Loading is two passes: serde reads the file into the `*File` structs below (with spans on
//! every value that a later check may reject), then [`validate`] turns them into a
//! [`Scenario`] whose names, steps and expectations are all known to be meaningful. Every
//! error is one line, `file:line:column: what was wrong and what was expected`; the line is
//! computed from the TOML span (toml's own parse errors carry one too).
//!
//! See `docs/scenarios.md` for the format with examples.

use super::steps::{parse_step, ScenarioStep, StepFile};
use mvsim_model::fingerprint::SegmentRef;
use mvsim_model::fingerprint::{
    compute_window_fingerprint, fingerprint_of_sorted, java_string_cmp,
};
use mvsim_model::partition::{
    PartitionFingerprint, PartitionInfo, PartitionState, RuntimeMetadata, SourceSegment,
};
use mvsim_model::properties::{self, Expectation};
use mvsim_model::znrecord::{runtime_from_znrecord_json_with_warnings, segments_from_json};
use mvsim_model::Profile;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A scenario load error: one line naming the file, the line and the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

/// Where errors point: the file label and its text (for span -> line).
pub(crate) struct Source<'a> {
    pub label: &'a str,
    pub text: &'a str,
}

impl Source<'_> {
    /// `label:line:column: message`, the line and column computed from a byte span.
    pub fn error_at(&self, span: Option<Range<usize>>, message: impl fmt::Display) -> LoadError {
        let message = message.to_string().replace(['\n', '\r'], " ");
        match span {
            Some(span) => {
                let (line, column) = line_column(self.text, span.start);
                LoadError {
                    message: format!("{}:{line}:{column}: {message}", self.label),
                }
            }
            None => LoadError {
                message: format!("{}: {message}", self.label),
            },
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

// ------------------------------------------------------------------------------ file form

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    name: Spanned<String>,
    description: String,
    engines: Spanned<Vec<Spanned<String>>>,
    bucket_ms: Option<Spanned<i64>>,
    buffer_ms: Option<Spanned<i64>>,
    start_ms: Option<Spanned<i64>>,
    staleness_threshold_ms: Option<Spanned<i64>>,
    max_tasks_per_batch: Option<Spanned<u32>>,
    critical_max_attempts: Option<Spanned<u32>>,
    #[serde(default)]
    slow_delete_removal: bool,
    #[serde(default)]
    quiescence: bool,
    #[serde(default)]
    initial: InitialFile,
    script: ScriptFile,
    #[serde(default)]
    expect: BTreeMap<Spanned<String>, Spanned<ExpectFile>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct InitialFile {
    watermark: Option<Spanned<i64>>,
    #[serde(default)]
    buckets: BTreeMap<Spanned<String>, Spanned<String>>,
    source: Option<Vec<SegmentFile>>,
    znrecord: Option<Spanned<String>>,
    segments: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SegmentFile {
    segment: String,
    start: i64,
    end: i64,
    crc: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptFile {
    steps: Vec<Spanned<StepFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectFile {
    #[serde(default)]
    violated: Vec<Spanned<String>>,
    #[serde(default)]
    holds: Vec<Spanned<String>>,
    #[serde(default)]
    reached: Vec<Spanned<String>>,
    #[serde(default)]
    not_reached: Vec<Spanned<String>>,
    watermark: Option<i64>,
    buckets: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
}

// ------------------------------------------------------------------------- validated form

/// Pinot's knobs a scenario may set (defaults: `Config::base`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Knobs {
    pub bucket_ms: i64,
    pub buffer_ms: i64,
    pub start_ms: i64,
    pub staleness_threshold_ms: i64,
    pub max_tasks_per_batch: u32,
    pub critical_max_attempts: u32,
    pub slow_delete_removal: bool,
}

/// The initial cluster state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Initial {
    /// `None`: no runtime znode (the scheduler cold-starts it).
    pub runtime: Option<RuntimeMetadata>,
    pub source: Vec<SourceSegment>,
    /// Where the znode and the segments came from, for the trace header.
    pub origin: Option<String>,
    /// What the data files' readers accepted but dropped (a ZNRecord map key that is not a
    /// number, which Pinot skips silently); the CLI prints them on stderr.
    pub warnings: Vec<String>,
}

/// An expected fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FingerprintExpect {
    /// A fixed value (`EMPTY`, `s1:1 s2:5`, or `count,crc`).
    Exact(PartitionFingerprint),
    /// The live source fingerprint of the bucket's window when the check runs.
    Live,
}

/// An expected bucket: `None` = absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketExpect {
    pub entry: Option<(PartitionState, FingerprintExpect)>,
    /// As written in the file.
    pub text: String,
}

/// The expected outcome on one engine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expect {
    /// Always / Quiescent properties that must be violated; every other one must hold.
    pub violated: Vec<&'static str>,
    /// Always / Quiescent properties stated to hold (documentation; checked like the rest).
    pub holds: Vec<&'static str>,
    /// Sometimes properties that must be reached at some step.
    pub reached: Vec<&'static str>,
    /// Sometimes properties that must not be reached.
    pub not_reached: Vec<&'static str>,
    pub watermark_ms: Option<i64>,
    /// The exact final bucket map (every bucket present at the end must be listed).
    pub buckets: Option<BTreeMap<i64, BucketExpect>>,
}

/// A loaded, validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The file, as named in errors (`scenarios/lifecycle.toml`).
    pub file: String,
    pub engines: Vec<Profile>,
    pub knobs: Knobs,
    /// Judge the quiescent properties after the last step.
    pub quiescence: bool,
    pub initial: Initial,
    pub steps: Vec<ScenarioStep>,
    /// Per engine name.
    pub expect: BTreeMap<String, Expect>,
}

impl Scenario {
    /// The engine names, comma-separated.
    pub fn engine_list(&self) -> String {
        let names: Vec<&str> = self.engines.iter().map(|profile| profile.name).collect();
        names.join(",")
    }
}

// ------------------------------------------------------------------------------- loading

/// Parses and validates one scenario file. `label` names the file in errors; data files
/// are resolved relative to `path`'s directory.
pub fn load_file(path: &Path, label: &str) -> Result<Scenario, LoadError> {
    let text = crate::files::read_input(path, "scenario").map_err(|error| LoadError {
        message: format!("{label}: {error}"),
    })?;
    parse(&text, label, path.parent().unwrap_or(Path::new(".")))
}

/// Parses and validates scenario text (`base_dir` resolves data file paths).
pub fn parse(text: &str, label: &str, base_dir: &Path) -> Result<Scenario, LoadError> {
    let source = Source { label, text };
    let file: ScenarioFile =
        toml::from_str(text).map_err(|error| source.error_at(error.span(), error.message()))?;
    validate(&source, file, base_dir)
}

fn validate(source: &Source, file: ScenarioFile, base_dir: &Path) -> Result<Scenario, LoadError> {
    let stem = Path::new(source.label)
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default();
    if !stem.is_empty() && file.name.get_ref() != stem {
        return Err(source.error_at(
            Some(file.name.span()),
            format!(
                "name `{}` must equal the file name `{stem}`",
                file.name.get_ref()
            ),
        ));
    }
    let engines = parse_engines(source, &file.engines)?;
    let knobs = parse_knobs(source, &file)?;
    let initial = parse_initial(source, &file.initial, &knobs, base_dir)?;
    let mut steps = Vec::with_capacity(file.script.steps.len());
    for (index, step) in file.script.steps.iter().enumerate() {
        steps.push(parse_step(source, index + 1, step)?);
    }
    check_clock_ticks(source, &steps, &engines)?;
    let expect = parse_expects(source, &file, &engines)?;
    Ok(Scenario {
        name: file.name.into_inner(),
        description: file.description.replace(['\n', '\r'], " "),
        file: source.label.to_string(),
        engines,
        knobs,
        quiescence: file.quiescence,
        initial,
        steps,
        expect,
    })
}

/// The model counts clock ticks in a `u8`: at most 255 per run.
fn check_clock_ticks(
    source: &Source,
    steps: &[ScenarioStep],
    engines: &[Profile],
) -> Result<(), LoadError> {
    for profile in engines {
        let mut ticks = 0u32;
        for step in steps.iter().filter(|step| step.applies_to(profile.name)) {
            ticks = ticks.saturating_add(step.clock_ticks());
            if ticks > u32::from(u8::MAX) {
                return Err(LoadError {
                    message: format!(
                        "{}:{}: step {}: {ticks} clock ticks on {}; expected at most 255 per run",
                        source.label, step.line, step.index, profile.name
                    ),
                });
            }
        }
    }
    Ok(())
}

fn parse_engines(
    source: &Source,
    engines: &Spanned<Vec<Spanned<String>>>,
) -> Result<Vec<Profile>, LoadError> {
    if engines.get_ref().is_empty() {
        return Err(source.error_at(
            Some(engines.span()),
            "engines is empty; expected at least one engine profile",
        ));
    }
    let mut profiles = Vec::new();
    for name in engines.get_ref() {
        let profile = engine_by_name(source, name)?;
        if profiles.contains(&profile) {
            return Err(source.error_at(
                Some(name.span()),
                format!("engine `{}` listed twice", name.get_ref()),
            ));
        }
        profiles.push(profile);
    }
    Ok(profiles)
}

/// `Profile::by_name` with the error placed at the name.
pub(crate) fn engine_by_name(
    source: &Source,
    name: &Spanned<String>,
) -> Result<Profile, LoadError> {
    Profile::by_name(name.get_ref()).map_err(|error| source.error_at(Some(name.span()), error))
}

/// Times are bounded so that no window arithmetic can overflow (|t| <= 2^60 ms, about 36
/// million years; a bucket <= 2^40 ms; at most 255 ticks).
pub(crate) const TIME_LIMIT_MS: i64 = 1 << 60;
const BUCKET_LIMIT_MS: i64 = 1 << 40;

/// `what` must lie in `[-limit, limit]`.
pub(crate) fn check_time(
    source: &Source,
    span: Option<Range<usize>>,
    what: &str,
    value: i64,
    limit: i64,
) -> Result<(), LoadError> {
    if (-limit..=limit).contains(&value) {
        Ok(())
    } else {
        Err(source.error_at(
            span,
            format!("{what} = {value} is out of range; expected a time within +-{limit} ms"),
        ))
    }
}

fn parse_knobs(source: &Source, file: &ScenarioFile) -> Result<Knobs, LoadError> {
    let base = mvsim_model::Config::base("scenario", Profile::all()[0]);
    let knobs = Knobs {
        bucket_ms: file
            .bucket_ms
            .as_ref()
            .map_or(base.bucket_ms, |v| *v.get_ref()),
        buffer_ms: file
            .buffer_ms
            .as_ref()
            .map_or(base.buffer_ms, |v| *v.get_ref()),
        start_ms: file
            .start_ms
            .as_ref()
            .map_or(base.start_ms, |v| *v.get_ref()),
        staleness_threshold_ms: file
            .staleness_threshold_ms
            .as_ref()
            .map_or(base.staleness_threshold_ms, |v| *v.get_ref()),
        max_tasks_per_batch: file
            .max_tasks_per_batch
            .as_ref()
            .map_or(base.max_tasks_per_batch, |v| *v.get_ref()),
        critical_max_attempts: file
            .critical_max_attempts
            .as_ref()
            .map_or(base.critical_max_attempts, |v| *v.get_ref()),
        slow_delete_removal: file.slow_delete_removal,
    };
    let checks: [(Option<Range<usize>>, bool, &str); 4] = [
        (
            file.bucket_ms.as_ref().map(Spanned::span),
            knobs.bucket_ms > 0,
            "bucket_ms must be > 0",
        ),
        (
            file.buffer_ms.as_ref().map(Spanned::span),
            knobs.buffer_ms >= 0,
            "buffer_ms must be >= 0",
        ),
        (
            file.max_tasks_per_batch.as_ref().map(Spanned::span),
            knobs.max_tasks_per_batch >= 1,
            "max_tasks_per_batch must be >= 1",
        ),
        (
            file.critical_max_attempts.as_ref().map(Spanned::span),
            knobs.critical_max_attempts >= 1,
            "critical_max_attempts must be >= 1",
        ),
    ];
    for (span, ok, message) in checks {
        if !ok {
            return Err(source.error_at(span, message));
        }
    }
    let span = |value: &Option<Spanned<i64>>| value.as_ref().map(Spanned::span);
    check_time(
        source,
        span(&file.bucket_ms),
        "bucket_ms",
        knobs.bucket_ms,
        BUCKET_LIMIT_MS,
    )?;
    check_time(
        source,
        span(&file.buffer_ms),
        "buffer_ms",
        knobs.buffer_ms,
        TIME_LIMIT_MS,
    )?;
    check_time(
        source,
        span(&file.start_ms),
        "start_ms",
        knobs.start_ms,
        TIME_LIMIT_MS,
    )?;
    let threshold = knobs.staleness_threshold_ms;
    let threshold_span = span(&file.staleness_threshold_ms);
    check_time(
        source,
        threshold_span,
        "staleness_threshold_ms",
        threshold,
        TIME_LIMIT_MS,
    )?;
    Ok(knobs)
}

pub(crate) fn parse_initial(
    source: &Source,
    initial: &InitialFile,
    knobs: &Knobs,
    base_dir: &Path,
) -> Result<Initial, LoadError> {
    let mut origin = Vec::new();
    let segments = match (&initial.source, &initial.segments) {
        (Some(_), Some(path)) => {
            return Err(source.error_at(
                Some(path.span()),
                "give either initial.source or initial.segments, not both",
            ))
        }
        (Some(list), None) => list
            .iter()
            .map(|segment| SourceSegment {
                name: segment.segment.clone(),
                start_time_ms: segment.start,
                end_time_ms: segment.end,
                crc: segment.crc,
            })
            .collect(),
        (None, Some(path)) => {
            let text = read_data_file(source, path, base_dir)?;
            origin.push(format!("segments from {}", path.get_ref()));
            segments_from_json(&text).map_err(|error| {
                source.error_at(Some(path.span()), format!("{}: {error}", path.get_ref()))
            })?
        }
        (None, None) => Vec::new(),
    };
    let mut names = BTreeSet::new();
    for segment in &segments {
        for (what, value) in [
            ("start", segment.start_time_ms),
            ("end", segment.end_time_ms),
        ] {
            let what = format!("initial source `{}` {what}", segment.name);
            check_time(source, None, &what, value, TIME_LIMIT_MS)?;
        }
        // Times <= 0 read as -1, "no time" (SegmentZKMetadata:78-94); two real times must
        // be in order.
        if segment.start_time_ms > 0
            && segment.end_time_ms > 0
            && segment.end_time_ms < segment.start_time_ms
        {
            return Err(source.error_at(
                None,
                format!(
                    "initial source: segment `{}` ends ({}) before it starts ({})",
                    segment.name, segment.end_time_ms, segment.start_time_ms
                ),
            ));
        }
        if !names.insert(segment.name.as_str()) {
            return Err(source.error_at(
                None,
                format!("initial source: segment `{}` listed twice", segment.name),
            ));
        }
    }
    let mut warnings = Vec::new();
    let runtime = initial_runtime(
        source,
        initial,
        knobs,
        &segments,
        base_dir,
        (&mut origin, &mut warnings),
    )?;
    Ok(Initial {
        warnings,
        runtime,
        source: segments,
        origin: if origin.is_empty() {
            None
        } else {
            Some(origin.join("; "))
        },
    })
}

fn initial_runtime(
    source: &Source,
    initial: &InitialFile,
    knobs: &Knobs,
    segments: &[SourceSegment],
    base_dir: &Path,
    (origin, warnings): (&mut Vec<String>, &mut Vec<String>),
) -> Result<Option<RuntimeMetadata>, LoadError> {
    if let Some(path) = &initial.znrecord {
        if initial.watermark.is_some() || !initial.buckets.is_empty() {
            return Err(source.error_at(
                Some(path.span()),
                "give either initial.znrecord or initial.watermark/buckets, not both",
            ));
        }
        let text = read_data_file(source, path, base_dir)?;
        let read = runtime_from_znrecord_json_with_warnings(&text).map_err(|error| {
            source.error_at(Some(path.span()), format!("{}: {error}", path.get_ref()))
        })?;
        let (id, runtime) = (read.id, read.runtime);
        warnings.extend(
            read.warnings
                .into_iter()
                .map(|warning| format!("{}: {warning}", path.get_ref())),
        );
        origin.insert(0, format!("znode {id} from {}", path.get_ref()));
        let span = Some(path.span());
        check_time(
            source,
            span.clone(),
            "watermark",
            runtime.watermark_ms,
            TIME_LIMIT_MS,
        )?;
        for bucket in runtime.partitions.keys() {
            check_time(source, span.clone(), "bucket key", *bucket, TIME_LIMIT_MS)?;
        }
        return Ok(Some(runtime));
    }
    let Some(watermark) = &initial.watermark else {
        if let Some((key, _)) = initial.buckets.iter().next() {
            return Err(source.error_at(
                Some(key.span()),
                "initial.buckets needs initial.watermark (no watermark = no znode)",
            ));
        }
        return Ok(None);
    };
    if *watermark.get_ref() < 0 {
        return Err(source.error_at(Some(watermark.span()), "initial.watermark must be >= 0"));
    }
    let watermark_ms = *watermark.get_ref();
    check_time(
        source,
        Some(watermark.span()),
        "initial.watermark",
        watermark_ms,
        TIME_LIMIT_MS,
    )?;
    let mut partitions = BTreeMap::new();
    for (key, value) in &initial.buckets {
        let bucket = parse_bucket_key(source, key)?;
        let expect = parse_bucket(source, value)?;
        let Some((state, fingerprint)) = expect.entry else {
            continue; // "absent" in an initial map: no entry
        };
        let fingerprint = match fingerprint {
            FingerprintExpect::Exact(fingerprint) => fingerprint,
            FingerprintExpect::Live => compute_window_fingerprint(
                segments.iter().map(SegmentRef::from),
                bucket,
                bucket + knobs.bucket_ms,
            ),
        };
        let info = PartitionInfo {
            state,
            fingerprint,
            last_refresh_time_ms: 0,
        };
        partitions.insert(bucket, info);
    }
    Ok(Some(RuntimeMetadata {
        watermark_ms: *watermark.get_ref(),
        partitions: partitions.into(),
    }))
}

fn read_data_file(
    source: &Source,
    path: &Spanned<String>,
    base_dir: &Path,
) -> Result<String, LoadError> {
    let full: PathBuf = base_dir.join(path.get_ref());
    crate::files::read_input(&full, "data file")
        .map_err(|error| source.error_at(Some(path.span()), error))
}

fn parse_bucket_key(source: &Source, key: &Spanned<String>) -> Result<i64, LoadError> {
    let bucket = key.get_ref().parse::<i64>().map_err(|_| {
        source.error_at(
            Some(key.span()),
            format!(
                "bucket key `{}` is not a bucket start in ms; expected a decimal integer",
                key.get_ref()
            ),
        )
    })?;
    check_time(
        source,
        Some(key.span()),
        "bucket key",
        bucket,
        TIME_LIMIT_MS,
    )?;
    Ok(bucket)
}

const BUCKET_GRAMMAR: &str = "expected `absent` or `V|S <fingerprint>`, where <fingerprint> is \
     `EMPTY`, `live`, segments `name:crc ...`, or `count,crc`";

/// Parses a bucket value: `absent`, or `V`/`S` followed by a fingerprint.
fn parse_bucket(source: &Source, value: &Spanned<String>) -> Result<BucketExpect, LoadError> {
    let text = value.get_ref().trim();
    let fail = |detail: String| source.error_at(Some(value.span()), detail);
    if text == "absent" {
        return Ok(BucketExpect {
            entry: None,
            text: text.to_string(),
        });
    }
    let mut words = text.split_whitespace();
    let state = match words.next() {
        Some("V" | "VALID") => PartitionState::Valid,
        Some("S" | "STALE") => PartitionState::Stale,
        _ => return Err(fail(format!("bucket `{text}`: {BUCKET_GRAMMAR}"))),
    };
    let rest: Vec<&str> = words.collect();
    let fingerprint = parse_fingerprint(&rest)
        .map_err(|detail| fail(format!("bucket `{text}`: {detail}; {BUCKET_GRAMMAR}")))?;
    Ok(BucketExpect {
        entry: Some((state, fingerprint)),
        text: text.to_string(),
    })
}

fn parse_fingerprint(words: &[&str]) -> Result<FingerprintExpect, String> {
    match words {
        [] => Err("missing fingerprint".to_string()),
        ["EMPTY"] => Ok(FingerprintExpect::Exact(PartitionFingerprint::EMPTY)),
        ["live"] => Ok(FingerprintExpect::Live),
        [raw] if raw.contains(',') => {
            let (count, crc) = raw.split_once(',').unwrap_or_default();
            match (count.parse::<i32>(), crc.parse::<i64>()) {
                (Ok(segment_count), Ok(_)) if segment_count < 0 => Err(format!(
                    "`{raw}`: the segment count {segment_count} is negative"
                )),
                (Ok(segment_count), Ok(crc)) => {
                    Ok(FingerprintExpect::Exact(PartitionFingerprint {
                        segment_count,
                        crc,
                    }))
                }
                _ => Err(format!("`{raw}` is not `count,crc`")),
            }
        }
        segments => {
            let mut pairs = Vec::new();
            for word in segments {
                let Some((name, crc)) = word.rsplit_once(':') else {
                    return Err(format!("`{word}` is not `name:crc`"));
                };
                let crc = crc
                    .parse::<i64>()
                    .map_err(|_| format!("`{word}`: crc `{crc}` is not an integer"))?;
                pairs.push((name, crc));
            }
            pairs.sort_by(|left, right| java_string_cmp(left.0, right.0));
            Ok(FingerprintExpect::Exact(fingerprint_of_sorted(
                pairs.iter().map(|(name, crc)| (*name, *crc)),
            )))
        }
    }
}

fn parse_expects(
    source: &Source,
    file: &ScenarioFile,
    engines: &[Profile],
) -> Result<BTreeMap<String, Expect>, LoadError> {
    let mut expects = BTreeMap::new();
    for (engine, expect) in &file.expect {
        let profile = engine_by_name(source, engine)?;
        if !engines.contains(&profile) {
            return Err(source.error_at(
                Some(engine.span()),
                format!(
                    "expect.{} is for an engine not in `engines`",
                    engine.get_ref()
                ),
            ));
        }
        let parsed = parse_expect(source, expect.get_ref(), file.quiescence)?;
        expects.insert(profile.name.to_string(), parsed);
    }
    for profile in engines {
        if !expects.contains_key(profile.name) {
            return Err(source.error_at(
                Some(file.engines.span()),
                format!(
                    "engine `{}` has no [expect.{}] table; expected one per engine",
                    profile.name, profile.name
                ),
            ));
        }
    }
    Ok(expects)
}

fn parse_expect(
    source: &Source,
    expect: &ExpectFile,
    quiescence: bool,
) -> Result<Expect, LoadError> {
    let judged = |kind: Expectation| {
        kind == Expectation::Always || (quiescence && kind == Expectation::Quiescent)
    };
    let violated = property_names(source, &expect.violated, "violated", &judged)?;
    let holds = property_names(source, &expect.holds, "holds", &judged)?;
    let sometimes = |kind: Expectation| kind == Expectation::Sometimes;
    let reached = property_names(source, &expect.reached, "reached", &sometimes)?;
    let not_reached = property_names(source, &expect.not_reached, "not_reached", &sometimes)?;
    for name in &expect.holds {
        if violated.contains(&name.get_ref().as_str()) {
            return Err(source.error_at(
                Some(name.span()),
                format!("`{}` is listed in both violated and holds", name.get_ref()),
            ));
        }
    }
    let buckets = match &expect.buckets {
        None => None,
        Some(map) => {
            let mut buckets = BTreeMap::new();
            for (key, value) in map {
                buckets.insert(parse_bucket_key(source, key)?, parse_bucket(source, value)?);
            }
            Some(buckets)
        }
    };
    Ok(Expect {
        violated,
        holds,
        reached,
        not_reached,
        watermark_ms: expect.watermark,
        buckets,
    })
}

/// Resolves property names, requiring each to be of a kind `accept` allows.
fn property_names(
    source: &Source,
    names: &[Spanned<String>],
    list: &str,
    accept: &dyn Fn(Expectation) -> bool,
) -> Result<Vec<&'static str>, LoadError> {
    let mut resolved = Vec::new();
    for name in names {
        let Some(property) = properties::by_name(name.get_ref()) else {
            let valid: Vec<&str> = properties::registry()
                .iter()
                .filter(|property| accept(property.expectation))
                .map(|property| property.name)
                .collect();
            return Err(source.error_at(
                Some(name.span()),
                format!(
                    "unknown property `{}` in {list}; expected one of: {}",
                    name.get_ref(),
                    valid.join(", ")
                ),
            ));
        };
        if !accept(property.expectation) {
            let hint = match property.expectation {
                Expectation::Quiescent => {
                    " (set `quiescence = true` to judge quiescent properties)"
                }
                Expectation::Sometimes => " (list sometimes properties in reached / not_reached)",
                Expectation::Always => " (list always properties in violated / holds)",
            };
            return Err(source.error_at(
                Some(name.span()),
                format!(
                    "`{}` is a {} property and cannot be listed in {list}{hint}",
                    property.name,
                    property.expectation.name()
                ),
            ));
        }
        resolved.push(property.name);
    }
    Ok(resolved)
}
