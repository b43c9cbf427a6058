#!/bin/sh
# tests/cli/test-cli-suites.sh — `sepbench suites show|validate` and `run`
# on generic manifests as README gives them: a manifests/ folder whose
# JSON and CSV files point at ../audio/..., with the track named by "id",
# "track" or "name"; show prints the resolved paths (absolute, no ".."),
# validate and run read them, from another working directory too.  The
# bad cases name the file and the key.  Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-suites

"$sepbench" suites show tiny >/dev/null 2>&1
src="$SEPBENCH_CACHE/tiny/$(ls "$SEPBENCH_CACHE/tiny" | grep -v '^\.' | head -1)"
set="$tmp/my set"
mkdir -p "$set/manifests" "$set/audio/song a" "$set/audio/song b"
for s in mixture vocals drums bass other; do
  cp "$src/$s.wav" "$set/audio/song a/$s.wav" && cp "$src/$s.wav" "$set/audio/song b/$s.wav"
done
real=$(cd "$set" && pwd -P)
cat >"$set/manifests/songs.json" <<'EOF'
{"name": "my songs",
 "tracks": [
  {"id": "Song A", "mixture": "../audio/song a/mixture.wav",
   "references": {"vocals": "../audio/song a/vocals.wav", "drums": "../audio/song a/drums.wav",
                  "bass": "../audio/song a/bass.wav", "other": "../audio/song a/other.wav"}},
  {"name": "Song B", "mixture": "../audio/song b/mixture.wav", "subset": "test",
   "references": {"vocals": "../audio/song b/vocals.wav", "drums": "../audio/song b/drums.wav",
                  "bass": "../audio/song b/bass.wav", "other": "../audio/song b/other.wav"}}]}
EOF
cat >"$set/manifests/songs.csv" <<'EOF'
track,mixture,vocals,drums,bass,other
Song A,../audio/song a/mixture.wav,../audio/song a/vocals.wav,../audio/song a/drums.wav,../audio/song a/bass.wav,../audio/song a/other.wav
EOF

"$sepbench" suites show "$set/manifests/songs.json" >"$tmp/out" 2>"$tmp/err"
ok $? "suites show of a JSON manifest pointing at ../audio exits 0 ($(cat "$tmp/err"))"
grep -qF "Song A	test	mixture	$real/audio/song a/mixture.wav" "$tmp/out" &&
  grep -qF "Song B	test	vocals	$real/audio/song b/vocals.wav" "$tmp/out"
ok $? "it prints the resolved paths of tracks named by \"id\" and by \"name\""
! grep -q '\.\./' "$tmp/out"
ok $? "no '..' is left in the paths shown"
(cd "$set/manifests" && "$sepbench" suites show songs.csv) >"$tmp/out" 2>"$tmp/err"
grep -qF "Song A	test	other	$real/audio/song a/other.wav" "$tmp/out"
ok $? "a CSV manifest with a \"track\" column, given relative to the working directory ($(cat "$tmp/err"))"
"$sepbench" suites validate "$set/manifests/songs.json" >"$tmp/out" 2>"$tmp/err"
ok $? "suites validate reads every file ($(tail -1 "$tmp/out"))"
(cd "$tmp" && "$sepbench" run --suite "my set/manifests/songs.json" --backends mixture --db "$tmp/r.db") \
  >"$tmp/out" 2>"$tmp/err"
ok $? "run on the manifest from another folder exits 0 ($(tail -1 "$tmp/err"))"
[ "$(sqlite3 "$tmp/r.db" "select count(*) from items where status='done'")" = 2 ]
ok $? "both tracks are evaluated"

# Bad manifests: the file and the key are named.
printf '{"tracks": [{"id": "x", "subset": 3, "mixture": "m.wav", "references": {"v": "v.wav"}}]}\n' \
  >"$set/manifests/bad1.json"
"$sepbench" suites show "$set/manifests/bad1.json" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -qF "bad1.json: track 0: \"subset\" must be a string, not a number" "$tmp/err"
ok $? "\"subset\": 3 is refused ($(cat "$tmp/err"))"
printf '{"tracks": [{"id": "x", "mixture": "m.wav", "references": {"v": "v.wav", "v": "w.wav"}}]}\n' \
  >"$set/manifests/bad2.json"
"$sepbench" suites show "$set/manifests/bad2.json" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -qF 'bad2.json: line 1, column 59: the object starting here has the member "v" twice' "$tmp/err"
ok $? "a repeated key is refused ($(cat "$tmp/err"))"
printf 'id,name,mixture,v\nx,y,m.wav,v.wav\n' >"$set/manifests/bad3.csv"
"$sepbench" suites show "$set/manifests/bad3.csv" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -qF 'bad3.csv: the header has both "id" and "name"' "$tmp/err"
ok $? "two columns naming the track are refused ($(cat "$tmp/err"))"
printf 'id,mixture,v\nx,../nowhere/m.wav,../nowhere/v.wav\n' >"$set/manifests/bad4.csv"
"$sepbench" suites validate "$set/manifests/bad4.csv" >"$tmp/out" 2>&1
[ $? -eq 1 ] && grep -qF "$set/manifests/../nowhere/m.wav" "$tmp/out"
ok $? "a path into a folder that does not exist is kept as written and reported ($(head -1 "$tmp/out"))"

tap_done
