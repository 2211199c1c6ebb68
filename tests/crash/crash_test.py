#!/usr/bin/env python3
"""Crash test for intentd: nothing acknowledged is lost, nothing runs twice.

Starts intentd on a temp storage directory (storage.sync true, a simulated
chain with 10-30 ms blocks and 10 % retryable failures, short retry delays),
submits intents with unique ids from several client threads, and `kill -9`s
the daemon at a random moment while the load runs. Restarts it on the same
storage (a new port each time), resubmits the intents whose outcome the kill
left unknown, and repeats: five kills in all. Then it stops submitting, waits
until every stored intent is final, stops the daemon with SIGTERM (it must
exit 0 within 5 s) and checks:

  * every intent answered 202/200 exists (GET 200) and is final;
  * a resubmission of an intent of unknown outcome after a restart gets
    202 (it was not stored) or 200 (it was), never 409;
  * after each kill -9, the simulated chain's journal (`<storage>/chain`,
    its LMDB databases and its log, read with `intentd --chain-executions`)
    holds at most one successful execution per intent; after the daemon
    exited at the end, exactly one per intent and exactly for the completed
    intents, with the transaction hash the record shows, and every
    execution seen after a kill still there with the same hash;
  * no record shows two successful transactions (a completed record with
    none, completed on the chain's word after a crash, is a warning, or a
    violation with --strict-records);
  * the listings by status page to disjoint sets whose sizes add up to the
    unfiltered listing, and every acknowledged id is in exactly one of them.

  tests/crash/crash_test.py [--binary PATH] [--seed N] [--kills 5]
                            [--clients 8] [--write-path lmdb|log]
                            [--chain-journal lmdb|log] [--kill-after 0.3,2.0]
                            [--summary-json FILE] [--keep]

--write-path sets storage.write_path (the LMDB store, or the write log
checkpointed into it), --chain-journal chain.simulated.journal (the chain's
LMDB journal, or its log checkpointed into it). --kill-after MIN,MAX is the
range of the random load time before each kill -9. --summary-json writes the
figures (acknowledged, lost, double executions, seconds to ready after each
restart, ...) to FILE; tests/bench/kill9_rounds.sh reads it.

The seed (printed) fixes the kill delays, the chain latency and the chain's
fault seed, so a failing run can be repeated with --seed. Exit status: 0 all
checks passed, 1 a check failed, 2 the test could not run.
KEEP=1 or --keep keeps the temp directory (logs, storage). Standard library
only; everything runs on 127.0.0.1.
"""

import argparse
import collections
import concurrent.futures as futures
import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TERMINAL = ["completed", "failed", "expired", "cancelled"]
LIVE = ["pending", "verified", "executing"]
STATUSES = LIVE + TERMINAL
SKIP = 77
LISTEN_RE = re.compile(r"listening on \S+ port (\d+)")


def log(*args):
    print(*args, flush=True)


class Violations:
    def __init__(self):
        self.items = []

    def add(self, what):
        self.items.append(what)
        log("  VIOLATION:", what)


# --------------------------------------------------------------------- HTTP

class Client:
    """One keep-alive HTTP/1.1 connection; reconnects after any error."""

    def __init__(self, port, timeout=15, host="127.0.0.1"):
        self.port = port
        self.timeout = timeout
        self.host = host
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def connect(self):
        """Raises ConnectionError when the daemon does not accept."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port,
                                                   timeout=self.timeout)
            try:
                self.conn.connect()
            except OSError:
                self.close()
                raise

    def request(self, method, path, body=None):
        """(status, parsed JSON or None, text). Errors after the connection
        was made propagate: the request may or may not have been served."""
        self.connect()
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data is not None else {}
        try:
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            text = resp.read().decode()
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        return resp.status, parsed, text


_local = threading.local()


def pooled_get(port, path):
    """GET through a per-thread connection (for thread pools)."""
    c = getattr(_local, "client", None)
    if c is None or c.port != port:
        if c is not None:
            c.close()
        c = _local.client = Client(port)
    for attempt in range(3):
        try:
            return c.request("GET", path)
        except (OSError, http.client.HTTPException):
            if attempt == 2:
                raise
            time.sleep(0.05)


# ------------------------------------------------------------------- daemon

def config_text(storage, latency_ms, chain_seed, write_path="lmdb",
                chain_journal="lmdb"):
    return f"""server:
  listen: "127.0.0.1:0"
