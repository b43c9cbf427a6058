/*
 * metrics/bsseval_filter.c — BSS Eval in filter mode (v4 framewise, and
 * the whole signal in v3 or v4; metrics/bsseval_parts.h): the filters come
 * from the whole track; in each frame every energy of museval's
 * decomposition is a quadratic form of a coefficient vector with the
 * frame's block-Toeplitz Gram matrix, evaluated exactly through the
 * circulant embedding of each Toeplitz block (see metrics/bsseval.c), or a
 * dot product with the frame's correlations.  The whole-track values of a
 * framewise object are one more such range, [0, T), with the whole-track
 * Gram and correlations the frames already yield (issue 14).
 */
#include <config.h>

#include <fftw3.h>
#include <stdlib.h>
#include <string.h>

#include "common/first_error.h"
#include "metrics/bsseval_parts.h"
#include "metrics/timeproj.h"

/* sum_{k,k'} (1/N) sum_f E_kk'(f) V_k(f) conj(V_k'(f)) for the channel
 * spectra v[k] (NULL = zero channel); E holds k <= k' (others by
 * conjugation). */
static double quad_form(const sb_bsseval *b, const fftw_complex *E, const fftw_complex *const *v)
{
  const int m = b->m, nb = b->n_bin2, last = b->n_fft2 / 2;
  double total = 0.0;
  for (int k = 0; k < m; k++) {
    if (!v[k])
      continue;
    for (int kp = k; kp < m; kp++) {
      const fftw_complex *e = E + ((size_t)k * m + kp) * nb, *x = v[k], *y = v[kp];
      double acc = 0.0, edge;
      if (!y)
        continue;
      for (int f = 1; f < last; f++) {
        double zr = e[f][0] * x[f][0] - e[f][1] * x[f][1];
        double zi = e[f][0] * x[f][1] + e[f][1] * x[f][0];
        acc += zr * y[f][0] + zi * y[f][1];
      }
      acc *= 2.0;
      edge = (e[0][0] * x[0][0] - e[0][1] * x[0][1]) * y[0][0] +
             (e[0][0] * x[0][1] + e[0][1] * x[0][0]) * y[0][1];
      edge += (e[last][0] * x[last][0] - e[last][1] * x[last][1]) * y[last][0] +
              (e[last][0] * x[last][1] + e[last][1] * x[last][0]) * y[last][1];
      acc += edge;
      total += (kp == k ? 1.0 : 2.0) * acc;
    }
  }
  return total / b->n_fft2;
}

/* Circulant-embedding spectra of the Toeplitz blocks of the Gram matrix of
 * R (k <= k' only): t_kk'[l] = R(l)[k][k'] (l >= 0), R(-l)[k'][k] (l < 0). */
static sb_err gram_spectra(const sb_bsseval *b, const double *R, fftw_complex *E)
{
  const int m = b->m, L = b->L, N = b->n_fft2;
  double *buf = fftw_malloc(sizeof(double) * (size_t)N);
  if (!buf)
    return SB_ENOMEM;
  for (int k = 0; k < m; k++)
    for (int kp = k; kp < m; kp++) {
      memset(buf, 0, sizeof(double) * (size_t)N);
      for (int l = 0; l < L; l++)
        buf[l] = R[((size_t)l * m + k) * m + kp];
      for (int l = 1; l < L; l++)
        buf[N - l] = R[((size_t)l * m + kp) * m + k];
      fftw_execute_dft_r2c(b->plan2, buf, E + ((size_t)k * m + kp) * b->n_bin2);
    }
  fftw_free(buf);
  return SB_OK;
}

/* FFT of L taps (zero-padded to n_fft2). */
static void taps_spectrum(const sb_bsseval *b, double *buf, const double *taps, fftw_complex *out)
{
  memset(buf, 0, sizeof(double) * (size_t)b->n_fft2);
  memcpy(buf, taps, sizeof(double) * (size_t)b->L);
  fftw_execute_dft_r2c(b->plan2, buf, out);
}

