#!/usr/bin/env bash
# Pages each LMDB write transaction writes, per database: builds liblmdb
# 0.9.24 (the version intentd links against here) with
# lmdb_page_trace.patch, which appends one line per commit to
# $LMDB_TRACE_FILE (environment path, pages and bytes written, and the pages
# made dirty in each named database), then sums a trace per environment.
#
#   tests/bench/lmdb_page_trace.sh build LMDB_SOURCE_DIR OUT_DIR
#       (LMDB_SOURCE_DIR: a checkout of LMDB at LMDB_0.9.24)
#   LD_LIBRARY_PATH=OUT_DIR LMDB_TRACE_FILE=/tmp/t intentd ...
#   tests/bench/lmdb_page_trace.sh sum /tmp/t INTENTS
set -euo pipefail
case ${1:-} in
build)
  src=$2 out=$3
  patch_file=$(dirname "$(readlink -f "$0")")/lmdb_page_trace.patch
  mkdir -p "$out"
  cp "$src/libraries/liblmdb/mdb.c" "$src/libraries/liblmdb/midl.c" \
    "$src/libraries/liblmdb/midl.h" "$src/libraries/liblmdb/lmdb.h" "$out/"
  (cd "$out" && patch -p3 < "$patch_file")
  gcc -O2 -fPIC -pthread -shared -Wl,-soname,liblmdb.so.0 -o "$out/liblmdb.so.0" \
    "$out/mdb.c" "$out/midl.c"
  echo "built $out/liblmdb.so.0"
  ;;
sum)
  python3 - "$2" "$3" <<'PY'
import collections, sys
n = int(sys.argv[2])
per = collections.defaultdict(collections.Counter)
commits = collections.Counter()
for line in open(sys.argv[1]):
    parts = line.split()
    env = parts[1]
    commits[env] += 1
    for kv in parts[2:]:
        k, v = kv.split("=")
        if k != "txn":
            per[env][k] += int(v)
for env, c in per.items():
    print(f"{env}: {commits[env]} commits, {c['flushed']} pages written, "
          f"{c['bytes'] / n:.0f} bytes per intent")
    for k, v in sorted(c.items(), key=lambda x: -x[1]):
        if k not in ("flushed", "bytes"):
            print(f"  {k:12s} {v:8d} pages {v * 4096 / n:7.0f} bytes per intent")
PY
  ;;
*)
  sed -n 2,12p "$0" >&2
  exit 2
  ;;
esac
