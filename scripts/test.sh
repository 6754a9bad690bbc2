#!/usr/bin/env bash
# herald's one test command (README "Test it"; .ci/run calls it):
#   1. checks the tools it needs and says which is missing, and the formatting,
#   2. builds the workspace and runs every Rust test (unit + integration on 127.0.0.1:0),
#   3. runs the official-SDK suite (stream-chat npm + PyPI, pinned, installed into tests/sdk/).
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

echo "==> cargo fmt --check (rustfmt.toml)"
cargo fmt --all -- --check || die "formatting differs from rustfmt.toml: run 'cargo fmt --all'"

echo "==> cargo build"
cargo build --workspace --all-targets --locked

echo "==> cargo test (unit and integration)"
cargo test --workspace --locked

echo "==> official SDK suite (tests/sdk)"
HERALD_BIN="$PWD/target/debug/herald" bash tests/sdk/run.sh

echo "==> all suites passed"
