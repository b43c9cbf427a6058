/*
 * tests/cli/test-cli-eval-speech.c — end to end: `sepbench eval --metrics
 * stoi,estoi,sasdr` on every case of shared/refvectors/speech reproduces
 * pystoi's STOI/ESTOI, the deltas against the mixture and torchmetrics'
 * SA-SDR / SI-SA-SDR (with and without --zero-mean) within 1e-6 absolute
 * (refvectors/speech/README.md); ESTOI where pystoi's depends on its RNG
 * lies in the range over seeds; with --perm brute the swapped case is
 * scored under the permutation chosen once (values of its "pit" block).
 * Bad input: a stereo pair is scored per channel then averaged (the mean
 * of the two mono cases' expected values, and "stoi_channels" says so); a
 * silent reference, a rate below 8 kHz and too few frames give NaN / 1e-5
 * with the reason on stderr and exit 0; a NaN sample is refused naming the
 * file.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/json.h"
#include "datasets/audio.h"
#include "tap.h"

#define TOL 1e-6

static const char *sepbench, *speech_dir;

/* Runs cmd; its stdout, parsed as JSON, into *out (NULL when it is not);
 * stderr into err (cut at len); the exit status is returned. */
static int run_json(const char *cmd, sb_json **out, char *err, size_t len)
{
  char full[8192], errpath[] = "/tmp/sb-test-eval-speech-err-XXXXXX";
  char *buf = NULL;
  size_t cap = 0, n = 0;
  int fd = mkstemp(errpath), st;
  FILE *p;
  *out = NULL;
  err[0] = '\0';
  if (fd < 0)
    return -1;
  snprintf(full, sizeof full, "%s 2>'%s'", cmd, errpath);
  if (!(p = popen(full, "r")))
    return -1;
  for (;;) {
    if (cap - n < 4096) {
      char *nb = realloc(buf, cap + 65536);
      if (!nb)
        break;
      buf = nb;
      cap += 65536;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, p);
    if (got == 0)
      break;
    n += got;
  }
  st = pclose(p);
  if (buf && sb_json_parse(buf, n, out, NULL) != SB_OK)
    *out = NULL;
  free(buf);
  FILE *e = fdopen(fd, "r");
  if (e) {
    size_t got = fread(err, 1, len - 1, e);
    err[got] = '\0';
    fclose(e);
  }
  remove(errpath);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const sb_json *target_of(const sb_json *out, const char *name)
{
  const sb_json *targets = sb_json_get(out, "targets");
  for (size_t i = 0; targets && i < targets->n; i++)
    if (strcmp(sb_json_str(sb_json_get(sb_json_at(targets, i), "name")), name) == 0)
      return sb_json_at(targets, i);
  return NULL;
}

static double value_of(const sb_json *out, const char *name, const char *group, const char *metric)
{
  const sb_json *v = sb_json_get(sb_json_get(target_of(out, name), group), metric);
  return v ? sb_json_num(v) : NAN;
}

static double track_value(const sb_json *out, const char *metric)
{
  const sb_json *v = sb_json_get(sb_json_get(out, "track"), metric);
  return v ? sb_json_num(v) : NAN;
}

static double num(const sb_json *v)
{
  return v ? sb_json_num(v) : NAN;
}

/* STOI/ESTOI of every source, deltas, SA-SDR of one case. */
static void check_case(const char *case_name)
{
  char path[2048], cmd[4096], err[4096];
  sb_json *expected = NULL, *out[2] = {NULL, NULL};
  sb_msg msg;
  snprintf(path, sizeof path, "%s/%s/expected.json", speech_dir, case_name);
  if (sb_json_parse_file(path, &expected, &msg) != SB_OK) {
    tap_ok(0, "%s: read expected.json: %s", case_name, msg.text);
    return;
  }
  snprintf(path, sizeof path, "%s/%s/mix.flac", speech_dir, case_name);
  FILE *mf = fopen(path, "rb");
  int has_mix = mf != NULL;
  if (mf)
    fclose(mf);
  for (int zm = 0; zm < 2; zm++) {
    snprintf(cmd, sizeof cmd,
             "'%s' eval --ref-dir '%s/%s/ref' --est-dir '%s/%s/est' --win 0 --metrics stoi,estoi,sasdr,improvements%s"
             "%s%s%s",
             sepbench, speech_dir, case_name, speech_dir, case_name, zm ? " --zero-mean" : "", has_mix ? " --mix '" : "",
             has_mix ? path : "", has_mix ? "'" : "");
    int st = run_json(cmd, &out[zm], err, sizeof err);
    tap_ok(st == 0 && out[zm], "%s%s: exit 0, JSON (%s)", case_name, zm ? " --zero-mean" : "", err);
  }
  const sb_json *names = sb_json_get(expected, "names");
  for (size_t i = 0; out[0] && names && i < names->n; i++) {
    const char *name = sb_json_str(sb_json_at(names, i));
    const sb_json *src = sb_json_get(sb_json_get(expected, "sources"), name);
    const sb_json *rng = sb_json_get(src, "estoi_rng_dependent");
    double stoi = value_of(out[0], name, "whole", "STOI"), estoi = value_of(out[0], name, "whole", "ESTOI");
    tap_near(stoi, num(sb_json_get(src, "stoi")), TOL, "%s/%s: STOI", case_name, name);
    if (rng) {
      double lo = num(sb_json_get(rng, "min")), hi = num(sb_json_get(rng, "max"));
      tap_ok(estoi >= lo && estoi <= hi, "%s/%s: ESTOI %.9f within pystoi's range over seeds [%.9f, %.9f]", case_name,
             name, estoi, lo, hi);
    } else {
      tap_near(estoi, num(sb_json_get(src, "estoi")), TOL, "%s/%s: ESTOI", case_name, name);
    }
    if (has_mix) {
      const sb_json *m = sb_json_get(sb_json_get(sb_json_get(expected, "mixture"), "values"), name);
      tap_near(value_of(out[0], name, "improvement", "dSTOI"), num(sb_json_get(m, "delta_stoi")), TOL,
               "%s/%s: dSTOI", case_name, name);
      tap_near(value_of(out[0], name, "improvement", "dESTOI"), num(sb_json_get(m, "delta_estoi")), TOL,
               "%s/%s: dESTOI", case_name, name);
    }
  }
  for (int zm = 0; zm < 2; zm++) {
    const char *key = zm ? "zero_mean_true" : "zero_mean_false";
    tap_near(track_value(out[zm], "SA-SDR"), num(sb_json_get(sb_json_get(expected, "sa_sdr"), key)), TOL,
             "%s: track SA-SDR %s", case_name, key);
    tap_near(track_value(out[zm], "SI-SA-SDR"), num(sb_json_get(sb_json_get(expected, "si_sa_sdr"), key)), TOL,
             "%s: track SI-SA-SDR %s", case_name, key);
  }
  tap_ok(out[0] && sb_json_str(sb_json_get(out[0], "stoi_channels")) &&
           strcmp(sb_json_str(sb_json_get(out[0], "stoi_channels")), "per channel, then the mean") == 0,
         "%s: \"stoi_channels\" states the multichannel rule", case_name);
  sb_json_free(&out[0]);
  sb_json_free(&out[1]);
  sb_json_free(&expected);
}

/* The swapped case under --perm brute: the permutation is chosen once
 * (by the SDR family) and every speech metric uses it. */
static void check_perm(void)
{
  char path[2048], cmd[4096], err[4096];
  sb_json *expected = NULL, *out = NULL;
  sb_msg msg;
  snprintf(path, sizeof path, "%s/two_spk_8k_swapped/expected.json", speech_dir);
  if (sb_json_parse_file(path, &expected, &msg) != SB_OK) {
    tap_ok(0, "swapped: read expected.json: %s", msg.text);
    return;
  }
  snprintf(cmd, sizeof cmd,
           "'%s' eval --ref-dir '%s/two_spk_8k_swapped/ref' --est-dir '%s/two_spk_8k_swapped/est' --win 0 "
           "--perm brute --metrics sdr,stoi,estoi,sasdr",
           sepbench, speech_dir, speech_dir);
  tap_ok(run_json(cmd, &out, err, sizeof err) == 0 && out, "swapped --perm brute: exit 0 (%s)", err);
  const sb_json *perm = sb_json_get(out, "permutation");
  tap_ok(perm && perm->n == 2 && num(sb_json_at(perm, 0)) == 1 && num(sb_json_at(perm, 1)) == 0,
         "swapped: the permutation [1, 0]");
  const sb_json *best = sb_json_get(sb_json_get(expected, "pit"), "best_by_mean_stoi");
  static const char *const names[] = {"s1", "s2"};
  for (int j = 0; j < 2; j++) {
    const sb_json *v = sb_json_get(sb_json_get(best, "values"), names[j]);
    tap_near(value_of(out, names[j], "whole", "STOI"), num(sb_json_get(v, "stoi")), TOL,
             "swapped/%s: STOI under it", names[j]);
    tap_near(value_of(out, names[j], "whole", "ESTOI"), num(sb_json_get(v, "estoi")), TOL,
             "swapped/%s: ESTOI under it", names[j]);
  }
  tap_near(track_value(out, "SA-SDR"), num(sb_json_get(sb_json_get(best, "sa_sdr"), "zero_mean_false")), TOL,
           "swapped: SA-SDR under it");
  tap_near(track_value(out, "SI-SA-SDR"), num(sb_json_get(sb_json_get(best, "si_sa_sdr"), "zero_mean_false")), TOL,
           "swapped: SI-SA-SDR under it");
  sb_json_free(&out);
  sb_json_free(&expected);
}

/* A stereo file of two mono files (the second fitted to the first's length). */
static int write_stereo(const char *out, const char *left, const char *right, int64_t n)
{
  sb_audio *l = NULL, *r = NULL, *s = NULL;
  int ok = sb_audio_read(left, &l, NULL) == SB_OK && sb_audio_read(right, &r, NULL) == SB_OK &&
           sb_audio_fit_length(l, n) == SB_OK && sb_audio_fit_length(r, n) == SB_OK &&
           sb_audio_new(&s, 2, n, l->rate) == SB_OK;
  if (ok) {
    memcpy(sb_audio_chan(s, 0), sb_audio_chan(l, 0), sizeof(double) * (size_t)n);
    memcpy(sb_audio_chan(s, 1), sb_audio_chan(r, 0), sizeof(double) * (size_t)n);
    ok = sb_audio_write(out, s, SB_PCM_16, NULL) == SB_OK;
  }
  sb_audio_free(&l);
  sb_audio_free(&r);
  sb_audio_free(&s);
  return ok;
}

/* Stereo: per channel, then the mean (two_spk_8k's s1 and s2 as channels). */
static void check_stereo(const char *dir)
{
  char path[2048], a[2048], b[2048], cmd[4096], err[4096];
  sb_json *expected = NULL, *out = NULL;
  sb_audio_header h;
  sb_msg msg;
  snprintf(path, sizeof path, "%s/two_spk_8k/expected.json", speech_dir);
  snprintf(a, sizeof a, "%s/two_spk_8k/ref/s1.flac", speech_dir);
  if (sb_json_parse_file(path, &expected, &msg) != SB_OK || sb_audio_probe(a, &h, &msg) != SB_OK) {
    tap_ok(0, "stereo: read the two_spk_8k case: %s", msg.text);
    return;
  }
  int ok = 1;
  for (int est = 0; est < 2; est++) {
    const char *side = est ? "est" : "ref";
    snprintf(a, sizeof a, "%s/two_spk_8k/%s/s1.flac", speech_dir, side);
    snprintf(b, sizeof b, "%s/two_spk_8k/%s/s2.flac", speech_dir, side);
    snprintf(path, sizeof path, "%s/stereo-%s/x.wav", dir, side);
    ok = ok && write_stereo(path, a, b, h.n_samples);
  }
  tap_ok(ok, "stereo fixture: s1 | s2 of two_spk_8k as the two channels");
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/stereo-ref' --est-dir '%s/stereo-est' --win 0 --metrics stoi,estoi",
           sepbench, dir, dir);
  tap_ok(run_json(cmd, &out, err, sizeof err) == 0 && out, "stereo: exit 0 (%s)", err);
  const sb_json *src = sb_json_get(expected, "sources");
  double stoi = (num(sb_json_get(sb_json_get(src, "s1"), "stoi")) + num(sb_json_get(sb_json_get(src, "s2"), "stoi"))) / 2;
  double estoi =
      (num(sb_json_get(sb_json_get(src, "s1"), "estoi")) + num(sb_json_get(sb_json_get(src, "s2"), "estoi"))) / 2;
  tap_near(value_of(out, "x", "whole", "STOI"), stoi, TOL, "stereo: STOI = the mean of the channels' pystoi values");
  tap_near(value_of(out, "x", "whole", "ESTOI"), estoi, TOL, "stereo: ESTOI = the mean of the channels' values");
  sb_json_free(&out);
  sb_json_free(&expected);
}

