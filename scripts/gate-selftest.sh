#!/usr/bin/env bash
# The CI gate's self-test (issue 9): injected second-race mutants must be reported as NEW
# findings on `ci` while F1 / F2 stay accepted, under BFS, DFS and two threads, and on
# post-fixed (`+all-fixes`); two of them (mutant-mark-conflict-is-success,
# mutant-append-start-ignores-changed-window) have a shortest counterexample (BFS) that is
# LONGER than the accepted finding's on the same property, so the old one-trace-per-property
# report would have hidden them. F1's own variants must be matched to F1. Uses the release
# binary; each mutant search stops at its first new finding (--fail-fast). The accepted
# findings' shortest traces come from the main job's JSON (MAIN_JSON, written by .ci/run) or,
# without it, from a check of post on ci run here (about 30 s).
set -euo pipefail
cd "$(dirname "$0")/.."
mvsim=${MVSIM:-target/release/mvsim}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The mutants' new findings are expected: keep their pending reviews out of target/.
export MVSIM_PENDING_DIR="$out/pending"
failures=0

# expect_new ENGINE SIGNATURE [check args...]: exit 1 and SIGNATURE among the new findings.
expect_new() {
  local engine=$1 signature=$2
  shift 2
  local json="$out/run.json" status=0
  "$mvsim" check --engine "$engine" --config ci --fail-fast --quiet --max-memory-mb 6000 --json "$json" "$@" >"$out/run.txt" || status=$?
  # SIGNATURE matches a new signature that ends with it (a property-less tail such as
  # "valid-outdated | causes=notified" names the witness on either quiescent property).
  if [[ $status -ne 1 ]] || ! grep -F '"signature": "' "$json" | grep -qF "$signature\""; then
    echo "FAIL  $engine $*: expected exit 1 with new finding '$signature' (exit $status)"
    sed -n '/^findings:/,/^$/p' "$out/run.txt"
    failures=$((failures + 1))
  else
    echo "ok    $engine $*: new finding '$signature'"
  fi
}

# steps JSON SIGNATURE: the trace length the gate reported for a new SIGNATURE.
steps() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(next(n["trace_steps"] for n in d["findings"]["new"] if n["signature"]==sys.argv[2]))' "$1" "$2"
}
# shortest JSON PROPERTY: the shortest trace of a violated property in a check result.
shortest() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(next(p["trace_steps"] for p in d["properties"] if p["name"]==sys.argv[2]))' "$1" "$2"
}
main_json=${MAIN_JSON:-}
if [[ -z $main_json ]]; then
  main_json="$out/main.json"
  "$mvsim" check --quiet --max-memory-mb 6000 --json "$main_json" >/dev/null || true
fi
f1_steps=$(shortest "$main_json" quiescent_buckets_match_source)
f2_steps=$(shortest "$main_json" append_only_into_absent)
echo "accepted findings' shortest traces on ci: F1 $f1_steps steps, F2 $f2_steps steps"

# expect_longer ENGINE SIGNATURE MIN [check args...]: under BFS, new with a trace > MIN steps.
expect_longer() {
  local engine=$1 signature=$2 min=$3
  shift 3
  expect_new "$engine" "$signature" --bfs "$@"
  local got
  got=$(steps "$out/run.json" "$signature" 2>/dev/null || echo 0)
  if [[ $got -gt $min ]]; then
    echo "ok    $engine: shortest trace $got steps > the accepted finding's $min"
  else
    echo "FAIL  $engine: shortest trace $got steps, not longer than the accepted finding's $min"
    failures=$((failures + 1))
  fi
}
checks=0
expect_longer mutant-mark-conflict-is-success \
  "quiescent_buckets_match_source | valid-outdated | causes=notified" "$f1_steps"
expect_longer mutant-append-start-ignores-changed-window \
  "append_only_into_absent | in-flight-in-scheduler-count" "$f2_steps" \
  --accept-property one_append_per_bucket_in_flight
checks=$((checks + 4))

for mode in --bfs --dfs "--threads 2"; do
  # shellcheck disable=SC2086
  expect_new mutant-flush-skips-last-bucket \
    "quiescent_buckets_match_source | valid-outdated | causes=not-a-candidate+notified" $mode
  # The same mutant also breaks one_append_per_bucket_in_flight, in fewer steps: accept that
  # property wholesale so that --fail-fast reaches the append_only_into_absent witness.
  # shellcheck disable=SC2086
  expect_new mutant-append-start-ignores-in-flight \
    "append_only_into_absent | in-flight-in-scheduler-count" $mode \
    --accept-property one_append_per_bucket_in_flight
  # shellcheck disable=SC2086
  expect_new mutant-mark-conflict-is-success "valid-outdated | causes=notified" $mode
  # shellcheck disable=SC2086
  expect_new mutant-append-start-ignores-changed-window \
    "append_only_into_absent | in-flight-in-scheduler-count" $mode \
    --accept-property one_append_per_bucket_in_flight
  checks=$((checks + 4))
done

# On post-fixed: the fixes do not hide a second race either (F1 is closed there).
expect_new mutant-mark-conflict-is-success+all-fixes "valid-outdated | causes=notified"
expect_new mutant-append-start-ignores-changed-window+all-fixes \
  "append_only_into_absent | in-flight-in-scheduler-count" \
  --accept-property one_append_per_bucket_in_flight
checks=$((checks + 2))

# F1 on `large` (faults interleaved; bounded: `large` does not complete): F1 accepted, nothing new.
status=0
"$mvsim" check --engine post --config large --quiet --max-states 6000000 --max-memory-mb 6000 \
  --json "$out/large.json" >"$out/large.txt" || status=$?
if [[ $status -eq 3 ]] && grep -q '"id": "F1"' "$out/large.json" && grep -q '"new": \[\]' "$out/large.json"; then
  echo "ok    post large (bounded): F1 accepted, no new finding (exit 3: incomplete)"
else
  echo "FAIL  post large (bounded): expected exit 3 with F1 accepted and no new finding (exit $status)"
  sed -n '/^findings:/,/^$/p' "$out/large.txt"
  failures=$((failures + 1))
fi

checks=$((checks + 1))
echo "gate self-test: $((checks - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
