//! Engine profiles: which version of Pinot's engine (or which design alternative, or
//! which deliberately broken mutant) the model runs.
//!
//! A profile is a value chosen at start (DESIGN-NOTES "Profiles"), so one binary can compare
//! engines and print a profile x property matrix. Every behavioural difference is one flag
//! read in exactly one place, citing the commit whose code it models:
//! pre = `a94c00b4ea0`, post = `ca5c042d034` (spec §0).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The two Pinot engine versions (spec §0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EngineVersion {
    /// Before PR #18642: three ad-hoc CAS writers (spec §2.2).
    Pre,
    /// After PR #18642: every write through `MaterializedViewPartitionManager` (spec §2.1).
    Post,
}

/// A deliberately broken engine, used only to show that a property catches a real bug
/// (STYLE "Properties": a checker is only as good as the bugs it is shown to catch).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mutant {
    /// `appendValid` sets the watermark to its own window end instead of walking VALID
    /// buckets up from the current watermark: out-of-order commits move it backwards.
    WatermarkFromWindowEnd,
    /// `markStale` also creates STALE entries for absent buckets (the "synthesize" step
    /// PM:387-390 deliberately defers).
    MarkStaleSynthesizesAbsent,
    /// Cold start and the APPEND loop skip `floorDiv` alignment (SCH:878, SCH:303).
    UnalignedColdStart,
    /// The register ignores the expected version: every `set` succeeds (a lost CAS).
    BlindRegisterWrites,
    /// The scheduler ignores in-flight OVERWRITE/DELETE tasks (SCH:224's guard removed).
    IgnoreInFlightExclusive,
    /// A register read may return the value before the latest write (a non-linearizable
    /// store): modelled as reads that return the previous version.
    StaleRegisterReads,
    /// The sweep re-marks every in-coverage VALID-empty bucket, whatever its source window
    /// holds (CM:545-548's `segmentCount != 0` test dropped): DELETE and sweep chase each
    /// other forever.
    SweepIgnoresSource,
    /// The APPEND loop starts at the contiguous VALID walk from the watermark and ignores the
    /// windows of APPENDs still in flight (SCH:247-261's `initialMaxAppendEnd` dropped): a
    /// second cycle re-dispatches a window that is already being materialized.
    AppendStartIgnoresInFlight,
    /// The post APPEND loop skips only VALID entries of its snapshot (pre:SCH:289's test
    /// instead of SCH:316's "any entry"): a STALE bucket at the loop start gets an APPEND.
    AppendLoopSkipsOnlyValid,
    /// `preProcess` drops the APPEND check `watermarkMs <= windowStartMs` (EX:126-129): a
    /// re-dispatched APPEND for a committed bucket runs on and replaces its MV segments.
    AppendPreProcessIgnoresWatermark,
    /// The executor reports a commit whose mutator threw a precondition error
    /// (`IllegalStateException`) as SUCCEEDED ("someone else already did it") instead of
    /// failing the task (PM:536-592 propagates it; EX:484-530 does not catch it).
    CommitPreconditionErrorIsSuccess,
    /// The executor DELETE drops the window's MV segments after the `clearValid` commit
    /// instead of before it (EX:444-470 then postProcess): VALID-empty is visible while the
    /// old segments are still served.
    DeleteDropsSegmentsAfterCommit,
}

/// A complete engine profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Profile {
    /// Stable name used on the command line and in reports.
    pub name: &'static str,
    /// One line for `--help` and the README.
    pub summary: &'static str,
    pub engine: EngineVersion,
    /// Executor DELETE pre-check: abort the DELETE when the source window is non-empty
    /// (post EX:424-442). Layer (a) of spec §5.3.
    pub delete_precheck: bool,
    /// `clearValid`'s supplier re-reads the source inside every CAS attempt and no-ops on a
    /// non-empty window (post PM:323-336). Layer (b) of spec §5.3.
    pub clear_valid_source_guard: bool,
    /// The periodic VALID-empty sweep (post CM:412-581). Layer (c) of spec §5.3.
    pub empty_sweep: bool,
    /// A deliberately broken behaviour, if any.
    pub mutant: Option<Mutant>,
}

impl Profile {
    pub fn is_post(&self) -> bool {
        self.engine == EngineVersion::Post
    }

    pub fn is_pre(&self) -> bool {
        self.engine == EngineVersion::Pre
    }

    pub fn has_mutant(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
    }

