#!/usr/bin/env python3
"""Fails when a source file includes against the direction of the layers.

The layers (docs/architecture.md "Layers", bottom first):
  config/, runtime/model/          include nothing else of the project
  runtime/settings/, runtime/metrics/, persistence/
  actors/
  runtime/engine/
  runtime/cluster/ (on the engine)
  runtime/ws/, runtime/http/, runtime/daemon/, runtime/main.cpp
  runtime/embed/ (libintentd.so): the public headers over everything above
  runtime/ctl/ (intentctl) sits on the domain, the config and settings only.
The public headers (include/intentd/) include only the C++ standard library
and each other ("intentd/...").
Third-party headers are held to their layer too: Boost (Beast, asio) only in
runtime/, LMDB only in persistence/, CAF nowhere below actors/.

  python3 .ci/check_layers.py [repo root]
"""
import pathlib
import re
import sys

# Folder -> the project folders its files may include (its own included).
ALLOWED = {
    "config": {"config"},
    "runtime/model": {"runtime/model"},
    "runtime/settings": {"runtime/settings", "runtime/model", "config"},
    "runtime/metrics": {"runtime/metrics", "runtime/model"},
    "persistence": {"persistence", "runtime/model", "config"},
    "actors": {"actors", "persistence", "runtime/model", "config"},
}
LOWER = {"actors", "persistence", "runtime/model", "config",
         "runtime/settings", "runtime/metrics"}
ALLOWED["runtime/engine"] = LOWER | {"runtime/engine"}
ALLOWED["runtime/cluster"] = LOWER | {"runtime/engine", "runtime/cluster"}
ALLOWED["runtime/ws"] = LOWER | {"runtime/engine", "runtime/ws"}
ALLOWED["runtime/http"] = LOWER | {"runtime/engine", "runtime/ws",
                                   "runtime/http"}
ALLOWED["runtime/daemon"] = ALLOWED["runtime/http"] | {"runtime/daemon",
                                                       "runtime/cluster"}
ALLOWED["runtime"] = ALLOWED["runtime/daemon"]  # runtime/main.cpp
ALLOWED["runtime/embed"] = ALLOWED["runtime/daemon"] | {"runtime/embed",
                                                        "include/intentd"}
ALLOWED["include/intentd"] = {"include/intentd"}
ALLOWED["runtime/ctl"] = {"runtime/ctl", "runtime/model", "config",
                          "runtime/settings"}

# Third-party include prefixes -> the folders allowed to use them.
THIRD_PARTY = {
    "boost/": {"runtime/ws", "runtime/http", "runtime/ctl", "runtime/daemon",
               "runtime"},
    "lmdb.h": {"persistence"},
    "caf/": {"actors", "runtime/engine", "runtime/cluster", "runtime/ws",
             "runtime/http",
             "runtime/daemon", "runtime", "runtime/embed"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def folder_of(rel):
    parts = rel.parts[:-1]
    for n in (2, 1):
        key = "/".join(parts[:n])
        if key in ALLOWED:
            return key
    return None


def target_folder(path):
    if path.startswith("intentd/"):
        return "include/intentd"
    parts = path.split("/")
    for n in (2, 1):
        key = "/".join(parts[:n])
        if key in ALLOWED and (n == 2 or key != "runtime"):
            return key
    return None


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = []
    checked = 0
    for f in sorted(root.rglob("*")):
        if f.suffix not in (".cpp", ".hpp") or not f.is_file():
            continue
        rel = f.relative_to(root)
        if rel.parts[0] not in ("config", "runtime", "persistence", "actors",
                                "include"):
            continue
        home = folder_of(rel)
        if home is None:
            problems.append(f"{rel}: in no known layer (add it to "
                            ".ci/check_layers.py and docs/architecture.md)")
            continue
        checked += 1
        for m in INCLUDE.finditer(f.read_text(errors="replace")):
            kind, inc = m.group(1), m.group(2)
            line = f.read_text(errors="replace")[: m.start()].count("\n") + 1
            if kind == '"':
                if "/" not in inc:
                    continue  # a file beside it
                dest = target_folder(inc)
                if dest is None or dest not in ALLOWED[home]:
                    problems.append(f"{rel}:{line}: {home}/ may not include "
                                    f"\"{inc}\"")
            elif home == "include/intentd":
                if "/" in inc or "." in inc:
                    problems.append(f"{rel}:{line}: a public header may "
                                    f"include only the standard library "
                                    f"and intentd/, not <{inc}>")
            else:
                for prefix, homes in THIRD_PARTY.items():
                    if inc.startswith(prefix) and home not in homes:
                        problems.append(f"{rel}:{line}: <{inc}> does not "
                                        f"belong in {home}/")
    for p in problems:
        print(p)
    print(f"check_layers: {checked} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
