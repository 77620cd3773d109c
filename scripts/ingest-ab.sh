#!/usr/bin/env bash
# A/B of float-only ingestion between Strata builds (docs/benchmarks.md, "Ingestion end to end"):
# for each round, each build in turn gets a fresh `strata -target=all` (data under a temporary
# directory) and three load-generator runs of 10,000 series × 240 samples (requests of 2,000
# samples, 4 connections, new series per run). Prints samples/s per run, the server's CPU
# seconds per million samples over the three runs (from /proc, steadier than throughput on a
# shared machine) and its RSS after them.
#
#   scripts/ingest-ab.sh A=<dir with strata and strata-loadgen> B=<dir> …   (ROUNDS [3], PORT [18080])
#
# LOADGEN=<path> uses one load generator for every build (each build's own by default): load
# generators of different versions may cut the same fleet into requests differently.
set -euo pipefail
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18080}
WORK=$(mktemp -d /tmp/ingest-ab.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for round in $(seq 1 "$ROUNDS"); do
    for spec in "$@"; do
        label=${spec%%=*}
        dir=${spec#*=}
        rm -rf "$WORK/data"
        "$dir/strata" -target=all -server.http-listen-port="$PORT" -blocks-storage.tsdb.dir="$WORK/data/tsdb" \
            -blocks-storage.backend=filesystem -blocks-storage.filesystem.dir="$WORK/data/bucket" \
            -distributor.ingestion-rate-limit=100000000 -distributor.ingestion-burst-size=100000000 \
            -ingester.max-global-series-per-user=10000000 >"$WORK/strata-$label.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
        cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        for run in 1 2 3; do
            out=$("${LOADGEN:-$dir/strata-loadgen}" -url "http://127.0.0.1:$PORT/api/v1/push" -header 'X-Scope-OrgID: bench' \
                -series 10000 -batch-size 2000 -concurrency 4 -samples-per-series 240 -label "run=s$run" 2>&1 \
                | grep -E 'samples/s' | head -1 | sed -E 's/ +/ /g')
            echo "round $round $label run $run:$out"
        done
        cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
        ticks=$(getconf CLK_TCK)
        echo "round $round $label: server CPU s per million samples $(echo "scale=3; ($cpu1 - $cpu0) / $ticks / 7.2" | bc), RSS $(ps -o rss= -p "$pid") KiB"
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    done
done
