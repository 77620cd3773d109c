#!/usr/bin/env bash
# A real Strata cluster on this machine, every role its own process on loopback:
#   etcd (the rings), moto_server (an S3 bucket for blocks), 1 distributor, 3 ingesters
#   (replication factor 3), 1 querier, 2 store-gateways.
#
#   deploy/local/cluster.sh start     # builds strata (release) if needed, starts everything
#   deploy/local/cluster.sh status    # which processes run, and the ingester ring
#   deploy/local/cluster.sh stop      # SIGTERM to every process, then etcd and moto
#   deploy/local/cluster.sh restart ingester-2   # SIGKILL one process and start it again
#
# Push to http://127.0.0.1:8080/api/v1/push, query http://127.0.0.1:8280/prometheus (header
# X-Scope-OrgID names the tenant). Data, logs and pids live under DATA_DIR (default
# deploy/local/data). STRATA_BIN picks a strata binary instead of building one; EXTRA_FLAGS are
# added to every process (e.g. limits for a benchmark).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${DATA_DIR:-$ROOT/deploy/local/data}
ETCD_PORT=${ETCD_PORT:-2379}
S3_PORT=${S3_PORT:-9000}
BUCKET=strata-blocks
ETCD="http://127.0.0.1:$ETCD_PORT"

# name http-port grpc-port target extra-flags…
ROLES=(
    "ingester-1 8181 9181 ingester"
    "ingester-2 8182 9182 ingester"
    "ingester-3 8183 9183 ingester"
    "store-gateway-1 8381 9381 store-gateway"
    "store-gateway-2 8382 9382 store-gateway"
    "distributor 8080 9095 distributor"
    "querier 8280 9280 querier"
)

strata_bin() {
    if [ -n "${STRATA_BIN:-}" ]; then echo "$STRATA_BIN"; return; fi
    (cd "$ROOT" && swift build -c release --product strata >&2)
    echo "$ROOT/.build/release/strata"
}

wait_for() { # name url pid log
    for _ in $(seq 1 600); do
        if curl -fsS -o /dev/null "$2" 2>/dev/null; then return 0; fi
        if ! kill -0 "$3" 2>/dev/null; then echo "$1 exited; its log:" >&2; tail -30 "$4" >&2; exit 1; fi
        sleep 0.2
    done
    echo "$1 did not become ready at $2; its log:" >&2; tail -30 "$4" >&2; exit 1
}

start_role() { # name
    local name=$1 line http grpc target
    for line in "${ROLES[@]}"; do
        read -r n http grpc target <<<"$line"
        [ "$n" = "$name" ] || continue
        if curl -fsS -o /dev/null "http://127.0.0.1:$http/ready" 2>/dev/null; then
            echo "port $http is already served by another process; stop it first (deploy/local/cluster.sh stop)" >&2; exit 1
        fi
        mkdir -p "$DATA/$name"
        # Flags shared by every role: the rings in etcd, blocks in the S3 bucket.
        "$BIN" -target="$target" -auth.multitenancy-enabled=true \
            -server.http-listen-address=127.0.0.1 -server.http-listen-port="$http" \
            -server.grpc-listen-address=127.0.0.1 -server.grpc-listen-port="$grpc" \
            -ingester.ring.store=etcd -ingester.ring.etcd.endpoints="$ETCD" -ingester.ring.instance-id="$name" \
            -ingester.ring.heartbeat-period=5s -ingester.ring.heartbeat-timeout=30s \
            -ingester.ring.tokens-file-path="$DATA/$name/tokens" -ingester.ring.unregister-on-shutdown=false \
            -store-gateway.sharding-ring.store=etcd -store-gateway.sharding-ring.etcd.endpoints="$ETCD" \
            -store-gateway.sharding-ring.instance-id="$name" \
            -distributor.ring.store=etcd -distributor.ring.etcd.endpoints="$ETCD" -distributor.ring.instance-id="$name" \
            -blocks-storage.backend=s3 -blocks-storage.s3.endpoint="127.0.0.1:$S3_PORT" -blocks-storage.s3.insecure=true \
            -blocks-storage.s3.bucket-name="$BUCKET" -blocks-storage.s3.access-key-id=strata \
            -blocks-storage.s3.secret-access-key=strata -blocks-storage.s3.region=us-east-1 \
            -blocks-storage.tsdb.dir="$DATA/$name/tsdb" -blocks-storage.bucket-store.sync-dir="$DATA/$name/sync" \
            -blocks-storage.bucket-store.sync-interval=1m ${EXTRA_FLAGS:-} \
            >>"$DATA/$name/strata.log" 2>&1 &
        echo $! >"$DATA/$name/pid"
        wait_for "$name" "http://127.0.0.1:$http/ready" "$!" "$DATA/$name/strata.log"
        echo "started $name (http :$http, grpc :$grpc, pid $(cat "$DATA/$name/pid"))"
        return 0
    done
    echo "unknown role $name" >&2; exit 2
}

