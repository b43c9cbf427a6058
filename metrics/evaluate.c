/*
 * metrics/evaluate.c — the orchestrator behind sb_evaluate (see
 * evaluate.h for the contract and shared/specs/bsseval.md for the
 * reference behaviour of museval 0.4.1, mir_eval 0.7 and fast_bss_eval
 * 0.1.4 that it reproduces).
 *
 * Order of work:
 *   1. one pass over every (reference j, estimate j) pair: per-frame and
 *      whole energies and silence (framing.h); a non-finite energy means a
 *      NaN/Inf sample, which is then located for the message;
 *   2. NaN masks (museval's all-sources rule or the per-source rule);
 *   3. permutations: SI-SDR matrix for perm_si; SIR of all J x J pairs
 *      (BSS Eval) or whole SNR for perm;
 *   4. framewise SDR from the energies (images) — no filter, no solve;
 *      ISR/SIR/SAR (and sources SDR) from one sb_bsseval_eval_pairs call
 *      for all pairs;
 *   5. whole-signal values, SI family, global SDR, improvements.
 *
 * Workload: one call per (track, method).  The images-SDR-only path
 * (SB_METRIC_SDR) reads every sample once; everything else is dominated by
 * BSS Eval's filter solves.
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/evaluate.h"
#include "metrics/pspm.h"
#include "metrics/gsdr.h"
#include "metrics/permutation.h"
#include "metrics/sisdr.h"

#define SB_METRIC_KNOWN                                                                            \
  (SB_METRIC_BSS | SB_METRIC_SISDR | SB_METRIC_GSDR | SB_METRIC_SNR | SB_METRIC_IMPROVE | SB_METRIC_SDR | \
   SB_METRIC_PSPM)

static const char *const frame_metric_names[SB_FM_COUNT] = {"SDR", "ISR", "SIR", "SAR"};
static const char *const whole_metric_names[SB_WM_COUNT] = {
    "SDR", "ISR", "SIR", "SAR", "SI-SDR", "SI-SIR", "SI-SAR", "SD-SDR", "SNR", "global_SDR", "SDRi", "SI-SDRi",
    "PS", "PM"};
static const char *const pspm_metric_names[SB_PSM_COUNT] = {"PS", "PM", "PS_radius", "PM_radius",
                                                            "PS_ci", "PM_ci"};

const char *sb_pspm_metric_name(int psm)
{
  return psm >= 0 && psm < SB_PSM_COUNT ? pspm_metric_names[psm] : NULL;
}

const char *sb_frame_metric_name(int fm)
{
  return fm >= 0 && fm < SB_FM_COUNT ? frame_metric_names[fm] : NULL;
}

const char *sb_whole_metric_name(int wm)
{
  return wm >= 0 && wm < SB_WM_COUNT ? whole_metric_names[wm] : NULL;
}

void sb_eval_opts_default(sb_eval_opts *o, int rate)
{
  if (!o)
    return;
  memset(o, 0, sizeof *o);
  o->metrics = SB_METRIC_DEFAULT;
  o->mode = SB_BSS_V4;
  o->crit = SB_CRIT_IMAGES;
  o->perm = SB_PERM_NONE;
  o->silent = SB_SILENT_ALL;
  o->win = rate > 0 ? rate : 0;
  o->hop = rate > 0 ? rate : 0;
  o->filter_len = 512;
  o->zero_mean = 0;
}

void sb_eval_result_free(sb_eval_result **r)
{
  if (!r || !*r)
    return;
  for (int m = 0; m < SB_FM_COUNT; m++)
    free((*r)->frame[m]);
  free((*r)->whole);
  free((*r)->frame_flags);
  free((*r)->perm);
  free((*r)->perm_si);
  for (int m = 0; m < SB_PSM_COUNT; m++)
    free((*r)->pspm[m]);
  free(*r);
  *r = NULL;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void note_add(sb_eval_result *r, const char *fmt, ...)
{
  size_t used = strlen(r->note);
  va_list ap;
  if (used + 3 >= sizeof r->note)
    return;
  if (used > 0) {
    memcpy(r->note + used, "; ", 3);
    used += 2;
  }
  va_start(ap, fmt);
  vsnprintf(r->note + used, sizeof r->note - used, fmt, ap);
  va_end(ap);
}

/* museval's _safe_db: a zero error energy is +inf. */
static double safe_db(double num, double den)
{
  if (den == 0.0)
    return INFINITY;
  return 10.0 * log10(num / den);
}

/* SB_ENONFINITE naming the first NaN/Inf sample of a group (source,
 * channel, sample order), SB_OK when there is none, or the reader's
 * error. */
static sb_err report_nonfinite(const sb_sources *s, const char *label, sb_msg *msg)
{
  double *scratch = s->chan ? NULL : malloc((size_t)SB_SPAN_MAX * sizeof *scratch);
  sb_err err = s->chan || scratch ? SB_OK : SB_ENOMEM;
  for (int j = 0; j < s->n_src && err == SB_OK; j++)
    for (int c = 0; c < s->n_chan && err == SB_OK; c++)
      for (int64_t a = 0; a < s->n_samples && err == SB_OK; a += SB_SPAN_MAX) {
        int64_t n = s->n_samples - a < SB_SPAN_MAX ? s->n_samples - a : SB_SPAN_MAX;
        const double *x;
        if ((err = sb_sources_span(s, j, c, a, n, scratch, &x)) != SB_OK)
          break;
        for (int64_t t = 0; t < n; t++)
          if (!isfinite(x[t])) {
            err = sb_msg_set(msg, SB_ENONFINITE, "%s %d channel %d sample %lld: %s", label, j, c,
                             (long long)(a + t),
                             isnan(x[t]) ? "NaN" : x[t] > 0 ? "+Inf" : "-Inf");
            break;
          }
      }
  free(scratch);
  if (err != SB_OK && err != SB_ENONFINITE)
    return sb_msg_set(msg, err, "%s: %s", label, sb_strerror(err));
  return err;
}

