# Shared by the benchmark scripts (source it; set NAME, SCRATCH and PROMETHEUS first): the release
# build, a work directory removed on exit (kept with KEEP=1), and Strata and Prometheus started on
# loopback with everything they write under that directory.

# Builds strata and strata-loadgen (release) unless SKIP_BUILD is set; sets BIN.
bench_build() {
    if [ -z "${SKIP_BUILD:-}" ]; then
        swift build -c release --scratch-path "$SCRATCH" --product strata
        swift build -c release --scratch-path "$SCRATCH" --product strata-loadgen
    fi
    BIN="$SCRATCH/release"
}

# Creates WORK and arranges for the servers to be stopped and WORK removed on exit.
bench_workdir() {
    WORK=$(mktemp -d "/tmp/$NAME.XXXXXX")
    PIDS=()
    trap bench_cleanup EXIT
}

bench_cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -z "${KEEP:-}" ]; then rm -rf "$WORK"; else echo "$NAME: data kept in $WORK"; fi
}

# bench_start_strata PORT [flags…]: Strata -target=all with its TSDB, bucket and index-headers
# under WORK and limits out of the way; sets STRATA_PID and waits until it is ready.
bench_start_strata() {
    local port=$1; shift
    "$BIN/strata" -target=all -server.http-listen-address=127.0.0.1 -server.http-listen-port="$port" \
        -blocks-storage.tsdb.dir="$WORK/strata" -blocks-storage.filesystem.dir="$WORK/bucket" \
        -blocks-storage.bucket-store.sync-dir="$WORK/sync" \
        -distributor.ingestion-rate-limit=1000000000 -distributor.ingestion-burst-size=1000000000 \
        -ingester.max-global-series-per-user=100000000 -log.level=warn "$@" >"$WORK/strata.log" 2>&1 &
    STRATA_PID=$!
    PIDS+=("$STRATA_PID")
    bench_wait_ready strata "http://127.0.0.1:$port/ready" "$STRATA_PID" "$WORK/strata.log"
}

# bench_start_prometheus PORT [flags…]: Prometheus with the remote-write receiver, TSDB under
# WORK; sets PROM_PID and waits until it is ready.
bench_start_prometheus() {
    local port=$1; shift
    if [ ! -x "$PROMETHEUS" ]; then
        echo "$NAME: Prometheus not found at $PROMETHEUS (apt-get install prometheus, or set PROMETHEUS_BINARY)" >&2
        exit 1
    fi
    printf 'global:\n  scrape_interval: 1m\n' >"$WORK/prometheus.yml"
    "$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus" \
        --web.listen-address="127.0.0.1:$port" --web.enable-remote-write-receiver --log.level=warn "$@" \
        >"$WORK/prometheus.log" 2>&1 &
    PROM_PID=$!
    PIDS+=("$PROM_PID")
    bench_wait_ready prometheus "http://127.0.0.1:$port/-/ready" "$PROM_PID" "$WORK/prometheus.log"
}

# bench_wait_ready NAME URL PID LOG: polls URL for up to 120 s; prints LOG and exits if the
# process dies or never answers.
bench_wait_ready() {
    for _ in $(seq 1 600); do
        if curl -sf -o /dev/null "$2"; then return 0; fi
        if ! kill -0 "$3" 2>/dev/null; then echo "$NAME: $1 exited; log:" >&2; cat "$4" >&2; exit 1; fi
        sleep 0.2
    done
    echo "$NAME: $1 not ready after 120s; log:" >&2; cat "$4" >&2; exit 1
}

# bench_flush PORT: POST /ingester/flush to Strata (every head cut into blocks and shipped); prints
# the status and time, and exits with the end of Strata's log unless the answer is 204.
bench_flush() {
    local code
    code=$(curl -s -X POST -d '' "http://127.0.0.1:$1/ingester/flush" -o "$WORK/flush.txt" -w '%{http_code} %{time_total}')
    echo "$NAME: strata flush: HTTP $code s"
    [ "${code%% *}" = 204 ] || { echo "$NAME: flush failed: $(cat "$WORK/flush.txt")" >&2; tail -20 "$WORK/strata.log" >&2; exit 1; }
}

# bench_prometheus_snapshot PORT: Prometheus writes its head as a block (admin API, needs
# --web.enable-admin-api); sets SNAP to the snapshot directory.
bench_prometheus_snapshot() {
    curl -sf -X POST "http://127.0.0.1:$1/api/v1/admin/tsdb/snapshot" >"$WORK/snapshot.json" \
        || { echo "$NAME: Prometheus snapshot failed" >&2; exit 1; }
    SNAP="$WORK/prometheus/snapshots/$(sed -E 's/.*"name":"([^"]+)".*/\1/' "$WORK/snapshot.json")"
}

# bench_block_sizes DIR: "bytes chunk-bytes blocks" of the block directories under DIR: every file
# of every block (index, chunk segments, meta.json, tombstones), not a bucket index beside them.
bench_block_sizes() {
    local bytes chunks blocks
    bytes=$(find "$1" -mindepth 2 -type f ! -name 'bucket-index.json.gz' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
    chunks=$(find "$1" -path '*/chunks/*' -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')
    blocks=$(find "$1" -mindepth 1 -maxdepth 1 -type d | wc -l)
    echo "$bytes $chunks $blocks"
}

# bench_interval_seconds 15s|2m: the scrape interval in seconds.
bench_interval_seconds() {
    case "$1" in
        *m) echo $(( ${1%m} * 60 )) ;;
        *s) echo "${1%s}" ;;
        *) echo "$NAME: INTERVAL must be like 15s or 2m" >&2; exit 2 ;;
    esac
}

# run_compactor BUCKET PORT LOG [flags…] (needs BIN, WORK, NAME, PIDS): runs `strata -target=compactor` under /usr/bin/time until
# its first run has completed (its /metrics says so), then stops it; prints seconds and peak RSS.
run_compactor() {
    local bucket=$1 port=$2 log=$3; shift 3
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -v -o "$log.time" "$BIN/strata" -target=compactor -server.http-listen-address=127.0.0.1 \
        -server.http-listen-port="$port" -blocks-storage.backend=filesystem -blocks-storage.filesystem.dir="$bucket" \
        -compactor.data-dir="$WORK/compactor" -compactor.compaction-interval=1000h \
        -compactor.first-level-compaction-wait-period=0s -log.level=warn "$@" >"$log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    local metrics=""
    # Not `curl | grep -q`: grep's early exit fails curl, and with pipefail the loop never ends.
    until grep -Eq '^strata_compactor_runs_(completed|failed)_total [1-9]' <<<"$metrics"; do
        if ! kill -0 "$pid" 2>/dev/null; then echo "$NAME: the compactor exited" >&2; cat "$log" >&2; exit 1; fi
        sleep 1
        metrics=$(curl -sf "http://127.0.0.1:$port/metrics" 2>/dev/null || true)
    done
    end=$(date +%s.%N)
    if grep -Eq '^strata_compactor_runs_failed_total [1-9]' <<<"$metrics"; then
        echo "$NAME: the compaction run failed" >&2; cat "$log" >&2; exit 1
    fi
    # GNU time ignores SIGINT while it waits: stop its child, the compactor.
    pkill -INT -P "$pid" strata || true
    wait "$pid" 2>/dev/null || true
    local rss
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.time")
    echo "$(echo "$end - $start" | bc) $rss"
}
