/*
 * tests/cli/test-cli-eval.c — end-to-end: `sepbench eval --format json`
 * on every reference case of shared/refvectors/bss must reproduce the peers'
 * values (museval v4 framewise SDR/ISR/SIR/SAR and NaN pattern, whole-signal
 * values, SI-SDR, global SDR, improvements) within the tolerances of
 * refvectors/bss/README.md; plus the CLI's errors for bad input (issue 12:
 * --metrics improvements, a stdout that cannot be written, --win values,
 * control characters in names) and a stem name that is not UTF-8 (the JSON
 * stays valid UTF-8); mir_eval's v3 short-signal rule (values from Debian's
 * python3-mir-eval).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "datasets/audio.h"
#include "common/json.h"
#include "metrics/npyrandom.h"
#include "tap.h"

/* Runs a shell command, captures stdout into a malloc'd string; *status gets
 * the exit code. */
static char *run_capture(const char *cmd, int *status)
{
  FILE *p = popen(cmd, "r");
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  if (!p || !buf) {
    free(buf);
    if (p)
      pclose(p);
    *status = -1;
    return NULL;
  }
  for (;;) {
    size_t got;
    if (cap - n < 4096) {
      char *nbuf = realloc(buf, cap * 2);
      if (!nbuf)
        break;
      buf = nbuf;
      cap *= 2;
    }
    got = fread(buf + n, 1, cap - n - 1, p);
    if (got == 0)
      break;
    n += got;
  }
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
    n--;
  buf[n] = '\0';
  int st = pclose(p);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return buf;
}

static const sb_json *target_of(const sb_json *out, const char *name)
{
  const sb_json *targets = sb_json_get(out, "targets");
  for (size_t i = 0; targets && i < targets->n; i++)
    if (strcmp(sb_json_str(sb_json_get(sb_json_at(targets, i), "name")), name) == 0)
      return sb_json_at(targets, i);
  return NULL;
}

static int is_unstable(const sb_json *expected, const char *name, const char *metric)
{
  const sb_json *u = sb_json_get(expected, "unstable");
  for (size_t i = 0; u && i < u->n; i++) {
    const sb_json *e = sb_json_at(u, i);
    const char *s = sb_json_str(e);
    if (s && strstr(s, name) && strstr(s, metric))
      return 1;
    if (e && e->type == SB_JSON_OBJECT) {
      const char *en = sb_json_str(sb_json_get(e, "name")), *em = sb_json_str(sb_json_get(e, "metric"));
      const char *ek = sb_json_str(sb_json_get(e, "key"));
      if (ek && strstr(ek, name) && strstr(ek, metric))
        return 1;
      if (en && em && strcmp(en, name) == 0 && strcmp(em, metric) == 0)
        return 1;
    }
  }
  return 0;
}

