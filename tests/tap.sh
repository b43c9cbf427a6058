# tests/tap.sh — TAP helpers for the shell tests, sourced by each of them:
#   . "$(dirname "$0")/../tap.sh"
# ok STATUS DESCRIPTION prints one result ("ok N - ..." when STATUS is 0);
# tap_done prints the plan and fails when a check failed or none ran;
# tap_seed and tap_rand (below) draw seeded random numbers.
n=0
failed=0
ok() {
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $n - $2"
  else
    echo "not ok $n - $2"
    failed=$((failed + 1))
  fi
}
tap_done() {
  if [ "$n" -eq 0 ]; then
    ok 1 "the test script ran no check"
  fi
  tap_sanitizer_check
  echo "1..$n"
  [ "$failed" -eq 0 ]
}

# Sanitizer reports of the programs a test runs go to files in a private
# folder (log_path), not to the stderr the test reads, so that a leak or a
# memory error is never hidden by a check that accepts any failing exit:
# tap_done fails one check per report found (the sanitizer build, whose
# LeakSanitizer runs at every exit; other builds write none).  A test that
# makes a program crash on purpose (a faulty plugin) names that report's
# kind in tap_expected_reports (a grep -E pattern) and its reports are
# counted as expected instead.
tap_san_dir=$(mktemp -d "${TMPDIR:-/tmp}/sb-sanitizer.XXXXXX") || exit 1
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$tap_san_dir/asan"
UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$tap_san_dir/ubsan"
export ASAN_OPTIONS UBSAN_OPTIONS
tap_expected_reports=
tap_sanitizer_check() {
  _expected=0
  for _report in "$tap_san_dir"/*; do
    [ -f "$_report" ] || continue
    _what=$(grep -m1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error' "$_report")
    if [ -n "$tap_expected_reports" ] && printf '%s\n' "$_what" | grep -qE "$tap_expected_reports"; then
      _expected=$((_expected + 1))
      continue
    fi
    sed 's/^/# /' "$_report" | head -40
    ok 1 "a sanitizer report from a program this test ran: ${_what:-$(head -1 "$_report")}"
  done
  [ $_expected -eq 0 ] || echo "# $_expected expected sanitizer report(s) (deliberate crashes: $tap_expected_reports)"
  rm -rf "$tap_san_dir"
}
# tap_seed DEFAULT sets tap_rand_state from SB_TEST_SEED (decimal) or
# DEFAULT and prints the seed; tap_rand N sets tap_rand_value to a number
# in [1, N] drawn from it (an LCG: the same seed replays the same draws).
tap_seed() {
  tap_rand_state=${SB_TEST_SEED:-$1}
  echo "# seed $tap_rand_state (replay: SB_TEST_SEED=$tap_rand_state)"
}
tap_rand() {
  tap_rand_state=$(((tap_rand_state * 1103515245 + 12345) % 2147483648))
  tap_rand_value=$((tap_rand_state / 65536 % $1 + 1))
}

# tap_setup PREFIX: the prologue of a test of the sepbench program.  Sets
# sepbench (from $SEPBENCH, required), tmp (a new folder PREFIX.XXXXXX under
# $TMPDIR, removed when the test ends), a private cache (SEPBENCH_CACHE in
# tmp) and no MUSDB_PATH from the caller's environment.
tap_setup() {
  sepbench=${SEPBENCH:?SEPBENCH must point to the sepbench program}
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX") || exit 1
  trap 'rm -rf "$tmp" "$tap_san_dir"' EXIT INT TERM
  export SEPBENCH_CACHE="$tmp/cache"
  unset MUSDB_PATH
}

# tap_wait_items DB N: waits until the store DB holds N items (a run that
# is being written), trying for at most 10 s; returns 1 if it never does
# (the caller's later checks then say what is missing).
tap_wait_items() {
  _tries=0
  while [ $_tries -lt 200 ]; do
    _count=$(sqlite3 "$1" "select count(*) from items" 2>/dev/null || echo 0)
    [ "${_count:-0}" -ge "$2" ] && return 0
    sleep 0.05
    _tries=$((_tries + 1))
  done
  return 1
}
