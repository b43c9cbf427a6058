#!/bin/sh
# tests/backends/test-command.sh — run-time backends end to end through
# `sepbench run`: a command backend wrapping a small shell script (stored
# results, rate/channel conversion), a command that exits leaving a
# background child holding its pipes (done, not timed out), config errors
# (timeout = nan, a key given twice), hostile track names (quotes, $(...),
# spaces) passed verbatim and never executed, a hanging command (timeout),
# a command writing garbage, a failing command (stderr tail in the
# message), outputs outside {outdir} refused (in the config, or links at run
# time), the example C plugin (results, a plugin call that returns
# an error, and a plugin call that crashes: isolated in a child process,
# recorded as failed, retried on re-run), dir: estimates on disk, and
# Ctrl-C (SIGINT): status 'interrupted', then a resume completing every
# item exactly once.
# Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-cmd
builddir=${SB_TOP_BUILDDIR:?SB_TOP_BUILDDIR must point to the build directory}
plugin="$builddir/backends/.libs/example_plugin.so"
# sepbench's own temporary folders go here, so the leftover check below sees
# only this test's folders, whatever else runs on the machine.
mkdir "$tmp/tmpdir" && export TMPDIR="$tmp/tmpdir"

# The separator: sep.sh INPUT OUTDIR TRACK MODE LOG.  "copy" writes the input as
# every stem; the other modes misbehave.
cat >"$tmp/sep.sh" <<'SCRIPT'
#!/bin/sh
printf '%s\n' "$3" >>"$5"
case "$4" in
  hang) sleep 60 ;;
  garbage) for s in vocals drums bass other; do echo "not audio" >"$2/$s.wav"; done; exit 0 ;;
  fail) echo "warming up" >&2; echo "model exploded on $3" >&2; exit 3 ;;
  slow) sleep 1 ;;
  background) sleep 60 & echo $! >"$5.pid" ;;
esac
mkdir -p "$2/$3" || exit 1
for s in vocals drums bass other; do cp "$1" "$2/$3/$s.wav" || exit 1; done
SCRIPT
chmod +x "$tmp/sep.sh"
# backend NAME SEEN OUTPUTS RATE CHANNELS [LINE...]: one section of the
# test's backends.ini, sep.sh in mode NAME logging its calls to SEEN
backend() {
  printf '[backend %s]\ncommand = "%s" {input} {outdir} {track} %s "%s"\noutputs = %s\nrate = %s\nchannels = %s\n' \
    "$1" "$tmp/sep.sh" "$1" "$2" "$3" "$4" "$5"
  shift 5
  for line in "$@"; do printf '%s\n' "$line"; done
  echo
}
{
  echo "# test backends"
  backend copy "$tmp/seen" "{outdir}/{track}/{stem}.wav" 22050 1 "timeout = 60"
  backend hang "$tmp/seen-hang" "{outdir}/{stem}.wav" 44100 2 "timeout = 1"
  backend garbage "$tmp/seen-garbage" "{outdir}/{stem}.wav" 44100 2
  backend fail "$tmp/seen-fail" "{outdir}/{stem}.wav" 44100 2 "retries = 1"
  backend slow "$tmp/seen-slow" "{outdir}/{track}/{stem}.wav" 44100 2 "stems = vocals, drums, bass, other"
} >"$tmp/backends.ini"
q() { sqlite3 "$1" "$2"; }

# 1. a command backend that works, plus three that fail, on the tiny suite
"$sepbench" run --suite tiny --backends cmd:copy,cmd:hang,cmd:garbage,cmd:fail,mixture \
  --backend-config "$tmp/backends.ini" --db "$tmp/c.db" --jobs 2 --progress lines >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st -eq 3 ]
