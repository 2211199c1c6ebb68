#!/usr/bin/env python3
"""Cluster benchmark: what a forward to the owner costs.

Starts three intentd nodes on 127.0.0.1 (tests/cluster/cluster_test.py's
configs, chain latency 0), stores COUNT intents owned by n1 and COUNT owned
by n2, then with wrk against n1 alternates reads of n1's intents (direct)
and of n2's (forwarded over CAF to n2), ROUNDS times each, and reports the
ratio of forwarded to direct reads per second and both latencies. The
intents have ended by then, so n1 answers forwarded reads from its near
cache after the first (cluster.near_cache_entries); --near-cache off turns
it off on every node, and --near-cache compare turns it off on n3 only and
measures the same pair through n3 too (n3's intents direct, n2's
forwarded over the network), in the same rounds. Then the
same for submissions (a Python client with 16 threads: ids n1 owns, ids n2
owns). Last, the time from kill -9 of n2 to n1's first 503 for its intents,
and from n2's restart to the first 200.

  tests/bench/cluster_bench.py [--count 5000] [--seconds 5] [--rounds 3]
                               [--connections 32] [--binary build/intentd]
                               [--reads-only] [--near-cache on|off|compare]

The machine has two cores shared by the three nodes and the client: the
figures are ratios measured in one run, not a scaling claim.
"""

import argparse
import concurrent.futures as futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "cluster"))
sys.path.insert(0, os.path.join(REPO, "tests", "crash"))
import cluster_test as ct  # noqa: E402
from crash_test import Client, Daemon, make_intent  # noqa: E402


def wrk_reads(port, ids_file, seconds, conns):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s",
         "--latency", "-s", os.path.join(HERE, "read_ids.lua"),
         f"http://127.0.0.1:{port}", "--", ids_file],
        capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"p50 ([\d.]+) ms, p90 [\d.]+ ms, p99 ([\d.]+) ms", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(m.group(1)), float(m.group(2)), int(bad.group(1)) if bad else 0


