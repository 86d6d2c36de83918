#!/usr/bin/env bash
# Conformance: `evhil sim alfen` answers a third-party Modbus TCP master (mbpoll, from Debian) exactly as
# docs/alfen.md says: raw 0-based addresses, unit 200 for the station, unit 1 for the
# socket, big-endian floats high word first, FC3/FC6/FC16 only, exceptions for the rest.
set -u
evhil=$1
work=$(mktemp -d)
"$evhil" sim alfen --port 0 --soc 40 >"$work/sim.out" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null; rm -rf "$work"' EXIT

port=""
for _ in $(seq 50); do
    port=$(grep -o '127.0.0.1:[0-9]*' "$work/sim.out" | head -n1 | cut -d: -f2)
    [ -n "$port" ] && break
    read -r -t 0.1 <> <(:) || true  # wait 100 ms for the simulator to print its port
done
[ -n "$port" ] || { echo "simulator did not report its port:"; cat "$work/sim.out"; exit 1; }

failures=0
# mbpoll -0: PDU addresses as written in the Alfen document; -1: one poll; -B: high word first.
poll() { mbpoll -m tcp -0 -1 -q -o 1 -p "$port" "$@" 127.0.0.1 2>&1; }
write() { local value=$1; shift; mbpoll -m tcp -0 -1 -q -o 1 -p "$port" "$@" 127.0.0.1 "$value" 2>&1; }
expect() {  # expect DESCRIPTION PATTERN OUTPUT
    if ! grep -qE -- "$2" <<<"$3"; then
        echo "FAIL $1: expected /$2/ in:"
        echo "$3"
        failures=$((failures + 1))
    else
        echo "ok   $1"
    fi
}

expect "unit 200 name 'ALF_1000' (100 x4)" '\[100\]:[[:space:]]+0x414C.*' "$(poll -a 200 -r 100 -c 4 -t 4:hex)"
expect "unit 200 name continues 'F_10'" '\[101\]:[[:space:]]+0x465F' "$(poll -a 200 -r 100 -c 4 -t 4:hex)"
expect "unit 200 manufacturer 'Alfen NV'" '\[117\]:[[:space:]]+0x416C' "$(poll -a 200 -r 117 -c 5 -t 4:hex)"
expect "unit 200 station max current 1100 = 32 A" '\[1100\]:[[:space:]]+32$' "$(poll -a 200 -r 1100 -t 4:float -B)"
expect "unit 200 number of sockets 1105 = 1" '\[1105\]:[[:space:]]+1$' "$(poll -a 200 -r 1105 -t 4)"
expect "unit 1 safe current 1212 = 6 A" '\[1212\]:[[:space:]]+6$' "$(poll -a 1 -r 1212 -t 4:float -B)"
expect "unit 1 voltage L1-N 306 = 230 V" '\[306\]:[[:space:]]+230$' "$(poll -a 1 -r 306 -t 4:float -B)"
expect "unit 1 availability 1200 = 1" '\[1200\]:[[:space:]]+1$' "$(poll -a 1 -r 1200 -t 4)"
expect "unit 1 setpoint 1210 reads NaN before any write" '\[1210\]:[[:space:]]+-?nan' "$(poll -a 1 -r 1210 -t 4:float -B)"
expect "FC16 write 1210 = 16 A" 'Written 1 references' "$(write 16 -a 1 -r 1210 -t 4:float -B)"
expect "1210 reads 0x4180 0x0000 after writing 16 A" '\[1210\]:[[:space:]]+0x4180.*\[1211\]:[[:space:]]+0x0000' \
    "$(poll -a 1 -r 1210 -c 2 -t 4:hex | tr '\n' ' ')"
expect "applied current 1206 = 16 A" '\[1206\]:[[:space:]]+16$' "$(poll -a 1 -r 1206 -t 4:float -B)"
expect "validity countdown 1208 starts at 60 s" '\[1208\]:[[:space:]]+(60|59)$' "$(poll -a 1 -r 1208 -t 4:int -B)"
expect "setpoint accounted 1214 = 1" '\[1214\]:[[:space:]]+1$' "$(poll -a 1 -r 1214 -t 4)"
expect "FC6 write 1215 = 1 phase" 'Written 1 references' "$(write 1 -a 1 -r 1215 -t 4)"
expect "1215 reads 1" '\[1215\]:[[:space:]]+1$' "$(poll -a 1 -r 1215 -t 4)"
expect "FC6 1215 = 2 is an illegal value" 'Illegal data value' "$(write 2 -a 1 -r 1215 -t 4)"
expect "FC4 is an illegal function" 'Illegal function' "$(poll -a 1 -r 1206 -t 3)"
expect "FC6 to half of the 1210 float is refused" 'Illegal data address' "$(write 5 -a 1 -r 1210 -t 4)"
expect "FC16 to 1211 alone is refused" 'Illegal data address' "$(write 5 -a 1 -r 1211 -t 4:int -B)"
expect "write to read-only 1206 is refused" 'Illegal data address' "$(write 10 -a 1 -r 1206 -t 4:float -B)"
expect "read of unmapped 1216 is refused" 'Illegal data address' "$(poll -a 1 -r 1216 -t 4)"
expect "socket register on unit 200 is refused" 'Illegal data address' "$(poll -a 200 -r 1201 -t 4)"
expect "station register on unit 1 is refused" 'Illegal data address' "$(poll -a 1 -r 100 -t 4)"

[ "$failures" -eq 0 ] || { echo "$failures conformance checks failed"; exit 1; }
echo "all conformance checks passed"
