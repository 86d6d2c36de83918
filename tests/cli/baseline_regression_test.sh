#!/usr/bin/env bash
# Protocol regression on the wire target: a run matching its baseline passes; when the registers the driver
# polls differ from the accepted baseline the run fails and the HTML report shows the difference side by side;
# `evhil baseline update` accepts the new protocol and the run passes again.
# Usage: baseline_regression_test.sh EVHIL SCENARIO
set -euo pipefail
evhil=$1
scenario=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
baselines=$work/baselines
fail() { echo "FAIL: $*" >&2; exit 1; }

"$evhil" baseline update --out "$work/update" --baselines "$baselines" "$scenario" >"$work/update.log" ||
    fail "baseline update did not pass: $(cat "$work/update.log")"
baseline=$(ls "$baselines"/*.baseline)
grep -q "read 1200 x16" "$baseline" || fail "baseline has no poll of 1200: $(cat "$baseline")"

"$evhil" run --target wire --out "$work/same" --baselines "$baselines" "$scenario" >"$work/same.log" ||
    fail "an unchanged protocol failed: $(cat "$work/same.log")"
grep -q "baseline matched" "$work/same.log" || fail "no 'baseline matched' in: $(cat "$work/same.log")"

# The accepted protocol polled 1201 where the driver now polls 1200: a register the driver polls changed.
sed -i 's/read 1200 x16/read 1201 x16/' "$baseline"
set +e
"$evhil" run --target wire --out "$work/changed" --baselines "$baselines" "$scenario" >"$work/changed.log"
status=$?
set -e
[ "$status" -eq 1 ] || fail "a changed protocol exited $status, expected 1: $(cat "$work/changed.log")"
grep -q "baseline differs" "$work/changed.log" || fail "no 'baseline differs' in: $(cat "$work/changed.log")"
html=$work/changed/index.html
grep -q 'class="removed"[^<]*<span[^>]*>[0-9]*</span>  c+0s &gt; unit 1 FC3 read 1201 x16' "$html" ||
    fail "the report does not show the accepted line as removed"
grep -q 'class="added"[^<]*<span[^>]*>[0-9]*</span>  c+0s &gt; unit 1 FC3 read 1200 x16' "$html" ||
    fail "the report does not show the new line as added"
python3 - "$work/changed/results.json" <<'PY' || fail "results.json does not record the difference"
import json, sys
scenario = json.load(open(sys.argv[1]))["scenarios"][0]
assert scenario["status"] == "failed", scenario["status"]
assert scenario["baselines"][0]["status"] == "differs", scenario["baselines"]
assert all(e["passed"] for e in scenario["expectations"]), "only the protocol may fail"
PY

"$evhil" baseline update --out "$work/update2" --baselines "$baselines" "$scenario" >"$work/update2.log" ||
    fail "second baseline update failed: $(cat "$work/update2.log")"
"$evhil" run --target wire --out "$work/again" --baselines "$baselines" "$scenario" >"$work/again.log" ||
    fail "after baseline update the run still fails: $(cat "$work/again.log")"
[ -s "$work/again/traces/wire-baseline-check.trace" ] || fail "no text trace"
[ -s "$work/again/traces/wire-baseline-check.pcapng" ] || fail "no pcapng trace"
if command -v tshark >/dev/null; then
    decoded=$(tshark -r "$work/again/traces/wire-baseline-check.pcapng" -Y mbtcp 2>/dev/null | grep -c "Modbus/TCP")
    [ "$decoded" -gt 10 ] || fail "tshark decoded only $decoded Modbus/TCP packets"
fi
echo "baseline regression: matched, differed (exit 1, side-by-side diff), accepted, matched again"
