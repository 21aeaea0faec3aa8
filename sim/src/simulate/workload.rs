//! The source-table workload: what the controller's segment mutators do to the source
//! table during a run, as `SourceUpload` / `SourceRefresh` / `SourceDeleteNotify` actions
//! that the simulator applies with `World::step` (the configuration's script is empty).
//!
//! Six timers, each re-armed by its own draw from the workload stream:
//! - ingestion, every `U[min, max]` ms: uploads the data from the tail up to `now - lag`
//!   (one segment, never across a bucket boundary; after a stall it catches up bucket by
//!   bucket);
//!   at an ingestion a stall (no ingestion for a while) or a burst may start;
//! - backfills: a segment into a random old bucket, from the first bucket ever ingested up
//!   to the tail (so also into buckets retention has emptied), or with `history` from some
//!   buckets before the first ingested one (below the cold-start watermark);
//! - refreshes: a live dated segment gets a new crc;
//! - time-less uploads: `start = end = -1`, which the controller turns into a full
//!   invalidation;
//! - retention: deletes, oldest end first, every segment whose end is older than the
//!   retention period, one every `U[100, 2000]` ms until none is left, then sleeps;
//! - bursts: uploads and refreshes near the tail, each less than the debounce delay after
//!   the previous one, so the consistency manager's trailing debounce keeps being re-armed.
//!
//! Two more timers draw from their own stream (the extras stream, so that a seed with
//! neither on draws exactly as before they existed):
//! - identical re-uploads: a live dated segment is uploaded again with the same name,
//!   range and crc (a re-run of a batch job; PHRM:3272-3291's refresh path with an
//!   unchanged crc);
//! - crc restores: a live dated segment is refreshed to a new crc and, `U[100, 2 *
//!   debounce]` ms (inside the debounce window) or `U[1, bucket]` ms later, back to the
//!   crc it had (a bad segment pushed and rolled back).
//!
//! Segment ids come from the catalog in upload order (`seg_000000`, ...), so id order is
//! name order; when the catalog is used up, uploads stop (the run reports it).

use super::params::{SimParams, WorkloadMix, START_MS};
use super::rng::SimRng;
use mvsim_model::config::constants;
use mvsim_model::partition::align_down;
use mvsim_model::{Action, World};

const INGEST: usize = 0;
const BACKFILL: usize = 1;
const REFRESH: usize = 2;
const TIMELESS: usize = 3;
const RETENTION: usize = 4;
const BURST: usize = 5;
const REUPLOAD: usize = 6;
const RESTORE: usize = 7;
const TIMERS: usize = 8;

/// The workload generator of one run.
#[derive(Clone, Debug)]
pub struct Workload {
    rng: SimRng,
    mix: WorkloadMix,
    bucket_ms: i64,
    /// Due time of each timer (`None` = off).
    timers: [Option<i64>; TIMERS],
    /// The next ingested segment starts here (the data tail, exclusive end).
    tail_ms: i64,
    first_bucket_ms: i64,
    next_segment: u16,
    catalog_size: u16,
    stall_until_ms: i64,
    burst_left: u32,
    /// Uploads stopped because the catalog ran out.
    pub catalog_exhausted: bool,
    /// The extras stream: re-uploads and restores draw only from it.
    extras: SimRng,
    /// A restore in progress: the segment and the crc to restore.
    restoring: Option<(u16, i64)>,
}

