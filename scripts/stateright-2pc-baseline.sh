#!/usr/bin/env bash
# The checker's throughput reference: stateright's own two-phase-commit example
# (examples/2pc.rs of the stateright version mvsim uses), checked by DFS on one thread,
# the same way `mvsim bench` measures mvsim. Prints unique states per second.
#
#   scripts/stateright-2pc-baseline.sh [RESOURCE_MANAGERS ...]   # default: 7 8
#
# Needs the stateright sources in the cargo registry (any `cargo build` of mvsim fetches
# them) and runs offline. The example's model is used unchanged; only its `main` is
# replaced by a timed single-threaded DFS.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(awk '/^name = "stateright"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$repo_dir/Cargo.lock")"
if [[ -z "$version" ]]; then
    echo "error: stateright not found in $repo_dir/Cargo.lock" >&2
    exit 1
fi
example="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"stateright-$version"/examples/2pc.rs 2>/dev/null | head -1 || true)"
if [[ -z "$example" ]]; then
    echo "error: stateright $version sources not in the cargo registry; run 'cargo fetch' in $repo_dir first" >&2
    exit 1
fi

build_dir="$(mktemp -d)"
trap 'rm -rf "$build_dir"' EXIT
mkdir -p "$build_dir/src"
cat > "$build_dir/Cargo.toml" <<EOF
[package]
name = "stateright-2pc-baseline"
version = "0.1.0"
edition = "2021"

[dependencies]
stateright = "=$version"

[profile.release]
debug = false
EOF
cp "$repo_dir/Cargo.lock" "$build_dir/Cargo.lock"
# The example without its `main` (and the import only `main` used), plus a timed DFS.
sed -e '/^fn main()/,$d' -e '/^use stateright::report::WriteReporter;$/d' "$example" > "$build_dir/src/main.rs"
cat >> "$build_dir/src/main.rs" <<'EOF'
fn main() {
    for arg in std::env::args().skip(1) {
        let rm_count: usize = arg.parse().expect("a resource-manager count");
        let start = std::time::Instant::now();
        let checker = TwoPhaseSys { rms: 0..rm_count }
            .checker()
            .threads(1)
            .spawn_dfs()
            .join();
        let seconds = start.elapsed().as_secs_f64();
        let unique = checker.unique_state_count();
        println!(
            "stateright 2pc, {rm_count} resource managers, dfs, 1 thread: {unique} unique states in {seconds:.2}s = {:.0} unique states/s",
            unique as f64 / seconds
        );
    }
}
EOF
(cd "$build_dir" && cargo build --release --offline --quiet)
if [[ $# -eq 0 ]]; then
    set -- 7 8
fi
"$build_dir/target/release/stateright-2pc-baseline" "$@"
