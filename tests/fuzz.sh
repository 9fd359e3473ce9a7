#!/usr/bin/env bash
# Runs every cargo-fuzz target of core/fuzz for a fixed number of executions, from its committed
# seed corpus (core/fuzz/seeds/TARGET), and fails on any crash. CI runs the smoke size; pass a
# number of executions per target for more, or see core/fuzz/README.md for long timed runs.
#
#   bash tests/fuzz.sh            # smoke: the CI sizes below
#   bash tests/fuzz.sh 1000000    # a million executions of each target
#
# Built without a sanitizer (safe Rust: a panic is the crash we look for) in the cache's own
# target folder, so a warm run only runs. New inputs the fuzzer finds go to a temporary corpus,
# never into the committed seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${THECAL_CACHE:-/var/cache/thecal}
export PATH="$CACHE/tools/bin:$PATH"
export RUSTC_BOOTSTRAP=1 # cargo-fuzz's flags on the stable toolchain
TARGET_DIR=${THECAL_FUZZ_TARGET_DIR:-$CACHE/target-fuzz}
# target, executions in CI, longest input (a picture of the card is larger than a frame). Warm,
# on the project's machine: about 1 s, 4 s and 20 s (pictures are slow to read).
# backup_reader's seeds are whole backups (a small store is ~220 KB) and fhir_import's whole
# bundles: their inputs are larger too.
TARGETS=(
  "decode_frame 200000 4096"
  "card_payload 50000 4096"
  "qr_image 500 200000"
  "backup_reader 5000 300000"
  "fhir_import 50000 65536"
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
for entry in "${TARGETS[@]}"; do
  read -r target runs max_len <<<"$entry"
  runs=${1:-$runs}
  mkdir -p "$work/$target"
  start=$(date +%s)
  if cargo fuzz run --fuzz-dir core/fuzz --target-dir "$TARGET_DIR" --sanitizer none \
    "$target" "$work/$target" "core/fuzz/seeds/$target" -- \
    -runs="$runs" -max_len="$max_len" -timeout=60 -artifact_prefix="$work/" -print_final_stats=1 \
    >"$work/$target.log" 2>&1; then
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$work/$target.log" | tail -1)
    echo "fuzz $target: ${execs:-?} executions in $(( $(date +%s) - start )) s, no crash"
  else
    tail -n 40 "$work/$target.log"
    for a in "$work"/crash-* "$work"/oom-* "$work"/timeout-*; do
      [ -e "$a" ] && echo "input that failed: $(base64 -w0 "$a")"
    done
    echo "fuzz $target: FAILED"
    failed=$((failed + 1))
  fi
done
echo "fuzz: $(( ${#TARGETS[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
