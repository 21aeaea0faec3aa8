#!/usr/bin/env bash
# CI stage (issue 11): every configuration of a family scope (default `ci-family`; .ci/run
# also runs `controller-family`) on `post-fixed`, with no findings baseline: any signature
# is a failure (exit 1), a member that hits the family's per-member bound fails too
# (exit 3). Stage budget: 600 s wall on the CI machine (2 cores, --threads 2); `timeout`
# enforces it (exit 124 = over budget). The JSON summary (distinct signatures, smallest
# members, coverage) is left in target/FAMILY-post-fixed.json.
# Uses the release binary (`cargo build --release` runs before it in .ci/run).
# Usage: scripts/ci-family.sh [FAMILY]
set -euo pipefail
cd "$(dirname "$0")/.."
family=${1:-ci-family}
mvsim=${MVSIM:-target/release/mvsim}
budget=${CI_FAMILY_BUDGET_SECONDS:-600}
status=0
timeout --signal=INT --kill-after=30 "$budget" \
  "$mvsim" check --family "$family" --engine post-fixed --no-baseline --reached-from baseline.toml --threads 2 \
  --max-memory-mb 3000 --quiet --json "target/$family-post-fixed.json" || status=$?
case $status in
  0) echo "$family on post-fixed: clean and complete" ;;
  1) echo "$family on post-fixed: FAILED: new finding(s), or a sometimes of baseline.toml's [reached] no member reached, above" ;;
  3) echo "$family on post-fixed: FAILED: incomplete (a member hit the bound, listed above)" ;;
  124|130) echo "$family on post-fixed: FAILED: over the ${budget}s stage budget (the members checked before it are in the summary above)" ;;
  *) echo "$family on post-fixed: FAILED: exit $status" ;;
esac
exit "$status"
