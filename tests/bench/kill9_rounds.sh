#!/usr/bin/env bash
# Kill -9 rounds under load: ROUNDS times, load from CLIENTS client threads
# (every 202/200 recorded), kill -9 at a random moment (KILL_AFTER=MIN,MAX
# seconds of load), restart on the same storage, wait for /readyz, resubmit
# the intents whose answer the kill cut off. Then: every acknowledged id
# stored and final, no intent executed twice on the simulated chain (its
# journal and the journal's log, read with `intentd --chain-executions`
# after each kill and at the end). The rounds are tests/crash/crash_test.py's
# (--kills ROUNDS); this script picks the write path, runs it and prints the
# figures for docs/benchmarks.md. Only 127.0.0.1; stops by itself.
#
#   tests/bench/kill9_rounds.sh [ROUNDS=20]
#   WRITE_PATH=lmdb CHAIN_JOURNAL=lmdb ...   # default: log and log
#   CLIENTS=8 KILL_AFTER=0.5,3.0 SEED=N ...  # client threads, load before each
#                                            # kill (s), the crash test's seed
#   INTENTD_BIN=build/intentd KEEP=1 ...     # the binary; keep the temp dir
# Exit status: the crash test's (0 passed, 1 a check failed, 2 could not run),
# or 124 when the whole run outlasted ROUNDS * 60 + 300 s.
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh

ROUNDS=${1:-20}
WRITE_PATH=${WRITE_PATH:-log}
CHAIN_JOURNAL=${CHAIN_JOURNAL:-log}
CLIENTS=${CLIENTS:-8}
KILL_AFTER=${KILL_AFTER:-0.5,3.0}
bin=$(find_intentd)
summary=$(mktemp /tmp/intentd-kill9.XXXXXX.json)
trap 'rm -f "$summary"' EXIT

echo "kill9_rounds: $ROUNDS rounds, storage.write_path $WRITE_PATH," \
  "chain.simulated.journal $CHAIN_JOURNAL, $CLIENTS clients, kill -9 after" \
  "$KILL_AFTER s of load; $bin; $(date -u '+%Y-%m-%d %H:%M UTC'); $(bench_load)"
rc=0
# The whole run: ROUNDS kills, at most 60 s each, plus settling.
timeout $((ROUNDS * 60 + 300)) python3 "$REPO/tests/crash/crash_test.py" \
  --binary "$bin" --kills "$ROUNDS" --clients "$CLIENTS" \
  --write-path "$WRITE_PATH" --chain-journal "$CHAIN_JOURNAL" \
  --kill-after "$KILL_AFTER" --strict-records --summary-json "$summary" \
  ${SEED:+--seed "$SEED"} || rc=$?
if [[ -s $summary ]]; then
  python3 - "$summary" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"kill9_rounds figures (seed {s['seed']}, write_path {s['write_path']},"
      f" chain journal {s['chain_journal']}):")
print(f"  rounds (kill -9) {s['kills']}; acknowledged {s['acknowledged']};"
      f" lost {s['lost']}; double executions {s['double_executions']} at the"
      f" end, {s['double_executions_after_kills']} after the kills;"
      f" violations {len(s['violations'])}")
print(f"  ready after each restart: min {s['ready_min_s']} s, max"
      f" {s['ready_max_s']} s; executions in the chain journal's log after"
      f" each kill {s['executions_in_log_after_kills']}")
print(f"  stored {s['stored']} by status {s['by_status']}; executed"
      f" {s['executed']}; SIGTERM exit {s['sigterm_exit']}; {s['total_s']} s")
PY
fi
echo "after the run: $(bench_load)"
exit $rc