ok $? "a run with failing command backends finishes with exit status 3 (got $st)"
[ "$(q "$tmp/c.db" "select count(*) from items i join methods m on m.id=i.method_id where m.name in ('cmd:copy','mixture') and i.status='done'")" = 6 ]
ok $? "cmd:copy and mixture: 6 items stored as done"
[ "$(q "$tmp/c.db" "select count(*) from track_values v join items i on i.id=v.item_id join methods m on m.id=i.method_id where m.name='cmd:copy' and v.metric='SDR' and v.value is not null")" = 12 ]
ok $? "cmd:copy: SDR of 4 targets x 3 tracks stored"
[ "$(q "$tmp/c.db" "select count(*) from items where status='failed'")" = 9 ]
ok $? "hang, garbage, fail: 9 failed items recorded"
q "$tmp/c.db" "select i.error from items i join methods m on m.id=i.method_id where m.name='cmd:hang'" | grep -q 'timed out after 1 s'
ok $? "the hanging command is recorded as timed out"
q "$tmp/c.db" "select i.error from items i join methods m on m.id=i.method_id where m.name='cmd:garbage'" | grep -q 'vocals.wav: not an audio file'
ok $? "the garbage output is recorded as not audio, naming the file"
q "$tmp/c.db" "select i.error from items i join methods m on m.id=i.method_id where m.name='cmd:fail'" | grep -q 'exit status 3: warming up | model exploded on Tiny Band'
ok $? "the failing command's message has its exit status and stderr tail"
[ "$(wc -l <"$tmp/seen-fail")" = 6 ]
ok $? "retries = 1: each failing item ran twice"
grep -q "cmd:hang on 'Tiny Band" "$tmp/err"
ok $? "failures are reported on stderr as they happen"
ls "${TMPDIR:-/tmp}" | grep -q "^sepbench-cmd-" && echo "# leftover temporary folders" >&2
[ -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'sepbench-cmd-*' -newer "$tmp/backends.ini" 2>/dev/null)" ]
ok $? "temporary folders are removed"
mix=$(q "$tmp/c.db" "select printf('%.3f', avg(v.value)) from track_values v join items i on i.id=v.item_id join methods m on m.id=i.method_id where m.name='mixture' and v.metric='SDR'")
cp=$(q "$tmp/c.db" "select printf('%.3f', avg(v.value)) from track_values v join items i on i.id=v.item_id join methods m on m.id=i.method_id where m.name='cmd:copy' and v.metric='SDR'")
awk -v a="$cp" -v b="$mix" 'BEGIN { exit !(a < b && a > b - 30) }'
ok $? "cmd:copy (whole mono mixture at 22.05 kHz as every stem) scores below the mixture/4 baseline ($cp < $mix dB)"

# 1b. a command that exits 0 but leaves a background child holding its
# stdout and stderr: the item ends with the command, not with the pipes
printf '[backend background]\ncommand = "%s/sep.sh" {input} {outdir} {track} background "%s/seen-bg"\n%s\n' \
  "$tmp" "$tmp" 'outputs = {outdir}/{track}/{stem}.wav
rate = 44100
channels = 2
timeout = 30' >"$tmp/bg.ini"
"$sepbench" run --suite tiny --backends cmd:background --limit 1 --backend-config "$tmp/bg.ini" \
  --db "$tmp/bg.db" >/dev/null 2>"$tmp/err-bg"
st=$?
[ $st -eq 0 ] && [ "$(q "$tmp/bg.db" "select count(*) from items where status='done'")" = 1 ]
ok $? "a command leaving a background child is done when it exits, not timed out (exit $st)"
[ -s "$tmp/seen-bg.pid" ] && kill "$(cat "$tmp/seen-bg.pid")" 2>/dev/null

# 2. hostile track names: quotes, $(...), backquotes, spaces
evil="It's \"a\" \$(touch pwned) \`touch pwned2\` ; touch pwned3 test"
mkdir -p "$tmp/evil/test/$evil" "$tmp/work"
first=$(ls "$SEPBENCH_CACHE/tiny" | grep -v '^\.' | head -1)
for s in mixture vocals drums bass other; do cp "$SEPBENCH_CACHE/tiny/$first/$s.wav" "$tmp/evil/test/$evil/$s.wav"; done
(cd "$tmp/work" && "$sepbench" run --suite "$tmp/evil" --backends cmd:copy --backend-config "$tmp/backends.ini" \
  --db "$tmp/e.db" >/dev/null 2>"$tmp/err-evil")
ok $? "a track named $evil runs through the command backend"
[ ! -e "$tmp/work/pwned" ] && [ ! -e "$tmp/work/pwned2" ] && [ ! -e "$tmp/work/pwned3" ] && [ ! -e pwned ] &&
  [ -z "$(find "$tmp" -name 'pwned*')" ]
ok $? "nothing injected was executed (no file 'pwned' anywhere)"
[ "$(tail -n 1 "$tmp/seen")" = "$evil" ]
ok $? "the program received the track name verbatim as one argument"
[ "$(q "$tmp/e.db" "select count(*) from items where status='done'")" = 1 ]
ok $? "the hostile track's item is stored"

