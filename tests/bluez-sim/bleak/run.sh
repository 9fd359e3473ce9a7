#!/usr/bin/env bash
# The simulated BlueZ tried with Python's bleak (a BlueZ client nobody here wrote): builds the
# bleak_check example (private bus + simulator + simulated pump), which runs check.py with bleak
# from the cached venv and then checks what bleak left behind.
#
#   bash tests/toolchains.sh bleak && bash tests/bluez-sim/bleak/run.sh
#
# Prints "N passed, N failed" alone on a line; exits non-zero on any failure.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"
CACHE=${THECAL_CACHE:-/var/cache/thecal}
PYTHON="$CACHE/bleak-venv/bin/python"
[ -x "$PYTHON" ] || { echo "no bleak venv: run 'bash tests/toolchains.sh bleak' first" >&2; exit 1; }
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build --quiet --locked -p thecal-bluez-sim --example bleak_check
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
status=0
"$TARGET/debug/examples/bleak_check" "$PYTHON" tests/bluez-sim/bleak/check.py 2>&1 | tee "$OUT" || status=$?
# One line for tests/all.sh: the script's steps, plus the simulator's side.
read -r p f < <(awk '/^(bleak|simulator side): [0-9]+ passed, [0-9]+ failed/ {
  sub(/^[^:]*: /, ""); p += $1; f += $3 } END { print p + 0, f + 0 }' "$OUT")
[ "$status" -eq 0 ] || [ "$f" -gt 0 ] || f=1
echo "$p passed, $f failed"
exit "$status"
