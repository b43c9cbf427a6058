"""The sepbench package's own behaviour: the SI family against the formulas
of Le Roux et al. (numpy, written here), batch shapes, dtypes, errors, the
version, and two threads evaluating at once (the GIL is released)."""
import threading

import numpy as np
import pytest

import sepbench


def si_sdr_formula(p, t, zero_mean=False):
    if zero_mean:
        p, t = p - p.mean(), t - t.mean()
    e = (p @ t) / (t @ t) * t
    return 10 * np.log10((e @ e) / ((e - p) @ (e - p)))


def sd_sdr_formula(p, t):
    e = (p @ t) / (t @ t) * t
    return 10 * np.log10((e @ e) / ((t - p) @ (t - p)))


def pair(shape, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.standard_normal(shape)
    return t + 0.2 * rng.standard_normal(shape) + 0.1, t


def test_version():
    assert sepbench.__version__ and sepbench.__version__[0].isdigit()


@pytest.mark.parametrize("zero_mean", [False, True])
def test_si_sdr_batch(zero_mean):
    p, t = pair((2, 3, 1000))
    got = sepbench.si_sdr(p, t, zero_mean=zero_mean)
    assert got.shape == (2, 3)
    want = np.array([[si_sdr_formula(p[i, j], t[i, j], zero_mean) for j in range(3)] for i in range(2)])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_sd_sdr_snr_global_sdr():
    p, t = pair((4, 800), 1)
    np.testing.assert_allclose(sepbench.sd_sdr(p, t), [sd_sdr_formula(p[i], t[i]) for i in range(4)], atol=1e-9)
    snr = 10 * np.log10((t * t).sum(-1) / ((t - p) ** 2).sum(-1))
    np.testing.assert_allclose(sepbench.snr(p, t), snr, atol=1e-9)
    g = 10 * np.log10(((t * t).sum(-1) + 1e-7) / (((t - p) ** 2).sum(-1) + 1e-7))
    np.testing.assert_allclose(sepbench.global_sdr(p, t), g, atol=1e-9)
    assert sepbench.si_sdr(t[0], t[0]) == np.inf


def test_pit_si_sdr_finds_the_swap():
    p, t = pair((2, 3, 2000), 2)
    best, perm = sepbench.pit_si_sdr(p[:, [2, 0, 1]], t)
    assert best.shape == (2,) and perm.shape == (2, 3)
    assert perm.tolist() == [[1, 2, 0], [1, 2, 0]]
    want = np.mean([si_sdr_formula(p[0, j], t[0, j]) for j in range(3)])
    assert abs(best[0] - want) < 1e-9


def test_dtypes_give_the_same_values():
    p, t = pair((2, 4000, 1), 3)
    p16, t16 = (np.clip(p, -3, 3) * 8000).astype(np.int16), (np.clip(t, -3, 3) * 8000).astype(np.int16)
    f64 = sepbench.evaluate(t16.astype(np.float64) / 32768, p16.astype(np.float64) / 32768, win=2000, hop=2000)
    i16 = sepbench.evaluate(t16, p16, win=2000, hop=2000)
    f32 = sepbench.evaluate((t16 / 32768).astype(np.float32), (p16 / 32768).astype(np.float32), win=2000, hop=2000)
    for a, b, c in zip(f64, i16, f32):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_padding_and_truncation_as_museval():
    p, t = pair((2, 4000, 2), 4)
    short = sepbench.evaluate(t, p[:, :3000], win=1000, hop=1000)
    padded = np.concatenate([p[:, :3000], np.zeros((2, 1000, 2))], axis=1)
    np.testing.assert_array_equal(short[0], sepbench.evaluate(t, padded, win=1000, hop=1000)[0])
    long_ = np.concatenate([p, p], axis=1)
    np.testing.assert_array_equal(sepbench.evaluate(t, long_, win=1000, hop=1000)[0],
                                  sepbench.evaluate(t, p, win=1000, hop=1000)[0])
    with pytest.raises(ValueError, match="should match"):
        sepbench.evaluate(t, p[:, :3000], win=1000, hop=1000, padding=False)


def test_errors():
    p, t = pair((2, 3000, 1), 5)
    bad = p.copy()
    bad[1, 100, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        sepbench.evaluate(t, bad, win=1000, hop=1000)
    bad[1, 100, 0] = np.inf
    with pytest.raises(ValueError, match="estimate 1"):
        sepbench.evaluate(t, bad, win=1000, hop=1000)
    with pytest.raises(ValueError, match="should match"):
        sepbench.evaluate(t, p[:1], win=1000, hop=1000)
    with pytest.raises(ValueError, match="dtype"):
        sepbench.evaluate(t.astype(np.int32), p, win=1000, hop=1000)
    with pytest.raises(ValueError, match="mode"):
        sepbench.evaluate(t, p, mode="v5")
    with pytest.raises(ValueError, match="same shape"):
        sepbench.si_sdr(p[0, :, 0], t[0, :100, 0])
    with pytest.raises(ValueError, match="nsrc, nsampl"):
        sepbench.bss_eval_sources(t, p)
    with pytest.raises(ValueError, match="too short|shorter|length"):
        sepbench.evaluate(t[:, :100], p[:, :100], win=50, hop=50)


def test_frames_only_gives_the_same_frames():
    # sepbench.evaluate asks the C library for the framewise values only
    # (museval.evaluate's output): the frames must be those of a full
    # evaluation, bit for bit, and the whole-signal ISR/SIR/SAR NaN.
    rng = np.random.default_rng(11)
    ref = rng.standard_normal((3, 3 * 8000, 2))
    est = ref + 0.3 * rng.standard_normal(ref.shape)
    full = sepbench._run(ref, est, rate=8000, win=8000, hop=8000)
    part = sepbench._run(ref, est, rate=8000, win=8000, hop=8000, frames_only=True)
    for m in ("SDR", "ISR", "SIR", "SAR"):
        assert np.array_equal(full["frames"][m], part["frames"][m], equal_nan=True), m
    assert np.all(np.isfinite(full["values"]["SIR"]))
    assert np.all(np.isnan(part["values"]["ISR"])) and np.all(np.isnan(part["values"]["SIR"]))
    assert np.all(np.isnan(part["values"]["SAR"]))
    got = sepbench.evaluate(ref, est, win=8000, hop=8000)
    assert all(np.array_equal(g, full["frames"][m], equal_nan=True) for g, m in zip(got, ("SDR", "ISR", "SIR", "SAR")))


def test_threads_argument_changes_nothing():
    p, t = pair((2, 8000, 2), 6)
    a = sepbench.evaluate(t, p, win=4000, hop=4000, threads=1)
    b = sepbench.evaluate(t, p, win=4000, hop=4000, threads=2)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_two_threads_at_once():
    """Two Python threads evaluate different signals at the same time (they
    start together at a barrier; the GIL is released inside): each gets
    the values of its own signals evaluated alone."""
    inputs = [pair((2, 20000, 2), 10 + i) for i in range(2)]
    alone = [sepbench.evaluate(t, p, win=5000, hop=5000) for p, t in inputs]
    barrier = threading.Barrier(2)
    results = [None, None]

    def work(i):
        barrier.wait()
        p, t = inputs[i]
        results[i] = sepbench.evaluate(t, p, win=5000, hop=5000)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for got, want in zip(results, alone):
        for x, y in zip(got, want):
            np.testing.assert_array_equal(x, y)


def test_docstring_examples():
    import doctest
    res = doctest.testmod(sepbench)
    assert res.attempted >= 15 and res.failed == 0, res