impl Workload {
    /// A workload whose data starts in the bucket two before the run, at a drawn offset
    /// (real data rarely starts on a bucket boundary; the cold start must align it).
    pub fn new(mut rng: SimRng, extras: SimRng, params: &SimParams) -> Workload {
        let mix = params.workload;
        let first_data_ms = START_MS - 2 * params.bucket_ms + rng.between(0, params.bucket_ms - 1);
        let mut workload = Workload {
            rng,
            mix,
            bucket_ms: params.bucket_ms,
            timers: [None; TIMERS],
            tail_ms: first_data_ms,
            first_bucket_ms: align_down(first_data_ms, params.bucket_ms),
            next_segment: 0,
            catalog_size: params.catalog_size,
            stall_until_ms: i64::MIN,
            burst_left: 0,
            catalog_exhausted: false,
            extras,
            restoring: None,
        };
        workload.timers[INGEST] = Some(START_MS);
        for (timer, mean_ms) in [
            (BACKFILL, mix.backfill_mean_ms),
            (REFRESH, mix.refresh_mean_ms),
            (TIMELESS, mix.timeless_mean_ms),
        ] {
            workload.rearm_mean(timer, START_MS, mean_ms);
        }
        if mix.retention_ms > 0 {
            workload.timers[RETENTION] = Some(START_MS + mix.retention_check_ms);
        }
        workload.rearm_extra(REUPLOAD, START_MS, mix.reupload_mean_ms);
        workload.rearm_extra(RESTORE, START_MS, mix.restore_mean_ms);
        workload
    }

    /// Re-arms an extras timer `U[1, 2 * mean]` ms from now, drawing from the extras
    /// stream (off when `mean_ms` is 0).
    fn rearm_extra(&mut self, timer: usize, now_ms: i64, mean_ms: i64) {
        self.timers[timer] = if mean_ms > 0 {
            Some(now_ms + self.extras.between(1, 2 * mean_ms))
        } else {
            None
        };
    }

    /// A live dated segment, drawn from the extras stream.
    fn pick_live(
        &mut self,
        world: &World,
    ) -> Option<mvsim_model::segment_source::SourceSegmentState> {
        let live = |segment: &&mvsim_model::segment_source::SourceSegmentState| {
            segment.start_ms >= 0 && !world.source_removing.contains(&segment.id)
        };
        let count = world.source.iter().filter(live).count();
        if count == 0 {
            return None;
        }
        let index = self.extras.below(count as u64) as usize;
        world.source.iter().filter(live).nth(index).copied()
    }

    /// An identical re-upload of a live dated segment.
    fn reupload(&mut self, world: &World) -> Option<Action> {
        let segment = self.pick_live(world)?;
        Some(Action::SourceUpload {
            segment: segment.id,
            start_ms: segment.start_ms,
            end_ms: segment.end_ms,
            crc: segment.crc,
        })
    }

    /// The first half of a restore (a new crc, remembering the old one) or its second half
    /// (the old crc back, if the segment is still live).
    fn restore(&mut self, world: &World) -> Option<Action> {
        let now_ms = world.now_ms;
        if let Some((segment, crc)) = self.restoring.take() {
            self.rearm_extra(RESTORE, now_ms, self.mix.restore_mean_ms);
            let live = world.source_segment(segment).is_some()
                && !world.source_removing.contains(&segment);
            return live.then_some(Action::SourceRefresh { segment, crc });
        }
        let Some(segment) = self.pick_live(world) else {
            self.rearm_extra(RESTORE, now_ms, self.mix.restore_mean_ms);
            return None;
        };
        let new_crc = loop {
            let crc = (self.extras.next_u64() & 0xffff_ffff) as i64;
            if crc != segment.crc {
                break crc;
            }
        };
        self.restoring = Some((segment.id, segment.crc));
        let gap_ms = if self.extras.chance(super::rng::Ratio::new(1, 2)) {
            self.extras.between(100, 2 * constants::DEBOUNCE_MS)
        } else {
            self.extras.between(1, self.bucket_ms.max(1))
        };
        self.timers[RESTORE] = Some(now_ms + gap_ms);
        Some(Action::SourceRefresh {
            segment: segment.id,
            crc: new_crc,
        })
    }

    /// When the next source event is due (`i64::MAX` when none is armed).
    pub fn next_due_ms(&self) -> i64 {
        self.timers
            .iter()
            .flatten()
            .copied()
            .min()
            .unwrap_or(i64::MAX)
    }

