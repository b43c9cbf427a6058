/*
 * datasets/audio_stream.c — streamed audio files (see audio_stream.h).
 *
 * References: libsndfile's API (sf_open, sf_seek, sf_readf_double with its
 * default normalisation, the same calls sb_audio_read makes, so samples
 * are bit-identical), museval's pad_or_truncate for estimates, and the
 * OpenMP thread numbering (omp_get_thread_num) for per-thread state.
 *
 * Layout: the frames of a file are cut into blocks of BLOCK_FRAMES
 * (aligned: block b holds frames [b BLOCK_FRAMES, (b + 1) BLOCK_FRAMES)).
 * A cursor (one per thread and file) keeps a libsndfile handle and two
 * block buffers indexed by block parity, a two-entry direct-mapped cache:
 * a piece of at most BLOCK_FRAMES frames touches at most two consecutive
 * blocks, which then sit side by side, so the channels of one piece and a
 * sequential walk decode every block once, and reading block b + 1 right
 * after block b needs no seek.  Each decoded block is checked for NaN/Inf
 * once, when it is decoded.
 *
 * Threads: slot t (t < omp_get_max_threads() at creation) belongs to
 * OpenMP thread t; any other thread number shares one extra slot.  Every
 * slot has its own mutex, uncontended for the threads of one team, which
 * keeps threads of nested teams (whose numbers repeat) correct.  Opening a
 * handle takes a stream-wide lock, once per thread and file.
 *
 * Workload: 4-9 files of up to 10 minutes (26 M frames); one or two
 * threads reading pieces of 45 k frames, mostly in increasing order.
 */
#include <config.h>

#include "datasets/audio_stream.h"

#include <math.h>
#include <pthread.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "common/vectorize.h"
#include "datasets/audio.h"
#include "datasets/stem_mp4.h"
#include "datasets/track_audio.h"
#include "datasets/wav_map.h"

enum { BLOCK_FRAMES = 1 << 16 };

/* One thread's reading state for one file. */
typedef struct cursor {
  SNDFILE *sf;       /* NULL until first used */
  int64_t pos;       /* frame at which sf reads next; -1 when unknown */
  double *blocks;    /* 2 * BLOCK_FRAMES * n_chan, interleaved; NULL until first used */
  int64_t held[2];   /* block index in each buffer (by parity), -1 = empty */
} cursor;

typedef struct slot {
  pthread_mutex_t lock;
  cursor *cur; /* n_sig cursors */
} slot;

struct sb_audio_stream {
  int n_sig, n_chan, rate;
  int64_t n_samples;       /* length of the group (the view) */
  char **paths;            /* n_sig copies */
  int64_t *file_frames;    /* frames each file holds */
  int n_slots;             /* thread slots; slots[n_slots] is the shared one */
  slot *slots;
  int n_locks;             /* slot mutexes initialised */
  pthread_mutex_t open_lock, error_lock;
  int locks_ready;         /* open_lock and error_lock initialised */
  sb_err error;            /* first recorded error */
  sb_msg error_msg;
  void **cache;            /* n_sig: the file decoded whole, planar (channel c at
                              sample c * file_frames[k]); NULL = streamed */
  int *held_size;          /* n_sig: bytes per sample when held, from the file's
                              format (held_size_of): 2 (int16 k, read as k / 32768),
                              4 (float32), 0 (never held) */
  int *map_size;           /* n_sig: 2 or 4 when the file is a WAV file whose data
                              sb_wav_map can map (map_size_of), 0 otherwise */
  sb_wav_map **map;        /* n_sig: the file's samples mapped, interleaved (frame i,
                              channel c at i * n_chan + c); NULL = not mapped */
};

/* Keeps the first error a reader meets, with its message. */
static sb_err record(sb_audio_stream *s, sb_err err, const sb_msg *msg)
{
  pthread_mutex_lock(&s->error_lock);
  if (s->error == SB_OK) {
    s->error = err;
    s->error_msg = *msg;
  }
  pthread_mutex_unlock(&s->error_lock);
  return err;
}

