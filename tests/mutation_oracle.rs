//! The mutation-testing oracle (docs/mutation.md): the checker's verdicts, and nothing else.
//!
//! `scripts/mutation.sh` runs `cargo mutants` with this test as the only test. For each
//! mutated engine it runs the shipped `mvsim` binary on the shipped configurations and a
//! fixed sweep, and compares the set of violated property names (and, for a check, of
//! finding signatures and, since session 11, of the `sometimes` properties the baseline's
//! `[reached]` expects there and the search missed) with the unmutated engine's (recorded
//! by the first run in
//! `$MVSIM_ORACLE_DIR/baseline.json`, which is the unmutated baseline run cargo-mutants
//! makes before any mutant). The mutant is killed
//! (this test fails) when a judge reports a violation the baseline lacks (a settle failure
//! is the violation of `settles`) or the engine panics; pins, snapshots and unit tests are
//! not consulted. Without `MVSIM_ORACLE_DIR` the test does nothing, so `cargo test` stays
//! fast.
//!
//! Every command it runs and every verdict difference is printed (the cargo-mutants log of
//! the mutant keeps them) and appended, with the mutated line, to
//! `$MVSIM_ORACLE_DIR/records.jsonl`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One judge: a name and the `mvsim` arguments (the JSON output path is appended).
struct Judge {
    name: String,
    args: Vec<String>,
}

/// The shipped configuration files `post-fixed` is judged on (session 8: the proposed fixes
/// are engine code too; `post-fixed` keeps every property on every shipped configuration
/// file, and the CI gate checks it on `ci` and the families, so a mutant in a fix's code
/// path that no `post` or `pre` judge runs, such as fix-f9's timed coverage or fix-f5's
/// budget, is judged here). Cheapest first: 0.02-1.4 s each in release.
const POST_FIXED_FILES: [&str; 9] = [
    "catch-up",
    "catch-up-timeout",
    "old-backfill-timeless",
    // Session 15: a backfill over two absent slots, so fix-f9's slot loop runs twice (the
    // tenth sample's `+=` -> `*=` in it passed every other judge).
    "old-backfill-two-slots",
    "old-backfill-failover",
    "delete-reupload",
    "leadership-change-backfill",
    "failover",
    "catch-up-mark",
];