# 3. config errors: one line naming the file and the problem.
# config_error FILE NAME TEXT WANT WHAT: cmd:NAME read from FILE holding TEXT
# (printf escapes) fails with exit status 1 and a message holding WANT.
config_error() {
  printf "$3" >"$tmp/$1"
  "$sepbench" run --suite tiny --backends "cmd:$2" --backend-config "$tmp/$1" --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
  [ $? -eq 1 ] && grep -q "$4" "$tmp/e"
  ok $? "$5"
}
config_error bad.ini x '[backend x]\ncommand = a {nosuch}\noutputs = {stem}\nrate = 1000\nchannels = 1\n' \
  "bad.ini:2: command: unknown placeholder {nosuch}" "unknown placeholder: error naming file, line and placeholder"
"$sepbench" run --suite tiny --backends cmd:nope --backend-config "$tmp/backends.ini" --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "no section \[backend nope\] (sections: copy, hang, garbage, fail, slow)" "$tmp/e"
ok $? "unknown command backend: error listing the sections"
config_error bad2.ini y '[backend y]\ncommand = prog {input}\noutputs = {outdir}/{stem}.wav\n' \
  "needs command, outputs, rate and channels" "missing rate/channels: error"
config_error bad3.ini z '[backend z]\ncommand = p {input}\noutputs = {outdir}/{stem}.wav\nrate = 8000\nchannels = 1\ntimeout = nan\n' \
  "bad3.ini:6: timeout = 'nan': expected a number in" "timeout = nan is refused, naming file and line"
config_error bad4.ini z '[backend z]\ncommand = prog {input}\nrate = 8000\nrate = 16000\n' \
  "bad4.ini:4: key 'rate' given twice in \[backend z\] (first on line 3)" "a key given twice is refused, naming both lines"
