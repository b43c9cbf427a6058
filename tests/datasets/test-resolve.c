/*
 * tests/datasets/test-resolve.c — datasets/resolve.c: specs that are not
 * suites (an empty spec, an unknown name, an empty folder, an audio file,
 * an unknown KIND:), a bad subset, KIND:PATH choosing the reader over
 * detection, a registered name winning over a folder of that name, music
 * without MUSDB_PATH in a build without FluidSynth, and the default cache
 * folder.  (Each reader's layouts: test-musdb.c, test-speech-sets.c,
 * test-manifest.c, test-stem-mp4.c; the built-in suites: test-tiny-suite.c,
 * test-demo-music.c, test-speech-suite.sh.)
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/resolve.h"
#include "fixtures.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-resolve-XXXXXX";

static void test_not_suites(void)
{
  sb_suite_opts opts = {.quiet = 1};
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  mkdir(fx_path(tmp_dir, "empty"), 0777);
  err = sb_suite_resolve(fx_path(tmp_dir, "empty"), &opts, &s, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "not a known suite layout"), "empty folder: %s", msg.text);
  err = sb_suite_resolve("speach", &opts, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "'speach'"), "unknown name: %s", msg.text);
  fx_put_wav(fx_path(tmp_dir, "track/bass.wav"), 44100, 2, 100, 3, 1);
  err = sb_suite_resolve(fx_path(tmp_dir, "track/bass.wav"), &opts, &s, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "not a known suite layout"), "a .wav file is not a suite: %s",
         msg.text);
  err = sb_suite_resolve("", &opts, &s, &msg);
  tap_ok(err == SB_EINVAL, "empty spec is SB_EINVAL");
  tap_ok(s == NULL, "*out stays NULL on failure");
  err = sb_suite_resolve("mp3:/data/x", &opts, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "unknown suite 'mp3:/data/x'"), "an unknown KIND: %s", msg.text);
  opts.subset = "a/b";
  err = sb_suite_resolve("tiny", &opts, &s, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "invalid subset name 'a/b'"), "a subset with '/': %s", msg.text);
  opts.subset = NULL;
  err = sb_suite_resolve(fx_path(tmp_dir, "nowhere"), &opts, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "nowhere"), "a missing path: %s", msg.text);

#ifndef HAVE_FLUIDSYNTH
  unsetenv("MUSDB_PATH");
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_EUNSUPPORTED && strstr(msg.text, "FluidSynth") && strstr(msg.text, "MUSDB_PATH"),
         "music without MUSDB_PATH and FluidSynth: %s", msg.text);
#endif
}

/* KIND:PATH reads with that reader; a bare path is detected. */
static void test_kinds(void)
{
  char spec[1024];
  sb_suite_opts opts = {.quiet = 1};
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  fx_put_wav(fx_path(tmp_dir, "hq/test/Song/mixture.wav"), 44100, 2, 100, 3, 1);
  fx_put_wav(fx_path(tmp_dir, "hq/test/Song/vocals.wav"), 44100, 2, 100, 5, 2);
  err = sb_suite_resolve(fx_path(tmp_dir, "hq"), &opts, &s, &msg);
  tap_ok(err == SB_OK && strcmp(s->kind, "musdb18hq") == 0 && s->n_tracks == 1, "a MUSDB18-HQ folder is detected (%s)",
         err ? msg.text : "ok");
  sb_suite_free(&s);
  snprintf(spec, sizeof spec, "echoset:%s", fx_path(tmp_dir, "hq"));
  err = sb_suite_resolve(spec, &opts, &s, &msg);
  tap_ok(err != SB_OK && s == NULL, "echoset:PATH reads with the EchoSet reader, which refuses it: %s", msg.text);
  snprintf(spec, sizeof spec, "musdb18hq:%s/", fx_path(tmp_dir, "hq"));
  err = sb_suite_resolve(spec, &opts, &s, &msg);
  tap_ok(err == SB_OK && strcmp(s->name, spec) == 0 && s->n_tracks == 1,
         "musdb18hq:PATH/ (trailing slash), named as given");
  sb_suite_free(&s);

  /* A registered name wins over a folder of the same name. */
  fx_put_wav(fx_path(tmp_dir, "tiny/test/Song/mixture.wav"), 44100, 2, 100, 3, 1);
  fx_put_wav(fx_path(tmp_dir, "tiny/test/Song/vocals.wav"), 44100, 2, 100, 5, 2);
  opts.cache_dir = fx_path(tmp_dir, "cache");
  if (chdir(tmp_dir) == 0) {
    err = sb_suite_resolve("tiny", &opts, &s, &msg);
    tap_ok(err == SB_OK && strcmp(s->kind, "tiny") == 0 && s->n_tracks == 3, "'tiny' is the built-in suite (%s)",
           err ? msg.text : "ok");
    sb_suite_free(&s);
    err = sb_suite_resolve("./tiny", &opts, &s, &msg);
    tap_ok(err == SB_OK && strcmp(s->kind, "musdb18hq") == 0 && s->n_tracks == 1, "'./tiny' is the folder");
    sb_suite_free(&s);
    tap_ok(chdir("/") == 0, "leave the temporary folder");
  }
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
  if (!fx_begin(tmp_dir))
    return tap_done();
  test_not_suites();
  test_kinds();
  test_default_cache();
  return fx_end(tmp_dir);
}
