/*
 * tests/datasets/test-wav-map.c — datasets/wav_map.c: the mapped samples
 * of 16-bit and float WAV files (plain, WAVE_FORMAT_EXTENSIBLE, with
 * chunks before and between fmt and data, odd-sized chunks and their pad
 * byte) equal libsndfile's decode (k / 32768 and the floats, bit for
 * bit); every other file, a file that holds fewer frames or other
 * channels than expected, a data chunk cut short, no fmt chunk is
 * SB_EUNSUPPORTED; bad arguments SB_EINVAL, a missing file SB_EIO.
 * Seeded (SB_TEST_SEED replays).
 */
#include <config.h>

#include <ftw.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/wav_map.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-wav-map-XXXXXX";

static uint64_t next_random(uint64_t *state)
{
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return *state >> 33;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static const char *tmp_path(char *buf, size_t len, const char *name)
{
  snprintf(buf, len, "%s/%s", tmp_dir, name);
  return buf;
}

/* Writes n_chan x frames random samples in [-1, 1) with libsndfile. */
static int write_sf(const char *path, int format, int n_chan, int64_t frames, uint64_t *state)
{
  SF_INFO info = {.samplerate = 44100, .channels = n_chan, .format = format};
  SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
  double *x = malloc(sizeof(double) * (size_t)(frames * n_chan));
  int ok = sf && x;
  for (int64_t i = 0; ok && i < frames * n_chan; i++)
    x[i] = ((double)next_random(state) / 2147483648.0 - 1.0) * 0.9;
  ok = ok && sf_writef_double(sf, x, frames) == frames;
  if (sf)
    sf_close(sf);
  free(x);
  return ok;
}

/* libsndfile's decode of the whole file (interleaved doubles), or NULL. */
static double *decode(const char *path, int64_t *frames)
{
  SF_INFO info = {0};
  SNDFILE *sf = sf_open(path, SFM_READ, &info);
  double *x = sf ? malloc(sizeof(double) * (size_t)(info.frames * info.channels)) : NULL;
  if (x && sf_readf_double(sf, x, info.frames) != info.frames) {
    free(x);
    x = NULL;
  }
  if (sf)
    sf_close(sf);
  *frames = info.frames;
  return x;
}

/* 1 when the map of path (n_chan, bytes per sample) equals the decode. */
static int map_matches(const char *path, int n_chan, int bytes, const char *label)
{
  int64_t frames = 0;
  double *want = decode(path, &frames);
  sb_wav_map *m = NULL;
  sb_err err = want ? sb_wav_map_open(path, n_chan, frames, bytes, &m) : SB_EIO;
  const void *x = sb_wav_map_samples(m);
  int64_t diff = 0;
  for (int64_t i = 0; x && i < frames * n_chan; i++) {
    double v = bytes == 2 ? (double)((const int16_t *)x)[i] * (1.0 / 32768.0) : (double)((const float *)x)[i];
    diff += memcmp(&v, &want[i], sizeof v) != 0;
  }
  tap_ok(err == SB_OK && x && diff == 0, "%s: mapped, %lld frames equal libsndfile's decode bit for bit (%lld differ)",
         label, (long long)frames, (long long)diff);
  sb_wav_map_free(&m);
  tap_ok(m == NULL, "%s: freed, pointer cleared", label);
  free(want);
  return err == SB_OK;
}

static void test_formats(uint64_t *state)
{
  static const struct {
    int format, n_chan, bytes;
    const char *label;
  } cases[] = {
      {SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2, 2, "16-bit stereo WAV"},
      {SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1, 2, "16-bit mono WAV"},
      {SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, 4, "float stereo WAV"},
      {SF_FORMAT_WAVEX | SF_FORMAT_PCM_16, 2, 2, "16-bit WAVE_FORMAT_EXTENSIBLE"},
      {SF_FORMAT_WAVEX | SF_FORMAT_FLOAT, 3, 4, "float 3-channel WAVE_FORMAT_EXTENSIBLE"},
  };
  char path[512];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char name[32];
    snprintf(name, sizeof name, "ok%zu.wav", i);
    tmp_path(path, sizeof path, name);
    if (!tap_ok(write_sf(path, cases[i].format, cases[i].n_chan, 70001, state), "%s: fixture", cases[i].label))
      continue;
    map_matches(path, cases[i].n_chan, cases[i].bytes, cases[i].label);
  }
}

