"""sepbench: source separation metrics on NumPy arrays, over libsepbench's C API.

Drop-in calls for museval and mir_eval.separation, and the scale-invariant
family in the torchmetrics convention::

    >>> import numpy as np, sepbench
    >>> rng = np.random.default_rng(0)
    >>> refs = rng.standard_normal((2, 3 * 8000, 1))
    >>> ests = refs + 0.1 * rng.standard_normal(refs.shape)
    >>> SDR, ISR, SIR, SAR = sepbench.evaluate(refs, ests, win=8000, hop=8000)
    >>> SDR.shape
    (2, 3)
    >>> sdr, sir, sar, perm = sepbench.bss_eval_sources(refs[:, :, 0], ests[:, :, 0])
    >>> sepbench.si_sdr(ests[:, :, 0], refs[:, :, 0]).shape
    (2,)

Inputs may be float64, float32 or int16 (PCM, scaled by 1/32768 as the
sepbench program reads 16-bit files); NaN or Inf samples, wrong shapes and
mismatched lengths raise ValueError.  The C library releases the GIL while
it computes and runs OpenMP threads inside (``threads=``).  Values are the
sepbench program's, bit for bit.
"""

import warnings as _warnings

import numpy as _np

from . import _sepbench

__version__ = _sepbench._version()

__all__ = ["evaluate", "bss_eval_sources", "bss_eval_sources_framewise", "bss_eval_images",
           "bss_eval_images_framewise", "si_sdr", "sd_sdr", "snr", "global_sdr", "pit_si_sdr", "pspm",
           "stoi", "stoi_estoi", "sa_sdr", "Store", "__version__"]

# Metric groups and option values of sepbench/sepbench.h.
_BSS, _SI, _GSDR, _SNR, _IMPROVE, _SDR, _PSPM, _STOI, _ESTOI, _SASDR = 1, 2, 4, 8, 16, 32, 64, 128, 256, 512
_DEFAULT = _BSS | _SI | _GSDR | _SNR | _IMPROVE  # the sepbench program's default --metrics
_MODES = {"v4": 0, "v3": 1}
_IMAGES, _SOURCES = 0, 1
_PERM_NONE, _PERM_BRUTE = 0, 1


def _as_float64(x, name):
    """x as a float64 array (int16 PCM scaled by 1/32768); ValueError otherwise."""
    a = _np.asarray(x)
    if a.dtype == _np.int16:
        return a.astype(_np.float64) / 32768.0
    if a.dtype not in (_np.float64, _np.float32):
        raise ValueError("%s: dtype %s not supported (float64, float32 or int16)" % (name, a.dtype))
    return a.astype(_np.float64, copy=False)


def _planar(a):
    """(src, samples, chan) -> C-contiguous (src, chan, samples)."""
    return _np.ascontiguousarray(a.transpose(0, 2, 1))


def _run(ref, est, mix=None, rate=44100, metrics=_BSS, mode="v4", criterion=_IMAGES, permutation=_PERM_NONE,
         win=0, hop=0, filter_len=512, zero_mean=False, threads=0, frame_permutation=False, embedder=None,
         keep=False, frames_only=False):
    """One C evaluation of (src, samples, chan) float64 arrays: a dict of
    results (with keep: (dict, the C result for _store_put))."""
    if mode not in _MODES:
        raise ValueError("mode must be 'v4' or 'v3', not %r" % (mode,))
    return _sepbench._evaluate(_planar(ref), _planar(est), None if mix is None else _planar(mix), int(rate),
                               metrics, _MODES[mode], criterion, permutation, 0, int(win), int(hop),
                               int(filter_len), int(bool(zero_mean)), int(threads), bool(frame_permutation),
                               embedder, bool(keep), bool(frames_only))


def _pad_or_truncate(ref, est):
    """museval's pad_or_truncate: est zero-padded or cut to ref's length."""
    n = ref.shape[1]
    if est.shape[1] > n:
        return est[:, :n]
    if est.shape[1] < n:
        pad = _np.zeros((est.shape[0], n - est.shape[1]) + est.shape[2:])
        return _np.concatenate([est, pad], axis=1)
    return est


