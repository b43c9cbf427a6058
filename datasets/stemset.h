/*
 * datasets/stemset.h — writing a generated track: reference stems
 * quantised to 16-bit PCM with one common gain, and a mixture that is the
 * EXACT integer sum of the quantised stems, so that "mixture == sum of
 * references" holds bit for bit in the built-in suites.
 *
 * Also the ".complete" marker that tells a generated suite folder is whole:
 * generators write it last, and check its text (a version stamp) before
 * trusting the folder, so an interrupted or outdated generation is redone.
 *
 * Workload: a handful of tracks of 5-30 s, written once per cache.
 */
#ifndef SB_DATASETS_STEMSET_H
#define SB_DATASETS_STEMSET_H

#include "datasets/audio.h"
#include "sepbench/error.h"

/* Scales every stem by one gain g > 0 chosen so that the largest absolute
 * sample of any stem and of the float sum of the stems equals peak
 * (0 < peak <= 0.9), rounds g * x * 2^15 to integers, and writes
 * <dir>/<names[i]>.wav (PCM_16) for each stem and <dir>/mixture.wav (PCM_16,
 * the integer sum).  Each file is written under a temporary name and renamed
 * into place.  All stems must share n_chan, n_samples and rate, and must not
 * be all silent.  On success the stems hold the quantised values
 * (k / 2^15) exactly as written.  dir must exist.
 * SB_EINVAL (shapes differ, silence, bad peak), SB_EIO, SB_ENOMEM. */
sb_err sb_stemset_write(const char *dir, const char *const *names, sb_audio *const *stems, int n_stems,
                        double peak, sb_msg *msg);

/* 1 when <dir>/.complete exists and holds exactly stamp, else 0. */
int sb_stemset_is_complete(const char *dir, const char *stamp);

/* Writes <dir>/.complete holding stamp (atomically).  SB_EIO, SB_ENOMEM. */
sb_err sb_stemset_mark_complete(const char *dir, const char *stamp, sb_msg *msg);

#endif /* SB_DATASETS_STEMSET_H */
