#!/usr/bin/env bash
# Mutation testing of the engine, judged by the checker's verdicts only (docs/mutation.md).
#
#   scripts/mutation.sh [--shard K/N | --sample EVERY[/OFFSET] | --mutants FILE]
#                       [--quiescence] [--out DIR] [--in-place] [--list] [--summary]
#
# --mutants FILE judges exactly the mutants named in FILE (one cargo-mutants name a line,
# e.g. the survivors of an earlier run; with MVSIM_ORACLE_FIRST_KILL=1 the oracle stops at
# the first kill). --in-place mutates the working tree itself, so the warm target dir is
# reused (a scratch copy starts with a cold build: 13+ minutes here); do not edit the tree
# while it runs (cargo-mutants restores each file, also on Ctrl-C).
#
# - lists the cargo-mutants mutants of the engine files (model/src: manager, scheduler,
#   executor, consistency_manager, partition, segment_source, register, broker, world; with
#   --quiescence only model/src/quiescence.rs, the oracle's own code, reported separately),
#   minus every mutant inside a branch only a `mutant-*` flag takes (`has_mutant(`: the
#   block of such an `if` or match guard, or, since session 9, another conjunct of a
#   multi-line guard whose first conjunct is the flag) and the functions
#   `.cargo/mutants.toml` excludes;
# - selects a round-robin shard (`--shard K/N`: mutant i when i % N == K) or a fixed
#   sample (`--sample 30/0`: every 30th mutant from offset 0) of that list;
# - records the unmutated engine's verdicts once (DIR/baseline.json), then runs
#   `cargo mutants` on the selection with tests/mutation_oracle.rs as the only test: a
#   mutant is caught when one of the twenty-four judges of tests/mutation_oracle.rs
#   (`mvsim check` of post, pre and post-fixed on shipped configurations and one ci-family
#   member, and `mvsim sweep --engine post --seeds 0..100`) reports a violated property or
#   (a check) a finding signature the baseline lacks, `settles | model-panic` included, or
#   the binary fails (judges run cheapest first; once a kill by a
#   property of b5b3c8f or a panic settles both scores the rest are skipped, unless
#   MVSIM_ORACLE_ALL_JUDGES=1);
# - is resumable: a second run with the same DIR skips mutants already judged
#   (`--iterate`), and every judged mutant's commands and verdicts are in DIR/records.jsonl
#   and DIR/mutants.out/log/;
# - prints a summary (also with --summary alone): caught / missed / timeout / unviable per
#   mutant, by file, function and replacement, and which caught mutants only the new
#   properties of issue 10 catch (the kill set minus the properties of b5b3c8f).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

shard=""
sample=""
mutants_file=""
in_place=false
out=""
quiescence=false
list_only=false
summary_only=false
while [ $# -gt 0 ]; do
  case "$1" in
    --shard) shard="$2"; shift 2 ;;
    --sample) sample="$2"; shift 2 ;;
    --mutants) mutants_file="$2"; shift 2 ;;
    --in-place) in_place=true; shift ;;
    --out) out="$2"; shift 2 ;;
    --quiescence) quiescence=true; shift ;;
    --list) list_only=true; shift ;;
    --summary) summary_only=true; shift ;;
    *) echo "mutation.sh: error: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

if $quiescence; then
  files=(model/src/quiescence.rs)
  tag=quiescence
else
  files=(model/src/manager.rs model/src/scheduler.rs model/src/executor.rs
    model/src/consistency_manager.rs model/src/partition.rs model/src/segment_source.rs
    model/src/register.rs model/src/broker.rs model/src/world.rs)
  tag=engine
fi
selector="${shard:-${sample:-all}}"
if [ -n "$mutants_file" ]; then selector="named-$(basename "$mutants_file" .txt)"; fi
out="${out:-target/mutation/$tag-${selector//\//of}}"
mkdir -p "$out"
out=$(cd "$out" && pwd)

file_args=()
for file in "${files[@]}"; do file_args+=(-f "$file"); done

