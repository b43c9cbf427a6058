/*
 * metrics/embedder.h — the interface through which PS/PM (metrics/pspm.h)
 * gets the point coordinates of its diffusion maps: an embedder maps a
 * 16-kHz mono signal to one vector per 20-ms frame (50 fps;
 * shared/specs/mapss.md section 2, reference code Amir-Ivry/MAPSS-measures
 * 3157d20a models.py).
 *
 * Frames: frame t of a signal of n samples starts at sample 320 t; a signal
 * has sb_embedder_n_frames(n) = floor((n - 321) / 320) + 1 frames (0 when
 * n < 321), the frame count of the reference's waveform-only model.
 * Embedders that produce more frames (precomputed files) keep the first
 * ones.
 *
 * Implementations: the pure ones, "raw" and "logmel", in metrics/embedders.h;
 * "file:DIR" (precomputed .npy files) and "cmd:TEMPLATE" (an external
 * program) in backends/embedders.h, which also parses the
 * --pspm-embedder spec.  metrics/ calls an embedder only through this
 * struct and never reads a file or starts a program itself.
 *
 * Signal names: "ref<s>", "out<s>", "ps<s>_d<p>", "pm<s>_d<p>" (s: 0-based
 * source, p: 0-based distortion index in its bank), prefixed by the
 * caller's track key when given.  Implementations that read or write
 * files name them after the signals; the others ignore the names.
 *
 * Thread-safety: an embedder is immutable after creation; its callbacks may
 * run from several threads at once unless the implementation says
 * otherwise.  Workload: 2 x (S (P + 2)) signals of seconds to minutes per
 * track, about half of their frames listed.
 */
#ifndef SB_METRICS_EMBEDDER_H
#define SB_METRICS_EMBEDDER_H

#include <stddef.h>
#include "sepbench/error.h"

/* The dimension D of the embeddings this embedder gives signal (n_samples
 * at 16 kHz, called name): constant for the pure embedders, read from the
 * embedding of that signal by the others.  Errors as sb_embedder_embed_fn. */
typedef sb_err (*sb_embedder_dim_fn)(void *ctx, const double *signal, size_t n_samples, const char *name,
                                     size_t *dim, sb_msg *msg);

/* Writes the embeddings of frames[0..n_sel) of each of the n_signals
 * signals (n_samples each) into out: row i of signal p, a vector of dim
 * values, at out + (p * n_sel + i) * dim.  The arguments are checked
 * before the call (see sb_embedder_embed).  Errors: the implementation's,
 * with a one-line msg naming the signal's file or the program; SB_EFORMAT
 * when a signal's embedding does not have dimension dim. */
typedef sb_err (*sb_embedder_embed_fn)(void *ctx, const double *const *signals, size_t n_signals,
                                       size_t n_samples, const char *const *names, const size_t *frames,
                                       size_t n_sel, size_t dim, double *out, sb_msg *msg);

typedef struct sb_embedder {
  const char *kind;           /* short name: "raw", "logmel", "file", "cmd" */
  int batch;                  /* 1: each call has a large fixed cost (a program start), so callers
                                 hand over whole groups of signals; 0: any chunking is as cheap */
  sb_embedder_dim_fn dim;
  sb_embedder_embed_fn embed;
  void (*destroy)(void *ctx); /* frees ctx (NULL: nothing to free) */
  void *ctx;                  /* the implementation's state */
} sb_embedder;

/* An embedder of the given callbacks, owning ctx (destroyed by
 * sb_embedder_free, and here when the allocation fails).  SB_EINVAL (NULL
 * out, kind, dim or embed), SB_ENOMEM. */
sb_err sb_embedder_new_custom(const char *kind, int batch, sb_embedder_dim_fn dim,
                              sb_embedder_embed_fn embed, void (*destroy)(void *ctx), void *ctx,
                              sb_embedder **out);

/* Destroys the implementation's state and the embedder; sets *e to NULL;
 * NULL and *e == NULL are no-ops. */
void sb_embedder_free(sb_embedder **e);

/* Short name of the kind; "raw" for NULL (PS/PM's default). */
const char *sb_embedder_kind(const sb_embedder *e);

/* Number of 20-ms frames of n samples (see above). */
size_t sb_embedder_n_frames(size_t n_samples);

/* e->dim after checking the arguments.  Errors: SB_EINVAL (NULL e, signal
 * or dim), SB_ELENGTH (signal shorter than one frame), the
 * implementation's, SB_EFORMAT (it reports dimension 0). */
sb_err sb_embedder_dim(const sb_embedder *e, const double *signal, size_t n_samples, const char *name,
                       size_t *dim, sb_msg *msg);

/* e->embed after checking the arguments: frames[i] < sb_embedder_n_frames
 * (n_samples) in any order, repeats allowed; out holds n_signals * n_sel *
 * dim values (caller-owned).  Errors: SB_EINVAL (NULL e, signals, frames or
 * out, n_signals, n_sel or dim 0, a frame out of range — named in msg),
 * SB_ELENGTH (signal shorter than one frame), the implementation's. */
sb_err sb_embedder_embed(const sb_embedder *e, const double *const *signals, size_t n_signals,
                         size_t n_samples, const char *const *names, const size_t *frames, size_t n_sel,
                         size_t dim, double *out, sb_msg *msg);

#endif /* SB_METRICS_EMBEDDER_H */
