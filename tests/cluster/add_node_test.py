#!/usr/bin/env python3
"""A fourth node added to three real intentd nodes on loopback.

  * n1..n3 store intents whose ids move to n4 once it joins;
  * every node restarts with the four-node list and
    `cluster.previous_nodes: [n1, n2, n3]`, n4 starts empty;
  * a resubmission of such an intent through any node is answered 200 with
    its previous owner's record (same body) or 409 (another body), a read
    by id or by transaction through any node answers the previous owner's
    full record (not the chain's word that n4, its new owner, has of it:
    cache.chain_fallback is on), and a WebSocket subscriber on n4 follows
    it from the node that holds it;
  * a new intent n4 owns is stored on n4;
  * with the previous owner of a moved id stopped, a resubmission or a read
    of that id is refused with 503 node_unavailable and a subscription to
    it gets an error event node_unavailable.

  tests/cluster/add_node_test.py [--binary PATH] [--keep]

Exit status 0 when every check passed, 1 when one failed, 2 when the test
could not run.
"""

import argparse
import concurrent.futures as futures
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cluster_test  # noqa: E402
from cluster_test import (Daemon, Failures, all_up, clean_up, client,  # noqa: E402
                          final, get, make_intent, owner_of, print_log_tails,
                          states, wait_for)
from ws_client import WsClient  # noqa: E402

BEFORE = ["n1", "n2", "n3"]
AFTER = ["n1", "n2", "n3", "n4"]


def config(name, names, storage, mm, http_ports, previous=None):
    """cluster_test's node config for `names`, with previous_nodes."""
    saved = cluster_test.NAMES
    cluster_test.NAMES = names
    try:
        hosts = ["127.0.0.1"] * len(names)
        text = cluster_test.node_config(name, storage, mm, http_ports,
                                        mm_hosts=hosts, http_hosts=hosts)
    finally:
        cluster_test.NAMES = saved
    if previous:
        text += f"  previous_nodes: [{', '.join(previous)}]\n"
    return text


def post(port, path, body):
    c = client(port, timeout=15)
    try:
        return c.request("POST", path, body)
    finally:
        c.close()


def moved_ids(prefix, n):
    """Ids that n4 owns after the change, each once owned by another node."""
    out, i = [], 0
    while len(out) < n:
        iid = f"{prefix}-{i}"
        if owner_of(iid, AFTER) == "n4":
            out.append(iid)
        i += 1
    return out


