/*
 * metrics/sisdr.c — SI-SDR, SI-SIR, SI-SAR and SD-SDR (Le Roux et al.,
 * ICASSP 2019; fast_bss_eval numpy/scale_invariant.py si_bss_eval_sources
 * for the SIR/SAR decomposition).  See sisdr.h for the contract.
 *
 * Every pass over the samples is cut into SB_SI_CHUNK-sample chunks; each
 * chunk writes its partial sums to its own slot and the slots are added in
 * chunk order afterwards, so OpenMP scheduling never changes a result.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/first_error.h"
#include "metrics/sisdr.h"

#define SB_SI_CHUNK ((int64_t)4096)
/* A reference whose residual energy after projecting out the earlier
 * basis vectors is at most this fraction of its energy is dropped. */
#define SB_SI_DEPENDENT 1e-12

struct sb_sisdr {
  sb_sources ref;
  int zero_mean;
  int n_src, n_chan;
  int64_t n_samples, n_chunks;
  double *off_chan;  /* [j * n_chan + c]: per-channel mean (0 without zero_mean) */
  double *off_st;    /* [j]: mean over all channels (0 without zero_mean) */
  double *gram_chan; /* [(c * J + k) * J + l] */
  double *gram_st;   /* [k * J + l] */
};

/* 10 log10(num / den) with numpy's conventions for zero denominators. */
static double db_ratio(double num, double den)
{
  if (den == 0.0)
    return num == 0.0 ? NAN : INFINITY;
  return 10.0 * log10(num / den);
}

static double sum_off(const double *x, int64_t n)
{
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; i++)
    sum += x[i];
  return sum;
}

/* sum (x - a)(y - b) over n samples.  The simd reduction's order is fixed
 * at compile time (thread-count independent). */
static double dot_off(const double *x, double a, const double *y, double b, int64_t n)
{
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; i++)
    sum += (x[i] - a) * (y[i] - b);
  return sum;
}

/* Points ptr[i * n_chan + c] at samples [begin, begin + len) of channel c
 * of signal first + i of v, for i < n_sig (len <= SB_SI_CHUNK); scratch
 * holds n_sig * n_chan * SB_SI_CHUNK doubles (used by streamed views). */
static sb_err load_chunk(const sb_sources *v, int first, int n_sig, int64_t begin, int64_t len,
                         double *scratch, const double **ptr)
{
  for (int i = 0; i < n_sig; i++)
    for (int c = 0; c < v->n_chan; c++) {
      size_t slot = (size_t)i * (size_t)v->n_chan + (size_t)c;
      sb_err err = sb_sources_span(v, first + i, c, begin, len, scratch + slot * SB_SI_CHUNK,
                                   &ptr[slot]);
      if (err != SB_OK)
        return err;
    }
  return SB_OK;
}

/* Per-thread chunk buffers: pointers and scratch for n_chan * n_sig
 * channels. */
typedef struct chunk_buf {
  const double **ptr;
  double *scratch;
} chunk_buf;

static sb_err chunk_buf_init(chunk_buf *b, const sb_sources *v, int n_sig)
{
  size_t n = (size_t)n_sig * (size_t)v->n_chan;
  b->ptr = malloc(n * sizeof *b->ptr);
  b->scratch = v->chan ? NULL : malloc(n * (size_t)SB_SI_CHUNK * sizeof *b->scratch);
  return b->ptr && (v->chan || b->scratch) ? SB_OK : SB_ENOMEM;
}

static void chunk_buf_free(chunk_buf *b)
{
  free(b->ptr);
  free(b->scratch);
}

void sb_sisdr_free(sb_sisdr **s)
{
  if (!s || !*s)
    return;
  free((*s)->off_chan);
  free((*s)->off_st);
  free((*s)->gram_chan);
  free((*s)->gram_st);
  free(*s);
  *s = NULL;
}

/* Means of signals first .. first + n_sig - 1 of v: off_chan[i * n_chan + c]
 * and off_st[i] (mean over all channels and samples). */
