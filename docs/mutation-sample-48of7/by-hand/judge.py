#!/usr/bin/env python3
"""Usage (from the repository root, on a clean tree with a built target dir):
    python3 docs/mutation-sample-48of7/by-hand/judge.py MUTANTS.json OUT_DIR
(FIRST_KILL=1 stops at the first kill.) MUTANTS.json: [{name, file, old, new}], `old` must
occur exactly once in `file`; the file is restored after each mutant.

Judge named mutants by hand with the oracle's judges (tests/mutation_oracle.rs): apply one
textual mutation, build the binary, run the judges cheapest first, diff the violated
property names against the unmutated tree's, restore. Records to records.jsonl."""
import json, os, subprocess, sys, time
REPO = os.getcwd()
OUT = sys.argv[2]
os.makedirs(OUT, exist_ok=True)
BIN = REPO + "/target/debug/mvsim"
def check(engine, config):
    return ["check", "--engine", engine, "--config", config, "--dfs", "--quiet", "--max-memory-mb", "3000",
            "--max-states", "40000000", "--timeout", "300"]
JUDGES = [("check post/small", check("post", "small")),
          ("check post/catch-up", check("post", REPO + "/configs/catch-up.toml")),
          ("sweep post 0..100", ["sweep", "--engine", "post", "--seeds", "0..100", "--jobs", "1"]),
          ("check pre/small", check("pre", "small")),
          ("check post/ci", check("post", "ci"))]
MUTANTS = json.load(open(sys.argv[1]))  # [{name, file, old, new}]
def run(args, path):
    if os.path.exists(path): os.remove(path)
    p = subprocess.run([BIN] + args + ["--json", path], cwd=REPO, capture_output=True, text=True)
    if p.returncode not in (0, 1, 3):
        return {"error": f"exit {p.returncode}: " + " | ".join(p.stderr.strip().split("\n")[-3:])}
    j = json.load(open(path))
    if "properties" in j:
        return {"violated": sorted(x["name"] for x in j["properties"] if x["verdict"] == "violated"),
                "complete": str(j.get("outcome", "")).startswith("complete"), "states": j.get("unique_states")}
    return {"violated": sorted((j.get("failures") or {}).keys()), "complete": True, "states": None}
def judge_all(label, first_kill, baseline):
    rec = {"mutant": label, "judges": {}, "kills": [], "commands": []}
    for name, args in JUDGES:
        if first_kill and rec["kills"]:
            rec.setdefault("skipped", []).append(name); continue
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
    p = subprocess.run(["cargo", "build", "--bin", "mvsim"], cwd=REPO, capture_output=True, text=True)
    return p.returncode == 0, p.stderr[-2000:]
bpath = f"{OUT}/baseline.json"
if os.path.exists(bpath):
    baseline = json.load(open(bpath))
else:
    ok, err = build(); assert ok, err
    baseline = judge_all("unmutated", False, None)["judges"]
    json.dump(baseline, open(bpath, "w"), indent=1)
for m in MUTANTS:
    path = os.path.join(REPO, m["file"])
    src = open(path).read()
    assert src.count(m["old"]) == 1, m["name"]
    open(path, "w").write(src.replace(m["old"], m["new"]))
    try:
        t = time.time(); ok, err = build()
        if not ok:
            rec = {"mutant": m["name"], "unviable": err}
        else:
            rec = judge_all(m["name"], os.environ.get("FIRST_KILL") == "1", baseline)
            rec["build_seconds"] = round(time.time() - t, 1)
        rec["replacement"] = {"old": m["old"], "new": m["new"]}
    finally:
        open(path, "w").write(src)
    open(f"{OUT}/records.jsonl", "a").write(json.dumps(rec) + "\n")
    print("RESULT", m["name"], "KILLED" if rec.get("kills") else "missed", rec.get("kills"), flush=True)
print("done")
