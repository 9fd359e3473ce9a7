# Sourced by android/run-tests.sh and ios/run-tests.sh: starts a caregiver relay (the real
# `thecal-relay` binary, SQLite in a temporary folder) on a free loopback port for the Kotlin and
# Swift caregiver tests, sets THECAL_RELAY_URL, and stops it when the calling script exits.
# Each test uses new device keys, so new mailboxes: one relay serves the whole run.
# The relay keeps the system's time unless a test writes Unix seconds into THECAL_RELAY_CLOCK_FILE
# (the phone-silent tests move it past a check-in's due time, then delete the file): set
# THECAL_TEST_RELAY_CLOCK first to choose where that file is (default: in the relay's folder).
#
#   start_test_relay "$ROOT"    # builds the relay if needed; needs cargo
start_test_relay() {
  local root=$1 bin dir line
  (cd "$root" && cargo build --quiet -p thecal-relay --bin thecal-relay)
  bin="$(cd "$root" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/thecal-relay"
  [ -x "$bin" ] || { echo "no relay binary at $bin" >&2; return 1; }
  dir=$(mktemp -d -t thecal-test-relay.XXXXXX)
  THECAL_RELAY_CLOCK_FILE=${THECAL_TEST_RELAY_CLOCK:-$dir/clock}
  rm -f "$THECAL_RELAY_CLOCK_FILE"
  export THECAL_RELAY_CLOCK_FILE
  # The relay prints "listening on ADDR" once it accepts connections: no waiting by the clock.
  coproc TEST_RELAY { exec "$bin" --data "$dir" --listen 127.0.0.1:0 \
    --test-clock-file "$THECAL_RELAY_CLOCK_FILE" 2>"$dir/relay.log"; }
  TEST_RELAY_DIR=$dir
  TEST_RELAY_PROC=$TEST_RELAY_PID
  trap 'kill "$TEST_RELAY_PROC" 2>/dev/null; wait "$TEST_RELAY_PROC" 2>/dev/null; rm -rf "$TEST_RELAY_DIR"' EXIT
  if ! read -r -t 60 line <&"${TEST_RELAY[0]}"; then
    echo "the test relay did not start; its log:" >&2
    cat "$dir/relay.log" >&2
    return 1
  fi
  THECAL_RELAY_URL="http://${line#listening on }"
  export THECAL_RELAY_URL
}
