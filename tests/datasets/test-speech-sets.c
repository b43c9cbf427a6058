/*
 * tests/datasets/test-speech-sets.c — datasets/speech_sets.c and the
 * layout detection and selection of datasets/suite.c: EchoSet folders,
 * TIGER lists (speaker paths from s1.json/s2.json even where "mix" occurs
 * in folder names), LibriMix CSVs (re-rooting absolute paths of another
 * machine; sep_clean vs sep_noisy), WSJ0-2mix folders; --targets with a
 * derived accompaniment, --excerpt, --tracks, --limit, MUSDB's validation
 * split.  Fixtures are tiny generated WAV files; expected samples come
 * from the fixture formula in fixtures.h.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/speech_sets.h"
#include "datasets/suite.h"
#include "datasets/track_audio.h"
#include "fixtures.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-speech-sets-XXXXXX";

/* The fixture formula of fx_put_wav for channel-major index i. */
static double fx_value(int64_t i, int step, int offset)
{
  return (double)((i * step + offset) % 2001 - 1000) / 32768.0;
}

static void put_echoset_pair(const char *dir, int with_spk2)
{
  fx_put_wav(fx_path(dir, "mix.wav"), 16000, 1, 800, 3, 1);
  fx_put_wav(fx_path(dir, "spk1_reverb.wav"), 16000, 1, 800, 5, 2);
  if (with_spk2)
    fx_put_wav(fx_path(dir, "spk2_reverb.wav"), 16000, 1, 800, 7, 3);
}

static void test_echoset(void)
{
  char root[512], spec[600];
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  snprintf(root, sizeof root, "%s/EchoSet", tmp_dir);
  put_echoset_pair(fx_path(root, "test/0/1_2_small/61-70968_1089-134686"), 1);
  put_echoset_pair(fx_path(root, "test/1/3_4_large/2830-3980_908-157963"), 1);
  put_echoset_pair(fx_path(root, "train/5/1_1_medium/a_b"), 1);
  snprintf(spec, sizeof spec, "echoset:%s", root);
  err = sb_suite_resolve(spec, NULL, &s, &msg);
  tap_ok(err == SB_OK, "echoset:ROOT resolves (%s)", err ? msg.text : "ok");
  if (!err) {
    tap_ok(s->n_tracks == 2 && strcmp(s->tracks[0].name, "0__1_2_small__61-70968_1089-134686") == 0 &&
               strcmp(s->tracks[1].name, "1__3_4_large__2830-3980_908-157963") == 0,
           "two test mixtures named by their folders joined with __: %s", s->n_tracks ? s->tracks[0].name : "-");
    tap_ok(s->tracks[0].n_stems == 2 && strcmp(s->tracks[0].stem_names[0], "spk1_reverb") == 0 &&
               strcmp(s->tracks[0].stem_names[1], "spk2_reverb") == 0,
           "targets spk1_reverb, spk2_reverb");
    tap_ok(s->rate == 16000 && s->mix_is_sum == 0 && strcmp(s->kind, "echoset") == 0 &&
               strcmp(s->tracks[0].subset, "test") == 0,
           "16 kHz, mixture holds noise, kind echoset, subset test");
  }
  sb_suite_free(&s);
  /* Detected without the prefix, and a split chosen by --subset. */
  {
    sb_suite_opts o = {0};
    o.subset = "train";
    err = sb_suite_resolve(root, &o, &s, &msg);
    tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->kind, "echoset") == 0 &&
               strcmp(s->tracks[0].name, "5__1_1_medium__a_b") == 0,
           "layout detected from the folder; subset train (%s)", err ? msg.text : "ok");
    sb_suite_free(&s);
  }
  put_echoset_pair(fx_path(root, "test/2/9_9_small/c_d"), 0);
  err = sb_suite_resolve(spec, NULL, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 3 && strstr(s->tracks[2].stem_paths[1], "c_d/spk2_reverb.wav"),
         "a missing speaker image is still listed, for suites validate to report");
  sb_suite_free(&s);
  fx_put_wav(fx_path(root, "test/2/9_9_small/c_d/spk2_reverb.wav"), 16000, 1, 800, 7, 3);
}

