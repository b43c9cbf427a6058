/*
 * metrics/stoi.c — STOI and ESTOI as pystoi 0.4.1 (metrics/stoi.h).
 */
#include <config.h>

#include "metrics/stoi.h"
#include "common/fftplan.h"
#include "metrics/npyrandom.h"
#include "metrics/octresample.h"
#include "common/vectorize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FS 10000
#define N_FRAME 256
#define HOP 128
#define NFFT 512
#define N_BIN (NFFT / 2 + 1)
#define N_BAND 15
#define N_SEG 30
#define DYN_RANGE 40.0
#define EPS 2.220446049250313e-16

struct sb_stoi {
  int rate;
  sb_octresample *rs;       /* NULL at 10 kHz */
  fftw_plan plan;           /* 512-point r2c, executed on per-call buffers */
  double win[N_FRAME];      /* numpy hanning(258)[1:-1] */
  int band_lo[N_BAND], band_hi[N_BAND];
};

/* The pair after resampling, silence removal and the band analysis. */
typedef struct stoi_work {
  int64_t n10, n_frames, n_kept, n_sil, n_stft;
  double *x10, *y10, *xs, *ys; /* 10 kHz; silence removed */
  double *tx, *ty;             /* n_stft * N_BAND band magnitudes ([t * N_BAND + b]) */
} stoi_work;

/* pystoi thirdoct: the FFT bins nearest (first minimum of the squared
 * distance) to each band's lower and upper edge. */
