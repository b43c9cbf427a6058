/*
 * datasets/wav_map.h — the sample data of an uncompressed WAV file mapped
 * read-only into memory (mmap of the page cache), so that a reader that
 * holds a file's samples need not decode them into a buffer of its own:
 * no decode, no copy, no freshly zeroed pages (MUSDB18-HQ's 16-bit WAV
 * tracks are read this way by sb_audio_stream_cache).
 *
 * Files mapped: RIFF/WAVE (the Microsoft RIFF spec's chunk layout, with
 * WAVE_FORMAT_PCM or WAVE_FORMAT_IEEE_FLOAT, also inside
 * WAVE_FORMAT_EXTENSIBLE), 16-bit PCM or 32-bit float, little-endian
 * host, whose data chunk holds at least the frames the caller expects.
 * Anything else (RF64, W64, AIFF, 8/24-bit, big-endian, odd offsets) is
 * SB_EUNSUPPORTED: the caller decodes the file instead.  The mapping does
 * not check the samples (the caller compares them with its decoder and
 * scans float data for NaN/Inf).
 *
 * A mapped file that another process truncates while it is mapped raises
 * SIGBUS on the next read of the lost pages (mmap(2)); readers of
 * evaluation inputs do not expect their inputs to shrink under them.
 */
#ifndef SB_DATASETS_WAV_MAP_H
#define SB_DATASETS_WAV_MAP_H

#include <stddef.h>
#include <stdint.h>
#include "sepbench/error.h"

typedef struct sb_wav_map sb_wav_map;

/* Maps the data chunk of the WAV file at path, expected to hold frames
 * frames of n_chan interleaved samples of sample_bytes bytes (2: 16-bit
 * PCM, 4: 32-bit float).  The pages are populated at once (MAP_POPULATE),
 * so the file's I/O happens in this call.  *out is NULL on failure.
 * Errors: SB_EINVAL (NULL arguments, n_chan < 1, frames < 1,
 * sample_bytes not 2 or 4), SB_EIO (cannot open, stat or map),
 * SB_EUNSUPPORTED (not such a WAV file: decode it instead), SB_ENOMEM. */
sb_err sb_wav_map_open(const char *path, int n_chan, int64_t frames, int sample_bytes, sb_wav_map **out);

/* The interleaved samples: frame i, channel c at index i * n_chan + c
 * (int16_t or float by sample_bytes), valid until sb_wav_map_free. */
const void *sb_wav_map_samples(const sb_wav_map *m);

/* Unmaps and sets *m to NULL; accepts NULL and *m == NULL. */
void sb_wav_map_free(sb_wav_map **m);

#endif /* SB_DATASETS_WAV_MAP_H */
