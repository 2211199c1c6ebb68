#!/usr/bin/env python3
"""A full disk is a wait, not a failure. Mounts a small tmpfs, runs the built
intentd with its storage (intent store and chain journal) there, acknowledges
intents, fills the filesystem while they are in flight, and checks that
/readyz turns 503 and no acknowledged intent fails and no new one is
acknowledged; then frees the space and checks, without a restart, that
/readyz is 200 again and every acknowledged intent completes.

--write-path log runs it over storage.write_path log.

Needs root for the mount: otherwise it prints why and exits 77 (skipped)."""
import argparse
import errno
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

LISTEN_RE = re.compile(r"listening on \S+ port (\d+)")
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
        text = r.read().decode()
        try:
            return r.status, json.loads(text)
        except ValueError:
            return r.status, text
    finally:
        c.close()


def metric(port, name):
    """The value of an unlabelled metric on /metrics; None when absent."""
    code, text = request(port, "GET", "/metrics")
    if code != 200 or not isinstance(text, str):
        return None
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def intent(i):
    return {"id": f"df-{i}", "user_account": f"disk-{i % 7}.near",
            "action": "transfer", "input_token": "usdc.near",
            "input_amount": "1.5", "recipient": "bob.near"}


def wait_for(what, predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return None


def fill(path):
    """Writes a file until the filesystem is full."""
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError as e:
                if e.errno in (errno.ENOSPC, errno.EDQUOT):
                    break
                raise
    with open(path, "ab", buffering=0) as f:  # the last few bytes too
        while True:
            try:
                if f.write(b"\0" * 512) == 0:
                    break
            except OSError:
                break


def statuses(port, ids):
    out = {}
    for i in ids:
        code, body = request(port, "GET", f"/api/v1/intents/{i}")
        out[i] = body.get("status") if code == 200 and isinstance(body, dict) else f"http {code}"
    return out


def run(binary, workdir, write_path):
    disk = os.path.join(workdir, "disk")
    os.makedirs(disk)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", disk], check=True)
    proc = None
    try:
        config = os.path.join(workdir, "intentd.yaml")
        with open(config, "w") as f:
            f.write(f"""server:
  listen: "127.0.0.1:0"
storage:
  path: {os.path.join(disk, "data")}
  sync: true
  map_size_mb: 64
  write_path: {write_path}
chain:
  kind: simulated
  simulated:
    latency_ms: 400
solvers:
  retry: {{max_attempts: 2, base_delay_ms: 100, max_delay_ms: 200}}
rate_limits:
  enabled: false
logging:
  level: info
""")
        log_path = os.path.join(workdir, "intentd.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([os.path.abspath(binary), "--config", config],
                                    stdout=log, stderr=subprocess.STDOUT, cwd=workdir)

        def listening():
            with open(log_path, errors="replace") as f:
                m = LISTEN_RE.search(f.read())
            if not m:
                return None
            try:
                return int(m.group(1)) if request(int(m.group(1)), "GET", "/readyz")[0] == 200 else None
            except OSError:
                return None
        port = wait_for("ready", listening, 30)
        if not port:
            raise SystemExit(f"intentd did not become ready; see {log_path}")

        # In flight: the chain holds every answer for 400 ms.
        acked = []
        for i in range(40):
            code, _ = request(port, "POST", "/api/v1/intents", intent(i))
            if code == 202:
                acked.append(f"df-{i}")
        check(len(acked) == 40, f"40 intents acknowledged before the disk fills ({len(acked)})")

        fill(os.path.join(disk, "filler"))
        refused = 0
        for i in range(40, 400):
            code, body = request(port, "POST", "/api/v1/intents", intent(i))
            if code == 202:
                acked.append(f"df-{i}")
            elif code == 503:
                refused += 1
                if refused >= 5:
                    break
            else:
                check(False, f"submission on a full disk: {code} {body}")
                break
        check(refused >= 5, f"submissions are refused with 503 once the disk is full ({refused})")

        def not_ready():
            code, body = request(port, "GET", "/readyz")
            return body if code == 503 else None
        body = wait_for("503", not_ready, 15)
        check(body is not None, f"/readyz is 503 while the disk is full: {json.dumps(body)}")
        # Stay full past what the retry budget would survive (2 attempts,
        # 100 ms apart): every intent in flight has paused for the chain's
        # storage at least three times. Then a 202 is still not given.
        def waited_past_budget():
            waits = metric(port, "intent_storage_waits_total")
            live = [i for i, st in statuses(port, acked).items()
                    if st not in ("completed", "failed", "expired", "cancelled")]
            if waits is None or waits < 3 * len(live):
                return None
            return waits if live else "no intent in flight"
        # On the write log every write extends a segment, so the intents in
        # flight cannot store their own next state either (LMDB reuses its
        # free pages and lets some through to the chain): they wait on
        # their writes, which the storage writer retries, counted in the
        # storage check of /readyz.
        def failed_commits():
            code, body = request(port, "GET", "/readyz")
            detail = (((body or {}).get("checks") or {}).get("storage") or {}).get("detail", "") \
                if isinstance(body, dict) else ""
            m = re.match(r"(\d+) storage commits failed in a row", detail)
            return int(m.group(1)) if m else 0
        if write_path == "log":
            waits = wait_for("failed commits", lambda: failed_commits() >= 20 or None, 60)
            check(waits is not None,
                  f"the intents in flight wait on their own writes to the log ({failed_commits()} "
                  f"failed commits in a row)")
        else:
            waits = wait_for("storage waits", waited_past_budget, 60)
            check(waits is not None,
                  f"the intents in flight pause for the chain's storage ({metric(port, 'intent_storage_waits_total')})")
        code, _ = request(port, "POST", "/api/v1/intents", intent(1000))
        check(code == 503, f"still no 202 while full ({code})")
        check(request(port, "GET", "/readyz")[0] == 503, "/readyz still 503 while full")
        now = statuses(port, acked)
        failed = {i: s for i, s in now.items() if s in ("failed", "expired", "cancelled")}
        check(not failed, f"no acknowledged intent failed while full ({failed})")

        os.remove(os.path.join(disk, "filler"))
        check(wait_for("200", lambda: request(port, "GET", "/readyz")[0] == 200, 30),
              "/readyz is 200 again once there is room, without a restart")
        check(proc.poll() is None, "the same daemon process runs on")

        def all_done():
            now = statuses(port, acked)
            return now if all(s in ("completed", "failed", "expired", "cancelled")
                              for s in now.values()) else None
        final = wait_for("done", all_done, 60) or statuses(port, acked)
        not_completed = {i: s for i, s in final.items() if s != "completed"}
        check(not not_completed,
              f"all {len(acked)} acknowledged intents completed ({not_completed})")
        code, _ = request(port, "POST", "/api/v1/intents", intent(2000))
        check(code == 202, f"a new intent is acknowledged again ({code})")
        done = wait_for("new", lambda: statuses(port, ["df-2000"])["df-2000"] == "completed", 30)
        check(bool(done), "and completes")
        code, body = request(port, "GET", "/api/v1/dead-letters")
        if code == 200 and isinstance(body, dict):
            dead = [(d.get("id"), (d.get("error") or {}).get("code"))
                    for d in body.get("items") or []]
            check(not dead, f"no dead letters ({dead})")
        if failures:
            with open(log_path, errors="replace") as f:
                print(f.read()[-4000:])
    finally:
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        subprocess.run(["umount", disk], check=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--write-path", choices=["lmdb", "log"], default="lmdb",
                    help="storage.write_path")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("skipped: the disk-full test mounts a small tmpfs and needs root")
        return 77
    if shutil.which("mount") is None:
        print("skipped: no mount command")
        return 77
    workdir = tempfile.mkdtemp(prefix="intentd-diskfull-")
    try:
        print(f"storage.write_path {args.write_path}", flush=True)
        run(args.binary, workdir, args.write_path)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("PASS" if not failures else f"FAILED: {len(failures)} checks")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
