/*
 * tests/datasets/test-suite.c — datasets/suite.c and the tiny built-in
 * suite: generation, layout, exact mixture = sum of stems, determinism,
 * regeneration after an interrupted or outdated run; MUSDB18-HQ trees made
 * in a temporary folder (names with & ' ( and spaces) resolved through
 * MUSDB_PATH and as folders, subsets; broken trees and bad names give
 * errors that name the missing file; the default cache folder.
 */
#include <config.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/audio.h"
#include "datasets/suite.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-suite-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static int rm_tree(const char *dir)
{
  return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path_of(const char *a, const char *b)
{
  static char buf[4][1024];
  static int next;
  char *p = buf[next++ % 4];
  snprintf(p, sizeof buf[0], "%s/%s", a, b);
  return p;
}

static int files_equal(const char *a, const char *b)
{
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  int same = fa && fb, ca, cb;
  while (same) {
    ca = fgetc(fa);
    cb = fgetc(fb);
    if (ca != cb)
      same = 0;
    if (ca == EOF || cb == EOF)
      break;
  }
  if (fa)
    fclose(fa);
  if (fb)
    fclose(fb);
  return same;
}

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
  tap_ok(strcmp(s->root, path_of(cache, "tiny")) == 0, "root is <cache>/tiny: %s", s->root);
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
  tap_ok(access(path_of(s->root, ".complete"), F_OK) == 0, "the .complete marker exists");

  /* Determinism: a second cache gets the same bytes. */
  sb_suite *s2 = NULL;
  opts.cache_dir = cache2;
  err = sb_suite_resolve("tiny", &opts, &s2, &msg);
  int same = err == SB_OK && s2->n_tracks == s->n_tracks;
  for (int t = 0; same && t < s->n_tracks; t++) {
    same &= files_equal(s->tracks[t].mix_path, s2->tracks[t].mix_path);
    for (int k = 0; k < s->tracks[t].n_stems; k++)
      same &= files_equal(s->tracks[t].stem_paths[k], s2->tracks[t].stem_paths[k]);
  }
  tap_ok(same, "generating twice gives identical files");
  sb_suite_free(&s2);

  /* Interrupted generation: no marker -> the missing file comes back. */
  const char *vocals = s->tracks[0].stem_paths[0];
  char vocals2[1024];
  snprintf(vocals2, sizeof vocals2, "%s/tiny/%s/vocals.wav", cache2, s->tracks[0].name);
  remove(path_of(s->root, ".complete"));
  remove(vocals);
  opts.cache_dir = cache;
  err = sb_suite_resolve("tiny", &opts, &s2, &msg);
  tap_ok(err == SB_OK && files_equal(vocals, vocals2), "without the marker the suite is generated again");
  sb_suite_free(&s2);

  /* Complete marker: files are trusted, not regenerated... */
  FILE *f = fopen(vocals, "r+b");
  fseek(f, 100, SEEK_SET);
  fputc(0x55, f);
  fclose(f);
  err = sb_suite_resolve("tiny", &opts, &s2, &msg);
  tap_ok(err == SB_OK && !files_equal(vocals, vocals2), "with the marker the files are trusted as they are");
  sb_suite_free(&s2);

  /* ...unless one is missing: then the suite is generated once more. */
  remove(vocals);
  err = sb_suite_resolve("tiny", &opts, &s2, &msg);
  tap_ok(err == SB_OK && files_equal(vocals, vocals2), "a file deleted from a complete cache is regenerated");
  sb_suite_free(&s2);

  /* A stale stamp (older version) regenerates. */
  f = fopen(vocals, "r+b");
  fseek(f, 100, SEEK_SET);
  fputc(0x55, f);
  fclose(f);
  f = fopen(path_of(s->root, ".complete"), "w");
  fputs("sepbench tiny suite v0\n", f);
  fclose(f);
  err = sb_suite_resolve("tiny", &opts, &s2, &msg);
  tap_ok(err == SB_OK && files_equal(vocals, vocals2), "an outdated marker regenerates the suite");
  sb_suite_free(&s2);
  sb_suite_free(&s);
  tap_ok(s == NULL, "sb_suite_free NULLs the pointer");
  sb_suite_free(&s);
}

/* Writes a 100-frame stereo WAV. */
static void put_wav(const char *dir, const char *name)
{
  sb_audio *a = NULL;
  sb_audio_new(&a, 2, 100, 44100);
  mkdir(dir, 0777);
  sb_audio_write(path_of(dir, name), a, SB_PCM_16, NULL);
  sb_audio_free(&a);
}

static void put_track(const char *subset_dir, const char *track, int with_extra)
{
  char dir[1024];
  mkdir(subset_dir, 0777);
  snprintf(dir, sizeof dir, "%s/%s", subset_dir, track);
  put_wav(dir, "mixture.wav");
  put_wav(dir, "bass.wav");
  put_wav(dir, "drums.wav");
  put_wav(dir, "other.wav");
  put_wav(dir, "vocals.wav");
  if (with_extra)
    put_wav(dir, "piano.wav");
}

