//! The scenario library: every scenario in `scenarios/` runs on each of its engines, must
//! meet its expectations, and its rendered trace and verdict must match the committed insta
//! snapshot `tests/snapshots/scenarios__<scenario>__<engine>.snap`. A change in engine
//! behaviour therefore shows up as a reviewable snapshot diff (`cargo insta review`, see
//! docs/scenarios.md). Also: malformed scenario files and unknown engines are one-line
//! errors with file and line, and a step that is not enabled is a clear error.

use mvsim_sim::scenario::{self, LoadError, Scenario, Verdict};
use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `scenarios/`, named relative to the package root (the test's working directory), so
/// that the file names in the snapshots do not depend on the checkout's location.
fn scenario_dir() -> PathBuf {
    let relative = PathBuf::from("scenarios");
    assert!(
        relative.is_dir(),
        "integration tests run in the package root, where scenarios/ lives"
    );
    relative
}

fn library() -> Vec<Scenario> {
    scenario::load_dir(&scenario_dir()).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn every_scenario_meets_its_expectations_and_matches_its_snapshot() {
    let scenarios = library();
    assert!(
        scenarios.len() >= 10,
        "the library has at least ten scenarios"
    );
    let mut failures = Vec::new();
    for scenario in &scenarios {
        for engine in &scenario.engines {
            let outcome = scenario::run(scenario, *engine);
            if outcome.verdict() != Verdict::Pass {
                failures.push(format!(
                    "{} on {}: {}",
                    scenario.name,
                    engine.name,
                    outcome.headline()
                ));
            }
            let name = format!("{}__{}", scenario.name, engine.name);
            let text = outcome.render();
            let compared = catch_unwind(AssertUnwindSafe(|| {
                insta::assert_snapshot!(name.as_str(), text);
            }));
            if compared.is_err() {
                failures.push(format!("snapshot {name} differs or is missing"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} scenario run(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_snapshot_belongs_to_a_scenario_run() {
    let expected: BTreeSet<String> = library()
        .iter()
        .flat_map(|scenario| {
            scenario
                .engines
                .iter()
                .map(move |engine| format!("scenarios__{}__{}.snap", scenario.name, engine.name))
        })
        .collect();
    let snapshots = Path::new("tests/snapshots");
    let Ok(entries) = std::fs::read_dir(snapshots) else {
        return;
    };
    let orphans: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("scenarios__") && name.ends_with(".snap"))
        .filter(|name| !expected.contains(name))
        .collect();
    assert!(
        orphans.is_empty(),
        "snapshots without a scenario run (delete them): {orphans:?}"
    );
}

#[test]
fn every_scenario_file_starts_with_a_header_comment() {
    for scenario in library() {
        let text = std::fs::read_to_string(&scenario.file).expect("scenario file readable");
        let header: Vec<&str> = text
            .lines()
            .take_while(|line| line.starts_with('#'))
            .collect();
        assert!(
            header.len() >= 3,
            "{}: the file starts with a header comment (what it shows, covers, the verdict)",
            scenario.file
        );
        let header = header.join("\n");
        for part in ["Shows:", "Covers:", "Verdict:"] {
            assert!(
                header.contains(part),
                "{}: the header has `{part}`",
                scenario.file
            );
        }
    }
}

#[test]
fn runs_are_deterministic() {
    let scenarios = library();
    let scenario = scenarios
        .iter()
        .find(|scenario| scenario.name == "delete_race_residual")
        .expect("delete_race_residual exists");
    let engine = scenario.engines[0];
    assert_eq!(
        scenario::run(scenario, engine).render(),
        scenario::run(scenario, engine).render()
    );
}

// ------------------------------------------------------------------ malformed files

const GOOD: &str = r#"# header
name = "bad"
description = "d"
engines = ["post"]

[script]
steps = [
  { do = "scheduler.cycle" },
]

[expect.post]
"#;

fn load_error(text: &str) -> String {
    match scenario::parse(text, "scenarios/bad.toml", Path::new("scenarios")) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(LoadError { message }) => {
            assert!(!message.contains('\n'), "one line: {message}");
            message
        }
    }
}

#[test]
fn a_well_formed_file_parses() {
    let scenario = scenario::parse(GOOD, "scenarios/bad.toml", Path::new("scenarios"))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(scenario.steps.len(), 1);
}

#[test]
fn toml_syntax_error_names_file_line_and_expectation() {
    let text = GOOD.replace("engines = [\"post\"]", "engines = \"post\" \"pre\"");
    let message = load_error(&text);
    assert!(message.starts_with("scenarios/bad.toml:4:"), "{message}");
    assert!(message.contains("expected"), "{message}");
}

#[test]
fn unknown_step_lists_the_vocabulary() {
    let message = load_error(&GOOD.replace("scheduler.cycle", "scheduler.cycl"));
    assert!(message.starts_with("scenarios/bad.toml:8:"), "{message}");
    assert!(
        message.contains("step 1: unknown step `scheduler.cycl`; expected one of: clock.tick"),
        "{message}"
    );
}

#[test]
fn wrong_type_names_the_line() {
    let text = GOOD.replace(
        "{ do = \"scheduler.cycle\" }",
        "{ do = \"run\", steps_max = \"many\" }",
    );
    let message = load_error(&text);
    assert!(message.starts_with("scenarios/bad.toml:8:"), "{message}");
    assert!(message.contains("expected u32"), "{message}");
}

#[test]
fn a_field_the_step_does_not_take_is_an_error() {
    let text = GOOD.replace(
        "{ do = \"scheduler.cycle\" }",
        "{ do = \"scheduler.cycle\", task = \"APPEND 1000\" }",
    );
    let message = load_error(&text);
    assert!(message.starts_with("scenarios/bad.toml:8:"), "{message}");
    assert!(
        message.contains("`scheduler.cycle` takes no `task`; it takes: `until`"),
        "{message}"
    );
}

#[test]
fn unknown_top_level_key_is_an_error() {
    let message = load_error(&GOOD.replace("description = \"d\"", "descripton = \"d\""));
    assert!(message.starts_with("scenarios/bad.toml:3:"), "{message}");
    assert!(message.contains("unknown field `descripton`"), "{message}");
}

#[test]
fn unknown_engine_in_a_file_lists_the_profiles() {
    let message =
        load_error(&GOOD.replace("engines = [\"post\"]", "engines = [\"post\", \"prost\"]"));
    assert!(message.starts_with("scenarios/bad.toml:4:"), "{message}");
    assert!(
        message.contains("unknown engine profile 'prost' (expected one of: pre, post,"),
        "{message}"
    );
}

#[test]
fn every_engine_needs_an_expect_table() {
    let message =
        load_error(&GOOD.replace("engines = [\"post\"]", "engines = [\"post\", \"pre\"]"));
    assert!(message.starts_with("scenarios/bad.toml:4:"), "{message}");
    assert!(
        message.contains("engine `pre` has no [expect.pre] table"),
        "{message}"
    );
}

#[test]
fn unknown_property_and_wrong_kind_are_errors() {
    let text = format!("{GOOD}violated = [\"watermark_monotnic\"]\n");
    let message = load_error(&text);
    assert!(message.starts_with("scenarios/bad.toml:12:"), "{message}");
    assert!(
        message.contains("unknown property `watermark_monotnic`"),
        "{message}"
    );
    let text = format!("{GOOD}violated = [\"settles\"]\n");
    let message = load_error(&text);
    assert!(message.contains("set `quiescence = true`"), "{message}");
}

#[test]
fn bad_bucket_and_task_notation_are_errors() {
    let text = format!("{GOOD}buckets = {{ 1000 = \"VALID fp\" }}\n");
    let message = load_error(&text);
    assert!(message.starts_with("scenarios/bad.toml:12:"), "{message}");
    assert!(
        message.contains("expected `absent` or `V|S <fingerprint>`"),
        "{message}"
    );
    let text = GOOD.replace(
        "{ do = \"scheduler.cycle\" }",
        "{ do = \"executor.run\", task = \"REFRESH 1000\" }",
    );
    let message = load_error(&text);
    assert!(message.contains("expected `MODE START`"), "{message}");
}

#[test]
fn name_must_match_the_file() {
    let message = load_error(&GOOD.replace("name = \"bad\"", "name = \"good\""));
    assert!(message.starts_with("scenarios/bad.toml:2:"), "{message}");
    assert!(
        message.contains("must equal the file name `bad`"),
        "{message}"
    );
}

#[test]
fn a_step_that_is_not_enabled_is_a_clear_error() {
    let text = GOOD.replace(
        "{ do = \"scheduler.cycle\" }",
        "{ do = \"executor.run\", task = \"DELETE 1100\" }",
    );
    let scenario = scenario::parse(&text, "scenarios/bad.toml", Path::new("scenarios"))
        .unwrap_or_else(|error| panic!("{error}"));
    let outcome = scenario::run(&scenario, scenario.engines[0]);
    assert_eq!(outcome.verdict(), Verdict::Error);
    let error = outcome.error.expect("an error");
    assert_eq!(
        error,
        "scenario bad step 1 (scenarios/bad.toml:8): executor.run DELETE 1100 not enabled: \
         no unfinished task DELETE[1100,1200); tasks: none"
    );
    let text = GOOD.replace("{ do = \"scheduler.cycle\" }", "{ do = \"cm.cas-read\" }");
    let scenario = scenario::parse(&text, "scenarios/bad.toml", Path::new("scenarios"))
        .unwrap_or_else(|error| panic!("{error}"));
    let error = scenario::run(&scenario, scenario.engines[0])
        .error
        .expect("an error");
    assert!(
        error.ends_with(
            "cm.cas-read not enabled; enabled: scheduler.read-watermark (cycle: read watermark), \
             cm.sweep (VALID-empty sweep)"
        ),
        "{error}"
    );
}

// ---------------------------------------------------------------------------- CLI

fn mvsim(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_mvsim"))
        .args(args)
        .output()
        .expect("the mvsim binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn cli_unknown_engine_is_a_clear_error() {
    let (code, _, stderr) = mvsim(&["scenario", "run", "lifecycle", "--engine", "nope"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("unknown engine profile 'nope' (expected one of: pre, post,"),
        "{stderr}"
    );
    let (code, _, stderr) = mvsim(&["report", "--engines", "pre,nope"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown engine profile 'nope'"), "{stderr}");
}

#[test]
fn cli_malformed_file_is_one_line_with_file_and_line() {
    let dir = std::env::temp_dir().join(format!("mvsim-scenario-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("bad.toml");
    std::fs::write(&file, GOOD.replace("scheduler.cycle", "scheduler.cycl")).expect("write");
    let (code, stdout, stderr) =
        mvsim(&["scenario", "list", "--dir", dir.to_str().expect("utf-8")]);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("{}:8:", file.display())),
        "{stderr}"
    );
}

#[test]
fn cli_list_and_run() {
    let (code, stdout, stderr) = mvsim(&["scenario", "list"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("NAME"), "{stdout}");
    assert!(stdout.contains("lifecycle"), "{stdout}");
    let (code, stdout, stderr) = mvsim(&["scenario", "run", "lifecycle", "--engine", "post"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("verdict:   PASS"), "{stdout}");
    let (code, _, stderr) = mvsim(&["scenario", "run", "no_such_scenario"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unknown scenario `no_such_scenario`"),
        "{stderr}"
    );
}

#[test]
fn docs_describe_every_step_verb() {
    let docs = std::fs::read_to_string("docs/scenarios.md").expect("docs/scenarios.md exists");
    let missing: Vec<&str> = scenario::VERBS
        .iter()
        .map(|verb| verb.name)
        .filter(|name| !docs.contains(&format!("`{name}`")))
        .collect();
    assert!(missing.is_empty(), "docs/scenarios.md lacks {missing:?}");
}

#[test]
fn odd_inputs_are_errors_never_panics() {
    let step = |s: &str| GOOD.replace("{ do = \"scheduler.cycle\" }", s);
    let with_initial = |s: &str| format!("{GOOD}\n[initial]\n{s}\n");
    let texts = [
        String::new(),
        "\u{0}\u{1}garbage".to_string(),
        GOOD.replace("engines = [\"post\"]", "engines = []"),
        GOOD.replace("description = \"d\"", "description = \"d\"\nbucket_ms = 0"),
        GOOD.replace("description = \"d\"", "description = \"d\"\nbucket_ms = 9223372036854775807"),
        GOOD.replace("description = \"d\"", "description = \"d\"\nstart_ms = -9223372036854775808"),
        GOOD.replace("description = \"d\"", "description = \"d\"\nmax_tasks_per_batch = 0"),
        step("{ do = \"clock.tick\", times = 300 }"),
        step("{ do = \"clock.tick\", times = 0 }"),
        step("{ do = \"source.upload\", segment = \"s\", start = 9223372036854775807, end = 1, crc = 1 }"),
        step("{ do = \"executor.run\", task = \"APPEND 9223372036854775807\" }"),
        step("{ do = \"executor.run\", task = \"APPEND\" }"),
        step("{ do = \"executor.cas-read\", task = \"APPEND 1\", fault = \"lost-ack\" }"),
        step("{ do = \"cm.flush\", until = \"preprocess\" }"),
        step("{ do = \"source.remove\", segment = \"nope\" }"),
        step("{ do = \"source.refresh\", segment = \"nope\", crc = 1 }"),
        step("{ do = \"run\", steps_max = 0 }"),
        step("{ do = \"settle\", engines = [\"nope\"] }"),
        with_initial("watermark = -5"),
        with_initial("buckets = { 1000 = \"V live\" }"),
        with_initial("watermark = 1\nbuckets = { x = \"V live\" }"),
        with_initial("watermark = 1\nbuckets = { 1000 = \"V 1,x\" }"),
        with_initial("watermark = 1\nbuckets = { 1000 = \"V s1:x\" }"),
        with_initial("znrecord = \"data/does-not-exist.json\""),
        with_initial("segments = \"data/valid_empty_sweep_fixture.json\""),
        with_initial("source = [{ segment = \"a\", start = 1, end = 2, crc = 3 }, { segment = \"a\", start = 1, end = 2, crc = 3 }]"),
    ];
    for text in &texts {
        match scenario::parse(text, "scenarios/bad.toml", Path::new("scenarios")) {
            Err(LoadError { message }) => assert!(!message.contains('\n'), "{message}"),
            Ok(scenario) => {
                for engine in &scenario.engines {
                    let outcome = scenario::run(&scenario, *engine);
                    assert_ne!(outcome.verdict(), Verdict::Unjudged, "{text}");
                }
            }
        }
    }
}
