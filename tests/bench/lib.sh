# Shared helpers for the benchmark scripts: source it, then call
# intentd_start CONFIG_BODY (YAML without server/storage), which starts intentd
# on a free 127.0.0.1 port in a temp directory and stops it on exit.
# Sets INTENTD_PID, INTENTD_URL, INTENTD_HOSTPORT, WORK.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

find_intentd() {
  local c
  for c in "${INTENTD_BIN:-}" "$REPO/build-main/intentd" "$REPO/build/intentd"; do
    if [[ -n $c && -x $c ]]; then echo "$c"; return 0; fi
  done
  echo "intentd binary not found: set INTENTD_BIN" >&2
  return 1
}

intentd_stop() {
  if [[ -n ${INTENTD_PID:-} ]] && kill -0 "$INTENTD_PID" 2>/dev/null; then
    kill -TERM "$INTENTD_PID"
    for _ in $(seq 50); do
      kill -0 "$INTENTD_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$INTENTD_PID" 2>/dev/null && kill -KILL "$INTENTD_PID"
    INTENTD_EXIT=0
    wait "$INTENTD_PID" 2>/dev/null || INTENTD_EXIT=$?
  fi
  INTENTD_PID=
}

bench_cleanup() {
  intentd_stop
  if [[ -n ${WORK:-} && -z ${KEEP:-} ]]; then rm -rf "$WORK"; fi
}

intentd_start() {
  local bin port
  bin=$(find_intentd)
  WORK=${WORK:-$(mktemp -d /tmp/intentd-bench.XXXXXX)}
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  INTENTD_HOSTPORT=127.0.0.1:$port
  INTENTD_URL=http://$INTENTD_HOSTPORT
  {
    printf 'server:\n  listen: "%s"\n' "$INTENTD_HOSTPORT"
    printf 'storage:\n  path: "%s/data"\n  sync: %s\n' "$WORK" "${SYNC:-true}"
    printf '%s\n' "$1"
  } > "$WORK/intentd.yaml"
  "$bin" --config "$WORK/intentd.yaml" > "$WORK/intentd.log" 2>&1 &
  INTENTD_PID=$!
  for _ in $(seq 100); do
    if curl -sf "$INTENTD_URL/readyz" > /dev/null; then return 0; fi
    kill -0 "$INTENTD_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "intentd did not start; log:" >&2
  cat "$WORK/intentd.log" >&2
  return 1
}