static sb_err signal_means(const sb_sources *v, int first, int n_sig, int64_t n_chunks,
                           double *off_chan, double *off_st)
{
  const int n_chan = v->n_chan;
  const int64_t n_samples = v->n_samples;
  size_t per_chunk = (size_t)n_sig * (size_t)n_chan;
  double *part = malloc((size_t)n_chunks * per_chunk * sizeof *part);
  sb_err err = SB_OK;
  if (!part)
    return SB_ENOMEM;
#pragma omp parallel
  {
    chunk_buf cb = {NULL, NULL};
    sb_err terr = chunk_buf_init(&cb, v, n_sig);
#pragma omp for schedule(static)
    for (int64_t q = 0; q < n_chunks; q++) {
      int64_t begin = q * SB_SI_CHUNK;
      int64_t len = n_samples - begin < SB_SI_CHUNK ? n_samples - begin : SB_SI_CHUNK;
      if (terr == SB_OK)
        terr = load_chunk(v, first, n_sig, begin, len, cb.scratch, cb.ptr);
      for (size_t i = 0; i < per_chunk && terr == SB_OK; i++)
        part[(size_t)q * per_chunk + i] = sum_off(cb.ptr[i], len);
    }
    sb_first_error_keep(&err, terr);
    chunk_buf_free(&cb);
  }
  if (err != SB_OK) {
    free(part);
    return err;
  }
  for (int i = 0; i < n_sig; i++) {
    double total = 0.0;
    for (int c = 0; c < n_chan; c++) {
      double sum = 0.0;
      size_t slot = (size_t)i * (size_t)n_chan + (size_t)c;
      for (int64_t q = 0; q < n_chunks; q++)
        sum += part[(size_t)q * per_chunk + slot];
      off_chan[slot] = sum / (double)n_samples;
      total += sum;
    }
    off_st[i] = total / ((double)n_samples * n_chan);
  }
  free(part);
  return SB_OK;
}

sb_err sb_sisdr_new(const sb_sources *ref, int zero_mean, sb_sisdr **out)
{
  sb_sisdr *s = NULL;
  double *part = NULL;
  int J, C, n_blocks;
  size_t jj, per_chunk;
  sb_err err = SB_ENOMEM;

  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!sb_sources_readable(ref) || ref->n_src < 1 || ref->n_chan < 1 || ref->n_samples < 1)
    return SB_EINVAL;
  J = ref->n_src;
  C = ref->n_chan;
  jj = (size_t)J * (size_t)J;
  s = calloc(1, sizeof *s);
  if (!s)
    return SB_ENOMEM;
  s->ref = *ref;
  s->zero_mean = zero_mean != 0;
  s->n_src = J;
  s->n_chan = C;
  s->n_samples = ref->n_samples;
  s->n_chunks = (ref->n_samples + SB_SI_CHUNK - 1) / SB_SI_CHUNK;
  s->off_chan = calloc((size_t)J * (size_t)C, sizeof *s->off_chan);
  s->off_st = calloc((size_t)J, sizeof *s->off_st);
  s->gram_chan = calloc((size_t)C * jj, sizeof *s->gram_chan);
  s->gram_st = calloc(jj, sizeof *s->gram_st);
  if (!s->off_chan || !s->off_st || !s->gram_chan || !s->gram_st)
    goto fail;
  if (s->zero_mean) {
    err = signal_means(ref, 0, J, s->n_chunks, s->off_chan, s->off_st);
    if (err != SB_OK)
      goto fail;
    err = SB_ENOMEM;
  }

  /* Blocks 0..C-1: per-channel Gram with per-channel offsets; block C (only
   * with zero_mean): stacked Gram with the stacked offsets. */
  n_blocks = C + s->zero_mean;
  per_chunk = (size_t)n_blocks * jj;
  part = calloc((size_t)s->n_chunks * per_chunk, sizeof *part);
  if (!part)
    goto fail;
  err = SB_OK;
