"""Every mir_eval.separation function sepbench offers against Debian's
python3-mir-eval itself, in the same process, on seeded random signals
(correlated estimates, a swapped pair so that the permutation matters)."""
import numpy as np
import mir_eval.separation as me
import pytest

import sepbench
from conftest import assert_values

TOL = [1e-3, 1e-2, 1e-2, 1e-2]


def signals(nsrc, n, nchan, seed):
    rng = np.random.default_rng(seed)
    ref = rng.standard_normal((nsrc, n, nchan))
    mix = np.roll(ref, 1, axis=0)
    est = ref + 0.3 * mix + 0.05 * rng.standard_normal(ref.shape)
    return ref, est[::-1].copy()


@pytest.mark.parametrize("cp", [False, True])
def test_sources_random(cp):
    ref, est = signals(3, 6000, 1, 1)
    got = sepbench.bss_eval_sources(ref[:, :, 0], est[:, :, 0], compute_permutation=cp)
    want = me.bss_eval_sources(ref[:, :, 0], est[:, :, 0], compute_permutation=cp)
    for g, w, tol in zip(got[:3], want[:3], [1e-3, 1e-2, 1e-2]):
        assert_values(g, w, tol, "bss_eval_sources")
    assert np.array_equal(got[3], want[3])


@pytest.mark.parametrize("cp", [False, True])
def test_images_random(cp):
    ref, est = signals(2, 5000, 2, 2)
    got = sepbench.bss_eval_images(ref, est, compute_permutation=cp)
    want = me.bss_eval_images(ref, est, compute_permutation=cp)
    for g, w, tol in zip(got[:4], want[:4], TOL):
        assert_values(g, w, tol, "bss_eval_images")
    assert np.array_equal(got[4], want[4])


@pytest.mark.parametrize("cp", [False, True])
def test_sources_framewise_random(cp):
    ref, est = signals(2, 9000, 1, 3)
    ref[1, 3000:6000] = 0.0  # one silent frame: NaN in both
    got = sepbench.bss_eval_sources_framewise(ref[:, :, 0], est[:, :, 0], window=3000, hop=3000,
                                              compute_permutation=cp)
    want = me.bss_eval_sources_framewise(ref[:, :, 0], est[:, :, 0], window=3000, hop=3000,
                                         compute_permutation=cp)
    for g, w, tol in zip(got[:3], want[:3], [1e-3, 1e-2, 1e-2]):
        assert_values(g, w, tol, "bss_eval_sources_framewise")
    assert np.array_equal(got[3], want[3], equal_nan=True), (got[3], want[3])


@pytest.mark.parametrize("cp", [False, True])
def test_images_framewise_random(cp):
    ref, est = signals(2, 8000, 2, 4)
    got = sepbench.bss_eval_images_framewise(ref, est, window=4000, hop=2000, compute_permutation=cp)
    want = me.bss_eval_images_framewise(ref, est, window=4000, hop=2000, compute_permutation=cp)
    for g, w, tol in zip(got[:4], want[:4], TOL):
        assert_values(g, w, tol, "bss_eval_images_framewise")
    assert np.array_equal(got[4], want[4], equal_nan=True), (got[4], want[4])


def test_framewise_one_window_is_whole():
    ref, est = signals(2, 3000, 1, 5)
    got = sepbench.bss_eval_sources_framewise(ref[:, :, 0], est[:, :, 0], window=4000, hop=4000)
    want = me.bss_eval_sources_framewise(ref[:, :, 0], est[:, :, 0], window=4000, hop=4000)
    for g, w in zip(got[:3], want[:3]):
        assert_values(g, w, 1e-2, "one window")


def test_silent_reference_refused_like_mir_eval():
    ref, est = signals(2, 3000, 1, 6)
    ref[0] = 0.0
    with pytest.raises(ValueError, match="reference sources should be non-silent"):
        sepbench.bss_eval_sources(ref[:, :, 0], est[:, :, 0])
    with pytest.raises(ValueError):
        me.bss_eval_sources(ref[:, :, 0], est[:, :, 0])
