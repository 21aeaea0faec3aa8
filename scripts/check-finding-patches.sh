#!/usr/bin/env bash
# Checks that every docs/findings/Fn.patch applies to Pinot HEAD 210c2951e72.
# Usage: scripts/check-finding-patches.sh [PINOT_GIT_DIR] (default: the mirror below).
# The mirror lacks some large blobs, so a plain `git worktree add` fails to check out; a
# sparse checkout of the two modules the patches touch is enough for `git apply --check`.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
git_dir="${1:-/work/.mirror/apache+pinot/repo}"
checkout="$(mktemp -d)/pinot-head"
git --git-dir="$git_dir" worktree add --no-checkout "$checkout" 210c2951e72 >/dev/null
git -C "$checkout" sparse-checkout set --no-cone \
  '/pinot-materialized-view/' '/pinot-plugins/pinot-minion-tasks/pinot-minion-builtin-tasks/' \
  '/pinot-controller/src/main/java/org/apache/pinot/controller/ControllerConf.java'
git -C "$checkout" checkout >/dev/null 2>&1 || true
status=0
for patch in "$repo_root"/docs/findings/*.patch; do
  if git -C "$checkout" apply --check "$patch"; then
    echo "applies: $(basename "$patch")"
  else
    echo "DOES NOT APPLY: $(basename "$patch")"
    status=1
  fi
done
(cd "$repo_root" && PINOT_CHECKOUT="$checkout" cargo test --quiet --test finding_patches)
git --git-dir="$git_dir" worktree remove --force "$checkout"
rmdir "$(dirname "$checkout")" 2>/dev/null || true
exit "$status"
