#!/usr/bin/env bash
# evchargerd as a user runs it: bad configurations (FILE:LINE:COL, exit 2), --check-config, then against a
# standalone `evhil sim alfen` on an ephemeral loopback port: the station applies the configured current (read
# back from the simulator with mbpoll, an independent Modbus master), SIGTERM leaves the charger at 0 A and exits 0
# within 2 s, a loop of kill -9 during state writes always leaves a loadable state file, and a restart restores
# the settings the previous run persisted (not the configuration's).
set -u
evchargerd=$1
evhil=$2
work=$(mktemp -d)
sim=""
daemon=""
cleanup() {
    [ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null
    [ -n "$sim" ] && kill "$sim" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/daemon_test_helpers.sh"

# --- configuration errors -------------------------------------------------------------------------------------
config_error() {  # config_error NAME EXPECTED_MESSAGE <<< YAML
    cat >"$work/$1.yaml"
    "$evchargerd" --config "$work/$1.yaml" --check-config >"$work/$1.out" 2>&1
    local code=$?
    [ "$code" -eq 2 ] || fail "$1: exit $code, expected 2: $(cat "$work/$1.out")"
    grep -qF -- "$work/$1.yaml:$2" "$work/$1.out" || fail "$1: expected '$work/$1.yaml:$2' in: $(cat "$work/$1.out")"
    echo "ok   $1"
}
config_error unknown-key "3:5: devices.garage: unknown key 'colour'" <<'YAML'
devices:
  garage:
    colour: red
    type: alfen
    endpoint: {host: 127.0.0.1}
controller: {type: manual}
YAML
config_error wrong-type "4:39: devices.garage.endpoint.port: expected a whole number, got 'twelve'" <<'YAML'
devices:
  garage:
    type: alfen
    endpoint: {host: 127.0.0.1, port: twelve}
controller: {type: manual}
YAML
config_error out-of-range "5:33: devices.garage.limits.cable_max_current: 200 is out of range [0, 80]" <<'YAML'
devices:
  garage:
    type: alfen
    endpoint: {host: 127.0.0.1}
    limits: {cable_max_current: 200}
controller: {type: manual}
YAML
config_error missing-endpoint "3:5: devices.garage: missing required field 'endpoint'" <<'YAML'
devices:
  garage:
    type: alfen
controller: {type: manual}
YAML
config_error unknown-type "3:11: devices.garage.type: unknown device type 'tesla'" <<'YAML'
devices:
  garage:
    type: tesla
    endpoint: {host: 127.0.0.1}
controller: {type: manual}
YAML
config_error venus-name "4:19: 'my-charger' cannot be part of a D-Bus name" <<'YAML'
devices:
  garage:
    type: alfen
    venus: {name: my-charger}
    endpoint: {host: 127.0.0.1}
controller: {type: manual}
YAML
config_error venus-instance "7:30: charger carport has the same Venus device instance as garage" <<'YAML'
devices:
  garage:
    type: alfen
    endpoint: {host: 127.0.0.1}
  carport:
    type: alfen
    venus: {device_instance: 40}
    endpoint: {host: 127.0.0.1}
controller: {type: manual}
YAML

# --- against the simulator -------------------------------------------------------------------------------------
start_alfen_sim

write_config() {  # write_config FILE CURRENT STATE_INTERVAL
    cat >"$1" <<YAML
devices:
  alfen:
    type: alfen
    endpoint: {host: 127.0.0.1, port: $port}
    driver: {poll_interval: 200ms}
controller: {type: manual, enabled: true, current: $2}
log: {level: info}
state: {file: $work/state.json, interval: $3}
YAML
}
write_config "$work/run.yaml" 11 100ms
"$evchargerd" --config "$work/run.yaml" --check-config >/dev/null || fail "--check-config refused a valid file"
echo "ok   --check-config accepts a valid file"

wait_for_setpoint() { wait_for "$1" setpoint; }  # wait_for_setpoint AMPS

"$evchargerd" --config "$work/run.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for_setpoint 11 || fail "the station did not apply 11 A (setpoint $(setpoint)): $(cat "$work/daemon.log")"
echo "ok   the station applies the configured 11 A"

start=$(date +%s%N)
kill -TERM "$daemon"
wait "$daemon"
code=$?
daemon=""
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$code" -eq 0 ] || fail "SIGTERM: exit $code: $(cat "$work/daemon.log")"
[ "$elapsed_ms" -lt 2000 ] || fail "SIGTERM took $elapsed_ms ms"
[ "$(setpoint)" = "0" ] || fail "after SIGTERM the setpoint is $(setpoint), not 0"
echo "ok   SIGTERM: 0 A acknowledged, exit 0 in $elapsed_ms ms"

# kill -9 at random moments while the state is written every 10 ms: the file is always whole.
write_config "$work/kill.yaml" 11 10ms
for i in $(seq 25); do
    "$evchargerd" --config "$work/kill.yaml" >>"$work/kill.log" 2>&1 &
    daemon=$!
    wait_ms $(( 50 + RANDOM % 250 ))
    kill -9 "$daemon"
    wait "$daemon" 2>/dev/null
    daemon=""
    python3 -c 'import json, sys; [u["current_a"] for u in json.load(open(sys.argv[1]))["users"].values()]' \
        "$work/state.json" ||
        fail "after kill -9 number $i the state file does not load: $(head -c 300 "$work/state.json")"
done
echo "ok   25 x kill -9 during state writes: the state file always loads"

# A restart restores what the previous run persisted: seed the state with 7 A, let a run write it, kill it, and
# start again from a configuration that says 11 A.
python3 - "$work/state.json" <<'PY'
import json, sys
state = json.load(open(sys.argv[1]))
assert state["users"], "no charger in the state file"
for user in state["users"].values():
    user["current_a"] = 7.0
json.dump(state, open(sys.argv[1], "w"))
PY
"$evchargerd" --config "$work/kill.yaml" >"$work/restore1.log" 2>&1 &
daemon=$!
wait_for_setpoint 7 || fail "the restored 7 A was not applied: $(cat "$work/restore1.log")"
kill -9 "$daemon"; wait "$daemon" 2>/dev/null; daemon=""
# The killed daemon left 7 A in the station: overwrite it, so that only the restarted daemon can bring 7 A back.
mbpoll -m tcp -0 -1 -q -o 1 -p "$port" -a 1 -r 1210 -t 4:float -B 127.0.0.1 16 >/dev/null 2>&1
wait_for_setpoint 16 || fail "could not overwrite the setpoint with mbpoll (setpoint $(setpoint))"
"$evchargerd" --config "$work/kill.yaml" >"$work/restore2.log" 2>&1 &
daemon=$!
wait_for_setpoint 7 || fail "after kill -9 and restart the setpoint is $(setpoint), not the persisted 7 A"
grep -q "restored .* from" "$work/restore2.log" || fail "no 'restored ... from' line: $(cat "$work/restore2.log")"
kill -TERM "$daemon"; wait "$daemon"; daemon=""
echo "ok   restart restores the persisted 7 A over the configured 11 A"

# A state file of format 1 (one setting for the whole station) is still read, for every charger.
echo '{"version": 1, "user": {"enabled": true, "current_a": 9.0}, "sessions": {}}' >"$work/state.json"
"$evchargerd" --config "$work/kill.yaml" >"$work/format1.log" 2>&1 &
daemon=$!
wait_for_setpoint 9 || fail "the format-1 state's 9 A was not applied: $(cat "$work/format1.log")"
kill -TERM "$daemon"; wait "$daemon"; daemon=""
echo "ok   a format-1 state file applies to every charger"

# A corrupt state file: one line, and the daemon starts from its configuration.
echo '{"version": 1, "user": {' >"$work/state.json"
"$evchargerd" --config "$work/run.yaml" >"$work/corrupt.log" 2>&1 &
daemon=$!
wait_for_setpoint 11 || fail "with a corrupt state file the configured 11 A was not applied: $(cat "$work/corrupt.log")"
kill -TERM "$daemon"; wait "$daemon"; daemon=""
[ "$(grep -c "not a valid state file" "$work/corrupt.log")" -eq 1 ] || fail "corrupt state: $(cat "$work/corrupt.log")"
echo "ok   a corrupt state file is reported in one line and the configuration applies"
echo "evchargerd: all checks passed"
