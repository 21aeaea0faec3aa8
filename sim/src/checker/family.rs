//! Families: every small configuration within a scope (SPIN's swarm, Alloy's small-scope
//! hypothesis), enumerated, deduplicated and turned into checker [`Config`]s.
//!
//! A scope file (TOML, `configs/*-family.toml`, documented in `docs/configs.md`) declares
//! each dimension and its range. A member is a [`Shape`]: how many buckets the range
//! `[origin, origin + n*b)` has, the initial watermark (none = the scheduler cold-starts the
//! znode, or any bucket boundary of the range, so zero, one or several APPEND windows are
//! open), the state of each bucket below it, the initial segments (each a full bucket of the
//! range, the bucket *before* the range, i.e. before the cold start, or time-less), the event
//! menu (uploads into any placement, identical re-uploads, refreshes to a new or to the
//! segment's own crc, retention deletes), the faults (each kind at most once) and the knobs.
//! The clock stands at the end of the range, so every window of the range is closed.
//!
//! Deduplication is by canonical form ([`Shape::canonical`]), sound by construction:
//! - renaming: segment names and crcs are derived from positions, so two shapes that differ
//!   by a permutation of the initial segments (and the events that name them) have
//!   isomorphic state graphs; the canonical form is the least over all permutations, which
//!   keeps which segments and which crcs are equal (a fingerprint is a hash of the sorted
//!   `(name, crc)` pairs: equal sets give equal fingerprints, whatever the names);
//! - time shift: only by whole buckets, and only between origins at which every dated time
//!   of the shape, the bucket before the range included, is > 0, so that no time moves onto
//!   or across a value the engine treats specially (0 is "no watermark"; negative times are
//!   time-less segments; `Long.MIN_VALUE` "no dated data" depends on no time at all).
//!
//! `tests/family.rs` checks both: every raw shape canonicalises to a checked one, and
//! re-checking dropped shapes gives their representative's unique-state count and verdicts.

use crate::scenario::format::Source;
use crate::scenario::LoadError;
use mvsim_model::fingerprint::materialized_runtime;
use mvsim_model::partition::{PartitionState, SourceSegment};
use mvsim_model::{Config, FaultBudget, Profile, SourceEvent};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use toml::Spanned;

/// The shipped scopes: name, file text (compiled in from `configs/`).
pub const SHIPPED_SCOPES: [(&str, &str); 3] = [
    ("ci-family", include_str!("../../../configs/ci-family.toml")),
    (
        "controller-family",
        include_str!("../../../configs/controller-family.toml"),
    ),
    (
        "large-family",
        include_str!("../../../configs/large-family.toml"),
    ),
];

/// Where a segment sits (its window is one whole bucket, or time-less).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Placement {
    /// Bucket `k` of the range.
    Bucket(u8),
    /// The bucket before the range: older than any cold-start watermark of the range.
    Before,
    /// `startTimeMs = endTimeMs = -1`.
    Timeless,
}

/// One menu event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Event {
    /// A new segment (its own name and crc) in a placement.
    Upload(Placement),
    /// Initial segment `i` uploaded again with identical content.
    Reupload(u8),
    /// Initial segment `i` refreshed to a new crc.
    RefreshNew(u8),
    /// Initial segment `i` refreshed to its initial crc: a false-positive change, or, after
    /// `RefreshNew(i)`, a refresh that restores the previous crc.
    RefreshRestore(u8),
    /// Initial segment `i` retention-deleted.
    Delete(u8),
}

impl Event {
    fn renamed(&self, permutation: &[u8]) -> Event {
        let map = |i: &u8| permutation[usize::from(*i)];
        match self {
            Event::Upload(placement) => Event::Upload(*placement),
            Event::Reupload(i) => Event::Reupload(map(i)),
            Event::RefreshNew(i) => Event::RefreshNew(map(i)),
            Event::RefreshRestore(i) => Event::RefreshRestore(map(i)),
            Event::Delete(i) => Event::Delete(map(i)),
        }
    }
}

/// The knobs of one member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Knobs {
    pub critical_max_attempts: u32,
    pub max_tasks_per_batch: u32,
    pub slow_delete_removal: bool,
    pub clock_ticks: u8,
}

/// The fault kinds, each at most once per member.
pub const FAULT_KINDS: [&str; 6] = FaultBudget::KINDS;

