/*
 * datasets/stem_mp4.c — MUSDB18 .stem.mp4 reading through libavformat,
 * libavcodec and libswresample (see stem_mp4.h).
 *
 * References: the MUSDB18 layout (SigSep, Rafii et al. 2017, Zenodo
 * 1117372: five AAC streams per track) and how sigsep's stempeg and musdb
 * read it (ffmpeg decodes each mapped stream to float and musdb takes the
 * stream's ffprobe duration as the track length); FFmpeg's public API
 * (avformat_open_input / av_read_frame / avcodec_send_packet /
 * avcodec_receive_frame, swr_convert to planar double).  The MP4 demuxer
 * turns the edit list into AV_PKT_DATA_SKIP_SAMPLES side data, which the
 * decoder applies, so the encoder delay never reaches the output; the
 * trailing padding is cut here at the declared duration.
 *
 * FFmpeg is called through the table of datasets/avlib.h (opened on the
 * first read): av->avformat_open_input(...) for avformat_open_input(...).
 *
 * Workload: one call per stream and track; a stream is decoded frame by
 * frame (1024 samples per AAC frame) into a buffer grown geometrically up
 * to the declared length, never a second copy of the track.
 */
#include <config.h>

#include "datasets/stem_mp4.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef HAVE_FFMPEG
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include "common/escape.h"
#include "datasets/avlib.h"
#endif

int sb_stem_mp4_parse_ref(const char *path, size_t *file_len, int *stream)
{
  static const char suffix[] = ".stem.mp4";
  const size_t suffix_len = sizeof suffix - 1;
  const char *hash;
  size_t len;
  int n = 0;

  if (!path)
    return 0;
  hash = strrchr(path, '#');
  len = strlen(path);
  if (hash && hash[1] && strspn(hash + 1, "0123456789") == strlen(hash + 1) && strlen(hash + 1) <= 3) {
    for (const char *p = hash + 1; *p; p++)
      n = n * 10 + (*p - '0');
    len = (size_t)(hash - path);
  }
  if (len <= suffix_len || memcmp(path + len - suffix_len, suffix, suffix_len) != 0)
    return 0;
  *file_len = len;
  *stream = n;
  return 1;
}

sb_err sb_stem_mp4_read_ref(const char *ref, sb_audio **out, sb_msg *msg)
{
  size_t file_len;
  int stream;
  char *file;
  sb_err err;
  sb_msg inner;

  *out = NULL;
  if (!sb_stem_mp4_parse_ref(ref, &file_len, &stream))
    return sb_msg_set(msg, SB_EINVAL, "%s: not a .stem.mp4 stream reference (<file>.stem.mp4#<n>)", ref);
  file = strndup(ref, file_len);
  if (!file)
    return SB_ENOMEM;
  sb_msg_clear(&inner);
  err = sb_stem_mp4_read(file, stream, out, &inner);
  free(file);
  if (err && err != SB_ENOMEM)
    return sb_msg_set(msg, err, "%s", inner.text);
  return err;
}

#ifndef HAVE_FFMPEG

int sb_stem_mp4_available(void)
{
  return 0;
}

static sb_err without_ffmpeg(const char *path, sb_msg *msg)
{
  return sb_msg_set(msg, SB_EUNSUPPORTED,
                    "%s: this sepbench was built without FFmpeg, so .stem.mp4 files cannot be decoded; rebuild "
                    "with --with-ffmpeg (libavformat-dev libavcodec-dev libswresample-dev) or use MUSDB18-HQ",
                    path);
}

sb_err sb_stem_mp4_list(const char *path, sb_stem_mp4_stream **streams, int *n_streams, sb_msg *msg)
{
  *streams = NULL;
  *n_streams = 0;
  return without_ffmpeg(path, msg);
}

sb_err sb_stem_mp4_read(const char *path, int stream, sb_audio **out, sb_msg *msg)
{
  *out = NULL;
  return without_ffmpeg(path, msg);
}

#else

int sb_stem_mp4_available(void)
{
  return 1;
}

