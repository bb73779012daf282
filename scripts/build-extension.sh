#!/usr/bin/env bash
# Assembles the Manifest V3 extension and packs it:
#   target/extension/        the unpacked extension (extension/ + manifest/ + target/wasm)
#   target/lifeguard.crx     CRX3 signed with the city's extension key
#   target/extension-id.txt  the extension id that key gives (for ExtensionInstallForcelist)
#   target/update.xml        a gupdate manifest; CODEBASE_URL (env) says where the CRX lives
#   target/extension.json    {id, version}: what `lifeguard serve` needs to serve update.xml
#
# The signing key is the city's own and is never committed: $LIFEGUARD_EXTENSION_KEY, or
# ~/.config/lifeguard/extension-key.pem, created (RSA 2048, PKCS#8) on the first build. The
# manifest's "key" is its public half, so the unpacked build has the same stable id.
# Packing and signing is `lifeguard extension pack` ($LIFEGUARD_BIN, else the debug build).
# Builds the wasm first unless target/wasm is there already (SKIP_WASM=1 never builds it).
set -euo pipefail
cd "$(dirname "$0")/.."

key=${LIFEGUARD_EXTENSION_KEY:-$HOME/.config/lifeguard/extension-key.pem}
out=target/extension

if [ "${SKIP_WASM:-0}" != 1 ] && ! { [ -f target/wasm/lifeguard_core_bg.wasm ] && [ -f target/wasm/lifeguard_extract_bg.wasm ]; }; then
  scripts/build-wasm.sh
fi
[ -f target/wasm/lifeguard_core_bg.wasm ] || { echo "no target/wasm: run scripts/build-wasm.sh" >&2; exit 1; }

# `lifeguard extension` makes the key, packs and signs the CRX: no browser needed.
if [ -z "${LIFEGUARD_BIN:-}" ]; then
  cargo build -p lifeguard-server --bin lifeguard --locked
  LIFEGUARD_BIN=$PWD/target/debug/lifeguard
fi
keyinfo=$("$LIFEGUARD_BIN" extension key --key "$key")
field() { node -e 'process.stdout.write(String(JSON.parse(process.argv[1])[process.argv[2]]))' "$keyinfo" "$1"; }
ext_id=$(field id)
pub_b64=$(field public_key)

rm -rf "$out"
mkdir -p "$out/wasm"
cp -r extension/. "$out/"
cp target/wasm/lifeguard_core.js target/wasm/lifeguard_core_bg.wasm "$out/wasm/"
cp target/wasm/lifeguard_extract.js target/wasm/lifeguard_extract_bg.wasm "$out/wasm/"
# Types of the bindings, for the JSDoc type check (tests/tsconfig.extension.json).
cp target/wasm/lifeguard_core.d.ts target/wasm/lifeguard_extract.d.ts "$out/wasm/"
cp manifest/managed_schema.json "$out/"
# The report kinds, detector labels and policy lists, generated from lifeguard-core.
"$LIFEGUARD_BIN" extension vocabulary > "$out/shared/vocabulary.js"
node -e '
  const fs = require("fs");
  const [src, dst, key] = process.argv.slice(1);
  const m = JSON.parse(fs.readFileSync(src, "utf8"));
  m.key = key;
  fs.writeFileSync(dst, JSON.stringify(m, null, 2) + "\n");
' manifest/manifest.json "$out/manifest.json" "$pub_b64"
echo "$ext_id" > target/extension-id.txt
version=$(node -p 'require("./manifest/manifest.json").version')
# For `lifeguard serve` (sync-server/src/api/extension.rs), beside the CRX in <data-dir>/extension/
# (`lifeguard extension publish` writes both there).
printf '{"id": "%s", "version": "%s"}\n' "$ext_id" "$version" > target/extension.json

"$LIFEGUARD_BIN" extension pack --key "$key" --out target/lifeguard.crx "$out" >/dev/null
"$LIFEGUARD_BIN" extension verify target/lifeguard.crx >/dev/null

codebase=${CODEBASE_URL:-https://lifeguard.example.org/extension/lifeguard.crx}
cat > target/update.xml <<XML
<?xml version='1.0' encoding='UTF-8'?>
<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>
  <app appid='$ext_id'>
    <updatecheck codebase='$codebase' version='$version' />
  </app>
</gupdate>
XML

raw=$(stat -c %s "$out/wasm/lifeguard_core_bg.wasm")
gz=$(gzip -9 -c "$out/wasm/lifeguard_core_bg.wasm" | wc -c)
echo "extension: $out (id $ext_id, version $version), target/lifeguard.crx, wasm $raw bytes ($gz gzipped)"
