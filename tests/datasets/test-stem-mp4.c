/*
 * tests/datasets/test-stem-mp4.c — MUSDB18 .stem.mp4 reading
 * (datasets/stem_mp4.c) and its use by the suite reader, track loading and
 * sb_run.  Built only with FFmpeg.
 *
 * There is no ffmpeg program on the build machines, so the fixture is made
 * with tests/datasets/stem_writer.c (libavcodec's native AAC encoder,
 * libavformat's MP4 muxer): five stereo 44.1 kHz streams (mixture = drums +
 * bass + other + vocals) of deterministic tones and seeded low-passed
 * noise, in the MUSDB18 layout <root>/test/<Artist - Title>.stem.mp4 with a
 * name holding ( ) & and spaces.  FFmpeg's log is checked through stderr: a
 * stream without a time scale (MUSDB18's warning) prints nothing, an error
 * is one sepbench line or the end of the failure's message.  AAC is lossy,
 * so decoded samples are compared with the encoded ones by SNR after
 * checking that the encoder delay is removed (the best cross-correlation
 * lag is 0).
 */
#include <config.h>

#include <libavutil/log.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/audio.h"
#include "datasets/stem_mp4.h"
#include "datasets/resolve.h"
#include "datasets/track_audio.h"
#include "runners/run.h"
#include "tap.h"
#include "tests/datasets/fixtures.h"
#include "tests/datasets/stem_writer.h"

enum { RATE = 44100, N_CHAN = 2, N_FRAMES = 110000, N_STEMS = 4 };

/* The length every stream declares: libavformat's MP4 muxer writes the edit
 * list in the movie time scale, 1000 per second, so the 110000 encoded
 * samples (2494.33 ms) are declared as floor(2494.33) = 2494 ms, which is
 * round(2494 * 44.1) = round(109985.4) = 109985 samples at 44.1 kHz
 * (hand-derived; ffprobe reports the same 2.494 s, and that is the length
 * musdb takes for a track). */
enum { N_DECLARED = 109985 };

static uint64_t seed = 20240604u;

/* xorshift64*: a uniform in [-1, 1). */
static double next_uniform(uint64_t *state)
{
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (double)((*state * 2685821657736338717ull) >> 11) / 4503599627370496.0 - 1.0;
}

/* The four stems (drums, bass, other, vocals: the MUSDB stream order 1..4),
 * channel-major, each n_chan x n_samples, peak well below 1 so that their
 * sum does not clip. */
static double *make_stems(void)
{
  double *s = calloc((size_t)N_STEMS * N_CHAN * N_FRAMES, sizeof *s);
  uint64_t state = seed;
  double lp[N_CHAN] = {0};
  if (!s)
    return NULL;
  for (int64_t n = 0; n < N_FRAMES; n++) {
    double t = (double)n / RATE;
    double burst = exp(-12.0 * fmod(t, 0.25)); /* a hit every 250 ms */
    for (int c = 0; c < N_CHAN; c++) {
      double *drums = s + ((size_t)0 * N_CHAN + c) * N_FRAMES;
      double *bass = s + ((size_t)1 * N_CHAN + c) * N_FRAMES;
      double *other = s + ((size_t)2 * N_CHAN + c) * N_FRAMES;
      double *vocals = s + ((size_t)3 * N_CHAN + c) * N_FRAMES;
      lp[c] += 0.3 * (next_uniform(&state) - lp[c]); /* one-pole low-pass, ~1.6 kHz */
      drums[n] = 0.35 * burst * lp[c];
      /* A chirp (55 -> 95 Hz) and noise keep the cross-correlation of every
       * stream from peaking at a whole number of periods. */
      bass[n] = 0.2 * sin(2 * M_PI * (55.0 + 8.0 * t) * t + c) + 0.08 * sin(2 * M_PI * 110.0 * t);
      other[n] = 0.1 * sin(2 * M_PI * 440.0 * t) + 0.08 * sin(2 * M_PI * (659.25 + 2.0 * c) * t) + 0.05 * lp[c];
      vocals[n] = 0.15 * sin(2 * M_PI * 880.0 * t + 3.0 * sin(2 * M_PI * 5.0 * t)) * (0.6 + 0.4 * sin(2 * M_PI * t));
    }
  }
  return s;
}

