/*
 * metrics/embedders.h — frame embedders for the MAPSS measures (PS/PM):
 * each maps a 16-kHz mono signal to one vector per 20-ms frame (50 fps),
 * the point coordinates of the diffusion maps (shared/specs/mapss.md
 * section 2; reference code Amir-Ivry/MAPSS-measures 3157d20a models.py).
 *
 * Kinds (spec string given to sb_embedder_new):
 *  "raw"       the reference code's waveform-only variant (embed_batch_raw):
 *              frame t = samples [320 t, 320 t + 320) of the signal without
 *              its last sample, rounded to float32; n_frames =
 *              floor((n - 321) / 320) + 1, dim 320.  The default.
 *  "logmel"    built-in spectral embedder: 64 log-mel energies (Slaney mel
 *              scale and area normalisation as librosa's defaults, 0-8 kHz)
 *              of a 400-sample periodic-Hann frame starting at 320 t
 *              (zero-padded at the end), 512-point FFT, log(power + 1e-6);
 *              same n_frames as "raw", dim 64.
 *  "file:DIR"  precomputed embeddings: DIR/<name>.npy for each signal name
 *              (names below), little-endian float32 or float64, C order,
 *              shape (T, D) or (1, T, D) with T >= the raw frame count
 *              (extra frames are ignored) and the same D for every file.
 *  "cmd:TEMPLATE" an external program, run without a shell: TEMPLATE is
 *              split at spaces into argv; the token {list} is replaced by
 *              the path of a text file whose lines are
 *              "<input.wav>\t<output.npy>" (float32 WAV, 16 kHz mono); the
 *              program must write every output .npy (format as "file:"),
 *              which are then read back.  Files live in a fresh directory
 *              under $TMPDIR (or /tmp), removed afterwards with anything
 *              else the program left there.  The program's standard output
 *              is redirected to standard error (sepbench's standard output
 *              carries results); its exit status must be 0.  Template words
 *              cannot contain spaces (no quoting); at most 63 words.
 * Signal names (file/cmd): "ref<s>", "out<s>", "ps<s>_d<p>", "pm<s>_d<p>"
 * (s: 0-based source, p: 0-based distortion index in its bank), prefixed
 * by the caller's track key when given.
 *
 * Workload: 2 x (S (P + 2)) signals of seconds to minutes per track;
 * reference-side embeddings are cached by the caller.  An sb_embedder is
 * immutable after creation and may be used from several threads ("cmd"
 * runs one program per call).
 */
#ifndef SB_METRICS_EMBEDDERS_H
#define SB_METRICS_EMBEDDERS_H

#include <stddef.h>
#include "sepbench/error.h"

typedef struct sb_embedder sb_embedder;

/* Parses spec (see above; NULL or "" = "raw").  SB_EINVAL with msg for an
 * unknown kind or an empty DIR/TEMPLATE, SB_ENOMEM. */
sb_err sb_embedder_new(const char *spec, sb_embedder **out, sb_msg *msg);
void sb_embedder_free(sb_embedder **e);

/* Short name of the kind ("raw", "logmel", "file", "cmd"). */
const char *sb_embedder_kind(const sb_embedder *e);

/* Number of 20-ms frames the built-in embedders produce for n samples
 * (floor((n - 321) / 320) + 1, 0 when n < 321). */
size_t sb_embedder_n_frames(size_t n_samples);

/*
 * Embeds n_signals signals of n_samples each (16 kHz mono; names[i] as
 * above, required for file/cmd, may be NULL for raw/logmel).  On success
 * *out (malloc'ed, caller frees) holds [n_signals][*n_frames][*dim] with
 * *n_frames = sb_embedder_n_frames(n_samples).
 * Errors (msg names the file, or the program for cmd failures): SB_ELENGTH
 * (signal shorter than one frame), SB_EINVAL (NULL arguments, names NULL
 * for file/cmd, template with more than 63 words), SB_EIO (missing or
 * unreadable .npy, no .npy written for a signal, program not found or not
 * executable, exited non-zero or killed by a signal; temporary files not
 * writable), SB_EFORMAT (see sb_npy_read; too few frames, dimension 0 or
 * differing between signals), SB_ENOMEM.
 */
sb_err sb_embedder_embed(const sb_embedder *e, const double *const *signals, size_t n_signals,
                         size_t n_samples, const char *const *names, size_t *n_frames, size_t *dim,
                         double **out, sb_msg *msg);

/*
 * sb_embedder_embed restricted to the frames frames[0..n_sel) (indices
 * below sb_embedder_n_frames(n_samples), any order, repeats allowed):
 * *out (malloc'ed, caller frees) holds [n_signals][n_sel][*dim], row i of
 * a signal being the value sb_embedder_embed gives for its frame
 * frames[i].  raw and logmel compute only those frames (PS/PM scores about
 * half of a track's frames); file and cmd produce every frame and keep the
 * listed ones.  Errors as sb_embedder_embed, plus SB_EINVAL for NULL
 * frames, n_sel == 0 or an index out of range (named in msg).
 */
sb_err sb_embedder_embed_frames(const sb_embedder *e, const double *const *signals,
                                size_t n_signals, size_t n_samples, const char *const *names,
                                const size_t *frames, size_t n_sel, size_t *dim, double **out,
                                sb_msg *msg);

/* Reads a .npy file (format versions 1-3) of little-endian float32/float64
 * values in C order with shape (T, D) or (1, T, D): *data (malloc'ed,
 * T * D values) as float64.  The data must fill the rest of the file
 * exactly; sizes are checked against the file before any allocation.
 * Errors (msg names the file): SB_EINVAL (NULL arguments), SB_EIO (cannot
 * open, seek or read), SB_EFORMAT (no .npy magic, other version, header
 * truncated, other dtype, Fortran order, other shape, data truncated or
 * followed by extra bytes), SB_ENOMEM.  Exposed for tests. */
sb_err sb_npy_read(const char *path, double **data, size_t *rows, size_t *cols, sb_msg *msg);

#endif /* SB_METRICS_EMBEDDERS_H */
