#!/usr/bin/env bash
# herald's one test command (README "Test it"; .ci/run calls it):
#   1. checks the tools it needs (installs Debian's redis-server when it is missing and apt-get
#      can), and the formatting,
#   2. builds the workspace and runs every Rust test (unit + integration on 127.0.0.1:0, including
#      three-node clusters on a real redis-server), then the single-node integration tests again
#      in cluster mode (each node on its own redis-server),
#   3. renders the Kubernetes manifests and validates them offline (scripts/k8s-check.sh),
#   4. runs the official-SDK suite (stream-chat npm + PyPI, pinned, installed into tests/sdk/) on
#      one node and on three clustered nodes.
# Nothing is skipped: a missing tool or a failing suite fails the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { echo "scripts/test.sh: $*" >&2; exit 2; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH ($2)"; }

need cargo "install Rust with rustup"
need node "Node.js 18+ runs the official stream-chat JS client"
need npm "npm installs the pinned stream-chat package into tests/sdk/node_modules"
need python3 "Python 3.9+ runs the official stream-chat Python SDK"
need curl "the SDK suite polls the node's /hi with curl"
need kubectl "scripts/k8s-check.sh renders k8s/ with kubectl's built-in kustomize"
need openssl "the conversation API tests make an RSA key pair with openssl"

if ! command -v redis-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "==> installing redis-server (Debian package) for the cluster tests"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; } \
      || die "apt-get could not install redis-server, which the cluster tests need"
  fi
fi
need redis-server "the cluster tests start real Redis servers (Debian: apt-get install redis-server)"

echo "==> cargo fmt --check (rustfmt.toml)"
cargo fmt --all -- --check || die "formatting differs from rustfmt.toml: run 'cargo fmt --all'"

echo "==> cargo build"
cargo build --workspace --all-targets --locked

echo "==> cargo test (unit and integration; clusters on redis-server)"
cargo test --workspace --locked

echo "==> integration tests again, every node in cluster mode on its own redis-server"
HERALD_TEST_ENGINE=redis cargo test --locked --test it

echo "==> Kubernetes manifests (kustomize + kubernetes-validate --strict, offline)"
bash scripts/k8s-check.sh

echo "==> official SDK suite (tests/sdk)"
HERALD_BIN="$PWD/target/debug/herald" bash tests/sdk/run.sh

echo "==> all suites passed"
