/*
 * datasets/track_audio.h — loading the audio of one track (mixture and
 * reference stems) or of a set of estimate files, with the checks every
 * evaluation needs: files exist and decode, sample rates agree, channel
 * counts agree, references have one length, no NaN/Inf samples.
 * Estimates are zero-padded or truncated to the reference length
 * (museval's pad_or_truncate) and the caller is told when that happened.
 *
 * Workload: once per (track, method) item; whole tracks in memory.
 */
#ifndef SB_DATASETS_TRACK_AUDIO_H
#define SB_DATASETS_TRACK_AUDIO_H

#include "sepbench/error.h"
#include "datasets/audio.h"
#include "datasets/suite.h"

typedef struct sb_track_audio {
  int n_stems;
  sb_audio *mix;     /* NULL when the track has no mixture */
  sb_audio **stems;  /* n_stems references, all the same rate, channels, length */
} sb_track_audio;

/* Reads the mixture and every stem of a track: a derived stem is the sum
 * of its parts (suite.h), and with an excerpt every signal is cut to
 * [excerpt_start, excerpt_start + excerpt_len) seconds (shorter when the
 * files end earlier).  Errors (msg names the file
 * and the problem): SB_EIO, SB_EFORMAT (from sb_audio_read), SB_ERATE and
 * SB_ECHAN ("stem X: 22050 Hz, the mixture is 44100 Hz"), SB_ELENGTH
 * (stems of different lengths; a mixture of another length; an excerpt
 * starting after the end of a file), SB_ENONFINITE,
 * SB_ENOMEM. */
sb_err sb_track_audio_load(const sb_track *track, sb_track_audio **out, sb_msg *msg);

void sb_track_audio_free(sb_track_audio **t);

/* Cuts a whole-file signal to the track's excerpt in place (no-op without
 * one); for estimates read from disk (estimates.h) when the track has an
 * excerpt.  path names the file in messages.  SB_ELENGTH when the excerpt
 * starts after the end. */
sb_err sb_track_audio_cut(sb_audio *a, const sb_track *track, const char *path, sb_msg *msg);

/* The shape rule of the references, with the loader's wording: a (read
 * from path) must have the rate, channel count and length of first (read
 * from first_path).  Reads only the n_chan, n_samples and rate fields, so
 * header-only buffers (data == NULL) from a file's header are fine.
 * SB_ERATE ("<path>: sample rate R Hz, but <first_path> has F Hz"),
 * SB_ECHAN, SB_ELENGTH. */
sb_err sb_track_audio_check_shape(const sb_audio *a, const char *path, const sb_audio *first,
                                  const char *first_path, sb_msg *msg);

/* The rate and channel rule of an estimate, with the loader's wording
 * ("<label>: sample rate R Hz, the references have F Hz").  Reads only the
 * n_chan and rate fields.  SB_ERATE, SB_ECHAN. */
sb_err sb_track_audio_check_estimate(const sb_audio *est, const char *label, int rate, int n_chan,
                                     sb_msg *msg);

/* Checks an estimate against the references (rate, channels, finite
 * samples) and pads or truncates it to n_samples.  label names the estimate
 * in messages (usually its path).  *refit is set to the estimate's original
 * length when it differed, else -1.  SB_ERATE, SB_ECHAN, SB_ENONFINITE,
 * SB_ENOMEM. */
sb_err sb_track_audio_fit_estimate(sb_audio *est, const char *label, int rate, int n_chan,
                                   int64_t n_samples, int64_t *refit, sb_msg *msg);

#endif /* SB_DATASETS_TRACK_AUDIO_H */