def _images_shape(ref, est, padding):
    """museval/mir_eval images shapes: (nsrc, nsampl[, nchan]) -> 3-D."""
    ref = _as_float64(ref, "references")
    est = _as_float64(est, "estimates")
    if ref.ndim == 1:
        ref = ref[_np.newaxis, :]
    if est.ndim == 1:
        est = est[_np.newaxis, :]
    ref, est = _np.atleast_3d(ref), _np.atleast_3d(est)
    if ref.ndim != 3 or est.ndim != 3:
        raise ValueError("references and estimates must be (nsrc, nsampl, nchan); got shapes %s and %s"
                         % (ref.shape, est.shape))
    if padding:
        est = _pad_or_truncate(ref, est)
    if ref.shape != est.shape:
        raise ValueError("the shape of estimated sources and the true sources should match: references %s, "
                         "estimates %s" % (ref.shape, est.shape))
    return ref, est


def evaluate(references, estimates, win=1 * 44100, hop=1 * 44100, mode="v4", padding=True, threads=0):
    """museval.evaluate: BSS Eval v4 (or v3) framewise SDR, ISR, SIR, SAR.

    references, estimates: (nsrc, nsampl, nchan) arrays (estimates are
    zero-padded or truncated to the references' length when padding is
    True).  win, hop: frame length and hop in samples.  Returns
    (SDR, ISR, SIR, SAR), each (nsrc, nwin); NaN in frames where a
    reference or an estimate is silent.  threads: OpenMP threads (0: the
    default).

    >>> import numpy as np, sepbench
    >>> r = np.random.default_rng(1).standard_normal((2, 44100 * 2, 2))
    >>> SDR, ISR, SIR, SAR = sepbench.evaluate(r, r + 0.01 * r[::-1])
    >>> SDR.shape
    (2, 2)
    """
    ref, est = _images_shape(references, estimates, padding)
    out = _run(ref, est, metrics=_BSS, mode=mode, win=win, hop=hop, threads=threads, frames_only=True)
    f = out["frames"]
    return f["SDR"], f["ISR"], f["SIR"], f["SAR"]


def _mir_validate(ref, est):
    """mir_eval.separation.validate's silent-source rule."""
    def silent(x):
        return _np.any(_np.all(_np.sum(x, axis=tuple(range(2, x.ndim))) == 0, axis=1))
    if silent(ref):
        raise ValueError("All the reference sources should be non-silent (not all-zeros), but at least one of "
                         "the reference sources is all 0s")
    if silent(est):
        raise ValueError("All the estimated sources should be non-silent (not all-zeros), but at least one of "
                         "the estimated sources is all 0s")


def _sources_shape(ref, est):
    ref = _as_float64(ref, "reference_sources")
    est = _as_float64(est, "estimated_sources")
    if ref.ndim == 1:
        ref = ref[_np.newaxis, :]
    if est.ndim == 1:
        est = est[_np.newaxis, :]
    if ref.shape != est.shape or ref.ndim != 2:
        raise ValueError("reference_sources and estimated_sources must both be (nsrc, nsampl); got %s and %s"
                         % (ref.shape, est.shape))
    return ref[:, :, _np.newaxis], est[:, :, _np.newaxis]


def _whole(ref, est, criterion, compute_permutation, threads):
    _mir_validate(ref, est)
    out = _run(ref, est, metrics=_BSS, mode="v3", criterion=criterion,
               permutation=_PERM_BRUTE if compute_permutation else _PERM_NONE, threads=threads)
    v = out["values"]
    return v, out["perm"]


def bss_eval_sources(reference_sources, estimated_sources, compute_permutation=True, threads=0):
    """mir_eval.separation.bss_eval_sources: BSS Eval v3, sources criterion.

    (nsrc, nsampl) arrays in; returns (sdr, sir, sar, perm), each (nsrc,),
    indexed by reference (perm[j] is the estimate matched to reference j).
    """
    ref, est = _sources_shape(reference_sources, estimated_sources)
    v, perm = _whole(ref, est, _SOURCES, compute_permutation, threads)
    return v["SDR"], v["SIR"], v["SAR"], perm


def bss_eval_images(reference_sources, estimated_sources, compute_permutation=True, threads=0):
    """mir_eval.separation.bss_eval_images: BSS Eval v3, images criterion.

    (nsrc, nsampl, nchan) arrays in ((nsrc, nsampl) is one channel);
    returns (sdr, isr, sir, sar, perm), each (nsrc,).
    """
    ref, est = _images_shape(reference_sources, estimated_sources, False)
    v, perm = _whole(ref, est, _IMAGES, compute_permutation, threads)
    return v["SDR"], v["ISR"], v["SIR"], v["SAR"], perm