static void test_tiger(void)
{
  char dir[512], lists[512], text[4096], spec[600];
  const char *a, *b;
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  snprintf(dir, sizeof dir, "%s/tiger data/mixtures_mix", tmp_dir);
  snprintf(lists, sizeof lists, "%s/lists", tmp_dir);
  sb_path_mkdir_p(lists, NULL);
  fx_put_wav(fx_path(dir, "u1/mix.wav"), 16000, 1, 500, 3, 1);
  fx_put_wav(fx_path(dir, "u1/s1.wav"), 16000, 1, 500, 3, 2);
  fx_put_wav(fx_path(dir, "u1/s2.wav"), 16000, 1, 500, 3, 3);
  fx_put_wav(fx_path(dir, "u2/mix.wav"), 16000, 1, 600, 3, 1);
  fx_put_wav(fx_path(dir, "speakers/u2-first.wav"), 16000, 1, 600, 3, 2);
  fx_put_wav(fx_path(dir, "speakers/u2-second.wav"), 16000, 1, 600, 3, 3);
  a = fx_path(dir, "u1");
  b = fx_path(dir, "u2");
  snprintf(text, sizeof text, "[[\"%s/mix.wav\", 500], [\"%s/mix.wav\", 600]]", a, b);
  fx_write_text(fx_path(lists, "mix.json"), text);
  snprintf(text, sizeof text, "[[\"%s/s1.wav\", 500], [\"%s/speakers/u2-first.wav\", 600]]", a, dir);
  fx_write_text(fx_path(lists, "s1.json"), text);
  snprintf(text, sizeof text, "[[\"%s/s2.wav\", 500], [\"%s/speakers/u2-second.wav\", 600]]", a, dir);
  fx_write_text(fx_path(lists, "s2.json"), text);
  err = sb_suite_resolve(lists, NULL, &s, &msg);
  tap_ok(err == SB_OK && strcmp(s->kind, "tiger") == 0, "a folder with mix.json is read as TIGER lists (%s)",
         err ? msg.text : "ok");
  if (!err) {
    tap_ok(s->n_tracks == 2 && strcmp(s->tracks[0].name, "u1") == 0 && strcmp(s->tracks[1].name, "u2") == 0,
           "names: the mixture paths below their common folder, /mix.wav dropped (%s)", s->tracks[0].name);
    tap_ok(strcmp(s->tracks[1].stem_paths[0], fx_path(dir, "speakers/u2-first.wav")) == 0 &&
               strcmp(s->tracks[1].stem_paths[1], fx_path(dir, "speakers/u2-second.wav")) == 0,
           "speaker paths come from s1.json/s2.json, not from replacing 'mix' in the mixture path");
    tap_ok(s->tracks[0].n_samples_declared == 500 && s->tracks[1].n_samples_declared == 600,
           "n_samples recorded as the declared length");
  }
  sb_suite_free(&s);
  snprintf(text, sizeof text, "[[\"%s/s2.wav\", 501], [\"%s/speakers/u2-second.wav\", 600]]", a, dir);
  fx_write_text(fx_path(lists, "s2.json"), text);
  snprintf(spec, sizeof spec, "tiger:%s", fx_path(lists, "mix.json"));
  err = sb_suite_resolve(spec, NULL, &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "s2.json: item 0 has 501 samples"), "n_samples disagree: %s",
         msg.text);
  snprintf(text, sizeof text, "[[\"%s/s2.wav\", 500]]", a);
  fx_write_text(fx_path(lists, "s2.json"), text);
  err = sb_suite_resolve(spec, NULL, &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "list 2, 2 and 1 files"), "lists of different lengths: %s",
         msg.text);
  fx_write_text(fx_path(lists, "s2.json"), "[[\"x.wav\", 1e300], [\"y.wav\", 600]]");
  err = sb_suite_resolve(spec, NULL, &s, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "integer in 1..2^40"), "a huge n_samples: %s", msg.text);
  fx_write_text(fx_path(lists, "s2.json"), "{\"not\": \"a list\"}");
  err = sb_suite_resolve(spec, NULL, &s, &msg);
  tap_ok(err == SB_EFORMAT && s == NULL, "not a list: %s", msg.text);
}

