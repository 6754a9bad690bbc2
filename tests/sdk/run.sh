#!/usr/bin/env bash
# Official-SDK compatibility suite for herald: installs the pinned SDKs into tests/sdk (npm:
# stream-chat and @vonage/server-sdk; venv: stream-chat), then for each mode starts herald, runs
# the Node (node --test) and Python (pytest) suites against it, and exits non-zero if any suite
# fails in any mode.
#   single   one `herald serve` on a free port (memory mode)
#   cluster  one redis-server and three `herald serve` nodes sharing it (HERALD_REDIS_URL); the
#            suites' helpers spread their clients over the nodes round-robin (HERALD_URLS)
# The suites get HERALD_URLS (comma-separated node base URLs), HERALD_URL (the first),
# HERALD_API_KEY and HERALD_API_SECRET, plus VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY (path
# of a PKCS#8 PEM) for the Vonage conversation API: every run generates a fresh RSA key pair and
# starts every node with HERALD_VONAGE_APPLICATION_ID and HERALD_VONAGE_PUBLIC_KEY (path of the
# SPKI PEM); the key files live in a temp dir removed at exit.
#   HERALD_BIN   herald binary (default: <repo>/target/debug/herald)
#   SDK_MODES    which modes to run: "single cluster" (default), "single" or "cluster"
#   SDK_SUITES   which suites to run: "js py" (default), "js" or "py"
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
HERALD_BIN="${HERALD_BIN:-$REPO/target/debug/herald}"
SUITES="${SDK_SUITES:-js py}"
MODES="${SDK_MODES:-single cluster}"
NODES=3  # herald nodes in cluster mode
KEY="herald-sdk-key"
SECRET="herald-sdk-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

die() { echo "tests/sdk/run.sh: $*" >&2; exit 2; }

# The JS client rewrites its base URL when these are set (client.ts): never let them leak in.
unset STREAM_LOCAL_TEST_RUN STREAM_LOCAL_TEST_HOST STREAM_CHAT_URL
# Each mode sets herald's cluster settings itself: none may leak in from the caller.
unset HERALD_REDIS_URL HERALD_NODE_ID "${!HERALD_CLUSTER__@}"

for tool in node npm python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done
[ -x "$HERALD_BIN" ] || die "herald binary not found at $HERALD_BIN (build it: cargo build --bin herald, or set HERALD_BIN)"
for mode in $MODES; do
  case "$mode" in single | cluster) ;; *) die "SDK_MODES: unknown mode '$mode' (modes: single cluster)" ;; esac
done
if [[ " $MODES " == *" cluster "* ]] && ! command -v redis-server >/dev/null 2>&1; then
  die "cluster mode needs 'redis-server' on PATH (Debian: apt-get install redis-server), or run SDK_MODES=single"
fi

# ---- dependencies (reinstalled only when the lock / requirements change) ----------------------
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

npm_hash="$(cat "$HERE/package.json" "$HERE/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
if ! stamp_ok "$HERE/node_modules/.herald-stamp" "$npm_hash" || [ ! -d "$HERE/node_modules/stream-chat" ] \
  || [ ! -d "$HERE/node_modules/@vonage/server-sdk" ]; then
  echo "==> installing npm dependencies"
  if [ -f "$HERE/package-lock.json" ]; then
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
  else
    (cd "$HERE" && npm install --no-audit --no-fund --loglevel=error)
  fi
  echo "$npm_hash" >"$HERE/node_modules/.herald-stamp"
fi

VENV="$HERE/.venv"
py_hash="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
if ! stamp_ok "$VENV/.herald-stamp" "$py_hash" || [ ! -x "$VENV/bin/python" ]; then
  echo "==> installing python dependencies into tests/sdk/.venv"
  python3 -m venv "$VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  echo "$py_hash" >"$VENV/.herald-stamp"
fi

# ---- processes ----------------------------------------------------------------------------
# Every process of the current mode: pid, name and log file (kept on failure, tails printed).
PIDS=()
NAMES=()
LOGS=()
TMPDIRS=()

free_ports() {  # free_ports N: N distinct free TCP ports on 127.0.0.1, one per line
  python3 - "$1" <<'PY'
import socket, sys
held = []
while len(held) < int(sys.argv[1]):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    if s.getsockname()[1] == 3030:  # the JS client rewrites :3030 to :8800 for WebSockets
        s.close()
        continue
    held.append(s)
for s in held:
    print(s.getsockname()[1])
    s.close()
PY
}