/* Signal of stream k (0 = mixture) sample n, channel c. */
static double stream_sample(const double *stems, int k, int c, int64_t n)
{
  if (k > 0)
    return stems[((size_t)(k - 1) * N_CHAN + c) * N_FRAMES + (size_t)n];
  double sum = 0;
  for (int j = 0; j < N_STEMS; j++)
    sum += stems[((size_t)j * N_CHAN + c) * N_FRAMES + (size_t)n];
  return sum;
}

/* stem_writer_fill over stream_sample: ctx is the stems. */
static sb_err fill_streams(void *ctx, int stream, int64_t start, int n, float *const *chan, sb_msg *msg)
{
  (void)msg;
  for (int c = 0; c < N_CHAN; c++)
    for (int i = 0; i < n; i++)
      chan[c][i] = (float)stream_sample(ctx, stream, c, start + i);
  return SB_OK;
}

/* Encodes streams 0..n_streams-1 (stream k = stream_sample(k)) as AAC into
 * an MP4 at path, its header first when faststart; keep_fraction in (0, 1)
 * then cuts the file to that fraction of its bytes.  1 on success. */
static int write_mp4(const char *path, const double *stems, int n_streams, int faststart, double keep_fraction)
{
  stem_writer_spec spec = {.n_streams = n_streams, .rate = RATE, .n_chan = N_CHAN, .n_frames = N_FRAMES,
                           .faststart = faststart, .fill = fill_streams, .ctx = (void *)stems};
  struct stat file_stat;
  sb_msg msg;
  int ok;

  sb_msg_clear(&msg);
  ok = stem_writer_write(path, &spec, &msg) == SB_OK;
  if (!ok)
    tap_diag("%s", msg.text);
  if (ok && keep_fraction > 0 && keep_fraction < 1)
    ok = stat(path, &file_stat) == 0 && truncate(path, (off_t)(keep_fraction * (double)file_stat.st_size)) == 0;
  return ok;
}

/* Lag in [-max_lag, max_lag] maximising the cross-correlation of decoded
 * channel 0 with the encoded signal of stream k. */
static int best_lag(const sb_audio *a, const double *stems, int k, int max_lag)
{
  double best = -INFINITY;
  int lag_best = 0;
  for (int lag = -max_lag; lag <= max_lag; lag++) {
    double acc = 0;
    for (int64_t n = 4096; n < N_DECLARED - 4096; n += 16)
      acc += a->data[n + lag] * stream_sample(stems, k, 0, n);
    if (acc > best) {
      best = acc;
      lag_best = lag;
    }
  }
  return lag_best;
}

/* SNR in dB of a against the encoded stream k, both channels, no lag. */
static double snr_db(const sb_audio *a, const double *stems, int k)
{
  double sig = 0, err = 0;
  for (int c = 0; c < N_CHAN; c++)
    for (int64_t n = 0; n < a->n_samples && n < N_FRAMES; n++) {
      double want = stream_sample(stems, k, c, n), d = sb_audio_chan(a, c)[n] - want;
      sig += want * want;
      err += d * d;
    }
  return 10 * log10(sig / err);
}

static void check_streams(const char *file, const double *stems)
{
  sb_stem_mp4_stream *list = NULL;
  int n_list = 0;
  sb_msg msg;

  sb_msg_clear(&msg);
  sb_err err = sb_stem_mp4_list(file, &list, &n_list, &msg);
  tap_ok(err == SB_OK && n_list == SB_STEM_MP4_N_STREAMS, "5 audio streams listed (%d) %s", n_list, msg.text);
  for (int k = 0; k < n_list; k++) {
    sb_audio *a = NULL;
    int lag;
    double snr;
    char ref[4200];
    tap_ok(list[k].rate == RATE && list[k].n_chan == N_CHAN && strcmp(list[k].codec, "aac") == 0 &&
               list[k].n_samples == N_DECLARED,
           "stream %d: %s, %d Hz, %d channels, declared %lld samples (encoded %d, want %d)", k, list[k].codec,
           list[k].rate, list[k].n_chan, (long long)list[k].n_samples, N_FRAMES, N_DECLARED);
    snprintf(ref, sizeof ref, "%s#%d", file, k);
    err = sb_audio_read(ref, &a, &msg);
    if (!tap_ok(err == SB_OK, "sb_audio_read(\"...#%d\") decodes %s", k, msg.text))
      continue;
    tap_ok(a->n_samples == list[k].n_samples && a->n_samples == N_DECLARED && a->rate == RATE && a->n_chan == N_CHAN,
           "stream %d: %lld decoded samples = declared duration", k, (long long)a->n_samples);
    lag = best_lag(a, stems, k, 1200); /* AAC priming is 1024 samples */
    tap_ok(lag == 0, "stream %d: encoder delay removed (best lag %d)", k, lag);
    snr = snr_db(a, stems, k);
    /* Measured with FFmpeg 5.1's native encoder at 256 kb/s, PNS off:
     * tonal streams 2-4 give 28-54 dB, the noise bursts of drums (1) and
     * the mixture (0) 13-24 dB: a perceptual coder lets quantisation noise
     * rise to ~10-15 dB below a noise-like masker.  The bounds, 20 dB
     * (tonal) and 10 dB (noisy, correlation ~0.95), still fail on a wrong
     * stream, on a sign flip, or on a misalignment of even a few samples
     * (at 880 Hz one sample of lag alone leaves ~14 dB). */
    tap_ok(snr > (k <= 1 ? 10.0 : 20.0), "stream %d: SNR %.1f dB against the encoded signal (> %g dB)", k, snr,
           k <= 1 ? 10.0 : 20.0);
    sb_audio_free(&a);
  }
  free(list);
}

