/*
 * backends/oracle.c — IRM, IBM and MWF oracle baselines following
 * sigsep/sigsep-mus-oracle (IRM.py, IBM.py, MWF.py at commit 1590b09), the
 * code behind the SiSEC 2018 oracle scores.  The arithmetic follows the
 * reference step by step (numpy's |z| = hypot, its Smith complex division,
 * the order of every sum), so that estimates agree with it to rounding.
 *
 * Streaming: a mask at (t, f) depends only on frame t, so every frame is
 * transformed, masked, inverted and overlap-added before the next one; the
 * MWF makes two such passes per source (its spatial covariances average
 * over all frames first).  Cost per channel and frame: 1 + 2J FFTs of nfft
 * points for J targets (MWF: 2J more for the first pass).
 *
 * Deviations from sigsep-mus-oracle, all deliberate:
 *  - signals shorter than nfft are zero-padded (scipy shrinks nperseg to the
 *    signal length instead, or fails);
 *  - MWF: the reference normalises R_j with np.trace(R_j) on the (F, I, I)
 *    array, i.e. column i2 is scaled by I / (R_j[0,0,i2] + R_j[1,1,i2]) —
 *    mixing frequency bins 0 and 1.  That is reproduced, except that a
 *    zero divisor (a digitally silent source) leaves the column unscaled,
 *    so the silent source's estimate is 0 where the reference turns every
 *    estimate of the track into NaN;
 *  - MWF: the reference stores the Wiener gain in complex64; that rounding
 *    is reproduced (each partial sum rounded to float), not avoided.
 *
 * Known weakness kept by default: the MWF loads R_j with only eps I.  For a
 * source whose two channels are exactly proportional (a mono source panned
 * digitally) R_j is singular, R_j^-1 ~ 1/eps, and the PSDs and gains become
 * rounding noise: the reference and this code then both produce arbitrary
 * (possibly huge) estimates, and differently.  The option reg=1e-9 loads
 * the diagonal with 1e-9 instead and makes such sources well-behaved; on
 * full-rank sources it moves estimates by ~4e-8 (measured on the test
 * fixture; mostly flipped complex64 roundings).
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/stft.h"
#include "backends/oracle.h"
#include "backends/api.h"

/* np.finfo(float).eps, the reference's guard against 0/0. */
#define ORACLE_EPS DBL_EPSILON

typedef enum oracle_method { ORACLE_IRM, ORACLE_IBM, ORACLE_MWF } oracle_method;

typedef struct oracle_kind {
  const char *name;
  oracle_method method;
  double alpha; /* default exponent of |STFT| (unused by the MWF) */
} oracle_kind;

static const oracle_kind kind_irm1 = {"irm1", ORACLE_IRM, 1.0};
static const oracle_kind kind_irm2 = {"irm2", ORACLE_IRM, 2.0};
static const oracle_kind kind_ibm1 = {"ibm1", ORACLE_IBM, 1.0};
static const oracle_kind kind_ibm2 = {"ibm2", ORACLE_IBM, 2.0};
static const oracle_kind kind_mwf = {"mwf", ORACLE_MWF, 2.0};

typedef struct oracle {
  const oracle_kind *kind;
  double alpha;
  double theta;
  double reg; /* MWF: diagonal loading of the normalised R_j */
  sb_stft *stft;
} oracle;

/* ---- complex helpers, numpy's formulas --------------------------------- */

static inline void cmul(double ar, double ai, double br, double bi, double *cr, double *ci)
{
  *cr = ar * br - ai * bi;
  *ci = ar * bi + ai * br;
}

/* numpy's complex division (Smith's algorithm, as in its CDOUBLE_divide). */
static inline void cdiv(double ar, double ai, double br, double bi, double *cr, double *ci)
{
  const double abs_br = fabs(br), abs_bi = fabs(bi);

  if (abs_br >= abs_bi) {
    if (abs_br == 0.0 && abs_bi == 0.0) {
      *cr = ar / abs_br;
      *ci = ai / abs_br;
    } else {
      const double rat = bi / br, scl = 1.0 / (br + bi * rat);
      *cr = (ar + ai * rat) * scl;
      *ci = (ai - ar * rat) * scl;
    }
  } else {
    const double rat = br / bi, scl = 1.0 / (bi + br * rat);
    *cr = (ar * rat + ai) * scl;
    *ci = (ai * rat - ar) * scl;
  }
}

