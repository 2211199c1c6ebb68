#!/usr/bin/env python3
"""Rate limits hold for the whole cluster: three real intentd nodes on
loopback with low limits, requests spread round-robin over the nodes.

  * per address: 60 submissions from one client address, one through each
    node in turn, with a rule of 30 per 10 minutes: at most 30 (+10%) are
    accepted, the rest answered 429 with Retry-After; each accepted answer's
    RateLimit-Remaining is the cluster's remaining budget, not one node's.
  * per account: 36 submissions of one account from 36 addresses
    (X-Forwarded-For from a trusted proxy), a rule of 12: at most 12 (+10%)
    accepted, with the account's cluster-wide remaining in the headers.
  * a lost home: with the home node of an address stopped (SIGSTOP), the
    other nodes count that address themselves: still limited (at most the
    limit per node, never unlimited), and cluster_rate_local_counts_total
    says so.

  tests/cluster/rate_limit_test.py [--binary PATH] [--keep]

Exit status 0 when every check passed, 1 when one failed, 2 when the test
could not run. Standard library only; everything runs on 127.0.0.1.
"""

import argparse
import concurrent.futures as futures
import http.client
import json
import os
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cluster_test import (NAMES, Daemon, Failures, all_up, clean_up,  # noqa: E402
                          free_ports, stop_nodes, print_log_tails,
                          ids_owned_by, make_intent, node_config, owner_of,
                          scrape, states, wait_for)

IP_LIMIT = 30
USER_LIMIT = 12
RATE_LIMITS = f"""rate_limits:
  trusted_proxies: ["127.0.0.1"]
  rules:
    - {{name: submit_per_ip, key: ip, routes: [submit], limit: {IP_LIMIT}, window_s: 600, algorithm: sliding_window}}
    - {{name: user_submits, key: user_account, routes: [submit], limit: {USER_LIMIT}, window_s: 600, algorithm: sliding_window}}
"""


def config(name, storage, mm, http_ports):
    text = node_config(name, storage, mm, http_ports)
    assert "rate_limits:\n  enabled: false\n" in text
    return text.replace("rate_limits:\n  enabled: false\n", RATE_LIMITS)