static sb_err check_group(const sb_sources *s, const char *label, sb_msg *msg)
{
  if (!sb_sources_readable(s) || s->n_src < 1 || s->n_chan < 1 || s->n_samples < 1)
    return sb_msg_set(msg, SB_EINVAL, "%s: empty signal group (%d sources, %d channels, %lld samples)",
                      label, s->n_src, s->n_chan, (long long)s->n_samples);
  for (int i = 0; s->chan && i < s->n_src * s->n_chan; i++)
    if (!s->chan[i])
      return sb_msg_set(msg, SB_EINVAL, "%s: channel pointer %d is NULL", label, i);
  return SB_OK;
}

static sb_err check_shape(const sb_sources *ref, const sb_sources *x, const char *label, sb_msg *msg)
{
  sb_err err = check_group(x, label, msg);
  if (err != SB_OK)
    return err;
  if (x->n_chan != ref->n_chan)
    return sb_msg_set(msg, SB_ECHAN, "%s: %d channels, the references have %d", label, x->n_chan,
                      ref->n_chan);
  if (x->n_samples != ref->n_samples)
    return sb_msg_set(msg, SB_ELENGTH, "%s: %lld samples, the references have %lld (pad or truncate first)",
                      label, (long long)x->n_samples, (long long)ref->n_samples);
  if (x->rate != ref->rate)
    return sb_msg_set(msg, SB_ERATE, "%s: sample rate %d Hz, the references have %d Hz", label, x->rate,
                      ref->rate);
  return SB_OK;
}

static sb_err check_opts(const sb_eval_opts *o, int n_src, sb_msg *msg)
{
  if ((o->metrics & ~(unsigned)SB_METRIC_KNOWN) || o->metrics == 0)
    return sb_msg_set(msg, SB_EINVAL, "metric mask 0x%x is empty or has unknown bits", o->metrics);
  if (o->mode != SB_BSS_V4 && o->mode != SB_BSS_V3)
    return sb_msg_set(msg, SB_EINVAL, "unknown BSS Eval mode %d", (int)o->mode);
  if (o->crit != SB_CRIT_IMAGES && o->crit != SB_CRIT_SOURCES)
    return sb_msg_set(msg, SB_EINVAL, "unknown BSS Eval criterion %d", (int)o->crit);
  if (o->perm != SB_PERM_NONE && o->perm != SB_PERM_BRUTE && o->perm != SB_PERM_HUNGARIAN)
    return sb_msg_set(msg, SB_EINVAL, "unknown permutation rule %d", (int)o->perm);
  if (o->silent != SB_SILENT_ALL && o->silent != SB_SILENT_PER_SOURCE)
    return sb_msg_set(msg, SB_EINVAL, "unknown silent-frame rule %d", (int)o->silent);
  if (o->win > 0 && o->hop < 1)
    return sb_msg_set(msg, SB_EINVAL, "hop %lld samples: must be >= 1 with a %lld-sample window",
                      (long long)o->hop, (long long)o->win);
  if (o->perm == SB_PERM_BRUTE && n_src > SB_PERM_BRUTE_MAX)
    return sb_msg_set(msg, SB_EINVAL, "%d sources: brute-force permutation supports at most %d; use the Hungarian rule",
                      n_src, SB_PERM_BRUTE_MAX);
  return SB_OK;
}

/* Everything one evaluation shares between its steps. */
typedef struct eval_ctx {
  const sb_eval_opts *opts;
  const sb_sources *ref, *est, *mix;
  sb_framing f;
  int n_src;
  int64_t n_frames;
  sb_frame_stats *stats;     /* identity pairing */
  sb_eval_result *r;
} eval_ctx;

/* Frame NaN mask of the pair (reference j, estimate e). */
static void pair_skip(const eval_ctx *x, int j, int e, unsigned char *skip)
{
  int64_t nf = x->n_frames;
  for (int64_t k = 0; k < nf; k++) {
    if (x->opts->silent == SB_SILENT_ALL)
      skip[k] = x->r->frame_flags[k] != 0;
    else
      skip[k] = x->stats->ref_silent[(size_t)j * (size_t)nf + (size_t)k] ||
                x->stats->est_silent[(size_t)e * (size_t)nf + (size_t)k];
  }
}

/* Whole-signal exclusion of the pair: silent reference or estimate. */
static unsigned char pair_whole_skip(const eval_ctx *x, int j, int e)
{
  return x->stats->whole_ref_silent[j] || x->stats->whole_est_silent[e];
}

/* ------------------------------------------------------------ BSS Eval */

typedef struct bss_job {
  int target;                    /* reference index */
  int est;                       /* estimate index in the call's view */
  const unsigned char *skip;     /* n_out flags */
  double *sdr, *isr, *sir, *sar; /* n_out values each; sdr may be NULL */
} bss_job;

/* Runs the jobs with one sb_bsseval_eval_pairs call (it shares the
 * per-estimate work between pairs and uses OpenMP).  Frames skipped by
 * every job are skipped; frames skipped by some jobs only (per-source NaN
 * rule) are computed and masked afterwards.  gidx maps reference indices to
 * the group b was built on (-1: not in the group, values NaN).  All jobs
 * have an sdr output or none has. */
