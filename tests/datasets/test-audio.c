/*
 * tests/datasets/test-audio.c — datasets/audio.c: file round trips in every
 * sample format, channel order against hand-built WAV bytes, libsoxr
 * resampling (length, amplitude, frequency), bad files (missing, not audio,
 * empty, truncated), NaN/Inf detection and pad/truncate.
 *
 * Expected values are hand-derived: integer PCM decodes as k / 2^(bits-1);
 * a resampled sine keeps its amplitude and frequency (checked by a least-
 * squares fit of sin/cos at the original frequency); output lengths are
 * round(n * out_rate / in_rate).
 */
#include <config.h>

#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/audio.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-audio-XXXXXX";
static const uint64_t seed = 20240611;

static uint64_t next_random(uint64_t *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static const char *tmp_path(char *buf, size_t len, const char *name)
{
  snprintf(buf, len, "%s/%s", tmp_dir, name);
  return buf;
}

static int same_audio(const sb_audio *a, const sb_audio *b)
{
  if (a->n_chan != b->n_chan || a->n_samples != b->n_samples || a->rate != b->rate)
    return 0;
  return memcmp(a->data, b->data, (size_t)a->n_chan * (size_t)a->n_samples * sizeof(double)) == 0;
}

/* A stereo buffer of random multiples of 2^-(bits-1), including both
 * extremes. */
static sb_audio *random_pcm(int bits, int64_t n_samples, uint64_t *state)
{
  sb_audio *a = NULL;
  double scale = ldexp(1.0, bits - 1);
  if (sb_audio_new(&a, 2, n_samples, 44100) != SB_OK)
    return NULL;
  for (int64_t i = 0; i < 2 * n_samples; i++) {
    int64_t k = (int64_t)(next_random(state) % (uint64_t)(2 * scale)) - (int64_t)scale;
    a->data[i] = (double)k / scale;
  }
  a->data[0] = -1.0;
  a->data[1] = (scale - 1) / scale;
  return a;
}

static void test_round_trips(uint64_t *state)
{
  static const struct {
    const char *file;
    sb_sample_format fmt;
    int bits;
  } cases[] = {
    {"pcm16.wav", SB_PCM_16, 16}, {"pcm24.wav", SB_PCM_24, 24}, {"float.wav", SB_FLOAT32, 24},
    {"double.wav", SB_FLOAT64, 52}, {"pcm16.flac", SB_PCM_16, 16}, {"pcm24.flac", SB_PCM_24, 24},
  };
  char path[512];
  sb_msg msg;

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sb_audio *a = random_pcm(cases[i].bits, 10007, state), *b = NULL;
    sb_err err = sb_audio_write(tmp_path(path, sizeof path, cases[i].file), a, cases[i].fmt, &msg);
    tap_ok(err == SB_OK, "write %s (%s)", cases[i].file, err ? msg.text : "ok");
    err = sb_audio_read(path, &b, &msg);
    tap_ok(err == SB_OK, "read %s back (%s)", cases[i].file, err ? msg.text : "ok");
    tap_ok(b && same_audio(a, b), "%s: samples, channels, length and rate survive exactly", cases[i].file);
    sb_audio_free(&a);
    sb_audio_free(&b);
  }
}

/* Channel order: a WAV built byte by byte with L = 600 * i, R = -7 * i. */
static void test_channel_order(void)
{
  unsigned char wav[44 + 4 * 50];
  char path[512];
  sb_audio *a = NULL;
  sb_msg msg;
  FILE *f;
  int ok = 1;
  const unsigned char header[36] = {'R', 'I', 'F', 'F', 36 + 200, 0, 0, 0, 'W', 'A', 'V', 'E',
                                    'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 2, 0,
                                    0x44, 0xAC, 0, 0, 0x10, 0xB1, 0x02, 0, 4, 0, 16, 0};

  memcpy(wav, header, sizeof header);
  memcpy(wav + 36, "data", 4);
  wav[40] = 200;
  wav[41] = wav[42] = wav[43] = 0;
  for (int i = 0; i < 50; i++) {
    int16_t l = (int16_t)(600 * i), r = (int16_t)(-7 * i);
    wav[44 + 4 * i] = (unsigned char)(l & 0xFF);
    wav[45 + 4 * i] = (unsigned char)((uint16_t)l >> 8);
    wav[46 + 4 * i] = (unsigned char)(r & 0xFF);
    wav[47 + 4 * i] = (unsigned char)((uint16_t)r >> 8);
  }
  f = fopen(tmp_path(path, sizeof path, "order.wav"), "wb");
  fwrite(wav, 1, sizeof wav, f);
  fclose(f);
  tap_ok(sb_audio_read(path, &a, &msg) == SB_OK, "hand-built stereo WAV reads");
  tap_ok(a && a->n_chan == 2 && a->n_samples == 50 && a->rate == 44100, "2 channels, 50 frames, 44100 Hz");
  for (int i = 0; a && i < 50; i++)
    ok &= sb_audio_chan(a, 0)[i] == 600.0 * i / 32768.0 && sb_audio_chan(a, 1)[i] == -7.0 * i / 32768.0;
  tap_ok(a && ok, "interleaved L,R frames de-interleave to channel 0 = L, channel 1 = R");

  /* ...and writing interleaves them back into the same bytes. */
  if (a)
    tap_ok(sb_audio_write(tmp_path(path, sizeof path, "order2.wav"), a, SB_PCM_16, &msg) == SB_OK,
           "rewrite as PCM_16");
  f = fopen(path, "rb");
  unsigned char back[sizeof wav];
  size_t got = f ? fread(back, 1, sizeof back, f) : 0;
  if (f)
    fclose(f);
  tap_ok(got == sizeof wav && memcmp(back + 44, wav + 44, 200) == 0, "written sample bytes equal the hand-built ones");
  sb_audio_free(&a);
}