static int nearest_bin(double freq)
{
  const double step = (double)FS / NFFT;
  int best = 0;
  double best_d = INFINITY;
  for (int k = 0; k < N_BIN; k++) {
    const double d = (k * step - freq) * (k * step - freq);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best;
}

static void init_tables(sb_stoi *s)
{
  for (int i = 0; i < N_FRAME; i++)
    s->win[i] = 0.5 + 0.5 * cos(M_PI * (double)(-(N_FRAME - 1) + 2 * i) / (N_FRAME + 1));
  for (int b = 0; b < N_BAND; b++) {
    s->band_lo[b] = nearest_bin(150.0 * pow(2.0, (2.0 * b - 1.0) / 6.0));
    s->band_hi[b] = nearest_bin(150.0 * pow(2.0, (2.0 * b + 1.0) / 6.0));
  }
}

sb_err sb_stoi_new(int rate, sb_stoi **out, sb_msg *msg)
{
  sb_stoi *s;
  double *buf = NULL;
  fftw_complex *spec = NULL;
  sb_err err = SB_ENOMEM;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (rate < SB_STOI_MIN_RATE)
    return sb_msg_set(msg, SB_ERATE, "STOI needs a sample rate of at least %d Hz, got %d", SB_STOI_MIN_RATE,
                      rate);
  if (!(s = calloc(1, sizeof *s)))
    return SB_ENOMEM;
  s->rate = rate;
  init_tables(s);
  if (rate != FS && (err = sb_octresample_new(rate, FS, &s->rs)) != SB_OK)
    goto fail;
  err = SB_ENOMEM;
  buf = fftw_malloc(sizeof *buf * NFFT);
  spec = fftw_malloc(sizeof *spec * N_BIN);
  if (!buf || !spec || !(s->plan = sb_fftplan_r2c(NFFT, buf, spec, FFTW_ESTIMATE)))
    goto fail;
  fftw_free(buf);
  fftw_free(spec);
  *out = s;
  return SB_OK;
fail:
  fftw_free(buf);
  fftw_free(spec);
  sb_stoi_free(&s);
  return err;
}

int sb_stoi_rate(const sb_stoi *s)
{
  return s ? s->rate : 0;
}

static void work_free(stoi_work *w)
{
  free(w->x10);
  free(w->y10);
  free(w->xs);
  free(w->ys);
  free(w->tx);
  free(w->ty);
}

/* Step 1: both signals at 10 kHz. */
static sb_err to_10k(const sb_stoi *s, const double *ref, const double *est, int64_t n, stoi_work *w)
{
  w->n10 = s->rs ? sb_octresample_out_len(s->rs, n) : n;
  w->x10 = malloc(sizeof *w->x10 * (size_t)w->n10);
  w->y10 = malloc(sizeof *w->y10 * (size_t)w->n10);
  if (!w->x10 || !w->y10)
    return SB_ENOMEM;
  if (!s->rs) {
    memcpy(w->x10, ref, sizeof *ref * (size_t)n);
    memcpy(w->y10, est, sizeof *est * (size_t)n);
    return SB_OK;
  }
  sb_err err = sb_octresample_run(s->rs, ref, n, w->x10);
  return err ? err : sb_octresample_run(s->rs, est, n, w->y10);
}

/* Frames of a signal of len samples: starts 0, HOP, ... while start < len - N_FRAME. */
static int64_t n_frames_of(int64_t len)
{
  return len > N_FRAME ? (len - N_FRAME + HOP - 1) / HOP : 0;
}

/* Step 2: silent-frame removal decided on the reference, overlap-add of the kept frames. */
static sb_err remove_silent(const sb_stoi *s, stoi_work *w)
{
  double *energy, e_max = -INFINITY;
  int64_t k = 0;
  w->n_frames = n_frames_of(w->n10);
  if (w->n_frames == 0)
    return SB_OK;
  if (!(energy = malloc(sizeof *energy * (size_t)w->n_frames)))
    return SB_ENOMEM;
  for (int64_t f = 0; f < w->n_frames; f++) {
    const double *x = w->x10 + f * HOP;
    double e = 0.0;
    for (int i = 0; i < N_FRAME; i++)
      e += (s->win[i] * x[i]) * (s->win[i] * x[i]);
    energy[f] = 20.0 * log10(sqrt(e) + EPS);
    e_max = energy[f] > e_max ? energy[f] : e_max;
  }
  for (int64_t f = 0; f < w->n_frames; f++)
    w->n_kept += (e_max - DYN_RANGE - energy[f]) < 0;
  w->n_sil = (w->n_kept + 1) * HOP;
  w->xs = calloc((size_t)w->n_sil, sizeof *w->xs);
  w->ys = calloc((size_t)w->n_sil, sizeof *w->ys);
  if (!w->xs || !w->ys) {
    free(energy);
    return SB_ENOMEM;
  }
  for (int64_t f = 0; f < w->n_frames; f++) {
    if (!((e_max - DYN_RANGE - energy[f]) < 0))
      continue;
    for (int i = 0; i < N_FRAME; i++) {
      w->xs[k * HOP + i] += s->win[i] * w->x10[f * HOP + i];
      w->ys[k * HOP + i] += s->win[i] * w->y10[f * HOP + i];
    }
    k++;
  }
  free(energy);
  return SB_OK;
}

/* Step 3: the 15 band magnitudes of every STFT frame of x (n_stft frames) into t. */
static void bands(const sb_stoi *s, const double *x, int64_t n_stft, double *buf, fftw_complex *spec,
                  double *t)
{
  for (int64_t f = 0; f < n_stft; f++) {
    for (int i = 0; i < N_FRAME; i++)
      buf[i] = s->win[i] * x[f * HOP + i];
    memset(buf + N_FRAME, 0, sizeof *buf * (NFFT - N_FRAME));
    fftw_execute_dft_r2c(s->plan, buf, spec);
    for (int b = 0; b < N_BAND; b++) {
      double p = 0.0;
      for (int k = s->band_lo[b]; k < s->band_hi[b]; k++)
        p += spec[k][0] * spec[k][0] + spec[k][1] * spec[k][1];
      t[f * N_BAND + b] = sqrt(p);
    }
  }
}

static sb_err analyse(const sb_stoi *s, stoi_work *w)
{
  double *buf = NULL;
  fftw_complex *spec = NULL;
  sb_err err = SB_ENOMEM;
  w->n_stft = n_frames_of(w->n_sil);
  if (w->n_stft < N_SEG)
    return SB_OK;
  w->tx = malloc(sizeof *w->tx * (size_t)(w->n_stft * N_BAND));
  w->ty = malloc(sizeof *w->ty * (size_t)(w->n_stft * N_BAND));
  buf = fftw_malloc(sizeof *buf * NFFT);
  spec = fftw_malloc(sizeof *spec * N_BIN);
  if (w->tx && w->ty && buf && spec) {
    bands(s, w->xs, w->n_stft, buf, spec, w->tx);
    bands(s, w->ys, w->n_stft, buf, spec, w->ty);
    err = SB_OK;
  }
  fftw_free(buf);
  fftw_free(spec);
  return err;
}

static double norm30(const double *v)
{
  double e = 0.0;
  for (int i = 0; i < N_SEG; i++)
    e += v[i] * v[i];
  return sqrt(e);
}

static double mean30(const double *v)
{
  double m = 0.0;
  for (int i = 0; i < N_SEG; i++)
    m += v[i];
  return m / N_SEG;
}

/* Step 5: the correlation of one segment and band. */
static double stoi_cell(const double *tx, const double *ty, int64_t m, int b)
{
  const double clip = 1.0 + pow(10.0, 15.0 / 20.0);
  double x[N_SEG], y[N_SEG], a, mx, my, nx, ny, d = 0.0;
  for (int i = 0; i < N_SEG; i++) {
    x[i] = tx[(m + i) * N_BAND + b];
    y[i] = ty[(m + i) * N_BAND + b];
  }
  a = norm30(x) / (norm30(y) + EPS);
  for (int i = 0; i < N_SEG; i++) {
    const double v = y[i] * a, lim = x[i] * clip;
    y[i] = v < lim ? v : lim;
  }
  mx = mean30(x);
  my = mean30(y);
  for (int i = 0; i < N_SEG; i++) {
    x[i] -= mx;
    y[i] -= my;
  }
  nx = norm30(x) + EPS;
  ny = norm30(y) + EPS;
  for (int i = 0; i < N_SEG; i++)
    d += (y[i] / ny) * (x[i] / nx);
  return d;
}

static double stoi_value(const stoi_work *w)
{
  const int64_t n_segs = w->n_stft - N_SEG + 1;
  double sum = 0.0;
  for (int64_t m = 0; m < n_segs; m++)
    for (int b = 0; b < N_BAND; b++)
      sum += stoi_cell(w->tx, w->ty, m, b);
  return sum / (double)(n_segs * N_BAND);
}

/* Step 6 for one segment m of t into a[b * N_SEG + i]: rows, then columns
 * centred and scaled to unit norm; jr/jc (N_BAND * N_SEG normals each, or
 * NULL) the EPS-scaled jitter added before each centring.  -1 when a row or
 * column has zero norm (without jitter), else 0. */
/* The column half of estoi_normalise: each of the N_SEG columns of a
 * centred and scaled to unit norm over the bands, jc's jitter added
 * first.  The loops run over the columns innermost (contiguous, SIMD
 * clones); each column's sums still add the bands in ascending order.
 * 1 when a column has zero norm, else 0. */
SB_CLONES
static int normalise_columns(double *a, const double *jc)
{
  double mu[N_SEG] = {0.0}, e[N_SEG] = {0.0};
  int zero = 0;
  for (int b = 0; b < N_BAND; b++)
    for (int i = 0; i < N_SEG; i++) {
      a[b * N_SEG + i] += jc ? EPS * jc[b * N_SEG + i] : 0.0;
      mu[i] += a[b * N_SEG + i];
    }
  for (int i = 0; i < N_SEG; i++)
    mu[i] /= N_BAND;
  for (int b = 0; b < N_BAND; b++)
    for (int i = 0; i < N_SEG; i++) {
      a[b * N_SEG + i] -= mu[i];
      e[i] += a[b * N_SEG + i] * a[b * N_SEG + i];
    }
  for (int i = 0; i < N_SEG; i++) {
    zero |= e[i] == 0.0;
    e[i] = 1.0 / sqrt(e[i]);
  }
  for (int b = 0; b < N_BAND; b++)
    for (int i = 0; i < N_SEG; i++)
      a[b * N_SEG + i] *= e[i];
  return zero;
}

static int estoi_normalise(const double *t, int64_t m, const double *jr, const double *jc, double *a)
{
  int zero = 0;
  for (int b = 0; b < N_BAND; b++) {
    double *row = a + b * N_SEG, mu, e = 0.0;
    for (int i = 0; i < N_SEG; i++)
      row[i] = t[(m + i) * N_BAND + b] + (jr ? EPS * jr[b * N_SEG + i] : 0.0);
    mu = mean30(row);
    for (int i = 0; i < N_SEG; i++) {
      row[i] -= mu;
      e += row[i] * row[i];
    }
    zero |= e == 0.0;
    for (int i = 0; i < N_SEG; i++)
      row[i] *= 1.0 / sqrt(e);
  }
  return (normalise_columns(a, jc) | zero) ? -1 : 0;
}

/* ESTOI with noise = NULL (jitter-free; *degenerate set when a zero norm
 * occurs) or with pystoi's four jitter blocks. */
static double estoi_value(const stoi_work *w, const double *noise, int *degenerate)
{
  const int64_t n_segs = w->n_stft - N_SEG + 1;
  const size_t cell = (size_t)N_BAND * N_SEG, block = (size_t)n_segs * cell;
  double a[N_BAND * N_SEG], c[N_BAND * N_SEG], sum = 0.0;
  for (int64_t m = 0; m < n_segs; m++) {
    const size_t o = (size_t)m * cell;
    int bad = estoi_normalise(w->tx, m, noise ? noise + o : NULL, noise ? noise + block + o : NULL, a);
    bad |= estoi_normalise(w->ty, m, noise ? noise + 2 * block + o : NULL, noise ? noise + 3 * block + o : NULL,
                           c);
    if (bad && !noise) {
      *degenerate = 1;
      return NAN;
    }
    for (size_t k = 0; k < cell; k++)
      sum += a[k] * c[k] / N_SEG;
  }
  return sum / (double)n_segs;
}

/* ESTOI with the jitter of np.random.seed(0) (see the header). */
static sb_err estoi_jittered(const stoi_work *w, double *out)
{
  const size_t block = (size_t)(w->n_stft - N_SEG + 1) * N_BAND * N_SEG;
  sb_npyrandom *rng = NULL;
  double *noise = malloc(sizeof *noise * 4 * block);
  sb_err err = SB_ENOMEM;
  if (noise && (err = sb_npyrandom_new(0, &rng)) == SB_OK && (err = sb_npyrandom_randn(rng, noise, 4 * block)) == SB_OK)
    *out = estoi_value(w, noise, NULL);
  sb_npyrandom_free(&rng);
  free(noise);
  return err;
}

/* What makes the pair not computable, or SB_STOI_OK. */
static sb_stoi_status check_input(const double *ref, const double *est, int64_t n)
{
  int silent = 1;
  for (int64_t i = 0; i < n; i++) {
    if (!isfinite(ref[i]) || !isfinite(est[i]))
      return SB_STOI_NONFINITE;
    silent &= ref[i] == 0.0;
  }
  return silent ? SB_STOI_SILENT_REF : SB_STOI_OK;
}

static void fill_debug(const stoi_work *w, sb_stoi_debug *dbg)
{
  memset(dbg, 0, sizeof *dbg);
  dbg->len_10k = w->n10;
  dbg->energy_frames = w->n_frames;
  dbg->frames_kept = w->n_kept;
  dbg->len_after_silence_removal = w->xs ? w->n_sil : 0;
  dbg->stft_frames = w->xs ? w->n_stft : 0;
  dbg->segments = w->n_stft >= N_SEG ? w->n_stft - N_SEG + 1 : 0;
  for (int64_t i = 0; w->x10 && i < w->n10; i++) {
    dbg->ref_10k_sum += w->x10[i];
    dbg->ref_10k_sumsq += w->x10[i] * w->x10[i];
  }
  for (int64_t i = 0; w->xs && i < w->n_sil; i++) {
    dbg->ref_sil_sum += w->xs[i];
    dbg->ref_sil_sumsq += w->xs[i] * w->xs[i];
  }
}

sb_err sb_stoi_eval(const sb_stoi *s, const double *ref, const double *est, int64_t n, sb_stoi_values *out,
                    sb_stoi_debug *dbg)
{
  stoi_work w = {0};
  sb_err err;
  int degenerate = 0;
  if (!s || !ref || !est || !out || n < 1)
    return SB_EINVAL;
  out->stoi = out->estoi = NAN;
  if (dbg)
    memset(dbg, 0, sizeof *dbg);
  if ((out->status = check_input(ref, est, n)) != SB_STOI_OK)
    return SB_OK;
  if ((err = to_10k(s, ref, est, n, &w)) != SB_OK || (err = remove_silent(s, &w)) != SB_OK ||
      (err = analyse(s, &w)) != SB_OK)
    goto done;
  if (!w.tx) {
    out->status = SB_STOI_TOO_FEW_FRAMES;
    out->stoi = out->estoi = SB_STOI_TOO_FEW_VALUE;
    goto done;
  }
  out->stoi = stoi_value(&w);
  out->estoi = estoi_value(&w, NULL, &degenerate);
  if (degenerate)
    err = estoi_jittered(&w, &out->estoi);
done:
  if (dbg)
    fill_debug(&w, dbg);
  work_free(&w);
  return err;
}

sb_err sb_stoi_pair(const double *ref, const double *est, int64_t n, int rate, sb_stoi_values *out,
                    sb_msg *msg)
{
  sb_stoi *s = NULL;
  sb_err err = sb_stoi_new(rate, &s, msg);
  if (err == SB_OK)
    err = sb_stoi_eval(s, ref, est, n, out, NULL);
  sb_stoi_free(&s);
  return err;
}

const char *sb_stoi_status_text(sb_stoi_status st)
{
  switch (st) {
  case SB_STOI_TOO_FEW_FRAMES:
    return "fewer than 30 STFT frames after silent-frame removal: 1e-5 as pystoi";
  case SB_STOI_SILENT_REF:
    return "the reference is silent (every sample 0): NaN";
  case SB_STOI_NONFINITE:
    return "a sample is NaN or infinite";
  default:
    return "";
  }
}

void sb_stoi_free(sb_stoi **s)
{
  if (!s || !*s)
    return;
  sb_octresample_free(&(*s)->rs);
  sb_fftplan_destroy(&(*s)->plan);
  free(*s);
  *s = NULL;
}
