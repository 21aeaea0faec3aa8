//! The `mvsim` command line as a user and a CI system meet it (docs/cli.md): the exit-status
//! table, one-line bad input (never a panic), bounded input, output paths probed before a
//! run, honest completion of bounded checks, Ctrl-C, `sweep --merge` refusals, and the
//! machine-readable outputs validated against the committed JSON Schemas and JUnit XSD.

use jsonschema::Validator;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mvsim");

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

fn mvsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("MVSIM_MAX_INPUT_BYTES")
        .output()
        .expect("mvsim runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path:?}: {error}"))
}

fn schema(name: &str) -> Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/schemas")
        .join(name);
    jsonschema::validator_for(&read_json(&path)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// `value` satisfies the committed schema `name`.
fn assert_schema(name: &str, value: &Value) {
    let validator = schema(name);
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

/// `path` is valid JUnit XML under the committed XSD (xmllint, or `$XMLLINT`; .ci/run
/// installs it). Where xmllint is not installed, outside CI (`CI` unset), the file is only
/// checked to read back as a JUnit report (quick-junit, the writer's own crate), and a note
/// says so: the README's test command then works on a fresh machine, and CI, which always
/// has xmllint, still validates against the XSD (under `CI` a missing xmllint fails).
fn assert_junit(path: &Path) {
    let xml = std::fs::read_to_string(path).expect("the JUnit file reads");
    if let Err(error) = quick_junit::Report::deserialize_from_str(&xml) {
        panic!("{path:?} does not read back as JUnit (quick-junit): {error}");
    }
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas/junit.xsd");
    let xmllint = std::env::var("XMLLINT").unwrap_or_else(|_| "xmllint".to_string());
    let output = match Command::new(&xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(path)
        .output()
    {
        Ok(output) => output,
        Err(error) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "note: {xmllint} not found ({error}): {path:?} checked by quick-junit only; \
                 .ci/run installs xmllint (libxml2-utils) and validates it against {xsd:?}"
            );
            return;
        }
        Err(error) => panic!(
            "{xmllint} runs under CI (apt-get install libxml2-utils; .ci/run installs it): {error}"
        ),
    };
    assert!(
        output.status.success(),
        "{path:?} is not valid JUnit: {}",
        text(&output.stderr)
    );
}

/// A bad-input run: status 2, exactly one `mvsim: error: ...` line containing `message`,
/// nothing on stdout (no run started).
fn assert_bad_input(args: &[&str], message: &str) {
    let output = mvsim(args);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.starts_with("mvsim: error: "), "{args:?}: {stderr}");
    assert!(stderr.contains(message), "{args:?}: {stderr}");
    assert!(
        output.stdout.is_empty(),
        "{args:?}: {}",
        text(&output.stdout)
    );
}

#[test]
fn bad_input_is_one_line_and_status_2_before_any_run() {
    let dir = scratch("bad-input");
    let file = dir.join("file");
    std::fs::write(&file, "x").expect("file");
    // A path under a regular file can never be created.
    let unwritable = path_text(&file.join("out.json"));
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).expect("dir");
    let empty = path_text(&empty);
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "--threads", "0"],
            "--threads 0 is out of range (1 to 256)",
        ),
        (
            &["check", "--threads", "20000"],
            "--threads 20000 is out of range",
        ),
        (
            &["check", "--threads", "100000"],
            "--threads 100000 is out of range",
        ),
        (&["check", "--threads", "many"], "invalid value 'many'"),
        (
            &["check", "--max-states", "0"],
            "--max-states must be at least 1",
        ),
        (
            &["check", "--timeout", "0"],
            "--timeout must be at least 1 second",
        ),
        (&["check", "--bogus"], "unexpected argument '--bogus'"),
        (&["nosuch"], "unrecognized subcommand 'nosuch'"),
        (
            &["check", "--engine", "nosuch"],
            "unknown engine profile 'nosuch'",
        ),
        (
            &["bench", "--engine", "nosuch"],
            "unknown engine profile 'nosuch'",
        ),
        (
            &["check", "--config", "small", "--json", &unwritable],
            "--json: cannot",
        ),
        (
            &["check", "--config", "small", "--junit", &unwritable],
            "--junit: cannot",
        ),
        (
            &["check", "--config", "small", "--junit", "-"],
            "--junit needs a file",
        ),
        (
            &["simulate", "--seed", "1", "--trace-out", &unwritable],
            "--trace-out: cannot",
        ),
        (
            &["sweep", "--seeds", "0..2", "--json", &unwritable],
            "--json: cannot",
        ),
        (
            &["sweep", "--seeds", "0..2", "--jobs", "0"],
            "--jobs 0 is out of range (1 to 256)",
        ),
        (
            &["sweep", "--seeds", "0..2", "--jobs", "100000"],
            "--jobs 100000 is out of range",
        ),
        (
            &["scenario", "--dir", &empty, "run", "--all"],
            "no scenario files",
        ),
        (&["report", "--dir", &empty], "no scenario files"),
        (
            &["scenario", "run", "lifecycle", "--junit", &unwritable],
            "--junit: cannot",
        ),
        (&["completions", "nosuch"], "invalid value 'nosuch'"),
    ];
    for (args, message) in cases {
        assert_bad_input(args, message);
    }
}

