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
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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
            assert!(is_sha1(&java.blob), "{}: {}: not a SHA-1: {}", model.file, java.path, java.blob);
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
        assert!(blobs.contains_key(path.as_str()), "{core} ({path}) is not listed");
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
    assert_eq!(listed.len(), sources.model.len(), "a model file is listed twice");
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
        let recorded: BTreeSet<String> = model.java.iter().map(|java| java.abbrev.clone()).collect();
        if cites != recorded {
            problems.push(format!(
                "{file}: cites {:?}, model/java-sources.toml records {:?}",
                cites, recorded
            ));
        }
        if text.contains("ZNRecord.java") && model.external.is_empty() {
            problems.push(format!("{file}: cites Helix's ZNRecord.java; list it under `external`"));
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
    let found = cited("see pre:CM:378 and MaterializedViewRuntimeMetadataUtils.java:38; RPM:1", &abbreviations);
    assert_eq!(found, BTreeSet::from(["CM".to_string(), "RMU".to_string()]));
}
