//! `mvsim baseline`: the reviewable workflow for accepting and pruning baseline entries,
//! modelled on `cargo insta review`.
//!
//! - `mvsim check` with a baseline writes a **pending file** when it sees a new signature or
//!   a finding it no longer reproduces: `target/mvsim-pending/ENGINE@CONFIG.json` beside
//!   the baseline file (or in `MVSIM_PENDING_DIR`). Like insta, it never writes one when the
//!   `CI` environment variable is set, and a clean run of the same engine and configuration
//!   removes its stale pending file.
//! - `mvsim baseline review` walks the pending signatures on a terminal: each with its
//!   shortest trace and replay command, to accept into a new finding, add to an existing
//!   one, skip (keep pending) or reject (drop). Without a terminal it lists them and exits 1.
//! - `mvsim baseline accept` / `reject` do the same without prompting (scripts, CI bots).
//! - `mvsim baseline prune` drops `expected_on` pairs that a complete run no longer
//!   reproduces, or a whole finding (`--finding F3`, once its fix has landed upstream).
//! - `mvsim baseline list` prints the entries and what is pending.
//! - `mvsim baseline unused RUN.json...` lists the patterns that no signature of the given
//!   runs (`check --json` results or family summaries) needed: a pattern nothing needs any
//!   more only widens what the gate accepts.
//!
//! Every edit goes through `toml_edit`, so comments and the layout of untouched entries
//! survive; the edited text is re-parsed with [`Baseline::parse`] before it is written
//! (atomically), so the workflow can never leave a baseline that `check` refuses.
//! Accepting a signature records it verbatim as a pattern (the most specific one);
//! generalise it by hand if a family of witnesses should match.

use crate::baseline::{Baseline, DEFAULT_PATH};
use crate::exit::ExitStatus;
use mvsim_model::signature::Signature;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// The `format` of a pending file.
pub const PENDING_FORMAT: &str = "mvsim-pending/1";
/// Overrides the pending directory.
pub const PENDING_DIR_VARIABLE: &str = "MVSIM_PENDING_DIR";

/// What one `check` run left for review.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pending {
    pub format: String,
    pub engine: String,
    pub config: String,
    pub no_faults: bool,
    /// Was the run's search complete (only then may `not_reproduced` be pruned, and only
    /// then is the engine/config pair added to an accepted finding's `expected_on`)?
    pub complete: bool,
    /// The baseline the run was judged against.
    pub baseline: String,
    pub new: Vec<PendingSignature>,
    pub not_reproduced: Vec<String>,
}

/// One new signature of a run.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PendingSignature {
    pub signature: String,
    pub property: String,
    pub subject: String,
    pub trace_steps: Option<usize>,
    pub replay: Option<String>,
    #[serde(default)]
    pub trace: Vec<String>,
}

impl Pending {
    /// The pending record of a check result (`None` when there is nothing to review).
    pub fn of(result: &crate::checker::report::CheckResult) -> Option<Pending> {
        let findings = result.findings.as_ref()?;
        if findings.new.is_empty() && findings.not_reproduced.is_empty() {
            return None;
        }
        Some(Pending {
            format: PENDING_FORMAT.to_string(),
            engine: result.engine.clone(),
            config: result.config.clone(),
            no_faults: result.no_faults,
            complete: result.outcome_fields.complete,
            baseline: findings.baseline.clone(),
            new: findings
                .new
                .iter()
                .map(|new| PendingSignature {
                    signature: new.signature.clone(),
                    property: new.property.to_string(),
                    subject: new.subject.clone(),
                    trace_steps: new.trace_steps,
                    replay: new.replay.clone(),
                    trace: new.trace.clone(),
                })
                .collect(),
            not_reproduced: findings.not_reproduced.clone(),
        })
    }

    /// `engine/config`, as `expected_on` spells it.
    pub fn pair(&self) -> String {
        format!("{}/{}", self.engine, self.config)
    }

    /// Reads a pending file, or a `mvsim check --json` result (whose traces are not kept).
    pub fn load(path: &Path) -> Result<Pending, String> {
        let text = crate::files::read_input(path, "pending review")?;
        let shown = path.display();
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|error| format!("{shown}: not JSON: {error}"))?;
        match value.get("format").and_then(|format| format.as_str()) {
            Some(PENDING_FORMAT) => serde_json::from_value(value)
                .map_err(|error| format!("{shown}: not a {PENDING_FORMAT} file: {error}")),
            Some(crate::checker::report::CHECK_FORMAT) => {
                from_check_json(&value).ok_or_else(|| {
                    format!(
                        "{shown}: a check result without findings (was it run with --no-baseline?)"
                    )
                })
            }
            Some(other) => Err(format!(
                "{shown}: format '{other}' is neither {PENDING_FORMAT} nor a check result"
            )),
            None => Err(format!(
                "{shown}: no 'format' field: not an mvsim pending file"
            )),
        }
    }
}

