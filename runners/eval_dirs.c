/*
 * runners/eval_dirs.c — `sepbench eval`: pairs reference and estimate files
 * by target name and scores them with sb_evaluate().  The files are
 * streamed (runners/stream_inputs.h: a few blocks per file in memory, so a
 * 10-minute 4-source stereo track needs no 3.4 GB of float64 signals),
 * each decoded once and held as float32 while the memory budget allows,
 * unless PS/PM is requested or a file cannot be streamed (.stem.mp4, MP3,
 * OGG); then they are loaded whole with the same shape checks
 * (track_audio.h).
 */
#include <config.h>

#include "runners/eval_dirs.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backends/embedders.h"
#include "common/paths.h"
#include "common/targets.h"
#include "datasets/track_audio.h"
#include "runners/signals.h"
#include "runners/stream_inputs.h"

static const char *const audio_exts[] = {".wav", ".flac", ".ogg", ".mp3", ".WAV", ".FLAC"};

/* Returns the length of name without an audio extension, or 0 if it has none. */
static size_t audio_stem_len(const char *name)
{
  size_t n = strlen(name);
  for (size_t i = 0; i < sizeof audio_exts / sizeof audio_exts[0]; i++) {
    size_t e = strlen(audio_exts[i]);
    if (n > e && strcmp(name + n - e, audio_exts[i]) == 0)
      return n - e;
  }
  return 0;
}

/* SB_OK when path is a regular file one can read, SB_ENOTFOUND (no
 * message) when nothing is there, else the error of sb_path_check_file with
 * a message naming the path, what it is and whose file it should be. */
static sb_err not_a_file(const char *path, const char *role, const char *target, sb_msg *msg)
{
  sb_msg why;
  sb_err err = sb_path_check_file(path, &why);
  if (err == SB_OK || err == SB_ENOTFOUND)
    return err;
  return sb_msg_set(msg, err, "%s (the %s of target '%s')", why.text, role, target);
}

/* Builds a track from the audio files of ref_dir: stem names in target
 * order, stem paths, and the optional mixture.  An entry named like an
 * audio file that is not a readable regular file (a folder, a FIFO, a
 * link loop) is an error naming it, never skipped. */
static sb_err track_from_dir(const char *ref_dir, const char *mix_path, sb_track *t, sb_msg *msg)
{
  char **files = NULL;
  int n_files = 0, n = 0;
  sb_err err = sb_path_list(ref_dir, SB_PATH_NONE, &files, &n_files, msg);
  if (err)
    return err;
  t->stem_names = calloc((size_t)n_files + 1, sizeof *t->stem_names);
  t->stem_paths = calloc((size_t)n_files + 1, sizeof *t->stem_paths);
  if (!t->stem_names || !t->stem_paths) {
    err = SB_ENOMEM;
    goto done;
  }
  for (int i = 0; i < n_files; i++) {
    size_t stem = audio_stem_len(files[i]);
    if (stem == 0)
      continue;
    t->stem_names[n] = strndup(files[i], stem);
    if (!t->stem_names[n]) {
      err = SB_ENOMEM;
      goto done;
    }
    err = sb_path_join(ref_dir, files[i], &t->stem_paths[n]);
    n++;
    t->n_stems = n;
    if (!err)
      err = not_a_file(t->stem_paths[n - 1], "reference", t->stem_names[n - 1], msg);
    if (err)
      goto done;
  }
  if (n == 0) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "%s: no reference audio files (.wav, .flac, .ogg, .mp3)", ref_dir);
    goto done;
  }
  sb_targets_sort(t->stem_names, t->stem_paths, n);
  if (mix_path) {
    t->mix_path = strdup(mix_path);
    if (!t->mix_path)
      err = SB_ENOMEM;
  }
done:
  sb_path_free_list(&files, n_files);
  return err;
}

static void track_clear(sb_track *t)
{
  for (int i = 0; i < t->n_stems; i++) {
    if (t->stem_names)
      free(t->stem_names[i]);
    free(t->stem_paths[i]);
  }
  free(t->stem_names);
  free(t->stem_paths);
  free(t->mix_path);
  memset(t, 0, sizeof *t);
}

