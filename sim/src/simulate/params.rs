//! A run's parameters: timing, fault rates and workload mix, drawn per seed (swarm
//! testing: every seed gets its own fault profile and workload mix, so a sweep covers many
//! configurations), then adjusted by the command-line overrides ([`SimOptions`]).
//!
//! Parameters are always drawn in full, in a fixed order, from the profile sub-stream;
//! overrides are applied afterwards, so `--scheduler-period-ms 60000` changes that one
//! value and leaves every other draw of the seed as it was.

use super::rng::{Ratio, SimRng};
use mvsim_model::config::constants;
use mvsim_model::{Config, FaultBudget, Profile, Timing};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Virtual time at the start of every run: 2026-01-01T00:00:00Z in epoch ms.
pub const START_MS: i64 = 1_767_225_600_000;
/// Default `bucketTimePeriod`: one hour. Pinot's tests use one day; an hour gives a
/// simulated day or two of ingestion a few dozen buckets, enough for retention, backfills
/// and the one-STALE-bucket-per-cycle scheduler to interact, while keeping the partition
/// map (cloned by every CAS read) small.
pub const DEFAULT_BUCKET_MS: i64 = 3_600_000;
/// Default step budget of the workload phase (hitting it is reported, never a hang).
pub const DEFAULT_STEPS_MAX: u64 = 2_000_000;
/// Largest segment catalog a run may use (the model's ids are `u16`).
const CATALOG_MAX: u64 = 16_000;
/// Upper bound of every time parameter (one year), so that no time arithmetic overflows.
pub const TIME_PARAM_MAX_MS: i64 = 365 * 86_400_000;

fn is_zero_ms(value: &i64) -> bool {
    *value == 0
}

/// Per-step fault rates (each an integer ratio; `off` = never).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRates {
    /// A register read throws a transient `ZkException`.
    pub transient_read: Ratio,
    /// A register write fails transiently (nothing applied).
    pub transient_write: Ratio,
    /// A register write is applied but its ack is lost (the replay sees a conflict).
    pub lost_ack: Ratio,
    /// A minion task throws at its current step.
    pub task_failure: Ratio,
    /// Helix times a task out: its job turns final while the thread runs on (zombie).
    pub helix_timeout: Ratio,
    /// Mean interval of controller failovers (0 = none): when one is due, it happens at
    /// the first step at which it loses something (a pending range, a running mark, a
    /// scheduler cycle). Drawn from the extras stream ([`draw_extras`]); absent in traces
    /// written before it (reads as 0).
    #[serde(default, skip_serializing_if = "is_zero_ms")]
    pub controller_failover_mean_ms: i64,
    /// Mean interval of leadership changes without a crash (0 = none; java-notes Q13,
    /// F19): when one is due, it happens at the first step at which a scheduler cycle is in
    /// progress and no old lead runs, and the old lead's cycle then runs on beside the new
    /// lead's. Drawn from the run's fifth stream ([`draw_leadership`]); absent in traces
    /// written before it (reads as 0).
    #[serde(default, skip_serializing_if = "is_zero_ms")]
    pub leadership_change_mean_ms: i64,
}

impl FaultRates {
    /// No faults at all.
    pub const NONE: FaultRates = FaultRates {
        transient_read: Ratio::NEVER,
        transient_write: Ratio::NEVER,
        lost_ack: Ratio::NEVER,
        task_failure: Ratio::NEVER,
        helix_timeout: Ratio::NEVER,
        controller_failover_mean_ms: 0,
        leadership_change_mean_ms: 0,
    };

    /// Is any per-step fault possible (register errors, lost acks, task failures and
    /// timeouts; not the timed controller failover)?
    pub fn any(&self) -> bool {
        !(self.transient_read.is_never()
            && self.transient_write.is_never()
            && self.lost_ack.is_never()
            && self.task_failure.is_never()
            && self.helix_timeout.is_never())
    }
}

/// How long steps take: after every step the clock moves by a drawn delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delays {
    /// A ZooKeeper round trip or a local step: `U[0, op_ms_max]`.
    pub op_ms_max: i64,
    /// The executor's query and segment swap: `U[0, query_ms_max]`.
    pub query_ms_max: i64,
    /// A slow step (GC pause, ZooKeeper stall): `U[0, slow_ms_max]` with this probability.
    pub slow: Ratio,
    /// Upper bound of a slow step's delay.
    pub slow_ms_max: i64,
}

