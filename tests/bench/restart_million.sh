#!/usr/bin/env bash
# Restart with TERMINAL ended intents and LIVE live ones stored:
#  1. load TERMINAL intents that complete (zero-latency chain, storage.sync
#     false unless LOAD_SYNC=true; skipped when WORK already holds them);
#  2. restart on a chain whose blocks take 10 minutes, with checkpoints held
#     off (write_path log: interval 600 s, no record or size threshold), and
#     submit LIVE intents that stay live: the write log holds them all,
#     un-checkpointed;
#  3. kill -9, start again (the log replayed): seconds from launch to the
#     first 200 on /readyz, and the counts;
#  4. SIGTERM (a final checkpoint), start again: the same figures.
# The counts: /metrics' intents_by_status must equal the counts before the
# first kill, and the list API must page through LIVE live intents.
#
#   tests/bench/restart_million.sh [TERMINAL=1000000] [LIVE=100000]
#   WRITE_PATH=log|lmdb (default lmdb)   KEEP=1 WORK=/tmp/dir  # keep the store
#   COUNT_FINAL=1   # also page through every completed intent (slow)
#   KILL_COPY=/tmp/dir   # keep a copy of the data directory as kill -9 left it
#                        # (for tests/bench/restart_copy.py)
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh

TERMINAL=${1:-1000000}
LIVE=${2:-100000}
LIMIT=${LOAD_LIMIT_S:-900}

# The final counts each, and the live ones summed (a live intent may move
# on between pending and verified across a restart).
summed() {
  awk '$1 ~ /^(pending|verified|executing)$/ {live += $2; next} {print} END {print "live", live + 0}'
}

SYNC=${LOAD_SYNC:-false} intentd_start "chain:
  kind: simulated
  simulated:
    latency_ms: 0
logging:
  level: warn"
echo "intentd $(find_intentd) pid $INTENTD_PID on $INTENTD_URL; storage $WORK/data, write_path ${WRITE_PATH:-lmdb}"
t0=$(date +%s)
echo "storage.sync ${LOAD_SYNC:-false} while loading"
load_completed "$TERMINAL" "$LIMIT"
echo "loaded: $(stored) records in $(( $(date +%s) - t0 )) s; $(bench_load)"
intentd_stop
echo "stopped (exit $INTENTD_EXIT)"

LIVE_CONFIG="chain:
  kind: simulated
  simulated:
    latency_ms: 600000
intents:
  max_live: $((LIVE + 50000))
logging:
  level: info"
HELD="  checkpoint_interval_ms: 600000
  checkpoint_records: 10000000
  checkpoint_log_mb: 65536"
STORAGE_YAML=$HELD READY_TIMEOUT_S=300 intentd_start "$LIVE_CONFIG"
echo "ready ${READY_S} s after launch; submitting $LIVE that stay live; $(bench_load)"
t0=$(date +%s)
timeout 1200 python3 submit_many.py "$INTENTD_URL" "$LIVE" 16
echo "submitted in $(( $(date +%s) - t0 )) s"
sleep 2
status_gauges | summed > "$WORK/counts.before"
echo "before the restarts: $(tr '\n' ' ' < "$WORK/counts.before")"
if [[ -d $WORK/data/wal ]]; then
  echo "write log: $(du -sm "$WORK/data/wal" | cut -f1) MB"
fi

fail=0
check() {
  local live
  status_gauges | summed > "$WORK/counts.after"
  echo "  durable counts: $(tr '\n' ' ' < "$WORK/counts.after")"
  if ! cmp -s "$WORK/counts.before" "$WORK/counts.after"; then
    echo "  the counts differ from those before the restarts" >&2
    fail=1
  fi
  live=$(count_status pending verified executing | awk '$1 == "total" {print $2}')
  echo "  listed live: $live (expected $LIVE)"
  [[ $live == "$LIVE" ]] || fail=1
  if [[ -n ${COUNT_FINAL:-} ]]; then
    count_status completed failed expired cancelled | tr '\n' ' '
    echo
  fi
}

for how in SIGKILL SIGTERM; do
  start=$(date +%s%N)
  if [[ $how == SIGTERM ]]; then intentd_stop; else intentd_kill; fi
  echo "$how: exited in $(( ($(date +%s%N) - start) / 1000000 )) ms with code $INTENTD_EXIT"
  if [[ $how == SIGKILL && -n ${KILL_COPY:-} ]]; then
    rm -rf "$KILL_COPY" && cp -a "$WORK/data" "$KILL_COPY"
    echo "  copied the data directory to $KILL_COPY"
  fi
  if [[ -d $WORK/data/wal ]]; then
    echo "  write log left: $(du -sm "$WORK/data/wal" | cut -f1) MB"
  fi
  echo "  $(bench_load)"
  mark=$(wc -l < "$WORK/intentd.log")
  READY_TIMEOUT_S=300 intentd_start "$LIVE_CONFIG"
  echo "after $how: ready ${READY_S} s after launch, $(cpu_s) s of CPU (user + sys) by then (VmRSS $(mem VmRSS) MB); $(bench_load)"
  tail -n +"$((mark + 1))" "$WORK/intentd.log" | grep -E 'replayed|recovered|listening' | sed 's/^/  log: /' || true
  check
done
exit $fail
