/*
 * datasets/tiny_suite.h — the tiny built-in synthetic suite: 3 tracks of
 * 6 s, stereo 44.1 kHz, 4 stems each (vocals, drums, bass, other), made by
 * additive synthesis with no package or data file.  It exists so that unit
 * tests, smoke runs and a fresh machine always have something to evaluate.
 *
 * What each stem is:
 *   vocals  a sung-like melody: a harmonic tone whose partials are weighted
 *           by two vowel formants (a, e, i, o, u per note), with a delayed
 *           5.5 Hz vibrato, centred;
 *   drums   kick (falling sine + click), snare (noise burst + 190 Hz tone)
 *           and closed hi-hat (differentiated noise), a rock pattern;
 *   bass    plucked low notes (decaying harmonics) on the chord roots and
 *           fifths, one per beat;
 *   other   sustained triads, three detuned partials per voice spread left
 *           and right.
 * Every random choice comes from a xorshift64* generator seeded per track
 * (no libc rand), so the audio depends only on the track number.  The stems
 * are quantised to PCM_16 with one common gain (peak 0.8 full scale) and
 * mixture.wav is their exact integer sum (see stemset.h).
 *
 * Layout: <dir>/<track>/{mixture,vocals,drums,bass,other}.wav with tracks
 *   "Tiny Band - Morning (C major)", "Tiny Band - Rock & Roll",
 *   "Tiny Band - Don't Stop"
 * (the names carry the characters real suites have: spaces & ' ( )),
 * and <dir>/.complete written last.  Generating takes under a second.
 */
#ifndef SB_DATASETS_TINY_SUITE_H
#define SB_DATASETS_TINY_SUITE_H

#include "sepbench/error.h"

enum {
  SB_TINY_N_TRACKS = 3,
  SB_TINY_RATE = 44100,
  SB_TINY_FRAMES = 6 * 44100 /* per track and channel */
};

/* Writes the whole suite into dir (created if missing) and then the
 * marker; existing files are replaced.  SB_EIO, SB_ENOMEM. */
sb_err sb_tiny_suite_generate(const char *dir, sb_msg *msg);

/* Makes sure <cache_dir>/tiny holds the complete suite of this version,
 * generating it when the marker is missing or stale (with one line on
 * stderr unless quiet), and returns that folder in *suite_dir (allocated;
 * the caller frees it).  Concurrent callers are safe: files are renamed
 * into place and every generator writes identical bytes.
 * SB_EIO, SB_ENOMEM; *suite_dir is NULL on failure. */
sb_err sb_tiny_suite_ensure(const char *cache_dir, int quiet, char **suite_dir, sb_msg *msg);

#endif /* SB_DATASETS_TINY_SUITE_H */
