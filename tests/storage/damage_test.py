#!/usr/bin/env python3
"""A damaged record in a real store file: boots the built intentd on
loopback port 0 with temp storage, completes a few intents, stops it and
checks `intentd --verify-storage` exits 0 on the clean store; then flips one
byte inside one intent's stored record in data.mdb and checks that
`--verify-storage` exits 1 naming that intent, and that the daemon, started
again on the damaged file, answers 500 storage_corrupt naming the id for it
(and for a listing that meets it), counts it in
storage_corrupt_values_total, and still serves the other intents.

With --sweep N it also runs the experiment of issue 14: N times, ten random
64-byte spots written into the data pages of a copy of the store, then
listings and reads and --verify-storage; every process must end by itself
(no SIGSEGV / SIGBUS) -- see docs/operations.md, "Damaged storage"."""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

LISTEN_RE = re.compile(r"listening on \S+ port (\d+)")
PAGE = 4096
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def request(port, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers=headers)
        r = c.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        c.close()


class daemon:
    """intentd on `storage` until stop(); ready when /readyz answers (any
    status: a damaged store may keep it 503)."""

    def __init__(self, binary, workdir, storage, name):
        config = os.path.join(workdir, name + ".yaml")
        with open(config, "w") as f:
            f.write(f"""server:
  listen: "127.0.0.1:0"
storage:
  path: {storage}
  sync: false
chain:
  kind: simulated
  simulated:
    latency_ms: 5
logging:
  level: info
""")
        self.log_path = os.path.join(workdir, name + ".log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([binary, "--config", config],
                                         stdout=log, stderr=subprocess.STDOUT,
                                         cwd=workdir)
        self.port = None
        deadline = time.time() + 30
        while time.time() < deadline and self.proc.poll() is None:
            with open(self.log_path, errors="replace") as f:
                m = LISTEN_RE.search(f.read())
            if m:
                try:
                    request(int(m.group(1)), "GET", "/readyz")
                    self.port = int(m.group(1))
                    return
                except OSError:
                    pass
            time.sleep(0.05)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """The exit status; negative for a signal (the daemon crashed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


def transfer(i):
    return {"id": f"dmg-{i}", "user_account": f"user-{i % 2}.near",
            "action": "transfer", "input_token": "usdt.near",
            "input_amount": "1.5", "recipient": "bob.near"}


def fill(binary, workdir, storage, count):
    d = daemon(binary, workdir, storage, "fill")
    check(d.port is not None, "intentd starts on an empty store")
    if d.port is None:
        return False
    for i in range(count):
        status, _ = request(d.port, "POST", "/api/v1/intents", transfer(i))
        if status != 202:
            check(False, f"submit dmg-{i} -> {status}")
    pending = {f"dmg-{i}" for i in range(count)}
    deadline = time.time() + 60
    while pending and time.time() < deadline:
        for iid in list(pending):
            status, body = request(d.port, "GET", f"/api/v1/intents/{iid}")
            if status == 200 and json.loads(body)["status"] == "completed":
                pending.discard(iid)
        time.sleep(0.05)
    check(not pending, f"{count} intents completed (left: {sorted(pending)[:5]})")
    check(d.stop() == 0, "intentd stops cleanly")
    return True


def verify(binary, storage):
    r = subprocess.run([binary, "--verify-storage", storage],
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def damage_record(data_mdb, intent_id):
    """Flips a byte inside every stored copy of the record of `intent_id`
    (format 2: "ir", 2, a 4-byte checksum, then the id with its length);
    copies in free pages are never read. Returns how many it changed."""
    with open(data_mdb, "r+b") as f:
        data = bytearray(f.read())
        head = bytes([len(intent_id)]) + intent_id.encode()
        changed = 0
        at = data.find(b"ir\x02")
        while at >= 0:
            if data[at + 7:at + 7 + len(head)] == head:
                spot = at + 7 + len(head) + 4   # inside the user account
                data[spot] ^= 0x20
                changed += 1
            at = data.find(b"ir\x02", at + 1)
        f.seek(0)
        f.write(data)
    return changed


def damaged_record_test(binary, workdir, storage):
    rc, out = verify(binary, storage)
    check(rc == 0 and "clean" in out,
          f"--verify-storage exits 0 on the clean store ({rc}): {out[-300:]}")
    changed = damage_record(os.path.join(storage, "data.mdb"), "dmg-3")
    check(changed >= 1, f"the record of dmg-3 was found in data.mdb ({changed})")
    rc, out = verify(binary, storage)
    check(rc == 1, f"--verify-storage exits 1 on the damaged store ({rc})")
    check("DAMAGE records: intent dmg-3" in out,
          f"--verify-storage names the damaged record: {out[-600:]}")
    d = daemon(binary, workdir, storage, "damaged")
    check(d.port is not None, "intentd starts on the damaged store")
    if d.port is None:
        print(d.log()[-2000:])
        d.stop()
        return
    status, body = request(d.port, "GET", "/api/v1/intents/dmg-3")
    err = json.loads(body).get("error", {}) if body.startswith("{") else {}
    check(status == 500 and err.get("code") == "storage_corrupt",
          f"GET the damaged intent -> 500 storage_corrupt ({status} {body[:200]})")
    check("dmg-3" in err.get("message", ""),
          f"the message names the intent: {err.get('message')}")
    status, body = request(d.port, "GET", "/api/v1/intents/dmg-2")
    check(status == 200 and json.loads(body)["status"] == "completed",
          f"another intent is still served ({status})")
    status, body = request(d.port, "GET", "/api/v1/intents?user=user-1.near")
    check(status == 500 and "dmg-3" in body,
          f"a listing that meets it -> 500 naming it ({status} {body[:200]})")
    status, body = request(d.port, "POST", "/api/v1/intents", transfer(3))
    check(status == 500 and "storage_corrupt" in body,
          f"resubmitting its id -> 500 storage_corrupt, not a new intent ({status})")
    status, body = request(d.port, "GET", "/metrics")
    m = re.search(r"^storage_corrupt_values_total (\S+)$", body, re.M)
    check(m is not None and float(m.group(1)) >= 3,
          f"storage_corrupt_values_total counts it ({m.group(1) if m else None})")
    check("stored record of intent dmg-3" in d.log(), "the damage is logged")
    check(d.stop() == 0, "intentd stops cleanly")


def sweep(binary, workdir, storage, tries, seed, keep=None):
    """The experiment: ten random 64-byte spots in the data pages."""
    rng = random.Random(seed)
    pristine = os.path.join(workdir, "pristine")
    shutil.copytree(storage, pristine)
    size = os.path.getsize(os.path.join(pristine, "data.mdb"))
    pages = size // PAGE
    crashes = []
    outcomes = {"clean": 0, "damage found": 0}
    for n in range(tries):
        copy = os.path.join(workdir, f"try-{n}")
        shutil.copytree(pristine, copy)
        with open(os.path.join(copy, "data.mdb"), "r+b") as f:
            for _ in range(10):
                page = rng.randrange(2, pages)   # pages 0 and 1: meta
                f.seek(page * PAGE + rng.randrange(0, PAGE - 64))
                f.write(bytes(rng.randrange(256) for _ in range(64)))
        rc, out = verify(binary, copy)
        if rc < 0 or rc not in (0, 1):
            crashes.append((n, "verify", rc, out[-300:]))
        else:
            outcomes["clean" if rc == 0 else "damage found"] += 1
        d = daemon(binary, workdir, copy, f"try-{n}")
        if d.port is not None:
            for path in ["/api/v1/intents?limit=1000",
                         "/api/v1/intents?user=user-0.near",
                         "/api/v1/intents?user=user-1.near",
                         "/api/v1/intents?status=completed",
                         "/api/v1/dead-letters"] + \
                        [f"/api/v1/intents/dmg-{i}" for i in range(20)]:
                if not d.alive():
                    break
                try:
                    request(d.port, "GET", path)
                except OSError:
                    pass
        rc = d.stop()
        if rc < 0:
            crashes.append((n, "daemon", rc, d.log()[-300:]))
        if keep and crashes and crashes[-1][0] == n:
            shutil.copytree(pristine, os.path.join(keep, f"try-{n}-pristine"),
                            dirs_exist_ok=True)
            shutil.copytree(copy, os.path.join(keep, f"try-{n}"),
                            dirs_exist_ok=True)
        shutil.rmtree(copy, ignore_errors=True)
    print(f"sweep: {tries} tries, verify {outcomes}, crashes {len(crashes)}")
    for c in crashes:
        print("  crash:", c)
    check(not crashes, f"no crash in {tries} damaged copies")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--sweep", type=int, default=0)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--keep", help="copy the stores that crashed a process here")
    ap.add_argument("--intents", type=int, default=20)  # the default per-IP submit limit
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    workdir = tempfile.mkdtemp(prefix="intentd-damage-")
    try:
        storage = os.path.join(workdir, "data")
        if fill(binary, workdir, storage, args.intents):
            if args.sweep:
                sweep(binary, workdir, storage, args.sweep, args.seed,
                      args.keep)
            damaged_record_test(binary, workdir, storage)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