/* |z|^alpha with |z| = hypot (numpy's abs of a complex). */
static inline double magnitude_pow(const double *z, double alpha)
{
  const double mag = hypot(z[0], z[1]);

  if (alpha == 1.0)
    return mag;
  if (alpha == 2.0)
    return mag * mag;
  return pow(mag, alpha);
}

/* ---- create / destroy --------------------------------------------------- */

static void oracle_destroy(void *state)
{
  oracle *o = state;

  if (!o)
    return;
  sb_stft_free(&o->stft);
  free(o);
}

static sb_err oracle_create(const oracle_kind *kind, void **state, const char *options, char *errbuf,
                            size_t errlen)
{
  double alpha = kind->alpha, theta = 0.5, nfft = 2048.0, reg = ORACLE_EPS;
  sb_backend_option opts[3];
  size_t n_opts = 0;
  oracle *o;
  sb_err err;

  if (!state)
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "%s: no state pointer", kind->name);
  *state = NULL;
  if (kind->method != ORACLE_MWF)
    opts[n_opts++] = (sb_backend_option){"alpha", 0.1, 10.0, 0, &alpha};
  if (kind->method == ORACLE_IBM)
    opts[n_opts++] = (sb_backend_option){"theta", 0.0, 1.0, 0, &theta};
  if (kind->method == ORACLE_MWF)
    opts[n_opts++] = (sb_backend_option){"reg", 0.0, 1.0, 0, &reg};
  opts[n_opts++] = (sb_backend_option){"nfft", 16.0, 65536.0, 1, &nfft};
  err = sb_backend_parse_options(kind->name, options, opts, n_opts, errbuf, errlen);
  if (err != SB_OK)
    return err;
  if ((int64_t)nfft % 2 != 0)
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "%s: option nfft=%g: must be even", kind->name, nfft);

  o = calloc(1, sizeof *o);
  if (!o)
    return sb_backend_error(errbuf, errlen, SB_ENOMEM, "%s: out of memory", kind->name);
  o->kind = kind;
  o->alpha = alpha;
  o->theta = theta;
  o->reg = reg;
  if (sb_stft_new((size_t)nfft, (size_t)nfft / 2, &o->stft) != SB_OK) {
    free(o);
    return sb_backend_error(errbuf, errlen, SB_ENOMEM, "%s: out of memory for the STFT", kind->name);
  }
  *state = o;
  return SB_OK;
}

/* ---- IRM / IBM ------------------------------------------------------------ */

/* Per channel and frame: X = STFT(mix), P_j = |STFT(ref_j)|^alpha, the mask,
 * then istft(M_j X) overlap-added into est_j. */