storage:
  path: "{storage}"
  sync: true
  write_path: {write_path}
chain:
  kind: simulated
  simulated:
    latency_ms: {latency_ms}
    failure_rate: 0.1
    revert_rate: 0.0
    seed: {chain_seed}
    journal: {chain_journal}
solvers:
  retry:
    max_attempts: 10
    base_delay_ms: 20
    max_delay_ms: 200
rate_limits:
  enabled: false
logging:
  level: info
"""


class Daemon:
    """intentd on `config`. `wrap` prefixes the command (e.g. `ip netns exec
    NS`); `host` is where its HTTP listener is reached."""

    def __init__(self, binary, workdir, config, wrap=(), host="127.0.0.1"):
        self.binary = binary
        self.workdir = workdir
        self.config = config
        self.wrap = list(wrap)
        self.host = host
        self.proc = None
        self.port = None
        self.logpath = None
        self.starts = 0

    def start(self, timeout=30):
        """Starts intentd, parses its port from the log, waits for /readyz.
        Returns the seconds from exec to ready."""
        self.starts += 1
        self.logpath = os.path.join(self.workdir, f"intentd-{self.starts}.log")
        logf = open(self.logpath, "wb")
        t0 = time.time()
        try:
            self.proc = subprocess.Popen(self.wrap + [self.binary, "--config",
                                                      self.config],
                                         stdout=logf, stderr=subprocess.STDOUT,
                                         cwd=self.workdir)
        finally:
            logf.close()
        deadline = t0 + timeout
        self.port = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"intentd exited with {self.proc.returncode}"
                                   f" while starting; see {self.logpath}:\n"
                                   + self.tail())
            if self.port is None:
                with open(self.logpath, errors="replace") as f:
                    m = LISTEN_RE.search(f.read())
                if m:
                    self.port = int(m.group(1))
            if self.port is not None:
                c = Client(self.port, timeout=2, host=self.host)
                try:
                    if c.request("GET", "/readyz")[0] == 200:
                        return time.time() - t0
                except (OSError, http.client.HTTPException):
                    pass
                finally:
                    c.close()
            time.sleep(0.02)
        raise RuntimeError(f"intentd not ready within {timeout} s (port "
                           f"{self.port}); see {self.logpath}:\n" + self.tail())

    def tail(self, n=15):
        try:
            with open(self.logpath, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def terminate(self, timeout):
        """SIGTERM; returns the exit code, or None if it had to be killed."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()
            return None

    def cleanup(self):
        if self.alive():
            self.kill9()


# ------------------------------------------------------------------ intents

SWAPS = [("usdc.near", "usdt.near", "10", "9.9"),
         ("usdt.near", "wrap.near", "10", "1.9"),
         ("wrap.near", "usdc.near", "2.5", "12")]
TOKENS = ["usdc.near", "usdt.near", "wrap.near"]
EXPIRES_AT = dt.datetime.fromtimestamp(time.time() + 3600, dt.timezone.utc) \
    .strftime("%Y-%m-%dT%H:%M:%SZ")


