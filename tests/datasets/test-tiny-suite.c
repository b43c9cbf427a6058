/*
 * tests/datasets/test-tiny-suite.c — datasets/tiny_suite.c through the
 * resolver: generation into an empty cache, layout, exact mixture = sum
 * of stems, determinism, regeneration after an interrupted or outdated run
 * or a file deleted from a complete cache.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/audio.h"
#include "datasets/resolve.h"
#include "fixtures.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-tiny-suite-XXXXXX";

static void test_tiny(void)
{
  static const char *const names[3] = {"Tiny Band - Don't Stop", "Tiny Band - Morning (C major)",
                                       "Tiny Band - Rock & Roll"};
  static const char *const targets[4] = {"vocals", "drums", "bass", "other"};
  char cache[256], cache2[256];
  sb_suite_opts opts = {.cache_dir = cache, .quiet = 1};
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  snprintf(cache, sizeof cache, "%s/cache", tmp_dir);
  snprintf(cache2, sizeof cache2, "%s/cache2", tmp_dir);
  err = sb_suite_resolve("tiny", &opts, &s, &msg);
  tap_ok(err == SB_OK, "resolve tiny into an empty cache (%s)", err ? msg.text : "generated");
  if (err)
    return;
  tap_ok(strcmp(s->name, "tiny") == 0 && strcmp(s->kind, "tiny") == 0, "name and kind are tiny");
  tap_ok(strcmp(s->root, fx_path(cache, "tiny")) == 0, "root is <cache>/tiny: %s", s->root);
  tap_ok(s->n_tracks == 3, "3 tracks");
  for (int t = 0; t < s->n_tracks && t < 3; t++) {
    const sb_track *tr = &s->tracks[t];
    int order_ok = tr->n_stems == 4;
    for (int k = 0; order_ok && k < 4; k++) {
      char want[1024];
      snprintf(want, sizeof want, "%s/%s/%s.wav", s->root, tr->name, targets[k]);
      order_ok = strcmp(tr->stem_names[k], targets[k]) == 0 && strcmp(tr->stem_paths[k], want) == 0;
    }
    tap_ok(strcmp(tr->name, names[t]) == 0, "track %d is '%s' (sorted bytewise)", t, tr->name);
    tap_ok(order_ok, "track %d: targets vocals, drums, bass, other at <root>/<track>/<target>.wav", t);

    sb_audio *mix = NULL, *stem = NULL;
    double *sum = NULL;
    int shape_ok = 1, silent = 0;
    err = sb_audio_read(tr->mix_path, &mix, &msg);
    tap_ok(err == SB_OK && mix->n_chan == 2 && mix->rate == 44100 && mix->n_samples == 6 * 44100,
           "track %d: mixture is stereo 44.1 kHz, 6 s", t);
    if (err)
      continue;
    sum = calloc((size_t)(2 * mix->n_samples), sizeof *sum);
    for (int k = 0; k < tr->n_stems; k++) {
      double energy = 0;
      if (sb_audio_read(tr->stem_paths[k], &stem, &msg) != SB_OK || stem->n_samples != mix->n_samples ||
          stem->n_chan != 2 || stem->rate != 44100) {
        shape_ok = 0;
        sb_audio_free(&stem);
        continue;
      }
      for (int64_t i = 0; i < 2 * mix->n_samples; i++) {
        sum[i] += stem->data[i];
        energy += stem->data[i] * stem->data[i];
      }
      /* Every stem plays: RMS above -40 dBFS. */
      if (energy / (2.0 * (double)mix->n_samples) < 1e-4)
        silent++;
      sb_audio_free(&stem);
    }
    tap_ok(shape_ok, "track %d: stems are stereo 44.1 kHz, as long as the mixture", t);
    tap_ok(silent == 0, "track %d: no stem below -40 dBFS RMS", t);
    /* Stems are multiples of 2^-15, so the double sum is exact. */
    tap_ok(memcmp(sum, mix->data, (size_t)(2 * mix->n_samples) * sizeof *sum) == 0,
           "track %d: mixture == sum of stems, exactly", t);
    free(sum);
    sb_audio_free(&mix);
  }
  tap_ok(access(fx_path(s->root, ".complete"), F_OK) == 0, "the .complete marker exists");

  /* Determinism: a second cache gets the same bytes. */
  sb_suite *s2 = NULL;
  opts.cache_dir = cache2;
  err = sb_suite_resolve("tiny", &opts, &s2, &msg);
  int same = err == SB_OK && s2->n_tracks == s->n_tracks;
  for (int t = 0; same && t < s->n_tracks; t++) {
    same &= fx_files_equal(s->tracks[t].mix_path, s2->tracks[t].mix_path);
    for (int k = 0; k < s->tracks[t].n_stems; k++)
      same &= fx_files_equal(s->tracks[t].stem_paths[k], s2->tracks[t].stem_paths[k]);
  }
  tap_ok(same, "generating twice gives identical files");
  sb_suite_free(&s2);

  /* Interrupted generation: no marker -> the missing file comes back. */
  const char *vocals = s->tracks[0].stem_paths[0];
  char vocals2[1024];
  snprintf(vocals2, sizeof vocals2, "%s/tiny/%s/vocals.wav", cache2, s->tracks[0].name);
  remove(fx_path(s->root, ".complete"));
  remove(vocals);
  opts.cache_dir = cache;
  err = sb_suite_resolve("tiny", &opts, &s2, &msg);
  tap_ok(err == SB_OK && fx_files_equal(vocals, vocals2), "without the marker the suite is generated again");
  sb_suite_free(&s2);

  /* Complete marker: files are trusted, not regenerated... */
  FILE *f = fopen(vocals, "r+b");
  fseek(f, 100, SEEK_SET);
  fputc(0x55, f);
  fclose(f);
  err = sb_suite_resolve("tiny", &opts, &s2, &msg);
  tap_ok(err == SB_OK && !fx_files_equal(vocals, vocals2), "with the marker the files are trusted as they are");
  sb_suite_free(&s2);

  /* ...unless one is missing: then the suite is generated once more. */
  remove(vocals);
  err = sb_suite_resolve("tiny", &opts, &s2, &msg);
  tap_ok(err == SB_OK && fx_files_equal(vocals, vocals2), "a file deleted from a complete cache is regenerated");
  sb_suite_free(&s2);

  /* A stale stamp (older version) regenerates. */
  f = fopen(vocals, "r+b");
  fseek(f, 100, SEEK_SET);
  fputc(0x55, f);
  fclose(f);
  f = fopen(fx_path(s->root, ".complete"), "w");
  fputs("sepbench tiny suite v0\n", f);
  fclose(f);
  err = sb_suite_resolve("tiny", &opts, &s2, &msg);
  tap_ok(err == SB_OK && fx_files_equal(vocals, vocals2), "an outdated marker regenerates the suite");
  sb_suite_free(&s2);
  sb_suite_free(&s);
  tap_ok(s == NULL, "sb_suite_free NULLs the pointer");
  sb_suite_free(&s);
}

int main(void)
{
  if (!fx_begin(tmp_dir))
    return tap_done();
  test_tiny();
  return fx_end(tmp_dir);
}
