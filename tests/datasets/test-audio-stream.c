/*
 * tests/datasets/test-audio-stream.c — datasets/audio_stream.c: streamed
 * reads equal the written samples and sb_audio_read's whole-file decode
 * bit for bit (16-bit and float32 WAV, FLAC; stereo and mono), from two
 * threads at random positions, across block boundaries and the file end,
 * with more threads than at creation and from nested teams; estimates
 * padded with zeros or truncated; the reference vectors' FLAC files with
 * their documented lengths; every bad input (missing file, directory, text
 * file named .wav, wrong rate or channels, references of different
 * lengths, mixture of another length, truncated WAV and FLAC, NaN sample,
 * OGG, MP3 and .stem.mp4 refused, out-of-range reads).
 *
 * Expected values are independent of the module: integer PCM stores
 * multiples of 2^-15 and float32 WAV stores float32 values, which read back
 * exactly (audio.h), so every streamed sample must equal the generated
 * value; lengths of the reference-vector files come from their
 * expected.json ("nsamples"), which the peers' tools wrote.
 */
#include <config.h>

#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "datasets/audio.h"
#include "datasets/audio_stream.h"
#include "tap.h"

/* The module's block length (frames); positions around multiples of it
 * exercise the block boundaries. */
#define BLOCK ((int64_t)1 << 16)

static char tmp_dir[] = "/tmp/sb-test-audio-stream-XXXXXX";
static const uint64_t seed = 20240917;

static uint64_t next_random(uint64_t *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 7;
  *state ^= *state << 17;
  return *state;
}

static int64_t random_below(uint64_t *state, int64_t n)
{
  return (int64_t)(next_random(state) % (uint64_t)n);
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

/* Random samples that survive fmt exactly: multiples of 2^-15 for 16-bit,
 * of 2^-23 for 24-bit, float32 values for SB_FLOAT32, float64 values
 * (52 bits of mantissa) for SB_FLOAT64. */
static sb_audio *random_audio(int n_chan, int64_t n_samples, int rate, sb_sample_format fmt, uint64_t *state)
{
  sb_audio *a = NULL;
  if (sb_audio_new(&a, n_chan, n_samples, rate) != SB_OK)
    return NULL;
  for (int64_t i = 0; i < (int64_t)n_chan * n_samples; i++) {
    if (fmt == SB_PCM_16)
      a->data[i] = (double)(random_below(state, 65536) - 32768) / 32768.0;
    else if (fmt == SB_PCM_24)
      a->data[i] = (double)(random_below(state, 1 << 24) - (1 << 23)) / (1 << 23);
    else if (fmt == SB_FLOAT64) /* a float64 value no float32 holds */
      a->data[i] = (double)random_below(state, (int64_t)1 << 52) / ((int64_t)1 << 52) - 0.5;
    else
      a->data[i] = (double)(float)((double)random_below(state, 1 << 24) / (1 << 23) - 1.0);
  }
  return a;
}

static sb_audio *write_random(const char *path, int n_chan, int64_t n_samples, int rate, sb_sample_format fmt,
                              uint64_t *state)
{
  sb_audio *a = random_audio(n_chan, n_samples, rate, fmt, state);
  sb_msg msg;
  if (a && sb_audio_write(path, a, fmt, &msg) != SB_OK) {
    tap_diag("cannot write %s: %s", path, msg.text);
    sb_audio_free(&a);
  }
  return a;
}

/* One requested piece. */
typedef struct piece {
  int sig, c;
  int64_t t0, n;
} piece;

/* Reads every piece through the view from the current team of threads and
 * counts the samples that differ from want[sig] (zeros beyond want's
 * length) and the failed reads. */
static void read_pieces(const sb_sources *view, const piece *pieces, int n_pieces, sb_audio *const *want,
                        int64_t *n_diff, int64_t *n_fail)
{
  int64_t diff = 0, fail = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) reduction(+:diff, fail)
#endif
  for (int p = 0; p < n_pieces; p++) {
    const piece *q = &pieces[p];
    double *buf = malloc(sizeof(double) * (size_t)q->n);
    const sb_audio *w = want[q->sig];
    if (!buf || sb_sources_copy(view, q->sig, q->c, q->t0, q->n, buf) != SB_OK) {
      fail++;
      free(buf);
      continue;
    }
    for (int64_t i = 0; i < q->n; i++) {
      int64_t t = q->t0 + i;
      double x = t < w->n_samples ? sb_audio_chan(w, q->c)[t] : 0.0;
      diff += buf[i] != x;
    }
    free(buf);
  }
  *n_diff = diff;
  *n_fail = fail;
}

/* Random pieces plus the awkward ones: across each block boundary, the
 * first and last sample, the last partial block, and a museval-like walk
 * of 1-s frames with 511 samples of margin on each side. */
