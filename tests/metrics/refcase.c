/*
 * tests/metrics/refcase.c — reference-vector case loader for the metric
 * tests (see refcase.h).
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sndfile.h>

#include "tests/metrics/refcase.h"

const char *refcase_root(void)
{
  const char *root = getenv("SB_REFVECTORS");
  struct stat st;
  if (!root || !*root || stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
    return NULL;
  return root;
}

sb_err refcase_read_audio(const char *path, int64_t fit_len, double **data, int *n_chan,
                          int64_t *len, int *rate, sb_msg *msg)
{
  SF_INFO info;
  SNDFILE *sf;
  double *inter = NULL, *planar = NULL;
  int64_t n_read, out_len;
  sb_err err = SB_ENOMEM;

  *data = NULL;
  memset(&info, 0, sizeof info);
  sf = sf_open(path, SFM_READ, &info);
  if (!sf)
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, sf_strerror(NULL));
  if (info.channels < 1 || info.frames < 1) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: no audio", path);
    goto done;
  }
  inter = malloc((size_t)info.frames * (size_t)info.channels * sizeof *inter);
  if (!inter) {
    sb_msg_set(msg, err, "%s: out of memory", path);
    goto done;
  }
  n_read = sf_readf_double(sf, inter, info.frames);
  if (n_read != info.frames) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: read %lld of %lld frames", path, (long long)n_read,
                     (long long)info.frames);
    goto done;
  }
  out_len = fit_len >= 0 ? fit_len : (int64_t)info.frames;
  planar = calloc((size_t)out_len * (size_t)info.channels, sizeof *planar);
  if (!planar) {
    sb_msg_set(msg, err, "%s: out of memory", path);
    goto done;
  }
  for (int c = 0; c < info.channels; c++)
    for (int64_t n = 0; n < out_len && n < (int64_t)info.frames; n++)
      planar[(size_t)c * (size_t)out_len + (size_t)n] = inter[(size_t)n * (size_t)info.channels + (size_t)c];
  *data = planar;
  *n_chan = info.channels;
  *len = out_len;
  *rate = info.samplerate;
  planar = NULL;
  err = SB_OK;

done:
  free(inter);
  free(planar);
  sf_close(sf);
  return err;
}

void refcase_free(refcase **c)
{
  if (!c || !*c)
    return;
  free((*c)->dir);
  sb_json_free(&(*c)->expected);
  free((*c)->names);
  free((*c)->ref_data);
  free((*c)->est_data);
  free((*c)->mix_data);
  free((*c)->ref_chan);
  free((*c)->est_chan);
  free((*c)->mix_chan);
  free(*c);
  *c = NULL;
}

const sb_json *refcase_get(const refcase *c, ...)
{
  const sb_json *v = c->expected;
  const char *key;
  va_list ap;
  va_start(ap, c);
  while (v && (key = va_arg(ap, const char *)) != NULL)
    v = sb_json_get(v, key);
  va_end(ap);
  return v;
}

/* Reads one group member into dst (n_chan * n_samples planar). */
static sb_err read_member(const refcase *c, const char *sub, const char *name, double *dst,
                          sb_msg *msg)
{
  char path[4096];
  double *data = NULL;
  int n_chan = 0, rate = 0;
  int64_t len = 0;
  sb_err err;
  if (sub)
    snprintf(path, sizeof path, "%s/%s/%s.flac", c->dir, sub, name);
  else
    snprintf(path, sizeof path, "%s/%s.flac", c->dir, name);
  err = refcase_read_audio(path, c->n_samples, &data, &n_chan, &len, &rate, msg);
  if (err != SB_OK)
    return err;
  if (n_chan != c->n_chan || rate != c->rate) {
    free(data);
    return sb_msg_set(msg, SB_EFORMAT, "%s: %d channels at %d Hz, expected.json says %d at %d", path,
                      n_chan, rate, c->n_chan, c->rate);
  }
  memcpy(dst, data, (size_t)n_chan * (size_t)len * sizeof *dst);
  free(data);
  return SB_OK;
}

static void make_view(sb_sources *s, const double **ptr, double *data, int n_src, int n_chan,
                      int64_t n_samples, int rate)
{
  for (int i = 0; i < n_src * n_chan; i++)
    ptr[i] = data + (size_t)i * (size_t)n_samples;
  s->n_src = n_src;
  s->n_chan = n_chan;
  s->n_samples = n_samples;
  s->rate = rate;
  s->chan = ptr;
}

sb_err refcase_load(const char *name, refcase **out, sb_msg *msg)
{
  return refcase_load_set("bss", name, out, msg);
}

