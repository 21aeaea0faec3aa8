//! The committed sequence diagram of every baseline finding's reproducer scenario
//! (docs/findings/diagrams/<ID>.mmd) is what `mvsim scenario run NAME --engine E --diagram
//! mermaid` prints today, and every diagram there belongs to a baseline finding.

use mvsim_model::Profile;
use mvsim_sim::baseline::Baseline;
use mvsim_sim::scenario;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn baseline() -> Baseline {
    Baseline::load(&root().join("baseline.toml")).expect("baseline.toml loads")
}

/// Findings whose baseline reproducer is a configuration file (a complete search), drawn
/// from the named scenario that tells the same story: (finding id, scenario, engine).
const CONFIG_FINDING_DIAGRAMS: &[(&str, &str, &str)] =
    &[("F18", "delete_reupload_survives_revert", "post")];

/// (finding id, scenario, engine) of every finding with a scenario reproducer, and of the
/// configuration-reproduced findings of [`CONFIG_FINDING_DIAGRAMS`].
fn reproducers() -> Vec<(String, String, String)> {
    let baseline = baseline();
    let mut out: Vec<(String, String, String)> = baseline
        .findings
        .iter()
        .filter_map(|finding| {
            let scenario = finding.reproducer.scenario.clone()?;
            Some((
                finding.id.clone(),
                scenario,
                finding.reproducer.engine.clone(),
            ))
        })
        .collect();
    for (id, scenario, engine) in CONFIG_FINDING_DIAGRAMS {
        let finding = baseline
            .findings
            .iter()
            .find(|finding| finding.id == *id)
            .unwrap_or_else(|| panic!("{id} is a baseline finding"));
        assert!(
            finding.reproducer.config.is_some() && finding.reproducer.engine == *engine,
            "{id}: a configuration reproducer on {engine}"
        );
        out.push((id.to_string(), scenario.to_string(), engine.to_string()));
    }
    out
}

fn diagram_of(scenario_name: &str, engine: &str) -> String {
    let scenarios = scenario::load_dir(&root().join("scenarios")).expect("scenarios load");
    let scenario = scenarios
        .iter()
        .find(|scenario| scenario.name == scenario_name)
        .unwrap_or_else(|| panic!("no scenario {scenario_name}"));
    let outcome = scenario::run(scenario, Profile::by_name(engine).expect("engine"));
    assert!(
        outcome.passed(),
        "{scenario_name} on {engine} does not pass:\n{}",
        outcome.render()
    );
    outcome.diagram.mermaid()
}

fn diagram_path(id: &str) -> PathBuf {
    root()
        .join("docs/findings/diagrams")
        .join(format!("{id}.mmd"))
}

#[test]
fn every_finding_diagram_is_current() {
    let reproducers = reproducers();
    assert!(
        reproducers.len() >= 9,
        "baseline lists {} reproducers",
        reproducers.len()
    );
    let mut stale = Vec::new();
    for (id, scenario, engine) in &reproducers {
        let fresh = diagram_of(scenario, engine);
        let path = diagram_path(id);
        let command = format!(
            "cargo run -q -- scenario run {scenario} --engine {engine} --diagram mermaid > docs/findings/diagrams/{id}.mmd"
        );
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == fresh => {}
            Ok(committed) => {
                let first = committed
                    .lines()
                    .zip(fresh.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()));
                stale.push(format!(
                    "{id}: {} differs from the generated diagram from line {} on\n  committed: {}\n  generated: {}\n  regenerate: {command}",
                    path.display(),
                    first + 1,
                    committed.lines().nth(first).unwrap_or("(end of file)"),
                    fresh.lines().nth(first).unwrap_or("(end of file)"),
                ));
            }
            Err(error) => stale.push(format!(
                "{id}: cannot read {} ({error})\n  generate: {command}",
                path.display()
            )),
        }
    }
    assert!(
        stale.is_empty(),
        "stale finding diagrams:\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_committed_diagram_names_a_finding() {
    let ids: Vec<String> = reproducers().into_iter().map(|(id, _, _)| id).collect();
    let dir = root().join("docs/findings/diagrams");
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("docs/findings/diagrams exists") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "mmd") {
            let id = path.file_stem().unwrap().to_string_lossy().to_string();
            if !ids.contains(&id) {
                orphans.push(id);
            }
        }
    }
    assert!(
        orphans.is_empty(),
        "diagrams of no baseline finding with a scenario reproducer (delete them): {orphans:?}"
    );
}

