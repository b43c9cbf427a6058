"""sepbench.Store: scores written from Python land in the store the sepbench
program reads (its leaderboard lists them, its values are the ones
evaluate() returned), the three output forms, and bad input: a missing
file, a read-only store, a file that is no store, wrong shapes."""
import csv
import io
import math
import os
import subprocess

import numpy as np
import pytest

import sepbench

TARGETS = ["vocals", "drums"]


def signals(seed, n=3 * 44100):
    rng = np.random.default_rng(seed)
    ref = rng.standard_normal((2, n, 2))
    est = ref + 0.3 * rng.standard_normal(ref.shape) + 0.2 * ref[::-1]
    return ref, est


def tmp_path_of(name):
    d = os.path.join(os.environ["SB_TEST_TMP"], "store")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name)


def leaderboard(path, *args):
    """The sepbench program's leaderboard of path: {(method, target): value}
    from its CSV (one row per method and target)."""
    p = subprocess.run([os.environ["SEPBENCH"], "leaderboard", "--db", path, "--format", "csv"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert p.returncode == 0, "sepbench leaderboard: exit %d: %s" % (p.returncode, p.stderr)
    rows = list(csv.DictReader(io.StringIO(p.stdout)))
    assert rows, "sepbench leaderboard printed no row: %r" % p.stdout
    return {(r["method"], r["target"]): float(r["value"]) for r in rows}


@pytest.fixture(scope="module")
def written():
    """A store with two methods on two tracks, written from Python."""
    path = tmp_path_of("written.db")
    scores = {}
    with sepbench.Store(path, write=True) as st:
        run = st.begin_run(command="test_store.py", suite="pysuite", methods="net-a,net-b")
        for k, method in enumerate(["net-a", "net-b"]):
            for t, track in enumerate(["t1", "t2"]):
                ref, est = signals(10 * k + t)
                if method == "net-b":
                    est = ref + 0.05 * (est - ref)
                scores[method, track] = st.add(ref, est, suite="pysuite", track=track, method=method,
                                               targets=TARGETS, run=run)
        st.end_run(run)
    return path, scores


def median_median(scores, method, j):
    return float(np.median([np.nanmedian(scores[method, tr]["frames"]["SDR"][j]) for tr in ["t1", "t2"]]))


def test_leaderboard_shows_python_items(written):
    path, scores = written
    board = leaderboard(path, "--metric", "SDR")
    assert {m for m, _ in board} == {"net-a", "net-b"}, board
    for method in ["net-a", "net-b"]:
        for j, target in enumerate(TARGETS):
            want = median_median(scores, method, j)
            got = board[method, target]
            assert abs(got - want) <= 1e-9, "%s %s: leaderboard %s, evaluate %s" % (method, target, got, want)
    assert board["net-b", "vocals"] > board["net-a", "vocals"] + 10


def test_leaderboard_per_track_metric(written):
    path, scores = written
    board = leaderboard(path, "--metric", "SI-SDR")
    want = np.mean([scores["net-b", tr]["values"]["SI-SDR"][0] for tr in ["t1", "t2"]])
    assert abs(board["net-b", "vocals"] - want) <= 1e-9, board


def test_read_back_values(written):
    path, scores = written
    with sepbench.Store(path) as st:
        frames = st.values(method="net-a", per_track=False)
        tracks = st.values(method="net-a")
    got = {(r["track"], r["target"], r["metric"], r["frame"]): r["value"] for r in frames}
    for tr in ["t1", "t2"]:
        sdr = scores["net-a", tr]["frames"]["SDR"]
        assert sdr.shape == (2, 3)
        for j, target in enumerate(TARGETS):
            for k in range(3):
                assert got[tr, target, "SDR", k] == sdr[j, k]
    whole = {(r["track"], r["target"], r["metric"]): r for r in tracks}
    row = whole["t2", "drums", "SI-SDR"]
    assert row["value"] == scores["net-a", "t2"]["values"]["SI-SDR"][1]
    assert row["frame"] == -1 and math.isnan(row["time_s"])


def test_items_runs_config(written):
    path, _ = written
    with sepbench.Store(path) as st:
        items = st.items()
        runs = st.runs()
        config = st.config()
    assert [(i["method"], i["track"]) for i in items] == [("net-a", "t1"), ("net-a", "t2"), ("net-b", "t1"),
                                                         ("net-b", "t2")]
    assert all(i["suite"] == "pysuite" for i in items)
    assert len(runs) == 1 and runs[0]["status"] == "done" and runs[0]["command"] == "test_store.py"
    # the sepbench program's default configuration key
    assert config == "v4;images;win=1;hop=1;taps=512;perm=none;silent=all;zero_mean=0;" \
                     "metrics=bss,sisdr,gsdr,snr,improve"


def test_add_again_keeps_the_item(written):
    path, scores = written
    ref, est = signals(99)
    with sepbench.Store(path, write=True) as st:
        st.add(ref, est, suite="pysuite", track="t1", method="net-a", targets=TARGETS)
        v = [r for r in st.values(method="net-a", per_track=False)
             if r["track"] == "t1" and r["target"] == "vocals" and r["metric"] == "SDR"]
    assert [r["value"] for r in v] == list(scores["net-a", "t1"]["frames"]["SDR"][0])


def test_other_options_other_config():
    path = tmp_path_of("configs.db")
    ref, est = signals(5)
    with sepbench.Store(path, write=True) as st:
        st.add(ref, est, suite="s", track="t", method="m", win=2 * 44100, hop=44100)
        config = st.config()
        assert ";win=2;hop=1;" in config
        assert st.items(config="v4;images;win=1;hop=1;taps=512;perm=none;silent=all;zero_mean=0;"
                               "metrics=bss,sisdr,gsdr,snr,improve") == []
        assert len(st.items(config=config)) == 1


def test_records(written):
    path, _ = written
    with sepbench.Store(path) as st:
        rec = st.values(per_track=False, output="records")
        items = st.items(output="records")
    assert isinstance(rec, np.recarray)
    assert len(rec) == 4 * 2 * 3 * 4  # items x targets x frames x metrics
    assert set(rec.metric) == {"SDR", "ISR", "SIR", "SAR"}
    assert rec.value.dtype == np.float64 and rec.frame.dtype.kind == "i"
    assert list(items.track) == ["t1", "t2", "t1", "t2"]


def test_pandas_or_import_error(written):
    path, _ = written
    with sepbench.Store(path) as st:
        try:
            import pandas  # noqa: F401
        except ImportError:
            with pytest.raises(ImportError, match="pandas"):
                st.items(output="pandas")
        else:
            df = st.items(output="pandas")
            assert list(df["track"]) == ["t1", "t2", "t1", "t2"]
        with pytest.raises(ValueError, match="output must be"):
            st.items(output="xml")


def test_missing_store():
    path = tmp_path_of("absent.db")
    with pytest.raises(FileNotFoundError, match="absent.db: no such store"):
        sepbench.Store(path)
    assert not os.path.exists(path)


def test_store_opened_for_reading_refuses_writes(written):
    path, _ = written
    ref, est = signals(3)
    with sepbench.Store(path) as st:
        with pytest.raises(ValueError, match="opened for reading"):
            st.add(ref, est, suite="pysuite", track="t9", method="net-a", targets=TARGETS)
        with pytest.raises(ValueError, match="opened for reading"):
            st.begin_run()
        assert len(st.items()) == 4


@pytest.fixture
def read_only_store():
    """A store on a read-only file system (root: a tmpfs remounted
    read-only) or without write permission (other users)."""
    d = tmp_path_of("ro")
    os.makedirs(d, exist_ok=True)
    mounted = False
    if os.geteuid() == 0:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "sb-test-py-ro", d]).returncode != 0:
            pytest.skip("root but cannot mount a tmpfs")
        mounted = True
    path = os.path.join(d, "ro.db")
    ref, est = signals(4)
    with sepbench.Store(path, write=True) as st:
        st.add(ref, est, suite="s", track="t", method="m")
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro", d], check=True)
    else:
        os.chmod(path, 0o444)
    yield path
    if mounted:
        subprocess.run(["umount", d], check=True)


