#!/usr/bin/env bash
# The bench target (docs/bench.md) without hardware: two standalone `evhil sim alfen` on ephemeral loopback
# ports stand in for real wallboxes, a bench file points at them, and the scenarios in DATA/bench/ run on them:
#  - the bench cap: 16 A asked, 10 A allowed -> 10 A written (trace) and read back, bench.capped_commands;
#  - actions only a simulator can do: skipped and listed without --operator; confirmed from stdin with it; not
#    confirmed within the prompt timeout, or before the scenario ends -> listed as not done;
#  - expectations on ev.* and simulator-only charger signals reported as skipped;
#  - read_only: no write in the trace, bench.suppressed_writes;
#  - a scenario that does not list the bench is skipped, and its device need not be in the bench file;
#  - bad bench files (a device missing, max_current missing) -> exit 2 with FILE:LINE:COL, nothing runs;
#  - traces/<scenario>.trace and .pcapng written (and read by tshark when it is installed).
# Usage: bench_target_test.sh EVHIL DATA_DIR
set -euo pipefail
evhil=$1
data=$2/bench
work=$(mktemp -d)
simulators=()
cleanup() {
    local pid
    for pid in "${simulators[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${simulators[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    exit 1
}
ok() { echo "ok   $* (${SECONDS}s)"; }

# Starts `evhil sim alfen` on a free port; sets $port from its "listening on" line.
start_simulator() {
    local name=$1
    "$evhil" sim alfen --host 127.0.0.1 --port 0 >"$work/$name.out" 2>&1 &
    simulators+=($!)
    port=""
    for _ in $(seq 50); do
        port=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$work/$name.out" | head -n1 | cut -d: -f2 || true)
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    echo "simulator $name did not report its port:"
    cat "$work/$name.out"
    exit 1
}

# check_json RESULTS_JSON <<'PY' ... PY: runs Python checks with `results`, `scenario(name)`, `metric(s, key)`,
# `expectation(s, prefix)` and `check(condition, message)`; fails when a check failed.
check_json() {
    python3 - "$1" 3<&0 <<'PY'
import json, os, sys
results = json.load(open(sys.argv[1]))
failures = []
def check(condition, message):
    if not condition:
        failures.append(message)
def scenario(name):
    found = [s for s in results["scenarios"] if s["name"] == name]
    if not found:
        print(f"FAIL: no scenario {name} in {sys.argv[1]}")
        sys.exit(1)
    return found[0]
def metric(s, key):
    return s.get("metrics", {}).get(key)
def expectation(s, prefix):
    found = [e for e in s["expectations"] if e["description"].startswith(prefix)]
    if len(found) != 1:
        print(f"FAIL: {s['name']}: {len(found)} expectations start with {prefix!r}")
        sys.exit(1)
    return found[0]
exec(os.fdopen(3).read())
for failure in failures:
    print("FAIL:", failure)
if failures:
    print("results:", sys.argv[1])
    sys.exit(1)
PY
}

# run_evhil NAME EXPECTED_CODE ARGS... (stdin passed on): runs `evhil run`, keeps NAME.stdout/.stderr.
run_evhil() {
    local name=$1 expected=$2
    shift 2
    local code=0
    "$evhil" run "$@" >"$work/$name.stdout" 2>"$work/$name.stderr" || code=$?
    if [ "$code" -ne "$expected" ]; then
        echo "--- stdout"; cat "$work/$name.stdout"; echo "--- stderr"; cat "$work/$name.stderr"
        fail "$name: expected exit code $expected, got $code"
    fi
}

check_traces() {  # check_traces OUT_DIR SCENARIO
    local trace=$1/traces/$2.trace pcap=$1/traces/$2.pcapng
    [ -s "$trace" ] || fail "$trace missing or empty"
    [ -s "$pcap" ] || fail "$pcap missing or empty"
    [ "$(head -c 4 "$pcap" | od -An -tx1 | tr -d ' \n')" = "0a0d0d0a" ] || fail "$pcap is not a pcapng file"
    grep -q "FC3 read 1200" "$trace" || fail "$trace has no poll of 1200 (FC3 read)"
}

