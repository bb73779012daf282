#!/usr/bin/env bash
# Copies the console's charting library from the npm registry into
# sync-server/console/vendor/, where `cargo build` embeds it in the `lifeguard` binary.
#
# The vendored file is committed, so building the server needs neither npm nor the network;
# run this script only to change the version (then rebuild and run scripts/test-console.sh).
# Chart.js's UMD build is one self-contained file that defines `window.Chart`: it needs no
# eval and no inline style, so it runs under the console's CSP (script-src 'self').
set -euo pipefail

CHARTJS_VERSION="${CHARTJS_VERSION:-4.6.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/sync-server/console/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# `npm pack` downloads the published tarball and checks it against the registry's integrity
# hash; nothing is installed and no package script runs.
(cd "$work" && npm pack --silent "chart.js@$CHARTJS_VERSION" >/dev/null)
tar -xzf "$work/chart.js-$CHARTJS_VERSION.tgz" -C "$work"
mkdir -p "$out"
cp "$work/package/dist/chart.umd.min.js" "$out/chart.umd.min.js"
cp "$work/package/LICENSE.md" "$out/chart.js-LICENSE.md"
# The source map reference would make browsers ask the server for a file it does not have.
sed -i '/^\/\/# sourceMappingURL=/d' "$out/chart.umd.min.js"
license="$(node -p "require('$work/package/package.json').license")"
sha="$(sha256sum "$out/chart.umd.min.js" | cut -d' ' -f1)"
cat >"$out/VERSIONS.md" <<MD
# Vendored files (written by scripts/vendor-console.sh; do not edit by hand)

| file | package | version | licence | sha256 |
|---|---|---|---|---|
| chart.umd.min.js | chart.js (npm) | $CHARTJS_VERSION | $license (chart.js-LICENSE.md) | $sha |
MD
echo "vendored chart.js $CHARTJS_VERSION ($license) into $out"
