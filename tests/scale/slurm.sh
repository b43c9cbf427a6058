#!/bin/sh
# tests/scale/slurm.sh — the README's Slurm recipe on a real (one-node)
# Slurm cluster (issue 16 item 4).  As root, from Debian's slurm-wlm and
# munge packages (./setup.sh deps installs them), it starts munged,
# slurmctld and slurmd on this machine with a private configuration in a
# temporary folder (ports of its own, no cgroups: proctrack/linuxproc,
# task/none, no accounting), then:
#   1. runs the demo music suite unsharded (the reference; it also renders
#      the suite into the cache the tasks share);
#   2. submits the README's shard.sh, taken from README.md as written, as a
#      job array of 3 shards (resources scaled down on the sbatch line);
#   3. cancels task 2 while it runs (scancel) and checks Slurm says so;
#   4. resubmits task 2 alone, as the README says, and lets it resume;
#   5. runs the README's merge command over the shard stores and checks
#      that the leaderboard equals the unsharded run's, item for item;
#   6. stops the daemons it started (by their process ids) and removes
#      its folder.
# Its last line is "slurm: ok ..." on success; any failure prints
# "slurm: FAIL: ..." and exits 1.
#
# Usage: tests/scale/slurm.sh [SEPBENCH]   (default: build/sepbench)
# SB_SLURM_KEEP=1 keeps the temporary folder (configuration, logs, stores).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
sepbench=${1:-${SEPBENCH:-$top/build/sepbench}}
tmp=
pids=

say() { printf 'slurm: %s\n' "$*" >&2; }
fail() {
  say "FAIL: $*"
  for log in slurmctld slurmd munged; do
    [ -n "$tmp" ] && [ -s "$tmp/$log.log" ] && { say "last lines of $log.log:"; tail -n 5 "$tmp/$log.log" >&2; }
  done
  exit 1
}
cleanup() {
  # Jobs still running (after a failure) end before the daemons do, so that
  # no slurmstepd outlives the cluster.
  if [ -n "$pids" ] && [ -n "${SLURM_CONF:-}" ] && [ -n "$(squeue -h 2>/dev/null)" ]; then
    scancel --full --quiet --partition=sbtest 2>/dev/null
    tries=0
    while [ -n "$(squeue -h 2>/dev/null)" ] && [ $tries -lt 300 ]; do
      sleep 0.2
      tries=$((tries + 1))
    done
  fi
  for pid in $pids; do
    kill "$pid" 2>/dev/null
  done
  for pid in $pids; do
    # Waits for each daemon this script started to end (they are its children).
    wait "$pid" 2>/dev/null
  done
  if [ -n "$tmp" ] && [ -n "${SB_SLURM_KEEP:-}" ]; then
    say "kept $tmp (SB_SLURM_KEEP)"
  elif [ -n "$tmp" ]; then
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

[ "$(id -u)" -eq 0 ] || fail "runs as root (slurmd starts jobs as their user and needs root)"
for prog in munged slurmctld slurmd sbatch squeue scancel scontrol sinfo; do
  command -v "$prog" >/dev/null 2>&1 || fail "$prog not found: install slurm-wlm and munge (./setup.sh deps)"
done
[ -x "$sepbench" ] || fail "$sepbench: no sepbench program (build first)"
sepbench=$(cd "$(dirname "$sepbench")" && pwd)/$(basename "$sepbench")

tmp=$(mktemp -d /tmp/sb-slurm.XXXXXX)
chmod 755 "$tmp"
work="$tmp/work"
mkdir -p "$work" "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/bin"
chmod 700 "$tmp/munge"
export SEPBENCH_CACHE="$tmp/cache"
unset MUSDB_PATH
# The jobs find sepbench on PATH, as on a cluster where it is installed.
ln -s "$sepbench" "$tmp/bin/sepbench"
PATH="$tmp/bin:$PATH"
export PATH

# --- the recipe, taken from README.md: the first two sh blocks after the
# line that starts the Slurm job array paragraph.
awk -v out1="$work/shard.sh" -v out2="$work/merge.sh" '
  /^A Slurm job array/ { armed = 1; next }
  armed && /^```sh$/ { block++; inside = 1; next }
  inside && /^```$/ { inside = 0; if (block == 2) exit; next }
  inside { print > (block == 1 ? out1 : out2) }
' "$top/README.md"
[ -s "$work/shard.sh" ] && [ -s "$work/merge.sh" ] || fail "README.md: no Slurm recipe (shard.sh and the merge command)"
grep -q 'SLURM_ARRAY_TASK_ID' "$work/shard.sh" || fail "README.md: shard.sh does not use SLURM_ARRAY_TASK_ID"

# --- munge, with a key of its own.
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$tmp/munge/munge.key"
socket="$tmp/munge/munge.socket"
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/seed" >>"$tmp/munged.log" 2>&1 &
pids="$pids $!"

# --- Slurm: one node, this machine, ports of its own.
node=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 / 2 }' /proc/meminfo)
port=$((20000 + $$ % 20000))
export SLURM_CONF="$tmp/slurm.conf"
cat >"$SLURM_CONF" <<EOF
ClusterName=sbtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=sbtest Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" >>"$tmp/slurmctld.log" 2>&1 &
pids="$pids $!"
slurmd -D -f "$SLURM_CONF" -N "$node" >>"$tmp/slurmd.log" 2>&1 &
pids="$pids $!"

