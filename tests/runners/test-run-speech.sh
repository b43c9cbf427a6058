#!/bin/sh
# tests/runners/test-run-speech.sh — the speech metrics (STOI, ESTOI,
# SA-SDR) through `sepbench run` on the built-in demo speech suite:
#   - a speech suite computes them by default, --metrics drops them, and a
#     music suite never adds them;
#   - they are filed like plug-in metrics: one 'builtin:*' record per item
#     and group, STOI/dSTOI/ESTOI/dESTOI per target, SA-SDR and SI-SA-SDR
#     under the pseudo-target '_track'; the metric configuration key does
#     not name them;
#   - adding them to a finished run computes them only: no item is added,
#     no other value changes, and the values are bit for bit those of a
#     fresh run (the stored permutation); a re-run computes nothing;
#   - the mixture as the estimate improves nothing (dSTOI = dESTOI = 0);
#   - leaderboard --metric STOI / SA-SDR, table, report show them; table
#     without --metric on a speech store has the paper columns (SI-SDRi,
#     SDRi, STOI, ESTOI, SA-SDR), on a music store the SDR table as before.
# Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-run-speech
q() { sqlite3 "$1" "$2"; }
speech_metrics="'STOI','ESTOI','dSTOI','dESTOI','SA-SDR','SI-SA-SDR'"
# Every stored value but the speech metrics', for comparing before and after.
other_dump() {
  sqlite3 "$1" "select i.id, i.finished_at, v.target, v.metric, printf('%.17g', v.value) from track_values v
    join items i on i.id = v.item_id where v.metric not in ($speech_metrics) order by 1, 3, 4"
  sqlite3 "$1" "select item_id, target, metric, frame, printf('%.17g', value) from frame_values order by 1, 2, 3, 4"
}
speech_dump() {
  sqlite3 "$1" "select t.name, m.name, v.target, v.metric, printf('%.17g', v.value) from track_values v
    join items i on i.id = v.item_id join tracks t on t.id = i.track_id join methods m on m.id = i.method_id
    where v.metric in ($speech_metrics) order by 1, 2, 3, 4"
}
base="run --suite speech --backends mixture,irm2 --limit 2 --progress lines"

# 1. a fresh run: the speech metrics by default
"$sepbench" $base --db "$tmp/fresh.db" >/dev/null 2>"$tmp/e0"
ok $? "a run on the demo speech suite: exit 0"
[ "$(q "$tmp/fresh.db" "select count(*) from items where status = 'done'")" = 4 ] &&
  [ "$(q "$tmp/fresh.db" "select group_concat(name || '=' || n) from (select name, count(*) as n from plugin_metrics
     where status = 'done' group by name order by name)")" = "builtin:estoi=4,builtin:sasdr=4,builtin:stoi=4" ]
ok $? "4 items, each with a done record of builtin:stoi, builtin:estoi and builtin:sasdr"
[ "$(q "$tmp/fresh.db" "select count(*) from track_values where metric in ('STOI','ESTOI','dSTOI','dESTOI')
     and target in ('spk1_reverb','spk2_reverb') and value between -1 and 1")" = 32 ] &&
  [ "$(q "$tmp/fresh.db" "select count(*) from track_values where target = '_track' and metric in ('SA-SDR','SI-SA-SDR')
     and value is not null")" = 8 ]
ok $? "STOI, ESTOI and their improvements per target (32 values in [-1, 1]), SA-SDR and SI-SA-SDR under '_track' (8)"
[ "$(q "$tmp/fresh.db" "select key from plugin_metrics where name = 'builtin:stoi' limit 1")" = \
  "builtin:stoi;version=pystoi-0.4.1" ] &&
  [ "$(q "$tmp/fresh.db" "select metrics from plugin_metrics where name = 'builtin:sasdr' limit 1")" = '["SA-SDR","SI-SA-SDR"]' ] &&
  [ "$(q "$tmp/fresh.db" "select count(*) from items where config like '%stoi%' or config like '%sasdr%'")" = 0 ]
ok $? "the records' keys and value names; no item key names the speech groups"
[ "$(q "$tmp/fresh.db" "select count(*) from track_values v join items i on i.id = v.item_id join methods m
     on m.id = i.method_id where m.name = 'mixture' and v.metric in ('dSTOI','dESTOI') and v.value = 0")" = 8 ]
ok $? "the mixture as the estimate: dSTOI = dESTOI = 0 exactly"

# 2. a finished run without them, then the default run adds them only
"$sepbench" $base --metrics all --db "$tmp/a.db" >/dev/null 2>"$tmp/e1"
ok $? "a run with --metrics all: exit 0"
[ "$(q "$tmp/a.db" "select count(*) from plugin_metrics")" = 0 ] &&
  [ "$(q "$tmp/a.db" "select count(*) from track_values where metric in ($speech_metrics)")" = 0 ]
