/*
 * tests/datasets/test-suite.c — datasets/suite.c, the suite/track model:
 * building tracks and stems (bad track and target names refused), finishing
 * (bytewise track order, canonical target order, duplicate tracks, a
 * target missing from one track, empty suites), and the selection of
 * sb_suite_opts: --tracks, --limit, --excerpt, --targets with a derived
 * accompaniment (on hand-built suites, then on a MUSDB tree through the
 * resolver, loading the audio).  Expected samples come from the fixture
 * formula in fixtures.h.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/resolve.h"
#include "datasets/suite.h"
#include "datasets/track_audio.h"
#include "fixtures.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-suite-XXXXXX";

/* A suite of the given tracks, each with the stems of the comma-separated
 * list (paths "<track>/<stem>.wav"); NULL on a failure (reported). */
static sb_suite *make_suite(const char *const *tracks, int n_tracks, const char *stems)
{
  sb_suite *s = NULL;
  sb_msg msg;

  if (sb_suite_new("hand-made", "manifest", NULL, &s) != SB_OK)
    return NULL;
  for (int i = 0; i < n_tracks; i++) {
    sb_track *t = NULL;
    char list[256], *save = NULL;
    snprintf(list, sizeof list, "%s", stems);
    if (sb_suite_add_track(s, tracks[i], "test", "mix.wav", &t, &msg) != SB_OK) {
      tap_diag("add_track %s: %s", tracks[i], msg.text);
      sb_suite_free(&s);
      return NULL;
    }
    for (char *stem = strtok_r(list, ",", &save); stem; stem = strtok_r(NULL, ",", &save)) {
      char path[512];
      snprintf(path, sizeof path, "%s/%s.wav", tracks[i], stem);
      if (sb_track_add_stem(t, stem, path, &msg) != SB_OK) {
        tap_diag("add_stem %s: %s", stem, msg.text);
        sb_suite_free(&s);
        return NULL;
      }
    }
  }
  return s;
}

/* The track names and, for track 0, its stem names as "a,b|x,y". */
static const char *describe(const sb_suite *s)
{
  static char text[1024];
  size_t used = 0;

  text[0] = '\0';
  for (int i = 0; i < s->n_tracks; i++)
    used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", i ? "," : "", s->tracks[i].name);
  used += (size_t)snprintf(text + used, sizeof text - used, "|");
  for (int k = 0; s->n_tracks && k < s->tracks[0].n_stems; k++)
    used += (size_t)snprintf(text + used, sizeof text - used, "%s%s", k ? "," : "", s->tracks[0].stem_names[k]);
  return text;
}

static void test_names(void)
{
  static const char *const bad[] = {"", "..", ".", "a/b", "tab\there", "del\x7f", "caf\xe9", NULL};
  char long_name[300];
  sb_suite *s = NULL;
  sb_track *t = NULL;
  sb_msg msg;

  tap_ok(sb_suite_new("n", "k", NULL, &s) == SB_OK && s->root == NULL && s->n_tracks == 0,
         "sb_suite_new: an empty suite, root NULL");
  for (int i = 0; bad[i]; i++) {
    sb_err err = sb_suite_add_track(s, bad[i], "test", NULL, &t, &msg);
    tap_ok(err == SB_EINVAL && t == NULL && s->n_tracks == 0, "bad track name %d refused: %s", i, msg.text);
  }
  memset(long_name, 'x', 256);
  long_name[256] = '\0';
  tap_ok(sb_suite_add_track(s, long_name, "test", NULL, &t, &msg) == SB_EINVAL && strstr(msg.text, "255 bytes"),
         "a 256-byte name is refused: %s", msg.text);
  long_name[255] = '\0';
  tap_ok(sb_suite_add_track(s, long_name, "test", NULL, &t, &msg) == SB_OK && t && t->mix_path == NULL,
         "a 255-byte name is fine, mix_path may be NULL");
  tap_ok(sb_suite_add_track(s, "sub", "dev\nx", NULL, &t, &msg) == SB_EINVAL && !t &&
             strcmp(msg.text, "subset: name holds a control character (0x0A at byte 3)") == 0,
         "a subset with a line break is refused by its code, in one line: %s", msg.text);
  tap_ok(sb_suite_add_track(s, "sub", "a/b", NULL, &t, &msg) == SB_EINVAL && strstr(msg.text, "subset") &&
             strstr(msg.text, "'/'"),
         "a subset with '/' is refused: %s", msg.text);
  tap_ok(sb_suite_add_track(s, "Ben & Jerry - It's (Not) \"Over\"", NULL, "m.wav", &t, &msg) == SB_OK &&
             strcmp(t->subset, "") == 0 && strcmp(t->mix_path, "m.wav") == 0,
         "names with & ' ( \" are kept; a NULL subset is empty");
  tap_ok(sb_track_add_stem(t, "vocals", "v.wav", &msg) == SB_OK && sb_track_add_stem(t, "vocals", "w.wav", &msg) ==
             SB_EINVAL && strstr(msg.text, "target 'vocals' given twice") && t->n_stems == 1,
         "a target given twice is refused: %s", msg.text);
  tap_ok(sb_track_add_stem(t, "a/b", "x.wav", &msg) == SB_EINVAL && t->n_stems == 1, "a target name with '/': %s",
         msg.text);
  tap_ok(sb_track_name_check("ok", "here", &msg) == SB_OK && sb_track_name_check(NULL, "here", &msg) == SB_EINVAL &&
             strstr(msg.text, "here: empty name"),
         "sb_track_name_check names the place: %s", msg.text);
  tap_ok(sb_track_name_check("two\nlines", "here", &msg) == SB_EINVAL && !strchr(msg.text, '\n') &&
             strstr(msg.text, "here: name holds a control character (0x0A at byte 3)"),
         "a name with a line break is refused in a one-line message: %s", msg.text);
  sb_suite_free(&s);
  tap_ok(s == NULL, "sb_suite_free NULLs the pointer");
  sb_suite_free(&s);
  sb_suite_free(NULL);
}