static void test_musdb(void)
{
  char root[256], test_dir[512], train_dir[512], bad[512];
  sb_suite_opts opts = {.quiet = 1};
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  snprintf(root, sizeof root, "%s/MUSDB 18 (HQ)", tmp_dir);
  snprintf(test_dir, sizeof test_dir, "%s/test", root);
  snprintf(train_dir, sizeof train_dir, "%s/train", root);
  mkdir(root, 0777);
  put_track(test_dir, "Zeno - It's (Not) Over", 0);
  put_track(test_dir, "Al James - Schoolboy Facination", 0);
  put_track(test_dir, "Ben & Jerry - A Song", 0);
  put_track(train_dir, "Actions - One Minute Smile", 0);
  /* Noise a real tree may hold: a stray file and a hidden folder. */
  put_wav(test_dir, "README.wav");
  mkdir(path_of(test_dir, ".hidden"), 0777);

  setenv("MUSDB_PATH", root, 1);
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_OK, "music resolves to MUSDB_PATH (%s)", err ? msg.text : "ok");
  if (!err) {
    tap_ok(strcmp(s->kind, "musdb18hq") == 0 && strcmp(s->name, "music") == 0 && strcmp(s->root, root) == 0,
           "kind musdb18hq, name music, root MUSDB_PATH");
    tap_ok(s->n_tracks == 3, "3 test tracks (stray file and hidden folder ignored)");
    tap_ok(s->n_tracks == 3 && strcmp(s->tracks[0].name, "Al James - Schoolboy Facination") == 0 &&
               strcmp(s->tracks[1].name, "Ben & Jerry - A Song") == 0 &&
               strcmp(s->tracks[2].name, "Zeno - It's (Not) Over") == 0,
           "tracks sorted bytewise, names kept verbatim");
    tap_ok(strcmp(s->tracks[2].subset, "test") == 0, "subset test by default");
    tap_ok(strcmp(s->tracks[2].mix_path, path_of(path_of(test_dir, "Zeno - It's (Not) Over"), "mixture.wav")) == 0,
           "mixture path: %s", s->tracks[2].mix_path);
    tap_ok(s->tracks[1].n_stems == 4 && strcmp(s->tracks[1].stem_names[0], "vocals") == 0 &&
               strcmp(s->tracks[1].stem_names[1], "drums") == 0 && strcmp(s->tracks[1].stem_names[2], "bass") == 0 &&
               strcmp(s->tracks[1].stem_names[3], "other") == 0,
           "targets in musdb order vocals, drums, bass, other");
    tap_ok(strcmp(s->tracks[1].stem_paths[2], path_of(path_of(test_dir, "Ben & Jerry - A Song"), "bass.wav")) == 0,
           "stem path: %s", s->tracks[1].stem_paths[2]);
    tap_ok(strstr(s->description, "MUSDB18-HQ") != NULL, "description: %s", s->description);
  }
  sb_suite_free(&s);

  opts.subset = "train";
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].name, "Actions - One Minute Smile") == 0 &&
             strcmp(s->tracks[0].subset, "train") == 0,
         "subset train gives the train track");
  sb_suite_free(&s);
  opts.subset = "valid";
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].subset, "valid") == 0,
         "subset valid: the validation track of train (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  opts.subset = "extra";
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && s == NULL && strstr(msg.text, "MUSDB_PATH") && strstr(msg.text, "extra"),
         "missing subset folder: %s", msg.text);
  opts.subset = "../x";
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_EINVAL, "a subset with '/' is SB_EINVAL: %s", msg.text);
  opts.subset = NULL;

  /* The same tree given as a folder, root or subset folder. */
  err = sb_suite_resolve(root, &opts, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 3 && strcmp(s->name, root) == 0 && strcmp(s->root, root) == 0,
         "the root folder resolves to its test subset");
  sb_suite_free(&s);
  err = sb_suite_resolve(path_of(train_dir, ""), &opts, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].subset, "train") == 0 && strcmp(s->root, root) == 0,
         "a subset folder (trailing slash) resolves, subset from its name (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);

  /* Broken trees. */
  /* Under MUSDB_PATH the targets are known: a missing file is still listed
   * (suites validate reports it; a run fails that track only). */
  remove(path_of(path_of(test_dir, "Ben & Jerry - A Song"), "bass.wav"));
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_OK && s->tracks[1].n_stems == 4 && strcmp(s->tracks[1].stem_names[2], "bass") == 0 &&
             strcmp(s->tracks[1].stem_paths[2], path_of(path_of(test_dir, "Ben & Jerry - A Song"), "bass.wav")) == 0,
         "a missing stem is listed with its expected path (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  put_wav(path_of(test_dir, "Ben & Jerry - A Song"), "bass.wav");
  remove(path_of(path_of(test_dir, "Zeno - It's (Not) Over"), "mixture.wav"));
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_OK && strcmp(s->tracks[2].mix_path, path_of(path_of(test_dir, "Zeno - It's (Not) Over"),
                                                                 "mixture.wav")) == 0,
         "a missing mixture is listed too");
  sb_suite_free(&s);
  put_wav(path_of(test_dir, "Zeno - It's (Not) Over"), "mixture.wav");

  /* Same-target rule for folders; musdb rule for MUSDB_PATH. */
  snprintf(bad, sizeof bad, "%s/sixstem", tmp_dir);
  mkdir(bad, 0777);
  put_track(bad, "One", 1);
  put_track(bad, "Two", 1);
  err = sb_suite_resolve(bad, &opts, &s, &msg);
  tap_ok(err == SB_OK && s->tracks[0].n_stems == 5 && strcmp(s->tracks[0].stem_names[4], "piano") == 0,
         "extra targets follow the musdb ones");
  sb_suite_free(&s);
  remove(path_of(path_of(bad, "Two"), "piano.wav"));
  err = sb_suite_resolve(bad, &opts, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "'Two'") && strstr(msg.text, "piano") && strstr(msg.text, "'One'"),
         "a target missing from one track is named: %s", msg.text);
  remove(path_of(path_of(bad, "One"), "vocals.wav"));
  remove(path_of(path_of(bad, "Two"), "vocals.wav"));
  remove(path_of(path_of(bad, "One"), "piano.wav"));
  setenv("MUSDB_PATH", tmp_dir, 1);
  rename(bad, path_of(tmp_dir, "test"));
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_OK && s->tracks[0].n_stems == 4 && strcmp(s->tracks[0].stem_names[0], "vocals") == 0 &&
             strstr(s->tracks[0].stem_paths[0], "One/vocals.wav"),
         "MUSDB_PATH lists the four musdb targets even when a file is missing (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  rm_tree(path_of(tmp_dir, "test"));

  setenv("MUSDB_PATH", path_of(tmp_dir, "nowhere"), 1);
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "MUSDB_PATH=") && strstr(msg.text, "nowhere"),
         "MUSDB_PATH to a missing folder: %s", msg.text);
  unsetenv("MUSDB_PATH");

  mkdir(path_of(tmp_dir, "empty"), 0777);
  err = sb_suite_resolve(path_of(tmp_dir, "empty"), &opts, &s, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "not a known suite layout"), "empty folder: %s", msg.text);
  err = sb_suite_resolve("speach", &opts, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "'speach'"), "unknown name: %s", msg.text);
  err = sb_suite_resolve(path_of(path_of(test_dir, "Ben & Jerry - A Song"), "bass.wav"), &opts, &s, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "not a known suite layout"), "a .wav file is not a suite: %s",
         msg.text);
  err = sb_suite_resolve("", &opts, &s, &msg);
  tap_ok(err == SB_EINVAL, "empty spec is SB_EINVAL");
  tap_ok(s == NULL, "*out stays NULL on failure");

