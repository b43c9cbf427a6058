#!/bin/sh
# tests/bench/bench-pspm.sh — PS/PM (MAPSS) benchmark, not part of make check:
#   make bench-pspm        (also run by make bench)
# Times the case (2 sources, 10 s, 16 kHz, raw embedder) with the
# machine's cores (OMP_NUM_THREADS as set, OpenBLAS on one thread: sepbench
# parallelises over frames itself).  The reference code (MAPSS-measures
# 3157d20a, torch + librosa) is not installed here; its figure from the
# issue (same case, this 2-core machine, one core) is printed for scale.
set -e
prog=${1:-./tests/bench/bench-pspm}
shift 2>/dev/null || true
OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
export OPENBLAS_NUM_THREADS
"$prog" "$@"
echo "  reference code (issue 6 text): ~21 s = 12 s distortions, 0.1 s embedding, 8 s PS/PM math and radii"
echo "  target: <= 1.0 s wall on 2 cores"
