#!/bin/sh
# tests/python/test-python.sh — the Python package's tests (tests/python/
# test_*.py) run by Debian's pytest over the build tree's package
# ($SB_TOP_BUILDDIR/python), one TAP line per pytest test (sb_tap.py on
# fd 3; pytest's own report goes to the log through stderr).
# In the sanitizer build the extension carries ASan: python3 is started
# with the ASan runtime preloaded (SB_ASAN_RUNTIME, from configure), leak
# detection off (the interpreter keeps its objects at exit by design).
set -u
srcdir=${SB_TOP_SRCDIR:?SB_TOP_SRCDIR must point to the source directory}
builddir=${SB_TOP_BUILDDIR:?SB_TOP_BUILDDIR must point to the build directory}
python=${SB_PYTHON3:-/usr/bin/python3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-test-python.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
PYTHONPATH="$builddir/python:$srcdir/tests/python"
PYTHONDONTWRITEBYTECODE=1
SB_TEST_TMP=$tmp
export PYTHONPATH PYTHONDONTWRITEBYTECODE SB_TEST_TMP
if [ -n "${SB_ASAN_RUNTIME:-}" ]; then
  LD_PRELOAD=$SB_ASAN_RUNTIME
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
  export LD_PRELOAD ASAN_OPTIONS
fi
exec 3>&1
"$python" -m pytest -p sb_tap -p no:cacheprovider -q -c /dev/null --rootdir "$tmp" "$srcdir/tests/python" >&2
status=$?
if [ "$status" -ne 0 ]; then
  echo "# pytest exited with status $status (its report is above in the log)"
  exit 1
fi