static void test_librimix(void)
{
  char root[512], base[600], csv[8192], spec[700];
  sb_suite *s = NULL;
  sb_suite_opts o = {0};
  sb_msg msg;
  sb_err err;
  static const char *const ids[2] = {"1089-134686-0000_121-127105-0031", "61-70968-0000_8455-210777-0068"};

  snprintf(root, sizeof root, "%s/LibriMix", tmp_dir);
  snprintf(base, sizeof base, "%s/Libri2Mix/wav8k/min", root);
  for (int i = 0; i < 2; i++) {
    char file[128];
    snprintf(file, sizeof file, "test/mix_clean/%s.wav", ids[i]);
    fx_put_wav(fx_path(base, file), 8000, 1, 400 + i, 3, 1);
    snprintf(file, sizeof file, "test/mix_both/%s.wav", ids[i]);
    fx_put_wav(fx_path(base, file), 8000, 1, 400 + i, 3, 1);
    snprintf(file, sizeof file, "test/s1/%s.wav", ids[i]);
    fx_put_wav(fx_path(base, file), 8000, 1, 400 + i, 3, 2);
    snprintf(file, sizeof file, "test/s2/%s.wav", ids[i]);
    fx_put_wav(fx_path(base, file), 8000, 1, 400 + i, 3, 3);
  }
  sb_path_mkdir_p(fx_path(base, "metadata"), NULL);
  /* Absolute paths of the machine that generated the data set. */
  snprintf(csv, sizeof csv,
           "mixture_ID,mixture_path,source_1_path,source_2_path,length\n"
           "%s,/home/x/Libri2Mix/wav8k/min/test/mix_clean/%s.wav,/home/x/Libri2Mix/wav8k/min/test/s1/%s.wav,"
           "/home/x/Libri2Mix/wav8k/min/test/s2/%s.wav,400\n"
           "%s,/home/x/Libri2Mix/wav8k/min/test/mix_clean/%s.wav,/home/x/Libri2Mix/wav8k/min/test/s1/%s.wav,"
           "/home/x/Libri2Mix/wav8k/min/test/s2/%s.wav,401\n",
           ids[0], ids[0], ids[0], ids[0], ids[1], ids[1], ids[1], ids[1]);
  fx_write_text(fx_path(base, "metadata/mixture_test_mix_clean.csv"), csv);
  snprintf(csv, sizeof csv,
           "mixture_ID,mixture_path,source_1_path,source_2_path,noise_path,length\n"
           "%s,test/mix_both/%s.wav,test/s1/%s.wav,test/s2/%s.wav,test/noise/%s.wav,400\n",
           ids[0], ids[0], ids[0], ids[0], ids[0]);
  fx_write_text(fx_path(base, "metadata/mixture_test_mix_both.csv"), csv);

  setenv("LIBRIMIX_PATH", root, 1);
  err = sb_suite_resolve("librimix", NULL, &s, &msg);
  tap_ok(err == SB_OK, "librimix resolves through LIBRIMIX_PATH (%s)", err ? msg.text : "ok");
  if (!err) {
    char want[1024];
    tap_ok(s->n_tracks == 2 && strcmp(s->tracks[0].name, ids[0]) == 0 && s->tracks[1].n_samples_declared == 401,
           "two mixtures named by mixture_ID; length recorded");
    snprintf(want, sizeof want, "%s/metadata/../test/s2/%s.wav", base, ids[0]);
    tap_ok(strcmp(s->tracks[0].stem_paths[1], want) == 0, "absolute paths of another machine re-rooted: %s",
           s->tracks[0].stem_paths[1]);
    tap_ok(s->rate == 8000 && s->mix_is_sum == 1 && strcmp(s->tracks[0].stem_names[0], "s1") == 0,
           "wav8k -> 8000 Hz, sep_clean mixture = s1 + s2, targets s1 s2");
  }
  sb_suite_free(&s);
  o.variant = "sep_noisy";
  snprintf(spec, sizeof spec, "librimix:%s", root);
  err = sb_suite_resolve(spec, &o, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && s->mix_is_sum == 0 && s->tracks[0].n_stems == 2,
         "sep_noisy reads mix_both; noise is not a target (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  o.variant = "sep_loud";
  err = sb_suite_resolve(spec, &o, &s, &msg);
  tap_ok(err == SB_EINVAL, "unknown variant: %s", msg.text);
  o.variant = NULL;
  o.subset = "dev";
  err = sb_suite_resolve(spec, &o, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "mixture_dev_mix_clean.csv"), "missing split: %s", msg.text);

  fx_write_text(fx_path(base, "metadata/mixture_test_mix_clean.csv"),
                "mixture_ID,mixture_path,source_1_path,source_2_path,length\n"
                "a,a.wav,b.wav,c.wav,99999999999999999999999999\n");
  err = sb_suite_resolve("librimix", NULL, &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "line 2") && strstr(msg.text, "length"),
         "a huge length is refused with its line: %s", msg.text);
  fx_write_text(fx_path(base, "metadata/mixture_test_mix_clean.csv"),
                "mixture_ID,mixture_path,source_1_path,source_2_path,length\n"
                "a,\"a.wav,b.wav,c.wav,10\n");
  err = sb_suite_resolve("librimix", NULL, &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "unterminated"), "bad quoting: %s", msg.text);
  fx_write_text(fx_path(base, "metadata/mixture_test_mix_clean.csv"), "id,path\nx,y\n");
  err = sb_suite_resolve("librimix", NULL, &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "not LibriMix metadata"), "missing columns: %s", msg.text);
  unsetenv("LIBRIMIX_PATH");
  err = sb_suite_resolve("librimix", NULL, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "LIBRIMIX_PATH"), "librimix without LIBRIMIX_PATH: %s", msg.text);
}

