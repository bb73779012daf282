#!/usr/bin/env bash
# End-to-end tests of the extension in real Chromium (tests/): installs the test's npm
# dependencies (playwright-core, typescript for checking the extension's JSDoc types, and the
# real editor libraries with esbuild for the fake chat site; the browser is Debian's
# chromium, never downloaded), bundles the chat site's editors, builds the wasm engine, the
# `lifeguard` server and the extension, type-checks the extension, then runs every test file
# one at a time (they share /etc/chromium/policies/managed/ and would race otherwise).
# Needs root (or sudo) to write the managed policy file, as IT's deployment would.
#   scripts/test-e2e.sh [TEST_FILE...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

echo "==> npm ci (tests/)"
(cd tests && npm ci --no-audit --no-fund --loglevel=error)

echo "==> bundling the fake chat site's editors (tests/.build/chat/)"
(cd tests && node lib/build-chat.mjs)

echo "==> building the wasm engine, the server and the extension"
scripts/build-wasm.sh
cargo build -p lifeguard-server --locked -j 2
SKIP_WASM=1 scripts/build-extension.sh

echo "==> type-checking the extension's JSDoc (tsc, strict)"
(cd tests && npm run -s typecheck)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root mkdir -p /etc/chromium/policies/managed
# The tests write one policy file there; make sure a killed run leaves nothing behind.
trap 'as_root rm -f /etc/chromium/policies/managed/lifeguard-e2e.json' EXIT

echo "==> end-to-end tests"
tmp=$(mktemp -d)
trap 'as_root rm -f /etc/chromium/policies/managed/lifeguard-e2e.json; rm -rf "$tmp"' EXIT
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(e2e/)
cd tests
TMPDIR=$tmp LIFEGUARD_BIN=${LIFEGUARD_BIN:-$PWD/../target/debug/lifeguard} \
  node --test --test-concurrency=1 "${files[@]}"