/* ------------------------------------------------------------ FFmpeg's log
 *
 * FFmpeg prints its diagnostics on stderr through one process-wide log
 * callback ("[mov,mp4,m4a,3gp,3g2,mj2 @ 0x...] stream 0, timescale not
 * set" for every MUSDB18 stream).  sepbench installs its own callback once
 * (pthread_once).  While a sepbench call reads a file, the callback writes
 * into that call's note, found through a thread-local pointer, so
 * concurrent reads on other threads never mix; messages of any other
 * thread (FFmpeg's own workers, other users of FFmpeg in the process) go
 * to FFmpeg's default callback as before.  Of a read's messages, warnings
 * are dropped (the read's own checks decide: declared length, channels,
 * decode errors), and errors are kept: a failed read ends its message with
 * FFmpeg's first error, a read that succeeds despite errors prints one
 * line naming the file. */

/* What FFmpeg logged at AV_LOG_ERROR or worse during one read. */
typedef struct av_note {
  int n_errors;
  char first[256];
} av_note;

static _Thread_local av_note *thread_note;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void on_av_log(void *avcl, int level, const char *fmt, va_list vl)
{
  av_note *note = thread_note;
  char text[sizeof note->first];
  const sb_avlib *av;
  size_t n;

  if (!note) {
    /* FFmpeg calls this only once loaded: the table is there. */
    if (sb_avlib_get(&av, NULL) == SB_OK)
      av->av_log_default_callback(avcl, level, fmt, vl);
    return;
  }
  if (level > AV_LOG_ERROR || note->n_errors++ > 0)
    return;
  vsnprintf(text, sizeof text, fmt, vl);
  n = strlen(text);
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
    text[--n] = '\0';
  sb_text_printable(text); /* a file's bytes never reach the terminal raw */
  memcpy(note->first, text, n + 1);
}

static void install_log(void)
{
  const sb_avlib *av;
  if (sb_avlib_get(&av, NULL) == SB_OK)
    av->av_log_set_callback(on_av_log);
}

/* Starts collecting FFmpeg's messages of this thread into note (FFmpeg
 * loaded). */
static void note_begin(av_note *note)
{
  pthread_once(&log_once, install_log);
  memset(note, 0, sizeof *note);
  thread_note = note;
}

/* Stops collecting; a failed read's message gets FFmpeg's first error, a
 * read that succeeded despite errors is reported on stderr.  Returns err. */
static sb_err note_end(av_note *note, sb_err err, const char *path, int stream, sb_msg *msg)
{
  thread_note = NULL;
  if (note->n_errors == 0 || !note->first[0] || err == SB_ENOMEM)
    return err;
  if (err)
    return msg ? sb_msg_set(msg, err, "%s (FFmpeg: %s)", msg->text, note->first) : err;
  if (stream >= 0)
    fprintf(stderr, "sepbench: %s: stream %d was read, but FFmpeg reported %d error%s (%s%s); the file may be "
            "damaged\n", path, stream, note->n_errors, note->n_errors > 1 ? "s" : "",
            note->n_errors > 1 ? "first: " : "", note->first);
  else
    fprintf(stderr, "sepbench: %s: its streams were listed, but FFmpeg reported %d error%s (%s%s); the file may "
            "be damaged\n", path, note->n_errors, note->n_errors > 1 ? "s" : "", note->n_errors > 1 ? "first: " : "",
            note->first);
  return err;
}

/* FFmpeg's text for an AVERROR code. */
static const char *av_reason(const sb_avlib *av, int code, char *buf, size_t len)
{
  if (av->av_strerror(code, buf, len) < 0)
    snprintf(buf, len, "error %d", code);
  return buf;
}

/* Opens path and reads its header; checks that it is an MP4 family file. */
static sb_err open_mp4(const sb_avlib *av, const char *path, AVFormatContext **fmt, sb_msg *msg)
{
  struct stat st;
  char why[256];
  int rc;

  *fmt = NULL;
  if (stat(path, &st) != 0)
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
  if (S_ISDIR(st.st_mode))
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: is a directory", path);
  if (st.st_size == 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: empty file (0 bytes), not an MP4", path);
  rc = av->avformat_open_input(fmt, path, NULL, NULL);
  /* AVERROR(ENOMEM) included: FFmpeg gives it for a header that claims an
   * absurd size (av_malloc refuses it), so it names a damaged file. */
  if (rc < 0) {
    if (rc == AVERROR(EACCES) || rc == AVERROR(EIO))
      return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, av_reason(av, rc, why, sizeof why));
    return sb_msg_set(msg, SB_EFORMAT, "%s: not a readable MP4 (truncated or another format): %s", path,
                      av_reason(av, rc, why, sizeof why));
  }
  if (!strstr((*fmt)->iformat->name, "mp4")) {
    sb_err err = sb_msg_set(msg, SB_EFORMAT, "%s: not an MP4 (the file is %s)", path, (*fmt)->iformat->name);
    av->avformat_close_input(fmt);
    return err;
  }
  return SB_OK;
}

