/*
 * datasets/avlib.c — FFmpeg's libraries opened on first use and their
 * functions resolved into one table (datasets/avlib.h).
 */
#include <config.h>

#include "datasets/avlib.h"

#include <pthread.h>

#include "common/libload.h"

/* The functions of each library: X(name) per member of sb_avlib. */
#define FORMAT_FNS(X) X(avformat_open_input) X(avformat_close_input) X(av_read_frame)
#define CODEC_FNS(X)                                                                                          \
  X(avcodec_find_decoder) X(avcodec_get_name) X(avcodec_alloc_context3) X(avcodec_parameters_to_context)     \
  X(avcodec_open2) X(avcodec_send_packet) X(avcodec_receive_frame) X(avcodec_free_context) X(av_packet_alloc) \
  X(av_packet_unref) X(av_packet_free)
#define SWRESAMPLE_FNS(X) X(swr_alloc_set_opts2) X(swr_init) X(swr_convert) X(swr_free)
#define UTIL_FNS(X)                                                                                        \
  X(av_frame_alloc) X(av_frame_unref) X(av_frame_free) X(av_rescale_q) X(av_get_sample_fmt_name)          \
  X(av_strerror) X(av_log_set_callback) X(av_log_default_callback)

/* Every member has the type of a pointer to the header's function (the
 * operand of _Generic is not evaluated: no reference to the symbol). */
#define SAME_TYPE(name)                                                                                        \
  _Static_assert(_Generic(&name, __typeof__(((sb_avlib *)0)->name): 1, default: 0),                          \
                 "sb_avlib." #name " differs from the header's prototype");
FORMAT_FNS(SAME_TYPE)
CODEC_FNS(SAME_TYPE)
SWRESAMPLE_FNS(SAME_TYPE)
UTIL_FNS(SAME_TYPE)

#define ENTRY(name) {#name, offsetof(sb_avlib, name)},
static const sb_libload_fn format_fns[] = {FORMAT_FNS(ENTRY)};
static const sb_libload_fn codec_fns[] = {CODEC_FNS(ENTRY)};
static const sb_libload_fn swresample_fns[] = {SWRESAMPLE_FNS(ENTRY)};
static const sb_libload_fn util_fns[] = {UTIL_FNS(ENTRY)};

static const struct {
  const sb_libload_fn *fns;
  size_t n_fns;
} libs[SB_AVLIB_N_LIBS] = {
  [SB_AVLIB_FORMAT] = {format_fns, sizeof format_fns / sizeof format_fns[0]},
  [SB_AVLIB_CODEC] = {codec_fns, sizeof codec_fns / sizeof codec_fns[0]},
  [SB_AVLIB_SWRESAMPLE] = {swresample_fns, sizeof swresample_fns / sizeof swresample_fns[0]},
  [SB_AVLIB_UTIL] = {util_fns, sizeof util_fns / sizeof util_fns[0]},
};

sb_err sb_avlib_load(const char *const sonames[SB_AVLIB_N_LIBS], sb_avlib *av, sb_msg *msg)
{
  if (!sonames || !av)
    return sb_msg_set(msg, SB_EINVAL, "FFmpeg loading: NULL argument");
  for (int i = 0; i < SB_AVLIB_N_LIBS; i++) {
    sb_err err = sb_libload(sonames[i], libs[i].fns, libs[i].n_fns, av, msg);
    if (err)
      return err;
  }
  return SB_OK;
}

/* The process-wide table and the outcome of its one load. */
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static sb_avlib table;
static sb_err table_err;
static sb_msg table_msg;

static void load_table(void)
{
  static const char *const sonames[SB_AVLIB_N_LIBS] = {
    [SB_AVLIB_FORMAT] = SB_AVLIB_FORMAT_SONAME,
    [SB_AVLIB_CODEC] = SB_AVLIB_CODEC_SONAME,
    [SB_AVLIB_SWRESAMPLE] = SB_AVLIB_SWRESAMPLE_SONAME,
    [SB_AVLIB_UTIL] = SB_AVLIB_UTIL_SONAME,
  };
  table_err = sb_avlib_load(sonames, &table, &table_msg);
}

sb_err sb_avlib_get(const sb_avlib **av, sb_msg *msg)
{
  pthread_once(&table_once, load_table);
  *av = table_err ? NULL : &table;
  return table_err ? sb_msg_set(msg, table_err, "%s", table_msg.text) : SB_OK;
}
