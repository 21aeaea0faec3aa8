//! `mvsim fixes`: the fix matrix. For every finding with a proposed fix (docs/findings), the
//! finding is judged on its reproducing configurations for `post`, each single fix,
//! `post-fixed` and every leave-one-out `post-fixed+no-fix-fN`:
//!
//! - **reproduces**: a property that shows the finding is violated;
//! - **closed**: a complete search finds none of them violated;
//! - **no reproduction within bound**: an incomplete search found none;
//! - **regressed (P)**: another `always`/`quiescent` property P is violated that the
//!   finding's baseline engine does not violate on that configuration.
//!
//! A configuration can show more than one finding through the same property (F1 masks
//! F10 on `append-race`, F1 shows on `orphan-append` and `ci-budget-2` too). Each finding
//! therefore names its **background** fixes, the fixes of the other findings its
//! configurations also show, and every cell checks the column's engine with them added:
//! the `post` column of row F8 is `post+fix-f1+fix-f10`. The background is printed.

use super::report::{check, CheckArgs, CheckResult};
use mvsim_model::{Fix, Fixes};
use serde::Serialize;
use std::collections::BTreeMap;

/// `mvsim fixes` arguments.
#[derive(clap::Args, Debug, Clone)]
pub struct FixesArgs {
    /// Only these findings (comma-separated, e.g. F1,F3); default: every finding with a fix.
    #[arg(long, value_delimiter = ',')]
    pub findings: Vec<String>,
    /// Stop each search after generating this many states (then no cell says "closed").
    #[arg(long, default_value_t = 50_000_000)]
    pub max_states: usize,
    /// Stop each search after this many seconds.
    #[arg(long)]
    pub timeout: Option<u64>,
    /// Stop a search when resident memory reaches this many MiB.
    #[arg(long, default_value_t = 3000)]
    pub max_memory_mb: u64,
    /// Also write the matrix as JSON to this file.
    #[arg(long)]
    pub json: Option<std::path::PathBuf>,
}

/// A finding with a proposed fix, and where it is judged.
#[derive(Debug, Clone, Copy)]
pub struct Finding {
    pub fix: Fix,
    /// Checker configurations that reproduce it (complete searches in seconds).
    pub configs: &'static [&'static str],
    /// Fixes of other findings the configurations also show through the same properties.
    pub background: &'static [Fix],
    /// The properties whose violation shows the finding.
    pub properties: &'static [&'static str],
    /// Fixes of other findings that close this one too (fix-f14 reverts the failed
    /// APPEND's lineage, so F8's orphan segments never survive): its leave-one-out then
    /// must be closed, and `post-fixed` without its fix and these must reproduce it.
    pub closed_also_by: &'static [Fix],
}

const QUIESCENT: &[&str] = &[
    "quiescent_buckets_match_source",
    "quiescent_mv_data_matches_source",
];

/// Every finding with a fix, in finding order. F4 (a measurement of F1) and F7 (closed in
/// `post` by the sweep) have no row: docs/findings/F4.md, F7.md. F13 (the zombie APPEND)
/// shares F11's row and fix: `zombie-append` shows it.
pub const FINDINGS: [Finding; 16] = [
    Finding {
        fix: Fix::F1,
        configs: &["append-race"],
        background: &[Fix::F10],
        properties: QUIESCENT,
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F2,
        configs: &["append-race"],
        background: &[],
        properties: &["append_only_into_absent"],
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F3,
        configs: &["small-transient"],
        background: &[],
        properties: QUIESCENT,
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F5,
        configs: &["ci-budget-2"],
        background: &[Fix::F1, Fix::F10],
        properties: QUIESCENT,
        // fix-f3 re-queues the CM's exhausted mark, and fix-f1's scheduler half re-checks
        // the task whose V5 mark exhausted: post-fixed without fix-f5 is closed; without
        // fix-f3 too the CM's abandoned mark reproduces it.
        closed_also_by: &[Fix::F3],
    },
    Finding {
        fix: Fix::F6,
        configs: &["all-deleted"],
        background: &[],
        properties: &["watermark_within_source_data", "broker_freshness_honest"],
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F8,
        configs: &["orphan-append"],
        background: &[Fix::F1, Fix::F10],
        properties: &["quiescent_mv_data_matches_source"],
        closed_also_by: &[Fix::F14],
    },
    Finding {
        fix: Fix::F9,
        // The second: a time-less upload (a full invalidation) in the same debounce window,
        // which fix-f9 as first proposed left open (ci-family#99).
        configs: &["old-backfill", "configs/old-backfill-timeless.toml"],
        background: &[],
        properties: QUIESCENT,
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F10,
        configs: &["revert-race"],
        background: &[],
        properties: QUIESCENT,
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F11,
        configs: &["zombie-overwrite", "zombie-append"],
        background: &[],
        properties: &[
            "one_exclusive_in_flight",
            "redispatched_append_changes_nothing",
            "valid_bucket_mv_matches_fingerprint",
            "task_outcome_honest",
        ],
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F12,
        configs: &["append-gap"],
        background: &[],
        properties: &["redispatched_append_changes_nothing"],
        closed_also_by: &[Fix::F2],
    },
    Finding {
        fix: Fix::F14,
        configs: &["overwrite-rollback"],
        background: &[],
        properties: &["valid_bucket_mv_matches_fingerprint"],
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F15,
        configs: &["overwrite-rollback"],
        background: &[Fix::F1, Fix::F10, Fix::F14],
        properties: QUIESCENT,
        closed_also_by: &[Fix::F2],
    },
    Finding {
        fix: Fix::F16,
        configs: &["failover"],
        // The fix's full invalidation sends every bucket through a false-positive revert:
        // F10's window (docs/findings/F16.md).
        background: &[Fix::F10],
        properties: QUIESCENT,
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F17,
        configs: &["configs/catch-up-mark.toml"],
        background: &[],
        properties: &["quiescent_watermark_reaches_cutoff"],
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F18,
        configs: &["configs/delete-reupload.toml"],
        background: &[],
        properties: &[
            "valid_bucket_mv_matches_fingerprint",
            "quiescent_mv_data_matches_source",
        ],
        closed_also_by: &[],
    },
    Finding {
        fix: Fix::F19,
        configs: &["configs/leadership-change.toml"],
        background: &[],
        properties: &["one_exclusive_in_flight"],
        closed_also_by: &[],
    },
];

