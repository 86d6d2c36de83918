#!/usr/bin/env bash
# `evhil sim tibber` and `evhil sim octopus` as a user runs them, queried with curl over HTTPS: each prints its URL and
# test CA once it listens; curl verifies the certificate with that CA and refuses the server without it. Tibber: the
# token, today and tomorrow (published from hour 0, never with hour 24), quarter-hourly prices. Octopus: a day of
# half-hourly rates newest first, a `next` link that curl can follow, an unknown product. Faults: an outage answers 503,
# a dropped connection gives curl no answer. SIGTERM exits 0.
set -u
evhil=$1
work=$(mktemp -d)
tibber=""
quarters=""
octopus=""
outage=""
trap 'kill_and_clean tibber quarters octopus outage' EXIT
source "$(dirname "$0")/daemon_test_helpers.sh"

# start_sim VAR NAME ARGS...: starts `evhil sim NAME ARGS...`, its pid in VAR, and waits for its line in $work/VAR.out.
start_sim() {
    local var=$1 name=$2
    shift 2
    "$evhil" sim "$name" --port 0 "$@" >"$work/$var.out" 2>"$work/$var.err" &
    printf -v "$var" '%s' "$!"
    wait_for_line "$work/$var.out" "^$name api on https://127.0.0.1:[0-9]*/" ||
        fail "evhil sim $name printed no line: $(cat "$work/$var.out" "$work/$var.err")"
}
url_of() { awk '{print $4}' "$work/$1.out"; }
ca_of() { awk '{print $6}' "$work/$1.out"; }
# check JSON PYTHON-EXPRESSION MESSAGE: the expression on the parsed document `d` must be true.
check() {
    python3 -c "import json, sys; d = json.loads(sys.argv[1]); sys.exit(0 if ($2) else 1)" "$1" ||
        fail "$3: $1"
}

query='{"query": "{ viewer { homes { id currentSubscription { priceInfo { current { total currency startsAt level } today { total energy tax startsAt level } tomorrow { total startsAt level } } } } } }"}'
gql() { curl -sS --cacert "$2" -H 'Content-Type: application/json' "${@:3}" -d "$query" "$1"; }

start_sim tibber tibber --token secret --publish-hour 0 --seed 3
read -r _ _ _ _ _ _ _ token < <(cat "$work/tibber.out")
[ "$token" = secret ] || fail "the line names token '$token': $(cat "$work/tibber.out")"
url=$(url_of tibber)
ca=$(ca_of tibber)
[ -f "$ca" ] || fail "no CA file at $ca"
echo "ok   evhil sim tibber listens at $url with CA $ca"
answer=$(gql "$url" "$ca" -H 'Authorization: Bearer secret') || fail "curl with the CA failed: $answer"
check "$answer" "23 <= len(d['data']['viewer']['homes'][0]['currentSubscription']['priceInfo']['today']) <= 25" \
    "today is not a day of hourly prices"
check "$answer" "23 <= len(d['data']['viewer']['homes'][0]['currentSubscription']['priceInfo']['tomorrow']) <= 25" \
    "tomorrow is not published with --publish-hour 0"
check "$answer" "all(p['level'] in ('VERY_CHEAP', 'CHEAP', 'NORMAL', 'EXPENSIVE', 'VERY_EXPENSIVE') and
    p['startsAt'][19:23] == '.000' and p['startsAt'][23] in '+-' for p in
    d['data']['viewer']['homes'][0]['currentSubscription']['priceInfo']['today'])" "levels or startsAt"
check "$answer" "d['data']['viewer']['homes'][0]['currentSubscription']['priceInfo']['current']['currency'] == 'EUR'" \
    "current has no currency"
echo "ok   today and tomorrow over HTTPS with the CA, levels and startsAt with the UTC offset"
status=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$ca" -H 'Content-Type: application/json' \
    -H 'Authorization: Bearer wrong' -d "$query" "$url")
