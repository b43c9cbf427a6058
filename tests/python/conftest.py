"""Fixtures of the Python package's tests: reference-vector cases as arrays.

A case's signals come from tests/python/refcase-dump (FLAC decoded by
libsndfile, estimates padded/truncated to the reference length), its
expected values from expected.json ($SB_REFVECTORS/bss/<case>/).
"""
import json
import math
import os
import subprocess

import numpy as np
import pytest

CASES = ["music4_stereo_44k1", "music3_silence_nan", "length_mismatch", "short_0p8s_22k", "speech2_16k_swapped"]
SPEECH_CASES = ["two_spk_8k", "two_spk_8k_swapped", "snr_sweep_16k", "tfmask_ibm_lenmismatch_22k05", "clip_lowlevel_44k1",
                "short_0p4s_48k", "silences_dropout_10k"]


def number(x):
    """expected.json's encoding: null -> NaN, "inf"/"-inf" -> +-inf."""
    if x is None:
        return math.nan
    if isinstance(x, str):
        return float(x)
    return x


def numbers(xs):
    return np.array([number(x) for x in xs], dtype=np.float64)


class Case:
    def __init__(self, name, set="bss"):
        root = os.environ.get("SB_REFVECTORS")
        assert root and os.path.isdir(root), "SB_REFVECTORS is not a directory: %r" % root
        self.dir = os.path.join(root, set, name)
        with open(os.path.join(self.dir, "expected.json")) as f:
            self.expected = json.load(f)
        out = os.path.join(os.environ["SB_TEST_TMP"], set, name)
        os.makedirs(out, exist_ok=True)
        dump = os.path.join(os.environ["SB_TOP_BUILDDIR"], "tests", "python", "refcase-dump")
        subprocess.run([dump, set + "/" + name, out], check=True)
        e = self.expected
        self.names = e["names"]
        self.rate = e["rate"]
        shape = (len(self.names), e["nchan"], e["nsamples"]["evaluated"])
        # (source, sample, channel), museval's shape
        self.ref = np.fromfile(os.path.join(out, "ref.f64")).reshape(shape).transpose(0, 2, 1).copy()
        self.est = np.fromfile(os.path.join(out, "est.f64")).reshape(shape).transpose(0, 2, 1).copy()
        mix = os.path.join(out, "mix.f64")
        self.mix = np.fromfile(mix).reshape(shape[1:]).T.copy() if os.path.exists(mix) else None


_cache = {}


@pytest.fixture(params=CASES)
def case(request):
    if request.param not in _cache:
        _cache[request.param] = Case(request.param)
    return _cache[request.param]


def speech(name):
    """The speech reference-vector case name (loaded once)."""
    key = "speech/" + name
    if key not in _cache:
        _cache[key] = Case(name, "speech")
    return _cache[key]


@pytest.fixture(params=SPEECH_CASES)
def speech_case(request):
    return speech(request.param)


def assert_values(got, want, tol, what):
    """got and want agree within tol dB with the same NaN pattern (and the
    same infinities)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, "%s: shape %s, expected %s" % (what, got.shape, want.shape)
    assert np.array_equal(np.isnan(got), np.isnan(want)), "%s: NaN pattern %s, expected %s" % (what, got, want)
    fin = np.isfinite(want)
    assert np.array_equal(got[~fin & ~np.isnan(want)], want[~fin & ~np.isnan(want)]), "%s: infinities" % what
    diff = np.max(np.abs(got[fin] - want[fin])) if fin.any() else 0.0
    assert diff <= tol, "%s: max |diff| %.3g dB > %g (got %s, expected %s)" % (what, diff, tol, got, want)
