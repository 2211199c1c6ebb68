#!/usr/bin/env bash
# WebSocket fan-out: CLIENTS subscribers on /api/v1/ws, each following its own
# account (subscribe-user wsbN.near), then ROUNDS intents per account
# submitted over HTTP at RATE per second. Measures the delivery latency of
# every intent-update (receipt time minus the event's `timestamp`, which is
# the transition's time), p50/p90/p99, and intentd's RSS with every
# subscriber connected and at the end. Target: p99 < 100 ms at 10,000.
#
#   tests/bench/ws_subscribers.sh [CLIENTS=10000] [ROUNDS=1] [RATE=1000]
#
# The client is build/ws_bench (built here if missing; WS_BENCH_BIN picks
# another). EXTRA_CONFIG is appended to the config intentd runs on (rate limits are
# off there already: see lib.sh).
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh

CLIENTS=${1:-10000}
ROUNDS=${2:-1}
RATE=${3:-1000}
HTTP_CONNS=${HTTP_CONNS:-16}

# One descriptor per WebSocket in intentd and in the client, plus spares.
need=$((CLIENTS + 2048))
hard=$(ulimit -Hn)
if [[ $hard != unlimited && $hard -lt $need ]]; then
  echo "ulimit -n hard limit $hard is below $need: raise it (limits.conf or run as root)" >&2
  exit 1
fi
ulimit -n "$need"

bench_bin=${WS_BENCH_BIN:-$REPO/build/ws_bench}
if [[ ! -x $bench_bin ]]; then
  nice cmake --build "$REPO/build" --target ws_bench -j2 >/dev/null
fi

SERVER_YAML="  max_connections: $((CLIENTS + HTTP_CONNS + 1000))"
CONFIG="chain:
  kind: simulated
  simulated:
    latency_ms: ${LATENCY_MS:-20}
notifier:
  max_subscriptions_per_connection: 100
  max_queued_messages: 256
  ping_interval_ms: 30000
logging:
  level: warn
${EXTRA_CONFIG:-}"
intentd_start "$CONFIG"

echo "intentd $(find_intentd) pid $INTENTD_PID on $INTENTD_URL; $CLIENTS subscribers, $ROUNDS intent(s) each at $RATE/s; storage.sync ${SYNC:-true}; $(bench_load)"
echo "VmRSS at start: $(mem VmRSS) MB"
pause=$WORK/pause
touch "$pause"
out=$WORK/ws_bench.out
WS_BENCH_PAUSE_FILE=$pause "$bench_bin" --port "${INTENTD_HOSTPORT##*:}" \
  --clients "$CLIENTS" --rounds "$ROUNDS" --rate "$RATE" \
  --http-conns "$HTTP_CONNS" --timeout "${TIMEOUT_S:-300}" > "$out" 2>&1 &
bench_pid=$!
until grep -q '^ready' "$out" 2>/dev/null; do
  if ! kill -0 "$bench_pid" 2>/dev/null; then cat "$out"; exit 1; fi
  sleep 0.2
done
sleep 1
echo "VmRSS with $CLIENTS subscribers connected: $(mem VmRSS) MB (RssAnon $(mem RssAnon) MB, RssFile $(mem RssFile) MB)"
rm -f "$pause"
status=0
wait "$bench_pid" || status=$?
grep -v '^ready' "$out"
echo "VmRSS at the end: $(mem VmRSS) MB, VmHWM $(mem VmHWM) MB; $(bench_load)"
exit "$status"
