#!/usr/bin/env bash
# Query-latency benchmark: Strata against Prometheus on the same data.
#
# Builds Strata and strata-loadgen (release), starts both servers on loopback with fresh data
# directories, loads the same simulated fleet into both by remote write (same request bodies,
# in time order), then runs typical dashboard queries RUNS times against each and prints a
# Markdown table of median latencies.
#
# Environment (defaults in brackets):
#   SERIES [100000]  SPAN [6h]  INTERVAL [60s]  RUNS [10]  STEP [60s]
#   SCRATCH [.build]       SwiftPM scratch path of the release build
#   SKIP_BUILD             set to reuse existing binaries in $SCRATCH/release
#   PROMETHEUS_BINARY      [/usr/bin/prometheus]
#   STRATA_PORT [18080]  PROM_PORT [19090]
#   PERF=1                 after the timed runs, profile Strata (`perf record -g`) during one
#                          more untimed 3-run pass and print its top symbols
#   KEEP=1                 keep the data directories (path printed at the end)
#   STRATA_FLAGS           extra Strata flags, e.g. -blocks-storage.tsdb.samples-per-chunk=240
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES=${SERIES:-100000}
SPAN=${SPAN:-6h}
INTERVAL=${INTERVAL:-60s}
RUNS=${RUNS:-10}
STEP=${STEP:-60s}
SCRATCH=${SCRATCH:-.build}
PROMETHEUS=${PROMETHEUS_BINARY:-/usr/bin/prometheus}
STRATA_PORT=${STRATA_PORT:-18080}
PROM_PORT=${PROM_PORT:-19090}

NAME=query-bench
source scripts/bench-lib.sh
bench_build
bench_workdir
# shellcheck disable=SC2086 # STRATA_FLAGS is a list of flags
bench_start_strata "$STRATA_PORT" ${STRATA_FLAGS:-}
bench_start_prometheus "$PROM_PORT"

INTERVAL_S=$(bench_interval_seconds "$INTERVAL")
END=$(( $(date +%s) / INTERVAL_S * INTERVAL_S ))
COMMON=(-strata "http://127.0.0.1:$STRATA_PORT" -prometheus "http://127.0.0.1:$PROM_PORT" -tenant bench
        -series "$SERIES" -span "$SPAN" -scrape-interval "$INTERVAL" -step "$STEP" -end "$END")

echo "query-bench: $BIN/strata-loadgen query-bench ${COMMON[*]} -load-only"
"$BIN/strata-loadgen" query-bench "${COMMON[@]}" -load-only
echo "query-bench: resident memory after the load: strata $(( $(ps -o rss= -p "$STRATA_PID") / 1024 )) MiB," \
     "prometheus $(( $(ps -o rss= -p "$PROM_PID") / 1024 )) MiB"

echo "query-bench: $BIN/strata-loadgen query-bench ${COMMON[*]} -skip-load -runs $RUNS"
status=0
"$BIN/strata-loadgen" query-bench "${COMMON[@]}" -skip-load -runs "$RUNS" || status=$?
if [ -n "${PERF:-}" ]; then
    # A separate, untimed pass under perf, so that profiling does not skew the table above.
    perf record -g -F 499 -p "$STRATA_PID" -o "$WORK/perf.data" >/dev/null 2>&1 &
    PERF_PID=$!
    sleep 1
    "$BIN/strata-loadgen" query-bench "${COMMON[@]}" -skip-load -runs 3 >/dev/null || true
    kill -INT "$PERF_PID" 2>/dev/null || true
    wait "$PERF_PID" 2>/dev/null || true
    echo "query-bench: top symbols of strata during a 3-run query pass (perf report --no-children, self time):"
    perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -25 \
        | { swift demangle --simplified 2>/dev/null || cat; } | sed -E 's/ +$//' | cut -c1-180 || true
fi
echo "query-bench: resident memory after the queries: strata $(( $(ps -o rss= -p "$STRATA_PID") / 1024 )) MiB," \
     "prometheus $(( $(ps -o rss= -p "$PROM_PID") / 1024 )) MiB"
exit "$status"