def _framewise(ref, est, criterion, window, hop, compute_permutation, threads):
    """mir_eval's framewise evaluation: (values by name, perm (nsrc, nwin))."""
    _mir_validate(ref, est)
    nsrc, n = ref.shape[0], ref.shape[1]
    nwin = int(_np.floor((n - window + hop) / hop))
    if nwin < 2:
        window = hop = 0
    out = _run(ref, est, metrics=_BSS, mode="v3", criterion=criterion,
               permutation=_PERM_BRUTE if compute_permutation else _PERM_NONE, win=window, hop=hop,
               threads=threads, frame_permutation=compute_permutation)
    nf = out["frames"]["SDR"].shape[1]
    if out["frame_perm"] is not None:
        perm = out["frame_perm"].astype(_np.float64)
        perm[perm < 0] = _np.nan
    else:
        perm = _np.repeat(out["perm"].astype(_np.float64)[:, _np.newaxis], nf, axis=1)
        flags = _np.frombuffer(out["frame_flags"], dtype=_np.uint8)
        perm[:, flags != 0] = _np.nan
    return out["frames"], perm


def bss_eval_sources_framewise(reference_sources, estimated_sources, window=30 * 44100, hop=15 * 44100,
                               compute_permutation=False, threads=0):
    """mir_eval.separation.bss_eval_sources_framewise.

    (nsrc, nsampl) in; returns (sdr, sir, sar, perm), each (nsrc, nframes);
    frames with a silent reference or estimate are NaN; with
    compute_permutation the permutation is chosen per frame.
    """
    ref, est = _sources_shape(reference_sources, estimated_sources)
    f, perm = _framewise(ref, est, _SOURCES, window, hop, compute_permutation, threads)
    return f["SDR"], f["SIR"], f["SAR"], perm


def bss_eval_images_framewise(reference_sources, estimated_sources, window=30 * 44100, hop=15 * 44100,
                              compute_permutation=False, threads=0):
    """mir_eval.separation.bss_eval_images_framewise.

    (nsrc, nsampl, nchan) in; returns (sdr, isr, sir, sar, perm), each
    (nsrc, nframes).
    """
    ref, est = _images_shape(reference_sources, estimated_sources, False)
    f, perm = _framewise(ref, est, _IMAGES, window, hop, compute_permutation, threads)
    return f["SDR"], f["ISR"], f["SIR"], f["SAR"], perm


def _batch(preds, target):
    """(..., time) float64 arrays of one shape, and the batch shape."""
    p = _as_float64(preds, "preds")
    t = _as_float64(target, "target")
    if p.shape != t.shape:
        raise ValueError("preds and target must have the same shape; got %s and %s" % (p.shape, t.shape))
    if p.ndim < 1 or p.shape[-1] < 1:
        raise ValueError("preds and target need a time axis (the last) of at least one sample; got %s" % (p.shape,))
    return p.reshape(-1, p.shape[-1]), t.reshape(-1, t.shape[-1]), p.shape[:-1]


def _per_vector(preds, target, metric, group, zero_mean, threads):
    """metric of every (preds, target) vector along the last axis."""
    p, t, shape = _batch(preds, target)
    out = _np.empty(p.shape[0])
    for i in range(p.shape[0]):
        r = _run(t[i].reshape(1, -1, 1), p[i].reshape(1, -1, 1), metrics=group, zero_mean=zero_mean,
                 threads=threads)
        out[i] = r["values"][metric][0]
    return out.reshape(shape)


def si_sdr(preds, target, zero_mean=False, threads=0):
    """SI-SDR in dB over the last axis (torchmetrics'
    scale_invariant_signal_distortion_ratio(preds, target, zero_mean)),
    any leading batch axes; no epsilon (a perfect estimate is +inf).

    >>> import numpy as np, sepbench
    >>> t = np.random.default_rng(2).standard_normal((3, 8000))
    >>> sepbench.si_sdr(t + 0.1 * t[::-1], t).shape
    (3,)
    """
    return _per_vector(preds, target, "SI-SDR", _SI, zero_mean, threads)


