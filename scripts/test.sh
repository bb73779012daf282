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
scripts/setup.sh --test

echo "==> cargo test (workspace)"
cargo test --workspace --locked

scripts/fuzz.sh "${FUZZ_SECONDS:-20}"

echo "==> wasm-bindgen tests in headless Chromium"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TMPDIR=$tmp CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test -p lifeguard-core --features wasm --target wasm32-unknown-unknown --test web --locked

LIFEGUARD_BIN=$PWD/target/debug/lifeguard scripts/test-e2e.sh
LIFEGUARD_BIN=$PWD/target/debug/lifeguard scripts/test-console.sh

echo "==> deployment templates (manifest/deploy)"
(cd tests && node --test deploy/)

LIFEGUARD_BIN=$PWD/target/debug/lifeguard scripts/test-api.sh
