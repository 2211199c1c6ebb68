#!/usr/bin/env bash
# The embedded engine's submission throughput without HTTP (embed_bench.cpp),
# on a temporary storage directory with storage.sync true; compare with
# wrk_submit.sh, the daemon over HTTP, run right before or after it.
#
#   tests/bench/embed_bench.sh [DURATION_S=20] [WINDOW=32]
#   BUILD_DIR=build-rel tests/bench/embed_bench.sh 30 64
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${BUILD_DIR:-build}
cmake --build "$BUILD_DIR" -j2 --target embed_bench > /dev/null
dir=$(mktemp -d /tmp/intentd-embed-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo "embed_bench ${1:-20} s, window ${2:-32}, storage $dir ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/time -f "embed_bench: %e s wall, %U s user, %S s sys, max RSS %M KiB" \
  "$BUILD_DIR/embed_bench" "$dir" "${1:-20}" "${2:-32}"
