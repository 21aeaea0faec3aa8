//! The source table: segment uploads, backfills, refreshes, retention deletes and
//! time-less segments, with the consistency-manager notifications the controller sends for
//! each (spec §3.3 "Event sources").
//!
//! Uploads and refreshes write the segment metadata and then notify (PHRM:3252-3291); the
//! model makes that one step because the CM's intake and flush read no source metadata, so
//! nothing that could run between them observes the difference. A retention delete
//! notifies *before* the metadata is removed (SDM:128-161, 200): two steps, because a flush
//! and a scheduler read can run in between and see the segment still present.
//! `PHRM.notifyMaterializedViewConsistencyManager` (PHRM:5833-5862) turns a negative start
//! or end (a time-less segment) into a full invalidation `[0, Long.MAX_VALUE]` (CM:262-264).

use crate::config::{Config, SourceEvent};
use crate::partition::compute_max_source_end_time_ms;
use crate::world::{ghost_bits, Action, World};
use serde::{Deserialize, Serialize};

/// One source segment's ZK metadata in the checked state (the name is in the catalog).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceSegmentState {
    /// Catalog id; catalog order is Java `String.compareTo` order of the names.
    pub id: u16,
    /// `getStartTimeMs()`, `-1` when unset.
    pub start_ms: i64,
    /// `getEndTimeMs()` (inclusive), `-1` when unset.
    pub end_ms: i64,
    pub crc: i64,
}

impl World {
    /// The next scripted event and every menu event still available, as actions
    /// (checker); the simulator builds its own.
    pub(crate) fn source_actions(&self, config: &Config, out: &mut Vec<Action>) {
        for segment in &self.source_removing {
            out.push(Action::SourceDeleteRemove { segment: *segment });
        }
        if let Some(event) = config.script.get(usize::from(self.script_cursor)) {
            let action = event_action(config, event);
            if self.source_action_enabled(&action) {
                out.push(action);
            }
        }
        if self.menu_fired.count_ones() >= u32::from(config.menu_budget) {
            return;
        }
        for (index, event) in config.menu.iter().enumerate() {
            if self.menu_fired & (1 << index) != 0 {
                continue;
            }
            let action = event_action(config, event);
            // Two entries that are the same step are one choice (the first unfired fires).
            if self.source_action_enabled(&action) && !out.contains(&action) {
                out.push(action);
            }
        }
    }

    /// The menu entry an environment step plays: the first unfired entry that is this step.
    fn menu_index(&self, config: &Config, action: &Action) -> Option<usize> {
        if self.menu_fired.count_ones() >= u32::from(config.menu_budget) {
            return None;
        }
        config.menu.iter().enumerate().position(|(index, event)| {
            self.menu_fired & (1 << index) == 0 && event_action(config, event) == *action
        })
    }

    /// Is a source action applicable to the current source (refresh/delete need the segment)?
    pub fn source_action_enabled(&self, action: &Action) -> bool {
        match action {
            Action::SourceUpload { .. } => true,
            Action::SourceRefresh { segment, .. } | Action::SourceDeleteNotify { segment } => {
                self.source_segment(*segment).is_some() && !self.source_removing.contains(segment)
            }
            Action::SourceDeleteRemove { segment } => self.source_removing.contains(segment),
            _ => false,
        }
    }

    pub fn source_segment(&self, id: u16) -> Option<&SourceSegmentState> {
        self.source
            .binary_search_by_key(&id, |segment| segment.id)
            .ok()
            .map(|index| &self.source[index])
    }

    pub(crate) fn source_step(&mut self, config: &Config, action: &Action) {
        // A step that is both the script's next event and a menu entry plays the script.
        let scripted = config
            .script
            .get(usize::from(self.script_cursor))
            .is_some_and(|event| event_action(config, event) == *action);
        let menu = if scripted {
            None
        } else {
            self.menu_index(config, action)
        };
        match *action {
            Action::SourceUpload {
                segment,
                start_ms,
                end_ms,
                crc,
            } => self.source_upload(config, segment, start_ms, end_ms, crc),
            Action::SourceRefresh { segment, crc } => {
                let index = self.source_index(segment);
                self.source.make_mut()[index].crc = crc;
                let updated = self.source[index];
                self.notify_consistency_manager(config, updated.start_ms, updated.end_ms);
            }
            Action::SourceDeleteNotify { segment } => {
                let doomed = self.source[self.source_index(segment)];
                self.notify_consistency_manager(config, doomed.start_ms, doomed.end_ms);
                if config.slow_delete_removal {
                    self.source_removing.push(segment);
                    self.source_removing.sort_unstable();
                } else {
                    // SDM:200-206: notify and remove run back to back on SDM's thread, well
                    // inside the 5 s debounce, so no flush can fall between them.
                    let index = self.source_index(segment);
                    self.source.make_mut().remove(index);
                }
            }
            Action::SourceDeleteRemove { segment } => {
                // The delayed removal is SDM's retry pass (the first pass's removal failed),
                // and every pass notifies before its own removal (SDM:199-206, 214-222;
                // docs/java-notes.md Q7).
                let doomed = self.source[self.source_index(segment)];
                self.notify_consistency_manager(config, doomed.start_ms, doomed.end_ms);
                let index = self.source_index(segment);
                self.source.make_mut().remove(index);
                self.source_removing.retain(|id| *id != segment);
            }
            _ => unreachable!("source_step called with a non-source action"),
        }
        if scripted {
            self.script_cursor += 1;
        }
        if let Some(index) = menu {
            self.menu_fired |= 1 << index;
        }
    }

