#!/usr/bin/env bash
# evchargerd's REST API as a user's scripts meet it, with curl, against `evhil sim alfen`: a UI beyond loopback
# without credentials is a configuration error; the port comes from EVCHARGERD_WEB_PORT; with a password configured
# (stored as its Argon2id hash) nothing but the log-in answers until one logs in; a write reaches the station (read
# back with mbpoll) and a refused one says why; a cross-site write and an oversized body are refused; an API token
# works as a bearer token; the password and the token never appear in the log; SIGTERM exits 0; with web: tls: the UI
# answers over HTTPS.
set -u
evchargerd=$1
evhil=$2
source_dir=$3
work=$(mktemp -d)
sim=""
daemon=""
trap 'kill_and_clean daemon sim' EXIT
source "$(dirname "$0")/daemon_test_helpers.sh"

start_alfen_sim
base_config() {
    cat <<YAML
devices:
  alfen:
    type: alfen
    endpoint: {host: 127.0.0.1, port: $port}
    driver: {poll_interval: 200ms}
    limits: {max_current: 16}
controller: {type: manual, enabled: true, current: 10}
log: {level: info}
YAML
}

{ base_config; echo "web: {host: 0.0.0.0}"; } >"$work/open.yaml"
"$evchargerd" --config "$work/open.yaml" --check-config >"$work/check.out" 2>&1
code=$?
[ "$code" -eq 2 ] || fail "a UI on 0.0.0.0 without credentials was accepted (exit $code): $(cat "$work/check.out")"
grep -q "open.yaml:9:6: web: the web UI on 0.0.0.0 is reachable beyond this machine" "$work/check.out" ||
    fail "unexpected message: $(cat "$work/check.out")"
echo "ok   a UI beyond loopback without credentials: $(cat "$work/check.out")"

password="correct horse battery"
hash_line=$(printf '%s\n' "$password" | "$evchargerd" --hash-password) || fail "--hash-password failed"
token_out=$("$evchargerd" --new-token) || fail "--new-token failed"
token=$(awk '/^token:/ {print $2}' <<<"$token_out")
token_hash_line=$(grep '^token_hash:' <<<"$token_out" | cut -d'#' -f1)
{
    base_config
    echo "web:"
    echo "  host: 127.0.0.1"
    echo "  auth:"
    echo "    $hash_line"
    echo "    $token_hash_line"
} >"$work/evchargerd.yaml"
grep -q "$password" "$work/evchargerd.yaml" && fail "the password is in the file"
web_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
EVCHARGERD_WEB_PORT=$web_port "$evchargerd" --config "$work/evchargerd.yaml" >"$work/daemon.log" 2>&1 &
daemon=$!
wait_for_line "$work/daemon.log" "web UI on http://127.0.0.1:$web_port/ (log-in required)" ||
    fail "no web UI on the EVCHARGERD_WEB_PORT $web_port: $(cat "$work/daemon.log")"
wait_for 10 setpoint || fail "the station is not at 10 A: $(setpoint)"
echo "ok   the UI listens on EVCHARGERD_WEB_PORT $web_port and asks for a log-in"

url="http://127.0.0.1:$web_port"
status_of() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
[ "$(status_of "$url/api/status")" = 401 ] || fail "/api/status without log-in: $(cat "$work/body")"
[ "$(status_of "$url/")" = 303 ] || fail "/ without log-in did not send to /login"
[ "$(status_of -X POST -H 'Content-Type: application/json' -d '{"amps": 6}' "$url/api/set_current")" = 401 ] ||
    fail "a write without log-in was not refused"
[ "$(status_of "$url/login")" = 200 ] || fail "/login does not answer"
echo "ok   without credentials nothing but the log-in answers (401, 303 to /login)"

[ "$(status_of -c "$work/jar" -H 'Content-Type: application/json' -d '{"password": "wrong"}' "$url/api/login")" = 401 ] ||
    fail "a wrong password was not refused: $(cat "$work/body")"