#[test]
fn an_endless_input_is_refused_within_a_second() {
    let started = Instant::now();
    assert_bad_input(
        &["replay", "--trace", "/dev/zero"],
        "larger than the input cap of 67108864 bytes",
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let dir = scratch("input-cap");
    let trace = dir.join("trace.json");
    std::fs::write(&trace, "{\"format\": \"mvsim-simulation-trace/1\"}").expect("file");
    let capped = Command::new(BIN)
        .args(["replay", "--trace", &path_text(&trace)])
        .env("MVSIM_MAX_INPUT_BYTES", "10")
        .output()
        .expect("runs");
    assert_eq!(capped.status.code(), Some(2));
    assert!(text(&capped.stderr).contains("larger than the input cap of 10 bytes"));
    let bad = Command::new(BIN)
        .args(["replay", "--trace", &path_text(&trace)])
        .env("MVSIM_MAX_INPUT_BYTES", "lots")
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("MVSIM_MAX_INPUT_BYTES='lots' is not a positive byte count"));
}

#[test]
fn explore_on_a_port_in_use_is_bad_input_not_a_panic() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("address").port().to_string();
    assert_bad_input(&["explore", "--port", &port], "cannot listen on 127.0.0.1:");
}

#[test]
fn a_bound_equal_to_a_complete_search_is_complete_and_a_smaller_one_is_status_3() {
    let dir = scratch("completion");
    let json = dir.join("full.json");
    let base = [
        "check",
        "--config",
        "small",
        "--quiet",
        "--max-memory-mb",
        "3000",
    ];
    let full = mvsim(&[&base[..], &["--json", &path_text(&json)]].concat());
    assert_eq!(full.status.code(), Some(0), "{}", text(&full.stdout));
    let result = read_json(&json);
    assert_schema("check-result.schema.json", &result);
    assert_eq!(result["complete"], true);
    assert_eq!(result["exit_status"], 0);
    let total = result["total_states"]
        .as_u64()
        .expect("a count")
        .to_string();
    let exact = mvsim(
        &[
            &base[..],
            &["--max-states", &total, "--json", &path_text(&json)],
        ]
        .concat(),
    );
    assert_eq!(exact.status.code(), Some(0), "{}", text(&exact.stdout));
    assert!(text(&exact.stdout).contains("outcome: complete"));
    assert_eq!(read_json(&json)["complete"], true);

    let junit = dir.join("bounded.xml");
    let bounded = mvsim(
        &[
            &base[..],
            &[
                "--max-states",
                "1",
                "--json",
                &path_text(&json),
                "--junit",
                &path_text(&junit),
            ],
        ]
        .concat(),
    );
    assert_eq!(bounded.status.code(), Some(3), "{}", text(&bounded.stdout));
    let result = read_json(&json);
    assert_schema("check-result.schema.json", &result);
    assert_eq!(result["complete"], false);
    assert_eq!(result["interrupted"], false);
    assert_eq!(result["exit_status"], 3);
    assert!(result["outcome"]
        .as_str()
        .expect("text")
        .starts_with("bound reached (--max-states 1)"));
    assert_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(xml.contains("<testcase name=\"complete\" classname=\"check.post.small\">"));
    assert!(xml.contains("type=\"incomplete\""));
    // Results are written atomically: no temporary file is left beside them.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["bounded.xml", "full.json"]);
}

