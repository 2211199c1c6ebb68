#!/usr/bin/env python3
"""Three real intentd nodes on loopback, each with its own storage.

  * 3,000 mixed intents (--count) submitted round-robin through all nodes
    all complete; each answer names the node that owns the id (rendezvous
    hashing of the id over the node names, computed here the same way);
    every record reads the same through every node, naming its owner.
  * kill -9 of n2 while intents run: within 3 s the others answer 503
    node_unavailable (with Retry-After) for n2's intents and keep serving
    the rest; n2 restarted on its storage: its intents complete, each with
    one transaction.
  * a WebSocket subscriber on n1 follows an intent on n3 (current state,
    then every transition in order) and an account's intents on n3; when
    n2 is killed, a subscriber to one of its intents gets an error event
    node_unavailable, and subscribing again after its restart works.
  * SIGSTOP of n3 is detected the same way (within node_timeout_ms plus a
    heartbeat); SIGCONT brings it back.
  * a user's intents on every node list once across pages through any node;
  * a key registered through n1 is kept at its account's home: intents
    signed with it are accepted through every node, and so is a read token
    signed with it (HTTP through every node, a WebSocket subscribe-user on a
    node that is not the home); while the home is down (n2 killed), such a
    token is a 503 node_unavailable, and accepted again after its restart;
  * GET /api/v1/cluster and /readyz on every node tell the states.
  * the simulated chain is one ledger, on n1 (cluster.chain_node by
    default, the first node): only n1's storage holds a chain journal; an
    account's intents on every node draw on one balance; an intent n2 owns
    is executed on n1's ledger and found by its transaction through every
    node; while n1 is stopped, n2's /readyz fails its chain check and n2's
    new intent waits, and both recover once n1 is back.
  * /metrics on every node has the cluster families (and passes `promtool
    check metrics` when promtool is installed): nodes up, forwards by node
    and outcome, their latency, heartbeat misses.

  tests/cluster/cluster_test.py [--binary PATH] [--count N] [--keep]

Exit status 0 when every check passed, 1 when one failed, 2 when the test
could not run. Standard library only; everything runs on 127.0.0.1 and is
stopped at the end.
"""

import argparse
import concurrent.futures as futures
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "crash"))
from crash_test import Client, Daemon, make_intent  # noqa: E402
from ws_client import WsClient  # noqa: E402

NAMES = ["n1", "n2", "n3"]
# The account whose signed intents test the cluster-wide nonce, and its key
# (an ed25519 seed fixed for the test).
SIGNER = "signer.near"
SIGNER_SEED = "2a3aefc9b9835668c7457609a888c11fd5b0146ccbd1f69444691f076762416b"
SIGNER_KEY = "1c5d14b6270db8f47ec6613262055a032c462353967e602d49ceaa464f9f6616"
HEARTBEAT_MS = 200
NODE_TIMEOUT_MS = 1000
LOOPBACK = ["127.0.0.1"] * len(NAMES)
MASK = (1 << 64) - 1
ARGS = None
# A key kept at n2 for an account of its own, to read with while n2 is down
# (RFC 8032's third test key).
READER_SEED = "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"
READER_KEY = "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025"


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & MASK
    return h


def mix(x):
    """splitmix64's finalizer."""
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & MASK
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & MASK
    return x ^ (x >> 31)


def owner_of(key, names=NAMES):
    """Rendezvous hashing as runtime/model/rendezvous.cpp does it."""
    best = None
    for name in sorted(names):
        w = mix(fnv1a64(name.encode() + b"\0" + key.encode()))
        if best is None or w > best[0]:
            best = (w, name)
    return best[1]


