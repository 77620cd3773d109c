#!/usr/bin/env bash
# Bytes per sample on real metrics: Prometheus scrapes real exporters on this machine and
# remote-writes every sample to Strata, so both stores hold the same real series.
#
# Starts etcd (also Strata's ring store, so its metrics move), node_exporter, Strata
# (-target=all, filesystem bucket, multitenancy off so every write lands in tenant "real": Debian's
# Prometheus 2.42 does not send remote_write `headers`) and Prometheus, which scrapes
# node_exporter, etcd, Strata and itself every INTERVAL and remote-writes to Strata. The run stops one
# scrape interval before the next 2 h boundary (UTC), so both stores hold one block range; then
# Strata flushes (POST /ingester/flush), Prometheus snapshots its head, and the script prints the
# bytes per sample of both: every file of every block of the tenant / snapshot, divided by the
# samples the block metas count. Last, `strata-loadgen reencode-blocks` rewrites Prometheus's
# snapshot with Strata's encoder at 120, 240 and 480 samples per chunk.
#
# Environment (defaults in brackets):
#   INTERVAL [15s]  DURATION  run this long (e.g. 30m) instead of until the 2 h boundary
#   SCRATCH [.build]   SKIP_BUILD  reuse binaries in $SCRATCH/release   KEEP=1
#   PROMETHEUS_BINARY [/usr/bin/prometheus]   NODE_EXPORTER [/usr/bin/prometheus-node-exporter]
#   ETCD [etcd]   ports: STRATA_PORT [18300] PROM_PORT [19300] NODE_PORT [19100] ETCD_PORT [12379]
set -euo pipefail
cd "$(dirname "$0")/.."

INTERVAL=${INTERVAL:-15s}
SCRATCH=${SCRATCH:-.build}
PROMETHEUS=${PROMETHEUS_BINARY:-/usr/bin/prometheus}
NODE_EXPORTER=${NODE_EXPORTER:-/usr/bin/prometheus-node-exporter}
ETCD=${ETCD:-etcd}
STRATA_PORT=${STRATA_PORT:-18300}
PROM_PORT=${PROM_PORT:-19300}
NODE_PORT=${NODE_PORT:-19100}
ETCD_PORT=${ETCD_PORT:-12379}

NAME=realdata-bench
source scripts/bench-lib.sh
for tool in "$PROMETHEUS" "$NODE_EXPORTER" "$(command -v "$ETCD" || echo etcd)"; do
    [ -x "$tool" ] || { echo "$NAME: $tool not found (apt-get install prometheus prometheus-node-exporter etcd-server)" >&2; exit 1; }
done
INTERVAL_S=$(bench_interval_seconds "$INTERVAL")
NOW=$(date +%s)
if [ -n "${DURATION:-}" ]; then
    STOP=$(( NOW + $(bench_interval_seconds "$DURATION") ))
else
    STOP=$(( (NOW / 7200 + 1) * 7200 - INTERVAL_S ))
fi
bench_build
bench_workdir

"$ETCD" --name realdata --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "realdata=http://127.0.0.1:$((ETCD_PORT + 1))" --log-level warn >"$WORK/etcd.log" 2>&1 &
PIDS+=($!)
bench_wait_ready etcd "http://127.0.0.1:$ETCD_PORT/health" "$!" "$WORK/etcd.log"
"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$NODE_PORT" >"$WORK/node.log" 2>&1 &
PIDS+=($!)
bench_wait_ready node_exporter "http://127.0.0.1:$NODE_PORT/metrics" "$!" "$WORK/node.log"

bench_start_strata "$STRATA_PORT" -auth.multitenancy-enabled=false -auth.no-auth-tenant=real -ingester.ring.store=etcd -ingester.ring.etcd.endpoints="127.0.0.1:$ETCD_PORT" -ingester.ring.replication-factor=1 \
    -store-gateway.sharding-ring.store=etcd -store-gateway.sharding-ring.etcd.endpoints="127.0.0.1:$ETCD_PORT" -store-gateway.sharding-ring.replication-factor=1

cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: $INTERVAL
remote_write:
  - url: http://127.0.0.1:$STRATA_PORT/api/v1/push
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ['127.0.0.1:$PROM_PORT']}]
  - job_name: node
    static_configs: [{targets: ['127.0.0.1:$NODE_PORT']}]
  - job_name: etcd
    static_configs: [{targets: ['127.0.0.1:$ETCD_PORT']}]
  - job_name: strata
    static_configs: [{targets: ['127.0.0.1:$STRATA_PORT']}]
EOF
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-admin-api --log.level=warn >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
bench_wait_ready prometheus "http://127.0.0.1:$PROM_PORT/-/ready" "$!" "$WORK/prometheus.log"

echo "$NAME: scraping every $INTERVAL until $(date -u -d "@$STOP" +%H:%M:%S) UTC ($(( (STOP - NOW) / 60 )) min); work dir $WORK"
while [ "$(date +%s)" -lt "$STOP" ]; do sleep 5; done
# One more remote-write flush interval, so Strata has what Prometheus has.
sleep 10

bench_flush "$STRATA_PORT"
bench_prometheus_snapshot "$PROM_PORT"

# bytes, chunk bytes, blocks, samples and series of the blocks under DIR (samples and series from
# every meta.json's stats).
measure() {
    local samples series
    samples=$(cat "$1"/*/meta.json | grep -o '"numSamples": *[0-9]*' | grep -o '[0-9]*$' | awk '{s+=$1} END {print s+0}')
    series=$(cat "$1"/*/meta.json | grep -o '"numSeries": *[0-9]*' | grep -o '[0-9]*$' | awk '{s+=$1} END {print s+0}')
    echo "$(bench_block_sizes "$1") $samples $series"
}
read -r SB SC SK SS SN <<<"$(measure "$WORK/bucket/real")"
read -r PB PC PK PS PN <<<"$(measure "$SNAP")"
echo "$NAME: real series scraped every $INTERVAL, $(( (STOP - NOW) / 60 )) min"
awk -v sb="$SB" -v sc="$SC" -v ss="$SS" -v sn="$SN" -v sk="$SK" -v pb="$PB" -v pc="$PC" -v ps="$PS" -v pn="$PN" -v pk="$PK" 'BEGIN {
    printf "| store | blocks | series | samples | bytes | B/sample | chunk B/sample |\n| --- | --- | --- | --- | --- | --- | --- |\n"
    printf "| Strata bucket (tenant real) | %d | %d | %d | %d | %.3f | %.3f |\n", sk, sn, ss, sb, sb / ss, sc / ss
    printf "| Prometheus snapshot | %d | %d | %d | %d | %.3f | %.3f |\n", pk, pn, ps, pb, pb / ps, pc / ps
}'
for n in 120 240 480; do
    rm -rf "$WORK/reencoded"
    "$BIN/strata-loadgen" reencode-blocks -from "$SNAP" -to "$WORK/reencoded" -samples-per-chunk "$n" | tail -1
done
