#!/usr/bin/env python3
"""Acceptance scenarios for intentd, driven over real HTTP on 127.0.0.1.

Each scenario starts its own intentd (temp storage, temp config, a free port),
checks what a user would see, stops the daemon and prints a summary. The exit
status is non-zero when any expectation fails.

  tests/bench/acceptance.py --scenario complete|flaky|revert|expire|invalid|all|restart
                            [--binary PATH] [--count N] [--keep]

The binary comes from --binary, else $INTENTD_BIN, else build-main/intentd or
build/intentd under the repository. Standard library only.
"""

import argparse
import collections
import concurrent.futures as futures
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TERMINAL = {"completed", "failed", "expired", "cancelled"}
LIVE = ["pending", "verified", "executing"]  # forward order, see wait_idle


# ---------------------------------------------------------------- reporting

class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def expect(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failures.append(what)
            print("  FAIL:", what, flush=True)
        return cond


def log(*args):
    print(*args, flush=True)


# ------------------------------------------------------------------- daemon

def find_binary(arg):
    for cand in [arg, os.environ.get("INTENTD_BIN"),
                 os.path.join(REPO, "build-main", "intentd"),
                 os.path.join(REPO, "build", "intentd")]:
        if cand and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    sys.exit("intentd binary not found: pass --binary or set INTENTD_BIN")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_text(port, storage, latency_ms=20, failure_rate=0.0,
                revert_rate=0.0, max_attempts=5, base_delay_ms=1000,
                max_live=200000, level="warn"):
    return f"""server:
  listen: "127.0.0.1:{port}"
storage:
  path: "{storage}"
  sync: true
chain:
  kind: simulated
  simulated:
    latency_ms: {latency_ms}
    failure_rate: {failure_rate}
    revert_rate: {revert_rate}
solvers:
  retry:
    max_attempts: {max_attempts}
    base_delay_ms: {base_delay_ms}
intents:
  max_live: {max_live}
rate_limits:
  enabled: false
logging:
  level: {level}
"""


class Daemon:
    """One intentd process on a free loopback port in a temp directory."""

    def __init__(self, binary, workdir, **chain):
        self.binary = binary
        self.workdir = workdir
        self.storage = os.path.join(workdir, "data")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.configure(**chain)

    def configure(self, **chain):
        self.config = os.path.join(self.workdir, "intentd.yaml")
        with open(self.config, "w") as f:
            f.write(config_text(self.port, self.storage, **chain))

    def start(self):
        logf = open(os.path.join(self.workdir, "intentd.log"), "ab")
        self.proc = subprocess.Popen([self.binary, "--config", self.config],
                                     stdout=logf, stderr=subprocess.STDOUT,
                                     cwd=self.workdir)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"intentd exited with {self.proc.returncode}"
                                   f"; see {self.workdir}/intentd.log")
            try:
                if http("GET", self.base + "/readyz", timeout=1)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("intentd did not become ready within 20 s")

    def stop(self):
        """SIGTERM; returns the exit code (None if it had to be killed)."""
        if not self.proc:
            return None
        if self.proc.poll() is not None:
            log(f"  intentd had already exited with {self.proc.returncode}"
                f" before SIGTERM; see {self.workdir}/intentd.log")
            return f"died ({self.proc.returncode})"
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


# --------------------------------------------------------------------- HTTP

def http(method, url, body=None, raw=None, headers=None, timeout=30):
    """Returns (status, parsed JSON or None, raw text, headers)."""
    data = raw if raw is not None else (
        json.dumps(body).encode() if body is not None else None)
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    hdrs.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, text, rh = resp.status, resp.read().decode(), resp.headers
    except urllib.error.HTTPError as e:
        status, text, rh = e.code, e.read().decode(), e.headers
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return status, parsed, text, rh


def get(d, path):
    return http("GET", d.base + path)


def post(d, path, body=None, **kw):
    return http("POST", d.base + path, body, **kw)