/// A matrix column: `post`, `post+fix-fN`, `post-fixed` or `post-fixed+no-fix-fN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Post,
    Single(Fix),
    Fixed,
    LeaveOut(Fix),
}

impl Column {
    pub fn all() -> Vec<Column> {
        let mut columns = vec![Column::Post];
        columns.extend(Fix::ALL.iter().map(|fix| Column::Single(*fix)));
        columns.push(Column::Fixed);
        columns.extend(Fix::ALL.iter().map(|fix| Column::LeaveOut(*fix)));
        columns
    }

    pub fn name(self) -> String {
        match self {
            Column::Post => "post".to_string(),
            Column::Single(fix) => format!("post+{}", fix.name()),
            Column::Fixed => "post-fixed".to_string(),
            Column::LeaveOut(fix) => format!("post-fixed+no-{}", fix.name()),
        }
    }

    fn fixes(self) -> Fixes {
        match self {
            Column::Post => Fixes::NONE,
            Column::Single(fix) => Fixes::NONE.with(fix),
            Column::Fixed => Fixes::all(),
            Column::LeaveOut(fix) => Fixes::all().without(fix),
        }
    }
}

/// The canonical engine name of `post` with exactly `fixes`.
pub fn engine_name(fixes: Fixes) -> String {
    let missing: Vec<Fix> = Fix::ALL
        .into_iter()
        .filter(|fix| !fixes.has(*fix))
        .collect();
    if missing.len() * 2 < Fix::ALL.len() {
        let mut name = "post-fixed".to_string();
        for fix in missing {
            name.push_str(&format!("+no-{}", fix.name()));
        }
        name
    } else {
        let mut name = "post".to_string();
        for fix in fixes.iter() {
            name.push_str(&format!("+{}", fix.name()));
        }
        name
    }
}

/// One cell's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub finding: &'static str,
    pub column: String,
    /// The engine actually checked (column plus background).
    pub engine: String,
    pub verdict: String,
    pub unique_states: usize,
    pub seconds: f64,
    /// `sometimes` properties the baseline reaches and this engine does not.
    pub sometimes_lost: Vec<&'static str>,
}

/// One check, memoised by engine and configuration.
struct Runs {
    args: FixesArgs,
    results: BTreeMap<(String, String), CheckResult>,
}

impl Runs {
    fn get(&mut self, engine: &str, config: &str) -> Result<&CheckResult, String> {
        let key = (engine.to_string(), config.to_string());
        if !self.results.contains_key(&key) {
            // A finding preset, or a shipped configuration file (`failover`).
            let model = super::model_for(config, engine)?;
            let args = CheckArgs {
                engine: engine.to_string(),
                config: config.to_string(),
                bfs: true,
                dfs: false,
                threads: 1,
                max_states: self.args.max_states,
                timeout: self.args.timeout,
                max_memory_mb: self.args.max_memory_mb,
                json: None,
                junit: None,
                diagram: None,
                path: None,
                family: None,
                shard: None,
                list_members: false,
                merge: Vec::new(),
                baseline: crate::baseline::DEFAULT_PATH.into(),
                no_baseline: true,
                reached_from: None,
                strict_baseline: false,
                fail_fast: false,
                accept_property: Vec::new(),
                quiet: true,
                no_faults: false,
            };
            eprintln!("fixes: checking --engine {engine} --config {config}");
            let result = check(model, &args);
            self.results.insert(key.clone(), result);
        }
        Ok(&self.results[&key])
    }
}