static int make_pieces(piece *out, int cap, int n_sig, int n_chan, int64_t n_samples, uint64_t *state)
{
  int n = 0;
  for (int k = 0; k < 200 && n < cap; k++) {
    piece *q = &out[n++];
    q->sig = (int)random_below(state, n_sig);
    q->c = (int)random_below(state, n_chan);
    q->t0 = random_below(state, n_samples);
    int64_t room = n_samples - q->t0 < BLOCK ? n_samples - q->t0 : BLOCK;
    q->n = 1 + random_below(state, room);
  }
  for (int64_t b = BLOCK; b < n_samples && n + 1 < cap; b += BLOCK) {
    int64_t n_left = n_samples - (b - 100);
    out[n++] = (piece){0, n_chan - 1, b - 100, n_left < 200 ? n_left : 200};
    out[n++] = (piece){n_sig - 1, 0, b - 1, 2};
  }
  if (n + 3 <= cap) {
    int64_t last = n_samples / BLOCK * BLOCK;
    if (last == n_samples)
      last = n_samples - 1;
    out[n++] = (piece){0, 0, 0, 1};
    out[n++] = (piece){n_sig - 1, n_chan - 1, n_samples - 1, 1};
    out[n++] = (piece){0, 0, last, n_samples - last};
  }
  for (int64_t t = 0; t < n_samples; t += 44100)
    for (int s = 0; s < n_sig; s++)
      for (int c = 0; c < n_chan && n < cap; c++) {
        int64_t t0 = t >= 511 ? t - 511 : 0, t1 = t + 44100 + 511 < n_samples ? t + 44100 + 511 : n_samples;
        out[n++] = (piece){s, c, t0, t1 - t0};
      }
  return n;
}

/* Every format: two files streamed as references, compared with the
 * generated samples and with sb_audio_read. */
static void test_formats(uint64_t *state)
{
  static const struct {
    const char *ext;
    sb_sample_format fmt;
    int n_chan;
  } cases[] = {
    {"wav", SB_PCM_16, 2}, {"wav", SB_FLOAT32, 1}, {"flac", SB_PCM_16, 2}, {"wav", SB_FLOAT32, 2},
  };
  const int64_t n_samples = 3 * BLOCK + 12345;
  enum { CAP = 600 };
  piece *pieces = malloc(sizeof *pieces * CAP);

  for (size_t i = 0; pieces && i < sizeof cases / sizeof cases[0]; i++) {
    char path0[512], path1[512], name[64];
    sb_audio *gen[2] = {NULL, NULL}, *whole[2] = {NULL, NULL};
    sb_audio_stream *s = NULL;
    sb_sources view;
    sb_msg msg;
    int64_t diff, fail, frames;
    const char *label = cases[i].fmt == SB_PCM_16 ? "16-bit" : "float32";
    snprintf(name, sizeof name, "fmt%zu-a.%s", i, cases[i].ext);
    tmp_path(path0, sizeof path0, name);
    snprintf(name, sizeof name, "fmt%zu-b.%s", i, cases[i].ext);
    tmp_path(path1, sizeof path1, name);
    gen[0] = write_random(path0, cases[i].n_chan, n_samples, 44100, cases[i].fmt, state);
    gen[1] = write_random(path1, cases[i].n_chan, n_samples, 44100, cases[i].fmt, state);
    const char *paths[2] = {path0, path1};
    sb_err err = sb_audio_stream_new(2, paths, NULL, 0, &s, &msg);
    tap_ok(err == SB_OK, "%s %s %d ch: stream opens (%s)", label, cases[i].ext, cases[i].n_chan,
           err ? msg.text : "ok");
    if (err || !gen[0] || !gen[1]) {
      sb_audio_free(&gen[0]);
      sb_audio_free(&gen[1]);
      continue;
    }
    tap_ok(sb_audio_stream_view(s, &view) == SB_OK && view.n_src == 2 && view.n_chan == cases[i].n_chan &&
           view.n_samples == n_samples && view.rate == 44100 && view.chan == NULL && view.read && view.read_ctx == s,
           "%s %s: the view has 2 signals, %d ch, %lld samples, 44100 Hz, a reader and no arrays", label,
           cases[i].ext, cases[i].n_chan, (long long)n_samples);
    tap_ok(sb_audio_stream_file_frames(s, 1, &frames) == SB_OK && frames == n_samples,
           "%s %s: file 1 holds %lld frames", label, cases[i].ext, (long long)n_samples);
    int n_pieces = make_pieces(pieces, CAP, 2, cases[i].n_chan, n_samples, state);
    read_pieces(&view, pieces, n_pieces, gen, &diff, &fail);
    tap_ok(fail == 0 && diff == 0,
           "%s %s: %d pieces from 2 threads equal the written samples (%lld differ, %lld failed)", label,
           cases[i].ext, n_pieces, (long long)diff, (long long)fail);
    err = sb_audio_read(path0, &whole[0], &msg);
    if (!err)
      err = sb_audio_read(path1, &whole[1], &msg);
    if (!err) {
      read_pieces(&view, pieces, n_pieces, whole, &diff, &fail);
      tap_ok(fail == 0 && diff == 0, "%s %s: and sb_audio_read's decode of the same files (%lld differ)", label,
             cases[i].ext, (long long)diff);
    } else {
      tap_ok(0, "sb_audio_read %s: %s", cases[i].ext, msg.text);
    }
    tap_ok(sb_audio_stream_error(s, &msg) == SB_OK && msg.text[0] == '\0', "%s %s: no error recorded", label,
           cases[i].ext);
    sb_audio_stream_free(&s);
    tap_ok(s == NULL, "free sets the pointer to NULL");
    for (int k = 0; k < 2; k++) {
      sb_audio_free(&gen[k]);
      sb_audio_free(&whole[k]);
    }
  }
  free(pieces);
}

/* Threads beyond the count at creation share the fallback slot; threads
 * of nested teams repeat thread numbers.  Both must still read right. */
