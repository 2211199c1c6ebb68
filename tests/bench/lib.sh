# Shared helpers for the benchmark scripts: source it, then call
# intentd_start CONFIG_BODY (YAML without server/storage), which starts intentd
# on a free 127.0.0.1 port in a temp directory and stops it on exit.
# Sets INTENTD_PID, INTENTD_URL, INTENTD_HOSTPORT, WORK and READY_S (seconds
# from launching the binary to the first 200 on /readyz).
# intentd_start again (after intentd_stop) reuses WORK and its storage, with
# the new CONFIG_BODY; intentd_kill stops it with SIGKILL instead of SIGTERM.
# SERVER_YAML adds keys to the server section (it is written here).

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$REPO/tests/bench

# INTENTD_BIN may be relative to where the script was started from (the
# scripts cd into tests/bench before sourcing this file).
if [[ -n ${INTENTD_BIN:-} && $INTENTD_BIN != /* && -n ${OLDPWD:-} ]]; then
  INTENTD_BIN="$OLDPWD/$INTENTD_BIN"
fi

find_intentd() {
  local c
  for c in "${INTENTD_BIN:-}" "$REPO/build-main/intentd" "$REPO/build/intentd"; do
    if [[ -n $c && -x $c ]]; then echo "$c"; return 0; fi
  done
  echo "intentd binary not found: set INTENTD_BIN" >&2
  return 1
}

# The machine load, to print beside every figure.
bench_load() { echo "load: $(uptime | sed 's/.*load average/load average/'), $(nproc) cores"; }

intentd_stop() {
  if [[ -n ${INTENTD_PID:-} ]] && kill -0 "$INTENTD_PID" 2>/dev/null; then
    kill -TERM "$INTENTD_PID"
    for _ in $(seq 150); do
      kill -0 "$INTENTD_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$INTENTD_PID" 2>/dev/null && kill -KILL "$INTENTD_PID"
    INTENTD_EXIT=0
    wait "$INTENTD_PID" 2>/dev/null || INTENTD_EXIT=$?
  fi
  INTENTD_PID=
}

intentd_kill() {
  if [[ -n ${INTENTD_PID:-} ]]; then
    kill -KILL "$INTENTD_PID" 2>/dev/null || true
    INTENTD_EXIT=0
    wait "$INTENTD_PID" 2>/dev/null || INTENTD_EXIT=$?
  fi
  INTENTD_PID=
}

bench_cleanup() {
  intentd_stop
  if [[ -n ${WORK:-} && -z ${KEEP:-} ]]; then rm -rf "$WORK"; fi
}

# Memory of the running intentd from /proc, in MB: mem VmRSS|RssAnon|RssFile|VmHWM
mem() { awk -v k="$1" '$1 == k":" {printf "%d", $2 / 1024}' "/proc/$INTENTD_PID/status"; }

intentd_start() {
  local bin port
  bin=$(find_intentd)
  WORK=${WORK:-$(mktemp -d /tmp/intentd-bench.XXXXXX)}
  mkdir -p "$WORK"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  if [[ -z ${INTENTD_HOSTPORT:-} ]]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    INTENTD_HOSTPORT=127.0.0.1:$port
    INTENTD_URL=http://$INTENTD_HOSTPORT
  fi
  {
    printf 'server:\n  listen: "%s"\n' "$INTENTD_HOSTPORT"
    # More server keys, indented by two spaces: SERVER_YAML="  max_connections: 20000"
    [[ -n ${SERVER_YAML:-} ]] && printf '%s\n' "$SERVER_YAML"
    printf 'storage:\n  path: "%s/data"\n  sync: %s\n' "$WORK" "${SYNC:-true}"
    # storage.write_path: WRITE_PATH=log (default lmdb)
    printf '  write_path: %s\n' "${WRITE_PATH:-lmdb}"
    # More storage keys the same way: STORAGE_YAML="  max_wait_us: 1000"
    [[ -n ${STORAGE_YAML:-} ]] && printf '%s\n' "$STORAGE_YAML"
    # Every request comes from 127.0.0.1: no rate limits in benchmarks.
    printf 'rate_limits:\n  enabled: false\n'
    printf '%s\n' "$1"
  } > "$WORK/intentd.yaml"
  local t0
  t0=$(date +%s%N)
  "$bin" --config "$WORK/intentd.yaml" >> "$WORK/intentd.log" 2>&1 &
  INTENTD_PID=$!
  # Polls /readyz every 10 ms for up to READY_TIMEOUT_S (default 120 s).
  if READY_S=$(python3 - "$INTENTD_URL" "$INTENTD_PID" "$t0" "${READY_TIMEOUT_S:-120}" <<'PY'
import http.client, os, sys, time, urllib.parse
url, pid, t0, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
u = urllib.parse.urlsplit(url)
while time.time_ns() - t0 < limit * 1e9:
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=2)
        c.request("GET", "/readyz")
        if c.getresponse().status == 200:
            print(f"{(time.time_ns() - t0) / 1e9:.3f}")
            sys.exit(0)
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    time.sleep(0.01)
sys.exit(1)
PY
  ); then
    return 0
  fi
  echo "intentd did not start; log:" >&2
  tail -50 "$WORK/intentd.log" >&2
  return 1
}

# Counts the intents in each status over the list API:
#   count_status STATUS...   -> "STATUS N" lines and "total N"
count_status() { python3 "$BENCH/count_status.py" "$INTENTD_URL" "$@"; }

# CPU seconds (user + system) intentd has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$INTENTD_PID/stat"; }

# The machine's CPU counters (the "cpu" line of /proc/stat), for
# machine_split: on a virtual machine, time the host gave to others (steal)
# does not show in the load average.
machine_ticks() { awk '$1 == "cpu" {print $2 + $3, $4 + $7 + $8, $5, $6, $9; exit}' /proc/stat; }

# How the machine's CPU time went between two machine_ticks:
#   machine_split "$(machine_ticks)" "$(machine_ticks)"
machine_split() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    split(a, x, " "); split(b, y, " "); total = 0
    for (i = 1; i <= 5; i++) { d[i] = y[i] - x[i]; total += d[i] }
    if (total <= 0) exit
    printf "machine CPU during the run: user %.0f %%, system %.0f %%, idle %.0f %%, iowait %.0f %%, steal %.0f %%\n",
      100 * d[1] / total, 100 * d[2] / total, 100 * d[3] / total, 100 * d[4] / total, 100 * d[5] / total
  }'
}

# Storage writer figures from /metrics: commits, records, and the writer's
# busy time per 1,000 records.
storage_figures() {
  curl -s "$INTENTD_URL/metrics" | awk '
    /^storage_commit_duration_seconds_sum/ {busy = $2}
    /^storage_commit_duration_seconds_count/ {commits = $2}
    /^storage_commit_batch_size_sum/ {records = $2}
    END {if (commits > 0 && records > 0)
      printf "storage: %d commits of %.1f records on average, writer busy %.1f s (%.1f ms per 1,000 records)\n",
        commits, records / commits, busy, busy * 1e6 / records}'
}

# Bytes appended to the store's write log so far (storage_log_bytes_total;
# empty on the LMDB write path).
log_bytes() {
  curl -s "$INTENTD_URL/metrics" | awk '/^storage_log_bytes_total/ {printf "%.0f", $2}'
}

# The block device holding storage.path, as /proc/diskstats names it (the
# partition when it is one): from the directory's st_dev through /sys/dev/block.
storage_device() {
  local dev
  dev=$(stat -c '%Hd:%Ld' "$WORK/data")
  sed -n 's/^DEVNAME=//p' "/sys/dev/block/$dev/uevent"
}

# Bytes the device has been asked to write so far (sectors of 512 bytes,
# field 10 of /proc/diskstats). The whole device: other processes' writes
# count too (see write_figures' background rate).
device_bytes() { awk -v d="$1" '$3 == d {printf "%.0f", $10 * 512}' /proc/diskstats; }

# Bytes intentd caused to be written (write_bytes of /proc/PID/io: page-cache
# pages it dirtied, counted when dirtied).
proc_write_bytes() { awk '$1 == "write_bytes:" {print $2}' "/proc/$INTENTD_PID/io"; }

# "TID write_bytes" for each thread of intentd (/proc/PID/task/TID/io).
thread_write_bytes() {
  local t
  for t in /proc/"$INTENTD_PID"/task/*; do
    awk -v t="${t##*/}" '$1 == "write_bytes:" {print t, $2}' "$t/io" 2>/dev/null
  done
}

