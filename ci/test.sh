#!/usr/bin/env bash
# Sets up, builds and runs every test through ctest: unit, integration (real TCP on loopback), every
# scenario, and a short run of each benchmark. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
ci/build.sh default
ctest --preset default "$@"