static sb_err mask_separate(oracle *o, const sb_separation *job)
{
  const size_t n_bins = sb_stft_n_bins(o->stft);
  const int64_t n = job->n_samples;
  const int n_targets = job->n_targets;
  const int is_irm = o->kind->method == ORACLE_IRM;
  fftw_complex *mix_bins = fftw_malloc(n_bins * sizeof *mix_bins);
  fftw_complex *bins = fftw_malloc(n_bins * sizeof *bins);
  double *power = malloc((size_t)n_targets * n_bins * sizeof *power);
  double *denom = malloc(n_bins * sizeof *denom);
  int64_t n_frames = 0, t;
  size_t k;
  int c, j;
  sb_err err = SB_OK;

  if (!mix_bins || !bins || !power || !denom) {
    err = sb_backend_error(job->errbuf, job->errlen, SB_ENOMEM, "%s: %s: out of memory", o->kind->name,
                           job->track ? job->track : "?");
    goto done;
  }
  sb_stft_n_frames(o->stft, n, &n_frames);
  for (c = 0; c < job->n_chan; c++) {
    const double *mix = job->mix + (size_t)c * (size_t)n;
    for (t = 0; t < n_frames; t++) {
      sb_stft_forward_frame(o->stft, mix, n, t, mix_bins);
      for (j = 0; j < n_targets; j++) {
        double *p = power + (size_t)j * n_bins;
        sb_stft_forward_frame(o->stft, job->refs[j] + (size_t)c * (size_t)n, n, t, bins);
        for (k = 0; k < n_bins; k++)
          p[k] = magnitude_pow(bins[k], o->alpha);
      }
      if (is_irm) {
        /* model = eps + P_0 + P_1 + ... in target order */
        for (k = 0; k < n_bins; k++)
          denom[k] = ORACLE_EPS;
        for (j = 0; j < n_targets; j++)
          for (k = 0; k < n_bins; k++)
            denom[k] += power[(size_t)j * n_bins + k];
      } else {
        for (k = 0; k < n_bins; k++)
          denom[k] = ORACLE_EPS + magnitude_pow(mix_bins[k], o->alpha);
      }
      for (j = 0; j < n_targets; j++) {
        const double *p = power + (size_t)j * n_bins;
        for (k = 0; k < n_bins; k++) {
          double mask = p[k] / denom[k];
          if (!is_irm)
            mask = mask >= o->theta ? 1.0 : 0.0;
          bins[k][0] = mix_bins[k][0] * mask;
          bins[k][1] = mix_bins[k][1] * mask;
        }
        sb_stft_add_frame(o->stft, bins, t, job->est[j] + (size_t)c * (size_t)n, n);
      }
    }
    for (j = 0; j < n_targets; j++)
      sb_stft_normalize(o->stft, n_frames, job->est[j] + (size_t)c * (size_t)n, n);
  }
done:
  fftw_free(mix_bins);
  fftw_free(bins);
  free(power);
  free(denom);
  return err;
}

/* ---- MWF (stereo) ---------------------------------------------------------- */

/* A 2x2 complex matrix per bin: 8 doubles, entry (r, c) at 4r + 2c (re, im). */
#define M2(r, c) (4 * (r) + 2 * (c))

/* The reference's invert(M, eps): explicit 2x2 inverse with eps added to
 * the determinant. */
static void invert2(const double *m, double *inv)
{
  double ar, ai, br, bi, dr, di, qr, qi;

  cmul(m[M2(0, 0)], m[M2(0, 0) + 1], m[M2(1, 1)], m[M2(1, 1) + 1], &ar, &ai);
  cmul(m[M2(0, 1)], m[M2(0, 1) + 1], m[M2(1, 0)], m[M2(1, 0) + 1], &br, &bi);
  dr = (ORACLE_EPS + ar) - br;
  di = ai - bi;
  cdiv(1.0, 0.0, dr, di, &qr, &qi);
  cmul(qr, qi, m[M2(1, 1)], m[M2(1, 1) + 1], &inv[M2(0, 0)], &inv[M2(0, 0) + 1]);
  cmul(-qr, -qi, m[M2(1, 0)], m[M2(1, 0) + 1], &inv[M2(1, 0)], &inv[M2(1, 0) + 1]);
  cmul(-qr, -qi, m[M2(0, 1)], m[M2(0, 1) + 1], &inv[M2(0, 1)], &inv[M2(0, 1) + 1]);
  cmul(qr, qi, m[M2(0, 0)], m[M2(0, 0) + 1], &inv[M2(1, 1)], &inv[M2(1, 1) + 1]);
}

/* Observed covariance Y Y^H of one bin (y0, y1: the two channels). */
static void outer2(const double *y0, const double *y1, double *rjj)
{
  const double *y[2] = {y0, y1};
  int r, c;

  for (r = 0; r < 2; r++)
    for (c = 0; c < 2; c++)
      cmul(y[r][0], y[r][1], y[c][0], -y[c][1], &rjj[M2(r, c)], &rjj[M2(r, c) + 1]);
}

/* Rounds to float, as storing into the reference's complex64 gain does. */
static inline double to_float(double v)
{
  return (double)(float)v;
}