#pragma omp parallel
  {
    chunk_buf cb = {NULL, NULL};
    sb_err terr = chunk_buf_init(&cb, ref, J);
#pragma omp for schedule(static)
    for (int64_t q = 0; q < s->n_chunks; q++) {
      int64_t begin = q * SB_SI_CHUNK;
      int64_t len = s->n_samples - begin < SB_SI_CHUNK ? s->n_samples - begin : SB_SI_CHUNK;
      double *slot = part + (size_t)q * per_chunk;
      if (terr == SB_OK)
        terr = load_chunk(ref, 0, J, begin, len, cb.scratch, cb.ptr);
      for (int c = 0; c < C && terr == SB_OK; c++)
        for (int k = 0; k < J; k++)
          for (int l = 0; l <= k; l++) {
            const double *xk = cb.ptr[k * C + c], *xl = cb.ptr[l * C + c];
            size_t kl = (size_t)k * (size_t)J + (size_t)l;
            slot[(size_t)c * jj + kl] = dot_off(xk, s->off_chan[k * C + c], xl, s->off_chan[l * C + c], len);
            if (s->zero_mean)
              slot[(size_t)C * jj + kl] += dot_off(xk, s->off_st[k], xl, s->off_st[l], len);
          }
    }
    sb_first_error_keep(&err, terr);
    chunk_buf_free(&cb);
  }
  if (err != SB_OK)
    goto fail;
  for (int b = 0; b < n_blocks; b++)
    for (int k = 0; k < J; k++)
      for (int l = 0; l <= k; l++) {
        size_t kl = (size_t)k * (size_t)J + (size_t)l;
        double sum = 0.0;
        for (int64_t q = 0; q < s->n_chunks; q++)
          sum += part[(size_t)q * per_chunk + (size_t)b * jj + kl];
        if (b < C) {
          s->gram_chan[(size_t)b * jj + kl] = sum;
          s->gram_chan[(size_t)b * jj + (size_t)l * (size_t)J + (size_t)k] = sum;
        } else {
          s->gram_st[kl] = sum;
          s->gram_st[(size_t)l * (size_t)J + (size_t)k] = sum;
        }
      }
  if (!s->zero_mean)
    for (int c = 0; c < C; c++)
      for (size_t i = 0; i < jj; i++)
        s->gram_st[i] += s->gram_chan[(size_t)c * jj + i];
  free(part);
  *out = s;
  return SB_OK;

fail:
  free(part);
  sb_sisdr_free(&s);
  return err;
}

/* Projection of an estimate on the references, target first.  From the
 * Gram matrix gram (J x J), the cross products cross[k] = <s_k, s_hat> and
 * the target index: alpha, the projection coefficients coef (J, zero for
 * dropped references), ||P s_hat||^2 and ||e_interf||^2.  Returns 0 when
 * the target has zero energy. */
typedef struct projection {
  double alpha, target_energy, proj_energy, interf_energy;
} projection;

static int project(int J, const double *gram, const double *cross, int target, int *order,
                   double *chol, double *y, unsigned char *kept, double *coef, projection *p)
{
  double g_tt = gram[(size_t)target * (size_t)J + (size_t)target];
  memset(p, 0, sizeof *p);
  for (int k = 0; k < J; k++)
    coef[k] = 0.0;
  if (!(g_tt > 0.0))
    return 0;
  p->alpha = cross[target] / g_tt;
  p->target_energy = p->alpha * p->alpha * g_tt;
  order[0] = target;
  for (int k = 0, a = 1; k < J; k++)
    if (k != target)
      order[a++] = k;
  /* Cholesky of the reordered Gram matrix, skipping dependent columns;
   * y = L^-1 cross gives the coordinates of P s_hat in the orthonormal
   * basis, y[0]^2 = ||P_target s_hat||^2. */
  for (int a = 0; a < J; a++) {
    int k = order[a];
    double g_kk = gram[(size_t)k * (size_t)J + (size_t)k], resid = g_kk, rhs = cross[k];
    for (int b = 0; b < a; b++) {
      double v;
      if (!kept[b]) {
        chol[(size_t)a * (size_t)J + (size_t)b] = 0.0;
        continue;
      }
      v = gram[(size_t)k * (size_t)J + (size_t)order[b]];
      for (int c = 0; c < b; c++)
        v -= chol[(size_t)a * (size_t)J + (size_t)c] * chol[(size_t)b * (size_t)J + (size_t)c];
      v /= chol[(size_t)b * (size_t)J + (size_t)b];
      chol[(size_t)a * (size_t)J + (size_t)b] = v;
      resid -= v * v;
      rhs -= v * y[b];
    }
    kept[a] = g_kk > 0.0 && resid > g_kk * SB_SI_DEPENDENT;
    if (!kept[a]) {
      chol[(size_t)a * (size_t)J + (size_t)a] = 0.0;
      y[a] = 0.0;
      continue;
    }
    chol[(size_t)a * (size_t)J + (size_t)a] = sqrt(resid);
    y[a] = rhs / chol[(size_t)a * (size_t)J + (size_t)a];
    p->proj_energy += y[a] * y[a];
    if (a > 0)
      p->interf_energy += y[a] * y[a];
  }
  /* Back substitution L^T w = y over the kept columns: P s_hat = sum w s. */
  for (int a = J - 1; a >= 0; a--) {
    double v;
    if (!kept[a])
      continue;
    v = y[a];
    for (int b = a + 1; b < J; b++)
      if (kept[b])
        v -= chol[(size_t)b * (size_t)J + (size_t)a] * coef[order[b]];
    coef[order[a]] = v / chol[(size_t)a * (size_t)J + (size_t)a];
  }
  return 1;
}