    /// Fires the earliest due timer and returns its action, if it has one to take now.
    pub fn next_action(&mut self, world: &World) -> Option<Action> {
        let now_ms = world.now_ms;
        let (timer, _) = self
            .timers
            .iter()
            .enumerate()
            .filter_map(|(index, due)| due.map(|due| (index, due)))
            .filter(|(_, due)| *due <= now_ms)
            .min_by_key(|(index, due)| (*due, *index))?;
        match timer {
            INGEST => self.ingest(now_ms),
            BACKFILL => {
                self.rearm_mean(BACKFILL, now_ms, self.mix.backfill_mean_ms);
                self.backfill()
            }
            REFRESH => {
                self.rearm_mean(REFRESH, now_ms, self.mix.refresh_mean_ms);
                self.refresh(world, None)
            }
            TIMELESS => {
                self.rearm_mean(TIMELESS, now_ms, self.mix.timeless_mean_ms);
                self.upload(-1, -1)
            }
            RETENTION => self.retention(world),
            REUPLOAD => {
                self.rearm_extra(REUPLOAD, now_ms, self.mix.reupload_mean_ms);
                self.reupload(world)
            }
            RESTORE => self.restore(world),
            _ => self.burst(world),
        }
    }

    /// Re-arms a timer `U[1, 2 * mean]` ms from now (off when `mean_ms` is 0).
    fn rearm_mean(&mut self, timer: usize, now_ms: i64, mean_ms: i64) {
        self.timers[timer] = if mean_ms > 0 {
            Some(now_ms + self.rng.between(1, 2 * mean_ms))
        } else {
            None
        };
    }

    fn crc(&mut self) -> i64 {
        // Pinot's crc is an unsigned 32-bit value stored in a long.
        (self.rng.next_u64() & 0xffff_ffff) as i64
    }

    /// A new segment with the next catalog id.
    fn upload(&mut self, start_ms: i64, end_ms: i64) -> Option<Action> {
        if self.next_segment >= self.catalog_size {
            self.catalog_exhausted = true;
            return None;
        }
        let segment = self.next_segment;
        self.next_segment += 1;
        let crc = self.crc();
        Some(Action::SourceUpload {
            segment,
            start_ms,
            end_ms,
            crc,
        })
    }

    fn ingest(&mut self, now_ms: i64) -> Option<Action> {
        let mix = self.mix;
        if now_ms < self.stall_until_ms {
            self.timers[INGEST] = Some(self.stall_until_ms);
            return None;
        }
        let lag_ms = self.rng.between(0, mix.ingest_lag_ms_max);
        let data_end_ms = now_ms - lag_ms;
        let mut next_ms = now_ms
            + self
                .rng
                .between(mix.ingest_interval_ms_min, mix.ingest_interval_ms_max);
        let mut action = None;
        let mut caught_up = true;
        if data_end_ms >= self.tail_ms {
            // A backlog is loaded one bucket-aligned segment at a time (as batch jobs do),
            // so after a catch-up the data tail sits on a bucket boundary.
            let bucket_end_ms = align_down(self.tail_ms, self.bucket_ms) + self.bucket_ms - 1;
            let end_ms = data_end_ms.min(bucket_end_ms);
            action = self.upload(self.tail_ms, end_ms);
            self.tail_ms = end_ms + 1;
            if end_ms < data_end_ms {
                // Catching up after a stall: the next segment follows shortly.
                next_ms = now_ms + self.rng.between(1_000, 10_000);
                caught_up = false;
            }
        }
        // A new stall only once caught up: back-to-back stalls would let the tail fall
        // behind by more than one stall, and retention would drain the source (the `drain`
        // feature does that on purpose).
        if caught_up && self.rng.chance(mix.stall) {
            self.stall_until_ms = now_ms + self.rng.between(self.bucket_ms / 2, mix.stall_ms_max);
            next_ms = next_ms.max(self.stall_until_ms);
        }
        if self.burst_left == 0 && self.rng.chance(mix.burst) {
            self.burst_left = self.rng.between(2, i64::from(mix.burst_events_max.max(2))) as u32;
            self.timers[BURST] = Some(now_ms + self.burst_gap_ms());
        }
        self.timers[INGEST] = Some(next_ms);
        action
    }

