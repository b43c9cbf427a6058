#!/bin/sh
# tests/runners/test-run-user-metrics.sh — metrics users plug in, end to end
# through `sepbench run` and `sepbench eval`, with the metric plugin
# tests/backends/rms_metric_plugin.c (built by make check) and the command
# metric tests/backends/rms-metric.py:
#   - adding plug-in metrics to a finished run scores every item with them
#     only: no item is added, no built-in value changes (the stored rows are
#     compared before and after), the plugin's and the command's values of
#     the same (item, target) agree (both computed from the same estimates);
#   - a re-run with them, or with fewer, does nothing; a new plugin version
#     recomputes that metric only, replacing its values; --force recomputes;
#   - a crash, a hang (--plugin-timeout), bad JSON and NaN output: the run
#     goes on, values NaN with the reason stored, exit status 3; a re-run
#     retries the failed ones only; Ctrl-C during a plug-in metric leaves
#     the item for the resume;
#   - bad specs stop the run before any item, with one line;
#   - leaderboard, table, plot and report show plug-in metrics; shards
#     merge with them;
#   - eval: the values in each target's "whole" and in "track" (equal to
#     20 log10(1/2) for estimates that are exactly half the references),
#     "user_metrics", a failing metric's null values, reason and exit 3.
# Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-user-metrics
unset SB_RMS_PLUGIN_VERSION
builddir=${SB_TOP_BUILDDIR:?SB_TOP_BUILDDIR must point to the build directory}
srcdir=${SB_TOP_SRCDIR:?SB_TOP_SRCDIR must point to the source directory}
plugin="$builddir/tests/backends/.libs/rms_metric_plugin.so"
# configure's python3 (/usr/bin/python3 first) runs the command metric.
py=${SB_PYTHON3:-python3}
script="$py $srcdir/tests/backends/rms-metric.py"
ulimit -c 0 2>/dev/null
q() { sqlite3 "$1" "$2"; }
# The built-in values and items of a store, for comparing before and after.
builtin_dump() {
  sqlite3 "$1" "select i.id, i.finished_at, v.target, v.metric, printf('%.17g', v.value) from track_values v
    join items i on i.id = v.item_id where v.metric not like 'RMSR%' order by 1, 3, 4"
  sqlite3 "$1" "select item_id, target, metric, frame, printf('%.17g', value) from frame_values order by 1, 2, 3, 4"
}
rock="Tiny Band - Rock & Roll"
cat >"$tmp/metrics.ini" <<EOF
[metric rms]
command = $script {ref} {est}
metrics = RMSR_cmd

[metric rmsall]
command = $script --track {ref} {est}
metrics = RMSR_cmd_all
per = track

[metric badjson]
command = $script {ref} {est} badjson
metrics = RMSR_cmd

[metric nan]
command = $script --key RMSR_nan {ref} {est} nan
metrics = RMSR_nan
EOF
base="run --suite tiny --backends mixture,irm2 --excerpt 0:1 --metrics sdr,sisdr --progress lines"
plug="--metric-plugin $plugin --metric-command rms,rmsall --metric-config $tmp/metrics.ini"

[ -f "$plugin" ]
ok $? "the test plugin was built ($plugin)"

# 1. a finished run, then the same run with plug-in metrics added
"$sepbench" $base --db "$tmp/a.db" >/dev/null 2>"$tmp/e1"
ok $? "a run with the built-in metrics only"
builtin_dump "$tmp/a.db" >"$tmp/before.txt"
"$sepbench" $base $plug --db "$tmp/a.db" >"$tmp/o2" 2>"$tmp/e2"
ok $? "the same run with a plugin and two command metrics added: exit 0"
grep -qF "sepbench: 6 items in $tmp/a.db lack metrics of this run (plug-in metrics): separating them again to compute those only" \
  "$tmp/e2" && grep -qF "sepbench: 6 items: 6 computed (6 for missing metrics only), 0 already stored, 0 failed" "$tmp/e2"
