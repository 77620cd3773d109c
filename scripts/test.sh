#!/usr/bin/env bash
# Installs what the tests need, builds everything (debug) and runs the whole test suite,
# including the integration tests that start strata and a real Prometheus.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests
swift test --skip-build
