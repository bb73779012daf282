#!/usr/bin/env bash
# Runs each cargo-fuzz target for a while (default 20 s). Fuzzing needs a nightly toolchain;
# without one this says so and exits 0, as rustup cannot fetch toolchains on offline machines.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "==> fuzz: no nightly toolchain here, not fuzzing (rustup toolchain install nightly)"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz
fi
for target in policy_parse decide_url scan_text extract; do
  echo "==> fuzz $target for ${seconds}s"
  mkdir -p "fuzz/corpus/$target"
  seeds="fuzz/seeds/$target" max_len=4096 build=()
  # The extractor is seeded with its test files (PDFs and zips need more than 4 KiB), and
  # built without debug assertions: mail-parser has one that malformed mail trips although
  # its release build handles that mail (extract/tests/fixtures/fuzz-multipart.eml).
  if [ "$target" = extract ]; then seeds=extract/tests/fixtures max_len=65536 build=(-O); fi
  # The stats are the last lines; when the run fails (a build error, a crash), the last 80,
  # which hold the compiler's message or the crash and its input.
  log=$(mktemp)
  if cargo +nightly fuzz run "${build[@]}" "$target" "fuzz/corpus/$target" "$seeds" -- \
    -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 4 "$log"
    rm -f "$log"
  else
    tail -n 80 "$log" >&2
    echo "==> fuzz $target failed (full output: $log)" >&2
    exit 1
  fi
done
