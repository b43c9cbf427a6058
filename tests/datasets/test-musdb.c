/*
 * tests/datasets/test-musdb.c — datasets/musdb.c: MUSDB18-HQ trees made in
 * a temporary folder (names with & ' ( and spaces) read through
 * MUSDB_PATH (sb_musdb_open_root) and as folders, roots or subset folders
 * (sb_musdb_open_folder), subsets train / valid; broken trees give errors
 * that name the missing file; under MUSDB_PATH the four musdb targets are
 * listed even when a file is missing; the validation split.  (MUSDB18
 * .stem.mp4 files: tests/datasets/test-stem-mp4.c.)
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/audio.h"
#include "datasets/musdb.h"
#include "datasets/resolve.h"
#include "fixtures.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-musdb-XXXXXX";

/* Writes a 100-frame stereo WAV. */
static void put_wav(const char *dir, const char *name)
{
  sb_audio *a = NULL;
  sb_audio_new(&a, 2, 100, 44100);
  mkdir(dir, 0777);
  sb_audio_write(fx_path(dir, name), a, SB_PCM_16, NULL);
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
  mkdir(fx_path(test_dir, ".hidden"), 0777);

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
    tap_ok(strcmp(s->tracks[2].mix_path, fx_path(fx_path(test_dir, "Zeno - It's (Not) Over"), "mixture.wav")) == 0,
           "mixture path: %s", s->tracks[2].mix_path);
    tap_ok(s->tracks[1].n_stems == 4 && strcmp(s->tracks[1].stem_names[0], "vocals") == 0 &&
               strcmp(s->tracks[1].stem_names[1], "drums") == 0 && strcmp(s->tracks[1].stem_names[2], "bass") == 0 &&
               strcmp(s->tracks[1].stem_names[3], "other") == 0,
           "targets in musdb order vocals, drums, bass, other");
    tap_ok(strcmp(s->tracks[1].stem_paths[2], fx_path(fx_path(test_dir, "Ben & Jerry - A Song"), "bass.wav")) == 0,
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
  err = sb_suite_resolve(fx_path(train_dir, ""), &opts, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].subset, "train") == 0 && strcmp(s->root, root) == 0,
         "a subset folder (trailing slash) resolves, subset from its name (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);

  /* Broken trees. */
  /* Under MUSDB_PATH the targets are known: a missing file is still listed
   * (suites validate reports it; a run fails that track only). */
  remove(fx_path(fx_path(test_dir, "Ben & Jerry - A Song"), "bass.wav"));
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_OK && s->tracks[1].n_stems == 4 && strcmp(s->tracks[1].stem_names[2], "bass") == 0 &&
             strcmp(s->tracks[1].stem_paths[2], fx_path(fx_path(test_dir, "Ben & Jerry - A Song"), "bass.wav")) == 0,
         "a missing stem is listed with its expected path (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  put_wav(fx_path(test_dir, "Ben & Jerry - A Song"), "bass.wav");
  remove(fx_path(fx_path(test_dir, "Zeno - It's (Not) Over"), "mixture.wav"));
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_OK && strcmp(s->tracks[2].mix_path, fx_path(fx_path(test_dir, "Zeno - It's (Not) Over"),
                                                                 "mixture.wav")) == 0,
         "a missing mixture is listed too");
  sb_suite_free(&s);
  put_wav(fx_path(test_dir, "Zeno - It's (Not) Over"), "mixture.wav");

  /* Same-target rule for folders; musdb rule for MUSDB_PATH. */
  snprintf(bad, sizeof bad, "%s/sixstem", tmp_dir);
  mkdir(bad, 0777);
  put_track(bad, "One", 1);
  put_track(bad, "Two", 1);
  err = sb_suite_resolve(bad, &opts, &s, &msg);
  tap_ok(err == SB_OK && s->tracks[0].n_stems == 5 && strcmp(s->tracks[0].stem_names[4], "piano") == 0,
         "extra targets follow the musdb ones");
  sb_suite_free(&s);
  remove(fx_path(fx_path(bad, "Two"), "piano.wav"));
  err = sb_suite_resolve(bad, &opts, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "'Two'") && strstr(msg.text, "piano") && strstr(msg.text, "'One'"),
         "a target missing from one track is named: %s", msg.text);
  remove(fx_path(fx_path(bad, "One"), "vocals.wav"));
  remove(fx_path(fx_path(bad, "Two"), "vocals.wav"));
  remove(fx_path(fx_path(bad, "One"), "piano.wav"));
  setenv("MUSDB_PATH", tmp_dir, 1);
  rename(bad, fx_path(tmp_dir, "test"));
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_OK && s->tracks[0].n_stems == 4 && strcmp(s->tracks[0].stem_names[0], "vocals") == 0 &&
             strstr(s->tracks[0].stem_paths[0], "One/vocals.wav"),
         "MUSDB_PATH lists the four musdb targets even when a file is missing (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  fx_rm_tree(fx_path(tmp_dir, "test"));

  setenv("MUSDB_PATH", fx_path(tmp_dir, "nowhere"), 1);
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "MUSDB_PATH=") && strstr(msg.text, "nowhere"),
         "MUSDB_PATH to a missing folder: %s", msg.text);
  unsetenv("MUSDB_PATH");

  tap_ok(sb_musdb_is_validation("Johnny Lokke - Promises & Lies") && !sb_musdb_is_validation("Leaf"),
         "validation names are matched exactly");
}

