//! `mvsim check --family SCOPE`: check every member of a family, group the violations into
//! distinct findings (each with its smallest member and shortest trace), and report
//! coverage; `--shard I/N` checks one shard, `--merge` joins shard summaries.

use super::family::{load_scope, Scope, Shape};
use super::{clear_settle_memo, path_indices, CheckArgs, MvModel};
use mvsim_model::properties::{self, Expectation};
use mvsim_model::{Profile, World};
use serde::{Deserialize, Serialize};
use stateright::{Checker, Model};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What makes two violations one finding. Today the property name; the fixes issue
/// replaces it with a signature of the violating state (it must stay invariant under the
/// family's renaming and time shift).
pub fn finding_key(property: &str, _violating: &World) -> String {
    property.to_string()
}

/// One violation in one member.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberViolation {
    pub key: String,
    pub property: String,
    pub trace_steps: usize,
    pub path: String,
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
    pub bound_hit: bool,
    pub violations: Vec<MemberViolation>,
    pub reached: Vec<String>,
}

/// Checks one member configuration exhaustively (BFS, one thread).
pub fn check_member(index: usize, model: MvModel, max_states: usize) -> MemberResult {
    let initial = World::initial(&model.config);
    let inconsistent = properties::registry()
        .iter()
        .enumerate()
        .any(|(i, p)| p.expectation == Expectation::Always && !model.evaluate(i, &initial));
    if inconsistent {
        return MemberResult {
            index,
            inconsistent_initial: true,
            unique_states: 0,
            bound_hit: false,
            violations: Vec::new(),
            reached: Vec::new(),
        };
    }
    clear_settle_memo();
    let checker = model
        .checker()
        .target_state_count(max_states)
        .spawn_bfs()
        .join();
    let model = checker.model();
    let mut violations = Vec::new();
    for (name, path) in checker.discoveries() {
        let Some(property) = properties::by_name(name) else {
            continue; // the grouped `sometimes` tracker never fails
        };
        if property.expectation == Expectation::Sometimes {
            continue;
        }
        let key = finding_key(name, path.last_state());
        let actions = path.into_actions();
        let indices = path_indices(model, &actions);
        violations.push(MemberViolation {
            key,
            property: name.to_string(),
            trace_steps: actions.len(),
            path: indices
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("/"),
        });
    }
    violations.sort_by(|a, b| a.key.cmp(&b.key));
    let reached = properties::registry()
        .iter()
        .enumerate()
        .filter(|(i, _)| model.reached(*i))
        .map(|(_, p)| p.name.to_string())
        .collect();
    let result = MemberResult {
        index,
        inconsistent_initial: false,
        unique_states: checker.unique_state_count(),
        bound_hit: checker.state_count() >= max_states,
        violations,
        reached,
    };
    clear_settle_memo();
    result
}

/// One distinct finding across the family.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Finding {
    pub key: String,
    pub property: String,
    /// Members in which it occurs.
    pub members: usize,
    /// Their indices, sorted.
    #[serde(default)]
    pub member_list: Vec<usize>,
    /// The smallest member (buckets, segments, events, faults, unique states, trace).
    pub smallest: usize,
    pub smallest_shape: String,
    pub smallest_size: (u8, usize, usize, u32),
    pub smallest_states: usize,
    pub trace_steps: usize,
    pub path: String,
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
            self.trace_steps,
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
    /// Members skipped because their initial state violates an `always` property.
    pub inconsistent_initial: usize,
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

