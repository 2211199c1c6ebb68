#!/usr/bin/env bash
# Memory with many stored intents and many live ones:
#  1. load TERMINAL intents that complete (zero-latency chain, storage.sync
#     false unless LOAD_SYNC=true) with wrk and submit.lua, in chunks, until
#     the store holds TERMINAL records or LOAD_LIMIT_S (default 900 s) passed;
#  2. restart on a chain whose blocks take 10 minutes (storage.sync true),
#     submit LIVE more intents that stay live;
#  3. report VmRSS, RssAnon, RssFile, the data size and the shutdown time.
#
#   tests/bench/rss_million.sh [TERMINAL=1000000] [LIVE=100000]
#   KEEP=1 WORK=/tmp/dir tests/bench/rss_million.sh   # keep the store; run again
#                                                     # with the same WORK to resume
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh

TERMINAL=${1:-1000000}
LIVE=${2:-100000}
LIMIT=${LOAD_LIMIT_S:-900}
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
command -v mdb_stat > /dev/null || { echo "mdb_stat is missing: apt-get install lmdb-utils" >&2; exit 1; }

SYNC=${LOAD_SYNC:-false} intentd_start "chain:
  kind: simulated
  simulated:
    latency_ms: 0
logging:
  level: warn"
echo "intentd $(find_intentd) pid $INTENTD_PID on $INTENTD_URL; storage $WORK/data"
t0=$(date +%s)
echo "storage.sync ${LOAD_SYNC:-false} while loading"
load_completed "$TERMINAL" "$LIMIT"
have=$(stored)
load_s=$(( $(date +%s) - t0 ))
echo "loaded: $have records in $load_s s; VmRSS $(mem VmRSS) MB after loading; $(bench_load)"

intentd_stop
echo "stopped (exit $INTENTD_EXIT); restarting with 600000 ms blocks, storage.sync true"
SYNC=true READY_TIMEOUT_S=300 intentd_start "chain:
  kind: simulated
  simulated:
    latency_ms: 600000
intents:
  max_live: $((LIVE + 50000))
logging:
  level: warn"
echo "ready ${READY_S} s after launch with $have stored: VmRSS $(mem VmRSS) MB (RssAnon $(mem RssAnon) MB, RssFile $(mem RssFile) MB)"
timeout 1200 python3 submit_many.py "$INTENTD_URL" "$LIVE" 16
sleep 2
live=$(count_status pending verified executing | awk '$1 == "total" {print $2}')
echo "live intents: $live (expected $LIVE); stored records: $(stored); $(bench_load)"
echo "VmRSS with $have terminal + $LIVE live: $(mem VmRSS) MB (RssAnon $(mem RssAnon) MB, RssFile $(mem RssFile) MB, VmHWM $(mem VmHWM) MB)"
echo "on disk: data $(du -sm "$WORK/data" --exclude=chain | cut -f1) MB, chain journal $(du -sm "$WORK/data/chain" | cut -f1) MB"
mdb_stat -e "$WORK/data" | grep -E 'Map size|Number of pages used|Page size'
start=$(date +%s%N)
intentd_stop
echo "SIGTERM to exit with $LIVE live: $(( ($(date +%s%N) - start) / 1000000 )) ms, exit code $INTENTD_EXIT"
[[ $live == "$LIVE" ]]
