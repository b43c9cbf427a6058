# tests/reports/hostile_names.sh — sourced by test-plot.sh and
# test-report.sh: a store whose method, track, target and suite names hold
# everything gnuplot would run or expand if a name reached it as code (a
# backquoted command, $, ", ', \, a line break, an @ macro, ;), imported
# from museval JSON.  Each backquoted command would create a file pwn_* in
# the working directory.
#
# hostile_store DB DIR: writes DIR/test/<track>.json (and a plain track) and
# imports it twice into DB (the hostile method and "plain"); returns the
# exit status of the imports.  Sets hostile_method, hostile_track,
# hostile_target, hostile_suite.
bq='`'
nl='
'
hostile_method="m ${bq}touch pwn_method${bq} \$HOME \"dq\" 'sq' back\\slash @GPVAL_PWD ;semi"
hostile_track="t ${bq}touch pwn_track${bq} \$x \"dq\" 'sq' back\\slash @x ;semi${nl}second line"
# The target as it reads once the JSON below is decoded.
hostile_target="v ${bq}touch pwn_target${bq} \$x \"dq\" 'sq' back\\slash @x ;semi${nl}line 2"
hostile_suite="s ${bq}touch pwn_suite${bq} \$y \"dq\" 'sq' @GPVAL_PWD ;semi"

# One museval track file with the hostile target and vocals; $2 shifts the
# values so that the two tracks differ.
hostile_json() {
  cat <<EOF
{"targets": [
 {"name": "v \`touch pwn_target\` \$x \\"dq\\" 'sq' back\\\\slash @x ;semi\\nline 2",
  "frames": [{"time": 0.0, "duration": 1.0, "metrics": {"SDR": $1.5, "SIR": 2.5, "SAR": 3.5, "ISR": 4.5}},
             {"time": 1.0, "duration": 1.0, "metrics": {"SDR": $1.0, "SIR": 3.0, "SAR": 4.0, "ISR": 5.0}}]},
 {"name": "vocals",
  "frames": [{"time": 0.0, "duration": 1.0, "metrics": {"SDR": $1.25, "SIR": 2.0, "SAR": 3.0, "ISR": 4.0}},
             {"time": 1.0, "duration": 1.0, "metrics": {"SDR": $1.75, "SIR": 2.25, "SAR": 3.25, "ISR": 4.25}}]}],
 "museval_version": "0.4.1"}
EOF
}

hostile_store() {
  mkdir -p "$2/test" || return 1
  hostile_json 3 >"$2/test/$hostile_track.json" || return 1
  hostile_json 5 >"$2/test/plain track.json" || return 1
  "$sepbench" import --db "$1" --suite "$hostile_suite" --method "$hostile_method" "$2" \
    >/dev/null 2>&1 &&
    "$sepbench" import --db "$1" --suite "$hostile_suite" --method plain "$2" >/dev/null 2>&1
}
