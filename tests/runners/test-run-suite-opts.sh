#!/bin/sh
# tests/runners/test-run-suite-opts.sh — the suite selection of `sepbench
# run` end to end on the tiny suite (3 tracks x 6 s, 44.1 kHz): --excerpt
# START:DURATION evaluates DURATION s per track (2 one-second frames for
# 1:2), --targets vocals,accompaniment stores exactly those two targets
# (accompaniment derived from drums + bass + other), re-running resumes, and
# a different excerpt or target set is a different stored item (config key).
# Bad values are usage errors.  Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-opts
q() { sqlite3 "$tmp/r.db" "$1"; }
run() { "$sepbench" run --suite tiny --backends mixture,irm2 --db "$tmp/r.db" --jobs 2 --progress lines "$@"; }

run --excerpt 1:2 --targets vocals,accompaniment >"$tmp/out" 2>"$tmp/err"
ok $? "run --excerpt 1:2 --targets vocals,accompaniment exits 0"
[ "$(q "select count(*) from items where status='done'")" = 6 ]
ok $? "6 items (3 tracks x 2 backends) stored"
[ "$(q "select group_concat(target) from (select distinct target from track_values order by target)")" = "accompaniment,vocals" ]
ok $? "exactly the targets vocals and accompaniment are stored"
[ "$(q "select count(distinct frame) from frame_values where metric='SDR'")" = 2 ] &&
  [ "$(q "select count(*) from frame_values where metric='SDR'")" = 24 ]
ok $? "2-s items: 2 one-second frames x 2 targets x 6 items"
[ "$(q "select min(time_s) || ' ' || max(time_s) || ' ' || max(duration_s) from frame_values")" = "0.0 1.0 1.0" ]
ok $? "frame times are relative to the excerpt (0 s and 1 s, 1-s frames)"
[ "$(q "select count(distinct hop) from items") $(q "select max(hop) from items")" = "1 44100" ]
ok $? "the hop stored with the items is one second at 44.1 kHz"
q "select distinct config from items" | grep -q ";excerpt=1:2;targets=vocals,accompaniment$"
ok $? "the config key records the excerpt and the targets"
# irm2 is an oracle mask: it must beat the mixture on both targets
better=$(q "select count(*) from track_values a join items ia on ia.id=a.item_id join methods ma on ma.id=ia.method_id
  join track_values b on b.target=a.target and b.metric=a.metric join items ib on ib.id=b.item_id and ib.track_id=ia.track_id
  join methods mb on mb.id=ib.method_id where ma.name='irm2' and mb.name='mixture' and a.metric='SDR' and a.value > b.value")
[ "$better" = 6 ]
ok $? "irm2 beats the mixture on all 6 (track, target) pairs ($better)"

run --excerpt 1:2 --targets vocals,accompaniment >"$tmp/out" 2>"$tmp/err"
ok $? "the same command again exits 0"
grep -q "6 of 6 items already in" "$tmp/err"
ok $? "the second run resumes: 6 of 6 items already stored"
[ "$(q "select count(*) from items")" = 6 ]
ok $? "nothing is stored twice"

run --excerpt 0:3 --targets vocals,accompaniment >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && grep -q "6 items: 6 computed, 0 already stored" "$tmp/err"
ok $? "another excerpt is computed anew"
[ "$(q "select count(*) from frame_values f join items i on i.id=f.item_id where i.config like '%excerpt=0:3%' and f.metric='SDR'")" = 36 ]
ok $? "--excerpt 0:3: 3 frames x 2 targets x 6 items"
run --excerpt 1:2 --targets vocals >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && grep -q "6 items: 6 computed, 0 already stored" "$tmp/err"
ok $? "another target set is computed anew"
[ "$(q "select count(distinct config) from items")" = 3 ] && [ "$(q "select count(*) from items")" = 18 ]
ok $? "three configurations, 18 items"

run --excerpt 1 >/dev/null 2>"$tmp/e"
[ $? -eq 2 ] && grep -q "excerpt expects START:DURATION" "$tmp/e"
ok $? "--excerpt without a duration: usage error"
run --excerpt 1:0 >/dev/null 2>"$tmp/e"
[ $? -eq 2 ]
ok $? "--excerpt with a zero duration: usage error"
run --excerpt=-1:2 >/dev/null 2>"$tmp/e"
[ $? -eq 2 ]
ok $? "--excerpt with a negative start: usage error"
run --targets vocals,nosuch >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "has no target 'nosuch'" "$tmp/e"
ok $? "--targets with an unknown target: error naming it"
run --variant clean >/dev/null 2>"$tmp/e"
[ $? -eq 2 ] && grep -q "variant must be sep_clean or sep_noisy" "$tmp/e"
ok $? "--variant with an unknown value: usage error"
printf '[mytiny]\nkind = auto\npath = %s\n' "$SEPBENCH_CACHE/tiny" >"$tmp/suites.ini"
"$sepbench" run --suite mytiny --suites-config "$tmp/suites.ini" --backends mixture --limit 1 --db "$tmp/s.db" \
  >/dev/null 2>"$tmp/e"
ok $? "--suites-config: a suite named in the given file runs"
[ "$(sqlite3 "$tmp/s.db" "select s.name || ' ' || count(*) from items i join tracks t on t.id=i.track_id join suites s on s.id=t.suite_id")" = "mytiny 1" ]
ok $? "--suites-config with --limit 1: one item stored under the suite's name"
"$sepbench" run --help | grep -q -- "--excerpt S:D"
ok $? "run --help documents --excerpt"

tap_done