def time_key(text):
    """An RFC 3339 UTC time ("...T10:05:00.25Z") as a sortable text: the
    fraction padded to nine digits."""
    body = text.rstrip("Z")
    whole, _, frac = body.partition(".")
    return whole + "." + frac.ljust(9, "0")


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def node_config(name, storage, mm_ports, http_ports, mm_hosts=LOOPBACK,
                http_hosts=LOOPBACK):
    """Node `name`'s config; node j's middleman listens on mm_hosts[j]:
    mm_ports[j], its HTTP server on http_hosts[j]:http_ports[j]."""
    i = NAMES.index(name)
    nodes = "\n".join(
        f'    - {{ name: {n}, address: "{mm_hosts[j]}:{mm_ports[j]}", '
        f'http: "{http_hosts[j]}:{http_ports[j]}" }}' for j, n in enumerate(NAMES))
    return f"""server:
  listen: "{http_hosts[i]}:{http_ports[i]}"
storage:
  path: "{storage}"
  sync: true
chain:
  kind: simulated
  simulated:
    latency_ms: 5
    failure_rate: 0.0
    revert_rate: 0.0
solvers:
  retry:
    max_attempts: 10
    base_delay_ms: 20
    max_delay_ms: 200
rate_limits:
  enabled: false
logging:
  level: info
security:
  keys:
    - {{ account: "{SIGNER}", public_key: "{SIGNER_KEY}" }}
cluster:
  node: {name}
  listen: "{mm_hosts[i]}:{mm_ports[i]}"
  heartbeat_interval_ms: {HEARTBEAT_MS}
  node_timeout_ms: {NODE_TIMEOUT_MS}
  forward_timeout_ms: 3000
  nodes:
{nodes}
"""


class Failures:
    def __init__(self):
        self.items = []

    def check(self, ok, what):
        if not ok:
            self.items.append(what)
            print("  FAILED:", what, flush=True)
        return ok


def wait_for(what, predicate, timeout):
    """Polls `predicate` until it returns a true value; raises on timeout."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def client(where, timeout):
    """A Client for `where`: a port on 127.0.0.1, or a (host, port) pair."""
    if isinstance(where, tuple):
        return Client(where[1], timeout=timeout, host=where[0])
    return Client(where, timeout=timeout)


def get(port, path):
    c = client(port, timeout=10)
    try:
        return c.request("GET", path)
    except OSError:
        return (None, None, "")
    finally:
        c.close()


def get_bearer(port, path, token):
    """(status, error code, Retry-After) of a GET with `token` as its
    Authorization: Bearer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        text = resp.read().decode()
    except OSError:
        return (None, None, None)
    finally:
        conn.close()
    try:
        code = (json.loads(text).get("error") or {}).get("code")
    except ValueError:
        code = None
    return (resp.status, code, resp.getheader("Retry-After"))


def account_homed_at(name, prefix):
    """An account id whose home (rendezvous owner) is node `name`."""
    i = 0
    while owner_of(f"{prefix}{i}.near") != name:
        i += 1
    return f"{prefix}{i}.near"


def states(port):
    status, js, _ = get(port, "/api/v1/cluster")
    if status != 200 or not js:
        return {}
    return {n["name"]: n["state"] for n in js["nodes"]}


def all_up(ports, among=NAMES):
    for name in among:
        seen = states(ports[name])
        for other in among:
            want = "self" if other == name else "up"
            if seen.get(other) != want:
                return False
    return True


def submit_all(ports, bodies, order):
    """Submits each body through the node `order` picks; (id, status, js)."""
    def one(i_body):
        i, body = i_body
        c = client(ports[order(i)], timeout=15)
        try:
            status, js, text = c.request("POST", "/api/v1/intents", body)
            return body["id"], status, js, text
        finally:
            c.close()
    with futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, enumerate(bodies)))


def final(port, iid):
    status, js, _ = get(port, f"/api/v1/intents/{iid}")
    return status == 200 and js["status"] in ("completed", "failed",
                                              "expired", "cancelled")


CLUSTER_FAMILIES = {
    "cluster_nodes_up": "gauge",
    "cluster_node_up": "gauge",
    "cluster_forwarded_total": "counter",
    "cluster_forward_duration_seconds": "histogram",
    "cluster_heartbeat_misses_total": "counter",
}


