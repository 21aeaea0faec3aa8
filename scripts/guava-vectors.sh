#!/usr/bin/env bash
# Regenerate the Guava FarmHash golden vectors that model/tests/fingerprint_golden.rs checks.
#
#   scripts/guava-vectors.sh > /tmp/guava-vectors.json
#   diff /tmp/guava-vectors.json model/tests/data/guava-vectors.json
#
# Needs a JDK (javac/java >= 16, for records) and Guava. On Debian/Ubuntu:
#   sudo apt-get update && sudo apt-get install -y default-jdk-headless libguava-java
# GUAVA_JAR overrides the jar path (default /usr/share/java/guava.jar).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
guava_jar="${GUAVA_JAR:-/usr/share/java/guava.jar}"

if [[ ! -f "$guava_jar" ]]; then
    echo "error: Guava jar not found at $guava_jar" >&2
    echo "install it with: sudo apt-get update && sudo apt-get install -y libguava-java" >&2
    echo "(or set GUAVA_JAR=/path/to/guava.jar)" >&2
    exit 1
fi
for tool in javac java; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool not found; install a JDK >= 16 (e.g. apt-get install -y default-jdk-headless)" >&2
        exit 1
    fi
done

build_dir="$(mktemp -d)"
trap 'rm -rf "$build_dir"' EXIT

javac -d "$build_dir" -cp "$guava_jar" "$script_dir/guava-vectors/GuavaVectors.java"
echo "guava-vectors: $(unzip -p "$guava_jar" META-INF/MANIFEST.MF 2>/dev/null | tr -d '\r' | grep '^Bundle-Version' || echo "Guava at $guava_jar")" >&2
java -cp "$guava_jar:$build_dir" GuavaVectors
