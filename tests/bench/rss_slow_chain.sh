#!/usr/bin/env bash
# Memory with many intents waiting: a chain whose blocks take 10 minutes keeps
# every intent live while COUNT of them are submitted; then VmRSS is read from
# /proc. Target: under 400 MB for 100,000 intents.
#
#   tests/bench/rss_slow_chain.sh [COUNT] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh

COUNT=${1:-100000}
CONNS=${2:-16}

intentd_start "chain:
  kind: simulated
  simulated:
    latency_ms: 600000
intents:
  max_live: $((COUNT + 50000))
logging:
  level: warn"

echo "intentd $(find_intentd) pid $INTENTD_PID on $INTENTD_URL; chain latency 600000 ms; $(bench_load)"
echo "VmRSS at start: $(mem VmRSS) MB"
timeout 1200 python3 submit_many.py "$INTENTD_URL" "$COUNT" "$CONNS"
sleep 2
live=$(python3 - "$INTENTD_URL" <<'PY'
import json, sys, urllib.request
base, n = sys.argv[1], 0
for status in ("pending", "verified", "executing"):
    cursor = ""
    while True:
        url = f"{base}/api/v1/intents?status={status}&limit=1000" + (f"&cursor={cursor}" if cursor else "")
        page = json.load(urllib.request.urlopen(url, timeout=60))
        n += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
print(n)
PY
)
echo "live intents (pending+verified+executing): $live"
echo "VmRSS with $COUNT intents waiting: $(mem VmRSS) MB (RssAnon $(mem RssAnon) MB, RssFile $(mem RssFile) MB, VmHWM $(mem VmHWM) MB)"
echo "storage on disk: $(du -sm "$WORK/data" | cut -f1) MB; $(bench_load)"
start=$(date +%s.%N)
intentd_stop
echo "SIGTERM to exit with $COUNT live intents: $(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')") s, exit code $INTENTD_EXIT"
