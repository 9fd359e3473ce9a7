#!/usr/bin/env bash
# Regenerates alerts-protocol-v1.json with the pinned pyhpke/cryptography in the cached venv.
set -euo pipefail
cd "$(dirname "$0")"
VENV=${THECAL_CACHE:-/var/cache/thecal}/relay-venv
[ -x "$VENV/bin/python" ] || bash ../../toolchains.sh relay-python
"$VENV/bin/python" generate.py "$@"
