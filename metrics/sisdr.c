/*
 * metrics/sisdr.c — SI-SDR, SI-SIR, SI-SAR and SD-SDR (Le Roux et al.,
 * ICASSP 2019; fast_bss_eval numpy/scale_invariant.py si_bss_eval_sources
 * for the SIR/SAR decomposition).  See sisdr.h for the contract.
 *
 * Every pass over the samples is cut into SB_SI_CHUNK-sample chunks; each
 * chunk writes its partial sums to its own slot and the slots are added in
 * chunk order afterwards, so OpenMP scheduling never changes a result.
 * A pass (run_pass) loads each chunk of the references and of any number
 * of estimates once and hands it to a chunk function; the estimate-side
 * passes serve a whole batch of pairs, and since each (chunk, pair) slot
 * gets the same operations whatever the batch, a pair's values do not
 * depend on the batch it is in.
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

/* A set of signals one pass reads: signals idx[i] (0 .. n - 1 when idx is
 * NULL) of the view v, i < n; n = 0 reads none. */
typedef struct sig_set {
  const sb_sources *v;
  int n;
  const int *idx;
} sig_set;

/* One chunk of a pass: its index q and length, the pointers ref[i * n_chan
 * + c] and est[i * n_chan + c] at its samples of channel c of signal i of
 * the two sets, and SB_SI_CHUNK doubles of per-thread scratch. */
typedef struct chunk {
  int64_t q, len;
  const double *const *ref, *const *est;
  double *work;
} chunk;

/* Writes the partial sums of one chunk to that chunk's own slots of ctx
 * (called from several threads at once, on distinct chunks). */
typedef void (*chunk_fn)(void *ctx, const chunk *ck);

/* Per-thread buffers of one set: pointers and, for a streamed view,
 * scratch for n * n_chan channel chunks. */
typedef struct chunk_buf {
  const double **ptr;
  double *scratch;
} chunk_buf;

static sb_err chunk_buf_init(chunk_buf *b, const sig_set *set)
{
  size_t n = set->n > 0 ? (size_t)set->n * (size_t)set->v->n_chan : 0;
  b->ptr = NULL;
  b->scratch = NULL;
  if (n == 0)
    return SB_OK;
  b->ptr = malloc(n * sizeof *b->ptr);
  b->scratch = set->v->chan ? NULL : malloc(n * (size_t)SB_SI_CHUNK * sizeof *b->scratch);
  return b->ptr && (set->v->chan || b->scratch) ? SB_OK : SB_ENOMEM;
}

static void chunk_buf_free(chunk_buf *b)
{
  free(b->ptr);
  free(b->scratch);
}

/* Points b->ptr at samples [begin, begin + len) of every channel of every
 * signal of set (len <= SB_SI_CHUNK).  Errors of a streamed view's reader. */
static sb_err load_chunk(const sig_set *set, int64_t begin, int64_t len, chunk_buf *b)
{
  for (int i = 0; i < set->n; i++)
    for (int c = 0; c < set->v->n_chan; c++) {
      size_t slot = (size_t)i * (size_t)set->v->n_chan + (size_t)c;
      sb_err err = sb_sources_span(set->v, set->idx ? set->idx[i] : i, c, begin, len,
                                   b->scratch + slot * SB_SI_CHUNK, &b->ptr[slot]);
      if (err != SB_OK)
        return err;
    }
  return SB_OK;
}

/* Per-thread buffers of a pass. */
typedef struct pass_buf {
  chunk_buf ref, est;
  double *work;
} pass_buf;

static sb_err pass_buf_init(pass_buf *p, const sig_set *ref, const sig_set *est)
{
  sb_err e_ref = chunk_buf_init(&p->ref, ref), e_est = chunk_buf_init(&p->est, est);
  p->work = malloc(SB_SI_CHUNK * sizeof *p->work);
  return e_ref == SB_OK && e_est == SB_OK && p->work ? SB_OK : SB_ENOMEM;
}

static void pass_buf_free(pass_buf *p)
{
  chunk_buf_free(&p->ref);
  chunk_buf_free(&p->est);
  free(p->work);
}

static int64_t chunk_count(int64_t n_samples)
{
  return (n_samples + SB_SI_CHUNK - 1) / SB_SI_CHUNK;
}

/* One pass over n_samples samples: fn on every chunk, in parallel, with the
 * chunk's samples of the sets ref and est loaded.  SB_ENOMEM or the first
 * error of a reader. */
