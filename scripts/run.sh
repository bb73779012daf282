#!/usr/bin/env bash
# Sets up, builds and runs Lifeguard on this machine:
#   - the `lifeguard` binary (server and operator CLI), release build
#   - the policy engine compiled to WebAssembly, and the extension built from it:
#     target/extension/ (load it unpacked) and target/lifeguard.crx (signed with the city's key)
#   - the CRX published in the data folder, so the server hosts it for force-install
#     (/extension/update.xml); the server prints the ExtensionInstallForcelist entry
#   - `lifeguard serve` with the embedded SQLite database (./lifeguard-data) and the default
#     city policy, on http://127.0.0.1:8080 (the console is at /admin)
# Extra arguments go to `lifeguard serve` and `lifeguard extension publish` (e.g. --listen
# 0.0.0.0:8080, --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p lifeguard-server
scripts/build-wasm.sh
bin=target/release/lifeguard
SKIP_WASM=1 LIFEGUARD_BIN=$PWD/$bin scripts/build-extension.sh
"$bin" extension publish target/lifeguard.crx "$@" >/dev/null
cat <<EOT

Built:
  $bin            the server and operator command line
  target/extension/              the extension, ready to load unpacked (chrome://extensions)
  target/lifeguard.crx           the same, packed and signed (id in target/extension-id.txt),
                                 published in the data folder for /extension/update.xml

Point an extension at this server with managed storage (manifest/DEPLOYMENT.md):
  serverUrl        http://127.0.0.1:8080
  deviceToken      \$($bin token issue --role device --department it)
  policyPublicKey  "public_key" of: $bin keys show

Starting the server: it prints the ExtensionInstallForcelist entry for the address it
listens on, and on the first start where the console account's password is.
EOT
exec "$bin" serve "$@"