[ "$status" = 401 ] || fail "a wrong token got $status"
status=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$ca" -d "$query" "$url")
[ "$status" = 401 ] || fail "no token got $status"
echo "ok   a wrong or missing token: 401"
if curl -sS -o /dev/null -H 'Authorization: Bearer secret' -d "$query" "$url" 2>"$work/no-ca.err"; then
    fail "curl without the CA trusted the server"
fi
grep -qi 'certificate' "$work/no-ca.err" || fail "without the CA curl failed otherwise: $(cat "$work/no-ca.err")"
echo "ok   without the CA curl refuses the certificate"

start_sim quarters tibber --resolution 15 --publish-hour 24 --timezone Europe/Oslo
answer=$(gql "$(url_of quarters)" "$(ca_of quarters)" -H 'Authorization: Bearer evhil-tibber-token') ||
    fail "curl failed: $answer"
check "$answer" "92 <= len(d['data']['viewer']['homes'][0]['currentSubscription']['priceInfo']['today']) <= 100" \
    "--resolution 15 does not give quarter hours"
check "$answer" "d['data']['viewer']['homes'][0]['currentSubscription']['priceInfo']['tomorrow'] == []" \
    "tomorrow is not empty before the publication hour"
echo "ok   --resolution 15: quarter-hourly prices; before the publication hour tomorrow is []"

start_sim octopus octopus --seed 3
url=$(url_of octopus)
ca=$(ca_of octopus)
case "$url" in
*/v1/products/AGILE-24-10-01/electricity-tariffs/E-1R-AGILE-24-10-01-C/standard-unit-rates/) ;;
*) fail "unexpected Octopus URL $url" ;;
esac
page=$(curl -sS --cacert "$ca" "$url?period_from=2026-06-20T00:00Z&period_to=2026-06-21T00:00Z&page_size=10") ||
    fail "curl failed: $page"
check "$page" "d['count'] == 48 and len(d['results']) == 10 and d['previous'] is None" "the first page"
check "$page" "d['results'][0]['valid_from'] == '2026-06-20T23:30:00Z' and d['results'][0]['payment_method'] is None" \
    "not newest first"
next=$(python3 -c "import json, sys; print(json.loads(sys.argv[1])['next'])" "$page")
case "$next" in
"${url%%/v1/*}"/*page=2) ;;
*) fail "next is not an absolute link to page 2 on this server: $next" ;;
esac
second=$(curl -sS --cacert "$ca" "$next") || fail "curl could not follow next: $second"
check "$second" "d['results'][0]['valid_from'] == '2026-06-20T18:30:00Z' and d['previous'] is not None" "page 2"
echo "ok   Octopus: 48 half hours newest first, a next link curl follows"
status=$(curl -sS -o "$work/unknown.json" -w '%{http_code}' --cacert "$ca" "${url/AGILE-24-10-01\//AGILE-99-01-01/}")
[ "$status" = 404 ] || fail "an unknown product got $status"
grep -q 'No EnergyProduct matches the given query.' "$work/unknown.json" || fail "404 body: $(cat "$work/unknown.json")"
echo "ok   an unknown product: 404 with Octopus' detail"

start_sim outage octopus --fault outage:0:1h
status=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$(ca_of outage)" "$(url_of outage)")
[ "$status" = 503 ] || fail "--fault outage:0:1h answered $status"
kill -TERM "$outage"
wait "$outage"
outage=""
start_sim outage octopus --fault drop:0:1h
if curl -sS -o /dev/null --cacert "$(ca_of outage)" "$(url_of outage)" 2>"$work/drop.err"; then
    fail "--fault drop:0:1h answered"
fi
echo "ok   faults: outage answers 503, drop closes the connection ($(head -n1 "$work/drop.err"))"

for var in tibber quarters octopus outage; do
    kill -TERM "${!var}"
    wait "${!var}"
    code=$?
    [ "$code" -eq 0 ] || fail "SIGTERM: $var exited $code: $(cat "$work/$var.err")"
    printf -v "$var" '%s' ""
done
echo "ok   SIGTERM: exit 0"
echo "evhil sim tibber/octopus: all checks passed"