static sb_err check_streamable(const char *path, sb_audio_header *h, sb_msg *msg)
{
  size_t file_len;
  int stream;
  sb_err err;
  if (sb_stem_mp4_parse_ref(path, &file_len, &stream))
    return sb_msg_set(msg, SB_EUNSUPPORTED, "%s: a .stem.mp4 stream is decoded whole, not streamed", path);
  err = sb_audio_probe(path, h, msg);
  if (err)
    return err;
  if (!h->exact_count || !h->exact_seek)
    return sb_msg_set(msg, SB_EUNSUPPORTED, "%s: cannot be streamed (%s)", path,
                      !h->exact_count ? "its frame count is an estimate"
                                      : "its codec cannot seek to exact samples");
  return SB_OK;
}

/* A header-only buffer for the shape checks of track_audio.h. */
static sb_audio shape_of(int n_chan, int64_t n_samples, int rate)
{
  sb_audio a = {.n_chan = n_chan, .n_samples = n_samples, .rate = rate, .data = NULL};
  return a;
}

/* Bytes per sample that hold every value libsndfile decodes from a file of
 * this format exactly: 2 (int16 k = value x 32768) for 8/16-bit PCM, A-law
 * and mu-law (16-bit values k / 32768), 4 (float32) for 24-bit PCM
 * (k / 2^23) and float32 files, 0 for the others. */
static int held_size_of(int format)
{
  switch (format & SF_FORMAT_SUBMASK) {
  case SF_FORMAT_PCM_S8:
  case SF_FORMAT_PCM_U8:
  case SF_FORMAT_PCM_16:
  case SF_FORMAT_ULAW:
  case SF_FORMAT_ALAW:
    return 2;
  case SF_FORMAT_PCM_24:
  case SF_FORMAT_FLOAT:
    return 4;
  default:
    return 0;
  }
}

/* Bytes per sample of a WAV file whose sample data sb_wav_map maps and
 * reads as libsndfile decodes it: 2 for 16-bit PCM, 4 for 32-bit float,
 * little-endian; 0 for every other format. */
static int map_size_of(int format)
{
  const int type = format & SF_FORMAT_TYPEMASK, end = format & SF_FORMAT_ENDMASK;
  if ((type != SF_FORMAT_WAV && type != SF_FORMAT_WAVEX) || (end != SF_ENDIAN_FILE && end != SF_ENDIAN_LITTLE))
    return 0;
  switch (format & SF_FORMAT_SUBMASK) {
  case SF_FORMAT_PCM_16:
    return 2;
  case SF_FORMAT_FLOAT:
    return 4;
  default:
    return 0;
  }
}

static sb_err check_files(sb_audio_stream *s, const sb_audio_stream *like, int fit, sb_msg *msg)
{
  for (int k = 0; k < s->n_sig; k++) {
    sb_audio_header h;
    sb_audio shape;
    sb_err err = check_streamable(s->paths[k], &h, msg);
    if (err)
      return err;
    shape = shape_of(h.n_chan, h.n_samples, h.rate);
    s->file_frames[k] = h.n_samples;
    s->held_size[k] = held_size_of(h.format);
    s->map_size[k] = map_size_of(h.format);
    if (!like && k == 0) {
      s->n_chan = h.n_chan;
      s->rate = h.rate;
      s->n_samples = h.n_samples;
    } else if (!like) {
      sb_audio first = shape_of(s->n_chan, s->n_samples, s->rate);
      err = sb_track_audio_check_shape(&shape, s->paths[k], &first, s->paths[0], msg);
    } else if (fit) {
      err = sb_track_audio_check_estimate(&shape, s->paths[k], like->rate, like->n_chan, msg);
    } else {
      sb_audio ref = shape_of(like->n_chan, like->n_samples, like->rate);
      err = sb_track_audio_check_shape(&shape, s->paths[k], &ref, like->paths[0], msg);
    }
    if (err)
      return err;
  }
  return SB_OK;
}