start_simulator wallbox
port_rw=$port
start_simulator wallbox_ro
port_ro=$port

cat >"$work/bench.yaml" <<EOF
name: loopback-bench
devices:
  wallbox:
    host: 127.0.0.1
    port: $port_rw
    station_unit: 200
    socket_unit: 1
    max_current: 10
    connect_timeout: 2s
    response_timeout: 1s
  wallbox_ro: {host: 127.0.0.1, port: $port_ro, max_current: 10, read_only: true}
EOF

# (d) Bad bench input is rejected before anything runs.
cat >"$work/bench-missing-device.yaml" <<EOF
devices:
  wallbox_ro: {host: 127.0.0.1, port: $port_ro, max_current: 10}
EOF
run_evhil missing-device 2 --target bench --bench "$work/bench-missing-device.yaml" --out "$work/bad" \
    "$data/bench-cap.yaml" </dev/null
grep -qE "bench-cap\.yaml:[0-9]+:[0-9]+: devices\.wallbox: the bench file .*bench-missing-device\.yaml has no device 'wallbox'" \
    "$work/missing-device.stderr" || { cat "$work/missing-device.stderr"; fail "no FILE:LINE:COL for the missing device"; }
[ ! -s "$work/missing-device.stdout" ] || { cat "$work/missing-device.stdout"; fail "something ran with a device missing"; }
[ ! -e "$work/bad/results.json" ] || fail "a report was written for bad input"
ok "a device missing from the bench file: exit 2, FILE:LINE:COL"

cat >"$work/bench-no-cap.yaml" <<EOF
devices:
  wallbox:
    host: 127.0.0.1
    port: $port_rw
EOF
run_evhil no-cap 2 --target bench --bench "$work/bench-no-cap.yaml" --out "$work/bad" "$data/bench-cap.yaml" </dev/null
grep -q "bench-no-cap.yaml:3:5: devices.wallbox: missing required field 'max_current'" "$work/no-cap.stderr" ||
    { cat "$work/no-cap.stderr"; fail "no FILE:LINE:COL for the missing max_current"; }
[ ! -e "$work/bad/results.json" ] || fail "a report was written for bad input"
ok "max_current missing: exit 2, FILE:LINE:COL"

run_evhil no-bench-file 2 --target bench --out "$work/bad" "$data/bench-cap.yaml" </dev/null
grep -q -- "--target bench needs --bench FILE" "$work/no-bench-file.stderr" || fail "no message for a missing --bench"
ok "--target bench without --bench: exit 2"

# (a) and (c): cap, skipped actions, skipped expectations, read-only; a sim-only scenario is skipped.
run_evhil plain 0 --target bench --bench "$work/bench.yaml" --seed 1 --out "$work/plain" \
    "$data/bench-cap.yaml" "$data/bench-read-only.yaml" "$data/sim-only.yaml" </dev/null
grep -q "skipped action: plug at t=3.0s: plug the EV into wallbox (needs an operator: run with --operator)" \
    "$work/plain.stdout" || { cat "$work/plain.stdout"; fail "stdout does not list the skipped plug_in"; }
grep -q "skipped action: power-cycle at t=6.0s: power-cycle wallbox" "$work/plain.stdout" ||
    { cat "$work/plain.stdout"; fail "stdout does not list the skipped reboot"; }
grep -q "Actions not performed" "$work/plain/index.html" || fail "index.html has no 'Actions not performed'"
grep -q "plug the EV into wallbox" "$work/plain/index.html" || fail "index.html does not list the plug_in"
check_json "$work/plain/results.json" <<'PY'
check(results["target"] == "bench", "results.json target is not bench")
s = scenario("bench-cap")
check(s["status"] == "passed", f"bench-cap: {s['status']}: {s.get('message', '')}")
check(metric(s, "bench.capped_commands") >= 1, f"bench.capped_commands = {metric(s, 'bench.capped_commands')}")
check(metric(s, "bench.suppressed_writes") == 0, "bench-cap suppressed writes")
check(metric(s, "driver.writes") >= 1, "bench-cap: the driver wrote nothing")
check(metric(s, "latency.setpoint_to_applied.count") >= 1 and metric(s, "latency.setpoint_to_applied.missing") == 0,
      "the capped setpoint is not measured as applied: "
      f"count {metric(s, 'latency.setpoint_to_applied.count')}, missing {metric(s, 'latency.setpoint_to_applied.missing')}")
