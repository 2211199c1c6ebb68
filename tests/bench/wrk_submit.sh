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
# Every accepted intent should reach a final state shortly after the run.
# (wrk does not count the up to CONNECTIONS requests in flight when it stops,
# so the stored total may exceed its 202 count by that much.)
python3 - "$INTENTD_URL" <<'PY'
import json, sys, time, urllib.request
base = sys.argv[1]
def count(status):
    n, cursor = 0, ""
    while True:
        url = f"{base}/api/v1/intents?status={status}&limit=1000" + (f"&cursor={cursor}" if cursor else "")
        page = json.load(urllib.request.urlopen(url, timeout=60))
        n += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return n
deadline = time.time() + 60
while time.time() < deadline:
    live = sum(count(s) for s in ("pending", "verified", "executing"))
    if not live:
        break
    time.sleep(1)
final = {s: count(s) for s in ("completed", "failed", "expired", "cancelled")}
print(f"after the run: {live} still live, final {final}")
sys.exit(1 if live else 0)
PY