/* Per-pair data of filter mode. */
typedef struct pair_filters {
  double *cj;            /* I outputs x m channels x L taps (zero outside the target) */
  fftw_complex *u_cj;    /* spectra of Cj, [(c m + k) n_bin2 + f], only target channels */
  fftw_complex *u_diff;  /* spectra of C - Cj, all channels */
  fftw_complex *u_spat;  /* spectra of Cj - delta, target channels */
} pair_filters;

/* frame_sink for the reference/estimate correlations: lags 0..L-1 of
 * frame k, [((k n_x n_y) + pair) L + lag]. */
typedef struct d_sink_ctx {
  const sb_bsseval *b;
  int n_xy;
  double *d_frame;
} d_sink_ctx;

static void d_sink(void *ctx, int64_t k, const double *corr)
{
  const d_sink_ctx *c = ctx;
  const int L = c->b->L;
  double *dst = c->d_frame + (size_t)k * c->n_xy * L;
  for (int i = 0; i < c->n_xy; i++)
    memcpy(dst + (size_t)i * L, corr + (size_t)i * c->b->n_lag + (L - 1), sizeof(double) * (size_t)L);
}

/* What filter mode computes once per call, before the frames: the
 * correlations of the references with the estimates' channels (column y =
 * e I + c) over the whole track and per frame, the all-source filters C
 * of every column and their spectra, the per-pair filters. */
typedef struct filter_call {
  int n_y;
  double *corr;       /* m x n_y x n_lag, whole track */
  double *d_frame;    /* framewise: lags 0..L-1 of every frame (d_sink) */
  double *coef;       /* C: [(y m + k) L + a] */
  fftw_complex *u_c;  /* spectra of C: [(y m + k) n_bin2 + f] */
  pair_filters *pf;   /* n_pair */
  double *tp_artif;   /* whole track: ||e - P e||^2, then ||P e||^2, per estimate
                         (timeproj.h); NULL framewise without whole values */
  double *rhs;        /* scratch: n_y m L right-hand sides */
  double *buf;        /* scratch: n_fft2 FFT input */
} filter_call;

static void filter_call_free(filter_call *fc, int n_pair)
{
  if (fc->pf)
    for (int p = 0; p < n_pair; p++) {
      free(fc->pf[p].cj);
      fftw_free(fc->pf[p].u_cj);
      fftw_free(fc->pf[p].u_diff);
      fftw_free(fc->pf[p].u_spat);
    }
  free(fc->pf);
  free(fc->tp_artif);
  free(fc->corr);
  free(fc->d_frame);
  free(fc->coef);
  fftw_free(fc->u_c);
  fftw_free(fc->buf);
  free(fc->rhs);
}

/* D over the whole track (and of every frame when per_frame), then the
 * all-source filters C of every estimate channel and their spectra. */
static sb_err all_source_filters(const sb_bsseval *b, const est_set *es, int per_frame, filter_call *fc)
{
  const int m = b->m, L = b->L, nb = b->n_bin2, n_y = fc->n_y;
  int *cols = malloc(sizeof(int) * (size_t)n_y);
  sb_err err = SB_OK;
  if (!cols)
    return SB_ENOMEM;
  for (int y = 0; y < n_y; y++)
    cols[y] = y;
  if (!per_frame) {
    err = sb_bss_corr_whole(b, &b->ref, m, b->ref_idx, es->view, n_y, es->col, 0, fc->corr);
  } else {
    d_sink_ctx ctx;
    fc->d_frame = malloc(sizeof(double) * (size_t)m * n_y * L * (size_t)b->n_frames);
    if (!fc->d_frame) {
      err = SB_ENOMEM;
      goto done;
    }
    ctx.b = b;
    ctx.n_xy = m * n_y;
    ctx.d_frame = fc->d_frame;
    err = sb_bss_frames_and_whole(b, &b->ref, m, b->ref_idx, es->view, n_y, es->col, 0, d_sink, &ctx, fc->corr);
  }
  if (err != SB_OK)
    goto done;
  if (b->all.n_keep > 0) {
    const int nk = b->all.n_keep;
    sb_bss_fill_rhs(fc->corr, n_y, b->n_lag, L, b->all.keep, nk, cols, n_y, fc->rhs);
    err = sb_bss_gram_solve(&b->all, L, n_y, fc->rhs);
    if (err != SB_OK)
      goto done;
    for (int y = 0; y < n_y; y++)
      for (int a = 0; a < nk; a++)
        memcpy(fc->coef + ((size_t)y * m + b->all.keep[a]) * L, fc->rhs + ((size_t)y * nk + a) * L,
               sizeof(double) * (size_t)L);
  }
  for (int y = 0; y < n_y; y++)
    for (int k = 0; k < m; k++)
      taps_spectrum(b, fc->buf, fc->coef + ((size_t)y * m + k) * L, fc->u_c + ((size_t)y * m + k) * nb);
done:
  free(cols);
  return err;
}

