#!/usr/bin/env bash
# Sets up a Debian 12 machine for intentd, builds it and starts it on the
# quick-start config.
#
#   bash examples/quickstart.sh            # install what is missing, build, run
#   bash examples/quickstart.sh --no-run   # install and build only (used by .ci/run)
#
# It also installs the prometheus package for promtool (the /metrics and alert
# rule checks in ctest) without starting its service; INTENTD_SKIP_PROMETHEUS=1
# skips that.
#
# Packages come from apt-get (through sudo unless run as root). The build goes
# to ./build with -j2 and ccache; intentd then serves 127.0.0.1:8080 with its
# storage in ./data until Ctrl-C. INTENTD_WERROR=ON makes compiler warnings
# errors (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake ccache libcaf-dev libboost-dev liblmdb-dev
          libyaml-cpp-dev libspdlog-dev doctest-dev libssl-dev
          nlohmann-json3-dev libjemalloc-dev lmdb-utils curl python3
          python3-cryptography)
JOBS=${JOBS:-2}

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo > /dev/null; then sudo "$@"
  else echo "run this as root or install sudo: $*" >&2; exit 1
  fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# promtool (package prometheus) checks /metrics and the alert rules in ctest
# (metrics_promtool). The package's postinst would start a Prometheus server
# on port 9090: forbid service starts while it installs (policy-rc.d), then
# make sure the service is stopped and disabled.
if [[ ${INTENTD_SKIP_PROMETHEUS:-} != 1 ]] && ! command -v promtool > /dev/null; then
  echo "== installing prometheus (for promtool; its service is kept stopped)"
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [[ ! -e $policy ]]; then
    as_root sh -c "printf '#!/bin/sh\\nexit 101\\n' > $policy && chmod 755 $policy"
    made_policy=1
  fi
  if ((${#missing[@]} == 0)); then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus \
    || echo "prometheus not installed: metrics_promtool will be skipped" >&2
  if ((made_policy)); then as_root rm -f "$policy"; fi
  if command -v systemctl > /dev/null && [[ -d /run/systemd/system ]]; then
    as_root systemctl disable --now prometheus > /dev/null 2>&1 || true
  fi
fi

echo "== building into build/ (-j$JOBS)"
# Paths inside the checkout are hashed relative to it, so a second clone (or
# a CI checkout elsewhere) reuses the compiler cache of the first.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
      -DINTENTD_WERROR="${INTENTD_WERROR:-OFF}"
cmake --build build -j"$JOBS"

if [[ ${1:-} != --no-run ]]; then
  echo "== starting intentd on examples/intentd.yaml (Ctrl-C stops it)"
  exec build/intentd --config examples/intentd.yaml
fi
