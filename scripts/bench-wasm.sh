#!/usr/bin/env bash
# Measures the engine as WebAssembly in headless Chromium (the wasm-release build that ships): URL decisions and
# paste scans with the browser's performance clock. Prints the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TMPDIR=$tmp CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test -p lifeguard-core --features wasm --target wasm32-unknown-unknown --profile wasm-release --test web_bench -- --nocapture 2>&1 \
  | grep -E 'wasm in Chromium|test result'
scripts/build-wasm.sh | tail -n 1
