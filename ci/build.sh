#!/usr/bin/env bash
# Configures and builds one CMake preset (default: "default"). Used by ci/scenarios.sh and ci/test.sh.
set -euo pipefail
preset=${1:-default}
shift || true
cd "$(dirname "$0")/.."
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" "$@"
