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
# The frontend equivalence suites are CPU-bound for minutes; run beside the other unit tests they
# would starve the tests that wait on real servers, so they get a run of their own.
heavy="CorpusEquivalenceTests|GeneratedEquivalenceTests|ShardingEquivalenceTests"
# The memcached client tests bound every operation by a wall-clock timeout, so they run with the
# integration tests (which mostly wait on child processes) rather than beside CPU-bound suites.
swift test --skip-build --skip StrataIntegrationTests --skip StrataCacheTests --skip "$heavy"
swift test --skip-build --filter "$heavy"
swift test --skip-build --filter "StrataIntegrationTests|StrataCacheTests"

