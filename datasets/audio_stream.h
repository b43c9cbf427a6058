/*
 * datasets/audio_stream.h — streamed audio files: a group of files read on
 * demand through a metric view (common/sources.h, chan == NULL), so that
 * an evaluation holds a few blocks per file instead of whole tracks
 * (a 10-minute 4-source stereo track is 1.7 GB of float64 per group).
 *
 * The files are checked when the stream is made, with the words of the
 * whole-file loader (datasets/audio.h, datasets/track_audio.h): they
 * exist and decode, no truncated WAV, and the rate, channel and length
 * rules of references, estimates (padded with zeros or truncated to the
 * reference length, museval's pad_or_truncate) and a mixture.  Samples
 * decode as sb_audio_read decodes them (bit for bit).  NaN/Inf samples and
 * decoding failures are found while reading: the reader returns the error
 * and the stream keeps a message naming the file (the first error wins).
 *
 * Only files whose frame count is exact and in which libsndfile seeks to
 * exactly the samples a sequential decode gives (sb_audio_header's
 * exact_seek: uncompressed WAV/RF64/AIFF ... and FLAC) are streamed;
 * ".stem.mp4" streams, MP3 and OGG Vorbis/Opus (whose decode after a seek
 * differs in the last bits) are refused with SB_EUNSUPPORTED so that the
 * caller loads them whole.
 *
 * Workload: metrics ask for pieces of at most SB_SPAN_MAX samples of one
 * channel, from several OpenMP threads at once, mostly at increasing
 * positions (1-s frames plus 511 samples of margin on each side, each
 * thread walking its own frames; whole sequential passes).  Every thread
 * has its own libsndfile handle per file (opened on first use) and its own
 * cache of two aligned blocks of 65536 frames per file (interleaved
 * float64), so a piece and its neighbours decode once for all channels;
 * memory is 2 x 65536 x n_chan doubles per file per reading thread,
 * whatever the track length.  Within a memory budget, files can instead be
 * decoded once and held (sb_audio_stream_cache), so that the passes of the
 * metrics do not decode them again; 16-bit and float WAV files are then
 * mapped rather than decoded (datasets/wav_map.h).
 */
#ifndef SB_DATASETS_AUDIO_STREAM_H
#define SB_DATASETS_AUDIO_STREAM_H

#include <stdint.h>
#include "sepbench/error.h"
#include "common/sources.h"

typedef struct sb_audio_stream sb_audio_stream;

/* Opens n_sig >= 1 files as one group.
 *  - like == NULL (references): the first file sets the rate, channel
 *    count and length; every other file must have them (fit must be 0).
 *  - like != NULL, fit == 0 (a mixture): every file must have like's
 *    rate, channel count and length.
 *  - like != NULL, fit == 1 (estimates): like's rate and channel count;
 *    the length becomes like's, a shorter file reading as zeros after its
 *    end, a longer one cut (sb_audio_stream_file_frames tells which).
 * paths are copied; like is only read during the call.  *out is NULL on
 * failure.  Errors (msg names the file, in sb_audio_read's and
 * track_audio.h's words): SB_EINVAL (n_sig < 1, NULL arguments, fit
 * without like), SB_EIO (missing, a directory, unreadable), SB_EFORMAT
 * (not audio, empty, truncated WAV), SB_ERATE, SB_ECHAN, SB_ELENGTH,
 * SB_EUNSUPPORTED (a ".stem.mp4" stream, or a file without exact seeking
 * or an exact length: load it whole instead), SB_ENOMEM. */
sb_err sb_audio_stream_new(int n_sig, const char *const *paths, const sb_audio_stream *like, int fit,
                           sb_audio_stream **out, sb_msg *msg);

/* Closes every handle and sets *s to NULL; accepts NULL and *s == NULL.
 * No reader may be running. */
void sb_audio_stream_free(sb_audio_stream **s);

/* Fills view with the group (n_src = n_sig, n_chan, n_samples, rate,
 * chan = NULL, read = the stream's reader, read_ctx = s).  The view is
 * valid until the stream is freed.  SB_EINVAL for NULL arguments. */
sb_err sb_audio_stream_view(sb_audio_stream *s, sb_sources *view);

/* Copies samples [t0, t0 + n) of channel c of file sig into dst (n
 * doubles), zeros beyond the file's end.  Thread-safe: callable from any
 * number of threads at once on one stream.  Errors: SB_EINVAL (sig, c or
 * the range outside the group; nothing recorded), and, recorded for
 * sb_audio_stream_error: SB_ENONFINITE ("<path>: NaN at channel c,
 * sample i", 0-based, for the first bad sample of the decoded block in
 * channel order), SB_EFORMAT (a decode or seek error, or fewer frames
 * than the header declares: a truncated or damaged file), SB_EIO (the
 * file can no longer be opened), SB_ENOMEM.  A failed handle is reopened
 * by the next request.  dst is unspecified after an error. */
sb_err sb_audio_stream_read(sb_audio_stream *s, int sig, int c, int64_t t0, int64_t n, double *dst);

/* Decodes files of the group whole, once, into memory: 2 bytes per sample
 * (int16 k, read back as k / 32768) for 8/16-bit PCM, A-law and mu-law
 * files, whose samples are such values, and 4 (float32) for 24-bit PCM and
 * float32 files; both hold every sample exactly.  The files held are
 * chosen in file order, each while its copy fits in what is left of
 * *budget; files of other formats stay streamed, and so does one whose
 * buffer cannot be allocated or whose decode gives a value its size does
 * not hold.  The
 * chosen files are decoded in parallel (one OpenMP thread per file).
 * A 16-bit PCM or float32 WAV file is not decoded but mapped
 * (datasets/wav_map.h: no copy, no decode; its first and last blocks are
 * checked against libsndfile's decode and float data scanned for NaN/Inf,
 * and a file that fails a check is decoded instead).  Later reads of a
 * held file copy from memory, the same values as a streamed read (bit for
 * bit).  *budget decreases by the bytes held.  The
 * decode applies the checks of sb_audio_stream_read, so a NaN/Inf sample,
 * a truncated or damaged file is found here, in the same words; when
 * several files fail, the first in file order is the one reported (and
 * recorded for sb_audio_stream_error), whatever the threads' timing.  No
 * reader may be running.  Errors: SB_EINVAL (NULL arguments), SB_ENOMEM,
 * and those of sb_audio_stream_read. */
sb_err sb_audio_stream_cache(sb_audio_stream *s, int64_t *budget, sb_msg *msg);

/* Frames file sig holds before fitting (equal to the group's length for
 * references and a mixture).  SB_EINVAL for sig out of range. */
sb_err sb_audio_stream_file_frames(const sb_audio_stream *s, int sig, int64_t *out);

/* The first error a reader recorded, SB_OK when none; msg receives its
 * message (cleared when none).  Thread-safe. */
sb_err sb_audio_stream_error(sb_audio_stream *s, sb_msg *msg);

#endif /* SB_DATASETS_AUDIO_STREAM_H */
