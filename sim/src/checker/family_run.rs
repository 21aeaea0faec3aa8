//! `mvsim check --family SCOPE`: check every member of a family, group the violations into
//! distinct findings (each with its smallest member and shortest trace), and report
//! coverage; `--shard I/N` checks one shard, `--merge` joins shard summaries.

use super::family::{load_scope, Scope, Shape};
use super::gate::{Gate, GATE};
use super::{clear_settle_memo, path_indices, CheckArgs, MvModel, REACHABILITY};
use crate::baseline::Baseline;
use crate::exit::ExitStatus;
use mvsim_model::properties::{self, Expectation};
use mvsim_model::signature::Signature;
use mvsim_model::{Profile, World};
use serde::{Deserialize, Serialize};
use stateright::{Checker, HasDiscoveries, Model};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One signature seen in one member.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberSignature {
    /// The signature's text form (`property | class [| ...]`, docs/signatures.md).
    pub signature: String,
    pub property: String,
    /// The baseline finding that explains it (or `--accept-property`); `None`: new.
    pub accepted_by: Option<String>,
}

/// The result of checking one member.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberResult {
    pub index: usize,
    /// The initial state already violates an `always` property (its history is not one
    /// the ghost state can know): not checked, counted in the coverage.
    #[serde(default)]
    pub inconsistent_initial: bool,
    pub unique_states: usize,
    /// The search stopped before it evaluated every generated state (the member's
    /// unique-state bound, or an interrupt).
    pub bound_hit: bool,
    /// Every signature the search saw (the union over its states, so independent of the
    /// search order), sorted.
    pub signatures: Vec<MemberSignature>,
    pub reached: Vec<String>,
}

/// Checks one member configuration exhaustively (BFS, one thread), with the gate: the
/// signature of every witness at every state, each explained by `baseline` or new.
/// `max_states` bounds the member's unique states; `stop` (Ctrl-C) ends it early (then
/// `bound_hit`).
pub fn check_member(
    index: usize,
    mut model: MvModel,
    max_states: usize,
    baseline: Arc<Baseline>,
    accepted_properties: &[String],
) -> MemberResult {
    let initial = World::initial(&model.config);
    // An initial state that already breaks an `always` property, or whose data below the
    // watermark already disagrees with the source (a segment placed before the range under
    // an initial watermark, with no event in between), is not a state Pinot's engine could
    // start from: the engine never saw that data arrive. The reachable form (the segment
    // uploaded after the cold start) is F9, which members with a "before" upload event show.
    const DATA_AT_QUIESCENCE: [&str; 2] = [
        "quiescent_buckets_match_source",
        "quiescent_mv_data_matches_source",
    ];
    let inconsistent = properties::registry().iter().enumerate().any(|(i, p)| {
        (p.expectation == Expectation::Always || DATA_AT_QUIESCENCE.contains(&p.name))
            && !model.evaluate(i, &initial)
    });
    if inconsistent {
        return MemberResult {
            index,
            inconsistent_initial: true,
            unique_states: 0,
            bound_hit: false,
            signatures: Vec::new(),
            reached: Vec::new(),
        };
    }
    let mut gate = Gate::new(baseline);
    gate.accepted_properties = accepted_properties.to_vec();
    model.gate = Some(gate);
    model.signatures_only = true;
    model.max_visited = max_states;
    clear_settle_memo();
    let checker = model
        .checker()
        .finish_when(HasDiscoveries::AnyOf([REACHABILITY].into_iter().collect()))
        .spawn_bfs()
        .join();
    let model = checker.model();
    let unique_states = checker.unique_state_count();
    let complete = model.visited.load(Ordering::Relaxed) >= unique_states;
    let signatures = model
        .gate
        .as_ref()
        .expect("the member has a gate")
        .seen()
        .into_iter()
        .map(|(signature, seen)| MemberSignature {
            signature: signature.to_string(),
            property: seen.property.to_string(),
            accepted_by: seen.accepted_by,
        })
        .collect();
    let reached = properties::registry()
        .iter()
        .enumerate()
        .filter(|(i, _)| model.reached(*i))
        .map(|(_, p)| p.name.to_string())
        .collect();
    let result = MemberResult {
        index,
        inconsistent_initial: false,
        unique_states,
        bound_hit: !complete,
        signatures,
        reached,
    };
    clear_settle_memo();
    result
}