/* Pair p (target j, estimate slot e): Cj and the spectra of Cj, C - Cj,
 * Cj - delta. */
static sb_err pair_filters_make(const sb_bsseval *b, int j, int e, filter_call *fc, pair_filters *f)
{
  const int m = b->m, I = b->n_chan, L = b->L, nb = b->n_bin2, n_y = fc->n_y;
  const gram_sys *g = &b->src[j];
  f->cj = calloc((size_t)I * m * L, sizeof(double));
  f->u_cj = fftw_malloc(sizeof(fftw_complex) * (size_t)I * m * nb);
  f->u_diff = fftw_malloc(sizeof(fftw_complex) * (size_t)I * m * nb);
  f->u_spat = fftw_malloc(sizeof(fftw_complex) * (size_t)I * m * nb);
  if (!f->cj || !f->u_cj || !f->u_diff || !f->u_spat)
    return SB_ENOMEM;
  if (g->n_keep > 0) {
    int ecols[64];
    sb_err err;
    for (int c = 0; c < I; c++)
      ecols[c] = e * I + c;
    sb_bss_fill_rhs(fc->corr, n_y, b->n_lag, L, g->keep, g->n_keep, ecols, I, fc->rhs);
    err = sb_bss_gram_solve(g, L, I, fc->rhs);
    if (err != SB_OK)
      return err;
    for (int c = 0; c < I; c++)
      for (int a = 0; a < g->n_keep; a++)
        memcpy(f->cj + ((size_t)c * m + g->keep[a]) * L, fc->rhs + ((size_t)c * g->n_keep + a) * L,
               sizeof(double) * (size_t)L);
  }
  for (int c = 0; c < I; c++)
    for (int k = 0; k < m; k++) {
      size_t o = ((size_t)c * m + k) * nb;
      const fftw_complex *uc = fc->u_c + ((size_t)(e * I + c) * m + k) * nb;
      taps_spectrum(b, fc->buf, f->cj + ((size_t)c * m + k) * L, f->u_cj + o);
      for (int q = 0; q < nb; q++) {
        f->u_diff[o + q][0] = uc[q][0] - f->u_cj[o + q][0];
        f->u_diff[o + q][1] = uc[q][1] - f->u_cj[o + q][1];
        f->u_spat[o + q][0] = f->u_cj[o + q][0] - (k == j * I + c ? 1.0 : 0.0);
        f->u_spat[o + q][1] = f->u_cj[o + q][1];
      }
    }
  return SB_OK;
}

/* A thread's buffers for the frames of filter mode. */
typedef struct filter_work {
  fftw_complex *E;          /* m m n_bin2 Gram spectra of the frame */
  double *p_est;            /* ||P e||^2 per estimate */
  double *scratch;          /* 2 SB_SPAN_MAX */
  const fftw_complex **v;   /* m channel spectra */
} filter_work;