/// One member of a family, before it becomes a [`Config`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shape {
    pub buckets: u8,
    pub origin_ms: i64,
    /// `None`: no znode; `Some(j)`: watermark at `origin + j*b` (`0..=buckets`).
    pub watermark: Option<u8>,
    /// The state of each bucket below the watermark: `None` absent, else V or S (with the
    /// live fingerprint of the initial source).
    pub below: Vec<Option<StateCode>>,
    /// Initial segments; segment `i` is named `s{i}` with crc `i + 1`.
    pub segments: Vec<Placement>,
    /// The menu (a set, sorted).
    pub events: Vec<Event>,
    /// Bit `k`: one fault of kind `FAULT_KINDS[k]`.
    pub faults: u8,
    pub knobs: Knobs,
}

/// VALID or STALE (serialisable, ordered).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum StateCode {
    V,
    S,
}

/// A parsed scope.
#[derive(Clone, Debug)]
pub struct Scope {
    pub name: String,
    pub description: String,
    /// FNV-1a of the scope file's bytes: merges refuse summaries of another scope.
    pub digest: String,
    pub bucket_ms: i64,
    pub origins_ms: Vec<i64>,
    pub buckets: Vec<u8>,
    pub cold_start: bool,
    pub watermarks: bool,
    pub bucket_states: Vec<Option<StateCode>>,
    pub segments_max: u8,
    pub placements: Vec<String>,
    pub events_max: u8,
    pub events: Vec<String>,
    pub faults: Vec<String>,
    pub fault_kinds_max: u8,
    pub critical_max_attempts: Vec<u32>,
    pub max_tasks_per_batch: Vec<u32>,
    pub slow_delete_removal: Vec<bool>,
    pub clock_ticks: Vec<u8>,
    pub staleness_threshold_ms: i64,
    /// stateright's `target_state_count` per member: a member that reaches it is listed and
    /// makes the family incomplete.
    pub max_states: usize,
    /// Explicit (faults, knobs) points; `None`: the product of the fault sets and knobs.
    pub variants: Option<Vec<(u8, Knobs)>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeFile {
    #[serde(default)]
    description: String,
    bucket_ms: Option<Spanned<i64>>,
    origins_ms: Option<Spanned<Vec<i64>>>,
    buckets: Spanned<Vec<u8>>,
    #[serde(default = "yes")]
    cold_start: bool,
    #[serde(default = "yes")]
    watermarks: bool,
    bucket_states: Option<Spanned<Vec<Spanned<String>>>>,
    segments_max: Spanned<u8>,
    placements: Option<Vec<Spanned<String>>>,
    events_max: Spanned<u8>,
    events: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    faults: Vec<Spanned<String>>,
    #[serde(default = "one")]
    fault_kinds_max: u8,
    critical_max_attempts: Option<Vec<u32>>,
    max_tasks_per_batch: Option<Vec<u32>>,
    slow_delete_removal: Option<Vec<bool>>,
    clock_ticks: Option<Vec<u8>>,
    staleness_threshold_ms: Option<i64>,
    max_states: Option<usize>,
    variants: Option<Vec<Spanned<VariantFile>>>,
}

/// One point of the fault x knob space (`variants = [...]` replaces their product).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VariantFile {
    #[serde(default)]
    faults: Vec<String>,
    critical_max_attempts: Option<u32>,
    max_tasks_per_batch: Option<u32>,
    slow_delete_removal: Option<bool>,
    clock_ticks: Option<u8>,
}

fn yes() -> bool {
    true
}

fn one() -> u8 {
    1
}

const PLACEMENTS: [&str; 3] = ["bucket", "before", "timeless"];
const EVENTS: [&str; 5] = [
    "upload",
    "reupload",
    "refresh_new",
    "refresh_restore",
    "delete",
];

