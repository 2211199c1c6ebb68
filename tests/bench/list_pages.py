#!/usr/bin/env python3
"""Pages through GET /api/v1/intents with the cursor to the end and reports
how long pages take at the start, the middle and the end of the listing, so
that a slowdown with depth shows.

    list_pages.py URL [--status completed] [--user U] [--limit 1000]
                      [--max-pages N]
"""
import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--status")
    ap.add_argument("--user")
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--max-pages", type=int, default=0)
    a = ap.parse_args()

    u = urllib.parse.urlsplit(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    params = {"limit": str(a.limit)}
    if a.status:
        params["status"] = a.status
    if a.user:
        params["user"] = a.user
    cursor, times, seen, ids = None, [], 0, set()
    t_all = time.perf_counter()
    while True:
        q = dict(params)
        if cursor:
            q["cursor"] = cursor
        t0 = time.perf_counter()
        conn.request("GET", "/api/v1/intents?" + urllib.parse.urlencode(q))
        resp = conn.getresponse()
        body = resp.read()
        times.append((time.perf_counter() - t0) * 1000)
        if resp.status != 200:
            print(f"page {len(times)}: HTTP {resp.status} {body[:200]!r}")
            return 1
        page = json.loads(body)
        for item in page["items"]:
            ids.add(item["id"])
        seen += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor or (a.max_pages and len(times) >= a.max_pages):
            break
    total = time.perf_counter() - t_all
    n = len(times)
    tenth = max(1, n // 10)
    parts = {"first": times[:tenth], "middle": times[n // 2 - tenth // 2:
                                                      n // 2 + tenth // 2 + 1],
             "last": times[-tenth:]}
    print(f"{seen} records in {n} pages of {a.limit} in {total:.1f} s; "
          f"{len(ids)} distinct ids ({'no' if len(ids) == seen else 'SOME'} "
          f"repeated)")
    for name, xs in parts.items():
        print(f"  {name:6} tenth of the pages: median {statistics.median(xs):.1f} ms, "
              f"p99 {percentile(xs, 99):.1f} ms")
    return 0 if len(ids) == seen else 1


if __name__ == "__main__":
    sys.exit(main())