fn violated(result: &CheckResult) -> Vec<&'static str> {
    result
        .properties
        .iter()
        .filter(|property| property.verdict == "violated" && property.expectation != "sometimes")
        .map(|property| property.name)
        .collect()
}

fn reached(result: &CheckResult) -> Vec<&'static str> {
    result
        .properties
        .iter()
        .filter(|property| property.verdict == "reached")
        .map(|property| property.name)
        .collect()
}

fn complete(result: &CheckResult) -> bool {
    result.outcome.starts_with("complete")
}

/// Judges one finding for one column.
fn judge(runs: &mut Runs, finding: &Finding, column: Column) -> Result<Cell, String> {
    let background = finding
        .background
        .iter()
        .fold(Fixes::NONE, |fixes, fix| fixes.with(*fix));
    let mut fixes = column.fixes();
    for fix in background.iter() {
        fixes = fixes.with(fix);
    }
    let engine = engine_name(fixes);
    let baseline_engine = engine_name(background);
    let mut verdicts = Vec::new();
    let mut unique_states = 0;
    let mut seconds = 0.0;
    let mut sometimes_lost = Vec::new();
    for config in finding.configs {
        let baseline = runs.get(&baseline_engine, config)?;
        let baseline_violated = violated(baseline);
        let baseline_reached = reached(baseline);
        let result = runs.get(&engine, config)?;
        unique_states += result.unique_states;
        seconds += result.duration_seconds;
        let now_violated = violated(result);
        let shows = finding
            .properties
            .iter()
            .any(|property| now_violated.contains(property));
        let regressed: Vec<&str> = now_violated
            .iter()
            .filter(|property| !baseline_violated.contains(property))
            .copied()
            .collect();
        let mut verdict = if shows {
            "reproduces".to_string()
        } else if complete(result) {
            "closed".to_string()
        } else {
            "no reproduction within bound".to_string()
        };
        if !regressed.is_empty() {
            verdict.push_str(&format!(", regressed ({})", regressed.join(", ")));
        }
        verdicts.push(verdict);
        let now_reached = reached(result);
        for name in baseline_reached {
            if !now_reached.contains(&name) && !sometimes_lost.contains(&name) {
                sometimes_lost.push(name);
            }
        }
    }
    verdicts.dedup();
    Ok(Cell {
        finding: finding.fix.finding(),
        column: column.name(),
        engine,
        verdict: verdicts.join(" / "),
        unique_states,
        seconds,
        sometimes_lost,
    })
}

/// The whole matrix for `findings` (all when empty).
pub fn matrix(args: &FixesArgs) -> Result<Vec<Cell>, String> {
    let wanted: Vec<String> = args.findings.iter().map(|f| f.to_uppercase()).collect();
    for name in &wanted {
        if !FINDINGS.iter().any(|finding| finding.fix.finding() == name) {
            let names: Vec<&str> = FINDINGS.iter().map(|f| f.fix.finding()).collect();
            return Err(format!(
                "--findings: unknown finding '{name}' (expected one of: {})",
                names.join(", ")
            ));
        }
    }
    let mut runs = Runs {
        args: args.clone(),
        results: BTreeMap::new(),
    };
    let mut cells = Vec::new();
    for finding in FINDINGS
        .iter()
        .filter(|finding| wanted.is_empty() || wanted.iter().any(|w| w == finding.fix.finding()))
    {
        for column in Column::all() {
            cells.push(judge(&mut runs, finding, column)?);
        }
    }
    Ok(cells)
}

fn short(verdict: &str) -> String {
    verdict
        .replace("no reproduction within bound", "no repro in bound")
        .replace("reproduces", "REPRODUCES")
}

