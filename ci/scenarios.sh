#!/usr/bin/env bash
# The main job: set up, build, and run the whole scenario suite on the built-in simulators.
# Prints the seed and one line per scenario; writes reports/out/{results.json,junit.xml,index.html}.
# Extra arguments go to `evhil run` (e.g. --seed 42).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
ci/build.sh default --target evhil
exec build/default/harness/evhil run --out reports/out "$@" scenarios/
