//! The bounded configuration a model run starts from: the engine profile, Pinot's knobs
//! (spec §6), the initial cluster state, the scripted source events and the fault budget.
//!
//! The configuration is not part of the checked state; the state machine reads it through
//! `&Config`. Segment names live here (the catalog), so the checked state holds small
//! segment ids instead of strings.

use crate::fingerprint::java_string_cmp;
use crate::partition::{RuntimeMetadata, SourceSegment};
use crate::profile::Profile;
use serde::{Deserialize, Serialize};

/// Pinot's constants (spec §6), in milliseconds.
pub mod constants {
    /// `DEFAULT_DEBOUNCE_DELAY_MS` (CM:104).
    pub const DEBOUNCE_MS: i64 = 5_000;
    /// `DEFAULT_EMPTY_SWEEP_INTERVAL_MS` (CM:111).
    pub const EMPTY_SWEEP_INTERVAL_MS: i64 = 300_000;
    /// `DEFAULT_CRITICAL_MAX_ATTEMPTS` (PM:116); also pre's executor default (pre:EX:467).
    pub const CRITICAL_MAX_ATTEMPTS: u32 = 128;
    /// `CRITICAL_BACKOFF_BASE_MS` / `_JITTER_MS` (PM:126-127).
    pub const CRITICAL_BACKOFF_BASE_MS: i64 = 50;
    pub const CRITICAL_BACKOFF_JITTER_MS: i64 = 150;
    /// `REVERT_MAX_ATTEMPTS` (PM:122), not configurable; pre's scheduler revert too
    /// (`MAX_PARTITION_STATE_PERSIST_RETRIES`, pre:SCH:377).
    pub const REVERT_MAX_ATTEMPTS: u32 = 8;
    /// `REVERT_BACKOFF_BASE_MS` / `_JITTER_MS` (PM:132-133); pre CM and pre scheduler too.
    pub const REVERT_BACKOFF_BASE_MS: i64 = 5;
    pub const REVERT_BACKOFF_JITTER_MS: i64 = 20;
    /// pre CM `MAX_MARK_RETRIES` (pre:CM:105), hard-coded.
    pub const PRE_CM_MAX_MARK_RETRIES: u32 = 128;
    /// `DEFAULT_MAX_TASKS_PER_BATCH` (CC).
    pub const MAX_TASKS_PER_BATCH: u32 = 4;
    /// `DEFAULT_MAX_BATCH_LOOP_ITERATIONS` (SCH:109).
    pub const MAX_BATCH_LOOP_ITERATIONS: u32 = 100_000;
}

/// How timers behave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Timing {
    /// Exhaustive checking: an armed timer (debounce flush, sweep, scheduler cycle, back-off)
    /// may fire at any step, and `now` moves only by explicit clock ticks of one bucket.
    /// Sound for races because any actor's step may take arbitrarily long (DESIGN-NOTES "Time").
    Abstract,
    /// Simulation: timers fire when `now_ms` reaches their due time; the driver owns `now_ms`.
    Concrete,
}

/// One scripted source-table event (the checker plays them in order, interleaved with
/// everything else; the simulator generates its own).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceEvent {
    /// Upload a new segment (PHRM:3252-3270, notify after the metadata write).
    Upload {
        segment: String,
        start_time_ms: i64,
        end_time_ms: i64,
        crc: i64,
    },
    /// Refresh an existing segment with a new crc (PHRM:3272-3291).
    Refresh { segment: String, crc: i64 },
    /// Retention delete: notify, then remove the metadata (SDM:128-161, 200).
    Delete { segment: String },
}

impl SourceEvent {
    /// An [`SourceEvent::Upload`] of segment `name`.
    pub fn upload(name: &str, start_time_ms: i64, end_time_ms: i64, crc: i64) -> SourceEvent {
        SourceEvent::Upload {
            segment: name.to_string(),
            start_time_ms,
            end_time_ms,
            crc,
        }
    }

    /// A [`SourceEvent::Delete`] of segment `name`.
    pub fn delete(name: &str) -> SourceEvent {
        SourceEvent::Delete {
            segment: name.to_string(),
        }
    }

    pub fn segment(&self) -> &str {
        match self {
            SourceEvent::Upload { segment, .. }
            | SourceEvent::Refresh { segment, .. }
            | SourceEvent::Delete { segment } => segment,
        }
    }
}

