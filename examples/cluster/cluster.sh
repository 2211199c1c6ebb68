#!/usr/bin/env bash
# Runs the three example nodes (examples/cluster/n1.yaml .. n3.yaml) on this
# machine, in the background.
#
#   bash examples/cluster/cluster.sh          # start (same as `start`)
#   bash examples/cluster/cluster.sh start    # start, wait until every node sees every node up
#   bash examples/cluster/cluster.sh status   # each node's process and its view of the cluster
#   bash examples/cluster/cluster.sh stop     # SIGTERM to each node, wait for it to exit
#
# The binary is $INTENTD, else ./build/intentd (bash examples/quickstart.sh
# --no-run builds it). Everything runs from the repository's root: each
# node keeps its storage in ./data-nN (as its config says), its log in
# $CLUSTER_RUN/nN.log and its pid in $CLUSTER_RUN/nN.pid, with CLUSTER_RUN
# ./cluster-run unless set. Needs curl.
set -euo pipefail
cd "$(dirname "$0")/../.."

NODES=(n1 n2 n3)
BIN=${INTENTD:-./build/intentd}
RUN=${CLUSTER_RUN:-./cluster-run}
WAIT_S=${CLUSTER_WAIT_S:-30}

config_of() { echo "examples/cluster/$1.yaml"; }

# The node's HTTP address: server.listen in its config.
http_of() {
  sed -n '/^server:/,/^[^ #]/s/^ *listen: *"\{0,1\}\([^"]*\)"\{0,1\} *$/\1/p' \
    "$(config_of "$1")" | head -n 1
}

pid_of() {
  local f="$RUN/$1.pid"
  [[ -f $f ]] || return 1
  local pid
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2> /dev/null && echo "$pid"
}

# GET /api/v1/cluster on a node; empty when it does not answer 200.
cluster_view() {
  curl -fsS --max-time 2 "http://$(http_of "$1")/api/v1/cluster" 2> /dev/null || true
}

# "n1=self n2=up n3=down" from a GET /api/v1/cluster body.
states_of() {
  grep -o '"name" *: *"[^"]*"\|"state" *: *"[^"]*"' <<< "$1" |
    sed 's/.*: *"\(.*\)"/\1/' | paste -d= - - | paste -sd' ' -
}

# True when node $1 sees itself and every other node up.
sees_all_up() {
  local view states n
  view=$(cluster_view "$1")
  [[ -n $view ]] || return 1
  states=" $(states_of "$view") "
  for n in "${NODES[@]}"; do
    if [[ $n == "$1" ]]; then
      [[ $states == *" $n=self "* ]] || return 1
    else
      [[ $states == *" $n=up "* ]] || return 1
    fi
  done
}

start() {
  command -v curl > /dev/null || { echo "cluster.sh needs curl" >&2; exit 1; }
  [[ -x $BIN ]] || {
    echo "no intentd at $BIN: build it (bash examples/quickstart.sh --no-run) or set INTENTD" >&2
    exit 1
  }
  mkdir -p "$RUN"
  local n pid started=()
  for n in "${NODES[@]}"; do
    if pid=$(pid_of "$n"); then
      echo "$n is already running (pid $pid)"
      continue
    fi
    "$BIN" --check-config "$(config_of "$n")" > /dev/null
    nohup "$BIN" --config "$(config_of "$n")" >> "$RUN/$n.log" 2>&1 < /dev/null &
    echo $! > "$RUN/$n.pid"
    started+=("$n")
    echo "started $n (pid $!, http $(http_of "$n"), log $RUN/$n.log)"
  done

  echo "waiting up to ${WAIT_S} s for every node to see every node up"
  local deadline=$((SECONDS + WAIT_S)) waiting
  while :; do
    waiting=()
    for n in "${NODES[@]}"; do
      if ! pid_of "$n" > /dev/null; then
        echo "$n exited; the end of $RUN/$n.log:" >&2
        tail -n 20 "$RUN/$n.log" >&2
        exit 1
      fi
      sees_all_up "$n" || waiting+=("$n")
    done
    ((${#waiting[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      echo "not every node sees the others up after ${WAIT_S} s: ${waiting[*]}" >&2
      status >&2
      exit 1
    fi
    sleep 0.2
  done

  local h1 h2
  h1=$(http_of n1)
  h2=$(http_of n2)
  cat << EOF
The cluster is up: each node sees n1, n2 and n3 up.

Any node serves any request; the answer names the node that owns the intent:
  curl -s -X POST http://$h1/api/v1/intents -H 'Content-Type: application/json' \\
    -d '{"user_account":"alice.near","action":"transfer","input_token":"usdc.near",
         "input_amount":"10","recipient":"bob.near"}'
  curl -s http://$h2/api/v1/intents/<id>                 # read it through another node
  curl -s "http://$h2/api/v1/intents?user=alice.near"    # listed from every node
  curl -s http://$h1/api/v1/cluster                      # how n1 sees the nodes
  curl -s http://$h1/readyz                              # includes the cluster check
  curl -s http://$h1/metrics | grep ^cluster_            # the cluster families

Try a failure: kill -9 \$(cat $RUN/n2.pid), then read one of n2's intents
through n1 (503 node_unavailable), and start it again with
bash examples/cluster/cluster.sh start.

bash examples/cluster/cluster.sh status    # processes and views
bash examples/cluster/cluster.sh stop      # stops the three nodes
EOF
}

status() {
  local n pid view
  for n in "${NODES[@]}"; do
    if pid=$(pid_of "$n"); then
      view=$(cluster_view "$n")
      if [[ -n $view ]]; then
        echo "$n: running (pid $pid, http $(http_of "$n")); sees $(states_of "$view")"
      else
        echo "$n: running (pid $pid, http $(http_of "$n")); not answering HTTP"
      fi
    else
      echo "$n: not running"
    fi
  done
}

stop() {
  local n pid pids=() names=()
  for n in "${NODES[@]}"; do
    if pid=$(pid_of "$n"); then
      kill -TERM "$pid"
      pids+=("$pid")
      names+=("$n")
      echo "sent SIGTERM to $n (pid $pid)"
    fi
    rm -f "$RUN/$n.pid"
  done
  local i deadline=$((SECONDS + WAIT_S))
  for i in "${!pids[@]}"; do
    while kill -0 "${pids[$i]}" 2> /dev/null; do
      if ((SECONDS >= deadline)); then
        echo "${names[$i]} (pid ${pids[$i]}) has not exited after ${WAIT_S} s; sending SIGKILL" >&2
        kill -KILL "${pids[$i]}" 2> /dev/null || true
        break
      fi
      sleep 0.1
    done
    echo "${names[$i]} stopped"
  done
  ((${#pids[@]})) || echo "no node was running"
}

case ${1:-start} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 [start|status|stop]" >&2
    exit 2
    ;;
esac
