#!/usr/bin/env bash
# clang-tidy-14 (checks in .clang-tidy) over intentd's own sources, using the
# compile_commands.json of a configured build directory. Any finding fails.
#
#   bash .ci/clang_tidy.sh                  # every .cpp of the tree
#   bash .ci/clang_tidy.sh --changed [REV]  # .cpp files changed since REV
#                                           # (default HEAD~1), and the .cpp
#                                           # files next to changed .hpp
#   bash .ci/clang_tidy.sh FILE.cpp...      # only these
#
# BUILD_DIR (default build) holds compile_commands.json; JOBS (default 2).
# With --changed, more than TIDY_MAX_FILES (default 25) files is left to a
# run by hand (a move of many files would take CI's whole budget).
# The whole tree takes far longer than CI's budget on two cores (see
# docs/testing.md), so .ci/run uses --changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-build}
jobs=${JOBS:-2}
tidy=${CLANG_TIDY:-clang-tidy-14}

command -v "$tidy" > /dev/null || { echo "clang-tidy: $tidy not found" >&2; exit 2; }
[[ -f $build/compile_commands.json ]] \
  || { echo "clang-tidy: no $build/compile_commands.json (configure first)" >&2; exit 2; }

# The tree's own translation units, as the build compiles them.
mapfile -t known < <(python3 - "$build/compile_commands.json" "$root" <<'PY'
import json, os, sys
root = sys.argv[2] + "/"
for e in json.load(open(sys.argv[1])):
    f = os.path.realpath(os.path.join(e["directory"], e["file"]))
    if f.startswith(root) and "/build" not in f[len(root):].split("/")[0]:
        print(f[len(root):])
PY
)

files=()
if [[ ${1:-} == --changed ]]; then
  base=${2:-HEAD~1}
  if ! git rev-parse -q --verify "$base^{commit}" > /dev/null; then
    echo "clang-tidy: no $base to compare with; nothing checked"
    exit 0
  fi
  mapfile -t changed < <(git diff --name-only --diff-filter=d "$base" -- '*.cpp' '*.hpp')
  for f in "${changed[@]}"; do
    case $f in
      *.cpp) files+=("$f") ;;
      *.hpp) [[ -f ${f%.hpp}.cpp ]] && files+=("${f%.hpp}.cpp") ;;
    esac
  done
elif (($#)); then
  files=("$@")
else
  files=("${known[@]}")
fi

# Only what the build knows how to compile (not the fuzz targets, benches).
declare -A in_build=()
for f in "${known[@]}"; do in_build[$f]=1; done
todo=()
for f in "${files[@]}"; do
  [[ -n ${in_build[$f]:-} ]] && todo+=("$f")
done
mapfile -t todo < <(printf '%s\n' "${todo[@]}" | sort -u | sed '/^$/d')
if ((${#todo[@]} == 0)); then
  echo "clang-tidy: no files to check"
  exit 0
fi
if [[ ${1:-} == --changed ]] && ((${#todo[@]} > ${TIDY_MAX_FILES:-25})); then
  echo "clang-tidy: ${#todo[@]} files changed, more than ${TIDY_MAX_FILES:-25};" \
       "run bash .ci/clang_tidy.sh by hand"
  exit 0
fi

echo "clang-tidy: ${#todo[@]} files, -j$jobs"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
printf '%s\n' "${todo[@]}" | xargs -P "$jobs" -I{} sh -c \
  '"$0" -p "$1" --quiet --header-filter="^$2/(actors|config|persistence|runtime|tests)/" "$3" > "$4.$$" 2>&1 || { cat "$4.$$"; echo "FAILED $3"; }; rm -f "$4.$$"' \
  "$tidy" "$build" "$root" {} "$log" >> "$log" || status=1
grep -vE '^[0-9]+ warnings? generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter|^$' "$log" || true
if ((status)) || grep -q '^FAILED ' "$log"; then
  echo "clang-tidy: findings in $(grep -c '^FAILED ' "$log") files"
  exit 1
fi
echo "clang-tidy: ${#todo[@]} files clean"
