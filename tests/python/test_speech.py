"""sepbench.stoi and sepbench.sa_sdr against the values pystoi 0.4.1 and
torchmetrics' SA-SDR wrote into the speech reference vectors
($SB_REFVECTORS/speech/<case>/expected.json).  Tolerances from its README:
STOI/ESTOI 1e-6 absolute (the range over seeds where ESTOI depends on
numpy's RNG), SA-SDR 1e-9 relative or 1e-12 dB; then shapes, dtypes and
bad input."""
import math
import warnings

import numpy as np
import pytest

import sepbench
from conftest import speech

MIXTURE_CASES = ["two_spk_8k", "two_spk_8k_swapped", "tfmask_ibm_lenmismatch_22k05"]


def values(fn):
    """fn() and the messages of the RuntimeWarnings it raised."""
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(x.message) for x in w if issubclass(x.category, RuntimeWarning)]


def test_stoi_estoi_per_source(speech_case):
    c = speech_case
    for j, name in enumerate(c.names):
        want = c.expected["sources"][name]
        got, warned = values(lambda: sepbench.stoi(c.ref[j, :, 0], c.est[j, :, 0], c.rate))
        assert isinstance(got, float)
        assert abs(got - want["stoi"]) <= 1e-6, "%s STOI %.12g, pystoi %.12g" % (name, got, want["stoi"])
        assert bool(warned) == (want["warning"] is not None), "%s: warnings %s" % (name, warned)
        got, _ = values(lambda: sepbench.stoi(c.ref[j, :, 0], c.est[j, :, 0], c.rate, extended=True))
        rng = want.get("estoi_rng_dependent")
        if rng:  # the README's check where pystoi's ESTOI depends on numpy's RNG
            assert rng["min"] - 1e-6 <= got <= rng["max"] + 1e-6, "%s ESTOI %.12g outside pystoi's range" % (name, got)
        else:
            assert abs(got - want["estoi"]) <= 1e-6, "%s ESTOI %.12g, pystoi %.12g" % (name, got, want["estoi"])


@pytest.mark.parametrize("name", MIXTURE_CASES)
def test_stoi_of_the_mixture(name):
    c = speech(name)
    assert c.mix is not None and "mixture" in c.expected
    mix = np.repeat(c.mix[np.newaxis, :, 0], len(c.names), axis=0)
    got, _ = values(lambda: sepbench.stoi(c.ref[:, :, 0], mix, c.rate))
    for j, name in enumerate(c.names):
        assert abs(got[j] - c.expected["mixture"]["values"][name]["stoi"]) <= 1e-6


def close_db(got, want):
    return abs(got - want) <= max(1e-9 * abs(want), 1e-12)


def test_sa_sdr(speech_case):
    c = speech_case
    est, ref = c.est[:, :, 0], c.ref[:, :, 0]
    for zm in (False, True):
        key = "zero_mean_%s" % ("true" if zm else "false")
        got = sepbench.sa_sdr(est, ref, scale_invariant=False, zero_mean=zm)
        assert close_db(got, c.expected["sa_sdr"][key]), "SA-SDR %s %.15g, %.15g" % (key, got, c.expected["sa_sdr"][key])
        got = sepbench.sa_sdr(est, ref, zero_mean=zm)
        assert close_db(got, c.expected["si_sa_sdr"][key]), "SI-SA-SDR %s %.15g" % (key, got)


def test_batches_are_the_single_calls():
    rng = np.random.default_rng(5)
    ref = rng.standard_normal((2, 3, 16000))
    est = ref + 0.5 * rng.standard_normal(ref.shape)
    many = sepbench.stoi(ref, est, 16000, extended=True)
    assert many.shape == (2, 3)
    for i in range(2):
        for k in range(3):
            assert many[i, k] == sepbench.stoi(ref[i, k], est[i, k], 16000, extended=True)
    both = sepbench.stoi_estoi(ref, est, 16000)
    assert np.array_equal(both[1], many) and np.array_equal(both[0], sepbench.stoi(ref, est, 16000))
    agg = sepbench.sa_sdr(est, ref)
    assert agg.shape == (2,)
    assert agg[1] == sepbench.sa_sdr(est[1], ref[1])
    assert sepbench.stoi(ref[0, 0], ref[0, 0], 16000) == pytest.approx(1.0, abs=1e-12)


def test_dtypes():
    rng = np.random.default_rng(6)
    ref = (rng.standard_normal(16000) * 3000).astype(np.int16)
    est = (ref + rng.standard_normal(16000) * 1500).astype(np.int16)
    want = sepbench.stoi(ref.astype(np.float64) / 32768.0, est.astype(np.float64) / 32768.0, 16000)
    assert sepbench.stoi(ref, est, 16000) == want
    got = sepbench.stoi(ref.astype(np.float32) / 32768.0, est.astype(np.float32) / 32768.0, 16000)
    assert abs(got - want) < 1e-6


def test_stoi_bad_input():
    rng = np.random.default_rng(7)
    x = rng.standard_normal(16000)
    with pytest.raises(ValueError, match="same shape"):
        sepbench.stoi(x, x[:-1], 16000)
    with pytest.raises(ValueError, match="same shape"):
        sepbench.stoi_estoi(x, x[:-1], 16000)
    with pytest.raises(ValueError, match="8000 Hz"):
        sepbench.stoi(x, x, 7999)
    y = x.copy()
    y[100] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        sepbench.stoi(x, y, 16000)
    with pytest.raises(ValueError, match="dtype"):
        sepbench.stoi(x.astype(np.int32), x.astype(np.int32), 16000)
    got, warned = values(lambda: sepbench.stoi(np.zeros(16000), x, 16000))
    assert math.isnan(got) and any("silent" in w for w in warned), warned
    got, warned = values(lambda: sepbench.stoi(x[:2000], x[:2000], 16000))
    assert got == 1e-5 and any("fewer than 30" in w for w in warned), warned


def test_silent_reference_in_a_stoi_batch():
    """A batch packs its pairs as the sources of one evaluation; a silent
    reference among them is named, with STOI's rule (NaN), and the warning
    speaks of no frames and of no museval rule (no BSS Eval is run)."""
    rng = np.random.default_rng(9)
    est = rng.standard_normal((3, 16000))
    ref = est.copy()
    ref[1] = 0.0
    for fn in (lambda: sepbench.stoi(ref, est, 16000), lambda: sepbench.stoi(ref, est, 16000, extended=True),
               lambda: sepbench.stoi_estoi(ref, est, 16000)[0]):
        got, warned = values(fn)
        assert math.isnan(got[1]) and np.isfinite(got[[0, 2]]).all(), got
        assert len(warned) == 1, warned
        assert "reference 1 is silent" in warned[0] and "the reference is silent (every sample 0): NaN" in warned[0]
        assert "museval" not in warned[0] and "frame" not in warned[0], warned[0]


def test_sa_sdr_bad_input():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 8000))
    with pytest.raises(ValueError, match="speakers, time"):
        sepbench.sa_sdr(x[0], x[0])
    with pytest.raises(ValueError, match="one shape"):
        sepbench.sa_sdr(x, x[:, :-1])
    y = x.copy()
    y[1, 5] = np.inf
    with pytest.raises(ValueError, match="Inf"):
        sepbench.sa_sdr(y, x)
