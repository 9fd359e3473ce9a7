#!/bin/sh
# Adds to the committed seed corpus of the qr_image target (seeds/qr_image) a real signed card:
# made with the CLI and drawn as PNG, stored once as a picture (first byte 0x00; the drawing made
# grey, 8 bits a pixel, so that it stays under the fuzzer's input size) and once as its QR text
# for the drawing mode (0x01). The other seeds there are small hand-made pictures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/seeds/qr_image"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here/../.." && cargo run -q -p thecal-cli -- card init --db "$tmp/db" >/dev/null &&
  cargo run -q -p thecal-cli -- card render --db "$tmp/db" --format png --out "$tmp/card.png" &&
  cargo run -q -p thecal-cli -- card render --db "$tmp/db" --format txt --out "$tmp/card.txt")
printf '\001%s' "$(tail -n 1 "$tmp/card.txt")" >"$out/card-text"
python3 - "$tmp/card.png" "$out/card-picture" <<'PY'
# RGBA PNG (8 bits, not interlaced, as the CLI draws it) -> grey PNG, composited over white.
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        assert (depth, color, interlace) == (8, 6, 0), "RGBA, 8 bits, not interlaced"
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride, prev, i, out = zlib.decompress(idat), w * 4, bytearray(w * 4), 0, b""
for _ in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - 4] if x >= 4 else 0
        b, c = prev[x], prev[x - 4] if x >= 4 else 0
        if f == 1:
            line[x] = (line[x] + a) & 255
        elif f == 2:
            line[x] = (line[x] + b) & 255
        elif f == 3:
            line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    grey = bytes(min(255, (line[x] * 299 + line[x + 1] * 587 + line[x + 2] * 114) // 1000
                     + 255 - line[x + 3]) for x in range(0, stride, 4))
    out += b"\0" + grey
chunk = lambda k, b: struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(out, 9)) + chunk(b"IEND", b""))
open(sys.argv[2], "wb").write(b"\0" + png)
print(f"2 seeds -> {sys.argv[2].rsplit('/', 1)[0]} (the picture: {w} x {h}, {len(png)} bytes)")
PY