static void test_thread_slots(uint64_t *state)
{
#ifdef _OPENMP
  char path[512];
  sb_audio *gen =
    write_random(tmp_path(path, sizeof path, "threads.wav"), 2, 2 * BLOCK + 999, 8000, SB_PCM_16, state);
  const char *paths[1] = {path};
  sb_audio_stream *s = NULL;
  sb_sources view;
  sb_msg msg;
  int64_t diff = 0, fail = 0;
  int max_threads = omp_get_max_threads();
  enum { CAP = 400 };
  piece *pieces = malloc(sizeof *pieces * CAP);

  omp_set_num_threads(2);
  if (!gen || !pieces || sb_audio_stream_new(1, paths, NULL, 0, &s, &msg) != SB_OK) {
    tap_ok(0, "thread test fixture");
    goto done;
  }
  sb_audio_stream_view(s, &view);
  int n_pieces = make_pieces(pieces, CAP, 1, 2, gen->n_samples, state);
  omp_set_num_threads(6);
  read_pieces(&view, pieces, n_pieces, &gen, &diff, &fail);
  tap_ok(diff == 0 && fail == 0, "6 threads on a stream made for 2: %d pieces exact (%lld differ)", n_pieces,
         (long long)diff);
  omp_set_num_threads(2);
  omp_set_max_active_levels(2);
  int64_t nested_diff = 0, nested_fail = 0;
#pragma omp parallel num_threads(2) reduction(+:nested_diff, nested_fail)
  {
    int64_t d = 0, f = 0;
    read_pieces(&view, pieces, n_pieces, &gen, &d, &f);
    nested_diff += d;
    nested_fail += f;
  }
  omp_set_max_active_levels(1);
  tap_ok(nested_diff == 0 && nested_fail == 0,
         "2 nested teams of 2 threads (thread numbers repeat): exact (%lld differ)", (long long)nested_diff);
done:
  omp_set_num_threads(max_threads);
  sb_audio_stream_free(&s);
  sb_audio_free(&gen);
  free(pieces);
#else
  tap_skip("built without OpenMP: concurrent reads not exercised");
  (void)state;
#endif
}

/* Estimates: pad with zeros / truncate to the references' length. */
static void test_fit(uint64_t *state)
{
  const int64_t n_ref = 2 * BLOCK + 500;
  char ref_path[512], short_path[512], long_path[512], mix_path[512];
  sb_audio *ref = write_random(tmp_path(ref_path, sizeof ref_path, "fit-ref.wav"), 2, n_ref, 44100, SB_PCM_16, state);
  sb_audio *est[2] = {
    write_random(tmp_path(short_path, sizeof short_path, "fit-short.flac"), 2, n_ref - 70000, 44100, SB_PCM_16, state),
    write_random(tmp_path(long_path, sizeof long_path, "fit-long.wav"), 2, n_ref + 7000, 44100, SB_PCM_16, state)};
  sb_audio *mix = write_random(tmp_path(mix_path, sizeof mix_path, "fit-mix.wav"), 2, n_ref + 1, 44100, SB_PCM_16,
                               state);
  const char *ref_paths[1] = {ref_path}, *est_paths[2] = {short_path, long_path}, *mix_paths[1] = {mix_path};
  sb_audio_stream *rs = NULL, *es = NULL, *ms = NULL;
  sb_sources view;
  sb_msg msg;
  int64_t frames = 0, diff, fail;
  enum { CAP = 400 };
  piece *pieces = malloc(sizeof *pieces * CAP);

  if (!ref || !est[0] || !est[1] || !mix || !pieces ||
      sb_audio_stream_new(1, ref_paths, NULL, 0, &rs, &msg) != SB_OK) {
    tap_ok(0, "fit fixture");
    goto done;
  }
  tap_ok(sb_audio_stream_new(2, est_paths, rs, 1, &es, &msg) == SB_OK, "estimates of other lengths open with fit");
  if (!es)
    goto done;
  sb_audio_stream_view(es, &view);
  tap_ok(view.n_samples == n_ref, "the estimates' view has the reference length %lld", (long long)n_ref);
  tap_ok(sb_audio_stream_file_frames(es, 0, &frames) == SB_OK && frames == n_ref - 70000,
         "file_frames: the short estimate holds %lld frames", (long long)(n_ref - 70000));
  tap_ok(sb_audio_stream_file_frames(es, 1, &frames) == SB_OK && frames == n_ref + 7000,
         "file_frames: the long estimate holds %lld frames", (long long)(n_ref + 7000));
  tap_ok(sb_audio_stream_file_frames(es, 2, &frames) == SB_EINVAL, "file_frames of a signal out of range: SB_EINVAL");
  int n_pieces = make_pieces(pieces, CAP, 2, 2, n_ref, state);
  read_pieces(&view, pieces, n_pieces, est, &diff, &fail);
  tap_ok(diff == 0 && fail == 0, "%d pieces: the file's samples, zeros after the short one's end, the long one cut "
         "(%lld differ)", n_pieces, (long long)diff);
  double tail[3] = {1, 1, 1};
  tap_ok(sb_audio_stream_read(es, 0, 1, n_ref - 3, 3, tail) == SB_OK && tail[0] == 0 && tail[1] == 0 && tail[2] == 0,
         "a piece wholly after the short estimate's end reads as zeros");
  tap_ok(sb_audio_stream_read(es, 1, 0, n_ref - 1, 2, tail) == SB_EINVAL,
         "the long estimate cannot be read past the reference length (SB_EINVAL)");
  tap_ok(sb_audio_stream_new(1, mix_paths, rs, 0, &ms, &msg) == SB_ELENGTH && ms == NULL &&
         strstr(msg.text, mix_path) && strstr(msg.text, ref_path) && strstr(msg.text, "131573") &&
         strstr(msg.text, "131572"),
         "a mixture one sample longer than the references: SB_ELENGTH naming both files and lengths (%s)", msg.text);
  tap_ok(sb_audio_stream_new(1, ref_paths, rs, 0, &ms, &msg) == SB_OK, "a mixture of the references' shape opens");
done:
  sb_audio_stream_free(&ms);
  sb_audio_stream_free(&es);
  sb_audio_stream_free(&rs);
  sb_audio_free(&ref);
  sb_audio_free(&est[0]);
  sb_audio_free(&est[1]);
  sb_audio_free(&mix);
  free(pieces);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(data, 1, len, f);
    fclose(f);
  }
}