fn from_check_json(value: &serde_json::Value) -> Option<Pending> {
    let text = |value: &serde_json::Value, key: &str| {
        value
            .get(key)
            .and_then(|field| field.as_str())
            .map(str::to_string)
    };
    let findings = value.get("findings")?.as_object()?;
    let findings = serde_json::Value::Object(findings.clone());
    let new = findings
        .get("new")?
        .as_array()?
        .iter()
        .map(|new| {
            Some(PendingSignature {
                signature: text(new, "signature")?,
                property: text(new, "property")?,
                subject: text(new, "subject").unwrap_or_default(),
                trace_steps: new
                    .get("trace_steps")
                    .and_then(|steps| steps.as_u64())
                    .map(|steps| steps as usize),
                replay: text(new, "replay"),
                trace: Vec::new(),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let not_reproduced = findings
        .get("not_reproduced")?
        .as_array()?
        .iter()
        .map(|id| id.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()?;
    Some(Pending {
        format: PENDING_FORMAT.to_string(),
        engine: text(value, "engine")?,
        config: text(value, "config")?,
        no_faults: value.get("no_faults")?.as_bool()?,
        complete: value.get("complete")?.as_bool()?,
        baseline: text(&findings, "baseline")?,
        new,
        not_reproduced,
    })
}

/// Is this a CI run (insta's rule: `CI` set to anything but empty, `0` or `false`)?
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false"))
}

/// The pending directory for `baseline`: `MVSIM_PENDING_DIR`, else `target/mvsim-pending`
/// beside the baseline file.
pub fn pending_dir(baseline: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os(PENDING_DIR_VARIABLE) {
        return PathBuf::from(dir);
    }
    let parent = baseline
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join("target").join("mvsim-pending")
}

/// The pending file of one engine on one configuration.
pub fn pending_file(dir: &Path, engine: &str, config: &str) -> PathBuf {
    let safe = |text: &str| {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-+_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    dir.join(format!("{}@{}.json", safe(engine), safe(config)))
}

/// After a gated check: writes (or, for a clean run, removes) the run's pending file and
/// returns one line for the user, if any. Never fails the check: a pending file that
/// cannot be written is a warning.
pub fn record_check(
    result: &crate::checker::report::CheckResult,
    baseline: &Path,
) -> Option<String> {
    if is_ci() {
        return None;
    }
    let dir = pending_dir(baseline);
    let file = pending_file(&dir, &result.engine, &result.config);
    match Pending::of(result) {
        None => {
            if result.outcome_fields.complete && file.exists() {
                let _ = std::fs::remove_file(&file);
            }
            None
        }
        Some(pending) => {
            let text = serde_json::to_string_pretty(&pending).ok()? + "\n";
            match crate::files::write_atomic(&file, &text) {
                Ok(()) => Some(format!(
                    "pending: {} new signature(s), {} no longer reproduced, written to {}; review with `mvsim baseline review`",
                    pending.new.len(),
                    pending.not_reproduced.len(),
                    file.display()
                )),
                Err(error) => Some(format!("warning: pending review not saved: {error}")),
            }
        }
    }
}

/// `mvsim baseline` arguments.
#[derive(clap::Args, Debug)]
pub struct BaselineArgs {
    #[command(subcommand)]
    pub command: BaselineCommand,
    /// The baseline file.
    #[arg(long, global = true, default_value = DEFAULT_PATH)]
    pub baseline: PathBuf,
}

/// `mvsim baseline` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum BaselineCommand {
    /// List the baseline's findings and the pending reviews.
    List,
    /// Walk the pending new signatures on a terminal: accept, add to a finding, skip, reject.
    Review {
        /// Pending files or `check --json` results (default: every pending file).
        files: Vec<PathBuf>,
    },
    /// Accept pending new signatures into a finding without prompting.
    Accept {
        /// Pending files or `check --json` results (default: every pending file).
        files: Vec<PathBuf>,
        /// The finding to add them to (created if the baseline lacks it; then --title is
        /// required).
        #[arg(long)]
        id: String,
        /// Only these signatures (each must be pending); default: all pending ones.
        #[arg(long = "signature", value_name = "SIGNATURE")]
        signatures: Vec<String>,
        /// One line, for a new finding.
        #[arg(long)]
        title: Option<String>,
        /// Its report, for a new finding (default docs/findings/ID.md).
        #[arg(long)]
        report: Option<String>,
        /// Its status, for a new finding (default "fix pending").
        #[arg(long)]
        status: Option<String>,
        /// A scenario reproducer for a new finding (default: the run's configuration).
        #[arg(long)]
        scenario: Option<String>,
    },
    /// Drop pending reviews without accepting anything.
    Reject {
        /// Pending files (default: every pending file).
        files: Vec<PathBuf>,
    },
    /// List the patterns that no signature of the given runs needed (exit 1 with --strict).
    Unused {
        /// `check --json` results or `check --family --json` summaries.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Exit 1 when a pattern is unused.
        #[arg(long)]
        strict: bool,
    },
    /// Drop `expected_on` pairs complete runs no longer reproduce, or whole findings.
    Prune {
        /// Pending files or `check --json` results of complete runs (default: every pending
        /// file).
        files: Vec<PathBuf>,
        /// Remove this finding entirely (its fix landed); repeatable.
        #[arg(long = "finding", value_name = "ID")]
        findings: Vec<String>,
        /// Print what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `mvsim baseline ...`.
pub fn run_baseline(args: &BaselineArgs) -> Result<ExitStatus, String> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = |error: std::io::Error| format!("cannot write to standard output: {error}");
    match &args.command {
        BaselineCommand::List => list(&args.baseline, &mut out).map_err(written)?,
        BaselineCommand::Review { files } => {
            let inputs = inputs(&args.baseline, files)?;
            if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                return not_interactive(&inputs, &mut out).map_err(written);
            }
            let stdin = std::io::stdin();
            let mut session = Session::new(&args.baseline, inputs)?;
            session
                .review(&mut stdin.lock(), &mut out)
                .map_err(written)?;
            return session.finish(&mut out);
        }
        BaselineCommand::Accept {
            files,
            id,
            signatures,
            title,
            report,
            status,
            scenario,
        } => {
            let mut session = Session::new(&args.baseline, inputs(&args.baseline, files)?)?;
            let chosen = session.choose(signatures)?;
            let new = NewEntry {
                title: title.clone(),
                report: report.clone(),
                status: status.clone(),
                scenario: scenario.clone(),
            };
            session.accept(id, &chosen, &new)?;
            return session.finish(&mut out);
        }
        BaselineCommand::Reject { files } => {
            let inputs = inputs(&args.baseline, files)?;
            for (path, pending) in &inputs {
                if is_pending_file(path) {
                    std::fs::remove_file(path)
                        .map_err(|error| format!("cannot remove '{}': {error}", path.display()))?;
                    writeln!(
                        out,
                        "rejected {} ({} new signature(s))",
                        path.display(),
                        pending.new.len()
                    )
                    .map_err(written)?;
                }
            }
        }
        BaselineCommand::Unused { files, strict } => {
            return unused(&args.baseline, files, *strict, &mut out);
        }
        BaselineCommand::Prune {
            files,
            findings,
            dry_run,
        } => {
            let inputs = if files.is_empty() && !findings.is_empty() {
                Vec::new()
            } else {
                inputs(&args.baseline, files)?
            };
            return prune(&args.baseline, &inputs, findings, *dry_run, &mut out);
        }
    }
    Ok(ExitStatus::Clean)
}

/// Is `path` a pending file this workflow may rewrite or delete (not a `--json` result)?
fn is_pending_file(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|value| value.get("format")?.as_str().map(str::to_string))
        .is_some_and(|format| format == PENDING_FORMAT)
}

/// The named inputs, or every pending file (sorted by name).
fn inputs(baseline: &Path, files: &[PathBuf]) -> Result<Vec<(PathBuf, Pending)>, String> {
    let files = if files.is_empty() {
        let dir = pending_dir(baseline);
        let mut found: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
                .collect(),
            Err(_) => Vec::new(),
        };
        found.sort();
        found
    } else {
        files.to_vec()
    };
    files
        .into_iter()
        .map(|path| Pending::load(&path).map(|pending| (path, pending)))
        .collect()
}

fn list(baseline: &Path, out: &mut dyn Write) -> std::io::Result<()> {
    match Baseline::load(baseline) {
        Ok(loaded) => {
            writeln!(
                out,
                "{}: {} finding(s), signature vocabulary v{}",
                baseline.display(),
                loaded.findings.len(),
                loaded.vocabulary
            )?;
            for finding in &loaded.findings {
                let on = if finding.expected_on.is_empty() {
                    String::new()
                } else {
                    format!("; expected on {}", finding.expected_on.join(", "))
                };
                writeln!(
                    out,
                    "  {:<4} {} [{}] ({} pattern(s){on})",
                    finding.id,
                    finding.title,
                    finding.status,
                    finding.patterns.len()
                )?;
            }
        }
        Err(error) => writeln!(out, "{error}")?,
    }
    let dir = pending_dir(baseline);
    match inputs(baseline, &[]) {
        Ok(pending) if pending.is_empty() => writeln!(out, "pending: none ({})", dir.display())?,
        Ok(pending) => {
            writeln!(out, "pending ({}):", dir.display())?;
            for (path, run) in &pending {
                writeln!(
                    out,
                    "  {} ({} on {}, {}): {} new, {} no longer reproduced",
                    path.display(),
                    run.engine,
                    run.config,
                    if run.complete {
                        "complete"
                    } else {
                        "incomplete"
                    },
                    run.new.len(),
                    run.not_reproduced.len()
                )?;
            }
        }
        Err(error) => writeln!(out, "pending: {error}")?,
    }
    Ok(())
}

fn not_interactive(
    inputs: &[(PathBuf, Pending)],
    out: &mut dyn Write,
) -> std::io::Result<ExitStatus> {
    let total: usize = inputs.iter().map(|(_, pending)| pending.new.len()).sum();
    if total == 0 {
        writeln!(out, "nothing to review")?;
        return Ok(ExitStatus::Clean);
    }
    for (path, pending) in inputs {
        for new in &pending.new {
            writeln!(out, "pending {}: {}", path.display(), new.signature)?;
        }
    }
    writeln!(
        out,
        "{total} pending signature(s); standard input is not a terminal: accept with `mvsim baseline accept --id ID ...` or reject with `mvsim baseline reject`"
    )?;
    Ok(ExitStatus::Violation)
}

/// What a new finding's entry gets.
#[derive(Default)]
pub struct NewEntry {
    pub title: Option<String>,
    pub report: Option<String>,
    pub status: Option<String>,
    pub scenario: Option<String>,
}

/// One review: the baseline being edited and the pending inputs.
pub struct Session {
    baseline_path: PathBuf,
    document: toml_edit::DocumentMut,
    inputs: Vec<(PathBuf, Pending)>,
    /// Signatures accepted or rejected (removed from the pending files at the end).
    resolved: Vec<String>,
    changes: Vec<String>,
}

impl Session {
    /// Opens `baseline` for editing with the pending `inputs`.
    pub fn new(baseline: &Path, inputs: Vec<(PathBuf, Pending)>) -> Result<Session, String> {
        let text = crate::files::read_input(baseline, "baseline")?;
        Baseline::parse(&text, baseline)?;
        let document = text
            .parse::<toml_edit::DocumentMut>()
            .map_err(|error| format!("{}: {error}", baseline.display()))?;
        Ok(Session {
            baseline_path: baseline.to_path_buf(),
            document,
            inputs,
            resolved: Vec::new(),
            changes: Vec::new(),
        })
    }

    /// Every distinct pending signature, in input order.
    fn pending(&self) -> Vec<(&Pending, &PendingSignature)> {
        let mut seen = std::collections::BTreeSet::new();
        let mut all = Vec::new();
        for (_, pending) in &self.inputs {
            for new in &pending.new {
                if !self.resolved.contains(&new.signature) && seen.insert(new.signature.clone()) {
                    all.push((pending, new));
                }
            }
        }
        all
    }

    /// The signatures `--signature` names (each must be pending), or all pending ones.
    pub fn choose(&self, wanted: &[String]) -> Result<Vec<String>, String> {
        let pending: Vec<String> = self
            .pending()
            .into_iter()
            .map(|(_, new)| new.signature.clone())
            .collect();
        if pending.is_empty() {
            return Err("nothing is pending: run `mvsim check` first, or name a pending file or a `check --json` result".to_string());
        }
        if wanted.is_empty() {
            return Ok(pending);
        }
        wanted
            .iter()
            .map(|text| {
                let canonical = Signature::parse(text)
                    .map(|signature| signature.to_string())
                    .map_err(|error| format!("--signature '{text}': {error}"))?;
                if pending.contains(&canonical) {
                    Ok(canonical)
                } else {
                    Err(format!("--signature '{text}' is not pending"))
                }
            })
            .collect()
    }

    fn findings_mut(&mut self) -> Result<&mut toml_edit::ArrayOfTables, String> {
        let shown = self.baseline_path.display().to_string();
        if self.document.get("finding").is_none() {
            self.document.insert(
                "finding",
                toml_edit::Item::ArrayOfTables(Default::default()),
            );
        }
        self.document["finding"]
            .as_array_of_tables_mut()
            .ok_or_else(|| format!("{shown}: 'finding' is not an array of tables"))
    }

    fn has_finding(&self, id: &str) -> bool {
        self.document
            .get("finding")
            .and_then(|item| item.as_array_of_tables())
            .is_some_and(|findings| {
                findings
                    .iter()
                    .any(|table| table.get("id").and_then(|v| v.as_str()) == Some(id))
            })
    }

    /// The id `review` suggests for a new finding: one past the highest `F<n>`.
    fn next_id(&self) -> String {
        let highest = self
            .document
            .get("finding")
            .and_then(|item| item.as_array_of_tables())
            .map(|findings| {
                findings
                    .iter()
                    .filter_map(|table| table.get("id")?.as_str()?.strip_prefix('F')?.parse().ok())
                    .max()
                    .unwrap_or(0u32)
            })
            .unwrap_or(0);
        format!("F{}", highest + 1)
    }

    /// Adds `signatures` to finding `id` (created from `new` when absent), and every
    /// complete run that showed one of them to its `expected_on`.
    pub fn accept(
        &mut self,
        id: &str,
        signatures: &[String],
        new: &NewEntry,
    ) -> Result<(), String> {
        if id.trim().is_empty() || id.contains(char::is_whitespace) {
            return Err(format!("finding id '{id}' must be one word (F15)"));
        }
        let pairs: Vec<String> = {
            let mut pairs: Vec<String> = self
                .inputs
                .iter()
                .filter(|(_, pending)| {
                    pending.complete
                        && pending
                            .new
                            .iter()
                            .any(|new| signatures.contains(&new.signature))
                })
                .map(|(_, pending)| pending.pair())
                .collect();
            pairs.dedup();
            pairs
        };
        let origin = self
            .inputs
            .iter()
            .map(|(_, pending)| pending)
            .find(|pending| {
                pending
                    .new
                    .iter()
                    .any(|n| signatures.contains(&n.signature))
            })
            .cloned()
            .ok_or_else(|| "no pending run shows these signatures".to_string())?;
        if !self.has_finding(id) {
            let title = new.title.clone().ok_or_else(|| {
                format!("finding '{id}' is not in the baseline: give --title to create it")
            })?;
            let mut table = toml_edit::Table::new();
            table["id"] = toml_edit::value(id);
            table["title"] = toml_edit::value(title);
            table["report"] = toml_edit::value(
                new.report
                    .clone()
                    .unwrap_or_else(|| format!("docs/findings/{id}.md")),
            );
            table["status"] =
                toml_edit::value(new.status.clone().unwrap_or_else(|| "fix pending".into()));
            let mut reproducer = toml_edit::InlineTable::new();
            match &new.scenario {
                Some(scenario) => {
                    reproducer.insert("scenario", scenario.as_str().into());
                }
                None => {
                    reproducer.insert("config", origin.config.as_str().into());
                }
            }
            reproducer.insert("engine", origin.engine.as_str().into());
            if new.scenario.is_none() && origin.no_faults {
                let mut args = toml_edit::Array::new();
                args.push("--no-faults");
                reproducer.insert("args", toml_edit::Value::Array(args));
            }
            table["reproducer"] = toml_edit::value(reproducer);
            table["expected_on"] = toml_edit::value(toml_edit::Array::new());
            table["signatures"] = toml_edit::value(toml_edit::Array::new());
            self.findings_mut()?.push(table);
            self.changes.push(format!("new finding {id}"));
        }
        let findings = self.findings_mut()?;
        let table = findings
            .iter_mut()
            .find(|table| table.get("id").and_then(|v| v.as_str()) == Some(id))
            .ok_or_else(|| format!("finding '{id}' vanished while editing"))?;
        let list = table
            .get_mut("signatures")
            .and_then(|item| item.as_array_mut())
            .ok_or_else(|| format!("finding '{id}': 'signatures' is not an array"))?;
        let mut added = Vec::new();
        for signature in signatures {
            if !list.iter().any(|value| value.as_str() == Some(signature)) {
                list.push(signature.as_str());
                added.push(signature.clone());
            }
        }
        one_per_line(list);
        if !table.contains_key("expected_on") {
            table["expected_on"] = toml_edit::value(toml_edit::Array::new());
        }
        let expected = table["expected_on"]
            .as_array_mut()
            .ok_or_else(|| format!("finding '{id}': 'expected_on' is not an array"))?;
        let mut changes = Vec::new();
        for pair in &pairs {
            if !expected.iter().any(|value| value.as_str() == Some(pair)) {
                expected.push(pair.as_str());
                changes.push(format!("{id}: expected on {pair} (a complete run saw it)"));
            }
        }
        self.changes.extend(changes);
        for signature in added {
            self.changes.push(format!("{id}: + {signature}"));
            self.resolved.push(signature);
        }
        for signature in signatures {
            if !self.resolved.contains(signature) {
                self.resolved.push(signature.clone());
            }
        }
        Ok(())
    }

    /// Drops `signature` from the pending files without accepting it.
    fn reject(&mut self, signature: &str) {
        self.resolved.push(signature.to_string());
        self.changes.push(format!("rejected {signature}"));
    }

    /// The interactive loop (`review`): one prompt per pending signature.
    pub fn review(&mut self, input: &mut dyn BufRead, out: &mut dyn Write) -> std::io::Result<()> {
        let pending: Vec<(Pending, PendingSignature)> = self
            .pending()
            .into_iter()
            .map(|(run, new)| (run.clone(), new.clone()))
            .collect();
        if pending.is_empty() {
            writeln!(out, "nothing to review")?;
            return Ok(());
        }
        let total = pending.len();
        for (index, (run, new)) in pending.into_iter().enumerate() {
            writeln!(
                out,
                "\n[{}/{total}] NEW {}\n  seen by: mvsim check --engine {} --config {}{} ({})\n  first witness: {}",
                index + 1,
                new.signature,
                run.engine,
                run.config,
                if run.no_faults { " --no-faults" } else { "" },
                if run.complete { "complete search" } else { "incomplete search" },
                new.subject
            )?;
            if let Some(steps) = new.trace_steps {
                writeln!(out, "  shortest trace: {steps} steps")?;
            }
            for line in &new.trace {
                writeln!(out, "    {line}")?;
            }
            if let Some(replay) = &new.replay {
                writeln!(out, "  replay: {replay}")?;
            }
            loop {
                write!(
                    out,
                    "  [n] new finding  [a ID] add to finding ID  [s] skip (keep pending)  [r] reject  [q] quit > "
                )?;
                out.flush()?;
                let Some(answer) = read_line(input)? else {
                    writeln!(out)?;
                    return Ok(());
                };
                let mut words = answer.split_whitespace();
                match (words.next(), words.next()) {
                    (Some("n"), None) => {
                        let suggested = self.next_id();
                        let id = ask(input, out, &format!("id [{suggested}]"))?
                            .filter(|id| !id.is_empty())
                            .unwrap_or(suggested);
                        let Some(title) =
                            ask(input, out, "title (one line)")?.filter(|title| !title.is_empty())
                        else {
                            writeln!(out, "  a new finding needs a title")?;
                            continue;
                        };
                        let status = ask(input, out, "status [fix pending]")?
                            .filter(|status| !status.is_empty());
                        let entry = NewEntry {
                            title: Some(title),
                            status,
                            ..NewEntry::default()
                        };
                        match self.accept(&id, std::slice::from_ref(&new.signature), &entry) {
                            Ok(()) => writeln!(out, "  accepted as {id}")?,
                            Err(error) => {
                                writeln!(out, "  {error}")?;
                                continue;
                            }
                        }
                    }
                    (Some("a"), Some(id)) => {
                        if !self.has_finding(id) {
                            writeln!(out, "  no finding '{id}' in the baseline (use n)")?;
                            continue;
                        }
                        match self.accept(
                            id,
                            std::slice::from_ref(&new.signature),
                            &NewEntry::default(),
                        ) {
                            Ok(()) => writeln!(out, "  added to {id}")?,
                            Err(error) => {
                                writeln!(out, "  {error}")?;
                                continue;
                            }
                        }
                    }
                    (Some("s"), None) => {}
                    (Some("r"), None) => self.reject(&new.signature),
                    (Some("q"), None) => return Ok(()),
                    _ => {
                        writeln!(out, "  answer n, a ID, s, r or q")?;
                        continue;
                    }
                }
                break;
            }
        }
        Ok(())
    }

    /// Writes the edited baseline (validated first) and the shrunken pending files.
    pub fn finish(self, out: &mut dyn Write) -> Result<ExitStatus, String> {
        let written = |error: std::io::Error| format!("cannot write to standard output: {error}");
        let text = self.document.to_string();
        if !self
            .changes
            .iter()
            .all(|change| change.starts_with("rejected"))
        {
            Baseline::parse(&text, &self.baseline_path).map_err(|error| {
                format!("the edited baseline would not load ({error}); nothing written")
            })?;
            crate::files::write_atomic(&self.baseline_path, &text)?;
        }
        for (path, pending) in &self.inputs {
            if !is_pending_file(path) {
                continue;
            }
            let mut left = pending.clone();
            left.new
                .retain(|new| !self.resolved.contains(&new.signature));
            if left.new == pending.new {
                continue;
            }
            if left.new.is_empty() && left.not_reproduced.is_empty() {
                std::fs::remove_file(path)
                    .map_err(|error| format!("cannot remove '{}': {error}", path.display()))?;
            } else {
                let text = serde_json::to_string_pretty(&left).map_err(|e| e.to_string())? + "\n";
                crate::files::write_atomic(path, &text)?;
            }
        }
        if self.changes.is_empty() {
            writeln!(out, "no change to {}", self.baseline_path.display()).map_err(written)?;
        } else {
            for change in &self.changes {
                writeln!(out, "{change}").map_err(written)?;
            }
            writeln!(out, "wrote {}", self.baseline_path.display()).map_err(written)?;
        }
        Ok(ExitStatus::Clean)
    }
}

/// Multi-line arrays of one signature per line, as the baseline is written by hand.
fn one_per_line(list: &mut toml_edit::Array) {
    for value in list.iter_mut() {
        value.decor_mut().set_prefix("\n  ");
        value.decor_mut().set_suffix("");
    }
    list.set_trailing_comma(true);
    list.set_trailing("\n");
}

fn read_line(input: &mut dyn BufRead) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim().to_string()))
}