/// The source-table workload: steady ingestion plus the drawn extras.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadMix {
    /// Ingestion runs every `U[min, max]` ms and uploads the data up to `now - lag`.
    pub ingest_interval_ms_min: i64,
    /// Upper bound of the ingestion interval.
    pub ingest_interval_ms_max: i64,
    /// Ingestion lag `U[0, max]` ms behind `now`.
    pub ingest_lag_ms_max: i64,
    /// Per ingestion: ingestion stalls for `U[bucket/2, stall_ms_max]` ms.
    pub stall: Ratio,
    /// Upper bound of a stall.
    pub stall_ms_max: i64,
    /// Mean interval of backfills into old buckets (0 = none).
    pub backfill_mean_ms: i64,
    /// Backfills may go this many buckets before the first ingested one (0 = not before).
    #[serde(default)]
    pub history_buckets: i64,
    /// Mean interval of segment refreshes with a new crc (0 = none).
    pub refresh_mean_ms: i64,
    /// Mean interval of time-less uploads (`start = end = -1`: full invalidation; 0 = none).
    pub timeless_mean_ms: i64,
    /// Per ingestion: a burst of uploads and refreshes, each under the debounce delay
    /// after the previous one, so the debounce cannot fire until the burst ends.
    pub burst: Ratio,
    /// Upper bound of the events in one burst.
    pub burst_events_max: u32,
    /// Retention deletes (oldest first) segments whose end is older than this (0 = none).
    pub retention_ms: i64,
    /// How often the retention manager runs.
    pub retention_check_ms: i64,
    /// Mean interval of identical re-uploads of a live dated segment (same name, range and
    /// crc; 0 = none). From the extras stream; absent in older traces (0).
    #[serde(default, skip_serializing_if = "is_zero_ms")]
    pub reupload_mean_ms: i64,
    /// Mean interval of crc restores: a live dated segment is refreshed to a new crc and,
    /// `U[100 ms, 2 debounce]` or `U[1, bucket]` ms later, back to its previous crc (0 =
    /// none). From the extras stream; absent in older traces (0).
    #[serde(default, skip_serializing_if = "is_zero_ms")]
    pub restore_mean_ms: i64,
}

/// Everything a run depends on besides the seed and the engine. Stored in trace files, so
/// a trace replays without the seed's RNG.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimParams {
    /// `bucketTimePeriod` in ms.
    pub bucket_ms: i64,
    /// Length of the workload phase in virtual ms (healing follows).
    pub duration_ms: i64,
    /// Scheduler cycle period (Pinot's task-manager cadence, not researched: spec §9).
    pub scheduler_period_ms: i64,
    /// The broker's cache applies a znode change `U[0, broker_lag_ms_max]` ms late.
    pub broker_lag_ms_max: i64,
    /// `stalenessThresholdMs` of the MV definition.
    pub staleness_threshold_ms: i64,
    /// Cluster config `...runtime.update.max.attempts`.
    pub critical_max_attempts: u32,
    /// `maxTasksPerBatch`.
    pub max_tasks_per_batch: u32,
    /// Retention deletes notify and remove in two steps, with other steps in between.
    pub slow_delete_removal: bool,
    /// Workload-phase step budget.
    pub steps_max: u64,
    /// Number of segment names in the catalog (`seg_000000`...).
    pub catalog_size: u16,
    /// How long steps take.
    pub delays: Delays,
    /// Fault rates.
    pub faults: FaultRates,
    /// The source workload.
    pub workload: WorkloadMix,
}

/// Which faults a run draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FaultMode {
    /// Each seed draws which fault kinds are on and their rates (swarm testing).
    #[default]
    Swarm,
    /// No faults.
    None,
    /// Every fault kind on, rates drawn.
    All,
}

/// Workload features besides steady ingestion (always on).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Features {
    /// Ingestion sometimes stops for a while.
    pub stalls: bool,
    /// Segments are uploaded into old buckets.
    pub backfills: bool,
    /// Segments get new crcs.
    pub refreshes: bool,
    /// Retention deletes old segments.
    pub retention: bool,
    /// Time-less segments (full invalidations) are uploaded.
    pub timeless: bool,
    /// Bursts of events keep the debounce from firing.
    pub bursts: bool,
    /// A stall may outlast retention, so every dated segment is deleted (spec §5.1's
    /// documented residual in post). Implies stalls and retention.
    pub drain: bool,
    /// Backfills may also load history older than the first ingested bucket, i.e. below
    /// the cold-start watermark. Implies backfills.
    pub history: bool,
    /// Live segments are re-uploaded with identical content (same name, range and crc).
    pub reuploads: bool,
    /// Segments are refreshed to a new crc and then back to the previous one.
    pub restores: bool,
}