/* Finds est_dir/<name>.<ext> for the first audio extension that exists;
 * when none is a file, the first one that exists as something else is
 * named (a folder, a FIFO, a link loop, a folder that cannot be searched). */
static sb_err find_estimate(const char *est_dir, const char *name, char **out, sb_msg *msg)
{
  sb_err problem = SB_ENOTFOUND;
  for (size_t i = 0; i < sizeof audio_exts / sizeof audio_exts[0]; i++) {
    char *file = NULL;
    sb_err err = sb_path_printf(&file, "%s%s", name, audio_exts[i]);
    if (!err)
      err = sb_path_join(est_dir, file, out);
    free(file);
    if (err)
      return err;
    err = not_a_file(*out, "estimate", name, problem == SB_ENOTFOUND ? msg : NULL);
    if (err == SB_OK)
      return SB_OK;
    if (problem == SB_ENOTFOUND)
      problem = err;
    free(*out);
    *out = NULL;
  }
  if (problem != SB_ENOTFOUND)
    return problem;
  return sb_msg_set(msg, SB_ENOTFOUND, "%s: no estimate for target '%s' (expected %s/%s.wav)", est_dir,
                    name, est_dir, name);
}

/* The note printed when an estimate is padded or cut to the references. */
static void note_refit(FILE *err_out, const char *path, int64_t n_samples, int64_t n_ref)
{
  if (err_out)
    fprintf(err_out, "sepbench: %s: %lld samples, %s to the reference length %lld\n", path,
            (long long)n_samples, n_samples < n_ref ? "zero-padded" : "truncated", (long long)n_ref);
}

/* The signals of one evaluation: streamed from the files (streams) or
 * loaded whole (refs, est, sig); views point into either. */
typedef struct eval_inputs {
  sb_stream_inputs streams;
  sb_track_audio *refs;
  sb_audio **est;
  int n_est;
  sb_signals sig;
  sb_sources ref_view, est_view, mix_view;
  int has_mix;
} eval_inputs;

static void inputs_clear(eval_inputs *in)
{
  sb_stream_inputs_clear(&in->streams);
  sb_signals_clear(&in->sig);
  for (int j = 0; in->est && j < in->n_est; j++)
    sb_audio_free(&in->est[j]);
  free(in->est);
  sb_track_audio_free(&in->refs);
  memset(in, 0, sizeof *in);
}

/* est_paths[j] = the estimate of target j (caller frees the n_stems strings). */
static sb_err find_estimates(const char *est_dir, const sb_track *t, char **est_paths, sb_msg *msg)
{
  for (int j = 0; j < t->n_stems; j++) {
    sb_err err = find_estimate(est_dir, t->stem_names[j], &est_paths[j], msg);
    if (err)
      return err;
  }
  return SB_OK;
}

/* Opens every file as a stream (runners/stream_inputs.h): references,
 * mixture, estimates, in the order the whole-file path checks them, notes
 * the estimates padded or cut, then holds what fits in o->max_memory.
 * SB_EUNSUPPORTED when a file cannot be streamed (the caller then loads
 * everything whole); every other error is the caller's to report. */
static sb_err open_streams(const sb_eval_dirs_opts *o, const sb_track *t, eval_inputs *in, FILE *err_out,
                           sb_msg *msg)
{
  char **est_paths = calloc((size_t)t->n_stems, sizeof *est_paths);
  sb_err err;
  if (!est_paths)
    return SB_ENOMEM;
  err = sb_stream_inputs_open_refs(&in->streams, t->n_stems, (const char *const *)t->stem_paths, t->mix_path, msg);
  if (!err)
    err = find_estimates(o->est_dir, t, est_paths, msg);
  if (!err)
    err = sb_stream_inputs_open_ests(&in->streams, (const char *const *)est_paths, msg);
  if (!err) {
    in->ref_view = in->streams.ref_view;
    in->est_view = in->streams.est_view;
    in->mix_view = in->streams.mix_view;
    in->has_mix = in->streams.mix != NULL;
    for (int j = 0; j < t->n_stems; j++) {
      int64_t in_file = sb_stream_inputs_est_frames(&in->streams, j);
      if (in_file != in->ref_view.n_samples)
        note_refit(err_out, est_paths[j], in_file, in->ref_view.n_samples);
    }
  }
  if (!err)
    err = sb_stream_inputs_hold(&in->streams, o->max_memory, msg);
  for (int j = 0; j < t->n_stems; j++)
    free(est_paths[j]);
  free(est_paths);
  return err;
}