fn ask(
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    prompt: &str,
) -> std::io::Result<Option<String>> {
    write!(out, "  {prompt}: ")?;
    out.flush()?;
    read_line(input)
}

/// The signatures one run saw (accepted or new) and whether its search was complete:
/// a `check --json` result (`findings.accepted[].signatures`, `findings.new[].signature`)
/// or a family summary (`findings[].key`, complete when no member was cut short).
fn seen_signatures(path: &Path) -> Result<(Vec<String>, bool), String> {
    let shown = path.display();
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("cannot read '{shown}': {error}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| format!("{shown}: not JSON ({error})"))?;
    let strings = |items: Option<&serde_json::Value>, key: &str| -> Vec<String> {
        items
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|item| item.get(key)?.as_str().map(str::to_string))
            .collect()
    };
    match value.get("findings") {
        Some(serde_json::Value::Array(_)) if value.get("scope").is_some() => {
            let complete = value
                .get("incomplete")
                .and_then(|v| v.as_array())
                .is_some_and(Vec::is_empty)
                && value.get("unchecked").and_then(|v| v.as_u64()) == Some(0)
                && value.get("interrupted").and_then(|v| v.as_bool()) != Some(true);
            Ok((strings(value.get("findings"), "key"), complete))
        }
        Some(findings @ serde_json::Value::Object(_)) => {
            let mut out: Vec<String> = findings
                .get("accepted")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .flat_map(|finding| {
                    finding
                        .get("signatures")
                        .and_then(|v| v.as_array())
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.as_str().map(str::to_string))
                })
                .collect();
            out.extend(strings(findings.get("new"), "signature"));
            let complete = value.get("complete").and_then(|v| v.as_bool()) == Some(true);
            Ok((out, complete))
        }
        _ => Err(format!(
            "{shown}: not a `check --json` result judged against a baseline, nor a family summary"
        )),
    }
}