static void test_unsupported(uint64_t *state)
{
  static const struct {
    int format, bytes;
    const char *label;
  } cases[] = {
      {SF_FORMAT_WAV | SF_FORMAT_PCM_24, 2, "24-bit WAV"},
      {SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 2, "8-bit WAV"},
      {SF_FORMAT_WAV | SF_FORMAT_DOUBLE, 4, "float64 WAV"},
      {SF_FORMAT_WAV | SF_FORMAT_PCM_16 | SF_ENDIAN_BIG, 2, "big-endian RIFX"},
      {SF_FORMAT_AIFF | SF_FORMAT_PCM_16, 2, "16-bit AIFF"},
      {SF_FORMAT_RF64 | SF_FORMAT_PCM_16, 2, "16-bit RF64"},
      {SF_FORMAT_W64 | SF_FORMAT_PCM_16, 2, "16-bit W64"},
      {SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 2, "16-bit FLAC"},
      {SF_FORMAT_WAV | SF_FORMAT_FLOAT, 2, "float WAV read as 16-bit"},
      {SF_FORMAT_WAV | SF_FORMAT_PCM_16, 4, "16-bit WAV read as float"},
  };
  char path[512];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char name[32];
    sb_wav_map *m = NULL;
    sb_err err;
    snprintf(name, sizeof name, "no%zu.%s", i, (cases[i].format & SF_FORMAT_TYPEMASK) == SF_FORMAT_FLAC ? "flac" : "wav");
    tmp_path(path, sizeof path, name);
    if (!tap_ok(write_sf(path, cases[i].format, 2, 5000, state), "%s: fixture", cases[i].label))
      continue;
    err = sb_wav_map_open(path, 2, 5000, cases[i].bytes, &m);
    tap_ok(err == SB_EUNSUPPORTED && m == NULL, "%s: SB_EUNSUPPORTED, no map (%s)", cases[i].label, sb_strerror(err));
  }
  /* A 16-bit stereo WAV read with other expectations. */
  tmp_path(path, sizeof path, "shape.wav");
  if (tap_ok(write_sf(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 2, 5000, state), "shape fixture")) {
    sb_wav_map *m = NULL;
    tap_ok(sb_wav_map_open(path, 1, 5000, 2, &m) == SB_EUNSUPPORTED, "expected mono, the file is stereo: SB_EUNSUPPORTED");
    tap_ok(sb_wav_map_open(path, 2, 5001, 2, &m) == SB_EUNSUPPORTED, "one frame more than the data chunk: SB_EUNSUPPORTED");
    tap_ok(sb_wav_map_open(path, 2, 4999, 2, &m) == SB_OK && m, "fewer frames than the data chunk holds: mapped");
    sb_wav_map_free(&m);
  }
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
  return p + 4;
}

static unsigned char *put16(unsigned char *p, unsigned v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  return p + 2;
}

static unsigned char *put_chunk(unsigned char *p, const char *id, uint32_t size)
{
  memcpy(p, id, 4);
  return put32(p + 4, size);
}

/* A 16-bit stereo WAV written by hand: a 3-byte "junk" chunk (and its pad
 * byte) before fmt, a 5-byte LIST chunk between fmt and data when
 * odd_list, then frames frames of data (data_size bytes declared). */
static size_t craft(unsigned char *buf, int odd_list, uint32_t frames, uint32_t data_size, int tag)
{
  unsigned char *p = buf + 12;
  p = put_chunk(p, "junk", 3);
  memcpy(p, "abc", 3);
  p += 4;
  p = put_chunk(p, "fmt ", 16);
  p = put16(p, (unsigned)tag);
  p = put16(p, 2);
  p = put32(p, 44100);
  p = put32(p, 44100 * 4);
  p = put16(p, 4);
  p = put16(p, 16);
  if (odd_list) {
    p = put_chunk(p, "LIST", 5);
    memcpy(p, "INFOx", 5);
    p += 6;
  }
  p = put_chunk(p, "data", data_size);
  for (uint32_t i = 0; i < 2 * frames; i++)
    p = put16(p, (unsigned)(uint16_t)(int16_t)((int)(i * 37u % 65536u) - 32768));
  memcpy(buf, "RIFF", 4);
  put32(buf + 4, (uint32_t)(p - buf - 8));
  memcpy(buf + 8, "WAVE", 4);
  return (size_t)(p - buf);
}

static int write_bytes(const char *path, const unsigned char *b, size_t n)
{
  FILE *f = fopen(path, "wb");
  int ok = f && fwrite(b, 1, n, f) == n;
  if (f)
    ok = fclose(f) == 0 && ok;
  return ok;
}

