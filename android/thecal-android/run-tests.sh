#!/usr/bin/env bash
# Builds the Android layer (android/thecal-android: BluetoothGatt transport, foreground service,
# notification scheduling) against Robolectric's android-all and runs its JUnit tests: Robolectric
# (offline) for the framework parts, the plain JVM with the real native library and the
# in-process simulated pump for the transport. Built from the aggregator android/pom.xml with the
# Kotlin library (android/thecal) as its dependency; the library's own tests are not run here
# (android/run-tests.sh runs them).
#
#   bash android/thecal-android/run-tests.sh
#
# Prints "N passed, N failed" alone on a line and exits non-zero on any failure or if no test ran.
# THECAL_SKIP_BINDINGS=1 skips tests/bindings.sh (when the caller has just run it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
log() { printf '[android] %s\n' "$*" >&2; }
CACHE=${THECAL_CACHE:-/var/cache/thecal}
M2=${THECAL_M2:-$CACHE/m2}
MODULE="$ROOT/android/thecal-android"
REPORTS="$MODULE/target/surefire-reports"
command -v mvn >/dev/null || { log "no mvn: run 'bash tests/toolchains.sh kotlin' first"; exit 1; }
INSTRUMENTED="$M2/org/robolectric/android-all-instrumented/14-robolectric-10818077-i7/android-all-instrumented-14-robolectric-10818077-i7.jar"
[ -f "$INSTRUMENTED" ] || { log "no $INSTRUMENTED: run 'bash tests/toolchains.sh kotlin' first"; exit 1; }

# The same locks as android/run-tests.sh: android/thecal/target and the bindings are shared.
mkdir -p build "$M2"
exec 9>build/.kotlin.lock
flock 9
exec 8>build/.bindings.lock
flock 8
if [ "${THECAL_SKIP_BINDINGS:-0}" != 1 ]; then
  THECAL_BINDINGS_LOCK_HELD=1 bash tests/bindings.sh debug
fi
LIB_DIR=$(cat build/bindings/lib-dir)

WARM_STAMP="$M2/.thecal-warm-android-$({ cat android/pom.xml android/thecal/pom.xml "$MODULE/pom.xml"; mvn -v 2>/dev/null | sed -n '1p;3p'; } | sha256sum | cut -c1-16)"
MVN=(mvn -B -q -f android/pom.xml -pl thecal-android -am -Dmaven.repo.local="$M2" -Dthecal.lib.dir="$LIB_DIR"
  -Dstyle.color=never "-Dtest=org/thecal/android/**/*Test" -Dsurefire.failIfNoSpecifiedTests=false)
if [ -f "$WARM_STAMP" ]; then
  MVN+=(-o)
else
  exec 7>"$M2/.resolve.lock"
  flock 7
  log "online: first run of these poms with $M2"
fi
# The Kotlin library's target/ is shared with android/run-tests.sh: the same rule as there
# (incremental compilation, and a clean build whenever the bindings, its sources or its pom change).
main_key=$(cd "$ROOT" &&
  { echo android/thecal/pom.xml; find build/bindings/kotlin android/thecal/src/main/kotlin -name '*.kt' 2>/dev/null || true; } |
  LC_ALL=C sort | while IFS= read -r f; do printf '%s\n' "$f"; cat "$f"; done | sha256sum | cut -c1-16)
KEY_FILE="$ROOT/android/thecal/target/.thecal-main-key"
if [ "$(cat "$KEY_FILE" 2>/dev/null)" != "$main_key" ]; then
  log "bindings or the Kotlin library changed: full build"
  rm -rf "$ROOT/android/thecal/target"
fi
MVN+=(-Dkotlin.compiler.incremental=true)
rm -rf "$REPORTS"
set +e
"${MVN[@]}" test 2>&1 | awk '{ gsub(/\033\[[0-9;]*m/, ""); if (length($0)) print; fflush() }'
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -ne 0 ] || touch "$WARM_STAMP"
[ ! -d "$ROOT/android/thecal/target/classes" ] || echo "$main_key" > "$KEY_FILE"

attr() { sed -nE "/<testsuite /{s/.*<testsuite [^>]*\b$1=\"([0-9]+)\".*/\1/p;q}" "$2"; }
total=0 failed=0 skipped=0
for f in "$REPORTS"/TEST-*.xml; do
  [ -e "$f" ] || continue
  t=$(attr tests "$f") e=$(attr errors "$f") u=$(attr failures "$f") s=$(attr skipped "$f")
  total=$((total + ${t:-0})); failed=$((failed + ${e:-0} + ${u:-0})); skipped=$((skipped + ${s:-0}))
  name=$(basename "$f" .xml); name=${name#TEST-}
  printf '  %-40s %3d tests, %d failed, %d skipped\n' "${name##*.}" "${t:-0}" "$(( ${e:-0} + ${u:-0} ))" "${s:-0}"
done
echo "$((total - failed - skipped)) passed, $failed failed"
if [ "$rc" -eq 0 ] && { [ "$failed" -ne 0 ] || [ "$total" -eq 0 ]; }; then rc=1; fi
[ "$rc" -eq 0 ] && log "ok" || log "FAILED (exit code $rc)"
exit "$rc"
