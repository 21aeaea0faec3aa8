//! Families: enumeration against a hand-written list, sound deduplication (every raw
//! configuration canonicalises to a checked member; dropped configurations check like
//! their representative), sharding and merging.

use mvsim_model::Profile;
use mvsim_sim::baseline::Baseline;
use mvsim_sim::checker::family::{parse_scope, Scope};
use mvsim_sim::checker::{check_member, MvModel};
use std::collections::BTreeSet;
use std::sync::Arc;

fn scope(text: &str) -> Scope {
    parse_scope(text, "tiny.toml", "tiny").expect("valid scope")
}

const TINY: &str =
    "buckets = [1]\norigins_ms = [1000]\nbucket_states = [\"V\"]\nsegments_max = 1\n\
                    placements = [\"bucket\"]\nevents_max = 1\nevents = [\"delete\"]\n";

#[test]
fn a_tiny_scope_enumerates_exactly_the_hand_written_list() {
    let tiny = scope(TINY);
    let described: Vec<String> = tiny.members().iter().map(|m| m.describe(&tiny)).collect();
    let tail = "faults {}, attempts 128, 2 tasks/batch";
    let expected: Vec<String> = [
        "no znode, segments {}, menu {}",
        "wm 1000 [], segments {}, menu {}",
        "wm 1100 [1000 V], segments {}, menu {}",
        "no znode, segments {s0@1000}, menu {}",
        "wm 1000 [], segments {s0@1000}, menu {}",
        "wm 1100 [1000 V], segments {s0@1000}, menu {}",
        "no znode, segments {s0@1000}, menu {delete s0}",
        "wm 1000 [], segments {s0@1000}, menu {delete s0}",
        "wm 1100 [1000 V], segments {s0@1000}, menu {delete s0}",
    ]
    .iter()
    .map(|middle| format!("1 bucket(s) from 1000, clock 1100, {middle}, {tail}"))
    .collect();
    assert_eq!(described, expected);
}

/// Two origins (a sound shift), one unsound origin, two segments (renaming).
const SHIFTED: &str =
    "buckets = [1, 2]\norigins_ms = [100, 1000, 2000]\nbucket_states = [\"V\", \"absent\"]\n\
                       segments_max = 2\nplacements = [\"bucket\", \"timeless\"]\nevents_max = 1\n\
                       events = [\"delete\", \"refresh_new\"]\nmax_states = 300000\n";

#[test]
fn deduplication_shifts_only_soundly_and_renames() {
    let family = scope(SHIFTED);
    let raw = family.raw_shapes();
    let members: BTreeSet<_> = family.members().into_iter().collect();
    assert!(members.len() < raw.len());
    for shape in &raw {
        let canonical = shape.canonical(&family);
        assert!(
            members.contains(&canonical),
            "{} has no member",
            shape.describe(&family)
        );
        // Origin 100 puts the bucket before the range at 0: never shifted.
        if shape.origin_ms == 100 {
            assert_eq!(canonical.origin_ms, 100);
        } else {
            assert_eq!(canonical.origin_ms, 1000);
        }
        assert_eq!(
            canonical.canonical(&family),
            canonical,
            "canonical is idempotent"
        );
    }
    let origins: BTreeSet<i64> = members.iter().map(|m| m.origin_ms).collect();
    assert_eq!(origins, BTreeSet::from([100, 1000]));
}

#[test]
fn dropped_configurations_check_like_their_representative() {
    let family = scope(SHIFTED);
    let profile = Profile::by_name("pre").expect("pre");
    let dropped: Vec<_> = family
        .raw_shapes()
        .into_iter()
        .filter(|shape| shape.canonical(&family) != *shape)
        .collect();
    assert!(dropped.len() > 20);
    // A deterministic sample: every seventh dropped configuration.
    for shape in dropped.iter().step_by(7) {
        let canonical = shape.canonical(&family);
        let check = |shape: &mvsim_sim::checker::family::Shape| {
            let config = shape.to_config(&family, "x", profile).expect("valid");
            let result = check_member(
                0,
                MvModel::new(config),
                family.max_states,
                Arc::new(Baseline::empty()),
                &[],
            );
            let verdicts: Vec<String> = result
                .signatures
                .iter()
                .map(|seen| seen.signature.clone())
                .collect();
            (
                result.unique_states,
                result.bound_hit,
                verdicts,
                result.reached,
            )
        };
        assert_eq!(
            check(shape),
            check(&canonical),
            "{} vs its representative {}",
            shape.describe(&family),
            canonical.describe(&family)
        );
    }
}

#[test]
fn a_malformed_scope_names_line_and_column() {
    let error = parse_scope(
        "buckets = [1]\nsegments_max = 9\nevents_max = 1\n",
        "s.toml",
        "s",
    )
    .expect_err("too many segments");
    assert_eq!(
        error.message,
        "s.toml:2:16: segments_max: expected at most 4"
    );
    let error = parse_scope(
        "buckets = [1]\nsegments_max = 1\nevents_max = 1\nevents = [\"explode\"]\n",
        "s.toml",
        "s",
    )
    .expect_err("unknown event");
    assert!(
        error.message.starts_with("s.toml:4:11: event `explode`"),
        "{}",
        error.message
    );
}

