#!/usr/bin/env bash
# evchargerd with two chargers that report JSON over MQTT, as the field runs them beside a GX (`evhil sim gx`, its bus
# and its broker):
#  - "diy" reports to a broker of its own and takes JSON commands on a command topic;
#  - "node" reports to the GX's broker and follows the GX's N/ topics of its service, as mr-manuel's driver expects.
# Checked with busctl, mosquitto_sub and the simulators' own reports: both services appear with their measurements; a
# GUI write of /SetCurrent reaches each charger by its path; measurements are read-only; a data timeout shows
# /Connected 0 and /Status 0 with the service still on the bus, and data brings it back; a restart of the data broker is
# ridden out without a restart of evchargerd.
set -u
evchargerd=$1
evhil=$2
work=$(mktemp -d)
gx=""
sim=""
node=""
daemon=""
broker=""
trap 'kill_and_clean daemon sim node gx broker' EXIT
source "$(dirname "$0")/daemon_test_helpers.sh"

portal=c0ffee000001
"$evhil" sim gx --pv 3000 --portal-id "$portal" >"$work/gx.out" 2>"$work/gx.err" &
gx=$!
wait_for_line "$work/gx.out" '^Venus MQTT on ' || fail "evhil sim gx did not start: $(cat "$work/gx.out" "$work/gx.err")"
address=$(grep -o '^export DBUS_SYSTEM_BUS_ADDRESS=.*' "$work/gx.out" | cut -d= -f2-)
gx_port=$(grep -o '^Venus MQTT on 127.0.0.1:[0-9]*' "$work/gx.out" | cut -d: -f2)

start_mosquitto
data_port=$mqtt_port

# diy: silent from 12 s to 18 s after its start, longer than evchargerd's 3 s timeout.
"$evhil" sim mqtt-json --broker "127.0.0.1:$data_port" --interval 300ms --fault silence:12s:6s >"$work/sim.out" 2>&1 &
sim=$!
"$evhil" sim mqtt-json --broker "127.0.0.1:$gx_port" --topic node/report --command-topic "" --interval 300ms \
    --venus "$portal:101" --no-status --no-current >"$work/node.out" 2>&1 &
node=$!
cat >"$work/daemon.yaml" <<YAML
devices:
  diy:
    type: mqtt_json
    endpoint: {host: 127.0.0.1, port: $data_port, reconnect: {initial: 200ms, maximum: 1s}}
    driver: {topic: custom/ev-charger, command_topic: custom/ev-charger/set, timeout: 3s}
    venus: {name: diy, device_instance: 100}
  node:
    type: mqtt_json
    endpoint: {host: 127.0.0.1, port: $gx_port}
    driver: {topic: node/report, timeout: 3s}
    venus: {name: node, device_instance: 101}
controller: {type: manual, enabled: true, current: 10}
venus: {bus: $address}
venus_mqtt: {broker: {host: 127.0.0.1, port: $data_port}, portal_id: 0123456789ab}
YAML
"$evchargerd" --config "$work/daemon.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
get() { busctl --address="$address" call "com.victronenergy.evcharger.$1" "$2" com.victronenergy.BusItem GetValue 2>&1; }
set_value() { busctl --address="$address" call "com.victronenergy.evcharger.$1" "$2" com.victronenergy.BusItem SetValue "${@:3}" 2>&1; }
# report TOPIC PORT KEY: the KEY of the next report a simulator publishes.
report() {
    mosquitto_sub -h 127.0.0.1 -p "$2" -t "$1" -C 1 -W 3 2>/dev/null | python3 -c "import json, sys; print(json.load(sys.stdin)['$3'])"
}

wait_for "v i 1" get diy /Connected || fail "diy /Connected: $(get diy /Connected); $(cat "$work/daemon.log")"
wait_for "v i 1" get node /Connected || fail "node /Connected: $(get node /Connected); $(cat "$work/daemon.log")"
wait_for "v i 2" get diy /Status || fail "diy /Status: $(get diy /Status)"
wait_for "v d 6900" get diy /Ac/Power || fail "diy /Ac/Power: $(get diy /Ac/Power)"  # after the EV's ramp
[ "$(get diy /Current)" = "v d 10" ] || fail "diy /Current: $(get diy /Current)"
wait_for "v d 10" get node /Current || fail "node /Current (derived from the power): $(get node /Current)"
echo "ok   both JSON chargers are evcharger services: 6900 W at 10 A (node's current derived from its power)"

