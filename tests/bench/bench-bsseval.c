/*
 * tests/bench/bench-bsseval.c — times metrics/bsseval.c on the WAV files
 * written by tests/bench/bench-bsseval.py (DIR/ref/{0..3}.wav,
 * DIR/est/{0..3}.wav).  Not part of `make check`; built by `make bench`.
 *
 *   bench-bsseval DIR MODE WIN HOP
 *     MODE: v4 | v3 | v4-sdr (framewise SDR only: no filters needed, timed
 *     as the time-domain pass evaluate.c uses) ; WIN <= 0: whole signal.
 *   bench-bsseval flac DIR OUT
 *     writes OUT/ref/{0..3}.flac and OUT/est/{0..3}.flac, the same 16-bit
 *     samples as FLAC (for the decode part of `sepbench eval`'s time).
 *   bench-bsseval stem DIR OUT
 *     DIR/<track>/{mixture,drums,bass,other,vocals}.wav (a MUSDB18-HQ
 *     subset folder) -> OUT/<track>.stem.mp4, the MUSDB18 layout: 5 AAC
 *     streams in that order (tests/datasets/stem_writer.c).  Exit 77 when
 *     built without FFmpeg.
 * Prints one line: mode, wall seconds for sb_bsseval_new and for the J
 * pairs, total, CPU seconds of the evaluation (all threads), peak resident
 * memory (getrusage) next to the size of the float64 signals themselves,
 * and the median SDR/SIR over frames of source 0 as a sanity value.
 * Runs with the OpenBLAS kernels the sepbench command uses
 * (common/blas_core.h).
 */
#include <config.h>

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "metrics/bsseval.h"
#include "common/blas_core.h"
#include "common/paths.h"
#ifdef HAVE_FFMPEG
#include <libavutil/log.h>
#include "datasets/stem_mp4.h"
#include "tests/datasets/stem_writer.h"
#endif

