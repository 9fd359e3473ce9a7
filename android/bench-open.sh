#!/usr/bin/env bash
# App open to the first dashboard with five years of data through the Kotlin bindings on the JVM,
# against the same call in Rust, on the same data:
#   1. the Rust dashboard benchmark (seeds five years once under the target folder, prints the
#      median of Thecal::open + dashboard);
#   2. OpenBenchmarkTest alone in a fresh JVM against the release library: the cold first open
#      (loading the native library) and the median of 20 warm opens;
#   3. the ratio of the two medians (budget: the Kotlin warm open within 3x the Rust figure).
#
#   bash android/bench-open.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo bench -q -p thecal-core --bench dashboard 2>&1 | tee "$log"
rust=$(sed -nE 's/^dashboard .*median +([0-9.]+) ms.*/\1/p' "$log")
dir=$(sed -nE 's/^data folder: (.*)$/\1/p' "$log")
[ -n "$rust" ] && [ -d "$dir" ] || { echo "no Rust figure or data folder in the benchmark's output" >&2; exit 1; }
THECAL_BENCH_DIR="$dir" THECAL_TEST=OpenBenchmarkTest bash android/run-tests.sh release 2>&1 | tee "$log"
kotlin=$(sed -nE 's/.*warm median of 20 ([0-9.]+) ms.*/\1/p' "$log")
[ -n "$kotlin" ] || { echo "no Kotlin figure in the test's output" >&2; exit 1; }
python3 - "$rust" "$kotlin" <<'PY'
import sys
rust, kotlin = map(float, sys.argv[1:])
ratio = kotlin / rust
print(f"open+dashboard, five years: Rust {rust:.3f} ms, Kotlin warm {kotlin:.3f} ms: {ratio:.2f}x (budget 3x)")
sys.exit(0 if ratio <= 3 else 1)
PY
