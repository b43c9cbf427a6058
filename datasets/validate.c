/*
 * datasets/validate.c — suite validation report (see validate.h).  The
 * residual follows the "mixture = sum of stems" property of MUSDB18
 * (Rafii et al., 2017) that museval's linear_mixture target relies on.
 */
#include <config.h>

#include "datasets/validate.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/audio.h"
#include "common/paths.h"
#include "datasets/stem_mp4.h"

/* Prints one problem line and counts it. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void problem(FILE *out, sb_validate_summary *sum, const char *track, const char *fmt, ...)
{
  va_list ap;
  sum->n_problems++;
  if (!out)
    return;
  fprintf(out, "PROBLEM  %s: ", track);
  va_start(ap, fmt);
  vfprintf(out, fmt, ap);
  va_end(ap);
  fputc('\n', out);
}

/* Whether the file behind path exists; "<file>.stem.mp4#<n>" names a
 * stream of <file>.stem.mp4. */
static int file_exists(const char *path)
{
  size_t file_len;
  int stream;
  char *file;
  int exists;
  if (!sb_stem_mp4_parse_ref(path, &file_len, &stream))
    return sb_path_kind_of(path) == SB_PATH_FILE;
  file = strndup(path, file_len);
  exists = file && sb_path_kind_of(file) == SB_PATH_FILE;
  free(file);
  return exists;
}

/* Reads one file; a failure is reported and gives NULL. */
static sb_audio *check_file(const sb_suite *s, const sb_track *t, const char *path, FILE *out,
                            sb_validate_summary *sum)
{
  sb_audio *a = NULL;
  sb_msg msg;
  sb_err err;

  sum->n_files++;
  sb_msg_clear(&msg);
  if (!file_exists(path)) {
    problem(out, sum, t->name, "%s: missing", path);
    return NULL;
  }
  err = sb_audio_read(path, &a, &msg);
  if (!err)
    err = sb_audio_check_finite(a, path, &msg);
  if (err) {
    problem(out, sum, t->name, "%s", msg.text[0] ? msg.text : sb_strerror(err));
    sb_audio_free(&a);
    return NULL;
  }
  if (s->rate && a->rate != s->rate)
    problem(out, sum, t->name, "%s: %d Hz, the %s layout prescribes %d Hz", path, a->rate, s->kind, s->rate);
  if (t->n_samples_declared > 0 && a->n_samples != t->n_samples_declared)
    problem(out, sum, t->name, "%s: %lld samples, the manifest declares %lld", path, (long long)a->n_samples,
            (long long)t->n_samples_declared);
  return a;
}

/* Compares a with the track's first signal; reports and returns 0 when the
 * shapes differ. */
static int same_shape(const sb_audio *a, const char *path, const sb_audio *first, const char *first_path,
                      const sb_track *t, FILE *out, sb_validate_summary *sum)
{
  int ok = 1;
  if (a->rate != first->rate) {
    problem(out, sum, t->name, "%s: %d Hz, but %s has %d Hz", path, a->rate, first_path, first->rate);
    ok = 0;
  }
  if (a->n_chan != first->n_chan) {
    problem(out, sum, t->name, "%s: %d channel(s), but %s has %d", path, a->n_chan, first_path, first->n_chan);
    ok = 0;
  }
  if (a->n_samples != first->n_samples) {
    problem(out, sum, t->name, "%s: %lld samples (%.3f s), but %s has %lld (%.3f s)", path, (long long)a->n_samples,
            (double)a->n_samples / a->rate, first_path, (long long)first->n_samples,
            (double)first->n_samples / first->rate);
    ok = 0;
  }
  return ok;
}

