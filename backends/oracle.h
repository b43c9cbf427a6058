/*
 * backends/oracle.h — the oracle baselines of SiSEC 2018, as
 * sigsep/sigsep-mus-oracle computes them (IBM.py, IRM.py, MWF.py; Stöter,
 * Liutkus, Ito, "The 2018 Signal Separation Evaluation Campaign", LVA/ICA
 * 2018).  They read the true sources (flag SB_BACKEND_ORACLE) and give an
 * upper bound for time-frequency masking.
 *
 * All use the STFT of metrics/stft.h (scipy conventions, periodic Hann,
 * nfft 2048, hop nfft/2).  X is the STFT of the MIXTURE, Y_j that of
 * reference j, eps = 2.220446049250313e-16 (numpy float eps), and every
 * estimate is istft(M_j * X) cut to the mixture's length:
 *
 *   irm1, irm2  ideal ratio mask, per channel:
 *               M_j = |Y_j|^a / (eps + sum_k |Y_k|^a), a = 1 resp. 2;
 *   ibm1, ibm2  ideal binary mask, per channel:
 *               M_j = 1 if |Y_j|^a / (eps + |X|^a) >= theta else 0,
 *               a = 1 resp. 2, theta = 0.5 (masks of different targets may
 *               overlap or leave bins empty: they need not sum to 1);
 *   mwf         multichannel Wiener filter (stereo only): per source a
 *               time-invariant spatial covariance R_j(f) and a PSD
 *               P_j(f, t), Y_j = P_j R_j (sum_k P_k R_k)^-1 X.
 *
 * Options ("key=value,..."): alpha=A (exponent, 0.1..10; irm/ibm),
 * theta=T (0..1; ibm), reg=R (diagonal loading of the MWF's spatial
 * covariances, 0..1, default eps as the reference; use e.g. 1e-9 when a
 * source is exactly rank-1, i.e. a digitally panned mono source, where the
 * reference MWF is numerically unstable), nfft=N (even, 16..65536; all).
 *
 * The targets must be disjoint sources that add up to the mixture (MUSDB:
 * vocals, drums, bass, other); derived targets such as accompaniment are
 * the caller's sum of estimates, as in the reference scripts.
 *
 * Deviations from sigsep-mus-oracle: see backends/oracle.c.
 *
 * Workload: one call per track (3-10 min, stereo, 44.1 kHz, 4 targets);
 * the track is streamed frame by frame, so memory is a few frames per
 * target.  Each instance owns its FFTW plans and runs single-threaded
 * (the scheduler parallelises over tracks).
 */
#ifndef SB_BACKENDS_ORACLE_H
#define SB_BACKENDS_ORACLE_H

#include "sepbench/backend.h"

/* Static descriptions of the oracle backends; never NULL. */
const sb_backend_api *sb_backend_irm1(void);
const sb_backend_api *sb_backend_irm2(void);
const sb_backend_api *sb_backend_ibm1(void);
const sb_backend_api *sb_backend_ibm2(void);
const sb_backend_api *sb_backend_mwf(void);

#endif /* SB_BACKENDS_ORACLE_H */
