#!/bin/sh
# tests/bench/bench-bsseval.sh — BSS Eval speed: sepbench's C engine
# (metrics/bsseval.c through tests/bench/bench-bsseval) against mir_eval on
# the same synthetic 4-source stereo 44.1 kHz WAV files, in one run.
# Not part of `make check`; run by `make bench [BENCH_FLAGS=...]`.
#
#   bench-bsseval.sh DRIVER [--short] [--memory]
#     default : v4 framewise on 180 s, v3 on 30 s, mir_eval on the 30 s
#               (mir_eval framewise takes ~2 minutes)
#     --short : 60 s and 10 s instead
#     --memory: also v4 framewise on 600 s: peak RSS of the engine on
#               in-memory float64 signals (the driver), and of
#               `sepbench eval`, which holds what fits in --max-memory and
#               streams the rest (issue #3's 10-minute target: <= 1.5 GB)
# Then the commands users type (best of 3; 1 with --short): `sepbench eval`
# with the default metrics and with --metrics bss on the long files (WAV,
# then the same samples as FLAC), v3 framewise BSS on the short ones
# (beside mir_eval's, the same algorithm), and `sepbench run --backends
# dir:EST` over a generated MUSDB18-HQ-style folder (6 tracks of the long
# length; 2 with --short), extrapolated to MUSDB18-HQ's test set (50
# tracks of 3.5 minutes on average), then over the same tracks as MUSDB18
# .stem.mp4 files (5 AAC streams written by the driver; skipped when it is
# built without FFmpeg) with the same estimates.  With MUSEVAL_PATH
# naming museval 0.4.1's source, museval's evaluate runs on the long files
# in the same run (once: about 80 s for 180 s), and the commands' ratios to
# it are printed (the run's per track).
# Environment: PYTHON3 (default /usr/bin/python3, needs numpy, scipy and
# Debian's python3-mir-eval); SEPBENCH (the sepbench program, default
# ./sepbench); MUSEVAL_PATH (optional).
set -eu

driver=$1
shift
long=180
short=30
memory=no
reps=3
tracks=6
for arg in "$@"; do
  case $arg in
    --short) long=60; short=10; reps=1; tracks=2 ;;
    --memory) memory=yes ;;
    *) echo "bench-bsseval.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
py=${PYTHON3:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "# inputs: 4 sources x 2 channels, 44.1 kHz, ${long} s and ${short} s (in $tmp)"
"$py" "$here/bench-bsseval.py" make "$tmp/long" "$long"
"$py" "$here/bench-bsseval.py" make "$tmp/short" "$short"

secs() { sed -n 's/.* total=\([0-9.]*\) s.*/\1/p'; }

echo "# sepbench (C), $(nproc) cores"
v4=$("$driver" "$tmp/long" v4 44100 44100); echo "$v4"
v4sdr=$("$driver" "$tmp/long" v4-sdr 44100 44100); echo "$v4sdr"
v4s=$("$driver" "$tmp/short" v4 44100 44100); echo "$v4s"
v3=$("$driver" "$tmp/short" v3 44100 44100); echo "$v3"
v3w=$("$driver" "$tmp/short" v3 0 0); echo "$v3w"
if [ "$memory" = yes ]; then
  "$py" "$here/bench-bsseval.py" make "$tmp/mem" 600
  echo "# 600 s, engine on in-memory float64 signals:"
  "$driver" "$tmp/mem" v4 44100 44100
  echo "# 600 s, sepbench eval (streamed files, every default metric):"
  "$py" "$here/bench-bsseval.py" peak "${SEPBENCH:-./sepbench}" eval --ref-dir "$tmp/mem/ref" \
    --est-dir "$tmp/mem/est" --format table
  rm -rf "$tmp/mem"
  echo "# 600 s, sepbench run over one such track (dir: estimates; the peak of one item):"
  "$py" "$here/bench-bsseval.py" musdb "$tmp/mem" "$tmp/mem-est" 1 600
  "$py" "$here/bench-bsseval.py" peak "${SEPBENCH:-./sepbench}" run --suite "musdb18hq:$tmp/mem" \
    --backends "dir:$tmp/mem-est" --db "$tmp/mem.db" --force --progress lines
  rm -rf "$tmp/mem" "$tmp/mem-est" "$tmp/mem.db"*
fi

sb=${SEPBENCH:-./sepbench}
wall() { sed -n 's/.* wall \([0-9.]*\) s.*/\1/p'; }
echo "# the commands users type: sepbench eval on the WAV files (16-bit PCM), $(nproc) cores"
ev=$("$py" "$here/bench-bsseval.py" best "$reps" "$sb" eval --ref-dir "$tmp/long/ref" --est-dir "$tmp/long/est")
echo "sepbench eval, default metrics, ${long} s: $ev"
evb=$("$py" "$here/bench-bsseval.py" best "$reps" "$sb" eval --ref-dir "$tmp/long/ref" --est-dir "$tmp/long/est" \
  --metrics bss)
echo "sepbench eval --metrics bss, ${long} s: $evb"
mkdir -p "$tmp/flac/ref" "$tmp/flac/est"
"$driver" flac "$tmp/long" "$tmp/flac"
evf=$("$py" "$here/bench-bsseval.py" best "$reps" "$sb" eval --ref-dir "$tmp/flac/ref" --est-dir "$tmp/flac/est")
echo "sepbench eval, default metrics, ${long} s, FLAC files: $evf"
rm -rf "$tmp/flac"
ev3=$("$py" "$here/bench-bsseval.py" best "$reps" "$sb" eval --ref-dir "$tmp/short/ref" --est-dir "$tmp/short/est" \
  --mode v3 --metrics bss)
echo "sepbench eval --mode v3 --metrics bss, ${short} s: $ev3"
echo "# sepbench run over a MUSDB18-HQ-style folder: $tracks tracks x ${long} s, estimates on disk (dir:)"
"$py" "$here/bench-bsseval.py" musdb "$tmp/musdb" "$tmp/musdb-est" "$tracks" "$long"
run=$("$py" "$here/bench-bsseval.py" best "$reps" "$sb" run --suite "musdb18hq:$tmp/musdb" \
  --backends "dir:$tmp/musdb-est" --db "$tmp/run.db" --force --progress lines)
echo "sepbench run, $tracks tracks: $run"
echo "# the same tracks as MUSDB18 .stem.mp4 files (5 AAC streams), the same estimates"
stem_rc=0
"$driver" stem "$tmp/musdb/test" "$tmp/musdb18/test" || stem_rc=$?
runs=
case $stem_rc in
  0) runs=$("$py" "$here/bench-bsseval.py" best "$reps" "$sb" run --suite "musdb18:$tmp/musdb18" \
       --backends "dir:$tmp/musdb-est" --db "$tmp/run-stem.db" --force --progress lines)
     echo "sepbench run, $tracks tracks, .stem.mp4 (AAC): $runs" ;;
  77) echo "# skipped: the driver was built without FFmpeg" ;;
  *) exit "$stem_rc" ;;