static sb_err check_track(const sb_suite *s, const sb_track *t, double max_residual_db, FILE *out,
                          sb_validate_summary *sum)
{
  const int n_before = sum->n_problems;
  sb_audio *mix = NULL, *ref = NULL, *stem_sum = NULL;
  const char *ref_path = NULL;
  int shapes_ok = 1, all_read = 1;
  double residual_db = NAN;
  sb_err err = SB_OK;

  if (t->mix_path) {
    mix = check_file(s, t, t->mix_path, out, sum);
    all_read &= mix != NULL;
  }
  ref = mix;
  ref_path = t->mix_path;
  for (int k = 0; k < t->n_stems; k++) {
    int n_parts = t->stem_n_parts && t->stem_n_parts[k] > 0 ? t->stem_n_parts[k] : 1;
    for (int p = 0; p < n_parts; p++) {
      const char *path = n_parts > 1 || (t->stem_n_parts && t->stem_n_parts[k] > 0) ? t->stem_parts[k][p]
                                                                                      : t->stem_paths[k];
      sb_audio *a = check_file(s, t, path, out, sum);
      if (!a) {
        all_read = 0;
        continue;
      }
      if (!ref) {
        ref = a;
        ref_path = path;
      } else if (!same_shape(a, path, ref, ref_path, t, out, sum)) {
        shapes_ok = 0;
      }
      /* Derived stems are not separate signals of the mixture sum: only
       * plain stems enter it. */
      if (mix && shapes_ok && mix->n_samples == a->n_samples && mix->n_chan == a->n_chan &&
          !(t->stem_n_parts && t->stem_n_parts[k] > 0)) {
        if (!stem_sum) {
          err = sb_audio_new(&stem_sum, a->n_chan, a->n_samples, a->rate);
          if (err) {
            if (a != ref)
              sb_audio_free(&a);
            goto done;
          }
        }
        for (int64_t i = 0; i < (int64_t)a->n_chan * a->n_samples; i++)
          stem_sum->data[i] += a->data[i];
      }
      if (a != ref)
        sb_audio_free(&a);
    }
  }
  if (s->mix_is_sum && mix && stem_sum && all_read && shapes_ok) {
    double e_mix = 0, e_res = 0;
    for (int64_t i = 0; i < (int64_t)mix->n_chan * mix->n_samples; i++) {
      double d = mix->data[i] - stem_sum->data[i];
      e_mix += mix->data[i] * mix->data[i];
      e_res += d * d;
    }
    residual_db = e_res == 0 ? -INFINITY : e_mix == 0 ? INFINITY : 10 * log10(e_res / e_mix);
    if (residual_db > sum->worst_residual_db)
      sum->worst_residual_db = residual_db;
    if (residual_db > max_residual_db)
      problem(out, sum, t->name, "%s: mixture differs from the sum of the stems: residual %.1f dB (limit %.1f dB)",
              t->mix_path, residual_db, max_residual_db);
  }
  if (sum->n_problems > n_before) {
    sum->n_bad_tracks++;
  } else if (out) {
    fprintf(out, "ok       %s: %d stem(s), %d Hz, %d ch, %.3f s", t->name, t->n_stems, ref ? ref->rate : 0,
            ref ? ref->n_chan : 0, ref ? (double)ref->n_samples / ref->rate : 0.0);
    if (!isnan(residual_db))
      fprintf(out, ", mixture - sum of stems %.1f dB", residual_db);
    fputc('\n', out);
  }
done:
  if (ref != mix)
    sb_audio_free(&ref);
  sb_audio_free(&mix);
  sb_audio_free(&stem_sum);
  return err;
}

sb_err sb_suite_validate(const sb_suite *s, double max_residual_db, FILE *out, sb_validate_summary *sum,
                         sb_msg *msg)
{
  memset(sum, 0, sizeof *sum);
  sum->worst_residual_db = -INFINITY;
  for (int i = 0; i < s->n_tracks; i++) {
    sb_err err = check_track(s, &s->tracks[i], max_residual_db, out, sum);
    if (err)
      return sb_msg_set(msg, err, "validating track '%s': %s", s->tracks[i].name, sb_strerror(err));
    sum->n_tracks++;
  }
  if (out) {
    fprintf(out, "suite %s (%s): %d tracks, %d files checked, %d problem(s) in %d track(s)\n", s->name, s->kind,
            sum->n_tracks, sum->n_files, sum->n_problems, sum->n_bad_tracks);
    if (fflush(out) != 0 || ferror(out))
      return sb_msg_set(msg, SB_EIO, "cannot write the validation report");
  }
  return SB_OK;
}
