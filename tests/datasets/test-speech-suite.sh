#!/bin/sh
# tests/datasets/test-speech-suite.sh — end to end: `sepbench run --suite
# speech` generates the demo speech suite (EchoSet layout, metadata per
# mixture, .complete marker), evaluates mixture and irm2, and irm2 beats the
# mixture; the generation is deterministic (a second cache gives the same
# bytes); `sepbench suites` lists it and `suites validate` passes on it and
# reports each planted fault of a broken copy in one pass with exit 1.
# Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-speech
export SEPBENCH_SUITES="$tmp/none.ini"
unset ECHOSET_PATH MUSDB_PATH LIBRIMIX_PATH

if [ ! -f /usr/share/pocketsphinx/test/data/cards/001.wav ]; then
  echo "not ok 1 - pocketsphinx-testdata is not installed (sudo ./setup.sh deps)"
  echo "1..1"
  exit 1
fi

"$sepbench" run --suite speech --backends mixture,irm2 --db "$tmp/r.db" --jobs 2 >"$tmp/out" 2>"$tmp/err"
ok $? "run --suite speech --backends mixture,irm2 exits 0"
grep -q "generating the demo speech suite" "$tmp/err"
ok $? "the generation is announced on stderr"
[ "$(grep -c 'demo speech [0-9]/8' "$tmp/err")" = 8 ]
ok $? "one progress line per mixture"
grep -q "suite 'speech'" "$tmp/err"
ok $? "the suite is announced"
suite="$tmp/cache/demo-speech"
[ -f "$suite/.complete" ]
ok $? "the .complete marker is written"
n_mix=$(find "$suite/test" -name mix.wav | wc -l)
n_meta=$(find "$suite/test" -name meta.json | wc -l)
[ "$n_mix" = 8 ] && [ "$n_meta" = 8 ]
ok $? "8 mixture folders in the EchoSet layout, each with meta.json ($n_mix, $n_meta)"
meta=$(find "$suite/test" -name meta.json | sort | head -n 1)
grep -q '"absorption"' "$meta" && grep -q '"snr_db"' "$meta" && grep -q '"overlap_ratio"' "$meta" &&
  grep -q '"source_m"' "$meta" && grep -q '"mic_m"' "$meta"
ok $? "meta.json records room, positions, overlap and SNR"
irm=$(sqlite3 "$tmp/r.db" "select avg(v.value) from track_values v join items i on i.id=v.item_id join methods m on m.id=i.method_id where m.name='irm2' and v.metric='SDR'")
mix=$(sqlite3 "$tmp/r.db" "select avg(v.value) from track_values v join items i on i.id=v.item_id join methods m on m.id=i.method_id where m.name='mixture' and v.metric='SDR'")
awk -v a="$irm" -v b="$mix" 'BEGIN { exit !(a > b + 3) }'
ok $? "irm2 scores far above the mixture ($irm vs $mix dB)"

SEPBENCH_CACHE="$tmp/cache2" "$sepbench" suites validate speech >"$tmp/v2" 2>/dev/null
ok $? "suites validate speech passes on a fresh cache"
(cd "$tmp/cache" && find demo-speech -name '*.wav' -exec cksum {} + | sort) >"$tmp/sum1"
(cd "$tmp/cache2" && find demo-speech -name '*.wav' -exec cksum {} + | sort) >"$tmp/sum2"
cmp -s "$tmp/sum1" "$tmp/sum2" && [ -s "$tmp/sum1" ]
ok $? "two generations give identical files"

"$sepbench" suites >"$tmp/list" 2>/dev/null
grep -q '^speech  *demo-speech' "$tmp/list"
ok $? "sepbench suites lists speech -> demo-speech"

# A broken copy: one stem missing, one truncated, one at another rate.
cp -r "$suite" "$tmp/broken"
set -- $(find "$tmp/broken/test" -name mix.wav | sort | sed 's|/mix.wav$||')
rm "$1/spk2_reverb.wav"
head -c 1000 "$2/spk1_reverb.wav" >"$tmp/t.wav" && mv "$tmp/t.wav" "$2/spk1_reverb.wav"
"$sepbench" suites validate --subset test "echoset:$tmp/broken" >"$tmp/v" 2>"$tmp/verr"
status=$?
ok $((status != 1)) "validate of a broken copy exits 1 (got $status)"
grep -q "spk2_reverb.wav: missing" "$tmp/v"
ok $? "the missing stem is reported"
grep -q "spk1_reverb.wav: truncated" "$tmp/v"
ok $? "the truncated file is reported in the same pass"
grep -q "8 tracks, 24 files checked, 2 problem(s) in 2 track(s)" "$tmp/v"
ok $? "the summary counts both problems"
"$sepbench" suites validate no-such-suite >/dev/null 2>"$tmp/e"
ok $(( $? != 1 )) "an unknown suite exits 1"
grep -q "unknown suite 'no-such-suite'" "$tmp/e"
ok $? "with a one-line message"
"$sepbench" suites frobnicate >/dev/null 2>&1
ok $(( $? != 2 )) "an unknown action is a usage error"
"$sepbench" suites --help | grep -q 'sepbench suites validate'
ok $? "--help has examples"
tap_done
