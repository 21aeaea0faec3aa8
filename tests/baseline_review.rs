//! `mvsim baseline`: the review workflow for the findings baseline (issue 9), as a user
//! meets it: a gated `check` leaves a pending file for what is new or no longer
//! reproduced, `review` / `accept` / `reject` / `prune` edit the baseline (keeping its
//! comments), the edited baseline then accepts exactly what was accepted, and CI never
//! writes pending files.

use jsonschema::Validator;
use mvsim_sim::baseline::Baseline;
use mvsim_sim::baseline_review::{Pending, Session};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mvsim");

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("baseline-review-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Runs mvsim in `dir` as a developer would locally (no `CI`), stdin closed.
fn mvsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("MVSIM_PENDING_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("mvsim runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn status(output: &Output) -> i32 {
    output.status.code().expect("exited")
}

/// `mvsim check --engine post --config CONFIG [--strict-baseline] --max-memory-mb 3000`.
fn check_args(config: &'static str, strict: bool) -> Vec<&'static str> {
    let mut args = vec!["check", "--engine", "post", "--config", config];
    if strict {
        args.push("--strict-baseline");
    }
    args.extend(["--max-memory-mb", "3000"]);
    args
}

const HEADER: &str = "# a comment the workflow must keep\nvocabulary = 1\n";

fn pending_schema() -> Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas/pending.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("schema")).expect("JSON");
    jsonschema::validator_for(&schema).expect("a valid schema")
}

/// F3's preset on an empty baseline: new signatures, a pending file (valid under its
/// schema), `review` without a terminal lists them and exits 1, `accept` writes a finding
/// that the next check accepts (exit 0), and that clean run removes the pending file.
#[test]
fn check_review_accept_recheck() {
    let dir = scratch("accept");
    std::fs::write(dir.join("baseline.toml"), HEADER).unwrap();
    let check = check_args("small-transient", false);
    let first = mvsim(&dir, &check);
    assert_eq!(status(&first), 1, "{}", text(&first.stdout));
    let stdout = text(&first.stdout);
    assert!(
        stdout.contains("review with `mvsim baseline review`"),
        "{stdout}"
    );
    let pending_path = dir.join("target/mvsim-pending/post@small-transient.json");
    let pending: Value =
        serde_json::from_str(&std::fs::read_to_string(&pending_path).expect("pending file"))
            .unwrap();
    let errors: Vec<String> = pending_schema()
        .iter_errors(&pending)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let new = pending["new"].as_array().expect("new");
    assert!(!new.is_empty());
    assert!(
        new.iter()
            .all(|n| !n["trace"].as_array().unwrap().is_empty()),
        "every pending signature keeps its trace for review"
    );
    let count = new.len();

    let review = mvsim(&dir, &["baseline", "review"]);
    assert_eq!(status(&review), 1);
    let listed = text(&review.stdout);
    assert_eq!(
        listed
            .lines()
            .filter(|line| line.starts_with("pending "))
            .count(),
        count,
        "{listed}"
    );
    assert!(listed.contains("not a terminal"), "{listed}");

    let accept = mvsim(
        &dir,
        &[
            "baseline",
            "accept",
            "--id",
            "F3",
            "--title",
            "a flush read error drops the mark",
        ],
    );
    assert_eq!(status(&accept), 0, "{}", text(&accept.stderr));
    let written = std::fs::read_to_string(dir.join("baseline.toml")).unwrap();
    assert!(
        written.starts_with("# a comment the workflow must keep\n"),
        "{written}"
    );
    let baseline = Baseline::parse(&written, Path::new("baseline.toml")).expect("it loads");
    let finding = &baseline.findings[0];
    assert_eq!(finding.id, "F3");
    assert_eq!(finding.signatures.len(), count);
    assert_eq!(
        finding.expected_on,
        vec!["post/small-transient".to_string()]
    );
    assert_eq!(
        finding.reproducer.config.as_deref(),
        Some("small-transient")
    );
    assert!(
        !pending_path.exists(),
        "every pending signature was accepted"
    );

    let second = mvsim(&dir, &check);
    assert_eq!(status(&second), 0, "{}", text(&second.stdout));
    assert!(text(&second.stdout).contains("accepted F3"));
    assert!(!pending_path.exists(), "a clean run leaves nothing pending");
}

/// With `CI` set nothing is written, as insta does.
#[test]
fn ci_never_writes_pending_files() {
    let dir = scratch("ci");
    std::fs::write(dir.join("baseline.toml"), HEADER).unwrap();
    let output = Command::new(BIN)
        .args([
            "check",
            "--engine",
            "post",
            "--config",
            "small-transient",
            "--max-memory-mb",
            "3000",
        ])
        .current_dir(&dir)
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(status(&output), 1);
    assert!(!dir.join("target").exists());
    assert!(!text(&output.stdout).contains("pending:"));
}

/// `accept --signature` takes only the named one and leaves the rest pending; `reject`
/// drops the rest; a signature that is not pending, a new id without a title and a
/// malformed pending file are one-line errors with status 2 that change nothing.
#[test]
fn accept_one_reject_rest_and_errors() {
    let dir = scratch("select");
    std::fs::write(dir.join("baseline.toml"), HEADER).unwrap();
    let check = check_args("small-transient", false);
    assert_eq!(status(&mvsim(&dir, &check)), 1);
    let pending_path = dir.join("target/mvsim-pending/post@small-transient.json");
    let pending = Pending::load(&pending_path).expect("pending");
    assert!(
        pending.new.len() >= 2,
        "F3's preset shows both quiescent properties"
    );
    let one = pending.new[0].signature.clone();

    for (args, message) in [
        (
            vec![
                "baseline",
                "accept",
                "--id",
                "F3",
                "--title",
                "t",
                "--signature",
                "quiescent_buckets_match_source | no-such-class",
            ],
            "is not pending",
        ),
        (vec!["baseline", "accept", "--id", "F3"], "give --title"),
        (
            vec!["baseline", "accept", "--id", "two words", "--title", "t"],
            "one word",
        ),
        (vec!["baseline", "prune", "--finding", "F42"], "is not in"),
    ] {
        let output = mvsim(&dir, &args);
        assert_eq!(status(&output), 2, "{args:?}");
        let stderr = text(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(
            std::fs::read_to_string(dir.join("baseline.toml")).unwrap(),
            HEADER
        );
    }

    let output = mvsim(
        &dir,
        &[
            "baseline",
            "accept",
            "--id",
            "F3",
            "--title",
            "t",
            "--signature",
            &one,
        ],
    );
    assert_eq!(status(&output), 0, "{}", text(&output.stderr));
    let left = Pending::load(&pending_path).expect("the rest stays pending");
    assert_eq!(left.new.len(), pending.new.len() - 1);
    assert!(left.new.iter().all(|new| new.signature != one));

    let output = mvsim(&dir, &["baseline", "reject"]);
    assert_eq!(status(&output), 0);
    assert!(!pending_path.exists());
    // The rejected signatures are new again on the next check.
    let output = mvsim(&dir, &check);
    assert_eq!(status(&output), 1);

    std::fs::write(
        &pending_path,
        "{\"format\": \"mvsim-pending/1\", \"engine\": 3}",
    )
    .unwrap();
    let output = mvsim(&dir, &["baseline", "review"]);
    assert_eq!(status(&output), 2);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("post@small-transient.json") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

/// A finding expected on `post/small` that a complete run does not see: `--strict-baseline`
/// fails, `prune --dry-run` says what it would do and writes nothing, `prune` removes the
/// pair (keeping the finding), and the strict check then passes.
#[test]
fn prune_drops_what_a_complete_run_no_longer_sees() {
    let dir = scratch("prune");
    let entry = "\n[[finding]]\nid = \"F3\"\ntitle = \"t\"\nreport = \"r.md\"\nstatus = \"fix pending\"\nreproducer = { scenario = \"cm_flush_read_error_drops_mark\", engine = \"post\" }\nexpected_on = [\"post/small\", \"post/large\"]\nsignatures = [\"quiescent_buckets_match_source | valid-outdated | causes=flush-read-error\"]\n";
    let original = format!("{HEADER}{entry}");
    std::fs::write(dir.join("baseline.toml"), &original).unwrap();
    let check = check_args("small", true);
    let first = mvsim(&dir, &check);
    assert_eq!(status(&first), 1, "{}", text(&first.stdout));
    assert!(text(&first.stdout).contains("no longer reproduced: F3"));

    let dry = mvsim(&dir, &["baseline", "prune", "--dry-run"]);
    assert_eq!(status(&dry), 0, "{}", text(&dry.stderr));
    assert!(text(&dry.stdout).contains("would: F3: no longer expected on post/small"));
    assert_eq!(
        std::fs::read_to_string(dir.join("baseline.toml")).unwrap(),
        original
    );

    let prune = mvsim(&dir, &["baseline", "prune"]);
    assert_eq!(status(&prune), 0, "{}", text(&prune.stderr));
    let pruned = std::fs::read_to_string(dir.join("baseline.toml")).unwrap();
    let baseline = Baseline::parse(&pruned, Path::new("baseline.toml")).unwrap();
    assert_eq!(
        baseline.findings[0].expected_on,
        vec!["post/large".to_string()]
    );
    assert!(pruned.starts_with("# a comment the workflow must keep\n"));

    let second = mvsim(&dir, &check);
    assert_eq!(status(&second), 0, "{}", text(&second.stdout));

    let remove = mvsim(&dir, &["baseline", "prune", "--finding", "F3"]);
    assert_eq!(status(&remove), 0);
    let baseline = Baseline::load(&dir.join("baseline.toml")).unwrap();
    assert!(baseline.findings.is_empty());
}

/// A `sometimes` property the baseline's `[reached]` expects on `post/small` that a complete
/// run does not reach (`small` has no CAS budget to exhaust): the property it guards would
/// hold vacuously, so the check names it, `--strict-baseline` fails (exit 1, a failed JUnit
/// case), a plain run only reports it (exit 0), a reached one is not named, and `prune`
/// keeps the section.
#[test]
fn a_sometimes_the_baseline_expects_and_the_run_no_longer_reaches_fails_strict() {
    let dir = scratch("unreached");
    let original = format!(
        "{HEADER}\n[reached]\n\"post/small\" = [\"reach_quiescent\", \"reach_budget_exhausted\"]\n"
    );
    std::fs::write(dir.join("baseline.toml"), &original).unwrap();
    let mut strict = check_args("small", true);
    strict.extend(["--junit", "strict.xml", "--json", "strict.json"]);
    let first = mvsim(&dir, &strict);
    assert_eq!(status(&first), 1, "{}", text(&first.stdout));
    let stdout = text(&first.stdout);
    assert!(
        stdout.contains("no longer reached: reach_budget_exhausted")
            && stdout.contains("--strict-baseline fails"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("no longer reached: reach_quiescent"),
        "{stdout}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("strict.json")).unwrap()).unwrap();
    assert_eq!(
        json["findings"]["unreached"],
        serde_json::json!(["reach_budget_exhausted"])
    );
    assert_eq!(json["findings"]["strict_failure"], true);
    let junit = std::fs::read_to_string(dir.join("strict.xml")).unwrap();
    assert!(
        junit.contains("reach_budget_exhausted is no longer reached (--strict-baseline)"),
        "{junit}"
    );

    let plain = mvsim(&dir, &check_args("small", false));
    assert_eq!(status(&plain), 0, "{}", text(&plain.stdout));
    let stdout = text(&plain.stdout);
    assert!(
        stdout.contains("no longer reached: reach_budget_exhausted"),
        "{stdout}"
    );
    assert!(!stdout.contains("--strict-baseline fails"), "{stdout}");

    let prune = mvsim(&dir, &["baseline", "prune"]);
    assert_eq!(status(&prune), 0, "{}", text(&prune.stderr));
    let kept = Baseline::load(&dir.join("baseline.toml")).unwrap();
    assert_eq!(kept.reached_on("post", "small").len(), 2);
}

/// The interactive loop, driven through the library with scripted answers: an unknown
/// answer is asked again, `n` creates a finding (suggested id, title, default status),
/// `a ID` adds to it, `r` rejects, end of input keeps the rest pending.
#[test]
fn interactive_review_with_scripted_answers() {
    let dir = scratch("interactive");
    std::fs::write(dir.join("baseline.toml"), HEADER).unwrap();
    let check = check_args("append-race", false);
    assert_eq!(status(&mvsim(&dir, &check)), 1);
    let pending_path = dir.join("target/mvsim-pending/post@append-race.json");
    let pending = Pending::load(&pending_path).unwrap();
    assert!(pending.new.len() >= 4, "{:?}", pending.new);
    let baseline_path = dir.join("baseline.toml");
    let mut session = Session::new(
        &baseline_path,
        vec![(pending_path.clone(), pending.clone())],
    )
    .unwrap();
    let mut answers: &[u8] = b"what\nn\n\nthe first finding\n\na F1\nr\n";
    let mut shown = Vec::new();
    session.review(&mut answers, &mut shown).unwrap();
    session.finish(&mut Vec::new()).unwrap();
    let shown = String::from_utf8(shown).unwrap();
    assert!(shown.contains("answer n, a ID, s, r or q"), "{shown}");
    assert!(shown.contains("id [F1]"), "{shown}");
    assert!(
        shown.contains("replay: mvsim check --engine post --config append-race --path"),
        "{shown}"
    );
    let baseline = Baseline::load(&baseline_path).unwrap();
    assert_eq!(baseline.findings.len(), 1);
    assert_eq!(baseline.findings[0].id, "F1");
    assert_eq!(baseline.findings[0].status, "fix pending");
    assert_eq!(
        baseline.findings[0].signatures,
        vec![
            pending.new[0].signature.clone(),
            pending.new[1].signature.clone()
        ]
    );
    let left = Pending::load(&pending_path).unwrap();
    assert_eq!(
        left.new,
        pending.new[3..].to_vec(),
        "accepted and rejected ones leave"
    );
}

/// `mvsim baseline unused`: the patterns no signature of the given runs needed, from a
/// `check --json` result and from a family summary; `--strict` fails on one; input that is
/// neither is a one-line error (exit 2).
#[test]
fn unused_lists_the_patterns_no_run_needed() {
    let dir = scratch("unused");
    let entries = "\n[[finding]]\nid = \"F10\"\ntitle = \"t\"\nreport = \"r.md\"\nstatus = \"fix pending\"\nreproducer = { scenario = \"revert_over_real_change\", engine = \"post\" }\nsignatures = [\"quiescent_buckets_match_source | valid-outdated | written-outdated-by=revertValid\", \"quiescent_mv_data_matches_source | mv-outdated, znode=valid-outdated | written-outdated-by=revertValid\"]\n\n[[finding]]\nid = \"F3\"\ntitle = \"t\"\nreport = \"r.md\"\nstatus = \"fix pending\"\nreproducer = { scenario = \"cm_flush_read_error_drops_mark\", engine = \"post\" }\nsignatures = [\"quiescent_buckets_match_source | valid-outdated | causes=flush-read-error\"]\n";
    std::fs::write(dir.join("baseline.toml"), format!("{HEADER}{entries}")).unwrap();
    let check = mvsim(
        &dir,
        &[
            "check",
            "--engine",
            "post",
            "--config",
            "revert-race",
            "--json",
            "run.json",
        ],
    );
    assert_eq!(status(&check), 0, "{}", text(&check.stdout));

    let report = mvsim(&dir, &["baseline", "unused", "run.json"]);
    assert_eq!(status(&report), 0, "{}", text(&report.stderr));
    let out = text(&report.stdout);
    assert!(
        out.contains("  unused  F3   quiescent_buckets_match_source | valid-outdated | causes=flush-read-error"),
        "{out}"
    );
    assert!(
        out.contains("       1  F10  quiescent_buckets_match_source | valid-outdated | written-outdated-by=revertValid"),
        "{out}"
    );
    assert!(
        out.contains("1 of 3 pattern(s) explain no signature"),
        "{out}"
    );
    let strict = mvsim(&dir, &["baseline", "unused", "--strict", "run.json"]);
    assert_eq!(status(&strict), 1);

    // A family summary that saw F3's signature (and more causes: a pattern's causes are a
    // subset) uses it; together with the check result nothing is unused.
    let family = r#"{"scope": "ci-family", "findings": [{"key": "quiescent_buckets_match_source | valid-outdated | causes=flush-read-error+notified"}], "incomplete": [], "unchecked": 0}"#;
    std::fs::write(dir.join("family.json"), family).unwrap();
    let both = mvsim(
        &dir,
        &["baseline", "unused", "--strict", "run.json", "family.json"],
    );
    assert_eq!(status(&both), 0, "{}", text(&both.stdout));
    assert!(text(&both.stdout).contains("0 of 3 pattern(s)"));

    // An incomplete family run is named: a pattern unused there may still be needed.
    std::fs::write(
        dir.join("cut.json"),
        family.replace(r#""incomplete": []"#, r#""incomplete": [7]"#),
    )
    .unwrap();
    let cut = mvsim(&dir, &["baseline", "unused", "cut.json"]);
    assert!(text(&cut.stdout).contains("warning: incomplete run(s) (cut.json)"));

    std::fs::write(dir.join("other.json"), "{\"seed\": 1}").unwrap();
    for (file, expected) in [
        ("other.json", "not a `check --json` result"),
        ("missing.json", "cannot read 'missing.json'"),
    ] {
        let bad = mvsim(&dir, &["baseline", "unused", file]);
        assert_eq!(status(&bad), 2, "{file}");
        let stderr = text(&bad.stderr);
        assert!(stderr.contains(expected), "{file}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{file}: {stderr}");
    }
}

/// `--no-baseline --reached-from FILE`, how CI checks `post-fixed`: FILE's `[reached]` still
/// guards against vacuity (exit 1, the property named, `--reached-from` in the text, the
/// JSON and the JUnit case) while FILE accepts no finding (the committed baseline accepts
/// `post/catch-up`'s F2, which is new here). For a family the key is `engine/SCOPE` and a
/// listed `sometimes` must be reached by some member: a run of the whole scope fails, one
/// shard alone is not judged (another shard may reach it), and the merge of every shard is.
#[test]
fn reached_from_guards_vacuity_without_accepting_anything() {
    let dir = scratch("reached-from");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("baseline.toml");
    let committed = committed.to_string_lossy().into_owned();
    let accepted_nowhere = mvsim(
        &dir,
        &[
            "check",
            "--engine",
            "post",
            "--config",
            "catch-up",
            "--no-baseline",
            "--reached-from",
            &committed,
            "--quiet",
        ],
    );
    let stdout = text(&accepted_nowhere.stdout);
    assert_eq!(status(&accepted_nowhere), 1, "{stdout}");
    assert!(
        stdout.contains("NEW      append_only_into_absent | absent-in-scheduler-snapshot")
            && stdout.contains("--no-baseline; [reached] from")
            && !stdout.contains("no longer reached"),
        "{stdout}"
    );

    std::fs::write(
        dir.join("reached.toml"),
        format!(
            "{HEADER}\n[reached]\n\"post-fixed/small\" = [\"reach_quiescent\", \"reach_budget_exhausted\"]\n\
             \"post-fixed/tiny.toml\" = [\"reach_quiescent\", \"reach_budget_exhausted\"]\n"
        ),
    )
    .unwrap();
    let vacuous = mvsim(
        &dir,
        &[
            "check",
            "--engine",
            "post-fixed",
            "--config",
            "small",
            "--no-baseline",
            "--reached-from",
            "reached.toml",
            "--quiet",
            "--json",
            "small.json",
            "--junit",
            "small.xml",
        ],
    );
    let stdout = text(&vacuous.stdout);
    assert_eq!(status(&vacuous), 1, "{stdout}");
    assert!(
        stdout.contains("no longer reached: reach_budget_exhausted")
            && stdout.contains("--reached-from fails")
            && !stdout.contains("no longer reached: reach_quiescent"),
        "{stdout}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("small.json")).unwrap()).unwrap();
    assert_eq!(
        json["findings"]["unreached"],
        serde_json::json!(["reach_budget_exhausted"])
    );
    assert_eq!(json["findings"]["reached_from"], "reached.toml");
    let junit = std::fs::read_to_string(dir.join("small.xml")).unwrap();
    assert!(
        junit.contains("reach_budget_exhausted is no longer reached (--reached-from)"),
        "{junit}"
    );
    let without = mvsim(
        &dir,
        &[
            "check",
            "--engine",
            "post-fixed",
            "--config",
            "small",
            "--no-baseline",
            "--quiet",
        ],
    );
    assert_eq!(status(&without), 0, "{}", text(&without.stdout));

    std::fs::write(
        dir.join("tiny.toml"),
        "buckets = [1]\norigins_ms = [1000]\nbucket_states = [\"V\"]\nsegments_max = 1\n\
         placements = [\"bucket\"]\nevents_max = 1\nevents = [\"delete\"]\n",
    )
    .unwrap();
    let family = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--family",
            "tiny.toml",
            "--engine",
            "post-fixed",
            "--no-baseline",
            "--reached-from",
            "reached.toml",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        mvsim(&dir, &args)
    };
    let whole = family(&["--json", "whole.json"]);
    let stdout = text(&whole.stdout);
    assert_eq!(status(&whole), 1, "{stdout}");
    assert!(
        stdout.contains(
            "no longer reached: reach_budget_exhausted ([reached] expects some member of tiny.toml"
        ) && !stdout.contains("no longer reached: reach_quiescent"),
        "{stdout}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("whole.json")).unwrap()).unwrap();
    assert_eq!(
        json["unreached"],
        serde_json::json!(["reach_budget_exhausted"])
    );
    for shard in ["0/2", "1/2"] {
        let file = format!("shard-{}.json", &shard[..1]);
        let one = family(&["--shard", shard, "--json", &file]);
        assert_eq!(status(&one), 0, "{shard}: {}", text(&one.stdout));
        assert!(!text(&one.stdout).contains("no longer reached"));
    }
    let merged = mvsim(
        &dir,
        &[
            "check",
            "--merge",
            "shard-0.json",
            "--merge",
            "shard-1.json",
            "--engine",
            "post-fixed",
            "--no-baseline",
            "--reached-from",
            "reached.toml",
            "--quiet",
        ],
    );
    let stdout = text(&merged.stdout);
    assert_eq!(status(&merged), 1, "{stdout}{}", text(&merged.stderr));
    assert!(
        stdout.contains("no longer reached: reach_budget_exhausted"),
        "{stdout}"
    );
}
