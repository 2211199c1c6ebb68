#!/usr/bin/env python3
"""A recovery that cannot read storage stops the daemon: boots the built
intentd on loopback port 0 with temp storage and a slow chain, submits
intents that stay live, kills it with SIGKILL, damages the page of data.mdb
that holds the index recovery walks (by_status), and checks that intentd
started again on it exits by itself with status 1 and a critical log line
`recovery failed: recovery cannot read ...`, never serving as ready.

A damaged record is quarantined rather than fatal (docs/durability.md,
Recovery; tests/storage/damage_test.py); a damaged page is a read that
fails, which is what this test makes."""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import struct
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
        return r.status, r.read().decode(errors="replace")
    finally:
        c.close()


def start(binary, workdir, storage, name):
    config = os.path.join(workdir, name + ".yaml")
    with open(config, "w") as f:
        f.write(f"""server:
  listen: "127.0.0.1:0"
storage:
  path: {storage}
  sync: true
chain:
  kind: simulated
  simulated:
    latency_ms: 600000
logging:
  level: info
""")
    log_path = os.path.join(workdir, name + ".log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([binary, "--config", config], stdout=log,
                                stderr=subprocess.STDOUT, cwd=workdir)
    return proc, log_path


def read_log(path):
    with open(path, errors="replace") as f:
        return f.read()


def wait_port(proc, log_path, limit=30):
    deadline = time.time() + limit
    while time.time() < deadline and proc.poll() is None:
        m = LISTEN_RE.search(read_log(log_path))
        if m:
            return int(m.group(1))
        time.sleep(0.05)
    return None


def transfer(i):
    return {"id": f"live-{i}", "user_account": f"user-{i % 2}.near",
            "action": "transfer", "input_token": "usdt.near",
            "input_amount": "1.5", "recipient": "bob.near"}


# LMDB 0.9 on a 64-bit host: a page begins with pgno (8), pad (2), flags (2),
# lower (2), upper (2); the meta pages 0 and 1 hold after that header the
# magic, version, address, map size, then the FREE and MAIN databases
# (48 bytes each: pad, flags, depth, four counts, root), last page, txnid.
PAGE_HEADER = 16
DB_SIZE = 48
P_LEAF = 0x02


def meta(data, page_size, n):
    base = n * page_size + PAGE_HEADER
    main_root = struct.unpack_from("<Q", data, base + 24 + DB_SIZE + 40)[0]
    txnid = struct.unpack_from("<Q", data, base + 24 + 2 * DB_SIZE + 8)[0]
    return txnid, main_root


def leaf_nodes(data, page_size, pgno):
    """(key, value) of every node of leaf page `pgno` (values inline)."""
    page = pgno * page_size
    flags, lower = struct.unpack_from("<HH", data, page + 10)
    if not flags & P_LEAF:
        raise ValueError(f"page {pgno} is not a leaf page (flags {flags:#x})")
    out = []
    for i in range((lower - PAGE_HEADER) // 2):
        off = struct.unpack_from("<H", data, page + PAGE_HEADER + 2 * i)[0]
        node = page + off
        lo, hi, _, ksize = struct.unpack_from("<HHHH", data, node)
        key = bytes(data[node + 8:node + 8 + ksize])
        size = lo | (hi << 16)
        out.append((key, bytes(data[node + 8 + ksize:node + 8 + ksize + size])))
    return out


def damage_index_root(data_mdb, name):
    """Clears the page-type flags of the root page of named database `name`,
    as a torn or overwritten page would: LMDB answers MDB_CORRUPTED for
    every read that descends into it. Returns the page number."""
    with open(data_mdb, "r+b") as f:
        data = bytearray(f.read())
        # The page size is kept in the FREE database's pad field.
        page_size = struct.unpack_from("<I", data, PAGE_HEADER + 24)[0]
        newest = max((meta(data, page_size, n) for n in (0, 1)))
        root = None
        for key, value in leaf_nodes(data, page_size, newest[1]):
            if key == name.encode():
                root = struct.unpack_from("<Q", value, 40)[0]
        if root is None:
            raise ValueError(f"no database {name} in {data_mdb}")
        struct.pack_into("<H", data, root * page_size + 10, 0)
        f.seek(0)
        f.write(data)
    return root


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--intents", type=int, default=5)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    workdir = tempfile.mkdtemp(prefix="intentd-recovery-")
    try:
        storage = os.path.join(workdir, "data")
        proc, log_path = start(binary, workdir, storage, "fill")
        port = wait_port(proc, log_path)
        check(port is not None, "intentd starts on an empty store")
        if port is None:
            print(read_log(log_path)[-2000:])
            proc.kill()
            return 1
        accepted = 0
        for i in range(args.intents):
            status, _ = request(port, "POST", "/api/v1/intents", transfer(i))
            accepted += status == 202
        check(accepted == args.intents,
              f"{accepted}/{args.intents} intents accepted and left live")
        proc.send_signal(signal.SIGKILL)
        proc.wait()

        page = damage_index_root(os.path.join(storage, "data.mdb"), "by_status")
        print(f"damaged page {page} (the root of by_status)")

        proc, log_path = start(binary, workdir, storage, "damaged")
        try:
            rc = proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            rc = None
        log = read_log(log_path)
        check(rc == 1, f"intentd exits by itself with status 1 ({rc})")
        m = re.search(r"\bcritical recovery failed: recovery cannot read "
                      r"([^\n]*)", log)
        check(m is not None, "a critical log line says recovery failed and why")
        if m:
            print("  " + m.group(0))
            check("MDB_CORRUPTED" in m.group(1) or "damaged" in m.group(1),
                  f"it names the damage: {m.group(1)}")
        check(re.search(r"recovered \d+ live intents", log) is None,
              "recovery was never reported done")
        if failures:
            print(log[-3000:])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