/* The readers called directly. */
static void test_readers(void)
{
  char root[512], tracks[512];
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  snprintf(root, sizeof root, "%s/direct", tmp_dir);
  mkdir(root, 0777);
  put_track(fx_path(root, "train"), "Leaf - Summerghost", 0);
  put_track(fx_path(root, "train"), "Some One - Not Valid", 1);
  put_track(fx_path(root, "test"), "T", 0);
  err = sb_musdb_open_root("r", root, "valid", "ROOT", &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].name, "Leaf - Summerghost") == 0 &&
             strcmp(s->tracks[0].subset, "valid") == 0 && s->rate == 44100 && s->mix_is_sum == 1 &&
             strcmp(s->kind, "musdb18hq") == 0,
         "open_root, subset valid: the validation track of train (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  err = sb_musdb_open_root("r", root, "train-split", "ROOT", &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].name, "Some One - Not Valid") == 0 &&
             s->tracks[0].n_stems == 5,
         "open_root, subset train-split: train without the validation tracks, extra stems kept");
  sb_suite_free(&s);
  err = sb_musdb_open_root("r", fx_path(root, "train"), "test", "ROOT", &s, &msg);
  tap_ok(err == SB_ENOTFOUND && s == NULL && strncmp(msg.text, "ROOT: not a MUSDB18-HQ tree", 27) == 0,
         "open_root needs <root>/<subset>/: %s", msg.text);
  err = sb_musdb_open_folder("f", fx_path(root, "train"), "test", &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "'Leaf - Summerghost' has no target 'piano'"),
         "open_folder on a subset folder: every track needs the same targets: %s", msg.text);
  err = sb_musdb_open_folder("f", fx_path(root, "test"), "test", &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].subset, "test") == 0 &&
             strstr(s->description, "MUSDB18-HQ-like folder"),
         "open_folder on a folder of track folders: its name is the subset (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  err = sb_musdb_open_folder("f", root, "extra", &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "no subset folder 'extra' (found test train)"),
         "open_folder names the subsets there are: %s", msg.text);

  snprintf(tracks, sizeof tracks, "%s/loose", tmp_dir);
  put_track(tracks, "A", 0);
  remove(fx_path(fx_path(tracks, "A"), "mixture.wav"));
  sb_suite_new("loose", "musdb18hq", tracks, &s);
  err = sb_musdb_read_tracks(s, tracks, "demo", 1, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "A/mixture.wav: missing"), "strict: a track needs a mixture.wav: %s",
         msg.text);
  sb_suite_free(&s);
  sb_suite_new("loose", "musdb18hq", tracks, &s);
  err = sb_musdb_read_tracks(s, tracks, "demo", 0, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strstr(s->tracks[0].mix_path, "A/mixture.wav") &&
             strcmp(s->tracks[0].subset, "demo") == 0,
         "not strict: the missing mixture is listed (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  err = sb_musdb_open_stems("m", root, "test", NULL, &s, &msg);
  tap_ok((err == SB_EUNSUPPORTED && strstr(msg.text, "FFmpeg")) ||
             (err == SB_ENOTFOUND && strstr(msg.text, ".stem.mp4")),
         "open_stems on a folder without .stem.mp4 files: %s", msg.text);
}

int main(void)
{
  if (!fx_begin(tmp_dir))
    return tap_done();
  test_musdb();
  test_readers();
  return fx_end(tmp_dir);
}
