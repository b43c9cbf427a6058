#!/bin/sh
# tests/datasets/test-lazy-libs.sh — FFmpeg and FluidSynth are opened on
# first use (datasets/avlib.c, datasets/fluidlib.c), never linked: the
# NEEDED entries of the sepbench program, libsepbench.so and the Python
# extension name no libav*, libswresample or libfluidsynth, and
# libsepbench.so has no undefined av*/swr*/fluid symbol (a call by name
# would link the library again).  Then the failure path end to end: with
# LD_LIBRARY_PATH leading to non-library files under the sonames a program
# linked with FFmpeg needs (test-stem-mp4's NEEDED entries) and under
# libfluidsynth's soname, `suites validate` on a MUSDB18 tree of two
# .stem.mp4 files reports, for each file, one line "F.stem.mp4: cannot
# decode .stem.mp4: libavformat.so.N cannot be loaded: ..." and exits 1 (no
# crash); `run` goes on over both tracks, counts them failed and exits as
# over unreadable files; the demo music suite fails with one line naming
# libfluidsynth.  readelf is binutils', present wherever gcc is.  Emits
# TAP.
set -u
. "$(dirname "$0")/../tap.sh"
tap_setup sb-test-lazy-libs
export SEPBENCH_SUITES="$tmp/none.ini"
build=${SB_TOP_BUILDDIR:?SB_TOP_BUILDDIR must point to the build folder}
lazy='lib(av(format|codec|util|device|filter)|swresample|swscale|postproc|fluidsynth)\.so'

needed() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*: .\(.*\).$/\1/p'; }
for obj in "$sepbench" "$build/.libs/libsepbench.so" "$build/python/sepbench/_sepbench.so"; do
  [ -f "$obj" ] || continue
  needed "$obj" >"$tmp/needed"
  [ -s "$tmp/needed" ] && ! grep -E "$lazy" "$tmp/needed" >"$tmp/bad"
  ok $? "${obj#"$build"/}: $(wc -l <"$tmp/needed") NEEDED entries, none of FFmpeg or FluidSynth $(tr '\n' ' ' <"$tmp/bad")"
done
readelf -W --dyn-syms "$build/.libs/libsepbench.so" >"$tmp/syms"
awk '$7 == "UND" { print $8 }' "$tmp/syms" | grep -E '^(av_|avcodec_|avformat_|swr_|fluid_|new_fluid_|delete_fluid_)' >"$tmp/und"
[ -s "$tmp/syms" ] && [ ! -s "$tmp/und" ]
ok $? "libsepbench.so leaves no FFmpeg or FluidSynth symbol undefined $(tr '\n' ' ' <"$tmp/und")"

# Files that the dynamic loader finds first and cannot load.
mkdir -p "$tmp/shadow" "$tmp/musdb/test"
plant() { echo "planted by test-lazy-libs.sh: not a shared library" >"$tmp/shadow/$1"; }
for t in A B; do head -c 4000 /dev/urandom >"$tmp/musdb/test/$t.stem.mp4"; done

if grep -q '^#define HAVE_FFMPEG 1' "$build/config.h"; then
  needed "$build/tests/datasets/test-stem-mp4" | grep -E "$lazy" >"$tmp/ffmpeg-sonames"
  format=$(grep '^libavformat' "$tmp/ffmpeg-sonames")
  [ -n "$format" ]
  ok $? "the sonames of a program linked with FFmpeg: $(tr '\n' ' ' <"$tmp/ffmpeg-sonames")"
  while read -r so; do plant "$so"; done <"$tmp/ffmpeg-sonames"

  "$sepbench" suites validate "musdb18:$tmp/musdb" >"$tmp/v0" 2>&1
  [ $? -eq 1 ]
  ok $? "without the planted files, suites validate reads the files: exit 1 on their bytes"
  grep -q 'A.stem.mp4: not a readable MP4' "$tmp/v0"
  ok $? "... and FFmpeg says they are not MP4 files"

  LD_LIBRARY_PATH="$tmp/shadow" "$sepbench" suites validate "musdb18:$tmp/musdb" >"$tmp/v1" 2>&1
  [ $? -eq 1 ]
  ok $? "libavformat unloadable: suites validate exits 1 (a reported problem, no crash)"
  for t in A B; do
    grep -q "$t.stem.mp4: cannot decode .stem.mp4: $format cannot be loaded: .*$format" "$tmp/v1"
    ok $? "track $t: one line naming the file and $format"
  done
  ! grep -q 'FFmpeg:' "$tmp/v1"
  ok $? "no FFmpeg message: nothing was decoded"

  "$sepbench" run --suite "musdb18:$tmp/musdb" --backends mixture --db "$tmp/r0.db" --metrics sisdr \
    >/dev/null 2>&1
  rc_unreadable=$?
  LD_LIBRARY_PATH="$tmp/shadow" "$sepbench" run --suite "musdb18:$tmp/musdb" --backends mixture \
    --db "$tmp/r.db" --metrics sisdr >"$tmp/run" 2>&1
  rc=$?
  [ $rc -eq $rc_unreadable ] && [ $rc -lt 128 ]
  ok $? "run exits $rc, as over the same unreadable files with FFmpeg loaded ($rc_unreadable; no crash)"
  grep -q '2 items: 0 computed, 0 already stored, 2 failed' "$tmp/run"
  ok $? "run: both tracks tried and counted failed"
  [ "$(grep -c "cannot decode .stem.mp4: $format cannot be loaded" "$tmp/run")" -eq 2 ]
  ok $? "run: one message per track"
else
  ok 0 "# SKIP built without FFmpeg"
fi

if grep -q '^#define HAVE_FLUIDSYNTH 1' "$build/config.h"; then
  fluid=$(sed -n 's/^#define SB_FLUIDSYNTH_SONAME "\(.*\)"$/\1/p' "$build/config.h")
  plant "$fluid"
  LD_LIBRARY_PATH="$tmp/shadow" "$sepbench" suites show music >"$tmp/m" 2>&1
  [ $? -eq 1 ]
  ok $? "$fluid unloadable: suites show music (the demo music suite) exits 1"
  grep -q "demo-music: cannot render the demo music: $fluid cannot be loaded: " "$tmp/m" && [ "$(wc -l <"$tmp/m")" -eq 1 ]
  ok $? "one line naming the suite folder and $fluid: $(cat "$tmp/m")"
else
  ok 0 "# SKIP built without FluidSynth"
fi
tap_done
