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
#
# Reports go to bench-results/SCENARIO.json (ignored by git). Environment: HERALD_BIN (skip the
# build and use this binary), BENCH_PORT (first node port, default 18480), BENCH_WORKERS
# (node worker threads, default: herald's default), BENCH_WEBHOOK (any scenario; every node gets
# a Stream-format webhook endpoint, scripts/bench/webhook-receiver.js on loopback):
#   fast  the endpoint answers 200 at once; after the run the script waits (up to 120 s) until
#         every queued delivery was made, then prints the nodes' webhook counters and the
#         receiver's report (requests, distinct ids, deliveries/s, lag from publish to arrival)
#   hang  the endpoint accepts connections and never answers; the counters show every event
#         was taken off the event path and queued
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scenario="${1:?usage: scripts/bench.sh fanout-1k|fanout-5k|channels|users|idle|cluster|cluster-channels [herald bench flags...]}"
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

webhook_url=""
receiver_pid=""
case "${BENCH_WEBHOOK:-}" in
  "") ;;
  fast | hang)
    command -v node >/dev/null || { echo "scripts/bench.sh: BENCH_WEBHOOK needs node" >&2; exit 2; }
    hook_port=$((port + 200))
    node scripts/bench/webhook-receiver.js "$BENCH_WEBHOOK" "$hook_port" >"$tmp/receiver.json" 2>&1 &
    receiver_pid=$!
    pids+=($!)
    for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$hook_port") 2>/dev/null && break; sleep 0.05; done
    webhook_url="http://127.0.0.1:$hook_port/hook"
    ;;
  *) echo "scripts/bench.sh: BENCH_WEBHOOK must be fast or hang" >&2; exit 2 ;;
esac

case "$scenario" in
  cluster|cluster-channels)
    command -v redis-server >/dev/null || { echo "scripts/bench.sh: redis-server is required for the cluster scenario" >&2; exit 2; }
    redis_port=$((port + 100))
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    for i in 0 1 2; do start_node $((port + i)) "redis://127.0.0.1:$redis_port" "bench-node-$i"; done
    ;;
  *) start_node "$port" ;;
esac

case "$scenario" in
  fanout-1k) bench --url "$(url "$port")" --connections 1000 --channels 1 --watchers 1000 --publishers 1 --workers 2 --rate 1000 --duration 10 "$@" ;;
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

# BENCH_WEBHOOK: the nodes' webhook counters (summed), and the receiver's report
if [ -n "$receiver_pid" ]; then
  node_ports=("$port")
  case "$scenario" in cluster | cluster-channels) node_ports=("$port" $((port + 1)) $((port + 2))) ;; esac
  counter() { # name: summed over the nodes
    for p in "${node_ports[@]}"; do curl -fsS "$(url "$p")/metrics"; done | awk -v n="herald_webhook_$1" '$1 == n { s += $2 } END { print s + 0 }'
  }
  if [ "$BENCH_WEBHOOK" = fast ]; then
    for _ in $(seq 1 1200); do
      [ "$(counter deliveries_total)" -ge "$(counter jobs_queued_total)" ] && break
      sleep 0.1
    done
  fi
  for c in jobs_queued_total deliveries_total attempts_failed_total events_dropped_total dead_letters_total; do
    echo "webhook $c $(counter "$c")" >&2
  done
  kill -TERM "$receiver_pid"
  wait "$receiver_pid" 2>/dev/null || true
  echo "webhook receiver $(cat "$tmp/receiver.json")" >&2
fi