sb_err sb_audio_stream_new(int n_sig, const char *const *paths, const sb_audio_stream *like, int fit,
                           sb_audio_stream **out, sb_msg *msg)
{
  sb_audio_stream *s;
  sb_err err;
  int n_threads = 1;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "audio stream: no output pointer");
  *out = NULL;
  if (n_sig < 1 || !paths)
    return sb_msg_set(msg, SB_EINVAL, "audio stream: %d files", n_sig);
  if (fit && !like)
    return sb_msg_set(msg, SB_EINVAL, "audio stream: padding needs the references' length");
  for (int k = 0; k < n_sig; k++)
    if (!paths[k])
      return sb_msg_set(msg, SB_EINVAL, "audio stream: file %d has no path", k);
#ifdef _OPENMP
  n_threads = omp_get_max_threads();
#endif
  s = calloc(1, sizeof *s);
  if (!s)
    return SB_ENOMEM;
  s->n_sig = n_sig;
  if (like) {
    s->n_chan = like->n_chan;
    s->rate = like->rate;
    s->n_samples = like->n_samples;
  }
  if (pthread_mutex_init(&s->open_lock, NULL) != 0) {
    free(s);
    return SB_ENOMEM;
  }
  if (pthread_mutex_init(&s->error_lock, NULL) != 0) {
    pthread_mutex_destroy(&s->open_lock);
    free(s);
    return SB_ENOMEM;
  }
  s->locks_ready = 1;
  s->n_slots = n_threads;
  s->paths = calloc((size_t)n_sig, sizeof *s->paths);
  s->file_frames = calloc((size_t)n_sig, sizeof *s->file_frames);
  s->slots = calloc((size_t)n_threads + 1, sizeof *s->slots);
  s->cache = calloc((size_t)n_sig, sizeof *s->cache);
  s->held_size = calloc((size_t)n_sig, sizeof *s->held_size);
  s->map_size = calloc((size_t)n_sig, sizeof *s->map_size);
  s->map = calloc((size_t)n_sig, sizeof *s->map);
  if (!s->paths || !s->file_frames || !s->slots || !s->cache || !s->held_size || !s->map_size || !s->map) {
    err = SB_ENOMEM;
    goto fail;
  }
  for (int k = 0; k < n_sig; k++) {
    s->paths[k] = strdup(paths[k]);
    if (!s->paths[k]) {
      err = SB_ENOMEM;
      goto fail;
    }
  }
  for (int t = 0; t <= n_threads; t++) {
    slot *sl = &s->slots[t];
    sl->cur = calloc((size_t)n_sig, sizeof *sl->cur);
    if (!sl->cur) {
      err = SB_ENOMEM;
      goto fail;
    }
    for (int k = 0; k < n_sig; k++) {
      sl->cur[k].pos = -1;
      sl->cur[k].held[0] = sl->cur[k].held[1] = -1;
    }
    if (pthread_mutex_init(&sl->lock, NULL) != 0) {
      err = SB_ENOMEM;
      goto fail;
    }
    s->n_locks = t + 1;
  }
  err = check_files(s, like, fit, msg);
  if (err)
    goto fail;
  *out = s;
  return SB_OK;

fail:
  sb_audio_stream_free(&s);
  return err;
}

void sb_audio_stream_free(sb_audio_stream **sp)
{
  sb_audio_stream *s;
  if (!sp || !*sp)
    return;
  s = *sp;
  for (int t = 0; s->slots && t <= s->n_slots; t++) {
    slot *sl = &s->slots[t];
    for (int k = 0; sl->cur && k < s->n_sig; k++) {
      if (sl->cur[k].sf)
        sf_close(sl->cur[k].sf);
      free(sl->cur[k].blocks);
    }
    free(sl->cur);
    if (t < s->n_locks)
      pthread_mutex_destroy(&sl->lock);
  }
  free(s->slots);
  for (int k = 0; s->paths && k < s->n_sig; k++)
    free(s->paths[k]);
  for (int k = 0; s->cache && k < s->n_sig; k++)
    free(s->cache[k]);
  for (int k = 0; s->map && k < s->n_sig; k++)
    sb_wav_map_free(&s->map[k]);
  free(s->cache);
  free(s->held_size);
  free(s->map_size);
  free(s->map);
  free(s->paths);
  free(s->file_frames);
  if (s->locks_ready) {
    pthread_mutex_destroy(&s->open_lock);
    pthread_mutex_destroy(&s->error_lock);
  }
  free(s);
  *sp = NULL;
}