#[test]
fn a_timeout_stops_the_search_with_status_1_or_3() {
    let dir = scratch("timeout");
    let json = dir.join("result.json");
    let started = Instant::now();
    let output = mvsim(&[
        "check",
        "--config",
        "ci",
        "--quiet",
        "--max-memory-mb",
        "3000",
        "--timeout",
        "1",
        "--json",
        &path_text(&json),
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let result = read_json(&json);
    assert_schema("check-result.schema.json", &result);
    assert_eq!(result["complete"], false);
    let counted = result["properties"]
        .as_array()
        .expect("properties")
        .iter()
        .any(|property| property["counted"] == true);
    let expected = if counted { 1 } else { 3 };
    assert_eq!(
        output.status.code(),
        Some(expected),
        "{}",
        text(&output.stdout)
    );
    assert_eq!(result["exit_status"], expected);
    assert!(result["outcome"]
        .as_str()
        .expect("text")
        .starts_with("bound reached (--timeout 1s)"));
}

#[test]
fn check_violations_count_unless_allowed_and_junit_has_one_case_per_property() {
    let dir = scratch("check-violations");
    let json = dir.join("pre.json");
    let junit = dir.join("pre.xml");
    let base = [
        "check",
        "--engine",
        "pre",
        "--config",
        "small",
        "--quiet",
        "--max-memory-mb",
        "3000",
    ];
    let output = mvsim(
        &[
            &base[..],
            &["--json", &path_text(&json), "--junit", &path_text(&junit)],
        ]
        .concat(),
    );
    assert_eq!(output.status.code(), Some(1));
    let result = read_json(&json);
    assert_schema("check-result.schema.json", &result);
    let properties = result["properties"].as_array().expect("properties");
    let violated: Vec<&str> = properties
        .iter()
        .filter(|property| property["verdict"] == "violated")
        .map(|property| property["name"].as_str().expect("name"))
        .collect();
    assert!(
        violated.contains(&"watermark_within_source_data"),
        "{violated:?}"
    );
    assert_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("junit");
    // One case per property, plus one per accepted finding seen and per new signature.
    let findings = &result["findings"];
    let count = |key: &str| findings[key].as_array().expect("findings").len();
    let (accepted_findings, new_findings) = (count("accepted"), count("new"));
    assert!(
        new_findings > 0,
        "pre's bugs are new against the post baseline"
    );
    assert_eq!(
        xml.matches("<testcase ").count(),
        properties.len()
            + accepted_findings
            + new_findings
            + count("not_reproduced")
            + count("unreached")
    );
    // A violated property whose every witness the baseline explains (pre's re-dispatched
    // APPEND is F2's signature) is accepted, not a failure; each new signature is one.
    let accepted = properties
        .iter()
        .filter(|property| property["verdict"] == "violated" && property["accepted"] == true)
        .count();
    assert_eq!(
        xml.matches("<failure ").count(),
        violated.len() - accepted + new_findings
    );

    let mut allowed = base.to_vec();
    for name in &violated {
        allowed.extend(["--accept-property", name]);
    }
    allowed.extend(["--json", "-", "--junit"]);
    let junit_allowed = path_text(&dir.join("allowed.xml"));
    allowed.push(&junit_allowed);
    let output = mvsim(&allowed);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    // --json -: the JSON alone on stdout, the human report on stderr.
    let result: Value = serde_json::from_slice(&output.stdout).expect("stdout is the JSON");
    assert_schema("check-result.schema.json", &result);
    assert_eq!(result["exit_status"], 0);
    assert!(text(&output.stderr).contains("outcome: complete"));
    assert_junit(Path::new(&junit_allowed));
    let xml = std::fs::read_to_string(&junit_allowed).expect("junit");
    assert_eq!(xml.matches("<failure ").count(), 0);
    assert_eq!(xml.matches("<skipped ").count(), violated.len());
}

fn spawn(args: &[&str]) -> Child {
    Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mvsim starts")
}

/// Sends SIGINT to `child` after `delay` and returns its output (within 60 s).
fn interrupt_after(child: Child, delay: Duration) -> Output {
    std::thread::sleep(delay);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let started = Instant::now();
    let output = child.wait_with_output().expect("the child ends");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    output
}

#[test]
fn sigint_stops_check_with_the_partial_result_and_status_130() {
    let dir = scratch("sigint-check");
    let json = dir.join("result.json");
    let junit = dir.join("result.xml");
    let child = spawn(&[
        "check",
        "--config",
        "ci",
        "--quiet",
        "--max-memory-mb",
        "3000",
        "--json",
        &path_text(&json),
        "--junit",
        &path_text(&junit),
    ]);
    let output = interrupt_after(child, Duration::from_secs(2));
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("outcome: interrupted (SIGINT)"));
    let result = read_json(&json);
    assert_schema("check-result.schema.json", &result);
    assert_eq!(result["interrupted"], true);
    assert_eq!(result["complete"], false);
    assert_eq!(result["exit_status"], 130);
    assert!(result["unique_states"].as_u64().expect("count") > 0);
    assert_junit(&junit);
}

#[test]
fn sigint_stops_a_family_keeping_the_members_already_checked_and_status_130() {
    let dir = scratch("sigint-family");
    let json = dir.join("summary.json");
    let child = spawn(&[
        "check",
        "--family",
        "ci-family",
        "--engine",
        "post",
        "--quiet",
        "--max-memory-mb",
        "3000",
        "--json",
        &path_text(&json),
    ]);
    let output = interrupt_after(child, Duration::from_secs(3));
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("INTERRUPTED (SIGINT)"));
    let summary = read_json(&json);
    assert_eq!(summary["interrupted"], true);
    let checked = summary["checked"].as_u64().expect("checked");
    let unchecked = summary["unchecked"].as_u64().expect("unchecked");
    assert!(
        checked > 0 && unchecked > 0,
        "{checked} checked, {unchecked} not"
    );
    assert_eq!(
        checked + unchecked,
        summary["members_total"].as_u64().expect("total")
    );
    assert_eq!(
        summary["member_states"]
            .as_object()
            .expect("per-member states")
            .len() as u64,
        checked
    );
}