/* Checks one case in museval's default configuration (v4, 1 s, images). */
static void check_case(const char *sepbench, const char *dir, const char *case_name)
{
  char cmd[16384], path[2048];
  int status;
  sb_json *expected = NULL, *out = NULL;
  sb_msg msg;
  snprintf(path, sizeof path, "%s/%s/expected.json", dir, case_name);
  if (sb_json_parse_file(path, &expected, &msg) != SB_OK) {
    tap_ok(0, "%s: read expected.json: %s", case_name, msg.text);
    return;
  }
  snprintf(path, sizeof path, "%s/%s/mix.flac", dir, case_name);
  FILE *probe = fopen(path, "rb");
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/%s/ref' --est-dir '%s/%s/est' %s%s%s --format json 2>/dev/null",
           sepbench, dir, case_name, dir, case_name, probe ? "--mix '" : "", probe ? path : "", probe ? "'" : "");
  if (probe)
    fclose(probe);
  char *text = run_capture(cmd, &status);
  tap_ok(status == 0 && text != NULL, "%s: sepbench eval exits 0", case_name);
  if (!text || sb_json_parse(text, strlen(text), &out, &msg) != SB_OK) {
    tap_ok(0, "%s: eval output is valid JSON (%s)", case_name, text ? msg.text : "no output");
    free(text);
    sb_json_free(&expected);
    return;
  }
  free(text);
  tap_ok(sb_json_num(sb_json_get(out, "rate")) == sb_json_num(sb_json_get(expected, "rate")), "%s: rate", case_name);
  const sb_json *v4 = sb_json_get(expected, "museval_v4");
  tap_ok(sb_json_num(sb_json_get(out, "win")) == sb_json_num(sb_json_get(v4, "win")) &&
         sb_json_num(sb_json_get(out, "hop")) == sb_json_num(sb_json_get(v4, "hop")),
         "%s: win/hop in samples", case_name);
  const sb_json *names = sb_json_get(expected, "names");
  for (size_t j = 0; names && j < names->n; j++) {
    const char *name = sb_json_str(sb_json_at(names, j));
    const sb_json *t = target_of(out, name);
    const sb_json *frames = sb_json_get(t, "frames");
    const sb_json *fw = sb_json_get(sb_json_get(v4, "framewise"), name);
    static const char *const fm[] = {"SDR", "ISR", "SIR", "SAR"};
    size_t nf = (size_t)sb_json_num(sb_json_get(v4, "nframes"));
    tap_ok(t && frames && frames->n == nf, "%s/%s: %zu frames", case_name, name, nf);
    for (int m = 0; m < 4 && frames && frames->n == nf; m++) {
      const sb_json *want = sb_json_get(fw, fm[m]);
      double tol = m == 0 ? 1e-3 : 1e-2, worst = 0;
      int nan_ok = 1, val_ok = 1;
      for (size_t k = 0; k < nf; k++) {
        double g = sb_json_num(sb_json_get(sb_json_get(sb_json_at(frames, k), "metrics"), fm[m]));
        double w = sb_json_num(sb_json_at(want, k));
        if (isnan(w) != isnan(g))
          nan_ok = 0;
        else if (!isnan(w) && !is_unstable(expected, name, fm[m])) {
          if (!tap_close(g, w, tol))
            val_ok = 0;
          if (isfinite(g) && isfinite(w) && fabs(g - w) > worst)
            worst = fabs(g - w);
        }
      }
      tap_ok(nan_ok, "%s/%s: v4 framewise %s NaN pattern", case_name, name, fm[m]);
      tap_ok(val_ok, "%s/%s: v4 framewise %s within %g dB (max err %.2g)", case_name, name, fm[m], tol, worst);
    }
    const sb_json *whole = sb_json_get(t, "whole");
    const sb_json *vw = sb_json_get(sb_json_get(expected, "museval_v4_whole"), name);
    tap_near(sb_json_num(sb_json_get(whole, "SDR")), sb_json_num(sb_json_get(vw, "SDR")), 1e-3,
             "%s/%s: whole SDR", case_name, name);
    if (!is_unstable(expected, name, "SIR"))
      tap_near(sb_json_num(sb_json_get(whole, "SIR")), sb_json_num(sb_json_get(vw, "SIR")), 1e-2,
               "%s/%s: whole SIR", case_name, name);
    const sb_json *si = sb_json_get(sb_json_get(expected, "si_sdr"), name);
    tap_near(sb_json_num(sb_json_get(whole, "SI-SDR")), sb_json_num(sb_json_get(si, "stacked")), 1e-3,
             "%s/%s: SI-SDR (channels stacked)", case_name, name);
    tap_near(sb_json_num(sb_json_get(whole, "global_SDR")),
             sb_json_num(sb_json_get(sb_json_get(expected, "global_sdr"), name)), 1e-3,
             "%s/%s: global SDR", case_name, name);
  }
  sb_json_free(&out);
  sb_json_free(&expected);
}

