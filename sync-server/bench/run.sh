#!/usr/bin/env bash
# Benchmarks the sync server with wrk on loopback, on SQLite and on PostgreSQL:
#   GET /v1/policy answered 304 (plain and gzip), the gzipped bundle (200), and
#   POST /v1/reports in batches of 50.
# Usage: sync-server/bench/run.sh [seconds]   (needs wrk, and PostgreSQL for the second half;
# LIFEGUARD_BENCH_NO_BUILD=1 uses target/release/lifeguard as it is;
# LIFEGUARD_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres)
# Figures from a machine where wrk and the server share the same cores are a lower bound.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
[ -n "${LIFEGUARD_BENCH_NO_BUILD:-}" ] || cargo build --release -p lifeguard-server -j 2
bin=target/release/lifeguard
bench=sync-server/bench
pg_admin=${LIFEGUARD_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
tmp=$(mktemp -d)
pid=
db=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ -n "$db" ] && psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

run_one() { # name database-url
  local name=$1 url=$2 port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # wrk is a flood from one address with one token: the default rate limit (12,000 requests a
  # minute per token) would answer it 429, so the benchmark turns the limit off explicitly.
  printf 'rate_limit_per_minute = 0\n' >"$tmp/bench.toml"
  RUST_LOG=warn "$bin" serve --config "$tmp/bench.toml" --data-dir "$tmp/$name" --database-url "$url" --listen "127.0.0.1:$port" 2>"$tmp/$name.log" &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  export LIFEGUARD_TOKEN
  LIFEGUARD_TOKEN=$("$bin" token issue --data-dir "$tmp/$name" --role device --department police)
  export LIFEGUARD_ETAG
  LIFEGUARD_ETAG=$(curl -s -o /dev/null -D - -H "Authorization: Bearer $LIFEGUARD_TOKEN" "http://127.0.0.1:$port/v1/policy" | tr -d "\r" | sed -n "s/^etag: //Ip")
  [ -n "$LIFEGUARD_ETAG" ] || { echo "no ETag from /v1/policy" >&2; exit 1; }
  echo "== $name: GET /v1/policy, If-None-Match -> 304"
  wrk -t2 -c64 -d"${secs}s" --latency -s "$bench/policy-304.lua" "http://127.0.0.1:$port" | grep -E 'Requests/sec|Latency|99%|50%|Non-2xx|Socket errors'
  local gz_etag
  gz_etag=$(curl -s -o /dev/null -D - -H "Accept-Encoding: gzip" -H "Authorization: Bearer $LIFEGUARD_TOKEN" "http://127.0.0.1:$port/v1/policy" | tr -d "\r" | sed -n "s/^etag: //Ip")
  echo "== $name: GET /v1/policy as browsers send it (gzip), If-None-Match -> 304"
  LIFEGUARD_ETAG=$gz_etag wrk -t2 -c64 -d"${secs}s" --latency -s "$bench/policy-gzip.lua" "http://127.0.0.1:$port" | grep -E 'Requests/sec|Latency|99%|50%|Non-2xx|Socket errors'
  echo "== $name: GET /v1/policy, the whole bundle gzipped -> 200"
  LIFEGUARD_ETAG= wrk -t2 -c64 -d"${secs}s" --latency -s "$bench/policy-gzip.lua" "http://127.0.0.1:$port" | grep -E 'Requests/sec|Transfer/sec|Latency|99%|50%|Non-2xx|Socket errors'
  echo "== $name: POST /v1/reports, batches of 50"
  wrk -t2 -c16 -d"${secs}s" --latency -s "$bench/reports-50.lua" "http://127.0.0.1:$port" | grep -E 'Requests/sec|events/s|Latency|99%|50%|Non-2xx|Socket errors'
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
}

run_one sqlite "sqlite://$tmp/sqlite/lifeguard.sqlite3"
if psql "$pg_admin" -qc 'SELECT 1' >/dev/null 2>&1; then
  db=lifeguard_bench_$$
  psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null
  run_one postgres "${pg_admin%/*}/$db"
else
  echo "PostgreSQL not reachable at $pg_admin: skipped"
fi
