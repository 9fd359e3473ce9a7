#!/usr/bin/env bash
# The FHIR export checked by validators no one here wrote (CI step `fhir`):
#   1. a simulated year (a pump with a reading every 5 minutes and its refills, a diary of
#      ~1,800 pain scores and ~600 doses, the sample ID card for that pump) is exported with
#      `thecal export fhir`;
#   2. HAPI FHIR's instance validator for R4 (tests/fhir/hapi: pinned versions, run offline on
#      the JVM with the R4 definitions and Thecal's own code systems and extensions from
#      tests/fhir/definitions) must report no error, and no warning other than those listed in
#      tests/fhir/hapi/expected-warnings.txt;
#   3. HL7's R4 JSON schema (tests/fhir/schema: ajv) must accept it;
#   4. `thecal export import-fhir` reads it into a new store, whose own export must be the same.
#
#   bash tests/fhir/validate.sh            # one simulated year (CI)
#   THECAL_FHIR_DAYS=1826 bash tests/fhir/validate.sh   # five years
#
# Installs: `bash tests/toolchains.sh fhir` (Maven's resolve into the shared cache, the npm
# packages into $CACHE/fhir-schema). Prints `fhir: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE=${THECAL_CACHE:-/var/cache/thecal}
M2=${THECAL_M2:-$CACHE/m2}
DAYS=${THECAL_FHIR_DAYS:-365}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
check() { # check NAME COMMAND...: one counted check
  local name=$1; shift
  if "$@"; then echo "fhir $name: ok"; passed=$((passed + 1)); else echo "fhir $name: FAILED"; failed=$((failed + 1)); fi
}

cargo build -q -p thecal-cli --locked || { echo "fhir: 0 passed, 1 failed"; exit 1; }
bin=$ROOT/target/debug/thecal
"$bin" sim history --db "$work/db" --days "$DAYS" --seed 15 --start 2025-01-01T00:00:00Z --diary >/dev/null &&
  "$bin" card init --db "$work/db" --pump-serial SIM-IT-000015 >/dev/null &&
  "$bin" export fhir --db "$work/db" --out "$work/bundle.json" || { echo "fhir: 0 passed, 1 failed"; exit 1; }

hapi() {
  local cp="$CACHE/fhir-hapi/classpath.txt" classes="$CACHE/fhir-hapi/classes"
  if [ ! -s "$cp" ] || [ tests/fhir/hapi/pom.xml -nt "$cp" ]; then
    bash tests/toolchains.sh fhir >/dev/null || return 1
  fi
  mkdir -p "$classes"
  javac -d "$classes" -cp "$(cat "$cp")" tests/fhir/hapi/src/Validate.java || return 1
  java -cp "$classes:$(cat "$cp")" Validate tests/fhir/definitions "$work/bundle.json" >"$work/hapi.txt"
  local rc=$?
  cat "$work/hapi.txt"
  [ $rc -eq 0 ] || return 1
  # Every warning must be a known one (its text, without the count).
  local unexpected
  unexpected=$(grep -E '^WARNING ' "$work/hapi.txt" | sed -E 's/  \(x[0-9]+\)$//' |
    grep -vxF -f <(grep -vE '^(#|$)' tests/fhir/hapi/expected-warnings.txt) || true)
  if [ -n "$unexpected" ]; then
    echo "warnings not in tests/fhir/hapi/expected-warnings.txt:"
    echo "$unexpected"
    return 1
  fi
}
check hapi-validator hapi

schema() {
  [ -d "$CACHE/fhir-schema/node_modules/ajv" ] || bash tests/toolchains.sh fhir >/dev/null || return 1
  cp tests/fhir/schema/validate.mjs "$CACHE/fhir-schema/validate.mjs"
  node "$CACHE/fhir-schema/validate.mjs" "$work/bundle.json"
}
check r4-json-schema schema

roundtrip() {
  "$bin" export import-fhir --db "$work/imported" --in "$work/bundle.json" &&
    "$bin" export fhir --db "$work/imported" --out "$work/again.json" >/dev/null &&
    # The same resources again, but for what the ID card gives (the card is not imported: the
    # patient's name, the implant, the pump's UDI and lot) and the export's own time stamp.
    python3 - "$work/bundle.json" "$work/again.json" <<'PY'
import json, sys
def resources(path):
    out = {}
    for e in json.load(open(path))["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Patient" or r["id"].startswith("implant-"):
            continue
        r.pop("udiCarrier", None)
        r.pop("lotNumber", None)
        out[(r["resourceType"], r["id"])] = r
    return out
a, b = resources(sys.argv[1]), resources(sys.argv[2])
if a != b:
    print(f"the import's export differs: {len(a)} resources against {len(b)}")
    sys.exit(1)
print(f"import: the {len(a)} resources read back are exported the same")
PY
}
check import-roundtrip roundtrip

echo "fhir: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