summarize() {
  python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
# The properties of the registry at b5b3c8f (the start of issue 10).
OLD = {"watermark_monotonic", "watermark_within_source_data", "bucket_keys_aligned",
       "append_only_into_absent", "one_exclusive_in_flight", "stale_only_from_valid",
       "entries_never_removed", "valid_stale_overwrite_order", "broker_freshness_honest",
       "register_linearizable", "settles", "quiescent_buckets_match_source",
       "quiescent_mv_data_matches_source"}
# The judges added since (tests/mutation_oracle.rs NEW_JUDGES).
NEW_JUDGES = ["check post/catch-up", "check post/catch-up-timeout", "check post/ci-budget-2", "check post-fixed/", "check post/point-segment", "check pre/point-segment", "check post/restart-stale", "check post/stranded-empty"]
selected = [line.rstrip("\n") for line in open(os.path.join(out, "selected.txt"))]
outcomes = {}
path = os.path.join(out, "mutants.out", "outcomes.json")
if os.path.exists(path):
    for outcome in json.load(open(path)).get("outcomes", []):
        scenario = outcome.get("scenario")
        if isinstance(scenario, dict) and "Mutant" in scenario:
            outcomes[scenario["Mutant"]["name"]] = outcome.get("summary", "?")
records = {}
rpath = os.path.join(out, "records.jsonl")
if os.path.exists(rpath):
    for line in open(rpath):
        record = json.loads(line)
        if not record.get("baseline"):
            records[record["mutant"]] = record
meta = {m["name"]: m for m in json.load(open(os.path.join(out, "list.json")))}
def mutated_line(m):
    return "%s:%s" % (m["file"], m["name"].split(":")[1])
def added_text(m):
    return [l[1:].strip() for l in m["diff"].split("\n") if l.startswith("+") and not l.startswith("+++")]
by_line = {}
for record in records.values():
    by_line.setdefault(record["mutant"].split(": ", 1)[0], []).append(record)
counts = {}
rows = []
for name in selected:
    m = meta[name]
    verdict = outcomes.get(name, "not run")
    kills = []
    candidates = by_line.get(mutated_line(m), [])
    matching = [r for r in candidates if r["mutant"].split(": ", 1)[-1] in added_text(m)]
    for record in (matching or candidates)[:1]:
        # Exit status 3 is an incomplete search (a time or memory bound, no violation), not
        # a panic; oracles before the fix recorded it as one. It kills nothing.
        kills = [k for k in record["kills"] if "exit Some(3)" not in k]
    # A kill counts "before" only on a judge that existed at b5b3c8f (not catch-up.toml).
    old_kill = any((k.split("new violation ")[-1] in OLD or "panic" in k)
                   and not k.startswith(tuple(NEW_JUDGES)) for k in kills)
    panic_only = bool(kills) and all("panic" in k for k in kills)
    if verdict == "CaughtMutant" and not kills:
        verdict = "MissedMutant (incomplete judge only)"
    if verdict == "CaughtMutant":
        klass = "caught:panic" if panic_only else ("caught:old" if old_kill else "caught:new-only")
    else:
        klass = verdict
    counts[klass] = counts.get(klass, 0) + 1
    rows.append((klass, name, "; ".join(kills)))
for klass, name, kills in rows:
    print(f"{klass:16} {name}" + (f"\n{'':16}   {kills}" if kills else ""))
print("summary:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), f"(of {len(selected)})")
PY
}

if $summary_only; then summarize; exit 0; fi

# 1. The mutant list, minus mutant-flag lines.
cargo mutants --list --json --workspace "${file_args[@]}" > "$out/list.json"
python3 - "$out" "$repo" "$shard" "$sample" "$mutants_file" <<'PY'
import json, os, re, sys
out, repo, shard, sample, mutants_file = sys.argv[1:6]
mutants = json.load(open(os.path.join(out, "list.json")))
lines = {}
def source_line(file, number):
    if file not in lines:
        lines[file] = open(os.path.join(repo, file)).read().split("\n")
    return lines[file][number - 1]
def top_level(text, token):
    """Does `token` occur in `text` outside every (), [] and {}?"""
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(char, 0)
        if depth == 0 and text.startswith(token, i):
            return True
    return False
def in_mutant_guard_conjunct(m, line):
    """Is the mutated line part of a condition that spans lines, `if has_mutant(..) && a &&
    b` (an `if` or a `match` arm's guard, up to its `{` or `=>`), and the mutation inside
    one of the other conjuncts? Such a condition is false on every shipped engine whatever
    `a` and `b` evaluate to, so the mutant is one of the branch's (world.rs:870, session
    8). Kept: a mutation of a top-level `&&` itself (`has_mutant(..) || b` changes the
    shipped engines), and any condition with a top-level `||`."""
    if "replace && with" in m["name"] or "replace match guard" in m["name"]:
        return False
    start = None
    for n in range(line, max(0, line - 8), -1):
        if re.search(r"(^|\s)if\s", source_line(m["file"], n).split("//")[0]):
            start = n
            break
    if start is None:
        return False
    parts = []
    for n in range(start, start + 12):
        text = source_line(m["file"], n).split("//")[0]
        parts.append(text)
        if text.rstrip().endswith("{") or "=>" in text:
            break
    else:
        return False
    if n < line:
        return False
    condition = " ".join(parts)
    condition = condition[re.search(r"(^|\s)if\s", condition).end():]
    condition = re.split(r"=>|\{\s*$", condition)[0]
    if top_level(condition, "||"):
        return False
    first = re.split(r"&&", condition, maxsplit=1)[0]
    return "has_mutant(" in first and "!" not in first.replace("!=", "")
def reads_mutant_flag(m):
    """Is the mutated line inside a branch that only a `mutant-*` profile takes: the true
    block of an `if`, or the arm of a `match` guard, whose condition reads `has_mutant(`
    (not negated)? Mutating such code cannot change any shipped engine. A mutation of the
    condition itself (`a || has_mutant(..)` -> `a && has_mutant(..)`) does change the
    shipped engines and is kept, as is every whole-function replacement."""
    if m["genre"] == "FnValue":
        return False
    # A mutant flag's match guard forced false is the unmutated engine, by construction.
    if "has_mutant(" in m["name"] and m["name"].endswith(" with false in " + m["function"]["function_name"]):
        return True
    line = int(m["name"].split(":")[1])
    if in_mutant_guard_conjunct(m, line):
        return True
    depth = 0
    for n in range(line - 1, 0, -1):
        text = source_line(m["file"], n)
        opens = False
        for char in reversed(text.split("//")[0]):
            depth += {"}": 1, "{": -1}.get(char, 0)
            if depth < 0:
                opens = True
                break
        if not opens:
            continue
        # `text` opens a block enclosing the mutated line.
        depth = 0
        if "else" in text:
            return False
        # The opener's condition: its line and the lines before it that continue it (up to
        # three), never a line that ends an earlier statement, arm or block.
        first = n
        while first > max(1, n - 3) and not source_line(m["file"], first - 1).split("//")[0].rstrip().endswith((";", ",", "{", "}")):
            first -= 1
        condition = "\n".join(source_line(m["file"], k) for k in range(first, n + 1))
        if "has_mutant(" in condition and "!config" not in condition and "!inputs" not in condition:
            return True
        if re.search(r"^\s*(pub(\(crate\))? )?fn ", text):
            return False
    return False
kept, excluded = [], []
for m in mutants:
    (excluded if reads_mutant_flag(m) else kept).append(m["name"])
if shard:
    k, n = map(int, shard.split("/"))
    chosen = [name for i, name in enumerate(kept) if i % n == k]
elif sample:
    every, _, offset = sample.partition("/")
    chosen = kept[int(offset or 0)::int(every)]
elif mutants_file:
    wanted = [line.strip() for line in open(mutants_file) if line.strip()]
    unknown = [name for name in wanted if name not in kept]
    if unknown:
        sys.exit(f"mutation.sh: error: not in the current engine list: {unknown[0]}")
    chosen = wanted
else:
    chosen = kept
open(os.path.join(out, "excluded.txt"), "w").write("".join(n + "\n" for n in excluded))
open(os.path.join(out, "selected.txt"), "w").write("".join(n + "\n" for n in chosen))
regex = "^(" + "|".join(re.escape(n) for n in chosen) + ")$"
open(os.path.join(out, "selected.re"), "w").write(regex)
print(f"mutation.sh: {len(mutants)} mutants listed, {len(excluded)} on mutant-flag lines excluded, "
      f"{len(kept)} engine mutants, {len(chosen)} selected ({shard or sample or 'all'})")
PY
if $list_only; then exit 0; fi

# 2. The unmutated engine's verdicts (the comparison baseline), once per output dir.
export MVSIM_ORACLE_DIR="$out"
# The oracle names each mutant by diffing against this snapshot of the unmutated engine.
mkdir -p "$out/pristine/model"
if [ ! -d "$out/pristine/model/src" ]; then cp -r model/src "$out/pristine/model/src"; fi
export MVSIM_ORACLE_PRISTINE="$out/pristine"
if [ ! -f "$out/baseline.json" ]; then
  echo "mutation.sh: recording the unmutated verdicts in $out/baseline.json"
  cargo test --test mutation_oracle -- --nocapture
fi

# 3. cargo mutants on the selection; resumable with --iterate.
iterate=()
if [ -d "$out/mutants.out" ]; then iterate=(--iterate); fi
placement=(--copy-target true --jobs 1)
if $in_place; then placement=(--in-place); fi
cargo mutants --workspace "${file_args[@]}" --re "$(cat "$out/selected.re")" \
  --baseline skip "${placement[@]}" --test-package mvsim --timeout 1500 --build-timeout 1200 \
  --output "$out" "${iterate[@]}" \
  -- --test mutation_oracle -- --nocapture || true
summarize