def rfc3339(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ------------------------------------------------------------------ intents

SWAPS = [("usdc.near", "usdt.near", "10", "9.9"),
         ("usdt.near", "wrap.near", "10", "1.9"),
         ("wrap.near", "usdc.near", "2.5", "12"),
         ("usdc.near", "wrap.near", "0.000005", "0.000001")]
TOKENS = ["usdc.near", "usdt.near", "wrap.near"]


def mixed_intent(i, tag):
    user = f"user-{i % 100}.{tag}.near"
    kind = i % 3
    if kind == 0:
        src, dst, amount, min_out = SWAPS[(i // 3) % len(SWAPS)]
        return {"user_account": user, "action": "swap", "input_token": src,
                "input_amount": amount, "output_token": dst,
                "min_output_amount": min_out, "max_slippage": "1.5"}
    token = TOKENS[(i // 3) % 3]
    if kind == 1:
        return {"user_account": user, "action": "transfer", "input_token": token,
                "input_amount": "1.25", "recipient": f"friend-{i % 7}.near"}
    return {"user_account": user, "action": "stake", "input_token": token,
            "input_amount": "3", "recipient": "pool.near"}


def submit_all(d, bodies, checks, workers=16):
    def one(body):
        return post(d, "/api/v1/intents", body)
    ids = []
    with futures.ThreadPoolExecutor(workers) as pool:
        for status, js, text, _ in pool.map(one, bodies):
            if checks.expect(status == 202 and js and js.get("status") == "pending",
                             f"submit -> 202 pending, got {status} {text[:200]}"):
                ids.append(js["id"])
    return ids


def wait_idle(d, timeout):
    """Waits until no intent is pending, verified or executing.

    Intents only move forward, so querying the live states in forward order
    cannot miss one that moves between two queries.
    """
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(not get(d, f"/api/v1/intents?status={s}&limit=1")[1]["items"]
               for s in LIVE):
            return True
        time.sleep(0.5)
    return False


def fetch_all(d, ids, workers=16):
    with futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda i: get(d, f"/api/v1/intents/{i}")[1], ids))


def history(rec):
    return [h["status"] for h in rec["history"]]


def check_completed(rec, checks):
    ex = rec.get("execution") or {}
    txs = ex.get("transactions") or []
    ok = (rec["status"] == "completed"
          and history(rec) == ["pending", "verified", "executing", "completed"]
          and ex.get("solver_id")
          and any(t.get("hash", "").startswith("0x") and t.get("status") == "success"
                  for t in txs))
    checks.expect(ok, f"{rec['id']}: completed with full history, solver and tx;"
                      f" got status={rec['status']} history={history(rec)}"
                      f" solver={ex.get('solver_id')} txs={txs}")
    return ok


def statuses(recs):
    return dict(collections.Counter(r["status"] for r in recs))


def solvers_line(d):
    js = get(d, "/api/v1/solvers")[1]
    return ", ".join(f"{s['solver_id']}: {s['attempts']} attempts "
                     f"{s['success_rate']:.2f} ok {s['mean_execution_ms']:.1f} ms"
                     for s in js["solvers"])


# ---------------------------------------------------------------- scenarios

def scenario_complete(binary, work, args, checks):
    d = Daemon(binary, work)
    d.start()
    try:
        n = args.count or 1000
        t0 = time.time()
        ids = submit_all(d, [mixed_intent(i, "c") for i in range(n)], checks)
        t_submit = time.time() - t0
        checks.expect(wait_idle(d, 300), "all intents left the live states in 300 s")
        t_done = time.time() - t0
        recs = fetch_all(d, ids)
        ok = sum(check_completed(r, checks) for r in recs)
        kinds = collections.Counter(r["action"] for r in recs)
        log(f"  {n} submitted in {t_submit:.1f} s, all final after {t_done:.1f} s;"
            f" actions {dict(kinds)}; statuses {statuses(recs)}")
        log(f"  {ok}/{n} completed with pending->verified->executing->completed,"
            " a solver id and a successful transaction")
        log("  solvers:", solvers_line(d))
        # Idempotency on a client-chosen id, and cancel after completion.
        body = dict(mixed_intent(1, "c"), id="idem-1")
        s1, j1, _, _ = post(d, "/api/v1/intents", body)
        s2, j2, _, _ = post(d, "/api/v1/intents", body)
        s3, j3, _, _ = post(d, "/api/v1/intents", dict(body, input_amount="2"))
        checks.expect(s1 == 202 and s2 == 200 and j2["id"] == "idem-1",
                      f"same id + same body: 202 then 200, got {s1} {s2}")
        checks.expect(s3 == 409 and j3["error"]["code"],
                      f"same id + other body: 409, got {s3} {j3}")
        s, j, _, _ = post(d, f"/api/v1/intents/{ids[0]}/cancel")
        checks.expect(s == 409, f"cancel a completed intent: 409, got {s} {j}")
        # Paging by user.
        seen, cursor = [], None
        while True:
            q = "/api/v1/intents?user=user-0.c.near&limit=3"
            s, j, _, _ = get(d, q + (f"&cursor={cursor}" if cursor else ""))
            seen += [r["id"] for r in j["items"]]
            cursor = j["next_cursor"]
            if not cursor:
                break
        expect_user0 = sum(1 for i in range(n) if i % 100 == 0)
        checks.expect(len(seen) == len(set(seen)) == expect_user0,
                      f"paging user-0 by 3: {expect_user0} distinct, got {len(seen)}")
    finally:
        checks.expect(d.stop() == 0, "intentd exits 0 on SIGTERM")


def scenario_flaky(binary, work, args, checks):
    # 0.3 of chain calls fail with a retryable error. Ten attempts make a
    # dead letter rare (0.3^10), a short base delay keeps the run short.
    d = Daemon(binary, work, failure_rate=0.3, max_attempts=args.max_attempts,
               base_delay_ms=args.base_delay_ms)
    d.start()
    try:
        n = args.count or 1000
        t0 = time.time()
        ids = submit_all(d, [mixed_intent(i, "f") for i in range(n)], checks)
        checks.expect(wait_idle(d, 300), "all intents left the live states in 300 s")
        recs = fetch_all(d, ids)
        ok = sum(check_completed(r, checks) for r in recs)
        for r in recs:
            if r["status"] != "completed":
                log(f"  {r['id']}: {history(r)} error {r.get('error')}")
        attempts = collections.Counter(r["execution"]["attempts"] for r in recs)
        log(f"  {ok}/{n} completed after {time.time() - t0:.1f} s;"
            f" statuses {statuses(recs)}")
        log("  execution.attempts distribution:",
            ", ".join(f"{k}: {attempts[k]}" for k in sorted(attempts)))
        checks.expect(any(k > 1 for k in attempts), "some intents needed retries")
        log("  solvers:", solvers_line(d))
    finally:
        checks.expect(d.stop() == 0, "intentd exits 0 on SIGTERM")


def dead_letter_ids(d):
    s, j, _, _ = get(d, "/api/v1/dead-letters?limit=1000")
    return {r["id"] for r in j["items"]}


def retry_all(d, ids, checks):
    with futures.ThreadPoolExecutor(16) as pool:
        res = list(pool.map(lambda i: post(d, f"/api/v1/dead-letters/{i}/retry"), ids))
    for status, js, text, _ in res:
        checks.expect(status == 200, f"dead-letter retry -> 200, got {status} {text[:200]}")


def scenario_revert(binary, work, args, checks):
    n = args.count or 300
    d = Daemon(binary, work, revert_rate=1.0)
    d.start()
    try:
        ids = submit_all(d, [mixed_intent(i, "r") for i in range(n)], checks)
        checks.expect(wait_idle(d, 120), "all intents final in 120 s")
        recs = fetch_all(d, ids)
        failed = [r for r in recs if r["status"] == "failed" and r.get("error")]
        checks.expect(len(failed) == n, f"all {n} failed with an error, got {statuses(recs)}")
        dead = dead_letter_ids(d)
        checks.expect(set(ids) <= dead, f"all in dead letters: {len(set(ids) & dead)}/{n}")
        log(f"  revert_rate 1.0: {len(failed)}/{n} failed, {len(set(ids) & dead)} in "
            f"GET /api/v1/dead-letters; error e.g. {json.dumps(failed[0]['error']) if failed else None}")

        # Retry while the chain still reverts: they run again and fail again.
        retry_all(d, ids, checks)
        checks.expect(wait_idle(d, 120), "retried intents final in 120 s")
        recs = fetch_all(d, ids)
        again = [r for r in recs if r["status"] == "failed"
                 and history(r).count("executing") >= 2]
        checks.expect(len(again) == n, f"retry reran all {n} (executing twice, failed"
                      f" again), got {len(again)}; e.g. {history(recs[0])}")
        log(f"  retried from the dead letters with revert_rate 1.0: {len(again)}/{n}"
            f" executed again and failed again; history {history(recs[0])}")
    finally:
        checks.expect(d.stop() == 0, "intentd exits 0 on SIGTERM")

    # Same storage, chain no longer reverting: a retry now completes them.
    d.configure(revert_rate=0.0)
    d.start()
    try:
        dead = dead_letter_ids(d)
        checks.expect(set(ids) <= dead, f"dead letters survive a restart: "
                                        f"{len(set(ids) & dead)}/{n}")
        retry_all(d, ids, checks)
        checks.expect(wait_idle(d, 120), "retried intents final in 120 s")
        recs = fetch_all(d, ids)
        done = [r for r in recs if r["status"] == "completed"]
        checks.expect(len(done) == n, f"after restart with revert_rate 0 all retried"
                                      f" complete, got {statuses(recs)}")
        checks.expect(not (set(ids) & dead_letter_ids(d)), "completed intents left the dead letters")
        log(f"  restarted on the same storage with revert_rate 0, retried: {len(done)}/{n}"
            f" completed; history {history(recs[0])}")
    finally:
        checks.expect(d.stop() == 0, "intentd exits 0 on SIGTERM")


def scenario_expire(binary, work, args, checks):
    d = Daemon(binary, work, latency_ms=5000)
    d.start()
    try:
        body = dict(mixed_intent(0, "e"), expires_at=rfc3339(time.time() + 1))
        t0 = time.time()
        s, j, text, _ = post(d, "/api/v1/intents", body)
        checks.expect(s == 202, f"submit with 1 s deadline -> 202, got {s} {text}")
        iid = j["id"]
        status = None
        while time.time() - t0 < 4:
            status = get(d, f"/api/v1/intents/{iid}")[1]["status"]
            if status in TERMINAL:
                break
            time.sleep(0.1)
        took = time.time() - t0
        checks.expect(status == "expired", f"1 s deadline on a 5 s chain -> expired, got {status}")
        log(f"  expired after {took:.2f} s (deadline 1 s, chain latency 5000 ms)")
        # The chain answers at 5 s: the intent must stay expired.
        time.sleep(max(0.0, 6.5 - (time.time() - t0)))
        rec = get(d, f"/api/v1/intents/{iid}")[1]
        checks.expect(rec["status"] == "expired", f"still expired after the chain answered,"
                                                   f" got {rec['status']}")
        log(f"  after {time.time() - t0:.1f} s: {rec['status']}, history {history(rec)},"
            f" message {rec['status_message']!r}")
        # Cancel: 200 from pending, 409 once final.
        s, j, _, _ = post(d, "/api/v1/intents", mixed_intent(1, "e"))
        cid = j["id"]
        # A key without a signature is refused, not taken for no body.
        s0, j0, _, _ = post(d, f"/api/v1/intents/{cid}/cancel", {"public_key": "a" * 64})
        checks.expect(s0 == 400, f"cancel with a key and no signature -> 400, got {s0} {j0}")
        s1, j1, _, _ = post(d, f"/api/v1/intents/{cid}/cancel")
        s2, j2, _, _ = post(d, f"/api/v1/intents/{cid}/cancel")
        checks.expect(s1 == 200 and j1["status"] == "cancelled",
                      f"cancel while pending/verified -> 200 cancelled, got {s1} {j1}")
        checks.expect(s2 == 409, f"cancel again -> 409, got {s2} {j2}")
        s3, _, _, _ = post(d, f"/api/v1/intents/{iid}/cancel")
        checks.expect(s3 == 409, f"cancel an expired intent -> 409, got {s3}")
        log(f"  cancel with a key alone: {s0}; cancel from pending: {s1} {j1['status']};"
            f" cancel again: {s2};"
            f" cancel expired: {s3}")
    finally:
        checks.expect(d.stop() == 0, "intentd exits 0 on SIGTERM")


def base_swap(**over):
    b = {"user_account": "alice.near", "action": "swap", "input_token": "usdc.near",
         "input_amount": "10", "output_token": "usdt.near", "min_output_amount": "9"}
    b.update(over)
    return b


def invalid_cases(now):
    """(name, raw body or dict, fields expected in error.details)."""
    day = 24 * 3600
    cases = []
    for bad in ["1e5", "+1", "-0", "0x10", "NaN", "", "1" * 40, "-5", "0",
                "1.0000001", " 1", "1,5", ".", "Infinity", "1.2.3"]:
        cases.append((f"input_amount {bad!r}", base_swap(input_amount=bad), ["input_amount"]))
    cases += [
        ("input_amount as JSON number", base_swap(input_amount=10), ["input_amount"]),
        ("min_output_amount as JSON number", base_swap(min_output_amount=9.5), ["min_output_amount"]),
        ("amount above max_amount", base_swap(input_amount="1000000001"), ["input_amount"]),
        ("40-digit min_output", base_swap(min_output_amount="9" * 40), ["min_output_amount"]),
        ("swap same token", base_swap(output_token="usdc.near"), ["output_token"]),
        ("unknown input token", base_swap(input_token="doge.near"), ["input_token"]),
        ("unknown output token", base_swap(output_token="btc.near"), ["output_token"]),
        ("bad account (upper case)", base_swap(user_account="Alice.near"), ["user_account"]),
        ("bad account (spaces)", base_swap(user_account="a b"), ["user_account"]),
        ("bad account (one char)", base_swap(user_account="a"), ["user_account"]),
        ("slippage 51", base_swap(max_slippage="51"), ["max_slippage"]),
        ("slippage -1", base_swap(max_slippage=-1), ["max_slippage"]),
        ("slippage text", base_swap(max_slippage="lots"), ["max_slippage"]),
        ("expires_at in the past", base_swap(expires_at=rfc3339(now - 60)), ["expires_at"]),
        ("expires_at too far", base_swap(expires_at=rfc3339(now + 30 * day)), ["expires_at"]),
        ("expires_at not RFC 3339", base_swap(expires_at="tomorrow"), ["expires_at"]),
        ("missing swap fields", {"user_account": "alice.near", "action": "swap",
                                 "input_token": "usdc.near", "input_amount": "1"},
         ["output_token", "min_output_amount"]),
        ("transfer without recipient", {"user_account": "alice.near", "action": "transfer",
                                        "input_token": "usdc.near", "input_amount": "1"},
         ["recipient"]),
        ("stake without recipient", {"user_account": "alice.near", "action": "stake",
                                     "input_token": "wrap.near", "input_amount": "1"},
         ["recipient"]),
        ("unknown action", base_swap(action="borrow"), ["action"]),
        ("action wrong type", base_swap(action=1), ["action"]),
        ("user_account wrong type", base_swap(user_account=["alice.near"]), ["user_account"]),
        ("nested junk", base_swap(input_amount={"value": "10"}, extra={"a": [1, {"b": None}]}),
         ["input_amount", "extra"]),
        ("unknown field", base_swap(colour="blue"), ["colour"]),
        ("recipient on a swap", base_swap(recipient="bob.near"), ["recipient"]),
        ("max_slippage on a transfer", {"user_account": "alice.near", "action": "transfer",
                                        "input_token": "usdc.near", "input_amount": "1",
                                        "recipient": "bob.near", "max_slippage": "1"},
         ["max_slippage"]),
        ("output fields on a stake", {"user_account": "alice.near", "action": "stake",
                                      "input_token": "wrap.near", "input_amount": "1",
                                      "recipient": "pool.near", "output_token": "usdc.near",
                                      "min_output_amount": "1"},
         ["output_token", "min_output_amount"]),
        ("public_key without a signature", base_swap(public_key="a" * 64), ["public_key"]),
        ("id with bad charset", base_swap(id="no spaces/or slashes"), ["id"]),
        ("id too long", base_swap(id="x" * 200), ["id"]),
        ("several bad fields at once", base_swap(input_amount="1e5", output_token="usdc.near",
                                                 max_slippage="99"),
         ["input_amount", "output_token", "max_slippage"]),
        ("duplicate keys", b'{"user_account":"alice.near","user_account":"bob.near",'
                           b'"action":"swap","input_token":"usdc.near","input_amount":"1",'
                           b'"output_token":"usdt.near","min_output_amount":"1"}', None),
        ("malformed JSON", b'{"user_account": "alice.near", ', None),
        ("not an object", b'["swap"]', None),
        ("empty body", b'', None),
        ("trailing garbage", b'{"action":"swap"} x', None),
        ("invalid UTF-8", b'{"user_account":"\xff\xfe"}', None),
        ("deep nesting", b'[' * 10000 + b']' * 10000, None),
    ]
    return cases


def scenario_invalid(binary, work, args, checks):
    d = Daemon(binary, work)
    d.start()
    try:
        now = time.time()
        cases = invalid_cases(now)
        for k, (name, body, fields) in enumerate(cases):
            iid = f"bad-{k}"
            if isinstance(body, dict):
                body = dict(body)
                body.setdefault("id", iid)
                s, j, text, _ = post(d, "/api/v1/intents", body)
            else:
                s, j, text, _ = post(d, "/api/v1/intents", raw=body)
            err = (j or {}).get("error", {}) if isinstance(j, dict) else {}
            got = [x.get("field") for x in err.get("details", [])]
            ok = s == 400 and err.get("code") and err.get("message") and \
                (got if fields is None else set(fields) <= set(got))
            checks.expect(ok, f"{name}: 400 with details {fields}, got {s} {text[:300]}")
            log(f"  {'ok ' if ok else 'BAD'} {s} {name}: {json.dumps(err.get('details'))[:150]}")
        # Nothing was stored under the ids the bad bodies carried.
        leaked = [k for k in range(len(cases))
                  if get(d, f"/api/v1/intents/bad-{k}")[0] != 404]
        checks.expect(not leaked, f"no record left by bad input, found {leaked}")

        big = json.dumps(base_swap(signature="x" * (70 * 1024))).encode()
        s, j, text, _ = post(d, "/api/v1/intents", raw=big)
        checks.expect(s == 413 and j["error"]["code"], f"70 KiB body -> 413, got {s} {text[:200]}")
        log(f"  {s} body of 70 KiB: {text[:120]}")
        s, j, text, _ = post(d, "/api/v1/intents", raw=json.dumps(base_swap()).encode(),
                             headers={"Content-Type": "text/plain"})
        checks.expect(s == 415 and j["error"]["code"], f"text/plain -> 415, got {s} {text[:200]}")
        log(f"  {s} Content-Type text/plain: {text[:120]}")
        for path in ["/nope", "/api/v1/intents/does-not-exist", "/api/v2/intents"]:
            s, j, text, h = get(d, path)
            checks.expect(s == 404 and j and j["error"]["code"] and
                          "json" in (h.get("Content-Type") or ""),
                          f"GET {path} -> JSON 404, got {s} {text[:200]}")
            log(f"  {s} GET {path}: {text[:120]}")
        s, j, text, h = get(d, "/api/v1/intents/x/cancel")
        checks.expect(s == 405 and h.get("Allow") == "POST" and j["error"]["code"],
                      f"GET on a POST route -> 405 with Allow: POST, got {s} {text[:200]}")
        log(f"  {s} GET /api/v1/intents/x/cancel (Allow: {h.get('Allow')}): {text[:100]}")
        s, j, text, _ = get(d, "/api/v1/intents?status=bogus&limit=0")
        checks.expect(s == 400, f"list with bad status/limit -> 400, got {s}")
        log(f"  {s} GET /api/v1/intents?status=bogus&limit=0: {text[:160]}")
        s, _, _, _ = get(d, "/healthz")
        checks.expect(s == 200 and d.alive(), "daemon alive after all bad input")
    finally:
        checks.expect(d.stop() == 0, "intentd exits 0 on SIGTERM")


def scenario_restart(binary, work, args, checks):
    """Intents in flight when intentd stops finish after a restart."""
    n = args.count or 200
    d = Daemon(binary, work, latency_ms=3000)
    d.start()
    try:
        ids = submit_all(d, [mixed_intent(i, "k") for i in range(n)], checks)
        time.sleep(4)  # verified at 3 s, then executing for 3 s more
        before = statuses(fetch_all(d, ids))
    finally:
        checks.expect(d.stop() == 0, "intentd exits 0 on SIGTERM")
    d.configure(latency_ms=20)
    d.start()
    try:
        checks.expect(wait_idle(d, 120), "recovered intents final in 120 s")
        recs = fetch_all(d, ids)
        done = [r for r in recs if r["status"] == "completed"]
        checks.expect(len(done) == n, f"all {n} in-flight intents complete after a"
                                      f" restart, got {statuses(recs)}")
        errors = collections.Counter((r.get("error") or {}).get("code") for r in recs
                                     if r["status"] != "completed")
        log(f"  stopped with {before}; after restart: {statuses(recs)}"
            + (f"; errors {dict(errors)}" if errors else ""))
    finally:
        checks.expect(d.stop() == 0, "intentd exits 0 on SIGTERM")


SCENARIOS = {"complete": scenario_complete, "flaky": scenario_flaky,
             "revert": scenario_revert, "expire": scenario_expire,
             "invalid": scenario_invalid, "restart": scenario_restart}
# `all` runs the scenarios of issue 2's acceptance list; `restart` runs alone.
ALL = ["complete", "flaky", "revert", "expire", "invalid"]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default="all", choices=list(SCENARIOS) + ["all"])
    p.add_argument("--binary")
    p.add_argument("--count", type=int, default=0, help="intents per scenario")
    p.add_argument("--max-attempts", type=int, default=10,
                   help="flaky: solvers.retry.max_attempts (default 10)")
    p.add_argument("--base-delay-ms", type=int, default=50,
                   help="flaky: solvers.retry.base_delay_ms (default 50)")
    p.add_argument("--keep", action="store_true", help="keep the temp directory")
    args = p.parse_args()
    # SIGTERM unwinds like Ctrl-C, so every started intentd is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    binary = find_binary(args.binary)
    names = ALL if args.scenario == "all" else [args.scenario]
    summary = []
    for name in names:
        work = tempfile.mkdtemp(prefix=f"intentd-{name}-")
        checks = Checks()
        log(f"== {name} ({binary}, {work})")
        t0 = time.time()
        try:
            SCENARIOS[name](binary, work, args, checks)
        except Exception as e:  # a crash of the scenario is a failure too
            checks.expect(False, f"{name} raised {type(e).__name__}: {e}")
        summary.append((name, checks, time.time() - t0))
        if args.keep or checks.failures:
            log(f"  kept {work} (log: {work}/intentd.log)")
        else:
            shutil.rmtree(work, ignore_errors=True)
    log("== summary")
    for name, c, secs in summary:
        log(f"  {name:9} {'PASS' if not c.failures else 'FAIL'}  {c.passed} checks passed,"
            f" {len(c.failures)} failed, {secs:.1f} s")
    sys.exit(1 if any(c.failures for _, c, _ in summary) else 0)


if __name__ == "__main__":
    main()