static void test_finish(void)
{
  static const char *const tracks[] = {"b", "B", "a b", "a"};
  static const char *const two[] = {"x", "y"};
  sb_suite *s = make_suite(tracks, 4, "zeta,other,piano,vocals,accompaniment,bass,drums");
  sb_track *t = NULL;
  sb_msg msg;
  sb_err err;

  err = s ? sb_suite_finish(s, &msg) : SB_ENOMEM;
  tap_ok(err == SB_OK, "finish a hand-made suite (%s)", err ? msg.text : "ok");
  if (!err) {
    tap_ok(strcmp(describe(s), "B,a,a b,b|vocals,drums,bass,other,accompaniment,piano,zeta") == 0,
           "tracks bytewise, targets canonical then bytewise: %s", describe(s));
    tap_ok(strcmp(s->tracks[0].stem_paths[0], "B/vocals.wav") == 0 &&
               strcmp(s->tracks[0].stem_paths[6], "B/zeta.wav") == 0,
           "stem paths move with their names");
  }
  sb_suite_free(&s);

  s = make_suite(two, 2, "vocals,bass");
  if (s && sb_suite_add_track(s, "x", "test", NULL, &t, &msg) == SB_OK) {
    sb_track_add_stem(t, "vocals", "x2/vocals.wav", &msg);
    sb_track_add_stem(t, "bass", "x2/bass.wav", &msg);
  }
  err = s ? sb_suite_finish(s, &msg) : SB_ENOMEM;
  tap_ok(err == SB_EINVAL && strstr(msg.text, "track 'x' appears twice"), "a repeated track: %s", msg.text);
  sb_suite_free(&s);
  s = make_suite(two, 2, "vocals");
  if (s)
    sb_track_add_stem(&s->tracks[1], "drums", "y/drums.wav", &msg);
  err = s ? sb_suite_finish(s, &msg) : SB_ENOMEM;
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "track 'x' has no target 'drums' (track 'y' has it)"),
         "a target only one track has: %s", msg.text);
  sb_suite_free(&s);
  s = make_suite(two, 2, "vocals");
  if (s)
    sb_suite_add_track(s, "z", "test", NULL, &t, &msg);
  err = s ? sb_suite_finish(s, &msg) : SB_ENOMEM;
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "track 'z': no reference stems"), "a track without stems: %s",
         msg.text);
  sb_suite_free(&s);
  sb_suite_new("none", "manifest", "/data/none", &s);
  err = sb_suite_finish(s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "/data/none: no tracks"), "an empty suite: %s", msg.text);
  sb_suite_free(&s);
}

