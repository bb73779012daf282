#!/usr/bin/env bash
# Sets up, builds and runs Lifeguard on this machine:
#   - the `lifeguard` binary (server and operator CLI), release build
#   - the policy engine compiled to WebAssembly, and the extension built from it:
#     target/extension/ (load it unpacked) and target/lifeguard.crx (signed with the city's key)
#   - `lifeguard serve` with the embedded SQLite database (./lifeguard-data) and the default
#     city policy, on http://127.0.0.1:8080 (the console is at /admin)
# Extra arguments go to `lifeguard serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p lifeguard-server
scripts/build-wasm.sh
SKIP_WASM=1 scripts/build-extension.sh
bin=target/release/lifeguard
cat <<EOT

Built:
  $bin            the server and operator command line
  target/extension/              the extension, ready to load unpacked (chrome://extensions)
  target/lifeguard.crx           the same, packed and signed (id in target/extension-id.txt)

Point an extension at this server with managed storage (manifest/DEPLOYMENT.md):
  serverUrl        http://127.0.0.1:8080
  deviceToken      \$($bin token issue --role device --department it)
  policyPublicKey  "public_key" of: $bin keys show

Starting the server; the first start prints where the console account's password is.
EOT
exec "$bin" serve "$@"