static void test_wsj0(void)
{
  char root[512], split[600];
  const char *name = "01aa010b_0.97482_209a010p_-0.97482";
  char file[256];
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  snprintf(root, sizeof root, "%s/wsj0-mix/2speakers/wav8k/min", tmp_dir);
  snprintf(split, sizeof split, "%s/tt", root);
  for (int k = 0; k < 3; k++) {
    static const char *const dirs[3] = {"mix", "s1", "s2"};
    snprintf(file, sizeof file, "%s/%s.wav", dirs[k], name);
    fx_put_wav(fx_path(split, file), 8000, 1, 300, 3, k);
  }
  err = sb_suite_resolve(root, NULL, &s, &msg);
  tap_ok(err == SB_OK && strcmp(s->kind, "wsj0-2mix") == 0 && s->n_tracks == 1 &&
             strcmp(s->tracks[0].name, name) == 0 && strcmp(s->tracks[0].subset, "tt") == 0 && s->rate == 8000,
         "WSJ0-2mix detected; test -> tt; 8 kHz (%s)", err ? msg.text : "ok");
  sb_suite_free(&s);
  snprintf(file, sizeof file, "mix/%s.wav", "lonely");
  fx_put_wav(fx_path(split, file), 8000, 1, 300, 3, 0);
  err = sb_suite_resolve(split, NULL, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "s1/lonely.wav"), "a mixture without s1 is named: %s", msg.text);
}

static void put_musdb_track(const char *dir)
{
  fx_put_wav(fx_path(dir, "vocals.wav"), 16000, 2, 640, 3, 1);
  fx_put_wav(fx_path(dir, "drums.wav"), 16000, 2, 640, 5, 2);
  fx_put_wav(fx_path(dir, "bass.wav"), 16000, 2, 640, 7, 3);
  fx_put_wav(fx_path(dir, "other.wav"), 16000, 2, 640, 11, 4);
  fx_put_wav(fx_path(dir, "mixture.wav"), 16000, 2, 640, 13, 5);
}

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
  tap_ok(sb_musdb_is_validation("Johnny Lokke - Promises & Lies") && !sb_musdb_is_validation("Leaf"),
         "validation names are matched exactly");
}

int main(void)
{
  if (!mkdtemp(tmp_dir)) {
    tap_ok(0, "create a temporary folder");
    return tap_done();
  }
  setenv("SEPBENCH_SUITES", fx_path(tmp_dir, "no-config.ini"), 1);
  test_echoset();
  test_tiger();
  test_librimix();
  test_wsj0();
  test_selection();
  fx_rm_tree(tmp_dir);
  return tap_done();
}