/// The shortest trace (single-threaded BFS) in `model` to a state with a witness of
/// exactly `target`, as an action-index path; `None` if the bound or an interrupt stops
/// the search first.
pub fn shortest_trace(
    model: MvModel,
    target: &str,
    max_states: usize,
    baseline: Arc<Baseline>,
) -> Option<Vec<usize>> {
    let target = Signature::parse(target).ok()?;
    let mut model = model;
    model.gate = Some(Gate::targeting(baseline, target));
    model.signatures_only = true;
    model.max_visited = max_states;
    clear_settle_memo();
    let checker = model
        .checker()
        .finish_when(HasDiscoveries::AnyOf(
            [GATE, REACHABILITY].into_iter().collect(),
        ))
        .spawn_bfs()
        .join();
    let found = checker.discoveries().get(GATE).map(|path| {
        let actions = path.clone().into_actions();
        path_indices(checker.model(), &actions)
    });
    clear_settle_memo();
    found
}

/// One distinct finding across the family: one signature.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Finding {
    /// The signature (text form): what makes two violations one finding.
    pub key: String,
    pub property: String,
    /// The baseline finding that explains it (`F1`, ..., or `--accept-property`); `None`:
    /// a new finding.
    #[serde(default)]
    pub accepted_by: Option<String>,
    /// Members in which it occurs.
    pub members: usize,
    /// Their indices, sorted.
    #[serde(default)]
    pub member_list: Vec<usize>,
    /// The smallest member (buckets, segments, events, faults, unique states, index).
    pub smallest: usize,
    pub smallest_shape: String,
    pub smallest_size: (u8, usize, usize, u32),
    pub smallest_states: usize,
    /// The shortest trace to the signature in the smallest member (`None`: the targeted
    /// search was interrupted).
    pub trace_steps: Option<usize>,
    pub path: Option<String>,
}

impl Finding {
    fn order(&self) -> (u8, usize, usize, u32, usize, usize, usize) {
        let (b, s, e, f) = self.smallest_size;
        (
            b,
            s,
            e,
            f,
            self.smallest_states,
            self.trace_steps.unwrap_or(usize::MAX),
            self.smallest,
        )
    }
}

/// The machine-readable result of a family run or of a merge.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FamilySummary {
    pub scope: String,
    pub scope_digest: String,
    pub engine: String,
    /// The findings baseline the signatures were matched against (empty: `--no-baseline`).
    #[serde(default)]
    pub baseline: String,
    /// A digest of the mvsim executable: merges refuse summaries of another build.
    pub build: String,
    pub shard_count: usize,
    pub shards: Vec<usize>,
    /// Members of the whole family, and raw configurations before deduplication.
    pub members_total: usize,
    pub raw_total: usize,
    pub checked: usize,
    pub unique_states: u64,
    pub max_member_states: usize,
    pub duration_seconds: f64,
    pub findings: Vec<Finding>,
    /// Per `sometimes` property: how many members reached it.
    pub sometimes: BTreeMap<String, usize>,
    /// Members that hit the per-member state bound (the family is incomplete).
    pub incomplete: Vec<usize>,
    /// Members never checked (memory bound reached): the family is incomplete.
    pub unchecked: usize,
    /// Members skipped because their initial state violates an `always` property, or its
    /// data below the watermark already disagrees with the source.
    pub inconsistent_initial: usize,
    /// Ctrl-C stopped the run: the members checked before it are kept, the rest are
    /// `unchecked` (the summary is incomplete).
    #[serde(default)]
    pub interrupted: bool,
    /// Unique states per checked member (index -> states; the inconsistent ones are 0):
    /// where a family's cost goes.
    #[serde(default)]
    pub member_states: BTreeMap<usize, usize>,
    /// `sometimes` properties that `[reached]` lists for `engine/SCOPE` (of the baseline
    /// under `--strict-baseline`, of `--reached-from`'s file under `--no-baseline`) and no
    /// member of a complete run reached: the run fails (exit 1), because what they guard
    /// held vacuously. Judged when the summary is printed (after a merge, on the whole).
    #[serde(default)]
    pub unreached: Vec<String>,
}