static void test_crafted(void)
{
  enum { FRAMES = 3000 };
  static unsigned char buf[64 + 4 * FRAMES + 64];
  char path[512];
  sb_wav_map *m = NULL;
  size_t n = craft(buf, 1, FRAMES, 4 * FRAMES, 1);
  tmp_path(path, sizeof path, "crafted.wav");
  if (tap_ok(write_bytes(path, buf, n), "crafted WAV fixture"))
    map_matches(path, 2, 2, "hand-written WAV with junk and odd LIST chunks (pad bytes)");
  /* The data chunk declares more than the file holds (cut short). */
  n = craft(buf, 1, FRAMES, 4 * FRAMES, 1);
  tmp_path(path, sizeof path, "cut.wav");
  write_bytes(path, buf, n - 4);
  tap_ok(sb_wav_map_open(path, 2, FRAMES, 2, &m) == SB_EUNSUPPORTED && !m, "data cut short of the frames: SB_EUNSUPPORTED");
  /* The data chunk declares fewer frames than expected. */
  n = craft(buf, 1, FRAMES, 4 * FRAMES - 4, 1);
  tmp_path(path, sizeof path, "short.wav");
  write_bytes(path, buf, n);
  tap_ok(sb_wav_map_open(path, 2, FRAMES, 2, &m) == SB_EUNSUPPORTED && !m, "data chunk smaller than the frames: SB_EUNSUPPORTED");
  /* A format tag that is neither PCM nor float. */
  n = craft(buf, 0, FRAMES, 4 * FRAMES, 6);
  tmp_path(path, sizeof path, "alaw.wav");
  write_bytes(path, buf, n);
  tap_ok(sb_wav_map_open(path, 2, FRAMES, 2, &m) == SB_EUNSUPPORTED && !m, "format tag 6 (A-law): SB_EUNSUPPORTED");
  /* No fmt chunk before data. */
  memcpy(buf + 12 + 12, "fmX ", 4);
  tmp_path(path, sizeof path, "nofmt.wav");
  write_bytes(path, buf, n);
  tap_ok(sb_wav_map_open(path, 2, FRAMES, 2, &m) == SB_EUNSUPPORTED && !m, "no fmt chunk: SB_EUNSUPPORTED");
  /* Not RIFF, and empty. */
  tmp_path(path, sizeof path, "text.wav");
  write_bytes(path, (const unsigned char *)"hello, this is not a WAV file", 29);
  tap_ok(sb_wav_map_open(path, 2, 1, 2, &m) == SB_EUNSUPPORTED && !m, "a text file: SB_EUNSUPPORTED");
  tmp_path(path, sizeof path, "empty.wav");
  write_bytes(path, buf, 0);
  tap_ok(sb_wav_map_open(path, 2, 1, 2, &m) == SB_EUNSUPPORTED && !m, "an empty file: SB_EUNSUPPORTED");
}

static void test_bad_arguments(void)
{
  char path[512];
  sb_wav_map *m = (sb_wav_map *)1;
  tmp_path(path, sizeof path, "ok0.wav");
  tap_ok(sb_wav_map_open(path, 2, 10, 2, NULL) == SB_EINVAL, "no output pointer: SB_EINVAL");
  tap_ok(sb_wav_map_open(NULL, 2, 10, 2, &m) == SB_EINVAL && m == NULL, "no path: SB_EINVAL, *out cleared");
  tap_ok(sb_wav_map_open(path, 0, 10, 2, &m) == SB_EINVAL, "0 channels: SB_EINVAL");
  tap_ok(sb_wav_map_open(path, 2, 0, 2, &m) == SB_EINVAL, "0 frames: SB_EINVAL");
  tap_ok(sb_wav_map_open(path, 2, 10, 3, &m) == SB_EINVAL, "3 bytes per sample: SB_EINVAL");
  tmp_path(path, sizeof path, "missing.wav");
  tap_ok(sb_wav_map_open(path, 2, 10, 2, &m) == SB_EIO && m == NULL, "a missing file: SB_EIO");
  tap_ok(sb_wav_map_samples(NULL) == NULL, "no map: no samples");
  sb_wav_map_free(NULL);
  sb_wav_map_free(&m);
  tap_ok(m == NULL, "freeing NULL and *m == NULL is harmless");
}

int main(void)
{
  uint64_t state = 20261207;
  const char *env = getenv("SB_TEST_SEED");
  if (env)
    state = strtoull(env, NULL, 10);
  tap_diag("seed %llu (replay: SB_TEST_SEED=%llu)", (unsigned long long)state, (unsigned long long)state);
  if (!mkdtemp(tmp_dir)) {
    tap_ok(0, "temporary directory");
    return tap_done();
  }
  test_formats(&state);
  test_unsupported(&state);
  test_crafted();
  test_bad_arguments();
  nftw(tmp_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  return tap_done();
}