# The write figures of a run: write_figures DEVICE DEV_BEFORE DEV_AFTER
# PROC_BEFORE PROC_AFTER SECONDS INTENTS BACKGROUND_BYTES_PER_S.
write_figures() {
  awk -v dev="$1" -v d0="$2" -v d1="$3" -v p0="$4" -v p1="$5" -v s="$6" \
      -v n="$7" -v bg="$8" 'BEGIN {if (n > 0) {
    d = d1 - d0; p = p1 - p0; net = d - bg * s
    printf "device %s: %.1f MB written in %.1f s, %.0f bytes per intent (%.0f after the %.0f KB/s written before the run by others)\n",
      dev, d / 1e6, s, d / n, (net > 0 ? net : 0) / n, bg / 1e3
    printf "intentd write_bytes (/proc/PID/io): %.1f MB, %.0f bytes per intent\n", p / 1e6, p / n}}'
}

# The threads of intentd that dirtied the most pages between two
# thread_write_bytes listings, with their share: thread_split FILE0 FILE1 N.
thread_split() {
  awk -v n="$3" 'NR == FNR {a[$1] = $2; next} {d = $2 - a[$1]; if (d > 0) {w[$1] = d; t += d}}
    END {for (k in w) if (w[k] * 20 >= t)
      printf "  thread %s: %.1f MB, %.0f bytes per intent (%.0f %%)\n", k, w[k] / 1e6, w[k] / n, 100 * w[k] / t}' "$1" "$2"
}