fn build_digest() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::read(exe).ok())
        .map_or_else(
            || "unknown".to_string(),
            |bytes| super::family::digest(&bytes),
        )
}

/// Parses `I/N`.
fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let parsed = text
        .split_once('/')
        .and_then(|(i, n)| Some((i.parse().ok()?, n.parse().ok()?)));
    match parsed {
        Some((i, n)) if n >= 1 && i < n => Ok((i, n)),
        _ => Err(format!("--shard {text}: expected I/N with 0 <= I < N")),
    }
}

/// The baseline of a family run: `--no-baseline` is empty (every signature new).
fn load_baseline(args: &CheckArgs) -> Result<Baseline, String> {
    if args.no_baseline {
        return Baseline::reached_only(args.reached_from.as_deref());
    }
    Baseline::load(&args.baseline).map_err(|error| {
        if args.baseline.exists() {
            error
        } else {
            format!("{error} (the findings baseline; run from the repository root, pass --baseline PATH, or --no-baseline)")
        }
    })
}

/// Runs `mvsim check --family SCOPE` (or `--merge FILES`); returns the exit status.
pub fn run_family(args: &CheckArgs) -> Result<ExitStatus, String> {
    if !args.merge.is_empty() {
        let summary = merge(&args.merge)?;
        return finish(args, &summary);
    }
    let scope_arg = args
        .family
        .as_deref()
        .expect("run_family needs --family or --merge");
    let scope = load_scope(scope_arg)?;
    let profile = Profile::by_name(&args.engine)?;
    let (shard, shard_count) = match &args.shard {
        Some(text) => parse_shard(text)?,
        None => (0, 1),
    };
    if args.threads == 0 {
        return Err("--threads must be >= 1".to_string());
    }
    let raw_total = scope.raw_shapes().len();
    let members = scope.members();
    if args.list_members {
        for (index, shape) in members.iter().enumerate() {
            println!("{}#{index}  {}", scope.name, shape.describe(&scope));
        }
        return Ok(ExitStatus::Clean);
    }
    let baseline = Arc::new(load_baseline(args)?);
    if let Some(path) = &args.json {
        crate::files::probe_output(path, "--json")?;
    }
    let mine: Vec<(usize, &Shape)> = members
        .iter()
        .enumerate()
        .filter(|(index, _)| index % shard_count == shard)
        .collect();
    eprintln!(
        "mvsim check --family {} --engine {}: {} members ({} raw configurations), shard {shard}/{shard_count}: {} to check on {} thread(s)",
        scope.name,
        profile.name,
        members.len(),
        raw_total,
        mine.len(),
        args.threads
    );
    crate::interrupt::install();
    // Wall clock for progress lines and the reported duration only; no verdict reads it.
    let started = Instant::now();
    let run = Run {
        scope: &scope,
        profile,
        args,
        baseline: &baseline,
        started,
    };
    let results = run.check_members(&mine)?;
    let unchecked = mine.len() - results.len();
    let mut summary = summarize(
        &scope,
        profile,
        &members,
        raw_total,
        (shard, shard_count),
        results,
        unchecked,
    );
    summary.baseline = baseline.path.display().to_string();
    run.attach_traces(&members, &mut summary.findings)?;
    summary.interrupted = crate::interrupt::interrupted();
    summary.duration_seconds = started.elapsed().as_secs_f64();
    finish(args, &summary)
}

/// What every worker of one family run shares.
struct Run<'a> {
    scope: &'a Scope,
    profile: Profile,
    args: &'a CheckArgs,
    baseline: &'a Arc<Baseline>,
    started: Instant,
}