#[test]
fn the_shipped_scopes_load() {
    let ci = mvsim_sim::checker::family::load_scope("ci-family").expect("ships");
    assert!(ci.members().len() > 1000);
    // large-family is for a cluster: its enumeration alone takes minutes.
    mvsim_sim::checker::family::load_scope("large-family").expect("ships");
}

/// controller-family is ci-family's shapes with one controller fault instead of ci-family's
/// variants: each member carries exactly one failover or one leadership change into its
/// `Config`, and the shapes without faults are ci-family's own.
#[test]
fn controller_family_is_ci_family_with_one_controller_fault() {
    use mvsim_sim::checker::family::load_scope;
    let ci = load_scope("ci-family").expect("ships");
    let controller = load_scope("controller-family").expect("ships");
    let strip = |shape: &mvsim_sim::checker::family::Shape| {
        let mut plain = shape.clone();
        plain.faults = 0;
        plain
    };
    let ci_shapes: BTreeSet<_> = ci.members().iter().map(strip).collect();
    let members = controller.members();
    assert!(members.len() > 500, "{} members", members.len());
    let (mut failovers, mut leadership) = (0, 0);
    for (index, shape) in members.iter().enumerate() {
        assert!(
            ci_shapes.contains(&strip(shape)),
            "#{index} is not a ci-family shape"
        );
        let config = shape
            .to_config(
                &controller,
                &format!("controller-family#{index}"),
                Profile::by_name("post").unwrap(),
            )
            .expect("a config");
        let faults = config.faults;
        assert_eq!(
            faults.transient_errors
                + faults.lost_acks
                + faults.task_failures
                + faults.task_timeouts,
            0,
            "#{index}"
        );
        match (faults.controller_failovers, faults.leadership_changes) {
            (1, 0) => failovers += 1,
            (0, 1) => leadership += 1,
            other => panic!("#{index}: controller faults {other:?}"),
        }
    }
    assert_eq!(failovers, leadership, "one of each per shape");
}