/* Amplitude of the best fit a sin + b cos at freq over [first, last). */
static double fit_amplitude(const double *x, int64_t first, int64_t last, double freq, int rate, double *resid)
{
  double ss = 0, cc = 0, sc = 0, xs = 0, xc = 0, xx = 0;
  for (int64_t i = first; i < last; i++) {
    double s = sin(2 * M_PI * freq * i / rate), c = cos(2 * M_PI * freq * i / rate);
    ss += s * s;
    cc += c * c;
    sc += s * c;
    xs += x[i] * s;
    xc += x[i] * c;
    xx += x[i] * x[i];
  }
  double det = ss * cc - sc * sc, a = (xs * cc - xc * sc) / det, b = (xc * ss - xs * sc) / det;
  *resid = (xx - a * xs - b * xc) / xx;
  return sqrt(a * a + b * b);
}

static void test_resample(void)
{
  sb_audio *a = NULL, *r = NULL;
  sb_msg msg;
  double resid, amp;

  sb_audio_new(&a, 2, 44100, 44100);
  for (int64_t i = 0; i < 44100; i++) {
    sb_audio_chan(a, 0)[i] = 0.5 * sin(2 * M_PI * 1000.0 * i / 44100);
    sb_audio_chan(a, 1)[i] = 0.25 * sin(2 * M_PI * 3000.0 * i / 44100);
  }
  tap_ok(sb_audio_resample(a, 16000, &r, &msg) == SB_OK, "resample 44.1 kHz -> 16 kHz");
  tap_ok(r && r->n_samples == 16000 && r->rate == 16000 && r->n_chan == 2, "1 s gives 16000 frames at 16 kHz");
  amp = fit_amplitude(sb_audio_chan(r, 0), 1000, 15000, 1000.0, 16000, &resid);
  tap_near(amp, 0.5, 1e-3, "1 kHz sine keeps amplitude 0.5 (channel 0)");
  /* Regression pin of the current implementation (libsoxr VHQ). */
  tap_pin(amp, "1 kHz amplitude");
  tap_ok(resid < 1e-6, "1 kHz sine keeps its frequency (fit residual %.3g < 1e-6)", resid);
  amp = fit_amplitude(sb_audio_chan(r, 1), 1000, 15000, 3000.0, 16000, &resid);
  tap_near(amp, 0.25, 1e-3, "3 kHz sine keeps amplitude 0.25 (channel 1)");
  tap_ok(resid < 1e-6, "3 kHz sine keeps its frequency (fit residual %.3g < 1e-6)", resid);
  sb_audio_free(&r);

  /* Lengths: round(n * out / in). */
  sb_audio_fit_length(a, 1000);
  tap_ok(sb_audio_resample(a, 16000, &r, &msg) == SB_OK && r->n_samples == 363,
         "1000 frames 44.1k -> 16k: round(362.81) = 363");
  sb_audio_free(&r);
  sb_audio_fit_length(a, 16000);
  a->rate = 16000;
  tap_ok(sb_audio_resample(a, 44100, &r, &msg) == SB_OK && r->n_samples == 44100, "16000 frames 16k -> 44.1k: 44100");
  sb_audio_free(&r);
  tap_ok(sb_audio_resample(a, 16000, &r, &msg) == SB_OK && same_audio(a, r), "same rate gives an exact copy");
  sb_audio_free(&r);
  tap_ok(sb_audio_resample(a, 0, &r, &msg) == SB_EINVAL && r == NULL, "rate 0 is SB_EINVAL");
  sb_audio_free(&a);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
  FILE *f = fopen(path, "wb");
  if (len)
    fwrite(data, 1, len, f);
  fclose(f);
}