stop_pidfile() { # file signal
    [ -f "$1" ] || return 0
    local pid; pid=$(cat "$1")
    if kill -0 "$pid" 2>/dev/null; then
        kill "-$2" "$pid" 2>/dev/null || true
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        # Still running after 30 s: do not leave it holding the ports.
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    fi
    rm -f "$1"
}

case "${1:-}" in
start)
    source "$ROOT/scripts/setup.sh"
    BIN=$(strata_bin)
    mkdir -p "$DATA/etcd" "$DATA/moto"
    /usr/bin/etcd --name strata-local --data-dir "$DATA/etcd/data" \
        --listen-client-urls "$ETCD" --advertise-client-urls "$ETCD" \
        --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
        --initial-cluster "strata-local=http://127.0.0.1:$((ETCD_PORT + 1))" >>"$DATA/etcd/etcd.log" 2>&1 &
    echo $! >"$DATA/etcd/pid"
    wait_for etcd "$ETCD/health" "$!" "$DATA/etcd/etcd.log"
    moto_server -H 127.0.0.1 -p "$S3_PORT" >>"$DATA/moto/moto.log" 2>&1 &
    echo $! >"$DATA/moto/pid"
    wait_for moto "http://127.0.0.1:$S3_PORT/" "$!" "$DATA/moto/moto.log"
    curl -fsS -X PUT "http://127.0.0.1:$S3_PORT/$BUCKET" -o /dev/null
    for line in "${ROLES[@]}"; do read -r name _ <<<"$line"; start_role "$name"; done
    echo "cluster up: push http://127.0.0.1:8080/api/v1/push, query http://127.0.0.1:8280/prometheus"
    ;;
restart)
    BIN=$(strata_bin)
    stop_pidfile "$DATA/$2/pid" KILL
    start_role "$2"
    ;;
stop)
    for ((i = ${#ROLES[@]} - 1; i >= 0; i--)); do read -r name _ <<<"${ROLES[$i]}"; stop_pidfile "$DATA/$name/pid" TERM; done
    stop_pidfile "$DATA/moto/pid" TERM
    stop_pidfile "$DATA/etcd/pid" TERM
    echo "cluster stopped (data kept in $DATA)"
    ;;
status)
    for line in "${ROLES[@]}"; do
        read -r name http _ <<<"$line"
        if [ -f "$DATA/$name/pid" ] && kill -0 "$(cat "$DATA/$name/pid")" 2>/dev/null; then
            echo "$name: running (pid $(cat "$DATA/$name/pid"), ready: $(curl -s "http://127.0.0.1:$http/ready" || echo no))"
        else
            echo "$name: stopped"
        fi
    done
    curl -s -H 'Accept: application/json' http://127.0.0.1:8080/ingester/ring || true
    echo
    ;;
*)
    sed -n '2,16p' "$0"; exit 2
    ;;
esac