def submit(port, body, forwarded_for=None):
    """(status, headers as a dict, parsed body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    headers = {"Content-Type": "application/json"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    try:
        c.request("POST", "/api/v1/intents", json.dumps(body), headers)
        r = c.getresponse()
        text = r.read().decode()
        try:
            js = json.loads(text)
        except ValueError:
            js = None
        return r.status, dict(r.getheaders()), js
    finally:
        c.close()


def intent(iid, user):
    body = make_intent(iid, 1)
    body["user_account"] = user
    return body


def check_answer(f, what, status, headers, js):
    """An accepted answer or a 429 with its headers; nothing else."""
    if status == 429:
        f.check(int(headers.get("Retry-After", "0")) >= 1,
                f"{what}: 429 without Retry-After: {headers}")
        f.check(headers.get("RateLimit-Remaining") == "0",
                f"{what}: 429 with RateLimit-Remaining "
                f"{headers.get('RateLimit-Remaining')}")
        f.check((js or {}).get("error", {}).get("code") == "rate_limited",
                f"{what}: 429 body {js}")
        return False
    f.check(status == 202, f"{what}: answered {status} {js}")
    return status == 202


def per_address(f, ports):
    """One address, round-robin over the nodes."""
    accepted, remaining = 0, []
    for k in range(2 * IP_LIMIT):
        via = NAMES[k % 3]
        status, headers, js = submit(ports[via],
                                     intent(f"rl-ip-{k}", f"rl-ip-user-{k}.near"))
        if check_answer(f, f"address request {k} via {via}", status, headers, js):
            accepted += 1
            if headers.get("RateLimit-Limit") == str(IP_LIMIT):
                remaining.append((k, int(headers["RateLimit-Remaining"])))
        else:
            f.check(headers.get("RateLimit-Limit") == str(IP_LIMIT),
                    f"address request {k}: 429 names limit "
                    f"{headers.get('RateLimit-Limit')}")
    print(f"per address: {accepted} of {2 * IP_LIMIT} accepted, limit "
          f"{IP_LIMIT}", flush=True)
    f.check(IP_LIMIT <= accepted <= IP_LIMIT * 1.1,
            f"per address: {accepted} accepted across the cluster, limit "
            f"{IP_LIMIT}")
    # The k-th request left limit - k - 1 in the whole cluster.
    f.check(len(remaining) >= IP_LIMIT // 3,
            f"per address: only {len(remaining)} answers name the address rule")
    for k, left in remaining:
        f.check(abs(left - (IP_LIMIT - k - 1)) <= 1,
                f"per address: request {k} says {left} left, the cluster has "
                f"{IP_LIMIT - k - 1}")


def per_account(f, ports):
    """One account from many addresses, round-robin over the nodes."""
    user = "rl-account.near"
    n = 3 * USER_LIMIT
    accepted = 0
    for k in range(n):
        via = NAMES[k % 3]
        status, headers, js = submit(ports[via], intent(f"rl-user-{k}", user),
                                     forwarded_for=f"10.20.0.{k + 1}")
        if check_answer(f, f"account request {k} via {via}", status, headers,
                        js):
            f.check(headers.get("RateLimit-Limit") == str(USER_LIMIT) and
                    headers.get("RateLimit-Remaining") ==
                    str(USER_LIMIT - accepted - 1),
                    f"account request {k} (accepted {accepted} before): "
                    f"limit {headers.get('RateLimit-Limit')} remaining "
                    f"{headers.get('RateLimit-Remaining')}")
            accepted += 1
        else:
            f.check(headers.get("RateLimit-Limit") == str(USER_LIMIT),
                    f"account request {k}: 429 names limit "
                    f"{headers.get('RateLimit-Limit')}")
    print(f"per account: {accepted} of {n} accepted, limit {USER_LIMIT}",
          flush=True)
    f.check(USER_LIMIT <= accepted <= USER_LIMIT * 1.1,
            f"per account: {accepted} accepted across the cluster, limit "
            f"{USER_LIMIT}")


def lost_home(f, ports, daemons):
    """The home of an address stopped: the others count it themselves."""
    ip = next(f"10.30.0.{i}" for i in range(1, 255)
              if owner_of(f"10.30.0.{i}") == "n3")
    alive = ["n1", "n2"]
    ids = {n: ids_owned_by(n, f"rl-lost-{n}", 2 * IP_LIMIT) for n in alive}
    daemons["n3"].proc.send_signal(signal.SIGSTOP)
    try:
        wait_for("n1 and n2 to see n3 down",
                 lambda: all(states(ports[n]).get("n3") == "down"
                             for n in alive), 20)
        accepted = 0
        n = 3 * IP_LIMIT
        for k in range(n):
            via = alive[k % 2]
            status, headers, js = submit(
                ports[via], intent(ids[via][k // 2], f"rl-lost-user-{k}.near"),
                forwarded_for=ip)
            if check_answer(f, f"lost-home request {k} via {via}", status,
                            headers, js):
                accepted += 1
        print(f"home of {ip} stopped: {accepted} of {n} accepted through two "
              f"nodes, limit {IP_LIMIT} each", flush=True)
        f.check(IP_LIMIT <= accepted <= 2 * IP_LIMIT,
                f"home of {ip} stopped: {accepted} accepted through two "
                f"nodes counting alone, limit {IP_LIMIT}")
        for via in alive:
            samples, _ = scrape(ports[via])
            here = samples.get('cluster_rate_local_counts_total{node="n3"}', 0)
            f.check(here >= 1, f"{via}: cluster_rate_local_counts_total of n3 "
                    f"is {here}")
    finally:
        daemons["n3"].proc.send_signal(signal.SIGCONT)
    wait_for("n3 to answer again", lambda: all_up(ports), 20)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(
        os.path.dirname(os.path.dirname(HERE)), "build", "intentd"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        print(f"no intentd binary at {args.binary}")
        return 2
    work = tempfile.mkdtemp(prefix="intentd-rate-")
    mm = free_ports(3)
    http_ports = free_ports(3)
    ports = {n: http_ports[i] for i, n in enumerate(NAMES)}
    daemons = {}
    f = Failures()
    try:
        for n in NAMES:
            d = os.path.join(work, n)
            os.makedirs(d)
            cfg = os.path.join(d, "intentd.yaml")
            with open(cfg, "w") as out:
                out.write(config(n, os.path.join(d, "data"), mm, http_ports))
            daemons[n] = Daemon(args.binary, d, cfg)
        with futures.ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda n: daemons[n].start(), NAMES))
        wait_for("every node to see every other up", lambda: all_up(ports), 20)
        per_address(f, ports)
        per_account(f, ports)
        lost_home(f, ports, daemons)
        stop_nodes(f, daemons)
    except RuntimeError as e:
        f.check(False, str(e))
        print_log_tails(daemons)
    finally:
        clean_up(daemons, work, args.keep)
    if f.items:
        print(f"cluster rate-limit test: {len(f.items)} checks failed")
        return 1
    print("cluster rate-limit test: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