#[test]
fn sigint_stops_sweep_with_a_summary_of_the_seeds_that_ran_and_status_130() {
    let dir = scratch("sigint-sweep");
    let json = dir.join("summary.json");
    let junit = dir.join("summary.xml");
    let child = spawn(&[
        "sweep",
        "--seeds",
        "0..100000000",
        "--jobs",
        "2",
        "--quiet",
        "--json",
        &path_text(&json),
        "--junit",
        &path_text(&junit),
    ]);
    let output = interrupt_after(child, Duration::from_secs(2));
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let summary = read_json(&json);
    assert_schema("sweep-summary.schema.json", &summary);
    assert_eq!(summary["interrupted"], true);
    assert_eq!(summary["complete"], false);
    assert_eq!(summary["exit_status"], 130);
    let runs = summary["runs"].as_u64().expect("runs");
    assert!(runs > 0);
    // The range ends after the last seed that ran: the summary is consistent (read checks
    // runs == the seeds of its ranges) and covers exactly seeds 0..runs.
    assert_eq!(summary["ranges"][0]["end"].as_u64(), Some(runs));
    mvsim_sim::simulate::SweepSummary::read(&json).expect("a consistent summary");
    assert_junit(&junit);
    assert!(std::fs::read_to_string(&junit)
        .expect("junit")
        .contains("interrupted (SIGINT)"));
}

#[test]
fn sigint_stops_simulate_with_a_replayable_trace_and_status_130() {
    let dir = scratch("sigint-simulate");
    let trace = dir.join("trace.json");
    let child = spawn(&[
        "simulate",
        "--seed",
        "1",
        "--duration-ms",
        "31536000000",
        "--steps-max",
        "100000000",
        "--faults",
        "none",
        "--quiet",
        "--trace-out",
        &path_text(&trace),
    ]);
    let output = interrupt_after(child, Duration::from_secs(1));
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("interrupted (SIGINT)"));
    let recording = read_json(&trace);
    assert_schema("simulation-trace.schema.json", &recording);
    assert_eq!(recording["interrupted"], true);
    assert_eq!(recording["complete"], false);
    let replay = mvsim(&["replay", "--trace", &path_text(&trace)]);
    assert!(
        matches!(replay.status.code(), Some(0 | 1)),
        "{}{}",
        text(&replay.stdout),
        text(&replay.stderr)
    );
    assert!(text(&replay.stdout).contains("reproduces the recorded run"));
}

fn sweep_shard(dir: &Path, name: &str, seeds: &str, shard: &str) -> String {
    let path = path_text(&dir.join(name));
    let output = mvsim(&[
        "sweep", "--engine", "pre", "--seeds", seeds, "--shard", shard, "--quiet", "--json", &path,
    ]);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        text(&output.stderr)
    );
    path
}

