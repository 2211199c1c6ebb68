#!/usr/bin/env python3
"""intentctl solver-keygen: a fresh key pair (or --seed's) as JSON on the
first line, then a solvers.external entry that parses as YAML and names the
same key; bad solver ids and accounts are refused with exit status 2.

    python3 tests/ctl/solver_keygen_test.py --binary build/intentctl"""
import argparse
import json
import re
import subprocess
import sys

# docs/solvers.md, "Test vector": RFC 8032 section 7.1 test 2.
SEED = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
PUBLIC_KEY = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
ENTRY = re.compile(r'^- \{solver_id: "([^"]*)", public_key: "([0-9a-f]{64})", '
                   r'account: "([^"]*)"\}$')

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True,
                          timeout=30)


def entry_of(line):
    """The (solver_id, public_key, account) of an entry line, parsed as YAML
    when PyYAML is there, by its fixed shape otherwise."""
    try:
        import yaml
    except ImportError:
        m = ENTRY.match(line)
        return m.groups() if m else None
    doc = yaml.safe_load("solvers:\n  external:\n    " + line + "\n")
    items = doc["solvers"]["external"]
    if len(items) != 1 or set(items[0]) != {"solver_id", "public_key",
                                            "account"}:
        return None
    e = items[0]
    return e["solver_id"], e["public_key"], e["account"]


def keygen(binary, *args):
    r = run(binary, "solver-keygen", *args)
    check(r.returncode == 0, f"solver-keygen {args} exits 0: {r.stderr}")
    lines = r.stdout.splitlines()
    check(len(lines) == 3, f"three lines: {lines}")
    keys = json.loads(lines[0])
    check(lines[1].startswith("#"), "the second line is a YAML comment")
    return keys, entry_of(lines[2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    binary = ap.parse_args().binary

    keys, entry = keygen(binary, "acme", "--seed", SEED)
    check(keys == {"seed": SEED, "public_key": PUBLIC_KEY,
                   "solver_id": "acme", "account": "acme.near"},
          f"the vector seed gives its key: {keys}")
    check(entry == ("acme", PUBLIC_KEY, "acme.near"), f"entry {entry}")

    keys, entry = keygen(binary, "mm-2", "--seed", SEED, "--account",
                         "maker.near")
    check(entry == ("mm-2", PUBLIC_KEY, "maker.near"), f"--account: {entry}")

    a, entry_a = keygen(binary)
    b, _ = keygen(binary)
    check(a["seed"] != b["seed"], "two runs make two keys")
    check(a["solver_id"] == "solver-1" and a["account"] == "solver-1.near",
          f"defaults: {a}")
    check(re.fullmatch(r"[0-9a-f]{64}", a["seed"]) is not None, "seed hex")
    pub = run(binary, "pubkey", "--seed", a["seed"]).stdout.strip()
    check(pub == a["public_key"], "the public key is the seed's")
    check(entry_a == ("solver-1", a["public_key"], "solver-1.near"),
          f"the entry names the fresh key: {entry_a}")

    for args, message in [(["a b"], "is not a solver id"),
                          (["x" * 65], "is not a solver id"),
                          (['a"b'], "is not a solver id"),
                          (["acme", "--account", "Bad"],
                           "is not an account id"),
                          (["acme", "--seed", "zz"], "seed")]:
        r = run(binary, "solver-keygen", *args)
        check(r.returncode == 2 and message in r.stderr and not r.stdout,
              f"{args} refused with '{message}': {r.returncode} {r.stderr}")

    print("solver-keygen:", "FAILED" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