impl Run<'_> {
    fn model(&self, index: usize, shape: &Shape) -> Result<MvModel, String> {
        let name = format!("{}#{index}", self.scope.name);
        shape
            .to_config(self.scope, &name, self.profile)
            .map(MvModel::new)
            .map_err(|message| format!("{name}: {message}"))
    }

    /// Checks `mine` on `--threads` workers, each taking the next unchecked member. A
    /// member cut short by Ctrl-C is dropped (it counts as unchecked); every member
    /// finished before it is kept.
    fn check_members(&self, mine: &[(usize, &Shape)]) -> Result<Vec<MemberResult>, String> {
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let states = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        let results = Mutex::new(Vec::new());
        let error = Mutex::new(None);
        let memory_limit = self.args.max_memory_mb.saturating_mul(1024 * 1024);
        let workers = self.args.threads.min(mine.len().max(1));
        let running = AtomicUsize::new(workers);
        std::thread::scope(|threads| {
            for _ in 0..workers {
                threads.spawn(|| {
                    loop {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let position = next.fetch_add(1, Ordering::Relaxed);
                        let Some((index, shape)) = mine.get(position) else {
                            break;
                        };
                        let model = match self.model(*index, shape) {
                            Ok(model) => model,
                            Err(message) => {
                                *error.lock().expect("error lock") = Some(message);
                                stop.store(true, Ordering::Relaxed);
                                break;
                            }
                        };
                        let result = check_member(
                            *index,
                            model,
                            self.scope.max_states,
                            Arc::clone(self.baseline),
                            &self.args.accept_property,
                        );
                        if crate::interrupt::interrupted() {
                            break; // cut short by Ctrl-C: not a result
                        }
                        states.fetch_add(result.unique_states as u64, Ordering::Relaxed);
                        results.lock().expect("results lock").push(result);
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    running.fetch_sub(1, Ordering::Relaxed);
                });
            }
            let mut next_report = Duration::from_secs(2);
            while running.load(Ordering::Relaxed) > 0 {
                std::thread::sleep(Duration::from_millis(50));
                if crate::interrupt::interrupted()
                    || super::report::resident_bytes().is_some_and(|bytes| bytes >= memory_limit)
                {
                    stop.store(true, Ordering::Relaxed);
                }
                let elapsed = self.started.elapsed();
                if !self.args.quiet && elapsed >= next_report {
                    let finished = done.load(Ordering::Relaxed);
                    let rate = finished as f64 / elapsed.as_secs_f64();
                    let left = mine.len() - finished;
                    eprintln!(
                        "progress: {finished}/{} configurations ({:.0}%), {} unique states, {rate:.1} configurations/s, {:.0}s, about {:.0}s left",
                        mine.len(),
                        100.0 * finished as f64 / mine.len().max(1) as f64,
                        states.load(Ordering::Relaxed),
                        elapsed.as_secs_f64(),
                        left as f64 / rate.max(1e-9)
                    );
                    next_report += Duration::from_secs(5);
                }
            }
        });
        if let Some(message) = error.into_inner().expect("error lock") {
            return Err(message);
        }
        let mut results = results.into_inner().expect("results lock");
        results.sort_by_key(|result| result.index);
        Ok(results)
    }

    /// Gives every finding the shortest trace to its signature in its smallest member (a
    /// targeted BFS there), on `--threads` workers.
    fn attach_traces(&self, members: &[Shape], findings: &mut [Finding]) -> Result<(), String> {
        let next = AtomicUsize::new(0);
        let traces = Mutex::new(BTreeMap::new());
        let error = Mutex::new(None);
        std::thread::scope(|threads| {
            for _ in 0..self.args.threads.min(findings.len().max(1)) {
                threads.spawn(|| loop {
                    if crate::interrupt::interrupted() {
                        return;
                    }
                    let position = next.fetch_add(1, Ordering::Relaxed);
                    let Some(finding) = findings.get(position) else {
                        return;
                    };
                    let model = match self.model(finding.smallest, &members[finding.smallest]) {
                        Ok(model) => model,
                        Err(message) => {
                            *error.lock().expect("error lock") = Some(message);
                            return;
                        }
                    };
                    let trace = shortest_trace(
                        model,
                        &finding.key,
                        self.scope.max_states,
                        Arc::clone(self.baseline),
                    );
                    if let Some(trace) = trace {
                        traces.lock().expect("traces lock").insert(position, trace);
                    }
                });
            }
        });
        if let Some(message) = error.into_inner().expect("error lock") {
            return Err(message);
        }
        for (position, trace) in traces.into_inner().expect("traces lock") {
            let finding = &mut findings[position];
            finding.trace_steps = Some(trace.len());
            finding.path = Some(
                trace
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
        Ok(())
    }
}

fn summarize(
    scope: &Scope,
    profile: Profile,
    members: &[Shape],
    raw_total: usize,
    (shard, shard_count): (usize, usize),
    results: Vec<MemberResult>,
    unchecked: usize,
) -> FamilySummary {
    let mut findings: BTreeMap<String, Finding> = BTreeMap::new();
    let mut sometimes: BTreeMap<String, usize> = properties::registry()
        .iter()
        .filter(|p| p.expectation == Expectation::Sometimes)
        .map(|p| (p.name.to_string(), 0))
        .collect();
    for result in &results {
        let shape = &members[result.index];
        for name in &result.reached {
            *sometimes.entry(name.clone()).or_default() += 1;
        }
        for seen in &result.signatures {
            let candidate = Finding {
                key: seen.signature.clone(),
                property: seen.property.clone(),
                accepted_by: seen.accepted_by.clone(),
                members: 1,
                member_list: vec![result.index],
                smallest: result.index,
                smallest_shape: shape.describe(scope),
                smallest_size: shape.size(),
                smallest_states: result.unique_states,
                trace_steps: None,
                path: None,
            };
            absorb(&mut findings, candidate);
        }
    }
    FamilySummary {
        scope: scope.name.clone(),
        scope_digest: scope.digest.clone(),
        engine: profile.name.to_string(),
        baseline: String::new(),
        build: build_digest(),
        shard_count,
        shards: vec![shard],
        members_total: members.len(),
        raw_total,
        checked: results.len(),
        unique_states: results.iter().map(|r| r.unique_states as u64).sum(),
        max_member_states: results.iter().map(|r| r.unique_states).max().unwrap_or(0),
        duration_seconds: 0.0,
        findings: findings.into_values().collect(),
        sometimes,
        incomplete: results
            .iter()
            .filter(|r| r.bound_hit)
            .map(|r| r.index)
            .collect(),
        unchecked,
        inconsistent_initial: results.iter().filter(|r| r.inconsistent_initial).count(),
        interrupted: false,
        member_states: results.iter().map(|r| (r.index, r.unique_states)).collect(),
        unreached: Vec::new(),
    }
}

/// Adds one occurrence of a finding, keeping the smaller witness.
fn absorb(findings: &mut BTreeMap<String, Finding>, candidate: Finding) {
    match findings.get_mut(&candidate.key) {
        None => {
            findings.insert(candidate.key.clone(), candidate);
        }
        Some(known) => {
            let members = known.members + candidate.members;
            let mut list = std::mem::take(&mut known.member_list);
            list.extend(&candidate.member_list);
            list.sort_unstable();
            if candidate.order() < known.order() {
                *known = candidate;
            }
            known.members = members;
            known.member_list = list;
        }
    }
}

/// Joins shard summaries: same scope, engine, build and shard count, disjoint shards.
pub fn merge(files: &[std::path::PathBuf]) -> Result<FamilySummary, String> {
    let mut merged: Option<FamilySummary> = None;
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|error| format!("--merge {}: cannot read: {error}", file.display()))?;
        let summary: FamilySummary = serde_json::from_str(&text).map_err(|error| {
            format!("--merge {}: not a family summary: {error}", file.display())
        })?;
        let Some(total) = merged.as_mut() else {
            merged = Some(summary);
            continue;
        };
        for (what, ours, theirs) in [
            ("scope digest", &total.scope_digest, &summary.scope_digest),
            ("engine", &total.engine, &summary.engine),
            ("baseline", &total.baseline, &summary.baseline),
            ("mvsim build", &total.build, &summary.build),
        ] {
            if ours != theirs {
                return Err(format!(
                    "--merge {}: {what} {theirs} differs from {ours} in the summaries before it",
                    file.display()
                ));
            }
        }
        if total.shard_count != summary.shard_count {
            return Err(format!(
                "--merge {}: shard count {} differs from {}",
                file.display(),
                summary.shard_count,
                total.shard_count
            ));
        }
        if let Some(shard) = summary.shards.iter().find(|s| total.shards.contains(s)) {
            return Err(format!(
                "--merge {}: shard {shard} is already merged",
                file.display()
            ));
        }
        total.shards.extend(summary.shards);
        total.shards.sort_unstable();
        total.checked += summary.checked;
        total.unique_states += summary.unique_states;
        total.max_member_states = total.max_member_states.max(summary.max_member_states);
        total.duration_seconds += summary.duration_seconds;
        total.unchecked += summary.unchecked;
        total.inconsistent_initial += summary.inconsistent_initial;
        total.interrupted |= summary.interrupted;
        total.member_states.extend(summary.member_states);
        total.incomplete.extend(summary.incomplete);
        total.incomplete.sort_unstable();
        for (name, count) in summary.sometimes {
            *total.sometimes.entry(name).or_default() += count;
        }
        let mut findings: BTreeMap<String, Finding> = std::mem::take(&mut total.findings)
            .into_iter()
            .map(|f| (f.key.clone(), f))
            .collect();
        for finding in summary.findings {
            absorb(&mut findings, finding);
        }
        total.findings = findings.into_values().collect();
    }
    merged.ok_or_else(|| "--merge needs at least one summary".to_string())
}