static void check_bad_input(const char *sepbench, const char *dir)
{
  char cmd[16384];
  int status;
  char *text;
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir /nonexistent/ref --est-dir /nonexistent/est 2>&1", sepbench);
  text = run_capture(cmd, &status);
  tap_ok(status == 1 && text && strstr(text, "/nonexistent/ref") && !strchr(text, '\n'),
         "missing reference folder: exit 1 and one line naming it (%s)", text ? text : "");
  free(text);
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/music4_stereo_44k1/ref' --est-dir '%s/length_mismatch/est' 2>&1",
           sepbench, dir, dir);
  text = run_capture(cmd, &status);
  tap_ok(status == 1 && text && strstr(text, "vocals") != NULL,
         "estimate folder without the target's file: exit 1 naming the target (%s)", text ? text : "");
  free(text);
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/music4_stereo_44k1/ref' --est-dir '%s/speech2_16k_swapped/est' 2>&1",
           sepbench, dir, dir);
  text = run_capture(cmd, &status);
  tap_ok(status == 1, "mismatched estimates are an error (exit %d)", status);
  free(text);
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir x 2>&1", sepbench);
  text = run_capture(cmd, &status);
  tap_ok(status == 2 && text && strstr(text, "--est-dir"), "usage error: exit 2 naming the missing option");
  free(text);
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir a --est-dir b --mode v5 2>&1", sepbench);
  text = run_capture(cmd, &status);
  tap_ok(status == 2 && text && strstr(text, "v5"), "bad --mode value: exit 2 quoting it");
  free(text);
}

/* Writes a 2-s stereo 8-kHz file: a tone (amp > 0), silence (amp == 0), or a
 * tone with one NaN sample at channel 1, sample 4000 (nan_at > 0). */
static int write_signal(const char *path, double amp, double freq, int nan_at, int rate)
{
  sb_audio *a = NULL;
  int ok;
  if (sb_audio_new(&a, 2, 2 * rate, rate) != SB_OK)
    return 0;
  for (int c = 0; c < 2; c++)
    for (int64_t n = 0; n < a->n_samples; n++)
      sb_audio_chan(a, c)[n] = amp * sin(2 * M_PI * freq * (double)n / rate + c);
  if (nan_at > 0)
    sb_audio_chan(a, 1)[nan_at] = NAN;
  ok = sb_audio_write(path, a, SB_FLOAT32, NULL) == SB_OK;
  sb_audio_free(&a);
  return ok;
}

/* Streamed files (WAV) and whole-file loading (an OGG estimate makes eval
 * load everything whole) must give the same values for the stems they
 * share, bit for bit. */
static void check_stream_fallback(const char *sepbench, const char *dir)
{
  char cmd[2048];
  int status;
  char *text[2];
  sb_json *out[2] = {NULL, NULL};
  for (int v = 0; v < 2; v++) {
    snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/%s' --format json 2>/dev/null",
             sepbench, dir, dir, v ? "ogg" : "est");
    text[v] = run_capture(cmd, &status);
    tap_ok(status == 0 && text[v] && sb_json_parse(text[v], strlen(text[v]), &out[v], NULL) == SB_OK,
           "%s estimates: exit 0, JSON", v ? "WAV + OGG (whole files)" : "WAV (streamed)");
    free(text[v]);
  }
  {
    const sb_json *fa = sb_json_get(target_of(out[0], "a"), "frames");
    const sb_json *fb = sb_json_get(target_of(out[1], "a"), "frames");
    static const char *const fm[] = {"SDR", "ISR", "SIR", "SAR"};
    int same = fa && fb && fa->n == fb->n && fa->n == 2;
    for (size_t k = 0; same && k < fa->n; k++)
      for (int m = 0; m < 4; m++)
        same = same && sb_json_num(sb_json_get(sb_json_get(sb_json_at(fa, k), "metrics"), fm[m])) ==
                         sb_json_num(sb_json_get(sb_json_get(sb_json_at(fb, k), "metrics"), fm[m]));
    tap_ok(same, "stem 'a' (the same WAV): identical frames streamed and loaded whole");
    tap_ok(sb_json_num(sb_json_get(sb_json_get(target_of(out[0], "a"), "whole"), "SI-SDR")) ==
             sb_json_num(sb_json_get(sb_json_get(target_of(out[1], "a"), "whole"), "SI-SDR")),
           "and the same whole-signal SI-SDR");
  }
  sb_json_free(&out[0]);
  sb_json_free(&out[1]);
}