static sb_err run_pass(const sig_set *ref, const sig_set *est, int64_t n_samples, chunk_fn fn, void *ctx)
{
  int64_t n_chunks = chunk_count(n_samples);
  sb_err err = SB_OK;
#pragma omp parallel
  {
    pass_buf pb;
    sb_err terr = pass_buf_init(&pb, ref, est);
#pragma omp for schedule(static)
    for (int64_t q = 0; q < n_chunks; q++) {
      int64_t begin = q * SB_SI_CHUNK;
      chunk ck = {q, n_samples - begin < SB_SI_CHUNK ? n_samples - begin : SB_SI_CHUNK, pb.ref.ptr,
                  pb.est.ptr, pb.work};
      if (terr == SB_OK)
        terr = load_chunk(ref, begin, ck.len, &pb.ref);
      if (terr == SB_OK)
        terr = load_chunk(est, begin, ck.len, &pb.est);
      if (terr == SB_OK)
        fn(ctx, &ck);
    }
    sb_first_error_keep(&err, terr);
    pass_buf_free(&pb);
  }
  return err;
}

/* Entry i of the per-chunk slots of per doubles, summed in chunk order. */
static double chunk_sum(const double *part, int64_t n_chunks, size_t per, size_t i)
{
  double sum = 0.0;
  for (int64_t q = 0; q < n_chunks; q++)
    sum += part[(size_t)q * per + i];
  return sum;
}

static const sig_set no_signals = {NULL, 0, NULL};