/// Feature names, in the order `--workload` lists them.
pub const FEATURE_NAMES: [&str; 10] = [
    "stalls",
    "backfills",
    "refreshes",
    "retention",
    "timeless",
    "bursts",
    "drain",
    "history",
    "reuploads",
    "restores",
];

/// How many features the profile stream draws ([`draw_features`]); the later ones are
/// drawn from the extras stream ([`draw_extras`]), so that adding them left every seed's
/// earlier draws as they were.
const PROFILE_FEATURES: usize = 8;

impl Features {
    fn flags_mut(&mut self) -> [&mut bool; 10] {
        [
            &mut self.stalls,
            &mut self.backfills,
            &mut self.refreshes,
            &mut self.retention,
            &mut self.timeless,
            &mut self.bursts,
            &mut self.drain,
            &mut self.history,
            &mut self.reuploads,
            &mut self.restores,
        ]
    }

    fn flags(&self) -> [bool; 10] {
        [
            self.stalls,
            self.backfills,
            self.refreshes,
            self.retention,
            self.timeless,
            self.bursts,
            self.drain,
            self.history,
            self.reuploads,
            self.restores,
        ]
    }

    /// Parses `stalls,backfills,...` (or `none` for steady ingestion only).
    pub fn parse(text: &str) -> Result<Features, String> {
        let mut features = Features::default();
        if text == "none" {
            return Ok(features);
        }
        for name in text.split(',').map(str::trim) {
            let index = FEATURE_NAMES
                .iter()
                .position(|known| *known == name)
                .ok_or_else(|| {
                    format!(
                        "unknown workload feature '{name}' (expected swarm, all, none or a comma list of: {})",
                        FEATURE_NAMES.join(", ")
                    )
                })?;
            *features.flags_mut()[index] = true;
        }
        Ok(features)
    }

    /// The canonical comma list (`none` when empty).
    pub fn render(&self) -> String {
        let names: Vec<&str> = FEATURE_NAMES
            .iter()
            .zip(self.flags())
            .filter(|(_, on)| *on)
            .map(|(name, _)| *name)
            .collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(",")
        }
    }
}

/// Which workload features a run draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WorkloadMode {
    /// Each seed draws its features (swarm testing).
    #[default]
    Swarm,
    /// Exactly these features.
    Exactly(Features),
}

/// Command-line overrides of the drawn parameters. `None` keeps the drawn value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimOptions {
    /// `bucketTimePeriod` in ms.
    pub bucket_ms: Option<i64>,
    /// Length of the workload phase in ms.
    pub duration_ms: Option<i64>,
    /// Scheduler cycle period in ms.
    pub scheduler_period_ms: Option<i64>,
    /// Largest broker cache lag in ms.
    pub broker_lag_ms: Option<i64>,
    /// `stalenessThresholdMs`.
    pub staleness_threshold_ms: Option<i64>,
    /// The critical CAS attempt budget.
    pub critical_max_attempts: Option<u32>,
    /// `maxTasksPerBatch`.
    pub max_tasks_per_batch: Option<u32>,
    /// Workload-phase step budget.
    pub steps_max: Option<u64>,
    /// Which faults the seed draws.
    pub faults: FaultMode,
    /// Which workload features the seed draws.
    pub workload: WorkloadMode,
}

