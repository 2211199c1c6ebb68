#!/usr/bin/env bash
# Restart with COUNT in-flight intents: on a chain whose blocks take 10
# minutes, COUNT intents are submitted and stay live; intentd is stopped with
# SIGTERM and started again on the same storage, then killed with SIGKILL and
# started again. Each time: seconds from launching the binary to the first 200
# on /readyz, VmRSS, and the check that all COUNT intents are still live.
#
#   tests/bench/restart_inflight.sh [COUNT=100000] [CONNECTIONS=16]
#   SYNC=false ...   # storage.sync false (default true)
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh

COUNT=${1:-100000}
CONNS=${2:-16}
CONFIG="chain:
  kind: simulated
  simulated:
    latency_ms: 600000
intents:
  max_live: $((COUNT + 50000))
logging:
  level: info"

intentd_start "$CONFIG"
echo "intentd $(find_intentd) pid $INTENTD_PID on $INTENTD_URL; chain latency 600000 ms; storage.sync ${SYNC:-true}; $(bench_load)"
timeout 1200 python3 submit_many.py "$INTENTD_URL" "$COUNT" "$CONNS"
fail=0
check_live() {
  local live final
  live=$(count_status pending verified executing | awk '$1 == "total" {print $2}')
  final=$(count_status completed failed expired cancelled | awk '$1 == "total" {print $2}')
  echo "$1: live $live, final $final (expected $COUNT live, 0 final)"
  if [[ $live != "$COUNT" || $final != 0 ]]; then fail=1; fi
}
check_live "before the restarts"
echo "storage on disk: $(du -sm "$WORK/data" | cut -f1) MB"

for how in SIGTERM SIGKILL; do
  start=$(date +%s%N)
  if [[ $how == SIGTERM ]]; then intentd_stop; else intentd_kill; fi
  echo "$how: exited in $(( ($(date +%s%N) - start) / 1000000 )) ms with code $INTENTD_EXIT"
  READY_TIMEOUT_S=300 intentd_start "$CONFIG"
  echo "after $how: ready ${READY_S} s after launch (VmRSS $(mem VmRSS) MB, RssAnon $(mem RssAnon) MB, RssFile $(mem RssFile) MB); $(bench_load)"
  check_live "after $how"
done
grep -i 'recover' "$WORK/intentd.log" | tail -4 || true
exit $fail