/* Scratch of project() for J references. */
typedef struct proj_work {
  int *order;
  double *chol, *y;
  unsigned char *kept;
} proj_work;

static sb_err proj_work_init(proj_work *w, int J)
{
  w->order = malloc((size_t)J * sizeof *w->order);
  w->chol = malloc((size_t)J * (size_t)J * sizeof *w->chol);
  w->y = malloc((size_t)J * sizeof *w->y);
  w->kept = malloc((size_t)J);
  if (!w->order || !w->chol || !w->y || !w->kept)
    return SB_ENOMEM;
  return SB_OK;
}

static void proj_work_free(proj_work *w)
{
  free(w->order);
  free(w->chol);
  free(w->y);
  free(w->kept);
}

/* Per-thread chunk buffers of every reference of s and one estimate. */
typedef struct pair_buf {
  chunk_buf ref, est;
} pair_buf;

static sb_err pair_buf_init(pair_buf *b, const sb_sisdr *s, const sb_sources *est)
{
  sb_err err = chunk_buf_init(&b->ref, &s->ref, s->n_src);
  return err == SB_OK ? chunk_buf_init(&b->est, est, 1) : err;
}

static void pair_buf_free(pair_buf *b)
{
  chunk_buf_free(&b->ref);
  chunk_buf_free(&b->est);
}

/* Loads chunk q of every reference and of estimate e of est into b;
 * *len is its length in samples. */
static sb_err pair_load(pair_buf *b, const sb_sisdr *s, const sb_sources *est, int e, int64_t q,
                        int64_t *len)
{
  int64_t begin = q * SB_SI_CHUNK;
  sb_err err;
  *len = s->n_samples - begin < SB_SI_CHUNK ? s->n_samples - begin : SB_SI_CHUNK;
  err = load_chunk(&s->ref, 0, s->n_src, begin, *len, b->ref.scratch, b->ref.ptr);
  return err == SB_OK ? load_chunk(est, e, 1, begin, *len, b->est.scratch, b->est.ptr) : err;
}

/* Cross products of estimate e of the view est with every reference, per
 * channel (block c, channel offsets) and stacked (block C):
 * out[b * (J + 1) + k] = <s_k - off, s_hat - off_e>,
 * out[b * (J + 1) + J] = ||s_hat - off_e||^2. */