# spawn NAME CMD...: starts CMD in the background, its output in a temp file.
spawn() {
  local name="$1"; shift
  local log
  log="$(mktemp -t "herald-sdk-$name-XXXXXX.log")"
  "$@" >"$log" 2>&1 &
  PIDS+=("$!"); NAMES+=("$name"); LOGS+=("$log")
  echo "    $name: pid $! (log: $log)"
}

stop_all() {  # newest first: herald nodes before the redis they use
  local i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid="${PIDS[$i]}"
    kill -0 "$pid" 2>/dev/null || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

show_logs() {
  local i
  for i in "${!LOGS[@]}"; do
    echo "---- ${NAMES[$i]} log (last 80 lines of ${LOGS[$i]}) ----" >&2
    tail -n 80 "${LOGS[$i]}" >&2 || true
  done
}

forget_logs() {  # keep=1: leave the files for inspection
  [ "${1:-0}" = 1 ] || rm -f "${LOGS[@]}"
  LOGS=(); NAMES=()
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # A child forked by spawn can be signalled before it execs: it must not clean up for us.
  [ "$BASHPID" = "$$" ] || exit "$rc"
  stop_all
  if [ "$rc" -ne 0 ]; then
    show_logs
  else
    forget_logs
  fi
  [ "${#TMPDIRS[@]}" -eq 0 ] || rm -rf "${TMPDIRS[@]}"
  exit "$rc"
}
trap cleanup EXIT INT TERM

# ---- Vonage application (RSA key pair for the conversation API's RS256 JWTs) ----------------
VONAGE_DIR="$(mktemp -d -t herald-sdk-vonage-XXXXXX)"
TMPDIRS+=("$VONAGE_DIR")
VONAGE_APP_ID="$(node --input-type=module - "$VONAGE_DIR" <<'JS'
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
const dir = process.argv[2];
const { publicKey, privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
writeFileSync(`${dir}/public.pem`, publicKey);
writeFileSync(`${dir}/private.pem`, privateKey, { mode: 0o600 });
process.stdout.write(randomUUID());
JS
)" || die "generating the Vonage RSA key pair with node failed"
[ -n "$VONAGE_APP_ID" ] && [ -s "$VONAGE_DIR/public.pem" ] && [ -s "$VONAGE_DIR/private.pem" ] \
  || die "generating the Vonage RSA key pair with node failed"

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true; }

# wait_ready SECONDS PATH... : every herald node (names "herald*") answers 200 on each PATH.
wait_ready() {
  local limit="$1"; shift
  local deadline=$((SECONDS + limit)) i path pending status
  while :; do
    pending=""
    for i in "${!PIDS[@]}"; do
      [[ "${NAMES[$i]}" == herald* ]] || continue
      if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
        status=0; wait "${PIDS[$i]}" || status=$?
        echo "==> [$mode] ${NAMES[$i]} exited during startup (exit status $status) before answering $*" >&2
        return 1
      fi
      for path in "$@"; do
        if [ "$(http_code "${NODE_URL[$i]}$path")" != 200 ]; then
          pending="$pending ${NAMES[$i]}$path"
          break
        fi
      done
    done
    [ -n "$pending" ] || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "==> [$mode] no 200 within $limit s from:$pending" >&2
      return 1
    fi
    sleep 0.2
  done
}

wait_redis() {  # wait_redis PORT: the redis-server spawned last answers PING with +PONG
  local deadline=$((SECONDS + 10)) pid="${PIDS[-1]}" reply
  while [ "$SECONDS" -lt "$deadline" ]; do
    kill -0 "$pid" 2>/dev/null || { echo "==> [$mode] redis-server exited during startup" >&2; return 1; }
    reply="$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'PING\r\n' >&3 && timeout 1 head -c 5 <&3) 2>/dev/null || true)"
    [ "$reply" = "+PONG" ] && return 0
    sleep 0.1
  done
  echo "==> [$mode] redis-server did not answer PING on port $1 within 10 s" >&2
  return 1
}

# Every node's environment. RUST_LIB_BACKTRACE=0: an error that stops herald is logged without
# a backtrace (panics keep theirs), so the message stays in the log tail printed on failure.
HERALD_ENV=(HERALD_API_KEY="$KEY" HERALD_API_SECRET="$SECRET" HERALD_LOG=info RUST_LIB_BACKTRACE=0
  HERALD_VONAGE_APPLICATION_ID="$VONAGE_APP_ID" HERALD_VONAGE_PUBLIC_KEY="$VONAGE_DIR/public.pem")

