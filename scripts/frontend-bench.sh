#!/usr/bin/env bash
# Measures the query-frontend of `strata -target=all` (docs/benchmarks.md, "Query-frontend"),
# release builds, everything on loopback and under a temporary directory. Each part prints its
# figures on lines starting with "frontend-bench <part>:", and the machine's load average.
#
#  1. fairness: Strata with -querier.max-concurrent=QUERIERS and a runtime config giving tenant
#     `heavy` max_queriers_per_tenant: 1. HEAVY_SERIES series for `heavy` and LIGHT_SERIES for
#     `light`, 1 h at 60 s, by remote write. Tenant light's small panel query (one worker,
#     LIGHT_PAUSE between requests, range 1h step 60s) runs for FAIR_DURATION alone, then again
#     while heavy floods with HEAVY_CONCURRENCY workers of a query over all its series; then once
#     more with the flood after a restart without the runtime config (no limit), for contrast.
#     Prints light's p99 idle and flooded, their ratio, and heavy's requests and 429s.
#  2. sharding: SHARD_SERIES series × 24 h at 60 s written as 2h blocks by
#     `strata-loadgen make-blocks`, ending at yesterday 00:00 UTC (so the store-gateway answers and
#     the 24 h are one split interval); `sum by (job) (rate(http_requests_total[5m]))` over the
#     1,440 steps at 60 s, one untimed warm-up and RUNS timed runs, with sharding off and then with
#     each of SHARDS total shards (Strata restarted between configurations on the same
#     directories; results cache off). Prints the medians, the speed-ups and whether the sharded
#     answers equal the unsharded one.
#  3. dashboard: DASH_SERIES series × DASH_DAYS days at DASH_INTERVAL written as 2h blocks ending
#     now, compacted and downsampled by `strata -target=compactor` first (as a store of that age
#     would be); then 8 panel queries over the last DASH_DAYS days at step 1h sent at once (one
#     dashboard load), twice in a row with the results cache on: cold, then warm. Prints both wall
#     times, their ratio and the second load's results-cache hit ratio (stats=all); then compares
#     the cached answers with those of a restart without the cache.
#
# Environment (defaults in brackets): QUERIERS [4] HEAVY_SERIES [100000] LIGHT_SERIES [10000]
# HEAVY_CONCURRENCY [8] FAIR_DURATION [60s] LIGHT_PAUSE [100ms] SHARD_SERIES [100000] RUNS [5]
# SHARDS ["2 4"] DASH_SERIES [2000] DASH_INTERVAL [5m] DASH_DAYS [30]
# EVAL_PARALLELISM [unset: the engine's default] passes -querier.evaluation-parallelism to the
# sharding part (1: one task per query, as Prometheus's and Mimir's engines).
# ONLY=fairness|sharding|dashboard (one part only), SKIP_BUILD, SCRATCH [.build-release] (release
# build directory; SCRATCH=<dir> SKIP_BUILD=1 reuses binaries in <dir>/release), KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."

QUERIERS=${QUERIERS:-4}
HEAVY_SERIES=${HEAVY_SERIES:-100000}
LIGHT_SERIES=${LIGHT_SERIES:-10000}
HEAVY_CONCURRENCY=${HEAVY_CONCURRENCY:-8}
FAIR_DURATION=${FAIR_DURATION:-60s}
LIGHT_PAUSE=${LIGHT_PAUSE:-100ms}
SHARD_SERIES=${SHARD_SERIES:-100000}
RUNS=${RUNS:-5}
SHARDS=${SHARDS:-2 4}
DASH_SERIES=${DASH_SERIES:-2000}
DASH_INTERVAL=${DASH_INTERVAL:-5m}
DASH_DAYS=${DASH_DAYS:-30}
SCRATCH=${SCRATCH:-.build-release}
NAME=frontend-bench
source scripts/bench-lib.sh
bench_build
bench_workdir

# The in-process compactor of -target=all must not merge or downsample the benchmark's blocks
# while queries are timed: one block range (2h, what the blocks already are), no downsampling.
NO_COMPACTION=(-compactor.block-ranges=2h -compactor.downsampling-enabled=false)

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# ratio A B [SCALE]: A / B, or "-" when either is missing or B is zero.
ratio() {
    if [ -z "$1" ] || [ -z "$2" ] || [ "$(echo "$2 == 0" | bc)" = 1 ]; then echo -; return; fi
    echo "scale=${3:-2}; $1 / $2" | bc
}