/* The container index of the n-th audio stream, or -1; *n_audio counts
 * them. */
static int audio_stream_index(const AVFormatContext *fmt, int n, int *n_audio)
{
  int found = -1;
  *n_audio = 0;
  for (unsigned i = 0; i < fmt->nb_streams; i++)
    if (fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
      if (*n_audio == n)
        found = (int)i;
      ++*n_audio;
    }
  return found;
}

/* Declared duration of a stream in samples at its own rate, or -1. */
static int64_t declared_frames(const sb_avlib *av, const AVStream *st)
{
  int rate = st->codecpar->sample_rate;
  if (st->duration == AV_NOPTS_VALUE || st->duration < 0 || rate <= 0)
    return -1;
  return av->av_rescale_q(st->duration, st->time_base, (AVRational){1, rate});
}

static sb_err list_streams(const sb_avlib *av, const char *path, sb_stem_mp4_stream **streams, int *n_streams,
                           sb_msg *msg)
{
  AVFormatContext *fmt = NULL;
  sb_stem_mp4_stream *list = NULL;
  int n_audio = 0, k = 0;
  sb_err err;

  *streams = NULL;
  *n_streams = 0;
  err = open_mp4(av, path, &fmt, msg);
  if (err)
    return err;
  audio_stream_index(fmt, -1, &n_audio);
  if (n_audio == 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: no audio stream", path);
    goto done;
  }
  list = calloc((size_t)n_audio, sizeof *list);
  if (!list) {
    err = SB_ENOMEM;
    goto done;
  }
  for (unsigned i = 0; i < fmt->nb_streams; i++) {
    const AVStream *st = fmt->streams[i];
    if (st->codecpar->codec_type != AVMEDIA_TYPE_AUDIO)
      continue;
    list[k].index = (int)i;
    list[k].rate = st->codecpar->sample_rate;
    list[k].n_chan = st->codecpar->ch_layout.nb_channels;
    list[k].n_samples = declared_frames(av, st);
    snprintf(list[k].codec, sizeof list[k].codec, "%s", av->avcodec_get_name(st->codecpar->codec_id));
    k++;
  }
  *streams = list;
  *n_streams = n_audio;
  list = NULL;
done:
  free(list);
  av->avformat_close_input(&fmt);
  return err;
}

/* Decoding state of one stream. */
typedef struct decoder {
  const sb_avlib *av;
  const char *path;
  int stream;            /* audio stream number, for messages */
  AVCodecContext *codec;
  SwrContext *swr;
  AVFrame *frame;
  int n_chan;
  int64_t limit;         /* declared frames, or -1 */
  int64_t n_samples, cap; /* frames stored / allocated per channel */
  double *data;          /* n_chan * cap, channel-major */
} decoder;

/* Makes room for `more` frames beyond n_samples. */
static sb_err grow(decoder *d, int64_t more)
{
  int64_t need = d->n_samples + more, cap = d->cap > 0 ? d->cap : 65536;
  double *grown;
  if (need <= d->cap)
    return SB_OK;
  while (cap < need)
    cap *= 2;
  if (d->limit >= 0 && cap > d->limit)
    cap = d->limit > need ? d->limit : need;
  if ((uint64_t)cap > SIZE_MAX / sizeof *grown / (size_t)d->n_chan)
    return SB_ENOMEM;
  grown = malloc((size_t)d->n_chan * (size_t)cap * sizeof *grown);
  if (!grown)
    return SB_ENOMEM;
  for (int c = 0; d->data && c < d->n_chan; c++)
    memcpy(grown + (size_t)c * (size_t)cap, d->data + (size_t)c * (size_t)d->cap,
           (size_t)d->n_samples * sizeof *grown);
  free(d->data);
  d->data = grown;
  d->cap = cap;
  return SB_OK;
}

/* Converts the decoded frame to planar double and appends it, stopping at
 * the declared length. */
