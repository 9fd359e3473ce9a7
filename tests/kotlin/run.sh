#!/usr/bin/env bash
# Compiles the generated Kotlin bindings and every tests/kotlin/**/*.kt file with kotlinc (JVM),
# then runs the JUnit 4 tests against the real native library.
#
#   bash tests/kotlin/run.sh            # debug library
#   bash tests/kotlin/run.sh release    # release library
#
# Prints "N passed, N failed" alone on a line and exits non-zero on any failure.
# THECAL_SKIP_BINDINGS=1 skips tests/bindings.sh (when the caller has just run it).
# Compiled output is cached in build/kotlin/ by a hash of its sources, so a second run with
# nothing changed only runs the tests.
set -euo pipefail

PROFILE=${1:-debug}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
log() { printf '[kotlin] %s\n' "$*" >&2; }

CACHE=${THECAL_CACHE:-/var/cache/thecal}
KOTLIN_HOME="$CACHE/kotlin/node_modules/kotlin-compiler"
KOTLINC="$KOTLIN_HOME/bin/kotlinc"
KLIB="$KOTLIN_HOME/lib"
for f in "$KOTLINC" /usr/share/java/jna.jar /usr/share/java/junit4.jar /usr/share/java/hamcrest.jar; do
  [ -e "$f" ] || { log "missing $f: run 'bash tests/toolchains.sh host kotlin' first"; exit 1; }
done

OUT="$ROOT/build/kotlin"
mkdir -p "$OUT"
# One Kotlin run at a time per checkout (agents and CI may share it); then the bindings lock
# while the generated sources are made and compiled (the Swift run takes it too).
exec 9>"$OUT/.lock"
flock 9
exec 8>"$ROOT/build/.bindings.lock"
flock 8
if [ "${THECAL_SKIP_BINDINGS:-0}" != 1 ]; then
  THECAL_BINDINGS_LOCK_HELD=1 bash tests/bindings.sh "$PROFILE"
fi
GEN="$ROOT/build/bindings/kotlin"
LIB_DIR=$(cat "$ROOT/build/bindings/lib-dir")
[ -f "$LIB_DIR/libthecal.so" ] || { log "no libthecal.so in $LIB_DIR"; exit 1; }

DEPS="/usr/share/java/jna.jar:$KLIB/kotlinx-coroutines-core-jvm.jar"
TEST_DEPS="/usr/share/java/junit4.jar:/usr/share/java/hamcrest.jar:$KLIB/kotlin-test.jar:$KLIB/kotlin-test-junit.jar"
KOTLIN_VERSION=$("$KOTLINC" -version 2>&1 | grep -o 'kotlinc-jvm [^ ]*' || echo unknown)

# hash FILES...: one hash over the compiler version and the files' names and contents.
hash_of() { { echo "$KOTLIN_VERSION"; for f in "$@"; do echo "$f"; cat "$f"; done; } | sha256sum | cut -c1-16; }

# 1. The generated bindings, into a jar (recompiled only when the API changes).
mapfile -t GEN_SOURCES < <(find "$GEN" -name '*.kt' | sort)
[ ${#GEN_SOURCES[@]} -gt 0 ] || { log "no generated Kotlin in $GEN"; exit 1; }
BINDINGS_HASH=$(hash_of "${GEN_SOURCES[@]}")
BINDINGS_JAR="$OUT/bindings-$BINDINGS_HASH.jar"
if [ ! -f "$BINDINGS_JAR" ]; then
  log "kotlinc: generated bindings (${#GEN_SOURCES[@]} files)"
  rm -f "$OUT"/bindings-*.jar
  "$KOTLINC" -nowarn -cp "$DEPS" -d "$BINDINGS_JAR.partial.jar" "${GEN_SOURCES[@]}"
  mv "$BINDINGS_JAR.partial.jar" "$BINDINGS_JAR"
else
  log "generated bindings unchanged ($BINDINGS_HASH)"
fi

# 2. Every .kt under tests/kotlin (all *Test.kt files, shared helpers and the runner).
mapfile -t TEST_SOURCES < <(find "$ROOT/tests/kotlin" -name '*.kt' | sort)
TESTS_HASH=$(hash_of "$BINDINGS_JAR" "${TEST_SOURCES[@]}")
TEST_CLASSES="$OUT/tests-$TESTS_HASH"
if [ ! -d "$TEST_CLASSES" ]; then
  log "kotlinc: ${#TEST_SOURCES[@]} test files"
  rm -rf "$OUT"/tests-*
  "$KOTLINC" -Werror -cp "$BINDINGS_JAR:$DEPS:$TEST_DEPS" -d "$TEST_CLASSES.partial" "${TEST_SOURCES[@]}"
  mv "$TEST_CLASSES.partial" "$TEST_CLASSES"
else
  log "tests unchanged ($TESTS_HASH)"
fi

exec 8>&-  # compiled: the generated sources may change now

# 3. Run. kotlin-stdlib is not on kotlinc's output classpath, so add it for the JVM.
log "java: JUnit against $LIB_DIR/libthecal.so"
exec java -Djna.library.path="$LIB_DIR" \
  -cp "$TEST_CLASSES:$BINDINGS_JAR:$DEPS:$TEST_DEPS:$KLIB/kotlin-stdlib.jar" \
  org.thecal.tests.runner.RunTestsKt "$TEST_CLASSES"
