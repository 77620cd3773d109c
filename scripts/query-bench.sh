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

if [ ! -x "$PROMETHEUS" ]; then
    echo "query-bench: Prometheus not found at $PROMETHEUS (apt-get install prometheus, or set PROMETHEUS_BINARY)" >&2
    exit 1
fi
if [ -z "${SKIP_BUILD:-}" ]; then
    swift build -c release --scratch-path "$SCRATCH" --product strata
    swift build -c release --scratch-path "$SCRATCH" --product strata-loadgen
fi
BIN="$SCRATCH/release"

WORK=$(mktemp -d /tmp/query-bench.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "query-bench: data kept in $WORK"; fi
}
trap cleanup EXIT

"$BIN/strata" -target=all -server.http-listen-address=127.0.0.1 -server.http-listen-port="$STRATA_PORT" \
    -blocks-storage.tsdb.dir="$WORK/strata" \
    -distributor.ingestion-rate-limit=1000000000 -distributor.ingestion-burst-size=1000000000 \
    -ingester.max-global-series-per-user=100000000 -log.level=warn >"$WORK/strata.log" 2>&1 &
STRATA_PID=$!
PIDS+=("$STRATA_PID")

printf 'global:\n  scrape_interval: 1m\n' >"$WORK/prometheus.yml"
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver --log.level=warn \
    >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
PIDS+=("$PROM_PID")

wait_ready() { # name url pid log
    for _ in $(seq 1 300); do
        if curl -sf -o /dev/null "$2"; then return 0; fi
        if ! kill -0 "$3" 2>/dev/null; then echo "query-bench: $1 exited; log:" >&2; cat "$4" >&2; exit 1; fi
        sleep 0.2
    done
    echo "query-bench: $1 not ready after 60s; log:" >&2; cat "$4" >&2; exit 1
}
wait_ready strata "http://127.0.0.1:$STRATA_PORT/ready" "$STRATA_PID" "$WORK/strata.log"
wait_ready prometheus "http://127.0.0.1:$PROM_PORT/-/ready" "$PROM_PID" "$WORK/prometheus.log"

case "$INTERVAL" in
    *m) INTERVAL_S=$(( ${INTERVAL%m} * 60 )) ;;
    *s) INTERVAL_S=${INTERVAL%s} ;;
    *) echo "query-bench: INTERVAL must be like 60s or 2m" >&2; exit 2 ;;
esac
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
