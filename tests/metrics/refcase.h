/*
 * tests/metrics/refcase.h — loads one reference-vector case of
 * $SB_REFVECTORS/bss/<case>/ (format: shared/refvectors/bss/README.md) for
 * the metric tests: expected.json parsed, ref/<name>.flac, est/<name>.flac
 * and mix.flac read with libsndfile in expected.json "names" order, every
 * estimate zero-padded or truncated to the reference length (museval's
 * pad_or_truncate), and sb_sources views over the three groups.
 *
 * Samples are float64 as libsndfile decodes integer PCM (int / 2^(bits-1)),
 * the decode rule of the reference vectors.
 */
#ifndef SB_TESTS_METRICS_REFCASE_H
#define SB_TESTS_METRICS_REFCASE_H

#include <stdint.h>
#include "sepbench/error.h"
#include "common/json.h"
#include "common/sources.h"

typedef struct refcase {
  char *dir;            /* $SB_REFVECTORS/bss/<case> */
  sb_json *expected;    /* parsed expected.json (owned) */
  int n_src, n_chan, rate;
  int64_t n_samples;    /* evaluated length = reference length */
  const char **names;   /* n_src names, pointers into expected */
  double *ref_data, *est_data, *mix_data; /* [(src * n_chan + c) * n_samples + n] */
  const double **ref_chan, **est_chan, **mix_chan;
  sb_sources ref, est, mix; /* mix valid when has_mix */
  int has_mix;
} refcase;

/* Root of the reference vectors: $SB_REFVECTORS, or NULL when unset or not
 * a directory (tests must then FAIL, not skip). */
const char *refcase_root(void);

/* Reads an audio file into planar float64 (channel c at data + c * len),
 * zero-padded or truncated to fit_len samples when fit_len >= 0 (else the
 * file length).  *data is malloc'ed.  SB_EIO, SB_EFORMAT, SB_ENOMEM. */
sb_err refcase_read_audio(const char *path, int64_t fit_len, double **data, int *n_chan,
                          int64_t *len, int *rate, sb_msg *msg);

/* Loads case `name` (e.g. "music4_stereo_44k1").  SB_ENOTFOUND (no
 * SB_REFVECTORS), SB_EIO, SB_EFORMAT (files disagree with expected.json),
 * SB_ENOMEM; msg names the file. */
sb_err refcase_load(const char *name, refcase **out, sb_msg *msg);

/* The same for case `name` of another set of $SB_REFVECTORS ("speech":
 * shared/refvectors/speech/README.md, the same layout). */
sb_err refcase_load_set(const char *set, const char *name, refcase **out, sb_msg *msg);

void refcase_free(refcase **c);

/* A streamed view (common/sources.h) that reads the arrays of an
 * in-memory view, for checking that metrics give the same values through
 * a reader.  Requests outside the view's contract fail with SB_EINVAL.
 * With nan_at >= 0 sample nan_at of (signal 0, channel 0) reads as NaN;
 * with fail_after >= 0 every read after that many fails with SB_EIO. */
typedef struct refcase_stream {
  const sb_sources *s;
  int64_t nan_at;
  int fail_after;
  int n_reads;
} refcase_stream;

/* Returns the streamed view of s; ctx (reset here) must outlive it. */
sb_sources refcase_stream_view(const sb_sources *s, refcase_stream *ctx);

/* expected.json lookups: the value at a path of object keys (NULL ends the
 * list), or NULL when any key is missing. */
const sb_json *refcase_get(const refcase *c, ...);

#endif /* SB_TESTS_METRICS_REFCASE_H */