/// Renders the matrix: one row per finding, then the per-fix figures.
pub fn render(cells: &[Cell]) -> String {
    let mut out = String::new();
    out.push_str("mvsim fixes: finding x engine (each cell: the column's engine plus the finding's background fixes)\n\n");
    for finding in FINDINGS {
        let row: Vec<&Cell> = cells
            .iter()
            .filter(|cell| cell.finding == finding.fix.finding())
            .collect();
        if row.is_empty() {
            continue;
        }
        let background: Vec<&str> = finding.background.iter().map(|fix| fix.name()).collect();
        let also: Vec<&str> = finding
            .closed_also_by
            .iter()
            .map(|fix| fix.name())
            .collect();
        out.push_str(&format!(
            "{} on {} (background: {}; shown by: {}{})\n",
            finding.fix.finding(),
            finding.configs.join(", "),
            if background.is_empty() {
                "none".to_string()
            } else {
                background.join(", ")
            },
            finding.properties.join(", "),
            if also.is_empty() {
                String::new()
            } else {
                format!("; closed also by: {}", also.join(", "))
            }
        ));
        for cell in row {
            out.push_str(&format!(
                "  {:<26} {:<44} {:>9} states {:>7.2}s{}\n",
                cell.column,
                short(&cell.verdict),
                cell.unique_states,
                cell.seconds,
                if cell.sometimes_lost.is_empty() {
                    String::new()
                } else {
                    format!("  sometimes lost: {}", cell.sometimes_lost.join(", "))
                }
            ));
        }
        out.push('\n');
    }
    // Acceptance: each single fix closes its finding; each leave-one-out reproduces it; no
    // cell regressed.
    let mut failures = Vec::new();
    for finding in FINDINGS {
        let name = finding.fix.finding();
        let cell = |column: Column| {
            cells
                .iter()
                .find(|cell| cell.finding == name && cell.column == column.name())
        };
        if let Some(single) = cell(Column::Single(finding.fix)) {
            if !single.verdict.starts_with("closed") {
                failures.push(format!("{name}: {} does not close it", single.column));
            }
        }
        if let Some(fixed) = cell(Column::Fixed) {
            if !fixed.verdict.starts_with("closed") {
                failures.push(format!("{name}: post-fixed does not close it"));
            }
        }
        if let Some(left) = cell(Column::LeaveOut(finding.fix)) {
            let expected = if finding.closed_also_by.is_empty() {
                "reproduces"
            } else {
                "closed"
            };
            if !left.verdict.starts_with(expected) {
                failures.push(format!(
                    "{name}: {} does not {}",
                    left.column,
                    if finding.closed_also_by.is_empty() {
                        "reproduce it"
                    } else {
                        "close it (another fix closes it too)"
                    }
                ));
            }
        }
    }
    for cell in cells
        .iter()
        .filter(|cell| cell.verdict.contains("regressed"))
    {
        failures.push(format!(
            "{}: {} {}",
            cell.finding, cell.column, cell.verdict
        ));
    }
    if failures.is_empty() {
        out.push_str("acceptance: every single fix and post-fixed close their finding; every leave-one-out reproduces it (or, where another fix closes it too, is closed); no cell regressed\n");
    } else {
        for failure in &failures {
            out.push_str(&format!("acceptance FAILED: {failure}\n"));
        }
    }
    out
}

/// Did the matrix meet its acceptance rule (see [`render`])?
pub fn accepted(cells: &[Cell]) -> bool {
    !render(cells).contains("acceptance FAILED")
}

/// Runs `mvsim fixes`.
pub fn run_fixes(args: &FixesArgs) -> Result<crate::exit::ExitStatus, String> {
    if let Some(file) = &args.json {
        crate::files::probe_output(file, "--json")?;
    }
    let cells = matrix(args)?;
    print!("{}", render(&cells));
    if let Some(file) = &args.json {
        let text = serde_json::to_string_pretty(&cells).map_err(|error| error.to_string())?;
        crate::files::write_atomic(file, &(text + "\n"))?;
    }
    Ok(if accepted(&cells) {
        crate::exit::ExitStatus::Clean
    } else {
        crate::exit::ExitStatus::Violation
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(column: Column, verdict: &str) -> Cell {
        Cell {
            finding: "F9",
            column: column.name(),
            engine: column.name(),
            verdict: verdict.to_string(),
            unique_states: 1,
            seconds: 0.0,
            sometimes_lost: Vec::new(),
        }
    }

    #[test]
    fn acceptance_needs_closed_fixes_reproducing_leave_one_outs_and_no_regression() {
        let good = vec![
            cell(Column::Post, "reproduces"),
            cell(Column::Single(Fix::F9), "closed"),
            cell(Column::Fixed, "closed"),
            cell(Column::LeaveOut(Fix::F9), "reproduces"),
        ];
        assert!(accepted(&good), "{}", render(&good));
        let mut regressed = good.clone();
        regressed[1].verdict = "closed, regressed (watermark_within_source_data)".to_string();
        assert!(!accepted(&regressed));
        assert!(render(&regressed).contains("F9: post+fix-f9 closed, regressed"));
        let mut open = good.clone();
        open[2].verdict = "no reproduction within bound".to_string();
        assert!(!accepted(&open));
        let mut hidden = good;
        hidden[3].verdict = "closed".to_string();
        assert!(!accepted(&hidden));
    }
}
