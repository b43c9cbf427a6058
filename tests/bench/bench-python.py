#!/usr/bin/python3
"""tests/bench/bench-python.py — the Python package against its peers in
one process, on the signals of tests/bench/bench-bsseval.py (4 stereo
sources at 44.1 kHz, 16-bit): run by `make bench` after the C benchmark.

  PYTHONPATH=BUILDDIR/python bench-python.py [--seconds S] [--no-framewise]

  - sepbench.evaluate (v4, 1-s frames) vs museval.evaluate, when
    MUSEVAL_PATH names museval's source folder (the one holding museval/);
    when museval's package cannot be imported (it needs musdb, soundfile
    and pandas, not in Debian) its museval/metrics.py is loaded alone and
    called as museval.evaluate calls it;
  - sepbench.bss_eval_images vs mir_eval.separation.bss_eval_images
    (compute_permutation=False; whole signal);
  - sepbench.bss_eval_images_framewise vs mir_eval's (window = hop = 1 s;
    mir_eval needs ~5 minutes on 30 s; --no-framewise leaves it out).
Prints each time (sepbench: the best of 3; peers: one run), the ratio and
the largest difference of the values (the same numbers are computed).
"""
import argparse
import importlib.util
import os
import sys
import time
import warnings

import numpy as np

import sepbench

here = os.path.dirname(os.path.abspath(__file__))


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


gen = load_module("bench_bsseval", os.path.join(here, "bench-bsseval.py"))


def signals(seconds):
    """(refs, ests) as (nsrc, nsampl, nchan) float64, from the WAV files
    bench-bsseval.py writes (so both benchmarks score the same input)."""
    import tempfile
    d = tempfile.mkdtemp(prefix="sb-bench-py.")
    gen.make(d, seconds, 44100)
    refs, ests = gen.load(d, "ref"), gen.load(d, "est")
    for sub in ("ref", "est"):
        for f in os.listdir(os.path.join(d, sub)):
            os.unlink(os.path.join(d, sub, f))
        os.rmdir(os.path.join(d, sub))
    os.rmdir(d)
    return np.asarray(refs, dtype=np.float64), np.asarray(ests, dtype=np.float64)


def timed(fn, repeat):
    best, out = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    return best, out


def max_diff(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    fin = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[fin] - b[fin]))) if fin.any() else 0.0


def report(what, t_sb, t_peer, peer, diff):
    print("%-34s sepbench %8.3f s | %-40s %9.2f s | %7.1fx | max |diff| %.2g dB"
          % (what, t_sb, peer, t_peer, t_peer / t_sb, diff))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--no-framewise", action="store_true")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    refs, ests = signals(a.seconds)
    print("# %d sources x %d channels, %.0f s at 44.1 kHz; %d cores; sepbench %s (OMP_NUM_THREADS=%s)"
          % (refs.shape[0], refs.shape[2], a.seconds, os.cpu_count(), sepbench.__version__,
             os.environ.get("OMP_NUM_THREADS", "default")))
    t_sb, sb = timed(lambda: sepbench.evaluate(refs, ests), 3)
    evaluate, how = gen.museval_evaluate()
    if evaluate:
        t_mu, mu = timed(lambda: evaluate(refs, ests), 1)
        report("evaluate v4 framewise", t_sb, t_mu, how, max(max_diff(x, y) for x, y in zip(sb, mu)))
    else:
        print("%-34s sepbench %8.3f s | museval: %s" % ("evaluate v4 framewise", t_sb, how))

    import mir_eval.separation as me
    t_sb, sb = timed(lambda: sepbench.bss_eval_images(refs, ests, compute_permutation=False), 3)
    t_me, mi = timed(lambda: me.bss_eval_images(refs, ests, compute_permutation=False), 1)
    report("bss_eval_images (whole)", t_sb, t_me, "mir_eval bss_eval_images", max_diff(sb[:4], mi[:4]))
    if not a.no_framewise:
        t_sb, sb = timed(lambda: sepbench.bss_eval_images_framewise(refs, ests, window=44100, hop=44100), 3)
        t_me, mi = timed(lambda: me.bss_eval_images_framewise(refs, ests, window=44100, hop=44100), 1)
        report("bss_eval_images_framewise (1 s)", t_sb, t_me, "mir_eval bss_eval_images_framewise",
               max_diff(sb[:4], mi[:4]))


if __name__ == "__main__":
    main()
