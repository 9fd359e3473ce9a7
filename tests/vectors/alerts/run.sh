#!/usr/bin/env bash
# Regenerates alerts-protocol-v1.json with the pinned pyhpke/cryptography in the cached venv.
#   bash tests/vectors/alerts/run.sh           # rewrite the file
#   bash tests/vectors/alerts/run.sh --check   # regenerate into a temp file; fail if it differs
set -euo pipefail
cd "$(dirname "$0")"
VENV=${THECAL_CACHE:-/var/cache/thecal}/relay-venv
[ -x "$VENV/bin/python" ] || bash ../../toolchains.sh relay-python
if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
  "$VENV/bin/python" generate.py --out "$tmp"
  if cmp -s "$tmp" alerts-protocol-v1.json; then echo "alerts vectors: 1 passed, 0 failed"; else
    diff <(head -c 2000 alerts-protocol-v1.json) <(head -c 2000 "$tmp") || true
    echo "alerts-protocol-v1.json is not what generate.py writes: 0 passed, 1 failed"; exit 1; fi
else
  "$VENV/bin/python" generate.py
fi
