//! The proposed Java fixes in docs/findings: every `Fn.patch` is the diff shown in its
//! `Fn.md`, and, given a Pinot checkout at HEAD `210c2951e72` in `PINOT_CHECKOUT`, applies
//! there with `git apply --check`. Without `PINOT_CHECKOUT` only the apply check is skipped
//! (scripts/check-finding-patches.sh makes such a checkout from the mirror).

use std::path::{Path, PathBuf};
use std::process::Command;

fn patches() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/findings");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("docs/findings exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "patch"))
        .collect();
    found.sort();
    found
}

#[test]
fn every_fix_has_a_patch_shown_verbatim_in_its_report() {
    let found = patches();
    for id in [
        "F1", "F2", "F3", "F5", "F6", "F8", "F9", "F10", "F11", "F12", "F14", "F15", "F16", "F17",
        "F18", "F19",
    ] {
        assert!(
            found.iter().any(|path| path.file_stem().unwrap() == id),
            "docs/findings/{id}.patch is missing"
        );
    }
    for patch in &found {
        let text = std::fs::read_to_string(patch).expect("patch readable");
        assert!(text.starts_with("diff --git a/"), "{}", patch.display());
        let report = patch.with_extension("md");
        let markdown = std::fs::read_to_string(&report)
            .unwrap_or_else(|_| panic!("{} has no report", patch.display()));
        assert!(
            markdown.contains(&format!("```diff\n{text}```")),
            "{} must show {} verbatim in a ```diff block",
            report.display(),
            patch.display()
        );
    }
}

#[test]
fn every_patch_applies_to_pinot_head() {
    let Some(checkout) = std::env::var_os("PINOT_CHECKOUT") else {
        eprintln!("skipped: set PINOT_CHECKOUT to a Pinot checkout at 210c2951e72");
        return;
    };
    let head = Command::new("git")
        .arg("-C")
        .arg(&checkout)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git runs");
    assert!(
        String::from_utf8_lossy(&head.stdout).starts_with("210c2951e72"),
        "PINOT_CHECKOUT must be at 210c2951e72"
    );
    for patch in patches() {
        let status = Command::new("git")
            .arg("-C")
            .arg(&checkout)
            .args(["apply", "--check"])
            .arg(&patch)
            .status()
            .expect("git runs");
        assert!(status.success(), "{} does not apply", patch.display());
    }
}