static sb_err read_cb(void *ctx, int src, int c, int64_t t0, int64_t n, double *dst)
{
  return sb_audio_stream_read(ctx, src, c, t0, n, dst);
}

sb_err sb_audio_stream_view(sb_audio_stream *s, sb_sources *view)
{
  if (!s || !view)
    return SB_EINVAL;
  memset(view, 0, sizeof *view);
  view->n_src = s->n_sig;
  view->n_chan = s->n_chan;
  view->n_samples = s->n_samples;
  view->rate = s->rate;
  view->chan = NULL;
  view->read = read_cb;
  view->read_ctx = s;
  return SB_OK;
}

/* Drops the handle after a failed seek or read (a decoder may not recover
 * from one); the next request opens it again. */
static void close_cursor(cursor *cur)
{
  sf_close(cur->sf);
  cur->sf = NULL;
  cur->pos = -1;
  cur->held[0] = cur->held[1] = -1;
}

/* Opens the cursor's handle, and its buffers on first use; an error goes
 * to msg only (the caller records it or not). */
static sb_err open_cursor_quiet(sb_audio_stream *s, int sig, cursor *cur, sb_msg *msg)
{
  SF_INFO info;
  sb_err err = SB_OK;

  if (!cur->blocks)
    cur->blocks = malloc(sizeof(double) * 2 * BLOCK_FRAMES * (size_t)s->n_chan);
  if (!cur->blocks)
    return sb_msg_set(msg, SB_ENOMEM, "%s: no memory for the read buffers", s->paths[sig]);
  memset(&info, 0, sizeof info);
  /* sf_open keeps its last error in libsndfile's global state. */
  pthread_mutex_lock(&s->open_lock);
  cur->sf = sf_open(s->paths[sig], SFM_READ, &info);
  if (!cur->sf)
    err = sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", s->paths[sig], sf_strerror(NULL));
  else if (info.channels != s->n_chan || info.frames != s->file_frames[sig])
    err = sb_msg_set(msg, SB_EFORMAT, "%s: changed while being read (%d channels, %lld frames)",
                     s->paths[sig], info.channels, (long long)info.frames);
  pthread_mutex_unlock(&s->open_lock);
  if (err) {
    if (cur->sf)
      close_cursor(cur);
    return err;
  }
  cur->pos = 0;
  return SB_OK;
}

/* open_cursor_quiet, recording its error for sb_audio_stream_error. */
static sb_err open_cursor(sb_audio_stream *s, int sig, cursor *cur)
{
  sb_msg msg;
  sb_err err = open_cursor_quiet(s, sig, cur, &msg);
  return err ? record(s, err, &msg) : SB_OK;
}

/* The first non-finite sample of a decoded block in channel order (its
 * message in msg). */
static sb_err check_block(const sb_audio_stream *s, int sig, int64_t block, const double *x, int64_t len,
                          sb_msg *msg)
{
  const int n_chan = s->n_chan;
  const int64_t total = len * n_chan;
  int bad = 0;
  for (int64_t i = 0; i < total; i++)
    bad |= !isfinite(x[i]);
  if (!bad)
    return SB_OK;
  for (int c = 0; c < n_chan; c++)
    for (int64_t i = 0; i < len; i++)
      if (!isfinite(x[i * n_chan + c]))
        return sb_audio_nonfinite_msg(msg, s->paths[sig], x[i * n_chan + c], c, block * BLOCK_FRAMES + i);
  return SB_OK;
}

/* Decodes block b of file sig into the cursor's buffer of b's parity and
 * checks it; an error goes to msg only, and a failed seek or read drops
 * the handle. */
