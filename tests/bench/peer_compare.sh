#!/usr/bin/env bash
# intentd against the seeds' stack: the same wrk load (submit.lua, a new swap
# per request) on intentd (a quick-start-like world: simulated chain with 0 ms
# blocks, storage.sync true, as wrk_submit.sh) and on the peer in
# tests/bench/peer/ (Node.js + Express + Redis, a worker in the same process
# moving each intent pending -> verified -> executing -> completed), in turns:
# intentd, peer, intentd, peer, ... for ROUNDS rounds. Each run starts empty
# on a free 127.0.0.1 port and waits for every accepted intent to reach a
# final state. Prints per run req/s, p50/p99, the 2xx answers, the intents
# completed and whether all reached a final state, and the CPU per accepted
# intent (intentd; for the peer node and redis-server together) during the
# wrk run and up to the moment the last one was final; then intentd/peer for
# each pair.
#
#   tests/bench/peer_compare.sh [DURATION=30] [CONNS=64]
#   ROUNDS=2                     # pairs of runs
#   WRITE_PATH=log CHAIN_JOURNAL=log ...   # intentd's storage.write_path and
#                                # chain.simulated.journal (as wrk_submit.sh)
#   REDIS_PERSIST=everysec       # the peer's Redis: everysec (appendonly yes,
#                                # appendfsync everysec; the default here),
#                                # always (appendfsync always), rdb (Redis's
#                                # own default: snapshots only, no AOF)
#   SETTLE_S=120 INTENTD_BIN=... WRK_THREADS=2 KEEP=1
#
# Needs wrk, redis-server, node and Debian's node-express and node-redis; as
# root it installs the missing ones with apt-get.
set -euo pipefail
cd "$(dirname "$0")"
source ./lib.sh

DURATION=${1:-30}
CONNS=${2:-64}
ROUNDS=${ROUNDS:-2}
SETTLE_S=${SETTLE_S:-120}
PEER_DIR=$BENCH/peer
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

need=()
command -v wrk > /dev/null || need+=(wrk)
command -v redis-server > /dev/null || need+=(redis-server)
command -v node > /dev/null || need+=(nodejs)
node -e 'require("express"); require("redis")' 2> /dev/null || need+=(node-express node-redis)
if (( ${#need[@]} )); then
  if [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
    echo "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" > /dev/null
  else
    echo "missing: ${need[*]} (apt-get install ${need[*]})" >&2
    exit 1
  fi
fi
find_intentd > /dev/null

ROOT=$(mktemp -d /tmp/peer-compare.XXXXXX)
PEER_PID=
REDIS_PID=

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU seconds (user + system) of the given processes so far.
cpu_of() {
  local hz p total=0
  hz=$(getconf CLK_TCK)
  for p in "$@"; do
    total=$(awk -v t="$total" -v hz="$hz" '{printf "%.2f", t + ($14 + $15) / hz}' "/proc/$p/stat")
  done
  echo "$total"
}

# Live intents (pending, verified, executing) from /metrics' intents_by_status.
live_count() {
  curl -s --max-time 10 "$1/metrics" | awk '/^intents_by_status\{status="(pending|verified|executing)"\}/ {n += $2}
    END {print n + 0}'
}

# Waits up to SETTLE_S for no live intent; prints the seconds waited, exits 1
# if some stayed live.
settle() {
  local t0 n
  t0=$(date +%s.%N)
  while :; do
    n=$(live_count "$1")
    if (( n == 0 )); then
      awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'
      return 0
    fi
    if awk -v a="$t0" -v b="$(date +%s.%N)" -v s="$SETTLE_S" 'BEGIN {exit !(b - a > s)}'; then
      echo "$n live after ${SETTLE_S} s"
      return 1
    fi
    sleep 0.2
  done
}

wait_ready() {
  for _ in $(seq 600); do
    curl -s -o /dev/null --max-time 2 "$1/readyz" && return 0
    sleep 0.1
  done
  return 1
}

peer_start() {
  local dir=$1 rport pport persist
  mkdir -p "$dir"
  rport=$(free_port)
  pport=$(free_port)
  case ${REDIS_PERSIST:-everysec} in
    everysec) persist=(--appendonly yes --appendfsync everysec --save '') ;;
    always) persist=(--appendonly yes --appendfsync always --save '') ;;
    rdb) persist=(--appendonly no --save '3600 1 300 100 60 10000') ;;
    *) echo "REDIS_PERSIST: everysec, always or rdb" >&2; exit 1 ;;
  esac
  redis-server --bind 127.0.0.1 --port "$rport" --dir "$dir" --daemonize no \
    --protected-mode yes --logfile "$dir/redis.log" "${persist[@]}" &
  REDIS_PID=$!
  for _ in $(seq 100); do
    redis-cli -p "$rport" ping > /dev/null 2>&1 && break
    sleep 0.1
  done
  REDIS_URL=redis://127.0.0.1:$rport PORT=$pport HOST=127.0.0.1 node "$PEER_DIR/server.js" >> "$dir/peer.log" 2>&1 &
  PEER_PID=$!
  PEER_URL=http://127.0.0.1:$pport
  if ! wait_ready "$PEER_URL"; then
    echo "the peer did not start; log:" >&2
    tail -20 "$dir/peer.log" >&2
    exit 1
  fi
}

