//! Shrinking: delta debugging over the recorded step list.
//!
//! A candidate is a subsequence of the current failing trace. It is replayed leniently:
//! each step runs at its recorded time, a step that is not enabled any more is dropped,
//! and jitter draws a step no longer consumes are dropped too (see `ReplayEntropy`). The
//! candidate is kept when the target property is still violated **with the target's
//! signature** (the first signature of the original violation, see below); the trace becomes the
//! steps actually applied, cut at the violation for `Always` properties (so every kept
//! trace replays exactly). Chunks of half the trace are tried first, then quarters, and so
//! on down to single steps, repeated while single steps still go; a replay budget bounds
//! the work, so shrinking always ends and its result depends on the trace alone.
//!
//! What a kept candidate must preserve: the property; the first signature of the target
//! violation (`Violation::signatures[0]`, the first witness's) among the candidate's
//! violation signatures; and, for bucket-level quiescent properties, the first defect
//! (bucket and kind). Preserving the property alone is not enough: on `post`, F1-class
//! (`written-outdated-by=appendValid`) and F3-class (`causes=flush-read-error`) failures
//! violate the same properties, and a property-only shrink of the one may end as the
//! other. A target with no signatures (or no defects) does not constrain them.

use super::engine::{replay, RecordedStep, ReplayMode, Violation};
use super::params::SimParams;
use mvsim_model::signature::Signature;
use mvsim_model::Config;

/// Default bound on the replays one shrink may run.
pub const REPLAYS_MAX: usize = 4_000;

/// A shrunk failing trace.
pub struct Shrunk {
    /// The shrunk trace.
    pub steps: Vec<RecordedStep>,
    /// Steps of the trace that was shrunk.
    pub original_len: usize,
    /// Replays the shrinker ran.
    pub replays: usize,
}

struct Shrinker<'a> {
    config: &'a Config,
    params: &'a SimParams,
    heal_start_ms: i64,
    property: &'a str,
    /// For bucket-level properties: this defect (bucket and kind) must still be present.
    defect: Option<&'a str>,
    /// This signature must still be among the violation's.
    signature: Option<&'a Signature>,
    replays: usize,
    replays_max: usize,
}

impl Shrinker<'_> {
    /// The applied steps of `candidate` when it still violates the property.
    fn still_fails(&mut self, candidate: &[RecordedStep]) -> Option<Vec<RecordedStep>> {
        self.replays += 1;
        let replayed = replay(
            self.config,
            self.params,
            candidate,
            ReplayMode::Lenient,
            self.heal_start_ms,
            Some(self.property),
            None,
        )
        .ok()?;
        let violation = replayed.outcome.violation(self.property)?;
        if let Some(defect) = self.defect {
            if !violation.defects.iter().any(|found| found == defect) {
                return None;
            }
        }
        if let Some(signature) = self.signature {
            if !violation.signatures.contains(signature) {
                return None;
            }
        }
        let mut applied = replayed.applied;
        applied.truncate(violation.step.min(applied.len()));
        Some(applied)
    }

    /// One pass removing chunks of `chunk` steps; true if anything was removed.
    fn pass(&mut self, current: &mut Vec<RecordedStep>, chunk: usize) -> bool {
        let mut removed_any = false;
        let mut start = 0;
        while start < current.len() && self.replays < self.replays_max {
            let end = (start + chunk).min(current.len());
            let mut candidate = Vec::with_capacity(current.len() - (end - start));
            candidate.extend_from_slice(&current[..start]);
            candidate.extend_from_slice(&current[end..]);
            match self.still_fails(&candidate) {
                Some(applied) if applied.len() < current.len() => {
                    *current = applied;
                    removed_any = true;
                }
                _ => start += chunk,
            }
        }
        removed_any
    }
}

impl Shrinker<'_> {
    /// Binary search for a short failing prefix (a violation judged at quiescence is often
    /// caused early; `Always` violations are cut at the failing step anyway). Failure is not
    /// monotone in the prefix length, so this only keeps prefixes that were seen to fail.
    fn shortest_prefix(&mut self, current: &mut Vec<RecordedStep>) {
        let (mut low, mut high) = (0, current.len());
        while low + 1 < high && self.replays < self.replays_max {
            let middle = low + (high - low) / 2;
            match self.still_fails(&current[..middle]) {
                Some(applied) => {
                    high = applied.len().min(middle);
                    *current = applied;
                }
                None => low = middle,
            }
        }
    }
}

/// Shrinks `steps` (a run with the violation `target`) to a shorter trace that still
/// violates the same property with the same first signature (and the same first defect,
/// for bucket-level properties).
pub fn shrink(
    config: &Config,
    params: &SimParams,
    steps: &[RecordedStep],
    heal_start_ms: i64,
    target: &Violation,
    replays_max: usize,
) -> Shrunk {
    let mut shrinker = Shrinker {
        config,
        params,
        heal_start_ms,
        property: &target.property,
        defect: target.defects.first().map(String::as_str),
        signature: target.signatures.first(),
        replays: 0,
        replays_max,
    };
    let Some(mut current) = shrinker.still_fails(steps) else {
        return Shrunk {
            steps: steps.to_vec(),
            original_len: steps.len(),
            replays: shrinker.replays,
        };
    };
    shrinker.shortest_prefix(&mut current);
    let mut chunk = (current.len() / 2).max(1);
    while shrinker.replays < replays_max && !current.is_empty() {
        let removed = shrinker.pass(&mut current, chunk);
        if chunk == 1 {
            if !removed {
                break;
            }
        } else {
            chunk = (chunk / 2).min(current.len() / 2).max(1);
        }
    }
    Shrunk {
        steps: current,
        original_len: steps.len(),
        replays: shrinker.replays,
    }
}