static sb_err cross_products(const sb_sisdr *s, const sb_sources *est, int e,
                             const double *est_off_chan, double est_off_st, double *out)
{
  int J = s->n_src, C = s->n_chan;
  size_t width = (size_t)J + 1, per_chunk = ((size_t)C + 1) * width;
  double *part = calloc((size_t)s->n_chunks * per_chunk, sizeof *part);
  sb_err err = SB_OK;
  if (!part)
    return SB_ENOMEM;
#pragma omp parallel
  {
    pair_buf pb = {{NULL, NULL}, {NULL, NULL}};
    sb_err terr = pair_buf_init(&pb, s, est);
#pragma omp for schedule(static)
      for (int64_t q = 0; q < s->n_chunks; q++) {
        int64_t len = 0;
        double *slot = part + (size_t)q * per_chunk;
        if (terr == SB_OK)
          terr = pair_load(&pb, s, est, e, q, &len);
        for (int c = 0; c < C && terr == SB_OK; c++) {
          const double *ec = pb.est.ptr[c];
          double *row = slot + (size_t)c * width, *st = slot + (size_t)C * width;
          for (int k = 0; k < J; k++) {
            const double *x = pb.ref.ptr[k * C + c];
            row[k] = dot_off(x, s->off_chan[k * C + c], ec, est_off_chan[c], len);
            if (s->zero_mean)
              st[k] += dot_off(x, s->off_st[k], ec, est_off_st, len);
          }
          row[J] = dot_off(ec, est_off_chan[c], ec, est_off_chan[c], len);
          if (s->zero_mean)
            st[J] += dot_off(ec, est_off_st, ec, est_off_st, len);
        }
      }
    sb_first_error_keep(&err, terr);
    pair_buf_free(&pb);
  }
  if (err != SB_OK) {
    free(part);
    return err;
  }
  for (size_t i = 0; i < per_chunk; i++) {
    double sum = 0.0;
    for (int64_t q = 0; q < s->n_chunks; q++)
      sum += part[(size_t)q * per_chunk + i];
    out[i] = sum;
  }
  if (!s->zero_mean)
    for (size_t k = 0; k < width; k++) {
      double sum = 0.0;
      for (int c = 0; c < C; c++)
        sum += out[(size_t)c * width + k];
      out[(size_t)C * width + k] = sum;
    }
  free(part);
  return SB_OK;
}

/* Coefficients of one explicit residual pass (stacked or one channel). */
typedef struct residual_coef {
  double alpha;       /* scale of the target */
  const double *coef; /* projection coefficients, J */
  const double *off;  /* reference offsets, indexed [k * off_stride] */
  int off_stride;
  double est_off;
} residual_coef;

/* Adds, over one chunk of len samples of channel c (ref[k * C + c] the
 * references' samples, est the estimate's), the energies of
 * alpha s_t - s_hat, s_t - s_hat and s_hat - P s_hat to acc[0..2]. */
static void residual_chunk(const sb_sisdr *s, int target, int c, const double *const *ref,
                           const double *est, int64_t len, const residual_coef *rc, double *proj,
                           double *acc)
{
  int J = s->n_src;
  const double *st = ref[target * s->n_chan + c];
  double t_off = rc->off[target * rc->off_stride];
  double a0 = 0, a1 = 0, a2 = 0;
  for (int64_t n = 0; n < len; n++)
    proj[n] = 0.0;
  for (int k = 0; k < J; k++) {
    const double *x = ref[k * s->n_chan + c];
    double g = rc->coef[k], off = rc->off[k * rc->off_stride];
    if (g == 0.0)
      continue;
    for (int64_t n = 0; n < len; n++)
      proj[n] += g * (x[n] - off);
  }
#pragma omp simd reduction(+ : a0, a1, a2)
  for (int64_t n = 0; n < len; n++) {
    double e = est[n] - rc->est_off, r = st[n] - t_off;
    double d_si = rc->alpha * r - e, d_sd = r - e, d_art = e - proj[n];
    a0 += d_si * d_si;
    a1 += d_sd * d_sd;
    a2 += d_art * d_art;
  }
  acc[0] += a0;
  acc[1] += a1;
  acc[2] += a2;
}

sb_err sb_sisdr_eval(const sb_sisdr *s, int target, const double *const *est_chan,
                     sb_si_values *stacked, sb_si_values *per_chan)
{
  sb_sources view;
  if (!s || !est_chan)
    return SB_EINVAL;
  for (int c = 0; c < s->n_chan; c++)
    if (!est_chan[c])
      return SB_EINVAL;
  memset(&view, 0, sizeof view);
  view.n_src = 1;
  view.n_chan = s->n_chan;
  view.n_samples = s->n_samples;
  view.rate = s->ref.rate;
  view.chan = est_chan;
  return sb_sisdr_eval_view(s, target, &view, 0, stacked, per_chan);
}

