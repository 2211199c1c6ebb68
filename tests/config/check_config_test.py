#!/usr/bin/env python3
"""Runs the built `intentd --check-config` on temp config files: what start-up
refuses, --check-config refuses too (exit 2, the same message on stderr), and
start-up with the same file stops before it listens, with that message. Every
example config passes both checks."""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEY_A = "a" * 64
KEY_B = "b" * 64
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(binary, *args):
    p = subprocess.run([binary, *args], capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout, p.stderr


# (name, YAML, text the refusal must contain)
REFUSED = [
    ("one key claimed by two accounts",
     f"security:\n  keys:\n    - {{account: alice.near, public_key: {KEY_A}}}\n"
     f"    - {{account: bob.near, public_key: {KEY_A}}}\n",
     "security.keys: bob.near: This public key is registered to another account."),
    ("a key for the invalid account A",
     f"security:\n  keys:\n    - {{account: A, public_key: {KEY_A}}}\n",
     'security.keys: A: "A" is not a valid account id.'),
    ("a listen host that is not an IP address",
     'server: {listen: "localhost:8080"}\n',
     "server.listen: expected an IP address and a port, got 'localhost:8080'"),
    ("a token price finer than 9 decimals",
     'tokens: [{id: x.near, decimals: 6, price: "0.0000000001"}]\n',
     "token x.near: bad price 0.0000000001"),
    ("a cluster list without this node",
     'cluster:\n  node: n9\n  nodes:\n'
     '    - {name: n1, address: "127.0.0.1:7101", http: "127.0.0.1:8081"}\n',
     'cluster.node (line 2): unknown node "n9"'),
    ("a cluster list naming one node twice",
     'cluster:\n  node: n1\n  nodes:\n'
     '    - {name: n1, address: "127.0.0.1:7101", http: "127.0.0.1:8081"}\n'
     '    - {name: n1, address: "127.0.0.1:7102", http: "127.0.0.1:8082"}\n',
     'cluster.nodes (line 3): nodes[1] has the same name as nodes[0]'),
    ("two cluster nodes on one address",
     'cluster:\n  node: n1\n  nodes:\n'
     '    - {name: n1, address: "127.0.0.1:7101", http: "127.0.0.1:8081"}\n'
     '    - {name: n2, address: "127.0.0.1:7101", http: "127.0.0.1:8082"}\n',
     'cluster.nodes (line 3): nodes[1] has the same address as nodes[0]'),
    ("a cluster listen that is not this node's address",
     'cluster:\n  node: n1\n  listen: "127.0.0.1:7109"\n  nodes:\n'
     '    - {name: n1, address: "127.0.0.1:7101", http: "127.0.0.1:8081"}\n',
     'cluster.listen (line 3): "127.0.0.1:7109" differs from this node\'s '
     'address "127.0.0.1:7101"'),
    ("cluster nodes without cluster.node",
     'cluster:\n  nodes:\n'
     '    - {name: n1, address: "127.0.0.1:7101", http: "127.0.0.1:8081"}\n',
     "cluster.node must name this node"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "intentd"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="intentd-check-config-") as work:
        for i, (name, yaml, message) in enumerate(REFUSED):
            path = os.path.join(work, f"bad-{i}.yaml")
            storage = os.path.join(work, f"data-{i}")
            with open(path, "w") as f:
                f.write(yaml + f"storage: {{path: {storage}, sync: false}}\n"
                        "logging: {level: off}\n")
            rc, out, err = run(args.binary, "--check-config", path)
            check(rc == 2 and message in err and "is valid" not in out,
                  f"--check-config refuses {name}: exit {rc}, {err.strip()!r}")
            rc2, _, err2 = run(args.binary, "--config", path)
            check(rc2 == 2 and err2 == err,
                  f"start-up refuses {name} the same way: exit {rc2}, "
                  f"{err2.strip()!r}")
            check(not os.path.exists(storage),
                  f"start-up stopped before it touched storage ({name})")

        good = os.path.join(work, "good.yaml")
        with open(good, "w") as f:
            f.write(f"security:\n  keys:\n"
                    f"    - {{account: alice.near, public_key: {KEY_A}}}\n"
                    f"    - {{account: bob.near, public_key: {KEY_B}}}\n")
        rc, out, err = run(args.binary, "--check-config", good)
        check(rc == 0 and "is valid" in out and err == "",
              f"a valid config passes: exit {rc} {err.strip()!r}")

        examples = glob.glob(os.path.join(ROOT, "examples", "*.yaml")) + \
            glob.glob(os.path.join(ROOT, "examples", "cluster", "*.yaml"))
        for example in sorted(examples):
            rc, _, err = run(args.binary, "--check-config", example)
            check(rc == 0, f"{os.path.relpath(example, ROOT)} passes: exit {rc} "
                           f"{err.strip()!r}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