/* Bad signals through the CLI: NaN samples, a silent reference stem, a
 * sample-rate mismatch. */
static void check_bad_signals(const char *sepbench)
{
  char dir[] = "/tmp/sb-test-cli-eval-XXXXXX", path[512], cmd[2048];
  int status;
  char *text;
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp");
    return;
  }
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/ref' '%s/est' '%s/nan' '%s/rate' '%s/silent' '%s/ogg'", dir, dir, dir,
           dir, dir, dir);
  tap_ok(system(cmd) == 0, "fixture folders");
  static const char *const names[] = {"a", "b"};
  for (int j = 0; j < 2; j++) {
    snprintf(path, sizeof path, "%s/ref/%s.wav", dir, names[j]);
    write_signal(path, 0.3, 220.0 * (j + 1), 0, 8000);
    snprintf(path, sizeof path, "%s/est/%s.wav", dir, names[j]);
    write_signal(path, 0.25, 220.0 * (j + 1), 0, 8000);
    snprintf(path, sizeof path, "%s/nan/%s.wav", dir, names[j]);
    write_signal(path, 0.25, 220.0 * (j + 1), j == 1 ? 4000 : 0, 8000);
    snprintf(path, sizeof path, "%s/rate/%s.wav", dir, names[j]);
    write_signal(path, 0.25, 220.0 * (j + 1), 0, j == 1 ? 16000 : 8000);
    snprintf(path, sizeof path, "%s/silent/%s.wav", dir, names[j]);
    write_signal(path, j == 0 ? 0.0 : 0.3, 220.0 * (j + 1), 0, 8000);
    snprintf(path, sizeof path, "%s/ogg/%s.%s", dir, names[j], j == 0 ? "wav" : "ogg");
    write_signal(path, 0.25, 220.0 * (j + 1), 0, 8000);
  }
  check_stream_fallback(sepbench, dir);
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/nan' 2>&1 >/dev/null", sepbench, dir, dir);
  text = run_capture(cmd, &status);
  tap_ok(status == 1 && text && strstr(text, "nan/b.wav") && strstr(text, "4000"),
         "NaN in an estimate: exit 1, the message names the file and the sample (%s)", text ? text : "");
  free(text);
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/nan' --max-memory 0 2>&1 >/dev/null", sepbench,
           dir, dir);
  text = run_capture(cmd, &status);
  tap_ok(status == 1 && text && strstr(text, "nan/b.wav") && strstr(text, "4000"),
         "and streamed (--max-memory 0): the same (%s)", text ? text : "");
  free(text);
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/rate' 2>&1 >/dev/null", sepbench, dir, dir);
  text = run_capture(cmd, &status);
  tap_ok(status == 1 && text && strstr(text, "rate/b.wav") && strstr(text, "16000"),
         "sample-rate mismatch: exit 1, the message names the file and the rate (%s)", text ? text : "");
  free(text);
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/silent' --est-dir '%s/est' 2>/dev/null", sepbench, dir, dir);
  text = run_capture(cmd, &status);
  sb_json *out = NULL;
  tap_ok(status == 0 && text && sb_json_parse(text, strlen(text), &out, NULL) == SB_OK,
         "a silent reference stem does not abort the evaluation (exit %d)", status);
  const sb_json *frames = sb_json_get(target_of(out, "a"), "frames");
  int all_nan = frames && frames->n == 2;
  for (size_t k = 0; frames && k < frames->n; k++)
    all_nan = all_nan && isnan(sb_json_num(sb_json_get(sb_json_get(sb_json_at(frames, k), "metrics"), "SDR")));
  tap_ok(all_nan, "its frames are NaN for the silent source (museval's rule)");
  const sb_json *bframes = sb_json_get(target_of(out, "b"), "frames");
  tap_ok(bframes && bframes->n == 2 &&
         isnan(sb_json_num(sb_json_get(sb_json_get(sb_json_at(bframes, 0), "metrics"), "SDR"))),
         "and for every other source in those frames");
  tap_ok(isnan(sb_json_num(sb_json_get(sb_json_get(target_of(out, "a"), "whole"), "SDR"))),
         "its whole-signal SDR is null");
  sb_json_free(&out);
  free(text);
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/silent' --est-dir '%s/est' 2>&1 >/dev/null", sepbench, dir, dir);
  text = run_capture(cmd, &status);
  tap_ok(text && strstr(text, "reference 'a' is silent") != NULL, "the reason, naming the stem, is reported on stderr (%s)",
         text ? text : "");
  free(text);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  tap_ok(system(cmd) == 0, "cleanup");
}

