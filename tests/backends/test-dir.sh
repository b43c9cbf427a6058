#!/bin/sh
# tests/backends/test-dir.sh — `--backends dir:PATH` in the layouts of
# datasets/estimates.h through `sepbench run`: demucs (OUT/MODEL/TRACK/STEM.wav,
# named and detected by auto), asteroid (TRACK_estK.wav, K in the target
# order vocals, drums, bass, other), --est-pattern templates, an estimate
# shorter than the track (zero-padded, with a note), --excerpt cutting
# whole-file estimates, and the errors (two model folders, a bad template,
# --est-pattern with another layout).  The estimates are copies of the tiny
# suite's references, so a correctly located, cut and fitted estimate scores
# above 100 dB SI-SDR and any mix-up (wrong file, wrong excerpt) far below.
# Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-dir
q() { sqlite3 "$1" "$2"; }
perfect() { q "$1" "select count(*) from track_values v join items i on i.id=v.item_id where i.status='done' and v.metric='SI-SDR' and v.value > 100"; }
# all_read DB WHAT ARGS...: a run of the tiny suite with ARGS exits 0 and
# reads every estimate exactly (4 targets x 3 tracks, SI-SDR > 100 dB).
all_read() {
  db=$1
  what=$2
  shift 2
  "$sepbench" run --suite tiny "$@" --db "$db" >/dev/null 2>"$tmp/e"
  st=$?
  [ $st -eq 0 ] && [ "$(perfect "$db")" = 12 ]
  ok $? "$what: exit 0, 12 perfect values (exit $st, $(perfect "$db") perfect)"
}

"$sepbench" run --suite tiny --backends mixture --db "$tmp/warm.db" >/dev/null 2>&1
ok $? "the tiny suite is generated"
tiny="$SEPBENCH_CACHE/tiny"
first=$(ls "$tiny" | grep -v '^\.' | head -1)

# 1. demucs: OUT/htdemucs/<track>/<stem>.wav
for t in "$tiny"/*/; do
  name=$(basename "$t")
  mkdir -p "$tmp/demucs/htdemucs/$name"
  for s in vocals drums bass other; do cp "$t/$s.wav" "$tmp/demucs/htdemucs/$name/"; done
done
all_read "$tmp/dm.db" "demucs layout" --backends "dir:$tmp/demucs" --est-layout demucs
all_read "$tmp/da.db" "demucs layout detected by auto" --backends "dir:$tmp/demucs"
mkdir -p "$tmp/demucs/mdx"
"$sepbench" run --suite tiny --backends "dir:$tmp/demucs" --est-layout demucs --db "$tmp/d2.db" >/dev/null 2>"$tmp/e"
[ "$(q "$tmp/d2.db" "select count(*) from items where status='failed' and error like '%2 model folders (htdemucs, mdx%'")" = 3 ]
ok $? "demucs layout with two model folders: failed items saying so"

# 2. asteroid: <track>_est1.wav ... in the track's target order
mkdir -p "$tmp/ast"
for t in "$tiny"/*/; do
  name=$(basename "$t")
  k=1
  for s in vocals drums bass other; do cp "$t/$s.wav" "$tmp/ast/${name}_est$k.wav"; k=$((k + 1)); done
done
all_read "$tmp/as.db" "asteroid layout (est1 = vocals ... est4 = other)" --backends "dir:$tmp/ast" --est-layout asteroid
all_read "$tmp/aa.db" "asteroid layout detected by auto" --backends "dir:$tmp/ast"
rm "$tmp/ast/${first}_est3.wav"
"$sepbench" run --suite tiny --backends "dir:$tmp/ast" --est-layout asteroid --db "$tmp/a2.db" >/dev/null 2>"$tmp/e"
[ $? -eq 3 ] && q "$tmp/a2.db" "select error from items where status='failed'" | grep -qF "${first}_est3.wav: estimate of 'bass'"
ok $? "asteroid layout: a missing file is named with its target"

# 3. --est-pattern: a flat folder <subset>-<track>-<target>.wav
mkdir -p "$tmp/flat"
for t in "$tiny"/*/; do
  name=$(basename "$t")
  for s in vocals drums bass other; do cp "$t/$s.wav" "$tmp/flat/tiny-$name-$s.wav"; done
done
# vocals of the first track cut to its first 3 s (132300 of 264600 frames)
python3 - "$tmp/flat/tiny-$first-vocals.wav" <<'PY'
import sys, wave
src = wave.open(sys.argv[1], "rb")
params, frames = src.getparams(), src.readframes(132300)
src.close()
dst = wave.open(sys.argv[1], "wb")
dst.setparams(params)
dst.writeframes(frames)
dst.close()
PY
"$sepbench" run --suite tiny --backends "dir:$tmp/flat" --est-pattern "{subset}-{track}-{target}.wav" \
  --db "$tmp/pt.db" >/dev/null 2>"$tmp/e"
ok $? "--est-pattern: exit 0"
[ "$(q "$tmp/pt.db" "select count(*) from items where status='done'")" = 3 ] && [ "$(perfect "$tmp/pt.db")" = 11 ]
ok $? "--est-pattern: 3 items, 11 perfect values (the shortened vocals is not)"
q "$tmp/pt.db" "select note from items i join tracks t on t.id=i.track_id where t.name='$(printf '%s' "$first" | sed "s/'/''/g")'" |
  grep -qF "estimate 'vocals' ($tmp/flat/tiny-$first-vocals.wav): 132300 samples, zero-padded to 264600"
ok $? "the shortened estimate is zero-padded, with a note naming it"
grep -qF "zero-padded to 264600" "$tmp/e"
ok $? "the note is shown on stderr"
"$sepbench" run --suite tiny --backends "dir:$tmp/flat" --est-pattern "{track}-{stem}.wav" --db "$tmp/b.db" \
  >/dev/null 2>"$tmp/e"
[ $? -eq 1 ] && grep -q "unknown placeholder {stem}" "$tmp/e"
ok $? "--est-pattern with an unknown placeholder: error before the run"
"$sepbench" run --suite tiny --backends "dir:$tmp/flat" --est-pattern "{track}.wav" --est-layout demucs \
  --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
[ $? -eq 2 ] && grep -q "est-pattern goes with --est-layout pattern" "$tmp/e"
ok $? "--est-pattern with --est-layout demucs: usage error"
"$sepbench" run --suite tiny --backends "dir:$tmp/flat" --est-layout nosuch --db "$tmp/b.db" >/dev/null 2>"$tmp/e"
[ $? -eq 2 ] && grep -q "est-layout must be" "$tmp/e"
ok $? "--est-layout with an unknown name: usage error"

# 4. --excerpt with whole-file estimates: each estimate is cut like the references
rmdir "$tmp/demucs/mdx"
"$sepbench" run --suite tiny --backends "dir:$tmp/demucs" --est-layout demucs --excerpt 1:2 --db "$tmp/ex.db" \
  >/dev/null 2>"$tmp/e"
ok $? "--excerpt 1:2 with whole-file estimates: exit 0"
[ "$(perfect "$tmp/ex.db")" = 12 ]
ok $? "--excerpt 1:2: the estimates are cut to the same excerpt (12 perfect values)"
[ "$(q "$tmp/ex.db" "select count(distinct frame) from frame_values where metric='SDR'")" = 2 ]
ok $? "--excerpt 1:2: 2 one-second frames"

tap_done