typedef struct mwf_work {
  size_t n_bins;
  fftw_complex *x[2];  /* mixture frame, per channel */
  fftw_complex *y[2];  /* reference frame, per channel */
  double *cov;         /* n_targets x n_bins x 8: R_j(f) */
  double *cov_inv;     /* n_targets x n_bins x 8: R_j(f)^-1 */
  double *psd;         /* n_targets x n_bins: P_j(f, t) of the current frame */
  fftw_complex *out;   /* n_targets x 2 x n_bins: estimated frame per target and channel */
} mwf_work;

static void mwf_work_free(mwf_work *w)
{
  int c;

  for (c = 0; c < 2; c++) {
    fftw_free(w->x[c]);
    fftw_free(w->y[c]);
  }
  free(w->cov);
  free(w->cov_inv);
  free(w->psd);
  fftw_free(w->out);
}

/* Pass 1 for target j: R_j(f) = mean_t Y Y^H / (eps + P), normalised by the
 * reference's trace (see the file comment), + reg I (reference: eps I); and
 * its inverse. */
static void mwf_learn_covariance(oracle *o, const sb_separation *job, int j, int64_t n_frames, mwf_work *w)
{
  const size_t n_bins = w->n_bins;
  const int64_t n = job->n_samples;
  double *cov = w->cov + (size_t)j * n_bins * 8, *cov_inv = w->cov_inv + (size_t)j * n_bins * 8;
  double rjj[8], trace[4], inv_frames;
  int64_t t;
  size_t k;
  int e, col;

  memset(cov, 0, n_bins * 8 * sizeof *cov);
  for (t = 0; t < n_frames; t++) {
    sb_stft_forward_frame(o->stft, job->refs[j], n, t, w->y[0]);
    sb_stft_forward_frame(o->stft, job->refs[j] + n, n, t, w->y[1]);
    for (k = 0; k < n_bins; k++) {
      const double mag0 = hypot(w->y[0][k][0], w->y[0][k][1]);
      const double mag1 = hypot(w->y[1][k][0], w->y[1][k][1]);
      const double psd = (mag0 * mag0 + mag1 * mag1) / 2.0;
      const double scale = 1.0 / (ORACLE_EPS + psd);
      outer2(w->y[0][k], w->y[1][k], rjj);
      for (e = 0; e < 8; e++)
        cov[k * 8 + (size_t)e] += rjj[e] * scale;
    }
  }
  inv_frames = 1.0 / (double)n_frames;
  for (k = 0; k < n_bins * 8; k++)
    cov[k] *= inv_frames;

  /* np.trace over axes (0, 1) of the (F, 2, 2) array: one value per column */
  for (col = 0; col < 2; col++) {
    trace[2 * col] = cov[0 * 8 + M2(0, col)] + cov[1 * 8 + M2(1, col)];
    trace[2 * col + 1] = cov[0 * 8 + M2(0, col) + 1] + cov[1 * 8 + M2(1, col) + 1];
  }
  for (k = 0; k < n_bins; k++) {
    double *r = cov + k * 8;
    int row;
    for (row = 0; row < 2; row++)
      for (col = 0; col < 2; col++) {
        double *z = r + M2(row, col);
        if (trace[2 * col] != 0.0 || trace[2 * col + 1] != 0.0)
          cdiv(z[0] * 2.0, z[1] * 2.0, trace[2 * col], trace[2 * col + 1], &z[0], &z[1]);
      }
    r[M2(0, 0)] += o->reg;
    r[M2(1, 1)] += o->reg;
    invert2(r, cov_inv + k * 8);
  }
}

