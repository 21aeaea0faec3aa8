#!/usr/bin/env bash
# Fails when the Pinot files mvsim's model cites differ from those it was read from.
#
#   scripts/check-java-sources.sh PINOT_CHECKOUT [SOURCES_TOML]
#
# SOURCES_TOML (default: model/java-sources.toml next to this script) lists, per model file,
# the Pinot files it models and their git blob SHA-1 at the commit the model is read from.
# Each listed file is hashed in PINOT_CHECKOUT (`git hash-object`, the blob SHA-1 of the
# working-tree bytes). Prints every changed or missing file and the model files that cite
# it. Exit status: 0 all match, 1 a file differs or is missing, 2 bad usage.
set -euo pipefail

usage() { echo "usage: $0 PINOT_CHECKOUT [SOURCES_TOML]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
pinot=$1
toml=${2:-"$(cd "$(dirname "$0")/.." && pwd)/model/java-sources.toml"}
[ -d "$pinot" ] || { echo "check-java-sources: error: $pinot is not a directory" >&2; exit 2; }
[ -f "$toml" ] || { echo "check-java-sources: error: cannot read $toml" >&2; exit 2; }
command -v git >/dev/null || { echo "check-java-sources: error: git not found" >&2; exit 2; }

# One line per (model file, path, blob): "MODEL<TAB>PATH<TAB>BLOB".
entries=$(awk '
  /^file = "/ { split($0, a, "\""); model = a[2] }
  /\{ *abbrev = / {
    match($0, /path = "[^"]*"/); path = substr($0, RSTART + 8, RLENGTH - 9)
    match($0, /blob = "[^"]*"/); blob = substr($0, RSTART + 8, RLENGTH - 9)
    print model "\t" path "\t" blob
  }' "$toml")
[ -n "$entries" ] || { echo "check-java-sources: error: no entries in $toml" >&2; exit 2; }
commit=$(sed -n 's/^pinot_commit = "\(.*\)"/\1/p' "$toml")

checked=0
changed=0
while IFS=$'\t' read -r path blob; do
  checked=$((checked + 1))
  cited_by=$(printf '%s\n' "$entries" | awk -F'\t' -v p="$path" '$2 == p { print $1 }' | paste -sd, - | sed 's/,/, /g')
  if [ ! -f "$pinot/$path" ]; then
    echo "missing: $path"
    echo "  cited by: $cited_by"
    changed=$((changed + 1))
    continue
  fi
  actual=$(git hash-object --no-filters "$pinot/$path")
  if [ "$actual" != "$blob" ]; then
    echo "changed: $path"
    echo "  blob $blob (modelled, at ${commit:0:11}) -> $actual"
    echo "  cited by: $cited_by"
    changed=$((changed + 1))
  fi
done < <(printf '%s\n' "$entries" | cut -f2,3 | sort -u)

if [ "$changed" -gt 0 ]; then
  echo "check-java-sources: $changed of $checked modelled Pinot files differ from the model's (${commit:0:11})."
  echo "Re-read them, update the model files that cite them (and their citations), then the"
  echo "blobs in ${toml#"$PWD"/} (git -C PINOT ls-tree HEAD PATH); see docs/ci/README.md."
  exit 1
fi
echo "check-java-sources: all $checked modelled Pinot files match ${commit:0:11}"