fn judges() -> Vec<Judge> {
    let check = |engine: &str, config: &str| Judge {
        name: format!(
            "check {engine}/{}",
            config
                .trim_end_matches(".toml")
                .rsplit('/')
                .next()
                .unwrap_or(config)
        ),
        args: [
            "check",
            "--engine",
            engine,
            "--config",
            config,
            "--dfs",
            "--quiet",
            "--max-memory-mb",
            "3000",
            "--max-states",
            "40000000",
            "--timeout",
            "300",
        ]
        .map(str::to_string)
        .to_vec(),
    };
    // Every configuration file is a shipped name (session 12), so the baseline's [reached]
    // table, keyed by engine/config, applies to each judge: a mutant that makes a
    // `sometimes` unreachable on a judge's configuration is killed (vacuity).
    // Cheapest first (measured on the loaded 2-core machine: post/small, post/catch-up
    // 0.1 s, the sweep 4 s, pre/small 9 s, post/ci-budget-2 6 s (350,439 states), post/ci
    // 85-150 s at opt-level 1), so that a mutant an earlier judge kills by an old property
    // skips the rest (`settled_by_old`).
    let mut judges = vec![
        check("post", "small"),
        check("post", "catch-up"),
        // Session 14: the one configuration file that budgets a Helix timeout and a
        // transient ZooKeeper error (post 62,593 states, post-fixed 8,963; 0.06-0.4 s), so
        // a driver that stops offering either fault loses `reach_fault_budgets_spent`.
        check("post", "catch-up-timeout"),
        // Session 8: the boundary case of the CM's range tests (a one-row segment at a
        // bucket's start), which no other judge's source has (post 90 states, pre 87).
        check("post", "point-segment"),
        check("pre", "point-segment"),
        // Session 10: the one configuration whose initial znode is a Pinot ZNRecord with a
        // STALE entry, read through the codec (post 1,334 states).
        check("post", "restart-stale"),
        Judge {
            name: "sweep post 0..100".to_string(),
            args: [
                "sweep", "--engine", "post", "--seeds", "0..100", "--jobs", "1",
            ]
            .map(str::to_string)
            .to_vec(),
        },
        check("pre", "small"),
        // Where budgets run out (F5's preset: no faults, a critical budget of 2): no other
        // judge exhausts a CAS budget, so only this one can tell a retry loop that never
        // stops, or stops early, from a correct one.
        check("post", "ci-budget-2"),
        check("post-fixed", "small"),
    ];
    judges.extend(POST_FIXED_FILES.map(|name| check("post-fixed", name)));
    judges.push(check("post-fixed", "ci-budget-2"));
    // session 9: the smallest ci-family member (183,243 states, 1-2 s) where fix-f14's
    // supersession of another task's lineage entry matters (`supersede_lineage` removed:
    // `valid_bucket_mv_matches_fingerprint`); no configuration file has two such tasks.
    judges.push(check("post-fixed", "ci-family#1531"));
    // session 11: the one configuration with a VALID-empty bucket at the watermark over a
    // window with data (F17's stall, then a delete and an identical re-upload; 2,174,295
    // states), where the sweep's `k < wm` bound (CM:549-553) decides what is marked.
    judges.push(check("post", "stranded-empty"));
    judges.push(check("post", "ci"));
    // session 9: two failed commits of one fingerprint at once, fix-f1's failed-commit
    // record (no other configuration has them); 5,591,399 states, about 53 s in release,
    // so it runs last.
    judges.push(check("post-fixed", "two-failed-commits"));
    judges
}

/// The properties of the registry at `b5b3c8f`, the start of issue 10 (the same list is in
/// `scripts/mutation.sh`'s summary): a kill by one of them, or an engine panic, on a judge
/// that existed then, counts for the "before" score too.
const OLD_PROPERTIES: [&str; 13] = [
    "watermark_monotonic",
    "watermark_within_source_data",
    "bucket_keys_aligned",
    "append_only_into_absent",
    "one_exclusive_in_flight",
    "stale_only_from_valid",
    "entries_never_removed",
    "valid_stale_overwrite_order",
    "broker_freshness_honest",
    "register_linearizable",
    "settles",
    "quiescent_buckets_match_source",
    "quiescent_mv_data_matches_source",
];

/// The judges added after `b5b3c8f` (their kills count only for the "after" score): every
/// `post-fixed` judge and these.
const NEW_JUDGES: [&str; 7] = [
    "check post/catch-up",
    "check post/catch-up-timeout",
    "check post/point-segment",
    "check pre/point-segment",
    "check post/restart-stale",
    "check post/stranded-empty",
    "check post/ci-budget-2",
];

fn is_new_judge(name: &str) -> bool {
    NEW_JUDGES.contains(&name) || name.starts_with("check post-fixed/")
}

/// Do the kills so far settle both scores (a kill that counts before, hence after too)?
/// Then the remaining judges are skipped; `MVSIM_ORACLE_ALL_JUDGES=1` runs them anyway.
fn settled_by_old(kills: &[String]) -> bool {
    kills.iter().any(|kill| {
        let (judge, what) = kill.split_once(": ").unwrap_or(("", kill));
        !is_new_judge(judge)
            && (what.contains("engine panic")
                || OLD_PROPERTIES
                    .iter()
                    .any(|name| what == format!("new violation {name}")))
    })
}

/// What one judge reported: the violated property names, and whether its search was
/// complete (a bounded search can only add kills, never remove baseline violations
/// reliably, so it is recorded).
#[derive(Debug, PartialEq, Eq)]
struct Verdict {
    violated: BTreeSet<String>,
    complete: bool,
    /// Unique states of a check (equivalence evidence, docs/mutation.md); `None` for a sweep.
    states: Option<u64>,
}

