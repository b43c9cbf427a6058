/*
 * metrics/framing.c — museval framing, silent frames, NaN rules and the
 * one-pass per-frame energies (see framing.h and shared/specs/bsseval.md §2).
 *
 * The signal is cut into "pieces": the elementary segments between
 * consecutive frame boundaries (starts and stops of every frame, 0 and T),
 * each further split into chunks of at most SB_PIECE_MAX samples.  Every
 * piece is reduced by one thread; frames and the whole signal are sums of
 * pieces in index order, which keeps the results independent of the
 * thread count and also handles overlapping frames (hop < win).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/first_error.h"
#include "metrics/framing.h"

#define SB_PIECE_MAX SB_SPAN_MAX

sb_err sb_framing_init(sb_framing *f, int64_t n_samples, int64_t win, int64_t hop)
{
  if (!f || n_samples < 1 || (win > 0 && hop < 1))
    return SB_EINVAL;
  f->n_samples = n_samples;
  if (win <= 0) {
    f->win = n_samples;
    f->hop = n_samples;
    f->n_frames = 1;
    return SB_OK;
  }
  f->win = win;
  f->hop = hop;
  f->n_frames = win < n_samples ? (n_samples - win + hop) / hop : 1;
  return SB_OK;
}

sb_err sb_framing_v3_single(sb_framing *f)
{
  if (!f)
    return SB_EINVAL;
  if (f->n_frames == 1 && f->win < f->n_samples) {
    f->win = f->n_samples;
    f->hop = f->n_samples;
  }
  return SB_OK;
}

void sb_framing_bounds(const sb_framing *f, int64_t k, int64_t *start, int64_t *stop)
{
  int64_t begin = k * f->hop;
  int64_t end = f->win < f->n_samples - begin ? begin + f->win : f->n_samples;
  *start = begin;
  *stop = end;
}

int64_t sb_framing_tail(const sb_framing *f)
{
  int64_t start, stop;
  sb_framing_bounds(f, f->n_frames - 1, &start, &stop);
  return f->n_samples - stop;
}

int sb_is_silent(int n_chan, const double *const *chan, int64_t start, int64_t stop)
{
  if (n_chan == 1) {
    const double *x = chan[0];
    for (int64_t n = start; n < stop; n++)
      if (x[n] != 0.0)
        return 0;
    return 1;
  }
  if (n_chan == 2) {
    const double *x0 = chan[0], *x1 = chan[1];
    for (int64_t n = start; n < stop; n++)
      if (x0[n] + x1[n] != 0.0)
        return 0;
    return 1;
  }
  for (int64_t n = start; n < stop; n++) {
    double sum = chan[0][n];
    for (int c = 1; c < n_chan; c++)
      sum += chan[c][n];
    if (sum != 0.0)
      return 0;
  }
  return 1;
}

/* Adds sum r^2 and sum (e - r)^2 over n samples to *ref_energy, *err_energy.
 * The simd reduction lets the compiler keep vector partial sums; its order
 * is fixed at compile time, so results do not depend on the thread count. */
static void piece_energy(const double *r, const double *e, int64_t n, double *ref_energy,
                         double *err_energy)
{
  double re = 0.0, ee = 0.0;
#pragma omp simd reduction(+ : re, ee)
  for (int64_t i = 0; i < n; i++) {
    double d = e[i] - r[i];
    re += r[i] * r[i];
    ee += d * d;
  }
  *ref_energy += re;
  *err_energy += ee;
}

static int cmp_i64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Index of the piece that starts at sample pos (pieces sorted, pos is a
 * boundary). */
