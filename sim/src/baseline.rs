//! The findings baseline: the known findings about Pinot that `mvsim check` accepts, so
//! that CI fails on a *new* finding only.
//!
//! A baseline file (`baseline.toml` at the repository root) lists findings; each has an
//! id, a link to its report, a durable reproducer (a scenario with named steps, or a
//! checker configuration) that a test re-checks, the configurations on which a complete
//! search must see it, and one or more signature patterns
//! ([`mvsim_model::signature::Signature`]): a witness of a violation is accepted when some
//! pattern explains it. The file is versioned by the signature vocabulary it is written in.

use crate::scenario::format::line_column;
use mvsim_model::signature::{Signature, VOCABULARY_VERSION};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The default baseline file, relative to the current directory.
pub const DEFAULT_PATH: &str = "baseline.toml";

/// One accepted finding.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// `F1`, `F2`, ...
    pub id: String,
    /// One line.
    pub title: String,
    /// Its upstream-ready report (a path in this repository).
    pub report: String,
    /// `fix proposed: fix-f1`, `fix pending`, `benign: ...`.
    pub status: String,
    /// A durable reproducer: `scenario:NAME` (a file in scenarios/) or `config:NAME` with
    /// `engine` and extra `check` arguments.
    pub reproducer: Reproducer,
    /// `engine/config` pairs (`post/ci`) on which a complete search must see the finding;
    /// one that does not is reported as "no longer reproduced".
    #[serde(default)]
    pub expected_on: Vec<String>,
    /// Signature patterns (text form); parsed into `patterns` on load.
    pub signatures: Vec<String>,
    #[serde(skip)]
    pub patterns: Vec<Signature>,
}

/// How to reproduce a finding without an action-index path.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Reproducer {
    /// A scenario name (scenarios/NAME.toml), run on `engine`.
    #[serde(default)]
    pub scenario: Option<String>,
    /// A checker configuration, checked on `engine` with `args`.
    #[serde(default)]
    pub config: Option<String>,
    pub engine: String,
    #[serde(default)]
    pub args: Vec<String>,
}

/// A loaded baseline.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The signature vocabulary version the patterns are written in.
    pub vocabulary: u32,
    /// `engine/config` (`post/ci`) -> the `sometimes` properties a complete search there
    /// must reach. A property that guards nothing on a configuration (its antecedent is
    /// never reached) passes vacuously; one that stops being reached is reported as "no
    /// longer reached" and fails `--strict-baseline`, as a finding that stops reproducing
    /// does.
    #[serde(default)]
    pub reached: BTreeMap<String, Vec<String>>,
    #[serde(default, rename = "finding")]
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub path: PathBuf,
}

impl Baseline {
    /// An empty baseline (`--no-baseline`): every violation is new.
    pub fn empty() -> Baseline {
        Baseline {
            vocabulary: VOCABULARY_VERSION,
            reached: BTreeMap::new(),
            findings: Vec::new(),
            path: PathBuf::new(),
        }
    }

    /// `--no-baseline`: accepts nothing. With `--reached-from PATH`, it keeps that file's
    /// `[reached]` (validated as the whole file is) and nothing else, so a complete search
    /// that misses a listed `sometimes` still fails.
    pub fn reached_only(path: Option<&Path>) -> Result<Baseline, String> {
        let mut baseline = Baseline::empty();
        if let Some(path) = path {
            baseline.reached = Baseline::load(path)?.reached;
        }
        Ok(baseline)
    }