# Signals carry their device's id.
check(s["signals"]["wallbox.controller.setpoint"]["final"] == 16, "the controller did not ask 16 A")
check(s["signals"]["wallbox.limiter.command"]["final"] == 10, "the limiter did not cap at the bench's 10 A")
check(abs(s["signals"]["wallbox.charger.setpoint"]["final"] - 10) < 0.01,
      f"charger.setpoint {s['signals']['wallbox.charger.setpoint']}")
check(s["signals"]["wallbox.charger.setpoint"]["max"] <= 10.01, "the station saw more than 10 A")
skipped = s.get("skipped_actions", [])
check(len(skipped) == 2, f"skipped_actions: {skipped}")
check(any(a.startswith("plug at t=3.0s") and "needs an operator" in a for a in skipped), f"plug_in not skipped: {skipped}")
check(any(a.startswith("power-cycle at t=6.0s") for a in skipped), f"reboot not skipped: {skipped}")
check(s["events"] == [], f"skipped actions recorded as events: {s['events']}")
for prefix in ("eventually ev.current", "at_end charger.phases"):
    e = expectation(s, prefix)
    check(e.get("skipped") is True and "exists only in a simulator" in e["detail"], f"{prefix} not skipped: {e}")
for e in s["expectations"]:
    if not e.get("skipped"):
        check(e["passed"], f"bench-cap: {e['description']}: {e['detail']}")
check([t["text"] for t in s.get("traces", [])] == ["traces/bench-cap.trace"], f"traces: {s.get('traces')}")

s = scenario("bench-read-only")
check(s["status"] == "passed", f"bench-read-only: {s['status']}")
check(metric(s, "bench.suppressed_writes") >= 1, f"bench.suppressed_writes = {metric(s, 'bench.suppressed_writes')}")
check(metric(s, "driver.writes") == 0, "read-only: the driver wrote")
check(metric(s, "bench.capped_commands") == 0, "read-only: a command was capped rather than suppressed")
check(s["signals"]["wallbox_ro.charger.setpoint"]["final"] is None, "read-only: the station has a setpoint")

s = scenario("bench-sim-only")
check(s["status"] == "skipped", f"a scenario without bench in its targets ran: {s['status']}")
PY
ok "cap, skipped actions and expectations, read-only, sim-only skipped"

check_traces "$work/plain" bench-cap
grep -q "FC16 write 1210 x2 \[0x4120 0x0000\]" "$work/plain/traces/bench-cap.trace" ||
    fail "no FC16 write of 10 A (0x41200000) to 1210 in the trace"
if grep "FC16 write" "$work/plain/traces/bench-cap.trace" | grep -v "1210 x2 \[0x4120 0x0000\]"; then
    fail "a write other than 10 A to 1210 reached the station"
fi
check_traces "$work/plain" bench-read-only
if grep -E "FC16 write|FC6 write" "$work/plain/traces/bench-read-only.trace"; then
    fail "read_only: a write reached the station"
fi
[ ! -e "$work/plain/traces/bench-sim-only.trace" ] || fail "a skipped scenario has a trace"
if command -v tshark >/dev/null; then
    count() { tshark -r "$1" -Y "$2" 2>/dev/null | wc -l; }
    [ "$(count "$work/plain/traces/bench-cap.pcapng" 'modbus.func_code == 16')" -ge 2 ] ||
        fail "tshark finds no FC16 request and response in bench-cap.pcapng"
    [ "$(count "$work/plain/traces/bench-read-only.pcapng" 'modbus.func_code == 3')" -ge 2 ] ||
        fail "tshark finds no reads in bench-read-only.pcapng"
    [ "$(count "$work/plain/traces/bench-read-only.pcapng" 'modbus.func_code == 16 || modbus.func_code == 6')" -eq 0 ] ||
        fail "tshark finds a write in bench-read-only.pcapng"
    ok "traces: 10 A is the only write, none when read-only (text and pcapng via tshark)"
