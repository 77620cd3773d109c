#!/usr/bin/env bash
# Ingestion throughput and push latency of the cluster (deploy/local/cluster.sh: 1 distributor,
# 3 ingesters with replication factor 3, 1 querier, 2 store-gateways, etcd, moto) against
# -target=all on the same machine, with the same load-generator command.
#
#   SERIES=10000 SAMPLES=60 scripts/cluster-bench.sh
#
# Release builds in SCRATCH (default /tmp/build-cmp-rel); SKIP_BUILD=1 reuses them.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=cluster-bench
SCRATCH=${SCRATCH:-/tmp/build-cmp-rel}
PROMETHEUS=/usr/bin/prometheus
SERIES=${SERIES:-10000}
SAMPLES=${SAMPLES:-60}
source scripts/setup.sh
source scripts/bench-lib.sh
bench_build
bench_workdir
LIMITS="-distributor.ingestion-rate-limit=1000000000 -distributor.ingestion-burst-size=1000000000 -ingester.max-global-series-per-user=100000000 -log.level=warn"

loadgen() { # url label: throughput (as fast as it goes), then push latency at a steady 20,000 samples/s
    "$BIN/strata-loadgen" -url "$1" -header "X-Scope-OrgID: bench" -series "$SERIES" -samples-per-series "$SAMPLES" \
        -batch-size 2000 -concurrency 4 -label "run=$2"
    "$BIN/strata-loadgen" -url "$1" -header "X-Scope-OrgID: bench" -series 20000 -scrape-interval 1s -duration 20s \
        -batch-size 2000 -concurrency 4 -label "run=$2-steady"
}

echo "== single process (-target=all)"
bench_start_strata 18080 -auth.multitenancy-enabled=true
loadgen http://127.0.0.1:18080/api/v1/push single | tee "$WORK/single.txt"
kill "$STRATA_PID"; wait "$STRATA_PID" || true

echo "== cluster (deploy/local/cluster.sh, replication factor 3)"
export DATA_DIR="$WORK/cluster" STRATA_BIN="$BIN/strata" EXTRA_FLAGS="$LIMITS"
trap 'deploy/local/cluster.sh stop >/dev/null 2>&1 || true; bench_cleanup' EXIT
deploy/local/cluster.sh start
loadgen http://127.0.0.1:8080/api/v1/push cluster | tee "$WORK/cluster.txt"
echo "== RSS after the run (MiB)"
for name in distributor ingester-1 ingester-2 ingester-3; do
    pid=$(cat "$DATA_DIR/$name/pid")
    echo "$name $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 ))"
done
echo "== CPU seconds per process"
for name in distributor ingester-1 ingester-2 ingester-3 querier store-gateway-1 store-gateway-2; do
    pid=$(cat "$DATA_DIR/$name/pid")
    awk -v n="$name" '{ printf "%s %.1f\n", n, ($14 + $15) / 100 }' /proc/$pid/stat
done