def submit_timed(port, bodies):
    """(submissions per second, p50 ms, p99 ms, non-202 count)."""
    lat = []

    def one(body):
        c = Client(port, timeout=15)
        t = time.perf_counter()
        status, _, _ = c.request("POST", "/api/v1/intents", body)
        lat.append((time.perf_counter() - t) * 1000)
        c.close()
        return status
    t0 = time.perf_counter()
    with futures.ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(one, bodies))
    took = time.perf_counter() - t0
    lat.sort()
    return (len(bodies) / took, lat[len(lat) // 2], lat[int(len(lat) * 0.99)],
            sum(1 for s in statuses if s != 202))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "intentd"))
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--reads-only", action="store_true",
                    help="stop after the reads (no submissions, no kill -9)")
    ap.add_argument("--near-cache", choices=("on", "off", "compare"),
                    default="on",
                    help="near cache on every node, on none, or on n1 and "
                         "not n3 with reads measured through both")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk")
        return 2
    work = tempfile.mkdtemp(prefix="intentd-cluster-bench-")
    mm, http_ports = ct.free_ports(3), ct.free_ports(3)
    ports = {n: http_ports[i] for i, n in enumerate(ct.NAMES)}
    daemons = {}
    try:
        for n in ct.NAMES:
            d = os.path.join(work, n)
            os.makedirs(d)
            cfg = os.path.join(d, "intentd.yaml")
            text = ct.node_config(n, os.path.join(d, "data"), mm, http_ports)
            text = text.replace("latency_ms: 5", "latency_ms: 0")
            if args.near_cache == "off" or (args.near_cache == "compare"
                                            and n == "n3"):
                text = text.replace("cluster:\n",
                                    "cluster:\n  near_cache_entries: 0\n", 1)
            with open(cfg, "w") as out:
                out.write(text)
            daemons[n] = Daemon(args.binary, d, cfg)
        with futures.ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda n: daemons[n].start(), ct.NAMES))
        ct.wait_for("the cluster", lambda: ct.all_up(ports), 20)
        print(f"{time.strftime('%Y-%m-%d %H:%M')} three nodes on "
              f"{os.cpu_count()} cores; {args.count} intents per owner",
              flush=True)
        files = {}
        owners = ("n1", "n2", "n3") if args.near_cache == "compare" else ("n1", "n2")
        for owner in owners:
            ids = ct.ids_owned_by(owner, f"bench-{owner}", args.count)
            bodies = [make_intent(iid, i) for i, iid in enumerate(ids)]
            ct.submit_all(ports, bodies, lambda i: "n1")
            for iid in ids[::max(1, len(ids) // 50)]:
                ct.wait_for(iid, lambda: ct.final(ports["n1"], iid), 120)
            files[owner] = os.path.join(work, f"{owner}.txt")
            with open(files[owner], "w") as out:
                out.write("\n".join(ids) + "\n")

        near = {"on": "near cache on", "off": "near cache off"}
        pairs = [("n1", near["off" if args.near_cache == "off" else "on"])]
        if args.near_cache == "compare":
            pairs.append(("n3", near["off"]))
        print(f"reads of ended intents (wrk -t2 -c{args.connections} "
              f"-d{args.seconds}s, alternating): " +
              "; ".join(f"through {via}, {how}" for via, how in pairs),
              flush=True)
        got = {(via, kind): [] for via, _ in pairs
               for kind in ("direct", "forwarded")}
        for r in range(args.rounds):
            for via, _ in pairs:
                for kind, owner in (("direct", via), ("forwarded", "n2")):
                    rps, p50, p99, bad = wrk_reads(ports[via], files[owner],
                                                   args.seconds,
                                                   args.connections)
                    got[(via, kind)].append((rps, p50, p99))
                    print(f"  round {r + 1} via {via} {kind:9}: {rps:9.0f} "
                          f"reads/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
                          f"non-2xx {bad}", flush=True)
        med = {k: sorted(v)[len(v) // 2] for k, v in got.items()}
        for via, how in pairs:
            fw, di = med[(via, "forwarded")], med[(via, "direct")]
            print(f"  via {via} ({how}): forwarded/direct reads per second: "
                  f"{fw[0] / di[0]:.2f} (medians); extra latency of a "
                  f"forward: p50 {fw[1] - di[1]:+.2f} ms, p99 "
                  f"{fw[2] - di[2]:+.2f} ms", flush=True)
        for via, _ in pairs:
            samples, _ = ct.scrape(ports[via])
            reads = "cluster_near_cache_reads_total{result=\"%s\"}"
            print(f"  {via}'s near cache: "
                  f"{samples.get(reads % 'hit', 0):.0f} hits, "
                  f"{samples.get(reads % 'miss', 0):.0f} misses, "
                  f"{samples.get('cluster_near_cache_entries', 0):.0f} entries",
                  flush=True)
        if args.reads_only:
            return 0

        print("submissions through n1 (16 client threads, alternating):",
              flush=True)
        sub = {"direct": [], "forwarded": []}
        n = max(200, args.count // 5)
        for r in range(args.rounds):
            for kind, owner in (("direct", "n1"), ("forwarded", "n2")):
                ids = ct.ids_owned_by(owner, f"sub-{r}-{owner}", n)
                rate, p50, p99, bad = submit_timed(
                    ports["n1"], [make_intent(iid, i) for i, iid in enumerate(ids)])
                sub[kind].append((rate, p50, p99))
                print(f"  round {r + 1} {kind:9}: {rate:9.0f} submissions/s  "
                      f"p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  non-202 {bad}",
                      flush=True)
        med = {k: sorted(v)[len(v) // 2] for k, v in sub.items()}
        print(f"  forwarded/direct submissions per second: "
              f"{med['forwarded'][0] / med['direct'][0]:.2f} (medians)",
              flush=True)

        probe = ct.ids_owned_by("n2", "bench-n2", 1)[0]
        daemons["n2"].kill9()
        t = time.time()
        ct.wait_for("503", lambda: ct.get(ports["n1"], f"/api/v1/intents/{probe}")[0] == 503, 30)
        print(f"kill -9 of n2 to n1's first 503 for its intents: "
              f"{(time.time() - t) * 1000:.0f} ms", flush=True)
        t = time.time()
        daemons["n2"].start()
        ct.wait_for("200", lambda: ct.get(ports["n1"], f"/api/v1/intents/{probe}")[0] == 200, 30)
        print(f"n2 restarted (exec) to n1's first 200 for its intents: "
              f"{(time.time() - t) * 1000:.0f} ms", flush=True)
    finally:
        for d in daemons.values():
            d.cleanup()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