static sb_err run_bss_jobs(sb_bsseval *b, const int *gidx, const sb_sources *est, int n_jobs,
                           bss_job *jobs, int64_t n_out, sb_msg *msg)
{
  sb_bss_pair *pairs = malloc((size_t)n_jobs * sizeof *pairs);
  int *which = malloc((size_t)n_jobs * sizeof *which);
  unsigned char *skip = malloc((size_t)n_out);
  size_t block = (size_t)n_jobs * (size_t)n_out;
  double *buf = malloc(4 * block * sizeof *buf);
  int n = 0, want_sdr = n_jobs > 0 && jobs[0].sdr != NULL;
  sb_err err = SB_OK;

  if (!pairs || !which || !skip || !buf) {
    err = sb_msg_set(msg, SB_ENOMEM, "BSS Eval: out of memory");
    goto done;
  }
  for (int64_t k = 0; k < n_out; k++)
    skip[k] = 1;
  for (int i = 0; i < n_jobs; i++) {
    bss_job *jb = &jobs[i];
    int any = 0;
    for (int64_t k = 0; k < n_out; k++) {
      any |= !jb->skip[k];
      if (jb->sdr)
        jb->sdr[k] = NAN;
      jb->isr[k] = jb->sir[k] = jb->sar[k] = NAN;
    }
    if (gidx[jb->target] < 0 || !any)
      continue;
    pairs[n].target = gidx[jb->target];
    pairs[n].est = jb->est;
    which[n++] = i;
    for (int64_t k = 0; k < n_out; k++)
      skip[k] &= jb->skip[k];
  }
  if (n == 0)
    goto done;
  err = sb_bsseval_eval_pairs(b, est, n, pairs, skip, want_sdr ? buf : NULL, buf + block,
                              buf + 2 * block, buf + 3 * block);
  if (err != SB_OK) {
    sb_msg_set(msg, err, "BSS Eval: %s", sb_strerror(err));
    goto done;
  }
  for (int q = 0; q < n; q++) {
    bss_job *jb = &jobs[which[q]];
    size_t at = (size_t)q * (size_t)n_out;
    for (int64_t k = 0; k < n_out; k++) {
      if (jb->skip[k])
        continue;
      if (jb->sdr)
        jb->sdr[k] = buf[at + (size_t)k];
      jb->isr[k] = buf[block + at + (size_t)k];
      jb->sir[k] = buf[2 * block + at + (size_t)k];
      jb->sar[k] = buf[3 * block + at + (size_t)k];
    }
  }

done:
  free(pairs);
  free(which);
  free(skip);
  free(buf);
  return err;
}

/* The BSS Eval reference group: references with non-zero energy, a view
 * over a subset of the references (in memory: the channel pointers;
 * streamed: a reader that maps group indices to reference indices). */
typedef struct bss_group {
  sb_sources view;
  const sb_sources *base;
  const double **chan;
  int *ref_of;   /* group index -> reference index */
  int *gidx;
  sb_bsseval *frame_b, *whole_b; /* whole_b == frame_b when one frame is the whole signal */
} bss_group;

static void bss_group_free(bss_group *g)
{
  if (g->whole_b != g->frame_b)
    sb_bsseval_free(&g->whole_b);
  sb_bsseval_free(&g->frame_b);
  free(g->chan);
  free(g->ref_of);
  free(g->gidx);
}

static sb_err group_read(void *ctx, int src, int c, int64_t t0, int64_t n, double *dst)
{
  const bss_group *g = ctx;
  return sb_sources_copy(g->base, g->ref_of[src], c, t0, n, dst);
}

static sb_err bss_group_init(eval_ctx *x, bss_group *g, sb_msg *msg)
{
  const sb_sources *ref = x->ref;
  int n = 0;
  sb_bss_opts bo;
  sb_err err;
  int64_t start, stop;

  g->chan = malloc((size_t)ref->n_src * (size_t)ref->n_chan * sizeof *g->chan);
  g->ref_of = malloc((size_t)ref->n_src * sizeof *g->ref_of);
  g->gidx = malloc((size_t)ref->n_src * sizeof *g->gidx);
  if (!g->chan || !g->ref_of || !g->gidx)
    return sb_msg_set(msg, SB_ENOMEM, "BSS Eval: out of memory");
  for (int j = 0; j < ref->n_src; j++) {
    g->gidx[j] = -1;
    if (x->stats->whole_ref_energy[j] == 0.0)
      continue;
    for (int c = 0; ref->chan && c < ref->n_chan; c++)
      g->chan[(size_t)n * (size_t)ref->n_chan + (size_t)c] = sb_sources_chan(ref, j, c);
    g->ref_of[n] = j;
    g->gidx[j] = n++;
  }
  g->base = ref;
  g->view = *ref;
  g->view.n_src = n;
  if (ref->chan) {
    g->view.chan = g->chan;
  } else {
    g->view.read = group_read;
    g->view.read_ctx = g;
  }
  if (n == 0)
    return SB_OK;
  bo.mode = x->opts->mode;
  bo.crit = x->opts->crit;
  bo.win = x->opts->win > 0 ? x->f.win : 0;
  bo.hop = x->opts->win > 0 ? x->f.hop : 0;
  bo.filter_len = x->opts->filter_len;
  bo.v3_whole_fallback = 0;
  err = sb_bsseval_new(&bo, &g->view, &g->frame_b, msg);
  if (err != SB_OK)
    return err;
  if (sb_bsseval_n_frames(g->frame_b) != x->n_frames)
    return sb_msg_set(msg, SB_EINVAL, "BSS Eval framing gives %lld frames, expected %lld",
                      (long long)sb_bsseval_n_frames(g->frame_b), (long long)x->n_frames);
  sb_framing_bounds(&x->f, 0, &start, &stop);
  if (x->n_frames == 1 && stop == x->f.n_samples) {
    g->whole_b = g->frame_b;
    return SB_OK;
  }
  bo.win = 0;
  bo.hop = 0;
  return sb_bsseval_new(&bo, &g->view, &g->whole_b, msg);
}