fn verdict_of(json: &serde_json::Value) -> Verdict {
    if let Some(properties) = json.get("properties").and_then(|p| p.as_array()) {
        let mut violated: BTreeSet<String> = properties
            .iter()
            .filter(|p| p["verdict"] == "violated")
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect();
        // Session 9: and every signature the check saw (the issue's oracle is "a violation
        // whose signature the unmutated engine lacks"): a mutant that adds a new kind of
        // violation to an already violated property (on `pre`, most of them) is killed.
        // A complete search's signatures are a function of its reachable states.
        let findings = &json["findings"];
        let accepted = findings["accepted"].as_array().into_iter().flatten();
        let seen = accepted
            .flat_map(|finding| finding["signatures"].as_array().into_iter().flatten())
            .chain(
                findings["new"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|finding| &finding["signature"]),
            );
        violated.extend(
            seen.filter_map(|signature| signature.as_str())
                .map(|signature| format!("signature {signature}")),
        );
        // Session 11: and every `sometimes` the baseline's `[reached]` expects on this
        // engine and configuration that the search did not reach (the main job's
        // `--strict-baseline` fails on it): a mutant that makes a property vacuous.
        violated.extend(
            findings["unreached"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|name| name.as_str())
                .map(|name| format!("unreached {name}")),
        );
        let complete = json["outcome"]
            .as_str()
            .is_some_and(|outcome| outcome.starts_with("complete"));
        return Verdict {
            violated,
            complete,
            states: json["unique_states"].as_u64(),
        };
    }
    let violated = json["failures"]
        .as_object()
        .map(|failures| failures.keys().cloned().collect())
        .unwrap_or_default();
    Verdict {
        violated,
        complete: true,
        states: None,
    }
}

/// Runs one judge; `Err` when the binary did not produce a result (an engine panic).
fn run_judge(binary: &Path, judge: &Judge, out: &Path) -> Result<Verdict, String> {
    let _ = std::fs::remove_file(out);
    let mut command = Command::new(binary);
    command.args(&judge.args).arg("--json").arg(out);
    eprintln!(
        "oracle: run {} --json {}",
        judge.args.join(" "),
        out.display()
    );
    let output = command.output().map_err(|error| error.to_string())?;
    let code = output.status.code();
    // 0 = clean, 1 = violations, 3 = incomplete (a time or memory bound, no violation:
    // the JSON says so); anything else (a panic is 101) is not a verdict.
    if !matches!(code, Some(0) | Some(1) | Some(3)) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(format!("exit {code:?}: {}", tail.join(" | ")));
    }
    let text = std::fs::read_to_string(out).map_err(|error| error.to_string())?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    Ok(verdict_of(&json))
}