/* A 2-s mono tone (amp 0: silence; nan_at > 0: one NaN there) at rate. */
static int write_tone(const char *path, double amp, int rate, int nan_at)
{
  sb_audio *a = NULL;
  int ok;
  if (sb_audio_new(&a, 1, 2 * rate, rate) != SB_OK)
    return 0;
  for (int64_t n = 0; n < a->n_samples; n++)
    sb_audio_chan(a, 0)[n] = amp * sin(2 * M_PI * 440.0 * (double)n / rate) * (1 + 0.5 * sin(2 * M_PI * 3.0 * n / rate));
  if (nan_at > 0)
    sb_audio_chan(a, 0)[nan_at] = NAN;
  ok = sb_audio_write(path, a, SB_FLOAT32, NULL) == SB_OK;
  sb_audio_free(&a);
  return ok;
}

static void check_bad_input(const char *dir)
{
  char path[2048], cmd[4096], err[4096];
  sb_json *out = NULL;
  int ok = 1;
  static const struct {
    const char *folder, *name;
    double amp;
    int rate, nan_at;
  } files[] = {{"ref", "a", 0.3, 16000, 0},      {"ref", "b", 0.3, 16000, 0},    {"est", "a", 0.2, 16000, 0},
               {"est", "b", 0.2, 16000, 0},      {"silent", "a", 0.0, 16000, 0}, {"silent", "b", 0.3, 16000, 0},
               {"nan", "a", 0.2, 16000, 0},      {"nan", "b", 0.2, 16000, 9000}, {"low-ref", "a", 0.3, 7000, 0},
               {"low-est", "a", 0.2, 7000, 0}};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s/%s.wav", dir, files[i].folder, files[i].name);
    ok = ok && write_tone(path, files[i].amp, files[i].rate, files[i].nan_at);
  }
  tap_ok(ok, "bad-input fixtures");

  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/silent' --est-dir '%s/est' --win 0 --metrics stoi,estoi,sasdr",
           sepbench, dir, dir);
  tap_ok(run_json(cmd, &out, err, sizeof err) == 0 && out, "silent reference: exit 0");
  tap_ok(isnan(value_of(out, "a", "whole", "STOI")) && isnan(value_of(out, "a", "whole", "ESTOI")),
         "silent reference: its STOI and ESTOI are null");
  tap_ok(isfinite(value_of(out, "b", "whole", "STOI")), "the other source is scored (%g)",
         value_of(out, "b", "whole", "STOI"));
  tap_ok(strstr(err, "STOI/ESTOI of reference 'a': the reference is silent (every sample 0): NaN") != NULL,
         "the reason, naming the source, on stderr (%s)", err);
  tap_ok(!strstr(err, "museval") && !strstr(err, "frame"), "no BSS Eval asked: the reason speaks of no frames");
  sb_json_free(&out);

  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/low-ref' --est-dir '%s/low-est' --win 0 --metrics stoi,estoi",
           sepbench, dir, dir);
  tap_ok(run_json(cmd, &out, err, sizeof err) == 0 && out, "7000 Hz: exit 0");
  tap_ok(isnan(value_of(out, "a", "whole", "STOI")) && isnan(value_of(out, "a", "whole", "ESTOI")),
         "7000 Hz: STOI and ESTOI are null");
  tap_ok(strstr(err, "STOI/ESTOI not computed: STOI needs a sample rate of at least 8000 Hz, got 7000") != NULL,
         "the reason on stderr (%s)", err);
  sb_json_free(&out);

  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/nan' --win 0 --metrics stoi", sepbench, dir,
           dir);
  tap_ok(run_json(cmd, &out, err, sizeof err) == 1 && strstr(err, "nan/b.wav") && strstr(err, "9000"),
         "a NaN sample: exit 1, the message names the file and the sample (%s)", err);
  sb_json_free(&out);

  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/short_0p4s_48k/ref' --est-dir '%s/short_0p4s_48k/est' --win 0 "
           "--metrics stoi,estoi", sepbench, speech_dir, speech_dir);
  tap_ok(run_json(cmd, &out, err, sizeof err) == 0 && out, "0.4-s word: exit 0");
  tap_ok(value_of(out, "word", "whole", "STOI") == 1e-5 && value_of(out, "word", "whole", "ESTOI") == 1e-5,
         "too few frames: STOI = ESTOI = 1e-5 (pystoi's value)");
  tap_ok(strstr(err, "fewer than 30 STFT frames") != NULL, "with the note on stderr (%s)", err);
  sb_json_free(&out);
}