else
    ok "traces: 10 A is the only write, none when read-only (tshark not installed: pcapng not decoded)"
fi

# (b) With --operator, confirmations piped in: both actions done and recorded as events.
printf '\n\n' | run_evhil operator 0 --target bench --bench "$work/bench.yaml" --operator --seed 1 \
    --out "$work/operator" "$data/bench-cap.yaml"
grep -q "\[operator\] plug the EV into wallbox — press Enter" "$work/operator.stderr" ||
    { cat "$work/operator.stderr"; fail "no operator prompt for plug_in"; }
grep -q "\[operator\] power-cycle wallbox — press Enter" "$work/operator.stderr" ||
    { cat "$work/operator.stderr"; fail "no operator prompt for the reboot"; }
! grep -q "skipped action" "$work/operator.stdout" || { cat "$work/operator.stdout"; fail "confirmed actions listed as skipped"; }
check_json "$work/operator/results.json" <<'PY'
s = scenario("bench-cap")
check(s["status"] == "passed", f"bench-cap with --operator: {s['status']}")
check(not s.get("skipped_actions"), f"confirmed actions in skipped_actions: {s.get('skipped_actions')}")
events = {e["text"]: e["t"] for e in s["events"]}
check(set(events) == {"plug", "power-cycle"}, f"events: {s['events']}")
check(2.5 <= events.get("plug", 0) <= 4.5 and 5.5 <= events.get("power-cycle", 0) <= 7.5,
      f"events not at their timeline times: {s['events']}")
check(metric(s, "bench.capped_commands") >= 1, "bench.capped_commands with --operator")
PY
check_traces "$work/operator" bench-cap
ok "--operator with confirmations on stdin: actions done, events recorded"

# (b) No confirmation (stdin at its end): the plug_in prompt (t=3s) times out at t=13s; the reboot prompt
# (t=6s) is still open when the scenario ends at 15s. Both are listed as not done.
cat "$work/bench.yaml" >"$work/bench-prompt-timeout.yaml"
printf 'operator:\n  prompt_timeout: 10s\n' >>"$work/bench-prompt-timeout.yaml"
run_evhil timeout 0 --target bench --bench "$work/bench-prompt-timeout.yaml" --operator --seed 1 \
    --out "$work/timeout" "$data/bench-cap.yaml" </dev/null
grep -q "waiting up to 10 s" "$work/timeout.stderr" || { cat "$work/timeout.stderr"; fail "prompt_timeout not used"; }
grep -q "\[operator\] no confirmation in time" "$work/timeout.stderr" ||
    { cat "$work/timeout.stderr"; fail "no timeout message"; }
grep -q "\[operator\] the scenario ended before confirmation" "$work/timeout.stderr" ||
    { cat "$work/timeout.stderr"; fail "no message for the prompt open at the end"; }
grep -q "skipped action: plug at t=1[23].[0-9]s: plug the EV into wallbox (operator did not confirm in time)" \
    "$work/timeout.stdout" || { cat "$work/timeout.stdout"; fail "stdout does not list the timed-out plug_in"; }
check_json "$work/timeout/results.json" <<'PY'
import re
s = scenario("bench-cap")
check(s["status"] == "passed", f"bench-cap with unconfirmed prompts: {s['status']}")
skipped = s.get("skipped_actions", [])
check(len(skipped) == 2 and all(a.endswith("(operator did not confirm in time)") for a in skipped),
      f"skipped_actions: {skipped}")
times = {m.group(1): float(m.group(2)) for m in (re.match(r"(\S+) at t=([0-9.]+)s", a) for a in skipped) if m}
check(12.5 <= times.get("plug", 0) <= 14.5, f"plug_in not timed out after 10 s: {skipped}")
check(14.5 <= times.get("power-cycle", 0) <= 15.5, f"reboot prompt not closed at the end: {skipped}")
check(s["events"] == [], f"unconfirmed actions recorded as events: {s['events']}")
PY
ok "--operator without confirmation: timed out / open at the end -> listed as not done"

echo "bench target checks passed in ${SECONDS}s"
