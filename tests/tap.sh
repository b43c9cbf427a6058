# tests/tap.sh — TAP helpers for the shell tests, sourced by each of them:
#   . "$(dirname "$0")/../tap.sh"
# ok STATUS DESCRIPTION prints one result ("ok N - ..." when STATUS is 0);
# tap_done prints the plan and fails when a check failed or none ran.
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
  echo "1..$n"
  [ "$failed" -eq 0 ]
}
