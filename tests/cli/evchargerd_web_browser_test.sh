#!/usr/bin/env bash
# evchargerd's web UI in a real headless Chromium (tests/browser/dashboard_test.mjs, puppeteer-core on Debian's
# chromium) against evchargerd + `evhil sim alfen` + `evhil sim gx` (7 kW of PV, so that Auto has a surplus). The
# screenshots go to OUT (and, with a fourth argument, to docs/images: `ctest -R browser` refreshes them only when
# EVHIL_UPDATE_SCREENSHOTS=1).
set -u
evchargerd=$1
evhil=$2
source_dir=$3
out=$4
work=$(mktemp -d)
sim=""
daemon=""
gx=""
trap 'kill_and_clean daemon sim gx' EXIT
source "$(dirname "$0")/daemon_test_helpers.sh"

[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "no Chromium at ${CHROMIUM:-/usr/bin/chromium}: run ci/setup.sh"
[ -d "$source_dir/tests/browser/node_modules/puppeteer-core" ] ||
    fail "puppeteer-core is not installed in tests/browser: run ci/setup.sh"

start_sim_gx --pv 7000 --house 500 --battery-soc 50 --no-mqtt
start_alfen_sim

cat >"$work/evchargerd.yaml" <<YAML
devices:
  alfen:
    type: alfen
    endpoint: {host: 127.0.0.1, port: $port}
    driver: {poll_interval: 500ms}
    limits: {max_current: 16}
    venus: {name: alfen, device_instance: 40, position: ac_input}
controller:
  type: manual
  enabled: true
  current: 12
  solar: {enable_delay: 1s, disable_delay: 2s, min_charge_duration: 0s}
venus: {bus: system}
log: {level: info}
web: {host: 127.0.0.1, port: 0}
YAML
DBUS_SYSTEM_BUS_ADDRESS=$address "$evchargerd" --config "$work/evchargerd.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for_line "$work/daemon.log" "web UI on http://127.0.0.1:[0-9]*/" || fail "no web UI line: $(cat "$work/daemon.log")"
web_port=$(grep -o 'web UI on http://127.0.0.1:[0-9]*' "$work/daemon.log" | head -n1 | grep -o '[0-9]*$')
wait_for 12 setpoint || fail "Manual: the setpoint is $(setpoint), not 12; $(cat "$work/daemon.log")"
echo "ok   evchargerd serves the UI on 127.0.0.1:$web_port and charges at 12 A"

docs=()
[ "${EVHIL_UPDATE_SCREENSHOTS:-0}" = 1 ] && docs=("$source_dir/docs/images")
node "$source_dir/tests/browser/dashboard_test.mjs" "http://127.0.0.1:$web_port/" "$port" "$sim" "$daemon" "$address" \
    "$out" "${docs[@]}"
code=$?
wait "$daemon"
daemon_code=$?
daemon=""
sim=""
[ "$code" -eq 0 ] || fail "the browser test failed; evchargerd's log: $(tail -30 "$work/daemon.log")"
[ "$daemon_code" -eq 0 ] || fail "evchargerd exited $daemon_code on SIGTERM: $(tail -20 "$work/daemon.log")"
echo "evchargerd web UI in Chromium: all checks passed; screenshots in $out"
