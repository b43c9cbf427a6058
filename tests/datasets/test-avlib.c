/*
 * tests/datasets/test-avlib.c — datasets/avlib.c (built with FFmpeg only):
 * the process-wide table loads from the headers' sonames, every member is
 * resolved and the functions answer as FFmpeg does; loading from a
 * nonexistent soname (first library, last library) fails with
 * SB_EUNSUPPORTED and one line naming that library, and leaves the
 * process-wide table working; NULL arguments are refused.  The program
 * links no FFmpeg library itself (tests/datasets/test-lazy-libs.sh checks
 * the sepbench program's load failure end to end).
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "datasets/avlib.h"
#include "fixtures.h"
#include "tap.h"

static int starts_with(const char *text, const char *prefix)
{
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

static void check_table(void)
{
  const sb_avlib *av = NULL;
  sb_msg msg;
  char text[256] = "";

  sb_msg_clear(&msg);
  if (!tap_ok(sb_avlib_get(&av, &msg) == SB_OK && av, "the process-wide table loads (%s)", msg.text))
    return;
  tap_ok(fx_all_fns_set(av, sizeof *av), "all %zu functions resolved", sizeof *av / sizeof(void (*)(void)));
  tap_ok(strcmp(av->avcodec_get_name(AV_CODEC_ID_AAC), "aac") == 0, "avcodec_get_name(AAC) = %s",
         av->avcodec_get_name(AV_CODEC_ID_AAC));
  tap_ok(av->av_strerror(AVERROR(ENOENT), text, sizeof text) == 0 && strcmp(text, strerror(ENOENT)) == 0,
         "av_strerror(AVERROR(ENOENT)) = %s", text);
  tap_ok(av->av_rescale_q(44100, (AVRational){1, 44100}, (AVRational){1, 1000}) == 1000,
         "av_rescale_q: 44100 samples at 44.1 kHz = 1000 ms");
  tap_ok(strcmp(av->av_get_sample_fmt_name(AV_SAMPLE_FMT_DBLP), "dblp") == 0, "av_get_sample_fmt_name(DBLP)");
}

static void check_failure(void)
{
  const char *missing_first[SB_AVLIB_N_LIBS] = {"libavformat-sb-missing.so.0", SB_AVLIB_CODEC_SONAME,
                                                SB_AVLIB_SWRESAMPLE_SONAME, SB_AVLIB_UTIL_SONAME};
  const char *missing_last[SB_AVLIB_N_LIBS] = {SB_AVLIB_FORMAT_SONAME, SB_AVLIB_CODEC_SONAME,
                                               SB_AVLIB_SWRESAMPLE_SONAME, "libavutil-sb-missing.so.0"};
  const sb_avlib *av = NULL;
  sb_avlib mine;
  sb_msg msg;
  sb_err err;

  err = sb_avlib_load(missing_first, &mine, &msg);
  tap_ok(err == SB_EUNSUPPORTED && starts_with(msg.text, "libavformat-sb-missing.so.0 cannot be loaded: ") &&
             !strchr(msg.text, '\n'),
         "nonexistent libavformat: SB_EUNSUPPORTED, one line naming it (%s)", msg.text);
  err = sb_avlib_load(missing_last, &mine, &msg);
  tap_ok(err == SB_EUNSUPPORTED && starts_with(msg.text, "libavutil-sb-missing.so.0 cannot be loaded: "),
         "nonexistent libavutil after three good ones: the message names it (%s)", msg.text);
  tap_ok(sb_avlib_get(&av, &msg) == SB_OK && av, "the process-wide table is unaffected");
  tap_ok(sb_avlib_load(NULL, &mine, &msg) == SB_EINVAL, "NULL sonames: SB_EINVAL (%s)", msg.text);
  tap_ok(sb_avlib_load(missing_first, NULL, &msg) == SB_EINVAL, "NULL table: SB_EINVAL");
}

int main(void)
{
  tap_ok(strncmp(SB_AVLIB_FORMAT_SONAME, "libavformat.so.", 15) == 0 &&
             strcmp(SB_AVLIB_FORMAT_SONAME + 15, AV_STRINGIFY(LIBAVFORMAT_VERSION_MAJOR)) == 0,
         "libavformat's soname from the header: %s", SB_AVLIB_FORMAT_SONAME);
  check_table();
  check_failure();
  return tap_done();
}
