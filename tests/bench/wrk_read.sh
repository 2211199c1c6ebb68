#!/usr/bin/env bash
# Status reads by id: stores COUNT intents with known ids (zero-latency chain,
# so they complete), then wrk GETs /api/v1/intents/{id} over ids picked at
# random among them for DURATION_S seconds.
#
#   tests/bench/wrk_read.sh [DURATION_S=20] [CONNECTIONS=32] [COUNT=20000]
#   INTENTD_BIN=build-rel/intentd WRK_THREADS=2 ...
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh

DURATION=${1:-20}
CONNS=${2:-32}
COUNT=${3:-20000}
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

intentd_start "chain:
  kind: simulated
  simulated:
    latency_ms: 0
logging:
  level: warn"

echo "intentd $(find_intentd) pid $INTENTD_PID on $INTENTD_URL, storage.sync ${SYNC:-true}"
timeout 600 python3 submit_many.py "$INTENTD_URL" "$COUNT" 16 read-
count_status --live-wait 120 completed > /dev/null
seq -f 'read-%.0f' 0 $((COUNT - 1)) > "$WORK/ids.txt"
curl -sf "$INTENTD_URL/api/v1/intents/read-0" > /dev/null
echo "wrk -t${WRK_THREADS:-2} -c$CONNS -d${DURATION}s over $COUNT ids; $(bench_load)"
cpu_before=$(cpu_s)
ticks_before=$(machine_ticks)
timeout $((DURATION + 30)) wrk -t"${WRK_THREADS:-2}" -c"$CONNS" -d"${DURATION}s" \
  --timeout 10s --latency -s read_ids.lua "$INTENTD_URL" -- "$WORK/ids.txt" | tee "$WORK/wrk.out"
echo "after the run: $(bench_load)"
cpu_after=$(cpu_s)
machine_split "$ticks_before" "$(machine_ticks)"
reads=$(awk '$2 == "requests" && $3 == "in" {print $1}' "$WORK/wrk.out")
awk -v a="$cpu_before" -v b="$cpu_after" -v n="${reads:-0}" 'BEGIN {if (n > 0)
  printf "intentd CPU during the run: %.1f s, %.1f us per read\n", b - a, (b - a) * 1e6 / n}'
echo "intentd VmRSS after the run: $(mem VmRSS) MB (RssAnon $(mem RssAnon) MB, RssFile $(mem RssFile) MB)"
if grep -q 'Non-2xx' "$WORK/wrk.out"; then echo "FAIL: some reads were not 200" >&2; exit 1; fi
if grep -q 'Socket errors' "$WORK/wrk.out"; then echo "FAIL: some connections failed" >&2; exit 1; fi