    /// A gap that keeps a trailing debounce from firing.
    fn burst_gap_ms(&mut self) -> i64 {
        self.rng.between(100, constants::DEBOUNCE_MS - 100)
    }

    fn backfill(&mut self) -> Option<Action> {
        let lowest_ms = self.first_bucket_ms - self.mix.history_buckets * self.bucket_ms;
        let buckets = (self.tail_ms - lowest_ms) / self.bucket_ms;
        let bucket_ms = lowest_ms + self.rng.between(0, buckets.max(0)) * self.bucket_ms;
        // Old data only: never beyond the ingested tail.
        let last_ms = self.tail_ms - 1;
        let start_ms = (bucket_ms + self.rng.between(0, self.bucket_ms - 1)).min(last_ms);
        let end_ms = (start_ms + self.rng.between(0, self.bucket_ms / 2)).min(last_ms);
        self.upload(start_ms, end_ms)
    }

    /// A new crc for a live dated segment (`recent_from_ms`: only segments ending there or
    /// later).
    fn refresh(&mut self, world: &World, recent_from_ms: Option<i64>) -> Option<Action> {
        let candidates = |segment: &&mvsim_model::segment_source::SourceSegmentState| {
            segment.start_ms >= 0
                && recent_from_ms.is_none_or(|from| segment.end_ms >= from)
                && !world.source_removing.contains(&segment.id)
        };
        let count = world.source.iter().filter(candidates).count();
        if count == 0 {
            return None;
        }
        let index = self.rng.below(count as u64) as usize;
        let segment = world.source.iter().filter(candidates).nth(index)?.id;
        let crc = self.crc();
        Some(Action::SourceRefresh { segment, crc })
    }

    fn retention(&mut self, world: &World) -> Option<Action> {
        let now_ms = world.now_ms;
        let cutoff_ms = now_ms - self.mix.retention_ms;
        let expired: Vec<_> = world
            .source
            .iter()
            .filter(|segment| {
                segment.end_ms >= 0
                    && segment.end_ms < cutoff_ms
                    && !world.source_removing.contains(&segment.id)
            })
            .collect();
        let oldest = expired
            .iter()
            .min_by_key(|segment| (segment.end_ms, segment.id))
            .map(|segment| segment.id);
        let next_ms = if expired.len() > 1 {
            now_ms + self.rng.between(100, 2_000)
        } else {
            now_ms + self.mix.retention_check_ms
        };
        self.timers[RETENTION] = Some(next_ms);
        oldest.map(|segment| Action::SourceDeleteNotify { segment })
    }

    fn burst(&mut self, world: &World) -> Option<Action> {
        self.burst_left = self.burst_left.saturating_sub(1);
        self.timers[BURST] = if self.burst_left > 0 {
            Some(world.now_ms + self.burst_gap_ms())
        } else {
            None
        };
        let recent_ms = self.tail_ms - self.bucket_ms;
        if self.rng.chance(super::rng::Ratio::new(1, 2)) {
            if let Some(action) = self.refresh(world, Some(recent_ms)) {
                return Some(action);
            }
        }
        // Near the tail, never beyond it: a burst adds data, it does not advance the tail.
        let start_ms = recent_ms + self.rng.between(0, self.bucket_ms - 1);
        let end_ms = (start_ms + self.rng.between(0, 60_000)).min(self.tail_ms - 1);
        self.upload(start_ms, end_ms)
    }
}
