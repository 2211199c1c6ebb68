#!/usr/bin/env python3
"""Three intentd nodes in their own network namespaces; a cut link is a lost node.

The network, all of it made here and removed at the end:

  * namespaces intentd-<pid>-n1..n3, one per node, and intentd-<pid>-hub
    holding two bridges;
  * the cluster network: a veth pair per node from the hub's bridge `br-cl`
    to the node's `cl0`, 10.123.0.1-3/24; each node's middleman listens on
    its address there, and the nodes reach each other only through it;
  * the test's network: a veth pair per node from the hub's bridge `br-mg`
    to the node's `mg0`, and one from `br-mg` to this namespace
    (intentd<pid>), on a free 10.123.X.0/24 (X >= 1, no route of this
    namespace matches it); each node's HTTP server listens there, so the
    test reaches every node whatever happens to the cluster network.

Then:

  * every node sees the other two up; intents owned by each node, submitted
    through n1, complete;
  * the hub's end of n3's cluster link is set down (`ip link set down`, a
    pulled cable: no FIN, no RST): within 3 s n1 and n2 see n3 down and
    answer 503 node_unavailable, with Retry-After and at once, for n3's
    intents, and 200/202 for their own; /readyz of n1 stays 200;
  * n3, cut off, sees n1 and n2 down: it answers 503 node_unavailable for
    their intents (a submission it cannot route is stored nowhere), serves
    and accepts its own, and its /readyz is 503 (cluster: 1 of 3 nodes up);
  * the link is set up again: every node sees the other two up within
    10 s, n3's intents (older ones, and those it accepted while cut off)
    read the same through every node and complete with one transaction;
    every node exits 0 on SIGTERM.

  tests/cluster/netns_test.py [--binary PATH] [--hold SECONDS]
                              [--restart-while-cut] [--keep]

--hold keeps the link down at least that long (past the middleman's
connection-timeout, 10 s here, the nodes drop the link and dial again).
--restart-while-cut then kills n2 (kill -9) and restarts it before the
link comes back: n1 and n2 must see each other up again within 5 s.
A node that does not exit within 10 s of SIGTERM is killed after its
threads' stacks are written to <node>/stacks.txt (with gdb, if installed).

Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) and `ip` from iproute2 with
netns, veth and bridge support: without them it exits 77 with the reason
(ctest reports a skip). Exit 0 when every check passed, 1 when one failed
(the temp directory with the logs is kept), 2 without an intentd binary. Leftovers of an earlier run that was killed
(namespaces intentd-<pid>-*, links intentd<pid>, whose pid no longer
runs; processes still inside those namespaces) are removed at the start.
"""

import argparse
import concurrent.futures as futures
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "crash"))
sys.path.insert(0, HERE)
from crash_test import SKIP, Client, Daemon, make_intent  # noqa: E402
from cluster_test import (NAMES, NODE_TIMEOUT_MS, Failures, final, get,  # noqa: E402
                          ids_owned_by, node_config, owner_of, states,
                          wait_for)

CLUSTER_NET = "10.123.0"
MM_PORT = 7101
HTTP_PORT = 8080
NS_RE = re.compile(r"^intentd-(\d+)-(hub|n\d+)$")
LINK_RE = re.compile(r"^intentd(\d+)$")


def log(*args):
    print(*args, flush=True)


class Skip(Exception):
    pass


def ip(*args, check=True):
    """Runs `ip ARGS`; returns its stdout, raises RuntimeError on failure."""
    r = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def pid_alive(pid):
    return os.path.exists(f"/proc/{pid}")


