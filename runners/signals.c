/*
 * runners/signals.c — builds metric views over loaded audio.
 */
#include <config.h>

#include "runners/signals.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static sb_err fill(sb_sources *view, const double ***chan, const sb_audio *const *audio, int n_src)
{
  int n_chan = audio[0]->n_chan;
  *chan = malloc((size_t)n_src * (size_t)n_chan * sizeof **chan);
  if (!*chan)
    return SB_ENOMEM;
  for (int s = 0; s < n_src; s++)
    for (int c = 0; c < n_chan; c++)
      (*chan)[s * n_chan + c] = sb_audio_chan(audio[s], c);
  view->n_src = n_src;
  view->n_chan = n_chan;
  view->n_samples = audio[0]->n_samples;
  view->rate = audio[0]->rate;
  view->chan = *chan;
  return SB_OK;
}

sb_err sb_signals_init(sb_signals *s, sb_audio *const *ref, sb_audio *const *est,
                       const sb_audio *mix, int n_src)
{
  sb_err err;
  memset(s, 0, sizeof *s);
  err = fill(&s->ref, &s->ref_chan, (const sb_audio *const *)ref, n_src);
  if (!err)
    err = fill(&s->est, &s->est_chan, (const sb_audio *const *)est, n_src);
  if (!err && mix)
    err = fill(&s->mix, &s->mix_chan, &mix, 1);
  if (err)
    sb_signals_clear(s);
  return err;
}

void sb_signals_clear(sb_signals *s)
{
  free(s->ref_chan);
  free(s->est_chan);
  free(s->mix_chan);
  memset(s, 0, sizeof *s);
}

sb_err sb_signals_set_frames(sb_eval_opts *opts, double win_s, double hop_s, int rate, sb_msg *msg)
{
  if (isnan(win_s) || win_s > SB_SIGNALS_MAX_FRAME_S)
    return sb_msg_set(msg, SB_EINVAL, "--win %g: expected a number of seconds up to %g (0 = whole signal)", win_s,
                      SB_SIGNALS_MAX_FRAME_S);
  if (!(win_s > 0)) {
    opts->win = 0;
    opts->hop = 0;
    return SB_OK;
  }
  if (!(hop_s > 0) || hop_s > SB_SIGNALS_MAX_FRAME_S)
    return sb_msg_set(msg, SB_EINVAL, "--hop %g: expected a positive number of seconds up to %g", hop_s,
                      SB_SIGNALS_MAX_FRAME_S);
  opts->win = (int64_t)llround(win_s * rate);
  opts->hop = (int64_t)llround(hop_s * rate);
  if (opts->win < 1 || opts->hop < 1)
    return sb_msg_set(msg, SB_EINVAL, "--win %g s / --hop %g s is shorter than one sample at %d Hz",
                      win_s, hop_s, rate);
  return SB_OK;
}
