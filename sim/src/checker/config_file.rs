//! Checker configuration files (TOML): everything `mvsim check` explores, as data.
//!
//! A file names Pinot's knobs, the initial znode and source segments (inline, or a Pinot
//! ZNRecord JSON and a segment-list JSON, read by `mvsim_model::znrecord`, exactly as the
//! scenario format does), the clock, the source events (a scripted order and/or a menu
//! with a budget), the fault budget and the properties to check. The shipped
//! configurations live in `configs/` and are compiled in, so `--config small` works from
//! any directory; any other `--config` argument is a path. Errors are one line,
//! `file:line:column: what was wrong and what was expected` (the scenario loader's
//! `Source::error_at`). The format is documented in `docs/configs.md`.

use crate::scenario::format::{
    check_time, parse_initial, InitialFile, Knobs, Source, TIME_LIMIT_MS,
};
use crate::scenario::LoadError;
use mvsim_model::properties;
use mvsim_model::{Config, FaultBudget, Profile, SourceEvent};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The shipped configurations: name, file text (compiled in from `configs/`): every
/// `configs/*.toml` that is not a family scope (`*-family.toml`), so each is also a
/// `--config NAME` (tests/configs.rs keeps the list complete).
pub const SHIPPED: [(&str, &str); 18] = [
    ("small", include_str!("../../../configs/small.toml")),
    ("ci", include_str!("../../../configs/ci.toml")),
    ("large", include_str!("../../../configs/large.toml")),
    ("failover", include_str!("../../../configs/failover.toml")),
    (
        "catch-up-mark",
        include_str!("../../../configs/catch-up-mark.toml"),
    ),
    ("catch-up", include_str!("../../../configs/catch-up.toml")),
    (
        "catch-up-timeout",
        include_str!("../../../configs/catch-up-timeout.toml"),
    ),
    (
        "delete-reupload",
        include_str!("../../../configs/delete-reupload.toml"),
    ),
    (
        "leadership-change-append",
        include_str!("../../../configs/leadership-change-append.toml"),
    ),
    (
        "leadership-change-backfill",
        include_str!("../../../configs/leadership-change-backfill.toml"),
    ),
    (
        "leadership-change",
        include_str!("../../../configs/leadership-change.toml"),
    ),
    (
        "old-backfill-failover",
        include_str!("../../../configs/old-backfill-failover.toml"),
    ),
    (
        "old-backfill-timeless",
        include_str!("../../../configs/old-backfill-timeless.toml"),
    ),
    (
        "old-backfill-two-slots",
        include_str!("../../../configs/old-backfill-two-slots.toml"),
    ),
    (
        "point-segment",
        include_str!("../../../configs/point-segment.toml"),
    ),
    (
        "restart-stale",
        include_str!("../../../configs/restart-stale.toml"),
    ),
    (
        "stranded-empty",
        include_str!("../../../configs/stranded-empty.toml"),
    ),
    (
        "two-failed-commits",
        include_str!("../../../configs/two-failed-commits.toml"),
    ),
];

/// Where relative data paths of a shipped configuration resolve.
pub fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../configs")
}