def sd_sdr(preds, target, zero_mean=False, threads=0):
    """SD-SDR (scale-dependent SDR, Le Roux et al. 2019) over the last axis."""
    return _per_vector(preds, target, "SD-SDR", _SI, zero_mean, threads)


def snr(preds, target, zero_mean=False, threads=0):
    """SNR 10 log10(||t||^2 / ||t - p||^2) over the last axis (torchmetrics'
    signal_noise_ratio without its epsilon); zero_mean removes the means."""
    p, t, shape = _batch(preds, target)
    if zero_mean:
        p = p - p.mean(axis=-1, keepdims=True)
        t = t - t.mean(axis=-1, keepdims=True)
    return _per_vector(p.reshape(shape + p.shape[-1:]), t.reshape(shape + t.shape[-1:]), "SNR", _SNR, False,
                       threads)


def global_sdr(preds, target, threads=0):
    """The global SDR of the Music Demixing Challenge 2021 over the last
    axis: 10 log10((sum t^2 + 1e-7) / (sum (t - p)^2 + 1e-7))."""
    return _per_vector(preds, target, "global_SDR", _GSDR, False, threads)


def _speakers(preds, target):
    """(..., speakers, time) arrays of one shape as (batch, speakers, time)
    float64 arrays, and the batch shape."""
    p = _as_float64(preds, "preds")
    t = _as_float64(target, "target")
    if p.shape != t.shape or p.ndim < 2:
        raise ValueError("preds and target must be (..., speakers, time) of one shape; got %s and %s"
                         % (p.shape, t.shape))
    return p.reshape((-1,) + p.shape[-2:]), t.reshape((-1,) + t.shape[-2:]), p.shape[:-2]


def pit_si_sdr(preds, target, zero_mean=False, threads=0):
    """Permutation-invariant SI-SDR over (..., speakers, time) arrays.

    Returns (best, perm): best (...,) the mean SI-SDR of the best
    permutation, perm (..., speakers) with perm[..., j] the prediction
    matched to target j (torchmetrics' permutation_invariant_training
    with scale_invariant_signal_distortion_ratio, eval_func='max').
    """
    p, t, batch = _speakers(preds, target)
    best = _np.empty(p.shape[0])
    perm = _np.empty((p.shape[0], p.shape[1]), dtype=_np.int64)
    for i in range(p.shape[0]):
        r = _run(t[i][:, :, _np.newaxis], p[i][:, :, _np.newaxis], metrics=_SI, permutation=_PERM_BRUTE,
                 zero_mean=zero_mean, threads=threads)
        best[i] = _np.mean(r["values"]["SI-SDR"])
        perm[i] = r["perm_si"]
    return best.reshape(batch), perm.reshape(batch + (p.shape[1],))


def pspm(references, estimates, rate, embedder="raw", threads=0):
    """PS/PM (MAPSS) of estimates against references ((nsrc, nsampl[, nchan])).

    Returns (PS, PM, PS_series, PM_series): the whole values (nsrc,) and the
    20-ms series (nsrc, nframes).  embedder: "raw" or "logmel".
    """
    ref, est = _images_shape(references, estimates, True)
    r = _run(ref, est, rate=rate, metrics=_PSPM, embedder=embedder, threads=threads)
    return r["values"]["PS"], r["values"]["PM"], r["pspm"]["PS"], r["pspm"]["PM"]


def stoi(ref, est, rate, extended=False, threads=0):
    """STOI (Taal et al. 2011) or, with extended, ESTOI (Jensen & Taal 2016)
    of est against ref as pystoi 0.4.1's stoi(x, y, fs_sig, extended)
    computes it: resampled to 10 kHz with Octave's filter, silent frames
    (40 dB below the loudest of ref) removed, 1/3-octave bands, 30-frame
    segments.  ref and est have one shape: (time,) gives a float, (...,
    time) an array of one value per pair (a stereo pair is two pairs: the
    sepbench program reports their mean).  Fewer than 30 frames left after
    silent-frame removal gives 1e-5 and a RuntimeWarning (pystoi's rule);
    a silent reference gives NaN and a RuntimeWarning.  ESTOI is
    deterministic where pystoi's depends on numpy's global RNG (an estimate
    digitally silent over a whole segment): numpy's seed-0 noise, inside
    the range pystoi gives over seeds.  ValueError: shapes differ, NaN/Inf,
    rate < 8000.

    >>> import numpy as np, sepbench
    >>> rng = np.random.default_rng(1)
    >>> x = rng.standard_normal(16000)
    >>> round(sepbench.stoi(x, x, 16000), 6)
    1.0
    """
    name = "ESTOI" if extended else "STOI"
    return _intelligibility(ref, est, rate, (name,), threads)[0]


