#!/usr/bin/env bash
# Checks that the shipped native library carries no test tools: it is built as the apps get it
# (no `sim` feature) and must export no symbol of thecal-sim (`uniffi_thecal_sim_*`), while the
# test build (tests/bindings.sh) does. Debug profile by default (fast; the features are what
# matter); `release` as first argument for the stripped release library.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${1:-debug}
FLAG=()
[ "$PROFILE" = release ] && FLAG=(--release)
TARGET=${CARGO_TARGET_DIR:-target}
# The same target folder as the test build: cargo keeps both feature sets' artefacts, so
# switching only copies the library again (tests/bindings.sh rebuilds the test build after).
cargo build -q --locked -p thecal-bindings --lib "${FLAG[@]}"
so="$TARGET/$PROFILE/libthecal.so"
core=$(nm -D --defined-only "$so" | grep -c ' uniffi_thecal_core_fn_' || true)
sim=$(nm -D --defined-only "$so" | grep -c ' uniffi_thecal_sim_' || true)
echo "shipped libthecal.so ($PROFILE): $core core functions, $sim test-tool functions"
[ "$core" -gt 0 ] || { echo "no core functions exported: the check itself is broken" >&2; exit 1; }
[ "$sim" -eq 0 ] || { echo "the shipped library carries the test tools" >&2; exit 1; }