/* Loads every file whole (track_audio.h), for PS/PM and for files that
 * cannot be streamed. */
static sb_err load_whole(const sb_eval_dirs_opts *o, const sb_track *t, eval_inputs *in, FILE *err_out,
                         sb_msg *msg)
{
  const sb_audio *r0;
  sb_err err = sb_track_audio_load(t, &in->refs, msg);
  if (err)
    return err;
  r0 = in->refs->stems[0];
  in->est = calloc((size_t)t->n_stems, sizeof *in->est);
  if (!in->est)
    return SB_ENOMEM;
  in->n_est = t->n_stems;
  for (int j = 0; j < t->n_stems; j++) {
    char *path = NULL;
    int64_t refit;
    err = find_estimate(o->est_dir, t->stem_names[j], &path, msg);
    if (!err)
      err = sb_audio_read(path, &in->est[j], msg);
    if (!err)
      err = sb_track_audio_fit_estimate(in->est[j], path, r0->rate, r0->n_chan, r0->n_samples, &refit, msg);
    if (!err && refit >= 0)
      note_refit(err_out, path, refit, r0->n_samples);
    free(path);
    if (err)
      return err;
  }
  err = sb_signals_init(&in->sig, in->refs->stems, in->est, in->refs->mix, t->n_stems);
  if (err)
    return err;
  in->ref_view = in->sig.ref;
  in->est_view = in->sig.est;
  in->mix_view = in->sig.mix;
  in->has_mix = in->refs->mix != NULL;
  return SB_OK;
}

/* Moves the evaluation out of track, res, metrics and scores into a new
 * result. */
static sb_err make_result(sb_track *track, sb_eval_result **res, const sb_eval_opts *eo,
                          sb_user_metric_table **metrics, sb_user_scores **scores, sb_eval_dirs_result **out)
{
  sb_eval_dirs_result *r = calloc(1, sizeof *r);
  if (!r)
    return SB_ENOMEM;
  r->result = *res;
  r->n_targets = track->n_stems;
  r->targets = track->stem_names;
  r->eval = *eo;
  r->eval.names = (const char *const *)r->targets;
  r->eval.pspm_embedder_api = NULL; /* freed with the evaluation */
  r->metrics = *metrics;
  r->scores = *scores;
  *res = NULL;
  *metrics = NULL;
  *scores = NULL;
  track->stem_names = NULL;
  *out = r;
  return SB_OK;
}

/* Opens the plug-in metrics of o (none: *table stays NULL). */
static sb_err open_user_metrics(const sb_eval_dirs_opts *o, sb_user_metric_table **table, sb_msg *msg)
{
  sb_err err;
  if (o->n_user_metrics <= 0)
    return SB_OK;
  err = sb_user_metric_table_new(table);
  if (err)
    return sb_msg_set(msg, err, "plug-in metrics: out of memory");
  for (int i = 0; !err && i < o->n_user_metrics; i++)
    err = sb_user_metric_table_open(*table, o->user_metrics[i], &o->metric_env, msg);
  return err;
}

/* Scores the whole signals of in with the plug-in metrics, estimate
 * perm[j] against reference j; messages call the track label (the
 * estimates' folder); every failure or note goes to err_out. */
