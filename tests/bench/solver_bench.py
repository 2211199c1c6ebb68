#!/usr/bin/env python3
"""External solvers under load: intents per second from submission to
completed, and the time from verified to executing (the auction), with N
external solvers connected and quoting every intent, against the built-in
solvers alone measured in the same run on the same machine.

  tests/bench/solver_bench.py --binary build/intentd [--solvers 4]
      [--count 2000] [--clients 16] [--window-ms 1000] [--rounds 2]

Each round runs two fresh daemons one after the other (chain latency 0,
storage.sync true, rate limits off): one with no external solver, one with
`--solvers` solvers configured and connected (each a separate
examples/solver/solver.py process, quoting at its own spread, so one wins
every swap). `--count` swaps are submitted by `--clients` keep-alive HTTP
clients; the figures come from the records' own history timestamps:

  * completed/s: intents / (last completed - first pending);
  * verified -> executing: p50, p99 and max, in ms. With every solver
    answering, the window closes as soon as the last quote arrives, so this
    is the auction's cost; a solver that does not answer costs the whole
    window.

Everything runs on 127.0.0.1 and stops by itself. Needs python3-cryptography.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "examples", "solver"))
sys.path.insert(0, os.path.join(REPO, "tests", "crash"))
import solver as mm  # noqa: E402
from crash_test import Client, Daemon  # noqa: E402

EXPIRES_AT = mm.rfc3339(time.time() + 3600)


def config_text(storage, keys, window_ms):
    if keys:
        entries = "\n".join(
            f'    - {{solver_id: "{sid}", public_key: "{k.public_key}", '
            f'account: "{sid}.near"}}' for sid, k in keys.items())
        external = f"  quote_window_ms: {window_ms}\n  external:\n{entries}\n"
    else:
        external = ""
    return f"""server:
  listen: "127.0.0.1:0"
storage:
  path: "{storage}"
  sync: true
chain:
  kind: simulated
  simulated:
    latency_ms: 0
    initial_balance: "1000000000"
solvers:
{external}  retry:
    max_attempts: 5
security:
  require_signatures: false
rate_limits:
  enabled: false
logging:
  level: info
"""


def parse_time(text):
    # 2026-11-22T03:02:15.893977Z
    base, _, frac = text.rstrip("Z").partition(".")
    t = time.mktime(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) - time.timezone
    return t + (float("0." + frac) if frac else 0.0)


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def wait_connected(port, n, timeout=20):
    """Until /metrics shows n connected external solvers."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        c = Client(port)
        try:
            status, _, text = c.request("GET", "/metrics")
        except OSError:
            status, text = 0, ""
        finally:
            c.close()
        for line in text.splitlines():
            if line.startswith("external_solvers_connected ") and \
                    float(line.split()[1]) >= n:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{n} solvers did not connect within {timeout} s")


def run(binary, work, n_solvers, count, clients, window_ms, tag):
    storage = os.path.join(work, f"{tag}-data")
    keys = {f"mm-{i + 1}": mm.SolverKey(os.urandom(32).hex())
            for i in range(n_solvers)}
    cfg = os.path.join(work, f"{tag}.yaml")
    with open(cfg, "w") as f:
        f.write(config_text(storage, keys, window_ms))
    d = Daemon(binary, work, cfg)
    solvers = []
    try:
        d.start()
        for i, (sid, k) in enumerate(keys.items()):
            seed = os.path.join(work, f"{tag}-{sid}.seed")
            with open(seed, "w") as f:
                f.write(k.seed_hex + "\n")
            log = open(os.path.join(work, f"{tag}-{sid}.log"), "w")
            solvers.append(subprocess.Popen(
                [sys.executable, os.path.join(REPO, "examples", "solver",
                                              "solver.py"),
                 "--url", f"ws://127.0.0.1:{d.port}", "--key-file", seed,
                 "--id", sid, "--spread-bps", str(10 + 5 * i)],
                stdout=log, stderr=subprocess.STDOUT))
        if keys:
            wait_connected(d.port, len(keys))
        ids = [f"{tag}-{i}" for i in range(count)]
        errors = []

        def submit(part):
            c = Client(d.port)
            try:
                for iid in part:
                    body = {"id": iid, "user_account": f"u{hash(iid) % 97}.near",
                            "expires_at": EXPIRES_AT, "action": "swap",
                            "input_token": "usdc.near", "input_amount": "10",
                            "output_token": "wrap.near",
                            "min_output_amount": "1.5"}
                    status, _, text = c.request("POST", "/api/v1/intents", body)
                    if status != 202:
                        errors.append(f"{iid}: {status} {text[:120]}")
            finally:
                c.close()
        threads = [threading.Thread(target=submit, args=(ids[k::clients],))
                   for k in range(clients)]
        started = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError(f"{len(errors)} submissions refused: {errors[:3]}")
        records = {}
        c = Client(d.port)
        deadline = time.time() + 120
        pending = list(ids)
        while pending and time.time() < deadline:
            left = []
            for iid in pending:
                status, js, _ = c.request("GET", f"/api/v1/intents/{iid}")
                if status == 200 and js["status"] in ("completed", "failed",
                                                      "expired", "cancelled"):
                    records[iid] = js
                else:
                    left.append(iid)
            pending = left
            if pending:
                time.sleep(0.2)
        c.close()
        if pending:
            raise RuntimeError(f"{len(pending)} intents did not end")
        wall = time.time() - started
    finally:
        for p in solvers:
            p.terminate()
        for p in solvers:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        d.terminate(20)
    first = min(parse_time(r["history"][0]["at"]) for r in records.values())
    last = max(parse_time(r["updated_at"]) for r in records.values())
    gaps = []
    winners = {}
    for r in records.values():
        at = {h["status"]: parse_time(h["at"]) for h in r["history"]}
        if "verified" in at and "executing" in at:
            gaps.append((at["executing"] - at["verified"]) * 1000)
        sid = r["execution"]["solver_id"]
        winners[sid] = winners.get(sid, 0) + 1
    completed = sum(r["status"] == "completed" for r in records.values())
    return {"tag": tag, "solvers": n_solvers, "completed": completed,
            "per_s": count / (last - first), "wall": wall,
            "p50": percentile(gaps, 50), "p99": percentile(gaps, 99),
            "max": max(gaps) if gaps else float("nan"), "winners": winners}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(REPO, "build", "intentd"))
    ap.add_argument("--solvers", type=int, default=4)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--window-ms", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="solver-bench-")
    results = []
    try:
        for r in range(args.rounds):
            for n in (0, args.solvers):
                res = run(args.binary, work, n, args.count, args.clients,
                          args.window_ms, f"r{r}-s{n}")
                results.append(res)
                print(f"round {r + 1}, {n} external solvers: "
                      f"{res['completed']}/{args.count} completed, "
                      f"{res['per_s']:.0f} completed/s; verified -> executing "
                      f"p50 {res['p50']:.1f} ms, p99 {res['p99']:.1f} ms, "
                      f"max {res['max']:.1f} ms; winners {res['winners']}",
                      flush=True)
    finally:
        if args.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    for n in (0, args.solvers):
        rates = [r["per_s"] for r in results if r["solvers"] == n]
        p99s = [r["p99"] for r in results if r["solvers"] == n]
        print(f"{n} external solvers: completed/s {', '.join(f'{x:.0f}' for x in rates)}; "
              f"verified -> executing p99 ms {', '.join(f'{x:.1f}' for x in p99s)}")


if __name__ == "__main__":
    main()