def start(daemons, names):
    with futures.ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(lambda n: daemons[n].start(), names))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(
        os.path.dirname(os.path.dirname(HERE)), "build", "intentd"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        print(f"no intentd binary at {args.binary}")
        return 2
    work = tempfile.mkdtemp(prefix="intentd-add-node-")
    mm = cluster_test.free_ports(4)
    http_ports = cluster_test.free_ports(4)
    ports = {n: http_ports[i] for i, n in enumerate(AFTER)}
    daemons = {}
    f = Failures()

    def write(name, names, previous=None):
        d = os.path.join(work, name)
        os.makedirs(d, exist_ok=True)
        cfg = os.path.join(d, f"intentd-{len(names)}.yaml")
        with open(cfg, "w") as out:
            out.write(config(name, names, os.path.join(d, "data"),
                             mm[:len(names)], http_ports[:len(names)],
                             previous))
        return Daemon(args.binary, d, cfg)

    try:
        for n in BEFORE:
            daemons[n] = write(n, BEFORE)
        start(daemons, BEFORE)
        wait_for("n1..n3 up", lambda: all_up(ports, BEFORE), 20)

        # -- intents stored before the change, on n1..n3 ---------------
        ids = moved_ids("mv", 6)
        bodies = {iid: make_intent(iid, i) for i, iid in enumerate(ids)}
        for iid, body in bodies.items():
            status, js, text = post(ports["n1"], "/api/v1/intents", body)
            f.check(status == 202, f"{iid}: {status} {text[:200]}")
        for iid in ids:
            wait_for(f"{iid} to end", lambda: final(ports["n1"], iid), 60)
        held = {iid: owner_of(iid, BEFORE) for iid in ids}
        print(f"stored before the change: {held}", flush=True)

        # -- the change: four nodes, previous_nodes on every one -------
        t0 = time.time()
        for n in BEFORE:
            f.check(daemons[n].terminate(10) == 0, f"{n} did not exit 0")
        for n in AFTER:
            daemons[n] = write(n, AFTER, BEFORE)
        start(daemons, AFTER)
        wait_for("n1..n4 up", lambda: all_up(ports, AFTER), 30)
        print(f"four nodes up {time.time() - t0:.2f} s after the change",
              flush=True)

        a = ids[0]
        for via in AFTER:
            status, js, text = post(ports[via], "/api/v1/intents", bodies[a])
            f.check(status == 200 and js.get("node") == held[a] and
                    js.get("status") == "completed",
                    f"{a} resubmitted via {via}: {status} {text[:200]}")
        other = dict(bodies[a], input_amount="7")
        for via in ("n4", "n1"):
            status, js, text = post(ports[via], "/api/v1/intents", other)
            f.check(status == 409,
                    f"{a} with another body via {via}: {status} {text[:200]}")
        # n4 knows a from the chain (cache.chain_fallback); the record is
        # its previous owner's, read the same through every node.
        status, direct, text = get(ports[held[a]], f"/api/v1/intents/{a}")
        f.check(status == 200 and direct.get("node") == held[a] and
                len(direct.get("history", [])) > 2 and
                "holds no record" not in direct.get("status_message", ""),
                f"{a} read via {held[a]}: {status} {text[:300]}")
        for via in AFTER:
            status, js, text = get(ports[via], f"/api/v1/intents/{a}")
            f.check(status == 200 and js == direct,
                    f"{a} read via {via}: {status} {text[:300]}")
        txs = (direct.get("execution") or {}).get("transactions") or []
        if f.check(len(txs) == 1, f"{a}: transactions {txs}"):
            for via in AFTER:
                status, js, text = get(
                    ports[via], f"/api/v1/intents/by-tx/{txs[0]['hash']}")
                f.check(status == 200 and js.get("node") == held[a] and
                        js.get("history") == direct.get("history"),
                        f"{a} by-tx via {via}: {status} {text[:300]}")

        ws = WsClient("127.0.0.1", ports["n4"])
        ws.send_json({"op": "subscribe-intent", "intent_id": a})
        first = ws.recv_json()
        f.check(first.get("event") == "subscribed",
                f"{a} followed via n4: first event {first}")
        current = ws.recv_json()
        f.check(current.get("event") == "intent-update" and
                current.get("status") == "completed",
                f"{a} followed via n4: current state {current}")
        ws.close()

        fresh = moved_ids("new", 1)[0]
        status, js, text = post(ports["n2"], "/api/v1/intents",
                                make_intent(fresh, 1))
        f.check(status == 202 and js.get("node") == "n4",
                f"{fresh}, new, via n2: {status} {text[:200]}")
        print("moved ids answered by their previous owners", flush=True)

        # -- the previous owner of a moved id stopped ------------------
        down = next(i for i in ids[1:] if held[i] != "n1")
        gone = held[down]
        f.check(daemons[gone].terminate(10) == 0, f"{gone} did not exit 0")
        wait_for(f"n4 to see {gone} down",
                 lambda: states(ports["n4"]).get(gone) == "down", 10)
        status, js, text = post(ports["n4"], "/api/v1/intents", bodies[down])
        f.check(status == 503 and "node_unavailable" in text,
                f"{down} resubmitted with {gone} down: {status} {text[:200]}")
        for via in [n for n in AFTER if n != gone]:
            status, js, text = get(ports[via], f"/api/v1/intents/{down}")
            f.check(status == 503 and "node_unavailable" in text,
                    f"{down} read via {via} with {gone} down: {status} "
                    f"{text[:200]}")
        ws = WsClient("127.0.0.1", ports["n1"])
        ws.send_json({"op": "subscribe-intent", "intent_id": down})
        ev = ws.recv_json()
        f.check(ev.get("event") == "error" and ev.get("code") ==
                "node_unavailable",
                f"{down} followed with {gone} down: {ev}")
        ws.close()
        print(f"{gone} down: its moved ids refused with node_unavailable",
              flush=True)
        for n in AFTER:
            if n != gone:
                f.check(daemons[n].terminate(10) == 0, f"{n} did not exit 0")
    except Exception as e:  # noqa: BLE001
        f.check(False, f"aborted: {e!r}")
    finally:
        if f.items:
            print_log_tails({n: d for n, d in daemons.items() if d.logpath})
        clean_up(daemons, work, args.keep)
    for item in f.items:
        print("FAIL:", item)
    print("add node:", "ok" if not f.items else f"{len(f.items)} failures")
    return 1 if f.items else 0


if __name__ == "__main__":
    sys.exit(main())