/* Copies the first keep bytes of src into dst. */
static int copy_prefix(const char *src, const char *dst, long keep)
{
  FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
  char *buf = malloc((size_t)keep);
  int ok = in && out && buf && fread(buf, 1, (size_t)keep, in) == (size_t)keep &&
           fwrite(buf, 1, (size_t)keep, out) == (size_t)keep;
  if (in)
    fclose(in);
  if (out)
    fclose(out);
  free(buf);
  return ok;
}

static long file_size(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static sb_err open_one(const char *path, sb_audio_stream **s, sb_msg *msg)
{
  const char *paths[1] = {path};
  sb_msg_clear(msg);
  return sb_audio_stream_new(1, paths, NULL, 0, s, msg);
}

static void test_bad_files(uint64_t *state)
{
  char a[512], rate[512], mono[512], len[512], text[512], trunc[512], nan[512], flac[512], flac_cut[512], mp3[512];
  sb_audio *ga = write_random(tmp_path(a, sizeof a, "bad-a.wav"), 2, 5000, 44100, SB_PCM_16, state);
  sb_audio *gr = write_random(tmp_path(rate, sizeof rate, "bad-rate.wav"), 2, 5000, 22050, SB_PCM_16, state);
  sb_audio *gm = write_random(tmp_path(mono, sizeof mono, "bad-mono.wav"), 1, 5000, 44100, SB_PCM_16, state);
  sb_audio *gl = write_random(tmp_path(len, sizeof len, "bad-len.wav"), 2, 4000, 44100, SB_PCM_16, state);
  sb_audio *gn = random_audio(2, 3 * BLOCK, 44100, SB_FLOAT32, state);
  sb_audio *gf = write_random(tmp_path(flac, sizeof flac, "bad-full.flac"), 2, 3 * BLOCK, 44100, SB_PCM_16, state);
  sb_audio_stream *s = NULL, *refs = NULL;
  sb_msg msg;
  sb_err err;
  double buf[64];

  err = open_one(tmp_path(text, sizeof text, "missing.wav"), &s, &msg);
  tap_ok(err == SB_EIO && s == NULL && strstr(msg.text, text) && strstr(msg.text, "cannot open"),
         "missing file: SB_EIO naming it (%s)", msg.text);
  err = open_one(tmp_dir, &s, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "directory"), "a directory: SB_EIO (%s)", msg.text);
  write_bytes(tmp_path(text, sizeof text, "notes.wav"), "these are notes, not audio\n", 27);
  err = open_one(text, &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, text) && strstr(msg.text, "not an audio file"),
         "a text file named .wav: SB_EFORMAT naming it (%s)", msg.text);

  const char *rate_paths[2] = {a, rate}, *mono_paths[2] = {a, mono}, *len_paths[2] = {a, len};
  err = sb_audio_stream_new(2, rate_paths, NULL, 0, &s, &msg);
  tap_ok(err == SB_ERATE && s == NULL && strstr(msg.text, rate) && strstr(msg.text, "22050") && strstr(msg.text, a),
         "references at 44100 and 22050 Hz: SB_ERATE naming both (%s)", msg.text);
  err = sb_audio_stream_new(2, mono_paths, NULL, 0, &s, &msg);
  tap_ok(err == SB_ECHAN && strstr(msg.text, mono) && strstr(msg.text, "1 channel"),
         "a mono reference beside a stereo one: SB_ECHAN (%s)", msg.text);
  err = sb_audio_stream_new(2, len_paths, NULL, 0, &s, &msg);
  tap_ok(err == SB_ELENGTH && strstr(msg.text, len) && strstr(msg.text, "4000") && strstr(msg.text, "5000"),
         "references of 5000 and 4000 samples: SB_ELENGTH (%s)", msg.text);
  err = open_one(a, &refs, &msg);
  tap_ok(err == SB_OK, "one reference opens");
  const char *est_rate[1] = {rate}, *est_mono[1] = {mono}, *est_len[1] = {len};
  err = sb_audio_stream_new(1, est_rate, refs, 1, &s, &msg);
  tap_ok(err == SB_ERATE && strstr(msg.text, rate) && strstr(msg.text, "the references have 44100 Hz"),
         "an estimate at 22050 Hz: SB_ERATE in the estimate loader's words (%s)", msg.text);
  err = sb_audio_stream_new(1, est_mono, refs, 1, &s, &msg);
  tap_ok(err == SB_ECHAN && strstr(msg.text, "the references have 2"), "a mono estimate: SB_ECHAN (%s)", msg.text);
  err = sb_audio_stream_new(1, est_len, refs, 1, &s, &msg);
  tap_ok(err == SB_OK, "a shorter estimate is fine with fit");
  sb_audio_stream_free(&s);
  err = sb_audio_stream_new(1, est_len, NULL, 1, &s, &msg);
  tap_ok(err == SB_EINVAL && s == NULL, "fit without references: SB_EINVAL");
  err = sb_audio_stream_new(0, est_len, NULL, 0, &s, &msg);
  tap_ok(err == SB_EINVAL, "no files: SB_EINVAL");

  /* Out-of-range reads. */
  tap_ok(sb_audio_stream_read(refs, 1, 0, 0, 1, buf) == SB_EINVAL, "read of signal 1 of 1: SB_EINVAL");
  tap_ok(sb_audio_stream_read(refs, 0, 2, 0, 1, buf) == SB_EINVAL, "read of channel 2 of 2: SB_EINVAL");
  tap_ok(sb_audio_stream_read(refs, 0, 0, 4990, 11, buf) == SB_EINVAL, "read past the end: SB_EINVAL");
  tap_ok(sb_audio_stream_read(refs, 0, 0, -1, 2, buf) == SB_EINVAL, "read before the start: SB_EINVAL");
  tap_ok(sb_audio_stream_read(refs, 0, 0, 0, 0, buf) == SB_EINVAL, "read of 0 samples: SB_EINVAL");
  tap_ok(sb_audio_stream_error(refs, &msg) == SB_OK, "range errors are not recorded");
  sb_audio_stream_free(&refs);

  /* Truncated WAV: the data chunk declares more bytes than follow it. */
  tmp_path(trunc, sizeof trunc, "trunc.wav");
  tap_ok(copy_prefix(a, trunc, file_size(a) - 1000), "truncated copy of a WAV");
  err = open_one(trunc, &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, trunc) && strstr(msg.text, "truncated"),
         "truncated WAV: SB_EFORMAT naming it (%s)", msg.text);

  /* Truncated FLAC: the header declares 3 BLOCK frames; found when the
   * missing frames are read, sequentially or after a seek. */
  tmp_path(flac_cut, sizeof flac_cut, "trunc.flac");
  tap_ok(copy_prefix(flac, flac_cut, file_size(flac) / 2), "FLAC cut in half");
  for (int jump = 0; jump < 2; jump++) {
    const char *how = jump ? "a seek into the missing half" : "a sequential pass";
    err = open_one(flac_cut, &s, &msg);
    tap_ok(err == SB_OK, "FLAC cut in half opens (its header is intact)");
    if (err)
      continue;
    for (int64_t t0 = jump ? 3 * BLOCK - 64 : 0; t0 < 3 * BLOCK && err == SB_OK; t0 += 64)
      err = sb_audio_stream_read(s, 0, 0, t0, 64, buf);
    sb_err recorded = sb_audio_stream_error(s, &msg);
    tap_ok(err == SB_EFORMAT && recorded == SB_EFORMAT && strstr(msg.text, flac_cut) &&
           (jump ? strstr(msg.text, "truncated or damaged") != NULL : strstr(msg.text, "truncated") != NULL ||
                                                                        strstr(msg.text, "read error") != NULL),
           "%s: SB_EFORMAT recorded naming the file (%s)", how, msg.text);
    err = sb_audio_stream_read(s, 0, 1, 100, 64, buf);
    tap_ok(err == SB_OK && gf && buf[5] == sb_audio_chan(gf, 1)[105], "after %s the part present still reads", how);
    sb_audio_stream_free(&s);
  }

  /* NaN in a float WAV: channel 1, sample 2 BLOCK + 77. */
  tmp_path(nan, sizeof nan, "nan.wav");
  if (gn)
    sb_audio_chan(gn, 1)[2 * BLOCK + 77] = NAN;
  err = gn ? sb_audio_write(nan, gn, SB_FLOAT32, &msg) : SB_ENOMEM;
  err = err ? err : open_one(nan, &s, &msg);
  tap_ok(err == SB_OK, "a float WAV with a NaN opens (found when read)");
  if (s) {
    tap_ok(sb_audio_stream_read(s, 0, 1, 0, 64, buf) == SB_OK, "a piece in another block reads");
    tap_ok(sb_audio_stream_error(s, &msg) == SB_OK, "no error yet");
    tap_ok(sb_audio_stream_read(s, 0, 0, 2 * BLOCK + 10, 20, buf) == SB_ENONFINITE,
           "a piece of channel 0 in the NaN's block: SB_ENONFINITE (the block is checked whole)");
    err = sb_audio_stream_error(s, &msg);
    char want[64];
    snprintf(want, sizeof want, "NaN at channel 1, sample %lld", (long long)(2 * BLOCK + 77));
    tap_ok(err == SB_ENONFINITE && strstr(msg.text, nan) && strstr(msg.text, want),
           "recorded: names the file, channel 1 and sample %lld (%s)", (long long)(2 * BLOCK + 77), msg.text);
    tap_ok(sb_audio_stream_read(s, 0, 1, 2 * BLOCK + 77, 1, buf) == SB_ENONFINITE, "asking again fails again");
    tap_ok(sb_audio_stream_read(s, 0, 1, BLOCK, 64, buf) == SB_OK && buf[3] == sb_audio_chan(gn, 1)[BLOCK + 3],
           "other blocks still read");
  }
  sb_audio_stream_free(&s);

  /* First error wins: a NaN file and a truncated FLAC in one group. */
  const char *two[2] = {nan, flac_cut};
  if (sb_audio_stream_new(2, two, NULL, 0, &s, &msg) == SB_OK) {
    sb_audio_stream_read(s, 0, 0, 2 * BLOCK, 10, buf);
    sb_audio_stream_read(s, 1, 0, 3 * BLOCK - 10, 10, buf);
    tap_ok(sb_audio_stream_error(s, &msg) == SB_ENONFINITE && strstr(msg.text, nan) && !strstr(msg.text, flac_cut),
           "two failures: the first one is kept (%s)", msg.text);
  } else {
    tap_ok(0, "NaN + cut FLAC group opens (%s)", msg.text);
  }
  sb_audio_stream_free(&s);

  /* Not streamable: OGG Vorbis (a decode after a seek differs from the
   * sequential one in the last bits), MP3 (estimated length), .stem.mp4. */
  char ogg[512];
  tmp_path(ogg, sizeof ogg, "lossy.ogg");
  err = ga ? sb_audio_write(ogg, ga, SB_PCM_16, &msg) : SB_ENOMEM;
  err = err ? err : open_one(ogg, &s, &msg);
  tap_ok(err == SB_EUNSUPPORTED && s == NULL && strstr(msg.text, ogg) && strstr(msg.text, "exact samples"),
         "OGG Vorbis: SB_EUNSUPPORTED (%s)", msg.text);
  tmp_path(mp3, sizeof mp3, "lossy.mp3");
  if (ga && sb_audio_write(mp3, ga, SB_PCM_16, &msg) == SB_OK) {
    err = open_one(mp3, &s, &msg);
    tap_ok(err == SB_EUNSUPPORTED && s == NULL && strstr(msg.text, mp3), "MP3: SB_EUNSUPPORTED (%s)", msg.text);
  } else {
    tap_diag("this libsndfile writes no MP3: %s", msg.text);
  }
  err = open_one("/nonexistent/track.stem.mp4#2", &s, &msg);
  tap_ok(err == SB_EUNSUPPORTED && strstr(msg.text, "track.stem.mp4"), ".stem.mp4#2: SB_EUNSUPPORTED (%s)", msg.text);

  sb_audio_free(&ga);
  sb_audio_free(&gr);
  sb_audio_free(&gm);
  sb_audio_free(&gl);
  sb_audio_free(&gn);
  sb_audio_free(&gf);
}

