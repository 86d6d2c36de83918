#!/usr/bin/env bash
# Sets up, builds and runs every test through ctest: unit, integration (real TCP on loopback), conformance
# (mbpoll against `evhil sim alfen`), every scenario, the CLI checks and a short run of each benchmark; then
# the same tests again under AddressSanitizer + UndefinedBehaviorSanitizer (skip with EVHIL_SKIP_SANITIZE=1).
# .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/setup.sh
ci/build.sh default
ctest --preset default "$@"
if [ "${EVHIL_SKIP_SANITIZE:-0}" != 1 ]; then
    ci/build.sh sanitize
    ctest --preset sanitize "$@"
fi