/* Issue 12's eval cases: --metrics improvements computes SDRi and SI-SDRi;
 * a stdout that cannot be written is an error; --win values that are not
 * a usable number of seconds are usage errors naming --win; target names
 * with control characters are escaped in --format table. */
static void check_user_input(const char *sepbench)
{
  char dir[] = "/tmp/sb-test-cli-eval-XXXXXX", path[512], cmd[2048];
  static const char *const bad_win[] = {"nan", "inf", "1e300", "-1"};
  sb_json *out = NULL;
  int status, sdri = 1;
  char *text;
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp");
    return;
  }
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/ref' '%s/est' '%s/nref' '%s/nest'", dir, dir, dir, dir);
  tap_ok(system(cmd) == 0, "fixture folders");
  for (int j = 0; j < 2; j++) {
    static const char *const names[] = {"a", "b"}, *const odd[] = {"x\ny", "c\033[31mred"};
    snprintf(path, sizeof path, "%s/ref/%s.wav", dir, names[j]);
    write_signal(path, 0.3, 220.0 * (j + 1), 0, 8000);
    snprintf(path, sizeof path, "%s/est/%s.wav", dir, names[j]);
    write_signal(path, 0.25, 220.0 * (j + 1), 0, 8000);
    snprintf(path, sizeof path, "%s/nref/%s.wav", dir, odd[j]);
    write_signal(path, 0.3, 220.0 * (j + 1), 0, 8000);
    snprintf(path, sizeof path, "%s/nest/%s.wav", dir, odd[j]);
    write_signal(path, 0.25, 220.0 * (j + 1), 0, 8000);
  }
  snprintf(path, sizeof path, "%s/mix.wav", dir);
  write_signal(path, 0.5, 330.0, 0, 8000);

  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/est' --mix '%s/mix.wav' --metrics improvements 2>/dev/null",
           sepbench, dir, dir, dir);
  text = run_capture(cmd, &status);
  tap_ok(status == 0 && text && sb_json_parse(text, strlen(text), &out, NULL) == SB_OK,
         "--metrics improvements --mix: exit 0, JSON (exit %d)", status);
  for (int j = 0; j < 2; j++) {
    const sb_json *imp = sb_json_get(target_of(out, j ? "b" : "a"), "improvement");
    sdri = sdri && imp && isfinite(sb_json_num(sb_json_get(imp, "SDRi"))) &&
           isfinite(sb_json_num(sb_json_get(imp, "SI-SDRi")));
  }
  tap_ok(sdri, "--metrics improvements computes SDRi and SI-SDRi for every target");
  sb_json_free(&out);
  free(text);

  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/est' --metrics sdr 2>&1 >/dev/full", sepbench,
           dir, dir);
  text = run_capture(cmd, &status);
  tap_ok(status == 1 && text && strstr(text, "cannot write the output: No space left on device") && !strchr(text, '\n'),
         "eval > /dev/full: exit 1 and one line saying so (exit %d: %s)", status, text ? text : "");
  free(text);
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/est' --format table 2>&1 >/dev/full", sepbench,
           dir, dir);
  text = run_capture(cmd, &status);
  tap_ok(status == 1 && text && strstr(text, "cannot write the output"), "eval --format table > /dev/full: exit 1");
  free(text);
  snprintf(cmd, sizeof cmd, "'%s' --help 2>&1 >/dev/full", sepbench);
  text = run_capture(cmd, &status);
  tap_ok(status == 1 && text && strstr(text, "cannot write the output"), "--help > /dev/full: exit 1 (%d)", status);
  free(text);

  for (size_t i = 0; i < sizeof bad_win / sizeof bad_win[0]; i++) {
    snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/est' --win %s 2>&1 >/dev/null", sepbench,
             dir, dir, bad_win[i]);
    text = run_capture(cmd, &status);
    tap_ok(status == 2 && text && strstr(text, "--win needs a number of seconds") && strstr(text, bad_win[i]) &&
             !strstr(text, "--hop"),
           "--win %s: usage error naming --win (exit %d: %s)", bad_win[i], status, text ? text : "");
    free(text);
  }
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/est' --hop nan 2>&1 >/dev/null", sepbench, dir,
           dir);
  text = run_capture(cmd, &status);
  tap_ok(status == 2 && text && strstr(text, "--hop needs"), "--hop nan: usage error naming --hop (exit %d)", status);
  free(text);

  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/nref' --est-dir '%s/nest' --format table 2>/dev/null", sepbench,
           dir, dir);
  text = run_capture(cmd, &status);
  {
    int lines = 0;
    for (const char *p = text; p && *p; p++)
      lines += *p == '\n';
    tap_ok(status == 0 && text && !strchr(text, '\033') && lines == 4,
           "names with a newline and an escape code: no raw control byte, one row each (%d lines)", lines);
    tap_ok(text && strstr(text, "x\\x0ay") && strstr(text, "c\\x1b[31mred"), "they are shown escaped (\\x0a, \\x1b)");
  }
  free(text);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  tap_ok(system(cmd) == 0, "cleanup");
}

