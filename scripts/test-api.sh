#!/usr/bin/env bash
# Runs schemathesis (PyPI) against a real `lifeguard serve` and its own /v1/openapi.json:
# every check, a fixed seed, a time budget (API_SECONDS, default 240), and zero failures to
# pass. The server gets a fresh SQLite data folder; IT's and a device's tokens come from
# `lifeguard token issue`. Configuration: sync-server/tests/api/schemathesis.toml.
#   LIFEGUARD_BIN   the server binary (default: target/debug/lifeguard, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
if [ "$(st --version 2>/dev/null | awk '{print $3}')" != "$version" ]; then
  echo "==> installing schemathesis $version"
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$version"
fi
if [[ -z "${LIFEGUARD_BIN:-}" ]]; then
  cargo build -p lifeguard-server --bin lifeguard --locked
  LIFEGUARD_BIN=$PWD/target/debug/lifeguard
fi

data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# schemathesis sends as fast as it can for API_SECONDS with two tokens: past the default rate
# limit (12,000 a minute per token) it would be testing 429s, so the limit is off here.
printf 'rate_limit_per_minute = 0\n' >"$data/lifeguard.toml"
"$LIFEGUARD_BIN" serve --config "$data/lifeguard.toml" --data-dir "$data" --listen "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
pid=$!
# A graceful stop takes at most the server's 30 s shutdown timeout; past 40 s it is a bug:
# say so loudly (with the server's last log lines), then kill it so CI never hangs on it.
stop_server() {
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "!! lifeguard serve did not stop within 40 s of SIGTERM; killing it. Its last log lines:" >&2
    tail -n 20 "$data/serve.log" >&2
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
trap stop_server EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.2; done

export LIFEGUARD_IT_TOKEN LIFEGUARD_DEVICE_TOKEN
LIFEGUARD_IT_TOKEN=$("$LIFEGUARD_BIN" token issue --data-dir "$data" --role it_admin --subject it@redondo.org --days 1)
LIFEGUARD_DEVICE_TOKEN=$("$LIFEGUARD_BIN" token issue --data-dir "$data" --role device --department planning --subject schemathesis-device --days 1)

echo "==> schemathesis against http://127.0.0.1:$port/v1/openapi.json for ${API_SECONDS:-240}s"
st --config-file sync-server/tests/api/schemathesis.toml run "http://127.0.0.1:$port/v1/openapi.json" \
  --max-time "${API_SECONDS:-240}" --checks all --no-color
