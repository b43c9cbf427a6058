/*
 * datasets/audio.h — audio file I/O for sepbench, on the buffers of
 * audio_buffer.h (float64, channel by channel in one block).  Files are
 * read and written with libsndfile (WAV, FLAC, OGG/Vorbis, MP3 where
 * libsndfile supports it); integer PCM decodes as int / 2^(bits-1)
 * (libsndfile's convention, the one the reference vectors use).
 * Sample-rate conversion uses libsoxr (very high quality, linear phase).
 *
 * Workload: whole tracks (up to ~10 min of stereo 44.1 kHz = 53 M samples,
 * 420 MB as float64) read once per track.
 *
 * Thread-safety: every function may run concurrently on distinct buffers
 * and files (libsndfile and libsoxr keep per-handle state only).
 */
#ifndef SB_DATASETS_AUDIO_H
#define SB_DATASETS_AUDIO_H

#include <stdint.h>
#include "datasets/audio_buffer.h"
#include "sepbench/error.h"

/* Sample formats for sb_audio_write. */
typedef enum sb_sample_format {
  SB_PCM_16 = 0,
  SB_PCM_24,
  SB_FLOAT32,
  SB_FLOAT64
} sb_sample_format;

/* Reads a whole file (any format libsndfile reads: WAV/RF64, FLAC, OGG
 * Vorbis/Opus, MP3, AIFF, ...).  *out is NULL on failure.  Errors (msg
 * names the file): SB_EIO (missing, a directory, unreadable), SB_EFORMAT
 * (not audio; 0 bytes or 0 frames; truncated: a WAV whose data chunk
 * declares more bytes than follow it, or any format yielding fewer frames
 * than its header declares — MP3, whose count is an estimate, excepted),
 * SB_ENOMEM.  A path "<file>.stem.mp4" or "<file>.stem.mp4#<n>" (MUSDB18
 * stem files, stream n, 0 = mixture) is decoded by sb_stem_mp4_read_ref
 * (stem_mp4.h) instead, with its errors (SB_EUNSUPPORTED in a build
 * without FFmpeg). */
sb_err sb_audio_read(const char *path, sb_audio **out, sb_msg *msg);

/* What a file's header declares (sb_audio_probe). */
typedef struct sb_audio_header {
  int n_chan;        /* >= 1 */
  int rate;          /* Hz, > 0 */
  int64_t n_samples; /* declared samples per channel, >= 1 */
  int exact_count;   /* 1 when n_samples is exact (0 for MP3, whose count is an estimate) */
  int exact_seek;    /* 1 when libsndfile seeks in the file to exactly the samples a
                        sequential decode gives: uncompressed PCM/float/A-law/mu-law
                        (WAV, RF64, AIFF, ...) and FLAC; 0 for Vorbis, Opus, MP3 and
                        codecs with state across blocks */
  int format;        /* libsndfile's SF_INFO.format (container | subformat) */
} sb_audio_header;

/* Opens a file with libsndfile, applies sb_audio_read's header checks (the
 * truncated-WAV check included) and reports its header without decoding
 * the samples.  Errors as sb_audio_read (SB_EIO, SB_EFORMAT), plus
 * SB_EUNSUPPORTED for a ".stem.mp4" stream reference (no libsndfile
 * header; sb_audio_read decodes it whole).  *out is untouched on failure. */
sb_err sb_audio_probe(const char *path, sb_audio_header *out, sb_msg *msg);

/* sb_audio_read's message for a decode that stopped early, for other
 * readers of the same files: "<path>: read error after N frames: <error_text>"
 * when libsndfile reported an error (error_text != NULL), else
 * "<path>: truncated: the header declares D frames, only N could be read".
 * Returns SB_EFORMAT. */
sb_err sb_audio_shortfall_msg(sb_msg *msg, const char *path, int64_t declared, int64_t n_read,
                              const char *error_text);

/* sb_audio_check_finite's message for a non-finite value at channel c,
 * sample i (0-based): "<label>: NaN at channel c, sample i" (or +Inf/-Inf).
 * Returns SB_ENONFINITE. */
sb_err sb_audio_nonfinite_msg(sb_msg *msg, const char *label, double value, int c, int64_t i);

/* Writes a file whose container follows the extension: .wav (or none; RF64
 * beyond 4 GB) in any format, .flac in SB_PCM_16/SB_PCM_24, .ogg (Vorbis)
 * and .mp3 (lossy; fmt ignored).  Integer formats store
 * round(x * 2^(bits-1)) clipped to the integer range (NaN as 0), so a
 * value k / 2^(bits-1) reads back exactly; float formats store the values
 * as they are.  No PEAK chunk, so equal audio gives equal bytes.  On
 * failure the partial file is removed.  SB_EINVAL (bad buffer, unknown
 * extension, format not supported by the container), SB_EIO (cannot create
 * or write), SB_ENOMEM. */
sb_err sb_audio_write(const char *path, const sb_audio *a, sb_sample_format fmt, sb_msg *msg);

/* Returns a new buffer resampled to rate (libsoxr SOXR_VHQ, linear phase,
 * each channel independently) with exactly round(n_samples * rate / a->rate)
 * frames (halves round up).  When rate equals a->rate the result is a copy.
 * SB_EINVAL (rate <= 0, bad buffer, libsoxr error), SB_ENOMEM. */
sb_err sb_audio_resample(const sb_audio *a, int rate, sb_audio **out, sb_msg *msg);

/* Returns a new buffer with n_chan channels at rate, for a program that
 * expects that shape (command backends and metrics): the channels are a
 * copy, the mean of every channel (n_chan 1, a downmix) or a mono signal
 * copied to every channel (an upmix), then resampled as sb_audio_resample
 * does when rate differs.  *out is NULL on failure.  SB_ECHAN ("3 channels
 * cannot be converted to 2": neither side mono nor equal), SB_EINVAL
 * (n_chan < 1, as sb_audio_resample), SB_ENOMEM. */
sb_err sb_audio_convert(const sb_audio *a, int n_chan, int rate, sb_audio **out, sb_msg *msg);

/* Checks that every sample is finite.  SB_ENONFINITE with msg
 * "<label>: NaN at channel c, sample n" (or +Inf/-Inf) for the first bad
 * sample in channel order (channel and sample 0-based). */
sb_err sb_audio_check_finite(const sb_audio *a, const char *label, sb_msg *msg);

/* Zero-pads or truncates every channel to n_samples in place (museval's
 * pad_or_truncate).  SB_EINVAL (n_samples < 0), SB_ENOMEM (a is then
 * unchanged). */
sb_err sb_audio_fit_length(sb_audio *a, int64_t n_samples);

#endif /* SB_DATASETS_AUDIO_H */
