#!/usr/bin/env bash
# Store-gateway benchmark: memory with many blocks and the latency of a 7-day query from blocks.
#
# Writes BLOCKS consecutive 2h blocks of the simulated fleet (strata-loadgen make-blocks) into a
# filesystem bucket, starts Strata (-target=all) on it with an empty ingester, waits for the
# store-gateway's first sync, then times each query RUNS times (median) and reports the resident
# memory after the sync and after the queries. The newest block ends 13h ago, so every query is
# answered by the store-gateway alone (older than -querier.query-store-after).
#
# Environment (defaults in brackets):
#   SERIES [10000]  BLOCKS [100]  INTERVAL [15s]  RUNS [10]
#   SAMPLES_PER_CHUNK [120]  chunk length in the blocks (make-blocks -samples-per-chunk)
#   SCRATCH [.build]   SwiftPM scratch path of the release build;  SKIP_BUILD  reuse binaries
#   STRATA_PORT [18081]   KEEP=1  keep the work directory
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES=${SERIES:-10000}
BLOCKS=${BLOCKS:-100}
INTERVAL=${INTERVAL:-15s}
RUNS=${RUNS:-10}
SCRATCH=${SCRATCH:-.build}
STRATA_PORT=${STRATA_PORT:-18081}

NAME=store-gateway-bench
source scripts/bench-lib.sh
bench_build
bench_workdir

END=$(( ($(date +%s) - 13 * 3600) / 7200 * 7200 ))
"$BIN/strata-loadgen" make-blocks -out "$WORK/bucket" -tenant bench -series "$SERIES" -blocks "$BLOCKS" \
    -scrape-interval "$INTERVAL" -end "$END" -samples-per-chunk "${SAMPLES_PER_CHUNK:-120}" 2>&1 | tail -2
echo "store-gateway-bench: bucket size $(du -sb "$WORK/bucket" | cut -f1) bytes"

bench_start_strata "$STRATA_PORT"
rss() { echo $(( $(ps -o rss= -p "$STRATA_PID") / 1024 )); }

API="http://127.0.0.1:$STRATA_PORT/prometheus/api/v1"
# The first query waits for the initial sync (index-headers of every block).
first=$(curl -s -o /dev/null -w '%{time_total}' -H 'X-Scope-OrgID: bench' "$API/query?query=count(up)&time=$END")
echo "store-gateway-bench: first query (includes the initial sync of $BLOCKS blocks): ${first}s; RSS $(rss) MiB"

START7=$(( END - 7 * 86400 ))
time_query() { # name path params...
    local name=$1; shift
    local times=()
    for _ in $(seq 1 "$RUNS"); do
        t=$(curl -s -o "$WORK/answer.json" -w '%{time_total}' -H 'X-Scope-OrgID: bench' -G "$API/$1" "${@:2}")
        grep -q '"status":"success"' "$WORK/answer.json" || { echo "query $name failed: $(head -c 300 "$WORK/answer.json")" >&2; exit 1; }
        times+=("$t")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
    series=$(grep -o '"metric"' "$WORK/answer.json" | wc -l)
    printf '| %s | %.0f ms | %s |\n' "$name" "$(echo "$median * 1000" | bc -l)" "$series"
}
echo "| query (7 days = 84 blocks, step 1h unless noted) | median of $RUNS | series |"
echo "| --- | --- | --- |"
time_query "sum by (namespace) (rate(container_cpu_usage_seconds_total[5m]))" query_range \
    --data-urlencode 'query=sum by (namespace) (rate(container_cpu_usage_seconds_total[5m]))' \
    --data-urlencode "start=$START7" --data-urlencode "end=$END" --data-urlencode step=3600
time_query "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))" query_range \
    --data-urlencode 'query=histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))' \
    --data-urlencode "start=$START7" --data-urlencode "end=$END" --data-urlencode step=3600
time_query "max by (node) (node_load1), step 10m" query_range \
    --data-urlencode 'query=max by (node) (node_load1)' \
    --data-urlencode "start=$START7" --data-urlencode "end=$END" --data-urlencode step=600
time_query "sum(increase(http_requests_total[7d])) (instant)" query \
    --data-urlencode 'query=sum(increase(http_requests_total[7d]))' --data-urlencode "time=$END"
echo "store-gateway-bench: RSS after the queries $(rss) MiB; index-headers on disk $(du -sb "$WORK/sync" | cut -f1) bytes"
