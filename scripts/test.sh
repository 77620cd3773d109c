#!/usr/bin/env bash
# Installs what the tests need, builds everything (debug) and runs the whole test suite,
# including the integration tests that start strata and a real Prometheus.
#
# Two runs: the unit tests first, then the integration tests, which start clusters of strata
# processes, etcd, moto and Prometheus. Run together on a 2-core machine, those processes took
# the CPU from unit tests that check heartbeats and deadlines in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --build-tests
swift test --skip-build --skip StrataIntegrationTests
swift test --skip-build --filter StrataIntegrationTests
