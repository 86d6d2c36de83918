#!/usr/bin/env bash
# evchargerd from drivers/daemon/examples/alfen-homeassistant.yaml against `evhil sim alfen` and a real Mosquitto, read
# and driven with mosquitto_sub and mosquitto_pub as Home Assistant would: the discovery passes Home Assistant's rules
# (tests/conformance/ha_discovery_check.py), the birth message brings every config back, a number command changes the
# simulated Alfen's setpoint (read with mbpoll), a refused command changes nothing, SIGTERM says offline and a killed
# daemon's will says it too.
set -u
evchargerd=$1
evhil=$2
source_dir=$3
work=$(mktemp -d)
sim=""
daemon=""
broker=""
trap 'kill_and_clean daemon sim broker' EXIT
source "$(dirname "$0")/daemon_test_helpers.sh"

choose_mqtt_port
start_alfen_sim
sed -e "s/port: 1502/port: $port/" -e "s/port: 1883/port: $mqtt_port/" -e "s/port: 8088/port: 0/" -e '/^state:/d' \
    "$source_dir/drivers/daemon/examples/alfen-homeassistant.yaml" >"$work/daemon.yaml"
# The broker is not there yet: evchargerd runs the station regardless and keeps trying.
"$evchargerd" --config "$work/daemon.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for "10" setpoint || fail "the Alfen's setpoint is $(setpoint), expected the manual 10 A; $(cat "$work/daemon.log")"
wait_for_line "$work/daemon.log" "cannot connect to mqtt://127.0.0.1:$mqtt_port" || fail "no log line for the missing broker"
[ "$(grep -c "cannot connect to mqtt" "$work/daemon.log")" -eq 1 ] || fail "the same failure was logged more than once"
echo "ok   with the broker unreachable at start the station runs (10 A) and the failure is one log line"
start_mosquitto

sub() { mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -v -W "$2" "${@:3}" >"$1" 2>/dev/null; }
one() { mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -t "$1" -C 1 -W 3 2>/dev/null; }
for _ in $(seq 30); do [ "$(one evchargerd/status)" = "online" ] && break; wait_ms 200; done
sub "$work/discovery" 1 -t 'homeassistant/#'
[ "$(grep -c '/config ' "$work/discovery")" -eq 9 ] || fail "expected 9 retained configs: $(cat "$work/discovery")"
python3 "$source_dir/tests/conformance/ha_discovery_check.py" <"$work/discovery" >"$work/check" ||
    fail "the discovery breaks Home Assistant's rules: $(cat "$work/check")"
grep -q '"max":16' "$work/discovery" || fail "the current's max is not the configured 16 A: $(grep number "$work/discovery")"
echo "ok   9 retained discovery configs that pass Home Assistant's rules ($(tail -n1 "$work/check"))"
[ "$(one evchargerd/status)" = "online" ] || fail "evchargerd/status: $(one evchargerd/status)"
[ "$(one evchargerd/alfen/availability)" = "online" ] || fail "availability: $(one evchargerd/alfen/availability)"
echo "ok   availability: evchargerd/status and evchargerd/alfen/availability are online"

mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -v -R -W 2 -t 'homeassistant/+/+/config' >"$work/birth" 2>/dev/null &
watcher=$!
wait_ms 300
mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -t homeassistant/status -m online
wait "$watcher" 2>/dev/null
[ "$(grep -c '/config ' "$work/birth")" -eq 9 ] || fail "the birth message brought back $(grep -c . "$work/birth") configs"
echo "ok   Home Assistant's birth message brings all 9 configs back"

mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -t evchargerd/alfen/current/set -m 8
wait_for "8" setpoint || fail "after the number command 8 the setpoint is $(setpoint); $(tail -3 "$work/daemon.log")"
echo "ok   a Home Assistant number command sets the simulated Alfen to 8 A"
mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -t evchargerd/alfen/current/set -m 40
mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -t evchargerd/alfen/mode/set -m Auto
wait_for_line "$work/daemon.log" "refused mode 'Auto'" || fail "no refusal logged: $(tail -5 "$work/daemon.log")"
grep -q "refused current '40' for alfen: outside 0 to 16" "$work/daemon.log" || fail "40 A was not refused with the reason"
[ "$(setpoint)" = "8" ] || fail "a refused command changed the setpoint to $(setpoint)"
echo "ok   out-of-range current and an unavailable mode are refused with the reason, the station unchanged"
mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -t evchargerd/alfen/charging/set -m OFF
wait_for "0" setpoint || fail "the charging switch OFF left the setpoint at $(setpoint)"
echo "ok   the charging switch pauses the charger"

kill -TERM "$daemon"; wait "$daemon"; code=$?; daemon=""
[ "$code" -eq 0 ] || fail "SIGTERM: evchargerd exited $code"
[ "$(one evchargerd/status)" = "offline" ] || fail "after SIGTERM evchargerd/status is $(one evchargerd/status): $(grep -v "debug: wrote\|alfen\] debug" "$work/daemon.log" | tail -12)"
echo "ok   SIGTERM: evchargerd says offline before it leaves"
"$evchargerd" --config "$work/daemon.yaml" >"$work/daemon2.log" 2>&1 &
daemon=$!
for _ in $(seq 50); do [ "$(one evchargerd/status)" = "online" ] && break; wait_ms 100; done
kill -9 "$daemon"; wait "$daemon" 2>/dev/null; daemon=""
for _ in $(seq 50); do [ "$(one evchargerd/status)" = "offline" ] && break; wait_ms 100; done
[ "$(one evchargerd/status)" = "offline" ] || fail "a killed evchargerd left evchargerd/status $(one evchargerd/status)"
echo "ok   a killed evchargerd: its last will says offline"
echo "evchargerd homeassistant: all checks passed"
