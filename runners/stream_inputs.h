/*
 * runners/stream_inputs.h — the signals of one evaluation streamed from
 * their files (datasets/audio_stream.h) instead of loaded whole: the
 * references, an optional mixture and the estimates (padded with zeros or
 * truncated to the reference length, museval's pad_or_truncate).  Each
 * file is decoded once and held in memory as int16 or float32 (exact for
 * 8/16/24-bit PCM and float32 files: datasets/audio_stream.h) while it
 * fits in a budget of bytes; the others are read on demand by the metrics.  The values the views give are those
 * of the whole-file loader (datasets/track_audio.h), bit for bit.
 *
 * Used by `sepbench eval` (runners/eval_dirs.h) and by `sepbench run` for
 * dir: items (runners/run.h).  Usage: open_refs, open_ests, hold, then
 * sb_evaluate on the views; after a failed evaluation, take_error gives
 * the message of the file that failed.
 *
 * Workload: once per evaluation; memory is the budget plus a few blocks
 * per file and reading thread, whatever the track length (a 10-minute
 * 4-source stereo 44.1 kHz track is 1.7 GB of float64 per group).
 * Thread-safety: the views may be read from several threads at once; the
 * other calls are made by one thread, with no reader running.
 */
#ifndef SB_RUNNERS_STREAM_INPUTS_H
#define SB_RUNNERS_STREAM_INPUTS_H

#include <stdint.h>
#include "sepbench/error.h"
#include "common/sources.h"
#include "datasets/audio_stream.h"

/* The default budget of decoded audio held in memory: 1 GiB holds every
 * file of a 3-minute 4-source stereo 44.1 kHz track (0.5 GB) and the
 * references of a 10-minute one, whose estimates then stream (peak
 * resident memory about 1.1 GB in `sepbench eval`, 1.4 GB in `sepbench
 * run`). */
#define SB_STREAM_INPUTS_MAX_MEMORY ((int64_t)1 << 30)

/* Which group of files a message comes from. */
typedef enum sb_stream_role {
  SB_STREAM_NONE = -1, /* no stream recorded an error */
  SB_STREAM_REF = 0,
  SB_STREAM_EST,
  SB_STREAM_MIX
} sb_stream_role;

/* Zero-initialise; the views are valid once their streams are open. */
typedef struct sb_stream_inputs {
  sb_audio_stream *ref, *est, *mix; /* mix NULL without a mixture */
  sb_sources ref_view, est_view, mix_view;
} sb_stream_inputs;

/* Opens the n reference files (the first sets the rate, channel count and
 * length; the others must have them) and, when mix_path is not NULL, the
 * mixture (the same shape), and fills ref_view and mix_view.  Errors (msg
 * names the file, in the whole-file loader's words): those of
 * sb_audio_stream_new, SB_EUNSUPPORTED meaning "load the files whole". */
sb_err sb_stream_inputs_open_refs(sb_stream_inputs *in, int n, const char *const *ref_paths, const char *mix_path,
                                  sb_msg *msg);

/* Opens the n estimate files (n as for the references; est_paths[j] is
 * scored as estimate j) with the references' rate and channel count,
 * fitted to their length, and fills est_view.  Errors as
 * sb_stream_inputs_open_refs, plus SB_EINVAL when the references are not
 * open. */
sb_err sb_stream_inputs_open_ests(sb_stream_inputs *in, const char *const *est_paths, sb_msg *msg);

/* The frames estimate j holds in its file (another value than
 * ref_view.n_samples: it was padded or cut); -1 for j out of range. */
int64_t sb_stream_inputs_est_frames(const sb_stream_inputs *in, int j);

/* Decodes the references, the estimates and then the mixture once into
 * memory, each file while it fits in what is left of max_memory bytes
 * (0 = SB_STREAM_INPUTS_MAX_MEMORY, < 0 = nothing held).  A NaN/Inf
 * sample, a truncated or damaged file is found here for a held file
 * (SB_ENONFINITE, SB_EFORMAT, SB_EIO, SB_ENOMEM; msg names the file), and
 * while the metrics read for the others. */
sb_err sb_stream_inputs_hold(sb_stream_inputs *in, int64_t max_memory, sb_msg *msg);

/* After an evaluation on the views failed with err: the message a stream
 * recorded (it names the file) replaces *msg, preferring a stream that
 * failed with err, and the group it came from is returned; msg is left as
 * it is when no stream recorded one (SB_STREAM_NONE). */
sb_stream_role sb_stream_inputs_take_error(sb_stream_inputs *in, sb_err err, sb_msg *msg);

/* Closes every stream and zeroes *in; accepts a zeroed or partly opened
 * *in. */
void sb_stream_inputs_clear(sb_stream_inputs *in);

#endif /* SB_RUNNERS_STREAM_INPUTS_H */