/// Upper bounds on the nondeterministic faults the checker may inject (all zero = no faults).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FaultBudget {
    /// Transient register errors (read or write side) (`ZkException`).
    pub transient_errors: u8,
    /// Writes applied whose ack is lost (the caller sees a conflict on the replay).
    pub lost_acks: u8,
    /// Minion task failures at any step (an exception; Helix does not retry: 1 attempt).
    pub task_failures: u8,
    /// Helix task timeouts: the job turns final while the minion thread runs on (zombie).
    pub task_timeouts: u8,
    /// Controller failovers: the controller hosting the consistency manager and leading the
    /// MV table goes away (crash, restart, deploy); its in-memory pending range, debounce
    /// timer and running mark are lost and the scheduler's cycle in progress is abandoned
    /// (`World::controller_failover`, docs/java-notes.md Q11).
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub controller_failovers: u8,
    /// Leadership changes without a crash: a new lead starts its own scheduler cycle of the
    /// MV table while the old lead's cycle in progress runs to completion (no leadership
    /// check inside a run, CPT:86-108, PTM:1078-1085; no lock unless
    /// `controller.task.enableDistributedLocking`, PTM:194-203, 870-904). The two cycles
    /// overlap (`World::leadership_change`, docs/java-notes.md Q13).
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub leadership_changes: u8,
}

fn is_zero_u8(value: &u8) -> bool {
    *value == 0
}

impl FaultBudget {
    /// The fault kinds, as `[faults]` keys, in the order of [`FaultBudget::counts`].
    pub const KINDS: [&'static str; 6] = [
        "transient_errors",
        "lost_acks",
        "task_failures",
        "task_timeouts",
        "controller_failovers",
        "leadership_changes",
    ];

    /// The count of each kind, in the order of [`FaultBudget::KINDS`].
    pub fn counts(&self) -> [u8; 6] {
        [
            self.transient_errors,
            self.lost_acks,
            self.task_failures,
            self.task_timeouts,
            self.controller_failovers,
            self.leadership_changes,
        ]
    }

    /// The counts of [`FaultBudget::counts`], to change in place.
    pub fn counts_mut(&mut self) -> [&mut u8; 6] {
        [
            &mut self.transient_errors,
            &mut self.lost_acks,
            &mut self.task_failures,
            &mut self.task_timeouts,
            &mut self.controller_failovers,
            &mut self.leadership_changes,
        ]
    }

    pub fn total(&self) -> u32 {
        self.counts().into_iter().map(u32::from).sum()
    }
}

/// A complete model configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// A short name for reports (`small`, `ci`, a scenario name...).
    pub name: String,
    #[serde(skip, default = "default_profile")]
    pub profile: Profile,
    pub timing: Timing,
    /// `bucketTimePeriod` in ms (> 0).
    pub bucket_ms: i64,
    /// `bufferTimePeriod` in ms (>= 0).
    pub buffer_ms: i64,
    /// `maxTasksPerBatch` (>= 1).
    pub max_tasks_per_batch: u32,
    /// `stalenessThresholdMs` of the MV definition (0 disables the broker's SLO check).
    pub staleness_threshold_ms: i64,
    /// Cluster config `pinot.materialized.view.executor.runtime.update.max.attempts`:
    /// the critical CAS budget (post: every manager op but revert; pre: executor only).
    pub critical_max_attempts: u32,
    /// Debounce delay (concrete timing only).
    pub debounce_ms: i64,
    /// Sweep interval (concrete timing only).
    pub sweep_interval_ms: i64,
    /// Scheduler cycle period (concrete timing only; not researched in the spec, §9).
    pub scheduler_period_ms: i64,
    /// Clock at start.
    pub start_ms: i64,
    /// How many clock ticks (each one bucket) the checker may take (abstract timing only).
    pub clock_ticks_max: u8,
    /// Persist `lastRefreshTime = now`; the checker sets false so that states differing only
    /// in a value no guard reads are one state (DESIGN-NOTES "Bounding the state space").
    pub record_refresh_time: bool,
    /// All segment names that can ever exist, sorted in Java `String.compareTo` order, so
    /// that segment-id order is the fingerprint's sort order.
    pub catalog: Vec<String>,
    /// The runtime znode at start (`None` = not yet created: the scheduler cold-starts it).
    pub initial_runtime: Option<RuntimeMetadata>,
    /// The ZooKeeper version of the initial runtime znode (ignored when there is none).
    /// 0, a freshly created znode, unless a test restates a Java test that starts elsewhere.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub initial_version: i32,
    /// The source segments at start.
    pub initial_source: Vec<SourceSegment>,
    /// Source events the checker plays in order.
    pub script: Vec<SourceEvent>,
    /// Source events that may each fire at most once, in any order and interleaved with the
    /// script and everything else, at most [`Config::menu_budget`] of them in a run (the
    /// checker). The source table's uploads, refreshes and retention deletes come from
    /// independent callers (segment upload REST calls, PHRM:3252-3291; the retention manager,
    /// SDM:128-161), so their relative order is not fixed. Quiescence is judged at every
    /// state whose script is done, whatever the menu still offers: the remaining menu events
    /// are optional, so every smaller budget and every subset is covered (docs/configs.md).
    #[serde(default)]
    pub menu: Vec<SourceEvent>,
    /// How many menu events may fire in one run (<= `menu.len()`, at most 16 events).
    #[serde(default)]
    pub menu_budget: u8,
    pub faults: FaultBudget,
    /// Retention deletes take two steps (notify, later remove) instead of one.
    #[serde(default)]
    pub slow_delete_removal: bool,
    /// The broker routes on a lagging cache refreshed by its own step (else on the live
    /// watermark; see `broker.rs` for why that is sound for the freshness property).
    #[serde(default = "default_true")]
    pub broker_cache_lag: bool,
}