# strace of intentd's write and sync calls for SECONDS, summed per file:
# calls, bytes and syncs, with the threads that made them.
strace_writes() {
  local pid
  strace -f -qq -y -p "$INTENTD_PID" -o "$WORK/strace.out" \
    -e trace=write,pwrite64,writev,pwritev,fdatasync,fsync,msync > /dev/null 2>&1 &
  pid=$!
  sleep "$1"
  kill -TERM "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  awk '{
      tid = $1
      if (!match($0, /^[0-9]+ +[a-z0-9]+\([0-9]+<[^>]*>/)) next
      call = $2; sub(/\(.*/, "", call)
      file = $0; sub(/^[^<]*</, "", file); sub(/>.*/, "", file)
      ret = $NF
      if (call ~ /sync/) {syncs[file]++} else if (ret + 0 > 0) {calls[file]++; bytes[file] += ret}
      tids[file] = tids[file] (index(tids[file], " " tid " ") ? "" : " " tid " ")
      seen[file] = 1
    }
    END {for (f in seen) printf "  %s: %d write calls, %.1f MB, %d syncs; threads%s\n", f, calls[f], bytes[f] / 1e6, syncs[f], tids[f]}' \
    "$WORK/strace.out" | sort
}

# "FILE pages last_txn" for both LMDB environments (mdb_stat -e, read only):
# pages in use and the last transaction id.
mdb_pages() {
  command -v mdb_stat > /dev/null || return 0
  local f
  for f in "$WORK/data" "$WORK/data/chain"; do
    mdb_stat -e "$f" 2> /dev/null | awk -v f="${f#"$WORK"/}/data.mdb" '
      /Number of pages used/ {p = $NF} /Last transaction ID/ {t = $NF}
      END {print f, p + 0, t + 0}'
  done
}

# Growth of each environment between two mdb_pages listings.
mdb_pages_split() {
  awk -v n="$3" 'NR == FNR {p[$1] = $2; t[$1] = $3; next}
    {if (n > 0) printf "  %s: %d commits, %d pages in use more (%.0f bytes per intent)\n",
       $1, $3 - t[$1], $2 - p[$1], ($2 - p[$1]) * 4096 / n}' "$1" "$2"
}

# Intent records LMDB holds (mdb_stat; the write log's tail not yet
# checkpointed is not counted).
stored() {
  if [[ -f $WORK/data/data.mdb ]]; then
    mdb_stat -s records "$WORK/data" | awk '$1 == "Entries:" {print $2}'
  else
    echo 0
  fi
}

# Loads intents that complete into the running intentd (whose chain should
# have zero latency) with wrk and submit.lua, in chunks, until LMDB holds
# TARGET records or LIMIT_S seconds passed, then waits for none to be live:
#   load_completed TARGET [LIMIT_S=900]
load_completed() {
  local target=$1 limit=${2:-900} have t0 rate left secs before
  command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; return 1; }
  command -v mdb_stat > /dev/null || { echo "mdb_stat is missing: apt-get install lmdb-utils" >&2; return 1; }
  have=$(stored)
  echo "loading $target completed intents; $have stored already; $(bench_load)"
  t0=$(date +%s)
  rate=2000
  while (( have < target )); do
    left=$(( limit - ($(date +%s) - t0) ))
    if (( left <= 0 )); then echo "load time limit ${limit} s reached" >&2; break; fi
    secs=$(( (target - have) / rate + 1 ))
    (( secs > 120 )) && secs=120
    (( secs > left )) && secs=$left
    before=$have
    timeout $((secs + 30)) wrk -t2 -c32 -d"${secs}s" --timeout 10s -s "$BENCH/submit.lua" \
      "$INTENTD_URL/api/v1/intents" > "$WORK/wrk.out"
    # The write log's tail reaches LMDB at the next checkpoint.
    sleep 2
    have=$(stored)
    rate=$(( (have - before) / secs ))
    (( rate < 100 )) && rate=100
    echo "  $have stored after $(( $(date +%s) - t0 )) s ($rate/s in the last ${secs} s; $(grep 'status codes' "$WORK/wrk.out"))"
  done
  count_status --live-wait 300 failed expired cancelled > "$WORK/final.out" || true
  cat "$WORK/final.out"
}

# The durable counts of /metrics (intents_by_status), one "status N" line
# each, sorted.
status_gauges() {
  curl -s "$INTENTD_URL/metrics" |
    sed -n 's/^intents_by_status{status="\([a-z]*\)"} \([0-9.e+]*\)$/\1 \2/p' |
    awk '{printf "%s %d\n", $1, $2}' | sort
}