enum { N_SRC = 4 };

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Reads a stereo file into two planar channels. */
static int read_wav(const char *path, double **l, double **r, int64_t *len)
{
  SF_INFO info;
  SNDFILE *f;
  double *buf;
  memset(&info, 0, sizeof info);
  f = sf_open(path, SFM_READ, &info);
  if (!f || info.channels != 2) {
    fprintf(stderr, "%s: cannot read a stereo file: %s\n", path, sf_strerror(f));
    if (f)
      sf_close(f);
    return -1;
  }
  buf = malloc(sizeof(double) * 2 * (size_t)info.frames);
  *l = malloc(sizeof(double) * (size_t)info.frames);
  *r = malloc(sizeof(double) * (size_t)info.frames);
  if (!buf || !*l || !*r || sf_readf_double(f, buf, info.frames) != info.frames) {
    fprintf(stderr, "%s: read failed\n", path);
    sf_close(f);
    free(buf);
    return -1;
  }
  for (sf_count_t t = 0; t < info.frames; t++) {
    (*l)[t] = buf[2 * t];
    (*r)[t] = buf[2 * t + 1];
  }
  *len = info.frames;
  free(buf);
  sf_close(f);
  return 0;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_finite(const double *v, int64_t n)
{
  double *s = malloc(sizeof(double) * (size_t)n);
  int64_t m = 0;
  double med = NAN;
  for (int64_t i = 0; s && i < n; i++)
    if (isfinite(v[i]))
      s[m++] = v[i];
  if (m > 0) {
    qsort(s, (size_t)m, sizeof(double), cmp_double);
    med = m % 2 ? s[m / 2] : 0.5 * (s[m / 2 - 1] + s[m / 2]);
  }
  free(s);
  return med;
}

/* DIR/{ref,est}/j.wav -> OUT/{ref,est}/j.flac (16-bit PCM, the same samples). */
static int write_flac(const char *dir, const char *out)
{
  static const char *const sub[2] = {"ref", "est"};
  for (int s = 0; s < 2; s++)
    for (int j = 0; j < N_SRC; j++) {
      char in_path[4096], out_path[4096];
      SF_INFO info = {0};
      short buf[8192];
      sf_count_t got;
      snprintf(in_path, sizeof in_path, "%s/%s/%d.wav", dir, sub[s], j);
      snprintf(out_path, sizeof out_path, "%s/%s/%d.flac", out, sub[s], j);
      SNDFILE *in = sf_open(in_path, SFM_READ, &info), *o = NULL;
      info.format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16;
      if (in)
        o = sf_open(out_path, SFM_WRITE, &info);
      if (!in || !o) {
        fprintf(stderr, "bench-bsseval: %s: %s\n", in ? out_path : in_path, sf_strerror(NULL));
        return 1;
      }
      while ((got = sf_readf_short(in, buf, 8192 / info.channels)) > 0)
        sf_writef_short(o, buf, got);
      sf_close(in);
      sf_close(o);
    }
  return 0;
}

#ifdef HAVE_FFMPEG
/* MUSDB18's stream order (datasets/musdb.c). */
static const char *const stem_names[SB_STEM_MP4_N_STREAMS] = {"mixture", "drums", "bass", "other", "vocals"};

/* The WAV files of one track, read in step with the encoder. */
typedef struct wav_streams {
  SNDFILE *in[SB_STEM_MP4_N_STREAMS];
  SF_INFO info[SB_STEM_MP4_N_STREAMS];
  float *buf; /* interleaved, buf_frames frames */
  int buf_frames;
  const char *dir;
} wav_streams;

/* stem_writer_fill: the next n frames of stream's file, deinterleaved. */
static sb_err fill_from_wav(void *ctx, int stream, int64_t start, int n, float *const *chan, sb_msg *msg)
{
  wav_streams *w = ctx;
  int n_chan = w->info[stream].channels;
  (void)start; /* the writer asks for every stream's frames in order */
  if (n > w->buf_frames) {
    float *grown = realloc(w->buf, sizeof(float) * (size_t)n * (size_t)n_chan);
    if (!grown)
      return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", w->dir);
    w->buf = grown;
    w->buf_frames = n;
  }
  if (sf_readf_float(w->in[stream], w->buf, n) != n)
    return sb_msg_set(msg, SB_EFORMAT, "%s/%s.wav: ends early", w->dir, stem_names[stream]);
  for (int c = 0; c < n_chan; c++)
    for (int i = 0; i < n; i++)
      chan[c][i] = w->buf[(size_t)i * (size_t)n_chan + (size_t)c];
  return SB_OK;
}

/* Opens dir's five WAV files, all of the mixture's rate, channels, length. */
static sb_err open_wav_streams(const char *dir, wav_streams *w, sb_msg *msg)
{
  sb_err err = SB_OK;
  for (int k = 0; !err && k < SB_STEM_MP4_N_STREAMS; k++) {
    char *path = NULL;
    if (sb_path_printf(&path, "%s/%s.wav", dir, stem_names[k]))
      return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", dir);
    w->in[k] = sf_open(path, SFM_READ, &w->info[k]);
    if (!w->in[k])
      err = sb_msg_set(msg, SB_EIO, "%s: %s", path, sf_strerror(NULL));
    else if (w->info[k].samplerate != w->info[0].samplerate || w->info[k].channels != w->info[0].channels ||
             w->info[k].frames != w->info[0].frames)
      err = sb_msg_set(msg, SB_EFORMAT, "%s: rate, channels or length differ from mixture.wav's", path);
    free(path);
  }
  return err;
}

/* dir (a MUSDB18-HQ track folder) -> out/<name>.stem.mp4. */
static sb_err write_stem_track(const char *dir, const char *name, const char *out, sb_msg *msg)
{
  wav_streams w = {.dir = dir};
  char *path = NULL;
  sb_err err = open_wav_streams(dir, &w, msg);
  if (!err && sb_path_printf(&path, "%s/%s.stem.mp4", out, name))
    err = sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", dir);
  if (!err) {
    stem_writer_spec spec = {.n_streams = SB_STEM_MP4_N_STREAMS, .rate = w.info[0].samplerate,
                             .n_chan = w.info[0].channels, .n_frames = w.info[0].frames, .fill = fill_from_wav,
                             .ctx = &w};
    err = stem_writer_write(path, &spec, msg);
  }
  for (int k = 0; k < SB_STEM_MP4_N_STREAMS; k++)
    if (w.in[k])
      sf_close(w.in[k]);
  free(w.buf);
  free(path);
  return err;
}

/* Every track folder of dir -> out/<track>.stem.mp4. */
static int write_stems(const char *dir, const char *out)
{
  char **names = NULL;
  int n_names = 0;
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  av_log_set_level(AV_LOG_ERROR); /* the encoder's statistics are noise here */
  err = sb_path_mkdir_p(out, &msg);
  if (!err)
    err = sb_path_list(dir, SB_PATH_DIR, &names, &n_names, &msg);
  if (!err && n_names == 0)
    err = sb_msg_set(&msg, SB_ENOTFOUND, "%s: no track folders", dir);
  for (int i = 0; !err && i < n_names; i++) {
    char *track = NULL;
    if (sb_path_join(dir, names[i], &track))
      err = sb_msg_set(&msg, SB_ENOMEM, "%s: out of memory", dir);
    else
      err = write_stem_track(track, names[i], out, &msg);
    free(track);
  }
  sb_path_free_list(&names, n_names);
  if (err)
    fprintf(stderr, "bench-bsseval: %s\n", msg.text);
  return err ? 1 : 0;
}
#else
static int write_stems(const char *dir, const char *out)
{
  (void)dir;
  (void)out;
  fprintf(stderr, "bench-bsseval: built without FFmpeg: cannot write .stem.mp4 files\n");
  return 77;
}
#endif

int main(int argc, char **argv)
{
  const double *ref_chan[2 * N_SRC], *est_chan[2 * N_SRC];
  double *data[4 * N_SRC];
  int64_t len = 0;
  sb_bss_opts o;
  sb_bsseval *b = NULL;
  sb_bss_pair pair[N_SRC];
  sb_sources ref, est;
  sb_msg msg;
  double *v[4], t0, t1, t2, cpu0;
  int64_t n_frames;
  struct rusage ru;
  int sdr_only;

  if (argc == 4 && strcmp(argv[1], "flac") == 0)
    return write_flac(argv[2], argv[3]);
  if (argc == 4 && strcmp(argv[1], "stem") == 0)
    return write_stems(argv[2], argv[3]);
  if (argc != 5) {
    fprintf(stderr, "usage: %s DIR v4|v3|v4-sdr WIN HOP | %s flac DIR OUT | %s stem DIR OUT\n", argv[0], argv[0],
            argv[0]);
    return 2;
  }
  sb_blas_core_reexec(argv);
  for (int j = 0; j < N_SRC; j++) {
    char path[4096];
    int64_t n;
    snprintf(path, sizeof path, "%s/ref/%d.wav", argv[1], j);
    if (read_wav(path, &data[4 * j], &data[4 * j + 1], &n) != 0)
      return 1;
    len = n;
    snprintf(path, sizeof path, "%s/est/%d.wav", argv[1], j);
    if (read_wav(path, &data[4 * j + 2], &data[4 * j + 3], &n) != 0 || n != len)
      return 1;
    ref_chan[2 * j] = data[4 * j];
    ref_chan[2 * j + 1] = data[4 * j + 1];
    est_chan[2 * j] = data[4 * j + 2];
    est_chan[2 * j + 1] = data[4 * j + 3];
  }
  sdr_only = strcmp(argv[2], "v4-sdr") == 0;
  memset(&o, 0, sizeof o);
  o.mode = strcmp(argv[2], "v3") == 0 ? SB_BSS_V3 : SB_BSS_V4;
  o.crit = SB_CRIT_IMAGES;
  o.win = atoll(argv[3]);
  o.hop = atoll(argv[4]);
  o.filter_len = 512;
  o.v3_whole_fallback = 1;
  ref.n_src = N_SRC;
  ref.n_chan = 2;
  ref.n_samples = len;
  ref.rate = 44100;
  ref.chan = ref_chan;
  ref.read = NULL;
  ref.read_ctx = NULL;
  est = ref;
  est.chan = est_chan;

  getrusage(RUSAGE_SELF, &ru);
  cpu0 = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  t0 = now();
  if (sdr_only) {
    /* framewise images SDR = ||s||^2 / ||s_hat - s||^2: no filters */
    int64_t win = o.win > 0 && o.win < len ? o.win : len, hop = o.win > 0 && o.win < len ? o.hop : len;
    n_frames = win < len ? (len - win + hop) / hop : 1;
    v[0] = malloc(sizeof(double) * (size_t)(N_SRC * n_frames));
#ifdef _OPENMP
#pragma omp parallel for collapse(2) schedule(static)
#endif
    for (int j = 0; j < N_SRC; j++)
      for (int64_t k = 0; k < n_frames; k++) {
        double ss = 0.0, dd = 0.0;
        for (int c = 0; c < 2; c++)
          for (int64_t t = k * hop; t < k * hop + win; t++) {
            double s = ref_chan[2 * j + c][t], d = est_chan[2 * j + c][t] - s;
            ss += s * s;
            dd += d * d;
          }
        v[0][j * n_frames + k] = 10.0 * log10(ss / dd);
      }
    t1 = t2 = now();
    v[2] = v[0];
  } else {
    if (sb_bsseval_new(&o, &ref, &b, &msg) != SB_OK) {
      fprintf(stderr, "sb_bsseval_new: %s\n", msg.text);
      return 1;
    }
    t1 = now();
    n_frames = sb_bsseval_n_frames(b);
    for (int q = 0; q < 4; q++)
      v[q] = malloc(sizeof(double) * (size_t)(N_SRC * n_frames));
    for (int j = 0; j < N_SRC; j++) {
      pair[j].target = j;
      pair[j].est = j;
    }
    if (sb_bsseval_eval_pairs(b, &est, N_SRC, pair, NULL, v[0], v[1], v[2], v[3]) != SB_OK) {
      fprintf(stderr, "sb_bsseval_eval_pairs failed\n");
      return 1;
    }
    t2 = now();
    sb_bsseval_free(&b);
  }
  getrusage(RUSAGE_SELF, &ru);
  printf("%s win=%lld frames=%lld new=%.3f s eval=%.3f s total=%.3f s cpu=%.3f s "
         "peak_rss=%.0f MB (signals %.0f MB) median_sdr0=%.4f median_sir0=%.4f\n",
         argv[2], (long long)o.win, (long long)n_frames, t1 - t0, t2 - t1, t2 - t0,
         (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) - cpu0,
         (double)ru.ru_maxrss / 1024.0, 16.0 * 8.0 * (double)len / 1048576.0,
         median_finite(v[0], n_frames), median_finite(v[2], n_frames));
  return 0;
}