#[test]
fn sweep_merge_refuses_double_counting_mixed_shards_and_overwriting_an_input() {
    let dir = scratch("merge");
    let a = sweep_shard(&dir, "a.json", "0..4", "0/2");
    let b = sweep_shard(&dir, "b.json", "0..4", "1/2");
    let wider = sweep_shard(&dir, "wider.json", "2..8", "0/2");
    let quarter = sweep_shard(&dir, "quarter.json", "0..4", "0/4");
    let mut impossible = read_json(Path::new(&a));
    impossible["ranges"][0]["shard_index"] = 5.into();
    let impossible_path = path_text(&dir.join("impossible.json"));
    std::fs::write(&impossible_path, impossible.to_string()).expect("write");
    let mut miscounted = read_json(Path::new(&a));
    miscounted["runs"] = 7.into();
    let miscounted_path = path_text(&dir.join("miscounted.json"));
    std::fs::write(&miscounted_path, miscounted.to_string()).expect("write");
    let cases: &[(&[&str], &str)] = &[
        (
            &["sweep", "--merge", &a, &wider],
            "overlap (seed 2 would be counted twice)",
        ),
        (&["sweep", "--merge", &a, &quarter], "mixed shard counts"),
        (
            &["sweep", "--merge", &impossible_path],
            "impossible shard 5/2",
        ),
        (
            &["sweep", "--merge", &miscounted_path],
            "7 runs recorded but its ranges hold 2 seeds",
        ),
        (
            &["sweep", "--merge", &a, &b, "--json", &a],
            "is also an input of --merge",
        ),
        (&["sweep", "--merge", &a, &a], "names"),
    ];
    for (args, message) in cases {
        assert_bad_input(args, message);
    }
    let before = std::fs::read_to_string(&a).expect("a");
    let all = path_text(&dir.join("all.json"));
    let junit = dir.join("all.xml");
    let merged = mvsim(&[
        "sweep",
        "--merge",
        &a,
        &b,
        "--json",
        &all,
        "--junit",
        &path_text(&junit),
    ]);
    assert_eq!(merged.status.code(), Some(1), "{}", text(&merged.stderr));
    assert_eq!(
        std::fs::read_to_string(&a).expect("a"),
        before,
        "inputs untouched"
    );
    let summary = read_json(Path::new(&all));
    assert_schema("sweep-summary.schema.json", &summary);
    assert_eq!(summary["runs"], 4);
    assert_eq!(summary["complete"], true);
    assert_eq!(summary["exit_status"], 1);
    assert_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("junit");
    let failures = summary["failures"].as_object().expect("failures").len();
    assert!(failures > 0);
    assert_eq!(xml.matches("<failure ").count(), failures);
}

#[test]
fn sweep_json_to_stdout_keeps_the_report_on_stderr() {
    let output = mvsim(&["sweep", "--seeds", "0..3", "--quiet", "--json", "-"]);
    assert!(matches!(output.status.code(), Some(0 | 1)));
    let summary: Value = serde_json::from_slice(&output.stdout).expect("stdout is the JSON");
    assert_schema("sweep-summary.schema.json", &summary);
    assert_eq!(
        summary["exit_status"].as_i64(),
        output.status.code().map(i64::from)
    );
    assert!(text(&output.stderr).contains("runs       3 seeds"));
}