# strata_alive NAME-OF-STEP: true while the last started Strata runs; otherwise prints where it
# crashed (the first frames of its backtrace) and returns false.
strata_alive() {
    kill -0 "$STRATA_PID" 2>/dev/null && return 0
    wait "$STRATA_PID" 2>/dev/null && status=0 || status=$?
    echo "$NAME: STRATA DIED during $1 (exit status $status); log: $WORK/strata-logs.txt"
    grep -E 'Program crashed|Fatal error|crashed:$' "$WORK/strata.log" | head -3 | sed 's/^/    /'
    grep -A4 -E '" crashed:$' "$WORK/strata.log" | grep -E '^ +[0-9]' | head -3 | cut -c1-200 | sed 's/^/    /'
    return 1
}

# stop_strata: stops the Strata that bench_start_strata started last and waits for it; its log is
# appended to WORK/strata-logs.txt (the next start overwrites strata.log).
stop_strata() {
    kill "$STRATA_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$STRATA_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$STRATA_PID" 2>/dev/null || true
    wait "$STRATA_PID" 2>/dev/null || true
    { echo "=== strata stopped $(date -u +%FT%TZ)"; cat "$WORK/strata.log"; } >>"$WORK/strata-logs.txt"
}

# query_load OUT [flags…]: `strata-loadgen query-load -strata $URL` with the JSON summary in OUT.json and the
# human-readable report in OUT.txt (also printed).
# Failed requests do not stop the script: the summaries count them.
query_load() {
    local out=$1; shift
    "$BIN/strata-loadgen" query-load -strata "$URL" -json -allow-errors "$@" >"$out.all"
    tail -n 1 "$out.all" >"$out.json"
    sed '$d' "$out.all" | tee "$out.txt"
}

# loop_field JSON LOOP JQ-PATH: a field of one loop of a query-load summary.
loop_field() { jq -r --arg n "$2" ".loops[] | select(.name == \$n) | $3" "$1"; }


