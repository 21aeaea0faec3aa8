//! The gate's result: which baseline findings the search saw, which signatures are new
//! (each with its shortest trace and one replay command), and which expected findings a
//! complete search no longer sees.

use super::gate::{Gate, GATE};
use super::report::{render_trace, replay_line, CheckArgs, PropertyResult};
use super::{path_indices, MvModel};
use mvsim_model::signature::Signature;
use mvsim_model::Action;
use serde::Serialize;
use stateright::{Checker, HasDiscoveries, Model};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// At most this many new signatures get a targeted search for their own trace.
const TRACED_NEW_MAX: usize = 5;

/// An accepted finding the search saw.
#[derive(Serialize, Debug, Clone)]
pub struct AcceptedFinding {
    pub id: String,
    pub title: String,
    pub report: String,
    pub status: String,
    /// The signatures of its witnesses the search saw.
    pub signatures: Vec<String>,
}

/// A signature no baseline finding explains.
#[derive(Serialize, Debug, Clone)]
pub struct NewFinding {
    pub signature: String,
    pub property: &'static str,
    /// The first witness's subject, for people.
    pub subject: String,
    pub trace_steps: Option<usize>,
    pub path: Option<String>,
    pub replay: Option<String>,
    #[serde(skip)]
    pub trace: Vec<String>,
}

/// The gate's verdict.
#[derive(Serialize, Debug, Clone)]
pub struct FindingsResult {
    /// The baseline file (empty with `--no-baseline`).
    pub baseline: String,
    pub vocabulary: u32,
    pub accepted: Vec<AcceptedFinding>,
    pub new: Vec<NewFinding>,
    /// Findings the baseline expects on this engine/config that a complete search did not
    /// see.
    pub not_reproduced: Vec<String>,
    /// `sometimes` properties the baseline expects a complete search of this engine and
    /// configuration to reach (`[reached]`) that it did not reach.
    pub unreached: Vec<String>,
    /// `--strict-baseline` and `not_reproduced` or `unreached` is not empty, or
    /// `--reached-from` and `unreached` is not empty.
    pub strict_failure: bool,
    /// `--reached-from PATH` (with `--no-baseline`): the file `[reached]` came from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reached_from: String,
}

