#!/bin/sh
# tests/runners/test-run-dir-stream.sh — `sepbench run --backends dir:EST`
# streams an item's files (runners/stream_inputs.h) instead of loading
# them whole, when the track has a mixture file, one file per stem, no
# excerpt, and no PS/PM or plug-in metric is asked for (runners/run.c).
# The streamed values must be those of the whole-file path to the last
# bit: `--excerpt 0:1000` (an excerpt longer than the files: the same
# signals) forces the whole-file path, and `--max-memory 1` streams every
# file without holding any.  Also: the note of estimates padded or cut,
# the stored permutation of a run that adds STOI to stored items, bad
# estimates (NaN, truncated WAV, another rate, mono, missing) failing
# their item alone with the words of the whole-file path, the resume, and
# bad --max-memory values.  Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-run-dir-stream
py=/usr/bin/python3
q() { sqlite3 "$1" "$2"; }

# A MUSDB18-HQ-style folder ROOT/test/Track K/{mixture,vocals,drums,bass,other}.wav
# (PCM 16-bit stereo 44.1 kHz, 3 s, seeded noise + tones) and estimates EST/test/Track K/
# (reference + leakage of the others + noise).  Track 02's vocals and drums
# estimates are swapped on disk (a permutation finds them); Track 03's
# vocals estimate is 2 s long (zero-padded) and its drums estimate 4 s
# (truncated).
"$py" - "$tmp/m" "$tmp/e" <<'PY'
import os, sys, wave
import numpy as np
root, est_root = sys.argv[1], sys.argv[2]
rate, names = 44100, ("vocals", "drums", "bass", "other")
def write(path, x):
    pcm = np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes(pcm.tobytes())
for k in range(3):
    rng = np.random.default_rng(20261207 + k)
    n = 3 * rate
    t = np.arange(n) / rate
    refs = []
    for j in range(4):
        mono = 0.1 * rng.standard_normal(n) + 0.2 * np.sin(2 * np.pi * 110.0 * (j + 1 + k) * t)
        refs.append(np.stack([mono, np.roll(mono, 5 + j) * 0.8], axis=1) * 0.5)
    ests = [refs[j] + 0.2 * sum(refs[i] for i in range(4) if i != j) + 0.01 * rng.standard_normal((n, 2))
            for j in range(4)]
    track = "Track %02d" % (k + 1)
    os.makedirs(os.path.join(root, "test", track))
    os.makedirs(os.path.join(est_root, "test", track))
    for j, name in enumerate(names):
        write(os.path.join(root, "test", track, name + ".wav"), refs[j])
        e = ests[j]
        if k == 1 and name in ("vocals", "drums"):
            e = ests[1 - j]
        if k == 2 and name == "vocals":
            e = e[: 2 * rate]
        if k == 2 and name == "drums":
            e = np.concatenate([e, e[: rate]])
        write(os.path.join(est_root, "test", track, name + ".wav"), e)
    write(os.path.join(root, "test", track, "mixture.wav"), sum(refs))
PY
ok $? "the fixture folders are written"

# run DB ARGS...: a run of the fixture with the dir: estimates of $est.
est="$tmp/e"
run() {
  db=$1
  shift
  "$sepbench" run --suite "musdb18hq:$tmp/m" --backends "dir:$est" --db "$db" --progress lines "$@" >"$tmp/out" 2>"$tmp/err"
}
# values DB: every stored value and what the items say, by track, exactly.
values() {
  q "$1" "select t.name, i.status, i.perm, coalesce(i.note, ''), v.target, v.metric, '', printf('%!.17g', v.value)
          from track_values v join items i on i.id = v.item_id join tracks t on t.id = i.track_id
          union all
          select t.name, i.status, i.perm, '', f.target, f.metric, f.frame, printf('%!.17g', f.value)
          from frame_values f join items i on i.id = f.item_id join tracks t on t.id = i.track_id
          order by 1, 5, 6, 7"
}

