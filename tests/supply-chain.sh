#!/usr/bin/env bash
# The supply chain, as CI checks it:
#   1. cargo deny (deny.toml): every dependency's licence is one we accept, no banned crate, no
#      heavy crate built twice, every crate from crates.io.
#   2. security advisories (cargo deny against the RustSec database). The database is a git
#      repository on GitHub, which CI machines cannot reach, so CI skips this and says so:
#        THECAL_ADVISORY_DB=DIR   checks against a local clone (or mirror) of
#                                 github.com/rustsec/advisory-db, fetching nothing; prints its date
#        THECAL_ADVISORIES=1      fetches the database from GitHub first
#   3. the software bill of materials (CycloneDX 1.5 JSON): the phone library once per kind of
#      target it ships to, and every other crate of the workspace, written to build/sbom/.
#
#   bash tests/supply-chain.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${THECAL_CACHE:-/var/cache/thecal}
export PATH="$CACHE/tools/bin:$PATH"

cargo deny --locked check --hide-inclusion-graph licenses bans sources

if [ -n "${THECAL_ADVISORY_DB:-}" ]; then
  # cargo deny reads its databases from DB_PATH/<name>-<hash of the URL>: it names the folder it
  # wants when asked offline; a clone of the local copy goes there (replaced on every run).
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  sed 's|^\[advisories\]$|[advisories]\ndb-path = "'"$work"'/db"\nmaximum-db-staleness = "P3650D"|' deny.toml >"$work/deny.toml"
  folder=$({ cargo deny --locked --offline --config "$work/deny.toml" -L debug check advisories 2>&1 || true; } |
    sed -nE "s/.*Opening advisory database at '([^']+)'.*/\1/p" | head -1)
  [ -n "$folder" ] || { echo "cargo deny did not say where it reads its database" >&2; exit 1; }
  git clone --quiet "$THECAL_ADVISORY_DB" "$folder"
  echo "advisories: the RustSec database of $(git -C "$folder" log -1 --format=%cs) ($THECAL_ADVISORY_DB)"
  cargo deny --locked --offline --config "$work/deny.toml" check --hide-inclusion-graph advisories
elif [ "${THECAL_ADVISORIES:-0}" = 1 ]; then
  cargo deny --locked check --hide-inclusion-graph advisories
else
  echo "advisories: skipped (GitHub is out of reach; THECAL_ADVISORY_DB=DIR or THECAL_ADVISORIES=1 checks them)"
fi

out=build/sbom
rm -rf "$out"
mkdir -p "$out"
# cargo-cyclonedx writes NAME.json next to each manifest: collect them into build/sbom. It
# resolves features across the whole workspace (the CLI's BLE stack would appear in the phone
# library's), so the library's document keeps only what `cargo tree` says the library links.
collect() { # collect FILENAME SUFFIX: moves every member's FILENAME.json to build/sbom
  local f name
  for f in $(find . -name "$1.json" -not -path './target/*' -not -path './build/*' -printf '%P\n'); do
    name=$(dirname "$f" | tr / -)
    mv "$f" "$out/$name$2.cdx.json"
  done
}
cargo cyclonedx --format json --spec-version 1.5 --override-filename sbom >/dev/null
collect sbom ""
rm "$out/bindings.cdx.json"
# The phone library, once per kind of target it ships to (the platform crates differ).
for target in x86_64-unknown-linux-gnu aarch64-linux-android aarch64-apple-ios; do
  cargo cyclonedx --format json --spec-version 1.5 --target "$target" --override-filename sbom >/dev/null
  cargo tree --locked -p thecal-bindings -e normal,no-proc-macro --target "$target" --prefix none --format '{p}' |
    sed -E 's/ \(.*//' | sort -u >"$out/.links"
  python3 - bindings/sbom.json "$out/.links" "$out/libthecal-$target.cdx.json" <<'PY'
import json, sys
bom = json.load(open(sys.argv[1]))
assert bom["bomFormat"] == "CycloneDX", "not a CycloneDX document"
links = {tuple(l.split()[:2]) for l in open(sys.argv[2]) if l.strip()}
keep = [c for c in bom.get("components", []) if (c["name"], "v" + c["version"]) in links]
refs = {c["bom-ref"] for c in keep} | {bom["metadata"]["component"]["bom-ref"]}
missing = links - {(c["name"], "v" + c["version"]) for c in keep} - {("thecal-bindings", "v" + bom["metadata"]["component"]["version"])}
assert not missing, f"linked but not in the bill of materials: {sorted(missing)}"
bom["components"] = keep
bom["dependencies"] = [
    {"ref": d["ref"], "dependsOn": [r for r in d.get("dependsOn", []) if r in refs]}
    for d in bom.get("dependencies", []) if d["ref"] in refs
]
names = {c["name"] for c in keep}
for needed in ("thecal-core", "rusqlite", "uniffi", "jiff"):
    assert needed in names, f"{needed} missing from the phone library's bill of materials"
json.dump(bom, open(sys.argv[3], "w"), indent=2)
print(f"sbom: {sys.argv[3]}: CycloneDX {bom['specVersion']}, {len(keep)} components")
PY
  rm bindings/sbom.json "$out/.links"
  find . -name sbom.json -not -path './target/*' -not -path './build/*' -delete
done
ls "$out"
