#!/usr/bin/env bash
# Runs the Swift package's XCTest tests against the real Rust library, in the Debian trixie
# chroot that tests/toolchains.sh installs (swiftlang), with the repository bound at /work.
#
#   bash ios/run-tests.sh             # debug library
#   bash ios/run-tests.sh release     # release library
#
# The Rust library is built on the HOST (tests/bindings.sh; set THECAL_SKIP_BINDINGS=1 if the
# caller has just run it); the generated Swift files and C headers of the test build (the core
# and the simulated pump) are copied into the package and libthecal.a into build/swift/lib
# (only the static library, so it is what links).
# SwiftPM's .build stays in ios/ (gitignored), so a second run only relinks and runs.
#
# The result is swift test's EXIT CODE (its last line can say "passed" after an XCTest
# failure); the summary line "N passed, N failed" comes from XCTest's own count.
set -euo pipefail

PROFILE=${1:-debug}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
log() { printf '[swift] %s\n' "$*" >&2; }

CACHE=${THECAL_CACHE:-/var/cache/thecal}
CHROOT="$CACHE/swift-chroot"
[ -x "$CHROOT/usr/libexec/swift/bin/swift" ] || { log "no Swift chroot at $CHROOT: run 'bash tests/toolchains.sh swift' first"; exit 1; }
[ "$(id -u)" -eq 0 ] || { log "needs root (mount, chroot)"; exit 1; }

# One user of the chroot's mounts at a time (a second run would unmount under the first); then
# the bindings lock while the generated files are made and copied (the Kotlin run takes it too).
exec 9>"$CACHE/swift-chroot.lock"
flock 9
mkdir -p build
exec 8>"$ROOT/build/.bindings.lock"
flock 8
if [ "${THECAL_SKIP_BINDINGS:-0}" != 1 ]; then
  THECAL_BINDINGS_LOCK_HELD=1 bash tests/bindings.sh "$PROFILE"
fi
GEN="$ROOT/build/bindings/swift"
LIB_DIR=$(cat "$ROOT/build/bindings/lib-dir")

# copy SRC DST: only when the content changed, so SwiftPM's incremental build stays warm.
copy() { mkdir -p "$(dirname "$2")"; cmp -s "$1" "$2" || cp "$1" "$2"; }
# The test build: the core's API and, in the same module, the test tools (the in-process
# simulated pump); their header is included by the core's, so the C module is one (UniFFI's shared
# FFI structs must be one type). The shipped package has the core's files only.
mkdir -p build/swift
# (Generated files of an older layout, when they were compiled in the Thecal target itself.)
rm -f ios/Sources/Thecal/thecal.swift ios/Sources/Thecal/thecal_sim.swift
copy "$GEN/Thecal.swift" ios/Sources/ThecalBindings/thecal.swift
copy "$GEN/ThecalSim.swift" ios/Sources/ThecalBindings/thecal_sim.swift
copy "$GEN/thecal_simFFI.h" ios/Sources/thecalFFI/thecal_simFFI.h
{ cat "$GEN/thecalFFI.h"; printf '\n// Test build: the test tools of thecal-sim.\n#include "thecal_simFFI.h"\n'; } \
  > build/swift/thecalFFI.h.test
copy build/swift/thecalFFI.h.test ios/Sources/thecalFFI/thecalFFI.h
copy "$LIB_DIR/libthecal.a" build/swift/lib/libthecal.a
exec 8>&-

# SwiftPM does not see a change in a library given by -L, so it would keep a test binary linked
# against the old Rust code: unless the library is the one linked last time, remove the linked
# product so that it is linked again.
# Nor does it always rebuild the Swift code over a changed C header (a callback interface's
# vtable, say): old code over a new library then reads garbage. A changed header starts the
# package's build afresh.
HEADER_STAMP=build/swift/header.sha256
HEADER_SUM=$(sha256sum ios/Sources/thecalFFI/thecalFFI.h ios/Sources/thecalFFI/thecal_simFFI.h | sha256sum | cut -d' ' -f1)
if [ "$(cat "$HEADER_STAMP" 2>/dev/null)" != "$HEADER_SUM" ]; then
  rm -rf ios/.build
  printf '%s\n' "$HEADER_SUM" > "$HEADER_STAMP"
fi
STAMP=build/swift/linked-lib.sha256
LIB_SUM=$(sha256sum build/swift/lib/libthecal.a | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$LIB_SUM" ]; then
  rm -rf ios/.build/*/*/ThecalPackageTests.xctest
fi

# The caregiver tests talk to a real relay on loopback (outside the chroot; same network).
# shellcheck source=../tests/test-relay.sh
. tests/test-relay.sh
# Its clock file where the chroot sees it too (the package's folder is /work there).
THECAL_TEST_RELAY_CLOCK="$ROOT/build/swift/relay-clock"
start_test_relay "$ROOT"
log "test relay at $THECAL_RELAY_URL"
cleanup() {
  bash "$ROOT/tests/toolchains.sh" umount || log "could not unmount everything under $CHROOT"
  kill "$TEST_RELAY_PROC" 2>/dev/null || true
  rm -rf "$TEST_RELAY_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bash tests/toolchains.sh mount "$ROOT"

log "swift test (in $CHROOT, package /work/ios)"
OUTPUT="$ROOT/build/swift/test-output.txt"
set +e
chroot "$CHROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
  THECAL_RELAY_URL="$THECAL_RELAY_URL" \
  THECAL_RELAY_CLOCK_FILE=/work/build/swift/relay-clock \
  /bin/bash -c 'cd /work/ios && swift --version 2>&1 | head -n 1 && swift test --disable-swift-testing 2>&1' | tee "$OUTPUT"
rc=${PIPESTATUS[0]}
set -e

# XCTest's last "Executed N tests, with M failures" line is the total of the whole run.
summary=$(grep -E 'Executed [0-9]+ tests?, with [0-9]+ failures?' "$OUTPUT" | tail -n 1 || true)
total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
if [ -z "$summary" ]; then
  log "swift test printed no XCTest summary (build failure?); exit code $rc"
  echo "0 passed, 0 failed"
  [ "$rc" -ne 0 ] || rc=1
else
  echo "$LIB_SUM" > "$STAMP"  # tests ran, so the binary was linked against this library
  echo "$((total - failed)) passed, $failed failed"
  if [ "$rc" -eq 0 ] && { [ "$failed" -ne 0 ] || [ "$total" -eq 0 ]; }; then rc=1; fi
fi
[ "$rc" -eq 0 ] && log "ok" || log "FAILED (exit code $rc)"
exit "$rc"