#[test]
fn simulate_traces_and_shrunk_traces_match_their_schema() {
    let dir = scratch("trace-schema");
    let trace = dir.join("f8.json");
    let output = mvsim(&[
        "simulate",
        "--seed",
        "43",
        "--workload",
        "stalls,backfills,refreshes,retention,timeless,bursts",
        "--quiet",
        "--trace-out",
        &path_text(&trace),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let recording = read_json(&trace);
    assert_schema("simulation-trace.schema.json", &recording);
    assert_eq!(recording["exit_status"], 1);
    let shrunk = read_json(&dir.join("f8.shrunk.json"));
    assert_schema("simulation-trace.schema.json", &shrunk);
    assert!(shrunk["shrunk"].is_object());
    // The schema is not a mirror: a trace without its format, or with a bad phase, fails.
    let mut broken = recording.clone();
    broken.as_object_mut().expect("object").remove("format");
    assert!(!schema("simulation-trace.schema.json").is_valid(&broken));
    let mut broken = recording;
    broken["expected"][0]["phase"] = "Sometime".into();
    assert!(!schema("simulation-trace.schema.json").is_valid(&broken));
}

#[test]
fn simulate_prints_progress_lines_on_stderr() {
    let output = Command::new(BIN)
        .args(["simulate", "--seed", "3"])
        .env("MVSIM_PROGRESS_SECONDS", "0")
        .output()
        .expect("runs");
    assert!(matches!(output.status.code(), Some(0 | 1)));
    let stderr = text(&output.stderr);
    assert!(
        stderr
            .lines()
            .any(|line| line.starts_with("progress: ") && line.contains(" steps, t=+")),
        "{stderr}"
    );
    assert!(!text(&output.stdout).contains("progress: "));
}

/// A scenario directory holding a copy of `znrecord_sweep_fixture` with its data files
/// changed by `edit`.
fn fixture_dir(name: &str, edit: impl FnOnce(&Path)) -> String {
    let dir = scratch(name);
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    std::fs::create_dir_all(dir.join("data")).expect("data dir");
    std::fs::copy(
        scenarios.join("znrecord_sweep_fixture.toml"),
        dir.join("znrecord_sweep_fixture.toml"),
    )
    .expect("copy");
    for file in [
        "valid_empty_sweep_fixture.json",
        "valid_empty_sweep_segments.json",
    ] {
        std::fs::copy(
            scenarios.join("data").join(file),
            dir.join("data").join(file),
        )
        .expect("copy");
    }
    edit(&dir.join("data"));
    path_text(&dir)
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut value = read_json(path);
    edit(&mut value);
    std::fs::write(path, serde_json::to_string_pretty(&value).expect("json")).expect("write");
}

#[test]
fn bad_data_files_are_refused_and_dropped_keys_are_warned_about() {
    let backwards = fixture_dir("segments-backwards", |data| {
        edit_json(&data.join("valid_empty_sweep_segments.json"), |segments| {
            segments[0]["startTimeMs"] = "90000000".into();
            segments[0]["endTimeMs"] = "89000000".into();
        });
    });
    assert_bad_input(
        &["scenario", "--dir", &backwards, "run", "--all"],
        "endTimeMs 89000000 is before startTimeMs 90000000",
    );
    let negative = fixture_dir("negative-count", |data| {
        edit_json(&data.join("valid_empty_sweep_fixture.json"), |record| {
            record["mapFields"]["86400000"]["segmentCount"] = "-1".into();
        });
    });
    assert_bad_input(
        &["scenario", "--dir", &negative, "run", "--all"],
        "negative segment count -1",
    );
    let dropped = fixture_dir("dropped-key", |data| {
        edit_json(&data.join("valid_empty_sweep_fixture.json"), |record| {
            let bucket = record["mapFields"]["86400000"].clone();
            record["mapFields"]["day-two"] = bucket;
        });
    });
    let output = mvsim(&["scenario", "--dir", &dropped, "run", "--all", "--brief"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("mvsim: warning: "), "{stderr}");
    assert!(
        stderr.contains(
            "mapFields.\"day-two\": not a bucket (not a decimal long); skipped, as Pinot does"
        ),
        "{stderr}"
    );
}

#[test]
fn scenario_junit_has_one_case_per_scenario_and_engine() {
    let dir = scratch("scenario-junit");
    let junit = dir.join("scenarios.xml");
    let output = mvsim(&[
        "scenario",
        "run",
        "--all",
        "--brief",
        "--junit",
        &path_text(&junit),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert_junit(&junit);
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert_eq!(
        xml.matches("<testcase ").count(),
        text(&output.stdout).lines().count()
    );
    assert_eq!(xml.matches("<failure ").count(), 0);
    // A scenario whose expectation is wrong is a failed case.
    let failing = fixture_dir("scenario-junit-fail", |_| {});
    let toml = Path::new(&failing).join("znrecord_sweep_fixture.toml");
    let text_before = std::fs::read_to_string(&toml).expect("toml");
    std::fs::write(
        &toml,
        text_before.replace("watermark = 172800000", "watermark = 86400000"),
    )
    .expect("write");
    let junit = dir.join("failing.xml");
    let output = mvsim(&[
        "scenario",
        "--dir",
        &failing,
        "run",
        "--all",
        "--brief",
        "--junit",
        &path_text(&junit),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_junit(&junit);
    assert_eq!(
        std::fs::read_to_string(&junit)
            .expect("junit")
            .matches("<failure ")
            .count(),
        2
    );
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = mvsim(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = text(&output.stdout);
        assert!(script.contains("mvsim"), "{shell}");
        assert!(
            script.contains("max-states"),
            "{shell}: subcommand options completed"
        );
    }
}