/// Mermaid's grammar: a message's text ends at `;`, `#` or the line end, and an arrow may
/// only name a declared participant. Every committed diagram obeys it, and has an arrow to
/// the znode (every finding is about what the znode says).
#[test]
fn finding_diagrams_are_well_formed_mermaid() {
    for (id, _, _) in reproducers() {
        let text = std::fs::read_to_string(diagram_path(&id)).unwrap_or_default();
        check_mermaid(&id, &text);
    }
}

fn check_mermaid(id: &str, text: &str) {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("sequenceDiagram"), "{id}");
    let mut declared: Vec<&str> = Vec::new();
    let mut arrows = 0;
    let mut to_znode = false;
    for line in lines {
        let line = line.trim();
        if line.starts_with("%%") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("participant ") {
            declared.push(rest.split(' ').next().unwrap());
            continue;
        }
        let (head, message) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("{id}: line without a message: {line}"));
        assert!(
            !message.contains(';') && !message.contains('#'),
            "{id}: `;` or `#` ends a Mermaid message early: {line}"
        );
        assert!(
            message.chars().count() <= 600,
            "{id}: label too long: {line}"
        );
        if let Some(over) = head.strip_prefix("Note over ") {
            for lane in over.split(',') {
                assert!(declared.contains(&lane), "{id}: undeclared {lane}: {line}");
            }
            continue;
        }
        let arrow = ["-->>", "->>", "-x"]
            .into_iter()
            .find(|arrow| head.contains(arrow))
            .unwrap_or_else(|| panic!("{id}: not an arrow: {line}"));
        let (from, to) = head.split_once(arrow).unwrap();
        assert!(declared.contains(&from), "{id}: undeclared {from}: {line}");
        assert!(declared.contains(&to), "{id}: undeclared {to}: {line}");
        for part in message.split("<br/>") {
            assert!(
                part.chars().count() <= mvsim_sim::diagram::LINE_MAX,
                "{id}: line longer than LINE_MAX: {part}"
            );
        }
        arrows += 1;
        to_znode |= to == "znode";
    }
    assert!(arrows > 0, "{id}: no arrow");
    assert!(to_znode, "{id}: no arrow to the znode");
}

/// The diagram of a checker path: F1's counterexample on `ci` (the README's trace) draws
/// the settle's effectful steps, the quiescent znode and the violated property.
#[test]
fn checker_path_diagram_includes_the_settle() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mvsim"))
        .args([
            "check",
            "--engine",
            "post",
            "--config",
            "ci",
            "--no-faults",
            "--max-memory-mb",
            "3000",
            "--path",
            "0/1/1/1/1/1/1/1/2/2/2/2/0/0/2",
            "--diagram",
            "mermaid",
        ])
        .output()
        .expect("mvsim runs");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert_eq!(
        output.status.code(),
        Some(1),
        "a violation replays:\n{text}"
    );
    check_mermaid("F1 path", &text);
    assert!(text.contains("Note over"), "{text}");
    assert!(text.contains("settle: no more events or faults"), "{text}");
    assert!(
        text.contains(
            "appendValid cas write<br/>v0->v1: [1200] absent->VALID fp(2:19cb), wm 1200->1300"
        ),
        "{text}"
    );
    assert!(
        text.contains("VIOLATED quiescent_buckets_match_source"),
        "{text}"
    );
}

#[test]
fn diagram_bad_input_is_one_line_error() {
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_mvsim"))
            .args(args)
            .output()
            .expect("mvsim runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).to_string(),
        )
    };
    let (code, stderr) = run(&["scenario", "run", "lifecycle", "--diagram", "svg"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("mvsim: error: --diagram: unknown format `svg`"),
        "{stderr}"
    );
    let (code, stderr) = run(&["check", "--diagram", "mermaid", "--max-memory-mb", "3000"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("mvsim: error: --diagram draws a replay"),
        "{stderr}"
    );
    let (code, stderr) = run(&["scenario", "run", "lifecycle", "--diagram", "mermaid"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("mvsim: error: --diagram draws one run"),
        "{stderr}"
    );
}