fn unused(
    baseline: &Path,
    files: &[PathBuf],
    strict: bool,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let written = |error: std::io::Error| format!("cannot write to standard output: {error}");
    let loaded = Baseline::load(baseline)?;
    let mut seen = std::collections::BTreeSet::new();
    let mut incomplete = Vec::new();
    for path in files {
        let (signatures, complete) = seen_signatures(path)?;
        if !complete {
            incomplete.push(path.display().to_string());
        }
        for text in signatures {
            let signature = Signature::parse(&text)
                .map_err(|error| format!("{}: signature '{text}': {error}", path.display()))?;
            seen.insert((text, signature));
        }
    }
    writeln!(
        out,
        "mvsim baseline unused: {} run(s), {} distinct signature(s) seen",
        files.len(),
        seen.len()
    )
    .map_err(written)?;
    if !incomplete.is_empty() {
        writeln!(
            out,
            "warning: incomplete run(s) ({}): a pattern unused there may still be needed",
            incomplete.join(", ")
        )
        .map_err(written)?;
    }
    let mut unused_count = 0;
    for finding in &loaded.findings {
        for (text, pattern) in finding.signatures.iter().zip(&finding.patterns) {
            let uses = seen
                .iter()
                .filter(|(_, signature)| pattern.explains(signature))
                .count();
            if uses == 0 {
                unused_count += 1;
                writeln!(out, "  unused  {:<4} {text}", finding.id).map_err(written)?;
            } else {
                writeln!(out, "  {uses:>6}  {:<4} {text}", finding.id).map_err(written)?;
            }
        }
    }
    writeln!(
        out,
        "{unused_count} of {} pattern(s) explain no signature of these runs",
        loaded
            .findings
            .iter()
            .map(|f| f.patterns.len())
            .sum::<usize>()
    )
    .map_err(written)?;
    Ok(if strict && unused_count > 0 {
        ExitStatus::Violation
    } else {
        ExitStatus::Clean
    })
}