impl SimOptions {
    /// The flags that reproduce these options, in a fixed order (for replay commands).
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let mut push = |flag: &str, value: Option<String>| {
            if let Some(value) = value {
                args.push(format!("--{flag}"));
                args.push(value);
            }
        };
        push("bucket-ms", self.bucket_ms.map(|v| v.to_string()));
        push("duration-ms", self.duration_ms.map(|v| v.to_string()));
        push(
            "scheduler-period-ms",
            self.scheduler_period_ms.map(|v| v.to_string()),
        );
        push("broker-lag-ms", self.broker_lag_ms.map(|v| v.to_string()));
        push(
            "staleness-threshold-ms",
            self.staleness_threshold_ms.map(|v| v.to_string()),
        );
        push(
            "critical-max-attempts",
            self.critical_max_attempts.map(|v| v.to_string()),
        );
        push(
            "max-tasks-per-batch",
            self.max_tasks_per_batch.map(|v| v.to_string()),
        );
        push("steps-max", self.steps_max.map(|v| v.to_string()));
        let faults = match self.faults {
            FaultMode::Swarm => None,
            FaultMode::None => Some("none".to_string()),
            FaultMode::All => Some("all".to_string()),
        };
        push("faults", faults);
        let workload = match self.workload {
            WorkloadMode::Swarm => None,
            WorkloadMode::Exactly(features) => Some(features.render()),
        };
        push("workload", workload);
        args
    }

    /// Checks the overrides; errors are one line naming the flag.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("--bucket-ms", self.bucket_ms),
            ("--duration-ms", self.duration_ms),
            ("--scheduler-period-ms", self.scheduler_period_ms),
        ];
        for (flag, value) in positive {
            if let Some(value) = value {
                if value <= 0 || value > TIME_PARAM_MAX_MS {
                    return Err(format!(
                        "{flag} must be in 1..={TIME_PARAM_MAX_MS}, got {value}"
                    ));
                }
            }
        }
        for (flag, value) in [
            ("--broker-lag-ms", self.broker_lag_ms),
            ("--staleness-threshold-ms", self.staleness_threshold_ms),
        ] {
            if let Some(value) = value {
                if !(0..=TIME_PARAM_MAX_MS).contains(&value) {
                    return Err(format!(
                        "{flag} must be in 0..={TIME_PARAM_MAX_MS}, got {value}"
                    ));
                }
            }
        }
        if self.critical_max_attempts == Some(0) {
            return Err("--critical-max-attempts must be >= 1".to_string());
        }
        if let Some(tasks) = self.max_tasks_per_batch {
            if !(1..=255).contains(&tasks) {
                // The model addresses a task by a u8 index within its job.
                return Err(format!(
                    "--max-tasks-per-batch must be in 1..=255, got {tasks}"
                ));
            }
        }
        if self.steps_max == Some(0) {
            return Err("--steps-max must be >= 1".to_string());
        }
        Ok(())
    }
}

/// Draws the full parameter set from the profile stream, then applies the overrides.
pub fn draw_params(rng: &mut SimRng, options: &SimOptions) -> SimParams {
    let bucket_ms = options.bucket_ms.unwrap_or(DEFAULT_BUCKET_MS);
    let hour_ms = 3_600_000;
    let drawn_duration_ms = hour_ms * rng.between(12, 48);
    let drawn_period_ms = rng.pick(&[30_000, 60_000, 120_000, 300_000]);
    let drawn_lag_ms = rng.pick(&[0, 1_000, 10_000, 60_000]);
    let drawn_threshold_ms = bucket_ms
        .saturating_mul(rng.between(1, 4))
        .min(TIME_PARAM_MAX_MS);
    let slow_delete_removal = rng.chance(Ratio::new(1, 4));
    let delays = draw_delays(rng);
    let faults = draw_faults(rng, options.faults);
    let features = draw_features(rng, options.workload);
    let workload = draw_workload(rng, bucket_ms, features);
    let duration_ms = options.duration_ms.unwrap_or(drawn_duration_ms);
    SimParams {
        bucket_ms,
        duration_ms,
        scheduler_period_ms: options.scheduler_period_ms.unwrap_or(drawn_period_ms),
        broker_lag_ms_max: options.broker_lag_ms.unwrap_or(drawn_lag_ms),
        staleness_threshold_ms: options.staleness_threshold_ms.unwrap_or(drawn_threshold_ms),
        critical_max_attempts: options
            .critical_max_attempts
            .unwrap_or(constants::CRITICAL_MAX_ATTEMPTS),
        max_tasks_per_batch: options
            .max_tasks_per_batch
            .unwrap_or(constants::MAX_TASKS_PER_BATCH),
        slow_delete_removal,
        steps_max: options.steps_max.unwrap_or(DEFAULT_STEPS_MAX),
        catalog_size: catalog_size(duration_ms, &workload),
        delays,
        faults,
        workload,
    }
}

fn draw_delays(rng: &mut SimRng) -> Delays {
    Delays {
        op_ms_max: rng.pick(&[2, 20, 200]),
        query_ms_max: rng.pick(&[100, 2_000, 30_000]),
        slow: rng.pick(&[Ratio::NEVER, Ratio::new(1, 1000), Ratio::new(1, 100)]),
        slow_ms_max: rng.pick(&[10_000, 60_000]),
    }
}