# outputs outside {outdir} would let a program that wrote nothing be scored
# on older files (here: the references themselves, left in "$tmp/stale")
mkdir -p "$tmp/stale" && cp "$SEPBENCH_CACHE/tiny/$first"/*.wav "$tmp/stale/"
for out in "$tmp/stale/{stem}.wav" "{outdir}/../stale/{stem}.wav" "{stem}.wav" "{outdir}{stem}.wav"; do
  printf '[backend nothing]\ncommand = true {outdir}\noutputs = %s\nrate = 44100\nchannels = 2\n' "$out" >"$tmp/out.ini"
  "$sepbench" run --suite tiny --backends cmd:nothing --backend-config "$tmp/out.ini" --db "$tmp/o.db" >/dev/null 2>"$tmp/e"
  st=$?
  [ $st -eq 1 ] && [ "$(wc -l <"$tmp/e")" = 1 ] &&
    grep -qF "out.ini:3: outputs = '$out': must be a path under {outdir} ({outdir}/..., no '..')" "$tmp/e"
  ok $? "outputs = $out is refused when the config is read (exit $st)"
done
cat >"$tmp/link.ini" <<INI
[backend link]
command = sh -c 'for s in vocals drums bass other; do ln -s "\$0/\$s.wav" "\$1/\$s.wav"; done' "$tmp/stale" {outdir}
outputs = {outdir}/{stem}.wav
rate = 44100
channels = 2
INI
"$sepbench" run --suite tiny --backends cmd:link,mixture --backend-config "$tmp/link.ini" --db "$tmp/l.db" >/dev/null \
  2>"$tmp/e"
st=$?
[ $st -eq 3 ] && [ "$(q "$tmp/l.db" "select count(*) from items where status='failed'")" = 3 ] &&
  q "$tmp/l.db" "select error from items where status='failed'" | grep -q "output for stem 'vocals' is not a file the program wrote"
ok $? "outputs that are links to older files fail their items (exit $st)"
XDG_CONFIG_HOME="$tmp/xdg" "$sepbench" run --suite tiny --backends cmd:copy --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "$tmp/xdg/sepbench/backends.ini: cannot read" "$tmp/e"
ok $? "the default config path is \$XDG_CONFIG_HOME/sepbench/backends.ini"
mkdir -p "$tmp/xdg/sepbench" && cp "$tmp/backends.ini" "$tmp/xdg/sepbench/backends.ini"
XDG_CONFIG_HOME="$tmp/xdg" "$sepbench" run --suite tiny --backends cmd:copy --limit 1 --db "$tmp/x.db" >/dev/null 2>&1
ok $? "a backend from the default config file runs"

# 4. the example C plugin: results, and an error returned by the plugin
"$sepbench" run --suite tiny --backends "plugin:$plugin:gain=1,fail=Rock,mixture" --db "$tmp/p.db" >/dev/null 2>"$tmp/err-p"
st=$?
[ $st -eq 3 ]
ok $? "plugin run with one refused track exits 3 (got $st)"
[ "$(q "$tmp/p.db" "select count(*) from items i join methods m on m.id=i.method_id where m.name='example' and i.status='done'")" = 2 ]
ok $? "the plugin's other two tracks are stored"
q "$tmp/p.db" "select error from items where status='failed'" | grep -q "backend example failed on 'Tiny Band - Rock & Roll': example: refusing track as asked by fail=Rock"
ok $? "the plugin's error is recorded with its reason"
same=$(q "$tmp/p.db" "select count(*) from track_values a join items ia on ia.id=a.item_id join methods ma on ma.id=ia.method_id join items ib on ib.track_id=ia.track_id join methods mb on mb.id=ib.method_id join track_values b on b.item_id=ib.id and b.target=a.target and b.metric=a.metric where ma.name='example' and mb.name='mixture' and a.metric='SDR' and a.value=b.value")
[ "$same" = 8 ]
ok $? "example plugin with gain=1 equals the mixture baseline exactly (8 SDR values), got $same"
q "$tmp/p.db" "select backend || ' ' || params from methods where name='example'" | grep -q "^plugin:$plugin gain=1,fail=Rock$"
ok $? "the plugin's path and options are stored with the method"
"$sepbench" run --suite tiny --backends "plugin:$tmp/none.so" --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "plugin $tmp/none.so: cannot load" "$tmp/e"
ok $? "missing plugin: error naming it"
"$sepbench" run --suite tiny --backends "plugin:$tmp/sep.sh" --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "plugin $tmp/sep.sh: cannot load" "$tmp/e"
ok $? "a file that is not a shared object: error"
"$sepbench" run --suite tiny --backends "plugin:$plugin:volume=3" --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "backends example: example: unknown option (known: gain, fail, crash_on): volume=3" "$tmp/e"
ok $? "a bad plugin option is an error before the run starts"

# 4b. a plugin that crashes (SIGSEGV) on one track: the separation runs in a
# forked child, so the crash is a failed item and the other tracks finish
# (the sanitizer build reports that SEGV in the child: expected, tests/tap.sh)
tap_expected_reports='AddressSanitizer: SEGV on unknown address'
ulimit -c 0 2>/dev/null
"$sepbench" run --suite tiny --backends "plugin:$plugin:crash_on=Rock" --db "$tmp/k.db" --jobs 2 \
  >/dev/null 2>"$tmp/err-k"
st=$?
[ $st -eq 3 ]
ok $? "plugin run crashing on one track exits 3 (got $st)"
[ "$(q "$tmp/k.db" "select count(*) from items where status='done'")" = 2 ]
ok $? "the two tracks the plugin does not crash on are stored as done"
[ "$(q "$tmp/k.db" "select count(*) from items i join tracks t on t.id=i.track_id where i.status='failed' and t.name like '%Rock%'")" = 1 ]
ok $? "the crashed track is recorded as one failed item"
q "$tmp/k.db" "select error from items where status='failed'" |
  grep -qF "plugin $plugin crashed in separate() on 'Tiny Band - Rock & Roll' (signal 11, Segmentation fault)"
ok $? "the failure names the plugin, the call, the track and the signal"
grep -qF "crashed in separate() on 'Tiny Band - Rock & Roll' (signal 11" "$tmp/err-k"
ok $? "the crash is reported on stderr"
"$sepbench" run --suite tiny --backends "plugin:$plugin:crash_on=Rock" --db "$tmp/k.db" >/dev/null 2>"$tmp/err-k2"
st=$?
[ $st -eq 3 ] && grep -q "2 of 3 items already in" "$tmp/err-k2" &&
  grep -q "3 items: 0 computed, 2 already stored, 1 failed" "$tmp/err-k2"
ok $? "a re-run retries only the failed item (exit $st, 2 of 3 skipped, 1 failed)"
[ "$(q "$tmp/k.db" "select count(*) from items where status='done'")" = 2 ] &&
  [ "$(q "$tmp/k.db" "select count(*) from items where status='failed'")" = 1 ]
ok $? "after the re-run: still 2 done, 1 failed, nothing duplicated"
"$sepbench" run --suite tiny --backends "plugin:$plugin:gain=1" --db "$tmp/k2.db" --plugin-in-process >/dev/null 2>&1
[ $? -eq 0 ] && [ "$(q "$tmp/k2.db" "select count(*) from items where status='done'")" = 3 ]
ok $? "--plugin-in-process: the plugin runs in the sepbench process and stores 3 items"
"$sepbench" run --suite tiny --backends "plugin:$plugin:crash_on=Rock" --db "$tmp/k3.db" --plugin-in-process \
  >/dev/null 2>"$tmp/err-k3"
st=$?
[ $st -ne 0 ] && [ $st -ne 3 ] && ! grep -q "items:" "$tmp/err-k3"
ok $? "--plugin-in-process: a plugin crash ends sepbench before its summary (exit $st, no isolation)"

# 5. dir: estimates on disk (the tiny references themselves: perfect scores,
# plus a folder with one target missing)
mkdir -p "$tmp/est/tiny"
for t in "$SEPBENCH_CACHE"/tiny/*/; do
  name=$(basename "$t")
  mkdir -p "$tmp/est/$name"
  cp "$t"/*.wav "$tmp/est/$name/"
  rm -f "$tmp/est/$name/mixture.wav"
done
rm "$tmp/est/$first/bass.wav"
"$sepbench" run --suite tiny --backends "dir:$tmp/est" --db "$tmp/d.db" >/dev/null 2>"$tmp/e"
[ $? -eq 3 ]
ok $? "dir: with one incomplete folder exits 3"
[ "$(q "$tmp/d.db" "select count(*) from items where status='done'")" = 2 ]
ok $? "dir: the two complete tracks are stored"
q "$tmp/d.db" "select error from items where status='failed'" | grep -qF "$tmp/est/$first/bass.wav: estimate of 'bass'"
ok $? "dir: the missing file is named"
[ "$(q "$tmp/d.db" "select count(*) from track_values where metric='SI-SDR' and value > 100")" = 8 ]
ok $? "dir: the references as estimates score above 100 dB SI-SDR"
"$sepbench" run --suite tiny --backends "dir:$tmp/nosuch" --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "dir:$tmp/nosuch: no such folder" "$tmp/e"
ok $? "dir: a missing folder is an error naming it"

# 6. Ctrl-C: SIGINT stops after the items in progress, then the run resumes
"$sepbench" run --suite tiny --backends cmd:slow,mixture --backend-config "$tmp/backends.ini" --db "$tmp/i.db" \
  --jobs 1 --progress lines >/dev/null 2>"$tmp/err-int" &
pid=$!
tap_wait_items "$tmp/i.db" 1
kill -INT $pid
wait $pid
st=$?
[ $st -eq 130 ]
ok $? "SIGINT: exit status 130 (got $st)"
[ "$(q "$tmp/i.db" "select status from runs order by id desc limit 1")" = interrupted ]
ok $? "SIGINT: the run is recorded as interrupted"
grep -q "run the same command to resume" "$tmp/err-int"
ok $? "SIGINT: the message says how to resume"
partial=$(q "$tmp/i.db" "select count(*) from items where status='done'")
[ "$partial" -ge 1 ] && [ "$partial" -lt 6 ] && [ "$(q "$tmp/i.db" "select count(*) from items where status='failed'")" = 0 ]
ok $? "SIGINT: $partial finished items stored, none recorded as failed"
"$sepbench" run --suite tiny --backends cmd:slow,mixture --backend-config "$tmp/backends.ini" --db "$tmp/i.db" \
  --jobs 2 >/dev/null 2>"$tmp/err-res"
ok $? "the resumed run completes"
grep -q "$partial of 6 items already in" "$tmp/err-res"
ok $? "the resumed run skips the $partial stored items"
[ "$(q "$tmp/i.db" "select count(*) from items where status='done'")" = 6 ] &&
  [ "$(q "$tmp/i.db" "select count(*) from (select 1 from items group by track_id, method_id, config having count(*) > 1)")" = 0 ]
ok $? "after resuming every item is stored exactly once"

tap_done