/* All references of s. */
static sig_set ref_set(const sb_sisdr *s)
{
  sig_set set = {&s->ref, s->n_src, NULL};
  return set;
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

/* Partial sums of signal_means: part[q * per + i * n_chan + c]. */
typedef struct means_pass {
  size_t per;
  double *part;
} means_pass;

static void means_chunk(void *ctx, const chunk *ck)
{
  const means_pass *m = ctx;
  for (size_t i = 0; i < m->per; i++)
    m->part[(size_t)ck->q * m->per + i] = sum_off(ck->est[i], ck->len);
}

/* Means of the signals of sig: off_chan[i * n_chan + c] and off_st[i]
 * (mean over all channels and samples). */
static sb_err signal_means(const sig_set *sig, double *off_chan, double *off_st)
{
  const int n_chan = sig->v->n_chan;
  const int64_t n_samples = sig->v->n_samples, n_chunks = chunk_count(n_samples);
  means_pass m = {(size_t)sig->n * (size_t)n_chan, NULL};
  sb_err err = SB_ENOMEM;
  if (!(m.part = malloc((size_t)n_chunks * m.per * sizeof *m.part)))
    goto fail;
  if ((err = run_pass(&no_signals, sig, n_samples, means_chunk, &m)) != SB_OK)
    goto fail;
  for (int i = 0; i < sig->n; i++) {
    double total = 0.0;
    for (int c = 0; c < n_chan; c++) {
      size_t slot = (size_t)i * (size_t)n_chan + (size_t)c;
      double sum = chunk_sum(m.part, n_chunks, m.per, slot);
      off_chan[slot] = sum / (double)n_samples;
      total += sum;
    }
    off_st[i] = total / ((double)n_samples * n_chan);
  }
fail:
  free(m.part);
  return err;
}

/* Partial Gram matrices of the references: blocks 0..C-1 per channel with
 * the channel offsets, block C (only with zero_mean) stacked with the
 * stacked offsets; part[q * per + b * J * J + k * J + l], l <= k. */
typedef struct gram_pass {
  const sb_sisdr *s;
  size_t per;
  double *part;
} gram_pass;

static void gram_chunk(void *ctx, const chunk *ck)
{
  const gram_pass *g = ctx;
  const sb_sisdr *s = g->s;
  int J = s->n_src, C = s->n_chan;
  size_t jj = (size_t)J * (size_t)J;
  double *slot = g->part + (size_t)ck->q * g->per;
  for (int c = 0; c < C; c++)
    for (int k = 0; k < J; k++)
      for (int l = 0; l <= k; l++) {
        const double *xk = ck->ref[k * C + c], *xl = ck->ref[l * C + c];
        size_t kl = (size_t)k * (size_t)J + (size_t)l;
        slot[(size_t)c * jj + kl] = dot_off(xk, s->off_chan[k * C + c], xl, s->off_chan[l * C + c], ck->len);
        if (s->zero_mean)
          slot[(size_t)C * jj + kl] += dot_off(xk, s->off_st[k], xl, s->off_st[l], ck->len);
      }
}

/* The Gram matrices of s from the partial sums of gram_chunk. */
static void gram_sum(sb_sisdr *s, const gram_pass *g)
{
  int J = s->n_src, C = s->n_chan;
  size_t jj = (size_t)J * (size_t)J;
  for (int b = 0; b < C + s->zero_mean; b++)
    for (int k = 0; k < J; k++)
      for (int l = 0; l <= k; l++) {
        size_t kl = (size_t)k * (size_t)J + (size_t)l;
        double sum = chunk_sum(g->part, s->n_chunks, g->per, (size_t)b * jj + kl);
        double *gram = b < C ? s->gram_chan + (size_t)b * jj : s->gram_st;
        gram[kl] = sum;
        gram[(size_t)l * (size_t)J + (size_t)k] = sum;
      }
  if (!s->zero_mean)
    for (int c = 0; c < C; c++)
      for (size_t i = 0; i < jj; i++)
        s->gram_st[i] += s->gram_chan[(size_t)c * jj + i];
}

sb_err sb_sisdr_new(const sb_sources *ref, int zero_mean, sb_sisdr **out)
{
  sb_sisdr *s = NULL;
  gram_pass g = {NULL, 0, NULL};
  sig_set refs;
  int J, C;
  size_t jj;
  sb_err err = SB_ENOMEM;

  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!sb_sources_readable(ref) || ref->n_src < 1 || ref->n_chan < 1 || ref->n_samples < 1)
    return SB_EINVAL;
  J = ref->n_src;
  C = ref->n_chan;
  jj = (size_t)J * (size_t)J;
  if (!(s = calloc(1, sizeof *s)))
    return SB_ENOMEM;
  s->ref = *ref;
  s->zero_mean = zero_mean != 0;
  s->n_src = J;
  s->n_chan = C;
  s->n_samples = ref->n_samples;
  s->n_chunks = chunk_count(ref->n_samples);
  s->off_chan = calloc((size_t)J * (size_t)C, sizeof *s->off_chan);
  s->off_st = calloc((size_t)J, sizeof *s->off_st);
  s->gram_chan = calloc((size_t)C * jj, sizeof *s->gram_chan);
  s->gram_st = calloc(jj, sizeof *s->gram_st);
  g.s = s;
  g.per = ((size_t)C + (size_t)s->zero_mean) * jj;
  g.part = calloc((size_t)s->n_chunks * g.per, sizeof *g.part);
  if (!s->off_chan || !s->off_st || !s->gram_chan || !s->gram_st || !g.part)
    goto fail;
  refs = ref_set(s);
  if (s->zero_mean && (err = signal_means(&refs, s->off_chan, s->off_st)) != SB_OK)
    goto fail;
  if ((err = run_pass(&refs, &no_signals, s->n_samples, gram_chunk, &g)) != SB_OK)
    goto fail;
  gram_sum(s, &g);
  *out = s;
  s = NULL;

fail:
  free(g.part);
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

/* The estimate side of a batch of n estimates (the set est): their means
 * (0 without zero_mean), off_chan[i * C + c] and off_st[i], and their cross
 * products with every reference, per channel (block b < C, channel offsets)
 * and stacked (block C), cross[(i * (C + 1) + b) * (J + 1) + k] =
 * <s_k - off, s_hat_i - off_i> and, at k = J, ||s_hat_i - off_i||^2. */
typedef struct est_side {
  double *off_chan, *off_st, *cross;
} est_side;

/* Partial cross products: part[(q * n + i) * (C + 1) * (J + 1) + ...],
 * the layout of est_side.cross. */
typedef struct cross_pass {
  const sb_sisdr *s;
  int n;
  const est_side *x;
  double *part;
} cross_pass;

static void cross_chunk(void *ctx, const chunk *ck)
{
  const cross_pass *p = ctx;
  const sb_sisdr *s = p->s;
  int J = s->n_src, C = s->n_chan;
  size_t width = (size_t)J + 1, per_pair = ((size_t)C + 1) * width;
  for (int i = 0; i < p->n; i++) {
    double *slot = p->part + ((size_t)ck->q * (size_t)p->n + (size_t)i) * per_pair;
    double st_off = p->x->off_st[i];
    for (int c = 0; c < C; c++) {
      const double *ec = ck->est[i * C + c];
      double ec_off = p->x->off_chan[i * C + c];
      double *row = slot + (size_t)c * width, *st = slot + (size_t)C * width;
      for (int k = 0; k < J; k++) {
        const double *x = ck->ref[k * C + c];
        row[k] = dot_off(x, s->off_chan[k * C + c], ec, ec_off, ck->len);
        if (s->zero_mean)
          st[k] += dot_off(x, s->off_st[k], ec, st_off, ck->len);
      }
      row[J] = dot_off(ec, ec_off, ec, ec_off, ck->len);
      if (s->zero_mean)
        st[J] += dot_off(ec, st_off, ec, st_off, ck->len);
    }
  }
}

/* x->cross of the estimates est, whose means x holds. */
static sb_err cross_products(const sb_sisdr *s, const sig_set *est, est_side *x)
{
  int C = s->n_chan;
  size_t width = (size_t)s->n_src + 1, per_pair = ((size_t)C + 1) * width;
  size_t per = (size_t)est->n * per_pair;
  cross_pass p = {s, est->n, x, calloc((size_t)s->n_chunks * per, sizeof *p.part)};
  sig_set refs = ref_set(s);
  sb_err err = SB_ENOMEM;
  if (!p.part || (err = run_pass(&refs, est, s->n_samples, cross_chunk, &p)) != SB_OK)
    goto fail;
  for (size_t i = 0; i < per; i++)
    x->cross[i] = chunk_sum(p.part, s->n_chunks, per, i);
  if (!s->zero_mean)
    for (int e = 0; e < est->n; e++) {
      double *pair = x->cross + (size_t)e * per_pair;
      for (size_t k = 0; k < width; k++) {
        double sum = 0.0;
        for (int c = 0; c < C; c++)
          sum += pair[(size_t)c * width + k];
        pair[(size_t)C * width + k] = sum;
      }
    }

fail:
  free(p.part);
  return err;
}

static void est_side_free(est_side *x)
{
  free(x->off_chan);
  free(x->off_st);
  free(x->cross);
}

/* Fills x (freed by est_side_free, also on failure) for the estimates est:
 * one pass for the means (with zero_mean), one for the cross products. */
static sb_err est_side_compute(const sb_sisdr *s, const sig_set *est, est_side *x)
{
  size_t n = (size_t)est->n, C = (size_t)s->n_chan;
  sb_err err;
  x->off_chan = calloc(n * C, sizeof *x->off_chan);
  x->off_st = calloc(n, sizeof *x->off_st);
  x->cross = malloc(n * (C + 1) * ((size_t)s->n_src + 1) * sizeof *x->cross);
  if (!x->off_chan || !x->off_st || !x->cross)
    return SB_ENOMEM;
  if (s->zero_mean && (err = signal_means(est, x->off_chan, x->off_st)) != SB_OK)
    return err;
  return cross_products(s, est, x);
}

/* A batch of n pairs (target[i], estimate i of the estimate set): for
 * block b of pair i (b < C: channel b; b = C: stacked) at blk = i * (C + 1)
 * + b, the projection proj[blk], ok[blk] (0: silent target), the
 * coefficients coef[blk * J + k] and the residual pass's partial energies
 * part[(q * n * (C + 1) + blk) * 3 + m]; want_st / want_pc: which residuals
 * the caller wants. */
typedef struct pair_batch {
  const sb_sisdr *s;
  int n;
  const int *target;
  int want_st, want_pc;
  est_side x;
  projection *proj;
  int *ok;
  double *coef, *part;
} pair_batch;

static void pair_batch_free(pair_batch *p)
{
  est_side_free(&p->x);
  free(p->proj);
  free(p->ok);
  free(p->coef);
  free(p->part);
}

/* Allocates p (freed by pair_batch_free, also on failure). */
static sb_err pair_batch_init(pair_batch *p, const sb_sisdr *s, int n, const int *target, int want_st,
                              int want_pc)
{
  size_t n_blk = (size_t)n * ((size_t)s->n_chan + 1);
  memset(p, 0, sizeof *p);
  p->s = s;
  p->n = n;
  p->target = target;
  p->want_st = want_st;
  p->want_pc = want_pc;
  p->proj = calloc(n_blk, sizeof *p->proj);
  p->ok = calloc(n_blk, sizeof *p->ok);
  p->coef = calloc(n_blk * (size_t)s->n_src, sizeof *p->coef);
  p->part = calloc((size_t)s->n_chunks * n_blk * 3, sizeof *p->part);
  return p->proj && p->ok && p->coef && p->part ? SB_OK : SB_ENOMEM;
}

/* The projections of every block of every pair of p. */
static sb_err pair_batch_project(pair_batch *p)
{
  const sb_sisdr *s = p->s;
  int J = s->n_src, C = s->n_chan;
  proj_work w;
  sb_err err = proj_work_init(&w, J);
  for (int i = 0; i < p->n && err == SB_OK; i++)
    for (int b = 0; b <= C; b++) {
      size_t blk = (size_t)i * ((size_t)C + 1) + (size_t)b;
      const double *gram = b < C ? s->gram_chan + (size_t)b * (size_t)J * (size_t)J : s->gram_st;
      p->ok[blk] = project(J, gram, p->x.cross + blk * ((size_t)J + 1), p->target[i], w.order, w.chol, w.y,
                           w.kept, p->coef + blk * (size_t)J, &p->proj[blk]);
    }
  proj_work_free(&w);
  return err;
}

static void pair_batch_residual_chunk(void *ctx, const chunk *ck)
{
  const pair_batch *p = ctx;
  const sb_sisdr *s = p->s;
  int J = s->n_src, C = s->n_chan;
  size_t n_blk = (size_t)C + 1;
  for (int i = 0; i < p->n; i++) {
    size_t b0 = (size_t)i * n_blk;
    double *slot = p->part + ((size_t)ck->q * (size_t)p->n * n_blk + b0) * 3;
    for (int c = 0; c < C; c++) {
      const double *ec = ck->est[i * C + c];
      residual_coef st = {p->proj[b0 + (size_t)C].alpha, p->coef + (b0 + (size_t)C) * (size_t)J, s->off_st, 1,
                          p->x.off_st[i]};
      residual_coef ch = {p->proj[b0 + (size_t)c].alpha, p->coef + (b0 + (size_t)c) * (size_t)J, s->off_chan + c, C,
                          p->x.off_chan[i * C + c]};
      if (p->ok[b0 + (size_t)C] && p->want_st)
        residual_chunk(s, p->target[i], c, ck->ref, ec, ck->len, &st, ck->work, slot + (size_t)C * 3);
      if (p->ok[b0 + (size_t)c] && p->want_pc)
        residual_chunk(s, p->target[i], c, ck->ref, ec, ck->len, &ch, ck->work, slot + (size_t)c * 3);
    }
  }
}

/* The values of every pair of p from its projections and residuals. */
static void pair_batch_values(const pair_batch *p, sb_si_values *stacked, sb_si_values *per_chan)
{
  const sb_sisdr *s = p->s;
  int C = s->n_chan;
  size_t per = (size_t)p->n * ((size_t)C + 1) * 3;
  for (int i = 0; i < p->n; i++)
    for (int b = 0; b <= C; b++) {
      size_t blk = (size_t)i * ((size_t)C + 1) + (size_t)b;
      sb_si_values *v = b < C ? (per_chan ? &per_chan[i * C + b] : NULL) : (stacked ? &stacked[i] : NULL);
      const projection *pr = &p->proj[blk];
      double res[3];
      if (!v)
        continue;
      if (!p->ok[blk]) {
        v->si_sdr = v->si_sir = v->si_sar = v->sd_sdr = NAN;
        continue;
      }
      for (int m = 0; m < 3; m++)
        res[m] = chunk_sum(p->part, s->n_chunks, per, blk * 3 + (size_t)m);
      v->si_sdr = db_ratio(pr->target_energy, res[0]);
      v->sd_sdr = db_ratio(pr->target_energy, res[1]);
      v->si_sir = db_ratio(pr->target_energy, pr->interf_energy);
      v->si_sar = db_ratio(pr->proj_energy, res[2]);
    }
}

/* 1 when the arguments of sb_sisdr_eval_views are valid. */
static int batch_valid(const sb_sisdr *s, int n, const int *target, const sb_sources *est, const int *est_idx)
{
  if (!s || n < 1 || !target || !est_idx || !sb_sources_readable(est) || est->n_chan != s->n_chan ||
      est->n_samples != s->n_samples)
    return 0;
  for (int i = 0; i < n; i++)
    if (target[i] < 0 || target[i] >= s->n_src || est_idx[i] < 0 || est_idx[i] >= est->n_src)
      return 0;
  return 1;
}

sb_err sb_sisdr_eval_views(const sb_sisdr *s, int n, const int *target, const sb_sources *est,
                           const int *est_idx, sb_si_values *stacked, sb_si_values *per_chan)
{
  sig_set ests = {est, n, est_idx}, refs;
  pair_batch p;
  sb_err err;

  if (!batch_valid(s, n, target, est, est_idx))
    return SB_EINVAL;
  refs = ref_set(s);
  if ((err = pair_batch_init(&p, s, n, target, stacked != NULL, per_chan != NULL)) != SB_OK ||
      (err = est_side_compute(s, &ests, &p.x)) != SB_OK || (err = pair_batch_project(&p)) != SB_OK ||
      (err = run_pass(&refs, &ests, s->n_samples, pair_batch_residual_chunk, &p)) != SB_OK)
    goto fail;
  pair_batch_values(&p, stacked, per_chan);

fail:
  pair_batch_free(&p);
  return err;
}

sb_err sb_sisdr_eval_view(const sb_sisdr *s, int target, const sb_sources *est, int e,
                          sb_si_values *stacked, sb_si_values *per_chan)
{
  return sb_sisdr_eval_views(s, 1, &target, est, &e, stacked, per_chan);
}

/* sum (a (r - r_off) - (x - x_off))^2 over len samples. */
static double scaled_err(const double *r, double r_off, double a, const double *x, double x_off, int64_t len)
{
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (int64_t n = 0; n < len; n++) {
    double d = a * (r[n] - r_off) - (x[n] - x_off);
    sum += d * d;
  }
  return sum;
}

/* sb_sisdr_matrix's residual pass over the n estimates of x: alpha[e * J
 * + j] of estimate e against reference j, partial error energies
 * part[(q * n + e) * J + j]. */
typedef struct matrix_pass {
  const sb_sisdr *s;
  int n;
  const est_side *x;
  double *alpha, *part;
} matrix_pass;

static void matrix_chunk(void *ctx, const chunk *ck)
{
  const matrix_pass *m = ctx;
  int J = m->s->n_src, C = m->s->n_chan;
  for (int e = 0; e < m->n; e++)
    for (int j = 0; j < J; j++) {
      double acc = 0.0;
      for (int c = 0; c < C; c++)
        acc += scaled_err(ck->ref[j * C + c], m->s->off_st[j], m->alpha[e * J + j], ck->est[e * C + c],
                          m->x->off_st[e], ck->len);
      m->part[((size_t)ck->q * (size_t)m->n + (size_t)e) * (size_t)J + (size_t)j] = acc;
    }
}

sb_err sb_sisdr_matrix(const sb_sisdr *s, const sb_sources *est, double *si_sdr)
{
  sig_set ests, refs;
  est_side x = {NULL, NULL, NULL};
  matrix_pass m = {s, 0, &x, NULL, NULL};
  int J, C;
  sb_err err;

  if (!s || !sb_sources_readable(est) || !si_sdr || est->n_src < 1 || est->n_chan != s->n_chan ||
      est->n_samples != s->n_samples)
    return SB_EINVAL;
  J = s->n_src;
  C = s->n_chan;
  m.n = est->n_src;
  ests = (sig_set){est, m.n, NULL};
  refs = ref_set(s);
  if ((err = est_side_compute(s, &ests, &x)) != SB_OK)
    goto fail;
  m.alpha = malloc((size_t)m.n * (size_t)J * sizeof *m.alpha);
  m.part = malloc((size_t)s->n_chunks * (size_t)m.n * (size_t)J * sizeof *m.part);
  if (!m.alpha || !m.part) {
    err = SB_ENOMEM;
    goto fail;
  }
  for (int e = 0; e < m.n; e++)
    for (int j = 0; j < J; j++) {
      double g = s->gram_st[(size_t)j * (size_t)J + (size_t)j];
      const double *st_cross = x.cross + ((size_t)e * ((size_t)C + 1) + (size_t)C) * ((size_t)J + 1);
      m.alpha[e * J + j] = g > 0.0 ? st_cross[j] / g : NAN;
    }
  if ((err = run_pass(&refs, &ests, s->n_samples, matrix_chunk, &m)) != SB_OK)
    goto fail;
  for (int e = 0; e < m.n; e++)
    for (int j = 0; j < J; j++) {
      double g = s->gram_st[(size_t)j * (size_t)J + (size_t)j], a = m.alpha[e * J + j];
      double res = chunk_sum(m.part, s->n_chunks, (size_t)m.n * (size_t)J, (size_t)e * (size_t)J + (size_t)j);
      si_sdr[(size_t)j * (size_t)m.n + (size_t)e] = g > 0.0 ? db_ratio(a * a * g, res) : NAN;
    }

fail:
  free(m.alpha);
  free(m.part);
  est_side_free(&x);
  return err;
}
