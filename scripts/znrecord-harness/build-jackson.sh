#!/usr/bin/env bash
# Build Jackson (annotations, core, databind) jars from source, for the ZNRecord harness.
#
#   scripts/znrecord-harness/build-jackson.sh OUT_DIR
#
# Pinot at ca5c042d034 uses Jackson 2.22.0 (pom.xml:164). Debian ships 2.14, which predates
# the read constraints that Jackson 2.15 added (nesting depth 1000, number length 1000), so
# the harness is run against Jackson built from the newest 2.x release branch available in
# the local mirrors (JACKSON_BRANCH, default 2.19). Sources come from bare git mirrors:
# JACKSON_MIRRORS (default /work/.mirror) holds FasterXML+jackson-{annotations,core,databind}/repo
# and wrandelshofer+FastDoubleParser/repo (fetch them with the session's mirror tool or git clone --mirror).
set -euo pipefail

out_dir="${1:?usage: build-jackson.sh OUT_DIR}"
branch="${JACKSON_BRANCH:-2.19}"
mirrors="${JACKSON_MIRRORS:-/work/.mirror}"
mkdir -p "$out_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Jackson core 2.15+ embeds FastDoubleParser (jackson-core pom: fastdoubleparser 1.0.90).
fdp_version="${FASTDOUBLEPARSER_TAG:-v1.0.90}"
fdp_git="$mirrors/wrandelshofer+FastDoubleParser/repo"
mkdir -p "$work/fdp" "$work/classes-fdp"
git --git-dir="$fdp_git" archive "$fdp_version" fastdoubleparser-dev/src/main/java \
    fastdoubleparser-java8/src/main/java | tar -x -C "$work/fdp"
# As fastdoubleparser-java8/pom.xml does: dev sources minus these, plus the java8 overrides.
find "$work/fdp/fastdoubleparser-dev" -name '*.java' ! -name module-info.java \
    ! -name Decimal.java ! -name FastDoubleSwar.java ! -name FastDoubleVector.java \
    ! -name FastIntegerMath.java ! -name BigSignificand.java >"$work/sources-fdp"
find "$work/fdp/fastdoubleparser-java8" -name '*.java' >>"$work/sources-fdp"
javac -nowarn -encoding UTF-8 -d "$work/classes-fdp" @"$work/sources-fdp"
jar cf "$out_dir/fastdoubleparser.jar" -C "$work/classes-fdp" .
echo "build-jackson: fastdoubleparser $fdp_version -> $out_dir/fastdoubleparser.jar" >&2

classpath="$out_dir/fastdoubleparser.jar"
for artifact in annotations core databind; do
    git_dir="$mirrors/FasterXML+jackson-$artifact/repo"
    src="$work/$artifact"
    mkdir -p "$src" "$work/classes-$artifact"
    git --git-dir="$git_dir" archive "$branch" src/main | tar -x -C "$src"
    version="$(git --git-dir="$git_dir" show "$branch:pom.xml" \
        | sed -n '/<artifactId>jackson-'"$artifact"'<\/artifactId>/,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' \
        | head -1)"
    commit="$(git --git-dir="$git_dir" rev-parse --short=12 "$branch")"
    # Maven's replacer plugin generates PackageVersion.java from its template.
    while IFS= read -r template; do
        package="$(dirname "${template#"$src/src/main/java/"}" | tr / .)"
        sed -e "s/@package@/$package/" -e "s/@projectversion@/$version/" \
            -e "s/@projectgroupid@/com.fasterxml.jackson.core/" \
            -e "s/@projectartifactid@/jackson-$artifact/" "$template" >"${template%.in}"
    done < <(find "$src/src/main/java" -name '*.java.in')
    find "$src/src/main/java" -name '*.java' ! -name module-info.java >"$work/sources-$artifact"
    javac -nowarn -encoding UTF-8 -d "$work/classes-$artifact" ${classpath:+-cp "$classpath"} \
        @"$work/sources-$artifact" 2>"$work/javac-$artifact.log" || {
        cat "$work/javac-$artifact.log" >&2
        exit 1
    }
    if [[ -d "$src/src/main/resources" ]]; then
        cp -r "$src/src/main/resources/." "$work/classes-$artifact/"
    fi
    jar="$out_dir/jackson-$artifact.jar"
    jar cf "$jar" -C "$work/classes-$artifact" .
    echo "build-jackson: jackson-$artifact $version ($branch at $commit) -> $jar" >&2
    classpath="${classpath:+$classpath:}$jar"
done
