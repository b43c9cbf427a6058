#!/bin/sh
# setup.sh — install sepbench's dependencies (Debian 12, apt-get), build it,
# and either run the main job or the whole test suite.
#
#   ./setup.sh            install, build into ./build, make install (the
#                         library, the program and the Python package
#                         sepbench for /usr/bin/python3), run
#                         `sepbench run --suite music`
#   ./setup.sh check      install, build, run every test: the normal build, an
#                         AddressSanitizer+UBSan build, `make distcheck`, and
#                         (as root) the Slurm recipe on a one-node cluster,
#                         tests/scale/slurm.sh
#   ./setup.sh deps       only install the Debian packages
#   ./setup.sh build      only build (dependencies already installed)
#
# Run it as root (a fresh Debian 12 root shell has no sudo) or as a user:
# a user's run calls apt-get through sudo, and only when a package is missing;
# everything else runs as the caller, so the build trees stay the user's.
#
# Environment: JOBS (parallel make jobs, default: number of cores),
# MUSDB_PATH (use MUSDB18-HQ instead of the demo suite), SEPBENCH_CACHE.
set -eu

top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# Every package the build, the tests, the demo suites and the benchmarks need
# (slurm-wlm and munge: the one-node cluster of tests/scale/slurm.sh; clang
# and its runtime: the libFuzzer targets of tests/fuzz/run.sh; python3-dev,
# python3-numpy and python3-pytest: the Python package and its tests).
packages="build-essential autoconf automake libtool pkg-config autoconf-archive
  libsndfile1-dev libgsl-dev libopenblas-dev libsqlite3-dev sqlite3 libfftw3-dev
  libsoxr-dev libebur128-dev libfluidsynth-dev timgm6mb-soundfont openttd-openmsx
  gnuplot-nox chromium python3 python3-dev python3-numpy python3-pytest python3-scipy python3-mir-eval
  pocketsphinx-testdata espeak-ng flite
  libavformat-dev libavcodec-dev libswresample-dev libavutil-dev
  slurm-wlm munge clang libclang-rt-14-dev"

say() { printf 'setup: %s\n' "$*" >&2; }

install_deps() {
  missing=
  for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
  done
  if [ -z "$missing" ]; then
    say "all Debian packages are installed"
    return 0
  fi
  as_root=
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      say "missing packages:$missing"
      say "apt-get must run as root and sudo is not installed: run ./setup.sh as root"
      exit 1
    fi
    as_root=sudo
  fi
  say "installing:$missing"
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

# build DIR [configure options...]: configures DIR when it has no Makefile
# or was configured with other options (config.status records them), then
# builds it.
build() {
  dir=$1
  shift
  [ -x configure ] || autoreconf -fi
  mkdir -p "$dir"
  want=$(printf '%s ' "$@")
  have=
  [ -f "$dir/config.status" ] && have=$(cd "$dir" && ./config.status --config | tr -d "'")
  if [ ! -f "$dir/Makefile" ] || [ "$(printf '%s' "$have" | tr -s ' ')" != "$(printf '%s' "$want" | sed 's/ $//' | tr -s ' ')" ]; then
    say "configuring $dir: $want"
    (cd "$dir" && "$top/configure" "$@")
  fi
  make -C "$dir" -j"$jobs"
}

# install DIR: make install of a built tree (the library, the program, the
# headers, sepbench.pc and the Python package for /usr/bin/python3), as
# root or through sudo, then refreshes the dynamic linker's cache.
install_build() {
  as_root=
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      say "not installing: make install must run as root and sudo is not installed"
      return 0
    fi
    as_root=sudo
  fi
  say "installing $1 (make install)"
  $as_root make -C "$1" install >/dev/null
  $as_root ldconfig
}

# stage NAME COMMAND...: runs COMMAND and says how long it took.
stage() {
  _name=$1
  shift
  _start=$(date +%s)
  _rc=0
  "$@" || _rc=$?
  say "$_name: $(($(date +%s) - _start)) s (exit $_rc)"
  return $_rc
}

cmd=${1:-run}
case "$cmd" in
deps)
  install_deps
  ;;
build)
  build build --enable-werror
  ;;
run)
  install_deps
  build build --enable-werror
  install_build build
  say "running: build/sepbench run --suite music"
  ./build/sepbench run --suite music
  ;;
check)
  install_deps
  status=0
  stage "normal build" build build --enable-werror
  stage "tests, normal build" make -C build -j"$jobs" check || status=1
  stage "sanitizer build" build build-asan --enable-werror --enable-sanitizers
  stage "tests, sanitizer build" make -C build-asan -j"$jobs" check || status=1
  stage "distcheck" make -C build -j"$jobs" distcheck || status=1
  if [ "$(id -u)" -eq 0 ]; then
    stage "Slurm cluster" sh tests/scale/slurm.sh build/sepbench || status=1
  else
    say "tests/scale/slurm.sh skipped: it starts Slurm daemons and runs as root only"
  fi
  exit $status
  ;;
*)
  say "unknown command '$cmd' (use: run, check, deps, build)"
  exit 2
  ;;
esac
