/*
 * metrics/evaluate_bss.c — the BSS Eval steps of sb_evaluate
 * (metrics/evaluate_parts.h): the reference group (references with
 * non-zero energy, as a view over a subset), framewise and whole-signal
 * values of (reference, estimate) pairs through one
 * sb_bsseval_eval_pairs call each, and the NaN masks of the pairs.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "metrics/evaluate_parts.h"

/* Frame NaN mask of the pair (reference j, estimate e). */
void sb_eval_pair_skip(const eval_ctx *x, int j, int e, unsigned char *skip)
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

typedef struct bss_job {
  int target;                    /* reference index */
  int est;                       /* estimate index in the call's view */
  const unsigned char *skip;     /* n_out flags */
  double *sdr, *isr, *sir, *sar; /* n_out values each; sdr may be NULL; isr NULL: no frames */
  double *whole;                 /* 4 whole-track values (SDR, ISR, SIR, SAR), or NULL */
  unsigned char whole_skip;      /* leave whole NaN */
} bss_job;

/* NaN into the outputs of a job. */
static void job_clear(bss_job *jb, int64_t n_out)
{
  for (int64_t k = 0; jb->isr && k < n_out; k++) {
    if (jb->sdr)
      jb->sdr[k] = NAN;
    jb->isr[k] = jb->sir[k] = jb->sar[k] = NAN;
  }
  for (int m = 0; jb->whole && m < 4; m++)
    jb->whole[m] = NAN;
}

/* Runs the jobs with one sb_bsseval_eval_pairs_whole call (it shares the
 * per-estimate work between pairs and uses OpenMP).  Frames skipped by
 * every job are skipped; frames skipped by some jobs only (per-source NaN
 * rule) are computed and masked afterwards.  gidx maps reference indices to
 * the group b was built on (-1: not in the group, values NaN).  SDR is
 * computed with want_sdr (then every job with frames has an sdr output).
 * All jobs have frame outputs or none has, whole outputs or none has
 * (those only on a filter-mode b). */
static sb_err run_bss_jobs(sb_bsseval *b, const int *gidx, const sb_sources *est, int want_sdr, int n_jobs,
                           bss_job *jobs, int64_t n_out, sb_msg *msg)
{
  sb_bss_pair *pairs = malloc((size_t)n_jobs * sizeof *pairs);
  int *which = malloc((size_t)n_jobs * sizeof *which);
  unsigned char *skip = malloc((size_t)n_out);
  size_t block = (size_t)n_jobs * (size_t)n_out;
  double *buf = malloc(4 * (block + (size_t)n_jobs) * sizeof *buf), *wbuf = buf + 4 * block;
  int n = 0;
  int want_frames = n_jobs > 0 && jobs[0].isr, want_whole = n_jobs > 0 && jobs[0].whole;
  sb_bss_out fo = {NULL, NULL, NULL, NULL}, wo;
  sb_err err = SB_OK;

  if (!pairs || !which || !skip || !buf) {
    err = sb_msg_set(msg, SB_ENOMEM, "BSS Eval: out of memory");
    goto done;
  }
  for (int64_t k = 0; k < n_out; k++)
    skip[k] = 1;
  for (int i = 0; i < n_jobs; i++) {
    bss_job *jb = &jobs[i];
    int any = jb->whole && !jb->whole_skip;
    job_clear(jb, n_out);
    for (int64_t k = 0; jb->isr && k < n_out; k++)
      any |= !jb->skip[k];
    if (gidx[jb->target] < 0 || !any)
      continue;
    pairs[n].target = gidx[jb->target];
    pairs[n].est = jb->est;
    which[n++] = i;
    for (int64_t k = 0; jb->isr && k < n_out; k++)
      skip[k] &= jb->skip[k];
  }
  if (n == 0)
    goto done;
  if (want_frames) {
    fo.sdr = want_sdr ? buf : NULL;
    fo.isr = buf + block;
    fo.sir = buf + 2 * block;
    fo.sar = buf + 3 * block;
  }
  wo.sdr = want_sdr ? wbuf : NULL;
  wo.isr = wbuf + n_jobs;
  wo.sir = wbuf + 2 * (size_t)n_jobs;
  wo.sar = wbuf + 3 * (size_t)n_jobs;
  err = sb_bsseval_eval_pairs_whole(b, est, n, pairs, skip, &fo, want_whole ? &wo : NULL);
  if (err != SB_OK) {
    sb_msg_set(msg, err, "BSS Eval: %s", sb_strerror(err));
    goto done;
  }
  for (int q = 0; q < n; q++) {
    bss_job *jb = &jobs[which[q]];
    size_t at = (size_t)q * (size_t)n_out;
    for (int64_t k = 0; jb->isr && k < n_out; k++) {
      if (jb->skip[k])
        continue;
      if (jb->sdr)
        jb->sdr[k] = buf[at + (size_t)k];
      jb->isr[k] = buf[block + at + (size_t)k];
      jb->sir[k] = buf[2 * block + at + (size_t)k];
      jb->sar[k] = buf[3 * block + at + (size_t)k];
    }
    if (jb->whole && !jb->whole_skip) {
      if (want_sdr)
        jb->whole[0] = wbuf[q];
      for (int m = 1; m < 4; m++)
        jb->whole[m] = wbuf[(size_t)m * (size_t)n_jobs + (size_t)q];
    }
  }

done:
  free(pairs);
  free(which);
  free(skip);
  free(buf);
  return err;
}

void sb_eval_bss_group_free(bss_group *g)
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