int main(void)
{
  static const char *const cases[] = {"clip_lowlevel_44k1", "short_0p4s_48k", "silences_dropout_10k",
                                      "snr_sweep_16k", "tfmask_ibm_lenmismatch_22k05", "two_spk_8k",
                                      "two_spk_8k_swapped"};
  const char *rv = getenv("SB_REFVECTORS");
  char speech[1024], dir[] = "/tmp/sb-test-eval-speech-XXXXXX", cmd[2048];
  sepbench = getenv("SEPBENCH");
  if (!sepbench || !rv) {
    tap_ok(0, "SEPBENCH and SB_REFVECTORS are set");
    return tap_done();
  }
  snprintf(speech, sizeof speech, "%s/speech", rv);
  speech_dir = speech;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    check_case(cases[i]);
  check_perm();
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp");
    return tap_done();
  }
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/stereo-ref' '%s/stereo-est' '%s/ref' '%s/est' '%s/silent' '%s/nan' "
           "'%s/low-ref' '%s/low-est'", dir, dir, dir, dir, dir, dir, dir, dir);
  tap_ok(system(cmd) == 0, "fixture folders");
  check_stereo(dir);
  check_bad_input(dir);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  tap_ok(system(cmd) == 0, "cleanup");
  return tap_done();
}