/// Collects the gate's result and marks each violated property accepted or not.
pub fn collect(
    model: &MvModel,
    checker: &dyn Checker<MvModel>,
    args: &CheckArgs,
    complete: bool,
    properties: &mut [PropertyResult],
) -> Option<FindingsResult> {
    let gate = model.gate.as_ref()?;
    let seen = gate.seen();
    let wholesale = |property: &str| args.accept_property.iter().any(|name| name == property);
    for property in properties.iter_mut().filter(|p| p.verdict == "violated") {
        let mine: Vec<_> = seen
            .iter()
            .filter(|(_, s)| s.property == property.name)
            .collect();
        let ids: BTreeSet<String> = mine
            .iter()
            .filter_map(|(_, s)| s.accepted_by.clone())
            .collect();
        property.accepted_by = ids.into_iter().collect();
        let all_explained = !mine.is_empty() && mine.iter().all(|(_, s)| s.accepted_by.is_some());
        property.accepted |= all_explained || wholesale(property.name);
    }
    let baseline = &gate.baseline;
    let accepted = baseline
        .findings
        .iter()
        .filter_map(|finding| {
            let signatures: Vec<String> = seen
                .iter()
                .filter(|(_, s)| s.accepted_by.as_deref() == Some(finding.id.as_str()))
                .map(|(signature, _)| signature.to_string())
                .collect();
            (!signatures.is_empty()).then(|| AcceptedFinding {
                id: finding.id.clone(),
                title: finding.title.clone(),
                report: finding.report.clone(),
                status: finding.status.clone(),
                signatures,
            })
        })
        .collect::<Vec<_>>();
    let mut new: Vec<NewFinding> = seen
        .iter()
        .filter(|(_, s)| s.accepted_by.is_none() && !wholesale(s.property))
        .map(|(signature, s)| NewFinding {
            signature: signature.to_string(),
            property: s.property,
            subject: s.subject.clone(),
            trace_steps: None,
            path: None,
            replay: None,
            trace: Vec::new(),
        })
        .collect();
    attach_traces(model, checker, args, &mut new);
    let engine = model.config.profile.name;
    let not_reproduced: Vec<String> = if complete {
        let seen_ids: BTreeSet<&str> = accepted.iter().map(|finding| finding.id.as_str()).collect();
        baseline
            .expected_on(engine, &model.config.name)
            .filter(|finding| !seen_ids.contains(finding.id.as_str()))
            .map(|finding| finding.id.clone())
            .collect()
    } else {
        Vec::new()
    };
    let unreached: Vec<String> = if complete {
        baseline
            .reached_on(engine, &model.config.name)
            .iter()
            .filter(|name| {
                !properties
                    .iter()
                    .any(|property| property.name == name.as_str() && property.verdict == "reached")
            })
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    Some(FindingsResult {
        baseline: baseline.path.display().to_string(),
        vocabulary: baseline.vocabulary,
        accepted,
        strict_failure: (args.strict_baseline
            && !(not_reproduced.is_empty() && unreached.is_empty()))
            || (args.reached_from.is_some() && !unreached.is_empty()),
        reached_from: (args.reached_from.as_ref())
            .map(|path| path.display().to_string())
            .unwrap_or_default(),
        not_reproduced,
        unreached,
        new,
    })
}

/// Gives each new finding a trace: the gate's own discovery for the signatures its final
/// state shows, a targeted search for up to [`TRACED_NEW_MAX`] others.
fn attach_traces(
    model: &MvModel,
    checker: &dyn Checker<MvModel>,
    args: &CheckArgs,
    new: &mut [NewFinding],
) {
    if new.is_empty() {
        return;
    }
    if let Some(path) = checker.discoveries().get(GATE) {
        let actions: Vec<Action> = path.clone().into_actions();
        let last = path.last_state().clone();
        let shown: BTreeSet<Signature> = model
            .witnesses(&last)
            .into_iter()
            .map(|witness| witness.signature)
            .collect();
        for finding in new.iter_mut() {
            if shown
                .iter()
                .any(|signature| signature.to_string() == finding.signature)
            {
                set_trace(model, args, finding, &actions);
            }
        }
    }
    let baseline = &model.gate.as_ref().expect("a gate ran").baseline;
    let untraced = new
        .iter_mut()
        .filter(|finding| finding.trace_steps.is_none())
        .take(TRACED_NEW_MAX);
    for finding in untraced {
        let Ok(target) = Signature::parse(&finding.signature) else {
            continue;
        };
        if let Some(actions) = targeted_search(model, args, Arc::clone(baseline), target) {
            set_trace(model, args, finding, &actions);
        }
    }
}

fn set_trace(model: &MvModel, args: &CheckArgs, finding: &mut NewFinding, actions: &[Action]) {
    let path = path_indices(model, actions)
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("/");
    let quiescent = mvsim_model::properties::by_name(finding.property)
        .is_some_and(|p| p.expectation == mvsim_model::properties::Expectation::Quiescent);
    finding.trace = render_trace(model, actions, quiescent);
    finding.trace_steps = Some(actions.len());
    finding.replay = Some(replay_line(model, args, &path));
    finding.path = Some(path);
}

/// The shortest path (BFS) to a state with a witness of exactly `target`.
fn targeted_search(
    model: &MvModel,
    args: &CheckArgs,
    baseline: Arc<crate::baseline::Baseline>,
    target: Signature,
) -> Option<Vec<Action>> {
    let mut targeted = MvModel::new(model.config.clone());
    targeted.gate = Some(Gate::targeting(baseline, target));
    let mut builder = targeted
        .checker()
        .threads(args.threads)
        .target_state_count(args.max_states)
        .finish_when(HasDiscoveries::AnyOf([GATE].into_iter().collect()));
    if let Some(seconds) = args.timeout {
        builder = builder.timeout(Duration::from_secs(seconds));
    }
    let checker = builder.spawn_bfs().join();
    checker
        .discoveries()
        .get(GATE)
        .map(|path| path.clone().into_actions())
}

impl FindingsResult {
    /// The one-screen summary block.
    pub fn render_summary(&self) -> String {
        let mut out = String::new();
        let baseline = if !self.reached_from.is_empty() {
            format!("none (--no-baseline; [reached] from {})", self.reached_from)
        } else if self.baseline.is_empty() {
            "none (--no-baseline)".to_string()
        } else {
            self.baseline.clone()
        };
        out.push_str(&format!(
            "findings: {} accepted seen, {} new (baseline {baseline}, signature vocabulary v{})\n",
            self.accepted.len(),
            self.new.len(),
            self.vocabulary
        ));
        for finding in &self.accepted {
            out.push_str(&format!(
                "  accepted {:<4} {} [{}] ({})\n",
                finding.id, finding.title, finding.status, finding.report
            ));
            for signature in &finding.signatures {
                out.push_str(&format!("           {signature}\n"));
            }
        }
        for finding in &self.new {
            out.push_str(&format!(
                "  NEW      {} (at {})\n",
                finding.signature, finding.subject
            ));
        }
        let strict = if self.strict_failure && !self.reached_from.is_empty() {
            "; --reached-from fails"
        } else if self.strict_failure {
            "; --strict-baseline fails"
        } else {
            ""
        };
        for id in &self.not_reproduced {
            out.push_str(&format!(
                "  no longer reproduced: {id} (expected on this engine and configuration){strict}\n"
            ));
        }
        for name in &self.unreached {
            out.push_str(&format!(
                "  no longer reached: {name} (the baseline's [reached] expects it on this engine and configuration; what it guards now holds vacuously){strict}\n"
            ));
        }
        out
    }

    /// The trace of every new finding.
    pub fn render_new(&self) -> String {
        let mut out = String::new();
        for finding in &self.new {
            out.push_str(&format!("\nNEW FINDING {}\n", finding.signature));
            for line in &finding.trace {
                out.push_str(&format!("  {line}\n"));
            }
            match &finding.replay {
                Some(replay) => out.push_str(&format!("replay: {replay}\n")),
                None => out.push_str("  (no trace: more new signatures than the targeted searches cover; fix the first ones and re-run)\n"),
            }
            out.push_str("to accept it after review: `mvsim baseline review` (after a local run; CI writes no pending file), then write its report and a durable reproducer\n");
        }
        out
    }
}
