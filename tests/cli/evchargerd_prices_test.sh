#!/usr/bin/env bash
# evchargerd in Scheduled on Tibber prices against `evhil sim tibber` (HTTPS with a test CA) and `evhil sim alfen`:
# while the price API answers 503 there are no prices and no fallback window, so it waits and says why (the status
# line names Tibber and the HTTP status); once the outage ends the feed's back-off brings the prices in and the
# threshold strategy (1000 EUR/kWh: every hour is cheap) charges at the configured 16 A. Also: evchargerd refuses a
# price API without the test CA (the certificate is checked), and an http:// URL at start with one line.
set -u
evchargerd=$1
evhil=$2
work=$(mktemp -d)
sim=""
daemon=""
tibber=""
trap "kill_and_clean daemon sim tibber" EXIT
source "$(dirname "$0")/daemon_test_helpers.sh"

# An outage for the first 6 s of the simulator's life.
"$evhil" sim tibber --port 0 --fault outage:0:6 --cert-dir "$work/certs" >"$work/tibber.out" 2>&1 &
tibber=$!
wait_for_line "$work/tibber.out" '^tibber api on ' || fail "evhil sim tibber printed no address: $(cat "$work/tibber.out")"
read -r url ca token < <(sed -n 's/^tibber api on \([^ ]*\) ca \([^ ]*\) token \(.*\)$/\1 \2 \3/p' "$work/tibber.out")
start_alfen_sim

amps_are() {  # amps_are A: the setpoint is A
    awk -v v="$(setpoint)" -v a="$1" 'BEGIN {exit !(v != "" && v + 0 == a + 0)}'
}

write_config() {  # write_config FILE CA_LINE
    cat >"$1" <<YAML
devices:
  alfen:
    type: alfen
    endpoint: {host: 127.0.0.1, port: $port}
    driver: {poll_interval: 200ms}
    limits: {max_current: 16}
controller:
  type: scheduled
  enabled: true
  current: 16
  schedule:
    timezone: Europe/Berlin
    strategy: {type: threshold, max_price: 1000}
prices: {provider: tibber, url: "$url", token: "$token", retry: 1s$2}
log: {level: info, status_interval: 1s}
YAML
}

write_config "$work/bad-url.yaml" ""
sed -i 's|url: "https://|url: "http://|' "$work/bad-url.yaml"
"$evchargerd" --config "$work/bad-url.yaml" >"$work/bad-url.log" 2>&1
code=$?
[ "$code" -eq 2 ] || fail "an http:// price URL: exit $code, expected 2: $(cat "$work/bad-url.log")"
grep -q "bad-url.yaml:.*https://" "$work/bad-url.log" || fail "no FILE:LINE message about https: $(cat "$work/bad-url.log")"
echo "ok   an http:// price URL is refused with one line naming the file"

write_config "$work/prices.yaml" ", ca_file: \"$ca\""
"$evchargerd" --config "$work/prices.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for_line "$work/daemon.log" "prices missing (Tibber: HTTP 503" 40 ||
    fail "no 'prices missing (Tibber: HTTP 503' in the status line: $(cat "$work/daemon.log")"
amps_are 0 || fail "without prices and without a window the setpoint is $(setpoint), not 0"
echo "ok   during the outage it waits and says why: $(grep -o 'prices missing.\{0,90\}' "$work/daemon.log" | head -n1)"

for _ in $(seq 200); do amps_are 16 && break; wait_ms 100; done
amps_are 16 || fail "after the outage the setpoint is $(setpoint), not 16: $(tail -5 "$work/daemon.log")"
wait_for_line "$work/daemon.log" "EUR/kWh ≤ the limit 1000" 40 || fail "no price in the status line: $(tail -5 "$work/daemon.log")"
echo "ok   prices back after the outage: charging at 16 A ($(grep -o 'price [0-9.-]* EUR/kWh' "$work/daemon.log" | tail -n1))"
kill -TERM "$daemon"
wait "$daemon"
daemon=""

# The same API without its CA: the certificate check refuses it, and evchargerd says so.
write_config "$work/no-ca.yaml" ""
"$evchargerd" --config "$work/no-ca.yaml" >"$work/no-ca.log" 2>&1 &
daemon=$!
wait_for_line "$work/no-ca.log" "TLS handshake with 127.0.0.1:[0-9]* failed" 40 ||
    fail "no TLS handshake failure without the CA: $(cat "$work/no-ca.log")"
amps_are 0 || fail "with an unverified API the setpoint is $(setpoint), not 0"
echo "ok   without the test CA the API is refused: $(grep -o 'TLS handshake[^"]*' "$work/no-ca.log" | head -n1)"
