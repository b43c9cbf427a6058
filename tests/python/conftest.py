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
    def __init__(self, name):
        root = os.environ.get("SB_REFVECTORS")
        assert root and os.path.isdir(root), "SB_REFVECTORS is not a directory: %r" % root
        self.dir = os.path.join(root, "bss", name)
        with open(os.path.join(self.dir, "expected.json")) as f:
            self.expected = json.load(f)
        out = os.path.join(os.environ["SB_TEST_TMP"], name)
        os.makedirs(out, exist_ok=True)
        dump = os.path.join(os.environ["SB_TOP_BUILDDIR"], "tests", "python", "refcase-dump")
        subprocess.run([dump, name, out], check=True)
        e = self.expected
        self.names = e["names"]
        self.rate = e["rate"]
        shape = (len(self.names), e["nchan"], e["nsamples"]["evaluated"])
        # (source, sample, channel), museval's shape
        self.ref = np.fromfile(os.path.join(out, "ref.f64")).reshape(shape).transpose(0, 2, 1).copy()
        self.est = np.fromfile(os.path.join(out, "est.f64")).reshape(shape).transpose(0, 2, 1).copy()


_cache = {}


@pytest.fixture(params=CASES)
def case(request):
    if request.param not in _cache:
        _cache[request.param] = Case(request.param)
    return _cache[request.param]


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
