/*
 * backends/blind.h — two blind baselines that need no references,
 * for the lower end of a leaderboard (nussl's benchmark on MUSDB18 has
 * HPSS at -0.34 dB and REPET-SIM at 2.30 dB vocals SDR):
 *
 *   hpss       median-filter harmonic/percussive separation (Fitzgerald,
 *              "Harmonic/percussive separation using median filtering",
 *              DAFx 2010): on the magnitude spectrogram V (channel mean),
 *              H = median over time (kernel 17 frames), P = median over
 *              frequency (17 bins); soft masks M_P = P^2 / (H^2 + P^2),
 *              M_H = 1 - M_P applied to every channel's STFT.
 *              Targets: "drums" (or "percussive") gets the percussive part;
 *              "harmonic" gets the harmonic part; the other targets share
 *              the harmonic part equally (vocals, bass and other are all
 *              mostly harmonic, and an equal split is what MIX does with
 *              the whole mixture).  Without a percussive target, every
 *              target gets mixture / n_targets (nothing to separate).
 *   repet-sim  REPET-SIM (Rafii & Pardo, "Music/voice separation using the
 *              similarity matrix", ISMIR 2012): cosine similarity between
 *              the frames of V; for each frame the (up to 100) most similar
 *              frames at least 1 s apart with similarity > 0 (the frame
 *              itself included); the repeating spectrogram W = min(V,
 *              median of those frames); soft mask M = W / V for the
 *              background.  Target "vocals" (or "speech"; else target 0)
 *              gets the foreground (1 - M) X, the other targets share the
 *              background M X equally (accompaniment = background).
 *              Deviation for speed: similar frames are searched within
 *              +-max_lag seconds (default 30 s; the paper searches the
 *              whole track), so the cost is O(frames x lag x bins)
 *              rather than O(frames^2 x bins).
 *
 * STFT: metrics/stft.h, periodic Hann nfft 2048, hop 1024 (as the oracles).
 * Options: hpss: kernel=K (odd, 3..101, both medians); repet-sim:
 * max_lag=S (1..3600 s), min_dist=S (0..60 s), max_frames=N (1..1000).
 *
 * Workload: one call per track; whole spectrograms in memory (3 min stereo
 * = 2 x 8k frames x 1025 bins complex, ~260 MB).  One instance per thread.
 */
#ifndef SB_BACKENDS_BLIND_H
#define SB_BACKENDS_BLIND_H

#include "sepbench/backend.h"

/* Static descriptions; never NULL. */
const sb_backend_api *sb_backend_hpss(void);
const sb_backend_api *sb_backend_repet_sim(void);

#endif /* SB_BACKENDS_BLIND_H */
