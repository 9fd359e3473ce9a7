#!/usr/bin/env bash
# The forecast backtest at smoke size (docs/decisions/0005-forecasts.md §5): held-out simulated
# patients and the unforeseen scenario, checked against the bars (`--check`), with the JSON
# report and the calibration chart kept in build/backtest/.
#   bash tests/backtest.sh                 # 100 patients per scenario (CI)
#   THECAL_FULL=1 bash tests/backtest.sh   # 1,000 patients, release build (the figures in the README)
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/backtest
mkdir -p "$out"
if [ "${THECAL_FULL:-0}" = 1 ]; then
  patients=1000 profile=(--release)
else
  patients=${THECAL_BACKTEST_PATIENTS:-100} profile=()
fi
cargo build --locked -q "${profile[@]}" -p thecal-cli
bin=${CARGO_TARGET_DIR:-target}/$([ ${#profile[@]} -gt 0 ] && echo release || echo debug)/thecal
status=0
"$bin" forecast backtest --patients "$patients" --json --check --chart "$out/calibration.svg" \
  > "$out/report.json" || status=$?
python3 - "$out/report.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
for r in rows:
    print(f"{r['scenario']:<31} {r['horizon']:<15} MAE {r['mae_days']:6.2f} d (± {r['mae_se_days']:.2f})"
          f"  p90 {r['p90_days']:6.2f} d  coverage {100 * r['coverage']:5.1f} % of {r['n']}"
          f"  (95 % interval {100 * r['interval'][0]:.1f}–{100 * r['interval'][1]:.1f} %)")
need = {"horizon", "mae_days", "p90_days", "coverage", "nominal"}
assert rows and all(need <= set(r) for r in rows), "every row has " + ", ".join(sorted(need))
names = {(r["scenario"], r["horizon"]) for r in rows}
for s in ("held_out", "unforeseen_catheter_occlusion"):
    for h in ("refill_low_14d", "refill_low_30d", "eri_6mo", "eri_12mo"):
        assert (s, h) in names, f"missing {s} {h}"
print(f"report.json: {len(rows)} rows, every horizon of both scenarios")
PY
exit "$status"
