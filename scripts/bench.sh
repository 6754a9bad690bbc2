#!/usr/bin/env bash
# Runs one BENCHMARKS.md scenario end to end on this machine: builds the release binary, starts
# fresh herald node(s) (and a redis-server for the cluster scenario) on loopback, runs
# `herald bench` against them, writes the JSON report, and stops everything it started.
#
#   scripts/bench.sh SCENARIO [extra herald bench flags...]
#
# Scenarios (the flags after the name override the defaults given here):
#   fanout-1k   1 channel x 1,000 watchers
#   fanout-5k   1 channel x 5,000 watchers
#   channels    1,000 channels x 10 watchers (10,000 connections)
#   users       user events to 10,000 connections (REST, server token)
#   idle        19,000 idle connections: server memory per connection
#   cluster     3 nodes + Redis: publishers on node 1, 1 x 1,000 fan-out, watchers on nodes 2 and 3
#   cluster-channels  the same nodes: 100 channels x 10 watchers (1,000 connections) on nodes 2 and 3
#   fanout-1k-webhook-hanging  fanout-1k with a Stream-format webhook endpoint that accepts
#               connections and never answers: every event is tapped and queued, no delivery ends
#
# Reports go to bench-results/SCENARIO.json (ignored by git). Environment: HERALD_BIN (skip the
# build and use this binary), BENCH_PORT (first node port, default 18480), BENCH_WORKERS
# (node worker threads, default: herald's default).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scenario="${1:?usage: scripts/bench.sh fanout-1k|fanout-5k|channels|users|idle|cluster|cluster-channels|fanout-1k-webhook-hanging [herald bench flags...]}"
shift
port="${BENCH_PORT:-18480}"
secret="bench-secret-$(date +%s)"
out="bench-results"
mkdir -p "$out"

if [ -z "${HERALD_BIN:-}" ]; then
  cargo build --release --locked --bin herald >&2
  HERALD_BIN="$PWD/target/release/herald"
fi

pids=()
tmp="$(mktemp -d)"
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

wait_ready() {
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "scripts/bench.sh: node on port $1 never became ready" >&2
  exit 1
}

start_node() { # port [redis_url] [node_id]
  HERALD_WEBHOOKS__URL="${webhook_url:-}" HERALD_LISTEN="127.0.0.1:$1" HERALD_API_SECRET="$secret" HERALD_LOG=warn \
    HERALD_REDIS_URL="${2:-}" HERALD_NODE_ID="${3:-}" HERALD_WORKERS="${BENCH_WORKERS:-0}" \
    "$HERALD_BIN" serve >"$tmp/node-$1.log" 2>&1 &
  pids+=($!)
  wait_ready "$1"
}

url() { echo "http://127.0.0.1:$1"; }
bench() { "$HERALD_BIN" bench --api-secret "$secret" --json "$out/$scenario.json" "$@"; }

case "$scenario" in
  cluster|cluster-channels)
    command -v redis-server >/dev/null || { echo "scripts/bench.sh: redis-server is required for the cluster scenario" >&2; exit 2; }
    redis_port=$((port + 100))
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    for i in 0 1 2; do start_node $((port + i)) "redis://127.0.0.1:$redis_port" "bench-node-$i"; done
    ;;
  fanout-1k-webhook-hanging)
    hang_port=$((port + 200))
    python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4096)
held = []
while True:
    held.append(s.accept()[0])  # accept, read nothing, never answer
' "$hang_port" >"$tmp/hang.log" 2>&1 &
    pids+=($!)
    webhook_url="http://127.0.0.1:$hang_port/hook" start_node "$port"
    ;;
  *) start_node "$port" ;;
esac

case "$scenario" in
  fanout-1k | fanout-1k-webhook-hanging)
    bench --url "$(url "$port")" --connections 1000 --channels 1 --watchers 1000 --publishers 1 --workers 2 --rate 1000 --duration 10 "$@"
    if [ "$scenario" = fanout-1k-webhook-hanging ]; then # show that the tap really took every event
      curl -fsS "$(url "$port")/metrics" | grep -E '^herald_webhook_(jobs_queued|deliveries|attempts_failed|events_dropped)' >&2
    fi
    ;;
  fanout-5k) bench --url "$(url "$port")" --connections 5000 --channels 1 --watchers 5000 --publishers 1 --workers 2 --rate 20 --duration 10 "$@" ;;
  channels) bench --url "$(url "$port")" --connections 10000 --channels 1000 --watchers 10 --rate 7500 --duration 10 "$@" ;;
  users) bench --url "$(url "$port")" --target users --via rest --connections 10000 --rate 5000 --duration 10 "$@" ;;
  idle) bench --url "$(url "$port")" --connections 19000 --channels 0 --watchers 0 --rate 0 --duration 0 "$@" ;;
  cluster)
    bench --url "$(url $((port + 1)))" --url "$(url $((port + 2)))" --publish-url "$(url "$port")" \
      --connections 1000 --channels 1 --watchers 1000 --publishers 1 --rate 100 --duration 10 "$@"
    ;;
  cluster-channels)
    bench --url "$(url $((port + 1)))" --url "$(url $((port + 2)))" --publish-url "$(url "$port")" \
      --connections 1000 --channels 100 --watchers 10 --publishers 8 --rate 3000 --duration 10 "$@"
    ;;
  *) echo "scripts/bench.sh: unknown scenario $scenario" >&2; exit 2 ;;
esac
