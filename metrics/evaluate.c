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
 *      for all pairs (in v4 it gives their whole-track values too);
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
#include "metrics/evaluate_parts.h"
#include "metrics/embedders.h"
#include "metrics/pspm.h"
#include "metrics/gsdr.h"
#include "metrics/permutation.h"
#include "metrics/sisdr.h"

#define SB_METRIC_KNOWN                                                                            \
  (SB_METRIC_BSS | SB_METRIC_SISDR | SB_METRIC_GSDR | SB_METRIC_SNR | SB_METRIC_IMPROVE | SB_METRIC_SDR | \
   SB_METRIC_PSPM | SB_METRIC_STOI | SB_METRIC_ESTOI | SB_METRIC_SASDR)

static const char *const frame_metric_names[SB_FM_COUNT] = {"SDR", "ISR", "SIR", "SAR"};
static const char *const whole_metric_names[SB_WM_COUNT] = {
    "SDR", "ISR", "SIR", "SAR", "SI-SDR", "SI-SIR", "SI-SAR", "SD-SDR", "SNR", "global_SDR", "SDRi", "SI-SDRi",
    "PS", "PM", "STOI", "ESTOI", "dSTOI", "dESTOI"};
static const char *const track_metric_names[SB_TM_COUNT] = {"SA-SDR", "SI-SA-SDR"};
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