/// A loaded checker configuration.
#[derive(Clone, Debug)]
pub struct CheckerConfig {
    pub config: Config,
    pub description: String,
    /// Properties the file disables (each printed as a warning when a check starts).
    pub disabled: Vec<&'static str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    description: String,
    bucket_ms: Option<Spanned<i64>>,
    buffer_ms: Option<Spanned<i64>>,
    start_ms: Option<Spanned<i64>>,
    clock_ticks: Option<Spanned<u8>>,
    staleness_threshold_ms: Option<Spanned<i64>>,
    max_tasks_per_batch: Option<Spanned<u32>>,
    critical_max_attempts: Option<Spanned<u32>>,
    #[serde(default)]
    slow_delete_removal: bool,
    broker_cache_lag: Option<bool>,
    #[serde(default)]
    initial: InitialFile,
    #[serde(default)]
    events: EventsFile,
    #[serde(default)]
    faults: FaultsFile,
    #[serde(default)]
    properties: PropertiesFile,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EventsFile {
    #[serde(default)]
    script: Vec<Spanned<EventFile>>,
    #[serde(default)]
    menu: Vec<Spanned<EventFile>>,
    menu_budget: Option<Spanned<u8>>,
}

/// One event: `{ upload = "s2", start = 1100, end = 1150, crc = 12 }`,
/// `{ refresh = "s0", crc = 10 }` or `{ delete = "s1" }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventFile {
    upload: Option<String>,
    refresh: Option<String>,
    delete: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    crc: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FaultsFile {
    #[serde(default)]
    transient_errors: u8,
    #[serde(default)]
    lost_acks: u8,
    #[serde(default)]
    task_failures: u8,
    #[serde(default)]
    task_timeouts: u8,
    #[serde(default)]
    controller_failovers: u8,
    #[serde(default)]
    leadership_changes: u8,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PropertiesFile {
    #[serde(default)]
    disabled: Vec<Spanned<String>>,
}

/// Resolves `--config NAME|PATH`: a shipped name, else a file path. The configuration's
/// name (in reports and replay commands) is the argument as given.
pub fn load(argument: &str, profile: Profile) -> Result<CheckerConfig, String> {
    if let Some((_, text)) = SHIPPED.iter().find(|(name, _)| *name == argument) {
        let label = format!("configs/{argument}.toml");
        return parse(text, &label, argument, &shipped_dir(), profile)
            .map_err(|error| error.message);
    }
    let looks_like_path = argument.contains('/') || argument.ends_with(".toml");
    if !looks_like_path {
        let names: Vec<&str> = SHIPPED.iter().map(|(name, _)| *name).collect();
        return Err(format!(
            "unknown configuration '{argument}' (expected one of: {}, or a path to a .toml file)",
            names.join(", ")
        ));
    }
    let path = Path::new(argument);
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("{argument}: cannot read: {error}"))?;
    parse(
        &text,
        argument,
        argument,
        path.parent().unwrap_or(Path::new(".")),
        profile,
    )
    .map_err(|error| error.message)
}

/// Parses configuration text. `label` names the file in errors, `name` becomes
/// `Config::name`, `base_dir` resolves the data files.
pub fn parse(
    text: &str,
    label: &str,
    name: &str,
    base_dir: &Path,
    profile: Profile,
) -> Result<CheckerConfig, LoadError> {
    let source = Source { label, text };
    let file: ConfigFile =
        toml::from_str(text).map_err(|error| source.error_at(error.span(), error.message()))?;
    let mut config = Config::base(name, profile);
    apply_knobs(&source, &file, &mut config)?;
    let knobs = Knobs {
        bucket_ms: config.bucket_ms,
        buffer_ms: config.buffer_ms,
        start_ms: config.start_ms,
        staleness_threshold_ms: config.staleness_threshold_ms,
        max_tasks_per_batch: config.max_tasks_per_batch,
        critical_max_attempts: config.critical_max_attempts,
        slow_delete_removal: config.slow_delete_removal,
    };
    let initial = parse_initial(&source, &file.initial, &knobs, base_dir)?;
    config.initial_runtime = initial.runtime;
    config.initial_source = initial.source;
    config.script = events(&source, &file.events.script)?;
    config.menu = events(&source, &file.events.menu)?;
    config.menu_budget = match &file.events.menu_budget {
        Some(budget) => {
            if usize::from(*budget.get_ref()) > config.menu.len() {
                return Err(source.error_at(
                    Some(budget.span()),
                    format!(
                        "menu_budget = {} but the menu has {} event(s); expected at most that many",
                        budget.get_ref(),
                        config.menu.len()
                    ),
                ));
            }
            *budget.get_ref()
        }
        None => u8::try_from(config.menu.len()).unwrap_or(u8::MAX),
    };
    config.faults = FaultBudget {
        transient_errors: file.faults.transient_errors,
        lost_acks: file.faults.lost_acks,
        task_failures: file.faults.task_failures,
        task_timeouts: file.faults.task_timeouts,
        controller_failovers: file.faults.controller_failovers,
        leadership_changes: file.faults.leadership_changes,
    };
    let disabled = disabled_properties(&source, &file.properties.disabled)?;
    let config = config
        .finish()
        .map_err(|error| source.error_at(None, error))?;
    Ok(CheckerConfig {
        config,
        description: file.description.replace(['\n', '\r'], " "),
        disabled,
    })
}

fn apply_knobs(source: &Source, file: &ConfigFile, config: &mut Config) -> Result<(), LoadError> {
    let positive = |value: &Option<Spanned<i64>>, what: &str, minimum: i64| match value {
        Some(spanned) if *spanned.get_ref() < minimum => Err(source.error_at(
            Some(spanned.span()),
            format!("{what} = {}; expected >= {minimum}", spanned.get_ref()),
        )),
        Some(spanned) => {
            check_time(
                source,
                Some(spanned.span()),
                what,
                *spanned.get_ref(),
                TIME_LIMIT_MS,
            )?;
            Ok(Some(*spanned.get_ref()))
        }
        None => Ok(None),
    };
    if let Some(value) = positive(&file.bucket_ms, "bucket_ms", 1)? {
        config.bucket_ms = value;
    }
    if let Some(value) = positive(&file.buffer_ms, "buffer_ms", 0)? {
        config.buffer_ms = value;
    }
    if let Some(value) = positive(&file.start_ms, "start_ms", i64::MIN)? {
        config.start_ms = value;
    }
    if let Some(value) = positive(&file.staleness_threshold_ms, "staleness_threshold_ms", 0)? {
        config.staleness_threshold_ms = value;
    }
    let at_least_one = |value: &Option<Spanned<u32>>, what: &str| match value {
        Some(spanned) if *spanned.get_ref() == 0 => {
            Err(source.error_at(Some(spanned.span()), format!("{what} = 0; expected >= 1")))
        }
        Some(spanned) => Ok(Some(*spanned.get_ref())),
        None => Ok(None),
    };
    if let Some(value) = at_least_one(&file.max_tasks_per_batch, "max_tasks_per_batch")? {
        config.max_tasks_per_batch = value;
    }
    if let Some(value) = at_least_one(&file.critical_max_attempts, "critical_max_attempts")? {
        config.critical_max_attempts = value;
    }
    if let Some(ticks) = &file.clock_ticks {
        config.clock_ticks_max = *ticks.get_ref();
    }
    config.slow_delete_removal = file.slow_delete_removal;
    if let Some(lag) = file.broker_cache_lag {
        config.broker_cache_lag = lag;
    }
    Ok(())
}

fn events(source: &Source, list: &[Spanned<EventFile>]) -> Result<Vec<SourceEvent>, LoadError> {
    list.iter()
        .map(|event| event_from_file(source, event))
        .collect()
}

const EVENT_GRAMMAR: &str = "expected `{ upload = NAME, start = MS, end = MS, crc = N }`, \
     `{ refresh = NAME, crc = N }` or `{ delete = NAME }`";

pub(crate) fn event_from_file(
    source: &Source,
    event: &Spanned<EventFile>,
) -> Result<SourceEvent, LoadError> {
    let fail =
        |detail: &str| source.error_at(Some(event.span()), format!("{detail}; {EVENT_GRAMMAR}"));
    let file = event.get_ref();
    let kinds = [&file.upload, &file.refresh, &file.delete]
        .iter()
        .filter(|kind| kind.is_some())
        .count();
    if kinds != 1 {
        return Err(fail(
            "an event names exactly one of upload, refresh, delete",
        ));
    }
    for (what, value) in [("start", file.start), ("end", file.end)] {
        if let Some(value) = value {
            check_time(source, Some(event.span()), what, value, TIME_LIMIT_MS)?;
        }
    }
    if let Some(name) = &file.upload {
        let (Some(start), Some(end), Some(crc)) = (file.start, file.end, file.crc) else {
            return Err(fail("an upload needs start, end and crc"));
        };
        return Ok(SourceEvent::upload(name, start, end, crc));
    }
    if file.start.is_some() || file.end.is_some() {
        return Err(fail("only an upload takes start and end"));
    }
    if let Some(name) = &file.refresh {
        let Some(crc) = file.crc else {
            return Err(fail("a refresh needs crc"));
        };
        return Ok(SourceEvent::Refresh {
            segment: name.clone(),
            crc,
        });
    }
    if file.crc.is_some() {
        return Err(fail("a delete takes no crc"));
    }
    Ok(SourceEvent::delete(
        file.delete.as_deref().expect("exactly one kind is set"),
    ))
}

fn disabled_properties(
    source: &Source,
    names: &[Spanned<String>],
) -> Result<Vec<&'static str>, LoadError> {
    let mut disabled = Vec::new();
    for name in names {
        let Some(property) = properties::by_name(name.get_ref()) else {
            let valid: Vec<&str> = properties::registry().iter().map(|p| p.name).collect();
            return Err(source.error_at(
                Some(name.span()),
                format!(
                    "unknown property `{}` in properties.disabled; expected one of: {}",
                    name.get_ref(),
                    valid.join(", ")
                ),
            ));
        };
        if !disabled.contains(&property.name) {
            disabled.push(property.name);
        }
    }
    Ok(disabled)
}