static sb_err score_user_metrics(const sb_user_metric_table *table, const char *label, const sb_track *t,
                                 const eval_inputs *in, const int *perm, FILE *err_out, sb_user_scores **scores,
                                 sb_msg *msg)
{
  const sb_audio *r0 = in->refs->stems[0];
  const double **refs = calloc((size_t)t->n_stems, sizeof *refs), **ests = calloc((size_t)t->n_stems, sizeof *ests);
  sb_err err = SB_ENOMEM;
  if (refs && ests) {
    for (int j = 0; j < t->n_stems; j++) {
      refs[j] = in->refs->stems[j]->data;
      ests[j] = in->est[perm[j]]->data;
    }
    err = sb_user_metrics_score(table, NULL,
                                &(sb_metric_job){.track = label, .rate = r0->rate, .n_chan = r0->n_chan,
                                                 .n_samples = r0->n_samples, .n_targets = t->n_stems,
                                                 .targets = (const char *const *)t->stem_names, .refs = refs,
                                                 .ests = ests, .mix = in->refs->mix ? in->refs->mix->data : NULL},
                                NULL, scores, msg);
  }
  for (int i = 0; !err && err_out && i < (*scores)->n_metrics; i++)
    if ((*scores)->results[i].message.text[0])
      fprintf(err_out, "sepbench: %s\n", (*scores)->results[i].message.text);
  free(refs);
  free(ests);
  return err;
}

void sb_eval_dirs_result_free(sb_eval_dirs_result **r)
{
  if (!r || !*r)
    return;
  sb_eval_result_free(&(*r)->result);
  sb_user_scores_free(&(*r)->scores);
  sb_user_metric_table_free(&(*r)->metrics);
  for (int i = 0; i < (*r)->n_targets; i++)
    free((*r)->targets[i]);
  free((*r)->targets);
  free(*r);
  *r = NULL;
}

sb_err sb_eval_dirs(const sb_eval_dirs_opts *o, sb_eval_dirs_result **out, FILE *err_out, sb_msg *msg)
{
  sb_track track = {0};
  eval_inputs in = {0};
  sb_eval_result *res = NULL;
  sb_user_metric_table *metrics = NULL;
  sb_user_scores *scores = NULL;
  sb_eval_opts eo;
  sb_embedder *embedder = NULL;
  sb_err err;
  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "eval: no result pointer");
  *out = NULL;
  if (!o || !o->ref_dir || !o->est_dir)
    return sb_msg_set(msg, SB_EINVAL, "eval needs --ref-dir and --est-dir");
  err = open_user_metrics(o, &metrics, msg);
  if (!err)
    err = track_from_dir(o->ref_dir, o->mix_path, &track, msg);
  if (err)
    goto done;
  /* Streamed, memory stays flat in the track length; PS/PM and plug-in
   * metrics need whole signals (metrics/pspm.h). */
  err = SB_EUNSUPPORTED;
  if (!(o->eval.metrics & SB_METRIC_PSPM) && !metrics)
    err = open_streams(o, &track, &in, err_out, msg);
  if (err == SB_EUNSUPPORTED) {
    inputs_clear(&in);
    sb_msg_clear(msg);
    err = load_whole(o, &track, &in, err_out, msg);
  }
  if (err)
    goto done;
  eo = o->eval;
  eo.names = (const char *const *)track.stem_names;
  /* BLAS single-threaded, as in sepbench run: PS/PM values are then the
   * same to the last bit on every machine (metrics/pspm.h). */
  openblas_set_num_threads(1);
  err = sb_signals_set_frames(&eo, o->win_s, o->hop_s, in.ref_view.rate, msg);
  if (err)
    goto done;
  if (eo.metrics & SB_METRIC_PSPM) {
    sb_embedder_opts emb_opts = {SB_EMBEDDER_TIMEOUT_S, o->cancel};
    if ((err = sb_embedder_new_opts(eo.pspm_embedder, &emb_opts, &embedder, msg)))
      goto done;
    eo.pspm_embedder_api = embedder;
  }
  err = sb_evaluate(&eo, &in.ref_view, &in.est_view, in.has_mix ? &in.mix_view : NULL, &res, msg);
  if (err) {
    sb_stream_inputs_take_error(&in.streams, err, msg);
    goto done;
  }
  if (res->note[0] && err_out)
    fprintf(err_out, "sepbench: %s\n", res->note);
  if (metrics)
    err = score_user_metrics(metrics, o->est_dir, &track, &in, res->perm, err_out, &scores, msg);
  if (!err)
    err = make_result(&track, &res, &eo, &metrics, &scores, out);
done:
  sb_eval_result_free(&res);
  sb_embedder_free(&embedder);
  sb_user_scores_free(&scores);
  sb_user_metric_table_free(&metrics);
  inputs_clear(&in);
  track_clear(&track);
  return err;
}
