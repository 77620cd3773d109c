#!/usr/bin/env bash
# Compares one query's latency across Strata builds on the same data.
#
# Loads the query-bench fleet once (strata-loadgen, into a Strata and a Prometheus, as
# scripts/query-bench.sh does) and keeps Strata's data directories in DATA; then, for each build
# in BINS in turn, starts that build's Strata on a copy of the kept data, lets it settle, sends 3
# warm-up requests and RUNS timed ones with curl, and prints min and median. Name a build twice
# (before after before after) to see the run-to-run noise.
#
# Environment (defaults in brackets):
#   BINS                   release directories holding `strata` (the first also `strata-loadgen`)
#   Q                      the PromQL expression [the range p99 of the dashboard set]
#   INSTANT                set for an instant query at the data's end (default: range, 6 h, step 60 s)
#   RUNS [30]  SETTLE [10] timed requests per build; seconds to wait after each start
#   SERIES [20000]  SPAN [6h]  INTERVAL [2m]   the fleet loaded on the first use of DATA
#   DATA [/tmp/query-compare]   kept between calls; delete it to load afresh
#   PERF=1                 also `perf record -g` 10 more requests per build into DATA/perf-<n>.data
set -euo pipefail
cd "$(dirname "$0")/.."

: "${BINS:?set BINS to one or more release directories, e.g. BINS=\"/a/release /b/release\"}"
Q=${Q:-'histogram_quantile(0.99, sum by (namespace, le) (rate(http_request_duration_seconds_bucket[5m])))'}
RUNS=${RUNS:-30}
SETTLE=${SETTLE:-10}
SERIES=${SERIES:-20000}
SPAN=${SPAN:-6h}
INTERVAL=${INTERVAL:-2m}
DATA=${DATA:-/tmp/query-compare}
PROMETHEUS=${PROMETHEUS_BINARY:-/usr/bin/prometheus}
PORT=18080

NAME=query-compare
source scripts/bench-lib.sh
bench_workdir

if [ ! -f "$DATA/end" ]; then
    BIN=${BINS%% *}
    bench_start_strata "$PORT"
    bench_start_prometheus 19090
    INTERVAL_S=$(bench_interval_seconds "$INTERVAL")
    END=$(( $(date +%s) / INTERVAL_S * INTERVAL_S ))
    "$BIN/strata-loadgen" query-bench -strata "http://127.0.0.1:$PORT" -prometheus http://127.0.0.1:19090 -tenant bench \
        -series "$SERIES" -span "$SPAN" -scrape-interval "$INTERVAL" -step 60s -end "$END" -load-only
    kill "$STRATA_PID" "$PROM_PID"
    wait "$STRATA_PID" "$PROM_PID" 2>/dev/null || true
    rm -rf "$DATA"
    mkdir -p "$DATA"
    mkdir -p "$WORK/bucket" "$WORK/sync"
    cp -a "$WORK/strata" "$WORK/bucket" "$WORK/sync" "$DATA/"
    echo "$END" >"$DATA/end"
fi
END=$(cat "$DATA/end")
if [ -n "${INSTANT:-}" ]; then
    API=query ARGS=(-d "time=$END")
else
    API=query_range ARGS=(-d "start=$((END - 21600))" -d "end=$END" -d step=60)
fi
ask() {
    curl -s -o /dev/null -w '%{time_total}\n' -H 'X-Scope-OrgID: bench' --data-urlencode "query=$Q" "${ARGS[@]}" \
        "http://127.0.0.1:$PORT/prometheus/api/v1/$API"
}

echo "$NAME: $API $Q"
n=0
for BIN in $BINS; do
    n=$((n + 1))
    # Every build starts from the same bytes: a fresh copy of the kept data.
    rm -rf "$WORK/strata" "$WORK/bucket" "$WORK/sync"
    cp -a "$DATA/strata" "$DATA/bucket" "$DATA/sync" "$WORK/"
    bench_start_strata "$PORT"
    sleep "$SETTLE"
    for _ in 1 2 3; do ask >/dev/null; done
    times=$(for _ in $(seq 1 "$RUNS"); do ask; done | sort -n)
    echo "$times" | awk -v bin="$BIN" '{t[NR] = $1 * 1000} END {printf "%s: min %.1f ms, median %.1f ms (%d requests)\n", bin, t[1], t[int((NR + 1) / 2)], NR}'
    if [ -n "${PERF:-}" ]; then
        perf record -g -F 999 -p "$STRATA_PID" -o "$DATA/perf-$n.data" >/dev/null 2>&1 &
        PERF_PID=$!
        sleep 1
        for _ in $(seq 1 10); do ask >/dev/null; done
        kill -INT "$PERF_PID" 2>/dev/null || true
        wait "$PERF_PID" 2>/dev/null || true
        echo "$NAME: profile in $DATA/perf-$n.data (perf report -i … --no-children --sort symbol)"
    fi
    kill "$STRATA_PID"
    wait "$STRATA_PID" 2>/dev/null || true
    PIDS=()
done
