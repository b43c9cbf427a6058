/*
 * api/evaluate.c — the evaluation half of the public C API
 * (include/sepbench/sepbench.h) over metrics/evaluate.h: options mapped
 * onto sb_eval_opts, a result that wraps sb_eval_result, and mir_eval's
 * framewise permutation (one permutation per frame, each frame scored as
 * a whole signal; frames with a silent reference or estimate NaN).
 */
#include <config.h>

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "sepbench/sepbench.h"
#include "metrics/evaluate.h"
#include "api/result.h"

/* The public names are the internal values: checked here once. */
_Static_assert((int)SEPBENCH_GROUP_BSS == (int)SB_METRIC_BSS && (int)SEPBENCH_GROUP_SI == (int)SB_METRIC_SISDR &&
                   (int)SEPBENCH_GROUP_GSDR == (int)SB_METRIC_GSDR && (int)SEPBENCH_GROUP_SNR == (int)SB_METRIC_SNR &&
                   (int)SEPBENCH_GROUP_IMPROVE == (int)SB_METRIC_IMPROVE && (int)SEPBENCH_GROUP_SDR == (int)SB_METRIC_SDR &&
                   (int)SEPBENCH_GROUP_PSPM == (int)SB_METRIC_PSPM &&
                   (int)SEPBENCH_GROUP_STOI == (int)SB_METRIC_STOI && (int)SEPBENCH_GROUP_ESTOI == (int)SB_METRIC_ESTOI &&
                   (int)SEPBENCH_GROUP_SASDR == (int)SB_METRIC_SASDR,
               "metric groups");
_Static_assert((int)SEPBENCH_VALUE_COUNT == (int)SB_WM_COUNT && (int)SEPBENCH_SI_SDRI == (int)SB_WM_SI_SDRI &&
                   (int)SEPBENCH_DESTOI == (int)SB_WM_DESTOI &&
                   (int)SEPBENCH_FRAME_COUNT == (int)SB_FM_COUNT && (int)SEPBENCH_SERIES_PM == (int)SB_PSM_PM &&
                   (int)SEPBENCH_TRACK_COUNT == (int)SB_TM_COUNT && (int)SEPBENCH_SI_SA_SDR == (int)SB_TM_SI_SA_SDR,
               "metric indices");
_Static_assert((int)SEPBENCH_FRAME_REF_SILENT == (int)SB_FRAME_REF_SILENT && (int)SEPBENCH_FRAME_EST_SILENT == (int)SB_FRAME_EST_SILENT,
               "frame flags");


const char *sepbench_version(void)
{
  return PACKAGE_VERSION;
}

void sepbench_options_init(sepbench_options *o, int rate)
{
  sb_eval_opts e;

  sb_eval_opts_default(&e, rate);
  memset(o, 0, sizeof *o);
  o->size = sizeof *o;
  o->metrics = e.metrics;
  o->mode = (int)e.mode;
  o->criterion = (int)e.crit;
  o->permutation = (int)e.perm;
  o->silent = (int)e.silent;
  o->win = e.win;
  o->hop = e.hop;
  o->filter_len = e.filter_len;
  o->zero_mean = e.zero_mean;
}

const char *sepbench_value_name(int value)
{
  return sb_whole_metric_name(value);
}

const char *sepbench_frame_name(int frame_metric)
{
  return sb_frame_metric_name(frame_metric);
}

const char *sepbench_track_name(int track_metric)
{
  return sb_track_metric_name(track_metric);
}

/* o as sb_eval_opts; SB_EINVAL for values out of range. */
static sb_err map_options(const sepbench_options *o, sb_eval_opts *e, sb_msg *msg)
{
  if (!o || (o->size != sizeof *o && o->size != offsetof(sepbench_options, frames_only)))
    return sb_msg_set(msg, SB_EINVAL, "sepbench_evaluate: options not set by sepbench_options_init");
  if (o->mode < 0 || o->mode > SEPBENCH_MODE_V3 || o->criterion < 0 || o->criterion > SEPBENCH_CRIT_SOURCES ||
      o->permutation < 0 || o->permutation > SEPBENCH_PERM_HUNGARIAN || o->silent < 0 ||
      o->silent > SEPBENCH_SILENT_PER_SOURCE)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_evaluate: mode, criterion, permutation or silent rule out of range");
  sb_eval_opts_default(e, 0);
  e->metrics = o->metrics;
  e->mode = (sb_bss_mode)o->mode;
  e->crit = (sb_bss_crit)o->criterion;
  e->perm = (sb_perm_rule)o->permutation;
  e->silent = (sb_silent_rule)o->silent;
  e->win = o->win;
  e->hop = o->hop;
  e->filter_len = o->filter_len;
  e->zero_mean = o->zero_mean;
  e->pspm_embedder = o->pspm_embedder;
  /* Fields after pspm_embedder only when the caller's struct has them. */
  e->frames_only = o->size == sizeof *o ? o->frames_only : 0;
  return SB_OK;
}