/* Framewise BSS Eval of the pairs (pair_ref[p], pair_est[p]) into
 * out[(p * 4 + m) * n_frames + k] (m = SDR, ISR, SIR, SAR; SDR only with
 * the sources criterion, NaN otherwise). */
static sb_err bss_frames(eval_ctx *x, bss_group *g, int n_pairs, const int *pair_ref, const int *pair_est,
                         double *out, sb_msg *msg)
{
  int64_t nf = x->n_frames;
  unsigned char *skip = malloc((size_t)n_pairs * (size_t)nf);
  bss_job *jobs = calloc((size_t)n_pairs, sizeof *jobs);
  sb_err err;
  if (!skip || !jobs) {
    free(skip);
    free(jobs);
    return sb_msg_set(msg, SB_ENOMEM, "BSS Eval: out of memory");
  }
  for (int p = 0; p < n_pairs; p++) {
    double *o = out + (size_t)p * 4 * (size_t)nf;
    pair_skip(x, pair_ref[p], pair_est[p], skip + (size_t)p * (size_t)nf);
    jobs[p].target = pair_ref[p];
    jobs[p].est = pair_est[p];
    jobs[p].skip = skip + (size_t)p * (size_t)nf;
    jobs[p].sdr = x->opts->crit == SB_CRIT_SOURCES ? o : NULL;
    jobs[p].isr = o + nf;
    jobs[p].sir = o + 2 * nf;
    jobs[p].sar = o + 3 * nf;
    if (!jobs[p].sdr)
      for (int64_t k = 0; k < nf; k++)
        o[k] = NAN;
  }
  err = g->frame_b ? run_bss_jobs(g->frame_b, g->gidx, x->est, n_pairs, jobs, nf, msg) : SB_OK;
  if (!g->frame_b)
    for (size_t i = 0; i < (size_t)n_pairs * 4 * (size_t)nf; i++)
      out[i] = NAN;
  free(skip);
  free(jobs);
  return err;
}

/* Whole-signal BSS Eval of estimate est_of[j] of the view est against
 * reference j for every reference j into out[j * 4 + m] (m = SDR, ISR,
 * SIR, SAR; SDR only with the sources criterion).  skip[j]: leave NaN. */
static sb_err bss_whole(eval_ctx *x, bss_group *g, const sb_sources *est, const int *est_of,
                        const unsigned char *skip, double *out, sb_msg *msg)
{
  int n = x->n_src;
  bss_job *jobs = calloc((size_t)n, sizeof *jobs);
  sb_err err = SB_OK;
  if (!jobs)
    return sb_msg_set(msg, SB_ENOMEM, "BSS Eval: out of memory");
  for (int j = 0; j < n; j++) {
    double *o = out + (size_t)j * 4;
    jobs[j].target = j;
    jobs[j].est = est_of[j];
    jobs[j].skip = &skip[j];
    jobs[j].sdr = x->opts->crit == SB_CRIT_SOURCES ? o : NULL;
    jobs[j].isr = o + 1;
    jobs[j].sir = o + 2;
    jobs[j].sar = o + 3;
    o[0] = o[1] = o[2] = o[3] = NAN;
  }
  if (g->whole_b)
    err = run_bss_jobs(g->whole_b, g->gidx, est, n, jobs, 1, msg);
  free(jobs);
  return err;
}

/* Whole-signal BSS Eval of the matched pairs into a new n_src x 4 array.
 * When one frame is the whole signal, pairs whose frame NaN mask equals
 * their whole-signal exclusion reuse the framewise values (pairs, laid out
 * as in bss_frames) instead of a second evaluation. */
static sb_err whole_values(eval_ctx *x, bss_group *g, const unsigned char *whole_skip,
                           int n_pairs, const double *pairs, double **out, sb_msg *msg)
{
  int n = x->n_src;
  int reuse_ok = g->whole_b && g->whole_b == g->frame_b && x->n_frames == 1;
  unsigned char *job_skip = malloc((size_t)n), *reuse = calloc((size_t)n, 1);
  double *w = malloc((size_t)n * 4 * sizeof *w);
  sb_err err = SB_ENOMEM;
  if (!job_skip || !reuse || !w) {
    sb_msg_set(msg, err, "evaluation: out of memory");
    goto done;
  }
  for (int j = 0; j < n; j++) {
    if (reuse_ok) {
      unsigned char frame_skip;
      pair_skip(x, j, x->r->perm[j], &frame_skip);
      reuse[j] = frame_skip == whole_skip[j];
    }
    job_skip[j] = whole_skip[j] || reuse[j];
  }
  if ((err = bss_whole(x, g, x->est, x->r->perm, job_skip, w, msg)) != SB_OK)
    goto done;
  for (int j = 0; j < n; j++) {
    int p = n_pairs == n ? j : j * n + x->r->perm[j];
    if (reuse[j])
      for (int m = 0; m < 4; m++)
        w[(size_t)j * 4 + (size_t)m] = pairs[(size_t)p * 4 + (size_t)m];
  }
  *out = w;
  w = NULL;

done:
  free(job_skip);
  free(reuse);
  free(w);
  return err;
}

/* ------------------------------------------------------------ permutation */

static sb_err choose_perm(sb_perm_rule rule, int n, const double *score, int *perm, sb_msg *msg)
{
  sb_err err = rule == SB_PERM_BRUTE ? sb_perm_brute(n, score, perm, NULL)
                                     : sb_perm_hungarian(n, score, perm, NULL);
  if (err != SB_OK)
    return sb_msg_set(msg, err, "permutation: %s", sb_strerror(err));
  return SB_OK;
}

/* Mean of n values; brute: NaN if any is NaN (np.mean); Hungarian: mean of
 * the non-NaN values (NaN when all are). */
