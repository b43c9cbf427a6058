#!/usr/bin/python3
"""tests/bench/bench-bsseval.py — inputs and the mir_eval side of the BSS Eval
benchmark (tests/bench/bench-bsseval.sh).

  bench-bsseval.py make DIR SECONDS [RATE]   writes DIR/ref/{0..3}.wav and
      DIR/est/{0..3}.wav: 4 deterministic stereo sources (filtered noise +
      tones, numpy seed 20240601), PCM 16-bit, and estimates = reference +
      filtered leakage of the other sources + noise.
  bench-bsseval.py mireval DIR MODE WIN       times mir_eval.separation on
      the same files: MODE framewise = bss_eval_images_framewise(window=hop=
      WIN), whole = bss_eval_images(compute_permutation=False); prints
      "seconds <t>".
  bench-bsseval.py museval DIR               times museval 0.4.1's evaluate
      (v4, 1-s frames, the defaults of `sepbench eval`) on the same files,
      reading them included, when MUSEVAL_PATH names museval's source;
      prints "seconds <t>", or "museval: <why not>".
  bench-bsseval.py peak CMD [ARG ...]         runs CMD, prints its wall time
      and its peak resident memory (getrusage of the child), and the last
      lines of its output.
  bench-bsseval.py best N CMD [ARG ...]       runs CMD N times: the best wall
      time, the load average and the peak resident memory.
  bench-bsseval.py musdb ROOT EST N SECONDS   writes a MUSDB18-HQ-style folder
      of N tracks (ROOT/test/Track K/{mixture,vocals,drums,bass,other}.wav,
      the sources of `make` with seed 20240601 + K - 1) and their estimates
      in the museval layout (EST/test/Track K/<target>.wav).
"""
import importlib.util
import os
import sys
import time
import warnings

import numpy as np
import scipy.io.wavfile
import scipy.signal

N_SRC = 4


def signals(seconds, rate, seed=20240601):
    """refs, ests: N_SRC arrays of shape (n, 2)."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    refs = []
    for j in range(N_SRC):
        b, a = scipy.signal.butter(4, [60.0 * (j + 1), 2500.0 * (j + 1)], btype="band", fs=rate)
        base = scipy.signal.lfilter(b, a, rng.standard_normal(n))
        tone = sum(np.sin(2 * np.pi * (110.0 * (j + 1) * h + 3.0 * j) * t) / h for h in (1, 2, 3))
        mono = 0.6 * base / np.max(np.abs(base)) + 0.2 * tone / np.max(np.abs(tone))
        left = mono + 0.02 * rng.standard_normal(n)
        right = np.roll(mono, 7 + j) * 0.8 + 0.02 * rng.standard_normal(n)
        refs.append(np.stack([left, right], axis=1) * 0.2)
    ests = []
    for j in range(N_SRC):
        e = refs[j].copy()
        for i in range(N_SRC):
            if i != j:
                b, a = scipy.signal.butter(2, 1000.0, fs=rate)
                e += 0.15 * scipy.signal.lfilter(b, a, refs[i], axis=0)
        e += 0.01 * rng.standard_normal(e.shape)
        ests.append(e)
    return refs, ests


def write_pcm16(path, rate, x):
    pcm = np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)
    scipy.io.wavfile.write(path, rate, pcm)


def make(out, seconds, rate):
    refs, ests = signals(seconds, rate)
    for sub, sigs in (("ref", refs), ("est", ests)):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
        for j, x in enumerate(sigs):
            write_pcm16(os.path.join(out, sub, "%d.wav" % j), rate, x)


def musdb(root, est_root, n_tracks, seconds, rate):
    """A MUSDB18-HQ-style folder: root/test/Track K/{mixture,vocals,drums,bass,other}.wav
    and the estimates in the museval layout, est_root/test/Track K/<target>.wav."""
    names = ("vocals", "drums", "bass", "other")
    for k in range(n_tracks):
        refs, ests = signals(seconds, rate, 20240601 + k)
        track = os.path.join(root, "test", "Track %02d" % (k + 1))
        est = os.path.join(est_root, "test", "Track %02d" % (k + 1))
        os.makedirs(track, exist_ok=True)
        os.makedirs(est, exist_ok=True)
        for j, name in enumerate(names):
            write_pcm16(os.path.join(track, name + ".wav"), rate, refs[j])
            write_pcm16(os.path.join(est, name + ".wav"), rate, ests[j])
        write_pcm16(os.path.join(track, "mixture.wav"), rate, sum(refs))


def load(d, sub):
    xs = []
    for j in range(N_SRC):
        _, x = scipy.io.wavfile.read("%s/%s/%d.wav" % (d, sub, j))
        xs.append(x.astype(np.float64) / 32768.0)
    return np.stack(xs)


def mireval(d, mode, win):
    import mir_eval.separation as sep
    warnings.simplefilter("ignore")
    ref, est = load(d, "ref"), load(d, "est")
    t0 = time.perf_counter()
    if mode == "framewise":
        sep.bss_eval_images_framewise(ref, est, window=win, hop=win, compute_permutation=False)
    else:
        sep.bss_eval_images(ref, est, compute_permutation=False)
    print("seconds %.3f" % (time.perf_counter() - t0))


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def museval_evaluate():
    """museval.evaluate from MUSEVAL_PATH, or None; (function, how).  When
    museval's package cannot be imported (it needs musdb, soundfile and
    pandas) its museval/metrics.py is loaded alone and called as
    museval.evaluate calls it."""
    root = os.environ.get("MUSEVAL_PATH")
    if not root:
        return None, "MUSEVAL_PATH not set"
    sys.path.insert(0, root)
    try:
        import museval
        return museval.evaluate, "museval.evaluate"
    except ImportError as e:
        metrics = load_module("museval_metrics", os.path.join(root, "museval", "metrics.py"))

        def evaluate(references, estimates, win=44100, hop=44100, mode="v4"):
            # museval/__init__.py's evaluate, without its package's imports
            sdr, isr, sir, sar, _ = metrics.bss_eval(references, estimates, compute_permutation=False,
                                                     window=win, hop=hop, framewise_filters=(mode == "v3"),
                                                     bsseval_sources_version=False)
            return sdr, isr, sir, sar
        return evaluate, "museval metrics.bss_eval (package: %s)" % e


def museval_files(d):
    evaluate, how = museval_evaluate()
    if not evaluate:
        print("museval: %s" % how)
        return
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    evaluate(load(d, "ref"), load(d, "est"))
    print("seconds %.3f (%s)" % (time.perf_counter() - t0, how))


def peak(cmd, repeat=1, quiet=False):
    import resource
    import subprocess
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wall = time.perf_counter() - t0
        best = wall if best is None else min(best, wall)
        if run.returncode != 0:
            break
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    if not quiet or run.returncode != 0:
        for line in run.stdout.splitlines()[-6:]:
            print("  | " + line)
    print("%s: exit %d, wall %.2f s (best of %d, load %.2f), peak_rss=%.0f MB"
          % (" ".join(cmd[:2]), run.returncode, best, repeat, os.getloadavg()[0], rss_mb))
    if run.returncode != 0:
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1] == "peak":
        peak(sys.argv[2:])
    elif sys.argv[1] == "best":
        peak(sys.argv[3:], int(sys.argv[2]), quiet=True)
    elif sys.argv[1] == "musdb":
        musdb(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), 44100)
    elif sys.argv[1] == "museval":
        museval_files(sys.argv[2])
    elif sys.argv[1] == "make":
        make(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 44100)
    else:
        mireval(sys.argv[2], sys.argv[3], int(sys.argv[4]))
