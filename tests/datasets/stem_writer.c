/*
 * tests/datasets/stem_writer.c — see stem_writer.h.  Frames of the
 * encoder's size (1024) are sent to every stream in turn, so that the
 * muxer interleaves the streams as it would a real file's.
 */
#include <config.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <stdio.h>

#include "datasets/stem_mp4.h"
#include "tests/datasets/stem_writer.h"

/* SB_EIO naming path, what failed and FFmpeg's reason for code. */
static sb_err av_fail(sb_msg *msg, const char *path, const char *what, int code)
{
  char why[AV_ERROR_MAX_STRING_SIZE] = "unknown error";
  av_strerror(code, why, sizeof why);
  return sb_msg_set(msg, SB_EIO, "%s: FFmpeg cannot %s (%s)", path, what, why);
}

/* Opens one AAC encoder per stream of spec and adds its stream to fmt. */
static sb_err open_encoders(AVFormatContext *fmt, const stem_writer_spec *spec, AVCodecContext **enc,
                            const char *path, sb_msg *msg)
{
  const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
  int rc;
  if (!codec)
    return sb_msg_set(msg, SB_EIO, "%s: FFmpeg has no AAC encoder", path);
  for (int k = 0; k < spec->n_streams; k++) {
    AVStream *st = avformat_new_stream(fmt, NULL);
    enc[k] = avcodec_alloc_context3(codec);
    if (!st || !enc[k])
      return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory for stream %d", path, k);
    enc[k]->sample_fmt = AV_SAMPLE_FMT_FLTP;
    enc[k]->sample_rate = spec->rate;
    enc[k]->bit_rate = 256000;
    av_channel_layout_default(&enc[k]->ch_layout, spec->n_chan);
    enc[k]->time_base = (AVRational){1, spec->rate};
    /* Perceptual noise substitution would replace noise by other noise,
     * making waveform comparisons meaningless. */
    av_opt_set_int(enc[k]->priv_data, "aac_pns", 0, 0);
    if (fmt->oformat->flags & AVFMT_GLOBALHEADER)
      enc[k]->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((rc = avcodec_open2(enc[k], codec, NULL)) < 0 ||
        (rc = avcodec_parameters_from_context(st->codecpar, enc[k])) < 0)
      return av_fail(msg, path, "open the AAC encoder", rc);
    st->time_base = enc[k]->time_base;
  }
  return SB_OK;
}

/* Fills frame with frames start..start+n-1 of stream k. */
static sb_err fill_frame(AVFrame *frame, const stem_writer_spec *spec, int k, int64_t start, int n, const char *path,
                         sb_msg *msg)
{
  int rc;
  av_frame_unref(frame);
  frame->format = AV_SAMPLE_FMT_FLTP;
  frame->nb_samples = n;
  frame->sample_rate = spec->rate;
  av_channel_layout_default(&frame->ch_layout, spec->n_chan);
  if ((rc = av_frame_get_buffer(frame, 0)) < 0)
    return av_fail(msg, path, "allocate a frame", rc);
  frame->pts = start;
  return spec->fill(spec->ctx, k, start, n, (float *const *)frame->data, msg);
}

/* Sends frame (NULL: the end) to stream k's encoder and muxes its packets. */
static sb_err encode(AVFormatContext *fmt, AVCodecContext *enc, int k, const AVFrame *frame, AVPacket *pkt,
                     const char *path, sb_msg *msg)
{
  int rc = avcodec_send_frame(enc, frame);
  if (rc < 0)
    return av_fail(msg, path, "encode", rc);
  while (avcodec_receive_packet(enc, pkt) >= 0) {
    pkt->stream_index = k;
    av_packet_rescale_ts(pkt, enc->time_base, fmt->streams[k]->time_base);
    if ((rc = av_interleaved_write_frame(fmt, pkt)) < 0)
      return av_fail(msg, path, "write a packet", rc);
  }
  return SB_OK;
}

/* Encodes every stream, frame_size frames at a time, then flushes them. */
static sb_err encode_all(AVFormatContext *fmt, AVCodecContext **enc, const stem_writer_spec *spec, const char *path,
                         sb_msg *msg)
{
  AVFrame *frame = av_frame_alloc();
  AVPacket *pkt = av_packet_alloc();
  int frame_size = enc[0]->frame_size;
  sb_err err = frame && pkt ? SB_OK : sb_msg_set(msg, SB_ENOMEM, "%s: out of memory for a frame", path);
  for (int64_t start = 0, last = 0; !err && !last; start += frame_size) {
    last = start >= spec->n_frames;
    int n = last ? 0 : (int)(spec->n_frames - start < frame_size ? spec->n_frames - start : frame_size);
    for (int k = 0; !err && k < spec->n_streams; k++) {
      if (!last)
        err = fill_frame(frame, spec, k, start, n, path, msg);
      if (!err)
        err = encode(fmt, enc[k], k, last ? NULL : frame, pkt, path, msg);
    }
  }
  av_frame_free(&frame);
  av_packet_free(&pkt);
  return err;
}

sb_err stem_writer_write(const char *path, const stem_writer_spec *spec, sb_msg *msg)
{
  AVDictionary *mux_opts = NULL;
  AVFormatContext *fmt = NULL;
  AVCodecContext *enc[SB_STEM_MP4_N_STREAMS] = {0};
  sb_err err = SB_OK;
  int rc;

  if (spec->n_streams < 1 || spec->n_streams > SB_STEM_MP4_N_STREAMS || spec->rate <= 0 || spec->n_chan <= 0 ||
      spec->n_frames < 0 || !spec->fill)
    return sb_msg_set(msg, SB_EINVAL, "%s: bad stem writer spec (%d streams, %d Hz, %d channels)", path,
                      spec->n_streams, spec->rate, spec->n_chan);
  if ((rc = avformat_alloc_output_context2(&fmt, NULL, "mp4", path)) < 0)
    return av_fail(msg, path, "make an MP4 muxer", rc);
  err = open_encoders(fmt, spec, enc, path, msg);
  if (!err && spec->faststart)
    av_dict_set(&mux_opts, "movflags", "faststart", 0);
  if (!err && ((rc = avio_open(&fmt->pb, path, AVIO_FLAG_WRITE)) < 0 ||
               (rc = avformat_write_header(fmt, &mux_opts)) < 0))
    err = av_fail(msg, path, "start the file", rc);
  if (!err)
    err = encode_all(fmt, enc, spec, path, msg);
  if (!err && (rc = av_write_trailer(fmt)) < 0)
    err = av_fail(msg, path, "finish the file", rc);
  if (fmt->pb)
    avio_closep(&fmt->pb);
  avformat_free_context(fmt);
  for (int k = 0; k < SB_STEM_MP4_N_STREAMS; k++)
    avcodec_free_context(&enc[k]);
  av_dict_free(&mux_opts);
  return err;
}