static double score_mean(sb_perm_rule rule, const double *v, int64_t n)
{
  double sum = 0.0;
  int64_t count = 0;
  for (int64_t k = 0; k < n; k++) {
    if (isnan(v[k]) && rule != SB_PERM_BRUTE)
      continue;
    sum += v[k];
    count++;
  }
  return count ? sum / (double)count : NAN;
}

/* Whole images SDR (SNR) of every (reference, estimate) pair:
 * score[j * n + e]; one pass per cyclic shift of the pairing. */
static sb_err snr_matrix(eval_ctx *x, double *score, sb_msg *msg)
{
  int n = x->n_src;
  int *map = malloc((size_t)n * sizeof *map);
  if (!map)
    return sb_msg_set(msg, SB_ENOMEM, "permutation: out of memory");
  for (int shift = 0; shift < n; shift++) {
    sb_frame_stats *st = NULL;
    sb_err err;
    for (int j = 0; j < n; j++)
      map[j] = (j + shift) % n;
    err = sb_frame_stats_compute(&x->f, x->ref, x->est, map, &st);
    if (err != SB_OK) {
      free(map);
      return sb_msg_set(msg, err, "permutation: %s", sb_strerror(err));
    }
    for (int j = 0; j < n; j++)
      score[(size_t)j * (size_t)n + (size_t)map[j]] = safe_db(st->whole_ref_energy[j], st->whole_err_energy[j]);
    sb_frame_stats_free(&st);
  }
  free(map);
  return SB_OK;
}

/* ------------------------------------------------------------ main */

static sb_err check_inputs(const sb_eval_opts *opts, const sb_sources *ref, const sb_sources *est,
                           const sb_sources *mix, sb_msg *msg)
{
  sb_err err;
  if (!opts || !ref || !est)
    return sb_msg_set(msg, SB_EINVAL, "sb_evaluate: NULL options, references or estimates");
  if ((err = check_group(ref, "references", msg)) != SB_OK)
    return err;
  if (ref->rate <= 0)
    return sb_msg_set(msg, SB_EINVAL, "references: sample rate %d Hz", ref->rate);
  if ((err = check_opts(opts, ref->n_src, msg)) != SB_OK)
    return err;
  if ((err = check_group(est, "estimates", msg)) != SB_OK)
    return err;
  if (est->n_src != ref->n_src)
    return sb_msg_set(msg, SB_EINVAL, "%d estimates for %d references", est->n_src, ref->n_src);
  if ((err = check_shape(ref, est, "estimates", msg)) != SB_OK)
    return err;
  if (mix) {
    if ((err = check_shape(ref, mix, "mixture", msg)) != SB_OK)
      return err;
    if (mix->n_src != 1)
      return sb_msg_set(msg, SB_EINVAL, "mixture: %d signals, expected 1", mix->n_src);
  }
  return SB_OK;
}

static sb_err alloc_result(eval_ctx *x, unsigned metrics, sb_msg *msg)
{
  sb_eval_result *r = calloc(1, sizeof *r);
  size_t cells = (size_t)x->n_src * (size_t)x->n_frames;
  x->r = r;
  if (!r)
    return sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
  r->n_src = x->n_src;
  r->rate = x->ref->rate;
  r->n_frames = x->n_frames;
  r->win = x->f.win;
  r->hop = x->f.hop;
  r->whole = malloc((size_t)x->n_src * SB_WM_COUNT * sizeof *r->whole);
  r->frame_flags = calloc((size_t)x->n_frames, 1);
  r->perm = malloc((size_t)x->n_src * sizeof *r->perm);
  r->perm_si = malloc((size_t)x->n_src * sizeof *r->perm_si);
  if (!r->whole || !r->frame_flags || !r->perm || !r->perm_si)
    return sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
  for (size_t i = 0; i < (size_t)x->n_src * SB_WM_COUNT; i++)
    r->whole[i] = NAN;
  for (int j = 0; j < x->n_src; j++)
    r->perm[j] = r->perm_si[j] = j;
  for (int m = 0; m < SB_FM_COUNT; m++) {
    int want = (metrics & SB_METRIC_BSS) || (m == SB_FM_SDR && (metrics & SB_METRIC_SDR));
    if (!want)
      continue;
    r->frame[m] = malloc(cells * sizeof *r->frame[m]);
    if (!r->frame[m])
      return sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
  }
  return SB_OK;
}

/* Step 1: statistics of the identity pairing, finiteness, NaN masks, notes. */
static sb_err first_pass(eval_ctx *x, sb_msg *msg)
{
  sb_err err = sb_frame_stats_compute(&x->f, x->ref, x->est, NULL, &x->stats);
  if (err != SB_OK)
    return sb_msg_set(msg, err, "framewise statistics: %s", sb_strerror(err));
  for (int j = 0; j < x->n_src; j++)
    if (!isfinite(x->stats->whole_ref_energy[j]) || !isfinite(x->stats->whole_err_energy[j])) {
      if ((err = report_nonfinite(x->ref, "reference", msg)) != SB_OK ||
          (err = report_nonfinite(x->est, "estimate", msg)) != SB_OK)
        return err;
      return sb_msg_set(msg, SB_EINVAL, "source %d: sample values too large, the energy overflows", j);
    }
  if (x->mix && (err = report_nonfinite(x->mix, "mixture", msg)) != SB_OK)
    return err;
  err = sb_framing_nan_mask(x->stats, x->opts->silent, NULL, x->r->frame_flags);
  if (err != SB_OK)
    return sb_msg_set(msg, err, "NaN mask: %s", sb_strerror(err));
  for (int j = 0; j < x->n_src; j++) {
    char label[128];
    if (x->opts->names)
      snprintf(label, sizeof label, "'%s'", x->opts->names[j]);
    else
      snprintf(label, sizeof label, "%d", j);
    if (x->stats->whole_ref_silent[j])
      note_add(x->r, "reference %s is silent: its values are NaN%s", label,
               x->opts->silent == SB_SILENT_ALL ? ", and so is every frame (museval rule)" : "");
    if (x->stats->whole_est_silent[j])
      note_add(x->r, "estimate %s is silent", label);
  }
  return SB_OK;
}

