"""sepbench.evaluate and mir_eval.separation's functions against the values
the reference implementations wrote into the reference vectors (museval
v4 framewise, mir_eval images/sources whole and framewise, permutations).
Tolerances: SDR 1e-3 dB, ISR/SIR/SAR 1e-2 dB, the same NaN pattern and
permutation."""
import numpy as np

import sepbench
from conftest import assert_values, numbers

TOL = {"SDR": 1e-3, "ISR": 1e-2, "SIR": 1e-2, "SAR": 1e-2}


def test_evaluate_museval_v4(case):
    v4 = case.expected["museval_v4"]
    got = dict(zip(["SDR", "ISR", "SIR", "SAR"], sepbench.evaluate(case.ref, case.est, win=v4["win"], hop=v4["hop"])))
    for m, tol in TOL.items():
        assert got[m].shape == (len(case.names), v4["nframes"])
        for j, name in enumerate(case.names):
            assert_values(got[m][j], numbers(v4["framewise"][name][m]), tol, "%s %s" % (name, m))


def test_bss_eval_images(case):
    exp = case.expected["mir_eval_images"]
    for cp in (False, True):
        block = exp["compute_permutation_%s" % ("true" if cp else "false")]
        sdr, isr, sir, sar, perm = sepbench.bss_eval_images(case.ref, case.est, compute_permutation=cp)
        for m, got in zip(["SDR", "ISR", "SIR", "SAR"], [sdr, isr, sir, sar]):
            assert_values(got, [block[n][m] for n in case.names], TOL[m], "images %s cp=%s" % (m, cp))
        want_perm = block.get("perm", list(range(len(case.names))))
        assert list(perm) == want_perm


def test_bss_eval_images_framewise(case):
    exp = case.expected["mir_eval_images_framewise"]
    sdr, isr, sir, sar, perm = sepbench.bss_eval_images_framewise(case.ref, case.est, window=exp["win"],
                                                                  hop=exp["hop"])
    for m, got in zip(["SDR", "ISR", "SIR", "SAR"], [sdr, isr, sir, sar]):
        for j, name in enumerate(case.names):
            assert_values(got[j], numbers(exp["framewise"][name][m]), TOL[m], "images framewise %s %s" % (name, m))


def test_bss_eval_sources(case):
    exp = case.expected["mir_eval_sources"]
    for ch in exp["channels"]:
        c = ch["channel"]
        for cp in (False, True):
            block = ch["whole_compute_permutation_%s" % ("true" if cp else "false")]
            sdr, sir, sar, perm = sepbench.bss_eval_sources(case.ref[:, :, c], case.est[:, :, c],
                                                            compute_permutation=cp)
            for m, got in zip(["SDR", "SIR", "SAR"], [sdr, sir, sar]):
                assert_values(got, [block[n][m] for n in case.names], TOL[m], "sources ch%d %s cp=%s" % (c, m, cp))
            assert list(perm) == block.get("perm", list(range(len(case.names))))


def test_bss_eval_sources_framewise(case):
    exp = case.expected["mir_eval_sources"]
    for ch in exp["channels"]:
        c = ch["channel"]
        for cp in (False, True):
            block = ch["framewise_compute_permutation_%s" % ("true" if cp else "false")]
            sdr, sir, sar, perm = sepbench.bss_eval_sources_framewise(
                case.ref[:, :, c], case.est[:, :, c], window=exp["win"], hop=exp["hop"], compute_permutation=cp)
            for m, got in zip(["SDR", "SIR", "SAR"], [sdr, sir, sar]):
                for j, name in enumerate(case.names):
                    assert_values(got[j], numbers(block[name][m]), TOL[m], "sources fw ch%d %s %s cp=%s"
                                  % (c, name, m, cp))
            if "perm" in block:
                want = np.array([[np.nan if p is None else p for p in row] for row in block["perm"]], dtype=float)
                # expected.json: perm[k][j]; sepbench (mir_eval): perm[j, k]
                assert np.array_equal(perm.T, want, equal_nan=True), "perm %s, expected %s" % (perm.T, want)
