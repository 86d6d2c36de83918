#!/usr/bin/env bash
# evchargerd's venus output as a user runs it, with busctl as the GX's client: against a standalone
# `evhil sim alfen` and a private dbus-daemon, the charger appears as com.victronenergy.evcharger.alfen with its
# paths; a SetValue on /SetCurrent reaches the station (read back with mbpoll, an independent Modbus master) and
# reads back clamped above the limit; /Mode 1 is refused with 2; a bus daemon that goes away and comes back gets
# the service back by itself; a name another connection holds is one log line and a retry, not a crash; SIGTERM
# exits 0 within 2 s.
set -u
evchargerd=$1
evhil=$2
source_dir=$3
work=$(mktemp -d)
sim=""
daemon=""
bus=""
holder=""
trap 'kill_and_clean daemon holder sim bus' EXIT
source "$(dirname "$0")/daemon_test_helpers.sh"
address="unix:path=$work/bus"
start_bus() {
    rm -f "$work/bus"
    dbus-daemon --config-file="$source_dir/simulators/victron/private-bus.conf" --address="$address" --nofork \
        --print-address >"$work/bus.out" 2>&1 &
    bus=$!
    wait_for_line "$work/bus.out" unix: || fail "dbus-daemon did not start: $(cat "$work/bus.out")"
}
call() {  # call PATH METHOD [ARGS...]
    local path=$1 method=$2
    shift 2
    busctl --address="$address" call com.victronenergy.evcharger.alfen "$path" com.victronenergy.BusItem "$method" "$@" 2>&1
}

start_bus
start_alfen_sim

cat >"$work/venus.yaml" <<YAML
devices:
  alfen:
    type: alfen
    endpoint: {host: 127.0.0.1, port: $port}
    driver: {poll_interval: 200ms}
    limits: {max_current: 16}
    venus: {device_instance: 40}
controller: {type: manual, enabled: true, current: 10}
venus: {bus: system}
log: {level: info}
YAML
DBUS_SYSTEM_BUS_ADDRESS=$address "$evchargerd" --config "$work/venus.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for 'v i 1' call /Connected GetValue || fail "no /Connected 1: $(call /Connected GetValue); $(cat "$work/daemon.log")"
echo "ok   com.victronenergy.evcharger.alfen is on the bus, connected"
[ "$(call /DeviceInstance GetValue)" = "v i 40" ] || fail "/DeviceInstance: $(call /DeviceInstance GetValue)"
[ "$(call /Mgmt/ProcessName GetValue)" = 'v s "evchargerd"' ] || fail "/Mgmt/ProcessName: $(call /Mgmt/ProcessName GetValue)"
wait_for 'v i 2' call /Status GetValue || fail "/Status is $(call /Status GetValue), not 2 (Charging)"
echo "ok   its paths: /DeviceInstance 40, /Mgmt/ProcessName, /Status 2 (Charging)"

[ "$(call /SetCurrent SetValue v d 7)" = "i 0" ] || fail "SetValue /SetCurrent 7 was not accepted"
wait_for 7 setpoint || fail "after SetValue /SetCurrent 7 the setpoint is $(setpoint)"
echo "ok   SetValue /SetCurrent 7 reaches the station"
[ "$(call /SetCurrent SetValue v d 40)" = "i 0" ] || fail "SetValue /SetCurrent 40 was not accepted"
wait_for 'v d 16' call /SetCurrent GetValue || fail "/SetCurrent 40 reads back $(call /SetCurrent GetValue), not 16"
wait_for 16 setpoint || fail "after /SetCurrent 40 the setpoint is $(setpoint), not the 16 A limit"
echo "ok   /SetCurrent 40 reads back 16 (the configured maximum), and 16 A is what the station gets"
[ "$(call /Mode SetValue v i 1)" = "i 2" ] || fail "/Mode 1 (Auto, no controller yet) was not refused with 2"
echo "ok   /Mode 1 is refused with 2"

# The bus daemon goes away and comes back: the service is back by itself, with its values.
kill "$bus"; wait "$bus" 2>/dev/null; bus=""
start_bus
wait_for 'v d 16' call /SetCurrent GetValue || fail "after a bus restart: $(call /SetCurrent GetValue); $(tail -5 "$work/daemon.log")"
grep -q "lost the D-Bus connection" "$work/daemon.log" || fail "no log line for the lost bus: $(cat "$work/daemon.log")"
echo "ok   after a bus restart the service comes back with its values"

start=$(date +%s%N)
kill -TERM "$daemon"
wait "$daemon"
code=$?
daemon=""
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$code" -eq 0 ] || fail "SIGTERM: exit $code: $(cat "$work/daemon.log")"
[ "$elapsed_ms" -lt 2000 ] || fail "SIGTERM took $elapsed_ms ms"
echo "ok   SIGTERM: exit 0 in $elapsed_ms ms"

# Another connection holds the name: evchargerd says so and retries, and takes the name once it is free.
# The holder is a first evchargerd with the same configuration.
DBUS_SYSTEM_BUS_ADDRESS=$address "$evchargerd" --config "$work/venus.yaml" >"$work/holder.log" 2>&1 &
holder=$!
wait_for 'v i 40' call /DeviceInstance GetValue || fail "the first evchargerd did not publish: $(cat "$work/holder.log")"
DBUS_SYSTEM_BUS_ADDRESS=$address "$evchargerd" --config "$work/venus.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for_line "$work/daemon.log" "already taken by another connection; trying again" ||
    fail "a taken name was not reported: $(cat "$work/daemon.log")"
kill -0 "$daemon" || fail "evchargerd exited on a taken name"
kill -TERM "$holder"; wait "$holder"; holder=""
wait_for_line "$work/daemon.log" "published com.victronenergy.evcharger.alfen" 100 ||
    fail "the name was not taken over once free: $(cat "$work/daemon.log")"
echo "ok   a taken name is one log line and a retry; the name is taken once it is free"
kill -TERM "$daemon"; wait "$daemon"; daemon=""
echo "evchargerd venus: all checks passed"