/// Is `finding` new (not explained by the baseline, not accepted wholesale)?
fn is_new(finding: &Finding, allow: &[String]) -> bool {
    finding.accepted_by.is_none() && !allow.contains(&finding.property)
}

/// The `[reached]` expectations of a family run, keyed `engine/SCOPE`: the baseline's under
/// `--strict-baseline`, `--reached-from`'s under `--no-baseline`, else none.
fn reached_expected(args: &CheckArgs, summary: &FamilySummary) -> Result<Vec<String>, String> {
    let baseline = if args.no_baseline {
        Baseline::reached_only(args.reached_from.as_deref())?
    } else if args.strict_baseline {
        load_baseline(args)?
    } else {
        return Ok(Vec::new());
    };
    Ok(baseline
        .reached_on(&summary.engine, &summary.scope)
        .to_vec())
}

/// Does the summary judge every member of its family (every shard, nothing interrupted,
/// bounded or unchecked)? Only then can "no member reached it" be said: one shard of a
/// sharded run is judged after its merge.
fn covers_family(summary: &FamilySummary) -> bool {
    summary.shards.len() >= summary.shard_count
        && !summary.interrupted
        && summary.incomplete.is_empty()
        && summary.unchecked == 0
}

fn finish(args: &CheckArgs, summary: &FamilySummary) -> Result<ExitStatus, String> {
    let mut summary = summary.clone();
    summary.unreached = if covers_family(&summary) {
        (reached_expected(args, &summary)?.into_iter())
            .filter(|name| summary.sometimes.get(name).copied().unwrap_or(0) == 0)
            .collect()
    } else {
        Vec::new()
    };
    let summary = &summary;
    print!("{}", render(summary, &args.accept_property));
    if let Some(file) = &args.json {
        let text = serde_json::to_string_pretty(summary).map_err(|error| error.to_string())?;
        crate::files::write_atomic(file, &(text + "\n"))?;
    }
    if summary.interrupted {
        return Ok(ExitStatus::Interrupted);
    }
    let missing_shards = summary.shards.len() < summary.shard_count && !args.merge.is_empty();
    if !summary.incomplete.is_empty() || summary.unchecked > 0 || missing_shards {
        return Ok(ExitStatus::Incomplete);
    }
    let new = summary
        .findings
        .iter()
        .filter(|f| is_new(f, &args.accept_property))
        .count();
    Ok(if new > 0 || !summary.unreached.is_empty() {
        ExitStatus::Violation
    } else {
        ExitStatus::Clean
    })
}

