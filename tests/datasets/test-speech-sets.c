/*
 * tests/datasets/test-speech-sets.c — datasets/speech_sets.c, read through
 * the resolver's layout detection: EchoSet folders, TIGER lists (speaker
 * paths from s1.json/s2.json even where "mix" occurs in folder names),
 * LibriMix CSVs (re-rooting absolute paths of another machine; sep_clean
 * vs sep_noisy), WSJ0-2mix folders.  Fixtures are tiny generated WAV
 * files; expected samples come from the fixture formula in fixtures.h.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/resolve.h"
#include "datasets/speech_sets.h"
#include "fixtures.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-speech-sets-XXXXXX";

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

int main(void)
{
  if (!fx_begin(tmp_dir))
    return tap_done();
  test_echoset();
  test_tiger();
  test_librimix();
  test_wsj0();
  return fx_end(tmp_dir);
}
