/*
 * datasets/stem_mp4.h — reading MUSDB18 ".stem.mp4" files: an MP4 holding
 * five AAC streams, 0 mixture, 1 drums, 2 bass, 3 other, 4 vocals (stereo,
 * 44.1 kHz; shared/specs/conventions.md).
 *
 * Every audio stream is decoded to float64 and cut to the stream's declared
 * duration (its duration in its time base, converted to samples): the AAC
 * encoder delay ("priming") is dropped through the skip information the
 * MP4 edit list gives libavformat, and the padding of the last AAC frame is
 * cut — the length musdb/stempeg report (stempeg decodes with ffmpeg, which
 * applies the same edit list).
 *
 * Naming a stream as a path: "<file>.stem.mp4#<n>" is stream n (0..4 in
 * MUSDB18; n counts the audio streams of the file in container order) and a
 * plain "<file>.stem.mp4" is stream 0, the mixture.  sb_audio_read
 * (audio.h) understands these references, so the MUSDB18 reader (musdb.h)
 * stores them as the track's mix_path / stem_paths and every consumer of a
 * track (track_audio.h, validate.h, backends) reads them unchanged.  Note
 * that "<file>#<n>" is not itself a file: check existence on the part
 * before '#' (sb_stem_mp4_parse_ref).
 *
 * Built without FFmpeg (configure --without-ffmpeg, or the libraries
 * missing) the reading functions return SB_EUNSUPPORTED with a message
 * saying to rebuild with --with-ffmpeg; sb_stem_mp4_parse_ref still works.
 * Built with FFmpeg, the libraries are opened on the first read or list
 * (datasets/avlib.h), not at start-up; when they cannot be loaded, every
 * read and list returns SB_EUNSUPPORTED, "F.stem.mp4: cannot decode
 * .stem.mp4: libavformat.so.59 cannot be loaded: <the loader's reason>",
 * and the caller goes on as with any unreadable file.
 *
 * Workload: one decode per stream and track (a 4-minute stereo stream is
 * ~21 M float64 samples, 170 MB); the other streams' packets are discarded
 * by the demuxer, not decoded.  Thread-safety: every function may run
 * concurrently on distinct or identical files (per-call FFmpeg contexts
 * only).
 *
 * FFmpeg's log: the first call installs a log callback for the process
 * (av_log_set_callback, once).  Messages FFmpeg logs on the thread of a
 * sepbench read are not printed raw: warnings are dropped (the read's own
 * checks decide whether the stream is usable, e.g. MUSDB18's "stream 0,
 * timescale not set"); the first error of a read that fails ends its
 * message ("... (FFmpeg: moov atom not found)"); a read that succeeds
 * despite errors prints one line on stderr naming the file ("sepbench:
 * F.stem.mp4: stream 2 was read, but FFmpeg reported 1 error (...)").
 * Messages of other threads and of other FFmpeg users in the process go to
 * FFmpeg's default callback, as before.
 */
#ifndef SB_DATASETS_STEM_MP4_H
#define SB_DATASETS_STEM_MP4_H

#include <stddef.h>
#include <stdint.h>
#include "sepbench/error.h"
#include "datasets/audio_buffer.h"

/* Number of streams of a MUSDB18 stem file and what each holds. */
enum { SB_STEM_MP4_N_STREAMS = 5 };

/* One audio stream of a file, as its header declares it. */
typedef struct sb_stem_mp4_stream {
  int index;          /* container stream index */
  int rate;           /* Hz */
  int n_chan;
  int64_t n_samples;   /* declared duration in samples per channel; -1 when
                         the file declares none */
  char codec[32];     /* "aac", ... */
} sb_stem_mp4_stream;

/* 1 when this build decodes .stem.mp4 files (configured with FFmpeg). */
int sb_stem_mp4_available(void);

/* Recognises a stream reference: path ends in ".stem.mp4" (stream 0) or
 * ".stem.mp4#<n>" with n a decimal 0..999.  On 1, *file_len is the length
 * of the file part of path and *stream the stream; on 0 both are left
 * untouched.  Needs no FFmpeg. */
int sb_stem_mp4_parse_ref(const char *path, size_t *file_len, int *stream);

/* Lists the audio streams of an MP4 file in container order: *streams
 * (caller frees with free()) holds *n_streams entries.  Errors (msg names
 * the file): SB_EIO (missing, a directory, unreadable), SB_EFORMAT (not an
 * MP4: empty, text, truncated before its header, another container; no
 * audio stream), SB_EUNSUPPORTED (built without FFmpeg), SB_ENOMEM. */
sb_err sb_stem_mp4_list(const char *path, sb_stem_mp4_stream **streams, int *n_streams, sb_msg *msg);

/* Decodes audio stream `stream` (0-based among the audio streams) of an MP4
 * file into a new buffer at the stream's own rate and channel count,
 * exactly the declared duration long (all decoded samples when the file
 * declares none).  Errors (msg names the file and the stream): SB_EIO and
 * SB_EFORMAT as sb_stem_mp4_list, plus SB_EFORMAT for a stream index the
 * file lacks ("2 audio streams, stream 4 requested; a MUSDB18 stem file has
 * 5"), a decode error, an unknown codec, or a truncated stream (fewer
 * samples decoded than declared), SB_EINVAL (stream < 0),
 * SB_EUNSUPPORTED (built without FFmpeg), SB_ENOMEM.  *out is NULL on
 * failure. */
sb_err sb_stem_mp4_read(const char *path, int stream, sb_audio **out, sb_msg *msg);

/* Reads a stream reference (see sb_stem_mp4_parse_ref) with
 * sb_stem_mp4_read; messages name the whole reference.  SB_EINVAL when ref
 * is not one, else the errors of sb_stem_mp4_read. */
sb_err sb_stem_mp4_read_ref(const char *ref, sb_audio **out, sb_msg *msg);

#endif /* SB_DATASETS_STEM_MP4_H */
