#!/usr/bin/env bash
# Builds the Kotlin library (android/thecal/pom.xml: the generated bindings + src/main/kotlin) with
# Maven and runs its JUnit tests (src/test/kotlin) on the desktop JVM against the real native
# library, as the Android app will call it.
#
#   bash android/run-tests.sh            # debug library
#   bash android/run-tests.sh release    # release library
#
# Prints "N passed, N failed" alone on a line (counted from surefire's XML reports) and exits
# non-zero on any failure, or if no test ran.
# THECAL_SKIP_BINDINGS=1 skips tests/bindings.sh (when the caller has just run it).
# Maven's local repository is $THECAL_CACHE/m2 (default /var/cache/thecal/m2; THECAL_M2 overrides
# it), outside the clone so that CI keeps it. Once a run has resolved everything this pom needs
# into it, later runs are offline (-o): no network, nothing to time out. Maven's output stays in
# android/thecal/target/ (gitignored); the bindings are compiled again only when they change.
set -euo pipefail

PROFILE=${1:-debug}
case "$PROFILE" in
  debug | release) ;;
  *) echo "usage: $0 [debug|release]" >&2; exit 2 ;;
esac
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
log() { printf '[kotlin] %s\n' "$*" >&2; }

CACHE=${THECAL_CACHE:-/var/cache/thecal}
M2=${THECAL_M2:-$CACHE/m2}
MODULE="$ROOT/android/thecal"
REPORTS="$MODULE/target/surefire-reports"
command -v mvn >/dev/null || { log "no mvn: run 'bash tests/toolchains.sh kotlin' first"; exit 1; }

# One Kotlin run at a time per checkout (they share android/thecal/target); then the bindings lock
# while the generated sources are made, compiled and the library is loaded (the Swift run takes
# it too, so the library does not change under the tests).
mkdir -p build "$M2"
exec 9>build/.kotlin.lock
flock 9
exec 8>build/.bindings.lock
flock 8
if [ "${THECAL_SKIP_BINDINGS:-0}" != 1 ]; then
  THECAL_BINDINGS_LOCK_HELD=1 bash tests/bindings.sh "$PROFILE"
fi
LIB_DIR=$(cat build/bindings/lib-dir)
# The caregiver tests talk to a real relay on loopback.
# shellcheck source=../tests/test-relay.sh
. tests/test-relay.sh
start_test_relay "$ROOT"
log "test relay at $THECAL_RELAY_URL"
[ -f "$LIB_DIR/libthecal.so" ] || { log "no libthecal.so in $LIB_DIR"; exit 1; }
find build/bindings/kotlin -name '*.kt' -print -quit 2>/dev/null | grep -q . ||
  { log "no generated Kotlin in build/bindings/kotlin"; exit 1; }

# Offline once this exact pom (and Maven) has had a successful online run with this repository;
# otherwise online, one resolving run at a time (Maven 3.8 does not lock its local repository).
# (The key: the pom, Maven's and Java's versions. sed, not head: no SIGPIPE under pipefail.)
WARM_STAMP="$M2/.thecal-warm-$({ cat "$MODULE/pom.xml"; mvn -v 2>/dev/null | sed -n '1p;3p'; } | sha256sum | cut -c1-16)"
MVN=(mvn -B -q -f "$MODULE/pom.xml" -Dmaven.repo.local="$M2" -Dthecal.lib.dir="$LIB_DIR" -Dthecal.relay.url="$THECAL_RELAY_URL" -Dstyle.color=never)
if [ -f "$WARM_STAMP" ]; then
  MVN+=(-o)
  log "mvn test (offline, $M2)"
else
  exec 7>"$M2/.resolve.lock"
  flock 7
  log "mvn test (online: first run of this pom with $M2; a cold repository takes minutes)"
fi

# Compiling the generated bindings (~20,000 lines) is most of a run. Kotlin's incremental
# compiler (kotlin-ic/ in target/) skips what did not change, which makes a warm run seconds; it
# is marked experimental in Maven, so it is trusted with the tests only: whenever the bindings,
# the hand-written layer or the pom change, target/ is emptied and everything is built afresh
# (which also drops the class files of types removed from the bindings).
# (src/main/kotlin may not exist yet: git keeps no empty folders.)
main_key=$(cd "$ROOT" &&
  { echo android/thecal/pom.xml; find build/bindings/kotlin android/thecal/src/main/kotlin -name '*.kt' 2>/dev/null || true; } |
  LC_ALL=C sort | while IFS= read -r f; do printf '%s\n' "$f"; cat "$f"; done | sha256sum | cut -c1-16)
KEY_FILE="$MODULE/target/.thecal-main-key"
if [ "$(cat "$KEY_FILE" 2>/dev/null)" != "$main_key" ]; then
  log "bindings, main sources or pom changed: full build"
  rm -rf "$MODULE/target"
fi
rm -rf "$REPORTS"
MVN+=(-Dkotlin.compiler.incremental=true)
# THECAL_TEST=Class runs that test class alone (android/bench-open.sh).
if [ -n "${THECAL_TEST:-}" ]; then MVN+=("-Dtest=$THECAL_TEST" -Dsurefire.failIfNoSpecifiedTests=false); fi

# Debian's Maven 3.8 prints colour resets even in batch mode: strip them (and end every line).
set +e
"${MVN[@]}" test 2>&1 | awk '{ gsub(/\033\[[0-9;]*m/, ""); if (length($0)) print; fflush() }'
rc=${PIPESTATUS[0]}
set -e
exec 8>&-
[ "$rc" -ne 0 ] || touch "$WARM_STAMP"
# Tests ran, so the main sources compiled: the next run may reuse them.
if [ -d "$REPORTS" ]; then echo "$main_key" > "$KEY_FILE"; fi

# The counts come from surefire's reports: one XML file per test class, whose root element
# <testsuite ... tests="N" errors="N" skipped="N" failures="N"> holds that class's totals.
attr() { sed -nE "/<testsuite /{s/.*<testsuite [^>]*\b$1=\"([0-9]+)\".*/\1/p;q}" "$2"; }
total=0 failed=0 skipped=0
for f in "$REPORTS"/TEST-*.xml; do
  [ -e "$f" ] || continue
  t=$(attr tests "$f") e=$(attr errors "$f") u=$(attr failures "$f") s=$(attr skipped "$f")
  total=$((total + ${t:-0})); failed=$((failed + ${e:-0} + ${u:-0})); skipped=$((skipped + ${s:-0}))
  name=$(basename "$f" .xml); name=${name#TEST-}
  printf '  %-40s %3d tests, %d failed, %d skipped\n' "${name##*.}" "${t:-0}" "$(( ${e:-0} + ${u:-0} ))" "${s:-0}"
done
[ "$skipped" -eq 0 ] || log "$skipped skipped"
echo "$((total - failed - skipped)) passed, $failed failed"

if [ "$rc" -eq 0 ] && { [ "$failed" -ne 0 ] || [ "$total" -eq 0 ]; }; then rc=1; fi
if [ "$rc" -eq 0 ]; then log "ok"
elif [ "$total" -eq 0 ]; then log "FAILED (exit code $rc): no test ran (see Maven's errors above)"
else log "FAILED (exit code $rc; reports in ${REPORTS#"$ROOT"/})"; fi
exit "$rc"