def test_read_only_store(read_only_store):
    path = read_only_store
    with open(path, "rb") as f:
        before = f.read()
    with pytest.raises(OSError, match="ro.db"):
        sepbench.Store(path, write=True)
    with open(path, "rb") as f:
        assert f.read() == before


def test_not_a_store():
    path = tmp_path_of("text.db")
    with open(path, "w") as f:
        f.write("this is no database, just some text long enough to be read as a header " * 20)
    with pytest.raises(RuntimeError, match="not a sepbench store"):
        sepbench.Store(path)


def test_wrong_shapes_write_nothing():
    path = tmp_path_of("shapes.db")
    ref, est = signals(6)
    with sepbench.Store(path, write=True) as st:
        with pytest.raises(ValueError, match="should match"):
            st.add(ref, est[:, :, :1], suite="s", track="t", method="m")
        with pytest.raises(ValueError, match="3 target names for 2 sources"):
            st.add(ref, est, suite="s", track="t", method="m", targets=["a", "b", "c"])
        with pytest.raises(ValueError, match="mixture must be"):
            st.add(ref, est, suite="s", track="t", method="m", mixture=ref)
        bad = est.copy()
        bad[1, 100, 0] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            st.add(ref, bad, suite="s", track="t", method="m")
        assert st.config() is None and st.items(config="x") == []


def test_closed_store(written):
    path, _ = written
    st = sepbench.Store(path)
    st.close()
    st.close()
    with pytest.raises(ValueError, match="closed"):
        st.items()


def test_mixture_improvements():
    path = tmp_path_of("mix.db")
    ref, est = signals(7)
    mix = ref.sum(axis=0, keepdims=True)
    with sepbench.Store(path, write=True) as st:
        out = st.add(ref, est, suite="s", track="t", method="m", mixture=mix)
        names = {r["metric"] for r in st.values()}
    assert {"SDRi", "SI-SDRi"} <= names
    assert np.all(np.isfinite(out["values"]["SDRi"]))