# ---------------------------------------------------------------------------------------------
if [ "${ONLY:-fairness}" = fairness ]; then
    PORT=18601
    URL="http://127.0.0.1:$PORT"
    printf 'overrides:\n  heavy:\n    max_queriers_per_tenant: 1\n' >"$WORK/runtime.yaml"
    echo "$NAME fairness: load average before: $(load_average)"
    bench_start_strata "$PORT" -querier.max-concurrent="$QUERIERS" -runtime-config.file="$WORK/runtime.yaml"
    for tenant in heavy light; do
        series=$HEAVY_SERIES
        [ "$tenant" = light ] && series=$LIGHT_SERIES
        echo "$NAME fairness: $BIN/strata-loadgen -url $URL/api/v1/push -header 'X-Scope-OrgID: $tenant' -series $series -samples-per-series 60 -scrape-interval 60s"
        "$BIN/strata-loadgen" -url "$URL/api/v1/push" -header "X-Scope-OrgID: $tenant" -series "$series" \
            -samples-per-series 60 -scrape-interval 60s -concurrency 4 >"$WORK/load-$tenant.txt" 2>"$WORK/load-$tenant.log"
        echo "$NAME fairness: loaded $tenant: $(grep -E 'samples/s' "$WORK/load-$tenant.txt" | sed -E 's/ +/ /g')"
    done
    INSTANCE=$(curl -sf -H 'X-Scope-OrgID: light' --data-urlencode 'query=up{job="kubernetes-pods"}' \
        "$URL/prometheus/api/v1/query" | jq -r '.data.result[0].metric.instance') || true
    if [ -z "$INSTANCE" ] || [ "$INSTANCE" = null ]; then
        echo "$NAME fairness: tenant light has no up{job=\"kubernetes-pods\"} series; log:" >&2; cat "$WORK/strata.log" >&2; exit 1
    fi
    LIGHT_QUERY=${LIGHT_QUERY:-"sum by (code) (rate(http_requests_total{instance=\"$INSTANCE\"}[5m]))"}
    HEAVY_QUERY=${HEAVY_QUERY:-'sum by (job) (rate(http_requests_total[5m]))'}
    # Warm-up (untimed): the first queries of each tenant fill the postings and series caches.
    warm_up() {
        "$BIN/strata-loadgen" query-load -strata "$URL" -load "$LIGHT,count=20" -load "${HEAVY%,concurrency=*},count=4" \
            >"$WORK/warm-up.txt" 2>&1 || { echo "$NAME fairness: the warm-up failed:"; cat "$WORK/warm-up.txt"; }
    }
    LIGHT="name=light,tenant=light,query=$LIGHT_QUERY,range=1h,step=60s,concurrency=1,pause=$LIGHT_PAUSE"
    HEAVY="name=heavy,tenant=heavy,query=$HEAVY_QUERY,range=1h,step=60s,concurrency=$HEAVY_CONCURRENCY"
    warm_up

    echo "$NAME fairness: light alone: strata-loadgen query-load -strata $URL -load '$LIGHT' -duration $FAIR_DURATION"
    query_load "$WORK/idle" -load "$LIGHT" -duration "$FAIR_DURATION"
    echo "$NAME fairness: load average: $(load_average)"
    echo "$NAME fairness: light with heavy flooding: strata-loadgen query-load -strata $URL -load '$HEAVY' -load '$LIGHT' -duration $FAIR_DURATION -allow-errors"
    query_load "$WORK/flood" -load "$HEAVY" -load "$LIGHT" -duration "$FAIR_DURATION"
    echo "$NAME fairness: load average: $(load_average)"
    # For comparison: one heavy worker (heavy's single querier is as busy, nothing queues).
    echo "$NAME fairness: light with one heavy worker:"
    query_load "$WORK/one" -load "${HEAVY%,concurrency=*},concurrency=1" -load "$LIGHT" -duration "$FAIR_DURATION"
    echo "$NAME fairness: load average: $(load_average)"
    strata_alive "the fairness runs" || true
    stop_strata
    # The same flood without max_queriers_per_tenant (same data: the WAL is replayed).
    bench_start_strata "$PORT" -querier.max-concurrent="$QUERIERS"
    warm_up
    echo "$NAME fairness: the same flood without max_queriers_per_tenant:"
    query_load "$WORK/nolimit" -load "$HEAVY" -load "$LIGHT" -duration "$FAIR_DURATION"
    echo "$NAME fairness: load average: $(load_average)"
    strata_alive "the flood without the limit" || true
    stop_strata

    IDLE=$(loop_field "$WORK/idle.json" light .latency_ms.p99)
    FLOOD=$(loop_field "$WORK/flood.json" light .latency_ms.p99)
    NOLIMIT=$(loop_field "$WORK/nolimit.json" light .latency_ms.p99)
    ONE=$(loop_field "$WORK/one.json" light .latency_ms.p99)
    echo "$NAME fairness: light p99 idle $IDLE ms ($(loop_field "$WORK/idle.json" light .requests) requests)," \
        "with heavy flooding $FLOOD ms ($(loop_field "$WORK/flood.json" light .requests) requests):" \
        "×$(ratio "$FLOOD" "$IDLE") (target ≤ 2); light p50 $(loop_field "$WORK/idle.json" light .latency_ms.p50)" \
        "→ $(loop_field "$WORK/flood.json" light .latency_ms.p50) ms"
    echo "$NAME fairness: with one heavy worker instead: light p99 $ONE ms (×$(ratio "$ONE" "$IDLE") of idle)," \
        "p50 $(loop_field "$WORK/one.json" light .latency_ms.p50) ms; heavy $(loop_field "$WORK/one.json" heavy .requests) requests," \
        "p50 $(loop_field "$WORK/one.json" heavy .latency_ms.p50) ms"
    echo "$NAME fairness: heavy ($HEAVY_CONCURRENCY workers, max_queriers_per_tenant 1 of $QUERIERS):" \
        "$(loop_field "$WORK/flood.json" heavy .requests) requests, $(loop_field "$WORK/flood.json" heavy .ok) ok," \
        "$(loop_field "$WORK/flood.json" heavy .too_many_requests) × 429, other errors $(loop_field "$WORK/flood.json" heavy '.errors | tostring')," \
        "p50 $(loop_field "$WORK/flood.json" heavy .latency_ms.p50) ms, $(loop_field "$WORK/flood.json" heavy .first_answer_series) series"
    echo "$NAME fairness: without the limit: light p99 $NOLIMIT ms (×$(ratio "$NOLIMIT" "$IDLE") of idle)," \
        "heavy $(loop_field "$WORK/nolimit.json" heavy .requests) requests, $(loop_field "$WORK/nolimit.json" heavy .too_many_requests) × 429"
    rm -rf "$WORK/strata" "$WORK/bucket" "$WORK/sync"