/* Pass 2, one frame: PSDs, mixture covariance, Wiener gains, estimates. */
static void mwf_frame(oracle *o, const sb_separation *job, int64_t t, mwf_work *w)
{
  const size_t n_bins = w->n_bins;
  const int64_t n = job->n_samples;
  const int n_targets = job->n_targets;
  double rjj[8], cxx[8], cxx_inv[8], gain[8], pr, pi;
  size_t k;
  int j, row, col, m;

  sb_stft_forward_frame(o->stft, job->mix, n, t, w->x[0]);
  sb_stft_forward_frame(o->stft, job->mix + n, n, t, w->x[1]);
  for (j = 0; j < n_targets; j++) {
    const double *cov_inv = w->cov_inv + (size_t)j * n_bins * 8;
    double *psd = w->psd + (size_t)j * n_bins;
    sb_stft_forward_frame(o->stft, job->refs[j], n, t, w->y[0]);
    sb_stft_forward_frame(o->stft, job->refs[j] + n, n, t, w->y[1]);
    for (k = 0; k < n_bins; k++) {
      const double *ri = cov_inv + k * 8;
      double p = 0.0;
      outer2(w->y[0][k], w->y[1][k], rjj);
      /* P = sum over (i1, i2) of Re(Rinv[i1, i2] Rjj[i2, i1]) / 2 */
      for (row = 0; row < 2; row++)
        for (col = 0; col < 2; col++)
          p += 0.5 * (ri[M2(row, col)] * rjj[M2(col, row)] - ri[M2(row, col) + 1] * rjj[M2(col, row) + 1]);
      psd[k] = p;
    }
  }

  for (k = 0; k < n_bins; k++) {
    /* Cxx = sum_j P_j R_j, in target order */
    memset(cxx, 0, sizeof cxx);
    for (j = 0; j < n_targets; j++) {
      const double *r = w->cov + ((size_t)j * n_bins + k) * 8;
      const double p = w->psd[(size_t)j * n_bins + k];
      for (m = 0; m < 8; m++)
        cxx[m] += p * r[m];
    }
    invert2(cxx, cxx_inv);
    for (j = 0; j < n_targets; j++) {
      const double *r = w->cov + ((size_t)j * n_bins + k) * 8;
      const double p = w->psd[(size_t)j * n_bins + k];
      fftw_complex *out = w->out + (size_t)j * 2 * n_bins;
      /* G = (P_j R_j) Cxx^-1, each partial sum stored as complex64.  The
       * two-term sum is written out: as a loop, GCC 12.2's vectorizer turns
       * it into a vector reduction that drops the float rounding. */
      for (row = 0; row < 2; row++)
        for (col = 0; col < 2; col++) {
          double gr, gi;
          cmul(p * r[M2(row, 0)], p * r[M2(row, 0) + 1], cxx_inv[M2(0, col)], cxx_inv[M2(0, col) + 1], &pr, &pi);
          gr = to_float(pr);
          gi = to_float(pi);
          cmul(p * r[M2(row, 1)], p * r[M2(row, 1) + 1], cxx_inv[M2(1, col)], cxx_inv[M2(1, col) + 1], &pr, &pi);
          gain[M2(row, col)] = to_float(gr + pr);
          gain[M2(row, col) + 1] = to_float(gi + pi);
        }
      /* Y_j = G X */
      for (row = 0; row < 2; row++) {
        double sr = 0.0, si = 0.0;
        for (col = 0; col < 2; col++) {
          cmul(gain[M2(row, col)], gain[M2(row, col) + 1], w->x[col][k][0], w->x[col][k][1], &pr, &pi);
          sr += pr;
          si += pi;
        }
        out[(size_t)row * n_bins + k][0] = sr;
        out[(size_t)row * n_bins + k][1] = si;
      }
    }
  }
  for (j = 0; j < n_targets; j++) {
    const fftw_complex *out = w->out + (size_t)j * 2 * n_bins;
    sb_stft_add_frame(o->stft, out, t, job->est[j], n);
    sb_stft_add_frame(o->stft, out + n_bins, t, job->est[j] + n, n);
  }
}