    /// Loads and validates a baseline file; errors are one line with `file:line:col`.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = crate::files::read_input(path, "baseline")?;
        Baseline::parse(&text, path)
    }

    /// Parses baseline text (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Baseline, String> {
        let shown = path.display();
        let mut baseline: Baseline = toml::from_str(text).map_err(|error| {
            let (line, column) = error
                .span()
                .map_or((1, 1), |span| line_column(text, span.start));
            format!("{shown}:{line}:{column}: {}", error.message())
        })?;
        if baseline.vocabulary != VOCABULARY_VERSION {
            return Err(format!(
                "{shown}: signature vocabulary {} is not this mvsim's ({VOCABULARY_VERSION}); re-accept the findings with `mvsim baseline`",
                baseline.vocabulary
            ));
        }
        for (on, names) in &baseline.reached {
            if on
                .split_once('/')
                .is_none_or(|(engine, config)| engine.is_empty() || config.is_empty())
            {
                return Err(format!(
                    "{shown}: reached: '{on}' is not an engine/config pair (e.g. \"post/ci\")"
                ));
            }
            for name in names {
                let known = mvsim_model::properties::registry().iter().any(|property| {
                    property.name == name
                        && property.expectation == mvsim_model::properties::Expectation::Sometimes
                });
                if !known {
                    return Err(format!(
                        "{shown}: reached '{on}': '{name}' is not a sometimes property (`mvsim list`)"
                    ));
                }
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for finding in &mut baseline.findings {
            if !ids.insert(finding.id.clone()) {
                return Err(format!("{shown}: finding '{}' listed twice", finding.id));
            }
            if finding.signatures.is_empty() {
                return Err(format!(
                    "{shown}: finding '{}' has no signature",
                    finding.id
                ));
            }
            let reproducer = &finding.reproducer;
            if reproducer.scenario.is_some() == reproducer.config.is_some() {
                return Err(format!(
                    "{shown}: finding '{}': the reproducer needs exactly one of scenario or config",
                    finding.id
                ));
            }
            finding.patterns = finding
                .signatures
                .iter()
                .map(|text| {
                    Signature::parse(text)
                        .map_err(|error| format!("{shown}: finding '{}': {error}", finding.id))
                })
                .collect::<Result<_, _>>()?;
        }
        baseline.path = path.to_path_buf();
        Ok(baseline)
    }

    /// The finding whose pattern explains `signature`, if any.
    pub fn explain(&self, signature: &Signature) -> Option<&Finding> {
        self.findings.iter().find(|finding| {
            finding
                .patterns
                .iter()
                .any(|pattern| pattern.explains(signature))
        })
    }

    /// The findings a complete search of `engine` on `config` must see.
    pub fn expected_on<'a>(
        &'a self,
        engine: &'a str,
        config: &'a str,
    ) -> impl Iterator<Item = &'a Finding> + 'a {
        let key = format!("{engine}/{config}");
        self.findings
            .iter()
            .filter(move |finding| finding.expected_on.contains(&key))
    }

    /// The `sometimes` properties a complete search of `engine` on `config` must reach.
    pub fn reached_on(&self, engine: &str, config: &str) -> &[String] {
        self.reached
            .get(&format!("{engine}/{config}"))
            .map_or(&[], Vec::as_slice)
    }

    /// The TOML text of this baseline (for `mvsim baseline accept`).
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# mvsim's findings baseline: known findings about Pinot that `mvsim check` accepts.\n\
             # Each entry: id, report, status, a durable reproducer (re-checked by tests/baseline.rs),\n\
             # the engine/config pairs where a complete search must see it, and signature patterns\n\
             # (property | class [| written-outdated-by=OP] [| causes=A+B]; see docs/signatures.md).\n\
             # Edit with `mvsim baseline accept` / `mvsim baseline prune`, or by hand.\n",
        );
        out.push_str(&format!("vocabulary = {}\n", self.vocabulary));
        if !self.reached.is_empty() {
            out.push_str(REACHED_COMMENT);
            out.push_str("[reached]\n");
            for (on, names) in &self.reached {
                out.push_str(&format!("{} = [\n", toml_string(on)));
                for name in names {
                    out.push_str(&format!("  {},\n", toml_string(name)));
                }
                out.push_str("]\n");
            }
        }
        for finding in &self.findings {
            out.push_str("\n[[finding]]\n");
            out.push_str(&format!("id = {}\n", toml_string(&finding.id)));
            out.push_str(&format!("title = {}\n", toml_string(&finding.title)));
            out.push_str(&format!("report = {}\n", toml_string(&finding.report)));
            out.push_str(&format!("status = {}\n", toml_string(&finding.status)));
            let reproducer = &finding.reproducer;
            let mut parts = Vec::new();
            if let Some(scenario) = &reproducer.scenario {
                parts.push(format!("scenario = {}", toml_string(scenario)));
            }
            if let Some(config) = &reproducer.config {
                parts.push(format!("config = {}", toml_string(config)));
            }
            parts.push(format!("engine = {}", toml_string(&reproducer.engine)));
            if !reproducer.args.is_empty() {
                let args: Vec<String> =
                    reproducer.args.iter().map(|arg| toml_string(arg)).collect();
                parts.push(format!("args = [{}]", args.join(", ")));
            }
            out.push_str(&format!("reproducer = {{ {} }}\n", parts.join(", ")));
            let on: Vec<String> = finding
                .expected_on
                .iter()
                .map(|on| toml_string(on))
                .collect();
            out.push_str(&format!("expected_on = [{}]\n", on.join(", ")));
            out.push_str("signatures = [\n");
            for signature in &finding.signatures {
                out.push_str(&format!("  {},\n", toml_string(signature)));
            }
            out.push_str("]\n");
        }
        out
    }
}

/// The comment `to_toml` writes above `[reached]`.
const REACHED_COMMENT: &str =
    "\n# The `sometimes` properties a complete search must reach per engine/config: one that is\n\
     # not reached any more is reported as \"no longer reached\" and fails --strict-baseline (a\n\
     # property whose antecedent is never reached holds vacuously). Edited by hand.\n";

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}
