#!/usr/bin/env bash
# Builds the test build of the native library (libthecal: the core plus the simulated pump of
# thecal-sim, feature `sim`) and generates its Kotlin and Swift bindings. The shipped library is
# the same core without the simulator (tests/lib-size.sh builds and measures it).
#
#   bash tests/bindings.sh            # debug library (the default for tests)
#   bash tests/bindings.sh release    # release library
#
# Output:
#   target/<profile>/libthecal.so, libthecal.a   the library the tests load / link
#   build/bindings/kotlin/                       generated Kotlin (packages org.thecal.core and,
#                                                for the tests only, org.thecal.sim)
#   build/bindings/swift/                        generated thecal.swift + thecalFFI.h/.modulemap,
#                                                and thecal_sim.swift + thecal_simFFI.h/.modulemap
#
# The shipped library is built WITHOUT the `cli` feature (it would make it much larger); the
# uniffi-bindgen tool is built with it in its own target dir (target/bindgen), so the two feature
# sets never rebuild each other. Generated code is never committed (/build is gitignored).
# Idempotent: a second run only regenerates the sources (a second or two).
set -euo pipefail

PROFILE=${1:-debug}
case "$PROFILE" in
  debug) PROFILE_FLAG=() ;;
  release) PROFILE_FLAG=(--release) ;;
  *) echo "usage: $0 [debug|release]" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
log() { printf '[bindings +%ss] %s\n' "$SECONDS" "$*" >&2; }

# `cargo metadata --format-version 1 --no-deps` would be exact, but the default target dir is
# what the workspace uses unless CARGO_TARGET_DIR says otherwise.
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
LIB_DIR="$TARGET/$PROFILE"
BINDGEN_TARGET="$TARGET/bindgen"
OUT="$ROOT/build/bindings"

# One generation at a time per checkout. The run scripts take this lock themselves (and keep it
# while they read the generated files), then set THECAL_BINDINGS_LOCK_HELD=1.
mkdir -p "$ROOT/build"
if [ "${THECAL_BINDINGS_LOCK_HELD:-0}" != 1 ]; then
  exec 8>"$ROOT/build/.bindings.lock"
  flock 8
fi

log "cargo build -p thecal-bindings --features sim ($PROFILE, the test build)"
cargo build --quiet -p thecal-bindings --lib --features sim "${PROFILE_FLAG[@]}"

log "cargo build uniffi-bindgen (target dir $BINDGEN_TARGET)"
CARGO_TARGET_DIR="$BINDGEN_TARGET" cargo build --quiet -p thecal-bindings --features cli --bin uniffi-bindgen
BINDGEN="$BINDGEN_TARGET/debug/uniffi-bindgen"

for f in libthecal.so libthecal.a; do
  [ -f "$LIB_DIR/$f" ] || { log "missing $LIB_DIR/$f after the build"; exit 1; }
done

# Generate from the static library: the release .so is stripped (profile.release strip = true),
# which removes the UNIFFI_META symbols that bindgen reads; the .a keeps them in both profiles,
# and both give the same sources.
# Generate into fresh folders so a removed type never lingers in an old file.
rm -rf "$OUT/kotlin" "$OUT/swift"
mkdir -p "$OUT/kotlin" "$OUT/swift"
log "generate Kotlin -> $OUT/kotlin"
"$BINDGEN" generate --language kotlin --no-format --out-dir "$OUT/kotlin" "$LIB_DIR/libthecal.a" >/dev/null
log "generate Swift -> $OUT/swift"
"$BINDGEN" generate --language swift --out-dir "$OUT/swift" "$LIB_DIR/libthecal.a" >/dev/null # stdout: only "swift-format not installed"

# The run scripts read these to find the library that matches the sources.
printf '%s\n' "$LIB_DIR" > "$OUT/lib-dir"
log "done: library in $LIB_DIR"