fn draw_rate(rng: &mut SimRng, mode: FaultMode) -> Ratio {
    let on = rng.chance(Ratio::new(1, 2));
    let rate = rng.pick(&[
        Ratio::new(1, 10),
        Ratio::new(1, 50),
        Ratio::new(1, 200),
        Ratio::new(1, 1000),
    ]);
    match mode {
        FaultMode::Swarm if on => rate,
        FaultMode::All => rate,
        _ => Ratio::NEVER,
    }
}

fn draw_faults(rng: &mut SimRng, mode: FaultMode) -> FaultRates {
    FaultRates {
        transient_read: draw_rate(rng, mode),
        transient_write: draw_rate(rng, mode),
        lost_ack: draw_rate(rng, mode),
        task_failure: draw_rate(rng, mode),
        helix_timeout: draw_rate(rng, mode),
        controller_failover_mean_ms: 0,
        leadership_change_mean_ms: 0,
    }
}

fn draw_features(rng: &mut SimRng, mode: WorkloadMode) -> Features {
    let mut drawn = Features::default();
    for flag in drawn.flags_mut().into_iter().take(PROFILE_FEATURES) {
        *flag = rng.chance(Ratio::new(1, 2));
    }
    // Drains and history loads are rarer corners (1 seed in 4 and in 8 under swarm): each
    // makes most of its runs fail, which would hide rarer defects behind the same property.
    drawn.drain = drawn.drain && rng.chance(Ratio::new(1, 2));
    drawn.history = drawn.history && rng.chance(Ratio::new(1, 4));
    let mut features = match mode {
        WorkloadMode::Swarm => drawn,
        WorkloadMode::Exactly(features) => features,
    };
    if features.drain {
        features.stalls = true;
        features.retention = true;
    }
    features.backfills |= features.history;
    features
}

fn mean_or_off(rng: &mut SimRng, on: bool, bucket_ms: i64, multiples: &[i64]) -> i64 {
    let mean = bucket_ms.saturating_mul(rng.pick(multiples)) / 2;
    if on {
        mean.max(1)
    } else {
        0
    }
}

fn draw_workload(rng: &mut SimRng, bucket_ms: i64, features: Features) -> WorkloadMix {
    let interval_min = rng.pick(&[60_000, 300_000]);
    let interval_max = interval_min * rng.pick(&[1, 3]);
    let lag_max = rng.pick(&[0, 60_000, 600_000]);
    let stall = rng.pick(&[Ratio::new(1, 10), Ratio::new(1, 30)]);
    let stall_ms_max = bucket_ms.saturating_mul(rng.pick(&[1, 3, 6]));
    let backfill = mean_or_off(rng, features.backfills, bucket_ms, &[1, 4, 12]);
    let refresh = mean_or_off(rng, features.refreshes, bucket_ms, &[1, 4, 12]);
    let timeless = mean_or_off(rng, features.timeless, bucket_ms, &[12, 48]);
    let burst = rng.pick(&[Ratio::new(1, 10), Ratio::new(1, 40)]);
    let burst_events_max = rng.pick(&[5, 20, 60]);
    let retention_ms = bucket_ms.saturating_mul(rng.pick(&[6, 12, 24]));
    let retention_check_ms = rng
        .pick(&[bucket_ms / 4, bucket_ms])
        .clamp(1, TIME_PARAM_MAX_MS);
    let history_buckets = rng.pick(&[2, 6, 24]);
    // Without `drain`, a stall ends well before retention could delete the newest data.
    let stall_ms_max = if features.drain {
        retention_ms.saturating_mul(2)
    } else if features.retention {
        stall_ms_max.min(retention_ms / 2)
    } else {
        stall_ms_max
    };
    // Multiples of a (possibly huge, user-given) bucket stay within the parameter bound.
    let clamp = |time_ms: i64| time_ms.clamp(0, TIME_PARAM_MAX_MS);
    let (backfill, refresh, timeless) = (clamp(backfill), clamp(refresh), clamp(timeless));
    WorkloadMix {
        ingest_interval_ms_min: interval_min,
        ingest_interval_ms_max: interval_max,
        ingest_lag_ms_max: lag_max,
        stall: if features.stalls { stall } else { Ratio::NEVER },
        stall_ms_max: clamp(stall_ms_max.max(bucket_ms / 2)),
        backfill_mean_ms: backfill,
        history_buckets: if features.history { history_buckets } else { 0 },
        refresh_mean_ms: refresh,
        timeless_mean_ms: timeless,
        burst: if features.bursts { burst } else { Ratio::NEVER },
        burst_events_max,
        retention_ms: if features.retention {
            clamp(retention_ms)
        } else {
            0
        },
        retention_check_ms,
        reupload_mean_ms: 0,
        restore_mean_ms: 0,
    }
}

