#!/usr/bin/env python3
"""Counts intents per status by paging GET /api/v1/intents?status=S.

  count_status.py URL STATUS... [--live-wait SECONDS]

Prints one "STATUS N" line per status and "total N". With --live-wait S, first
waits up to S seconds for pending, verified and executing to be empty (exit 1
if some stay live). Standard library only.
"""
import json
import sys
import time
import urllib.request

LIVE = ("pending", "verified", "executing")


def count(base, status):
    n, cursor = 0, ""
    while True:
        url = f"{base}/api/v1/intents?status={status}&limit=1000"
        if cursor:
            url += f"&cursor={cursor}"
        page = json.load(urllib.request.urlopen(url, timeout=120))
        n += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return n


def main():
    args = sys.argv[1:]
    wait = None
    if "--live-wait" in args:
        i = args.index("--live-wait")
        wait = float(args[i + 1])
        del args[i:i + 2]
    base, statuses = args[0], args[1:]
    code = 0
    if wait is not None:
        deadline = time.time() + wait
        t0 = time.time()
        while True:
            live = sum(count(base, s) for s in LIVE)
            if not live or time.time() > deadline:
                break
            time.sleep(1)
        print(f"live after {time.time() - t0:.1f} s of waiting: {live}")
        code = 1 if live else 0
    total = 0
    for s in statuses:
        n = count(base, s)
        total += n
        print(f"{s} {n}")
    print(f"total {total}")
    sys.exit(code)


if __name__ == "__main__":
    main()
