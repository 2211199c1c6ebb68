#!/usr/bin/env python3
"""Submits COUNT unique intents to intentd over keep-alive connections.

  submit_many.py URL COUNT [THREADS] [ID_PREFIX]

Mixed swap/transfer/stake bodies, a distinct user and amount per request; ids
are ID_PREFIX0 .. ID_PREFIX<COUNT-1> when ID_PREFIX is given, else left to the
server. Prints the rate and the status codes; exits 1 unless every
answer was 202. Standard library only.
"""
import collections
import concurrent.futures as futures
import http.client
import json
import sys
import time
import urllib.parse


def body(i, prefix=None):
    extra = {"id": f"{prefix}{i}"} if prefix else {}
    user = f"rss-{i % 5000}.near"
    amount = f"1.{i % 1000000:06d}"
    kind = i % 3
    if kind == 0:
        return extra | {"user_account": user, "action": "swap", "input_token": "usdc.near",
                "input_amount": amount, "output_token": "usdt.near",
                "min_output_amount": "1"}
    if kind == 1:
        return extra | {"user_account": user, "action": "transfer", "input_token": "usdt.near",
                "input_amount": amount, "recipient": "bob.near"}
    return extra | {"user_account": user, "action": "stake", "input_token": "wrap.near",
            "input_amount": amount, "recipient": "pool.near"}


def worker(url, start, step, count, prefix):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    codes = collections.Counter()
    for i in range(start, count, step):
        data = json.dumps(body(i, prefix))
        for attempt in range(3):
            try:
                conn.request("POST", "/api/v1/intents", data,
                             {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                codes[resp.status] += 1
                break
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        else:
            codes["error"] += 1
    conn.close()
    return codes


def main():
    url, count = sys.argv[1], int(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    prefix = sys.argv[4] if len(sys.argv) > 4 else None
    t0 = time.time()
    total = collections.Counter()
    with futures.ThreadPoolExecutor(threads) as pool:
        for c in pool.map(lambda k: worker(url, k, threads, count, prefix), range(threads)):
            total.update(c)
    secs = time.time() - t0
    print(f"submitted {count} in {secs:.1f} s ({count / secs:.0f}/s) over {threads}"
          f" connections; status codes {dict(total)}", flush=True)
    sys.exit(0 if total[202] == count else 1)


if __name__ == "__main__":
    main()