    /// Every profile the binary knows, in report order.
    pub fn all() -> &'static [Profile] {
        &PROFILES
    }

    /// Looks a profile up by name; the error lists the valid names.
    pub fn by_name(name: &str) -> Result<Profile, String> {
        PROFILES
            .iter()
            .find(|profile| profile.name == name)
            .copied()
            .ok_or_else(|| {
                let names: Vec<&str> = PROFILES.iter().map(|profile| profile.name).collect();
                format!(
                    "unknown engine profile '{name}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }

    /// The engine profiles that model real code or real design alternatives (no mutants).
    pub fn engines() -> impl Iterator<Item = &'static Profile> {
        PROFILES.iter().filter(|profile| profile.mutant.is_none())
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name)
    }
}

const POST: Profile = Profile {
    name: "post",
    summary: "after PR #18642 (ca5c042d034): single CAS owner, capped APPEND cutoff, VALID-empty DELETE, sweep",
    engine: EngineVersion::Post,
    delete_precheck: true,
    clear_valid_source_guard: true,
    empty_sweep: true,
    mutant: None,
};

const fn post_mutant(name: &'static str, summary: &'static str, mutant: Mutant) -> Profile {
    Profile {
        name,
        summary,
        mutant: Some(mutant),
        ..POST
    }
}

static PROFILES: [Profile; 16] = [
    Profile {
        name: "pre",
        summary: "before PR #18642 (a94c00b4ea0): ad-hoc writers, cutoff now-buffer, DELETE removes the entry",
        engine: EngineVersion::Pre,
        delete_precheck: false,
        clear_valid_source_guard: false,
        empty_sweep: false,
        mutant: None,
    },
    POST,
    Profile {
        name: "post-no-delete-guards",
        summary: "post without the executor DELETE pre-check and clearValid's source guard (the draft the review flagged)",
        delete_precheck: false,
        clear_valid_source_guard: false,
        ..POST
    },
    Profile {
        name: "post-no-sweep",
        summary: "post without the periodic VALID-empty sweep (what layer (c) buys)",
        empty_sweep: false,
        ..POST
    },
    post_mutant(
        "mutant-watermark-from-window-end",
        "broken: appendValid sets the watermark to its window end",
        Mutant::WatermarkFromWindowEnd,
    ),
    post_mutant(
        "mutant-mark-stale-synthesizes",
        "broken: markStale creates STALE entries for absent buckets",
        Mutant::MarkStaleSynthesizesAbsent,
    ),
    post_mutant(
        "mutant-unaligned-cold-start",
        "broken: cold start and the APPEND loop do not floor-align to the bucket",
        Mutant::UnalignedColdStart,
    ),
    post_mutant(
        "mutant-blind-register-writes",
        "broken: the register ignores the expected version",
        Mutant::BlindRegisterWrites,
    ),
    post_mutant(
        "mutant-ignore-in-flight-exclusive",
        "broken: the scheduler dispatches OVERWRITE/DELETE while one is in flight",
        Mutant::IgnoreInFlightExclusive,
    ),
    post_mutant(
        "mutant-stale-register-reads",
        "broken: register reads may return the previous version",
        Mutant::StaleRegisterReads,
    ),
    post_mutant(
        "mutant-sweep-ignores-source",
        "broken: the sweep re-marks VALID-empty buckets whatever the source holds",
        Mutant::SweepIgnoresSource,
    ),
    post_mutant(
        "mutant-append-start-ignores-in-flight",
        "broken: the APPEND loop starts below the windows of in-flight APPENDs",
        Mutant::AppendStartIgnoresInFlight,
    ),
    post_mutant(
        "mutant-append-loop-skips-only-valid",
        "broken: the post APPEND loop skips only VALID snapshot entries (pre's test)",
        Mutant::AppendLoopSkipsOnlyValid,
    ),
    post_mutant(
        "mutant-append-preprocess-ignores-watermark",
        "broken: preProcess lets an APPEND below the watermark run",
        Mutant::AppendPreProcessIgnoresWatermark,
    ),
    post_mutant(
        "mutant-commit-precondition-error-is-success",
        "broken: a commit precondition error is reported as SUCCEEDED",
        Mutant::CommitPreconditionErrorIsSuccess,
    ),
    post_mutant(
        "mutant-delete-drops-segments-after-commit",
        "broken: DELETE drops the MV segments after its clearValid commit",
        Mutant::DeleteDropsSegmentsAfterCommit,
    ),
];