sb_err refcase_load_set(const char *set, const char *name, refcase **out, sb_msg *msg)
{
  const char *root = refcase_root();
  refcase *c = NULL;
  char path[4096];
  const sb_json *names;
  struct stat st;
  size_t per_src;
  sb_err err = SB_ENOMEM;

  *out = NULL;
  if (!root)
    return sb_msg_set(msg, SB_ENOTFOUND, "SB_REFVECTORS is unset or not a directory");
  c = calloc(1, sizeof *c);
  if (!c)
    return sb_msg_set(msg, SB_ENOMEM, "out of memory");
  snprintf(path, sizeof path, "%s/%s/%s", root, set, name);
  c->dir = strdup(path);
  if (!c->dir)
    goto fail;
  snprintf(path, sizeof path, "%s/expected.json", c->dir);
  if ((err = sb_json_parse_file(path, &c->expected, msg)) != SB_OK)
    goto fail;
  names = sb_json_get(c->expected, "names");
  c->rate = (int)sb_json_num(sb_json_get(c->expected, "rate"));
  c->n_chan = (int)sb_json_num(sb_json_get(c->expected, "nchan"));
  c->n_samples = (int64_t)sb_json_num(refcase_get(c, "nsamples", "evaluated", (const char *)NULL));
  if (!names || names->type != SB_JSON_ARRAY || names->n < 1 || c->rate <= 0 || c->n_chan < 1 ||
      c->n_samples < 1) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: names, rate, nchan or nsamples.evaluated missing", path);
    goto fail;
  }
  c->n_src = (int)names->n;
  err = SB_ENOMEM;
  c->names = calloc((size_t)c->n_src, sizeof *c->names);
  if (!c->names)
    goto fail;
  for (int j = 0; j < c->n_src; j++) {
    c->names[j] = sb_json_str(sb_json_at(names, (size_t)j));
    if (!c->names[j]) {
      err = sb_msg_set(msg, SB_EFORMAT, "%s: names[%d] is not a string", path, j);
      goto fail;
    }
  }
  per_src = (size_t)c->n_chan * (size_t)c->n_samples;
  snprintf(path, sizeof path, "%s/mix.flac", c->dir);
  c->has_mix = stat(path, &st) == 0;
  c->ref_data = malloc((size_t)c->n_src * per_src * sizeof *c->ref_data);
  c->est_data = malloc((size_t)c->n_src * per_src * sizeof *c->est_data);
  c->ref_chan = malloc((size_t)c->n_src * (size_t)c->n_chan * sizeof *c->ref_chan);
  c->est_chan = malloc((size_t)c->n_src * (size_t)c->n_chan * sizeof *c->est_chan);
  if (!c->ref_data || !c->est_data || !c->ref_chan || !c->est_chan)
    goto fail;
  for (int j = 0; j < c->n_src; j++) {
    if ((err = read_member(c, "ref", c->names[j], c->ref_data + (size_t)j * per_src, msg)) != SB_OK ||
        (err = read_member(c, "est", c->names[j], c->est_data + (size_t)j * per_src, msg)) != SB_OK)
      goto fail;
  }
  make_view(&c->ref, c->ref_chan, c->ref_data, c->n_src, c->n_chan, c->n_samples, c->rate);
  make_view(&c->est, c->est_chan, c->est_data, c->n_src, c->n_chan, c->n_samples, c->rate);
  if (c->has_mix) {
    err = SB_ENOMEM;
    c->mix_data = malloc(per_src * sizeof *c->mix_data);
    c->mix_chan = malloc((size_t)c->n_chan * sizeof *c->mix_chan);
    if (!c->mix_data || !c->mix_chan)
      goto fail;
    if ((err = read_member(c, NULL, "mix", c->mix_data, msg)) != SB_OK)
      goto fail;
    make_view(&c->mix, c->mix_chan, c->mix_data, 1, c->n_chan, c->n_samples, c->rate);
  }
  *out = c;
  return SB_OK;

fail:
  if (err == SB_ENOMEM)
    sb_msg_set(msg, err, "%s: out of memory", name);
  refcase_free(&c);
  return err;
}

static sb_err stream_read(void *ctx, int src, int c, int64_t t0, int64_t n, double *dst)
{
  refcase_stream *x = ctx;
  int done;
  if (t0 < 0 || n < 1 || n > SB_SPAN_MAX || t0 + n > x->s->n_samples || src < 0 || src >= x->s->n_src ||
      c < 0 || c >= x->s->n_chan)
    return SB_EINVAL;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
  done = x->n_reads++;
  if (x->fail_after >= 0 && done >= x->fail_after)
    return SB_EIO;
  memcpy(dst, sb_sources_chan(x->s, src, c) + t0, sizeof(double) * (size_t)n);
  if (src == 0 && c == 0 && x->nan_at >= t0 && x->nan_at < t0 + n)
    dst[x->nan_at - t0] = NAN;
  return SB_OK;
}

sb_sources refcase_stream_view(const sb_sources *s, refcase_stream *ctx)
{
  sb_sources v = *s;
  ctx->s = s;
  ctx->nan_at = -1;
  ctx->fail_after = -1;
  ctx->n_reads = 0;
  v.chan = NULL;
  v.read = stream_read;
  v.read_ctx = ctx;
  return v;
}