static sb_err decode_block(const sb_audio_stream *s, int sig, cursor *cur, int64_t b, double **out, sb_msg *msg)
{
  const int64_t start = b * BLOCK_FRAMES;
  const int64_t left = s->file_frames[sig] - start;
  const sf_count_t want = left < BLOCK_FRAMES ? left : BLOCK_FRAMES;
  double *buf = cur->blocks + (size_t)(b & 1) * BLOCK_FRAMES * (size_t)s->n_chan;
  sf_count_t got;
  sb_err err;

  cur->held[b & 1] = -1;
  if (cur->pos != start) {
    if (sf_seek(cur->sf, start, SEEK_SET) != start) {
      err = sb_msg_set(msg, SB_EFORMAT, "%s: cannot seek to frame %lld of the %lld the header declares "
                       "(truncated or damaged file): %s", s->paths[sig], (long long)start,
                       (long long)s->file_frames[sig], sf_strerror(cur->sf));
      close_cursor(cur);
      return err;
    }
    cur->pos = start;
  }
  got = sf_readf_double(cur->sf, buf, want);
  if (got != want) {
    err = sb_audio_shortfall_msg(msg, s->paths[sig], s->file_frames[sig], start + (got > 0 ? got : 0),
                                 sf_error(cur->sf) != SF_ERR_NO_ERROR ? sf_strerror(cur->sf) : NULL);
    close_cursor(cur);
    return err;
  }
  cur->pos = start + got;
  err = check_block(s, sig, b, buf, want, msg);
  if (err)
    return err;
  cur->held[b & 1] = b;
  *out = buf;
  return SB_OK;
}

/* decode_block, recording its error for sb_audio_stream_error. */
static sb_err load_block(sb_audio_stream *s, int sig, cursor *cur, int64_t b, double **out)
{
  sb_msg msg;
  sb_err err = decode_block(s, sig, cur, b, out, &msg);
  return err ? record(s, err, &msg) : SB_OK;
}

/* Copies frames [t0, t1) of channel c, all inside the file, to dst. */
static sb_err copy_frames(sb_audio_stream *s, int sig, cursor *cur, int c, int64_t t0, int64_t t1, double *dst)
{
  const int n_chan = s->n_chan;
  sb_err err;
  if (!cur->sf && (err = open_cursor(s, sig, cur)) != SB_OK)
    return err;
  while (t0 < t1) {
    const int64_t b = t0 / BLOCK_FRAMES, start = b * BLOCK_FRAMES;
    const int64_t end = start + BLOCK_FRAMES < t1 ? start + BLOCK_FRAMES : t1;
    double *buf = cur->blocks + (size_t)(b & 1) * BLOCK_FRAMES * (size_t)n_chan;
    if (cur->held[b & 1] != b && (err = load_block(s, sig, cur, b, &buf)) != SB_OK)
      return err;
    const double *src = buf + (size_t)(t0 - start) * (size_t)n_chan + (size_t)c;
    const int64_t m = end - t0;
    for (int64_t i = 0; i < m; i++)
      dst[i] = src[i * n_chan];
    dst += m;
    t0 = end;
  }
  return SB_OK;
}

/* dst[i] = src[i * step] (exact). */
static inline __attribute__((always_inline)) void widen_at(const float *restrict src, int64_t step, int64_t n,
                                                          double *restrict dst)
{
  SB_SIMD
  for (int64_t i = 0; i < n; i++)
    dst[i] = src[i * step];
}

/* dst[i] = src[i * step] / 32768 (exact: a power-of-two scale of a 16-bit
 * integer). */
static inline __attribute__((always_inline)) void widen16_at(const int16_t *restrict src, int64_t step, int64_t n,
                                                            double *restrict dst)
{
  SB_SIMD
  for (int64_t i = 0; i < n; i++)
    dst[i] = (double)src[i * step] * (1.0 / 32768.0);
}

/* The copies through which the passes of the metrics read a held file
 * about 15 times: step 1 for a planar buffer, n_chan for a mapped
 * interleaved file.  Steps 1 and 2 (stereo) are spelt as constants so
 * that each clone vectorises them. */
SB_CLONES
static void widen(const float *restrict src, int64_t step, int64_t n, double *restrict dst)
{
  if (step == 1)
    widen_at(src, 1, n, dst);
  else if (step == 2)
    widen_at(src, 2, n, dst);
  else
    widen_at(src, step, n, dst);
}

