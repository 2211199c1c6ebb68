#!/usr/bin/env bash
# Installs intentd as an outsider would and checks what lands: the prefix
# install, the CMake package and pkg-config file used from a separate
# project, examples/embed built and run against the prefix alone, then the
# Debian package (cpack -G DEB): its file list, its conffiles and control
# fields, and, as root, dpkg -i into a throw-away root (never into this
# system).
#
#   bash .ci/package_check.sh          (after the build in ./build, as .ci/run)
#
# Builds only what is missing in build/ (intentd, intentctl, libintentd)
# and the small programs against the prefix.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=$src/build
JOBS=${JOBS:-2}

tmp=$(mktemp -d /tmp/intentd-package.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "package check: $*" >&2; exit 1; }
ok() { echo "  ok: $*"; }

version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[[ -n $version ]] || fail "no project version in $build/CMakeCache.txt (configure first)"
IFS=. read -r major minor _ <<< "$version"
soversion=$major.$minor
# The library and its public headers are in the tree once include/intentd/
# is; before that only the executables are checked.
has_lib=0
[[ -d include/intentd ]] && has_lib=1

targets=(intentd intentctl)
((has_lib)) && targets+=(libintentd)
cmake --build "$build" -j"$JOBS" --target "${targets[@]}" > /dev/null

echo "-- cmake --install into a fresh prefix"
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" > /dev/null
for f in bin/intentd bin/intentctl; do
  [[ -x $prefix/$f ]] || fail "$f is not installed"