/* A view for sb_evaluate over s, from sample t0 for n samples; chan holds
 * n_src * n_chan pointers. */
static sb_sources view(const sepbench_signals *s, int64_t t0, int64_t n, const double **chan)
{
  sb_sources v;
  int i;

  for (i = 0; i < s->n_src * s->n_chan; i++)
    chan[i] = s->chan[i] + t0;
  v.n_src = s->n_src;
  v.n_chan = s->n_chan;
  v.n_samples = n;
  v.rate = s->rate;
  v.chan = chan;
  v.read = NULL;
  v.read_ctx = NULL;
  return v;
}

/* Checks the parts of a group sb_evaluate cannot: pointers and counts. */
static sb_err check_signals(const sepbench_signals *s, const char *what, sb_msg *msg)
{
  int i;

  if (!s || !s->chan || s->n_src < 1 || s->n_chan < 1 || s->n_samples < 1)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_evaluate: %s: no signal (sources, channels and samples must be >= 1)", what);
  for (i = 0; i < s->n_src * s->n_chan; i++)
    if (!s->chan[i])
      return sb_msg_set(msg, SB_EINVAL, "sepbench_evaluate: %s: channel array %d is NULL", what, i);
  return SB_OK;
}

/* Frame k of mir_eval's framewise evaluation with a permutation: frame
 * [k hop, k hop + win) scored as a whole signal into column k of r. */
static sb_err eval_one_frame(const sb_eval_opts *e, const sepbench_signals *ref, const sepbench_signals *est,
                             int64_t k, sepbench_result *res, const double **rc, const double **ec, sb_msg *msg)
{
  sb_eval_result *r = res->r, *f = NULL;
  sb_eval_opts whole = *e;
  sb_sources rv, ev;
  int64_t nf = r->n_frames;
  sb_err err;
  int j, m;
  int64_t t0 = k * r->hop, n = r->win < ref->n_samples - t0 ? r->win : ref->n_samples - t0;

  whole.win = whole.hop = 0;
  rv = view(ref, t0, n, rc);
  ev = view(est, t0, n, ec);
  err = sb_evaluate(&whole, &rv, &ev, NULL, &f, msg);
  if (err != SB_OK)
    return err;
  for (j = 0; j < r->n_src; j++) {
    int nan = f->frame_flags[0] != 0;
    for (m = 0; m < SB_FM_COUNT; m++)
      if (r->frame[m])
        r->frame[m][j * nf + k] = nan ? NAN : f->whole[j * SB_WM_COUNT + m];
    res->frame_perm[j * nf + k] = nan ? -1 : f->perm[j];
  }
  r->frame_flags[k] = f->frame_flags[0];
  sb_eval_result_free(&f);
  return SB_OK;
}

/* Replaces the frames of res->r by per-frame permuted whole evaluations. */
static sb_err eval_frames_permuted(const sb_eval_opts *e, const sepbench_signals *ref,
                                   const sepbench_signals *est, sepbench_result *res, sb_msg *msg)
{
  int64_t k, nf = res->r->n_frames;
  const double **rc = NULL, **ec = NULL;
  size_t n_ch = (size_t)ref->n_src * (size_t)ref->n_chan;
  sb_err err = SB_ENOMEM;

  res->frame_perm = malloc(sizeof(int) * (size_t)nf * (size_t)ref->n_src);
  rc = malloc(sizeof *rc * n_ch);
  ec = malloc(sizeof *ec * n_ch);
  if (!res->frame_perm || !rc || !ec)
    goto fail;
  for (k = 0; k < nf; k++) {
    err = eval_one_frame(e, ref, est, k, res, rc, ec, msg);
    if (err != SB_OK)
      goto fail;
  }
  err = SB_OK;
fail:
  free(rc);
  free(ec);
  return err;
}

/* The frames evaluated for the per-frame permutation must be whole frames
 * of BSS values: one frame per [k hop, k hop + win). */
static int wants_frame_permutation(const sepbench_options *o, const sb_eval_opts *e)
{
  return o->frame_permutation && e->win > 0 && e->perm != SB_PERM_NONE;
}

