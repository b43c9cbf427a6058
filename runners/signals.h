/*
 * runners/signals.h — glue between audio buffers (datasets/audio.h) and the
 * metric views (common/sources.h): builds the sb_sources of references,
 * estimates and mixture of one item, and turns frame lengths given in
 * seconds into samples.
 */
#ifndef SB_RUNNERS_SIGNALS_H
#define SB_RUNNERS_SIGNALS_H

#include "sepbench/error.h"
#include "datasets/audio.h"
#include "metrics/evaluate.h"
#include "common/sources.h"

typedef struct sb_signals {
  sb_sources ref, est, mix;   /* mix.n_src == 0 when there is no mixture */
  const double **ref_chan, **est_chan, **mix_chan; /* owned pointer arrays */
} sb_signals;

/* Fills the views for n_src references and estimates of one shape (the
 * caller has checked it) and an optional mixture.  The audio must outlive
 * the views.  SB_ENOMEM. */
sb_err sb_signals_init(sb_signals *s, sb_audio *const *ref, sb_audio *const *est,
                       const sb_audio *mix, int n_src);

void sb_signals_clear(sb_signals *s);

/* The longest window or hop sb_signals_set_frames takes, seconds. */
#define SB_SIGNALS_MAX_FRAME_S 1e6

/* Sets opts->win/hop in samples from seconds (rounded to the nearest
 * sample); win_s <= 0 means the whole signal.  SB_EINVAL (msg names the
 * option) for a NaN window or one over SB_SIGNALS_MAX_FRAME_S, a hop
 * that is not in (0, SB_SIGNALS_MAX_FRAME_S] with a positive window, or a
 * window or hop of less than one sample. */
sb_err sb_signals_set_frames(sb_eval_opts *opts, double win_s, double hop_s, int rate, sb_msg *msg);

#endif /* SB_RUNNERS_SIGNALS_H */