static sb_err store_frame(decoder *d, sb_msg *msg)
{
  int64_t n = d->frame->nb_samples;
  uint8_t *planes[AV_NUM_DATA_POINTERS] = {0};
  char why[256];
  sb_err err;
  int got;

  if (d->limit >= 0 && n > d->limit - d->n_samples)
    n = d->limit - d->n_samples;
  if (n <= 0)
    return SB_OK;
  if (d->frame->ch_layout.nb_channels != d->n_chan)
    return sb_msg_set(msg, SB_EFORMAT, "%s: stream %d changes from %d to %d channels", d->path, d->stream,
                      d->n_chan, d->frame->ch_layout.nb_channels);
  err = grow(d, d->frame->nb_samples);
  if (err)
    return err;
  for (int c = 0; c < d->n_chan; c++)
    planes[c] = (uint8_t *)(d->data + (size_t)c * (size_t)d->cap + (size_t)d->n_samples);
  /* Same rate in and out: swr converts sample by sample, without delay. */
  got = d->av->swr_convert(d->swr, planes, d->frame->nb_samples, (const uint8_t **)d->frame->extended_data,
                    d->frame->nb_samples);
  if (got < 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: stream %d: sample conversion failed: %s", d->path, d->stream,
                      av_reason(d->av, got, why, sizeof why));
  d->n_samples += got < n ? got : n;
  return SB_OK;
}

/* Sends one packet (NULL = flush) and stores every frame it yields. */
static sb_err decode_packet(decoder *d, const AVPacket *pkt, sb_msg *msg)
{
  const sb_avlib *av = d->av;
  char why[256];
  int rc = av->avcodec_send_packet(d->codec, pkt);

  if (rc < 0 && rc != AVERROR_EOF)
    return sb_msg_set(msg, SB_EFORMAT, "%s: stream %d: decode error after %.3f s: %s", d->path, d->stream,
                      (double)d->n_samples / d->codec->sample_rate, av_reason(av, rc, why, sizeof why));
  for (;;) {
    sb_err err;
    rc = av->avcodec_receive_frame(d->codec, d->frame);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
      return SB_OK;
    if (rc < 0)
      return sb_msg_set(msg, SB_EFORMAT, "%s: stream %d: decode error after %.3f s: %s", d->path, d->stream,
                        (double)d->n_samples / d->codec->sample_rate, av_reason(av, rc, why, sizeof why));
    err = store_frame(d, msg);
    av->av_frame_unref(d->frame);
    if (err)
      return err;
  }
}

/* Prepares the decoder and converter of container stream st. */
static sb_err open_decoder(decoder *d, const AVStream *st, sb_msg *msg)
{
  const sb_avlib *av = d->av;
  const AVCodec *codec = av->avcodec_find_decoder(st->codecpar->codec_id);
  char why[256];
  int rc;

  if (!codec)
    return sb_msg_set(msg, SB_EFORMAT, "%s: stream %d: no decoder for codec %s", d->path, d->stream,
                      av->avcodec_get_name(st->codecpar->codec_id));
  d->codec = av->avcodec_alloc_context3(codec);
  d->frame = av->av_frame_alloc();
  if (!d->codec || !d->frame)
    return SB_ENOMEM;
  rc = av->avcodec_parameters_to_context(d->codec, st->codecpar);
  if (rc >= 0) {
    d->codec->pkt_timebase = st->time_base;
    rc = av->avcodec_open2(d->codec, codec, NULL);
  }
  if (rc < 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: stream %d: cannot open the %s decoder: %s", d->path, d->stream,
                      codec->name, av_reason(av, rc, why, sizeof why));
  d->n_chan = d->codec->ch_layout.nb_channels;
  if (d->n_chan < 1 || d->n_chan > AV_NUM_DATA_POINTERS || d->codec->sample_rate <= 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: stream %d: %d channels at %d Hz", d->path, d->stream, d->n_chan,
                      d->codec->sample_rate);
  rc = av->swr_alloc_set_opts2(&d->swr, &d->codec->ch_layout, AV_SAMPLE_FMT_DBLP, d->codec->sample_rate,
                               &d->codec->ch_layout, d->codec->sample_fmt, d->codec->sample_rate, 0, NULL);
  if (rc >= 0)
    rc = av->swr_init(d->swr);
  if (rc < 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: stream %d: cannot convert %s samples: %s", d->path, d->stream,
                      av->av_get_sample_fmt_name(d->codec->sample_fmt), av_reason(av, rc, why, sizeof why));
  return SB_OK;
}

