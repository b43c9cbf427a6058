/*
 * metrics/embedder.c — the frame-embedder interface of PS/PM: argument
 * checks shared by every implementation; see metrics/embedder.h.
 */
#include <config.h>

#include <stdlib.h>

#include "metrics/embedder.h"

enum { FRAME = 320 };

sb_err sb_embedder_new_custom(const char *kind, int batch, sb_embedder_dim_fn dim,
                              sb_embedder_embed_fn embed, void (*destroy)(void *ctx), void *ctx,
                              sb_embedder **out)
{
  sb_embedder *e;
  if (!out || !kind || !dim || !embed) {
    if (destroy)
      destroy(ctx);
    return SB_EINVAL;
  }
  *out = NULL;
  if (!(e = malloc(sizeof *e))) {
    if (destroy)
      destroy(ctx);
    return SB_ENOMEM;
  }
  *e = (sb_embedder){.kind = kind, .batch = batch, .dim = dim, .embed = embed, .destroy = destroy, .ctx = ctx};
  *out = e;
  return SB_OK;
}

void sb_embedder_free(sb_embedder **e)
{
  if (!e || !*e)
    return;
  if ((*e)->destroy)
    (*e)->destroy((*e)->ctx);
  free(*e);
  *e = NULL;
}

const char *sb_embedder_kind(const sb_embedder *e)
{
  return e ? e->kind : "raw";
}

size_t sb_embedder_n_frames(size_t n_samples)
{
  return n_samples < FRAME + 1 ? 0 : (n_samples - 1 - FRAME) / FRAME + 1;
}

static sb_err check_length(size_t n_samples, sb_msg *msg)
{
  if (sb_embedder_n_frames(n_samples) == 0)
    return sb_msg_set(msg, SB_ELENGTH, "signal of %zu samples is shorter than one 20-ms frame", n_samples);
  return SB_OK;
}

sb_err sb_embedder_dim(const sb_embedder *e, const double *signal, size_t n_samples, const char *name,
                       size_t *dim, sb_msg *msg)
{
  sb_err err;
  if (!e || !signal || !dim)
    return SB_EINVAL;
  *dim = 0;
  if ((err = check_length(n_samples, msg)))
    return err;
  if ((err = e->dim(e->ctx, signal, n_samples, name, dim, msg)))
    return err;
  if (*dim == 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: the %s embedder gives dimension 0", name ? name : "signal", e->kind);
  return SB_OK;
}

sb_err sb_embedder_embed(const sb_embedder *e, const double *const *signals, size_t n_signals,
                         size_t n_samples, const char *const *names, const size_t *frames, size_t n_sel,
                         size_t dim, double *out, sb_msg *msg)
{
  size_t T = sb_embedder_n_frames(n_samples);
  sb_err err;
  if (!e || !signals || !frames || !out || n_signals == 0 || n_sel == 0 || dim == 0)
    return SB_EINVAL;
  if ((err = check_length(n_samples, msg)))
    return err;
  for (size_t i = 0; i < n_sel; i++)
    if (frames[i] >= T)
      return sb_msg_set(msg, SB_EINVAL, "frame %zu requested of a signal of %zu frames", frames[i], T);
  return e->embed(e->ctx, signals, n_signals, n_samples, names, frames, n_sel, dim, out, msg);
}
