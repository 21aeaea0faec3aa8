#!/usr/bin/env python3
"""Judge named cargo-mutants mutants with the oracle's judges, building only the binary.

(Six judges in session 6; session 8 added the nine `post-fixed` judges of
tests/mutation_oracle.rs, so records of session 6 list six and those of session 8 fifteen.)

Usage, from the root of a clean tree with a built target dir (a copy of the worktree):
    python3 docs/mutation-s6/judge.py LIST.json NAMES.txt OUT_DIR
LIST.json is `cargo mutants --list --json` of the same tree (scripts/mutation.sh --list writes
it to DIR/list.json); NAMES.txt has one mutant name a line. For each mutant: apply
cargo-mutants' own diff (`patch`), `cargo build --bin mvsim`, run the judges of
tests/mutation_oracle.rs with the same arguments, cheapest first, diff the violated property
names against the unmutated tree's (OUT_DIR/baseline.json, recorded first if absent), restore
the file. As in the oracle, once a judge that existed at b5b3c8f kills by a property of
b5b3c8f (or a panic) the rest are skipped (both scores are settled); FIRST_KILL=1 stops at
any kill, ALL_JUDGES=1 runs them all. Records (commands, verdicts, unique states, seconds,
kills) go to OUT_DIR/records.jsonl. Exists because cargo-mutants' build step compiles every
test target of the package for each mutant (25+ test crates), which at load 20 costs more than
the judges; the judges and the verdict rule are the oracle's. Session 12: every configuration file is
a shipped `--config NAME`, so the judges pass names and the baseline's [reached] table applies
to each (a `sometimes` no longer reached is a kill, as in the oracle)."""
import json, os, subprocess, sys, time
REPO = os.getcwd()
LIST, NAMES, OUT = sys.argv[1:4]
os.makedirs(OUT, exist_ok=True)
BIN = REPO + "/target/debug/mvsim"
def check(engine, config):
    return ["check", "--engine", engine, "--config", config, "--dfs", "--quiet", "--max-memory-mb", "3000",
            "--max-states", "40000000", "--timeout", "300"]
JUDGES = [("check post/small", check("post", "small")),
          ("check post/catch-up", check("post", "catch-up")),
          ("check post/catch-up-timeout", check("post", "catch-up-timeout")),  # session 14
          ("check post/point-segment", check("post", "point-segment")),  # session 8
          ("check pre/point-segment", check("pre", "point-segment")),  # session 8
          ("check post/restart-stale", check("post", "restart-stale")),  # session 10
          ("sweep post 0..100", ["sweep", "--engine", "post", "--seeds", "0..100", "--jobs", "1"]),
          ("check pre/small", check("pre", "small")),
          ("check post/ci-budget-2", check("post", "ci-budget-2")),
] + [(f"check post-fixed/{name}", check("post-fixed", config)) for name, config in [
          # session 8: the proposed fixes' code paths (tests/mutation_oracle.rs)
          ("small", "small"),
          ("catch-up", "catch-up"),
          ("catch-up-timeout", "catch-up-timeout"),  # session 14: a timeout, a transient error
          ("old-backfill-timeless", "old-backfill-timeless"),
          ("old-backfill-two-slots", "old-backfill-two-slots"),  # session 15: fix-f9's slot loop twice
          ("old-backfill-failover", "old-backfill-failover"),
          ("delete-reupload", "delete-reupload"),
          ("leadership-change-backfill", "leadership-change-backfill"),
          ("failover", "failover"),
          ("catch-up-mark", "catch-up-mark"),
          ("ci-budget-2", "ci-budget-2"),
          ("ci-family#1531", "ci-family#1531")]] + [  # session 9: fix-f14's supersession
          # session 11: a VALID-empty bucket at the watermark (the sweep's k < wm bound)
          ("check post/stranded-empty", check("post", "stranded-empty")),
          ("check post/ci", check("post", "ci")),
          # session 9: fix-f1's failed-commit record (two failed commits at once), ~53 s
          ("check post-fixed/two-failed-commits", check("post-fixed", "two-failed-commits"))]
NEW_JUDGES = {"check post/catch-up", "check post/catch-up-timeout", "check post/ci-budget-2", "check post/point-segment", "check pre/point-segment",
              "check post/restart-stale", "check post/stranded-empty"} | {
    name for name, _ in JUDGES if name.startswith("check post-fixed/")}