sb_err sb_eval_bss_group_init(eval_ctx *x, bss_group *g, sb_msg *msg)
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
  if (x->opts->frames_only)
    return SB_OK; /* whole_b NULL: the whole-signal values stay NaN */
  if (x->opts->mode == SB_BSS_V4) {
    g->whole_in_frames = 1; /* whole-track filters in both: no second object */
    return SB_OK;
  }
  bo.win = 0;
  bo.hop = 0;
  return sb_bsseval_new(&bo, &g->view, &g->whole_b, msg);
}

/* Framewise BSS Eval of the pairs (pair_ref[p], pair_est[p]) into
 * out[(p * 4 + m) * n_frames + k] (m = SDR, ISR, SIR, SAR; SDR only with
 * the sources criterion, NaN otherwise), and with whole != NULL (only when
 * g->whole_in_frames) their whole-track values into whole[p * 4 + m]. */
sb_err sb_eval_bss_frames(eval_ctx *x, bss_group *g, int n_pairs, const int *pair_ref, const int *pair_est,
                         double *out, double *whole, sb_msg *msg)
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
    sb_eval_pair_skip(x, pair_ref[p], pair_est[p], skip + (size_t)p * (size_t)nf);
    jobs[p].target = pair_ref[p];
    jobs[p].est = pair_est[p];
    jobs[p].skip = skip + (size_t)p * (size_t)nf;
    jobs[p].sdr = x->opts->crit == SB_CRIT_SOURCES ? o : NULL;
    jobs[p].isr = o + nf;
    jobs[p].sir = o + 2 * nf;
    jobs[p].sar = o + 3 * nf;
    jobs[p].whole = whole ? whole + (size_t)p * 4 : NULL;
    if (!jobs[p].sdr)
      for (int64_t k = 0; k < nf; k++)
        o[k] = NAN;
    for (int m = 0; whole && m < 4; m++)
      jobs[p].whole[m] = NAN;
  }
  err = g->frame_b ? run_bss_jobs(g->frame_b, g->gidx, x->est, x->opts->crit == SB_CRIT_SOURCES, n_pairs,
                                  jobs, nf, msg)
                   : SB_OK;
  if (!g->frame_b)
    for (size_t i = 0; i < (size_t)n_pairs * 4 * (size_t)nf; i++)
      out[i] = NAN;
  free(skip);
  free(jobs);
  return err;
}

/* Whole-signal BSS Eval of estimate est_of[j] of the view est against
 * reference j for every reference j into out[j * 4 + m] (m = SDR, ISR,
 * SIR, SAR; SDR only with the sources criterion).  skip[j]: leave NaN.
 * With g->whole_in_frames from frame_b (no frame computed). */
sb_err sb_eval_bss_whole(eval_ctx *x, bss_group *g, const sb_sources *est, const int *est_of,
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
    o[0] = o[1] = o[2] = o[3] = NAN;
    if (g->whole_in_frames) {
      jobs[j].whole = o;
      jobs[j].whole_skip = skip[j];
      continue;
    }
    jobs[j].skip = &skip[j];
    jobs[j].sdr = x->opts->crit == SB_CRIT_SOURCES ? o : NULL;
    jobs[j].isr = o + 1;
    jobs[j].sir = o + 2;
    jobs[j].sar = o + 3;
  }
  if (g->whole_in_frames)
    err = run_bss_jobs(g->frame_b, g->gidx, est, x->opts->crit == SB_CRIT_SOURCES, n, jobs, x->n_frames, msg);
  else if (g->whole_b)
    err = run_bss_jobs(g->whole_b, g->gidx, est, x->opts->crit == SB_CRIT_SOURCES, n, jobs, 1, msg);
  free(jobs);
  return err;
}

/* Whole-signal BSS Eval of the matched pairs into a new n_src x 4 array.
 * With g->whole_in_frames they are the whole-track values of the pairs
 * (pairs_whole, laid out as sb_eval_bss_frames's whole).  When one frame
 * is the whole signal, pairs whose frame NaN mask equals their
 * whole-signal exclusion reuse the framewise values (pairs, laid out as
 * in sb_eval_bss_frames) instead of a second evaluation. */
sb_err sb_eval_whole_values(eval_ctx *x, bss_group *g, const unsigned char *whole_skip, int n_pairs,
                           const double *pairs, const double *pairs_whole, double **out, sb_msg *msg)
{
  int n = x->n_src;
  int reuse_ok = g->whole_b && g->whole_b == g->frame_b && x->n_frames == 1;
  unsigned char *job_skip = calloc((size_t)n, 1), *reuse = calloc((size_t)n, 1);
  double *w = malloc((size_t)n * 4 * sizeof *w);
  sb_err err = SB_ENOMEM;
  if (!job_skip || !reuse || !w) {
    sb_msg_set(msg, err, "evaluation: out of memory");
    goto done;
  }
  for (int j = 0; j < n; j++) {
    if (reuse_ok) {
      unsigned char frame_skip;
      sb_eval_pair_skip(x, j, x->r->perm[j], &frame_skip);
      reuse[j] = frame_skip == whole_skip[j];
    }
    job_skip[j] = whole_skip[j] || reuse[j];
  }
  if (!g->whole_in_frames && (err = sb_eval_bss_whole(x, g, x->est, x->r->perm, job_skip, w, msg)) != SB_OK)
    goto done;
  for (int j = 0; j < n; j++) {
    int p = n_pairs == n ? j : j * n + x->r->perm[j];
    for (int m = 0; m < 4; m++) {
      double *v = &w[(size_t)j * 4 + (size_t)m];
      if (reuse[j])
        *v = pairs[(size_t)p * 4 + (size_t)m];
      else if (g->whole_in_frames)
        *v = whole_skip[j] ? NAN : pairs_whole[(size_t)p * 4 + (size_t)m];
    }
  }
  err = SB_OK;
  *out = w;
  w = NULL;

done:
  free(job_skip);
  free(reuse);
  free(w);
  return err;
}
