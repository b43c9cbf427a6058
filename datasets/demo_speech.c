/*
 * datasets/demo_speech.c — the built-in demo speech suite (see
 * demo_speech.h): real recordings from pocketsphinx-testdata and
 * synthetic voices from espeak-ng and flite, reverberated with shoebox
 * image-source responses (rir.h, Allen & Berkley 1979) and mixed with
 * white noise, written in the EchoSet layout (Xu et al., TIGER, 2024).
 *
 * Randomness: xorshift64* (Vigna 2016) with a fixed seed per mixture;
 * Gaussian noise by the Box-Muller transform.  Convolution by FFT (FFTW,
 * plans made through common/fftplan.h).
 *
 * Workload: 8 mixtures of up to ~12 s at 16 kHz with responses of up to
 * 0.8 s; under two seconds in total, once per cache.
 */
#include <config.h>

#include "datasets/demo_speech.h"

#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/audio.h"
#include "common/fftplan.h"
#include "common/paths.h"
#include "common/subprocess.h"
#include "datasets/rir.h"
#include "datasets/stemset.h"

static const char speech_stamp[] = "sepbench demo speech suite v1\n";

enum { MAX_UTTERANCES = 24, MAX_SECONDS = 6 };

/* One utterance at 16 kHz, mono. */
typedef struct utterance {
  char label[64];   /* e.g. "librivox-0870" (no '/' or '_') */
  int speaker;      /* speakers differ in a mixture */
  double *x;
  int64_t n;
} utterance;

typedef struct corpus {
  int n;
  utterance u[MAX_UTTERANCES];
} corpus;

static void corpus_clear(corpus *c)
{
  for (int i = 0; i < c->n; i++)
    free(c->u[i].x);
  c->n = 0;
}

static uint64_t next_u64(uint64_t *s)
{
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ULL;
}

