#!/usr/bin/env bash
# Bytes per sample in the bucket: the same simulated fleet loaded into Strata and Prometheus.
#
# Starts Strata (filesystem bucket) and Prometheus (remote-write receiver, admin API), loads the
# same samples into both (strata-loadgen query-bench -load-only: identical request bodies, in
# time order), then flushes Strata (POST /ingester/flush: every sample into 2h blocks in the
# bucket) and snapshots Prometheus (its head written as a block). Prints the bytes per sample of
# both: all block files (index, chunks, meta.json, tombstones) divided by the samples loaded.
#
# Environment (defaults in brackets):
#   SERIES [10000]  SPAN [6h]  INTERVAL [15s]
#   SCRATCH [.build]   SKIP_BUILD  reuse binaries in $SCRATCH/release
#   PROMETHEUS_BINARY [/usr/bin/prometheus]   STRATA_PORT [18082]  PROM_PORT [19092]   KEEP=1
#   STRATA_FLAGS  extra Strata flags, e.g. -blocks-storage.tsdb.samples-per-chunk=240
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES=${SERIES:-10000}
SPAN=${SPAN:-6h}
INTERVAL=${INTERVAL:-15s}
SCRATCH=${SCRATCH:-.build}
PROMETHEUS=${PROMETHEUS_BINARY:-/usr/bin/prometheus}
STRATA_PORT=${STRATA_PORT:-18082}
PROM_PORT=${PROM_PORT:-19092}

NAME=bucket-bench
source scripts/bench-lib.sh
bench_build
bench_workdir
# shellcheck disable=SC2086 # STRATA_FLAGS is a list of flags
bench_start_strata "$STRATA_PORT" ${STRATA_FLAGS:-}
bench_start_prometheus "$PROM_PORT" --web.enable-admin-api

INTERVAL_S=$(bench_interval_seconds "$INTERVAL")
# The data ends one scrape before a 2 h boundary, so both stores cut on the same 2 h ranges (with
# SPAN=6h both write 4 blocks; for spans under 3 h Prometheus keeps everything in its head, which
# the snapshot writes as a single block).
END=$(( $(date +%s) / 7200 * 7200 - INTERVAL_S ))
"$BIN/strata-loadgen" query-bench -strata "http://127.0.0.1:$STRATA_PORT" -prometheus "http://127.0.0.1:$PROM_PORT" \
    -tenant bench -series "$SERIES" -span "$SPAN" -scrape-interval "$INTERVAL" -end "$END" -load-only 2>&1 | grep -v "^load:" | tee "$WORK/load.txt"
SAMPLES=$(grep -o 'loaded [0-9,]* samples' "$WORK/load.txt" | tail -1 | tr -d , | cut -d' ' -f2)

bench_flush "$STRATA_PORT"
bench_prometheus_snapshot "$PROM_PORT"

read -r STRATA_BYTES STRATA_CHUNKS STRATA_BLOCKS <<<"$(bench_block_sizes "$WORK/bucket/bench")"
read -r PROM_BYTES PROM_CHUNKS PROM_BLOCKS <<<"$(bench_block_sizes "$SNAP")"
echo "bucket-bench: $SAMPLES samples ($SERIES series, $SPAN at $INTERVAL)"
awk -v s="$SAMPLES" -v a="$STRATA_BYTES" -v ac="$STRATA_CHUNKS" -v ab="$STRATA_BLOCKS" \
    -v p="$PROM_BYTES" -v pc="$PROM_CHUNKS" -v pb="$PROM_BLOCKS" 'BEGIN {
    printf "| store | blocks | bytes | bytes/sample | chunks only |\n| --- | --- | --- | --- | --- |\n"
    printf "| Strata bucket | %d | %d | %.3f | %.3f |\n", ab, a, a / s, ac / s
    printf "| Prometheus snapshot | %d | %d | %.3f | %.3f |\n", pb, p, p / s, pc / s
}'