static void check_suite(const char *root, const char *file, const double *stems)
{
  sb_suite *s = NULL;
  sb_track_audio *ta = NULL;
  sb_suite_opts opts = {.quiet = 1};
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  setenv("MUSDB_PATH", root, 1);
  err = sb_suite_resolve("music", &opts, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->kind, "musdb18") == 0 &&
             strcmp(s->tracks[0].name, "Artist - Title (live) & co") == 0 && s->tracks[0].n_stems == 4 &&
             strcmp(s->tracks[0].subset, "test") == 0,
         "MUSDB_PATH root of .stem.mp4 resolves: %s %s", err ? "" : s->description, msg.text);
  if (!err) {
    static const char *const want[4] = {"vocals", "drums", "bass", "other"};
    static const int stream_of[4] = {4, 1, 2, 3};
    int ok = strcmp(s->tracks[0].mix_path, file) == 0;
    for (int k = 0; k < 4; k++) {
      char ref[4200];
      snprintf(ref, sizeof ref, "%s#%d", file, stream_of[k]);
      ok &= strcmp(s->tracks[0].stem_names[k], want[k]) == 0 && strcmp(s->tracks[0].stem_paths[k], ref) == 0;
    }
    tap_ok(ok, "targets vocals drums bass other map to streams 4 1 2 3: %s", s->tracks[0].stem_paths[0]);
    err = sb_track_audio_load(&s->tracks[0], &ta, &msg);
    tap_ok(err == SB_OK && ta->mix && ta->mix->n_samples == N_DECLARED && ta->stems[0]->n_samples == N_DECLARED,
           "track loads: mixture and 4 stems of %d samples %s", N_DECLARED, msg.text);
    if (!err) {
      double sig = 0, res = 0;
      for (int64_t i = 0; i < (int64_t)N_CHAN * N_DECLARED; i++) {
        double sum = 0;
        for (int k = 0; k < 4; k++)
          sum += ta->stems[k]->data[i];
        sig += ta->mix->data[i] * ta->mix->data[i];
        res += (ta->mix->data[i] - sum) * (ta->mix->data[i] - sum);
      }
      /* Each stream carries its own coding error (each > 20 dB SNR
       * above), so the residual of mixture - sum of stems stays well below
       * the mixture. */
      tap_ok(10 * log10(sig / res) > 15.0, "mixture stream = sum of stem streams within %.1f dB",
             10 * log10(sig / res));
    }
    sb_track_audio_free(&ta);
  }
  sb_suite_free(&s);
  unsetenv("MUSDB_PATH");

  err = sb_suite_resolve(root, &opts, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->kind, "musdb18") == 0, "root path resolves %s", msg.text);
  sb_suite_free(&s);
  err = sb_suite_resolve(fx_path(root, "test"), &opts, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].subset, "test") == 0,
         "subset folder resolves %s", msg.text);
  sb_suite_free(&s);
  err = sb_suite_resolve(file, &opts, &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].name, "Artist - Title (live) & co") == 0,
         "a single .stem.mp4 file resolves %s", msg.text);
  sb_suite_free(&s);
  opts.subset = "train";
  err = sb_suite_resolve(root, &opts, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "train"), "missing train subset: %s", msg.text);
  sb_suite_free(&s);
}