OLD = {"watermark_monotonic", "watermark_within_source_data", "bucket_keys_aligned",
       "append_only_into_absent", "one_exclusive_in_flight", "stale_only_from_valid",
       "entries_never_removed", "valid_stale_overwrite_order", "broker_freshness_honest",
       "register_linearizable", "settles", "quiescent_buckets_match_source",
       "quiescent_mv_data_matches_source"}
mutants = {m["name"]: m for m in json.load(open(LIST))}
names = [l.strip() for l in open(NAMES) if l.strip()]
def run(args, path):
    if os.path.exists(path): os.remove(path)
    p = subprocess.run(["nice", "-n", "10", BIN] + args + ["--json", path], cwd=REPO, capture_output=True, text=True)
    if p.returncode not in (0, 1, 3):
        return {"error": f"exit {p.returncode}: " + " | ".join(p.stderr.strip().split("\n")[-3:])}
    j = json.load(open(path))
    if "properties" in j:
        # Session 9: a check's verdict is its violated properties *and* its signatures (the
        # issue's oracle: "a violation whose signature the unmutated engine lacks"), so a
        # mutant that adds a new kind of violation of an already violated property is
        # killed. A complete search's signatures are a function of its reachable states.
        findings = j.get("findings") or {}
        sigs = [s for f in findings.get("accepted", []) for s in f.get("signatures", [])] + [
            f["signature"] for f in findings.get("new", [])]
        # Session 11: and every `sometimes` the baseline's [reached] expects here and the
        # search did not reach (the main job's --strict-baseline fails on it: vacuity).
        return {"violated": sorted(x["name"] for x in j["properties"] if x["verdict"] == "violated")
                + sorted("signature " + s for s in set(sigs))
                + sorted("unreached " + s for s in findings.get("unreached", [])),
                "complete": str(j.get("outcome", "")).startswith("complete"), "states": j.get("unique_states")}
    return {"violated": sorted((j.get("failures") or {}).keys()), "complete": True, "states": None}
def settled(kills):
    return any(k.split(": ")[0] not in NEW_JUDGES and
               ("engine panic" in k or k.split("new violation ")[-1] in OLD) for k in kills)
def judge_all(label, baseline):
    rec = {"mutant": label, "judges": {}, "kills": [], "commands": [], "skipped": []}
    for name, args in JUDGES:
        if baseline is not None and not os.environ.get("ALL_JUDGES") and (
                settled(rec["kills"]) or (os.environ.get("FIRST_KILL") and rec["kills"])):
            rec["skipped"].append(name); continue
        t = time.time()
        v = run(args, f"{OUT}/j.json")
        v["seconds"] = round(time.time() - t, 1)
        rec["commands"].append("mvsim " + " ".join(args) + " --json F")
        rec["judges"][name] = v
        if baseline is not None:
            if "error" in v:
                rec["kills"].append(f"{name}: engine panic ({v['error']})")
            else:
                for p in v["violated"]:
                    if p not in baseline[name]["violated"]:
                        rec["kills"].append(f"{name}: new violation {p}")
        print(label, name, v, flush=True)
    return rec
def build():
    p = subprocess.run(["nice", "-n", "10", "cargo", "build", "--bin", "mvsim"], cwd=REPO, capture_output=True, text=True)
    return p.returncode == 0, p.stderr[-3000:]
bpath = f"{OUT}/baseline.json"
if os.path.exists(bpath):
    baseline = json.load(open(bpath))
else:
    ok, err = build(); assert ok, err
    baseline = judge_all("unmutated", None)["judges"]
    json.dump(baseline, open(bpath, "w"), indent=1)
done = set()
rpath = f"{OUT}/records.jsonl"
if os.path.exists(rpath):
    done = {json.loads(l)["mutant"] for l in open(rpath)}
for name in names:
    if name in done: continue
    m = mutants[name]
    path = os.path.join(REPO, m["file"])
    src = open(path).read()
    try:
        p = subprocess.run(["patch", "-s", path], input=m["diff"], text=True, capture_output=True)
        assert p.returncode == 0, p.stdout + p.stderr
        t = time.time(); ok, err = build()
        if not ok:
            rec = {"mutant": name, "unviable": err}
        else:
            rec = judge_all(name, baseline)
            rec["build_seconds"] = round(time.time() - t - sum(v.get("seconds", 0) for v in rec["judges"].values()), 1)
        rec["diff"] = m["diff"]
    finally:
        open(path, "w").write(src)
    open(rpath, "a").write(json.dumps(rec) + "\n")
    print("RESULT", name, "UNVIABLE" if "unviable" in rec else ("KILLED" if rec.get("kills") else "missed"), rec.get("kills"), flush=True)
print("done")