#[test]
fn merge_joins_disjoint_shards_and_refuses_the_rest() {
    use mvsim_sim::checker::merge;
    let dir = std::env::temp_dir().join(format!("mvsim-merge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let write = |name: &str, shard: usize, count: usize, digest: &str, engine: &str| {
        let summary = serde_json::json!({
            "scope": "tiny", "scope_digest": digest, "engine": engine, "build": "b1",
            "shard_count": count, "shards": [shard], "members_total": 9, "raw_total": 9,
            "checked": 4, "unique_states": 100, "max_member_states": 40, "duration_seconds": 1.0,
            "findings": [{"key": "settles", "property": "settles", "members": 1,
                "smallest": shard, "smallest_shape": "x", "smallest_size": [1, shard, 0, 0],
                "smallest_states": 10, "trace_steps": 3, "path": "0/1/2", "accepted_by": null}],
            "sometimes": {"reach_quiescent": 2}, "incomplete": [], "unchecked": 0,
            "inconsistent_initial": 0
        });
        let path = dir.join(name);
        std::fs::write(&path, summary.to_string()).expect("write");
        path
    };
    let a = write("a.json", 0, 2, "d1", "post");
    let b = write("b.json", 1, 2, "d1", "post");
    let merged = merge(&[a.clone(), b.clone()]).expect("disjoint shards merge");
    assert_eq!(merged.shards, vec![0, 1]);
    assert_eq!(merged.checked, 8);
    assert_eq!(merged.findings.len(), 1);
    assert_eq!(merged.findings[0].members, 2);
    assert_eq!(
        merged.findings[0].smallest, 0,
        "the smaller witness is kept"
    );
    assert_eq!(merged.sometimes["reach_quiescent"], 4);
    let error = merge(&[a.clone(), a.clone()]).expect_err("overlap");
    assert!(error.contains("shard 0 is already merged"), "{error}");
    let other_count = write("c.json", 1, 3, "d1", "post");
    assert!(merge(&[a.clone(), other_count])
        .expect_err("count")
        .contains("shard count"));
    let other_scope = write("d.json", 1, 2, "d2", "post");
    assert!(merge(&[a.clone(), other_scope])
        .expect_err("scope")
        .contains("scope digest"));
    let other_engine = write("e.json", 1, 2, "d1", "pre");
    assert!(merge(&[a, other_engine])
        .expect_err("engine")
        .contains("engine"));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// The distinct findings (baseline id or `None`: new, and the signature) of every member of
/// `scope_text` whose description contains `only` (all with `""`), on `engine`, matched
/// against the committed baseline.
fn family_findings(
    scope_text: &str,
    engine: &str,
    only: &str,
) -> BTreeSet<(Option<String>, String)> {
    let family = scope(scope_text);
    let profile = Profile::by_name(engine).expect("engine");
    let baseline = Arc::new(
        Baseline::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("baseline.toml"))
            .expect("the committed baseline loads"),
    );
    let mut out = BTreeSet::new();
    let mut checked = 0;
    for (index, shape) in family.members().iter().enumerate() {
        if !shape.describe(&family).contains(only) {
            continue;
        }
        let config = shape.to_config(&family, "anchor", profile).expect("valid");
        let result = check_member(
            index,
            MvModel::new(config),
            family.max_states,
            Arc::clone(&baseline),
            &[],
        );
        assert!(
            !result.bound_hit,
            "{} hit the bound",
            shape.describe(&family)
        );
        checked += 1;
        out.extend(
            result
                .signatures
                .into_iter()
                .map(|seen| (seen.accepted_by, seen.signature)),
        );
    }
    assert!(checked > 0, "no member matches `{only}`");
    out
}

fn ids(findings: &BTreeSet<(Option<String>, String)>) -> BTreeSet<String> {
    findings.iter().filter_map(|(id, _)| id.clone()).collect()
}

/// A sub-scope of ci-family (1 bucket, one segment in the range or before it, one upload or
/// delete, no fault or one transient error): 66 members, about 175,000 states.
const ANCHOR: &str =
    "buckets = [1]\norigins_ms = [1000]\nbucket_states = [\"V\"]\nsegments_max = 1\n\
    placements = [\"bucket\", \"before\"]\nevents_max = 1\nevents = [\"upload\", \"delete\"]\n\
    staleness_threshold_ms = 150\nmax_states = 200000\n\
    variants = [{}, { faults = [\"transient_errors\"] }]\n";

/// Two buckets, one segment, two events, the CAS budget key at 1 and 2.
const ANCHOR_TWO: &str = "buckets = [2]\norigins_ms = [1000]\ncold_start = false\nbucket_states = [\"V\"]\n\
    segments_max = 1\nplacements = [\"bucket\"]\nevents_max = 2\n\
    events = [\"upload\", \"delete\", \"refresh_new\"]\nstaleness_threshold_ms = 150\nmax_states = 200000\n\
    variants = [{}, { critical_max_attempts = 1 }]\n";

#[test]
fn the_family_reports_the_known_findings_of_post_by_their_baseline_ids() {
    let post = family_findings(ANCHOR, "post", "");
    for id in ["F1", "F2", "F3", "F6", "F8", "F9"] {
        assert!(ids(&post).contains(id), "{id} missing on post: {post:?}");
    }
    // F5 needs the budget key: at 1, one APPEND commit racing the mark drops it.
    let f5 = family_findings(
        ANCHOR_TWO,
        "post",
        "wm 1100 [1000 V], segments {s0@1000}, menu {upload@1100, refresh s0 new crc}, faults {}, attempts 1,",
    );
    assert!(ids(&f5).contains("F5"), "F5 missing: {f5:?}");
    let default_budget = family_findings(
        ANCHOR_TWO,
        "post",
        "wm 1100 [1000 V], segments {s0@1000}, menu {upload@1100, refresh s0 new crc}, faults {}, attempts 128,",
    );
    assert!(
        !ids(&default_budget).contains("F5"),
        "F5 needs the lowered key: {default_budget:?}"
    );
}

#[test]
fn the_family_reports_f7_on_post_no_sweep_and_the_two_pre_bugs() {
    // A VALID bucket whose only segment is deleted, then a backfill into it.
    let deleted_then_backfilled = "1 bucket(s) from 1000, clock 1100, wm 1100 [1000 V], segments {s0@1000}, menu {upload@1000, delete s0}, faults {}, attempts 128,";
    let two = ANCHOR_TWO.replace("buckets = [2]", "buckets = [1, 2]");
    let no_sweep = family_findings(&two, "post-no-sweep", deleted_then_backfilled);
    assert!(ids(&no_sweep).contains("F7"), "F7 missing: {no_sweep:?}");
    assert!(!ids(&family_findings(&two, "post", deleted_then_backfilled)).contains("F7"));
    let pre = family_findings(&two, "pre", deleted_then_backfilled);
    assert!(
        pre.contains(&(None, "entries_never_removed | pre.remove".to_string())),
        "pre bug 2 missing: {pre:?}"
    );
    // Two buckets, data only in the first: pre APPENDs the empty second window (bug 1).
    let tail = "2 bucket(s) from 1000, clock 1200, wm 1100 [1000 V], segments {s0@1000}, menu {}, faults {}, attempts 128,";
    let pre = family_findings(&two, "pre", tail);
    assert!(
        pre.contains(&(
            None,
            "watermark_within_source_data | past-data-tail".to_string()
        )),
        "pre bug 1 missing: {pre:?}"
    );
    assert!(family_findings(&two, "post", tail)
        .iter()
        .all(|(_, s)| !s.starts_with("watermark_within_source_data")));
}