# 1. Streamed (everything held), streamed (nothing held), whole files.
run "$tmp/s.db" --perm brute
ok $? "streamed run: exit 0 ($(tail -1 "$tmp/err"))"
run "$tmp/n.db" --perm brute --max-memory 1
ok $? "streamed run holding nothing (--max-memory 1): exit 0"
run "$tmp/w.db" --perm brute --excerpt 0:1000
ok $? "whole-file run (--excerpt 0:1000): exit 0"
values "$tmp/s.db" >"$tmp/s.txt"
values "$tmp/n.db" >"$tmp/n.txt"
values "$tmp/w.db" >"$tmp/w.txt"
rows=$(grep -c . "$tmp/s.txt")
distinct=$(cut -d'|' -f8 "$tmp/s.txt" | sort -u | grep -c .)
[ "$rows" -gt 250 ] && [ "$distinct" -gt 200 ] && [ "$(q "$tmp/s.db" "select count(*) from items where status='done'")" = 3 ]
ok $? "the streamed run stores 3 items, $rows values, $distinct distinct"
cmp -s "$tmp/s.txt" "$tmp/w.txt"
ok $? "streamed and whole-file values are identical to the last bit ($(diff "$tmp/s.txt" "$tmp/w.txt" | head -2 | tr '\n' ' '))"
cmp -s "$tmp/n.txt" "$tmp/w.txt"
ok $? "streamed with nothing held: identical too ($(diff "$tmp/n.txt" "$tmp/w.txt" | head -2 | tr '\n' ' '))"

# 2. The permutation: Track 02's swapped estimates are found.
[ "$(q "$tmp/s.db" "select i.perm from items i join tracks t on t.id = i.track_id where t.name = 'Track 02'")" = "[1,0,2,3]" ]
ok $? "Track 02: the swapped vocals and drums estimates are matched ([1,0,2,3])"

# 3. Padded and cut estimates: the note of the dir: backend.
note="estimate 'vocals' ($est/test/Track 03/vocals.wav): 88200 samples, zero-padded to 132300; estimate 'drums' ($est/test/Track 03/drums.wav): 176400 samples, truncated to 132300"
for db in s n w; do
  q "$tmp/$db.db" "select i.note from items i join tracks t on t.id = i.track_id where t.name = 'Track 03'" >"$tmp/note"
  grep -qxF "$note" "$tmp/note"
  ok $? "$db: Track 03 notes the padded and the cut estimate ($(cat "$tmp/note"))"
done