def stoi_estoi(ref, est, rate, threads=0):
    """(STOI, ESTOI) of est against ref in one pass: sepbench.stoi's values
    (the same rules, shapes and warnings) for about half the time of two
    calls, as the resampling, silent-frame removal and STFT are shared."""
    return _intelligibility(ref, est, rate, ("STOI", "ESTOI"), threads)


def _intelligibility(ref, est, rate, names, threads):
    """The values names ("STOI", "ESTOI") of stoi's pairs."""
    if int(rate) < 8000:
        raise ValueError("rate %d Hz: STOI needs at least 8000 Hz (its bands reach 4.3 kHz)" % int(rate))
    if _np.shape(ref) != _np.shape(est):
        raise ValueError("ref and est must have the same shape; got %s and %s" % (_np.shape(ref), _np.shape(est)))
    e, r, shape = _batch(est, ref)
    group = (_STOI if "STOI" in names else 0) | (_ESTOI if "ESTOI" in names else 0)
    res = _run(r[:, :, _np.newaxis], e[:, :, _np.newaxis], rate=rate, metrics=group, threads=threads)
    if res["note"]:
        _warnings.warn("sepbench.stoi: " + res["note"], RuntimeWarning, stacklevel=3)
    outs = [res["values"][n].reshape(shape) for n in names]
    return tuple(float(o) if o.ndim == 0 else o for o in outs)


def sa_sdr(preds, target, scale_invariant=True, zero_mean=False, threads=0):
    """Source-aggregated SDR (Neumann et al., ICASSP 2022) over
    (..., speakers, time) arrays, torchmetrics'
    source_aggregated_signal_distortion_ratio(preds, target,
    scale_invariant, zero_mean): one value in dB per leading index,
    SI-SA-SDR when scale_invariant (one scale for all speakers), SA-SDR
    otherwise.  preds[..., j, :] is scored against target[..., j, :] (no
    permutation: apply pit_si_sdr's first)."""
    p, t, batch = _speakers(preds, target)
    name = "SI-SA-SDR" if scale_invariant else "SA-SDR"
    out = _np.empty(p.shape[0])
    for i in range(p.shape[0]):
        r = _run(t[i][:, :, _np.newaxis], p[i][:, :, _np.newaxis], metrics=_SASDR, zero_mean=zero_mean,
                 threads=threads)
        out[i] = r["track"][name]
    out = out.reshape(batch)
    return float(out) if out.ndim == 0 else out


def _rows(rows, output):
    """rows (a list of dicts of one set of keys) as output asks."""
    if output == "dicts":
        return rows
    if output == "records":
        if not rows:
            return _np.rec.array(_np.empty(0, dtype=[("id", _np.int64)]))
        names = list(rows[0])
        cols = [_np.array([r[k] if r[k] is not None else "" for r in rows]) for k in names]
        return _np.rec.fromarrays(cols, names=names)
    if output == "pandas":
        try:
            import pandas
        except ImportError as e:
            raise ImportError("output='pandas' needs pandas (Debian: python3-pandas): %s" % e) from None
        return pandas.DataFrame(rows)
    raise ValueError("output must be 'dicts', 'records' or 'pandas', not %r" % (output,))


