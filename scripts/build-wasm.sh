#!/usr/bin/env bash
# Builds lifeguard-core for the browser: target/wasm/lifeguard_core.js + lifeguard_core_bg.wasm.
# Needs the wasm32 target and the wasm-bindgen CLI at the crate's pinned version
# (scripts/setup.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -p lifeguard-core --lib --target wasm32-unknown-unknown --profile wasm-release --features wasm
out=target/wasm
rm -rf "$out"
wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$out" \
  target/wasm32-unknown-unknown/wasm-release/lifeguard_core.wasm
raw=$(stat -c %s "$out/lifeguard_core_bg.wasm")
gz=$(gzip -9 -c "$out/lifeguard_core_bg.wasm" | wc -c)
echo "wasm: $out/lifeguard_core_bg.wasm  $raw bytes raw, $gz bytes gzipped"

# lifeguard-extract: the second module, loaded by the extension only when it reads HTML or a
# file (so the engine's module stays small).
cargo build -p lifeguard-extract --lib --target wasm32-unknown-unknown --profile wasm-release --features wasm
wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$out" \
  target/wasm32-unknown-unknown/wasm-release/lifeguard_extract.wasm
raw=$(stat -c %s "$out/lifeguard_extract_bg.wasm")
gz=$(gzip -9 -c "$out/lifeguard_extract_bg.wasm" | wc -c)
echo "wasm: $out/lifeguard_extract_bg.wasm  $raw bytes raw, $gz bytes gzipped (loaded when needed)"