sb_err sb_sisdr_eval_view(const sb_sisdr *s, int target, const sb_sources *est, int e,
                          sb_si_values *stacked, sb_si_values *per_chan)
{
  int J, C;
  size_t width;
  double *est_off_chan = NULL, est_off_st = 0.0, *cross = NULL, *coef = NULL, *part = NULL;
  projection *proj = NULL;
  int *ok = NULL;
  proj_work w = {0};
  sb_err err = SB_ENOMEM;

  if (!s || !sb_sources_readable(est) || target < 0 || target >= s->n_src || e < 0 ||
      e >= est->n_src || est->n_chan != s->n_chan || est->n_samples != s->n_samples)
    return SB_EINVAL;
  J = s->n_src;
  C = s->n_chan;
  width = (size_t)J + 1;
  est_off_chan = calloc((size_t)C, sizeof *est_off_chan);
  cross = malloc(((size_t)C + 1) * width * sizeof *cross);
  coef = calloc(((size_t)C + 1) * (size_t)J, sizeof *coef);
  proj = calloc((size_t)C + 1, sizeof *proj);
  ok = calloc((size_t)C + 1, sizeof *ok);
  part = calloc((size_t)s->n_chunks * ((size_t)C + 1) * 3, sizeof *part);
  if (!est_off_chan || !cross || !coef || !proj || !ok || !part || proj_work_init(&w, J) != SB_OK)
    goto done;
  if (s->zero_mean &&
      (err = signal_means(est, e, 1, s->n_chunks, est_off_chan, &est_off_st)) != SB_OK)
    goto done;
  if ((err = cross_products(s, est, e, est_off_chan, est_off_st, cross)) != SB_OK)
    goto done;
  /* Block b < C: channel b; block C: stacked. */
  for (int b = 0; b <= C; b++) {
    const double *gram = b < C ? s->gram_chan + (size_t)b * (size_t)J * (size_t)J : s->gram_st;
    ok[b] = project(J, gram, cross + (size_t)b * width, target, w.order, w.chol, w.y, w.kept,
                    coef + (size_t)b * (size_t)J, &proj[b]);
  }

  err = SB_OK;
#pragma omp parallel
  {
    pair_buf pb = {{NULL, NULL}, {NULL, NULL}};
    double *buf = malloc(SB_SI_CHUNK * sizeof *buf);
    sb_err terr = pair_buf_init(&pb, s, est);
    if (terr == SB_OK && !buf)
      terr = SB_ENOMEM;
#pragma omp for schedule(static)
      for (int64_t q = 0; q < s->n_chunks; q++) {
        int64_t len = 0;
        double *slot = part + (size_t)q * ((size_t)C + 1) * 3;
        if (terr == SB_OK)
          terr = pair_load(&pb, s, est, e, q, &len);
        for (int c = 0; c < C && terr == SB_OK; c++) {
          residual_coef st = {proj[C].alpha, coef + (size_t)C * (size_t)J, s->off_st, 1, est_off_st};
          residual_coef ch = {proj[c].alpha, coef + (size_t)c * (size_t)J, s->off_chan + c, C,
                              est_off_chan[c]};
          if (ok[C] && stacked)
            residual_chunk(s, target, c, pb.ref.ptr, pb.est.ptr[c], len, &st, buf, slot + (size_t)C * 3);
          if (ok[c] && per_chan)
            residual_chunk(s, target, c, pb.ref.ptr, pb.est.ptr[c], len, &ch, buf, slot + (size_t)c * 3);
        }
      }
    sb_first_error_keep(&err, terr);
    pair_buf_free(&pb);
    free(buf);
  }
  if (err != SB_OK)
    goto done;

  for (int b = 0; b <= C; b++) {
    sb_si_values *v = b < C ? (per_chan ? &per_chan[b] : NULL) : stacked;
    double res[3] = {0.0, 0.0, 0.0};
    if (!v)
      continue;
    if (!ok[b]) {
      v->si_sdr = v->si_sir = v->si_sar = v->sd_sdr = NAN;
      continue;
    }
    for (int i = 0; i < 3; i++)
      for (int64_t q = 0; q < s->n_chunks; q++)
        res[i] += part[((size_t)q * ((size_t)C + 1) + (size_t)b) * 3 + (size_t)i];
    v->si_sdr = db_ratio(proj[b].target_energy, res[0]);
    v->sd_sdr = db_ratio(proj[b].target_energy, res[1]);
    v->si_sir = db_ratio(proj[b].target_energy, proj[b].interf_energy);
    v->si_sar = db_ratio(proj[b].proj_energy, res[2]);
  }
  err = SB_OK;

done:
  free(est_off_chan);
  free(cross);
  free(coef);
  free(proj);
  free(ok);
  free(part);
  proj_work_free(&w);
  return err;
}