def scrape(port):
    """The samples of GET /metrics by series, and the text."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", "/metrics")
        text = c.getresponse().read().decode()
    finally:
        c.close()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples, text


def forwarded(samples, node, outcome):
    return samples.get(
        f'cluster_forwarded_total{{node="{node}",outcome="{outcome}"}}', 0)


def check_cluster_metrics(f, ports):
    """Every node exposes the cluster families, sees all three nodes up,
    and counted the forwards of the round-robin submissions as ok."""
    promtool = shutil.which("promtool")
    for name in NAMES:
        samples, text = scrape(ports[name])
        for fam, kind in CLUSTER_FAMILIES.items():
            f.check(f"# TYPE {fam} {kind}" in text, f"{name}: no {kind} {fam}")
        f.check(samples.get("cluster_nodes_up") == 3,
                f"{name}: cluster_nodes_up {samples.get('cluster_nodes_up')}")
        for other in NAMES:
            f.check(samples.get(f'cluster_node_up{{node="{other}"}}') == 1,
                    f"{name}: cluster_node_up of {other} is not 1")
            if other == name:
                continue
            f.check(forwarded(samples, other, "ok") > 0,
                    f"{name}: no ok forward to {other} counted")
            count = samples.get(
                f'cluster_forward_duration_seconds_count{{node="{other}"}}', 0)
            f.check(count == forwarded(samples, other, "ok"),
                    f"{name}: {count} forward latencies to {other}, "
                    f"{forwarded(samples, other, 'ok')} ok forwards")
        if promtool:
            r = subprocess.run([promtool, "check", "metrics"], input=text,
                               capture_output=True, text=True)
            f.check(r.returncode == 0,
                    f"{name}: promtool check metrics: {r.stdout}{r.stderr}")


def ids_owned_by(name, prefix, n):
    out, i = [], 0
    while len(out) < n:
        iid = f"{prefix}-{i}"
        if owner_of(iid) == name:
            out.append(iid)
        i += 1
    return out


def stop_nodes(f, daemons):
    """SIGTERM to every node; each must exit 0."""
    for n in NAMES:
        code = daemons[n].terminate(10)
        f.check(code == 0, f"{n} exited with {code}")


def print_log_tails(daemons):
    for n, d in daemons.items():
        print(f"--- {n} log tail\n{d.tail(30)}")


def clean_up(daemons, work, keep):
    """Stops what still runs (a SIGSTOPped node is continued first) and
    removes `work` unless asked to keep it."""
    for d in daemons.values():
        if d.proc and d.proc.poll() is None:
            try:
                d.proc.send_signal(signal.SIGCONT)
            except OSError:
                pass
        d.cleanup()
    if keep or os.environ.get("KEEP"):
        print("kept", work)
    else:
        shutil.rmtree(work, ignore_errors=True)


def check_registered_key(f, ports, signed):
    """A key registered through n1 is kept at its account's home and lets
    signed intents through n2 and n3 in, whichever node owns them."""
    account = "keyed.near"
    seed = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
    home = owner_of(account)
    iids = [ids_owned_by(n, "keyed", 1)[0] for n in NAMES]

    def post(via, path, body):
        c = Client(ports[via], timeout=10)
        try:
            status, js, text = c.request("POST", path, body)
        finally:
            c.close()
        return status, ((js or {}).get("error") or {}).get("code"), text

    before = post("n2", "/api/v1/intents",
                  signed(iids[0], 1, account=account, seed=seed))
    f.check(before[:2] == (403, "unknown_account_key"),
            f"{account} before its key is registered: {before}")
    key = signed(iids[0], 1, account=account, seed=seed)["public_key"]
    registered = [post(via, f"/api/v1/accounts/{account}/keys",
                       {"public_key": key})[:2] for via in ("n1", "n3")]
    f.check(registered == [(201, None), (200, None)],
            f"{account}'s key registered via n1, then via n3: {registered}")
    got = []
    for i, iid in enumerate(iids):
        via = ("n2", "n3")[i % 2]
        got.append(post(via, "/api/v1/intents",
                        signed(iid, 10 + i, account=account, seed=seed))[:2])
    f.check(got == [(202, None)] * len(iids),
            f"{account}'s signed intents via n2 and n3: {got}")
    print(f"a key registered via n1 (home {home}) signs for {account} via "
          f"n2 and n3 on every owner: {got}", flush=True)
    check_read_tokens(f, ports, account, seed)


def read_token(account, seed):
    ctl = os.path.join(os.path.dirname(ARGS.binary), "intentctl")
    return subprocess.run([ctl, "read-token", account, "--seed", seed],
                          text=True, capture_output=True,
                          check=True).stdout.strip()


def check_read_tokens(f, ports, account, seed):
    """A read token signed with `account`'s key, registered at its home, is
    accepted by every node, over HTTP and over a WebSocket elsewhere; a key
    its home does not hold is refused everywhere."""
    home = owner_of(account)
    token = read_token(account, seed)
    path = f"/api/v1/intents?user={account}&limit=2"
    got = {n: get_bearer(ports[n], path, token)[0] for n in NAMES}
    f.check(got == {n: 200 for n in NAMES},
            f"{account}'s read token (home {home}) through every node: {got}")
    # Signed with a key nobody registered: refused by the home's keys.
    stranger = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    elsewhere = next(n for n in NAMES if n != home)
    refused = get_bearer(ports[elsewhere], path, read_token(account, stranger))
    f.check(refused[:2] == (401, "unauthorized"),
            f"a read token of {account} with an unregistered key via "
            f"{elsewhere}: {refused}")
    ws = WsClient("127.0.0.1", ports[elsewhere])
    try:
        ws.send_json({"op": "subscribe-user", "user_account": account,
                      "token": token})
        ev = ws.recv_json()
    finally:
        ws.close()
    f.check(ev.get("event") == "subscribed",
            f"subscribe-user {account} with its read token on {elsewhere}: {ev}")
    print(f"{account}'s read token (key kept at {home}) accepted via every "
          f"node and over a WebSocket on {elsewhere}", flush=True)


def check_one_ledger(f, ports, work):
    """The chain lives on n1 alone, and every node's intents use it."""
    for n in NAMES:
        journal = os.path.join(work, n, "data", "chain")
        f.check(os.path.exists(journal) == (n == "n1"),
                f"{n}: chain journal {'missing' if n == 'n1' else 'present'} "
                f"at {journal}")
    # One account, one balance: three intents of 400,000 usdc each, owned
    # by n1, n2 and n3, while the account starts with 1,000,000. On one
    # ledger two of them fit and the third finds the funds spent.
    user = "ledger.near"
    ids = [ids_owned_by(n, "ledger", 1)[0] for n in NAMES]
    for i, iid in enumerate(ids):
        body = make_intent(iid, 1)
        body.update(user_account=user, input_token="usdc.near",
                    input_amount="400000")
        c = Client(ports[NAMES[(i + 1) % 3]], timeout=10)
        status, js, text = c.request("POST", "/api/v1/intents", body)
        c.close()
        f.check(status == 202, f"{iid}: {status} {text[:200]}")
    for iid in ids:
        wait_for(f"{iid} to end", lambda: final(ports["n1"], iid), 30)
    records = [get(ports["n2"], f"/api/v1/intents/{iid}")[1] for iid in ids]
    ended = sorted(r["status"] for r in records)
    f.check(ended == ["completed", "completed", "failed"],
            f"{user}'s three intents of 400,000 usdc on one ledger of "
            f"1,000,000: {ended}")
    failed = [r for r in records if r["status"] == "failed"]
    f.check(len(failed) == 1 and
            (failed[0].get("error") or {}).get("code") == "insufficient_funds",
            f"{user}'s refused intent: {failed}")
    print(f"{user}: {ended} on one ledger", flush=True)
    # An intent n2 owns, executed on n1's chain, is found by its
    # transaction through every node.
    iid = ids_owned_by("n2", "ledger-tx", 1)[0]
    c = Client(ports["n3"], timeout=10)
    status, _, text = c.request("POST", "/api/v1/intents", make_intent(iid, 1))
    c.close()
    f.check(status == 202, f"{iid}: {status} {text[:200]}")
    wait_for(f"{iid} to end", lambda: final(ports["n2"], iid), 30)
    js = get(ports["n2"], f"/api/v1/intents/{iid}")[1]
    txs = js["execution"]["transactions"]
    if f.check(js["status"] == "completed" and len(txs) == 1,
               f"{iid}: {js['status']}, transactions {txs}"):
        for n in NAMES:
            status, found, _ = get(ports[n], f"/api/v1/intents/by-tx/{txs[0]['hash']}")
            f.check(status == 200 and found["id"] == iid and
                    found["node"] == "n2",
                    f"by-tx {txs[0]['hash']} via {n}: {status} {found}")


