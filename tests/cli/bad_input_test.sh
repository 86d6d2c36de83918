#!/usr/bin/env bash
# A malformed scenario is rejected with FILE:LINE:COL on stderr and exit code 2, and nothing runs.
set -u
evhil=$1
data=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$evhil" run --seed 1 --out "$out" "$data/malformed-scenario.yaml" >"$out/stdout" 2>"$out/stderr"
code=$?
[ "$code" -eq 2 ] || { echo "expected exit code 2, got $code"; cat "$out/stderr"; exit 1; }
grep -q "malformed-scenario.yaml:11:13: ev.capacity: expected a number, got 'sixty'" "$out/stderr" ||
    { echo "stderr lacks FILE:LINE:COL message:"; cat "$out/stderr"; exit 1; }
[ ! -e "$out/results.json" ] || { echo "a report was written although the input was bad"; exit 1; }
[ ! -s "$out/stdout" ] || { echo "something ran:"; cat "$out/stdout"; exit 1; }

"$evhil" run --out "$out" /nonexistent/scenario.yaml 2>"$out/stderr"
code=$?
[ "$code" -eq 2 ] || { echo "missing file: expected exit code 2, got $code"; exit 1; }
grep -q "/nonexistent/scenario.yaml:1:1: cannot open file" "$out/stderr" || { cat "$out/stderr"; exit 1; }

"$evhil" run --bogus-flag x 2>/dev/null
code=$?
[ "$code" -eq 2 ] || { echo "unknown flag: expected exit code 2, got $code"; exit 1; }
echo "bad input rejected as expected"