static void test_bad_files(void)
{
  char path[512];
  sb_audio *a = NULL, *good = NULL;
  sb_msg msg;
  sb_err err;
  FILE *f;

  err = sb_audio_read(tmp_path(path, sizeof path, "no such file.wav"), &a, &msg);
  tap_ok(err == SB_EIO && a == NULL, "missing file is SB_EIO");
  tap_ok(strstr(msg.text, path) != NULL && strstr(msg.text, "No such file") != NULL, "message names it: %s", msg.text);

  err = sb_audio_read(tmp_dir, &a, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "directory") != NULL, "a directory is SB_EIO: %s", msg.text);

  write_bytes(tmp_path(path, sizeof path, "notes.wav"), "this is a text file, not a RIFF WAVE\n", 37);
  err = sb_audio_read(path, &a, &msg);
  tap_ok(err == SB_EFORMAT && a == NULL, "text file named .wav is SB_EFORMAT");
  tap_ok(strstr(msg.text, path) != NULL && strstr(msg.text, "not an audio file") != NULL, "message: %s", msg.text);

  write_bytes(tmp_path(path, sizeof path, "zero.wav"), "", 0);
  err = sb_audio_read(path, &a, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "empty") != NULL, "0-byte file is SB_EFORMAT: %s", msg.text);

  sb_audio_new(&good, 2, 0, 44100);
  tap_ok(sb_audio_write(tmp_path(path, sizeof path, "empty.wav"), good, SB_PCM_16, &msg) == SB_OK,
         "a WAV with 0 frames can be written");
  sb_audio_free(&good);
  err = sb_audio_read(path, &a, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "0 frames") != NULL && strstr(msg.text, path) != NULL,
         "empty WAV (header only) is SB_EFORMAT: %s", msg.text);

  /* Truncated: a valid 1000-frame stereo PCM_16 WAV chopped after 100 frames. */
  sb_audio_new(&good, 2, 1000, 44100);
  for (int64_t i = 0; i < 2000; i++)
    good->data[i] = 0.25;
  sb_audio_write(tmp_path(path, sizeof path, "chopped.wav"), good, SB_PCM_16, &msg);
  tap_ok(truncate(path, 44 + 400) == 0, "chop the file after 100 frames");
  err = sb_audio_read(path, &a, &msg);
  tap_ok(err == SB_EFORMAT && a == NULL, "truncated WAV is SB_EFORMAT");
  tap_ok(strstr(msg.text, "truncated") != NULL && strstr(msg.text, "4000") != NULL && strstr(msg.text, "400") != NULL,
         "message gives declared and present sizes: %s", msg.text);

  /* Only the header of that file: its data chunk declares 4000 bytes and
   * none follow.  Truncated, not "empty"; through sb_audio_probe too (the
   * streamed reader's open). */
  sb_audio_write(tmp_path(path, sizeof path, "header-only.wav"), good, SB_PCM_16, &msg);
  tap_ok(truncate(path, 44) == 0, "cut the file after its 44-byte header");
  sb_msg_clear(&msg);
  err = sb_audio_read(path, &a, &msg);
  tap_ok(err == SB_EFORMAT && a == NULL && strstr(msg.text, "truncated WAV file") && strstr(msg.text, "4000 bytes") &&
             strstr(msg.text, "only 0 follow") && !strstr(msg.text, "empty"),
         "a header-only WAV is truncated, not empty: %s", msg.text);
  {
    sb_audio_header h;
    sb_msg_clear(&msg);
    err = sb_audio_probe(path, &h, &msg);
    tap_ok(err == SB_EFORMAT && strstr(msg.text, "truncated WAV file"), "probing it says the same: %s", msg.text);
  }

  /* A LIST chunk after the data whose INFO sub-chunk claims more than the
   * file holds (a fuzz finding: libsndfile 1.2.0 spent minutes in sf_open
   * on such a header); the same file with a sub-chunk that fits reads. */
  {
    static const unsigned char head[] = {'R', 'I', 'F', 'F', 68, 0, 0, 0, 'W', 'A', 'V', 'E',
                                         'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1F, 0, 0,
                                         0x80, 0x3E, 0, 0, 2, 0, 16, 0, 'd', 'a', 't', 'a', 8, 0, 0, 0,
                                         1, 0, 2, 0, 3, 0, 4, 0, 'L', 'I', 'S', 'T', 16, 0, 0, 0,
                                         'I', 'N', 'F', 'O', 'I', 'S', 'F', 'T', 4, 0, 0, 0, 'a', 'b', 'c', 0};
    unsigned char bytes[sizeof head];
    memcpy(bytes, head, sizeof bytes);
    write_bytes(tmp_path(path, sizeof path, "list-ok.wav"), bytes, sizeof bytes);
    sb_msg_clear(&msg);
    err = sb_audio_read(path, &a, &msg);
    tap_ok(err == SB_OK && a && a->n_samples == 4, "a WAV with a LIST chunk after its data reads (%s)",
           err ? msg.text : "4 frames");
    sb_audio_free(&a);
    bytes[sizeof bytes - 8] = 0xF7;
    bytes[sizeof bytes - 7] = 0xFF;
    bytes[sizeof bytes - 6] = 0xFF;
    bytes[sizeof bytes - 5] = 0xFF;
    write_bytes(tmp_path(path, sizeof path, "list-bad.wav"), bytes, sizeof bytes);
    sb_msg_clear(&msg);
    err = sb_audio_read(path, &a, &msg);
    tap_ok(err == SB_EFORMAT && a == NULL && strstr(msg.text, "list-bad.wav: malformed WAV file: the LIST chunk at byte "
                                                   "52 holds a sub-chunk of 4294967287 bytes, past the end of the file (76 bytes)"),
           "a LIST sub-chunk reaching past the end of the file is refused before libsndfile reads it: %s", msg.text);
  }

  /* Truncated the other way: the header patched to declare more data. */
  sb_audio_write(tmp_path(path, sizeof path, "patched.wav"), good, SB_PCM_16, &msg);
  f = fopen(path, "r+b");
  fseek(f, 40, SEEK_SET);
  fputc(0x00, f);
  fputc(0x20, f); /* data size 0x2000 = 8192 > 4000 present */
  fclose(f);
  err = sb_audio_read(path, &a, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "truncated") != NULL && strstr(msg.text, "8192") != NULL,
         "data chunk larger than the file is SB_EFORMAT: %s", msg.text);

  /* A FLAC whose STREAMINFO declares 2^35 - 1 frames but holds 1000: a
   * header alone must not size the buffer (it would be 550 GB). */
  sb_audio_write(tmp_path(path, sizeof path, "claims.flac"), good, SB_PCM_16, &msg);
  f = fopen(path, "r+b");
  fseek(f, 21, SEEK_SET);
  {
    int rate_bits = fgetc(f);
    fseek(f, 21, SEEK_SET);
    fputc((rate_bits & 0xF0) | 0x07, f);
    for (int i = 0; i < 4; i++)
      fputc(0xFF, f);
  }
  fclose(f);
  err = sb_audio_read(path, &a, &msg);
  tap_ok(err == SB_EFORMAT && a == NULL && strstr(msg.text, "34359738367") != NULL && strstr(msg.text, "1000"),
         "a FLAC declaring 2^35 - 1 frames and holding 1000 is SB_EFORMAT, not out of memory: %s", msg.text);

  /* The untouched file still reads. */
  sb_audio_write(tmp_path(path, sizeof path, "whole.wav"), good, SB_PCM_16, &msg);
  tap_ok(sb_audio_read(path, &a, &msg) == SB_OK && a->n_samples == 1000, "the intact file reads 1000 frames");
  sb_audio_free(&a);

  err = sb_audio_write(tmp_path(path, sizeof path, "float.flac"), good, SB_FLOAT32, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "FLAC") != NULL, "float FLAC is SB_EINVAL: %s", msg.text);
  err = sb_audio_write(tmp_path(path, sizeof path, "x.xyz"), good, SB_PCM_16, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, ".xyz") != NULL, "unknown extension is SB_EINVAL: %s", msg.text);
  err = sb_audio_write(tmp_path(path, sizeof path, "no/such/dir/x.wav"), good, SB_PCM_16, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "no/such/dir") != NULL, "unwritable path is SB_EIO: %s", msg.text);
  sb_audio_free(&good);
}