def make_intent(iid, i):
    """A valid intent with every field spelled out (an explicit expires_at, so
    that a resubmission is byte-for-byte the same request)."""
    user = f"crash-user-{i % 50}.near"
    kind = i % 3
    body = {"id": iid, "user_account": user, "expires_at": EXPIRES_AT}
    if kind == 0:
        src, dst, amount, min_out = SWAPS[(i // 3) % len(SWAPS)]
        body.update(action="swap", input_token=src, input_amount=amount,
                    output_token=dst, min_output_amount=min_out,
                    max_slippage="1.5")
    elif kind == 1:
        body.update(action="transfer", input_token=TOKENS[(i // 3) % 3],
                    input_amount="1.25", recipient=f"friend-{i % 7}.near")
    else:
        body.update(action="stake", input_token=TOKENS[(i // 3) % 3],
                    input_amount="3", recipient="pool.near")
    return body


class Ledger:
    """What the clients know: acknowledged, unknown and rejected ids."""

    def __init__(self):
        self.lock = threading.Lock()
        self.bodies = {}            # id -> body sent
        self.acked = {}             # id -> round in which it got 202/200
        self.unknown = set()        # sent, no answer (connection broke)
        self.other = collections.Counter()   # other answers, by status
        self.per_round = collections.Counter()
        self.last_acked = collections.defaultdict(collections.deque)


def handle_answer(ledger, violations, rnd, iid, status, js, text, resubmit):
    with ledger.lock:
        if status in (200, 202):
            if not (js and js.get("id") == iid and js.get("status") in STATUSES):
                violations.add(f"{iid}: {status} with an unexpected body {text[:200]}")
            if status == 202 and js and js.get("status") != "pending":
                violations.add(f"{iid}: 202 with status {js.get('status')}")
            if status == 200 and not resubmit:
                violations.add(f"{iid}: first submission answered 200 {text[:200]}")
            ledger.acked.setdefault(iid, rnd)
            ledger.unknown.discard(iid)
            ledger.per_round[rnd] += 1
            q = ledger.last_acked[rnd]
            q.append(iid)
            if len(q) > 200:
                q.popleft()
        elif status >= 500:
            # 503/504: not acknowledged; it may or may not have been stored.
            ledger.other[status] += 1
            ledger.unknown.add(iid)
        else:
            ledger.other[status] += 1
            violations.add(f"{iid}: {'resubmission' if resubmit else 'submission'}"
                           f" answered {status} {text[:300]}")


def client_loop(port, ledger, violations, rnd, tid, stop, counter):
    c = Client(port)
    n = 0
    try:
        while not stop.is_set():
            n += 1
            iid = f"r{rnd}-c{tid}-{n}"
            body = make_intent(iid, counter())
            try:
                c.connect()
            except OSError:
                # Not even connected (the daemon is gone): never sent.
                time.sleep(0.01)
                continue
            with ledger.lock:
                ledger.bodies[iid] = body
            try:
                status, js, text = c.request("POST", "/api/v1/intents", body)
            except (OSError, http.client.HTTPException):
                with ledger.lock:
                    ledger.unknown.add(iid)
                continue
            handle_answer(ledger, violations, rnd, iid, status, js, text, False)
    finally:
        c.close()


def run_load(port, ledger, violations, rnd, clients, counter):
    stop = threading.Event()
    threads = [threading.Thread(target=client_loop, daemon=True,
                                args=(port, ledger, violations, rnd, t, stop, counter))
               for t in range(clients)]
    for t in threads:
        t.start()
    return stop, threads


def resubmit_unknown(port, ledger, violations, rnd):
    """Sends every intent of unknown outcome again, same id, same body."""
    with ledger.lock:
        ids = sorted(ledger.unknown)
    answers = collections.Counter()

    def one(iid):
        c = getattr(_local, "client", None)
        if c is None or c.port != port:
            c = _local.client = Client(port)
        status, js, text = c.request("POST", "/api/v1/intents", ledger.bodies[iid])
        return iid, status, js, text

    with futures.ThreadPoolExecutor(8) as pool:
        for iid, status, js, text in pool.map(one, ids):
            answers[status] += 1
            handle_answer(ledger, violations, rnd, iid, status, js, text, True)
    return len(ids), dict(answers)


def spot_check(port, ids, violations, what):
    """GET each id: it must exist."""
    missing = []
    with futures.ThreadPoolExecutor(8) as pool:
        for iid, (status, js, text) in zip(ids, pool.map(
                lambda i: pooled_get(port, "/api/v1/intents/" + urllib.parse.quote(i)),
                ids)):
            if status != 200 or not js or js.get("id") != iid:
                missing.append((iid, status, text[:120]))
    for iid, status, text in missing[:20]:
        violations.add(f"{what}: acknowledged {iid} -> GET {status} {text}")
    if len(missing) > 20:
        violations.add(f"{what}: {len(missing)} acknowledged intents missing in all")
    return len(missing)


# ------------------------------------------------------------------ listing

def list_all(port, status=None, limit=1000):
    """Every record of a listing, paging with the cursor."""
    out, cursor, pages = [], None, 0
    while True:
        q = f"/api/v1/intents?limit={limit}"
        if status:
            q += f"&status={status}"
        if cursor:
            q += "&cursor=" + urllib.parse.quote(cursor)
        s, js, text = pooled_get(port, q)
        if s != 200 or js is None:
            raise RuntimeError(f"GET {q} -> {s} {text[:200]}")
        out += js["items"]
        cursor = js.get("next_cursor")
        pages += 1
        if not cursor or pages > 100000:
            return out


def live_count(port):
    """Intents in a live state. Intents only move forward, so querying the
    live states in forward order cannot miss one that moves between two."""
    n = 0
    for s in LIVE:
        n += len(pooled_get(port, f"/api/v1/intents?status={s}&limit=1")[1]["items"])
    return n


def settle(port, timeout):
    deadline = time.time() + timeout
    t0 = time.time()
    while time.time() < deadline:
        if live_count(port) == 0:
            return time.time() - t0
        time.sleep(0.25)
    return None


# ---------------------------------------------------------------- journal

def chain_executions(binary, storage):
    """intent id -> [tx hash of each successful execution] in the simulated
    chain's journal of the store in `storage` (LMDB and its log), read with
    `intentd --chain-executions`, and how many of those executions are in
    the log. Raises RuntimeError when it cannot be read: an unreadable
    journal is never taken for one without executions."""
    r = subprocess.run([binary, "--chain-executions", storage],
                       capture_output=True, text=True, timeout=120)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"intentd --chain-executions {storage} exited"
                           f" {r.returncode}: {r.stderr.strip()}")
    out, in_log = {}, 0
    for line in r.stdout.splitlines():
        js = json.loads(line)
        hashes = [t["tx_hash"] for t in js["transactions"]]
        if js["executions"] != len(hashes) or js["id"] in out:
            raise RuntimeError(f"intentd --chain-executions: inconsistent line {line}")
        out[js["id"]] = hashes
        in_log += sum(1 for t in js["transactions"] if t["in"] == "log")
    twice = any(len(h) > 1 for h in out.values())
    if (r.returncode == 1) != twice:
        raise RuntimeError(f"intentd --chain-executions exited {r.returncode}"
                           f" with {'some' if twice else 'no'} intent executed"
                           " more than once")
    return out, in_log


def verify_clean(binary, storage, when, violations):
    """`intentd --verify-storage` on `storage` must find no damage."""
    r = subprocess.run([binary, "--verify-storage", storage],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        damage = [l for l in r.stdout.splitlines() if l.startswith("DAMAGE")]
        violations.add(f"{when}: --verify-storage exited {r.returncode}:"
                       f" {damage[:5] or r.stderr.strip()[:300]}")


def check_refusal(binary, path, violations):
    """--chain-executions on a directory without a journal must refuse
    (exit 2, nothing on stdout), not report no executions."""
    r = subprocess.run([binary, "--chain-executions", path],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 2 or r.stdout or not r.stderr.strip():
        violations.add(f"--chain-executions {path} (no journal): exit"
                       f" {r.returncode}, stdout {r.stdout[:200]!r},"
                       f" stderr {r.stderr[:200]!r}; expected a refusal")


# ------------------------------------------------------------------- main

def find_binary(arg):
    for cand in [arg, os.environ.get("INTENTD_BIN"),
                 os.path.join(REPO, "build-main", "intentd"),
                 os.path.join(REPO, "build", "intentd")]:
        if cand and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--final-load-s", type=float, default=1.0)
    ap.add_argument("--write-path", choices=["lmdb", "log"], default="lmdb",
                    help="storage.write_path")
    ap.add_argument("--chain-journal", choices=["lmdb", "log"], default="lmdb",
                    help="chain.simulated.journal")
    ap.add_argument("--kill-after", default="0.3,2.0",
                    help="MIN,MAX seconds of load before each kill -9")
    ap.add_argument("--summary-json", help="write the figures to this file")
    ap.add_argument("--settle-timeout", type=float, default=60)
    ap.add_argument("--strict-records", action="store_true",
                    help="fail when a completed record has no successful transaction")
    ap.add_argument("--keep", action="store_true",
                    default=os.environ.get("KEEP") == "1")
    args = ap.parse_args()

    binary = find_binary(args.binary)
    if not binary:
        log("crash_test: intentd binary not found: pass --binary or set INTENTD_BIN")
        return 2
    try:
        kill_min, kill_max = (float(x) for x in args.kill_after.split(","))
    except ValueError:
        kill_min = kill_max = -1
    if not 0 < kill_min <= kill_max:
        log(f"crash_test: --kill-after {args.kill_after}: expected MIN,MAX seconds")
        return 2

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    rng = random.Random(seed)
    latency = rng.randint(10, 30)
    chain_seed = rng.randrange(1 << 31)
    delays = [round(rng.uniform(kill_min, kill_max), 3) for _ in range(args.kills)]
    log(f"crash_test: seed {seed} (repeat with --seed {seed}); binary {binary}")
    log(f"  storage.write_path {args.write_path}, chain.simulated.journal"
        f" {args.chain_journal}")
    log(f"  chain latency {latency} ms, failure_rate 0.1, chain seed {chain_seed};"
        f" {args.clients} clients; kill -9 after {delays} s of load")

    work = tempfile.mkdtemp(prefix="intentd-crash-")
    storage = os.path.join(work, "data")
    cfg = os.path.join(work, "intentd.yaml")
    with open(cfg, "w") as f:
        f.write(config_text(storage, latency, chain_seed, args.write_path,
                            args.chain_journal))
    violations = Violations()
    ledger = Ledger()
    d = Daemon(binary, work, cfg)
    seq = [0]
    seq_lock = threading.Lock()

    def counter():
        with seq_lock:
            seq[0] += 1
            return seq[0]

    t_start = time.time()
    rounds = []
    exit_code = None
    # Executions seen in the journal after each kill: id -> (round, hashes).
    seen_after_kill = {}
    try:
        check_refusal(binary, storage, violations)
        for rnd in range(1, args.kills + 2):
            ready_s = d.start()
            info = {"round": rnd, "port": d.port, "ready_s": ready_s}
            if rnd > 1:
                # Right after recovery: the last intents acknowledged before
                # the kill (the ones most at risk) must be there.
                with ledger.lock:
                    recent = list(ledger.last_acked[rnd - 1])
                spot_check(d.port, recent, violations,
                           f"after restart {rnd - 1}")
                n, answers = resubmit_unknown(d.port, ledger, violations, rnd)
                info["resubmitted"] = (n, answers)
            last = rnd == args.kills + 1
            load_s = args.final_load_s if last else delays[rnd - 1]
            stop, threads = run_load(d.port, ledger, violations, rnd,
                                     args.clients, counter)
            time.sleep(load_s)
            if not d.alive():
                violations.add(f"round {rnd}: intentd exited by itself with "
                               f"{d.proc.returncode}; see {d.logpath}")
            if not last:
                d.kill9()
            stop.set()
            for t in threads:
                t.join(timeout=30)
                if t.is_alive():
                    raise RuntimeError(f"round {rnd}: a client thread hung")
            with ledger.lock:
                info["acked"] = ledger.per_round[rnd]
                info["unknown"] = len(ledger.unknown)
            if not last:
                # The killed daemon's journal, torn state and log included:
                # at most one execution per intent, and none forgotten since
                # the previous kill.
                now, in_log = chain_executions(binary, storage)
                dup = {i: h for i, h in now.items() if len(h) > 1}
                if dup:
                    violations.add(f"after kill {rnd}: {len(dup)} intents executed"
                                   f" more than once, e.g. {sorted(dup.items())[:5]}")
                gone = [(i, r, h) for i, (r, h) in seen_after_kill.items()
                        if now.get(i) != h]
                if gone:
                    violations.add(f"after kill {rnd}: {len(gone)} executions seen"
                                   f" after an earlier kill changed or are gone,"
                                   f" e.g. {gone[:5]}")
                for i, h in now.items():
                    seen_after_kill.setdefault(i, (rnd, h))
                # Every table as the kill left it: checksums, the indexes
                # (the chain's `executions` against its events, which is what
                # refuses a second execution) and the logs after their
                # checkpoints.
                verify_clean(binary, storage, f"after kill {rnd}", violations)
                info["executed"] = len(now)
                info["double"] = len(dup)
                info["executions_in_log"] = in_log
            info["load_s"] = load_s
            rounds.append(info)
            what = "then stopped submitting" if last else "then kill -9"
            resub = info.get("resubmitted")
            log(f"  round {rnd}: port {d.port}, ready in {ready_s:.2f} s"
                + (f", resubmitted {resub[0]} unknown -> {resub[1]}" if resub else "")
                + f"; load {load_s:.3f} s, {info['acked']} acknowledged,"
                f" {info['unknown']} unknown, {what}"
                + (f"; chain journal: {info['executed']} intents executed,"
                   f" {info['executions_in_log']} executions in its log"
                   if "executed" in info else ""))

        # Settle: every stored intent final.
        settle_s = settle(d.port, args.settle_timeout)
        if settle_s is None:
            stuck = []
            for s in LIVE:
                stuck += [(r["id"], s, [h["status"] for h in r["history"]])
                          for r in list_all(d.port, s)]
            violations.add(f"{len(stuck)} intents still live after"
                           f" {args.settle_timeout} s, e.g. {stuck[:10]}")
        else:
            log(f"  all stored intents final {settle_s:.1f} s after the load stopped")

        # Every acknowledged intent exists and is final.
        acked = sorted(ledger.acked)
        recs = {}
        with futures.ThreadPoolExecutor(8) as pool:
            for iid, (status, js, text) in zip(acked, pool.map(
                    lambda i: pooled_get(d.port, "/api/v1/intents/" + urllib.parse.quote(i)),
                    acked)):
                if status != 200 or not js:
                    violations.add(f"acknowledged {iid} (round {ledger.acked[iid]})"
                                   f" -> GET {status} {text[:200]}")
                    continue
                recs[iid] = js
                if js["status"] not in TERMINAL:
                    violations.add(f"acknowledged {iid} not final: {js['status']}")
        lost = len(acked) - len(recs)

        # Listings: by status, disjoint, adding up to the unfiltered one.
        by_status = {s: list_all(d.port, s) for s in STATUSES}
        everything = list_all(d.port)
        all_ids = [r["id"] for r in everything]
        if len(all_ids) != len(set(all_ids)):
            violations.add(f"unfiltered listing repeats ids: {len(all_ids)} items,"
                           f" {len(set(all_ids))} distinct")
        where = collections.defaultdict(list)
        for s, items in by_status.items():
            for r in items:
                where[r["id"]].append(s)
                if r["status"] != s:
                    violations.add(f"{r['id']} listed under {s} with status {r['status']}")
        counts = {s: len(v) for s, v in by_status.items()}
        total = sum(counts.values())
        if total != len(set(all_ids)):
            violations.add(f"counts by status add up to {total}, the unfiltered"
                           f" listing has {len(set(all_ids))} distinct intents")
        twice = [(i, ss) for i, ss in where.items() if len(ss) != 1]
        if twice:
            violations.add(f"{len(twice)} ids in more than one status list, e.g. {twice[:5]}")
        not_listed = [i for i in acked if len(where.get(i, [])) != 1]
        if not_listed:
            violations.add(f"{len(not_listed)} acknowledged ids not in exactly one"
                           f" status list, e.g. {not_listed[:5]}")
        for iid, js in recs.items():
            if where.get(iid) and where[iid][0] != js["status"]:
                violations.add(f"{iid}: GET says {js['status']}, listed under {where[iid]}")
        completed = {r["id"] for r in by_status["completed"]}
        multi_tx, no_tx = [], []
        for r in by_status["completed"] + by_status["failed"]:
            ok_tx = [t for t in (r.get("execution") or {}).get("transactions") or []
                     if t.get("status") == "success"]
            if len(ok_tx) > 1 or (r["status"] == "failed" and ok_tx):
                multi_tx.append((r["id"], r["status"], len(ok_tx)))
            elif r["status"] == "completed" and not ok_tx:
                no_tx.append(r["id"])
        if multi_tx:
            violations.add(f"{len(multi_tx)} records with more than one successful"
                           f" transaction, or failed with one, e.g. {multi_tx[:5]}")
        if no_tx:
            # Completed on the chain's word (reconciled after a crash, or an
            # `already_executed` answer) without the transaction's details.
            what = (f"{len(no_tx)} completed records carry no successful"
                    f" transaction (no hash, gas or output), by round submitted"
                    f" {dict(sorted(collections.Counter(i.split('-')[0] for i in no_tx).items()))},"
                    f" e.g. {no_tx[:5]}")
            if args.strict_records:
                violations.add(what)
            else:
                log("  WARNING:", what)
        failed = [(r["id"], (r.get("error") or {}).get("code"))
                  for r in by_status["failed"]]
        attempts = collections.Counter((r.get("execution") or {}).get("attempts")
                                       for r in by_status["completed"])

        # Stop: SIGTERM, exit 0 within 5 s.
        t0 = time.time()
        rc = d.terminate(5)
        if rc != 0:
            violations.add(f"SIGTERM: exit code {rc} (None: still running after 5 s"
                           f" and killed); see {d.logpath}")
        stop_s = time.time() - t0

        # The chain's journal, read after the daemon exited.
        events, final_in_log = chain_executions(binary, storage)
        executions = {i: len(h) for i, h in events.items()}
        dup = {i: n for i, n in executions.items() if n != 1}
        if dup:
            violations.add(f"{len(dup)} intents with a successful-execution count"
                           f" other than 1 on the chain, e.g. {sorted(dup.items())[:10]}")
        executed = set(executions)
        if executed != completed:
            violations.add(f"executed on chain but not completed: "
                           f"{sorted(executed - completed)[:10]}"
                           f" ({len(executed - completed)}); completed but not"
                           f" executed: {sorted(completed - executed)[:10]}"
                           f" ({len(completed - executed)})")
        gone = [(i, r, h) for i, (r, h) in seen_after_kill.items()
                if events.get(i) != h]
        if gone:
            violations.add(f"{len(gone)} executions seen after a kill changed or"
                           f" are gone at the end, e.g. {gone[:5]}")
        wrong_hash = []
        for r in by_status["completed"]:
            for t in (r.get("execution") or {}).get("transactions") or []:
                if t.get("status") == "success" and t.get("hash") not in events.get(r["id"], []):
                    wrong_hash.append((r["id"], t.get("hash"), events.get(r["id"])))
        if wrong_hash:
            violations.add(f"{len(wrong_hash)} successful transactions in records"
                           f" that the chain did not mine for that intent, e.g."
                           f" {wrong_hash[:3]}")

        # Summary.
        log("crash_test summary (seed %d):" % seed)
        log("  acknowledged per round: " + ", ".join(
            f"{r['round']}: {r['acked']}" for r in rounds)
            + f"; total {len(acked)} acknowledged, {len(ledger.unknown)} still"
            f" unknown (never resubmitted), other answers {dict(ledger.other)}")
        log(f"  kill -9 after {delays} s of load; ready after restart in "
            + ", ".join(f"{r['ready_s']:.2f}" for r in rounds[1:]) + " s")
        log(f"  stored {len(set(all_ids))}; by status {counts}; acknowledged lost {lost}")
        log(f"  chain journal: {len(executions)} intents executed; counts"
            f" {dict(collections.Counter(executions.values()))}"
            f" ({final_in_log} executions still in its log after the stop);"
            f" completed {len(completed)}, {len(no_tx)} of them without a"
            " successful transaction in the record")
        log(f"  completed by execution.attempts {dict(sorted(attempts.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))};"
            f" failed {failed[:10]}")
        log(f"  SIGTERM exit {rc} in {stop_s:.2f} s; total {time.time() - t_start:.1f} s")
        ready = [r["ready_s"] for r in rounds[1:]]
        summary = {
            "seed": seed, "write_path": args.write_path,
            "chain_journal": args.chain_journal, "clients": args.clients,
            "kills": args.kills, "kill_after_s": delays,
            "acknowledged": len(acked), "lost": lost,
            "unknown_never_resubmitted": len(ledger.unknown),
            "stored": len(set(all_ids)), "by_status": counts,
            "executed": len(executions),
            "double_executions": sum(1 for n in executions.values() if n > 1),
            "double_executions_after_kills": sum(r.get("double", 0)
                                                 for r in rounds),
            "executions_in_log_after_kills": [r.get("executions_in_log")
                                              for r in rounds[:-1]],
            "ready_after_restart_s": [round(x, 3) for x in ready],
            "ready_min_s": round(min(ready), 3) if ready else None,
            "ready_max_s": round(max(ready), 3) if ready else None,
            "sigterm_exit": rc, "total_s": round(time.time() - t_start, 1),
            "violations": violations.items,
        }
        if args.summary_json:
            with open(args.summary_json, "w") as f:
                json.dump(summary, f, indent=1)
        if violations.items:
            log(f"crash_test: FAILED, {len(violations.items)} violations"
                f" (seed {seed}; logs and storage kept in {work})")
            args.keep = True
            exit_code = 1
        else:
            log("crash_test: PASSED")
            exit_code = 0
        return exit_code
    except Exception as e:
        log(f"crash_test: ERROR {type(e).__name__}: {e} (seed {seed}; logs in {work})")
        args.keep = True
        return 2
    finally:
        d.cleanup()
        if args.keep:
            log(f"  kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