class Store:
    """A sepbench results store (the sepbench program's --store file).

    Store(path) opens an existing store for reading (FileNotFoundError when
    there is none); Store(path, write=True) creates it when absent (OSError
    for a read-only file or folder).  Listings come as lists of dicts, or
    NumPy record arrays with output='records', or pandas DataFrames with
    output='pandas'.  add() scores signals and files them as an item that
    `sepbench leaderboard --store path` shows beside the program's items::

        >>> import numpy as np, sepbench, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "results.db")
        >>> r = np.random.default_rng(3).standard_normal((2, 3 * 44100, 2))
        >>> with sepbench.Store(path, write=True) as st:
        ...     scores = st.add(r, r + 0.1 * r[::-1], suite="mine", track="song1", method="mynet",
        ...                     targets=["vocals", "accompaniment"])
        ...     [(row["track"], row["method"]) for row in st.items()]
        [('song1', 'mynet')]

    One Store is one SQLite connection: the GIL serialises its calls (they
    do not release it); use one Store per process or thread for speed.
    """

    def __init__(self, path, write=False):
        self.path = str(path)
        self._cap = _sepbench._store_open(self.path, bool(write))

    def close(self):
        """Closes the store (again: nothing); later calls raise ValueError."""
        _sepbench._store_close(self._cap)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def config(self, suite=None, metric="SDR"):
        """The configuration key of the newest item holding metric (per frame,
        else per track) in suite (None: any), as `sepbench leaderboard`
        picks it; None for an empty store."""
        return _sepbench._store_newest_config(self._cap, suite, metric)

    def runs(self, config=None, output="dicts"):
        """The runs (id, started_at, ended_at, status, sepbench_version,
        git_revision, host, command, suite, backends, metric_params) that
        produced items of config (None: every run), newest first."""
        return _rows(_sepbench._store_runs(self._cap, config), output)

    def _items(self, config, suite, method):
        if config is None:
            config = self.config(suite)
        if config is None:
            return []
        return _sepbench._store_items(self._cap, suite, config, method)

    def items(self, config=None, suite=None, method=None, output="dicts"):
        """The evaluated items (id, suite, method, track, subset) of config
        (None: the newest, see config()), of a suite and a method (None:
        all), ordered by method then track."""
        return _rows(self._items(config, suite, method), output)

    def values(self, config=None, suite=None, method=None, per_track=True, output="dicts"):
        """Every stored value of the items() selection: suite, method,
        track, item, target, metric, frame (-1 per track), time_s,
        duration_s (NaN per track) and value (NaN for a NaN).  per_track
        False: the per-frame values (BSS Eval SDR, ISR, SIR, SAR)."""
        rows = []
        for it in self._items(config, suite, method):
            for v in _sepbench._store_values(self._cap, it["id"], bool(per_track)):
                row = {"suite": it["suite"], "method": it["method"], "track": it["track"], "item": it["id"]}
                row.update(v)
                rows.append(row)
        return _rows(rows, output)

    def begin_run(self, command=None, suite=None, methods=None):
        """Records a run (status 'running'); returns its id for add(run=)."""
        return _sepbench._store_run_begin(self._cap, command, suite, methods)

    def end_run(self, run, status="done"):
        """Sets a run's final status: 'done', 'interrupted' or 'failed'."""
        _sepbench._store_run_end(self._cap, int(run), status)

    def add(self, references, estimates, suite, track, method, targets=None, rate=44100, win=1 * 44100,
            hop=1 * 44100, mode="v4", mixture=None, padding=True, subset=None, run=None, threads=0):
        """Scores estimates against references (museval's shapes and padding,
        as evaluate()) with the sepbench program's default metrics (BSS
        Eval, SI family, global SDR, SNR, and improvements over mixture
        (1, nsampl, nchan) when given) and files them as the item (track,
        method) of suite, targets naming the sources (default "0", "1",
        ...).  An item already stored under the same options is kept, as
        `sepbench run` resuming does.  Returns the scores: {"frames":
        {metric: (nsrc, nwin)}, "values": {metric: (nsrc,)}, ...}."""
        ref, est = _images_shape(references, estimates, padding)
        if mixture is not None:
            mixture = _np.atleast_3d(_as_float64(mixture, "mixture"))
            if mixture.shape[0] != 1 or mixture.shape[1:] != ref.shape[1:]:
                raise ValueError("mixture must be (1, %d, %d); got %s" % (ref.shape[1], ref.shape[2],
                                                                         mixture.shape))
        names = [str(t) for t in targets] if targets is not None else [str(j) for j in range(ref.shape[0])]
        if len(names) != ref.shape[0]:
            raise ValueError("%d target names for %d sources" % (len(names), ref.shape[0]))
        out, result = _run(ref, est, mix=mixture, rate=rate, metrics=_DEFAULT, mode=mode, win=win, hop=hop,
                           threads=threads, keep=True)
        _sepbench._store_put(self._cap, result, int(run) if run is not None else 0, str(suite), str(track),
                             None if subset is None else str(subset), str(method), names, float("nan"))
        return out
