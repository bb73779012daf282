#!/usr/bin/env bash
# Tests the IT console (/admin) in real Chromium: tests/console/*.test.js start a real
# `lifeguard serve` each, make accounts with `lifeguard user add`, post reports with a device
# token, and drive Debian's Chromium (/usr/bin/chromium) headless with playwright-core.
# Screenshots of the main pages are left in tests/artifacts/console/.
#
# Uses $LIFEGUARD_BIN if set, else target/debug/lifeguard (built here if missing, so a lone
# run works; scripts/test.sh has built it already).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${LIFEGUARD_BIN:-}" ]]; then
  cargo build -p lifeguard-server --bin lifeguard --locked
  export LIFEGUARD_BIN="$PWD/target/debug/lifeguard"
fi
if [[ ! -x /usr/bin/chromium && -z "${CHROMIUM:-}" ]]; then
  echo "test-console: Chromium is missing (apt-get install -y chromium)" >&2
  exit 1
fi

echo "==> npm ci (tests/)"
(cd tests && npm ci --no-audit --no-fund)

echo "==> type-check the console's JSDoc (tsc, no output)"
tests/node_modules/.bin/tsc -p tests/console/tsconfig.json

echo "==> console tests in headless Chromium"
rm -rf tests/artifacts/console
# One file at a time: each starts its own server and browser, and the machine has two cores.
node --test --test-concurrency=1 tests/console/