/* A range evaluated as one frame: [t0, t1), its Gram R, its correlations
 * with the estimates' channels (lags 0..L-1 at off in rows of stride),
 * the pairs' energies when computed beforehand (NULL: per pair over the
 * range), the time-domain artifact energies (whole track: fc->tp_artif;
 * NULL otherwise), and where pair p's criteria go: index idx0 + p step
 * of out. */
typedef struct range_eval {
  int64_t t0, t1;
  const double *R, *d;
  size_t stride, off;
  const frame_energy *fe;
  const double *tp;
  size_t idx0, step;
  const sb_bss_out *out;
} range_eval;

/* The criteria of every pair over the range rg: quadratic forms with its
 * Gram spectra, dot products with its correlations. */
static sb_err filter_range(const sb_bsseval *b, int n_pair, const sb_bss_pair *pair, const est_set *es,
                           const filter_call *fc, const range_eval *rg, filter_work *w)
{
  const int m = b->m, I = b->n_chan, L = b->L, nb = b->n_bin2, n_y = fc->n_y;
  sb_err err = gram_spectra(b, rg->R, w->E);
  if (err != SB_OK)
    return err;
  /* ||P e||^2 per estimate */
  for (int e = 0; e < es->n_est; e++) {
    double acc = 0.0;
    for (int c = 0; c < I; c++) {
      for (int q = 0; q < m; q++)
        w->v[q] = fc->u_c + ((size_t)(e * I + c) * m + q) * nb;
      acc += quad_form(b, w->E, w->v);
    }
    w->p_est[e] = acc;
  }
  for (int p = 0; p < n_pair; p++) {
    const int j = pair[p].target, e = es->of_pair[p];
    const pair_filters *f = &fc->pf[p];
    frame_energy fe;
    double q = 0.0, interf = 0.0, spat = 0.0, lin_p = 0.0, lin_q = 0.0;
    double pp = w->p_est[e], artif, filt_err;
    if (rg->fe)
      fe = rg->fe[p];
    else if ((err = sb_bss_pair_energy(b, j, es->view, pair[p].est, rg->t0, rg->t1, w->scratch, &fe)) != SB_OK)
      return err;
    for (int c = 0; c < I; c++) {
      for (int r = 0; r < m; r++)
        w->v[r] = r / I == j ? f->u_cj + ((size_t)c * m + r) * nb : NULL;
      q += quad_form(b, w->E, w->v);
      for (int r = 0; r < m; r++)
        w->v[r] = r / I == j ? f->u_spat + ((size_t)c * m + r) * nb : NULL;
      spat += quad_form(b, w->E, w->v);
      for (int r = 0; r < m; r++)
        w->v[r] = f->u_diff + ((size_t)c * m + r) * nb;
      interf += quad_form(b, w->E, w->v);
      for (int r = 0; r < m; r++) {
        const double *d = rg->d + ((size_t)r * n_y + e * I + c) * rg->stride + rg->off;
        const double *cp = fc->coef + ((size_t)(e * I + c) * m + r) * L;
        const double *cq = f->cj + ((size_t)c * m + r) * L;
        for (int a = 0; a < L; a++) {
          lin_p += cp[a] * d[a];
          lin_q += cq[a] * d[a];
        }
      }
    }
    artif = rg->tp ? rg->tp[e] : fe.e - 2.0 * lin_p + pp;
    if (rg->tp)
      pp = rg->tp[es->n_est + e];
    filt_err = fe.e - 2.0 * lin_q + q;
    sb_bss_write_crit(b, rg->idx0 + (size_t)p * rg->step, &fe, spat, interf, artif, q, pp, filt_err,
                      rg->out->sdr, rg->out->isr, rg->out->sir, rg->out->sar);
  }
  return SB_OK;
}