/// The draws added after the first three streams (docs/simulator-workloads.md): identical
/// re-uploads, crc restores and controller failovers, from the run's fourth stream, so
/// that every earlier draw of a seed stays as it was. A seed's behaviour changes only when
/// one of these kinds is on for it (and then only from its first occurrence on). In the
/// swarm each kind is on for a seed with probability 1/3; `--workload LIST` turns the two
/// workload kinds on exactly when listed; `--faults none|all` turns the failover off|on.
pub fn draw_extras(rng: &mut SimRng, options: &SimOptions, mut params: SimParams) -> SimParams {
    let third = Ratio::new(1, 3);
    let drawn_reuploads = rng.chance(third);
    let drawn_restores = rng.chance(third);
    let drawn_failover = rng.chance(third);
    let bucket_ms = params.bucket_ms;
    let reupload_mean = bucket_ms.saturating_mul(rng.pick(&[1, 4, 12])) / 2;
    let restore_mean = bucket_ms.saturating_mul(rng.pick(&[2, 6, 12])) / 2;
    let failover_mean = bucket_ms.saturating_mul(rng.pick(&[2, 6, 12])) / 2;
    let (reuploads, restores) = match options.workload {
        WorkloadMode::Swarm => (drawn_reuploads, drawn_restores),
        WorkloadMode::Exactly(features) => (features.reuploads, features.restores),
    };
    let failover = match options.faults {
        FaultMode::Swarm => drawn_failover,
        FaultMode::None => false,
        FaultMode::All => true,
    };
    let on = |on: bool, mean: i64| {
        if on {
            mean.clamp(1, TIME_PARAM_MAX_MS)
        } else {
            0
        }
    };
    params.workload.reupload_mean_ms = on(reuploads, reupload_mean);
    params.workload.restore_mean_ms = on(restores, restore_mean);
    params.faults.controller_failover_mean_ms = on(failover, failover_mean);
    params
}

/// The leadership change (java-notes Q13, F19), drawn from the run's fifth stream (split
/// from the seed after the other four), so that every earlier draw of a seed stays as it
/// was: a seed's behaviour changes only when the change is on for it. In the swarm it is on
/// for a seed with probability 1/3; `--faults none|all` turns it off|on.
pub fn draw_leadership(rng: &mut SimRng, options: &SimOptions, mut params: SimParams) -> SimParams {
    let drawn = rng.chance(Ratio::new(1, 3));
    let mean_ms = params.bucket_ms.saturating_mul(rng.pick(&[2, 6, 12])) / 2;
    let on = match options.faults {
        FaultMode::Swarm => drawn,
        FaultMode::None => false,
        FaultMode::All => true,
    };
    params.faults.leadership_change_mean_ms = if on {
        mean_ms.clamp(1, TIME_PARAM_MAX_MS)
    } else {
        0
    };
    params
}

/// Enough segment names for every upload the workload can make (uploads stop, and the run
/// says so, if the catalog runs out).
fn catalog_size(duration_ms: i64, workload: &WorkloadMix) -> u16 {
    let duration = duration_ms.max(0) as u64;
    let per = |mean_ms: i64| {
        if mean_ms > 0 {
            duration / mean_ms as u64 * 2 + 2
        } else {
            0
        }
    };
    let ingests = duration / workload.ingest_interval_ms_min.max(1) as u64 + 2;
    let bursts = if workload.burst.is_never() {
        0
    } else {
        (ingests * u64::from(workload.burst.numerator) / u64::from(workload.burst.denominator) + 2)
            * u64::from(workload.burst_events_max)
    };
    let total = ingests * 2 + per(workload.backfill_mean_ms) + per(workload.timeless_mean_ms);
    (total + bursts + 64).min(CATALOG_MAX) as u16
}