/* A stem file name with byte 0xFF (not UTF-8): the JSON on stdout stays
 * valid UTF-8, the byte written as \ufffd (cli/result_json.h). */
static void check_non_utf8_name(const char *sepbench)
{
  char dir[] = "/tmp/sb-test-cli-eval-XXXXXX", path[512], cmd[2048];
  int status;
  char *text;
  sb_json *out = NULL;
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp");
    return;
  }
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/ref' '%s/est'", dir, dir);
  tap_ok(system(cmd) == 0, "fixture folders for a non-UTF-8 stem name");
  for (int e = 0; e < 2; e++) {
    snprintf(path, sizeof path, "%s/%s/a\xff.wav", dir, e ? "est" : "ref");
    write_signal(path, e ? 0.25 : 0.3, 220.0, 0, 8000);
    snprintf(path, sizeof path, "%s/%s/b.wav", dir, e ? "est" : "ref");
    write_signal(path, e ? 0.25 : 0.3, 440.0, 0, 8000);
  }
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/est' --format json"
           " 2>/dev/null > '%s/out.json'; echo $?; iconv -f UTF-8 -t UTF-8 '%s/out.json' >/dev/null"
           " 2>&1; echo $?", sepbench, dir, dir, dir, dir);
  text = run_capture(cmd, &status);
  tap_ok(text && strncmp(text, "0\n0", 3) == 0 && (text[3] == '\0' || text[3] == '\n'),
         "eval exits 0 and its JSON is valid UTF-8 (exit status, iconv status: %s)",
         text ? text : "none");
  free(text);
  snprintf(path, sizeof path, "%s/out.json", dir);
  tap_ok(sb_json_parse_file(path, &out, NULL) == SB_OK && target_of(out, "a\xef\xbf\xbd") &&
             target_of(out, "b"),
         "the JSON parses and names the stem a\\ufffd (U+FFFD for the byte 0xFF)");
  sb_json_free(&out);
  snprintf(cmd, sizeof cmd, "grep -c 'a\\\\ufffd' '%s/out.json'", dir);
  text = run_capture(cmd, &status);
  tap_ok(status == 0 && text && atoi(text) >= 1, "the replacement is written as the escape \\ufffd");
  free(text);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  tap_ok(system(cmd) == 0, "cleanup");
}