fi

# ---------------------------------------------------------------------------------------------
if [ "${ONLY:-sharding}" = sharding ]; then
    PORT=18602
    URL="http://127.0.0.1:$PORT"
    D=$(( $(date +%s) / 86400 * 86400 - 86400 ))
    echo "$NAME sharding: $BIN/strata-loadgen make-blocks -out <bucket> -tenant bench -series $SHARD_SERIES -blocks 12 -scrape-interval 60s -end $D -seed 3"
    t0=$(date +%s.%N)
    "$BIN/strata-loadgen" make-blocks -out "$WORK/bucket" -tenant bench -series "$SHARD_SERIES" -blocks 12 \
        -scrape-interval 60s -end "$D" -seed 3 2>"$WORK/make-blocks.log"
    echo "$NAME sharding: wrote 12 blocks ($(du -sh "$WORK/bucket/bench" | cut -f1)) in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s; load average $(load_average)"
    Q=${SHARD_QUERY:-'sum by (job) (rate(http_requests_total[5m]))'}
    # 23h59m ending at D-60: the 1,440 steps D-24h … D-60s, all in one 24h split interval.
    SPEC="tenant=bench,query=$Q,range=23h59m,step=60s"
    declare -A MEDIAN
    for CFG in off $SHARDS; do
        if [ "$CFG" = off ]; then
            FLAGS=(-query-frontend.parallelize-shardable-queries=false)
        else
            FLAGS=(-query-frontend.parallelize-shardable-queries=true -query-frontend.query-sharding-total-shards="$CFG")
        fi
        [ -n "${EVAL_PARALLELISM:-}" ] && FLAGS+=(-querier.evaluation-parallelism="$EVAL_PARALLELISM")
        bench_start_strata "$PORT" -query-frontend.cache-results=false "${FLAGS[@]}" "${NO_COMPACTION[@]}" -querier.timeout=10m
        # Warm-up (untimed), kept to compare answers; wait for the store-gateway's first sync.
        echo "$NAME sharding: shards=$CFG: strata -target=all -query-frontend.cache-results=false ${FLAGS[*]}; load average $(load_average)"
        for _ in $(seq 1 60); do
            curl -s -H 'X-Scope-OrgID: bench' --data-urlencode "query=$Q" -d "start=$((D - 86400))" -d "end=$((D - 60))" \
                -d step=60 "$URL/prometheus/api/v1/query_range" >"$WORK/answer-$CFG.json" || true
            n=$(jq '.data.result | length' "$WORK/answer-$CFG.json" 2>/dev/null || true)
            [ "${n:-0}" -gt 0 ] && break
            kill -0 "$STRATA_PID" 2>/dev/null || break
            sleep 1
        done
        MEDIAN[$CFG]=""
        if strata_alive "the warm-up query, shards=$CFG"; then
            echo "$NAME sharding:   strata-loadgen query-load -strata $URL -load '$SPEC,count=$RUNS' -end $((D - 60)) -stats"
            query_load "$WORK/shard-$CFG" -load "$SPEC,count=$RUNS,name=s$CFG" -end "$((D - 60))" -stats
            if [ "$(loop_field "$WORK/shard-$CFG.json" "s$CFG" .ok)" = "$RUNS" ]; then
                MEDIAN[$CFG]=$(loop_field "$WORK/shard-$CFG.json" "s$CFG" .latency_ms.p50)
            fi
            strata_alive "the timed runs, shards=$CFG" || true
        fi
        stop_strata
    done
    for CFG in $SHARDS; do
        if [ -z "${MEDIAN[$CFG]}" ] || [ -z "${MEDIAN[off]}" ]; then
            echo "$NAME sharding: $Q, $SHARD_SERIES series: unsharded ${MEDIAN[off]:-failed} ms, $CFG shards: ${MEDIAN[$CFG]:-failed} (see above)"
            continue
        fi
        SAME=$(python3 - "$WORK/answer-off.json" "$WORK/answer-$CFG.json" 2>/dev/null <<'EOF'
import json, sys
def load(p):
    r = json.load(open(p))["data"]["result"]
    return {json.dumps(s["metric"], sort_keys=True): [(t, float(v)) for t, v in s["values"]] for s in r}
a, b = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for k in a.keys() | b.keys():
    x, y = a.get(k, []), b.get(k, [])
    if [t for t, _ in x] != [t for t, _ in y]:
        bad += max(len(x), len(y)); continue
    bad += sum(1 for (_, u), (_, v) in zip(x, y)
               if not (u == v or (u != u and v != v) or abs(u - v) <= 1e-9 * max(abs(u), abs(v))))
n = sum(len(v) for v in a.values())
print("yes" if bad == 0 else f"NO ({bad} of {n} values differ)")
EOF
        ) || SAME="could not compare"
        echo "$NAME sharding: $Q over 24h at 60s, $SHARD_SERIES series: median of $RUNS unsharded ${MEDIAN[off]} ms," \
            "$CFG shards ${MEDIAN[$CFG]} ms: ×$(ratio "${MEDIAN[off]}" "${MEDIAN[$CFG]}") (target ≥ 1.8 on 2 cores);" \
            "same answer as unsharded: $SAME"
    done
    rm -rf "$WORK/strata" "$WORK/bucket" "$WORK/sync"
