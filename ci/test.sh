#!/usr/bin/env bash
# Sets up, builds and runs every test through ctest: unit, integration (real TCP on loopback), conformance
# (mbpoll against `evhil sim alfen`), every scenario, the CLI checks and a short run of each benchmark; then
# the same tests again under AddressSanitizer + UndefinedBehaviorSanitizer (skip with EVHIL_SKIP_SANITIZE=1),
# and with EVHIL_TSAN=1 the integration, wire and daemon tests under ThreadSanitizer.
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
# ThreadSanitizer on the integration tests, the wire suite and the daemon: opt-in, it does not fit CI's budget.
if [ "${EVHIL_TSAN:-0}" = 1 ]; then
    ci/build.sh tsan
    ctest --preset tsan "$@"
fi