/* Uniform in [lo, hi). */
static double uniform(uint64_t *s, double lo, double hi)
{
  return lo + (hi - lo) * (double)(next_u64(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double gaussian(uint64_t *s)
{
  double u1 = uniform(s, 0, 1), u2 = uniform(s, 0, 1);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Reads a file as 16 kHz mono (first channel), appending it to *x. */
static sb_err append_file(const char *path, double **x, int64_t *n, sb_msg *msg)
{
  sb_audio *a = NULL, *r = NULL;
  double *grown;
  sb_err err = sb_audio_read(path, &a, msg);
  if (err)
    return err;
  err = sb_audio_resample(a, SB_DEMO_SPEECH_RATE, &r, msg);
  sb_audio_free(&a);
  if (err)
    return err;
  grown = realloc(*x, (size_t)(*n + r->n_samples) * sizeof *grown);
  if (!grown) {
    sb_audio_free(&r);
    return SB_ENOMEM;
  }
  memcpy(grown + *n, r->data, (size_t)r->n_samples * sizeof *grown);
  *x = grown;
  *n += r->n_samples;
  sb_audio_free(&r);
  return SB_OK;
}

/* Adds an utterance made of the given files (concatenated). */
static sb_err add_recorded(corpus *c, const char *label, int speaker, const char *dir, const char *const *files,
                           int n_files, sb_msg *msg)
{
  utterance *u = &c->u[c->n];
  sb_err err = SB_OK;
  memset(u, 0, sizeof *u);
  for (int i = 0; !err && i < n_files; i++) {
    char *path = NULL;
    err = sb_path_join(dir, files[i], &path);
    if (!err)
      err = append_file(path, &u->x, &u->n, msg);
    free(path);
  }
  if (err) {
    free(u->x);
    return err;
  }
  if (u->n > (int64_t)MAX_SECONDS * SB_DEMO_SPEECH_RATE)
    u->n = (int64_t)MAX_SECONDS * SB_DEMO_SPEECH_RATE;
  snprintf(u->label, sizeof u->label, "%s", label);
  u->speaker = speaker;
  c->n++;
  return SB_OK;
}

/* Runs argv (no shell, no time limit); 1 on exit status 0. */
static int run_program(const char *const argv[])
{
  sb_subprocess_result res;
  /* The argv strings are not modified (execvp takes char *const[]). */
  return sb_subprocess_run((char *const *)argv, NULL, 0, NULL, &res, NULL) == SB_OK && res.exited &&
         res.exit_status == 0;
}

/* Renders text with espeak-ng or flite into a temporary file and adds it;
 * a missing program is skipped silently (returns SB_OK, adds nothing). */
static sb_err add_synth(corpus *c, const char *dir, const char *label, int speaker, int use_flite, const char *voice,
                        const char *text, sb_msg *msg)
{
  char file[64], *tmp = NULL;
  sb_err err;
  int ok;
  snprintf(file, sizeof file, ".synth-%d.wav", c->n);
  err = sb_path_join(dir, file, &tmp);
  if (err)
    return err;
  if (use_flite) {
    const char *argv[] = {"flite", "-voice", voice, "-t", text, "-o", tmp, NULL};
    ok = run_program(argv);
  } else {
    const char *argv[] = {"espeak-ng", "-v", voice, "-s", "150", "-w", tmp, text, NULL};
    ok = run_program(argv);
  }
  if (ok) {
    const char *files[1] = {file};
    err = add_recorded(c, label, speaker, dir, files, 1, msg);
  }
  remove(tmp);
  free(tmp);
  return err;
}

/* The corpus: recordings always, synthetic voices when available. */
static sb_err build_corpus(corpus *c, const char *dir, const char *data_dir, int synth, sb_msg *msg)
{
  static const char *const clips[5] = {"0870", "0880", "0890", "0920", "0930"};
  static const char *const cards_a[3] = {"cards/001.wav", "cards/002.wav", "cards/003.wav"};
  static const char *const cards_b[2] = {"cards/004.wav", "cards/005.wav"};
  static const struct {
    int flite;
    const char *voice, *label, *text;
  } voices[] = {
    {0, "en-us+m3", "espeak-us-m3", "The harbour lights came on one by one as the ferry slowly turned toward the pier."},
    {0, "en+f3", "espeak-en-f3", "Please write the numbers down before the meeting starts, and keep a copy for me."},
    {0, "en-gb-scotland+m1", "espeak-scot-m1", "A cold wind crossed the valley while the farmers counted their sheep."},
    {1, "slt", "flite-slt", "Seven small boats were tied along the river, waiting for the morning tide."},
    {1, "rms", "flite-rms", "He opened the old wooden box and found a map drawn in faded blue ink."},
    {1, "awb", "flite-awb", "If the train is late again, we will walk the last two miles to the village."},
  };
  char path[4200];
  sb_err err;

  snprintf(path, sizeof path, "%s/librivox/sense_and_sensibility_01_austen_64kb-0870.wav", data_dir);
  if (sb_path_kind_of(path) != SB_PATH_FILE)
    return sb_msg_set(msg, SB_ENOTFOUND, "%s: missing; the demo speech suite needs the Debian package "
                      "pocketsphinx-testdata (apt-get install pocketsphinx-testdata)", path);
  for (int i = 0; i < 5; i++) {
    char file[128], label[32];
    const char *files[1] = {file};
    snprintf(file, sizeof file, "librivox/sense_and_sensibility_01_austen_64kb-%s.wav", clips[i]);
    snprintf(label, sizeof label, "librivox-%s", clips[i]);
    err = add_recorded(c, label, 0, data_dir, files, 1, msg);
    if (err)
      return err;
  }
  err = add_recorded(c, "cards-001-003", 1, data_dir, cards_a, 3, msg);
  if (!err)
    err = add_recorded(c, "cards-004-005", 1, data_dir, cards_b, 2, msg);
  for (size_t v = 0; !err && synth && v < sizeof voices / sizeof voices[0]; v++)
    err = add_synth(c, dir, voices[v].label, 2 + (int)v, voices[v].flite, voices[v].voice, voices[v].text, msg);
  return err;
}

/* y[0 .. n + m - 1) = x * h by FFT. */
static sb_err convolve(const double *x, int64_t n, const double *h, int64_t m, double *y)
{
  int64_t len = n + m - 1, size = 1;
  double *a, *b;
  fftw_complex *fa, *fb;
  fftw_plan pa = NULL, pb = NULL, pi = NULL;
  sb_err err = SB_OK;

  while (size < len)
    size *= 2;
  a = fftw_alloc_real((size_t)size);
  b = fftw_alloc_real((size_t)size);
  fa = fftw_alloc_complex((size_t)size / 2 + 1);
  fb = fftw_alloc_complex((size_t)size / 2 + 1);
  if (!a || !b || !fa || !fb) {
    err = SB_ENOMEM;
    goto done;
  }
  pa = sb_fftplan_r2c((int)size, a, fa, FFTW_ESTIMATE);
  pb = sb_fftplan_r2c((int)size, b, fb, FFTW_ESTIMATE);
  pi = sb_fftplan_c2r((int)size, fa, a, FFTW_ESTIMATE);
  if (!pa || !pb || !pi) {
    err = SB_ENOMEM;
    goto done;
  }
  memset(a, 0, (size_t)size * sizeof *a);
  memset(b, 0, (size_t)size * sizeof *b);
  memcpy(a, x, (size_t)n * sizeof *a);
  memcpy(b, h, (size_t)m * sizeof *b);
  fftw_execute(pa);
  fftw_execute(pb);
  for (int64_t k = 0; k < size / 2 + 1; k++) {
    double re = fa[k][0] * fb[k][0] - fa[k][1] * fb[k][1];
    double im = fa[k][0] * fb[k][1] + fa[k][1] * fb[k][0];
    fa[k][0] = re / (double)size;
    fa[k][1] = im / (double)size;
  }
  fftw_execute(pi);
  memcpy(y, a, (size_t)len * sizeof *y);
done:
  sb_fftplan_destroy(&pa);
  sb_fftplan_destroy(&pb);
  sb_fftplan_destroy(&pi);
  fftw_free(a);
  fftw_free(b);
  fftw_free(fa);
  fftw_free(fb);
  return err;
}

/* A position at least margin metres from every wall. */
static void draw_position(uint64_t *s, const double size[3], double margin, double out[3])
{
  out[0] = uniform(s, margin, size[0] - margin);
  out[1] = uniform(s, margin, size[1] - margin);
  out[2] = uniform(s, 1.2, 1.8);
}

static double energy(const double *x, int64_t n)
{
  double e = 0;
  for (int64_t i = 0; i < n; i++)
    e += x[i] * x[i];
  return e;
}

/* Writes one PCM_16 file of k / 32768 values through a temporary name. */
static sb_err write_file(const char *dir, const char *name, const double *x, int64_t n, sb_msg *msg)
{
  sb_audio *a = NULL;
  char *path = NULL, *tmp = NULL;
  sb_err err = sb_audio_new(&a, 1, n, SB_DEMO_SPEECH_RATE);
  if (!err)
    err = sb_path_join(dir, name, &path);
  if (!err)
    err = sb_path_temp_sibling(path, &tmp);
  if (!err) {
    memcpy(a->data, x, (size_t)n * sizeof *x);
    err = sb_audio_write(tmp, a, SB_PCM_16, msg);
  }
  if (!err && rename(tmp, path) != 0) {
    remove(tmp);
    err = sb_msg_set(msg, SB_EIO, "%s: cannot rename into place", path);
  }
  free(path);
  free(tmp);
  sb_audio_free(&a);
  return err;
}

/* One mixture: two utterances in a shoebox room, and its mixing levels. */
typedef struct scene {
  const utterance *u[2];
  sb_rir_room room[2];
  double size[3], absorption, rt60, rir_len, mic[3], overlap, sir_db, snr_db;
  int64_t offset; /* start of the second utterance, samples */
  int64_t total;  /* length of the files, samples */
  const char *room_type;
} scene;

/* Draws scene index from rng (the order of the draws fixes the suite). */
static void draw_scene(const corpus *c, uint64_t *rng, scene *sc)
{
  int a, b;
  int64_t shorter;
  double volume;

  for (int i = 0; i < 4; i++)
    next_u64(rng);
  a = (int)(next_u64(rng) % (uint64_t)c->n);
  do
    b = (int)(next_u64(rng) % (uint64_t)c->n);
  while (c->u[b].speaker == c->u[a].speaker);
  sc->u[0] = &c->u[a];
  sc->u[1] = &c->u[b];
  sc->size[0] = uniform(rng, 3, 9);
  sc->size[1] = uniform(rng, 3, 7);
  sc->size[2] = uniform(rng, 2.5, 3.5);
  sc->absorption = uniform(rng, 0.2, 0.7);
  sb_rir_sabine_rt60(sc->size, sc->absorption, &sc->rt60);
  sc->rir_len = fmin(fmax(1.2 * sc->rt60, 0.2), 0.8);
  draw_position(rng, sc->size, 0.5, sc->mic);
  for (int s = 0; s < 2; s++) {
    sc->room[s] = (sb_rir_room){.absorption = sc->absorption, .rate = SB_DEMO_SPEECH_RATE, .length_s = sc->rir_len};
    memcpy(sc->room[s].size, sc->size, sizeof sc->size);
    memcpy(sc->room[s].mic, sc->mic, sizeof sc->mic);
    draw_position(rng, sc->size, 0.5, sc->room[s].src);
  }
  sc->overlap = uniform(rng, 0.3, 1.0);
  sc->sir_db = uniform(rng, -5, 5);
  sc->snr_db = uniform(rng, 10, 30);
  shorter = sc->u[0]->n < sc->u[1]->n ? sc->u[0]->n : sc->u[1]->n;
  sc->offset = sc->u[0]->n - (int64_t)llround(sc->overlap * (double)shorter);
  if (sc->offset < 0)
    sc->offset = 0;
  sc->total = (sc->offset + sc->u[1]->n > sc->u[0]->n ? sc->offset + sc->u[1]->n : sc->u[0]->n) +
              SB_DEMO_SPEECH_RATE / 4;
  volume = sc->size[0] * sc->size[1] * sc->size[2];
  sc->room_type = volume < 40 ? "small" : volume < 100 ? "medium" : "large";
}

/* img[s] (total samples, zeroed) = utterance s reverberated, placed at its
 * offset. */
static sb_err render_images(const scene *sc, double *img[2], sb_msg *msg)
{
  sb_err err = SB_OK;

  for (int s = 0; s < 2 && !err; s++) {
    const utterance *u = sc->u[s];
    const int64_t start = s == 0 ? 0 : sc->offset;
    double *h = NULL, *y = NULL;
    int64_t n_taps = 0, len;
    err = sb_rir_shoebox(&sc->room[s], &h, &n_taps, msg);
    if (err)
      break;
    len = u->n + n_taps - 1;
    y = malloc((size_t)len * sizeof *y);
    err = y ? convolve(u->x, u->n, h, n_taps, y) : SB_ENOMEM;
    for (int64_t i = 0; !err && i < len && start + i < sc->total; i++)
      img[s][start + i] = y[i];
    free(y);
    free(h);
  }
  return err;
}

/* Speaker ratio, noise from rng, one common gain to a 0.8 peak, the PCM_16
 * grid: img and mix (total samples) are changed in place. */
static void level_and_quantise(const scene *sc, uint64_t *rng, double *img[2], double *noise, double *mix)
{
  const int64_t total = sc->total;
  double e0 = energy(img[0], total), e1 = energy(img[1], total), e_sum, e_noise, peak = 0, gain;
  double g1 = sqrt(e0 / e1 * pow(10.0, -sc->sir_db / 10.0));

  for (int64_t i = 0; i < total; i++) {
    img[1][i] *= g1;
    mix[i] = img[0][i] + img[1][i];
  }
  e_sum = energy(mix, total);
  for (int64_t i = 0; i < total; i++)
    noise[i] = gaussian(rng);
  e_noise = energy(noise, total);
  gain = sqrt(e_sum / e_noise * pow(10.0, -sc->snr_db / 10.0));
  for (int64_t i = 0; i < total; i++) {
    noise[i] *= gain;
    mix[i] += noise[i];
    if (fabs(mix[i]) > peak)
      peak = fabs(mix[i]);
    for (int s = 0; s < 2; s++)
      if (fabs(img[s][i]) > peak)
        peak = fabs(img[s][i]);
  }
  gain = 0.8 / peak;
  for (int64_t i = 0; i < total; i++) {
    double q0 = round(img[0][i] * gain * 32768.0), q1 = round(img[1][i] * gain * 32768.0);
    double qn = round(noise[i] * gain * 32768.0);
    img[0][i] = q0 / 32768.0;
    img[1][i] = q1 / 32768.0;
    mix[i] = (q0 + q1 + qn) / 32768.0;
  }
}

/* meta.json of a scene in dir. */
static sb_err write_meta(const scene *sc, const char *dir, sb_msg *msg)
{
  char *meta = NULL, *path = NULL;
  sb_err err = sb_path_printf(
    &meta,
    "{\n  \"rate\": %d,\n  \"n_samples\": %lld,\n"
    "  \"sources\": [\"%s\", \"%s\"],\n"
    "  \"room\": {\"size_m\": [%.3f, %.3f, %.3f], \"absorption\": %.4f, "
    "\"rt60_sabine_s\": %.4f, \"rir_length_s\": %.4f, \"method\": \"image source, "
    "Allen & Berkley 1979\"},\n"
    "  \"mic_m\": [%.3f, %.3f, %.3f],\n"
    "  \"source_m\": [[%.3f, %.3f, %.3f], [%.3f, %.3f, %.3f]],\n"
    "  \"offset_s\": %.4f,\n  \"overlap_ratio\": %.4f,\n  \"sir_db\": %.3f,\n"
    "  \"snr_db\": %.3f,\n  \"noise\": \"white Gaussian\"\n}\n",
    SB_DEMO_SPEECH_RATE, (long long)sc->total, sc->u[0]->label, sc->u[1]->label, sc->size[0], sc->size[1],
    sc->size[2], sc->absorption, sc->rt60, sc->rir_len, sc->mic[0], sc->mic[1], sc->mic[2], sc->room[0].src[0],
    sc->room[0].src[1], sc->room[0].src[2], sc->room[1].src[0], sc->room[1].src[1], sc->room[1].src[2],
    (double)sc->offset / SB_DEMO_SPEECH_RATE, sc->overlap, sc->sir_db, sc->snr_db);

  if (!err)
    err = sb_path_join(dir, "meta.json", &path);
  if (!err)
    err = sb_path_write_atomic(path, meta, strlen(meta), msg);
  free(path);
  free(meta);
  return err;
}

/* Builds and writes mixture index. */
static sb_err make_mixture(const corpus *c, const char *split_dir, int index, int quiet, sb_msg *msg)
{
  uint64_t rng = 0x5eb5eec4ULL + 0x9E3779B97F4A7C15ULL * (uint64_t)(index + 1);
  double *img[2] = {NULL, NULL}, *noise = NULL, *mix = NULL;
  char *dir = NULL;
  scene sc;
  sb_err err;

  draw_scene(c, &rng, &sc);
  img[0] = calloc((size_t)sc.total, sizeof *img[0]);
  img[1] = calloc((size_t)sc.total, sizeof *img[1]);
  noise = calloc((size_t)sc.total, sizeof *noise);
  mix = calloc((size_t)sc.total, sizeof *mix);
  err = img[0] && img[1] && noise && mix ? render_images(&sc, img, msg) : SB_ENOMEM;
  if (err)
    goto done;
  level_and_quantise(&sc, &rng, img, noise, mix);
  err = sb_path_printf(&dir, "%s/scene%02d/%d_%d_%s/%s_%s", split_dir, index, index, 0, sc.room_type, sc.u[0]->label,
                       sc.u[1]->label);
  if (!err)
    err = sb_path_mkdir_p(dir, msg);
  if (!err)
    err = write_file(dir, "spk1_reverb.wav", img[0], sc.total, msg);
  if (!err)
    err = write_file(dir, "spk2_reverb.wav", img[1], sc.total, msg);
  if (!err)
    err = write_file(dir, "mix.wav", mix, sc.total, msg);
  if (!err)
    err = write_meta(&sc, dir, msg);
  if (!err && !quiet)
    fprintf(stderr, "sepbench: demo speech %d/%d: %s + %s, RT60 %.2f s, overlap %.0f%%, SNR %.1f dB\n", index + 1,
            SB_DEMO_SPEECH_N_MIXTURES, sc.u[0]->label, sc.u[1]->label, sc.rt60, 100 * sc.overlap, sc.snr_db);
done:
  free(img[0]);
  free(img[1]);
  free(noise);
  free(mix);
  free(dir);
  return err;
}

sb_err sb_demo_speech_generate(const char *dir, const char *data_dir, int synth, int quiet, sb_msg *msg)
{
  corpus c = {0};
  char *split_dir = NULL;
  sb_err err = sb_path_mkdir_p(dir, msg);

  if (!err)
    err = build_corpus(&c, dir, data_dir ? data_dir : SB_POCKETSPHINX_DATA, synth, msg);
  if (!err && synth && c.n < 8 && !quiet)
    fprintf(stderr, "sepbench: espeak-ng/flite not found: the demo speech suite uses the recorded clips only\n");
  if (!err)
    err = sb_path_join(dir, "test", &split_dir);
  for (int i = 0; !err && i < SB_DEMO_SPEECH_N_MIXTURES; i++)
    err = make_mixture(&c, split_dir, i, quiet, msg);
  corpus_clear(&c);
  free(split_dir);
  return err;
}

sb_err sb_demo_speech_ensure(const char *cache_dir, int quiet, char **suite_dir, sb_msg *msg)
{
  char *dir = NULL;
  sb_err err = sb_path_join(cache_dir, "demo-speech", &dir);

  *suite_dir = NULL;
  if (err)
    return err;
  if (!sb_stemset_is_complete(dir, speech_stamp)) {
    if (!quiet)
      fprintf(stderr, "sepbench: generating the demo speech suite into %s (%d mixtures)\n", dir,
              SB_DEMO_SPEECH_N_MIXTURES);
    err = sb_demo_speech_generate(dir, NULL, 1, quiet, msg);
    if (!err)
      err = sb_stemset_mark_complete(dir, speech_stamp, msg);
    if (err) {
      free(dir);
      return err;
    }
  }
  *suite_dir = dir;
  return SB_OK;
}
