/*
 * tests/metrics/test-embedder.c — the frame-embedder interface of
 * metrics/embedder.c with a recording stand-in implementation: the frame
 * count formula at its edges, the argument checks that run before the
 * implementation is called (and keep it from being called), dimension 0
 * refused, errors and values passed through, ownership (the state is
 * destroyed by sb_embedder_free, and by sb_embedder_new_custom when it
 * fails).  No randomness.
 */
#include <config.h>

#include <string.h>

#include "metrics/embedder.h"
#include "tap.h"

typedef struct fake {
  int calls, destroyed;
  size_t dim;           /* what dim reports */
  sb_err fail;          /* what embed returns */
  size_t last_n_sel, last_dim;
} fake;

static sb_err fake_dim(void *ctx, const double *x, size_t n, const char *name, size_t *dim, sb_msg *msg)
{
  fake *f = ctx;
  (void)x;
  (void)n;
  (void)name;
  (void)msg;
  f->calls++;
  *dim = f->dim;
  return SB_OK;
}

/* Row i of signal p: dim copies of p * 100 + frames[i]. */
static sb_err fake_embed(void *ctx, const double *const *x, size_t n_x, size_t n, const char *const *names,
                         const size_t *frames, size_t n_sel, size_t dim, double *out, sb_msg *msg)
{
  fake *f = ctx;
  (void)x;
  (void)n;
  (void)names;
  f->calls++;
  f->last_n_sel = n_sel;
  f->last_dim = dim;
  if (f->fail)
    return sb_msg_set(msg, f->fail, "fake: asked to fail");
  for (size_t p = 0; p < n_x; p++)
    for (size_t i = 0; i < n_sel; i++)
      for (size_t d = 0; d < dim; d++)
        out[(p * n_sel + i) * dim + d] = (double)(p * 100 + frames[i]);
  return SB_OK;
}

static void fake_destroy(void *ctx)
{
  ((fake *)ctx)->destroyed++;
}

int main(void)
{
  static const struct {
    size_t n, frames;
  } counts[] = {{0, 0}, {320, 0}, {321, 1}, {640, 1}, {641, 2}, {960, 2}, {961, 3}, {16000, 49}, {16001, 50}};
  fake f = {0};
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  double sig[1000] = {0}, out[2 * 3 * 2];
  const double *sigs[2] = {sig, sig};
  const size_t frames[3] = {2, 0, 2}, past[1] = {3};
  size_t bad = 0, dim = 99;

  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    if (sb_embedder_n_frames(counts[i].n) != counts[i].frames) {
      bad++;
      tap_diag("n %zu: %zu frames, want %zu", counts[i].n, sb_embedder_n_frames(counts[i].n), counts[i].frames);
    }
  tap_ok(bad == 0, "frame count floor((n - 321) / 320) + 1, 0 below 321 samples (%zu differ)", bad);
  tap_ok(strcmp(sb_embedder_kind(NULL), "raw") == 0, "no embedder is PS/PM's default, raw");

  tap_ok(sb_embedder_new_custom("fake", 0, NULL, fake_embed, fake_destroy, &f, &e) == SB_EINVAL && !e &&
             f.destroyed == 1,
         "no dim callback -> EINVAL, the state destroyed");
  f.destroyed = 0;
  if (!tap_ok(sb_embedder_new_custom("fake", 1, fake_dim, fake_embed, fake_destroy, &f, &e) == SB_OK && e &&
                  e->batch == 1 && strcmp(sb_embedder_kind(e), "fake") == 0,
              "custom embedder made (kind fake, batch 1)"))
    return tap_done();

  f.dim = 2;
  tap_ok(sb_embedder_dim(e, sig, 1000, "ref0", &dim, &msg) == SB_OK && dim == 2, "dim passed through (%zu)", dim);
  f.dim = 0;
  msg.text[0] = 0;
  tap_ok(sb_embedder_dim(e, sig, 1000, "ref0", &dim, &msg) == SB_EFORMAT && strstr(msg.text, "ref0") &&
             strstr(msg.text, "dimension 0"),
         "dimension 0 -> EFORMAT naming the signal (%s)", msg.text);
  f.calls = 0;
  tap_ok(sb_embedder_dim(e, sig, 320, "ref0", &dim, &msg) == SB_ELENGTH && dim == 0 &&
             sb_embedder_dim(e, NULL, 1000, "ref0", &dim, &msg) == SB_EINVAL &&
             sb_embedder_dim(NULL, sig, 1000, "ref0", &dim, &msg) == SB_EINVAL && f.calls == 0,
         "dim of a signal shorter than a frame, of no signal, of no embedder: refused before the call");

  tap_ok(sb_embedder_embed(e, sigs, 2, 1000, NULL, frames, 3, 2, out, &msg) == SB_OK && f.last_n_sel == 3 &&
             f.last_dim == 2 && out[0] == 2.0 && out[2] == 0.0 && out[6] == 102.0 && out[11] == 102.0,
         "embed: the listed frames of both signals written where the interface says");
  f.calls = 0;
  msg.text[0] = 0;
  tap_ok(sb_embedder_embed(e, sigs, 2, 1000, NULL, past, 1, 2, out, &msg) == SB_EINVAL && strstr(msg.text, "frame 3"),
         "a frame past the end -> EINVAL naming it (%s)", msg.text);
  tap_ok(sb_embedder_embed(e, sigs, 2, 1000, NULL, NULL, 3, 2, out, NULL) == SB_EINVAL &&
             sb_embedder_embed(e, sigs, 2, 1000, NULL, frames, 0, 2, out, NULL) == SB_EINVAL &&
             sb_embedder_embed(e, sigs, 0, 1000, NULL, frames, 3, 2, out, NULL) == SB_EINVAL &&
             sb_embedder_embed(e, sigs, 2, 1000, NULL, frames, 3, 0, out, NULL) == SB_EINVAL &&
             sb_embedder_embed(e, sigs, 2, 1000, NULL, frames, 3, 2, NULL, NULL) == SB_EINVAL &&
             sb_embedder_embed(e, NULL, 2, 1000, NULL, frames, 3, 2, out, NULL) == SB_EINVAL,
         "no frame list, an empty one, no signal, dimension 0, no output, no signals -> EINVAL");
  tap_ok(sb_embedder_embed(e, sigs, 2, 320, NULL, frames, 1, 2, out, &msg) == SB_ELENGTH && f.calls == 0,
         "a signal shorter than one frame -> ELENGTH; none of the refused calls reached the implementation");
  f.fail = SB_EIO;
  msg.text[0] = 0;
  tap_ok(sb_embedder_embed(e, sigs, 2, 1000, NULL, frames, 3, 2, out, &msg) == SB_EIO &&
             strstr(msg.text, "asked to fail"),
         "the implementation's error and message passed through (%s)", msg.text);

  sb_embedder_free(&e);
  tap_ok(!e && f.destroyed == 1, "sb_embedder_free destroys the state once and NULLs the pointer");
  sb_embedder_free(&e);
  sb_embedder_free(NULL);
  tap_ok(f.destroyed == 1, "freeing NULL is a no-op");
  return tap_done();
}