/* Files decoded once and held (sb_audio_stream_cache): every format reads
 * as sb_audio_read decodes it, held when int16 (16-bit files: 2 bytes per
 * sample) or float32 (24-bit and float32 files: 4) holds its samples and
 * the budget has room, streamed otherwise. */
static void test_cache(uint64_t *state)
{
  static const struct {
    const char *ext;
    sb_sample_format fmt;
    int held; /* bytes per held sample: 2 (int16), 4 (float32), 0 (not held) */
  } cases[] = {
    {"wav", SB_PCM_16, 2}, {"flac", SB_PCM_16, 2}, {"wav", SB_PCM_24, 4}, {"flac", SB_PCM_24, 4},
    {"wav", SB_FLOAT32, 4}, {"wav", SB_FLOAT64, 0},
  };
  static const char *const fmt_names[] = {"16-bit", "24-bit", "float32", "float64"};
  const int64_t n_samples = 2 * BLOCK + 4321;
  enum { CAP = 500 };
  piece *pieces = malloc(sizeof *pieces * CAP);

  for (size_t i = 0; pieces && i < sizeof cases / sizeof cases[0]; i++) {
    const char *label = fmt_names[cases[i].fmt];
    char path[2][512], name[64];
    sb_audio *whole[2] = {NULL, NULL};
    sb_audio_stream *s = NULL;
    sb_sources view;
    sb_msg msg;
    int64_t diff = -1, fail = -1;
    sb_err err = SB_OK;
    for (int k = 0; k < 2; k++) {
      snprintf(name, sizeof name, "cache%zu-%d.%s", i, k, cases[i].ext);
      tmp_path(path[k], sizeof path[k], name);
      sb_audio *g = write_random(path[k], 2, n_samples, 44100, cases[i].fmt, state);
      sb_audio_free(&g);
      if (!err)
        err = sb_audio_read(path[k], &whole[k], &msg);
    }
    const char *paths[2] = {path[0], path[1]};
    const int64_t file_bytes = (cases[i].held ? cases[i].held : 4) * 2 * n_samples;
    if (!err)
      err = sb_audio_stream_new(2, paths, NULL, 0, &s, &msg);
    if (err) {
      tap_ok(0, "%s %s: cache fixture (%s)", label, cases[i].ext, msg.text);
      goto next;
    }
    /* Room for one file and a half: the first is held, the second streams. */
    int64_t budget = file_bytes + file_bytes / 2;
    err = sb_audio_stream_cache(s, &budget, &msg);
    tap_ok(err == SB_OK && budget == (cases[i].held ? file_bytes / 2 : file_bytes + file_bytes / 2),
           "%s %s: %s (budget left %lld)", label, cases[i].ext,
           cases[i].held ? "the first file is held, the second has no room" : "nothing held: float32 cannot hold it",
           (long long)budget);
    budget = 10 * file_bytes;
    err = sb_audio_stream_cache(s, &budget, &msg);
    tap_ok(err == SB_OK && budget == (cases[i].held ? 10 * file_bytes - file_bytes : 10 * file_bytes),
           "%s %s: a second call %s (budget left %lld)", label, cases[i].ext,
           cases[i].held ? "holds the rest, each file once" : "holds nothing either", (long long)budget);
    sb_audio_stream_view(s, &view);
    int n_pieces = make_pieces(pieces, CAP, 2, 2, n_samples, state);
    read_pieces(&view, pieces, n_pieces, whole, &diff, &fail);
    tap_ok(diff == 0 && fail == 0, "%s %s: %d pieces equal sb_audio_read's decode (%lld differ, %lld failed)", label,
           cases[i].ext, n_pieces, (long long)diff, (long long)fail);
  next:
    sb_audio_stream_free(&s);
    sb_audio_free(&whole[0]);
    sb_audio_free(&whole[1]);
  }
  free(pieces);
}