static int64_t piece_at(const int64_t *piece_start, int64_t n_pieces, int64_t pos)
{
  int64_t lo = 0, hi = n_pieces - 1;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (piece_start[mid] < pos)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Builds the sorted piece starts (n_pieces + 1 entries, the last is T). */
static sb_err make_pieces(const sb_framing *f, int64_t **out, int64_t *n_out)
{
  int64_t n_bound = 0, n_unique = 0, n_pieces = 0;
  int64_t *bound = malloc((size_t)(2 * f->n_frames + 2) * sizeof *bound);
  int64_t *piece = NULL;
  if (!bound)
    return SB_ENOMEM;
  bound[n_bound++] = 0;
  bound[n_bound++] = f->n_samples;
  for (int64_t k = 0; k < f->n_frames; k++) {
    sb_framing_bounds(f, k, &bound[n_bound], &bound[n_bound + 1]);
    n_bound += 2;
  }
  qsort(bound, (size_t)n_bound, sizeof *bound, cmp_i64);
  for (int64_t i = 0; i < n_bound; i++)
    if (n_unique == 0 || bound[i] != bound[n_unique - 1])
      bound[n_unique++] = bound[i];
  for (int64_t i = 0; i + 1 < n_unique; i++)
    n_pieces += (bound[i + 1] - bound[i] + SB_PIECE_MAX - 1) / SB_PIECE_MAX;
  piece = malloc((size_t)(n_pieces + 1) * sizeof *piece);
  if (!piece) {
    free(bound);
    return SB_ENOMEM;
  }
  n_pieces = 0;
  for (int64_t i = 0; i + 1 < n_unique; i++)
    for (int64_t pos = bound[i]; pos < bound[i + 1]; pos += SB_PIECE_MAX)
      piece[n_pieces++] = pos;
  piece[n_pieces] = f->n_samples;
  free(bound);
  *out = piece;
  *n_out = n_pieces;
  return SB_OK;
}

void sb_frame_stats_free(sb_frame_stats **s)
{
  if (!s || !*s)
    return;
  free((*s)->ref_energy);
  free((*s)->err_energy);
  free((*s)->ref_silent);
  free((*s)->est_silent);
  free((*s)->whole_ref_energy);
  free((*s)->whole_err_energy);
  free((*s)->whole_ref_silent);
  free((*s)->whole_est_silent);
  free(*s);
  *s = NULL;
}

/* Per-piece partial results of one pair. */
typedef struct piece_stats {
  double ref_energy, err_energy;
  unsigned char ref_silent, est_silent;
} piece_stats;

sb_err sb_frame_stats_compute(const sb_framing *f, const sb_sources *ref, const sb_sources *est,
                              const int *est_of_ref, sb_frame_stats **out)
{
  sb_err err = SB_ENOMEM;
  sb_frame_stats *s = NULL;
  int64_t *piece = NULL, n_pieces = 0;
  piece_stats *ps = NULL;
  int n_pairs, n_chan;
  size_t n_cells;

  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!f || !ref || !est || ref->n_chan != est->n_chan || ref->n_chan < 1 ||
      ref->n_samples != f->n_samples || est->n_samples != f->n_samples || ref->n_src < 1)
    return SB_EINVAL;
  n_pairs = ref->n_src;
  n_chan = ref->n_chan;
  for (int j = 0; j < n_pairs; j++) {
    int e = est_of_ref ? est_of_ref[j] : j;
    if (e < 0 || e >= est->n_src)
      return SB_EINVAL;
  }
  n_cells = (size_t)n_pairs * (size_t)f->n_frames;
  s = calloc(1, sizeof *s);
  if (!s)
    goto fail;
  s->n_pairs = n_pairs;
  s->n_frames = f->n_frames;
  s->ref_energy = calloc(n_cells, sizeof *s->ref_energy);
  s->err_energy = calloc(n_cells, sizeof *s->err_energy);
  s->ref_silent = calloc(n_cells, 1);
  s->est_silent = calloc(n_cells, 1);
  s->whole_ref_energy = calloc((size_t)n_pairs, sizeof *s->whole_ref_energy);
  s->whole_err_energy = calloc((size_t)n_pairs, sizeof *s->whole_err_energy);
  s->whole_ref_silent = calloc((size_t)n_pairs, 1);
  s->whole_est_silent = calloc((size_t)n_pairs, 1);
  if (!s->ref_energy || !s->err_energy || !s->ref_silent || !s->est_silent ||
      !s->whole_ref_energy || !s->whole_err_energy || !s->whole_ref_silent || !s->whole_est_silent)
    goto fail;
  err = make_pieces(f, &piece, &n_pieces);
  if (err != SB_OK)
    goto fail;
  err = SB_ENOMEM;
  ps = malloc((size_t)n_pairs * (size_t)n_pieces * sizeof *ps);
  if (!ps)
    goto fail;

  err = SB_OK;
#pragma omp parallel
  {
    int64_t n_tasks = (int64_t)n_pairs * n_pieces;
    const double **rc = malloc(2 * (size_t)n_chan * sizeof *rc), **ec = rc ? rc + n_chan : NULL;
    double *scratch = ref->chan && est->chan
                        ? NULL
                        : malloc(2 * (size_t)n_chan * (size_t)SB_SPAN_MAX * sizeof *scratch);
    sb_err terr = rc && (scratch || (ref->chan && est->chan)) ? SB_OK : SB_ENOMEM;
#pragma omp for schedule(dynamic, 4)
    for (int64_t t = 0; t < n_tasks; t++) {
      int j = (int)(t / n_pieces);
      int64_t p = t % n_pieces;
      int e = est_of_ref ? est_of_ref[j] : j;
      int64_t begin = piece[p], len = piece[p + 1] - piece[p];
      piece_stats *cell = &ps[t];
      for (int c = 0; c < n_chan && terr == SB_OK; c++) {
        terr = sb_sources_span(ref, j, c, begin, len,
                               scratch ? scratch + (size_t)c * SB_SPAN_MAX : NULL, &rc[c]);
        if (terr == SB_OK)
          terr = sb_sources_span(est, e, c, begin, len,
                                 scratch ? scratch + (size_t)(n_chan + c) * SB_SPAN_MAX : NULL,
                                 &ec[c]);
      }
      if (terr != SB_OK)
        continue;
      cell->ref_energy = 0.0;
      cell->err_energy = 0.0;
      for (int c = 0; c < n_chan; c++)
        piece_energy(rc[c], ec[c], len, &cell->ref_energy, &cell->err_energy);
      cell->ref_silent = (unsigned char)sb_is_silent(n_chan, rc, 0, len);
      cell->est_silent = (unsigned char)sb_is_silent(n_chan, ec, 0, len);
    }
    sb_first_error_keep(&err, terr);
    free(rc);
    free(scratch);
  }
  if (err != SB_OK)
    goto fail;

  for (int j = 0; j < n_pairs; j++) {
    const piece_stats *row = ps + (size_t)j * (size_t)n_pieces;
    double re = 0.0, ee = 0.0;
    unsigned char rs = 1, es = 1;
    for (int64_t p = 0; p < n_pieces; p++) {
      re += row[p].ref_energy;
      ee += row[p].err_energy;
      rs &= row[p].ref_silent;
      es &= row[p].est_silent;
    }
    s->whole_ref_energy[j] = re;
    s->whole_err_energy[j] = ee;
    s->whole_ref_silent[j] = rs;
    s->whole_est_silent[j] = es;
    for (int64_t k = 0; k < f->n_frames; k++) {
      int64_t start, stop;
      size_t cell = (size_t)j * (size_t)f->n_frames + (size_t)k;
      sb_framing_bounds(f, k, &start, &stop);
      re = 0.0;
      ee = 0.0;
      rs = 1;
      es = 1;
      for (int64_t p = piece_at(piece, n_pieces, start); p < n_pieces && piece[p] < stop; p++) {
        re += row[p].ref_energy;
        ee += row[p].err_energy;
        rs &= row[p].ref_silent;
        es &= row[p].est_silent;
      }
      s->ref_energy[cell] = re;
      s->err_energy[cell] = ee;
      s->ref_silent[cell] = rs;
      s->est_silent[cell] = es;
    }
  }
  free(ps);
  free(piece);
  *out = s;
  return SB_OK;

fail:
  free(ps);
  free(piece);
  sb_frame_stats_free(&s);
  return err;
}

sb_err sb_framing_nan_mask(const sb_frame_stats *s, sb_silent_rule rule, unsigned char *skip,
                           unsigned char *flags)
{
  int64_t n_frames;
  if (!s || (rule != SB_SILENT_ALL && rule != SB_SILENT_PER_SOURCE))
    return SB_EINVAL;
  n_frames = s->n_frames;
  for (int64_t k = 0; k < n_frames; k++) {
    unsigned char why = 0;
    for (int j = 0; j < s->n_pairs; j++) {
      size_t cell = (size_t)j * (size_t)n_frames + (size_t)k;
      if (s->ref_silent[cell])
        why |= SB_FRAME_REF_SILENT;
      if (s->est_silent[cell])
        why |= SB_FRAME_EST_SILENT;
    }
    for (int j = 0; skip && j < s->n_pairs; j++) {
      size_t cell = (size_t)j * (size_t)n_frames + (size_t)k;
      if (rule == SB_SILENT_ALL)
        skip[cell] = why != 0;
      else
        skip[cell] = s->ref_silent[cell] || s->est_silent[cell];
    }
    if (flags)
      flags[k] = why;
  }
  return SB_OK;
}