def check_chain_node_stopped(f, ports, daemons):
    """n2's chain is n1's: its /readyz follows n1, and its intents wait for
    n1 rather than fail."""
    def chain_check(port):
        status, js, _ = get(port, "/readyz")
        return status, ((js or {}).get("checks") or {}).get("chain") or {}
    status, check = chain_check(ports["n2"])
    f.check(status == 200 and check.get("ok") is True and
            "n1" in check.get("detail", ""),
            f"/readyz of n2 with n1 up: {status} {check}")
    daemons["n1"].proc.send_signal(signal.SIGSTOP)
    t_stop = time.time()
    try:
        wait_for("n2 to see n1 down", lambda: states(ports["n2"]).get("n1") == "down",
                 10)
        status, check = chain_check(ports["n2"])
        f.check(status == 503 and check.get("ok") is False,
                f"/readyz of n2 while n1 (the chain's node) is stopped: "
                f"{status} {check}")
        print(f"n2 /readyz while n1 is stopped: {status} chain: "
              f"{check.get('detail')}", flush=True)
        waiting = ids_owned_by("n2", "chain-down", 2)
        for i, iid in enumerate(waiting):
            c = Client(ports["n2"], timeout=10)
            status, _, text = c.request("POST", "/api/v1/intents",
                                        make_intent(iid, i))
            c.close()
            f.check(status == 202, f"{iid} while n1 is stopped: {status} {text[:200]}")
        # Longer than the retry budget (10 attempts, 20 ms doubling to
        # 200 ms): a wait for the chain's node spends none of it.
        time.sleep(max(0.0, 4.0 - (time.time() - t_stop)))
        for iid in waiting:
            status, js, _ = get(ports["n2"], f"/api/v1/intents/{iid}")
            f.check(status == 200 and js["status"] == "pending",
                    f"{iid} while n1 is stopped: {status} {js and js['status']}")
    finally:
        daemons["n1"].proc.send_signal(signal.SIGCONT)
    wait_for("n2's chain check to pass again",
             lambda: chain_check(ports["n2"])[0] == 200, 20)
    print(f"n2 ready again {time.time() - t_stop:.2f} s after n1's SIGSTOP",
          flush=True)
    for iid in waiting:
        wait_for(f"{iid} to end", lambda: final(ports["n2"], iid), 30)
        status, js, _ = get(ports["n2"], f"/api/v1/intents/{iid}")
        f.check(js["status"] == "completed" and
                len(js["execution"]["transactions"]) == 1,
                f"{iid} after n1's SIGCONT: {js['status']} {js['execution']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(
        os.path.dirname(os.path.dirname(HERE)), "build", "intentd"))
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    global ARGS
    ARGS = args
    if not os.access(args.binary, os.X_OK):
        print(f"no intentd binary at {args.binary}")
        return 2
    work = tempfile.mkdtemp(prefix="intentd-cluster-")
    mm = free_ports(3)
    http_ports = free_ports(3)
    ports = {n: http_ports[i] for i, n in enumerate(NAMES)}
    daemons = {}
    f = Failures()
    try:
        for n in NAMES:
            d = os.path.join(work, n)
            os.makedirs(d)
            cfg = os.path.join(d, "intentd.yaml")
            with open(cfg, "w") as out:
                out.write(node_config(n, os.path.join(d, "data"), mm, http_ports))
            daemons[n] = Daemon(args.binary, d, cfg)
        # A node is ready once it sees another node up: start them together.
        with futures.ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda n: daemons[n].start(), NAMES))
        t0 = time.time()
        wait_for("every node to see every other up",
                 lambda: all_up(ports), 20)
        print(f"cluster up in {time.time() - t0:.2f} s", flush=True)

        # -- 1. mixed intents through every node, all complete ------------
        bodies = [make_intent(f"cl-{i}", i) for i in range(args.count)]
        answers = submit_all(ports, bodies, lambda i: NAMES[i % 3])
        for iid, status, js, text in answers:
            if not f.check(status == 202, f"{iid}: submit answered {status} {text[:200]}"):
                continue
            f.check(js.get("node") == owner_of(iid),
                    f"{iid}: answered node {js.get('node')}, owner is {owner_of(iid)}")
        owned = {n: sum(1 for b in bodies if owner_of(b["id"]) == n) for n in NAMES}
        print(f"submitted {len(bodies)}; owners {owned}", flush=True)
        t0 = time.time()
        for b in bodies:
            wait_for(f"{b['id']} to end", lambda: final(ports["n1"], b["id"]), 120)
        print(f"all final {time.time() - t0:.2f} s after the last submission",
              flush=True)
        for b in bodies[::7]:
            seen = [get(ports[n], f"/api/v1/intents/{b['id']}") for n in NAMES]
            f.check(all(s[0] == 200 for s in seen), f"{b['id']}: not 200 everywhere")
            f.check(len({s[2] for s in seen}) == 1,
                    f"{b['id']}: reads differ between nodes")
            js = seen[0][1]
            # The owner's kept rendering, through a forward too: it names
            # the owner.
            f.check(js.get("node") == owner_of(b["id"]),
                    f"{b['id']}: read names node {js.get('node')}, owner is "
                    f"{owner_of(b['id'])}")
            f.check(js["status"] == "completed", f"{b['id']}: {js['status']}")
            f.check(len(js["execution"]["transactions"]) == 1,
                    f"{b['id']}: {len(js['execution']['transactions'])} transactions")
        # A user's intents, spread over every node, list exactly once
        # across pages, newest first, through any node.
        user = bodies[7]["user_account"]
        want = {b["id"] for b in bodies if b["user_account"] == user}
        f.check(len({owner_of(i) for i in want}) == 3,
                f"{user}'s intents are not on every node")
        for via in NAMES:
            got, cursor, pages = [], None, 0
            while True:
                path = f"/api/v1/intents?user={user}&limit=7"
                if cursor:
                    path += f"&cursor={cursor}"
                status, js, text = get(ports[via], path)
                if not f.check(status == 200, f"listing via {via}: {status} {text[:200]}"):
                    break
                got += js["items"]
                pages += 1
                cursor = js["next_cursor"]
                if not cursor or pages > 100:
                    break
            ids = [it["id"] for it in got]
            f.check(len(ids) == len(set(ids)), f"listing via {via} repeats items")
            f.check(set(ids) == want, f"listing via {via}: {len(set(ids))} of "
                    f"{len(want)} items, {len(set(ids) - want)} foreign")
            keys = [(time_key(it["created_at"]), it["id"]) for it in got]
            f.check(keys == sorted(keys, reverse=True),
                    f"listing via {via} is not newest first")
            f.check(all(it.get("node") == owner_of(it["id"]) for it in got),
                    f"listing via {via}: an item names the wrong node")
        print(f"{user}: {len(want)} intents listed once via every node",
              flush=True)
        # WebSocket: a subscriber on n1 follows an intent n3 owns, and an
        # account's intents on other nodes.
        ws_user = "ws-user.near"
        user_ws = WsClient("127.0.0.1", ports["n1"])
        user_ws.send_json({"op": "subscribe-user", "user_account": ws_user})
        ev = user_ws.recv_json()
        f.check(ev.get("event") == "subscribed", f"subscribe-user: {ev}")
        iid = ids_owned_by("n3", "ws", 1)[0]
        body = make_intent(iid, 1)
        body["user_account"] = ws_user
        c = Client(ports["n2"], timeout=10)
        status, js, text = c.request("POST", "/api/v1/intents", body)
        c.close()
        f.check(status == 202, f"{iid}: {status} {text[:200]}")
        ws = WsClient("127.0.0.1", ports["n1"])
        ws.send_json({"op": "subscribe-intent", "intent_id": iid})
        events = []
        while not events or events[-1].get("status") != "completed":
            ev = ws.recv_json()
            events.append(ev)
            if ev.get("event") == "error":
                break
        f.check(events[0].get("event") == "subscribed", f"first event {events[0]}")
        seqs = [e["seq"] for e in events if e.get("event") == "intent-update"]
        f.check(seqs and seqs == sorted(set(seqs)) and
                events[-1].get("status") == "completed",
                f"{iid} followed from n1: {events}")
        seen = []
        while not seen or seen[-1].get("status") != "completed":
            ev = user_ws.recv_json()
            if ev.get("event") == "intent-update" and ev["intent_id"] == iid:
                seen.append(ev)
        f.check([e["seq"] for e in seen] == sorted({e["seq"] for e in seen}),
                f"{ws_user} followed from n1: {seen}")
        ws.close()
        user_ws.close()
        print(f"{iid} (on n3) followed over a WebSocket on n1: seqs {seqs}",
              flush=True)

        # A signed intent's nonce is used once per account in the whole
        # cluster, whichever nodes own the intents.
        ctl = os.path.join(os.path.dirname(args.binary), "intentctl")
        cfg1 = os.path.join(work, "n1", "intentd.yaml")

        def signed(iid, nonce, account=SIGNER, seed=SIGNER_SEED):
            body = make_intent(iid, 1)
            body["user_account"] = account
            out = subprocess.run(
                [ctl, "sign", "--seed", seed, "--nonce", str(nonce),
                 "--config", cfg1], input=json.dumps(body), text=True,
                capture_output=True, check=True).stdout
            return json.loads(out)
        first, second, third = (ids_owned_by("n2", "nonce-a", 1)[0],
                                ids_owned_by("n3", "nonce-b", 1)[0],
                                ids_owned_by("n1", "nonce-c", 1)[0])
        answers = []
        for iid, nonce, via in ((first, 77, "n1"), (second, 77, "n3"),
                                (first, 77, "n2"), (third, 78, "n2")):
            c = Client(ports[via], timeout=10)
            status, js, text = c.request("POST", "/api/v1/intents",
                                         signed(iid, nonce))
            c.close()
            answers.append((status, ((js or {}).get("error") or {}).get("code")))
        f.check(answers == [(202, None), (409, "nonce_reused"), (200, None),
                            (202, None)],
                f"signed intents with one nonce on several nodes: {answers}")
        print(f"nonce 77 of {SIGNER}: accepted on n2, refused on n3 "
              f"({answers})", flush=True)

        check_registered_key(f, ports, signed)

        check_one_ledger(f, ports, work)

        status, js, _ = get(ports["n1"], "/api/v1/solvers")
        f.check(status == 200 and {s.get("node") for s in js["solvers"]} == set(NAMES),
                f"solvers do not cover every node: {js}")
        check_cluster_metrics(f, ports)

        # An account kept at n2, for its read token while n2 is down.
        n2_account = account_homed_at("n2", "reader-")
        n2_token = read_token(n2_account, READER_SEED)
        c = Client(ports["n1"], timeout=10)
        status, _, text = c.request("POST", f"/api/v1/accounts/{n2_account}/keys",
                                    {"public_key": READER_KEY})
        c.close()
        f.check(status == 201, f"{n2_account}'s key via n1: {status} {text[:200]}")

        # -- 2. kill -9 of n2 under load ----------------------------------
        slow = [make_intent(f"k-{i}", i) for i in range(300)]
        submit_all(ports, slow, lambda i: NAMES[i % 3])
        watched = [b["id"] for b in bodies if owner_of(b["id"]) == "n2"][0]
        watch = WsClient("127.0.0.1", ports["n1"])
        watch.send_json({"op": "subscribe-intent", "intent_id": watched})
        first = [watch.recv_json(), watch.recv_json()]
        f.check(first[0].get("event") == "subscribed" and
                first[1].get("status") == "completed",
                f"subscription to {watched} on n2: {first}")
        daemons["n2"].kill9()
        t_kill = time.time()
        ev = watch.recv_json(timeout=5)
        f.check(ev.get("event") == "error" and ev.get("code") == "node_unavailable"
                and ev.get("intent_id") == watched,
                f"{watched}'s subscriber after n2's kill: {ev}")
        print(f"subscriber told node_unavailable {time.time() - t_kill:.2f} s "
              f"after kill -9", flush=True)
        watch.close()
        n2_ids = [b["id"] for b in bodies if owner_of(b["id"]) == "n2"][:20]
        n1_ids = [b["id"] for b in bodies if owner_of(b["id"]) == "n1"][:20]

        def n2_unavailable():
            status, js, _ = get(ports["n1"], f"/api/v1/intents/{n2_ids[0]}")
            return status == 503 and js["error"]["code"] == "node_unavailable"
        wait_for("n1 to answer node_unavailable for n2's intents", n2_unavailable, 10)
        took = time.time() - t_kill
        print(f"first 503 node_unavailable {took:.2f} s after kill -9", flush=True)
        f.check(took < 3, f"node_unavailable only {took:.2f} s after the kill")
        for iid in n2_ids:
            conn = http.client.HTTPConnection("127.0.0.1", ports["n3"], timeout=5)
            t = time.time()
            conn.request("GET", f"/api/v1/intents/{iid}")
            resp = conn.getresponse()
            resp.read()
            conn.close()
            f.check(resp.status == 503 and resp.getheader("Retry-After") and
                    time.time() - t < 1,
                    f"{iid} via n3 while n2 is down: {resp.status} "
                    f"Retry-After {resp.getheader('Retry-After')}")
        for iid in n1_ids:
            f.check(get(ports["n3"], f"/api/v1/intents/{iid}")[0] == 200,
                    f"{iid} (n1's) via n3 while n2 is down")
        # A read token whose key is kept at n2 cannot be checked now.
        listing = f"/api/v1/intents?user={n2_account}"
        got = get_bearer(ports["n1"], listing, n2_token)
        f.check(got[:2] == (503, "node_unavailable") and got[2],
                f"{n2_account}'s read token via n1 while n2 is down: {got}")
        ws = WsClient("127.0.0.1", ports["n1"])
        try:
            ws.send_json({"op": "subscribe-user", "user_account": n2_account,
                          "token": n2_token})
            ev = ws.recv_json()
        finally:
            ws.close()
        f.check(ev.get("event") == "error" and
                ev.get("code") == "node_unavailable" and
                ev.get("user_account") == n2_account,
                f"subscribe-user {n2_account} on n1 while n2 is down: {ev}")
        new_n2 = ids_owned_by("n2", "after-kill", 5)
        new_n3 = ids_owned_by("n3", "after-kill", 5)
        for i, iid in enumerate(new_n2 + new_n3):
            body = make_intent(iid, i)
            c = Client(ports["n1"], timeout=10)
            status, js, text = c.request("POST", "/api/v1/intents", body)
            c.close()
            want = 503 if iid in new_n2 else 202
            f.check(status == want, f"{iid} while n2 is down: {status} {text[:120]}")
        print(f"cluster view on n1: {states(ports['n1'])}", flush=True)
        f.check(states(ports["n1"]).get("n2") == "down", "n1 does not see n2 down")
        samples, _ = scrape(ports["n1"])
        f.check(samples.get('cluster_node_up{node="n2"}') == 0 and
                samples.get("cluster_nodes_up") == 2,
                "n1's metrics do not show n2 down")
        f.check(forwarded(samples, "n2", "unavailable") >= len(new_n2),
                f"n1 counted {forwarded(samples, 'n2', 'unavailable')} "
                f"unavailable forwards to n2")

        daemons["n2"].start()
        t_back = time.time()
        wait_for("n2 to be routed to again",
                 lambda: get(ports["n1"], f"/api/v1/intents/{n2_ids[0]}")[0] == 200, 20)
        print(f"first 200 for n2's intents {time.time() - t_back:.2f} s after "
              f"its restart", flush=True)
        got = get_bearer(ports["n1"], listing, n2_token)
        f.check(got[0] == 200,
                f"{n2_account}'s read token via n1 after n2's restart: {got}")
        for b in slow:
            wait_for(f"{b['id']} to end", lambda: final(ports["n1"], b["id"]), 120)
        again = WsClient("127.0.0.1", ports["n1"])
        again.send_json({"op": "subscribe-intent", "intent_id": watched})
        first = [again.recv_json(), again.recv_json()]
        f.check(first[0].get("event") == "subscribed" and
                first[1].get("status") == "completed",
                f"subscription to {watched} after n2's restart: {first}")
        again.close()
        for b in slow:
            status, js, _ = get(ports["n3"], f"/api/v1/intents/{b['id']}")
            f.check(status == 200 and js["status"] == "completed" and
                    len(js["execution"]["transactions"]) == 1,
                    f"{b['id']} after n2's restart: {status} {js and js['status']}")

        # -- 3. SIGSTOP of n3 ---------------------------------------------
        n3_ids = [b["id"] for b in bodies if owner_of(b["id"]) == "n3"][:5]
        daemons["n3"].proc.send_signal(signal.SIGSTOP)
        t_stop = time.time()

        def n3_unavailable():
            status, _, _ = get(ports["n2"], f"/api/v1/intents/{n3_ids[0]}")
            return status == 503
        wait_for("n2 to answer node_unavailable for n3's intents", n3_unavailable, 10)
        took = time.time() - t_stop
        print(f"SIGSTOP detected after {took:.2f} s", flush=True)
        f.check(took < 3, f"SIGSTOP detected only after {took:.2f} s")
        samples, _ = scrape(ports["n2"])
        f.check(samples.get('cluster_heartbeat_misses_total{node="n3"}', 0) > 0,
                "n2 counted no heartbeat miss of the stopped n3")
        status, js, _ = get(ports["n1"], "/readyz")
        f.check(status == 200, f"/readyz of n1 while n3 is stopped: {status} {js}")
        daemons["n3"].proc.send_signal(signal.SIGCONT)
        wait_for("n3 to answer again", lambda: all_up(ports), 20)
        f.check(get(ports["n2"], f"/api/v1/intents/{n3_ids[0]}")[0] == 200,
                "n3's intent after SIGCONT")

        check_chain_node_stopped(f, ports, daemons)

        stop_nodes(f, daemons)
    except RuntimeError as e:
        f.check(False, str(e))
        print_log_tails(daemons)
    finally:
        clean_up(daemons, work, args.keep)
    if f.items:
        print(f"cluster test: {len(f.items)} checks failed")
        return 1
    print("cluster test: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