SB_CLONES
static void widen16(const int16_t *restrict src, int64_t step, int64_t n, double *restrict dst)
{
  if (step == 1)
    widen16_at(src, 1, n, dst);
  else if (step == 2)
    widen16_at(src, 2, n, dst);
  else
    widen16_at(src, step, n, dst);
}

/* Samples [t0, t0 + n) of channel c of a held (planar) or mapped
 * (interleaved) file as doubles; 0 when the file is neither. */
static int read_held(const sb_audio_stream *s, int sig, int c, int64_t t0, int64_t n, double *dst)
{
  const int64_t frames = s->file_frames[sig];
  const void *x = s->cache[sig] ? s->cache[sig] : sb_wav_map_samples(s->map[sig]);
  const int64_t step = s->cache[sig] ? 1 : s->n_chan;
  const size_t at = s->cache[sig] ? (size_t)c * (size_t)frames + (size_t)t0 : (size_t)t0 * (size_t)step + (size_t)c;
  const int size = s->cache[sig] ? s->held_size[sig] : s->map_size[sig];
  if (!x)
    return 0;
  if (size == 2)
    widen16((const int16_t *)x + at, step, n, dst);
  else
    widen((const float *)x + at, step, n, dst);
  return 1;
}

sb_err sb_audio_stream_read(sb_audio_stream *s, int sig, int c, int64_t t0, int64_t n, double *dst)
{
  int64_t in_file;
  slot *sl;
  sb_err err = SB_OK;
  int t = 0;

  if (!s || !dst || sig < 0 || sig >= s->n_sig || c < 0 || c >= s->n_chan || t0 < 0 || n < 1 ||
      n > s->n_samples - t0)
    return SB_EINVAL;
  in_file = s->file_frames[sig] - t0;
  in_file = in_file < 0 ? 0 : in_file < n ? in_file : n;
  if (in_file < n)
    memset(dst + in_file, 0, sizeof(double) * (size_t)(n - in_file));
  if (in_file == 0)
    return SB_OK;
  if (read_held(s, sig, c, t0, in_file, dst))
    return SB_OK;
#ifdef _OPENMP
  t = omp_get_thread_num();
#endif
  sl = &s->slots[t >= 0 && t < s->n_slots ? t : s->n_slots];
  pthread_mutex_lock(&sl->lock);
  err = copy_frames(s, sig, &sl->cur[sig], c, t0, t0 + in_file, dst);
  pthread_mutex_unlock(&sl->lock);
  return err;
}

sb_err sb_audio_stream_file_frames(const sb_audio_stream *s, int sig, int64_t *out)
{
  if (!s || !out || sig < 0 || sig >= s->n_sig)
    return SB_EINVAL;
  *out = s->file_frames[sig];
  return SB_OK;
}

sb_err sb_audio_stream_error(sb_audio_stream *s, sb_msg *msg)
{
  sb_err err;
  sb_msg_clear(msg);
  if (!s)
    return SB_OK;
  pthread_mutex_lock(&s->error_lock);
  err = s->error;
  if (err && msg)
    *msg = s->error_msg;
  pthread_mutex_unlock(&s->error_lock);
  return err;
}

/* A buffer of bytes for a held file, on transparent huge pages where the
 * system offers them (a 10-minute stereo float32 file is 200 MB: 2-MB
 * pages take 512 times fewer page faults when it is first written). */
static void *alloc_held(size_t bytes)
{
#ifdef MADV_HUGEPAGE
  const size_t huge = (size_t)2 << 20;
  const size_t size = (bytes + huge - 1) / huge * huge;
  void *x = aligned_alloc(huge, size);
  if (x)
    madvise(x, size, MADV_HUGEPAGE); /* advice only: its failure changes nothing */
  return x;
#else
  return malloc(bytes);
#endif
}

/* dst[c * stride + i] = (float)src[i * n_chan + c] for the len frames of an
 * interleaved block; 1 when a sample is not a float32 value. */
