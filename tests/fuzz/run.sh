#!/usr/bin/env bash
# Builds the libFuzzer target with clang++ in build-fuzz/ and runs it for
# SECONDS (default 60) from the seed corpus in tests/fuzz/corpus. New inputs
# go to build-fuzz/corpus, a crash to build-fuzz/artifacts/; exit status is
# non-zero when the fuzzer found one.
#
#   bash tests/fuzz/run.sh [SECONDS]
#   FUZZ_TARGET=fuzz_store_codec bash tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}

CXX=${FUZZ_CXX:-clang++} cmake -S . -B "$build" -DINTENTD_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="${FUZZ_CXX:-clang++}" \
  > /dev/null
target=${FUZZ_TARGET:-fuzz_intent}
nice cmake --build "$build" --target "$target" -j2

if [ "$target" = fuzz_store_codec ]; then
  # Stored values: starts from nothing, the decoders are small.
  mkdir -p "$build/corpus-store" "$build/artifacts"
  exec "$build/tests/fuzz/fuzz_store_codec" -max_total_time="$seconds" \
    -max_len=1024 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/" "$build/corpus-store"
fi
mkdir -p "$build/corpus" "$build/artifacts"
"$build/tests/fuzz/fuzz_intent" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/" "$build/corpus" tests/fuzz/corpus