    fn source_index(&self, id: u16) -> usize {
        self.source
            .binary_search_by_key(&id, |segment| segment.id)
            .expect("the segment exists: the action was enabled")
    }

    fn source_upload(&mut self, config: &Config, id: u16, start_ms: i64, end_ms: i64, crc: i64) {
        let segment = SourceSegmentState {
            id,
            start_ms,
            end_ms,
            crc,
        };
        match self
            .source
            .binary_search_by_key(&id, |existing| existing.id)
        {
            Ok(index) => self.source.make_mut()[index] = segment,
            Err(index) => self.source.make_mut().insert(index, segment),
        }
        self.ghost.max_source_end_seen_ms = self.ghost.max_source_end_seen_ms.max(end_ms);
        self.note_backfill_after_delete(config, start_ms, end_ms);
        self.notify_consistency_manager(config, start_ms, end_ms);
    }

    /// Ghost: an upload into a bucket whose last commit was a DELETE.
    fn note_backfill_after_delete(&mut self, config: &Config, start_ms: i64, end_ms: i64) {
        if start_ms < 0 || end_ms < 0 {
            return;
        }
        let overlapping_deleted = |bucket: i64, flags: u16| {
            flags & ghost_bits::BUCKET_DELETED != 0
                && crate::partition::segment_overlaps_window(
                    start_ms,
                    end_ms,
                    bucket,
                    bucket + config.bucket_ms,
                )
        };
        // Copy the shared map only when a flag changes.
        if !self
            .ghost
            .buckets
            .iter()
            .any(|(bucket, flags)| overlapping_deleted(*bucket, *flags))
        {
            return;
        }
        for (bucket, flags) in self.ghost.buckets.make_mut().iter_mut() {
            if overlapping_deleted(*bucket, *flags) {
                *flags |= ghost_bits::BUCKET_BACKFILLED_AFTER_DELETE;
            }
        }
        self.ghost.reached |= ghost_bits::REACHED_BACKFILL_AFTER_DELETE;
    }

    /// `PHRM.notifyMaterializedViewConsistencyManager` -> `onBaseTableDataChange` /
    /// `onBaseTableFullInvalidation` (PHRM:5833-5862, CM:197-264).
    fn notify_consistency_manager(&mut self, config: &Config, start_ms: i64, end_ms: i64) {
        self.note_source_change(config, start_ms, end_ms);
        let (start_ms, end_ms) = if start_ms < 0 || end_ms < 0 {
            (0, i64::MAX)
        } else {
            (start_ms, end_ms)
        };
        self.consistency_intake(config, start_ms, end_ms);
    }

    /// `computeMaxSourceEndTimeMs` over the live source (SCH:971-980).
    pub fn max_source_end_ms(&self) -> i64 {
        compute_max_source_end_time_ms(self.source.iter().map(|segment| &segment.end_ms))
    }

    /// Minimum `startTimeMs >= 0` over the live source (cold start, SCH:870-876).
    pub fn min_source_start_ms(&self) -> Option<i64> {
        self.source
            .iter()
            .map(|segment| segment.start_ms)
            .filter(|start| *start >= 0)
            .min()
    }
}

/// The step that plays a scripted or menu event.
fn event_action(config: &Config, event: &SourceEvent) -> Action {
    let segment = config
        .segment_id(event.segment())
        .expect("Config::finish puts every scripted and menu segment in the catalog");
    match event {
        SourceEvent::Upload {
            start_time_ms,
            end_time_ms,
            crc,
            ..
        } => Action::SourceUpload {
            segment,
            start_ms: *start_time_ms,
            end_ms: *end_time_ms,
            crc: *crc,
        },
        SourceEvent::Refresh { crc, .. } => Action::SourceRefresh { segment, crc: *crc },
        SourceEvent::Delete { .. } => Action::SourceDeleteNotify { segment },
    }
}