/// FNV-1a 64 of `bytes`, as 16 hex digits (stable across builds and machines).
pub fn digest(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Resolves `--family NAME|PATH`.
pub fn load_scope(argument: &str) -> Result<Scope, String> {
    if let Some((name, text)) = SHIPPED_SCOPES.iter().find(|(name, _)| *name == argument) {
        return parse_scope(text, &format!("configs/{name}.toml"), name).map_err(|e| e.message);
    }
    if !(argument.contains('/') || argument.ends_with(".toml")) {
        let names: Vec<&str> = SHIPPED_SCOPES.iter().map(|(name, _)| *name).collect();
        return Err(format!(
            "unknown family scope '{argument}' (expected one of: {}, or a path to a .toml file)",
            names.join(", ")
        ));
    }
    let text = std::fs::read_to_string(argument)
        .map_err(|error| format!("{argument}: cannot read: {error}"))?;
    parse_scope(&text, argument, argument).map_err(|e| e.message)
}

/// Parses scope text; `name` is how members are named (`NAME#index`).
pub fn parse_scope(text: &str, label: &str, name: &str) -> Result<Scope, LoadError> {
    let source = Source { label, text };
    let file: ScopeFile =
        toml::from_str(text).map_err(|error| source.error_at(error.span(), error.message()))?;
    let bucket_ms = file.bucket_ms.as_ref().map_or(100, |b| *b.get_ref());
    if !(1..=1 << 40).contains(&bucket_ms) {
        let span = file.bucket_ms.as_ref().map(Spanned::span);
        return Err(source.error_at(span, "bucket_ms must be in 1..=2^40"));
    }
    let origins_ms = file
        .origins_ms
        .as_ref()
        .map_or(vec![10 * bucket_ms], |o| o.get_ref().clone());
    if let Some(origins) = &file.origins_ms {
        if origins.get_ref().is_empty()
            || origins
                .get_ref()
                .iter()
                .any(|o| o.rem_euclid(bucket_ms) != 0 || !(0..=1 << 50).contains(o))
        {
            return Err(source.error_at(
                Some(origins.span()),
                "origins_ms: expected a non-empty list of bucket-aligned times in 0..=2^50",
            ));
        }
    }
    let buckets = file.buckets.get_ref().clone();
    if buckets.is_empty() || buckets.iter().any(|n| !(1..=8).contains(n)) {
        return Err(source.error_at(
            Some(file.buckets.span()),
            "buckets: expected a non-empty list of sizes in 1..=8",
        ));
    }
    let bucket_states = match &file.bucket_states {
        None => vec![Some(StateCode::V), None],
        Some(list) => {
            let mut states = Vec::new();
            for state in list.get_ref() {
                states.push(match state.get_ref().as_str() {
                    "V" => Some(StateCode::V),
                    "S" => Some(StateCode::S),
                    "absent" => None,
                    other => {
                        return Err(source.error_at(
                            Some(state.span()),
                            format!("bucket state `{other}`; expected `V`, `S` or `absent`"),
                        ))
                    }
                });
            }
            states
        }
    };
    if *file.segments_max.get_ref() > 4 {
        return Err(source.error_at(
            Some(file.segments_max.span()),
            "segments_max: expected at most 4",
        ));
    }
    if *file.events_max.get_ref() > 4 {
        return Err(source.error_at(
            Some(file.events_max.span()),
            "events_max: expected at most 4",
        ));
    }
    let names = |list: &Option<Vec<Spanned<String>>>,
                 valid: &[&str],
                 what: &str|
     -> Result<Vec<String>, LoadError> {
        let Some(list) = list else {
            return Ok(valid.iter().map(|v| v.to_string()).collect());
        };
        for item in list {
            if !valid.contains(&item.get_ref().as_str()) {
                return Err(source.error_at(
                    Some(item.span()),
                    format!(
                        "{what} `{}`; expected one of: {}",
                        item.get_ref(),
                        valid.join(", ")
                    ),
                ));
            }
        }
        Ok(list.iter().map(|item| item.get_ref().clone()).collect())
    };
    let placements = names(&file.placements, &PLACEMENTS, "placement")?;
    let events = names(&file.events, &EVENTS, "event")?;
    let faults = names(&Some(file.faults.clone()), &FAULT_KINDS, "fault kind")?;
    let positive = |list: Option<Vec<u32>>, default: u32| {
        let list = list.unwrap_or(vec![default]);
        if list.is_empty() || list.contains(&0) {
            Err(source.error_at(None, "knob lists must be non-empty and >= 1"))
        } else {
            Ok(list)
        }
    };
    let variants = match &file.variants {
        None => None,
        Some(list) => {
            let mut out = Vec::new();
            for variant in list {
                let file = variant.get_ref();
                let mut mask = 0u8;
                for kind in &file.faults {
                    let Some(bit) = FAULT_KINDS.iter().position(|k| k == kind) else {
                        return Err(source.error_at(
                            Some(variant.span()),
                            format!(
                                "fault kind `{kind}`; expected one of: {}",
                                FAULT_KINDS.join(", ")
                            ),
                        ));
                    };
                    mask |= 1 << bit;
                }
                let attempts = file.critical_max_attempts.unwrap_or(128);
                let tasks = file.max_tasks_per_batch.unwrap_or(2);
                if attempts == 0 || tasks == 0 {
                    return Err(source.error_at(Some(variant.span()), "knobs must be >= 1"));
                }
                out.push((
                    mask,
                    Knobs {
                        critical_max_attempts: attempts,
                        max_tasks_per_batch: tasks,
                        slow_delete_removal: file.slow_delete_removal.unwrap_or(false),
                        clock_ticks: file.clock_ticks.unwrap_or(0),
                    },
                ));
            }
            Some(out)
        }
    };
    Ok(Scope {
        variants,
        name: name.to_string(),
        description: file.description.replace(['\n', '\r'], " "),
        digest: digest(text.as_bytes()),
        bucket_ms,
        origins_ms,
        buckets,
        cold_start: file.cold_start,
        watermarks: file.watermarks,
        bucket_states,
        segments_max: *file.segments_max.get_ref(),
        placements,
        events_max: *file.events_max.get_ref(),
        events,
        faults,
        fault_kinds_max: file.fault_kinds_max,
        critical_max_attempts: positive(file.critical_max_attempts, 128)?,
        max_tasks_per_batch: positive(file.max_tasks_per_batch, 2)?,
        slow_delete_removal: file.slow_delete_removal.unwrap_or(vec![false]),
        clock_ticks: file.clock_ticks.unwrap_or(vec![0]),
        staleness_threshold_ms: file.staleness_threshold_ms.unwrap_or(150),
        max_states: file.max_states.unwrap_or(2_000_000),
    })
}

impl Scope {
    fn placements_for(&self, buckets: u8) -> Vec<Placement> {
        let mut out = Vec::new();
        for kind in &self.placements {
            match kind.as_str() {
                "bucket" => out.extend((0..buckets).map(Placement::Bucket)),
                "before" => out.push(Placement::Before),
                _ => out.push(Placement::Timeless),
            }
        }
        out
    }

    fn events_for(&self, buckets: u8, segments: usize) -> Vec<Event> {
        let mut out = Vec::new();
        for kind in &self.events {
            let each = (0..segments as u8).collect::<Vec<_>>();
            match kind.as_str() {
                "upload" => out.extend(self.placements_for(buckets).into_iter().map(Event::Upload)),
                "reupload" => out.extend(each.into_iter().map(Event::Reupload)),
                "refresh_new" => out.extend(each.into_iter().map(Event::RefreshNew)),
                "refresh_restore" => out.extend(each.into_iter().map(Event::RefreshRestore)),
                _ => out.extend(each.into_iter().map(Event::Delete)),
            }
        }
        out.sort();
        out
    }

    fn fault_sets(&self) -> Vec<u8> {
        let allowed: u8 = self
            .faults
            .iter()
            .map(|name| {
                1 << FAULT_KINDS
                    .iter()
                    .position(|kind| kind == name)
                    .expect("validated")
            })
            .fold(0, |mask, bit| mask | bit);
        (0..16u8)
            .filter(|set| {
                set & !allowed == 0 && set.count_ones() <= u32::from(self.fault_kinds_max)
            })
            .collect()
    }

    fn knob_sets(&self) -> Vec<Knobs> {
        let mut out = Vec::new();
        for &critical_max_attempts in &self.critical_max_attempts {
            for &max_tasks_per_batch in &self.max_tasks_per_batch {
                for &slow_delete_removal in &self.slow_delete_removal {
                    for &clock_ticks in &self.clock_ticks {
                        out.push(Knobs {
                            critical_max_attempts,
                            max_tasks_per_batch,
                            slow_delete_removal,
                            clock_ticks,
                        });
                    }
                }
            }
        }
        out
    }

    /// Every raw member of the scope, in a fixed order (duplicates up to renaming and time
    /// shift included).
    pub fn raw_shapes(&self) -> Vec<Shape> {
        let mut out = Vec::new();
        let variants: Vec<(u8, Knobs)> = match &self.variants {
            Some(variants) => variants.clone(),
            None => {
                let knob_sets = self.knob_sets();
                self.fault_sets()
                    .into_iter()
                    .flat_map(|faults| knob_sets.iter().map(move |knobs| (faults, *knobs)))
                    .collect()
            }
        };
        for &buckets in &self.buckets {
            let placements = self.placements_for(buckets);
            let mut watermarks: Vec<Option<u8>> = Vec::new();
            if self.cold_start {
                watermarks.push(None);
            }
            if self.watermarks {
                watermarks.extend((0..=buckets).map(Some));
            }
            for &origin_ms in &self.origins_ms {
                for &watermark in &watermarks {
                    let below = usize::from(watermark.unwrap_or(0));
                    for states in sequences(&self.bucket_states, below) {
                        for size in 0..=usize::from(self.segments_max) {
                            for segments in multisets(&placements, size) {
                                let events = self.events_for(buckets, segments.len());
                                for count in 0..=usize::from(self.events_max) {
                                    for menu in combinations(&events, count) {
                                        for &(faults, knobs) in &variants {
                                            out.push(Shape {
                                                buckets,
                                                origin_ms,
                                                watermark,
                                                below: states.clone(),
                                                segments: segments.clone(),
                                                events: menu.clone(),
                                                faults,
                                                knobs,
                                            });
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The checked members: the distinct canonical forms of the raw shapes, sorted
    /// smallest first (buckets, segments, events, faults, then the shape itself); a
    /// member's index in this list is its name (`SCOPE#index`).
    pub fn members(&self) -> Vec<Shape> {
        let set: BTreeSet<(usize, usize, usize, u32, Shape)> = self
            .raw_shapes()
            .iter()
            .map(|shape| {
                let canonical = shape.canonical(self);
                (
                    usize::from(canonical.buckets),
                    canonical.segments.len(),
                    canonical.events.len(),
                    canonical.faults.count_ones(),
                    canonical,
                )
            })
            .collect();
        set.into_iter().map(|(.., shape)| shape).collect()
    }

    /// Is every dated time of a shape at this origin > 0 (the bucket before the range
    /// included)? Only such origins are shifted onto one another.
    fn shift_sound(&self, origin_ms: i64) -> bool {
        origin_ms - self.bucket_ms > 0
    }

    /// The origin every sound origin is shifted to.
    fn canonical_origin(&self) -> Option<i64> {
        self.origins_ms
            .iter()
            .copied()
            .filter(|o| self.shift_sound(*o))
            .min()
    }
}

impl Shape {
    /// The canonical form: shifted to the scope's canonical origin when that is sound, and
    /// the least renaming of the initial segments.
    pub fn canonical(&self, scope: &Scope) -> Shape {
        let mut shape = self.clone();
        if scope.shift_sound(shape.origin_ms) {
            shape.origin_ms = scope.canonical_origin().expect("a sound origin exists");
        }
        let mut best: Option<Shape> = None;
        for permutation in permutations(shape.segments.len()) {
            let mut segments = vec![Placement::Timeless; shape.segments.len()];
            for (old, new) in permutation.iter().enumerate() {
                segments[usize::from(*new)] = shape.segments[old];
            }
            let mut events: Vec<Event> = shape
                .events
                .iter()
                .map(|e| e.renamed(&permutation))
                .collect();
            events.sort();
            let candidate = Shape {
                segments,
                events,
                ..shape.clone()
            };
            if best.as_ref().is_none_or(|b| candidate < *b) {
                best = Some(candidate);
            }
        }
        best.expect("at least the identity permutation")
    }

    fn window(&self, scope: &Scope, placement: Placement) -> (i64, i64) {
        let b = scope.bucket_ms;
        match placement {
            Placement::Bucket(k) => {
                let start = self.origin_ms + i64::from(k) * b;
                (start, start + b - 1)
            }
            Placement::Before => (self.origin_ms - b, self.origin_ms - 1),
            Placement::Timeless => (-1, -1),
        }
    }

    /// The checker configuration of this member.
    pub fn to_config(&self, scope: &Scope, name: &str, profile: Profile) -> Result<Config, String> {
        let b = scope.bucket_ms;
        let mut config = Config::base(name, profile);
        config.start_ms = self.origin_ms + i64::from(self.buckets) * b;
        config.staleness_threshold_ms = scope.staleness_threshold_ms;
        config.max_tasks_per_batch = self.knobs.max_tasks_per_batch;
        config.critical_max_attempts = self.knobs.critical_max_attempts;
        config.slow_delete_removal = self.knobs.slow_delete_removal;
        config.clock_ticks_max = self.knobs.clock_ticks;
        config.broker_cache_lag = false;
        config.initial_source = self
            .segments
            .iter()
            .enumerate()
            .map(|(i, placement)| {
                let (start, end) = self.window(scope, *placement);
                SourceSegment::new(&format!("s{i}"), start, end, i as i64 + 1)
            })
            .collect();
        if let Some(j) = self.watermark {
            let materialized: Vec<i64> = (0..j)
                .filter(|k| self.below[usize::from(*k)].is_some())
                .map(|k| self.origin_ms + i64::from(k) * b)
                .collect();
            let mut runtime = materialized_runtime(
                &config.initial_source,
                &materialized,
                b,
                self.origin_ms + i64::from(j) * b,
            );
            for k in 0..j {
                if self.below[usize::from(k)] == Some(StateCode::S) {
                    let key = self.origin_ms + i64::from(k) * b;
                    let mut partitions = (*runtime.partitions).clone();
                    if let Some(info) = partitions.get_mut(&key) {
                        info.state = PartitionState::Stale;
                    }
                    runtime.partitions = partitions.into();
                }
            }
            config.initial_runtime = Some(runtime);
        }
        let mut uploads = 0;
        config.menu = self
            .events
            .iter()
            .map(|event| match event {
                Event::Upload(placement) => {
                    let (start, end) = self.window(scope, *placement);
                    uploads += 1;
                    SourceEvent::upload(&format!("u{}", uploads - 1), start, end, 200 + uploads)
                }
                Event::Reupload(i) => {
                    let segment = &config.initial_source[usize::from(*i)];
                    SourceEvent::upload(
                        &segment.name,
                        segment.start_time_ms,
                        segment.end_time_ms,
                        segment.crc,
                    )
                }
                Event::RefreshNew(i) => SourceEvent::Refresh {
                    segment: format!("s{i}"),
                    crc: 100 + i64::from(*i),
                },
                Event::RefreshRestore(i) => SourceEvent::Refresh {
                    segment: format!("s{i}"),
                    crc: i64::from(*i) + 1,
                },
                Event::Delete(i) => SourceEvent::delete(&format!("s{i}")),
            })
            .collect();
        config.menu_budget = config.menu.len() as u8;
        config.faults = FaultBudget::default();
        // Bit `k` is one fault of kind `FAULT_KINDS[k]`, the order of `counts_mut`.
        for (k, count) in config.faults.counts_mut().into_iter().enumerate() {
            *count = (self.faults >> k) & 1;
        }
        config.finish()
    }

    /// One line: `2 buckets, wm 1100 [1000 V], segments s0@b0 s1@before, menu {delete s0},
    /// faults lost_acks, attempts 128`.
    pub fn describe(&self, scope: &Scope) -> String {
        let b = scope.bucket_ms;
        let place = |p: &Placement| match p {
            Placement::Bucket(k) => format!("{}", self.origin_ms + i64::from(*k) * b),
            Placement::Before => format!("{}(before)", self.origin_ms - b),
            Placement::Timeless => "timeless".to_string(),
        };
        let watermark = match self.watermark {
            None => "no znode".to_string(),
            Some(j) => {
                let states: Vec<String> = (0..j)
                    .map(|k| {
                        let code = match self.below[usize::from(k)] {
                            None => "absent",
                            Some(StateCode::V) => "V",
                            Some(StateCode::S) => "S",
                        };
                        format!("{} {code}", self.origin_ms + i64::from(k) * b)
                    })
                    .collect();
                format!(
                    "wm {} [{}]",
                    self.origin_ms + i64::from(j) * b,
                    states.join(", ")
                )
            }
        };
        let segments: Vec<String> = self
            .segments
            .iter()
            .enumerate()
            .map(|(i, p)| format!("s{i}@{}", place(p)))
            .collect();
        let events: Vec<String> = self
            .events
            .iter()
            .map(|event| match event {
                Event::Upload(p) => format!("upload@{}", place(p)),
                Event::Reupload(i) => format!("reupload s{i}"),
                Event::RefreshNew(i) => format!("refresh s{i} new crc"),
                Event::RefreshRestore(i) => format!("refresh s{i} own crc"),
                Event::Delete(i) => format!("delete s{i}"),
            })
            .collect();
        let faults: Vec<&str> = (0..FAULT_KINDS.len())
            .filter(|k| self.faults & (1 << k) != 0)
            .map(|k| FAULT_KINDS[k])
            .collect();
        format!(
            "{} bucket(s) from {}, clock {}, {watermark}, segments {{{}}}, menu {{{}}}, faults {{{}}}, attempts {}, {} tasks/batch{}{}",
            self.buckets,
            self.origin_ms,
            self.origin_ms + i64::from(self.buckets) * b,
            segments.join(" "),
            events.join(", "),
            faults.join(" "),
            self.knobs.critical_max_attempts,
            self.knobs.max_tasks_per_batch,
            if self.knobs.slow_delete_removal { ", slow delete removal" } else { "" },
            if self.knobs.clock_ticks > 0 { format!(", {} clock tick(s)", self.knobs.clock_ticks) } else { String::new() },
        )
    }

    /// The size order of findings: buckets, segments, events, faults.
    pub fn size(&self) -> (u8, usize, usize, u32) {
        (
            self.buckets,
            self.segments.len(),
            self.events.len(),
            self.faults.count_ones(),
        )
    }
}

/// Resolves `SCOPE#index` (a `--config` argument) to a member configuration.
pub fn member_config(argument: &str, profile: Profile) -> Result<Option<Config>, String> {
    let Some((scope_name, index)) = argument.rsplit_once('#') else {
        return Ok(None);
    };
    let scope = load_scope(scope_name)?;
    let index: usize = index
        .parse()
        .map_err(|_| format!("--config {argument}: `{index}` is not a member index"))?;
    let members = scope.members();
    let shape = members.get(index).ok_or_else(|| {
        format!(
            "--config {argument}: the family has {} members (0..{})",
            members.len(),
            members.len()
        )
    })?;
    shape.to_config(&scope, argument, profile).map(Some)
}

/// Every sequence of `length` items from `items` (with repetition).
fn sequences<T: Clone>(items: &[T], length: usize) -> Vec<Vec<T>> {
    let mut out = vec![Vec::new()];
    for _ in 0..length {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                items.iter().map(move |item| {
                    let mut next = prefix.clone();
                    next.push(item.clone());
                    next
                })
            })
            .collect();
    }
    out
}

/// Every multiset of `size` items from `items`, as index-nondecreasing lists.
fn multisets<T: Clone>(items: &[T], size: usize) -> Vec<Vec<T>> {
    fn go<T: Clone>(
        items: &[T],
        from: usize,
        size: usize,
        prefix: &mut Vec<T>,
        out: &mut Vec<Vec<T>>,
    ) {
        if size == 0 {
            out.push(prefix.clone());
            return;
        }
        for index in from..items.len() {
            prefix.push(items[index].clone());
            go(items, index, size - 1, prefix, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    go(items, 0, size, &mut Vec::new(), &mut out);
    out
}

/// Every subset of `count` distinct items, in order.
fn combinations<T: Clone>(items: &[T], count: usize) -> Vec<Vec<T>> {
    fn go<T: Clone>(
        items: &[T],
        from: usize,
        count: usize,
        prefix: &mut Vec<T>,
        out: &mut Vec<Vec<T>>,
    ) {
        if count == 0 {
            out.push(prefix.clone());
            return;
        }
        for index in from..items.len() {
            prefix.push(items[index].clone());
            go(items, index + 1, count - 1, prefix, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    go(items, 0, count, &mut Vec::new(), &mut out);
    out
}

/// Every permutation of `0..n` (as the new index of each old index).
fn permutations(n: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut current: Vec<u8> = (0..n as u8).collect();
    fn go(k: usize, current: &mut Vec<u8>, out: &mut Vec<Vec<u8>>) {
        if k == current.len() {
            out.push(current.clone());
            return;
        }
        for i in k..current.len() {
            current.swap(k, i);
            go(k + 1, current, out);
            current.swap(k, i);
        }
    }
    go(0, &mut current, &mut out);
    out
}