[ "$(status_of -c "$work/jar" -H 'Content-Type: application/json' -d "{\"password\": \"$password\"}" "$url/api/login")" = 200 ] ||
    fail "the right password was refused: $(cat "$work/body")"
grep -q evchargerd_session "$work/jar" || fail "no session cookie"
[ "$(status_of -b "$work/jar" "$url/api/status")" = 200 ] || fail "/api/status after log-in: $(cat "$work/body")"
python3 -c "import json,sys; s=json.load(open('$work/body')); assert s['chargers'][0]['id']=='alfen', s" ||
    fail "the status names no alfen"
echo "ok   the password logs in (a session cookie) and the status answers"

post() { status_of -b "$work/jar" -H 'Content-Type: application/json' -d "$2" "$url$1"; }
[ "$(post /api/set_current '{"amps": 7}')" = 200 ] || fail "set_current 7: $(cat "$work/body")"
wait_for 7 setpoint || fail "set_current 7 did not reach the station: $(setpoint)"
echo "ok   POST /api/set_current 7 reaches the station (mbpoll reads 7)"
[ "$(post /api/set_current '{"amps": 95}')" = 422 ] || fail "95 A was not refused with 422: $(cat "$work/body")"
grep -q "outside 0 to 80 A" "$work/body" || fail "the refusal does not say why: $(cat "$work/body")"
[ "$(post /api/mode '{"mode": 1}')" = 422 ] || fail "Auto without a controller: $(cat "$work/body")"
echo "ok   refused values say why: $(cat "$work/body")"
[ "$(status_of -b "$work/jar" -H 'Content-Type: application/json' -H 'Origin: http://evil.example' \
    -d '{"amps": 6}' "$url/api/set_current")" = 403 ] || fail "a cross-site write was not refused: $(cat "$work/body")"
[ "$(status_of -b "$work/jar" -H 'Content-Type: text/plain' -d '{"amps": 6}' "$url/api/set_current")" = 415 ] ||
    fail "a text/plain write was not refused: $(cat "$work/body")"
head -c 300000 /dev/zero | tr '\0' ' ' >"$work/big"
[ "$(status_of -b "$work/jar" -H 'Content-Type: application/json' --data-binary @"$work/big" "$url/api/set_current")" = 413 ] ||
    fail "a 300 kB body was not refused with 413: $(cat "$work/body")"
wait_ms 500
[ "$(setpoint)" = 7 ] || fail "a refused write changed the station: $(setpoint)"
echo "ok   a cross-site write (403), a form type (415) and a 300 kB body (413) are refused; the station stays at 7 A"

[ "$(status_of -H "Authorization: Bearer $token" "$url/api/status")" = 200 ] || fail "the API token was refused"
# The token with its last digit changed (to 1 where it is 0, else to 0): a different token every time.
wrong_token="${token%?}$([ "${token: -1}" = 0 ] && echo 1 || echo 0)"
[ "$wrong_token" != "$token" ] || fail "the test's wrong token equals the token"
[ "$(status_of -H "Authorization: Bearer $wrong_token" "$url/api/status")" = 401 ] || fail "a wrong token was accepted"
echo "ok   the API token works as a bearer token; a wrong one does not"

grep -q "$password" "$work/daemon.log" && fail "the password is in the log"
grep -q "$token" "$work/daemon.log" && fail "the token is in the log"
[ "$(status_of -b "$work/jar" "$url/api/config")" = 200 ] || fail "/api/config: $(cat "$work/body")"
grep -q '\$argon2id' "$work/body" && fail "/api/config shows the password hash: $(cat "$work/body")"
grep -q '"password_hash":"\*\*\*\*\*\*\*\*"' "$work/body" || fail "/api/config does not mask the hash: $(cat "$work/body")"
echo "ok   the password, the token and their hashes appear neither in the log nor in /api/config"

kill -TERM "$daemon"
wait "$daemon"
code=$?
daemon=""
[ "$code" -eq 0 ] || fail "SIGTERM: exit $code: $(tail -20 "$work/daemon.log")"
# HTTPS with a configured certificate (evchargerd loads evchargerd-web-tls.so for it).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 || fail "openssl could not make a certificate"
{ base_config; echo "web: {host: 127.0.0.1, port: 0, tls: {certificate: $work/cert.pem, key: $work/key.pem}}"; } \
    >"$work/tls.yaml"
"$evchargerd" --config "$work/tls.yaml" >"$work/tls.log" 2>&1 &
daemon=$!
wait_for_line "$work/tls.log" "web UI on https://127.0.0.1:[0-9]*/" || fail "no HTTPS web UI: $(cat "$work/tls.log")"
tls_port=$(grep -o 'web UI on https://127.0.0.1:[0-9]*' "$work/tls.log" | head -n1 | grep -o '[0-9]*$')
[ "$(status_of --cacert "$work/cert.pem" "https://127.0.0.1:$tls_port/api/status")" = 200 ] ||
    fail "HTTPS /api/status: $(cat "$work/body")"
[ "$(status_of "https://127.0.0.1:$tls_port/api/status")" = 000 ] || fail "an unknown certificate was accepted by curl"
[ "$(status_of "http://127.0.0.1:$tls_port/api/status")" != 200 ] || fail "plain HTTP answered on the TLS port"
echo "ok   with web: tls: the UI answers over HTTPS with the configured certificate, and not over plain HTTP"
kill -TERM "$daemon"
wait "$daemon"
code=$?
daemon=""
[ "$code" -eq 0 ] || fail "SIGTERM (TLS): exit $code: $(tail -20 "$work/tls.log")"
echo "evchargerd web API: all checks passed"
