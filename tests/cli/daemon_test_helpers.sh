# Shell helpers shared by the CLI tests that run evchargerd and the standalone simulators (sourced; they need
# $work, a scratch folder, and $evhil, the evhil binary).

fail() { echo "FAIL: $*"; exit 1; }

# kill_and_clean VAR...: stops the processes whose pids the named variables hold (empty: none) with SIGTERM, so that
# evhil sim gx stops its broker and bus too, reaps them and removes $work. For `trap 'kill_and_clean daemon sim' EXIT`.
kill_and_clean() {
    for name in "$@"; do
        [ -n "${!name}" ] && kill "${!name}" 2>/dev/null
    done
    wait 2>/dev/null
    rm -rf "$work"
}
# Waits without sleep(1) (not every minimal system has it) and without a busy loop.
wait_ms() { read -r -t "$(awk "BEGIN {print $1 / 1000}")" <> <(:) || true; }

# wait_for EXPECTED COMMAND...: until the command prints EXPECTED (5 s); false otherwise.
wait_for() {
    local expected=$1
    shift
    for _ in $(seq 50); do
        [ "$("$@")" = "$expected" ] && return 0
        wait_ms 100
    done
    return 1
}

# wait_for_line FILE PATTERN [TENTHS]: until the file has a line matching the pattern (default 5 s).
wait_for_line() {
    for _ in $(seq "${3:-50}"); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        wait_ms 100
    done
    return 1
}

# Starts `evhil sim alfen` on an ephemeral loopback port; sets $sim (its pid) and $port.
start_alfen_sim() {
    "$evhil" sim alfen --port 0 >"$work/sim.out" 2>&1 &
    sim=$!
    port=""
    for _ in $(seq 50); do
        port=$(grep -o '127.0.0.1:[0-9]*' "$work/sim.out" | head -n1 | cut -d: -f2)
        [ -n "$port" ] && return 0
        wait_ms 100
    done
    fail "simulator did not report its port: $(cat "$work/sim.out")"
}

# Starts `evhil sim gx ARGS...` on a private bus of its own; sets $gx (its pid) and $address (the bus address).
start_sim_gx() {
    "$evhil" sim gx "$@" >"$work/gx.out" 2>"$work/gx.err" &
    gx=$!
    wait_for_line "$work/gx.out" '^export DBUS_SYSTEM_BUS_ADDRESS=' ||
        fail "evhil sim gx printed no address: $(cat "$work/gx.out" "$work/gx.err")"
    address=$(grep -o '^export DBUS_SYSTEM_BUS_ADDRESS=.*' "$work/gx.out" | cut -d= -f2-)
    [ -n "$address" ] || fail "evhil sim gx printed no address: $(cat "$work/gx.out" "$work/gx.err")"
}

# The simulator's socket setpoint (register 1210), read with mbpoll, an independent Modbus master.
setpoint() {
    mbpoll -m tcp -0 -1 -q -o 1 -p "$port" -a 1 -r 1210 -t 4:float -B 127.0.0.1 2>&1 |
        grep -oE '\]:[[:space:]]+[-0-9.na]+' | grep -oE '[-0-9.na]+$'
}

# Starts a plain Mosquitto on a free loopback port (anonymous, no persistence); sets $broker (its pid) and
# $mqtt_port. Calling it again restarts it on the same port: a broker restart.
# choose_mqtt_port alone picks the port and writes the configuration without starting the broker.
choose_mqtt_port() {
    mqtt_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$mqtt_port" >"$work/mosquitto.conf"
}
start_mosquitto() {
    [ -n "${mqtt_port:-}" ] || choose_mqtt_port
    : >"$work/broker.log"
    /usr/sbin/mosquitto -c "$work/mosquitto.conf" >>"$work/broker.log" 2>&1 &
    broker=$!
    wait_for_line "$work/broker.log" " running" || fail "mosquitto did not start: $(cat "$work/broker.log")"
}