[ "$(set_value diy /SetCurrent v d 8)" = "i 0" ] || fail "SetCurrent 8 on diy was refused"
wait_for "8.0" report custom/ev-charger "$data_port" SetCurrent || fail "diy did not get 8 A as JSON: $(cat "$work/sim.out")"
[ "$(set_value node /SetCurrent v d 7)" = "i 0" ] || fail "SetCurrent 7 on node was refused"
wait_for "7.0" report node/report "$gx_port" SetCurrent || fail "node did not follow N/$portal/evcharger/101/SetCurrent"
echo "ok   a GUI write reaches diy as JSON on its command topic and node through the GX's N/ topics"
[ "$(set_value diy /Ac/Power v d 1)" = "i 1" ] || fail "a write to /Ac/Power was not refused with 1"
echo "ok   measurements are read-only on D-Bus (/Ac/Power refused with 1)"

# evchargerd's own venus_mqtt output mirrors the bus onto the data broker, for an install with no GX.
mosquitto_sub -h 127.0.0.1 -p "$data_port" -v -W 2 -t 'N/0123456789ab/#' >"$work/mirror" 2>/dev/null &
mirror=$!
wait_ms 300
mosquitto_pub -h 127.0.0.1 -p "$data_port" -t R/0123456789ab/keepalive -m ''
wait "$mirror" 2>/dev/null
for topic in evcharger/100/Ac/Power evcharger/101/SetCurrent system/0/Serial full_publish_completed; do
    grep -q "^N/0123456789ab/$topic " "$work/mirror" || fail "venus_mqtt: no N/0123456789ab/$topic: $(head "$work/mirror")"
done
mosquitto_sub -h 127.0.0.1 -p "$gx_port" -v -W 2 -t "N/$portal/#" >"$work/gx_tree" 2>/dev/null &
mirror=$!
wait_ms 300
mosquitto_pub -h 127.0.0.1 -p "$gx_port" -t "R/$portal/keepalive" -m ''
wait "$mirror" 2>/dev/null
for topic in evcharger/100/Ac/Power evcharger/101/Ac/Power evcharger/100/Connected; do
    grep -q "^N/$portal/$topic {" "$work/gx_tree" || fail "the GX's bridge shows no N/$portal/$topic"
done
echo "ok   the GX's own bridge shows both MQTT-JSON chargers' services on N/$portal/evcharger/100 and 101"
echo "ok   evchargerd's venus_mqtt output mirrors the bus (both chargers and the GX's services) after a keep-alive"

wait_for_line "$work/daemon.log" "no data on custom/ev-charger" 150 || fail "no timeout in: $(cat "$work/daemon.log")"
[ "$(get diy /Connected)" = "v i 0" ] || fail "diy /Connected during the silence: $(get diy /Connected)"
[ "$(get diy /Status)" = "v i 0" ] || fail "diy /Status during the silence: $(get diy /Status)"
[ "$(get node /Connected)" = "v i 1" ] || fail "node was disturbed by diy's silence"
echo "ok   a data timeout shows /Connected 0 and /Status 0, and the service stays on the bus"
wait_for "v i 1" get diy /Connected || wait_for "v i 1" get diy /Connected || fail "diy did not come back after the silence"
echo "ok   data coming back brings it back by itself"

kill "$broker"; wait "$broker" 2>/dev/null
wait_for "v i 0" get diy /Connected || fail "diy still connected with its broker gone"
start_mosquitto
wait_for "v i 1" get diy /Connected || wait_for "v i 1" get diy /Connected ||
    fail "diy did not come back after a broker restart: $(tail -5 "$work/daemon.log")"
kill -0 "$daemon" || fail "evchargerd died"
echo "ok   a restart of the data broker: evchargerd reconnects and resubscribes, the service never left"
grep -q "lost the connection to mqtt://127.0.0.1:$data_port" "$work/daemon.log" || fail "no log line for the lost broker"

kill -TERM "$daemon"; wait "$daemon"; code=$?; daemon=""
[ "$code" -eq 0 ] || fail "SIGTERM: evchargerd exited $code: $(tail -15 "$work/daemon.log")"
echo "evchargerd mqtt-json: all checks passed"
