#!/usr/bin/env bash
# Runs every Lifeguard test on this machine, installing what the tests need first.
#   1. Rust tests of the engine, the CLI and the server (SQLite and PostgreSQL)
#   2. wasm-bindgen tests of the engine's WebAssembly bindings in headless Chromium
#   3. a short run of each fuzz target (needs a nightly toolchain and cargo-fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

echo "==> cargo test (workspace)"
cargo test --workspace --locked

echo "==> wasm-bindgen tests in headless Chromium"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TMPDIR=$tmp CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test -p lifeguard-core --features wasm --target wasm32-unknown-unknown --test web --locked

scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