static void check_bad_input(const char *dir, const double *stems)
{
  const char *text = fx_path(dir, "bad/Not - Audio.stem.mp4");
  const char *two = fx_path(dir, "bad/Two - Streams.stem.mp4");
  const char *cut = fx_path(dir, "bad/Cut - Short.stem.mp4");
  const char *cut_mdat = fx_path(dir, "bad/Cut - Data.stem.mp4");
  sb_stem_mp4_stream *list = NULL;
  sb_audio *a = NULL;
  int n_list = 0;
  sb_msg msg;
  sb_err err;
  char ref[4200];

  sb_path_mkdir_p(fx_path(dir, "bad"), NULL);
  fx_write_text(text, "this is not an MP4 file\n");
  err = sb_stem_mp4_read(text, 0, &a, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, text) && a == NULL, "text file: %s", msg.text);
  err = sb_stem_mp4_list(text, &list, &n_list, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, text) && !list, "text file listed: %s", msg.text);

  tap_ok(write_mp4(two, stems, 2, 0, 0), "2-stream MP4 written");
  err = sb_stem_mp4_read(two, 4, &a, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, two) && strstr(msg.text, "2 audio stream"), "2 streams: %s",
         msg.text);
  snprintf(ref, sizeof ref, "%s#3", two);
  err = sb_audio_read(ref, &a, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, two), "2 streams through sb_audio_read: %s", msg.text);
  sb_msg_clear(&msg);
  err = sb_stem_mp4_read(two, 1, &a, &msg);
  tap_ok(err == SB_OK && a->n_samples == N_DECLARED, "its stream 1 still decodes %s", msg.text);
  sb_audio_free(&a);
  err = sb_stem_mp4_read(two, -1, &a, &msg);
  tap_ok(err == SB_EINVAL, "negative stream: %s", msg.text);

  /* The muxer writes the moov header last: a cut file loses it. */
  tap_ok(write_mp4(cut, stems, 5, 0, 0.5), "truncated MP4 written");
  err = sb_stem_mp4_read(cut, 0, &a, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, cut) && a == NULL, "truncated (no header): %s", msg.text);
  /* Header first: the header survives and the data stops early. */
  tap_ok(write_mp4(cut_mdat, stems, 5, 1, 0.6), "truncated faststart MP4 written");
  err = sb_stem_mp4_read(cut_mdat, 4, &a, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, cut_mdat) && strstr(msg.text, "truncated") && a == NULL,
         "truncated (data cut): %s", msg.text);

  err = sb_stem_mp4_read(fx_path(dir, "bad/missing.stem.mp4"), 0, &a, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "missing.stem.mp4"), "missing file: %s", msg.text);
  err = sb_stem_mp4_read(fx_path(dir, "bad"), 0, &a, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "directory"), "a folder: %s", msg.text);

  /* A suite of such files resolves (files are only checked to exist), and
   * loading names the bad file. */
  {
    sb_suite *s = NULL;
    sb_track_audio *ta = NULL;
    sb_suite_opts opts = {.quiet = 1, .tracks = "Two"};
    sb_msg_clear(&msg);
    err = sb_suite_resolve(fx_path(dir, "bad"), &opts, &s, &msg);
    tap_ok(err == SB_OK && s->n_tracks == 1, "folder of bad files resolves %s", msg.text);
    if (!err) {
      err = sb_track_audio_load(&s->tracks[0], &ta, &msg);
      tap_ok(err == SB_EFORMAT && strstr(msg.text, two), "loading the 2-stream track: %s", msg.text);
    }
    sb_track_audio_free(&ta);
    sb_suite_free(&s);
  }
}

/* Overwrites len bytes of the n-th box `tag` of path, at offset bytes
 * from the tag's first byte as laid out in a version-0 box (a version-1
 * box has 8 more bytes of dates before its time scale): offset 0 renames
 * the box, so the demuxer skips it; offset 16 of "mdhd" is its time
 * scale.  1 on success. */
static int patch_box(const char *path, const char *tag, int n, long offset, const void *data, size_t len)
{
  FILE *f = fopen(path, "r+b");
  long size;
  unsigned char *bytes = NULL;
  int ok = 0, seen = 0;

  if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 || !(bytes = malloc((size_t)size)))
    goto done;
  rewind(f);
  if (fread(bytes, 1, (size_t)size, f) != (size_t)size)
    goto done;
  for (long i = 4; i + 32 <= size && !ok; i++)
    if (memcmp(bytes + i, tag, 4) == 0 && seen++ == n) {
      long at = i + offset + (offset >= 8 && bytes[i + 4] == 1 ? 8 : 0);
      ok = fseek(f, at, SEEK_SET) == 0 && fwrite(data, 1, len, f) == len;
    }
