#!/usr/bin/python3
"""tests/bench/bench-stoi.py — STOI and ESTOI against pystoi 0.4.1 (issue
19), not part of make check:

  make bench-stoi [BENCH_STOI_FLAGS="--seconds 10 --repeat 5"]
  (PYTHONPATH=BUILDDIR/python SEPBENCH=BUILDDIR/sepbench PYSTOI_PATH=DIR)

A 10-s speech-like pair (noise shaped by a 4-Hz syllable envelope with
pauses, 16-bit) at 16 and 44.1 kHz, the estimate = reference + noise at
5 dB SNR.  Times, best of --repeat: STOI + ESTOI through the Python
package in this process (sepbench.stoi twice, as pystoi is called twice,
and sepbench.stoi_estoi once),
`sepbench eval --metrics stoi,estoi` on the two WAV files (the command a
user types: start-up, decoding, JSON), and pystoi.stoi(extended=False)
+ stoi(extended=True) on the same arrays when PYSTOI_PATH names pystoi's
source folder (the one holding pystoi/; it needs python3-scipy).  Prints
the ratios and the largest difference of the values.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np

import sepbench


def speech_like(seconds, rate, seed):
    """int16 reference and estimate of a speech-like pair."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    env = np.maximum(np.sin(2 * np.pi * 4.0 * t), 0.0) ** 2 * (np.sin(2 * np.pi * 0.3 * t) > -0.5)
    voice = np.convolve(rng.standard_normal(n), np.hanning(int(rate / 800)), mode="same")
    ref = voice * env
    ref *= 0.3 / np.max(np.abs(ref))
    est = ref + np.sqrt(np.mean(ref ** 2) / 10 ** 0.5) * rng.standard_normal(n)
    est *= min(1.0, 0.99 / np.max(np.abs(est)))
    q = lambda x: np.round(x * 32767).astype(np.int16)
    return q(ref), q(est)


def write_wav(path, pcm, rate):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def eval_command(prog, d):
    out = subprocess.run([prog, "eval", "--ref-dir", os.path.join(d, "ref"), "--est-dir", os.path.join(d, "est"),
                          "--metrics", "stoi,estoi"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def whole_stoi(doc):
    """The STOI of the one target of a `sepbench eval` JSON document."""
    targets = doc.get("targets")
    if isinstance(targets, dict):
        targets = list(targets.values())
    return targets[0]["whole"]["STOI"] if targets else None


def load_pystoi():
    path = os.environ.get("PYSTOI_PATH")
    if not path:
        return None
    sys.path.insert(0, path)
    try:
        from pystoi import stoi
    except ImportError as e:
        print("  pystoi: cannot import from PYSTOI_PATH=%s (%s)" % (path, e))
        return None
    return stoi


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    prog = os.environ.get("SEPBENCH", "./sepbench")
    pystoi = load_pystoi()
    print("STOI + ESTOI of a %g-s pair (best of %d; threads: OMP_NUM_THREADS=%s)"
          % (args.seconds, args.repeat, os.environ.get("OMP_NUM_THREADS", "default")))
    for rate in (16000, 44100):
        ref16, est16 = speech_like(args.seconds, rate, 1)
        ref, est = ref16 / 32768.0, est16 / 32768.0
        t_two, (s, e) = best(lambda: (sepbench.stoi(ref, est, rate), sepbench.stoi(ref, est, rate, extended=True)),
                             args.repeat)
        t_in, _ = best(lambda: sepbench.stoi_estoi(ref, est, rate), args.repeat)
        with tempfile.TemporaryDirectory(prefix="sb-bench-stoi.") as d:
            for sub, pcm in (("ref", ref16), ("est", est16)):
                os.mkdir(os.path.join(d, sub))
                write_wav(os.path.join(d, sub, "speech.wav"), pcm, rate)
            t_cmd, whole = best(lambda: eval_command(prog, d), args.repeat)
        line = "  %5d Hz: stoi + stoi(extended) %6.2f ms, stoi_estoi %6.2f ms, sepbench eval %6.2f ms" % (
            rate, 1e3 * t_two, 1e3 * t_in, 1e3 * t_cmd)
        if pystoi is not None:
            t_py, (ps, pe) = best(lambda: (pystoi(ref, est, rate), pystoi(ref, est, rate, extended=True)),
                                  args.repeat)
            diff = max(abs(s - ps), abs(e - pe))
            line += "; pystoi %6.2f ms -> %4.1fx, %4.1fx, %4.1fx; max |diff| %.1e" % (
                1e3 * t_py, t_py / t_two, t_py / t_in, t_py / t_cmd, diff)
        if whole_stoi(whole) != s:
            line += " (eval's STOI %r differs from the package's %r!)" % (whole_stoi(whole), s)
        print(line)
    if pystoi is None:
        print("  pystoi: not timed (set PYSTOI_PATH to pystoi's source folder, mpariente/pystoi v0.4.1)")
    print("  target (issue 19): >= 20x pystoi in-process")


main()