static void test_select(void)
{
  static const char *const tracks[] = {"Alpha - One", "Beta - Two", "Gamma - One", "Delta"};
  sb_suite *s;
  sb_suite_opts o = {0};
  sb_msg msg;
  sb_err err;

  s = make_suite(tracks, 4, "vocals,drums,bass,other");
  sb_suite_finish(s, &msg);
  o.tracks = "One,Delta";
  o.limit = 2;
  err = sb_suite_select(s, &o, &msg);
  tap_ok(err == SB_OK && strcmp(describe(s), "Alpha - One,Delta|vocals,drums,bass,other") == 0,
         "--tracks keeps matching names, --limit the first of them: %s", describe(s));
  o = (sb_suite_opts){.targets = "other,vocals,accompaniment"};
  err = sb_suite_select(s, &o, &msg);
  tap_ok(err == SB_OK && strcmp(describe(s), "Alpha - One,Delta|vocals,other,accompaniment") == 0,
         "--targets keeps the listed targets in canonical order: %s", describe(s));
  if (!err) {
    const sb_track *t = &s->tracks[0];
    tap_ok(t->stem_n_parts && t->stem_n_parts[0] == 0 && t->stem_n_parts[2] == 3 &&
               strcmp(t->stem_parts[2][0], "Alpha - One/drums.wav") == 0 &&
               strcmp(t->stem_parts[2][2], "Alpha - One/other.wav") == 0 &&
               strcmp(t->stem_paths[2], "accompaniment (sum of 3 stems)") == 0,
           "accompaniment is derived from the drums, bass and other files");
  }
  o = (sb_suite_opts){.targets = "accompaniment"};
  err = sb_suite_select(s, &o, &msg);
  tap_ok(err == SB_OK && strcmp(describe(s), "Alpha - One,Delta|accompaniment") == 0 &&
             s->tracks[0].stem_n_parts[0] == 3,
         "a derived target survives a second selection: %s", describe(s));
  o = (sb_suite_opts){.targets = "vocals"};
  err = sb_suite_select(s, &o, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "has no target 'vocals'"), "a target no longer there: %s", msg.text);
  sb_suite_free(&s);

  s = make_suite(tracks, 2, "vocals,drums");
  sb_suite_finish(s, &msg);
  o = (sb_suite_opts){.targets = "accompaniment"};
  err = sb_suite_select(s, &o, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "cannot derive accompaniment without bass"),
         "accompaniment without bass: %s", msg.text);
  o = (sb_suite_opts){.targets = ","};
  err = sb_suite_select(s, &o, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "no target left"), "--targets ',': %s", msg.text);
  o = (sb_suite_opts){.tracks = "Omega"};
  err = sb_suite_select(s, &o, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "no track matches --tracks 'Omega'") && s->n_tracks == 0,
         "no track left: %s", msg.text);
  sb_suite_free(&s);

  s = make_suite(tracks, 2, "vocals");
  sb_suite_finish(s, &msg);
  o = (sb_suite_opts){.excerpt_start = 1.5, .excerpt_len = 2};
  err = sb_suite_select(s, &o, &msg);
  tap_ok(err == SB_OK && s->tracks[1].excerpt_start == 1.5 && s->tracks[1].excerpt_len == 2,
         "an excerpt is set on every track");
  o = (sb_suite_opts){.excerpt_start = NAN, .excerpt_len = 1};
  tap_ok(sb_suite_select(s, &o, &msg) == SB_EINVAL, "a NaN excerpt start is refused: %s", msg.text);
  o = (sb_suite_opts){.excerpt_start = 0, .excerpt_len = -1};
  tap_ok(sb_suite_select(s, &o, &msg) == SB_EINVAL, "a negative excerpt length is refused");
  tap_ok(sb_suite_select(s, NULL, &msg) == SB_OK && s->n_tracks == 2, "NULL opts select everything");
  sb_suite_free(&s);
}

static void put_musdb_track(const char *dir)
{
  fx_put_wav(fx_path(dir, "vocals.wav"), 16000, 2, 640, 3, 1);
  fx_put_wav(fx_path(dir, "drums.wav"), 16000, 2, 640, 5, 2);
  fx_put_wav(fx_path(dir, "bass.wav"), 16000, 2, 640, 7, 3);
  fx_put_wav(fx_path(dir, "other.wav"), 16000, 2, 640, 11, 4);
  fx_put_wav(fx_path(dir, "mixture.wav"), 16000, 2, 640, 13, 5);
}