/* Frame k of b as a range (the whole track when b->whole). */
static sb_err filter_frame(const sb_bsseval *b, int n_pair, const sb_bss_pair *pair, const est_set *es,
                           const filter_call *fc, int64_t k, const sb_bss_out *out, filter_work *w)
{
  const size_t per = (size_t)b->L * b->m * b->m;
  range_eval rg;
  sb_bss_frame_bounds(b, k, &rg.t0, &rg.t1);
  rg.R = b->whole ? b->R_whole : b->R_frame + per * (size_t)k;
  rg.d = b->whole ? fc->corr : fc->d_frame + (size_t)k * b->m * fc->n_y * b->L;
  rg.stride = b->whole ? (size_t)b->n_lag : (size_t)b->L;
  rg.off = b->whole ? (size_t)(b->L - 1) : 0;
  rg.fe = NULL;
  rg.tp = b->whole ? fc->tp_artif : NULL;
  rg.idx0 = (size_t)k;
  rg.step = (size_t)b->n_frames;
  rg.out = out;
  return filter_range(b, n_pair, pair, es, fc, &rg, w);
}

/* Energies of the pairs over the whole track: ||s||^2 once per target and
 * ||e||^2 once per estimate (sb_bss_energy), ||e - s||^2 (a pass per
 * pair) only when with_err; <e, s> is not used in filter mode. */
static sb_err whole_energies(const sb_bsseval *b, int n_pair, const sb_bss_pair *pair, const est_set *es,
                             int with_err, double *scratch, frame_energy *fe)
{
  for (int p = 0; p < n_pair; p++) {
    int q;
    sb_err err = SB_OK;
    if (with_err) {
      if ((err = sb_bss_pair_energy(b, pair[p].target, es->view, pair[p].est, 0, b->T, scratch, &fe[p])) != SB_OK)
        return err;
      continue;
    }
    fe[p].err = fe[p].es = 0.0;
    for (q = 0; q < p && pair[q].target != pair[p].target; q++)
      ;
    if (q < p)
      fe[p].s = fe[q].s;
    else
      err = sb_bss_energy(b, &b->ref, pair[p].target, 0, b->T, scratch, &fe[p].s);
    for (q = 0; q < p && es->of_pair[q] != es->of_pair[p]; q++)
      ;
    if (q < p)
      fe[p].e = fe[q].e;
    else if (err == SB_OK)
      err = sb_bss_energy(b, es->view, pair[p].est, 0, b->T, scratch, &fe[p].e);
    if (err != SB_OK)
      return err;
  }
  return SB_OK;
}

/* Every pair over the whole track [0, T) of a framewise object: R_whole,
 * the whole-track correlations and artifact energies, into out[p]. */
static sb_err filter_whole(const sb_bsseval *b, int n_pair, const sb_bss_pair *pair, const est_set *es,
                           const filter_call *fc, const sb_bss_out *out, filter_work *w)
{
  frame_energy *fe = malloc(sizeof *fe * (size_t)n_pair);
  range_eval rg;
  sb_err err = fe ? SB_OK : SB_ENOMEM;
  if (err == SB_OK)
    err = whole_energies(b, n_pair, pair, es, b->opts.crit == SB_CRIT_IMAGES && out->sdr, w->scratch, fe);
  rg.t0 = 0;
  rg.t1 = b->T;
  rg.R = b->R_whole;
  rg.d = fc->corr;
  rg.stride = (size_t)b->n_lag;
  rg.off = (size_t)(b->L - 1);
  rg.fe = fe;
  rg.tp = fc->tp_artif;
  rg.idx0 = 0;
  rg.step = 1;
  rg.out = out;
  if (err == SB_OK)
    err = filter_range(b, n_pair, pair, es, fc, &rg, w);
  free(fe);
  return err;
}

/* The whole signal: ||e_artif||^2 and ||P e||^2 in the time domain
 * (timeproj.h), as museval forms e_artif, instead of the expansion
 * ||e||^2 - 2 C^T d + C^T G C whose rounding a high SAR amplifies. */