ok $? "--metrics names the groups: no speech metric"
other_dump "$tmp/a.db" >"$tmp/before.txt"
"$sepbench" $base --db "$tmp/a.db" >/dev/null 2>"$tmp/e2"
ok $? "the same run without --metrics: exit 0"
grep -qF "sepbench: 4 items: 4 computed (4 for missing metrics only), 0 already stored, 0 failed" "$tmp/e2" &&
  grep -qF "sepbench: 4 items in $tmp/a.db lack metrics of this run (builtin:stoi, builtin:estoi, builtin:sasdr): separating them again to compute those only" "$tmp/e2"
ok $? "the 4 stored items get the speech metrics only, named: $(head -c 300 "$tmp/e2")"
other_dump "$tmp/a.db" >"$tmp/after.txt"
[ -s "$tmp/before.txt" ] && cmp -s "$tmp/before.txt" "$tmp/after.txt" && [ "$(q "$tmp/a.db" "select count(*) from items")" = 4 ]
ok $? "no other value, item or finish time changed; still 4 items ($(wc -l <"$tmp/before.txt") rows)"
speech_dump "$tmp/fresh.db" >"$tmp/fresh.txt"
speech_dump "$tmp/a.db" >"$tmp/added.txt"
[ "$(wc -l <"$tmp/fresh.txt")" = 40 ] && cmp -s "$tmp/fresh.txt" "$tmp/added.txt"
ok $? "the added values are those of the fresh run, bit for bit (40 values)"
"$sepbench" $base --db "$tmp/a.db" >/dev/null 2>"$tmp/e3"
grep -qF "sepbench: 4 items: 0 computed, 4 already stored, 0 failed" "$tmp/e3"
ok $? "a re-run computes nothing"
"$sepbench" $base --metrics sdr,sisdr,improvements,sasdr --db "$tmp/b.db" >/dev/null 2>&1 &&
  [ "$(q "$tmp/b.db" "select group_concat(distinct name) from plugin_metrics")" = "builtin:sasdr" ]
ok $? "--metrics ...,sasdr: SA-SDR only"

# 3. a music suite never adds them by default
"$sepbench" run --suite tiny --backends mixture --excerpt 0:1 --metrics sdr --db "$tmp/m.db" >/dev/null 2>&1 &&
  "$sepbench" run --suite tiny --backends irm2 --excerpt 0:1 --db "$tmp/m.db" >/dev/null 2>&1 &&
  [ "$(q "$tmp/m.db" "select count(*) from plugin_metrics")" = 0 ]
ok $? "the tiny (music) suite: no speech metric by default"

# 4. reports
"$sepbench" leaderboard --db "$tmp/fresh.db" --metric STOI >"$tmp/lb" 2>&1 &&
  grep -q '^irm2  *0\.[0-9][0-9]  *0\.[0-9][0-9]' "$tmp/lb" && grep -q '^mixture ' "$tmp/lb"
ok $? "leaderboard --metric STOI ranks both methods per target"
"$sepbench" leaderboard --db "$tmp/fresh.db" --metric SA-SDR >"$tmp/lb2" 2>&1 && grep -q '_track' "$tmp/lb2" &&
  grep -q '^irm2 ' "$tmp/lb2"
ok $? "leaderboard --metric SA-SDR: one '_track' column"
"$sepbench" table --db "$tmp/fresh.db" --metric ESTOI --format md >"$tmp/table" 2>&1 && grep -q 'irm2' "$tmp/table"
ok $? "table --metric ESTOI"
"$sepbench" table --db "$tmp/fresh.db" --format md >"$tmp/paper" 2>&1 &&
  grep -qxF "| method | SI-SDRi (dB) | SDRi (dB) | STOI | ESTOI | SA-SDR (dB) |" "$tmp/paper"
ok $? "table without --metric on a speech store: the paper columns SI-SDRi, SDRi, STOI, ESTOI, SA-SDR"
want=$(q "$tmp/fresh.db" "select printf('%.3f', avg(v.value)) from track_values v join items i on i.id = v.item_id
  join methods m on m.id = i.method_id where m.name = 'irm2' and v.metric = 'STOI'")
grep "^| irm2 |" "$tmp/paper" | cut -d'|' -f5 | grep -qF "$want"
ok $? "its irm2 STOI cell is the mean over tracks and targets of the stored values ($want)"
"$sepbench" table --db "$tmp/m.db" --format md >"$tmp/music" 2>&1 && grep -q "SDR (dB), median over 1-s frames" "$tmp/music" &&
  ! grep -q "STOI" "$tmp/music"
ok $? "table without --metric on a music store: the SDR table as before"
"$sepbench" report --db "$tmp/fresh.db" --out "$tmp/report" --no-figures >/dev/null 2>&1 &&
  grep -q "STOI" "$tmp/report/index.html" && grep -q "SA-SDR" "$tmp/report/index.html"
ok $? "the HTML report has STOI and SA-SDR boards"
tap_done