def remove_leftovers():
    """Namespaces and links of earlier runs whose process is gone."""
    for line in ip("netns", "list").splitlines():
        name = line.split()[0] if line.strip() else ""
        m = NS_RE.match(name)
        if not m or pid_alive(int(m.group(1))):
            continue
        for pid in ip("netns", "pids", name, check=False).split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        ip("netns", "del", name, check=False)
        log(f"removed namespace {name} left by an earlier run")
    for line in ip("-o", "link", "show").splitlines():
        parts = line.split(":")
        if len(parts) < 2:
            continue
        name = parts[1].strip().split("@")[0]
        m = LINK_RE.match(name)
        if m and not pid_alive(int(m.group(1))):
            ip("link", "del", name, check=False)
            log(f"removed link {name} left by an earlier run")


def probe():
    """Raises Skip unless namespaces, veth pairs and bridges can be made."""
    if os.geteuid() != 0:
        raise Skip("not root: network namespaces need CAP_NET_ADMIN and "
                   "CAP_SYS_ADMIN")
    if not shutil.which("ip"):
        raise Skip("`ip` (iproute2) not found")
    ns = f"intentd-{os.getpid()}-n0"
    try:
        ip("netns", "add", ns)
        ip("-n", ns, "link", "add", "p0", "type", "veth", "peer", "name", "p1")
        ip("-n", ns, "link", "add", "b0", "type", "bridge")
        r = subprocess.run(["ip", "netns", "exec", ns, "true"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"ip netns exec {ns} true: {r.stderr.strip()}")
    except RuntimeError as e:
        raise Skip(f"cannot make network namespaces, veth pairs and bridges: {e}")
    finally:
        ip("netns", "del", ns, check=False)


def free_test_net():
    """A 10.123.X (X >= 1) no route of this namespace matches, so that our
    address there shadows nothing."""
    start = os.getpid() % 250
    for k in range(250):
        x = 1 + (start + k) % 250
        routes = ip("-4", "route", "show", "table", "all", "match",
                    f"10.123.{x}.1").splitlines()
        if all(r.startswith("default") for r in routes if r.strip()):
            return f"10.123.{x}"
    raise RuntimeError("no free 10.123.X.0/24 for the test network")


class Net:
    """The namespaces, bridges and veth pairs described at the top."""

    def __init__(self):
        pid = os.getpid()
        self.hub = f"intentd-{pid}-hub"
        self.ns = {n: f"intentd-{pid}-{n}" for n in NAMES}
        self.host_link = f"intentd{pid}"
        self.test_net = None
        self.made = []

    def cluster_ip(self, n):
        return f"{CLUSTER_NET}.{NAMES.index(n) + 1}"

    def test_ip(self, n):
        return f"{self.test_net}.{NAMES.index(n) + 1}"

    def up(self):
        self.test_net = free_test_net()
        hub = self.hub
        ip("netns", "add", hub)
        self.made.append(hub)
        ip("-n", hub, "link", "set", "lo", "up")
        for br in ("br-cl", "br-mg"):
            ip("-n", hub, "link", "add", br, "type", "bridge")
            ip("-n", hub, "link", "set", br, "up")
        for n in NAMES:
            ns = self.ns[n]
            ip("netns", "add", ns)
            self.made.append(ns)
            ip("-n", ns, "link", "set", "lo", "up")
            for br, port, dev, addr in (
                    ("br-cl", f"cl-{n}", "cl0", self.cluster_ip(n)),
                    ("br-mg", f"mg-{n}", "mg0", self.test_ip(n))):
                ip("-n", hub, "link", "add", port, "type", "veth", "peer",
                   "name", dev, "netns", ns)
                ip("-n", hub, "link", "set", port, "master", br)
                ip("-n", hub, "link", "set", port, "up")
                ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
                ip("-n", ns, "link", "set", dev, "up")
        ip("link", "add", self.host_link, "type", "veth", "peer", "name",
           "mg-test", "netns", hub)
        ip("-n", hub, "link", "set", "mg-test", "master", "br-mg")
        ip("-n", hub, "link", "set", "mg-test", "up")
        ip("addr", "add", f"{self.test_net}.254/24", "dev", self.host_link)
        ip("link", "set", self.host_link, "up")

    def set_cluster_link(self, n, state):
        """The hub's end of node n's cluster link, "up" or "down"."""
        ip("-n", self.hub, "link", "set", f"cl-{n}", state)

    def down(self):
        # Deleting the hub deletes its veth ends, so their peers go too.
        ip("link", "del", self.host_link, check=False)
        for ns in reversed(self.made):
            ip("netns", "del", ns, check=False)
        self.made = []


def post(where, body):
    c = Client(where[1], timeout=10, host=where[0])
    try:
        return c.request("POST", "/api/v1/intents", body)
    except OSError as e:
        return None, None, str(e)
    finally:
        c.close()


def raw_get(where, path):
    """(status, Retry-After header, seconds taken)."""
    t = time.time()
    conn = http.client.HTTPConnection(where[0], where[1], timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("Retry-After"), time.time() - t
    finally:
        conn.close()


def stop(d, timeout):
    """SIGTERM; the exit code, or None when it had to be killed, after
    writing its threads' stacks (gdb, if installed) to stacks.txt."""
    d.proc.send_signal(signal.SIGTERM)
    try:
        return d.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        if shutil.which("gdb"):
            with open(os.path.join(d.workdir, "stacks.txt"), "w") as out:
                subprocess.run(["gdb", "-p", str(d.proc.pid), "-batch", "-ex",
                                "thread apply all bt"], stdout=out,
                               stderr=subprocess.STDOUT, timeout=60)
        d.kill9()
        return None


def code_of(js):
    return ((js or {}).get("error") or {}).get("code")


def run(args, net, work, f):
    daemons = {}
    try:
        net.up()
        log(f"network: cluster {CLUSTER_NET}.0/24 through {net.hub}, test "
            f"{net.test_net}.0/24 (this namespace: {net.host_link} "
            f"{net.test_net}.254)")
        mm_hosts = [net.cluster_ip(n) for n in NAMES]
        http_hosts = [net.test_ip(n) for n in NAMES]
        at = {n: (net.test_ip(n), HTTP_PORT) for n in NAMES}
        for n in NAMES:
            d = os.path.join(work, n)
            os.makedirs(d)
            cfg = os.path.join(d, "intentd.yaml")
            with open(cfg, "w") as out:
                out.write(node_config(n, os.path.join(d, "data"),
                                      [MM_PORT] * 3, [HTTP_PORT] * 3,
                                      mm_hosts, http_hosts))
            daemons[n] = Daemon(args.binary, d, cfg,
                                wrap=["ip", "netns", "exec", net.ns[n]],
                                host=net.test_ip(n))
        # A node is ready once it sees another up: start them together.
        t0 = time.time()
        with futures.ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda n: daemons[n].start(), NAMES))

        def sees(viewer, want):
            seen = states(at[viewer])
            return all(seen.get(o) == s for o, s in want.items())

        def all_up():
            return all(sees(v, {o: "self" if o == v else "up" for o in NAMES})
                       for v in NAMES)
        wait_for("every node to see every other up", all_up, 20)
        log(f"cluster up in {time.time() - t0:.2f} s")

        # -- intents owned by every node, through n1 ----------------------
        before = {n: ids_owned_by(n, "before", 8) for n in NAMES}
        for i, iid in enumerate(sum(before.values(), [])):
            status, js, text = post(at["n1"], make_intent(iid, i))
            if f.check(status == 202, f"{iid} via n1: {status} {text[:200]}"):
                f.check(js.get("node") == owner_of(iid),
                        f"{iid}: node {js.get('node')}, owner {owner_of(iid)}")
        for iid in sum(before.values(), []):
            wait_for(f"{iid} to end", lambda: final(at["n1"], iid), 30)

        # -- cut n3's cluster link -----------------------------------------
        net.set_cluster_link("n3", "down")
        t_cut = time.time()
        log(f"cut: ip -n {net.hub} link set cl-n3 down")
        probe_id = before["n3"][0]

        def unavailable(via):
            status, js, _ = get(at[via], f"/api/v1/intents/{probe_id}")
            return status == 503 and code_of(js) == "node_unavailable"
        wait_for("n1 to answer node_unavailable for n3's intents",
                 lambda: unavailable("n1"), 10)
        took = time.time() - t_cut
        log(f"n1: first 503 node_unavailable for n3's intent {took:.2f} s "
            f"after the cut (node_timeout_ms {NODE_TIMEOUT_MS})")
        f.check(took < 3, f"n1 saw the cut only after {took:.2f} s")
        wait_for("n2 to answer node_unavailable for n3's intents",
                 lambda: unavailable("n2"), 3)
        log(f"n2: the same {time.time() - t_cut:.2f} s after the cut")
        for via in ("n1", "n2"):
            f.check(sees(via, {"n1": "self" if via == "n1" else "up",
                               "n2": "self" if via == "n2" else "up",
                               "n3": "down"}),
                    f"{via}'s view with n3 cut off: {states(at[via])}")
            for iid in before["n3"]:
                status, retry, secs = raw_get(at[via], f"/api/v1/intents/{iid}")
                f.check(status == 503 and retry and secs < 1,
                        f"{iid} (n3's) via {via} while cut: {status}, "
                        f"Retry-After {retry}, {secs:.2f} s")
            for iid in before["n1"] + before["n2"]:
                status, js, _ = get(at[via], f"/api/v1/intents/{iid}")
                f.check(status == 200 and js["status"] == "completed",
                        f"{iid} via {via} while n3 is cut off: {status}")
        during = {n: ids_owned_by(n, "during", 3) for n in NAMES}
        for i, iid in enumerate(sum(during.values(), [])):
            status, js, text = post(at["n2"], make_intent(iid, i))
            want = 503 if owner_of(iid) == "n3" else 202
            f.check(status == want and (want == 202 or
                                        code_of(js) == "node_unavailable"),
                    f"{iid} ({owner_of(iid)}'s) via n2 while n3 is cut off: "
                    f"{status} {text[:200]}")
        status, js, _ = get(at["n1"], "/readyz")
        f.check(status == 200, f"/readyz of n1 while n3 is cut off: {status} {js}")

        # -- n3's side of the cut ------------------------------------------
        wait_for("n3 to see n1 and n2 down",
                 lambda: sees("n3", {"n1": "down", "n2": "down", "n3": "self"}),
                 10)
        log(f"n3 sees n1 and n2 down {time.time() - t_cut:.2f} s after the cut")
        for iid in before["n1"] + before["n2"]:
            status, retry, secs = raw_get(at["n3"], f"/api/v1/intents/{iid}")
            f.check(status == 503 and retry and secs < 1,
                    f"{iid} via the cut-off n3: {status}, Retry-After {retry},"
                    f" {secs:.2f} s")
        for iid in before["n3"]:
            status, js, _ = get(at["n3"], f"/api/v1/intents/{iid}")
            f.check(status == 200 and js["status"] == "completed",
                    f"{iid}, n3's own, via the cut-off n3: {status}")
        alone = ids_owned_by("n3", "alone", 4)
        stranded = ids_owned_by("n1", "alone", 2)
        for i, iid in enumerate(alone + stranded):
            status, js, text = post(at["n3"], make_intent(iid, i))
            want = 202 if iid in alone else 503
            f.check(status == want and (want == 202 or
                                        code_of(js) == "node_unavailable"),
                    f"{iid} ({owner_of(iid)}'s) via the cut-off n3: {status} "
                    f"{text[:200]}")
        status, js, _ = get(at["n3"], "/readyz")
        check = ((js or {}).get("checks") or {}).get("cluster") or {}
        f.check(status == 503 and check.get("ok") is False,
                f"/readyz of the cut-off n3: {status} {js}")
        log(f"n3 /readyz while cut off: {status} cluster: {check.get('detail')}")

        # -- mend the link -------------------------------------------------
        if args.hold > time.time() - t_cut:
            time.sleep(args.hold - (time.time() - t_cut))
        if args.restart_while_cut:
            daemons["n2"].kill9()
            t_kill = time.time()
            daemons["n2"].start(timeout=15)  # ready: it sees a node up
            wait_for("n1 and n2 to see each other up again",
                     lambda: sees("n1", {"n2": "up", "n3": "down"}) and
                     sees("n2", {"n1": "up", "n3": "down"}), 15)
            took = time.time() - t_kill
            log(f"n2, killed and restarted while n3 is cut off, joined n1 "
                f"{took:.2f} s after the kill")
            f.check(took < 5, f"n2 took {took:.2f} s to join n1 again")
        cut_s = time.time() - t_cut
        net.set_cluster_link("n3", "up")
        t_mend = time.time()
        wait_for("every node to see every other up again", all_up, 20)
        took = time.time() - t_mend
        log(f"link down {cut_s:.2f} s; every node sees every other up "
            f"{took:.2f} s after the link came back")
        f.check(took < 10, f"the cluster took {took:.2f} s to join again")
        late = ids_owned_by("n3", "after", 3)
        for i, iid in enumerate(late):
            status, js, text = post(at["n1"], make_intent(iid, i))
            f.check(status == 202, f"{iid} (n3's) via n1 after the cut: "
                    f"{status} {text[:200]}")
        n3_ids = before["n3"] + alone + late
        for iid in n3_ids:
            wait_for(f"{iid} to end", lambda: final(at["n1"], iid), 30)
        for iid in n3_ids + before["n1"] + during["n2"]:
            seen = [get(at[n], f"/api/v1/intents/{iid}") for n in NAMES]
            f.check(all(s[0] == 200 for s in seen),
                    f"{iid} after the cut: {[s[0] for s in seen]}")
            f.check(len({s[2] for s in seen}) == 1,
                    f"{iid}: reads differ between nodes after the cut")
            js = seen[0][1] or {}
            f.check(js.get("status") == "completed" and
                    len((js.get("execution") or {}).get("transactions") or []) == 1,
                    f"{iid} after the cut: {js.get('status')}, "
                    f"{js.get('execution')}")
        for iid in stranded + during["n3"]:
            status, _, _ = get(at["n1"], f"/api/v1/intents/{iid}")
            f.check(status == 404, f"{iid}, refused while cut off, "
                    f"reads {status} afterwards (want 404: stored nowhere)")

        for n in NAMES:
            code = stop(daemons[n], 10)
            f.check(code == 0, f"{n}: SIGTERM: exit code {code} (None: still "
                    f"running after 10 s; stacks in {daemons[n].workdir})")
    except Exception as e:
        f.check(False, f"{type(e).__name__}: {e}")
        for n, d in daemons.items():
            if d.logpath:
                log(f"--- {n} log tail\n{d.tail(30)}")
    finally:
        for d in daemons.values():
            d.cleanup()
        net.down()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(
        os.path.dirname(os.path.dirname(HERE)), "build", "intentd"))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--hold", type=float, default=0,
                    help="keep the link down at least this many seconds")
    ap.add_argument("--restart-while-cut", action="store_true",
                    help="kill -9 and restart n2 while n3 is cut off (after "
                    "--hold); n1 and n2 must join again within 5 s")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        log(f"no intentd binary at {args.binary}")
        return 2
    try:
        probe()
    except Skip as e:
        log(f"netns test: SKIPPED: {e}")
        return SKIP
    remove_leftovers()
    t0 = time.time()
    work = tempfile.mkdtemp(prefix="intentd-netns-")
    f = Failures()
    net = Net()
    try:
        run(args, net, work, f)
    finally:
        if args.keep or os.environ.get("KEEP") or f.items:
            log("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    log(f"took {time.time() - t0:.1f} s")
    if f.items:
        log(f"netns test: {len(f.items)} checks failed")
        return 1
    log("netns test: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