done
ok "bin/intentd, bin/intentctl"
for f in "$prefix"/bin/*; do
  [[ $(basename "$f") =~ ^(intentd|intentctl)$ ]] || fail "unexpected $f installed"
done
[[ $("$prefix/bin/intentd" --version) == "intentd $version" ]] \
  || fail "bin/intentd --version does not say $version"
ok "intentd --version says $version"
# Nothing of the service component (absolute /etc and /lib/systemd paths)
# and no internal static library in a prefix install.
! grep -v "^$prefix/" "$build/install_manifest.txt" \
  || fail "a prefix install wrote outside the prefix"
! find "$prefix" -name '*.a' | grep . || fail "a static library is installed"
ok "nothing outside the prefix, no static library"

if ((has_lib)); then
  lib=$prefix/lib/libintentd.so
  for f in "$lib.$version" "$lib.$soversion" "$lib"; do
    [[ -e $f ]] || fail "$f is not installed"
  done
  soname=$(readelf -d "$lib.$version" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
  [[ $soname == "libintentd.so.$soversion" ]] \
    || fail "SONAME is '$soname', not libintentd.so.$soversion"
  ok "lib/libintentd.so -> .so.$soversion -> .so.$version, SONAME $soname"
  if readelf -d "$lib.$version" | grep -E 'NEEDED.*(libintentd_|\.a\b)'; then
    fail "libintentd.so needs an internal library"
  fi
  size=$(stat -c %s "$lib.$version")
  ok "libintentd.so.$version is $size bytes"

  echo "-- public headers include only the standard library and each other"
  hdrs=("$prefix"/include/intentd/*.hpp)
  [[ -e ${hdrs[0]} ]] || fail "no header in include/intentd/"
  for h in engine.hpp version.hpp; do
    [[ -f $prefix/include/intentd/$h ]] || fail "include/intentd/$h is not installed"
  done
  bad=0
  while IFS= read -r line; do
    file=${line%%:*}
    target=$(sed -E 's/^[^#]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"]).*/\1/' <<< "${line#*:}")
    name=${target:1:-1}
    if [[ $name == intentd/* ]]; then
      [[ -f $prefix/include/$name ]] || { echo "$file: $target is not installed"; bad=1; }
    elif [[ $target == \"* ]]; then
      [[ -f $(dirname "$file")/$name ]] || { echo "$file: $target is not installed"; bad=1; }
    elif ! [[ $target =~ ^\<[a-z_0-9]+\>$ ]]; then
      # The standard library: one lower-case name, no directory, no suffix.
      echo "$file: includes $target"; bad=1
    fi
  done < <(grep -H -E '^[[:space:]]*#[[:space:]]*include' "${hdrs[@]}")
  ((bad == 0)) || fail "a public header includes more than the standard library and intentd/"
  ! grep -l -i -E '#[[:space:]]*include.*(caf|boost|lmdb|spdlog|yaml|nlohmann|openssl)' "${hdrs[@]}" \
    || fail "a public header names a dependency"
  # Each header compiles alone against the prefix, with no source tree.
  for h in "${hdrs[@]}"; do
    echo "#include <intentd/$(basename "$h")>" \
      | g++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror -x c++ \
            -I"$prefix/include" - || fail "$(basename "$h") does not compile alone"
  done
  ok "${#hdrs[@]} headers, each self-contained"

  echo "-- pkg-config"
  export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
  [[ $(pkg-config --modversion intentd) == "$version" ]] || fail "intentd.pc is not version $version"
  [[ $(pkg-config --variable=prefix intentd) == "$prefix" ]] || fail "intentd.pc does not name the prefix"
  echo '#include <intentd/engine.hpp>
int main() { return 0; }' > "$tmp/pc.cpp"
  # shellcheck disable=SC2046  # pkg-config's flags are words
  g++ -std=c++17 "$tmp/pc.cpp" -o "$tmp/pc" -Wl,--no-as-needed $(pkg-config --cflags --libs intentd)
  readelf -d "$tmp/pc" | grep "NEEDED.*libintentd.so.$soversion" > /dev/null \
    || fail "a program linked with pkg-config's flags does not need libintentd.so.$soversion"
  LD_LIBRARY_PATH=$prefix/lib "$tmp/pc" || fail "the pkg-config program does not run"
  unset PKG_CONFIG_PATH
  ok "pkg-config --cflags --libs intentd builds and runs a program"

  echo "-- find_package(intentd) from another project"
  mkdir -p "$tmp/consumer"
  cat > "$tmp/consumer/CMakeLists.txt" << 'EOF'
cmake_minimum_required(VERSION 3.18)
project(consumer LANGUAGES CXX)
find_package(intentd ${WANT} CONFIG REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE intentd::intentd)
EOF
  cp "$tmp/pc.cpp" "$tmp/consumer/main.cpp"
  cmake -S "$tmp/consumer" -B "$tmp/consumer-build" -DWANT="$soversion" \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_STANDARD=17 > /dev/null \
    || fail "find_package(intentd $soversion CONFIG REQUIRED) fails"
  cmake --build "$tmp/consumer-build" > /dev/null || fail "the consumer does not build"
  LD_LIBRARY_PATH=$prefix/lib "$tmp/consumer-build/consumer" || fail "the consumer does not run"
  # 0.x: another minor version is another API.
  others=("$major.$((minor + 1))")
  ((minor > 0)) && others+=("$major.$((minor - 1))")
  for other in "${others[@]}"; do
    if cmake -S "$tmp/consumer" -B "$tmp/consumer-$other" -DWANT="$other" \
         -DCMAKE_PREFIX_PATH="$prefix" > /dev/null 2>&1; then
      fail "find_package(intentd $other) accepts $version"
    fi
  done
  ok "find_package(intentd $soversion) and intentd::intentd; ${others[*]} refused"

  if [[ -f examples/embed/CMakeLists.txt ]]; then
    echo "-- examples/embed against the prefix alone"
    cmake -S examples/embed -B "$tmp/embed-build" -DCMAKE_PREFIX_PATH="$prefix" \
          -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > /dev/null
    ! grep -E -e "(-I|-isystem ?)($src|$build)([/ \"]|$)" "$tmp/embed-build/compile_commands.json" \
      || fail "examples/embed compiles with the source or build tree on its include path"
    cmake --build "$tmp/embed-build" -j"$JOBS" > /dev/null
    for exe in embed_swap embed_chain; do
      [[ -x $tmp/embed-build/$exe ]] || fail "examples/embed did not build $exe"
    done
    (cd "$tmp" && LD_LIBRARY_PATH=$prefix/lib timeout 120 "$tmp/embed-build/embed_swap") \
      || fail "embed_swap failed"
    ok "embed_swap and embed_chain built from the prefix; embed_swap ran to exit 0"
  else
    echo "  skipped examples/embed: not in this tree"
  fi
else
  echo "  skipped the library, headers, CMake package and pkg-config: no include/intentd/ in this tree"
fi

echo "-- cpack -G DEB"
arch=$(dpkg --print-architecture)
deb=$build/intentd_${version}_$arch.deb
rm -f "$deb"
(cd "$build" && cpack -G DEB > "$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack failed"; }
[[ -f $deb ]] || fail "cpack did not make $(basename "$deb")"
ok "$(basename "$deb"), $(stat -c %s "$deb") bytes"
dpkg-deb -c "$deb" > "$tmp/listing"
awk '{print $6}' "$tmp/listing" | sed 's|^\./|/|' > "$tmp/contents"
expect=(/usr/bin/intentd /usr/bin/intentctl /etc/intentd/intentd.yaml
        /lib/systemd/system/intentd.service)
if ((has_lib)); then
  expect+=("/usr/lib/libintentd.so.$version" /usr/include/intentd/engine.hpp
           /usr/include/intentd/version.hpp
           /usr/lib/cmake/intentd/intentdConfig.cmake
           /usr/lib/cmake/intentd/intentdConfigVersion.cmake
           /usr/lib/cmake/intentd/intentdTargets.cmake
           /usr/lib/pkgconfig/intentd.pc)
fi
for f in "${expect[@]}"; do
  grep -qx -- "$f" "$tmp/contents" || fail "the package has no $f"
done
if ((has_lib)); then
  for l in "/usr/lib/libintentd.so.$soversion" /usr/lib/libintentd.so; do
    grep -q " \.$l -> " "$tmp/listing" || fail "the package has no link $l"
  done
fi
! grep -E '\.a$|/usr/share/doc/|^/usr/local/' "$tmp/contents" \
  || fail "the package holds a static library or a path outside its layout"
ok "dpkg-deb -c lists the ${#expect[@]} expected files"
dpkg-deb -I "$deb" conffiles | grep -x /etc/intentd/intentd.yaml > /dev/null \
  || fail "/etc/intentd/intentd.yaml is not a conffile"
for s in postinst prerm postrm; do
  dpkg-deb -I "$deb" "$s" > /dev/null || fail "the package has no $s"
done
depends=$(dpkg-deb -f "$deb" Depends)
for d in libcaf-core0.17 libyaml-cpp0.7 liblmdb0 libssl3 passwd; do
  grep -q "\b$d\b" <<< "$depends" || fail "Depends lacks $d: $depends"
done
ok "conffiles: /etc/intentd/intentd.yaml; postinst, prerm, postrm; Depends: $depends"

echo "-- the packaged config and unit"
"$build/intentd" --check-config packaging/intentd.yaml > /dev/null \
  || fail "packaging/intentd.yaml does not pass --check-config"
grep -qx '  path: /var/lib/intentd' packaging/intentd.yaml || fail "storage is not under /var/lib/intentd"
unit=examples/systemd/intentd.service
for k in 'User=intentd' 'Restart=on-failure' 'ProtectSystem=strict' 'NoNewPrivileges=yes' \
         'ReadWritePaths=/var/lib/intentd' 'StateDirectory=intentd' \
         'ExecStart=/usr/bin/intentd --config /etc/intentd/intentd.yaml'; do
  grep -qx -- "$k" "$unit" || fail "$unit has no $k"
done
ok "intentd --check-config passes; the unit runs /usr/bin/intentd as intentd, hardened"

echo "-- dpkg -i into a throw-away root"
root=$tmp/root
if [[ $EUID -ne 0 ]]; then
  # The postinst's useradd --root chroots, which needs root; unpack only.
  echo "  skipped dpkg -i: not root (the postinst creates the user with useradd --root, which needs chroot)"
  dpkg-deb -x "$deb" "$root"
else
  mkdir -p "$root/etc" "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" \
           "$root/var/lib/dpkg/triggers"
  touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
  grep '^root:' /etc/passwd > "$root/etc/passwd"
  grep '^root:' /etc/group > "$root/etc/group"
  echo 'root:*:19000:0:99999:7:::' > "$root/etc/shadow"
  echo 'root:*::' > "$root/etc/gshadow"
  chmod 640 "$root/etc/shadow" "$root/etc/gshadow"
  # The root has no libc6 and friends: their absence is forced past; the
  # maintainer scripts run from this system on $DPKG_ROOT.
  dpkg_root=(dpkg --root="$root" --force-script-chrootless --force-depends
             --log=/dev/null)
  "${dpkg_root[@]}" -i "$deb" > "$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i failed"; }
  "${dpkg_root[@]}" -s intentd | grep '^Status: install ok installed' > /dev/null \
    || fail "intentd is not installed in the throw-away root"
  "${dpkg_root[@]}" -s intentd | grep '^ /etc/intentd/intentd.yaml [0-9a-f]\{32\}$' > /dev/null \
    || fail "dpkg does not track /etc/intentd/intentd.yaml as a conffile"
  grep -q '^intentd:x:[0-9]*:[0-9]*:intentd daemon:/var/lib/intentd:/usr/sbin/nologin$' "$root/etc/passwd" \
    || fail "postinst did not create the user intentd"
  uid=$(awk -F: '$1 == "intentd" { print $3 }' "$root/etc/passwd")
  [[ $(stat -c '%u %a' "$root/var/lib/intentd") == "$uid 750" ]] \
    || fail "/var/lib/intentd is not intentd's, mode 750"
  [[ $(stat -c '%u %g %a' "$root/etc/intentd/intentd.yaml") == "0 $(awk -F: '$1 == "intentd" { print $3 }' "$root/etc/group") 640" ]] \
    || fail "/etc/intentd/intentd.yaml is not root:intentd 640"
  ok "dpkg -i: installed, conffile tracked, user intentd, /var/lib/intentd 750, config root:intentd 640"
  # A second configure (as an upgrade would run it) finds everything in place.
  "${dpkg_root[@]}" -i "$deb" > "$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "reinstalling failed"; }
  [[ $(grep -c '^intentd:' "$root/etc/passwd") == 1 ]] || fail "reinstalling added a second user"
  ok "reinstalled over itself"
fi
# The extracted binaries find every library on this system (the libraries
# Depends names).
elves=("$root/usr/bin/intentd" "$root/usr/bin/intentctl")
((has_lib)) && elves+=("$root/usr/lib/libintentd.so.$version")
for f in "${elves[@]}"; do
  if LD_LIBRARY_PATH=$root/usr/lib ldd "$f" | grep 'not found'; then
    fail "$f needs a library that is not found"
  fi
done
[[ $(LD_LIBRARY_PATH=$root/usr/lib "$root/usr/bin/intentd" --version) == "intentd $version" ]] \
  || fail "the packaged intentd does not run"
"$root/usr/bin/intentd" --check-config "$root/etc/intentd/intentd.yaml" > /dev/null \
  || fail "the packaged config does not pass --check-config"
ok "the packaged binaries resolve their libraries and run; the packaged config passes"
if command -v systemd-analyze > /dev/null; then
  # Every key known to this systemd, no warning; the unit's ExecStart
  # pointed at the unpacked binary, which verify wants executable.
  mkdir -p "$tmp/unit"
  sed "s|=/usr/bin/intentd |=$root/usr/bin/intentd |" "$root/lib/systemd/system/intentd.service" \
    > "$tmp/unit/intentd.service"
  if ! verify=$(cd "$tmp/unit" && systemd-analyze verify --man=no ./intentd.service 2>&1) \
     || [[ -n $verify ]]; then
    echo "$verify"
    fail "systemd-analyze verify refuses the unit"
  fi
  ok "systemd-analyze verify accepts the unit without a warning"
else
  echo "  skipped systemd-analyze verify: no systemd-analyze"
fi
if [[ $EUID -eq 0 ]]; then
  "${dpkg_root[@]}" -r intentd > "$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -r failed"; }
  [[ ! -e $root/usr/bin/intentd && -f $root/etc/intentd/intentd.yaml ]] \
    || fail "dpkg -r did not remove the files and keep the conffile"
  "${dpkg_root[@]}" -P intentd > "$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -P failed"; }
  [[ ! -e $root/etc/intentd/intentd.yaml && -d $root/var/lib/intentd ]] \
    || fail "dpkg -P did not remove the conffile and keep /var/lib/intentd"
  ok "dpkg -r keeps the conffile; dpkg -P removes it and keeps /var/lib/intentd"
fi
echo "-- package check passed"
