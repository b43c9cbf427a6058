#!/bin/sh
# tests/runners/test-shard-merge.sh — `run --shard K/N` and `merge`: the
# shards partition the items, shard 1/2 + 2/2 merged equal one unsharded
# run value for value, merging twice changes nothing, a conflict is
# reported and not overwritten, failed items are replaced by done ones.
# Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-shard
q() { sqlite3 "$1" "$2"; }
# Every value with its names (no ids), for comparing stores.
dump() {
  sqlite3 "$1" "select s.name, t.name, m.name, i.config, v.target, v.metric, printf('%.17g', v.value)
    from track_values v join items i on i.id = v.item_id join tracks t on t.id = i.track_id
    join suites s on s.id = t.suite_id join methods m on m.id = i.method_id order by 1, 2, 3, 4, 5, 6"
  sqlite3 "$1" "select t.name, m.name, v.target, v.metric, v.frame, printf('%.17g', v.value)
    from frame_values v join items i on i.id = v.item_id join tracks t on t.id = i.track_id
    join methods m on m.id = i.method_id order by 1, 2, 3, 4, 5"
}
b=mixture,irm1,ibm2

"$sepbench" run --suite tiny --backends $b --db "$tmp/all.db" >/dev/null 2>&1
ok $? "unsharded run"
"$sepbench" run --suite tiny --backends $b --shard 1/2 --db "$tmp/s1.db" >/dev/null 2>"$tmp/e1"
ok $? "shard 1/2"
"$sepbench" run --suite tiny --backends $b --shard 2/2 --db "$tmp/s2.db" --jobs 1 >/dev/null 2>"$tmp/e2"
ok $? "shard 2/2"
c1=$(q "$tmp/s1.db" "select count(*) from items")
c2=$(q "$tmp/s2.db" "select count(*) from items")
[ $((c1 + c2)) = 9 ] && [ "$c1" -gt 0 ] && [ "$c2" -gt 0 ]
ok $? "the shards split the 9 items ($c1 + $c2)"
overlap=$(sqlite3 "$tmp/s1.db" "attach '$tmp/s2.db' as o; select count(*) from items a join tracks ta on ta.id=a.track_id join methods ma on ma.id=a.method_id join o.items b join o.tracks tb on tb.id=b.track_id join o.methods mb on mb.id=b.method_id where ta.name=tb.name and ma.name=mb.name")
[ "$overlap" = 0 ]
ok $? "no item is in both shards"

"$sepbench" merge "$tmp/m.db" "$tmp/s1.db" "$tmp/s2.db" 2>"$tmp/em"
ok $? "merge exits 0"
grep -q "s1.db: $c1 items: $c1 copied, 0 already present, 0 conflicts" "$tmp/em"
ok $? "merge reports what it copied"
dump "$tmp/all.db" >"$tmp/all.txt"
dump "$tmp/m.db" >"$tmp/m.txt"
[ -s "$tmp/all.txt" ] && cmp -s "$tmp/all.txt" "$tmp/m.txt"
ok $? "shard 1/2 + 2/2 merged equal the unsharded run value for value ($(wc -l <"$tmp/all.txt") rows)"
runs=$(q "$tmp/m.db" "select count(*) from runs")
[ "$runs" = 2 ]
ok $? "the provenance of both shard runs is kept ($runs runs)"
before=$(md5sum <"$tmp/m.txt")
"$sepbench" merge "$tmp/m.db" "$tmp/s1.db" "$tmp/s2.db" 2>"$tmp/em2"
ok $? "merging again exits 0"
grep -q "0 copied, $c1 already present" "$tmp/em2"
ok $? "merging again copies nothing"
[ "$(dump "$tmp/m.db" | md5sum)" = "$before" ] && [ "$(q "$tmp/m.db" "select count(*) from runs")" = 2 ] &&
  [ "$(q "$tmp/m.db" "select count(*) from items")" = 9 ]
ok $? "merging again changes nothing (values, runs, items)"

# A conflict: the same item with another value.
cp "$tmp/s1.db" "$tmp/c.db"
q "$tmp/c.db" "update track_values set value = value + 1 where metric = 'SDR' and target = 'vocals' and item_id = (select min(id) from items)"
"$sepbench" merge "$tmp/m.db" "$tmp/c.db" 2>"$tmp/ec"
st=$?
[ $st -eq 3 ] && grep -q "^conflict: tiny / .* values differ; $tmp/m.db keeps its own" "$tmp/ec"
ok $? "a conflicting item is reported (exit $st)"
[ "$(dump "$tmp/m.db" | md5sum)" = "$before" ]
ok $? "the conflicting value is not overwritten"

# A failed item is replaced by the done one.
"$sepbench" run --suite tiny --backends mixture --db "$tmp/f.db" >/dev/null 2>&1
q "$tmp/f.db" "delete from items where id = (select min(id) from items); insert into items (track_id, method_id, config, status, error, finished_at) select t.id, m.id, (select config from items limit 1), 'failed', 'boom', '2024-01-01' from tracks t, methods m where t.id not in (select track_id from items) limit 1"
[ "$(q "$tmp/f.db" "select count(*) from items where status='failed'")" = 1 ]
ok $? "fixture: a store with one failed item"
"$sepbench" merge "$tmp/f.db" "$tmp/all.db" 2>"$tmp/ef"
ok $? "merge into the store with a failed item"
[ "$(q "$tmp/f.db" "select count(*) from items where status='failed'")" = 0 ] &&
  [ "$(q "$tmp/f.db" "select count(*) from items")" = 9 ]
ok $? "the failed item was replaced by the done one"

# Errors
"$sepbench" merge "$tmp/m.db" "$tmp/nosuch.db" >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "nosuch.db" "$tmp/e" && [ ! -e "$tmp/nosuch.db" ]
ok $? "a missing input store: error naming it, no file created"
"$sepbench" merge "$tmp/m.db" "$tmp/m.db" >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "cannot merge a store into itself" "$tmp/e"
ok $? "merging a store into itself is refused"
"$sepbench" merge "$tmp/m.db" >/dev/null 2>&1
[ $? -eq 2 ]
ok $? "merge without an input: usage error"
"$sepbench" merge --help | grep -q example
ok $? "merge --help shows an example"
"$sepbench" run --suite tiny --shard 3/2 --db "$tmp/x.db" >/dev/null 2>"$tmp/e"
[ $? -eq 2 ] && grep -q "shard expects K/N" "$tmp/e"
ok $? "--shard 3/2 is a usage error"

tap_done