impl SimParams {
    /// Checks parameters read from a trace file (the CLI overrides are checked earlier):
    /// every time value within `0..=TIME_PARAM_MAX_MS`, periods positive.
    pub fn validate(&self) -> Result<(), String> {
        let delays = &self.delays;
        let workload = &self.workload;
        let times = [
            ("bucket_ms", self.bucket_ms, 1),
            ("duration_ms", self.duration_ms, 1),
            ("scheduler_period_ms", self.scheduler_period_ms, 1),
            ("broker_lag_ms_max", self.broker_lag_ms_max, 0),
            ("staleness_threshold_ms", self.staleness_threshold_ms, 0),
            ("op_ms_max", delays.op_ms_max, 0),
            ("query_ms_max", delays.query_ms_max, 0),
            ("slow_ms_max", delays.slow_ms_max, 0),
            ("ingest_interval_ms_min", workload.ingest_interval_ms_min, 1),
            ("ingest_interval_ms_max", workload.ingest_interval_ms_max, 1),
            ("ingest_lag_ms_max", workload.ingest_lag_ms_max, 0),
            ("stall_ms_max", workload.stall_ms_max, 0),
            ("backfill_mean_ms", workload.backfill_mean_ms, 0),
            ("refresh_mean_ms", workload.refresh_mean_ms, 0),
            ("timeless_mean_ms", workload.timeless_mean_ms, 0),
            ("retention_ms", workload.retention_ms, 0),
            ("retention_check_ms", workload.retention_check_ms, 1),
            ("reupload_mean_ms", workload.reupload_mean_ms, 0),
            ("restore_mean_ms", workload.restore_mean_ms, 0),
            (
                "controller_failover_mean_ms",
                self.faults.controller_failover_mean_ms,
                0,
            ),
            (
                "leadership_change_mean_ms",
                self.faults.leadership_change_mean_ms,
                0,
            ),
        ];
        for (name, value, low) in times {
            if !(low..=TIME_PARAM_MAX_MS).contains(&value) {
                return Err(format!(
                    "parameter {name} must be in {low}..={TIME_PARAM_MAX_MS}, got {value}"
                ));
            }
        }
        if workload.ingest_interval_ms_max < workload.ingest_interval_ms_min {
            return Err("ingest_interval_ms_max is below ingest_interval_ms_min".into());
        }
        if !(0..=1000).contains(&workload.history_buckets) {
            return Err("history_buckets must be in 0..=1000".into());
        }
        if self.catalog_size == 0 || self.critical_max_attempts == 0 {
            return Err("catalog_size and critical_max_attempts must be >= 1".into());
        }
        if !(1..=255).contains(&self.max_tasks_per_batch) {
            return Err("max_tasks_per_batch must be in 1..=255".into());
        }
        Ok(())
    }

    /// The model configuration of a run: concrete timing, Pinot's constants, the catalog.
    /// The fault budget is unlimited when any fault is on (the model offers fault variants
    /// only within budget; the simulator holds each count below `u8::MAX`,
    /// `engine::hold_budgets_open`).
    pub fn config(&self, profile: Profile) -> Result<Config, String> {
        self.validate()?;
        let mut config = Config::base("sim", profile);
        config.timing = Timing::Concrete;
        config.record_refresh_time = true;
        config.bucket_ms = self.bucket_ms;
        config.staleness_threshold_ms = self.staleness_threshold_ms;
        config.critical_max_attempts = self.critical_max_attempts;
        config.max_tasks_per_batch = self.max_tasks_per_batch;
        config.scheduler_period_ms = self.scheduler_period_ms;
        config.start_ms = START_MS;
        config.slow_delete_removal = self.slow_delete_removal;
        config.catalog = (0..self.catalog_size)
            .map(|id| format!("seg_{id:06}"))
            .collect();
        if self.faults.any() {
            config.faults = FaultBudget {
                transient_errors: u8::MAX,
                lost_acks: u8::MAX,
                task_failures: u8::MAX,
                task_timeouts: u8::MAX,
                controller_failovers: 0,
                leadership_changes: 0,
            };
        }
        if self.faults.controller_failover_mean_ms > 0 {
            config.faults.controller_failovers = u8::MAX;
        }
        if self.faults.leadership_change_mean_ms > 0 {
            config.faults.leadership_changes = u8::MAX;
        }
        config.finish()
    }