/// Runs `mvsim check --family SCOPE` (or `--merge FILES`).
pub fn run_family(args: &CheckArgs) -> Result<i32, String> {
    if !args.merge.is_empty() {
        let summary = merge(&args.merge)?;
        return finish(args, &summary, None);
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
        return Ok(0);
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
    // Wall clock for progress lines and the reported duration only; no verdict reads it.
    let started = Instant::now();
    let results = check_members(&scope, profile, &mine, args, started)?;
    let unchecked = mine.len() - results.len();
    let summary = summarize(
        &scope,
        profile,
        &members,
        raw_total,
        (shard, shard_count),
        results,
        unchecked,
        started.elapsed(),
    );
    finish(args, &summary, Some(&scope))
}

fn check_members(
    scope: &Scope,
    profile: Profile,
    mine: &[(usize, &Shape)],
    args: &CheckArgs,
    started: Instant,
) -> Result<Vec<MemberResult>, String> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let states = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let results = Mutex::new(Vec::new());
    let error = Mutex::new(None);
    let memory_limit = args.max_memory_mb.saturating_mul(1024 * 1024);
    std::thread::scope(|threads| {
        for _ in 0..args.threads {
            threads.spawn(|| loop {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let position = next.fetch_add(1, Ordering::Relaxed);
                let Some((index, shape)) = mine.get(position) else {
                    return;
                };
                let name = format!("{}#{index}", scope.name);
                let config = match shape.to_config(scope, &name, profile) {
                    Ok(config) => config,
                    Err(message) => {
                        *error.lock().expect("error lock") = Some(format!("{name}: {message}"));
                        stop.store(true, Ordering::Relaxed);
                        return;
                    }
                };
                let result = check_member(*index, MvModel::new(config), scope.max_states);
                states.fetch_add(result.unique_states as u64, Ordering::Relaxed);
                results.lock().expect("results lock").push(result);
                done.fetch_add(1, Ordering::Relaxed);
            });
        }
        let mut next_report = Duration::from_secs(2);
        while done.load(Ordering::Relaxed) < mine.len() && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
            if super::report::resident_bytes().is_some_and(|bytes| bytes >= memory_limit) {
                stop.store(true, Ordering::Relaxed);
            }
            let elapsed = started.elapsed();
            if !args.quiet && elapsed >= next_report {
                let finished = done.load(Ordering::Relaxed);
                eprintln!(
                    "progress: {finished}/{} configurations, {} unique states, {:.1} configurations/s, {:.0}s",
                    mine.len(),
                    states.load(Ordering::Relaxed),
                    finished as f64 / elapsed.as_secs_f64(),
                    elapsed.as_secs_f64()
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

#[allow(clippy::too_many_arguments)]
fn summarize(
    scope: &Scope,
    profile: Profile,
    members: &[Shape],
    raw_total: usize,
    (shard, shard_count): (usize, usize),
    results: Vec<MemberResult>,
    unchecked: usize,
    elapsed: Duration,
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
        for violation in &result.violations {
            let candidate = Finding {
                key: violation.key.clone(),
                property: violation.property.clone(),
                members: 1,
                member_list: vec![result.index],
                smallest: result.index,
                smallest_shape: shape.describe(scope),
                smallest_size: shape.size(),
                smallest_states: result.unique_states,
                trace_steps: violation.trace_steps,
                path: violation.path.clone(),
            };
            absorb(&mut findings, candidate);
        }
    }
    FamilySummary {
        scope: scope.name.clone(),
        scope_digest: scope.digest.clone(),
        engine: profile.name.to_string(),
        build: build_digest(),
        shard_count,
        shards: vec![shard],
        members_total: members.len(),
        raw_total,
        checked: results.len(),
        unique_states: results.iter().map(|r| r.unique_states as u64).sum(),
        max_member_states: results.iter().map(|r| r.unique_states).max().unwrap_or(0),
        duration_seconds: elapsed.as_secs_f64(),
        findings: findings.into_values().collect(),
        sometimes,
        incomplete: results
            .iter()
            .filter(|r| r.bound_hit)
            .map(|r| r.index)
            .collect(),
        unchecked,
        inconsistent_initial: results.iter().filter(|r| r.inconsistent_initial).count(),
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

fn finish(args: &CheckArgs, summary: &FamilySummary, scope: Option<&Scope>) -> Result<i32, String> {
    print!("{}", render(summary, &args.accept_property));
    if let Some(file) = &args.json {
        let text = serde_json::to_string_pretty(summary).map_err(|error| error.to_string())?;
        std::fs::write(file, text + "\n")
            .map_err(|error| format!("cannot write {}: {error}", file.display()))?;
    }
    let _ = scope;
    let missing_shards = summary.shards.len() < summary.shard_count && !args.merge.is_empty();
    if !summary.incomplete.is_empty() || summary.unchecked > 0 || missing_shards {
        return Ok(3);
    }
    let unexpected = summary
        .findings
        .iter()
        .filter(|f| !args.accept_property.contains(&f.property))
        .count();
    Ok(if unexpected > 0 { 1 } else { 0 })
}

/// The human report.
pub fn render(summary: &FamilySummary, allow: &[String]) -> String {
    let mut out = format!(
        "mvsim check --family {} --engine {} (shards {:?} of {})\n\n",
        summary.scope, summary.engine, summary.shards, summary.shard_count
    );
    out.push_str(&format!("findings: {} distinct\n", summary.findings.len()));
    let mut findings = summary.findings.clone();
    findings.sort_by_key(|f| f.order());
    for finding in &findings {
        out.push_str(&format!(
            "  {:<34} in {} configuration(s){}; smallest {}#{} ({} unique states), {}-step trace\n      {}\n      replay: mvsim check --engine {} --config {}#{} --path {}\n",
            finding.key,
            finding.members,
            if allow.contains(&finding.property) { " (allowed)" } else { "" },
            summary.scope,
            finding.smallest,
            finding.smallest_states,
            finding.trace_steps,
            finding.smallest_shape,
            summary.engine,
            summary.scope,
            finding.smallest,
            finding.path
        ));
    }
    out.push_str("\ncoverage:\n");
    out.push_str(&format!(
        "  configurations  {} checked of {} members ({} raw configurations before deduplication); {} skipped: initial state violates an always property\n",
        summary.checked, summary.members_total, summary.raw_total, summary.inconsistent_initial
    ));
    out.push_str(&format!(
        "  states          {} unique in total, at most {} in one configuration, {:.1}s, {:.1} configurations/s\n",
        summary.unique_states,
        summary.max_member_states,
        summary.duration_seconds,
        summary.checked as f64 / summary.duration_seconds.max(1e-9)
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
    if !summary.incomplete.is_empty() || summary.unchecked > 0 {
        let listed: BTreeSet<&usize> = summary.incomplete.iter().collect();
        out.push_str(&format!(
            "\nINCOMPLETE: {} configuration(s) hit the per-configuration state bound: {}; {} not checked (memory bound)\n",
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