stop_pid() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2> /dev/null || return 0
  kill -TERM "$pid"
  for _ in $(seq 150); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.2
  done
  kill -0 "$pid" 2> /dev/null && kill -KILL "$pid"
  wait "$pid" 2> /dev/null || true
}

peer_stop() {
  stop_pid "$PEER_PID"
  PEER_PID=
  stop_pid "$REDIS_PID"
  REDIS_PID=
}

bench_cleanup() {
  intentd_stop
  peer_stop
  if [[ -z ${KEEP:-} ]]; then rm -rf "$ROOT"; else echo "kept $ROOT"; fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# One run against URL with the CPU of PIDS; appends a line to results:
# "stack round req/s p50 p99 2xx completed final cpu_run_us cpu_final_us settle".
run_load() {
  local stack=$1 round=$2 url=$3 dir=$4
  shift 4
  local pids=("$@") c0 c1 c2 t_settle final=yes
  echo "== round $round: $stack on $url; $(bench_load)"
  c0=$(cpu_of "${pids[@]}")
  local p start=()
  for p in "${pids[@]}"; do start+=("$(cpu_of "$p")"); done
  ticks=$(machine_ticks)
  timeout $((DURATION + 30)) wrk -t"${WRK_THREADS:-2}" -c"$CONNS" -d"${DURATION}s" \
    --timeout 10s --latency -s submit.lua "$url/api/v1/intents" > "$dir/wrk.out"
  c1=$(cpu_of "${pids[@]}")
  machine_split "$ticks" "$(machine_ticks)"
  t_settle=$(settle "$url") || final=no
  c2=$(cpu_of "${pids[@]}")
  local i split=()
  for i in "${!pids[@]}"; do
    split+=("$(ps -o comm= -p "${pids[$i]}") $(awk -v a="${start[$i]}" -v b="$(cpu_of "${pids[$i]}")" \
      'BEGIN {printf "%.1f", b - a}') s")
  done
  python3 "$BENCH/count_status.py" "$url" completed failed expired cancelled > "$dir/final.out"
  local rps p50 p99 ok completed stored
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$dir/wrk.out")
  p50=$(sed -n 's/^p50 \([0-9.]*\) ms.*/\1/p' "$dir/wrk.out")
  p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' "$dir/wrk.out")
  ok=$(sed -n 's/.*status codes: 2xx: \([0-9]*\).*/\1/p' "$dir/wrk.out")
  completed=$(awk '$1 == "completed" {print $2}' "$dir/final.out")
  stored=$(awk '$1 == "total" {print $2}' "$dir/final.out")
  # wrk does not count the up to CONNS requests in flight when it stops.
  if [[ $final != yes ]] || (( stored < ok || stored > ok + CONNS )); then final=no; fi
  grep -E '^(Requests/sec|status codes|p50)' "$dir/wrk.out" | sed 's/^/  /'
  echo "  $ok answered 2xx, $stored stored, $completed completed, all final: $final (waited ${t_settle} s)"
  awk -v s="$stack" -v a="$c0" -v b="$c1" -v c="$c2" -v n="$ok" 'BEGIN {if (n > 0)
    printf "  %s CPU: %.1f s during the run (%.0f us per accepted intent), %.1f s until all final (%.0f us)\n",
      s, b - a, (b - a) * 1e6 / n, c - a, (c - a) * 1e6 / n}'
  (( ${#pids[@]} > 1 )) && echo "  CPU until all final by process: $(IFS=,; echo "${split[*]}")"
  echo "$stack $round $rps $p50 $p99 $ok $completed $final $(awk -v a="$c0" -v b="$c1" -v c="$c2" -v n="$ok" \
    'BEGIN {if (n > 0) printf "%.0f %.0f", (b - a) * 1e6 / n, (c - a) * 1e6 / n; else print "0 0"}')" >> "$ROOT/results"
}

echo "intentd $(find_intentd): storage.sync ${SYNC:-true}, write_path ${WRITE_PATH:-lmdb}, chain journal ${CHAIN_JOURNAL:-lmdb}"
echo "peer: node $(node --version), express $(node -p 'require("express/package.json").version'), redis client $(node -p 'require("redis/package.json").version'), $(redis-server --version | awk '{print $3}'), persistence ${REDIS_PERSIST:-everysec}"
echo "wrk -t${WRK_THREADS:-2} -c$CONNS -d${DURATION}s, $ROUNDS rounds; $(date -u +%FT%TZ)"
: > "$ROOT/results"
for round in $(seq "$ROUNDS"); do
  WORK=$ROOT/intentd-$round
  INTENTD_HOSTPORT= # a new free port for each intentd
  export INTENTD_HOSTPORT
  intentd_start "chain:
  kind: simulated
  simulated:
    latency_ms: 0
    journal_sync: ${CHAIN_SYNC:-true}
    journal: ${CHAIN_JOURNAL:-lmdb}
intents:
  max_live: 1000000
logging:
  level: warn"
  trap bench_cleanup EXIT
  run_load intentd "$round" "$INTENTD_URL" "$WORK" "$INTENTD_PID"
  intentd_stop
  peer_start "$ROOT/peer-$round"
  run_load peer "$round" "$PEER_URL" "$ROOT/peer-$round" "$PEER_PID" "$REDIS_PID"
  peer_stop
done

echo "== summary ($(date -u +%FT%TZ); $(bench_load))"
awk '
  {stack[NR] = $1; round[NR] = $2; rps[NR] = $3; p50[NR] = $4; p99[NR] = $5; ok[NR] = $6
   done_[NR] = $7; fin[NR] = $8; cpu[NR] = $9; cpuf[NR] = $10}
  END {
    printf "%-8s %5s %9s %9s %9s %9s %10s %5s %12s %14s\n", "stack", "round", "req/s", "p50 ms", "p99 ms",
      "2xx", "completed", "final", "CPU us/run", "CPU us/final"
    for (i = 1; i <= NR; i++)
      printf "%-8s %5d %9.0f %9.2f %9.2f %9d %10d %5s %12d %14d\n", stack[i], round[i], rps[i], p50[i], p99[i],
        ok[i], done_[i], fin[i], cpu[i], cpuf[i]
    for (i = 1; i + 1 <= NR; i += 2)
      if (stack[i] == "intentd" && stack[i + 1] == "peer" && rps[i + 1] > 0 && cpuf[i] > 0)
        printf "round %d intentd/peer: req/s %.2fx, completed %.2fx, p99 %.2fx, CPU per intent until final %.2fx\n",
          round[i], rps[i] / rps[i + 1], done_[i] / (done_[i + 1] > 0 ? done_[i + 1] : 1), p99[i] / p99[i + 1],
          cpuf[i] / cpuf[i + 1]
  }' "$ROOT/results"
! grep -q ' no ' "$ROOT/results"
