# tests/schemas/store_checks.sh — checks of a store's contents for the
# shell tests that damage, crash or share stores (sourced after tap.sh):
#   store_dump DB          every value with its names (no ids), sorted, for
#                          comparing two stores value for value;
#   store_consistent DB REF  0 when DB passes integrity_check and
#                          foreign_key_check, has no orphan value row and
#                          no duplicate item, and every 'done' item of DB
#                          holds as many frame and track values as the same
#                          item (by suite, track, method, config) of REF:
#                          no partially written item; store_problem says
#                          what is wrong otherwise;
#   store_n_items DB       "N items", or "no tables" for a store whose
#                          creation failed;
#   store_errors FILE DB   0 when the stderr text FILE has at least one
#                          error line and every error line is one line
#                          naming DB ("sepbench: DB: ..."); progress,
#                          suite and summary lines are not error lines, nor
#                          is the leaderboard's "no values" after a run
#                          that stored nothing;
#                          store_first_error is the first error line.

store_dump() {
  sqlite3 "$1" "select s.name, t.name, m.name, i.config, v.target, v.metric, printf('%.17g', v.value)
    from track_values v join items i on i.id = v.item_id join tracks t on t.id = i.track_id
    join suites s on s.id = t.suite_id join methods m on m.id = i.method_id order by 1, 2, 3, 4, 5, 6"
  sqlite3 "$1" "select s.name, t.name, m.name, i.config, v.target, v.metric, v.frame, printf('%.17g', v.value)
    from frame_values v join items i on i.id = v.item_id join tracks t on t.id = i.track_id
    join suites s on s.id = t.suite_id join methods m on m.id = i.method_id order by 1, 2, 3, 4, 5, 6, 7"
}

# Per 'done' item of schema S: names, config, frame and track value counts.
store_item_counts_sql() {
  echo "select s.name sn, t.name tn, m.name mn, i.config c,
      (select count(*) from $1.frame_values f where f.item_id = i.id) nf,
      (select count(*) from $1.track_values v where v.item_id = i.id) nt
    from $1.items i join $1.tracks t on t.id = i.track_id join $1.suites s on s.id = t.suite_id
    join $1.methods m on m.id = i.method_id where i.status = 'done'"
}

store_consistent() {
  store_problem=
  # A store whose creation failed holds nothing to check.
  sc_tables=$(sqlite3 "$1" "select count(*) from sqlite_master where name = 'items'" 2>&1)
  case $sc_tables in
  0) return 0 ;;
  1) ;;
  *)
    store_problem="cannot read the store: $sc_tables"
    return 1
    ;;
  esac
  sc_integrity=$(sqlite3 "$1" "pragma integrity_check" 2>&1)
  if [ "$sc_integrity" != ok ]; then
    store_problem="integrity_check: $sc_integrity"
    return 1
  fi
  sc_fk=$(sqlite3 "$1" "pragma foreign_key_check" 2>&1)
  if [ -n "$sc_fk" ]; then
    store_problem="foreign_key_check: $sc_fk"
    return 1
  fi
  sc_bad=$(sqlite3 "$1" "select (select count(*) from frame_values where item_id not in (select id from items))
      + (select count(*) from track_values where item_id not in (select id from items)),
    (select count(*) from (select 1 from items group by track_id, method_id, config having count(*) > 1))" 2>&1)
  if [ "$sc_bad" != "0|0" ]; then
    store_problem="orphan value rows | duplicate items: $sc_bad"
    return 1
  fi
  sc_partial=$(sqlite3 "$1" "attach '$2' as r;
    select count(*) from ($(store_item_counts_sql main)) a left join ($(store_item_counts_sql r)) b
      using (sn, tn, mn, c) where b.nf is null or a.nf != b.nf or a.nt != b.nt" 2>&1)
  if [ "$sc_partial" != 0 ]; then
    store_problem="items that are not whole: $sc_partial"
    return 1
  fi
  return 0
}

store_n_items() {
  if [ "$(sqlite3 "$1" "select count(*) from sqlite_master where name = 'items'" 2>/dev/null)" = 1 ]; then
    echo "$(sqlite3 "$1" "select count(*) from items") items"
  else
    echo "no tables"
  fi
}

store_errors() {
  grep -v -e '^sepbench: [0-9]*/[0-9]* items done' -e "^sepbench: suite '" \
    -e '^sepbench: [0-9]* items: ' -e '^sepbench: [0-9]* of [0-9]* items already in' \
    -e '^sepbench: leaderboard: no values of ' "$1" >"$1.errors"
  store_first_error=$(head -n 1 "$1.errors")
  [ -s "$1.errors" ] || return 1
  while IFS= read -r sc_line; do
    case $sc_line in
    "sepbench: $2: "*) ;;
    *) return 1 ;;
    esac
  done <"$1.errors"
}
