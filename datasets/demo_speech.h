/*
 * datasets/demo_speech.h — the built-in demo speech suite (the default of
 * `--suite speech` when ECHOSET_PATH is not set): EchoSet-like reverberant
 * two-speaker mixtures with noise, built deterministically from real speech
 * shipped in Debian, so that speech separation can be benchmarked on a
 * fresh machine.
 *
 * Sources (all resampled to 16 kHz mono):
 *   pocketsphinx-testdata  five LibriVox clips (one narrator, "Sense and
 *                          Sensibility") and five "cards" utterances (a
 *                          second speaker);
 *   espeak-ng, flite       a few sentences rendered with distinct voices
 *                          (programs run with fork/exec, no shell), when
 *                          installed; without them the suite uses only the
 *                          recorded clips.
 * Each mixture takes two utterances of different speakers, chosen by a
 * xorshift64* generator with a fixed seed; speaker 2 starts so that the
 * overlap ratio (overlapped time / shorter utterance) is uniform in
 * [0.3, 1]; each speaker is convolved with its own shoebox room impulse
 * response (rir.h: room 3-9 x 3-7 x 2.5-3.5 m, wall absorption 0.2-0.7,
 * speaker and microphone at least 0.5 m from the walls, height 1.2-1.8 m);
 * the reverberant images are scaled to a speaker-to-speaker ratio uniform
 * in [-5, 5] dB; white Gaussian noise is added at an SNR uniform in
 * [10, 30] dB relative to the sum of the images.  The targets are the
 * reverberant images, as in EchoSet; the noise is only in the mixture.
 *
 * Layout (EchoSet, read with sb_echoset_open):
 *   <cache>/demo-speech/test/<scene>/<room>/<spkA>_<spkB>/
 *       {mix.wav, spk1_reverb.wav, spk2_reverb.wav, meta.json}
 * with PCM_16 files and meta.json recording the sources, room size,
 * absorption, source and microphone positions, RT60 estimate (Sabine),
 * overlap ratio, offset, gains and SNR.  A .complete marker is written last.
 *
 * Workload: 8 mixtures of 4-8 s, generated once per cache (~1 s); the
 * output depends on the source files and on the espeak-ng/flite versions.
 */
#ifndef SB_DATASETS_DEMO_SPEECH_H
#define SB_DATASETS_DEMO_SPEECH_H

#include "sepbench/error.h"

enum {
  SB_DEMO_SPEECH_N_MIXTURES = 8,
  SB_DEMO_SPEECH_RATE = 16000
};

/* Folder of pocketsphinx-testdata's recordings (config.h may override). */
#ifndef SB_POCKETSPHINX_DATA
#define SB_POCKETSPHINX_DATA "/usr/share/pocketsphinx/test/data"
#endif

/* Generates the suite into dir (created if missing); data_dir is the
 * pocketsphinx test data folder (NULL = SB_POCKETSPHINX_DATA); synth 0
 * skips espeak-ng and flite.  One progress line per mixture on stderr
 * unless quiet.  SB_ENOTFOUND (pocketsphinx-testdata missing: msg says
 * which package to install), SB_EIO, SB_EFORMAT, SB_ENOMEM. */
sb_err sb_demo_speech_generate(const char *dir, const char *data_dir, int synth, int quiet, sb_msg *msg);

/* Makes sure <cache_dir>/demo-speech holds the complete suite of this
 * version, generating it when the marker is missing or stale, and returns
 * that folder in *suite_dir (allocated).  Errors as
 * sb_demo_speech_generate; *suite_dir is NULL on failure. */
sb_err sb_demo_speech_ensure(const char *cache_dir, int quiet, char **suite_dir, sb_msg *msg);

#endif /* SB_DATASETS_DEMO_SPEECH_H */