static int narrow_block(const double *restrict src, int n_chan, int64_t len, float *restrict dst, int64_t stride)
{
  int inexact = 0;
  for (int c = 0; c < n_chan; c++) {
    float *restrict d = dst + (size_t)c * (size_t)stride;
    for (int64_t i = 0; i < len; i++) {
      const double v = src[i * n_chan + c];
      d[i] = (float)v;
      inexact |= (double)d[i] != v;
    }
  }
  return inexact;
}

/* dst[c * stride + i] = src[i * n_chan + c] x 32768 as int16; 1 when a
 * sample is not k / 32768 for a 16-bit k (the scale by a power of two is
 * exact, so reading k / 32768 back gives the sample bit for bit). */
static int narrow_block16(const double *restrict src, int n_chan, int64_t len, int16_t *restrict dst,
                          int64_t stride)
{
  int inexact = 0;
  for (int c = 0; c < n_chan; c++) {
    int16_t *restrict d = dst + (size_t)c * (size_t)stride;
    for (int64_t i = 0; i < len; i++) {
      const double q = src[i * n_chan + c] * 32768.0;
      const double in_range = q < -32768.0 ? -32768.0 : q > 32767.0 ? 32767.0 : q;
      d[i] = (int16_t)in_range;
      inexact |= (double)d[i] != q;
    }
  }
  return inexact;
}

/* Decodes file sig whole into a planar buffer of size bytes per sample
 * (held_size_of), block by block with the checks of a streamed read; an
 * error goes to msg only.  *out is NULL when a sample does not fit that
 * size exactly or there is no memory for the buffer (the file then stays
 * streamed).  Files are independent: several threads may decode different
 * files of one stream at once. */
static sb_err decode_whole(sb_audio_stream *s, int sig, int size, void **out, sb_msg *msg)
{
  const int n_chan = s->n_chan;
  const int64_t frames = s->file_frames[sig];
  cursor cur = {.sf = NULL, .pos = -1, .blocks = NULL, .held = {-1, -1}};
  void *x = alloc_held((size_t)size * (size_t)frames * (size_t)n_chan);
  sb_err err;
  int inexact = 0;

  *out = NULL;
  if (!x)
    return SB_OK; /* streamed */
  err = open_cursor_quiet(s, sig, &cur, msg);
  for (int64_t b = 0; !err && !inexact && b * BLOCK_FRAMES < frames; b++) {
    const int64_t start = b * BLOCK_FRAMES, len = frames - start < BLOCK_FRAMES ? frames - start : BLOCK_FRAMES;
    double *buf = NULL;
    err = decode_block(s, sig, &cur, b, &buf, msg);
    if (!err)
      inexact = size == 2 ? narrow_block16(buf, n_chan, len, (int16_t *)x + start, frames)
                          : narrow_block(buf, n_chan, len, (float *)x + start, frames);
  }
  if (cur.sf)
    sf_close(cur.sf);
  free(cur.blocks);
  if (!err && !inexact)
    *out = x;
  else
    free(x);
  return err;
}

/* 1 when the mapped samples of block b equal buf, libsndfile's decode. */
static int same_block(const sb_audio_stream *s, int sig, const void *x, int64_t b, const double *buf)
{
  const int64_t start = b * BLOCK_FRAMES, left = s->file_frames[sig] - start;
  const size_t first = (size_t)start * (size_t)s->n_chan;
  const size_t n = (size_t)(left < BLOCK_FRAMES ? left : BLOCK_FRAMES) * (size_t)s->n_chan;
  int same = 1;
  for (size_t i = 0; i < n; i++)
    same &= (s->map_size[sig] == 2 ? (double)((const int16_t *)x)[first + i] * (1.0 / 32768.0)
                                   : (double)((const float *)x)[first + i]) == buf[i];
  return same;
}

/* 1 when every float sample of file sig's mapping is finite. */
static int all_finite(const sb_audio_stream *s, int sig, const float *x)
{
  const size_t n = (size_t)s->file_frames[sig] * (size_t)s->n_chan;
  int bad = 0;
  for (size_t i = 0; i < n; i++)
    bad |= !isfinite(x[i]);
  return !bad;
}

