/*
 * datasets/avlib.h — FFmpeg's libavformat, libavcodec, libswresample and
 * libavutil, loaded on first use (dlopen) rather than linked, for the
 * MUSDB18 .stem.mp4 reader (datasets/stem_mp4.h).
 *
 * Linked, libavformat pulls in about 130 shared libraries that every
 * sepbench command and every `import sepbench` would load and relocate
 * at start-up, to decode nothing; loaded here, only a process that reads a
 * .stem.mp4 pays for them.  Each library is opened by the soname of the
 * headers sepbench was compiled against ("libavformat.so."
 * LIBAVFORMAT_VERSION_MAJOR ...: FFmpeg changes the major version, and so
 * the soname, whenever the ABI, e.g. a struct layout, changes), through
 * common/libload.h (RTLD_NOW | RTLD_LOCAL; loaded for the process's life).
 *
 * The table holds the functions stem_mp4.c calls, each with the prototype
 * of FFmpeg's header (avlib.c checks every member against the header's
 * declaration at compile time).  Callers write av->avformat_open_input(...)
 * for avformat_open_input(...).  The headers' macros (AVERROR, AV_NOPTS_VALUE,
 * AV_LOG_ERROR, ...) work as ever; their static inline helpers that call a
 * library function do not (av_err2str calls av_strerror: use
 * av->av_strerror), and a call of an FFmpeg function by name would link it
 * again (tests/datasets/test-lazy-libs.sh checks that libsepbench.so and
 * the program need none).
 *
 * Built only with FFmpeg (HAVE_FFMPEG).  Workload: one load per process.
 * Thread-safety: sb_avlib_get may be called from any number of threads at
 * once (the load runs once, pthread_once); the table is read-only
 * afterwards, and FFmpeg's functions are as thread-safe as FFmpeg makes
 * them.
 */
#ifndef SB_DATASETS_AVLIB_H
#define SB_DATASETS_AVLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
#include "sepbench/error.h"

/* The four libraries, in the order of the sonames of sb_avlib_load. */
enum { SB_AVLIB_FORMAT, SB_AVLIB_CODEC, SB_AVLIB_SWRESAMPLE, SB_AVLIB_UTIL, SB_AVLIB_N_LIBS };

/* The sonames of the headers, e.g. "libavformat.so.59". */
#define SB_AVLIB_FORMAT_SONAME "libavformat.so." AV_STRINGIFY(LIBAVFORMAT_VERSION_MAJOR)
#define SB_AVLIB_CODEC_SONAME "libavcodec.so." AV_STRINGIFY(LIBAVCODEC_VERSION_MAJOR)
#define SB_AVLIB_SWRESAMPLE_SONAME "libswresample.so." AV_STRINGIFY(LIBSWRESAMPLE_VERSION_MAJOR)
#define SB_AVLIB_UTIL_SONAME "libavutil.so." AV_STRINGIFY(LIBAVUTIL_VERSION_MAJOR)

typedef struct sb_avlib {
  /* libavformat */
  int (*avformat_open_input)(AVFormatContext **ps, const char *url, const AVInputFormat *fmt, AVDictionary **options);
  void (*avformat_close_input)(AVFormatContext **s);
  int (*av_read_frame)(AVFormatContext *s, AVPacket *pkt);
  /* libavcodec */
  const AVCodec *(*avcodec_find_decoder)(enum AVCodecID id);
  const char *(*avcodec_get_name)(enum AVCodecID id);
  AVCodecContext *(*avcodec_alloc_context3)(const AVCodec *codec);
  int (*avcodec_parameters_to_context)(AVCodecContext *codec, const AVCodecParameters *par);
  int (*avcodec_open2)(AVCodecContext *avctx, const AVCodec *codec, AVDictionary **options);
  int (*avcodec_send_packet)(AVCodecContext *avctx, const AVPacket *avpkt);
  int (*avcodec_receive_frame)(AVCodecContext *avctx, AVFrame *frame);
  void (*avcodec_free_context)(AVCodecContext **avctx);
  AVPacket *(*av_packet_alloc)(void);
  void (*av_packet_unref)(AVPacket *pkt);
  void (*av_packet_free)(AVPacket **pkt);
  /* libswresample */
  int (*swr_alloc_set_opts2)(struct SwrContext **ps, AVChannelLayout *out_ch_layout,
                             enum AVSampleFormat out_sample_fmt, int out_sample_rate, AVChannelLayout *in_ch_layout,
                             enum AVSampleFormat in_sample_fmt, int in_sample_rate, int log_offset, void *log_ctx);
  int (*swr_init)(struct SwrContext *s);
  int (*swr_convert)(struct SwrContext *s, uint8_t **out, int out_count, const uint8_t **in, int in_count);
  void (*swr_free)(struct SwrContext **s);
  /* libavutil */
  AVFrame *(*av_frame_alloc)(void);
  void (*av_frame_unref)(AVFrame *frame);
  void (*av_frame_free)(AVFrame **frame);
  int64_t (*av_rescale_q)(int64_t a, AVRational bq, AVRational cq);
  const char *(*av_get_sample_fmt_name)(enum AVSampleFormat sample_fmt);
  int (*av_strerror)(int errnum, char *errbuf, size_t errbuf_size);
  void (*av_log_set_callback)(void (*callback)(void *, int, const char *, va_list));
  void (*av_log_default_callback)(void *avcl, int level, const char *fmt, va_list vl);
} sb_avlib;

/* The process-wide table, loaded from the headers' sonames on the first
 * call.  *av is NULL on failure.  Errors: SB_EUNSUPPORTED, msg "SONAME
 * cannot be loaded: <dlerror text>" or "SONAME has no function NAME: ..."
 * (common/libload.h) for the caller to prefix with the file it decodes; a
 * failed load is not retried, every later call returns the same error. */
sb_err sb_avlib_get(const sb_avlib **av, sb_msg *msg);

/* Fills *av from the libraries named sonames[SB_AVLIB_FORMAT] ...
 * sonames[SB_AVLIB_UTIL], independently of the process-wide table: the
 * loader behind sb_avlib_get, exposed for tests (a nonexistent soname
 * exercises the failure path).  Errors: as sb_avlib_get, naming the first
 * library that fails; SB_EINVAL for NULL arguments. */
sb_err sb_avlib_load(const char *const sonames[SB_AVLIB_N_LIBS], sb_avlib *av, sb_msg *msg);

#endif /* SB_DATASETS_AVLIB_H */
