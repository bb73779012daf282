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
# Builds the wasm first unless target/wasm is there already (SKIP_WASM=1 never builds it).
set -euo pipefail
cd "$(dirname "$0")/.."

key=${LIFEGUARD_EXTENSION_KEY:-$HOME/.config/lifeguard/extension-key.pem}
out=target/extension

if [ "${SKIP_WASM:-0}" != 1 ] && ! [ -f target/wasm/lifeguard_core_bg.wasm ]; then
  scripts/build-wasm.sh
fi
[ -f target/wasm/lifeguard_core_bg.wasm ] || { echo "no target/wasm: run scripts/build-wasm.sh" >&2; exit 1; }

if ! [ -f "$key" ]; then
  echo "==> creating the extension signing key $key (keep it: it fixes the extension id)"
  mkdir -p "$(dirname "$key")"
  (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$key" 2>/dev/null)
fi

pub_b64=$(openssl pkey -in "$key" -pubout -outform DER 2>/dev/null | base64 -w0)
# The id is the first 128 bits of SHA-256 of the public key, hex digits 0-f written a-p.
ext_id=$(openssl pkey -in "$key" -pubout -outform DER 2>/dev/null | sha256sum | cut -c1-32 | tr '0-9a-f' 'a-p')

rm -rf "$out"
mkdir -p "$out/wasm"
cp -r extension/. "$out/"
cp target/wasm/lifeguard_core.js target/wasm/lifeguard_core_bg.wasm "$out/wasm/"
# Types of the engine's bindings, for the JSDoc type check (tests/tsconfig.extension.json).
cp target/wasm/lifeguard_core.d.ts "$out/wasm/"
cp manifest/managed_schema.json "$out/"
node -e '
  const fs = require("fs");
  const [src, dst, key] = process.argv.slice(1);
  const m = JSON.parse(fs.readFileSync(src, "utf8"));
  m.key = key;
  fs.writeFileSync(dst, JSON.stringify(m, null, 2) + "\n");
' manifest/manifest.json "$out/manifest.json" "$pub_b64"
echo "$ext_id" > target/extension-id.txt
version=$(node -p 'require("./manifest/manifest.json").version')
# For `lifeguard serve` (sync-server/src/api/extension.rs), beside the CRX in <data-dir>/extension/.
printf '{"id": "%s", "version": "%s"}\n' "$ext_id" "$version" > target/extension.json

# Chromium writes DIR.crx next to DIR; it needs a writable profile even to pack.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f target/extension.crx
chromium --headless=new --no-sandbox --user-data-dir="$profile" --no-first-run \
  --pack-extension="$PWD/$out" --pack-extension-key="$key" >/dev/null 2>&1 || true
[ -f target/extension.crx ] || { echo "chromium --pack-extension did not produce target/extension.crx" >&2; exit 1; }
mv target/extension.crx target/lifeguard.crx

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
