#!/usr/bin/env bash
# Conformance of the Venus MQTT bridge in `evhil sim gx` with the standard Mosquitto clients, as a VRM, Node-RED or
# Home Assistant user reaches a GX: mosquitto_sub on N/# shows the whole tree after a keep-alive (the GX's own services
# and the Alfen that evchargerd publishes on the GX's bus), a W/.../SetCurrent from mosquitto_pub changes the simulated
# Alfen's setpoint (read back with mbpoll), R/ reads a subtree, the keep-alive options are honoured, and another
# client cannot publish on the GX's N/ topics.
set -u
evhil=$1
evchargerd=$2
work=$(mktemp -d)
gx=""
sim=""
daemon=""
trap 'kill_and_clean daemon sim gx' EXIT
source "$(dirname "$0")/../cli/daemon_test_helpers.sh"

portal=c0ffee000001
"$evhil" sim gx --pv 3000 --house 600 --portal-id "$portal" >"$work/gx.out" 2>"$work/gx.err" &
gx=$!
wait_for_line "$work/gx.out" '^Venus MQTT on ' || fail "evhil sim gx printed no broker: $(cat "$work/gx.out" "$work/gx.err")"
address=$(grep -o '^export DBUS_SYSTEM_BUS_ADDRESS=.*' "$work/gx.out" | cut -d= -f2-)
mqtt_port=$(grep -o '^Venus MQTT on 127.0.0.1:[0-9]*' "$work/gx.out" | cut -d: -f2)
[ -n "$mqtt_port" ] || fail "no broker port in: $(cat "$work/gx.out")"
echo "ok   evhil sim gx runs a broker on 127.0.0.1:$mqtt_port for portal $portal"

start_alfen_sim
cat >"$work/venus.yaml" <<YAML
devices:
  alfen:
    type: alfen
    endpoint: {host: 127.0.0.1, port: $port}
    driver: {poll_interval: 200ms}
controller: {type: manual, enabled: true, current: 10}
venus: {bus: $address}
YAML
"$evchargerd" --config "$work/venus.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for "10" setpoint || fail "the Alfen's setpoint is $(setpoint), expected the manual 10 A; $(cat "$work/daemon.log")"

# sub FILE SECONDS TOPIC...: mosquitto_sub in the background for SECONDS, verbose lines into FILE.
sub() {
    local file=$1 seconds=$2
    shift 2
    local topics=()
    for topic in "$@"; do topics+=(-t "$topic"); done
    mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -v -W "$seconds" "${topics[@]}" >"$file" 2>&1 &
    subscriber=$!
    wait_ms 300  # subscribed before anything is sent
}
# Until the subscriber's window has closed (mosquitto_sub -W exits 27 then).
sub_done() { wait "$subscriber" 2>/dev/null; }
pub() { mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -t "$1" -m "$2"; }

# The evcharger service appears on the bus once evchargerd has claimed its VRM instance; a keep-alive then shows it.
for _ in $(seq 10); do
    sub "$work/tree" 2 "N/$portal/#"
    pub "R/$portal/keepalive" ''
    sub_done
    grep -q "^N/$portal/evcharger/40/SetCurrent " "$work/tree" && break
done
for topic in system/0/Serial system/0/Dc/Pv/Power settings/0/Settings/CGwacs/BatteryLife/MinimumSocLimit \
    battery/512/Soc evcharger/40/SetCurrent evcharger/40/Ac/Power evcharger/40/Mode evcharger/40/ProductName \
    full_publish_completed heartbeat; do
    grep -q "^N/$portal/$topic {\"value\":" "$work/tree" || fail "no N/$portal/$topic after a keep-alive: $(head -20 "$work/tree")"
done
grep -q "^N/$portal/evcharger/40/SetCurrent {\"value\":10" "$work/tree" ||
    fail "SetCurrent: $(grep SetCurrent "$work/tree")"
echo "ok   a keep-alive shows the tree: $(grep -c . "$work/tree") messages, the GX's services and the Alfen as evcharger/40"

serial=$(mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t "N/$portal/system/0/Serial" -C 1 -W 2 -v 2>&1)
[ "$serial" = "N/$portal/system/0/Serial {\"value\":\"$portal\"}" ] || fail "the retained serial: '$serial'"
echo "ok   N/$portal/system/0/Serial is retained: a new client learns the portal id"

pub "W/$portal/evcharger/40/SetCurrent" '{"value": 8}'
wait_for "8" setpoint || fail "after W/.../SetCurrent 8 the Alfen's setpoint is $(setpoint)"
echo "ok   W/$portal/evcharger/40/SetCurrent {\"value\": 8} sets the simulated Alfen to 8 A"
pub "W/$portal/evcharger/40/SetCurrent" 'not json'
pub "W/$portal/evcharger/40/SetCurrent" '{"amps": 12}'
wait_ms 500
[ "$(setpoint)" = "8" ] || fail "a malformed write changed the setpoint to $(setpoint)"
kill -0 "$gx" 2>/dev/null || fail "evhil sim gx died on a malformed write"
echo "ok   malformed writes are refused and change nothing"

sub "$work/read" 2 "N/$portal/settings/0/Settings/CGwacs/#"
pub "R/$portal/settings/0/Settings/CGwacs" ''
sub_done
[ "$(grep -c "^N/$portal/settings/0/Settings/CGwacs/" "$work/read")" -ge 3 ] ||
    fail "R/ on a subtree published: $(cat "$work/read")"
echo "ok   R/$portal/settings/0/Settings/CGwacs publishes every leaf below it ($(grep -c . "$work/read"))"

sub "$work/quiet" 2 "N/$portal/full_publish_completed" "N/$portal/heartbeat"
pub "R/$portal/keepalive" '{"keepalive-options": ["suppress-republish"]}'
sub_done
! grep -q full_publish_completed "$work/quiet" || fail "suppress-republish still republished: $(cat "$work/quiet")"
echo "ok   a keep-alive with suppress-republish keeps the bridge alive without a full republish"
sub "$work/echo" 2 "N/$portal/full_publish_completed"
pub "R/$portal/keepalive" '{"keepalive-options": [{"full-publish-completed-echo": "evhil-42"}]}'
sub_done
grep -q '"full-publish-completed-echo":"evhil-42"' "$work/echo" || fail "no echo: $(cat "$work/echo")"
echo "ok   full-publish-completed-echo comes back in full_publish_completed"

sub "$work/forged" 2 "N/$portal/system/0/Serial"
pub "N/$portal/system/0/Serial" '{"value": "forged"}'
sub_done
! grep -q forged "$work/forged" || fail "another client's publish on N/$portal/ went through: $(cat "$work/forged")"
echo "ok   another client cannot publish on N/$portal/ (the broker refuses it)"

kill -TERM "$daemon"; wait "$daemon"; daemon=""
kill -TERM "$gx"
wait "$gx"
code=$?
gx=""
[ "$code" -eq 0 ] || fail "SIGTERM: evhil sim gx exited $code: $(cat "$work/gx.err")"
echo "venus mqtt conformance: all checks passed"