/* Estimates of other lengths held: zeros after the short one's end, the
 * long one cut; a NaN and a truncated file are found by the one decode. */
static void test_cache_fit_and_faults(uint64_t *state)
{
  const int64_t n_ref = 2 * BLOCK + 500;
  char ref_path[512], short_path[512], long_path[512], nan_path[512], cut_path[512], full_path[512];
  sb_audio *ref = write_random(tmp_path(ref_path, sizeof ref_path, "cfit-ref.wav"), 2, n_ref, 44100, SB_PCM_16,
                               state);
  sb_audio *est[2] = {
    write_random(tmp_path(short_path, sizeof short_path, "cfit-short.flac"), 2, n_ref - 70000, 44100, SB_PCM_16,
                 state),
    write_random(tmp_path(long_path, sizeof long_path, "cfit-long.wav"), 2, n_ref + 7000, 44100, SB_PCM_16, state)};
  sb_audio *gn = random_audio(2, n_ref, 44100, SB_FLOAT32, state);
  sb_audio *gf = write_random(tmp_path(full_path, sizeof full_path, "cfit-full.flac"), 2, 3 * BLOCK, 44100, SB_PCM_16,
                              state);
  const char *ref_paths[1] = {ref_path}, *est_paths[2] = {short_path, long_path};
  sb_audio_stream *rs = NULL, *es = NULL, *s = NULL;
  sb_sources view;
  sb_msg msg;
  int64_t diff, fail, budget = (int64_t)1 << 30;
  enum { CAP = 400 };
  piece *pieces = malloc(sizeof *pieces * CAP);
  char want[64];
  sb_err err;

  if (!ref || !est[0] || !est[1] || !gn || !gf || !pieces ||
      sb_audio_stream_new(1, ref_paths, NULL, 0, &rs, &msg) != SB_OK ||
      sb_audio_stream_new(2, est_paths, rs, 1, &es, &msg) != SB_OK) {
    tap_ok(0, "cache fit fixture");
    goto done;
  }
  err = sb_audio_stream_cache(es, &budget, &msg);
  tap_ok(err == SB_OK && budget == ((int64_t)1 << 30) - 2 * 2 * (2 * n_ref - 70000 + 7000),
         "16-bit estimates held as int16: each file's own frames (budget left %lld)", (long long)budget);
  sb_audio_stream_view(es, &view);
  int n_pieces = make_pieces(pieces, CAP, 2, 2, n_ref, state);
  read_pieces(&view, pieces, n_pieces, est, &diff, &fail);
  tap_ok(diff == 0 && fail == 0, "held estimates: %d pieces, zeros after the short one's end, the long one cut "
         "(%lld differ)", n_pieces, (long long)diff);

  /* NaN at channel 1, sample BLOCK + 77 of a float WAV. */
  sb_audio_chan(gn, 1)[BLOCK + 77] = NAN;
  tmp_path(nan_path, sizeof nan_path, "cfit-nan.wav");
  err = sb_audio_write(nan_path, gn, SB_FLOAT32, &msg);
  err = err ? err : open_one(nan_path, &s, &msg);
  if (!err)
    err = sb_audio_stream_cache(s, &budget, &msg);
  snprintf(want, sizeof want, "NaN at channel 1, sample %lld", (long long)(BLOCK + 77));
  tap_ok(err == SB_ENONFINITE && strstr(msg.text, nan_path) && strstr(msg.text, want),
         "a NaN is found by the one decode, naming the file, channel and sample (%s)", msg.text);
  tap_ok(sb_audio_stream_error(s, &msg) == SB_ENONFINITE && strstr(msg.text, want), "and recorded for the stream");
  sb_audio_stream_free(&s);

  /* A FLAC cut in half: the header is intact, the decode comes up short. */
  tmp_path(cut_path, sizeof cut_path, "cfit-cut.flac");
  tap_ok(copy_prefix(full_path, cut_path, file_size(full_path) / 2), "FLAC cut in half");
  err = open_one(cut_path, &s, &msg);
  if (!err)
    err = sb_audio_stream_cache(s, &budget, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, cut_path) &&
         (strstr(msg.text, "truncated") != NULL || strstr(msg.text, "read error") != NULL),
         "a truncated FLAC is found by the one decode, naming the file (%s)", msg.text);
  sb_audio_stream_free(&s);

  /* Two failing files decoded at once (one thread per file): the first in
   * file order is reported, the FLAC that fails half-way, not the NaN
   * that fails at once; the good file before them is held. */
  for (int rep = 0; rep < 5; rep++) {
    const char *three[3] = {short_path, cut_path, nan_path};
    int64_t left = (int64_t)1 << 30;
    err = sb_audio_stream_new(3, three, rs, 1, &s, &msg);
    if (!err)
      err = sb_audio_stream_cache(s, &left, &msg);
    tap_ok(err == SB_EFORMAT && strstr(msg.text, cut_path) && !strstr(msg.text, nan_path) &&
           sb_audio_stream_error(s, NULL) == SB_EFORMAT && left == ((int64_t)1 << 30) - 2 * 2 * (n_ref - 70000),
           "two files fail in one parallel decode: the first in file order is reported, run %d (%s)", rep,
           msg.text);
    sb_audio_stream_free(&s);
  }
  tap_ok(sb_audio_stream_cache(NULL, &budget, &msg) == SB_EINVAL, "no stream: SB_EINVAL");