done:
  free(bytes);
  if (f)
    ok &= fclose(f) == 0;
  return ok;
}

/* Runs the read of stream `stream` of path with stderr sent to a file and
 * returns what was written there (static buffer); *err gets the result. */
static const char *stderr_of_read(const char *path, int stream, sb_err *err, sb_msg *msg)
{
  static char text[4096];
  FILE *capture = tmpfile();
  int saved = dup(2);
  size_t n = 0;
  sb_audio *a = NULL;
  sb_stem_mp4_stream *list = NULL;

  text[0] = '\0';
  if (!capture || saved < 0) {
    *err = SB_EIO;
    return "(cannot capture stderr)";
  }
  fflush(stderr);
  dup2(fileno(capture), 2);
  sb_msg_clear(msg);
  *err = stream < 0 ? sb_stem_mp4_list(path, &list, &(int){0}, msg) : sb_stem_mp4_read(path, stream, &a, msg);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  sb_audio_free(&a);
  free(list);
  rewind(capture);
  n = fread(text, 1, sizeof text - 1, capture);
  text[n] = '\0';
  fclose(capture);
  return text;
}

/* FFmpeg's log goes through sepbench's: a stream without a time scale
 * (its media header removed) makes the MP4 demuxer warn "stream 4,
 * timescale not set" on every open, as MUSDB18's files do for each stream;
 * at FFmpeg's default level the warning no longer reaches stderr, and an
 * error of a read that succeeds is one line naming the file.  Errors of a
 * failed read end its message instead of appearing raw, and messages
 * outside a sepbench read still reach FFmpeg's default log. */
static void check_log(const char *dir, const double *stems)
{
  const char *file = fx_path(dir, "log/No Scale - Stream 4.stem.mp4");
  const char *cut = fx_path(dir, "log/Cut - Short.stem.mp4");
  const char *bad_scale = fx_path(dir, "log/Zero - Scale.stem.mp4");
  const char *out;
  sb_msg msg;
  sb_err err;

  sb_path_mkdir_p(fx_path(dir, "log"), NULL);
  tap_ok(write_mp4(file, stems, 5, 0, 0) && patch_box(file, "mdhd", 4, 0, "xdhd", 4),
         "fixture: stream 4 without its media header (so without a time scale)");
  av_log_set_level(AV_LOG_INFO);
  for (int k = -1; k < 4; k++) {
    out = stderr_of_read(file, k, &err, &msg);
    tap_ok(err == SB_OK && out[0] == '\0', "%s %d: nothing on stderr (was '[mov,mp4,...] stream 4, timescale not "
           "set'): '%s' %s", k < 0 ? "listing the streams, then reading stream" : "reading stream", k + (k < 0), out,
           msg.text);
  }
  /* An error FFmpeg logs during a read that still succeeds (a time scale
   * of 0, which the demuxer replaces by 1): one line naming the file. */
  av_log_set_level(AV_LOG_ERROR);
  tap_ok(write_mp4(bad_scale, stems, 5, 0, 0) && patch_box(bad_scale, "mdhd", 4, 16, "\0\0\0\0", 4),
         "fixture: stream 4's time scale is 0");
  av_log_set_level(AV_LOG_INFO);
  out = stderr_of_read(bad_scale, 2, &err, &msg);
  tap_ok(err == SB_OK && strstr(out, "sepbench: ") == out && strstr(out, bad_scale) && strstr(out, "stream 2") &&
             strstr(out, "FFmpeg reported 1 error (Invalid mdhd time scale 0, defaulting to 1)") &&
             !strstr(out, "[mov") && strchr(out, '\n') == out + strlen(out) - 1,
         "an error during a read that succeeds: one line naming the file: %s", out);
  av_log_set_level(AV_LOG_ERROR);
  tap_ok(write_mp4(cut, stems, 5, 0, 0.5), "fixture: a file cut before its header");
  av_log_set_level(AV_LOG_INFO);
  out = stderr_of_read(cut, 0, &err, &msg);
  tap_ok(err == SB_EFORMAT && out[0] == '\0' && strstr(msg.text, cut) &&
             strstr(msg.text, "(FFmpeg: moov atom not found)"),
         "a failed read: FFmpeg's error ends the message, nothing raw on stderr ('%s'): %s", out, msg.text);
  {
    FILE *capture = tmpfile();
    int saved = dup(2);
    char text[512] = "";
    size_t n;
    fflush(stderr);
    dup2(fileno(capture), 2);
    av_log(NULL, AV_LOG_ERROR, "a message of another FFmpeg user\n");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(capture);
    n = fread(text, 1, sizeof text - 1, capture);
    text[n] = '\0';
    fclose(capture);
    tap_ok(strstr(text, "a message of another FFmpeg user") != NULL,
           "outside a sepbench read, FFmpeg's default log still prints: %s", text);
  }
  av_log_set_level(AV_LOG_ERROR);
}