# start_mode MODE: starts the mode's processes and sets NODE_URL (one base URL per PIDS index;
# empty for redis).
start_mode() {
  local mode="$1" ports port i redis_url=""
  NODE_URL=()
  if [ "$mode" = single ]; then
    port="$(free_ports 1)"
    echo "==> [single] starting $HERALD_BIN serve on http://127.0.0.1:$port"
    spawn herald env "${HERALD_ENV[@]}" HERALD_LISTEN="127.0.0.1:$port" "$HERALD_BIN" serve
    NODE_URL+=("http://127.0.0.1:$port")
    wait_ready 15 "/hi?api_key=$KEY"
    return
  fi

  mapfile -t ports < <(free_ports $((NODES + 1)))
  local dir
  dir="$(mktemp -d -t herald-sdk-redis-XXXXXX)"
  TMPDIRS+=("$dir")
  echo "==> [cluster] starting redis-server on 127.0.0.1:${ports[0]} and $NODES herald nodes"
  spawn redis redis-server --port "${ports[0]}" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir"
  NODE_URL+=("")
  wait_redis "${ports[0]}"
  redis_url="redis://127.0.0.1:${ports[0]}/"
  for ((i = 1; i <= NODES; i++)); do
    spawn "herald$i" env "${HERALD_ENV[@]}" HERALD_LISTEN="127.0.0.1:${ports[$i]}" \
      HERALD_REDIS_URL="$redis_url" HERALD_NODE_ID="sdk-node-$i" "$HERALD_BIN" serve
    NODE_URL+=("http://127.0.0.1:${ports[$i]}")
  done
  wait_ready 20 "/hi?api_key=$KEY" /readyz
}

# ---- suites -------------------------------------------------------------------------------
# These append "MODE/what" to $failed for each failure of the current $mode.
run_suites() {
  if [[ " $SUITES " == *" js "* ]]; then
    echo "==> [$mode] Node suite (stream-chat $(node -p "require('$HERE/node_modules/stream-chat/package.json').version"))"
    # --test-force-exit: connectUser() races the handshake against a 15 s setTimeout that the SDK
    # never clears (connection.ts _waitForHealthy), which would keep every test file alive 15 s
    # after its last test. Every test disconnects its own clients in its teardown.
    (cd "$HERE" && node --test --test-concurrency=1 --test-force-exit --test-timeout=60000 js/*.test.mjs) \
      || failed="$failed $mode/js"
  fi
  if [[ " $SUITES " == *" py "* ]]; then
    echo "==> [$mode] Python suite (stream-chat $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("stream-chat"))'))"
    (cd "$HERE" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider py) || failed="$failed $mode/py"
  fi
}

check_alive() {  # a process that is gone before stop_all died (or was killed) under the suites
  local i status
  for i in "${!PIDS[@]}"; do
    kill -0 "${PIDS[$i]}" 2>/dev/null && continue
    status=0; wait "${PIDS[$i]}" 2>/dev/null || status=$?
    echo "==> [$mode] ${NAMES[$i]} (pid ${PIDS[$i]}) exited while the suites ran (exit status $status)" >&2
    failed="$failed $mode/${NAMES[$i]}-exited"
  done
}

failed=""
for mode in $MODES; do
  started=$SECONDS
  before="$failed"
  start_mode "$mode"
  urls=""
  for url in "${NODE_URL[@]}"; do [ -z "$url" ] || urls="${urls:+$urls,}$url"; done
  export HERALD_URLS="$urls" HERALD_URL="${urls%%,*}" HERALD_API_KEY="$KEY" HERALD_API_SECRET="$SECRET"
  export VONAGE_APPLICATION_ID="$VONAGE_APP_ID" VONAGE_PRIVATE_KEY="$VONAGE_DIR/private.pem"
  echo "==> [$mode] HERALD_URLS=$HERALD_URLS"
  run_suites
  check_alive
  stop_all
  if [ "$failed" != "$before" ]; then
    show_logs
    forget_logs 1
    echo "==> [$mode] FAILED:${failed#"$before"} ($((SECONDS - started)) s)" >&2
  else
    forget_logs
    echo "==> [$mode] passed ($((SECONDS - started)) s)"
  fi
done

if [ -n "$failed" ]; then
  echo "SDK suites failed:$failed" >&2
  exit 1
fi
echo "SDK suites passed ($MODES)"