/* mir_eval's short-signal rule through `sepbench eval --mode v3`: 2 mono
 * sources, 1.5 s at 48 kHz, 1-s window and hop.  Signals and expected
 * values as in tests/metrics/test-evaluate.c check_v3_short_signal
 * (np.random.RandomState(2012), Debian's python3-mir-eval 0.7
 * bss_eval_images_framewise / bss_eval_sources_framewise). */
static void check_v3_short(const char *sepbench)
{
  enum { T = 72000 };
  static const double images[4][2] = {{4.6725927801279763, 4.7102821925204488},
                                      {26.040318740389417, 25.945002411190355},
                                      {10.31411708733922, 10.419340687710756},
                                      {6.5143735715590196, 6.4862672583553422}};
  static const double sources_sdr[2] = {4.7248440762507746, 4.7396069128580214};
  static const char *const fm[] = {"SDR", "ISR", "SIR", "SAR"};
  char dir[] = "/tmp/sb-test-cli-v3-XXXXXX", path[512], cmd[2048];
  sb_audio *sig[2][2] = {{NULL, NULL}, {NULL, NULL}}; /* [ref/est][source] */
  sb_npyrandom *g = NULL;
  int ok = mkdtemp(dir) != NULL && sb_npyrandom_new(2012, &g) == SB_OK;
  static double noise[2][T];

  for (int k = 0; ok && k < 2; k++)
    for (int j = 0; j < 2; j++)
      ok = sb_audio_new(&sig[k][j], 1, T, 48000) == SB_OK;
  for (int j = 0; ok && j < 2; j++)
    sb_npyrandom_randn(g, sb_audio_chan(sig[0][j], 0), T);
  for (int j = 0; ok && j < 2; j++)
    sb_npyrandom_randn(g, noise[j], T);
  for (int j = 0; ok && j < 2; j++)
    for (int t = 0; t < T; t++)
      sb_audio_chan(sig[0][j], 0)[t] *= 0.1;
  for (int j = 0; ok && j < 2; j++)
    for (int t = 0; t < T; t++)
      sb_audio_chan(sig[1][j], 0)[t] = sb_audio_chan(sig[0][j], 0)[t] +
                                       0.3 * sb_audio_chan(sig[0][1 - j], 0)[t] + 0.05 * noise[j][t];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/ref' '%s/est'", dir, dir);
  ok = ok && system(cmd) == 0;
  for (int k = 0; ok && k < 2; k++)
    for (int j = 0; ok && j < 2; j++) {
      snprintf(path, sizeof path, "%s/%s/s%d.wav", dir, k ? "est" : "ref", j);
      ok = sb_audio_write(path, sig[k][j], SB_FLOAT64, NULL) == SB_OK;
    }
  sb_npyrandom_free(&g);
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 2; j++)
      sb_audio_free(&sig[k][j]);
  if (!tap_ok(ok, "v3 short-signal fixture (1.5 s, 48 kHz, float64 WAV)"))
    return;
  for (int crit = 0; crit < 2; crit++) {
    int status;
    sb_json *out = NULL;
    char *text;
    double worst = 0.0;
    int shape_ok;
    snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/ref' --est-dir '%s/est' --mode v3 %s --metrics bss "
             "--win 1 --hop 1 --format json 2>/dev/null", sepbench, dir, dir, crit ? "--sources" : "--images");
    text = run_capture(cmd, &status);
    tap_ok(status == 0 && text && sb_json_parse(text, strlen(text), &out, NULL) == SB_OK,
           "eval --mode v3 %s on 1.5 s with a 1-s window: exit 0, JSON", crit ? "--sources" : "--images");
    shape_ok = out != NULL;
    for (int j = 0; shape_ok && j < 2; j++) {
      char name[8];
      const sb_json *frames;
      snprintf(name, sizeof name, "s%d", j);
      frames = sb_json_get(target_of(out, name), "frames");
      shape_ok = frames && frames->n == 1 && sb_json_num(sb_json_get(sb_json_at(frames, 0), "duration")) == 1.5;
      for (int m = 0; shape_ok && m < 4; m++) {
        double got = sb_json_num(sb_json_get(sb_json_get(sb_json_at(frames, 0), "metrics"), fm[m]));
        double want = crit && m == 0 ? sources_sdr[j] : images[m][j], tol = m == 0 ? 1e-3 : 1e-2;
        if (crit && m == 1)
          continue; /* no ISR in the sources criterion */
        if (!(fabs(got - want) <= tol))
          worst = INFINITY;
        else if (fabs(got - want) / tol > worst)
          worst = fabs(got - want) / tol;
      }
    }
    tap_ok(shape_ok && worst <= 1.0,
           "v3 %s: one frame of 1.5 s (the whole signal) = mir_eval framewise (worst %.2g of tol)",
           crit ? "sources" : "images", worst);
    sb_json_free(&out);
    free(text);
  }
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  tap_ok(system(cmd) == 0, "cleanup");
}