/// The first mutated line, found by comparing the tree under test with the pristine tree.
fn mutated_line(pristine: Option<&Path>) -> String {
    let Some(pristine) = pristine else {
        return String::new();
    };
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(here.join("model/src"))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    for file in files {
        let relative = file.strip_prefix(here).expect("under the manifest dir");
        let (Ok(mutated), Ok(original)) = (
            std::fs::read_to_string(&file),
            std::fs::read_to_string(pristine.join(relative)),
        ) else {
            continue;
        };
        if mutated == original {
            continue;
        }
        let line = mutated
            .lines()
            .zip(original.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        let text = mutated.lines().nth(line).unwrap_or("").trim();
        return format!("{}:{}: {}", relative.display(), line + 1, text);
    }
    "unmutated".to_string()
}

#[test]
fn checker_verdicts_match_the_unmutated_engine() {
    let Some(dir) = std::env::var_os("MVSIM_ORACLE_DIR").map(PathBuf::from) else {
        eprintln!("oracle: MVSIM_ORACLE_DIR unset, nothing to judge");
        return;
    };
    std::fs::create_dir_all(&dir).expect("oracle dir");
    let pristine = std::env::var_os("MVSIM_ORACLE_PRISTINE").map(PathBuf::from);
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_mvsim"));
    let baseline_file = dir.join("baseline.json");
    let baseline: Option<BTreeMap<String, Vec<String>>> = std::fs::read_to_string(&baseline_file)
        .ok()
        .map(|text| serde_json::from_str(&text).expect("baseline.json is the oracle's own"));
    let mutant = mutated_line(pristine.as_deref());
    eprintln!("oracle: mutant {mutant}");
    let mut now: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut kills: Vec<String> = Vec::new();
    let mut incomplete: Vec<String> = Vec::new();
    let mut states: BTreeMap<String, u64> = BTreeMap::new();
    let all_judges = std::env::var_os("MVSIM_ORACLE_ALL_JUDGES").is_some();
    let mut skipped: Vec<String> = Vec::new();
    for (index, judge) in judges().iter().enumerate() {
        // Re-judging mutants that survived an earlier run: any kill settles the "after"
        // score, so `MVSIM_ORACLE_FIRST_KILL=1` stops at the first one.
        let first_kill = std::env::var_os("MVSIM_ORACLE_FIRST_KILL").is_some() && !kills.is_empty();
        if baseline.is_some() && !all_judges && (settled_by_old(&kills) || first_kill) {
            skipped.push(judge.name.to_string());
            continue;
        }
        let out =
            std::env::temp_dir().join(format!("mvsim-oracle-{}-{index}.json", std::process::id()));
        match run_judge(&binary, judge, &out) {
            Ok(verdict) => {
                if !verdict.complete {
                    incomplete.push(judge.name.to_string());
                }
                if let Some(count) = verdict.states {
                    states.insert(judge.name.to_string(), count);
                }
                if let Some(baseline) = &baseline {
                    let known: BTreeSet<&String> =
                        baseline.get(&judge.name).into_iter().flatten().collect();
                    for name in &verdict.violated {
                        if !known.contains(name) {
                            kills.push(format!("{}: new violation {name}", judge.name));
                        }
                    }
                }
                now.insert(
                    judge.name.to_string(),
                    verdict.violated.into_iter().collect(),
                );
            }
            Err(error) => kills.push(format!("{}: engine panic ({error})", judge.name)),
        }
        let _ = std::fs::remove_file(&out);
    }
    let record = serde_json::json!({
        "mutant": mutant,
        "baseline": baseline.is_none(),
        "verdicts": now,
        "kills": kills,
        "incomplete": incomplete,
        "skipped": skipped,
        "states": states,
    });
    eprintln!("oracle: record {record}");
    use std::io::Write;
    let mut records = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("records.jsonl"))
        .expect("records file");
    writeln!(records, "{record}").expect("append record");
    if baseline.is_none() {
        assert!(
            kills.is_empty(),
            "the unmutated engine must not panic: {kills:?}"
        );
        let text = serde_json::to_string_pretty(&now).expect("baseline serializes");
        std::fs::write(&baseline_file, text).expect("write baseline");
        eprintln!("oracle: baseline recorded in {}", baseline_file.display());
        return;
    }
    assert!(kills.is_empty(), "killed by the checker: {kills:?}");
}

/// The judges' names key the recorded baselines and kills (`DIR/baseline.json`,
/// `records.jsonl`, `docs/mutation-s6/judge.py`'s list): each is unique, and every name the
/// "after only" rule lists is a judge's.
#[test]
fn judge_names_are_unique_and_the_new_ones_exist() {
    let names: Vec<String> = judges().into_iter().map(|judge| judge.name).collect();
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert_eq!(names.len(), 24);
    for new in NEW_JUDGES {
        assert!(names.iter().any(|name| name == new), "{new} is not a judge");
    }
    assert_eq!(names.iter().filter(|name| is_new_judge(name)).count(), 20);
}
