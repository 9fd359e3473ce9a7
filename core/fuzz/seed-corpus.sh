#!/bin/sh
# Writes the committed seed corpus (seeds/decode_frame) of the decode_frame target from the test
# vectors (the single source of truth): each vector's bytes, once raw (first byte 0x00) and once
# as a sealed payload (0x01).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/seeds/decode_frame"
mkdir -p "$out"
python3 - "$here/../../tests/vectors/pump-profile-v1.json" "$out" <<'PY'
import json, sys, os
doc = json.load(open(sys.argv[1]))
out = sys.argv[2]
for i, v in enumerate(doc["vectors"]):
    b = bytes.fromhex(v["hex"])
    open(os.path.join(out, f"vector-{i:03}-raw"), "wb").write(b"\x00" + b)
    if len(b) >= 5:
        # kind, counter and payload (without version and CRC) for the sealed mode.
        open(os.path.join(out, f"vector-{i:03}-sealed"), "wb").write(b"\x01" + b[1:-2])
print(f"{len(doc['vectors'])} vectors -> {out}")
PY
