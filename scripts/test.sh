#!/usr/bin/env bash
# Runs every Lifeguard test on this machine, installing what the tests need first.
#   1. Rust tests: the engine, the CLI, the server on SQLite and on PostgreSQL
#   2. a short run of each fuzz target (needs a nightly toolchain and cargo-fuzz)
#   3. wasm-bindgen tests of the engine's WebAssembly bindings in headless Chromium
#   4. end-to-end tests of the extension in real Chromium with a real server
#   5. the IT console in real Chromium
#   6. the deployment templates (generated from one source, keys matching the managed schema)
#   7. schemathesis against the server's own OpenAPI document
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step says when it started (seconds since this script began), so a slow step shows in the log.
step() { echo "==> [$(printf '%4d' "$SECONDS") s] $*"; }
scripts/setup.sh --test

step "cargo test (workspace)"
cargo test --workspace --locked

step "fuzz"
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

step "wasm-bindgen tests in headless Chromium"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TMPDIR=$tmp CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test -p lifeguard-core --features wasm --target wasm32-unknown-unknown --test web --locked

step "end-to-end tests"
LIFEGUARD_BIN=$PWD/target/debug/lifeguard scripts/test-e2e.sh
step "console tests"
LIFEGUARD_BIN=$PWD/target/debug/lifeguard scripts/test-console.sh

step "deployment templates (manifest/deploy)"
(cd tests && node --test deploy/)

step "schemathesis"
LIFEGUARD_BIN=$PWD/target/debug/lifeguard scripts/test-api.sh
step "all tests passed"