static sb_err whole_residual(const sb_bsseval *b, const est_set *es, filter_call *fc)
{
  const int I = b->n_chan;
  int *idx = malloc(sizeof(int) * (size_t)es->n_est);
  sb_err err;
  fc->tp_artif = malloc(sizeof(double) * 2 * (size_t)es->n_est);
  err = idx && fc->tp_artif ? SB_OK : SB_ENOMEM;
  for (int e = 0; e < es->n_est && err == SB_OK; e++)
    idx[e] = es->col[(size_t)e * I] / I;
  if (err == SB_OK)
    err = sb_timeproj_residual(&b->ref, es->view, b->L, es->n_est, idx, fc->coef, fc->tp_artif,
                               fc->tp_artif + es->n_est);
  free(idx);
  return err;
}

/* 1 when some frame is to be computed: an output asked for and a frame
 * not skipped. */
static int frames_needed(const sb_bsseval *b, const unsigned char *skip, const sb_bss_out *fr)
{
  if (!fr->sdr && !fr->isr && !fr->sir && !fr->sar)
    return 0;
  for (int64_t k = 0; k < b->n_frames; k++)
    if (!skip || !skip[k])
      return 1;
  return 0;
}

sb_err sb_bss_eval_filter_mode(sb_bsseval *b, int n_pair, const sb_bss_pair *pair, const est_set *es,
                               const unsigned char *skip, const sb_bss_out *frames, const sb_bss_out *whole)
{
  const int m = b->m, I = b->n_chan, L = b->L, nb = b->n_bin2, n_y = es->n_est * I;
  const int frames_on = frames_needed(b, skip, frames), per_frame = frames_on && !b->whole;
  /* k = -1: the whole track of a framewise object */
  const int64_t k0 = whole ? -1 : 0;
  filter_call fc = {0};
  sb_err err = SB_OK;

  fc.n_y = n_y;
  fc.corr = malloc(sizeof(double) * (size_t)m * n_y * b->n_lag);
  fc.coef = calloc((size_t)n_y * m * L, sizeof(double));
  fc.u_c = fftw_malloc(sizeof(fftw_complex) * (size_t)n_y * m * nb);
  fc.buf = fftw_malloc(sizeof(double) * (size_t)b->n_fft2);
  fc.pf = calloc((size_t)n_pair, sizeof *fc.pf);
  fc.rhs = malloc(sizeof(double) * (size_t)n_y * m * L);
  if (!fc.corr || !fc.coef || !fc.u_c || !fc.buf || !fc.pf || !fc.rhs) {
    err = SB_ENOMEM;
    goto done;
  }
  if ((err = all_source_filters(b, es, per_frame, &fc)) != SB_OK)
    goto done;
  for (int p = 0; p < n_pair && err == SB_OK; p++)
    err = pair_filters_make(b, pair[p].target, es->of_pair[p], &fc, &fc.pf[p]);
  if (err != SB_OK)
    goto done;
  if ((b->whole || whole) && (err = whole_residual(b, es, &fc)) != SB_OK)
    goto done;

  /* the whole track first (it reads the whole signals), then the frames */
#ifdef _OPENMP
#pragma omp parallel
#endif
  {
    filter_work w;
    sb_err terr;
    w.E = fftw_malloc(sizeof(fftw_complex) * (size_t)m * m * nb);
    w.p_est = malloc(sizeof(double) * (size_t)es->n_est);
    w.scratch = malloc(sizeof(double) * 2 * (size_t)SB_SPAN_MAX);
    w.v = malloc(sizeof(*w.v) * (size_t)m);
    terr = (w.E && w.p_est && w.v && w.scratch) ? SB_OK : SB_ENOMEM;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (int64_t k = k0; k < b->n_frames; k++) {
      if (terr != SB_OK)
        continue;
      if (k < 0)
        terr = filter_whole(b, n_pair, pair, es, &fc, whole, &w);
      else if (!sb_bss_skipped(b, skip, k, n_pair, frames->sdr, frames->isr, frames->sir, frames->sar) &&
               frames_on)
        terr = filter_frame(b, n_pair, pair, es, &fc, k, frames, &w);
    }
    sb_first_error_keep(&err, terr);
    fftw_free(w.E);
    free(w.p_est);
    free(w.scratch);
    free(w.v);
  }

done:
  filter_call_free(&fc, n_pair);
  return err;
}
