#!/usr/bin/env bash
# Fails when a tracked .cpp/.hpp differs from what clang-format (the repo's
# .clang-format) would make of it; lists the files that would change.
#
#   bash .ci/format_check.sh            # every tracked .cpp/.hpp
#   bash .ci/format_check.sh FILE...    # only these
#
# CLANG_FORMAT picks the binary (default clang-format-14, else clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."

cf=${CLANG_FORMAT:-}
if [[ -z $cf ]]; then
  if command -v clang-format-14 > /dev/null; then cf=clang-format-14
  else cf=clang-format
  fi
fi
command -v "$cf" > /dev/null || { echo "format check: $cf not found" >&2; exit 2; }

if (($#)); then files=("$@")
else mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
fi

bad=()
for f in "${files[@]}"; do
  [[ -f $f ]] || continue
  "$cf" --dry-run --Werror --style=file "$f" > /dev/null 2>&1 || bad+=("$f")
done

if ((${#bad[@]})); then
  printf 'not clang-formatted: %s\n' "${bad[@]}"
  echo "format check: ${#bad[@]} of ${#files[@]} files differ (fix: $cf -i FILE)"
  exit 1
fi
echo "format check: ${#files[@]} files clean"
