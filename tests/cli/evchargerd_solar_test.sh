#!/usr/bin/env bash
# evchargerd in Auto against `evhil sim gx` and `evhil sim alfen`, as on a GX, with busctl as the GX GUI: /Mode switches
# between Manual (0) and Auto (1); in Auto the Alfen's setpoint (read with mbpoll) follows the virtual GX's surplus
# (7 kW of PV, a 500 W house: 6500 W, 9.4 A on three phases); a home battery below its minimum SOC (written on the
# GX's settings service) stops it with /Status 7 (Low SOC); back in Manual it charges at /SetCurrent; Scheduled (2)
# without schedule windows is refused. Auto's delays are shortened in the configuration so that the test runs in
# seconds.
set -u
evchargerd=$1
evhil=$2
source_dir=$3
work=$(mktemp -d)
sim=""
daemon=""
gx=""
trap 'kill_and_clean daemon sim gx' EXIT
source "$(dirname "$0")/daemon_test_helpers.sh"

start_sim_gx --pv 7000 --house 500 --battery-soc 50 --no-mqtt
start_alfen_sim

call() {  # call SERVICE PATH METHOD [ARGS...]
    local service=$1 path=$2 method=$3
    shift 3
    busctl --address="$address" call "com.victronenergy.$service" "$path" com.victronenergy.BusItem "$method" "$@" 2>&1
}
near() {  # near LOW HIGH: the setpoint lies between them
    local value
    value=$(setpoint)
    awk -v v="$value" -v lo="$1" -v hi="$2" 'BEGIN {exit !(v != "" && v >= lo && v <= hi)}'
}

cat >"$work/solar.yaml" <<YAML
devices:
  alfen:
    type: alfen
    endpoint: {host: 127.0.0.1, port: $port}
    driver: {poll_interval: 200ms}
    limits: {max_current: 16}
    venus: {name: alfen, device_instance: 40, position: ac_input}
controller:
  type: manual
  enabled: true
  current: 12
  solar: {enable_delay: 1s, disable_delay: 2s, min_charge_duration: 0s}
venus: {bus: system}
log: {level: info}
YAML
DBUS_SYSTEM_BUS_ADDRESS=$address "$evchargerd" --config "$work/solar.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for 12 setpoint || fail "Manual: the setpoint is $(setpoint), not 12; $(cat "$work/daemon.log")"
echo "ok   Manual charges at the configured 12 A"

[ "$(call evcharger.alfen /Mode SetValue v i 1)" = "i 0" ] || fail "/Mode 1 refused: $(cat "$work/daemon.log")"
wait_for_true() { for _ in $(seq 300); do "$@" && return 0; wait_ms 100; done; return 1; }
status_now() {  # SIGUSR1: the daemon logs each charger's state, mode and the controller's reason
    kill -USR1 "$daemon"
    wait_ms 300
    cat "$work/daemon.log"
}
wait_for_true near 9.0 9.8 || fail "Auto: the setpoint is $(setpoint), not the surplus's 9.4 A; $(status_now)"
[ "$(call evcharger.alfen /Mode GetValue)" = "v i 1" ] || fail "/Mode reads $(call evcharger.alfen /Mode GetValue)"
echo "ok   /Mode 1: Auto follows the GX's surplus (setpoint $(setpoint) A)"

[ "$(call settings /Settings/CGwacs/BatteryLife/MinimumSocLimit SetValue v d 90)" = "i 0" ] ||
    fail "the GX refused MinimumSocLimit 90"
wait_for_true near 0 0 || fail "below the minimum SOC the setpoint is $(setpoint), not 0; $(status_now)"
wait_for 'v i 7' call evcharger.alfen /Status GetValue || fail "/Status is $(call evcharger.alfen /Status GetValue), not 7"
echo "ok   the home battery below its minimum SOC stops Auto with /Status 7 (Low SOC)"

[ "$(call evcharger.alfen /Mode SetValue v i 0)" = "i 0" ] || fail "/Mode 0 refused"
wait_for 12 setpoint || fail "back in Manual the setpoint is $(setpoint), not 12"
[ "$(call evcharger.alfen /Mode SetValue v i 2)" = "i 2" ] || fail "/Mode 2 (no schedule windows configured) was not refused"
echo "ok   /Mode 0 charges at /SetCurrent again; /Mode 2 is refused"

kill -TERM "$daemon"
wait "$daemon"
code=$?
daemon=""
[ "$code" -eq 0 ] || fail "SIGTERM: evchargerd exited $code: $(tail -5 "$work/daemon.log")"
echo "evchargerd in Auto: all checks passed"
