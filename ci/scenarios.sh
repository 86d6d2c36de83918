#!/usr/bin/env bash
# The main job: set up, build, and run the whole scenario suite on the built-in simulators, twice:
#  1. sim:  in-process, virtual time (seconds for the whole suite) -> reports/out/sim
#  2. wire: the same simulators behind real Modbus TCP sockets on loopback, real time (about 3 minutes, the
#           scenarios run side by side), each run compared with its protocol baseline in reports/baselines
#           -> reports/out/wire (with traces/*.trace and traces/*.pcapng)
# Prints the seed and one line per scenario. Extra arguments go to both `evhil run`s (e.g. --seed 42; wire
# runs default to seed 1, the seed the baselines were recorded with).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
ci/build.sh default --target evhil
status=0
build/default/harness/evhil run --target sim --out reports/out/sim "$@" scenarios/ || status=$?
build/default/harness/evhil run --target wire --out reports/out/wire "$@" scenarios/ || status=$?
exit "$status"
