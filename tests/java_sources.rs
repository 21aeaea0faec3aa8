//! model/java-sources.toml (the Pinot files the model cites, per model file, with their
//! blob hashes; scripts/check-java-sources.sh compares them with a Pinot checkout) parses,
//! names every model/src/*.rs, and lists for each exactly the files it cites.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sources {
    pinot_commit: String,
    abbreviations: BTreeMap<String, String>,
    model: Vec<ModelFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    file: String,
    #[serde(default)]
    external: Vec<String>,
    java: Vec<JavaFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JavaFile {
    abbrev: String,
    path: String,
    blob: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sources() -> Sources {
    let text = std::fs::read_to_string(root().join("model/java-sources.toml"))
        .expect("model/java-sources.toml is readable");
    toml::from_str(&text).unwrap_or_else(|error| panic!("model/java-sources.toml: {error}"))
}

fn is_sha1(text: &str) -> bool {
    text.len() == 40
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The abbreviations `text` cites: `ABBR:<digit>` (also `pre:ABBR:...`) not preceded by a
/// letter, or the file's name (`MaterializedViewRuntimeMetadataUtils.java:38`).
fn cited(text: &str, abbreviations: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (abbrev, path) in abbreviations {
        let pattern = format!("{abbrev}:");
        let by_abbrev = text.match_indices(&pattern).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + pattern.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphabetic())
                && after.is_some_and(|c| c.is_ascii_digit())
        });
        let name = path.rsplit('/').next().unwrap_or(path);
        let by_name = text.match_indices(name).any(|(at, _)| {
            !text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric())
        });
        if by_abbrev || by_name {
            found.insert(abbrev.clone());
        }
    }
    found
}

#[test]
fn java_sources_parse_and_hashes_are_consistent() {
    let sources = sources();
    assert!(
        is_sha1(&sources.pinot_commit) && sources.pinot_commit.starts_with("ca5c042d034"),
        "pinot_commit is the post commit: {}",
        sources.pinot_commit
    );
    let mut blobs: BTreeMap<&str, &str> = BTreeMap::new();
    for model in &sources.model {
        for java in &model.java {
            assert!(
                is_sha1(&java.blob),
                "{}: {}: not a SHA-1: {}",
                model.file,
                java.path,
                java.blob
            );
            assert_eq!(
                sources.abbreviations.get(&java.abbrev),
                Some(&java.path),
                "{}: {} is not the path of {}",
                model.file,
                java.path,
                java.abbrev
            );
            let previous = blobs.insert(&java.path, &java.blob);
            assert!(
                previous.is_none_or(|blob| blob == java.blob),
                "{} has two blobs",
                java.path
            );
        }
    }
    assert!(blobs.len() >= 15, "only {} Pinot files listed", blobs.len());
    // The engine's core files are all listed.
    for core in ["PM", "SCH", "EX", "CM", "RW", "MC", "PHRM", "SDM"] {
        let path = &sources.abbreviations[core];
        assert!(
            blobs.contains_key(path.as_str()),
            "{core} ({path}) is not listed"
        );
    }
}