    /// The drawn profile, a few lines of `key value` text (printed before anything else).
    pub fn render(&self) -> String {
        let mut text = String::new();
        let hours = self.duration_ms as f64 / 3_600_000.0;
        let _ = writeln!(
            text,
            "timing   bucket {} ms, run {} ms ({hours:.0} h), scheduler every {} ms, broker lag <= {} ms, staleness threshold {} ms, CAS budget {}, {} tasks/batch{}",
            self.bucket_ms,
            self.duration_ms,
            self.scheduler_period_ms,
            self.broker_lag_ms_max,
            self.staleness_threshold_ms,
            self.critical_max_attempts,
            self.max_tasks_per_batch,
            if self.slow_delete_removal { ", two-step retention deletes" } else { "" },
        );
        let delays = &self.delays;
        let _ = writeln!(
            text,
            "delays   op <= {} ms, query <= {} ms, slow steps {}",
            delays.op_ms_max,
            delays.query_ms_max,
            if delays.slow.is_never() {
                "off".to_string()
            } else {
                format!("{} (<= {} ms)", delays.slow, delays.slow_ms_max)
            }
        );
        let faults = &self.faults;
        let _ = write!(
            text,
            "faults   transient-read {}, transient-write {}, lost-ack {}, task-failure {}, helix-timeout {}",
            faults.transient_read,
            faults.transient_write,
            faults.lost_ack,
            faults.task_failure,
            faults.helix_timeout
        );
        if faults.controller_failover_mean_ms > 0 {
            let _ = write!(
                text,
                ", controller failover every ~{} ms",
                faults.controller_failover_mean_ms
            );
        }
        if faults.leadership_change_mean_ms > 0 {
            let _ = write!(
                text,
                ", leadership change every ~{} ms",
                faults.leadership_change_mean_ms
            );
        }
        let _ = writeln!(text);
        let _ = write!(text, "workload {}", render_workload(&self.workload));
        text
    }
}

fn render_every(name: &str, mean_ms: i64) -> String {
    if mean_ms > 0 {
        format!("{name} every ~{mean_ms} ms")
    } else {
        format!("{name} off")
    }
}

fn render_workload(workload: &WorkloadMix) -> String {
    let mut parts = vec![format!(
        "ingest every {}..{} ms lag <= {} ms",
        workload.ingest_interval_ms_min,
        workload.ingest_interval_ms_max,
        workload.ingest_lag_ms_max
    )];
    parts.push(if workload.stall.is_never() {
        "stalls off".to_string()
    } else {
        format!(
            "stalls {} (<= {} ms)",
            workload.stall, workload.stall_ms_max
        )
    });
    parts.push(render_every("backfills", workload.backfill_mean_ms));
    if workload.history_buckets > 0 {
        parts.push(format!(
            "history loads up to {} buckets before the first data",
            workload.history_buckets
        ));
    }
    parts.push(render_every("refreshes", workload.refresh_mean_ms));
    parts.push(render_every("timeless", workload.timeless_mean_ms));
    parts.push(if workload.burst.is_never() {
        "bursts off".to_string()
    } else {
        format!(
            "bursts {} (<= {} events)",
            workload.burst, workload.burst_events_max
        )
    });
    if workload.reupload_mean_ms > 0 {
        parts.push(render_every(
            "identical re-uploads",
            workload.reupload_mean_ms,
        ));
    }
    if workload.restore_mean_ms > 0 {
        parts.push(render_every("crc restores", workload.restore_mean_ms));
    }
    parts.push(if workload.retention_ms > 0 {
        format!(
            "retention {} ms (checked every {} ms)",
            workload.retention_ms, workload.retention_check_ms
        )
    } else {
        "retention off".to_string()
    });
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_change_only_their_value() {
        let drawn = draw_params(&mut SimRng::from_seed_u64(9), &SimOptions::default());
        let options = SimOptions {
            scheduler_period_ms: Some(12_345),
            ..SimOptions::default()
        };
        let overridden = draw_params(&mut SimRng::from_seed_u64(9), &options);
        assert_eq!(overridden.scheduler_period_ms, 12_345);
        assert_eq!(
            SimParams {
                scheduler_period_ms: drawn.scheduler_period_ms,
                ..overridden
            },
            drawn
        );
    }

    #[test]
    fn features_parse_and_render_round_trip() {
        let features = Features::parse("retention,stalls").expect("valid list");
        assert_eq!(features.render(), "stalls,retention");
        assert_eq!(Features::parse("none").expect("none").render(), "none");
        let error = Features::parse("stalls,nope").expect_err("unknown feature");
        assert!(error.contains("'nope'"), "{error}");
    }

    #[test]
    fn no_drain_keeps_stalls_inside_retention() {
        let options = SimOptions {
            workload: WorkloadMode::Exactly(Features::parse("stalls,retention").expect("valid")),
            ..SimOptions::default()
        };
        for seed in 0..50 {
            let params = draw_params(&mut SimRng::from_seed_u64(seed), &options);
            let workload = params.workload;
            assert!(workload.stall_ms_max <= workload.retention_ms / 2);
        }
    }
}
