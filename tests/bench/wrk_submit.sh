#!/usr/bin/env bash
# Submission throughput: wrk POSTs unique swap intents to an intentd on
# 127.0.0.1 with a zero-latency simulated chain.
#
#   tests/bench/wrk_submit.sh [DURATION_S] [CONNECTIONS]
#   SYNC=false tests/bench/wrk_submit.sh     # storage.sync false
#   INTENTD_BIN=build/intentd WRK_THREADS=2 ...
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh

DURATION=${1:-20}
CONNS=${2:-32}
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

intentd_start "chain:
  kind: simulated
  simulated:
    latency_ms: 0
logging:
  level: warn"

echo "intentd $(find_intentd) pid $INTENTD_PID on $INTENTD_URL, storage.sync ${SYNC:-true}"
echo "wrk -t${WRK_THREADS:-2} -c$CONNS -d${DURATION}s, $(nproc) cores"
timeout $((DURATION + 30)) wrk -t"${WRK_THREADS:-2}" -c"$CONNS" -d"${DURATION}s" \
  --timeout 10s --latency -s submit.lua "$INTENTD_URL/api/v1/intents"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$INTENTD_PID/status")
echo "intentd VmRSS after the run: $((rss / 1024)) MB"
for s in pending verified executing; do
  printf '%s now: %s\n' "$s" \
    "$(curl -s "$INTENTD_URL/api/v1/intents?status=$s&limit=1000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')"
done