static sb_err read_stream(const sb_avlib *av, const char *path, int stream, sb_audio **out, sb_msg *msg)
{
  AVFormatContext *fmt = NULL;
  AVPacket *pkt = NULL;
  decoder d = {.av = av, .path = path, .stream = stream};
  sb_audio *a = NULL;
  char why[256];
  int index, n_audio, rc;
  sb_err err;

  *out = NULL;
  if (stream < 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: stream %d: negative stream number", path, stream);
  err = open_mp4(av, path, &fmt, msg);
  if (err)
    return err;
  index = audio_stream_index(fmt, stream, &n_audio);
  if (index < 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: %d audio stream(s), stream %d requested; a MUSDB18 stem file has %d",
                     path, n_audio, stream, SB_STEM_MP4_N_STREAMS);
    goto done;
  }
  for (unsigned i = 0; i < fmt->nb_streams; i++)
    fmt->streams[i]->discard = (int)i == index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  d.limit = declared_frames(av, fmt->streams[index]);
  err = open_decoder(&d, fmt->streams[index], msg);
  if (err)
    goto done;
  pkt = av->av_packet_alloc();
  if (!pkt) {
    err = SB_ENOMEM;
    goto done;
  }
  while ((rc = av->av_read_frame(fmt, pkt)) >= 0) {
    if (pkt->stream_index == index)
      err = decode_packet(&d, pkt, msg);
    av->av_packet_unref(pkt);
    if (err)
      goto done;
  }
  if (rc != AVERROR_EOF) {
    /* AVERROR(ENOMEM) included: a packet that claims an absurd size. */
    err = sb_msg_set(msg, SB_EFORMAT, "%s: stream %d: read error after %.3f s (truncated?): %s", path, stream,
                     (double)d.n_samples / d.codec->sample_rate, av_reason(av, rc, why, sizeof why));
    goto done;
  }
  err = decode_packet(&d, NULL, msg);
  if (err)
    goto done;
  if (d.limit >= 0 && d.n_samples < d.limit) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: stream %d truncated: %lld samples decoded, %lld declared", path, stream,
                     (long long)d.n_samples, (long long)d.limit);
    goto done;
  }
  if (d.n_samples == 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: stream %d holds no samples", path, stream);
    goto done;
  }
  a = calloc(1, sizeof *a);
  if (!a) {
    err = SB_ENOMEM;
    goto done;
  }
  /* Pack the channels at stride n_samples (the buffer may be larger). */
  for (int c = 1; c < d.n_chan; c++)
    memmove(d.data + (size_t)c * (size_t)d.n_samples, d.data + (size_t)c * (size_t)d.cap,
            (size_t)d.n_samples * sizeof *d.data);
  a->n_chan = d.n_chan;
  a->n_samples = d.n_samples;
  a->rate = d.codec->sample_rate;
  a->data = d.data;
  d.data = NULL;
  *out = a;
done:
  free(d.data);
  av->swr_free(&d.swr);
  av->av_frame_free(&d.frame);
  av->avcodec_free_context(&d.codec);
  av->av_packet_free(&pkt);
  av->avformat_close_input(&fmt);
  return err;
}

/* FFmpeg's table, loaded on the first call; the message names path. */
static sb_err load_av(const char *path, const sb_avlib **av, sb_msg *msg)
{
  sb_msg why;
  sb_err err = sb_avlib_get(av, &why);
  return err ? sb_msg_set(msg, err, "%s: cannot decode .stem.mp4: %s", path, why.text) : SB_OK;
}

sb_err sb_stem_mp4_list(const char *path, sb_stem_mp4_stream **streams, int *n_streams, sb_msg *msg)
{
  const sb_avlib *av;
  av_note note;
  sb_err err;

  *streams = NULL;
  *n_streams = 0;
  err = load_av(path, &av, msg);
  if (err)
    return err;
  note_begin(&note);
  return note_end(&note, list_streams(av, path, streams, n_streams, msg), path, -1, msg);
}

sb_err sb_stem_mp4_read(const char *path, int stream, sb_audio **out, sb_msg *msg)
{
  const sb_avlib *av;
  av_note note;
  sb_err err;

  *out = NULL;
  err = load_av(path, &av, msg);
  if (err)
    return err;
  note_begin(&note);
  return note_end(&note, read_stream(av, path, stream, out, msg), path, stream, msg);
}

#endif /* HAVE_FFMPEG */