fi

# ---------------------------------------------------------------------------------------------
if [ "${ONLY:-dashboard}" = dashboard ]; then
    PORT=18603
    URL="http://127.0.0.1:$PORT"
    NOW=$(date +%s)
    BLOCKS=$(( DASH_DAYS * 12 ))
    echo "$NAME dashboard: $BIN/strata-loadgen make-blocks -out <bucket> -tenant dash -series $DASH_SERIES -blocks $BLOCKS -scrape-interval $DASH_INTERVAL -end $NOW -seed 5"
    t0=$(date +%s.%N)
    "$BIN/strata-loadgen" make-blocks -out "$WORK/bucket" -tenant dash -series "$DASH_SERIES" -blocks "$BLOCKS" \
        -scrape-interval "$DASH_INTERVAL" -end "$NOW" -seed 5 2>"$WORK/make-blocks.log"
    echo "$NAME dashboard: wrote $BLOCKS blocks ($(du -sh "$WORK/bucket/dash" | cut -f1)) in $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-6) s"
    read -r SECS RSS < <(run_compactor "$WORK/bucket" 18604 "$WORK/compactor.log" -compactor.deletion-delay=0s)
    read -r _ _ < <(run_compactor "$WORK/bucket" 18605 "$WORK/cleanup.log" -compactor.deletion-delay=0s)
    echo "$NAME dashboard: compacted and downsampled in $SECS s (peak RSS $((RSS / 1024)) MiB):" \
        "$(find "$WORK/bucket/dash" -mindepth 1 -maxdepth 1 -type d | wc -l) blocks ($(du -sh "$WORK/bucket/dash" | cut -f1)); load average $(load_average)"
    rm -rf "$WORK/compactor"

    END=$(( NOW / 3600 * 3600 ))
    R="range=${DASH_DAYS}d,step=1h,tenant=dash"
    PANELS=(
        "name=cpu-by-namespace,$R,query=sum by (namespace) (rate(container_cpu_usage_seconds_total[1h]))"
        "name=requests-by-job,$R,query=sum by (job) (rate(http_requests_total[1h]))"
        "name=p99-latency,$R,query=histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[1h])))"
        "name=node-load-max,$R,query=max by (node) (max_over_time(node_load1[1h]))"
        "name=pods-by-namespace,$R,query=count by (namespace) (up)"
        "name=memory-avg,$R,query=avg by (namespace) (avg_over_time(container_memory_working_set_bytes[1h]))"
        "name=api-requests-by-code,$R,query=sum by (code) (rate(http_requests_total{handler=~\"/api/.*\"}[1h]))"
        "name=top-receivers,$R,query=topk(5, sum by (pod) (rate(container_network_receive_bytes_total[1h])))"
    )
    LOADS=()
    for p in "${PANELS[@]}"; do LOADS+=(-load "$p,count=1"); done
    bench_start_strata "$PORT" -query-frontend.cache-results=true -querier.query-store-after=0s "${NO_COMPACTION[@]}" -querier.timeout=10m
    echo "$NAME dashboard: strata -target=all -query-frontend.cache-results=true -querier.query-store-after=0s; the 8 panels, each:"
    printf '  %s\n' "${PANELS[@]}"
    # The store-gateway's first sync: a cheap query answers once the blocks are visible.
    for _ in $(seq 1 60); do
        n=$(curl -s -H 'X-Scope-OrgID: dash' --data-urlencode 'query=up' -d "time=$((END - 86400))" \
            "$URL/prometheus/api/v1/query" | jq '.data.result | length' 2>/dev/null || true)
        [ "${n:-0}" -gt 0 ] && break
        sleep 1
    done
    echo "$NAME dashboard: load 1 (cold results cache), load average $(load_average): strata-loadgen query-load -strata $URL -end $END -stats <8 × -load '…,count=1'>"
    query_load "$WORK/cold" -end "$END" -stats "${LOADS[@]}"
    echo "$NAME dashboard: load 2 (right after), load average $(load_average):"
    query_load "$WORK/warm" -end "$END" -stats "${LOADS[@]}"
    ALIVE=1
    strata_alive "the dashboard loads" || ALIVE=0
    COLD=$(jq .wall_seconds "$WORK/cold.json")
    WARM=$(jq .wall_seconds "$WORK/warm.json")
    HITS=$(jq '[.loops[].strata_stats.results_cache_hits] | add' "$WORK/warm.json")
    MISSES=$(jq '[.loops[].strata_stats.results_cache_misses] | add' "$WORK/warm.json")
    COLD_HITS=$(jq '[.loops[].strata_stats.results_cache_hits] | add' "$WORK/cold.json")
    COLD_MISSES=$(jq '[.loops[].strata_stats.results_cache_misses] | add' "$WORK/cold.json")
    ERRORS=$(jq '[.loops[] | .requests - .ok] | add' "$WORK/cold.json" "$WORK/warm.json" | paste -sd+ | bc)
    EMPTY=$(jq -r '[.loops[] | select((.first_answer_series // 0) == 0) | .name] | join(" ")' "$WORK/cold.json")
    if [ "$ERRORS" != 0 ]; then
        echo "$NAME dashboard: $ERRORS of the 16 panel requests failed (see above): no wall-time ratio"
    else
    echo "$NAME dashboard: $DASH_SERIES series × $DASH_DAYS days at $DASH_INTERVAL, 8 panels at step 1h: cold load $COLD s," \
        "warm load $WARM s: ×$(ratio "$COLD" "$WARM" 1) (target ≥ 10); results cache hits/misses: cold $COLD_HITS/$COLD_MISSES," \
        "warm $HITS/$MISSES (hit ratio $(ratio "$HITS" "$((HITS + MISSES))" 3)); panels without series: ${EMPTY:-none}"
    fi

    # The cached answers against fresh ones from a restart without the results cache.
    [ "$ALIVE" = 1 ] || { stop_strata; exit 0; }
    for i in "${!PANELS[@]}"; do
        q=${PANELS[$i]#*query=}
        curl -s -H 'X-Scope-OrgID: dash' --data-urlencode "query=$q" -d "start=$((END - DASH_DAYS * 86400))" -d "end=$END" \
            -d step=3600 "$URL/prometheus/api/v1/query_range" >"$WORK/cached-$i.json" || true
    done
    stop_strata
    bench_start_strata "$PORT" -query-frontend.cache-results=false -querier.query-store-after=0s "${NO_COMPACTION[@]}" -querier.timeout=10m
    DIFF=""
    for i in "${!PANELS[@]}"; do
        q=${PANELS[$i]#*query=}
        curl -s -H 'X-Scope-OrgID: dash' --data-urlencode "query=$q" -d "start=$((END - DASH_DAYS * 86400))" -d "end=$END" \
            -d step=3600 "$URL/prometheus/api/v1/query_range" >"$WORK/fresh-$i.json" || true
        same=$(python3 - "$WORK/cached-$i.json" "$WORK/fresh-$i.json" 2>/dev/null <<'EOF'
import json, sys
def load(p):
    r = json.load(open(p))["data"]["result"]
    return {json.dumps(s["metric"], sort_keys=True): s["values"] for s in r}
a, b = load(sys.argv[1]), load(sys.argv[2])
bad = sum(1 for k in a.keys() | b.keys() if a.get(k) != b.get(k))
print("yes" if bad == 0 and a else f"NO ({bad} of {len(a | b)} series differ)")
EOF
        ) || same="could not compare"
        [ "$same" = yes ] || DIFF="$DIFF ${PANELS[$i]%%,*}: $same;"
    done
    strata_alive "the uncached answers" || true
    stop_strata
    echo "$NAME dashboard: cached answers equal uncached ones: ${DIFF:-yes, all 8 panels}"
fi
