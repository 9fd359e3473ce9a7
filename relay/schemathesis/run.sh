#!/usr/bin/env bash
# Runs schemathesis against a relay started here (SQLite in a temp folder), with hooks.py signing
# every request as a device would, and prints the share of 2xx answers per endpoint.
#
#   bash relay/schemathesis/run.sh            # CI size: THECAL_SCHEMATHESIS_EXAMPLES=25 per operation
#   THECAL_SCHEMATHESIS_EXAMPLES=300 bash relay/schemathesis/run.sh   # a longer run
set -euo pipefail
cd "$(dirname "$0")/../.."
EXAMPLES=${THECAL_SCHEMATHESIS_EXAMPLES:-25}
VENV=${THECAL_CACHE:-/var/cache/thecal}/relay-venv
TARGET=${CARGO_TARGET_DIR:-target}
[ -x "$VENV/bin/schemathesis" ] || bash tests/toolchains.sh relay-python
cargo build -q -p thecal-relay --bin thecal-relay
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TARGET/debug/thecal-relay" --listen "127.0.0.1:$port" --data "$tmp/data" \
  --rate 100000 --burst 100000 --mailbox-depth 100000 >"$tmp/relay.out" 2>"$tmp/relay.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
set +e
root=$(pwd)
# Run from the temp folder: schemathesis keeps its example cache in the working directory.
(cd "$tmp" && PYTHONPATH="$root/relay/schemathesis" SCHEMATHESIS_HOOKS=hooks THECAL_RELAY_URL="http://127.0.0.1:$port" \
THECAL_SCHEMATHESIS_LOG="$tmp/calls.jsonl" \
  "$VENV/bin/schemathesis" run "$root/docs/openapi/relay.yaml" --url "http://127.0.0.1:$port" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection,missing_required_header,unsupported_method \
  --max-examples "$EXAMPLES" --seed 20261126 --no-color --request-timeout 10 --phases examples,coverage,fuzzing)
rc=$?
"$VENV/bin/python" relay/schemathesis/summarize.py "$tmp/calls.jsonl" ${THECAL_SCHEMATHESIS_VERBOSE:+-v}
src=$?
set -e
if grep -qi "panicked" "$tmp/relay.log"; then echo "the relay panicked"; exit 1; fi
[ $rc -eq 0 ] && [ $src -eq 0 ]