# 4. A run that adds STOI to the stored items computes it under their
# stored permutation, streamed and whole alike.
run "$tmp/s.db" --perm brute --metrics all,stoi
st_s=$?
run "$tmp/w.db" --perm brute --metrics all,stoi --excerpt 0:1000
st_w=$?
stoi() { q "$1" "select t.name, v.target, printf('%!.17g', v.value) from track_values v join items i on i.id = v.item_id
                 join tracks t on t.id = i.track_id where v.metric = 'STOI' order by 1, 2"; }
[ $st_s -eq 0 ] && [ $st_w -eq 0 ] && [ "$(stoi "$tmp/s.db" | grep -c .)" = 12 ] && [ "$(stoi "$tmp/s.db")" = "$(stoi "$tmp/w.db")" ]
ok $? "STOI added to stored items: 12 values, streamed = whole (exit $st_s, $st_w)"
[ "$(q "$tmp/s.db" "select count(*) from items")" = 3 ] && [ "$(values "$tmp/s.db" | grep -v '|d\{0,1\}STOI|')" = "$(cat "$tmp/s.txt")" ]
ok $? "adding STOI duplicates and changes nothing stored"
v_right=$(q "$tmp/s.db" "select printf('%.3f', v.value) from track_values v join items i on i.id = v.item_id join tracks t
                         on t.id = i.track_id where v.metric = 'STOI' and t.name = 'Track 02' and v.target = 'vocals'")
awk -v v="$v_right" 'BEGIN { exit !(v > 0.5) }'
ok $? "Track 02 vocals: STOI of the matched (swapped) estimate, $v_right > 0.5"

# 5. Bad estimates in a copy: Track 01's vocals has a NaN, Track 02's
# drums is truncated, Track 03 is good.  Each bad item fails naming the
# file, with the words of the whole-file path; the good one is stored.
cp -R "$tmp/e" "$tmp/bad"
est="$tmp/bad"
mkdir "$tmp/odd"
"$py" - "$est/test" "$tmp/odd" <<'PY'
import struct, sys, wave
d, odd = sys.argv[1], sys.argv[2]
# Track 01 vocals: float32 with one NaN (frame 1000, right channel).
with wave.open(d + "/Track 01/vocals.wav", "rb") as w:
    n, raw = w.getnframes(), w.readframes(w.getnframes())
x = [v / 32768.0 for v in struct.unpack("<%dh" % (2 * n), raw)]
x[2 * 1000 + 1] = float("nan")
data = struct.pack("<%df" % len(x), *x)
fmt = struct.pack("<HHIIHH", 3, 2, 44100, 44100 * 8, 8, 32)
with open(d + "/Track 01/vocals.wav", "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
    f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data)
# Track 02 drums: truncated (the header declares more frames than follow).
with open(d + "/Track 02/drums.wav", "rb") as f:
    blob = f.read()
with open(d + "/Track 02/drums.wav", "wb") as f:
    f.write(blob[: len(blob) // 2])
# For Track 03 later: a 22050 Hz bass and a mono other.
for name, ch, rate in (("bass", 2, 22050), ("other", 1, 44100)):
    with wave.open(odd + "/" + name + ".wav", "wb") as w:
        w.setnchannels(ch); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes(b"\1\0" * ch * rate)
PY
ok $? "the bad estimates are written"
errors() { q "$1" "select t.name || ': ' || i.error from items i join tracks t on t.id = i.track_id where i.status = 'failed' order by 1"; }
run "$tmp/bs.db"
st=$?
errors "$tmp/bs.db" >"$tmp/bs.txt"
[ $st -eq 3 ] && [ "$(grep -c . "$tmp/bs.txt")" = 2 ] && [ "$(q "$tmp/bs.db" "select count(*) from items where status='done'")" = 1 ]
ok $? "NaN and truncated estimates: exit 3, 2 items failed, the third stored (exit $st)"
grep -qxF "Track 01: dir:$est: $est/test/Track 01/vocals.wav: NaN at channel 1, sample 1000" "$tmp/bs.txt"
ok $? "the NaN estimate is named with its position ($(grep 'Track 01' "$tmp/bs.txt"))"
grep -q "^Track 02: dir:$est: $est/test/Track 02/drums.wav: .*trunc" "$tmp/bs.txt"
ok $? "the truncated estimate is named ($(grep 'Track 02' "$tmp/bs.txt"))"
grep -qF "$est/test/Track 01/vocals.wav: NaN" "$tmp/err" && grep -qF "$est/test/Track 02/drums.wav: " "$tmp/err"
ok $? "the failures are shown on stderr"
run "$tmp/bn.db" --max-memory 1
errors "$tmp/bn.db" >"$tmp/bn.txt"
cmp -s "$tmp/bs.txt" "$tmp/bn.txt"
ok $? "nothing held (found while the metrics read): the same messages ($(diff "$tmp/bs.txt" "$tmp/bn.txt" | tr '\n' ' '))"
run "$tmp/bw.db" --excerpt 0:1000
errors "$tmp/bw.db" >"$tmp/bw.txt"
cmp -s "$tmp/bs.txt" "$tmp/bw.txt"
ok $? "the whole-file path words them the same ($(diff "$tmp/bs.txt" "$tmp/bw.txt" | tr '\n' ' '))"

# 6. The resume: the stored item is skipped, the failed ones are tried
# again (failing again while their files are bad), nothing is duplicated.
run "$tmp/bs.db"
st=$?
[ $st -eq 3 ] && grep -q "1 of 3 items already in" "$tmp/err" && [ "$(q "$tmp/bs.db" "select count(*) from items")" = 3 ] &&
  [ "$(q "$tmp/bs.db" "select count(*) from items where status='done'")" = 1 ]
ok $? "resume with the bad files: 1 item skipped, 2 failed again, 3 items (exit $st)"
cp "$tmp/e/test/Track 01/vocals.wav" "$est/test/Track 01/vocals.wav"
cp "$tmp/e/test/Track 02/drums.wav" "$est/test/Track 02/drums.wav"
run "$tmp/bs.db"
st=$?
[ $st -eq 0 ] && grep -q "1 of 3 items already in" "$tmp/err" && [ "$(q "$tmp/bs.db" "select count(*) from items")" = 3 ] &&
  [ "$(q "$tmp/bs.db" "select count(*) from items where status='done'")" = 3 ]
ok $? "resume with the files fixed: the 2 items are computed, 3 items, none twice (exit $st)"
run "$tmp/clean.db"
numbers() { values "$1" | cut -d'|' -f1,5-8; }
[ "$(numbers "$tmp/bs.db")" = "$(numbers "$tmp/clean.db")" ]
ok $? "the resumed store holds the values of a clean run"

# Track 03: an estimate at another rate, then mono, then missing.
for case in rate channels missing; do
  case $case in
  rate)
    cp "$tmp/odd/bass.wav" "$est/test/Track 03/bass.wav"
    want="$est/test/Track 03/bass.wav: sample rate 22050 Hz, the references have 44100 Hz" ;;
  channels)
    cp "$tmp/e/test/Track 03/bass.wav" "$est/test/Track 03/bass.wav"
    cp "$tmp/odd/other.wav" "$est/test/Track 03/other.wav"
    want="$est/test/Track 03/other.wav: 1 channel(s), the references have 2" ;;
  missing)
    rm "$est/test/Track 03/other.wav"
    want="$est/test/Track 03/other.wav" ;;
  esac
  for path in stream whole; do
    if [ $path = stream ]; then run "$tmp/c.db" --force; else run "$tmp/c.db" --force --excerpt 0:1000; fi
    st=$?
    msg=$(q "$tmp/c.db" "select i.error from items i join tracks t on t.id = i.track_id join runs r on r.id = i.run_id
                         where t.name = 'Track 03' and i.status = 'failed' order by r.id desc limit 1")
    eval "msg_$path=\$msg"
    case $msg in "dir:$est: "*"$want"*) named=1 ;; *) named=0 ;; esac
    [ $st -eq 3 ] && [ $named = 1 ] && [ "$(printf '%s\n' "$msg" | grep -c .)" = 1 ] &&
      [ "$(q "$tmp/c.db" "select count(*) from items i join runs r on r.id = i.run_id where i.status = 'done'
                          and r.id = (select max(id) from runs)")" = 2 ]
    ok $? "$case ($path): Track 03 fails with one line naming the file, the others are stored (exit $st: $msg)"
  done
  [ "$msg_stream" = "$msg_whole" ]
  ok $? "$case: streamed and whole-file messages are the same"
done
est="$tmp/e"

# 7. --max-memory values.
for bad in 2Q -1 "" 1.5X nan; do
  "$sepbench" run --suite "musdb18hq:$tmp/m" --backends "dir:$est" --db "$tmp/x.db" --max-memory "$bad" >/dev/null 2>"$tmp/err"
  st=$?
  [ $st -eq 2 ] && grep -qF -- "--max-memory expects a size such as 512M or 2G, not '$bad'" "$tmp/err" && [ ! -e "$tmp/x.db" ]
  ok $? "--max-memory '$bad': usage error naming it, nothing run (exit $st: $(head -1 "$tmp/err"))"
done
run "$tmp/g.db" --max-memory 2G
ok $? "--max-memory 2G is accepted"

tap_done