fn is_zero(value: &i32) -> bool {
    *value == 0
}

fn default_true() -> bool {
    true
}

fn default_profile() -> Profile {
    Profile::by_name("post").expect("post profile exists")
}

impl Config {
    /// Validates the configuration and completes the catalog with every segment name the
    /// initial source and the script mention. Errors are one line naming the problem.
    pub fn finish(mut self) -> Result<Config, String> {
        if self.bucket_ms <= 0 {
            return Err(format!("bucket_ms must be > 0, got {}", self.bucket_ms));
        }
        if self.buffer_ms < 0 {
            return Err(format!("buffer_ms must be >= 0, got {}", self.buffer_ms));
        }
        if self.max_tasks_per_batch == 0 {
            return Err("max_tasks_per_batch must be >= 1".to_string());
        }
        if self.critical_max_attempts == 0 {
            return Err("critical_max_attempts must be >= 1".to_string());
        }
        if self.menu.len() > 16 {
            return Err(format!(
                "the event menu has {} events; at most 16",
                self.menu.len()
            ));
        }
        if usize::from(self.menu_budget) > self.menu.len() {
            return Err(format!(
                "menu_budget {} exceeds the {} menu event(s)",
                self.menu_budget,
                self.menu.len()
            ));
        }
        if let Some(runtime) = &self.initial_runtime {
            if runtime.watermark_ms < 0 {
                return Err(format!(
                    "initial runtime: negative watermark {}",
                    runtime.watermark_ms
                ));
            }
        }
        if self.initial_version < 0 {
            return Err(format!(
                "initial_version must be >= 0, got {}",
                self.initial_version
            ));
        }
        let mut names: Vec<String> = self.catalog.clone();
        names.extend(
            self.initial_source
                .iter()
                .map(|segment| segment.name.clone()),
        );
        names.extend(self.script.iter().map(|event| event.segment().to_string()));
        names.extend(self.menu.iter().map(|event| event.segment().to_string()));
        names.sort_by(|left, right| java_string_cmp(left, right));
        names.dedup();
        if names.len() > usize::from(u16::MAX) {
            return Err(format!("too many segment names: {}", names.len()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for segment in &self.initial_source {
            if !seen.insert(segment.name.as_str()) {
                return Err(format!(
                    "initial source: duplicate segment '{}'",
                    segment.name
                ));
            }
        }
        self.catalog = names;
        Ok(self)
    }

    /// The catalog id of a segment name.
    pub fn segment_id(&self, name: &str) -> Option<u16> {
        self.catalog
            .binary_search_by(|probe| java_string_cmp(probe, name))
            .ok()
            .map(|index| index as u16)
    }

    pub fn segment_name(&self, id: u16) -> &str {
        &self.catalog[usize::from(id)]
    }

    /// A configuration with Pinot's defaults and nothing in it (tests and configuration files build on it).
    pub fn base(name: &str, profile: Profile) -> Config {
        Config {
            name: name.to_string(),
            profile,
            timing: Timing::Abstract,
            bucket_ms: 100,
            buffer_ms: 0,
            max_tasks_per_batch: constants::MAX_TASKS_PER_BATCH,
            staleness_threshold_ms: 0,
            critical_max_attempts: constants::CRITICAL_MAX_ATTEMPTS,
            debounce_ms: constants::DEBOUNCE_MS,
            sweep_interval_ms: constants::EMPTY_SWEEP_INTERVAL_MS,
            scheduler_period_ms: 60_000,
            start_ms: 0,
            clock_ticks_max: 0,
            record_refresh_time: false,
            catalog: Vec::new(),
            initial_runtime: None,
            initial_version: 0,
            initial_source: Vec::new(),
            script: Vec::new(),
            menu: Vec::new(),
            menu_budget: 0,
            faults: FaultBudget::default(),
            slow_delete_removal: false,
            broker_cache_lag: true,
        }
    }
}