/* Each file decoded once and held (--max-memory, default 1G), some held
 * (4M: one reference of music4 (2.7 MiB as float32), two of
 * length_mismatch (1.8 MiB each)), none (0: every file streamed): the
 * same JSON and notes, byte for byte. */
static void check_max_memory(const char *sepbench, const char *dir)
{
  static const char *const cases[] = {"music4_stereo_44k1", "length_mismatch"};
  static const char *const budgets[] = {"", "--max-memory 4M", "--max-memory 0"};
  char cmd[8192];
  int status;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *text[3] = {NULL, NULL, NULL};
    for (int b = 0; b < 3; b++) {
      snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/%s/ref' --est-dir '%s/%s/est' --mix '%s/%s/mix.flac' %s 2>&1",
               sepbench, dir, cases[i], dir, cases[i], dir, cases[i], budgets[b]);
      text[b] = run_capture(cmd, &status);
      tap_ok(status == 0 && text[b] && strstr(text[b], "\"targets\""), "%s %s: exit 0, JSON", cases[i],
             b ? budgets[b] : "(default budget)");
    }
    tap_ok(text[0] && text[1] && text[2] && strcmp(text[0], text[1]) == 0 && strcmp(text[0], text[2]) == 0,
           "%s: held, partly held and streamed give the same output, byte for byte", cases[i]);
    for (int b = 0; b < 3; b++)
      free(text[b]);
  }
  snprintf(cmd, sizeof cmd, "'%s' eval --ref-dir '%s/%s/ref' --est-dir '%s/%s/est' --max-memory 2Q 2>&1 >/dev/null",
           sepbench, dir, cases[0], dir, cases[0]);
  char *text = run_capture(cmd, &status);
  tap_ok(status == 2 && text && strstr(text, "--max-memory") && strstr(text, "'2Q'"),
         "--max-memory 2Q: a usage error naming the option and the value (%s)", text ? text : "");
  free(text);
}

int main(void)
{
  const char *sepbench = getenv("SEPBENCH");
  const char *rv = getenv("SB_REFVECTORS");
  char dir[1024];
  static const char *const cases[] = {"music4_stereo_44k1", "music3_silence_nan", "length_mismatch",
                                      "short_0p8s_22k", "speech2_16k_swapped"};
  if (!sepbench || !rv) {
    tap_ok(0, "SEPBENCH and SB_REFVECTORS are set");
    return tap_done();
  }
  snprintf(dir, sizeof dir, "%s/bss", rv);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    check_case(sepbench, dir, cases[i]);
  check_bad_input(sepbench, dir);
  check_max_memory(sepbench, dir);
  check_bad_signals(sepbench);
  check_user_input(sepbench);
  check_non_utf8_name(sepbench);
  check_v3_short(sepbench);
  return tap_done();
}
