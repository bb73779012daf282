#!/usr/bin/env bash
# Sets up, builds and runs Lifeguard on this machine:
#   - the `lifeguard` binary (server and operator CLI), release build
#   - the policy engine compiled to WebAssembly for the extension (target/wasm/)
#   - `lifeguard serve` with the embedded SQLite database and the default city policy
# Extra arguments go to `lifeguard serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p lifeguard-server
scripts/build-wasm.sh
bin=target/release/lifeguard
echo
echo "Built:"
echo "  $bin                      the server and operator command line"
echo "  target/wasm/                         the policy engine for the browser"
echo "Try:  $bin check https://chatgpt.com/"
echo "      echo 'SSN 123-45-6789' | $bin scan"
if "$bin" serve --help >/dev/null 2>&1; then
  exec "$bin" serve "$@"
else
  echo "Not built yet: the sync server (issue 3), the extension (issue 4), the IT console (issue 5)."
fi