const char *sb_track_metric_name(int tm)
{
  return tm >= 0 && tm < SB_TM_COUNT ? track_metric_names[tm] : NULL;
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
  free((*r)->track);
  for (int m = 0; m < SB_PSM_COUNT; m++)
    free((*r)->pspm[m]);
  free(*r);
  *r = NULL;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sb_eval_note_add(sb_eval_result *r, const char *fmt, ...)
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

/* Whole-signal exclusion of the pair: silent reference or estimate. */
static unsigned char pair_whole_skip(const eval_ctx *x, int j, int e)
{
  return x->stats->whole_ref_silent[j] || x->stats->whole_est_silent[e];
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

/* Step 1: statistics of the identity pairing, finiteness, NaN masks, notes.
 * The note of a silent reference speaks of frames only where framewise
 * values are computed (BSS Eval, SDR): STOI/ESTOI alone have none. */
static sb_err first_pass(eval_ctx *x, sb_msg *msg)
{
  const int frames_nan = x->opts->silent == SB_SILENT_ALL && x->r->frame[SB_FM_SDR];
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
      sb_eval_note_add(x->r, "reference %s is silent: its values are NaN%s", label,
                       frames_nan ? ", and so is every frame (museval rule)" : "");
    if (x->stats->whole_est_silent[j])
      sb_eval_note_add(x->r, "estimate %s is silent", label);
  }
  return SB_OK;
}

/* The embedder of a PS/PM evaluation without a prepared track: the one
 * handed over, else a built-in one made into *own. */
static sb_err pspm_embedder(const sb_eval_opts *o, const sb_embedder **emb, sb_embedder **own, sb_msg *msg)
{
  const char *spec = o->pspm_embedder;
  sb_err err;
  *emb = o->pspm_embedder_api;
  if (*emb)
    return SB_OK;
  if (spec && (strncmp(spec, "file:", 5) == 0 || strncmp(spec, "cmd:", 4) == 0))
    return sb_msg_set(msg, SB_EINVAL, "PS/PM embedder '%s' reads files or runs a program: pass it as "
                      "pspm_embedder_api (backends/embedders.h)", spec);
  if ((err = sb_embedder_builtin_new(spec, own, msg)) != SB_OK)
    return err;
  *emb = *own;
  return SB_OK;
}

/* PS/PM (metrics/pspm.h) of the estimates matched by perm: 20-ms series
 * and file-level means; the reference side comes from opts->pspm_track or
 * is prepared here. */
static sb_err pspm_values(eval_ctx *x, sb_msg *msg)
{
  const sb_eval_opts *o = x->opts;
  sb_pspm_track *own = NULL, *track = o->pspm_track;
  sb_embedder *own_emb = NULL;
  sb_pspm_result res = {0};
  int n = x->n_src;
  sb_err err = SB_OK;

  if (!track) {
    sb_pspm_options popt;
    sb_pspm_options_default(&popt);
    if ((err = pspm_embedder(o, &popt.embedder, &own_emb, msg)) != SB_OK ||
        (err = sb_pspm_track_new(x->ref, &popt, &own, msg)) != SB_OK)
      goto done;
    track = own;
  }
  if ((err = sb_pspm_track_eval(track, x->est, x->r->perm, &res, msg)) != SB_OK)
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
    sb_eval_note_add(x->r, "PS/PM: no 20-ms frame has two active references (PS/PM are NaN)");

done:
  sb_pspm_result_clear(&res);
  sb_pspm_track_free(&own);
  sb_embedder_free(&own_emb);
  return err;
}

/* One sb_evaluate call: the shared context, what is requested, and the
 * intermediate results its steps hand on. */
typedef struct eval_run {
  eval_ctx x;
  bss_group g;
  int want_sdr, want_bss, run_bss, want_si, want_imp;
  sb_sisdr *si;
  sb_frame_stats *matched;   /* statistics of the matched pairs (x.stats when identity) */
  double *score;             /* n x n permutation scores */
  int n_pairs;               /* BSS Eval pairs: n, or n x n when they choose perm */
  int *pair_ref, *pair_est;
  double *pairs;             /* their framewise values (sb_eval_bss_frames) */
  double *pairs_whole;       /* their whole-track values when g.whole_in_frames */
  double *whole_bss;         /* whole-signal BSS values of the matched pairs */
  unsigned char *whole_skip; /* n */
} eval_run;

static void eval_run_free(eval_run *e)
{
  if (e->matched != e->x.stats)
    sb_frame_stats_free(&e->matched);
  sb_frame_stats_free(&e->x.stats);
  sb_eval_result_free(&e->x.r);
  sb_eval_bss_group_free(&e->g);
  sb_sisdr_free(&e->si);
  free(e->score);
  free(e->pairs);
  free(e->pairs_whole);
  free(e->whole_bss);
  free(e->whole_skip);
  free(e->pair_ref);
  free(e->pair_est);
}

/* Step 3a: the SI family's own permutation (PIT SI-SDR). */
static sb_err si_permutation(eval_run *e, sb_msg *msg)
{
  const sb_eval_opts *opts = e->x.opts;
  int n = e->x.n_src;
  sb_err err;
  if ((err = sb_sisdr_new(e->x.ref, opts->zero_mean, &e->si)) != SB_OK)
    return sb_msg_set(msg, err, "SI-SDR: %s", sb_strerror(err));
  if (opts->perm != SB_PERM_NONE && n > 1) {
    if ((err = sb_sisdr_matrix(e->si, e->x.est, e->score)) != SB_OK)
      return sb_msg_set(msg, err, "SI-SDR: %s", sb_strerror(err));
    if ((err = choose_perm(opts->perm, n, e->score, e->x.r->perm_si, msg)) != SB_OK)
      return err;
  }
  return SB_OK;
}

/* Step 3b: the BSS Eval group and the framewise values of its pairs (all
 * J x J when they choose perm); without BSS Eval perm from the SNR matrix
 * or perm_si. */
static sb_err bss_permutation(eval_run *e, sb_msg *msg)
{
  const sb_eval_opts *opts = e->x.opts;
  int n = e->x.n_src, all_pairs = opts->perm != SB_PERM_NONE && n > 1;
  int64_t nf = e->x.n_frames;
  sb_err err;
  if (!e->run_bss) {
    if (opts->perm == SB_PERM_NONE || n <= 1)
      return SB_OK;
    if (!e->want_sdr && e->want_si) {
      memcpy(e->x.r->perm, e->x.r->perm_si, (size_t)n * sizeof *e->x.r->perm);
      return SB_OK;
    }
    if ((err = snr_matrix(&e->x, e->score, msg)) != SB_OK)
      return err;
    return choose_perm(opts->perm, n, e->score, e->x.r->perm, msg);
  }
  if ((err = sb_eval_bss_group_init(&e->x, &e->g, msg)) != SB_OK)
    return err;
  e->n_pairs = all_pairs ? n * n : n;
  e->pair_ref = malloc((size_t)e->n_pairs * sizeof *e->pair_ref);
  e->pair_est = malloc((size_t)e->n_pairs * sizeof *e->pair_est);
  e->pairs = malloc((size_t)e->n_pairs * 4 * (size_t)nf * sizeof *e->pairs);
  if (e->g.whole_in_frames)
    e->pairs_whole = malloc((size_t)e->n_pairs * 4 * sizeof *e->pairs_whole);
  if (!e->pair_ref || !e->pair_est || !e->pairs || (e->g.whole_in_frames && !e->pairs_whole))
    return sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
  for (int p = 0; p < e->n_pairs; p++) {
    e->pair_ref[p] = all_pairs ? p / n : p;
    e->pair_est[p] = all_pairs ? p % n : p;
  }
  if ((err = sb_eval_bss_frames(&e->x, &e->g, e->n_pairs, e->pair_ref, e->pair_est, e->pairs, e->pairs_whole,
                                msg)) != SB_OK)
    return err;
  if (!all_pairs)
    return SB_OK;
  for (int p = 0; p < e->n_pairs; p++)
    e->score[p] = score_mean(opts->perm, e->pairs + ((size_t)p * 4 + 2) * (size_t)nf, nf);
  return choose_perm(opts->perm, n, e->score, e->x.r->perm, msg);
}

/* Step 4: framewise values of the matched pairs. */
static sb_err frame_values(eval_run *e, sb_msg *msg)
{
  eval_ctx *x = &e->x;
  const sb_eval_opts *opts = x->opts;
  int n = x->n_src, identity = 1;
  int64_t nf = x->n_frames;
  sb_err err;
  for (int j = 0; j < n; j++)
    identity &= x->r->perm[j] == j;
  e->matched = x->stats;
  if (!identity && (err = sb_frame_stats_compute(&x->f, x->ref, x->est, x->r->perm, &e->matched)) != SB_OK)
    return sb_msg_set(msg, err, "framewise statistics: %s", sb_strerror(err));
  for (int j = 0; j < n; j++) {
    int est = x->r->perm[j];
    size_t row = (size_t)j * (size_t)nf;
    if (e->run_bss) {
      int p = e->n_pairs == n ? j : j * n + est;
      const double *o = e->pairs + (size_t)p * 4 * (size_t)nf;
      for (int m = 0; m < SB_FM_COUNT; m++)
        if (x->r->frame[m] && (m != SB_FM_SDR || opts->crit == SB_CRIT_SOURCES))
          memcpy(x->r->frame[m] + row, o + (size_t)m * (size_t)nf, (size_t)nf * sizeof *o);
    }
    if (e->want_sdr && opts->crit == SB_CRIT_IMAGES)
      for (int64_t k = 0; k < nf; k++)
        x->r->frame[SB_FM_SDR][row + (size_t)k] = safe_db(e->matched->ref_energy[row + (size_t)k],
                                                          e->matched->err_energy[row + (size_t)k]);
  }
  if (e->want_sdr && opts->crit == SB_CRIT_IMAGES) {
    unsigned char *skip = malloc((size_t)nf);
    if (!skip)
      return sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
    for (int j = 0; j < n; j++) {
      sb_eval_pair_skip(x, j, x->r->perm[j], skip);
      for (int64_t k = 0; k < nf; k++)
        if (skip[k])
          x->r->frame[SB_FM_SDR][(size_t)j * (size_t)nf + (size_t)k] = NAN;
    }
    free(skip);
  }
  return SB_OK;
}

/* The SI family of the references that are not silent over the whole
 * track against their perm_si estimates: one batched call, three passes
 * over the samples for all of them. */
static sb_err si_whole_values(eval_run *e, sb_msg *msg)
{
  eval_ctx *x = &e->x;
  int n = x->n_src, m = 0;
  int *target = malloc((size_t)n * sizeof *target), *est = malloc((size_t)n * sizeof *est);
  sb_si_values *v = malloc((size_t)n * sizeof *v);
  sb_err err = SB_OK;
  if (!target || !est || !v) {
    err = sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
    goto fail;
  }
  for (int j = 0; j < n; j++)
    if (!x->stats->whole_ref_silent[j]) {
      target[m] = j;
      est[m++] = x->r->perm_si[j];
    }
  if (m > 0 && (err = sb_sisdr_eval_views(e->si, m, target, x->est, est, v, NULL)) != SB_OK) {
    sb_msg_set(msg, err, "SI-SDR of the references: %s", sb_strerror(err));
    goto fail;
  }
  for (int i = 0; i < m; i++) {
    double *w = x->r->whole + (size_t)target[i] * SB_WM_COUNT;
    w[SB_WM_SI_SDR] = v[i].si_sdr;
    w[SB_WM_SI_SIR] = v[i].si_sir;
    w[SB_WM_SI_SAR] = v[i].si_sar;
    w[SB_WM_SD_SDR] = v[i].sd_sdr;
  }

fail:
  free(target);
  free(est);
  free(v);
  return err;
}

/* Step 5: whole-signal values (BSS Eval, SNR, global SDR, SI family). */
static sb_err whole_signal_values(eval_run *e, sb_msg *msg)
{
  eval_ctx *x = &e->x;
  const sb_eval_opts *opts = x->opts;
  unsigned metrics = opts->metrics;
  int n = x->n_src;
  sb_err err;
  for (int j = 0; j < n; j++)
    e->whole_skip[j] = pair_whole_skip(x, j, x->r->perm[j]);
  if (e->run_bss &&
      (err = sb_eval_whole_values(x, &e->g, e->whole_skip, e->n_pairs, e->pairs, e->pairs_whole, &e->whole_bss,
                                msg)) != SB_OK)
    return err;
  for (int j = 0; j < n; j++) {
    double *w = x->r->whole + (size_t)j * SB_WM_COUNT;
    double ref_e = e->matched->whole_ref_energy[j], err_e = e->matched->whole_err_energy[j];
    int ref_silent = x->stats->whole_ref_silent[j];
    if (e->want_sdr)
      w[SB_WM_SDR] = e->whole_skip[j] ? NAN
                     : opts->crit == SB_CRIT_IMAGES ? safe_db(ref_e, err_e)
                                                    : e->whole_bss[(size_t)j * 4];
    if (e->want_bss) {
      w[SB_WM_ISR] = e->whole_bss[(size_t)j * 4 + 1];
      w[SB_WM_SIR] = e->whole_bss[(size_t)j * 4 + 2];
      w[SB_WM_SAR] = e->whole_bss[(size_t)j * 4 + 3];
    }
    if ((metrics & SB_METRIC_SNR) && !ref_silent)
      w[SB_WM_SNR] = safe_db(ref_e, err_e);
    if (metrics & SB_METRIC_GSDR)
      w[SB_WM_GLOBAL_SDR] = sb_gsdr_from_energies(ref_e, err_e);
  }
  return e->want_si ? si_whole_values(e, msg) : SB_OK;
}

/* SDRi: the SDR of the criterion minus that of the mixture used as the
 * estimate of every source. */
static sb_err sdr_improvements(eval_run *e, sb_msg *msg)
{
  eval_ctx *x = &e->x;
  int n = x->n_src;
  int *zeros = calloc((size_t)n, sizeof *zeros);
  sb_frame_stats *mix_stats = NULL;
  double *mix_bss = NULL;
  sb_err err = SB_OK;
  if (!zeros)
    return sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
  if (x->opts->crit == SB_CRIT_IMAGES) {
    if ((err = sb_frame_stats_compute(&x->f, x->ref, x->mix, zeros, &mix_stats)) != SB_OK)
      sb_msg_set(msg, err, "mixture statistics: %s", sb_strerror(err));
  } else if (!(mix_bss = malloc((size_t)n * 4 * sizeof *mix_bss))) {
    err = sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
  } else {
    for (int j = 0; j < n; j++)
      e->whole_skip[j] = x->stats->whole_ref_silent[j];
    err = sb_eval_bss_whole(x, &e->g, x->mix, zeros, e->whole_skip, mix_bss, msg);
  }
  for (int j = 0; j < n && err == SB_OK; j++) {
    double *w = x->r->whole + (size_t)j * SB_WM_COUNT;
    double base_sdr = mix_stats ? safe_db(mix_stats->whole_ref_energy[j], mix_stats->whole_err_energy[j])
                                : mix_bss[(size_t)j * 4];
    w[SB_WM_SDRI] = w[SB_WM_SDR] - base_sdr;
  }
  free(zeros);
  free(mix_bss);
  sb_frame_stats_free(&mix_stats);
  return err;
}

/* SI-SDRi: the stacked SI-SDR minus that of the mixture. */
static sb_err si_improvements(eval_run *e, sb_msg *msg)
{
  eval_ctx *x = &e->x;
  double *base = malloc((size_t)x->n_src * sizeof *base);
  sb_err err;
  if (!base)
    return sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
  if ((err = sb_sisdr_matrix(e->si, x->mix, base)) != SB_OK) {
    free(base);
    return sb_msg_set(msg, err, "SI-SDR of the mixture: %s", sb_strerror(err));
  }
  for (int j = 0; j < x->n_src; j++) {
    double *w = x->r->whole + (size_t)j * SB_WM_COUNT;
    w[SB_WM_SI_SDRI] = w[SB_WM_SI_SDR] - base[j];
  }
  free(base);
  return SB_OK;
}

sb_err sb_evaluate(const sb_eval_opts *opts, const sb_sources *ref, const sb_sources *est,
                   const sb_sources *mix, sb_eval_result **out, sb_msg *msg)
{
  eval_run e;
  unsigned metrics;
  int n;
  sb_err err;

  memset(&e, 0, sizeof e);
  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "sb_evaluate: NULL result pointer");
  *out = NULL;
  if ((err = check_inputs(opts, ref, est, mix, msg)) != SB_OK)
    return err;
  metrics = opts->metrics;
  e.want_bss = (metrics & SB_METRIC_BSS) != 0;
  e.want_sdr = e.want_bss || (metrics & SB_METRIC_SDR);
  e.run_bss = e.want_bss || (e.want_sdr && opts->crit == SB_CRIT_SOURCES);
  e.want_si = (metrics & SB_METRIC_SISDR) != 0;
  e.want_imp = (metrics & SB_METRIC_IMPROVE) && mix;
  if (e.run_bss && opts->filter_len < 1)
    return sb_msg_set(msg, SB_EINVAL, "filter length %d: must be >= 1", opts->filter_len);

  e.x.opts = opts;
  e.x.ref = ref;
  e.x.est = est;
  e.x.mix = mix;
  e.x.n_src = n = ref->n_src;
  if ((err = sb_framing_init(&e.x.f, ref->n_samples, opts->win, opts->hop)) != SB_OK ||
      (opts->mode == SB_BSS_V3 && (err = sb_framing_v3_single(&e.x.f)) != SB_OK)) {
    sb_msg_set(msg, err, "framing: window %lld, hop %lld samples", (long long)opts->win, (long long)opts->hop);
    goto fail;
  }
  e.x.n_frames = e.x.f.n_frames;
  if ((err = alloc_result(&e.x, metrics, msg)) != SB_OK)
    goto fail;
  if ((err = first_pass(&e.x, msg)) != SB_OK)
    goto fail;
  if ((metrics & SB_METRIC_IMPROVE) && !mix)
    sb_eval_note_add(e.x.r, "no mixture: improvements not computed");

  e.score = malloc((size_t)n * (size_t)n * sizeof *e.score);
  e.whole_skip = malloc((size_t)n);
  if (!e.score || !e.whole_skip) {
    err = sb_msg_set(msg, SB_ENOMEM, "evaluation: out of memory");
    goto fail;
  }
  if ((e.want_si && (err = si_permutation(&e, msg)) != SB_OK) || (err = bss_permutation(&e, msg)) != SB_OK)
    goto fail;
  if (!e.want_si)
    memcpy(e.x.r->perm_si, e.x.r->perm, (size_t)n * sizeof *e.x.r->perm_si);
  if ((err = frame_values(&e, msg)) != SB_OK || (err = whole_signal_values(&e, msg)) != SB_OK)
    goto fail;
  if (e.want_imp && e.want_sdr && (err = sdr_improvements(&e, msg)) != SB_OK)
    goto fail;
  if (e.want_imp && e.want_si && (err = si_improvements(&e, msg)) != SB_OK)
    goto fail;
  if ((metrics & SB_METRIC_PSPM) && (err = pspm_values(&e.x, msg)) != SB_OK)
    goto fail;
  if ((err = sb_eval_speech_values(&e.x, msg)) != SB_OK)
    goto fail;

  *out = e.x.r;
  e.x.r = NULL;
  err = SB_OK;

fail:
  eval_run_free(&e);
  return err;
}