sb_err sepbench_evaluate(const sepbench_options *o, const sepbench_signals *ref,
                         const sepbench_signals *est, const sepbench_signals *mix,
                         sepbench_result **out, sb_msg *msg)
{
  sb_eval_opts e;
  sb_sources rv, ev, mv;
  const double **rc = NULL, **ec = NULL, **mc = NULL;
  sepbench_result *res = NULL;
  sb_err err;
#ifdef _OPENMP
  int threads_before = omp_get_max_threads();
#endif

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_evaluate: NULL result pointer");
  *out = NULL;
  if ((err = map_options(o, &e, msg)) != SB_OK || (err = check_signals(ref, "references", msg)) != SB_OK ||
      (err = check_signals(est, "estimates", msg)) != SB_OK ||
      (mix && (err = check_signals(mix, "mixture", msg)) != SB_OK))
    return err;
  if (ref->n_src != est->n_src)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_evaluate: %d references but %d estimates", ref->n_src, est->n_src);
  if (ref->n_chan != est->n_chan)
    return sb_msg_set(msg, SB_ECHAN, "sepbench_evaluate: references have %d channels, estimates %d",
                      ref->n_chan, est->n_chan);
  err = SB_ENOMEM;
  res = calloc(1, sizeof *res);
  rc = malloc(sizeof *rc * (size_t)ref->n_src * (size_t)ref->n_chan);
  ec = malloc(sizeof *ec * (size_t)est->n_src * (size_t)est->n_chan);
  mc = mix ? malloc(sizeof *mc * (size_t)mix->n_src * (size_t)mix->n_chan) : NULL;
  if (!res || !rc || !ec || (mix && !mc))
    goto fail;
  rv = view(ref, 0, ref->n_samples, rc);
  ev = view(est, 0, est->n_samples, ec);
  if (mix)
    mv = view(mix, 0, mix->n_samples, mc);
#ifdef _OPENMP
  if (o->threads > 0)
    omp_set_num_threads(o->threads);
#endif
  err = sb_evaluate(&e, &rv, &ev, mix ? &mv : NULL, &res->r, msg);
  if (err == SB_OK && wants_frame_permutation(o, &e))
    err = eval_frames_permuted(&e, ref, est, res, msg);
#ifdef _OPENMP
  omp_set_num_threads(threads_before);
#endif
  if (err != SB_OK)
    goto fail;
  res->opts = e;
  res->opts.pspm_embedder = e.pspm_embedder && strcmp(e.pspm_embedder, "logmel") == 0 ? "logmel" : NULL;
  *out = res;
  res = NULL;
fail:
  free(rc);
  free(ec);
  free(mc);
  sepbench_result_free(&res);
  return err;
}

void sepbench_result_free(sepbench_result **r)
{
  if (!r || !*r)
    return;
  sb_eval_result_free(&(*r)->r);
  free((*r)->frame_perm);
  free(*r);
  *r = NULL;
}

int sepbench_result_n_src(const sepbench_result *r)
{
  return r->r->n_src;
}

int64_t sepbench_result_n_frames(const sepbench_result *r)
{
  return r->r->n_frames;
}

int64_t sepbench_result_win(const sepbench_result *r)
{
  return r->r->win;
}

int64_t sepbench_result_hop(const sepbench_result *r)
{
  return r->r->hop;
}

const double *sepbench_result_frames(const sepbench_result *r, int m)
{
  return m >= 0 && m < SB_FM_COUNT ? r->r->frame[m] : NULL;
}

double sepbench_result_value(const sepbench_result *r, int j, int m)
{
  if (j < 0 || j >= r->r->n_src || m < 0 || m >= SB_WM_COUNT)
    return NAN;
  return r->r->whole[j * SB_WM_COUNT + m];
}

const int *sepbench_result_permutation(const sepbench_result *r)
{
  return r->r->perm;
}

const int *sepbench_result_permutation_si(const sepbench_result *r)
{
  return r->r->perm_si;
}

const int *sepbench_result_frame_permutation(const sepbench_result *r)
{
  return r->frame_perm;
}

const unsigned char *sepbench_result_frame_flags(const sepbench_result *r)
{
  return r->r->frame_flags;
}

double sepbench_result_track(const sepbench_result *r, int m)
{
  return r->r->track && m >= 0 && m < SEPBENCH_TRACK_COUNT ? r->r->track[m] : NAN;
}

const char *sepbench_result_note(const sepbench_result *r)
{
  return r->r->note;
}

const double *sepbench_result_pspm(const sepbench_result *r, int s)
{
  return s >= 0 && s < SEPBENCH_SERIES_COUNT ? r->r->pspm[s] : NULL;
}

int64_t sepbench_result_pspm_frames(const sepbench_result *r)
{
  return r->r->pspm_n_frames;
}

double sepbench_result_pspm_hop(const sepbench_result *r)
{
  return r->r->pspm_hop_s;
}
