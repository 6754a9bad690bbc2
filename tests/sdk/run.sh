#!/usr/bin/env bash
# Official-SDK compatibility suite for herald: installs the pinned stream-chat SDKs (npm + venv)
# into tests/sdk, starts `herald serve` on a free port, runs the Node (node --test) and Python
# (pytest) suites against it, and exits non-zero if either fails.
#   HERALD_BIN   herald binary (default: <repo>/target/debug/herald)
#   SDK_SUITES   which suites to run: "js py" (default), "js" or "py"
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
HERALD_BIN="${HERALD_BIN:-$REPO/target/debug/herald}"
SUITES="${SDK_SUITES:-js py}"
KEY="herald-sdk-key"
SECRET="herald-sdk-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

die() { echo "tests/sdk/run.sh: $*" >&2; exit 2; }

# The JS client rewrites its base URL when these are set (client.ts): never let them leak in.
unset STREAM_LOCAL_TEST_RUN STREAM_LOCAL_TEST_HOST STREAM_CHAT_URL

for tool in node npm python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done
[ -x "$HERALD_BIN" ] || die "herald binary not found at $HERALD_BIN (build it: cargo build --bin herald, or set HERALD_BIN)"

# ---- dependencies (reinstalled only when the lock / requirements change) ----------------------
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

npm_hash="$(cat "$HERE/package.json" "$HERE/package-lock.json" 2>/dev/null | sha256sum | cut -d' ' -f1)"
if ! stamp_ok "$HERE/node_modules/.herald-stamp" "$npm_hash" || [ ! -d "$HERE/node_modules/stream-chat" ]; then
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

# ---- server -------------------------------------------------------------------------------
free_port() {
  python3 - <<'PY'
import socket
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    if port != 3030:  # the JS client rewrites :3030 to :8800 for WebSockets
        print(port)
        break
PY
}

PORT="$(free_port)"
URL="http://127.0.0.1:$PORT"
LOG="$(mktemp -t herald-sdk-XXXXXX.log)"
SERVER_PID=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ]; then
    echo "---- herald log (last 80 lines of $LOG) ----" >&2
    tail -n 80 "$LOG" >&2 || true
  else
    rm -f "$LOG"
  fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

echo "==> starting $HERALD_BIN serve on $URL (log: $LOG)"
HERALD_LISTEN="127.0.0.1:$PORT" HERALD_API_KEY="$KEY" HERALD_API_SECRET="$SECRET" HERALD_LOG=info \
  "$HERALD_BIN" serve >"$LOG" 2>&1 &
SERVER_PID=$!

ready=""
deadline=$((SECONDS + 15))
while [ "$SECONDS" -lt "$deadline" ]; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    status=0; wait "$SERVER_PID" || status=$?
    SERVER_PID=""
    echo "herald exited during startup (exit status $status) before answering GET /hi" >&2
    exit 1
  fi
  if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$URL/hi?api_key=$KEY")" = "200" ]; then
    ready=1
    break
  fi
  sleep 0.2
done
[ -n "$ready" ] || { echo "herald did not answer GET /hi with 200 within 15 s" >&2; exit 1; }

# ---- suites -------------------------------------------------------------------------------
export HERALD_URL="$URL" HERALD_API_KEY="$KEY" HERALD_API_SECRET="$SECRET"
failed=""

if [[ " $SUITES " == *" js "* ]]; then
  echo "==> Node suite (stream-chat $(node -p "require('$HERE/node_modules/stream-chat/package.json').version"))"
  # --test-force-exit: connectUser() races the handshake against a 15 s setTimeout that the SDK
  # never clears (connection.ts _waitForHealthy), which would keep every test file alive 15 s
  # after its last test. Every test disconnects its own clients in its teardown.
  (cd "$HERE" && node --test --test-concurrency=1 --test-force-exit --test-timeout=60000 js/*.test.mjs) \
    || failed="$failed js"
fi

if [[ " $SUITES " == *" py "* ]]; then
  echo "==> Python suite (stream-chat $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("stream-chat"))'))"
  (cd "$HERE" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider py) || failed="$failed py"
fi

if [ -n "$failed" ]; then
  echo "SDK suites failed:$failed" >&2
  exit 1
fi
echo "SDK suites passed"
