/*
 * runners/stream_inputs.c — references, mixture and estimates of one
 * evaluation as streams held within a memory budget (see
 * runners/stream_inputs.h).
 */
#include <config.h>

#include "runners/stream_inputs.h"

#include <string.h>

sb_err sb_stream_inputs_open_refs(sb_stream_inputs *in, int n, const char *const *ref_paths, const char *mix_path,
                                  sb_msg *msg)
{
  const char *mix_paths[1] = {mix_path};
  sb_err err;
  if (!in)
    return sb_msg_set(msg, SB_EINVAL, "streamed inputs: nothing to open them into");
  err = sb_audio_stream_new(n, ref_paths, NULL, 0, &in->ref, msg);
  if (!err && mix_path)
    err = sb_audio_stream_new(1, mix_paths, in->ref, 0, &in->mix, msg);
  if (err)
    return err;
  sb_audio_stream_view(in->ref, &in->ref_view);
  if (in->mix)
    sb_audio_stream_view(in->mix, &in->mix_view);
  return SB_OK;
}

sb_err sb_stream_inputs_open_ests(sb_stream_inputs *in, const char *const *est_paths, sb_msg *msg)
{
  sb_err err;
  if (!in || !in->ref)
    return sb_msg_set(msg, SB_EINVAL, "streamed inputs: estimates opened before the references");
  err = sb_audio_stream_new(in->ref_view.n_src, est_paths, in->ref, 1, &in->est, msg);
  if (!err)
    sb_audio_stream_view(in->est, &in->est_view);
  return err;
}

int64_t sb_stream_inputs_est_frames(const sb_stream_inputs *in, int j)
{
  int64_t frames = -1;
  if (in && sb_audio_stream_file_frames(in->est, j, &frames) != SB_OK)
    return -1;
  return frames;
}

sb_err sb_stream_inputs_hold(sb_stream_inputs *in, int64_t max_memory, sb_msg *msg)
{
  int64_t budget = max_memory == 0 ? SB_STREAM_INPUTS_MAX_MEMORY : max_memory < 0 ? 0 : max_memory;
  sb_err err;
  if (!in || !in->ref || !in->est)
    return sb_msg_set(msg, SB_EINVAL, "streamed inputs: nothing open to hold");
  err = sb_audio_stream_cache(in->ref, &budget, msg);
  if (!err)
    err = sb_audio_stream_cache(in->est, &budget, msg);
  if (!err && in->mix)
    err = sb_audio_stream_cache(in->mix, &budget, msg);
  return err;
}

sb_stream_role sb_stream_inputs_take_error(sb_stream_inputs *in, sb_err err, sb_msg *msg)
{
  sb_audio_stream *streams[3] = {in->ref, in->est, in->mix};
  sb_stream_role first = SB_STREAM_NONE;
  sb_msg first_msg, text;
  for (int i = 0; i < 3; i++) {
    sb_err recorded = sb_audio_stream_error(streams[i], &text);
    if (recorded == err) {
      first = (sb_stream_role)i;
      first_msg = text;
      break;
    }
    if (recorded != SB_OK && first == SB_STREAM_NONE) {
      first = (sb_stream_role)i;
      first_msg = text;
    }
  }
  if (first != SB_STREAM_NONE && msg)
    *msg = first_msg;
  return first;
}

void sb_stream_inputs_clear(sb_stream_inputs *in)
{
  if (!in)
    return;
  sb_audio_stream_free(&in->ref);
  sb_audio_stream_free(&in->est);
  sb_audio_stream_free(&in->mix);
  memset(in, 0, sizeof *in);
}
