#!/usr/bin/env bash
# `evhil sim gx` as a user runs it, read with busctl: it starts its own private bus and prints the address, publishes
# system, settings, battery and grid services with the site it was given, takes ESS setting writes as a GX does
# (out of range refused with 2), and closes the loop with a charger: evchargerd publishing an Alfen from
# `evhil sim alfen` on the GX's bus shows up in the GX's consumption on the grid side. SIGTERM exits 0.
set -u
evhil=$1
evchargerd=$2
work=$(mktemp -d)
gx=""
sim=""
daemon=""
trap 'kill_and_clean daemon sim gx' EXIT
source "$(dirname "$0")/daemon_test_helpers.sh"

start_sim_gx --pv 3000 --house 600 --battery-soc 50
echo "ok   evhil sim gx started its own bus at $address"
get() { busctl --address="$address" call "$1" "$2" com.victronenergy.BusItem GetValue 2>&1; }
set_value() { busctl --address="$address" call "$1" "$2" com.victronenergy.BusItem SetValue "${@:3}" 2>&1; }
names=$(busctl --address="$address" list --no-pager 2>&1 | awk '{print $1}')
for service in com.victronenergy.system com.victronenergy.settings com.victronenergy.battery.ttyO1 \
    com.victronenergy.grid.cgwacs_ttyUSB0_mb1; do
    echo "$names" | grep -qx "$service" || fail "$service is not on the bus: $names"
done
echo "ok   system, settings, battery and grid services are on the bus"
wait_for "v d 3000" get com.victronenergy.system /Dc/Pv/Power || fail "/Dc/Pv/Power: $(get com.victronenergy.system /Dc/Pv/Power)"
wait_for "v d 2400" get com.victronenergy.system /Dc/Battery/Power ||
    fail "/Dc/Battery/Power: $(get com.victronenergy.system /Dc/Battery/Power), expected the 2400 W surplus"
[ "$(get com.victronenergy.system /Serial)" = 'v s "c0ffee000001"' ] || fail "/Serial: $(get com.victronenergy.system /Serial)"
echo "ok   the site: 3000 W DC PV, the 2400 W surplus into the battery (positive = charging), the portal id"
[ "$(set_value com.victronenergy.settings /Settings/CGwacs/BatteryLife/MinimumSocLimit v d 40)" = "i 0" ] ||
    fail "MinimumSocLimit 40 was not accepted"
[ "$(set_value com.victronenergy.settings /Settings/CGwacs/BatteryLife/MinimumSocLimit v d 140)" = "i 2" ] ||
    fail "MinimumSocLimit 140 was not refused with 2"
wait_for "v d 40" get com.victronenergy.system /Control/ActiveSocLimit || fail "the active SOC limit did not follow"
echo "ok   ESS settings are writeable as on a GX; out of range is refused with 2"

# Close the loop with a charger: an Alfen drawing 6.9 kW on the grid side.
start_alfen_sim
cat >"$work/venus.yaml" <<YAML
devices:
  alfen:
    type: alfen
    endpoint: {host: 127.0.0.1, port: $port}
    driver: {poll_interval: 200ms}
    venus: {position: ac_input}
controller: {type: manual, enabled: true, current: 10}
venus: {bus: $address}
YAML
"$evchargerd" --config "$work/venus.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for "v d 2300" get com.victronenergy.system /Ac/ConsumptionOnInput/L1/Power ||
    fail "consumption on input L1: $(get com.victronenergy.system /Ac/ConsumptionOnInput/L1/Power); $(cat "$work/daemon.log")"
echo "ok   the charger's 6.9 kW shows as consumption on the grid side, 2300 W a phase"
kill -TERM "$daemon"; wait "$daemon"; daemon=""
kill -TERM "$gx"
wait "$gx"
code=$?
gx=""
[ "$code" -eq 0 ] || fail "SIGTERM: evhil sim gx exited $code: $(cat "$work/gx.err")"
echo "ok   SIGTERM: exit 0"
echo "evhil sim gx: all checks passed"