/* An in-memory copy of a streamed view (PS/PM works on whole signals):
 * *data owns the samples, *chan the channel pointers. */
static sb_err materialise(const sb_sources *s, double **data, const double ***chan, sb_msg *msg)
{
  size_t n_chan = (size_t)s->n_src * (size_t)s->n_chan, len = (size_t)s->n_samples;
  sb_err err = SB_OK;
  *data = malloc(n_chan * len * sizeof **data);
  *chan = malloc(n_chan * sizeof **chan);
  if (!*data || !*chan)
    return sb_msg_set(msg, SB_ENOMEM, "PS/PM: out of memory for the whole signals");
  for (size_t k = 0; k < n_chan && err == SB_OK; k++) {
    (*chan)[k] = *data + k * len;
    err = sb_sources_copy(s, (int)k / s->n_chan, (int)k % s->n_chan, 0, s->n_samples,
                          *data + k * len);
  }
  if (err != SB_OK)
    return sb_msg_set(msg, err, "PS/PM: %s while reading the signals", sb_strerror(err));
  return SB_OK;
}

/* PS/PM (metrics/pspm.h) of the estimates matched by perm: 20-ms series
 * and file-level means; the reference side comes from opts->pspm_track or
 * is prepared here. */
static sb_err pspm_values(eval_ctx *x, sb_msg *msg)
{
  const sb_eval_opts *o = x->opts;
  sb_pspm_track *own = NULL, *track = o->pspm_track;
  sb_embedder *emb = NULL;
  sb_pspm_result res = {0};
  const double **est_chan = NULL, **ref_copy = NULL, **est_copy = NULL;
  double *ref_data = NULL, *est_data = NULL;
  int n = x->n_src, n_chan = x->ref->n_chan;
  sb_err err;

  if ((!x->ref->chan && (err = materialise(x->ref, &ref_data, &ref_copy, msg)) != SB_OK) ||
      (!x->est->chan && (err = materialise(x->est, &est_data, &est_copy, msg)) != SB_OK))
    goto done;

  if (!track) {
    sb_pspm_options popt;
    sb_pspm_options_default(&popt);
    if ((err = sb_embedder_new(o->pspm_embedder, &emb, msg)) != SB_OK)
      goto done;
    popt.embedder = emb;
    err = sb_pspm_track_new(ref_copy ? ref_copy : x->ref->chan, (size_t)n, (size_t)n_chan,
                            (size_t)x->ref->n_samples, x->ref->rate, &popt, &own, msg);
    if (err != SB_OK)
      goto done;
    track = own;
  }
  err = SB_ENOMEM;
  if (!(est_chan = malloc((size_t)n * (size_t)n_chan * sizeof *est_chan))) {
    sb_msg_set(msg, err, "evaluation: out of memory");
    goto done;
  }
  for (int j = 0; j < n; j++)
    for (int c = 0; c < n_chan; c++)
      est_chan[j * n_chan + c] = est_copy ? est_copy[x->r->perm[j] * n_chan + c]
                                          : sb_sources_chan(x->est, x->r->perm[j], c);
  if ((err = sb_pspm_track_eval(track, est_chan, (size_t)x->ref->n_samples, x->ref->rate, &res,
                                msg)) != SB_OK)
    goto done;
  x->r->pspm_n_frames = (int64_t)res.n_frames;
  x->r->pspm_hop_s = res.hop_s;
  x->r->pspm[SB_PSM_PS] = res.ps;
  x->r->pspm[SB_PSM_PM] = res.pm;
  x->r->pspm[SB_PSM_PS_RADIUS] = res.ps_radius;
  x->r->pspm[SB_PSM_PM_RADIUS] = res.pm_radius;
  x->r->pspm[SB_PSM_PS_CI] = res.ps_ci;
  x->r->pspm[SB_PSM_PM_CI] = res.pm_ci;
  res.ps = res.pm = res.ps_radius = res.pm_radius = res.ps_ci = res.pm_ci = NULL;
  for (int j = 0; j < n; j++) {
    x->r->whole[(size_t)j * SB_WM_COUNT + SB_WM_PS] = res.ps_mean[j];
    x->r->whole[(size_t)j * SB_WM_COUNT + SB_WM_PM] = res.pm_mean[j];
  }
  if (res.n_scored == 0)
    note_add(x->r, "PS/PM: no 20-ms frame has two active references (PS/PM are NaN)");

done:
  sb_pspm_result_clear(&res);
  sb_pspm_track_free(&own);
  sb_embedder_free(&emb);
  free(est_chan);
  free(ref_copy);
  free(est_copy);
  free(ref_data);
  free(est_data);
  return err;
}