done:
  sb_audio_stream_free(&es);
  sb_audio_stream_free(&rs);
  sb_audio_free(&ref);
  sb_audio_free(&est[0]);
  sb_audio_free(&est[1]);
  sb_audio_free(&gn);
  sb_audio_free(&gf);
  free(pieces);
}

/* The reference vectors' FLAC files: lengths from expected.json, samples
 * as sb_audio_read decodes them. */
static void test_refvectors(const char *rv, uint64_t *state)
{
  char ref[2][1024], est[2][1024], mix[1024];
  static const char *const names[2] = {"drums", "other"};
  sb_audio_stream *rs = NULL, *es = NULL, *ms = NULL;
  sb_audio *whole[2] = {NULL, NULL};
  sb_sources view;
  sb_msg msg;
  int64_t frames[2] = {0, 0}, diff = 0, fail = 0;
  enum { CAP = 300 };
  piece *pieces = malloc(sizeof *pieces * CAP);

  for (int k = 0; k < 2; k++) {
    snprintf(ref[k], sizeof ref[k], "%s/bss/length_mismatch/ref/%s.flac", rv, names[k]);
    snprintf(est[k], sizeof est[k], "%s/bss/length_mismatch/est/%s.flac", rv, names[k]);
  }
  snprintf(mix, sizeof mix, "%s/bss/length_mismatch/mix.flac", rv);
  const char *ref_paths[2] = {ref[0], ref[1]}, *est_paths[2] = {est[0], est[1]}, *mix_paths[1] = {mix};
  sb_err err = sb_audio_stream_new(2, ref_paths, NULL, 0, &rs, &msg);
  tap_ok(err == SB_OK, "length_mismatch references stream (%s)", err ? msg.text : "ok");
  if (err || !pieces)
    goto done;
  sb_audio_stream_view(rs, &view);
  /* expected.json "nsamples": ref 233730 each, est drums 244792, other 172023, mix 233730. */
  tap_ok(view.n_samples == 233730 && view.n_chan == 2 && view.rate == 44100,
         "references: 233730 samples, 2 channels, 44100 Hz (expected.json)");
  err = sb_audio_stream_new(2, est_paths, rs, 1, &es, &msg);
  tap_ok(err == SB_OK && sb_audio_stream_file_frames(es, 0, &frames[0]) == SB_OK &&
         sb_audio_stream_file_frames(es, 1, &frames[1]) == SB_OK && frames[0] == 244792 && frames[1] == 172023,
         "estimates hold 244792 and 172023 frames (expected.json)");
  tap_ok(sb_audio_stream_new(1, mix_paths, rs, 0, &ms, &msg) == SB_OK, "the mixture has the references' shape");
  for (int k = 0; k < 2 && !err; k++)
    err = sb_audio_read(est[k], &whole[k], &msg);
  if (err || !es) {
    tap_ok(0, "estimates read whole (%s)", msg.text);
    goto done;
  }
  sb_audio_stream_view(es, &view);
  int n_pieces = make_pieces(pieces, CAP, 2, 2, 233730, state);
  read_pieces(&view, pieces, n_pieces, whole, &diff, &fail);
  tap_ok(diff == 0 && fail == 0, "%d pieces of the padded/cut estimates equal sb_audio_read's decode (%lld differ)",
         n_pieces, (long long)diff);
done:
  sb_audio_stream_free(&ms);
  sb_audio_stream_free(&es);
  sb_audio_stream_free(&rs);
  sb_audio_free(&whole[0]);
  sb_audio_free(&whole[1]);
  free(pieces);
}

int main(void)
{
  const char *rv = getenv("SB_REFVECTORS");
  char probe[1100];
  struct stat st;
  uint64_t state = seed;

  state = tap_seed(seed);
  snprintf(probe, sizeof probe, "%s/bss/length_mismatch/expected.json", rv ? rv : "");
  if (!rv || stat(probe, &st) != 0) {
    tap_ok(0, "SB_REFVECTORS names the reference vectors (%s)", rv ? rv : "unset");
    return tap_done();
  }
  if (!mkdtemp(tmp_dir)) {
    tap_ok(0, "mkdtemp");
    return tap_done();
  }
  test_formats(&state);
  test_thread_slots(&state);
  test_fit(&state);
  test_bad_files(&state);
  test_cache(&state);
  test_cache_fit_and_faults(&state);
  test_refvectors(rv, &state);
  nftw(tmp_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  return tap_done();
}
