#!/usr/bin/env bash
# Regenerate the expected outcomes of the ZNRecord corpus by RUNNING Pinot's read path
# (Helix ZNRecordSerializer.deserialize, then MaterializedViewRuntimeMetadata.fromZNRecord)
# over every model/tests/data/znrecord-corpus/cases/*.znode. model/tests/znrecord_corpus.rs
# checks both Rust readers against the committed result.
#
#   scripts/znrecord-corpus.sh > /tmp/expected.json
#   diff /tmp/expected.json model/tests/data/znrecord-corpus/expected.json
#
# Run by hand (CI runs only the Rust tests on the committed outcomes). Needs:
#   - a JDK >= 11 and, from Debian, Guava, SLF4J and ZooKeeper (Helix's ZkException names
#     ZooKeeper's KeeperException):
#       apt-get update && apt-get install -y default-jdk-headless libguava-java \
#           libslf4j-java libzookeeper-java
#   - bare git mirrors of Pinot, Helix and Jackson (MIRRORS, default /work/.mirror):
#       apache+pinot/repo (commit ca5c042d034), apache+helix/repo (tag helix-2.0.0), and those
#       build-jackson.sh needs. The sources are compiled as they are, nothing is copied.
#   - JACKSON_CLASSPATH (optional): use these Jackson jars instead of building Jackson from the
#     mirrors (e.g. Debian's 2.14: /usr/share/java/jackson-{annotations,core,databind}.jar).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$script_dir/.." && pwd)"
mirrors="${MIRRORS:-/work/.mirror}"
pinot_git="$mirrors/apache+pinot/repo"
helix_git="$mirrors/apache+helix/repo"
pinot_commit="ca5c042d034"
helix_tag="helix-2.0.0"
corpus="${CORPUS:-$repo_dir/model/tests/data/znrecord-corpus/cases}"
java_share="${JAVA_SHARE:-/usr/share/java}"

for tool in javac java jar git; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: $tool not found (apt-get install -y default-jdk-headless git)" >&2
        exit 1
    fi
done
for jar in guava slf4j-api zookeeper; do
    if [[ ! -f "$java_share/$jar.jar" ]]; then
        echo "error: $java_share/$jar.jar not found" >&2
        echo "install: apt-get install -y libguava-java libslf4j-java libzookeeper-java" >&2
        exit 1
    fi
done
for git_dir in "$pinot_git" "$helix_git"; do
    if [[ ! -d "$git_dir" ]]; then
        echo "error: git mirror $git_dir not found (set MIRRORS)" >&2
        exit 1
    fi
done

build_dir="$(mktemp -d)"
trap 'rm -rf "$build_dir"' EXIT

if [[ -z "${JACKSON_CLASSPATH:-}" ]]; then
    JACKSON_MIRRORS="$mirrors" "$script_dir/znrecord-harness/build-jackson.sh" "$build_dir/jackson"
    JACKSON_CLASSPATH="$build_dir/jackson/fastdoubleparser.jar:$build_dir/jackson/jackson-annotations.jar:$build_dir/jackson/jackson-core.jar:$build_dir/jackson/jackson-databind.jar"
fi
classpath="$JACKSON_CLASSPATH:$java_share/guava.jar:$java_share/slf4j-api.jar:$java_share/zookeeper.jar"

# Helix: ZNRecord and exactly what ZNRecordSerializer's read path needs to compile.
helix_prefix="zookeeper-api/src/main/java/org/apache/helix/zookeeper"
helix_files=(
    datamodel/ZNRecord.java
    datamodel/ZNRecordDelta.java
    datamodel/serializer/ZNRecordSerializer.java
    datamodel/serializer/PayloadSerializer.java
    datamodel/serializer/JacksonPayloadSerializer.java
    introspect/CodehausJacksonIntrospector.java
    constant/ZkSystemPropertyKeys.java
    util/GZipCompressionUtil.java
    util/ZNRecordUtil.java
    exception/ZkClientException.java
    zkclient/exception/ZkException.java
    zkclient/exception/ZkMarshallingError.java
    zkclient/exception/ZkNoNodeException.java
    zkclient/exception/ZkBadVersionException.java
    zkclient/exception/ZkNodeExistsException.java
    zkclient/serialize/ZkSerializer.java
)
pinot_prefix="pinot-materialized-view/src/main/java/org/apache/pinot/materializedview/metadata"
pinot_files=(
    MaterializedViewRuntimeMetadata.java
    PartitionInfo.java
    PartitionState.java
    PartitionFingerprint.java
)
mkdir -p "$build_dir/src" "$build_dir/classes"
for file in "${helix_files[@]}"; do
    mkdir -p "$build_dir/src/helix/$(dirname "$file")"
    git --git-dir="$helix_git" show "$helix_tag:$helix_prefix/$file" >"$build_dir/src/helix/$file"
done
for file in "${pinot_files[@]}"; do
    mkdir -p "$build_dir/src/pinot"
    git --git-dir="$pinot_git" show "$pinot_commit:$pinot_prefix/$file" >"$build_dir/src/pinot/$file"
done
cp "$script_dir/znrecord-harness/ZnRecordHarness.java" "$build_dir/src/"
find "$build_dir/src" -name '*.java' >"$build_dir/sources"
javac -nowarn -encoding UTF-8 -d "$build_dir/classes" -cp "$classpath" @"$build_dir/sources"

# slf4j without a binding logs nothing (deserialize logs every swallowed exception).
java -cp "$build_dir/classes:$classpath" ZnRecordHarness "$corpus"
