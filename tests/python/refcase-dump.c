/*
 * tests/python/refcase-dump.c — writes the signals of one reference-vector
 * case (tests/metrics/refcase.h: FLAC decoded as libsndfile does, estimates
 * padded or truncated to the reference length) as raw float64 files for
 * the Python tests, which have no FLAC reader:
 *   refcase-dump [SET/]CASE OUTDIR  ->  OUTDIR/ref.f64, est.f64 [, mix.f64]
 * SET is a folder of $SB_REFVECTORS ("bss" when omitted, "speech").
 * each (source, channel, sample) in C order, native byte order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/metrics/refcase.h"

static int dump(const char *dir, const char *name, const double *data, size_t n)
{
  char path[4096];
  FILE *f;
  int ok;

  snprintf(path, sizeof path, "%s/%s", dir, name);
  f = fopen(path, "wb");
  if (!f)
    return 0;
  ok = fwrite(data, sizeof *data, n, f) == n;
  return fclose(f) == 0 && ok;
}

int main(int argc, char **argv)
{
  refcase *c = NULL;
  sb_msg msg;
  char set[64] = "bss";
  const char *name, *slash;
  size_t n;
  sb_err err;
  int ok;

  if (argc != 3) {
    fprintf(stderr, "usage: refcase-dump [SET/]CASE OUTDIR\n");
    return 2;
  }
  slash = strchr(argv[1], '/');
  name = argv[1];
  if (slash && (size_t)(slash - argv[1]) < sizeof set) {
    memcpy(set, argv[1], (size_t)(slash - argv[1]));
    set[slash - argv[1]] = '\0';
    name = slash + 1;
  }
  err = refcase_load_set(set, name, &c, &msg);
  if (err != SB_OK) {
    fprintf(stderr, "refcase-dump: %s\n", msg.text);
    return 1;
  }
  n = (size_t)c->n_src * (size_t)c->n_chan * (size_t)c->n_samples;
  ok = dump(argv[2], "ref.f64", c->ref_data, n) && dump(argv[2], "est.f64", c->est_data, n) &&
       (!c->has_mix || dump(argv[2], "mix.f64", c->mix_data, (size_t)c->n_chan * (size_t)c->n_samples));
  if (!ok)
    fprintf(stderr, "refcase-dump: %s: cannot write\n", argv[2]);
  refcase_free(&c);
  return ok ? 0 : 1;
}
