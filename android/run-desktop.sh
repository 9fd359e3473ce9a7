#!/usr/bin/env bash
# The patient app on the desktop JVM (android/desktop: the shared Compose screens of android/ui
# over the real core and a simulated pump), built with Maven.
#
#   bash android/run-desktop.sh                     # opens the app's window (needs a display)
#   bash android/run-desktop.sh --font-scale 2      # the same at 200 % font scale
#   bash android/run-desktop.sh --screenshot DIR    # under Xvfb: PNGs of every screen at 100 % and
#                                                   # 200 % font scale into DIR, then exits
#   bash android/run-desktop.sh --test              # the Compose UI tests (headless), then the
#                                                   # screenshots into build/screenshots, checked
#
# --test prints "N passed, N failed" alone on a line (the UI tests from surefire's reports, plus
# one check for the screenshot run: every PNG written, the ID card's QR code read back by zbarimg)
# and exits non-zero on any failure or if no test ran.
# THECAL_SKIP_BINDINGS=1 skips tests/bindings.sh (when the caller has just run it).
# Maven's local repository is $THECAL_CACHE/m2 (default /var/cache/thecal/m2; THECAL_M2 overrides
# it); once a build of this pom has passed with it, later runs are offline.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
log() { printf '[desktop] %s\n' "$*" >&2; }

MODE=app SHOTS="" APP_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --screenshot) MODE=screenshot; SHOTS=${2:?usage: --screenshot DIR}; shift 2 ;;
    --test) MODE=test; shift ;;
    --font-scale) APP_ARGS+=(--font-scale "${2:?usage: --font-scale N}"); shift 2 ;;
    *) echo "usage: $0 [--screenshot DIR | --test | --font-scale N]" >&2; exit 2 ;;
  esac
done

CACHE=${THECAL_CACHE:-/var/cache/thecal}
M2=${THECAL_M2:-$CACHE/m2}
MODULE="$ROOT/android/desktop"
REPORTS="$MODULE/target/surefire-reports"
command -v mvn >/dev/null || { log "no mvn: run 'bash tests/toolchains.sh desktop' first"; exit 1; }

# One desktop build at a time per checkout; the bindings lock while the generated sources are
# made, compiled and the library is loaded (as android/run-tests.sh does).
mkdir -p build "$M2"
exec 9>build/.desktop.lock
flock 9
exec 8>build/.bindings.lock
flock 8
if [ "${THECAL_SKIP_BINDINGS:-0}" != 1 ]; then
  THECAL_BINDINGS_LOCK_HELD=1 bash tests/bindings.sh debug
fi
LIB_DIR=$(cat build/bindings/lib-dir)
[ -f "$LIB_DIR/libthecal.so" ] || { log "no libthecal.so in $LIB_DIR"; exit 1; }

WARM_STAMP="$M2/.thecal-warm-desktop-$({ cat "$MODULE/pom.xml"; mvn -v 2>/dev/null | sed -n '1p;3p'; } | sha256sum | cut -c1-16)"
MVN=(mvn -B -q -f "$MODULE/pom.xml" -Dmaven.repo.local="$M2" -Dthecal.lib.dir="$LIB_DIR" -Dstyle.color=never)
if [ -f "$WARM_STAMP" ]; then
  MVN+=(-o)
else
  exec 7>"$M2/.resolve.lock"
  flock 7
  log "first build of this pom with $M2: online (a cold repository takes minutes)"
fi

# Kotlin's incremental compiler (target/kotlin-ic) makes a warm build seconds; as in
# android/run-tests.sh, target/ is emptied whenever the bindings, the library's Kotlin layer, the
# shared screens, the runner or the pom change, so a change there is always a clean build.
main_key=$( { echo android/desktop/pom.xml; find build/bindings/kotlin android/thecal/src/main/kotlin android/ui/src/main/kotlin android/desktop/src/main/kotlin -name '*.kt' 2>/dev/null || true; } |
  LC_ALL=C sort | while IFS= read -r f; do printf '%s\n' "$f"; cat "$f"; done | sha256sum | cut -c1-16)
KEY_FILE="$MODULE/target/.thecal-main-key"
if [ "$(cat "$KEY_FILE" 2>/dev/null)" != "$main_key" ]; then
  log "sources or pom changed: full build"
  rm -rf "$MODULE/target"
fi
MVN+=(-Dkotlin.compiler.incremental=true)
strip() { awk '{ gsub(/\033\[[0-9;]*m/, ""); if (length($0)) print; fflush() }'; }