#ifndef HAVE_FLUIDSYNTH
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_EUNSUPPORTED && strstr(msg.text, "FluidSynth") && strstr(msg.text, "MUSDB_PATH"),
         "music without MUSDB_PATH and FluidSynth: %s", msg.text);
#endif
}

static void test_default_cache(void)
{
  char buf[256];

  setenv("SEPBENCH_CACHE", "/srv/cache", 1);
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  setenv("HOME", "/home/u", 1);
  tap_ok(sb_suite_default_cache(buf, sizeof buf) == SB_OK && strcmp(buf, "/srv/cache") == 0, "SEPBENCH_CACHE first");
  unsetenv("SEPBENCH_CACHE");
  tap_ok(sb_suite_default_cache(buf, sizeof buf) == SB_OK && strcmp(buf, "/xdg/sepbench") == 0,
         "then $XDG_CACHE_HOME/sepbench");
  setenv("XDG_CACHE_HOME", "relative", 1);
  tap_ok(sb_suite_default_cache(buf, sizeof buf) == SB_OK && strcmp(buf, "/home/u/.cache/sepbench") == 0,
         "a relative XDG_CACHE_HOME is ignored: $HOME/.cache/sepbench");
  tap_ok(sb_suite_default_cache(buf, 10) == SB_EINVAL, "too small a buffer is SB_EINVAL");
  unsetenv("XDG_CACHE_HOME");
  unsetenv("HOME");
  tap_ok(sb_suite_default_cache(buf, sizeof buf) == SB_ENOTFOUND, "nothing set is SB_ENOTFOUND");
}

int main(void)
{
  if (!mkdtemp(tmp_dir)) {
    tap_ok(0, "create a temporary directory");
    return tap_done();
  }
  /* No user suites config may leak into the test. */
  setenv("SEPBENCH_SUITES", path_of(tmp_dir, "no-suites.ini"), 1);
  test_tiny();
  test_musdb();
  test_default_cache();
  tap_ok(rm_tree(tmp_dir) == 0, "temporary folder removed");
  return tap_done();
}