static void check_parse_ref(void)
{
  size_t len = 0;
  int stream = -1;
  tap_ok(sb_stem_mp4_parse_ref("/a/B & C.stem.mp4#4", &len, &stream) && len == 17 && stream == 4,
         "reference #4 parsed (len %zu, stream %d)", len, stream);
  tap_ok(sb_stem_mp4_parse_ref("x.stem.mp4", &len, &stream) && len == 10 && stream == 0, "plain file = stream 0");
  tap_ok(!sb_stem_mp4_parse_ref("x.mp4#1", &len, &stream), "x.mp4#1 is no reference");
  tap_ok(!sb_stem_mp4_parse_ref("x.stem.mp4#1a", &len, &stream), "x.stem.mp4#1a is no reference");
  tap_ok(!sb_stem_mp4_parse_ref("x.stem.mp4#1234", &len, &stream), "4-digit stream is no reference");
  tap_ok(!sb_stem_mp4_parse_ref("x.wav", &len, &stream) && !sb_stem_mp4_parse_ref(NULL, &len, &stream),
         "x.wav and NULL are no reference");
}

static void check_run(const char *root, const char *dir)
{
  sb_run_opts o = {0};
  sb_run_summary sum;
  sb_msg msg;
  sb_err err;
  FILE *log = tmpfile();

  sb_msg_clear(&msg);
  setenv("MUSDB_PATH", root, 1);
  o.suite = "music";
  o.db_path = fx_path(dir, "run.db");
  o.backends = "mixture";
  o.jobs = 1;
  sb_eval_opts_default(&o.eval, RATE);
  o.eval.metrics = SB_METRIC_GSDR | SB_METRIC_SNR; /* cheap: the point is reading the suite */
  o.win_s = 1.0;
  o.hop_s = 1.0;
  o.progress_tty = 0;
  o.log = log;
  err = sb_run(&o, &sum, &msg);
  if (log && (err || sum.n_failed)) {
    char line[1024];
    rewind(log);
    while (fgets(line, sizeof line, log))
      tap_diag("%s", strtok(line, "\n"));
  }
  tap_ok(err == SB_OK && sum.n_tracks == 1 && sum.n_computed == 1 && sum.n_failed == 0,
         "sb_run --suite music on the .stem.mp4 fixture: %d tracks, %d computed, %d failed %s", sum.n_tracks,
         sum.n_computed, sum.n_failed, msg.text);
  unsetenv("MUSDB_PATH");
  if (log)
    fclose(log);
}

int main(void)
{
  seed = tap_seed(seed);
  char dir[] = "/tmp/sb-stem-mp4-XXXXXX";
  const char *root, *file;
  double *stems = make_stems();

  av_log_set_level(AV_LOG_ERROR); /* the encoder's statistics are noise here */
  if (!tap_ok(stems && mkdtemp(dir), "fixture folder %s", dir))
    return tap_done();
  tap_ok(sb_stem_mp4_available(), "built with FFmpeg");
  check_parse_ref();
  root = strdup(fx_path(dir, "musdb"));
  sb_path_mkdir_p(fx_path(root, "test"), NULL);
  file = strdup(fx_path(fx_path(root, "test"), "Artist - Title (live) & co.stem.mp4"));
  if (tap_ok(root && file && write_mp4(file, stems, 5, 0, 0), "fixture written: %s", file)) {
    check_streams(file, stems);
    check_suite(root, file, stems);
    check_run(root, dir);
  }
  check_bad_input(dir, stems);
  check_log(dir, stems);
  fx_rm_tree(dir);
  free((void *)root);
  free((void *)file);
  free(stems);
  return tap_done();
}
