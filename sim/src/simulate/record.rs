//! Trace files: a run as JSON (serde), enough to replay it without the seed's RNG.
//!
//! A trace holds the seed, the engine, the command-line overrides, the full parameter set,
//! the time healing started, the violations the run produced (so a replay can say whether
//! it reproduced them), and every applied workload step: its virtual time, the `Action`
//! value, and the CAS back-off jitter draws it consumed. Healing is deterministic and is
//! not recorded. The header is pretty-printed and each step takes one line, so traces
//! diff well.
//!
//! Files the user did not name (the default `target/mvsim/...` paths) are never
//! overwritten with different contents: the next free `-2`, `-3`, ... name is used.

use super::engine::{Phase, RecordedStep, Violation};
use super::params::SimParams;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The `format` value of trace files this version writes and reads.
pub const TRACE_FORMAT: &str = "mvsim-simulation-trace/1";

/// A violation a trace is expected to reproduce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    /// The property's registry name.
    pub property: String,
    /// Steps applied before the check that failed.
    pub step: usize,
    /// The phase of the failing state.
    pub phase: Phase,
}

impl Expected {
    /// The expectation of each violation of a run.
    pub fn of(violations: &[Violation]) -> Vec<Expected> {
        violations
            .iter()
            .map(|violation| Expected {
                property: violation.property.clone(),
                step: violation.step,
                phase: violation.phase,
            })
            .collect()
    }
}

/// How a trace was shrunk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShrinkInfo {
    /// The property the shrunk trace still violates.
    pub property: String,
    /// The signature (text form) the shrunk trace still shows for that property: the
    /// original violation's first (absent in traces written before signatures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Workload steps of the original run.
    pub original_steps: usize,
    /// Replays the shrinker ran.
    pub replays: usize,
}

/// A recorded run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    /// Always [`TRACE_FORMAT`].
    pub format: String,
    /// The exit status of the run that wrote the trace (1 when it has expected violations,
    /// 130 when SIGINT cut its workload phase short; `crate::exit`). Absent in older
    /// traces: read as 0.
    #[serde(default)]
    pub exit_status: u8,
    /// The workload phase ran to its end (false when SIGINT cut it short). Default true.
    #[serde(default = "yes")]
    pub complete: bool,
    /// SIGINT cut the workload phase short. Default false.
    #[serde(default)]
    pub interrupted: bool,
    /// The run's seed.
    pub seed: u64,
    /// The engine profile name.
    pub engine: String,
    /// The overrides of the run, as command-line flags (for the replay-by-seed command).
    pub options: Vec<String>,
    /// Every parameter of the run.
    pub params: SimParams,
    /// When the workload phase ended and healing started.
    pub heal_start_ms: i64,
    /// Set when this trace was shrunk from a longer one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrunk: Option<ShrinkInfo>,
    /// The violations a replay must reproduce.
    pub expected: Vec<Expected>,
    /// Every applied workload step.
    pub steps: Vec<RecordedStep>,
}

fn yes() -> bool {
    true
}

#[derive(Serialize)]
struct Header<'a> {
    format: &'a str,
    exit_status: u8,
    complete: bool,
    interrupted: bool,
    seed: u64,
    engine: &'a str,
    options: &'a [String],
    params: &'a SimParams,
    heal_start_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    shrunk: &'a Option<ShrinkInfo>,
    expected: &'a [Expected],
}

impl Recording {
    /// The file text: pretty header, one step per line.
    pub fn to_json(&self) -> String {
        let header = Header {
            format: &self.format,
            exit_status: self.exit_status,
            complete: self.complete,
            interrupted: self.interrupted,
            seed: self.seed,
            engine: &self.engine,
            options: &self.options,
            params: &self.params,
            heal_start_ms: self.heal_start_ms,
            shrunk: &self.shrunk,
            expected: &self.expected,
        };
        let mut text = serde_json::to_string_pretty(&header).expect("a header serializes");
        let closing = text.rfind('}').expect("a JSON object ends with }");
        text.truncate(closing);
        let text_end = text.trim_end().len();
        text.truncate(text_end);
        text.push_str(",\n  \"steps\": [");
        for (index, step) in self.steps.iter().enumerate() {
            let separator = if index == 0 { "" } else { "," };
            let line = serde_json::to_string(step).expect("a step serializes");
            let _ = write!(text, "{separator}\n    {line}");
        }
        text.push_str("\n  ]\n}\n");
        text
    }

    /// Parses a trace file's text; errors are one line.
    pub fn from_json(text: &str) -> Result<Recording, String> {
        let recording: Recording = serde_json::from_str(text).map_err(|error| error.to_string())?;
        if recording.format != TRACE_FORMAT {
            return Err(format!(
                "format '{}' is not '{TRACE_FORMAT}'",
                recording.format
            ));
        }
        Ok(recording)
    }

    /// Reads a trace file (at most the input cap, `crate::files`).
    pub fn read(path: &Path) -> Result<Recording, String> {
        let text = crate::files::read_input(path, "trace file")?;
        Recording::from_json(&text)
            .map_err(|error| format!("corrupt trace file '{}': {error}", path.display()))
    }
}

/// `target/mvsim/sim-<engine>-seed<seed>[.shrunk].json` under the current directory.
pub fn default_trace_path(engine: &str, seed: u64, shrunk: bool) -> PathBuf {
    let suffix = if shrunk { ".shrunk" } else { "" };
    PathBuf::from("target")
        .join("mvsim")
        .join(format!("sim-{engine}-seed{seed}{suffix}.json"))
}

/// `FILE.json` -> `FILE.shrunk.json` (the shrunk trace next to a named trace).
pub fn shrunk_path_for(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "trace".to_string());
    path.with_file_name(format!("{stem}.shrunk.json"))
}

/// Writes `contents` to `path` atomically (creating directories; `crate::files`). A file
/// the user named is replaced; any other existing file with different contents is kept,
/// and the next free `NAME-2.json`, `NAME-3.json`, ... is used. Returns the path written.
pub fn write_trace(path: &Path, contents: &str, named_by_user: bool) -> Result<PathBuf, String> {
    let target = if named_by_user {
        path.to_path_buf()
    } else {
        free_path(path, contents)?
    };
    crate::files::write_atomic(&target, contents)?;
    Ok(target)
}

fn free_path(path: &Path, contents: &str) -> Result<PathBuf, String> {
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let extension = path
        .extension()
        .map(|extension| format!(".{}", extension.to_string_lossy()))
        .unwrap_or_default();
    for attempt in 1..=1000 {
        let candidate = if attempt == 1 {
            path.to_path_buf()
        } else {
            path.with_file_name(format!("{stem}-{attempt}{extension}"))
        };
        if !candidate.exists() {
            return Ok(candidate);
        }
        if crate::files::read_input(&candidate, "trace file").is_ok_and(|old| old == contents) {
            return Ok(candidate);
        }
    }
    Err(format!(
        "no free file name next to '{}' (1000 taken)",
        path.display()
    ))
}