# wait_for DESCRIPTION COMMAND...: polls COMMAND (true when done) every
# 0.2 s for at most 10 minutes; fails with DESCRIPTION otherwise.
wait_for() {
  what=$1
  shift
  tries=0
  until "$@"; do
    tries=$((tries + 1))
    [ $tries -le 3000 ] || fail "still waiting for $what after 10 minutes"
    sleep 0.2
  done
}
node_idle() { [ "$(sinfo -h -n "$node" -o %T 2>/dev/null)" = idle ]; }
wait_for "node $node to be idle" node_idle
say "cluster up: node $node, $cpus CPUs, slurmctld port $port"

# --- 1. the unsharded reference.
(cd "$work" && sepbench run --suite music --backends mixture,irm2 --db all.db >/dev/null 2>"$tmp/all.err") ||
  fail "the unsharded run failed: $(tail -n 2 "$tmp/all.err")"
n_items=$(sqlite3 "$work/all.db" "select count(*) from items where status = 'done'")
say "unsharded run: $n_items items"

# --- 2. the job array of 3 shards.
submit() {
  sbatch --parsable --chdir="$work" --output="$work/slurm-%A_%a.out" --cpus-per-task=1 --mem=1G --time=30 \
    "$@" "$work/shard.sh" 3
}
jobid=$(submit --array=1-3) || fail "sbatch of the job array failed"
jobid=${jobid%%;*}
say "submitted job array $jobid (3 shards)"

# --- 3. cancel task 2 while it runs, once its run is recorded in its
# store (it is then computing its first item): sepbench stops on SIGTERM
# after writing the item in progress (its shard has 2 items), so the
# resubmitted task has something to resume from.
task_state() { scontrol show job "${jobid}_$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }
task2_running() {
  state=$(task_state 2)
  case $state in
  RUNNING)
    [ "$(sqlite3 "$work/shard-2.db" "select count(*) from runs" 2>/dev/null || echo 0)" -ge 1 ]
    return
    ;;
  COMPLETED | FAILED | CANCELLED | TIMEOUT) fail "task 2 was $state before it could be cancelled" ;;
  esac
  return 1
}
wait_for "task 2 to run and record its run" task2_running
scancel "${jobid}_2" || fail "scancel ${jobid}_2 failed"
array_done() { [ -z "$(squeue -h -j "$jobid" 2>/dev/null)" ]; }
wait_for "the job array to end" array_done
for k in 1 3; do
  [ "$(task_state $k)" = COMPLETED ] || fail "task $k ended $(task_state $k): $(tail -n 3 "$work/slurm-${jobid}_$k.out")"
done
[ "$(task_state 2)" = CANCELLED ] || fail "task 2 ended $(task_state 2), not CANCELLED"
partial=$(sqlite3 "$work/shard-2.db" "select count(*) from items where status = 'done'" 2>/dev/null || echo 0)
say "task 2 cancelled while running ($partial items of its shard stored)"

# --- 4. resubmit task 2 alone; it resumes from its store.
rejob=$(submit --array=2) || fail "sbatch of task 2 again failed"
rejob=${rejob%%;*}
redone() { [ -z "$(squeue -h -j "$rejob" 2>/dev/null)" ]; }
wait_for "the resubmitted task 2 to end" redone
state=$(scontrol show job "${rejob}_2" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1)
[ "$state" = COMPLETED ] || fail "the resubmitted task 2 ended $state: $(tail -n 3 "$work/slurm-${rejob}_2.out")"
grep -q "items: .* computed, $partial already stored, 0 failed" "$work/slurm-${rejob}_2.out" ||
  fail "the resubmitted task 2 did not resume from its $partial stored items: $(grep ' items: ' "$work/slurm-${rejob}_2.out")"

# --- 5. the README's merge command, and the leaderboards.
(cd "$work" && sh ./merge.sh >"$tmp/merged.txt" 2>"$tmp/merge.err") || fail "the merge command failed: $(tail -n 3 "$tmp/merge.err")"
(cd "$work" && sepbench leaderboard --db all.db >"$tmp/all.txt" 2>&1) || fail "leaderboard of the unsharded run failed"
cmp -s "$tmp/merged.txt" "$tmp/all.txt" || fail "the merged leaderboard differs from the unsharded run's:
$(diff "$tmp/all.txt" "$tmp/merged.txt" | head -n 20)"
[ "$(sqlite3 "$work/results.db" "select count(*) from items where status = 'done'")" = "$n_items" ] ||
  fail "results.db does not hold the $n_items items once"
[ "$(sqlite3 "$work/shard-2.db" "select count(*) from items where status = 'done'")" -gt "$partial" ] ||
  fail "task 2 had stored its whole shard before it was cancelled: nothing was resumed"
shares=
for k in 1 2 3; do
  shares="$shares${shares:++}$(sqlite3 "$work/shard-$k.db" "select count(*) from items where status = 'done'")"
done

# --- 6. the daemons stop in cleanup (they are this script's children).
echo "slurm: ok: 3 shards ($shares items) on a one-node cluster, task 2 cancelled while running and resumed" \
  "($partial items kept), merged leaderboard equal to the unsharded run's ($n_items items)"
