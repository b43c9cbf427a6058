#!/bin/sh
# tests/schemas/test-store-faults.sh — `sepbench run` on a store whose disk
# fails (issue 16 item 2), each case checked the same way: a one-line
# message naming the store and the problem, a non-zero exit status, no
# partially written item in the store afterwards (every item it holds has
# all its values), and the next run resumes and completes with the values
# of an undisturbed run.
#   - an I/O error or SQLITE_FULL from the Nth write on, or on the Nth write
#     only: tests/schemas/sepbench-faults, the sepbench program over the
#     test VFS of tests/schemas/fault_vfs.c; N drawn from SB_TEST_SEED over
#     the writes of a whole run (creation, migration, registration, items);
#   - a file system that fills up (a 256 KB tmpfs, remounted larger for the
#     resume), as root only;
#   - a read-only store (a tmpfs remounted read-only as root, a file
#     without write permission otherwise);
#   - a store locked by another process (an sqlite3 shell holding BEGIN
#     IMMEDIATE) for longer than the 10 s busy timeout.
# Emits TAP.
set -u
sepbench=${SEPBENCH:?SEPBENCH must point to the sepbench program}
faulty=${SB_TOP_BUILDDIR:?SB_TOP_BUILDDIR must point to the build tree}/tests/schemas/sepbench-faults
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-test-faults.XXXXXX")
mounted=
holder=
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null
  [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
export SEPBENCH_CACHE="$tmp/cache"
unset MUSDB_PATH SB_TEST_STORE_FAULT SB_TEST_STORE_WRITES
here=$(dirname "$0")
. "$here/../tap.sh"
. "$here/store_checks.sh"
tap_seed 16002

run_args="run --suite tiny --excerpt 0:3 --backends mixture,irm1,irm2,ibm1 --metrics sdr --jobs 2 --progress lines"
# shellcheck disable=SC2086
"$sepbench" $run_args --db "$tmp/ref.db" >/dev/null 2>"$tmp/e"
ok $? "the undisturbed run (reference)"
store_dump "$tmp/ref.db" >"$tmp/ref.txt"
# shellcheck disable=SC2086
SB_TEST_STORE_WRITES="$tmp/writes" "$faulty" $run_args --db "$tmp/count.db" >/dev/null 2>&1
writes=$(cat "$tmp/writes" 2>/dev/null || echo 0)
[ "$writes" -gt 40 ] && [ "$(store_dump "$tmp/count.db" | cmp -s - "$tmp/ref.txt"; echo $?)" = 0 ]
ok $? "the test VFS passes a whole run through ($writes writes, the same values)"
# The checks themselves: a planted partial item and a foreign message.
cp "$tmp/ref.db" "$tmp/planted.db"
sqlite3 "$tmp/planted.db" "delete from frame_values where item_id = (select max(id) from items) and frame = 0"
! store_consistent "$tmp/planted.db" "$tmp/ref.db" && planted=$store_problem &&
  store_consistent "$tmp/ref.db" "$tmp/ref.db"
ok $? "the store check finds a planted partial item (${planted:-nothing}) and passes the reference"
printf 'sepbench: %s: fine\nsepbench: elsewhere: bad\n' "$tmp/x.db" >"$tmp/m"
! store_errors "$tmp/m" "$tmp/x.db" && printf 'sepbench: %s: fine\n' "$tmp/x.db" >"$tmp/m" &&
  store_errors "$tmp/m" "$tmp/x.db"
ok $? "the message check refuses a line that does not name the store"

# check_case NAME DB: the faulty run's status is in $st and its stderr in
# $tmp/e.  Checks the message, the exit status and the store, then resumes
# with RESUME (a command line) and checks the result.
check_case() {
  case_name=$1
  db=$2
  store_errors "$tmp/e" "$db"
  msg_ok=$?
  [ $st -ne 0 ] && [ $msg_ok -eq 0 ]
  ok $? "$case_name: exit $st, one-line message naming the store: $store_first_error"
  if [ -e "$db" ]; then
    store_consistent "$db" "$tmp/ref.db"
    ok $? "$case_name: no partially written item ($(store_n_items "$db")) $store_problem"
  else
    ok 0 "$case_name: no store was created"
  fi
}

# check_resume NAME DB: the next run (plain sepbench) completes.
check_resume() {
  # shellcheck disable=SC2086
  "$sepbench" $run_args --db "$2" >/dev/null 2>"$tmp/e2"
  rs=$?
  [ $rs -eq 0 ] && store_dump "$2" | cmp -s - "$tmp/ref.txt"
  ok $? "$1: the next run resumes (exit $rs, $(grep ' items: ' "$tmp/e2")) with the reference values"
}

# --- an I/O error or a full disk at the Nth write.  The last ~10 writes of
# a run are the checkpoint when the store closes: a failed checkpoint loses
# nothing (the WAL keeps every commit) and is not an error, so N stays
# before them.
last=$((writes - 20))
for spec in ioerr:1 full:1 ioerr:R ioerr:R ioerr:R full:R full:R full:R ioerr:R:1 ioerr:R:1 full:R:1; do
  tap_rand "$last"
  spec=$(echo "$spec" | sed "s/R/$tap_rand_value/")
  rm -f "$tmp/f.db" "$tmp/f.db-wal" "$tmp/f.db-shm"
  # shellcheck disable=SC2086
  SB_TEST_STORE_FAULT=$spec "$faulty" $run_args --db "$tmp/f.db" >/dev/null 2>"$tmp/e"
  st=$?
  check_case "write fault $spec" "$tmp/f.db"
  check_resume "write fault $spec" "$tmp/f.db"
done

# --- a file system that fills up, then grows.
fs="$tmp/fs"
mkdir "$fs"
# 256 KB hold the new store and a few items (the WAL of a whole run needs
# more than 400 KB).
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=256k sb-test-full "$fs" 2>/dev/null; then
  mounted=$fs
  # shellcheck disable=SC2086
  "$sepbench" $run_args --db "$fs/f.db" >/dev/null 2>"$tmp/e"
  st=$?
  check_case "full file system" "$fs/f.db"
  mount -o remount,size=8m "$fs"
  check_resume "full file system (grown to 8 MB)" "$fs/f.db"

  # --- a read-only store (file system mounted read-only).
  rm -f "$fs"/f.db*
  # shellcheck disable=SC2086
  "$sepbench" $run_args --tracks Morning --db "$fs/f.db" >/dev/null 2>&1
  before=$(md5sum <"$fs/f.db")
  mount -o remount,ro "$fs"
  # shellcheck disable=SC2086
  "$sepbench" $run_args --db "$fs/f.db" >/dev/null 2>"$tmp/e"
  st=$?
  store_errors "$tmp/e" "$fs/f.db" && [ $st -ne 0 ]
  ok $? "read-only file system: exit $st, one-line message naming the store: $store_first_error"
  [ "$(md5sum <"$fs/f.db")" = "$before" ] && [ ! -e "$fs/f.db-wal" ]
  ok $? "read-only file system: the store is unchanged (nothing written)"
  # shellcheck disable=SC2086
  "$sepbench" $run_args --db "$fs/new.db" >/dev/null 2>"$tmp/e"
  st=$?
  store_errors "$tmp/e" "$fs/new.db" && [ $st -ne 0 ]
  ok $? "read-only file system, new store: exit $st, $store_first_error"
  mount -o remount,rw "$fs"
  check_resume "read-only file system (remounted read-write)" "$fs/f.db"
  umount "$fs" && mounted=
else
  ok 0 "full file system # SKIP needs root to mount a small tmpfs"
  ok 0 "read-only file system # SKIP needs root to mount a tmpfs"
  if [ "$(id -u)" -ne 0 ]; then
    # A store file without write permission (not for root: root may write it).
    # shellcheck disable=SC2086
    "$sepbench" $run_args --tracks Morning --db "$tmp/ro.db" >/dev/null 2>&1
    chmod a-w "$tmp/ro.db"
    # shellcheck disable=SC2086
    "$sepbench" $run_args --db "$tmp/ro.db" >/dev/null 2>"$tmp/e"
    st=$?
    check_case "read-only store file" "$tmp/ro.db"
    chmod u+w "$tmp/ro.db"
    check_resume "read-only store file (made writable)" "$tmp/ro.db"
  fi
fi

# --- a store locked by another process for longer than the busy timeout.
# shellcheck disable=SC2086
"$sepbench" $run_args --tracks Morning --db "$tmp/l.db" >/dev/null 2>&1
mkfifo "$tmp/to-holder" "$tmp/from-holder"
sqlite3 "$tmp/l.db" <"$tmp/to-holder" >"$tmp/from-holder" &
holder=$!
exec 7>"$tmp/to-holder"
echo "BEGIN IMMEDIATE; INSERT INTO suites (name) VALUES ('uncommitted'); SELECT 'locked';" >&7
read -r answer <"$tmp/from-holder"
[ "$answer" = locked ]
ok $? "another process holds the store's write lock"
# shellcheck disable=SC2086
"$sepbench" $run_args --db "$tmp/l.db" >/dev/null 2>"$tmp/e"
st=$?
echo "ROLLBACK;" >&7
exec 7>&-
wait "$holder"
holder=
check_case "store locked by another process" "$tmp/l.db"
grep -q "database is locked" "$tmp/e"
ok $? "locked store: the message says the store is locked"
check_resume "store locked by another process (released)" "$tmp/l.db"

tap_done