fn prune(
    baseline: &Path,
    inputs: &[(PathBuf, Pending)],
    remove: &[String],
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<ExitStatus, String> {
    let written = |error: std::io::Error| format!("cannot write to standard output: {error}");
    let mut session = Session::new(baseline, inputs.to_vec())?;
    let findings = session.findings_mut()?;
    let mut changes = Vec::new();
    for id in remove {
        let before = findings.len();
        findings.retain(|table| table.get("id").and_then(|v| v.as_str()) != Some(id.as_str()));
        if findings.len() == before {
            return Err(format!("--finding '{id}' is not in {}", baseline.display()));
        }
        changes.push(format!("removed finding {id}"));
    }
    for (path, pending) in inputs {
        if pending.not_reproduced.is_empty() {
            continue;
        }
        if !pending.complete {
            changes.push(format!(
                "kept: {} is an incomplete search, so 'no longer reproduced' proves nothing",
                path.display()
            ));
            continue;
        }
        let pair = pending.pair();
        for id in &pending.not_reproduced {
            let Some(table) = findings
                .iter_mut()
                .find(|table| table.get("id").and_then(|v| v.as_str()) == Some(id.as_str()))
            else {
                continue;
            };
            if let Some(expected) = table.get_mut("expected_on").and_then(|i| i.as_array_mut()) {
                let before = expected.len();
                expected.retain(|value| value.as_str() != Some(pair.as_str()));
                if expected.len() != before {
                    changes.push(format!(
                        "{id}: no longer expected on {pair} (a complete run, {}, did not see it)",
                        path.display()
                    ));
                }
            }
        }
    }
    if changes.is_empty() {
        writeln!(out, "nothing to prune").map_err(written)?;
        return Ok(ExitStatus::Clean);
    }
    for change in &changes {
        writeln!(out, "{}{change}", if dry_run { "would: " } else { "" }).map_err(written)?;
    }
    if dry_run {
        return Ok(ExitStatus::Clean);
    }
    let text = session.document.to_string();
    Baseline::parse(&text, baseline).map_err(|error| {
        format!("the pruned baseline would not load ({error}); nothing written")
    })?;
    crate::files::write_atomic(baseline, &text)?;
    for (path, pending) in inputs {
        if pending.complete && is_pending_file(path) {
            let mut left = pending.clone();
            left.not_reproduced.clear();
            if left.new.is_empty() {
                let _ = std::fs::remove_file(path);
            } else {
                let text = serde_json::to_string_pretty(&left).map_err(|e| e.to_string())? + "\n";
                crate::files::write_atomic(path, &text)?;
            }
        }
    }
    writeln!(out, "wrote {}", baseline.display()).map_err(written)?;
    Ok(ExitStatus::Clean)
}
