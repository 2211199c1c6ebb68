#!/usr/bin/env bash
# Submission throughput: wrk POSTs unique swap intents for DURATION_S seconds
# to an intentd on 127.0.0.1 with a zero-latency simulated chain, the whole
# lifecycle running; then every accepted intent must reach a final state.
#
#   tests/bench/wrk_submit.sh [DURATION_S=20] [CONNECTIONS=32]
#   SYNC=false tests/bench/wrk_submit.sh 30   # storage.sync false
#   WRITE_PATH=log ...                        # storage.write_path log
#   CHAIN_SYNC=false ...                      # chain.simulated.journal_sync false
#   CHAIN_JOURNAL=log ...                     # chain.simulated.journal log
#   LATENCY_MS=600000 ...                     # chain block time: above 0 the
#                                             # intents stay live (submission
#                                             # alone), no final-state check
#   SETTLE_S=120                              # wait for final states (default 120 s)
#   BASELINE_S=5                              # seconds of the device's writes
#                                             # measured before the run (others')
#   STRACE_S=5                                # strace the write and sync calls for
#                                             # that long in the middle of the run,
#                                             # summed per file (slows intentd)
#   JOURNAL_DEVICE=loop0                      # storage.path on an ext4 whose
#                                             # journal is on that device: its
#                                             # bytes per intent are printed apart
#   INTENTD_BIN=build-rel/intentd WRK_THREADS=2 ...
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh

DURATION=${1:-20}
CONNS=${2:-32}
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

intentd_start "chain:
  kind: simulated
  simulated:
    latency_ms: ${LATENCY_MS:-0}
    journal_sync: ${CHAIN_SYNC:-true}
    journal: ${CHAIN_JOURNAL:-lmdb}
intents:
  max_live: 1000000
logging:
  level: warn"

echo "intentd $(find_intentd) pid $INTENTD_PID on $INTENTD_URL, storage.sync ${SYNC:-true}, write_path ${WRITE_PATH:-lmdb}, chain journal ${CHAIN_JOURNAL:-lmdb}, journal_sync ${CHAIN_SYNC:-true}"
echo "wrk -t${WRK_THREADS:-2} -c$CONNS -d${DURATION}s; $(bench_load)"
device=$(storage_device)
bg0=$(device_bytes "$device")
sleep "${BASELINE_S:-5}"
background=$(awk -v a="$bg0" -v b="$(device_bytes "$device")" -v s="${BASELINE_S:-5}" 'BEGIN {printf "%.0f", (b - a) / s}')
mdb_pages > "$WORK/pages.before"
thread_write_bytes > "$WORK/threads.before"
if [[ -n ${STRACE_S:-} ]]; then
  (trap - EXIT INT TERM; sleep $(( (DURATION - STRACE_S) / 2 )); strace_writes "$STRACE_S" > "$WORK/strace.sum") &
  strace_pid=$!
fi
dev_before=$(device_bytes "$device")
[[ -n ${JOURNAL_DEVICE:-} ]] && journal_before=$(device_bytes "$JOURNAL_DEVICE")
log_before=$(log_bytes)
proc_before=$(proc_write_bytes)
t_before=$(date +%s.%N)
cpu_before=$(cpu_s)
ticks_before=$(machine_ticks)
timeout $((DURATION + 30)) wrk -t"${WRK_THREADS:-2}" -c"$CONNS" -d"${DURATION}s" \
  --timeout 10s --latency -s submit.lua "$INTENTD_URL/api/v1/intents" | tee "$WORK/wrk.out"
echo "after the run: $(bench_load)"
cpu_after=$(cpu_s)
dev_after=$(device_bytes "$device")
[[ -n ${JOURNAL_DEVICE:-} ]] && journal_after=$(device_bytes "$JOURNAL_DEVICE")
log_after=$(log_bytes)
proc_after=$(proc_write_bytes)
t_after=$(date +%s.%N)
thread_write_bytes > "$WORK/threads.after"
mdb_pages > "$WORK/pages.after"
[[ -n ${strace_pid:-} ]] && { wait "$strace_pid" || true; }
machine_split "$ticks_before" "$(machine_ticks)"
storage_figures
echo "intentd VmRSS after the run: $(mem VmRSS) MB (RssAnon $(mem RssAnon) MB, RssFile $(mem RssFile) MB)"
# Every accepted intent should reach a final state shortly after the run.
# wrk does not count the up to CONNECTIONS requests in flight when it stops,
# so the stored total may exceed its 202 count by up to that much.
accepted=$(sed -n 's/.*status codes: 2xx: \([0-9]*\).*/\1/p' "$WORK/wrk.out")
awk -v a="$cpu_before" -v b="$cpu_after" -v n="${accepted:-0}" 'BEGIN {if (n > 0)
  printf "intentd CPU during the run: %.1f s, %.0f us per accepted intent\n", b - a, (b - a) * 1e6 / n}'
echo "writes during the run, per accepted intent:"
write_figures "$device" "$dev_before" "$dev_after" "$proc_before" "$proc_after" \
  "$(awk -v a="$t_before" -v b="$t_after" 'BEGIN {print b - a}')" "${accepted:-0}" "$background"
[[ -n ${JOURNAL_DEVICE:-} ]] && awk -v d="$JOURNAL_DEVICE" -v a="$journal_before" -v b="$journal_after" \
  -v n="${accepted:-0}" 'BEGIN {if (n > 0) printf "  and the filesystem journal on %s: %.1f MB, %.0f bytes per intent\n", d, (b - a) / 1e6, (b - a) / n}'
[[ -n $log_after ]] && awk -v a="$log_before" -v b="$log_after" -v n="${accepted:-0}" \
  'BEGIN {if (n > 0) printf "  appended to the store'"'"'s write log: %.1f MB, %.0f bytes per intent\n", (b - a) / 1e6, (b - a) / n}'
thread_split "$WORK/threads.before" "$WORK/threads.after" "${accepted:-0}"
mdb_pages_split "$WORK/pages.before" "$WORK/pages.after" "${accepted:-0}"
[[ -s $WORK/strace.sum ]] && { echo "strace of ${STRACE_S} s in the middle of the run:"; cat "$WORK/strace.sum"; }
if (( ${LATENCY_MS:-0} > 0 )); then
  echo "chain latency ${LATENCY_MS} ms: the accepted intents stay live; no final-state check"
  exit 0
fi
set +e
count_status --live-wait "${SETTLE_S:-120}" completed failed expired cancelled | tee "$WORK/final.out"
live_rc=${PIPESTATUS[0]}
set -e
stored=$(awk '$1 == "total" {print $2}' "$WORK/final.out")
echo "wrk counted ${accepted:-0} answers 2xx (each a new intent: 202); $stored intents stored, all final: $([[ $live_rc == 0 ]] && echo yes || echo NO)"
if (( live_rc != 0 || stored < ${accepted:-0} || stored > ${accepted:-0} + CONNS )); then
  echo "FAIL: some accepted intents are missing or not final" >&2
  exit 1
fi