ok $? "it says the 6 stored items get the plug-in metrics only"
builtin_dump "$tmp/a.db" >"$tmp/after.txt"
[ -s "$tmp/before.txt" ] && cmp -s "$tmp/before.txt" "$tmp/after.txt" && [ "$(q "$tmp/a.db" "select count(*) from items")" = 6 ]
ok $? "no built-in value, item or finish time changed; still 6 items ($(wc -l <"$tmp/before.txt") rows)"
[ "$(q "$tmp/a.db" "select count(*) from plugin_metrics where status = 'done'")" = 18 ] &&
  [ "$(q "$tmp/a.db" "select count(*) from track_values where metric = 'RMSR'")" = 24 ] &&
  [ "$(q "$tmp/a.db" "select count(*) from track_values where metric = 'RMSR_cmd'")" = 24 ] &&
  [ "$(q "$tmp/a.db" "select count(*) from track_values where metric = 'RMSR_all' and target = '_track'")" = 6 ] &&
  [ "$(q "$tmp/a.db" "select count(*) from track_values where metric = 'RMSR_cmd_all' and target = '_track'")" = 6 ]
ok $? "18 plug-in records; 24 per-target values of each, 6 per-track values under _track"
far=$(q "$tmp/a.db" "select count(*) from track_values a join track_values b on a.item_id = b.item_id and
  a.target = b.target where a.metric = 'RMSR' and b.metric = 'RMSR_cmd' and abs(a.value - b.value) > 1e-4")
[ "$far" = 0 ] && [ "$(q "$tmp/a.db" "select count(*) from track_values where metric like 'RMSR%' and value is null")" = 0 ]
ok $? "the plugin's RMSR and the command's RMSR_cmd agree for every (item, target) to 1e-4 dB"
q "$tmp/a.db" "select metric_params from runs order by id desc limit 1" | grep -qF '"user_metrics": ["plugin:rmsratio;version=1.0", "cmd:rms;version=1", "cmd:rmsall;version=1"]'
ok $? "the run's description lists the plug-in metrics' keys"

# 2. re-runs
"$sepbench" $base $plug --db "$tmp/a.db" >/dev/null 2>"$tmp/e3"
[ $? -eq 0 ] && grep -qF "6 items: 0 computed, 6 already stored, 0 failed" "$tmp/e3"
ok $? "the same command again does nothing"
"$sepbench" $base --metric-plugin "$plugin" --db "$tmp/a.db" >/dev/null 2>"$tmp/e4"
[ $? -eq 0 ] && grep -qF "6 items: 0 computed, 6 already stored, 0 failed" "$tmp/e4"
ok $? "with fewer plug-in metrics it does nothing either"
SB_RMS_PLUGIN_VERSION=2.0 "$sepbench" $base --metric-plugin "$plugin" --db "$tmp/a.db" >/dev/null 2>"$tmp/e5"
[ $? -eq 0 ] && grep -qF "6 items: 6 computed (6 for missing metrics only)" "$tmp/e5" &&
  [ "$(q "$tmp/a.db" "select count(*) from plugin_metrics where key = 'plugin:rmsratio;version=2.0'")" = 6 ] &&
  [ "$(q "$tmp/a.db" "select count(*) from track_values where metric = 'RMSR'")" = 24 ] &&
  [ "$(q "$tmp/a.db" "select count(*) from plugin_metrics where name like 'cmd:%'")" = 12 ]
ok $? "a new plugin version recomputes that metric only, replacing its values"
builtin_dump "$tmp/a.db" >"$tmp/after2.txt"
cmp -s "$tmp/before.txt" "$tmp/after2.txt"
ok $? "still no built-in value changed"
"$sepbench" $base $plug --force --db "$tmp/a.db" >/dev/null 2>"$tmp/e6"
[ $? -eq 0 ] && [ "$(q "$tmp/a.db" "select count(*) from items")" = 6 ] &&
  [ "$(q "$tmp/a.db" "select count(*) from plugin_metrics")" = 18 ] &&
  [ "$(q "$tmp/a.db" "select count(*) from track_values where metric = 'RMSR'")" = 24 ]
ok $? "--force recomputes everything, nothing duplicated"

# 3. reports
"$sepbench" leaderboard --db "$tmp/a.db" --metric RMSR >"$tmp/lb" 2>&1 &&
  grep -q "^RMSR, whole track, mean over tracks" "$tmp/lb" && grep -q "^irm2 " "$tmp/lb" && grep -q "^mixture " "$tmp/lb"
ok $? "leaderboard --metric RMSR ranks the methods"
"$sepbench" leaderboard --db "$tmp/a.db" --metric RMSR_cmd_all >"$tmp/lb2" 2>&1 && grep -q "_track" "$tmp/lb2"
ok $? "a per-track plug-in metric has its _track column"
"$sepbench" table --db "$tmp/a.db" --metric RMSR_cmd --format md >"$tmp/tab" 2>&1 && grep -q "^| irm2" "$tmp/tab"
ok $? "table --metric RMSR_cmd"
"$sepbench" plot boxplot --db "$tmp/a.db" --metric RMSR --out "$tmp/b.svg" >/dev/null 2>&1 && grep -q "<svg" "$tmp/b.svg"
ok $? "plot boxplot --metric RMSR"
"$sepbench" report --db "$tmp/a.db" --out "$tmp/rep" --no-figures >/dev/null 2>&1 &&
  grep -q 'id="leaderboard-RMSR"' "$tmp/rep/index.html" && grep -q 'id="leaderboard-RMSR_cmd_all"' "$tmp/rep/index.html"
ok $? "the HTML report has a leaderboard of every plug-in metric"

# 4. faults: a crash on one track, bad JSON, NaN
"$sepbench" $base --metric-plugin "$plugin:fault=crash,on=Rock" --metric-command badjson,nan \
  --metric-config "$tmp/metrics.ini" --db "$tmp/b.db" >/dev/null 2>"$tmp/f1"
st=$?
[ $st -eq 3 ]
ok $? "a plugin crashing on one track and a command printing bad JSON: exit status 3 (got $st)"
[ "$(q "$tmp/b.db" "select count(*) from items where status = 'done'")" = 6 ]
ok $? "every item's built-in values are stored"
grep -qF "sepbench: plugin $plugin crashed in compute() on '$rock' (signal 11, Segmentation fault)" "$tmp/f1" &&
  [ "$(q "$tmp/b.db" "select count(*) from plugin_metrics where name = 'plugin:rmsratio' and status = 'failed'
    and error like 'plugin % crashed in compute() on ''$rock''%'")" = 2 ] &&
  [ "$(q "$tmp/b.db" "select count(*) from plugin_metrics where name = 'plugin:rmsratio' and status = 'done'")" = 4 ]
ok $? "the crash: reported, its 2 items' records failed with the reason, the 4 others done"
[ "$(q "$tmp/b.db" "select count(*) from track_values v join items i on i.id = v.item_id join tracks t on
  t.id = i.track_id where t.name = '$(echo "$rock" | sed "s/'/''/g")' and v.metric = 'RMSR' and v.value is null")" = 8 ]
ok $? "the crashed track's RMSR values are NaN (NULL)"
[ "$(q "$tmp/b.db" "select count(*) from plugin_metrics where name = 'cmd:badjson' and status = 'failed' and
  error like 'cmd:badjson on % output is not JSON%'")" = 6 ]
ok $? "bad JSON: every item's record failed with the reason"
[ "$(q "$tmp/b.db" "select count(*) from plugin_metrics where name = 'cmd:nan' and status = 'done' and
  note like 'cmd:nan on % NaN (not defined): RMSR_nan of %'")" = 6 ] &&
  [ "$(q "$tmp/b.db" "select count(*) from track_values v join plugin_metrics p on p.item_id = v.item_id
    where p.name = 'cmd:nan' and v.metric = 'RMSR_nan' and v.value is null")" = 24 ]
ok $? "NaN output: done, the values NULL with a note"
grep -qF "plug-in metric values of items failed" "$tmp/f1"
ok $? "the summary counts the failed plug-in metrics"
"$sepbench" $base --metric-plugin "$plugin:fault=crash,on=Rock" --metric-command badjson,nan \
  --metric-config "$tmp/metrics.ini" --db "$tmp/b.db" >/dev/null 2>"$tmp/f2"
st=$?
[ $st -eq 3 ] && grep -qF "6 items in $tmp/b.db lack metrics of this run (plug-in metrics)" "$tmp/f2" &&
  [ "$(q "$tmp/b.db" "select count(*) from plugin_metrics")" = 18 ] && [ "$(q "$tmp/b.db" "select count(*) from items")" = 6 ]
ok $? "a re-run retries the failed plug-in metrics (every item has one), nothing duplicated (exit $st)"
# The plugin hangs for ever: the run ending shows the limit at work;
# timeout 600 only keeps a broken limit from hanging the suite.
timeout 600 "$sepbench" $base --metric-plugin "$plugin:fault=hang,on=Rock" --plugin-timeout 1 --db "$tmp/c.db" \
  --jobs 2 >/dev/null 2>"$tmp/h1"
st=$?
[ $st -eq 3 ] && grep -qF "plugin $plugin timed out after 1 s in compute() on '$rock'" "$tmp/h1" &&
  [ "$(q "$tmp/c.db" "select count(*) from plugin_metrics where status = 'failed' and error like '%timed out after 1 s%'")" = 2 ]
ok $? "a plugin hanging on one track is killed after --plugin-timeout 1, the values NaN with the reason (exit $st)"

# 5. Ctrl-C while a plug-in metric runs: the item is left for the resume
"$sepbench" $base --tracks Rock --backends mixture --metric-plugin "$plugin:fault=hang,mark=$tmp/hanging" --jobs 1 \
  --db "$tmp/d.db" >/dev/null 2>"$tmp/i1" &
pid=$!
while [ ! -e "$tmp/hanging" ] && kill -0 $pid 2>/dev/null; do sleep 0.1; done
kill -INT $pid
wait $pid
st=$?
[ $st -eq 130 ] && [ "$(q "$tmp/d.db" "select count(*) from items")" = 0 ] &&
  [ "$(q "$tmp/d.db" "select status from runs")" = interrupted ]
ok $? "Ctrl-C during a plug-in metric: exit 130, the item left for the resume (exit $st)"

# 6. bad specs stop the run before any item
"$sepbench" $base --metric-command none --metric-config "$tmp/metrics.ini" --db "$tmp/x.db" >/dev/null 2>"$tmp/x1"
st=$?
[ $st -eq 1 ] && [ "$(cat "$tmp/x1")" = "sepbench: $tmp/metrics.ini: no section [metric none] (sections: rms, rmsall, badjson, nan)" ] &&
  [ ! -e "$tmp/x.db" ]
ok $? "an unknown command metric: exit 1, one line listing the sections, no store (exit $st)"
"$sepbench" $base --metric-plugin "$plugin:start=crash" --db "$tmp/x.db" >/dev/null 2>"$tmp/x2"
st=$?
[ $st -eq 1 ] && [ "$(cat "$tmp/x2")" = "sepbench: --metric-plugin $plugin: plugin $plugin crashed in create() (signal 11, Segmentation fault)" ]
ok $? "a plugin crashing at its start-up check: exit 1, one line (exit $st)"
"$sepbench" $base --metric-plugin "$tmp/none.so" --db "$tmp/x.db" >/dev/null 2>"$tmp/x3"
[ $? -eq 1 ] && grep -qF "plugin $tmp/none.so: cannot load" "$tmp/x3"
ok $? "a missing metric plugin: exit 1, naming it"
"$sepbench" $base --metric-plugin "$builddir/tests/backends/.libs/faulty_plugin.so" --db "$tmp/x.db" >/dev/null 2>"$tmp/x4"
[ $? -eq 1 ] && grep -qF "no symbol sepbench_metric_v1 (is it a sepbench metric plugin?)" "$tmp/x4"
ok $? "a separator plugin given as a metric plugin: exit 1, saying so"
"$sepbench" $base --metric-plugin "$plugin" --metric-plugin "$plugin" --db "$tmp/x.db" >/dev/null 2>"$tmp/x5"
[ $? -eq 1 ] && [ "$(cat "$tmp/x5")" = "sepbench: metric plugin:rmsratio is given twice" ]
ok $? "a metric given twice: exit 1"
"$sepbench" $base --metric-command "rms,,x" --db "$tmp/x.db" >/dev/null 2>"$tmp/x6"
[ $? -eq 2 ] && grep -qF "sepbench run: --metric-command needs NAME[,NAME...], not 'rms,,x'" "$tmp/x6"
ok $? "an empty name in --metric-command: usage error (exit 2)"
[ ! -e "$tmp/x.db" ] || [ "$(q "$tmp/x.db" "select count(*) from items")" = 0 ]
ok $? "no item was stored by the refused runs"

# 7. shards carry their plug-in values through merge
"$sepbench" $base --metric-plugin "$plugin" --shard 1/2 --db "$tmp/s1.db" >/dev/null 2>&1 &&
  "$sepbench" $base --metric-plugin "$plugin" --shard 2/2 --db "$tmp/s2.db" >/dev/null 2>&1 &&
  "$sepbench" merge "$tmp/m.db" "$tmp/s1.db" "$tmp/s2.db" >/dev/null 2>&1
ok $? "two shards with a metric plugin, merged"
[ "$(q "$tmp/m.db" "select count(*) from plugin_metrics where status = 'done'")" = 6 ] &&
  [ "$(q "$tmp/m.db" "select count(*) from track_values where metric = 'RMSR'")" = 24 ]
ok $? "the merged store has every plug-in record and value"
"$sepbench" $base --metric-plugin "$plugin" --db "$tmp/m.db" >/dev/null 2>"$tmp/m1"
[ $? -eq 0 ] && grep -qF "6 items: 0 computed, 6 already stored" "$tmp/m1"
ok $? "the merged store resumes with nothing to do"

# 8. eval: estimates exactly half the references (16-bit, even samples)
mkdir -p "$tmp/ref" "$tmp/est"
$py - "$tmp" <<'PY'
import math, struct, sys, wave
root = sys.argv[1]
for name, freq in (("s1", 440.0), ("s2", 97.0)):
    ref = [2 * int(8000 * math.sin(2 * math.pi * freq * i / 8000)) for i in range(8000)]
    for folder, div in (("ref", 1), ("est", 2)):
        w = wave.open(f"{root}/{folder}/{name}.wav", "wb")
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
        w.writeframes(struct.pack("<%dh" % len(ref), *[v // div for v in ref]))
        w.close()
PY
ok $? "eval folders: the estimates are the references / 2 exactly"
"$sepbench" eval --ref-dir "$tmp/ref" --est-dir "$tmp/est" --metrics sisdr $plug >"$tmp/ev.json" 2>"$tmp/ev.err"
ok $? "eval with a plugin and two command metrics: exit 0"
$py - "$tmp/ev.json" <<'PY'
import json, math, sys
j = json.load(open(sys.argv[1]))
half = 20 * math.log10(0.5)
for t in j["targets"]:
    assert abs(t["whole"]["RMSR"] - half) < 1e-12, t["whole"]
    assert abs(t["whole"]["RMSR_cmd"] - half) < 1e-9, t["whole"]
    assert "SI-SDR" in t["whole"]
assert abs(j["track"]["RMSR_all"] - half) < 1e-12 and abs(j["track"]["RMSR_cmd_all"] - half) < 1e-9, j["track"]
names = [m["name"] for m in j["user_metrics"]]
assert names == ["plugin:rmsratio", "cmd:rms", "cmd:rmsall"], names
assert all(m["error"] is None for m in j["user_metrics"]) and j["notes"] == []
PY
ok $? "eval JSON: RMSR and RMSR_cmd in each target's whole, the per-track values in track, all 20 log10(1/2)"
"$sepbench" eval --ref-dir "$tmp/ref" --est-dir "$tmp/est" --metrics sisdr --metric-plugin "$plugin:fault=fail" \
  >"$tmp/ev2.json" 2>"$tmp/ev2.err"
st=$?
$py - "$tmp/ev2.json" "$tmp/est" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
why = "metric plugin:rmsratio failed on '%s': rmsratio: refusing %s" % (sys.argv[2], sys.argv[2])
assert all(t["whole"]["RMSR"] is None for t in j["targets"]) and j["track"]["RMSR_all"] is None
assert j["user_metrics"][0]["error"] == why and j["notes"] == [why], (j["user_metrics"], j["notes"])
PY
[ $? -eq 0 ] && [ $st -eq 3 ] && grep -qF "sepbench: metric plugin:rmsratio failed on" "$tmp/ev2.err"
ok $? "eval with a failing plugin: null values, the reason in user_metrics and notes, on stderr, exit 3 (got $st)"
"$sepbench" eval --ref-dir "$tmp/ref" --est-dir "$tmp/est" --metrics sisdr $plug --format table >"$tmp/ev.txt" 2>&1 &&
  grep -q "^plug-in metrics" "$tmp/ev.txt" && grep -q "RMSR_cmd_all" "$tmp/ev.txt" && grep -q "^s1 .*-6.021 .*-6.021" "$tmp/ev.txt"
ok $? "eval --format table lists the plug-in values"

tap_done
