/*
 * runners/eval_dirs.c — `sepbench eval`: pairs reference and estimate files
 * by target name, loads them with the shape checks of track_audio.h and
 * scores them with sb_evaluate().
 */
#include <config.h>

#include "runners/eval_dirs.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/paths.h"
#include "datasets/targets.h"
#include "datasets/track_audio.h"
#include "runners/result_json.h"
#include "runners/result_table.h"
#include "runners/signals.h"

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

/* Builds a track from the audio files of ref_dir: stem names in target
 * order, stem paths, and the optional mixture. */
static sb_err track_from_dir(const char *ref_dir, const char *mix_path, sb_track *t, sb_msg *msg)
{
  char **files = NULL;
  int n_files = 0, n = 0;
  sb_err err = sb_path_list(ref_dir, SB_PATH_FILE, &files, &n_files, msg);
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
    free(t->stem_names[i]);
    free(t->stem_paths[i]);
  }
  free(t->stem_names);
  free(t->stem_paths);
  free(t->mix_path);
  memset(t, 0, sizeof *t);
}

/* Finds est_dir/<name>.<ext> for the first audio extension that exists. */
static sb_err find_estimate(const char *est_dir, const char *name, char **out, sb_msg *msg)
{
  for (size_t i = 0; i < sizeof audio_exts / sizeof audio_exts[0]; i++) {
    char *file = malloc(strlen(name) + strlen(audio_exts[i]) + 1);
    sb_err err;
    if (!file)
      return SB_ENOMEM;
    strcpy(file, name);
    strcat(file, audio_exts[i]);
    err = sb_path_join(est_dir, file, out);
    free(file);
    if (err)
      return err;
    if (sb_path_kind_of(*out) == SB_PATH_FILE)
      return SB_OK;
    free(*out);
    *out = NULL;
  }
  return sb_msg_set(msg, SB_ENOTFOUND, "%s: no estimate for target '%s' (expected %s/%s.wav)", est_dir,
                    name, est_dir, name);
}

static sb_err load_estimates(const sb_eval_dirs_opts *o, const sb_track *t, const sb_track_audio *refs,
                             sb_audio **est, FILE *err_out, sb_msg *msg)
{
  const sb_audio *r0 = refs->stems[0];
  for (int j = 0; j < t->n_stems; j++) {
    char *path = NULL;
    int64_t refit;
    sb_err err = find_estimate(o->est_dir, t->stem_names[j], &path, msg);
    if (!err)
      err = sb_audio_read(path, &est[j], msg);
    if (!err)
      err = sb_track_audio_fit_estimate(est[j], path, r0->rate, r0->n_chan, r0->n_frames, &refit, msg);
    if (!err && refit >= 0 && err_out)
      fprintf(err_out, "sepbench: %s: %lld samples, %s to the reference length %lld\n", path,
              (long long)refit, refit < r0->n_frames ? "zero-padded" : "truncated",
              (long long)r0->n_frames);
    free(path);
    if (err)
      return err;
  }
  return SB_OK;
}

sb_err sb_eval_dirs(const sb_eval_dirs_opts *o, FILE *out, FILE *err_out, sb_msg *msg)
{
  sb_track track = {0};
  sb_track_audio *refs = NULL;
  sb_audio **est = NULL;
  sb_eval_result *res = NULL;
  sb_signals sig = {0};
  sb_eval_opts eo;
  sb_err err;
  if (!o || !o->ref_dir || !o->est_dir)
    return sb_msg_set(msg, SB_EINVAL, "eval needs --ref-dir and --est-dir");
  err = track_from_dir(o->ref_dir, o->mix_path, &track, msg);
  if (err)
    goto done;
  err = sb_track_audio_load(&track, &refs, msg);
  if (err)
    goto done;
  est = calloc((size_t)track.n_stems, sizeof *est);
  if (!est) {
    err = SB_ENOMEM;
    goto done;
  }
  err = load_estimates(o, &track, refs, est, err_out, msg);
  if (err)
    goto done;
  eo = o->eval;
  eo.names = (const char *const *)track.stem_names;
  /* BLAS single-threaded, as in sepbench run: PS/PM values are then the
   * same to the last bit on every machine (metrics/pspm.h). */
  openblas_set_num_threads(1);
  err = sb_signals_set_frames(&eo, o->win_s, o->hop_s, refs->stems[0]->rate, msg);
  if (err)
    goto done;
  err = sb_signals_init(&sig, refs->stems, est, refs->mix, track.n_stems);
  if (err)
    goto done;
  err = sb_evaluate(&eo, &sig.ref, &sig.est, refs->mix ? &sig.mix : NULL, &res, msg);
  if (err)
    goto done;
  if (res->note[0] && err_out)
    fprintf(err_out, "sepbench: %s\n", res->note);
  if (o->format == SB_EVAL_TABLE)
    err = sb_result_table_write(out, res, &eo, (const char *const *)track.stem_names);
  else
    err = sb_result_json_write(out, res, &eo, (const char *const *)track.stem_names, NULL, 0);
  if (err)
    sb_msg_set(msg, err, "cannot write the result");
done:
  sb_eval_result_free(&res);
  sb_signals_clear(&sig);
  for (int j = 0; est && j < track.n_stems; j++)
    sb_audio_free(&est[j]);
  free(est);
  sb_track_audio_free(&refs);
  track_clear(&track);
  return err;
}