/* Maps file sig (a WAV file map_size_of accepts) and checks the mapping
 * against libsndfile's decode of the file's first and last blocks; float
 * data are scanned for NaN/Inf.  *out stays NULL when the file cannot be
 * mapped, a check fails or a sample is not finite: the caller then
 * decodes the file, which reports any problem in its own words. */
static void map_whole(sb_audio_stream *s, int sig, sb_wav_map **out)
{
  const int64_t last = (s->file_frames[sig] - 1) / BLOCK_FRAMES, checked[2] = {0, last};
  cursor cur = {.sf = NULL, .pos = -1, .blocks = NULL, .held = {-1, -1}};
  sb_wav_map *m = NULL;
  sb_msg msg;
  int ok = sb_wav_map_open(s->paths[sig], s->n_chan, s->file_frames[sig], s->map_size[sig], &m) == SB_OK &&
           open_cursor_quiet(s, sig, &cur, &msg) == SB_OK;
  const void *x = sb_wav_map_samples(m);
  for (int i = 0; ok && i < (last > 0 ? 2 : 1); i++) {
    double *buf = NULL;
    ok = decode_block(s, sig, &cur, checked[i], &buf, &msg) == SB_OK && same_block(s, sig, x, checked[i], buf);
  }
  if (ok && s->map_size[sig] == 4)
    ok = all_finite(s, sig, x);
  if (cur.sf)
    sf_close(cur.sf);
  free(cur.blocks);
  if (ok)
    *out = m;
  else
    sb_wav_map_free(&m);
}

/* The files sb_audio_stream_cache holds: in file order, each not held yet
 * whose format int16 or float32 holds exactly (held_size_of) and whose copy
 * fits in what is left of budget.  Returns the count; pick[k] = the bytes
 * per sample for those, 0 for the others. */
static int plan_cache(sb_audio_stream *s, int64_t budget, int *pick)
{
  int n = 0;
  for (int k = 0; k < s->n_sig; k++) {
    const int size = s->cache[k] || s->map[k] ? 0 : s->held_size[k];
    const int64_t bytes = (int64_t)size * s->file_frames[k] * s->n_chan;
    pick[k] = size > 0 && bytes <= budget ? size : 0;
    if (pick[k]) {
      budget -= bytes;
      n++;
    }
  }
  return n;
}

sb_err sb_audio_stream_cache(sb_audio_stream *s, int64_t *budget, sb_msg *msg)
{
  int *pick;
  sb_err *errs;
  sb_msg *msgs;
  sb_err err = SB_OK;
  if (!s || !budget)
    return sb_msg_set(msg, SB_EINVAL, "audio stream: no stream or budget to hold it in memory");
  pick = calloc((size_t)s->n_sig, sizeof *pick);
  errs = calloc((size_t)s->n_sig, sizeof *errs);
  msgs = calloc((size_t)s->n_sig, sizeof *msgs);
  if (!pick || !errs || !msgs)
    err = sb_msg_set(msg, SB_ENOMEM, "%s: no memory to hold the audio", s->paths[0]);
  if (!err && plan_cache(s, *budget, pick) > 0) {
    /* One file per thread; the first failure in file order is the one
     * recorded, whatever the threads' timing. */
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1)
#endif
    for (int k = 0; k < s->n_sig; k++) {
      if (pick[k] && s->map_size[k])
        map_whole(s, k, &s->map[k]);
      if (pick[k] && !s->map[k])
        errs[k] = decode_whole(s, k, pick[k], &s->cache[k], &msgs[k]);
    }
    for (int k = 0; k < s->n_sig && !err; k++) {
      if (errs[k])
        err = record(s, errs[k], &msgs[k]);
      else if ((s->cache[k] || s->map[k]) && pick[k])
        *budget -= (int64_t)pick[k] * s->file_frames[k] * s->n_chan;
    }
    if (err)
      err = sb_audio_stream_error(s, msg);
  }
  free(pick);
  free(errs);
  free(msgs);
  return err;
}
