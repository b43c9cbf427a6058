#!/bin/sh
# tests/runners/test-eval-dirs.sh — what `sepbench eval --ref-dir R
# --est-dir E` (runners/eval_dirs.c) says about the files it is given: a
# folder, a FIFO or a symbolic link loop named like a reference or an
# estimate, and an estimate folder that cannot be searched, are errors
# naming the path and what it is (a reference was skipped silently, an
# estimate was "no estimate"); a header-only WAV is truncated, not empty;
# a message about a path of several KB keeps its reason.  Emits TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-eval-dirs
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
lines() { wc -l <"$1" | tr -d ' '; }

"$sepbench" suites show tiny >/dev/null 2>&1
track="$SEPBENCH_CACHE/tiny/$(ls "$SEPBENCH_CACHE/tiny" | grep -v '^\.' | head -1)"
[ -f "$track/vocals.wav" ]
ok $? "the tiny suite gives the fixture files"
# fresh REF and EST folders holding vocals and drums
pair() {
  rm -rf "$tmp/ref" "$tmp/est"
  mkdir "$tmp/ref" "$tmp/est"
  for s in vocals drums; do cp "$track/$s.wav" "$tmp/ref/" && cp "$track/$s.wav" "$tmp/est/"; done
}
evaluate() { "$sepbench" eval --ref-dir "$tmp/ref" --est-dir "$tmp/est" --win 0 >"$tmp/out" 2>"$tmp/err"; }

pair
evaluate
ok $? "the plain pair evaluates"

# odd KIND PATH: a folder, a FIFO or a link to itself at PATH; $want is
# what the message must call it.
odd() {
  case $1 in
  folder) mkdir "$2"; want="is a directory, not a file" ;;
  fifo) mkfifo "$2"; want="is a FIFO (named pipe), not a file" ;;
  loop) ln -s "$(basename "$2")" "$2"; want="symbolic link loop" ;;
  esac
}

# The reference folder: a name that looks like audio but is no file.
for kind in folder fifo loop; do
  pair
  odd $kind "$tmp/ref/bass.wav"
  evaluate
  st=$?
  [ $st -eq 1 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -qF "$tmp/ref/bass.wav: $want (the reference of target 'bass')" "$tmp/err"
  ok $? "a $kind as a reference is an error naming it (exit $st: $(cat "$tmp/err"))"
done

# The estimate folder: the same, and a folder that cannot be searched.
for kind in folder fifo loop; do
  pair
  rm "$tmp/est/drums.wav"
  odd $kind "$tmp/est/drums.wav"
  evaluate
  st=$?
  [ $st -eq 1 ] && grep -qF "$tmp/est/drums.wav: $want (the estimate of target 'drums')" "$tmp/err" &&
    ! grep -q 'no estimate' "$tmp/err"
  ok $? "a $kind as an estimate is named as such, not 'no estimate' (exit $st: $(cat "$tmp/err"))"
done
pair
rm "$tmp/est/drums.wav" && cp "$track/drums.wav" "$tmp/est/drums.flac" && mkdir "$tmp/est/drums.wav"
evaluate
ok $? "a folder named drums.wav beside drums.flac: the file is taken ($(cat "$tmp/err"))"

# Root searches every folder, so as root the command runs as nobody.
as_user=
[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ "$(id -u)" -ne 0 ] || [ -n "$as_user" ]; then
  pair
  chmod 755 "$tmp" && chmod -R a+rX "$tmp/ref" "$tmp/est" && chmod 000 "$tmp/est"
  $as_user "$sepbench" eval --ref-dir "$tmp/ref" --est-dir "$tmp/est" --win 0 >"$tmp/out" 2>"$tmp/err"
  st=$?
  [ $st -eq 1 ] && grep -qF "$tmp/est/vocals.wav: cannot be examined: Permission denied (the estimate of target 'vocals')" "$tmp/err"
  ok $? "an estimate folder that cannot be searched is named with the reason (exit $st: $(cat "$tmp/err"))"
  chmod 755 "$tmp/est"
else
  ok 0 "# SKIP an estimate folder that cannot be searched (root without setpriv)"
fi

# Only the header of a WAV: truncated, not empty.
pair
head -c 44 "$track/bass.wav" >"$tmp/ref/bass.wav" && cp "$tmp/ref/bass.wav" "$tmp/est/bass.wav"
evaluate
st=$?
[ $st -eq 1 ] && grep -q "bass.wav: truncated WAV file: the data chunk declares [0-9]* bytes but only 0 follow it" "$tmp/err" &&
  ! grep -q empty "$tmp/err"
ok $? "a header-only WAV is truncated, not empty (exit $st: $(cat "$tmp/err"))"

# A path of ~1.5 KB: the message keeps its start and the reason at its end.
long="$tmp"
while [ ${#long} -lt 1500 ]; do long="$long/folder-with-a-rather-long-name-to-make-the-path-long"; done
"$sepbench" eval --ref-dir "$long" --est-dir "$tmp/est" >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st -eq 1 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -q "^sepbench: $tmp/folder-with" "$tmp/err" &&
  grep -q ' \.\.\. ' "$tmp/err" && grep -q 'long-name-to-make-the-path-long: cannot list directory: No such file or directory$' "$tmp/err"
ok $? "a missing 1.5-KB folder: the path is cut in its middle, the reason kept ($(cut -c1-60 "$tmp/err")...$(tail -c 60 "$tmp/err"))"
mkdir -p "$long" && cp "$tmp/ref/vocals.wav" "$long/" && mkdir "$long/drums.wav"
"$sepbench" eval --ref-dir "$long" --est-dir "$tmp/est" >"$tmp/out" 2>"$tmp/err"
st=$?
[ $st -eq 1 ] && grep -q "drums.wav: is a directory, not a file (the reference of target 'drums')$" "$tmp/err" &&
  [ "$(wc -c <"$tmp/err")" -le 1035 ]
ok $? "a folder as a reference under a 1.5-KB path: what it is survives ($(tail -c 80 "$tmp/err"))"

tap_done