sb_err sb_sisdr_matrix(const sb_sisdr *s, const sb_sources *est, double *si_sdr)
{
  int J, C;
  size_t width;
  double *est_off_chan = NULL, *cross = NULL, *alpha = NULL, *part = NULL;
  sb_err err = SB_ENOMEM;

  if (!s || !sb_sources_readable(est) || !si_sdr || est->n_src < 1 || est->n_chan != s->n_chan ||
      est->n_samples != s->n_samples)
    return SB_EINVAL;
  J = s->n_src;
  C = s->n_chan;
  width = (size_t)J + 1;
  est_off_chan = calloc((size_t)C, sizeof *est_off_chan);
  cross = malloc(((size_t)C + 1) * width * sizeof *cross);
  alpha = malloc((size_t)J * sizeof *alpha);
  part = malloc((size_t)s->n_chunks * (size_t)J * sizeof *part);
  if (!est_off_chan || !cross || !alpha || !part)
    goto done;
  for (int e = 0; e < est->n_src; e++) {
    double est_off_st = 0.0;
    const double *st_cross;
    if (s->zero_mean &&
        (err = signal_means(est, e, 1, s->n_chunks, est_off_chan, &est_off_st)) != SB_OK)
      goto done;
    if ((err = cross_products(s, est, e, est_off_chan, est_off_st, cross)) != SB_OK)
      goto done;
    st_cross = cross + (size_t)C * width;
    for (int j = 0; j < J; j++) {
      double g = s->gram_st[(size_t)j * (size_t)J + (size_t)j];
      alpha[j] = g > 0.0 ? st_cross[j] / g : NAN;
    }
#pragma omp parallel
    {
      pair_buf pb = {{NULL, NULL}, {NULL, NULL}};
      sb_err terr = pair_buf_init(&pb, s, est);
#pragma omp for schedule(static)
      for (int64_t q = 0; q < s->n_chunks; q++) {
        int64_t len = 0;
        if (terr == SB_OK)
          terr = pair_load(&pb, s, est, e, q, &len);
        for (int j = 0; j < J && terr == SB_OK; j++) {
          double acc = 0.0;
          for (int c = 0; c < C; c++) {
            const double *r = pb.ref.ptr[j * C + c], *x = pb.est.ptr[c];
            double r_off = s->off_st[j], a = alpha[j], sum = 0.0;
#pragma omp simd reduction(+ : sum)
            for (int64_t n = 0; n < len; n++) {
              double d = a * (r[n] - r_off) - (x[n] - est_off_st);
              sum += d * d;
            }
            acc += sum;
          }
          part[(size_t)q * (size_t)J + (size_t)j] = acc;
        }
      }
      sb_first_error_keep(&err, terr);
      pair_buf_free(&pb);
    }
    if (err != SB_OK)
      goto done;
    for (int j = 0; j < J; j++) {
      double res = 0.0, g = s->gram_st[(size_t)j * (size_t)J + (size_t)j];
      for (int64_t q = 0; q < s->n_chunks; q++)
        res += part[(size_t)q * (size_t)J + (size_t)j];
      si_sdr[(size_t)j * (size_t)est->n_src + (size_t)e] =
          g > 0.0 ? db_ratio(alpha[j] * alpha[j] * g, res) : NAN;
    }
  }
  err = SB_OK;

done:
  free(est_off_chan);
  free(cross);
  free(alpha);
  free(part);
  return err;
}