/// The human report.
pub fn render(summary: &FamilySummary, allow: &[String]) -> String {
    let mut out = format!(
        "mvsim check --family {} --engine {} (shards {:?} of {})\n\n",
        summary.scope, summary.engine, summary.shards, summary.shard_count
    );
    let new = summary.findings.iter().filter(|f| is_new(f, allow)).count();
    let baseline = if summary.baseline.is_empty() {
        "none (--no-baseline)".to_string()
    } else {
        summary.baseline.clone()
    };
    out.push_str(&format!(
        "findings: {} distinct signatures, {} accepted, {new} new (baseline {baseline})\n",
        summary.findings.len(),
        summary.findings.len() - new,
    ));
    let mut findings = summary.findings.clone();
    findings.sort_by_key(|f| f.order());
    for finding in &findings {
        let verdict = match &finding.accepted_by {
            Some(id) => format!("accepted {id}"),
            None if allow.contains(&finding.property) => "accepted --accept-property".to_string(),
            None => "NEW".to_string(),
        };
        let trace = match (&finding.trace_steps, &finding.path) {
            (Some(steps), Some(path)) => format!(
                "{steps}-step trace\n      replay: mvsim check --engine {} --config {}#{} --path {path}",
                summary.engine, summary.scope, finding.smallest
            ),
            _ => "no trace (interrupted or bound)".to_string(),
        };
        out.push_str(&format!(
            "  {verdict:<12} {}\n      in {} configuration(s); smallest {}#{} ({} unique states): {}\n      {trace}\n",
            finding.key,
            finding.members,
            summary.scope,
            finding.smallest,
            finding.smallest_states,
            finding.smallest_shape,
        ));
    }
    out.push_str("\ncoverage:\n");
    out.push_str(&format!(
        "  configurations  {} checked of {} members ({} raw configurations before deduplication); {} skipped: inconsistent initial state (an always property, or data below the watermark that disagrees with the source, already violated)\n",
        summary.checked, summary.members_total, summary.raw_total, summary.inconsistent_initial
    ));
    out.push_str(&format!(
        "  states          {} unique in total, at most {} in one configuration, {:.1}s, {:.1} configurations/s, {:.0} unique states/s\n",
        summary.unique_states,
        summary.max_member_states,
        summary.duration_seconds,
        summary.checked as f64 / summary.duration_seconds.max(1e-9),
        summary.unique_states as f64 / summary.duration_seconds.max(1e-9)
    ));
    let reached = summary
        .sometimes
        .values()
        .filter(|count| **count > 0)
        .count();
    out.push_str(&format!(
        "  sometimes       {reached}/{} reached\n",
        summary.sometimes.len()
    ));
    for (name, count) in &summary.sometimes {
        out.push_str(&format!("    {name:<34} {count} configuration(s)\n"));
    }
    for name in &summary.unreached {
        out.push_str(&format!(
            "\nno longer reached: {name} ([reached] expects some member of {} to reach it on {}; what it guards now holds vacuously); the run fails\n",
            summary.scope, summary.engine
        ));
    }
    if summary.interrupted {
        out.push_str(&format!(
            "\nINTERRUPTED (SIGINT): {} configuration(s) checked are kept; {} not checked\n",
            summary.checked, summary.unchecked
        ));
    }
    if !summary.incomplete.is_empty() || (summary.unchecked > 0 && !summary.interrupted) {
        let listed: BTreeSet<&usize> = summary.incomplete.iter().collect();
        out.push_str(&format!(
            "\nINCOMPLETE: {} configuration(s) hit the per-configuration unique-state bound (the scope's max_states): {}; {} not checked (memory bound)\n",
            listed.len(),
            listed
                .iter()
                .map(|i| format!("{}#{i}", summary.scope))
                .collect::<Vec<_>>()
                .join(" "),
            summary.unchecked
        ));
    }
    out
}