esac
rm -rf "$tmp/musdb" "$tmp/musdb18" "$tmp/musdb-est" "$tmp/run.db" "$tmp/run-stem.db"

echo "# museval 0.4.1 evaluate (v4, 1-s frames), same ${long}-s files, reading them included"
mu=$("$py" "$here/bench-bsseval.py" museval "$tmp/long")
echo "museval: $mu"
mus=$(echo "$mu" | sed -n 's/^seconds \([0-9.]*\).*/\1/p')
echo "# mir_eval (python3-mir-eval), same ${short}-s files"
mf=$("$py" "$here/bench-bsseval.py" mireval "$tmp/short" framewise 44100 | sed -n 's/seconds //p')
echo "mir_eval bss_eval_images_framewise(window=hop=44100): $mf s"
mw=$("$py" "$here/bench-bsseval.py" mireval "$tmp/short" whole 44100 | sed -n 's/seconds //p')
echo "mir_eval bss_eval_images: $mw s"

tev=$(echo "$ev" | wall)
tev3=$(echo "$ev3" | wall)
trun=$(echo "$run" | wall)
truns=$(echo "$runs" | wall)
t3=$(echo "$v3" | secs)
t3w=$(echo "$v3w" | secs)
t4=$(echo "$v4" | secs)
awk -v mf="$mf" -v mw="$mw" -v t3="$t3" -v t3w="$t3w" -v t4="$t4" -v long="$long" -v mus="$mus" 'BEGIN {
  printf "# v3 framewise: sepbench %.3f s vs mir_eval %.1f s -> %.0fx faster\n", t3, mf, mf / t3;
  printf "# v3 whole:     sepbench %.3f s vs mir_eval %.1f s -> %.0fx faster\n", t3w, mw, mw / t3w;
  printf "# v4 framewise on %d s, engine on arrays: sepbench %.3f s", long, t4;
  if (mus != "") printf " vs museval %.1f s -> %.0fx faster", mus, mus / t4;
  printf "\n";
}'
tevf=$(echo "$evf" | wall)
awk -v mf="$mf" -v tev="$tev" -v tevf="$tevf" -v tev3="$tev3" -v trun="$trun" -v long="$long" -v short="$short" \
  -v tracks="$tracks" -v mus="$mus" -v truns="$truns" 'BEGIN {
  printf "# sepbench eval, default metrics, %d s: %.2f s (target for 180 s: <= 1.6 s)", long, tev;
  if (mus != "") printf " vs museval %.1f s -> %.1fx faster (target >= 50x)", mus, mus / tev;
  printf "\n# sepbench eval, default metrics, %d s of FLAC: %.2f s", long, tevf;
  if (mus != "") printf " -> %.1fx museval", mus / tevf;
  printf "\n";
  printf "# sepbench eval --mode v3 --metrics bss, %d s: %.2f s vs mir_eval framewise %.1f s -> %.0fx faster\n",
         short, tev3, mf, mf / tev3;
  printf "# sepbench run, %d tracks x %d s: %.2f s (target for 6 x 180 s: <= 9 s); 50 tracks x 210 s -> %.0f s " \
         "extrapolated (target <= 90 s)\n", tracks, long, trun, trun / (tracks * long) * 50 * 210;
  if (truns != "")
    printf "# sepbench run per track: WAV %.2f s, .stem.mp4 (AAC) %.2f s (%+.2f s); 50 tracks x " \
           "210 s of .stem.mp4 -> %.0f s extrapolated\n", trun / tracks, truns / tracks, (truns - trun) / tracks,
           truns / (tracks * long) * 50 * 210;
  if (mus != "")
    printf "# sepbench run per track: %.2f s vs museval %.1f s -> %.1fx faster (target >= 50x)\n",
           trun / tracks, mus, mus / (trun / tracks);
}'