static void test_lossy(void)
{
  char path[512];
  sb_audio *a = NULL, *b = NULL;
  sb_msg msg;
  double resid;

  sb_audio_new(&a, 1, 44100, 44100);
  for (int64_t i = 0; i < 44100; i++)
    a->data[i] = 0.5 * sin(2 * M_PI * 440.0 * i / 44100);
  tap_ok(sb_audio_write(tmp_path(path, sizeof path, "sine.ogg"), a, SB_FLOAT32, &msg) == SB_OK, "write OGG/Vorbis");
  tap_ok(sb_audio_read(path, &b, &msg) == SB_OK && b->n_samples == 44100 && b->n_chan == 1 && b->rate == 44100,
         "OGG reads back 44100 mono frames at 44.1 kHz");
  if (b)
    tap_near(fit_amplitude(b->data, 4410, 39690, 440.0, 44100, &resid), 0.5, 0.02, "OGG keeps the 440 Hz amplitude");
  sb_audio_free(&b);
  tap_ok(sb_audio_write(tmp_path(path, sizeof path, "sine.mp3"), a, SB_PCM_16, &msg) == SB_OK, "write MP3");
  tap_ok(sb_audio_read(path, &b, &msg) == SB_OK && llabs(b->n_samples - 44100) <= 1152 && b->rate == 44100,
         "MP3 reads back ~44100 frames at 44.1 kHz");
  if (b)
    tap_near(fit_amplitude(b->data, 4410, 39690, 440.0, 44100, &resid), 0.5, 0.02, "MP3 keeps the 440 Hz amplitude");
  sb_audio_free(&b);
  sb_audio_free(&a);
}

