#!/bin/sh
# Writes the committed seed corpus (seeds/card_payload) of the card_payload target from a real
# signed card: makes a demo card with the CLI, then stores its QR text three ways (raw text,
# envelope bytes, signed body), one per mode of the target.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/seeds/card_payload"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here/../.." && cargo run -q -p thecal-cli -- card init --db "$tmp/db" >/dev/null &&
  cargo run -q -p thecal-cli -- card render --db "$tmp/db" --format txt --out "$tmp/card.txt")
python3 - "$(tail -n 1 "$tmp/card.txt")" "$out" <<'PY'
import os, sys
text, out = sys.argv[1], sys.argv[2]
alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
b45 = text[len("THECAL1:"):]
raw = bytearray()
for i in range(0, len(b45), 3):
    chunk = [alphabet.index(c) for c in b45[i:i + 3]]
    n = sum(v * 45 ** k for k, v in enumerate(chunk))
    raw += n.to_bytes(2 if len(chunk) == 3 else 1, "big")
# Envelope: array(2) = 0x82, then the body as a byte string (major type 2).
assert raw[0] == 0x82
info = raw[1] & 0x1F
if info < 24:
    n, start = info, 2
elif info == 24:
    n, start = raw[2], 3
else:
    n, start = int.from_bytes(raw[2:4], "big"), 4
body = bytes(raw[start:start + n])
open(os.path.join(out, "text"), "wb").write(b"\x00" + text.encode())
open(os.path.join(out, "envelope"), "wb").write(b"\x01" + bytes(raw))
open(os.path.join(out, "body"), "wb").write(b"\x02" + body)
print(f"3 seeds -> {out}")
PY