#[test]
fn java_sources_name_every_model_file_with_exactly_its_citations() {
    let sources = sources();
    let listed: BTreeMap<&str, &ModelFile> = sources
        .model
        .iter()
        .map(|model| (model.file.as_str(), model))
        .collect();
    assert_eq!(
        listed.len(),
        sources.model.len(),
        "a model file is listed twice"
    );
    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(root().join("model/src")).expect("model/src") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "rs") {
            on_disk.insert(format!(
                "model/src/{}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    let listed_files: BTreeSet<String> = listed.keys().map(|file| file.to_string()).collect();
    assert_eq!(
        listed_files, on_disk,
        "model/java-sources.toml must list every model/src/*.rs (and no other)"
    );
    let mut problems = Vec::new();
    for file in &on_disk {
        let text = std::fs::read_to_string(root().join(file)).expect("model file");
        let cites = cited(&text, &sources.abbreviations);
        let model = listed[file.as_str()];
        let recorded: BTreeSet<String> =
            model.java.iter().map(|java| java.abbrev.clone()).collect();
        if cites != recorded {
            problems.push(format!(
                "{file}: cites {:?}, model/java-sources.toml records {:?}",
                cites, recorded
            ));
        }
        if text.contains("ZNRecord.java") && model.external.is_empty() {
            problems.push(format!(
                "{file}: cites Helix's ZNRecord.java; list it under `external`"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "update model/java-sources.toml (blob: git -C PINOT ls-tree ca5c042d034 PATH):\n{}",
        problems.join("\n")
    );
}

#[test]
fn citation_scan_finds_abbreviations_and_file_names() {
    let abbreviations: BTreeMap<String, String> = [
        ("CM", "a/MaterializedViewConsistencyManager.java"),
        ("PM", "a/MaterializedViewPartitionManager.java"),
        ("RM", "a/MaterializedViewRuntimeMetadata.java"),
        ("RMU", "a/MaterializedViewRuntimeMetadataUtils.java"),
    ]
    .into_iter()
    .map(|(a, p)| (a.to_string(), p.to_string()))
    .collect();
    let found = cited(
        "see pre:CM:378 and MaterializedViewRuntimeMetadataUtils.java:38; RPM:1",
        &abbreviations,
    );
    assert_eq!(found, BTreeSet::from(["CM".to_string(), "RMU".to_string()]));
}

/// The example workflow's path filters (pull_request and push) name every Pinot file the
/// model cites that the engine-directory glob does not cover.
#[test]
fn workflow_path_filter_covers_every_cited_file() {
    let workflow = std::fs::read_to_string(root().join("docs/ci/pinot-mvsim.yml"))
        .expect("docs/ci/pinot-mvsim.yml");
    let glob = "pinot-materialized-view/src/main/java/org/apache/pinot/materializedview/";
    assert_eq!(
        workflow.matches(&format!("- \"{glob}**\"")).count(),
        2,
        "both triggers filter on the engine directory"
    );
    let sources = sources();
    for model in &sources.model {
        for java in &model.java {
            if java.path.starts_with(glob) {
                continue;
            }
            assert_eq!(
                workflow.matches(&format!("- \"{}\"", java.path)).count(),
                2,
                "docs/ci/pinot-mvsim.yml: add {} (cited by {}) to both path filters",
                java.path,
                model.file
            );
        }
    }
    assert!(workflow.contains("scripts/check-java-sources.sh pinot"));
    assert!(workflow.contains("check --strict-baseline"));
}

/// scripts/check-java-sources.sh on a synthetic checkout: a matching file passes, a changed
/// and a missing one are each reported with the model files citing them (exit 1).
#[test]
fn check_script_reports_changed_and_missing_files() {
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("git not found; skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("mvsim-java-sources-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let checkout = dir.join("pinot");
    std::fs::create_dir_all(checkout.join("a")).unwrap();
    // `hello\n` is blob ce013625030ba8dba906f756967f9e9ca394464a.
    std::fs::write(checkout.join("a/Same.java"), "hello\n").unwrap();
    std::fs::write(checkout.join("a/Changed.java"), "hello, changed\n").unwrap();
    let toml = dir.join("sources.toml");
    let blob = "ce013625030ba8dba906f756967f9e9ca394464a";
    std::fs::write(
        &toml,
        format!(
            "pinot_commit = \"ca5c042d034583271f46cbe71ad6cf69274e5027\"\n\
             [[model]]\nfile = \"model/src/one.rs\"\njava = [\n\
             \x20 {{ abbrev = \"S\", path = \"a/Same.java\", blob = \"{blob}\" }},\n\
             \x20 {{ abbrev = \"C\", path = \"a/Changed.java\", blob = \"{blob}\" }},\n]\n\
             [[model]]\nfile = \"model/src/two.rs\"\njava = [\n\
             \x20 {{ abbrev = \"C\", path = \"a/Changed.java\", blob = \"{blob}\" }},\n\
             \x20 {{ abbrev = \"M\", path = \"a/Missing.java\", blob = \"{blob}\" }},\n]\n"
        ),
    )
    .unwrap();
    let run = || {
        std::process::Command::new("bash")
            .arg(root().join("scripts/check-java-sources.sh"))
            .arg(&checkout)
            .arg(&toml)
            .output()
            .expect("bash runs")
    };
    let output = run();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("changed: a/Changed.java\n")
            && stdout.contains("  cited by: model/src/one.rs, model/src/two.rs\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing: a/Missing.java\n  cited by: model/src/two.rs\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("a/Same.java"), "{stdout}");
    assert!(
        stdout.contains("2 of 3 modelled Pinot files differ"),
        "{stdout}"
    );
    // Restore both: everything matches.
    std::fs::write(checkout.join("a/Changed.java"), "hello\n").unwrap();
    std::fs::write(checkout.join("a/Missing.java"), "hello\n").unwrap();
    let output = run();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