static void test_finite_and_length(void)
{
  sb_audio *a = NULL;
  sb_msg msg;

  tap_ok(sb_audio_new(&a, 0, 10, 44100) == SB_EINVAL && a == NULL, "0 channels is SB_EINVAL");
  tap_ok(sb_audio_new(&a, 1, -1, 44100) == SB_EINVAL && a == NULL, "negative length is SB_EINVAL");
  tap_ok(sb_audio_new(&a, 1, 10, 0) == SB_EINVAL && a == NULL, "rate 0 is SB_EINVAL");

  sb_audio_new(&a, 2, 3, 44100);
  double init[6] = {1, 2, 3, 4, 5, 6};
  memcpy(a->data, init, sizeof init);
  tap_ok(sb_audio_check_finite(a, "est/vocals.wav", &msg) == SB_OK, "finite buffer passes");
  a->data[4] = NAN;
  tap_ok(sb_audio_check_finite(a, "est/vocals.wav", &msg) == SB_ENONFINITE, "NaN is SB_ENONFINITE");
  tap_ok(strcmp(msg.text, "est/vocals.wav: NaN at channel 1, sample 1") == 0, "message names the sample: %s", msg.text);
  a->data[4] = 5;
  a->data[2] = -INFINITY;
  tap_ok(sb_audio_check_finite(a, "x", &msg) == SB_ENONFINITE &&
             strcmp(msg.text, "x: -Inf at channel 0, sample 2") == 0,
         "-Inf is found: %s", msg.text);
  a->data[2] = 3;

  tap_ok(sb_audio_fit_length(a, 5) == SB_OK && a->n_samples == 5, "pad to 5 frames");
  double padded[10] = {1, 2, 3, 0, 0, 4, 5, 6, 0, 0};
  tap_ok(memcmp(a->data, padded, sizeof padded) == 0, "padding appends zeros to each channel");
  tap_ok(sb_audio_fit_length(a, 2) == SB_OK && a->n_samples == 2, "truncate to 2 frames");
  double cut[4] = {1, 2, 4, 5};
  tap_ok(memcmp(a->data, cut, sizeof cut) == 0, "truncation keeps each channel's head");
  tap_ok(sb_audio_fit_length(a, -1) == SB_EINVAL && a->n_samples == 2, "negative length is SB_EINVAL");
  tap_ok(sb_audio_fit_length(a, 0) == SB_OK && a->n_samples == 0, "truncate to 0 frames");
  tap_ok(sb_audio_fit_length(a, 3) == SB_OK && a->data[0] == 0 && a->data[5] == 0, "pad from 0 frames gives zeros");
  sb_audio_free(&a);
  sb_audio_free(&a);
  tap_ok(a == NULL, "free NULLs the pointer and accepts NULL");
}

int main(void)
{
  tap_pins_load("datasets/test-audio.pins");
  uint64_t state = seed;

  state = tap_seed(seed);
  if (!mkdtemp(tmp_dir)) {
    tap_ok(0, "create a temporary directory");
    return tap_done();
  }
  test_round_trips(&state);
  test_channel_order();
  test_resample();
  test_bad_files();
  test_lossy();
  test_finite_and_length();
  nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return tap_done();
}