static sb_err mwf_separate(oracle *o, const sb_separation *job)
{
  mwf_work w;
  const int64_t n = job->n_samples;
  int64_t n_frames = 0, t;
  int c, j;

  if (job->n_chan != 2)
    return sb_backend_error(job->errbuf, job->errlen, SB_ECHAN, "mwf: %s: %d channel(s); the MWF oracle needs stereo",
                            job->track ? job->track : "?", job->n_chan);
  memset(&w, 0, sizeof w);
  w.n_bins = sb_stft_n_bins(o->stft);
  for (c = 0; c < 2; c++) {
    w.x[c] = fftw_malloc(w.n_bins * sizeof *w.x[c]);
    w.y[c] = fftw_malloc(w.n_bins * sizeof *w.y[c]);
  }
  w.cov = malloc((size_t)job->n_targets * w.n_bins * 8 * sizeof *w.cov);
  w.cov_inv = malloc((size_t)job->n_targets * w.n_bins * 8 * sizeof *w.cov_inv);
  w.psd = malloc((size_t)job->n_targets * w.n_bins * sizeof *w.psd);
  w.out = fftw_malloc((size_t)job->n_targets * 2 * w.n_bins * sizeof *w.out);
  if (!w.x[0] || !w.x[1] || !w.y[0] || !w.y[1] || !w.cov || !w.cov_inv || !w.psd || !w.out) {
    mwf_work_free(&w);
    return sb_backend_error(job->errbuf, job->errlen, SB_ENOMEM, "mwf: %s: out of memory",
                            job->track ? job->track : "?");
  }
  sb_stft_n_frames(o->stft, n, &n_frames);
  for (j = 0; j < job->n_targets; j++)
    mwf_learn_covariance(o, job, j, n_frames, &w);
  for (t = 0; t < n_frames; t++)
    mwf_frame(o, job, t, &w);
  for (j = 0; j < job->n_targets; j++)
    for (c = 0; c < 2; c++)
      sb_stft_normalize(o->stft, n_frames, job->est[j] + (size_t)c * (size_t)n, n);
  mwf_work_free(&w);
  return SB_OK;
}

/* ---- the sb_backend_api entries ------------------------------------------ */

static sb_err oracle_separate(void *state, const sb_separation *job)
{
  oracle *o = state;
  sb_err err;
  int j;

  if (!o)
    return sb_backend_error(job ? job->errbuf : NULL, job ? job->errlen : 0, SB_EINVAL, "oracle: no instance");
  err = sb_backend_check_job(o->kind->name, job, 1);
  if (err != SB_OK)
    return err;
  for (j = 0; j < job->n_targets; j++)
    memset(job->est[j], 0, (size_t)job->n_chan * (size_t)job->n_samples * sizeof *job->est[j]);
  return o->kind->method == ORACLE_MWF ? mwf_separate(o, job) : mask_separate(o, job);
}

#define ORACLE_API(id, desc)                                                                     \
  static sb_err id##_create(void **state, const char *options, char *errbuf, size_t errlen)      \
  {                                                                                              \
    return oracle_create(&kind_##id, state, options, errbuf, errlen);                            \
  }                                                                                              \
  static const sb_backend_api id##_api = {                                                       \
    .abi_version = SB_BACKEND_ABI_VERSION,                                                       \
    .name = #id,                                                                                 \
    .description = desc,                                                                         \
    .flags = SB_BACKEND_ORACLE,                                                                  \
    .create = id##_create,                                                                       \
    .separate = oracle_separate,                                                                 \
    .destroy = oracle_destroy,                                                                   \
  };                                                                                             \
  const sb_backend_api *sb_backend_##id(void)                                                    \
  {                                                                                              \
    return &id##_api;                                                                            \
  }

ORACLE_API(irm1, "oracle ideal ratio mask of STFT magnitudes (sigsep-mus-oracle IRM, alpha=1)")
ORACLE_API(irm2, "oracle ideal ratio mask of STFT powers (sigsep-mus-oracle IRM, alpha=2)")
ORACLE_API(ibm1, "oracle ideal binary mask, magnitude ratio >= 0.5 (sigsep-mus-oracle IBM, alpha=1)")
ORACLE_API(ibm2, "oracle ideal binary mask, power ratio >= 0.5 (sigsep-mus-oracle IBM, alpha=2)")
ORACLE_API(mwf, "oracle multichannel Wiener filter, stereo (sigsep-mus-oracle MWF)")