# Compiles the app and writes its runtime classpath.
build_app() {
  log "mvn compile"
  "${MVN[@]}" compile dependency:build-classpath -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime 2>&1 | strip
  [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
  echo "$main_key" > "$KEY_FILE"
}

run_app() { # run_app ARGS...: the app's main, with the native library
  java -Djna.library.path="$LIB_DIR" -Dskiko.renderApi=SOFTWARE \
    -cp "$MODULE/target/classes:$(cat "$MODULE/target/classpath.txt")" org.thecal.desktop.MainKt "$@"
}

# Runs the app under a private Xvfb display and saves the screenshots into $1.
screenshots() {
  local dir=$1 xlog rc
  command -v Xvfb >/dev/null || { log "no Xvfb: run 'bash tests/toolchains.sh desktop' first"; return 1; }
  mkdir -p "$dir"
  rm -f "$dir"/*.png
  xlog=$(mktemp)
  # -displayfd: Xvfb picks a free display number itself and writes it once it is ready.
  exec 6< <(Xvfb -displayfd 1 -screen 0 1280x1024x24 -nolisten tcp 2>"$xlog" & echo "pid $!")
  local pid display
  read -r _ pid <&6
  read -r display <&6 || { log "Xvfb did not start: $(cat "$xlog")"; return 1; }
  log "Xvfb :$display (pid $pid)"
  set +e
  DISPLAY=":$display" run_app --screenshot "$dir"
  rc=$?
  set -e
  kill "$pid" 2>/dev/null || true
  exec 6<&-
  rm -f "$xlog"
  return "$rc"
}

# Every screen at both scales, and the card's QR code decodes to the signed card's text.
check_shots() {
  local dir=$1 name scale ok=0
  for name in dashboard alarm diary card recovery dashboard-stale; do
    for scale in 100 200; do
      [ -s "$dir/$name-$scale-1.png" ] || { log "missing screenshot $name-$scale-1.png"; return 1; }
    done
  done
  for f in "$dir"/card-100-*.png "$dir"/card-200-*.png; do
    if zbarimg --quiet --raw "$f" 2>/dev/null | grep -q '^THECAL1:'; then ok=1; fi
  done
  [ "$ok" -eq 1 ] || { log "no readable QR code in the ID card's screenshots"; return 1; }
  log "screenshots: $(ls "$dir"/*.png | wc -l) PNGs in ${dir#"$ROOT"/}, the card's QR code reads back"
}

case "$MODE" in
  app)
    build_app
    touch "$WARM_STAMP"
    exec 8>&-
    [ -n "${DISPLAY:-}" ] || { log "no display: use --screenshot DIR to run it under Xvfb"; exit 1; }
    run_app "${APP_ARGS[@]}"
    ;;
  screenshot)
    build_app
    touch "$WARM_STAMP"
    screenshots "$SHOTS"
    ;;
  test)
    rm -rf "$REPORTS"
    set +e
    log "mvn test (Compose UI tests, headless)"
    "${MVN[@]}" test dependency:build-classpath -Dmdep.outputFile="$MODULE/target/classpath.txt" -Dmdep.includeScope=runtime 2>&1 | strip
    rc=${PIPESTATUS[0]}
    set -e
    [ "$rc" -ne 0 ] || touch "$WARM_STAMP"
    if [ -d "$MODULE/target/classes" ]; then echo "$main_key" > "$KEY_FILE"; fi
    attr() { sed -nE "/<testsuite /{s/.*<testsuite [^>]*\b$1=\"([0-9]+)\".*/\1/p;q}" "$2"; }
    total=0 failed=0 skipped=0
    for f in "$REPORTS"/TEST-*.xml; do
      [ -e "$f" ] || continue
      t=$(attr tests "$f") e=$(attr errors "$f") u=$(attr failures "$f") s=$(attr skipped "$f")
      total=$((total + ${t:-0})); failed=$((failed + ${e:-0} + ${u:-0})); skipped=$((skipped + ${s:-0}))
      name=$(basename "$f" .xml); name=${name#TEST-}
      printf '  %-40s %3d tests, %d failed, %d skipped\n' "${name##*.}" "${t:-0}" "$(( ${e:-0} + ${u:-0} ))" "${s:-0}"
    done
    # The screenshots: the app in a real window under Xvfb; every screen saved, and the QR code
    # on the ID card readable by a scanner nobody here wrote (zbarimg).
    if [ "$rc" -eq 0 ] && [ -f "$MODULE/target/classpath.txt" ]; then
      total=$((total + 1))
      out="$ROOT/build/screenshots"
      if screenshots "$out" >"$ROOT/build/screenshots.log" 2>&1 && check_shots "$out"; then
        printf '  %-40s %3d tests, %d failed, %d skipped\n' "screenshots" 1 0 0
      else
        failed=$((failed + 1))
        printf '  %-40s %3d tests, %d failed, %d skipped\n' "screenshots" 1 1 0
        tail -20 "$ROOT/build/screenshots.log" >&2
      fi
    fi
    [ "$skipped" -eq 0 ] || log "$skipped skipped"
    echo "$((total - failed - skipped)) passed, $failed failed"
    if [ "$rc" -eq 0 ] && { [ "$failed" -ne 0 ] || [ "$total" -eq 0 ]; }; then rc=1; fi
    if [ "$rc" -eq 0 ]; then log "ok"; else log "FAILED (exit code $rc; reports in ${REPORTS#"$ROOT"/})"; fi
    exit "$rc"
    ;;
esac