sb_err sb_evaluate(const sb_eval_opts *opts, const sb_sources *ref, const sb_sources *est,
                   const sb_sources *mix, sb_eval_result **out, sb_msg *msg)
{
  eval_ctx x;
  bss_group g;
  sb_sisdr *si = NULL;
  sb_frame_stats *matched = NULL, *mix_stats = NULL;
  double *score = NULL, *pairs = NULL, *whole_bss = NULL, *mix_bss = NULL, *base = NULL;
  unsigned char *whole_skip = NULL;
  int *pair_ref = NULL, *pair_est = NULL, n_pairs = 0;
  unsigned metrics;
  int want_sdr, want_bss, run_bss, want_si, want_imp, identity = 1;
  int n;
  int64_t nf;
  sb_err err;

  memset(&x, 0, sizeof x);
  memset(&g, 0, sizeof g);
  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "sb_evaluate: NULL result pointer");
  *out = NULL;
  if ((err = check_inputs(opts, ref, est, mix, msg)) != SB_OK)
    return err;
  metrics = opts->metrics;
  want_bss = (metrics & SB_METRIC_BSS) != 0;
  want_sdr = want_bss || (metrics & SB_METRIC_SDR);
  run_bss = want_bss || (want_sdr && opts->crit == SB_CRIT_SOURCES);
  want_si = (metrics & SB_METRIC_SISDR) != 0;
  want_imp = (metrics & SB_METRIC_IMPROVE) && mix;
  if (run_bss && opts->filter_len < 1)
    return sb_msg_set(msg, SB_EINVAL, "filter length %d: must be >= 1", opts->filter_len);

  x.opts = opts;
  x.ref = ref;
  x.est = est;
  x.mix = mix;
  x.n_src = n = ref->n_src;
  if ((err = sb_framing_init(&x.f, ref->n_samples, opts->win, opts->hop)) != SB_OK ||
      (opts->mode == SB_BSS_V3 && (err = sb_framing_v3_single(&x.f)) != SB_OK)) {
    sb_msg_set(msg, err, "framing: window %lld, hop %lld samples", (long long)opts->win, (long long)opts->hop);
    goto fail;
  }
  x.n_frames = nf = x.f.n_frames;
  if ((err = alloc_result(&x, metrics, msg)) != SB_OK)
    goto fail;
  if ((err = first_pass(&x, msg)) != SB_OK)
    goto fail;
  if ((metrics & SB_METRIC_IMPROVE) && !mix)
    note_add(x.r, "no mixture: improvements not computed");

  err = SB_ENOMEM;
  score = malloc((size_t)n * (size_t)n * sizeof *score);
  whole_skip = malloc((size_t)n);
  if (!score || !whole_skip) {
    sb_msg_set(msg, err, "evaluation: out of memory");
    goto fail;
  }

  /* Step 3a: the SI family's own permutation (PIT SI-SDR). */
  if (want_si) {
    if ((err = sb_sisdr_new(ref, opts->zero_mean, &si)) != SB_OK) {
      sb_msg_set(msg, err, "SI-SDR: %s", sb_strerror(err));
      goto fail;
    }
    if (opts->perm != SB_PERM_NONE && n > 1) {
      if ((err = sb_sisdr_matrix(si, est, score)) != SB_OK) {
        sb_msg_set(msg, err, "SI-SDR: %s", sb_strerror(err));
        goto fail;
      }
      if ((err = choose_perm(opts->perm, n, score, x.r->perm_si, msg)) != SB_OK)
        goto fail;
    }
  }

  /* Step 3b: BSS Eval group; all J x J pairs when they choose perm. */
  if (run_bss) {
    int all_pairs = opts->perm != SB_PERM_NONE && n > 1;
    if ((err = bss_group_init(&x, &g, msg)) != SB_OK)
      goto fail;
    n_pairs = all_pairs ? n * n : n;
    err = SB_ENOMEM;
    pair_ref = malloc((size_t)n_pairs * sizeof *pair_ref);
    pair_est = malloc((size_t)n_pairs * sizeof *pair_est);
    pairs = malloc((size_t)n_pairs * 4 * (size_t)nf * sizeof *pairs);
    if (!pair_ref || !pair_est || !pairs) {
      sb_msg_set(msg, err, "evaluation: out of memory");
      goto fail;
    }
    for (int p = 0; p < n_pairs; p++) {
      pair_ref[p] = all_pairs ? p / n : p;
      pair_est[p] = all_pairs ? p % n : p;
    }
    if ((err = bss_frames(&x, &g, n_pairs, pair_ref, pair_est, pairs, msg)) != SB_OK)
      goto fail;
    if (all_pairs) {
      for (int p = 0; p < n_pairs; p++)
        score[p] = score_mean(opts->perm, pairs + ((size_t)p * 4 + 2) * (size_t)nf, nf);
      if ((err = choose_perm(opts->perm, n, score, x.r->perm, msg)) != SB_OK)
        goto fail;
    }
  } else if (opts->perm != SB_PERM_NONE && n > 1) {
    if (want_sdr || !want_si) {
      if ((err = snr_matrix(&x, score, msg)) != SB_OK)
        goto fail;
      if ((err = choose_perm(opts->perm, n, score, x.r->perm, msg)) != SB_OK)
        goto fail;
    } else {
      memcpy(x.r->perm, x.r->perm_si, (size_t)n * sizeof *x.r->perm);
    }
  }
  if (!want_si)
    memcpy(x.r->perm_si, x.r->perm, (size_t)n * sizeof *x.r->perm_si);
  for (int j = 0; j < n; j++)
    identity &= x.r->perm[j] == j;

  /* Step 4: framewise values of the matched pairs. */
  matched = x.stats;
  if (!identity) {
    if ((err = sb_frame_stats_compute(&x.f, ref, est, x.r->perm, &matched)) != SB_OK) {
      sb_msg_set(msg, err, "framewise statistics: %s", sb_strerror(err));
      goto fail;
    }
  }
  for (int j = 0; j < n; j++) {
    int e = x.r->perm[j];
    size_t row = (size_t)j * (size_t)nf;
    if (run_bss) {
      int p = n_pairs == n ? j : j * n + e;
      const double *o = pairs + (size_t)p * 4 * (size_t)nf;
      for (int m = 0; m < SB_FM_COUNT; m++)
        if (x.r->frame[m] && (m != SB_FM_SDR || opts->crit == SB_CRIT_SOURCES))
          memcpy(x.r->frame[m] + row, o + (size_t)m * (size_t)nf, (size_t)nf * sizeof *o);
    }
    if (want_sdr && opts->crit == SB_CRIT_IMAGES)
      for (int64_t k = 0; k < nf; k++)
        x.r->frame[SB_FM_SDR][row + (size_t)k] = safe_db(matched->ref_energy[row + (size_t)k],
                                                         matched->err_energy[row + (size_t)k]);
  }
  if (want_sdr && opts->crit == SB_CRIT_IMAGES) {
    unsigned char *skip = malloc((size_t)nf);
    if (!skip) {
      err = sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
      goto fail;
    }
    for (int j = 0; j < n; j++) {
      pair_skip(&x, j, x.r->perm[j], skip);
      for (int64_t k = 0; k < nf; k++)
        if (skip[k])
          x.r->frame[SB_FM_SDR][(size_t)j * (size_t)nf + (size_t)k] = NAN;
    }
    free(skip);
  }

  /* Step 5: whole-signal values. */
  for (int j = 0; j < n; j++)
    whole_skip[j] = pair_whole_skip(&x, j, x.r->perm[j]);
  if (run_bss && (err = whole_values(&x, &g, whole_skip, n_pairs, pairs, &whole_bss, msg)) != SB_OK)
    goto fail;
  for (int j = 0; j < n; j++) {
    double *w = x.r->whole + (size_t)j * SB_WM_COUNT;
    double ref_e = matched->whole_ref_energy[j], err_e = matched->whole_err_energy[j];
    int ref_silent = x.stats->whole_ref_silent[j];
    if (want_sdr)
      w[SB_WM_SDR] = whole_skip[j] ? NAN
                     : opts->crit == SB_CRIT_IMAGES ? safe_db(ref_e, err_e)
                                                    : whole_bss[(size_t)j * 4];
    if (want_bss) {
      w[SB_WM_ISR] = whole_bss[(size_t)j * 4 + 1];
      w[SB_WM_SIR] = whole_bss[(size_t)j * 4 + 2];
      w[SB_WM_SAR] = whole_bss[(size_t)j * 4 + 3];
    }
    if ((metrics & SB_METRIC_SNR) && !ref_silent)
      w[SB_WM_SNR] = safe_db(ref_e, err_e);
    if (metrics & SB_METRIC_GSDR)
      w[SB_WM_GLOBAL_SDR] = sb_gsdr_from_energies(ref_e, err_e);
    if (want_si && !ref_silent) {
      sb_si_values v;
      if ((err = sb_sisdr_eval_view(si, j, est, x.r->perm_si[j], &v, NULL)) != SB_OK) {
        sb_msg_set(msg, err, "SI-SDR of reference %d: %s", j, sb_strerror(err));
        goto fail;
      }
      w[SB_WM_SI_SDR] = v.si_sdr;
      w[SB_WM_SI_SIR] = v.si_sir;
      w[SB_WM_SI_SAR] = v.si_sar;
      w[SB_WM_SD_SDR] = v.sd_sdr;
    }
  }

  /* Improvements over the mixture used as the estimate of every source. */
  if (want_imp && want_sdr) {
    if (opts->crit == SB_CRIT_IMAGES) {
      int *zeros = calloc((size_t)n, sizeof *zeros);
      err = zeros ? sb_frame_stats_compute(&x.f, ref, mix, zeros, &mix_stats) : SB_ENOMEM;
      free(zeros);
      if (err != SB_OK) {
        sb_msg_set(msg, err, "mixture statistics: %s", sb_strerror(err));
        goto fail;
      }
    } else {
      err = SB_ENOMEM;
      mix_bss = malloc((size_t)n * 4 * sizeof *mix_bss);
      if (!mix_bss) {
        sb_msg_set(msg, err, "evaluation: out of memory");
        goto fail;
      }
      int *zeros = calloc((size_t)n, sizeof *zeros);
      if (!zeros) {
        err = sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
        goto fail;
      }
      for (int j = 0; j < n; j++)
        whole_skip[j] = x.stats->whole_ref_silent[j];
      err = bss_whole(&x, &g, mix, zeros, whole_skip, mix_bss, msg);
      free(zeros);
      if (err != SB_OK)
        goto fail;
    }
    for (int j = 0; j < n; j++) {
      double *w = x.r->whole + (size_t)j * SB_WM_COUNT;
      double base_sdr = mix_stats ? safe_db(mix_stats->whole_ref_energy[j], mix_stats->whole_err_energy[j])
                                  : mix_bss[(size_t)j * 4];
      w[SB_WM_SDRI] = w[SB_WM_SDR] - base_sdr;
    }
  }
  if (want_imp && want_si) {
    err = SB_ENOMEM;
    base = malloc((size_t)n * sizeof *base);
    if (!base) {
      sb_msg_set(msg, err, "evaluation: out of memory");
      goto fail;
    }
    if ((err = sb_sisdr_matrix(si, mix, base)) != SB_OK) {
      sb_msg_set(msg, err, "SI-SDR of the mixture: %s", sb_strerror(err));
      goto fail;
    }
    for (int j = 0; j < n; j++) {
      double *w = x.r->whole + (size_t)j * SB_WM_COUNT;
      w[SB_WM_SI_SDRI] = w[SB_WM_SI_SDR] - base[j];
    }
  }

  if ((metrics & SB_METRIC_PSPM) && (err = pspm_values(&x, msg)) != SB_OK)
    goto fail;

  *out = x.r;
  x.r = NULL;
  err = SB_OK;

fail:
  if (matched != x.stats)
    sb_frame_stats_free(&matched);
  sb_frame_stats_free(&mix_stats);
  sb_frame_stats_free(&x.stats);
  sb_eval_result_free(&x.r);
  bss_group_free(&g);
  sb_sisdr_free(&si);
  free(score);
  free(pairs);
  free(whole_bss);
  free(mix_bss);
  free(base);
  free(whole_skip);
  free(pair_ref);
  free(pair_est);
  return err;
}