/* The selection on a MUSDB tree through the resolver, with the audio. */
static void test_selection(void)
{
  char root[512];
  sb_suite *s = NULL;
  sb_suite_opts o = {0};
  sb_track_audio *audio = NULL;
  sb_msg msg;
  sb_err err;

  snprintf(root, sizeof root, "%s/musdb", tmp_dir);
  put_musdb_track(fx_path(root, "test/Zeno - It's (Not) Over"));
  put_musdb_track(fx_path(root, "test/Ben & Jerry - A Song"));
  put_musdb_track(fx_path(root, "train/Leaf - Summerghost"));
  put_musdb_track(fx_path(root, "train/Actions - One Minute Smile"));
  put_musdb_track(fx_path(root, "train/Some One - Not Valid"));

  o.targets = "vocals,accompaniment";
  err = sb_suite_resolve(root, &o, &s, &msg);
  tap_ok(err == SB_OK && s->tracks[0].n_stems == 2 && strcmp(s->tracks[0].stem_names[1], "accompaniment") == 0 &&
             s->tracks[0].stem_n_parts && s->tracks[0].stem_n_parts[1] == 3,
         "--targets vocals,accompaniment derives accompaniment from 3 stems (%s)", err ? msg.text : "ok");
  if (!err)
    err = sb_track_audio_load(&s->tracks[0], &audio, &msg);
  tap_ok(err == SB_OK, "the derived stem loads (%s)", err ? msg.text : "ok");
  if (!err) {
    int same = audio->stems[1]->n_samples == 640 && audio->stems[1]->n_chan == 2;
    for (int64_t i = 0; same && i < 1280; i++)
      same = audio->stems[1]->data[i] == fx_value(i, 5, 2) + fx_value(i, 7, 3) + fx_value(i, 11, 4);
    tap_ok(same, "accompaniment = drums + bass + other, sample by sample");
  }
  sb_track_audio_free(&audio);
  sb_suite_free(&s);

  o.targets = NULL;
  o.excerpt_start = 0.01;
  o.excerpt_len = 0.02;
  o.tracks = "Zeno,Nobody";
  err = sb_suite_resolve(root, &o, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].name, "Zeno - It's (Not) Over") == 0,
         "--tracks keeps the matching track");
  if (!err)
    err = sb_track_audio_load(&s->tracks[0], &audio, &msg);
  if (!err) {
    /* 0.01 s at 16 kHz = sample 160; 0.02 s = 320 samples; channel 1 of the
     * file starts at index 640. */
    tap_ok(audio->mix->n_samples == 320 && audio->stems[0]->n_samples == 320, "excerpt of 0.02 s is 320 samples");
    tap_ok(audio->stems[0]->data[0] == fx_value(160, 3, 1) && audio->stems[0]->data[320] == fx_value(640 + 160, 3, 1),
           "the excerpt starts at 0.01 s in both channels");
  } else {
    tap_ok(0, "excerpt loads: %s", msg.text);
  }
  sb_track_audio_free(&audio);
  sb_suite_free(&s);
  o.tracks = NULL;
  o.excerpt_start = 1.0;
  err = sb_suite_resolve(root, &o, &s, &msg);
  if (!err)
    err = sb_track_audio_load(&s->tracks[0], &audio, &msg);
  tap_ok(err == SB_ELENGTH && strstr(msg.text, "excerpt starts at 1.000 s"), "an excerpt after the end: %s",
         msg.text);
  sb_suite_free(&s);
  o.excerpt_start = -1;
  err = sb_suite_resolve(root, &o, &s, &msg);
  tap_ok(err == SB_EINVAL && s == NULL, "a negative excerpt: %s", msg.text);
  o.excerpt_start = 0;
  o.excerpt_len = 0;

  o.limit = 1;
  err = sb_suite_resolve(root, &o, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].name, "Ben & Jerry - A Song") == 0,
         "--limit 1 keeps the first track");
  sb_suite_free(&s);
  o.limit = 0;
  o.subset = "valid";
  err = sb_suite_resolve(root, &o, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 2 && strcmp(s->tracks[0].name, "Actions - One Minute Smile") == 0 &&
             strcmp(s->tracks[1].name, "Leaf - Summerghost") == 0,
         "subset valid: the musdb validation tracks of train (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  o.subset = "train-split";
  err = sb_suite_resolve(root, &o, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].name, "Some One - Not Valid") == 0,
         "subset train-split: train without the validation tracks");
  sb_suite_free(&s);
  o.subset = NULL;
  o.targets = "vocals,piano";
  err = sb_suite_resolve(root, &o, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "piano"), "an unknown target: %s", msg.text);
}

int main(void)
{
  if (!fx_begin(tmp_dir))
    return tap_done();
  test_names();
  test_finish();
  test_select();
  test_selection();
  return fx_end(tmp_dir);
}
