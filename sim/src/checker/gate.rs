//! The CI gate: one more stateright `always` property, "no new finding", that fails at a
//! state with a witness no baseline finding explains, and a tracker of every signature the
//! search saw.
//!
//! The gate evaluates every `always` property on every state and every quiescent property
//! on the fixpoint of every state whose script is done, computes each violated property's
//! witnesses and their signatures ([`mvsim_model::signature`]), and records each signature
//! with the finding that explains it (or none: new). A state is accepted only if every
//! witness of every violated property is explained. The unrefined properties are still
//! stateright properties of their own, so their verdicts and shortest traces are printed as
//! before; the baseline changes only what counts as new.
//!
//! On a complete search the set of signatures seen is the union over all reachable states,
//! so it does not depend on the search order or the thread count. The gate's own trace is
//! the first new finding found (the shortest under single-threaded BFS); every other new
//! signature gets its trace from a targeted search ([`Gate::targeting`]).

use super::MvModel;
use crate::baseline::Baseline;
use mvsim_model::signature::{self, Signature};
use mvsim_model::World;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The stateright name of the gate property.
pub const GATE: &str = "no new finding (every witness explained by the baseline)";

/// What the search saw of one signature.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The property it violates.
    pub property: &'static str,
    /// The first witness's subject (for people).
    pub subject: String,
    /// The baseline finding that explains it, if any.
    pub accepted_by: Option<String>,
}

/// The gate's configuration and tracker.
pub struct Gate {
    pub baseline: Arc<Baseline>,
    /// A targeted search: fail only at a witness with exactly this signature.
    pub target: Option<Signature>,
    /// Properties accepted wholesale (`--accept-property`): their witnesses never fail the
    /// gate (recorded as accepted by `--accept-property`).
    pub accepted_properties: Vec<String>,
    seen: Mutex<BTreeMap<Signature, Seen>>,
    discovered: AtomicBool,
    /// Unique per gate: keys what a settle memo entry remembers of this gate's verdict.
    id: u64,
}

/// The next [`Gate::id`].
static NEXT_GATE_ID: AtomicU64 = AtomicU64::new(1);

impl Gate {
    pub fn new(baseline: Arc<Baseline>) -> Gate {
        Gate {
            baseline,
            target: None,
            accepted_properties: Vec::new(),
            seen: Mutex::new(BTreeMap::new()),
            discovered: AtomicBool::new(false),
            id: NEXT_GATE_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// A gate for a search that looks for one signature only.
    pub fn targeting(baseline: Arc<Baseline>, target: Signature) -> Gate {
        Gate {
            target: Some(target),
            ..Gate::new(baseline)
        }
    }

    /// Records `witnesses` in the tracker; does one of them fail the gate?
    fn record(&self, witnesses: impl IntoIterator<Item = signature::Witness>) -> bool {
        let mut failing = false;
        let mut seen = self
            .seen
            .lock()
            .expect("the gate tracker lock is never poisoned");
        for witness in witnesses {
            let wholesale = self
                .accepted_properties
                .iter()
                .any(|name| name == witness.property);
            let accepted_by = self
                .baseline
                .explain(&witness.signature)
                .map(|finding| finding.id.clone())
                .or_else(|| wholesale.then(|| "--accept-property".to_string()));
            failing |= match &self.target {
                Some(target) => *target == witness.signature,
                None => accepted_by.is_none(),
            };
            seen.entry(witness.signature).or_insert(Seen {
                property: witness.property,
                subject: witness.subject,
                accepted_by,
            });
        }
        failing
    }

    /// Every signature seen so far.
    pub fn seen(&self) -> BTreeMap<Signature, Seen> {
        self.seen
            .lock()
            .expect("the gate tracker lock is never poisoned")
            .clone()
    }
}

impl MvModel {
    /// The signatures of every witness at `world` (quiescent ones on its fixpoint).
    pub fn witnesses(&self, world: &World) -> Vec<signature::Witness> {
        let settled = world.script_done(&self.config).then(|| self.settled(world));
        signature::witnesses(
            &self.config,
            world,
            settled.as_deref().map(|judged| &**judged),
        )
    }
}

/// The gate property: false at the first state with an unexplained witness (then true
/// again, so that stateright keeps the first, shortest, discovery); records every
/// signature it sees.
///
/// The `always` witnesses are computed per state; the quiescent ones once per fixpoint
/// (the settle memo entry keeps them and, per gate, whether they fail it: they were
/// recorded the first time, and recording them again would change nothing).
pub(super) fn gate_property(model: &MvModel, world: &World) -> bool {
    let Some(gate) = &model.gate else {
        return true;
    };
    let (always_failing, judged) = super::with_current(model, world, |current| {
        (current.always_failing != 0, current.judged.clone())
    })
    .unwrap_or_else(|| {
        let judged = world
            .script_done(&model.config)
            .then(|| model.settled(world));
        (true, judged)
    });
    // `signature::witnesses` without a fixpoint lists only the failing `always` properties'.
    let mut failing =
        always_failing && gate.record(signature::witnesses(&model.config, world, None));
    if let Some(judged) = judged {
        failing |= match judged.gate_verdict(gate.id) {
            Some(verdict) => verdict,
            None => {
                let verdict =
                    gate.record(judged.quiescent_witnesses(&model.config).iter().cloned());
                judged.set_gate_verdict(gate.id, verdict);
                verdict
            }
        };
    }
    if !failing {
        return true;
    }
    // Report only the first discovery (see `MvModel::discovered`).
    gate.discovered.swap(true, Ordering::Relaxed)
}
