#!/usr/bin/env bash
# Measures the compactor and downsampled reads (docs/benchmarks.md, "Compactor and downsampling"),
# release builds, everything on loopback and under a temporary directory.
#
#  1. compaction: a 2-day tenant of SERIES series, one sample every INTERVAL, in 2h blocks shipped
#     three times (identical copies, as three ingesters ship them with replication factor 3), is
#     compacted by `strata -target=compactor` under /usr/bin/time: wall time, input samples per
#     second, peak RSS, bucket bytes before and after (sources deleted), bytes per sample.
#  2. year: YEAR_SERIES series over 365 days (one sample every YEAR_INTERVAL) in 2h blocks are
#     compacted to 24h blocks and downsampled to 5m and 1h (time and RSS reported as well), then
#     `strata -target=all` answers a range query over the year at a 1-day step, RUNS times each with
#     max_source_resolution=0 (raw blocks) and auto (1h blocks): min and median.
#
# Environment (defaults in brackets): SERIES [100000] INTERVAL [60s] YEAR_SERIES [1000]
# YEAR_INTERVAL [60s] RUNS [5] SKIP_BUILD, SCRATCH [.build] (release build directory), KEEP=1,
# ONLY=compaction|year (one part only), YEAR_BUCKET (a kept, compacted year bucket: queries only).
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES=${SERIES:-100000}
INTERVAL=${INTERVAL:-60s}
YEAR_SERIES=${YEAR_SERIES:-1000}
YEAR_INTERVAL=${YEAR_INTERVAL:-60s}
RUNS=${RUNS:-5}
SCRATCH=${SCRATCH:-.build}
PROMETHEUS=${PROMETHEUS_BINARY:-/usr/bin/prometheus}
NAME=compactor-bench
source scripts/bench-lib.sh
bench_build
bench_workdir

# Sum of meta.json numSamples of the blocks in a tenant directory.
samples_in() {
    python3 - "$1" <<'EOF'
import json, os, sys
total = 0
for d in os.listdir(sys.argv[1]):
    p = os.path.join(sys.argv[1], d, "meta.json")
    if os.path.exists(p) and not os.path.exists(os.path.join(sys.argv[1], d, "deletion-mark.json")):
        total += json.load(open(p))["stats"]["numSamples"]
print(total)
EOF
}


if [ "${ONLY:-compaction}" = compaction ]; then
    B="$WORK/bucket-2d"
    for seed in 1 1 1; do
        "$BIN/strata-loadgen" make-blocks -out "$B" -tenant bench -series "$SERIES" -blocks 24 \
            -scrape-interval "$INTERVAL" -seed "$seed" >/dev/null
    done
    SAMPLES=$(samples_in "$B/bench")
    BYTES_BEFORE=$(du -sb "$B/bench" | cut -f1)
    read -r SECONDS_TAKEN RSS < <(run_compactor "$B" 18480 "$WORK/compactor-2d.log" -compactor.downsampling-enabled=false)
    read -r _ _ < <(run_compactor "$B" 18481 "$WORK/cleanup-2d.log" -compactor.downsampling-enabled=false -compactor.deletion-delay=0s)
    BYTES_AFTER=$(du -sb "$B/bench" | cut -f1)
    KEPT=$(samples_in "$B/bench")
    echo "$NAME compaction: $SERIES series × 2 days at $INTERVAL, 3 copies: $SAMPLES samples in $SECONDS_TAKEN s" \
        "= $(echo "$SAMPLES / $SECONDS_TAKEN" | bc) samples/s; peak RSS $((RSS / 1024)) MiB;" \
        "bucket $BYTES_BEFORE → $BYTES_AFTER bytes (×$(echo "scale=3; $BYTES_AFTER / $BYTES_BEFORE" | bc)), $KEPT samples kept," \
        "$(echo "scale=3; $BYTES_AFTER / $KEPT" | bc) bytes per sample"
fi

if [ "${ONLY:-year}" = year ]; then
    if [ -n "${YEAR_BUCKET:-}" ]; then
        # A bucket this script compacted before (kept with KEEP=1): only the queries run.
        cp -a "$YEAR_BUCKET" "$WORK/bucket"
    else
        B="$WORK/bucket-year"
        "$BIN/strata-loadgen" make-blocks -out "$B" -tenant bench -series "$YEAR_SERIES" -blocks 4380 \
            -scrape-interval "$YEAR_INTERVAL" -seed 7 >/dev/null
        SAMPLES=$(samples_in "$B/bench")
        read -r SECONDS_TAKEN RSS < <(run_compactor "$B" 18482 "$WORK/compactor-year.log" -compactor.deletion-delay=0s)
        read -r _ _ < <(run_compactor "$B" 18483 "$WORK/cleanup-year.log" -compactor.deletion-delay=0s)
        echo "$NAME year: $YEAR_SERIES series × 365 days at $YEAR_INTERVAL: $SAMPLES samples merged to 24h blocks and" \
            "downsampled in $SECONDS_TAKEN s; peak RSS $((RSS / 1024)) MiB"
        rm -rf "$WORK/strata" "$WORK/sync"
        mv "$B" "$WORK/bucket"
    fi
    PORT=18484
    bench_start_strata "$PORT" -querier.timeout=10m
    END=$(( $(date +%s) / 86400 * 86400 - 86400 ))
    START=$(( END - 364 * 86400 ))
    for Q in 'sum(max_over_time({__name__=~".+"}[1d]))' 'sum(rate({__name__=~".+_total"}[1d]))'; do
        for RES in 0 auto; do
            ask() {
                curl -s -D "$WORK/headers" -o "$WORK/answer" -w '%{time_total}\n' -H 'X-Scope-OrgID: bench' \
                    --data-urlencode "query=$Q" -d "start=$START" -d "end=$END" -d step=86400 \
                    -d "max_source_resolution=$RES" "http://127.0.0.1:$PORT/prometheus/api/v1/query_range"
            }
            ask >/dev/null
            times=$(for _ in $(seq 1 "$RUNS"); do ask; done | sort -n)
            used=$(awk -F': ' 'tolower($1) == "x-strata-resolutions" {gsub("\r", "", $2); print $2}' "$WORK/headers")
            points=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(len(r["values"]) for r in d["data"]["result"]))' "$WORK/answer")
            echo "$times" | awk -v q="$Q" -v res="$RES" -v used="$used" -v points="$points" \
                '{t[NR] = $1 * 1000} END {printf "%s year: %s max_source_resolution=%s (read %s, %s points): min %.1f ms, median %.1f ms (%d requests)\n", "'"$NAME"'", q, res, used, points, t[1], t[int((NR + 1) / 2)], NR}'
        done
    done
fi
