/*
 * metrics/evaluate_speech.c — the speech metrics of sb_evaluate: STOI,
 * ESTOI and their improvements over the mixture (metrics/stoi.h), SA-SDR
 * and SI-SA-SDR (metrics/sasdr.h); conventions in metrics/evaluate.h.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "metrics/evaluate_parts.h"
#include "metrics/sasdr.h"
#include "metrics/stoi.h"

/* Buffers of one channel of a reference and of an estimate (or the mixture). */
typedef struct speech_bufs {
  double *ref, *est;
} speech_bufs;

static void label_of(const eval_ctx *x, int j, char *label, size_t len)
{
  if (x->opts->names)
    snprintf(label, len, "'%s'", x->opts->names[j]);
  else
    snprintf(label, len, "%d", j);
}

/* Values of signal e of est (an estimate or the mixture) against
 * reference j: means over channels, and the first status that is not
 * SB_STOI_OK. */
static sb_err pair_values(const eval_ctx *x, const sb_stoi *s, int j, const sb_sources *est, int e,
                          speech_bufs *b, sb_stoi_values *v)
{
  const int64_t n = x->ref->n_samples;
  sb_stoi_values sum = {0.0, 0.0, SB_STOI_OK};
  for (int c = 0; c < x->ref->n_chan; c++) {
    sb_stoi_values cv;
    sb_err err = sb_sources_copy(x->ref, j, c, 0, n, b->ref);
    if (err || (err = sb_sources_copy(est, e, c, 0, n, b->est)) ||
        (err = sb_stoi_eval(s, b->ref, b->est, n, &cv, NULL)))
      return err;
    sum.stoi += cv.stoi;
    sum.estoi += cv.estoi;
    if (sum.status == SB_STOI_OK)
      sum.status = cv.status;
  }
  v->stoi = sum.stoi / x->ref->n_chan;
  v->estoi = sum.estoi / x->ref->n_chan;
  v->status = sum.status;
  return SB_OK;
}

/* STOI/ESTOI (and dSTOI/dESTOI) of reference j into its whole values. */
static sb_err stoi_of_source(eval_ctx *x, const sb_stoi *s, int j, speech_bufs *b, sb_msg *msg)
{
  const unsigned metrics = x->opts->metrics;
  double *w = x->r->whole + (size_t)j * SB_WM_COUNT;
  sb_stoi_values v, m;
  char label[128];
  sb_err err = pair_values(x, s, j, x->est, x->r->perm[j], b, &v);
  if (err)
    return sb_msg_set(msg, err, "STOI of reference %d: %s", j, sb_strerror(err));
  label_of(x, j, label, sizeof label);
  if (v.status != SB_STOI_OK)
    sb_eval_note_add(x->r, "STOI/ESTOI of reference %s: %s", label, sb_stoi_status_text(v.status));
  if (metrics & SB_METRIC_STOI)
    w[SB_WM_STOI] = v.stoi;
  if (metrics & SB_METRIC_ESTOI)
    w[SB_WM_ESTOI] = v.estoi;
  if (!(metrics & SB_METRIC_IMPROVE) || !x->mix)
    return SB_OK;
  if ((err = pair_values(x, s, j, x->mix, 0, b, &m)) != SB_OK)
    return sb_msg_set(msg, err, "STOI of the mixture against reference %d: %s", j, sb_strerror(err));
  if (m.status != SB_STOI_OK)
    sb_eval_note_add(x->r, "STOI/ESTOI of the mixture against reference %s: %s", label,
                     sb_stoi_status_text(m.status));
  if (metrics & SB_METRIC_STOI)
    w[SB_WM_DSTOI] = v.stoi - m.stoi;
  if (metrics & SB_METRIC_ESTOI)
    w[SB_WM_DESTOI] = v.estoi - m.estoi;
  return SB_OK;
}

static sb_err stoi_values(eval_ctx *x, sb_msg *msg)
{
  const size_t n = (size_t)x->ref->n_samples;
  speech_bufs b = {malloc(sizeof *b.ref * n), malloc(sizeof *b.est * n)};
  sb_stoi *s = NULL;
  sb_msg why = {{0}};
  sb_err err = sb_stoi_new(x->ref->rate, &s, &why);
  if (err == SB_ERATE) {
    sb_eval_note_add(x->r, "STOI/ESTOI not computed: %s", why.text);
    err = SB_OK;
  } else if (err != SB_OK || !b.ref || !b.est) {
    err = sb_msg_set(msg, SB_ENOMEM, "STOI: out of memory");
  } else {
    for (int j = 0; j < x->n_src && err == SB_OK; j++)
      err = stoi_of_source(x, s, j, &b, msg);
  }
  sb_stoi_free(&s);
  free(b.ref);
  free(b.est);
  return err;
}

static sb_err sasdr_values(eval_ctx *x, sb_msg *msg)
{
  sb_sasdr_values v;
  sb_err err;
  if (!(x->r->track = malloc(sizeof *x->r->track * SB_TM_COUNT)))
    return sb_msg_set(msg, SB_ENOMEM, "SA-SDR: out of memory");
  if ((err = sb_sasdr(x->ref, x->est, x->r->perm, x->opts->zero_mean, &v)) != SB_OK)
    return sb_msg_set(msg, err, "SA-SDR: %s", sb_strerror(err));
  x->r->track[SB_TM_SA_SDR] = v.sa_sdr;
  x->r->track[SB_TM_SI_SA_SDR] = v.si_sa_sdr;
  return SB_OK;
}

sb_err sb_eval_speech_values(eval_ctx *x, sb_msg *msg)
{
  const unsigned metrics = x->opts->metrics;
  sb_err err = SB_OK;
  if (metrics & (SB_METRIC_STOI | SB_METRIC_ESTOI))
    err = stoi_values(x, msg);
  if (err == SB_OK && (metrics & SB_METRIC_SASDR))
    err = sasdr_values(x, msg);
  return err;
}
