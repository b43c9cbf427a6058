/*
 * backends/api.h — what every implementation of sb_backend_api
 * (include/sepbench/backend.h) shares: the check of a description (ABI
 * version, name, functions), the check of a separation request, the
 * parser of "key=value" options, and the one-line reason written into an
 * errbuf.  Used by the built-in backends (backends/mixture.h, oracle.h,
 * blind.h), the plugin loader and the command and dir backends; the table
 * of a run's backends is backends/registry.h.
 *
 * Workload: a few calls per separated item; nothing here is on a hot path.
 * Thread-safety: pure functions, any thread.
 */
#ifndef SB_BACKENDS_API_H
#define SB_BACKENDS_API_H

#include <stddef.h>
#include "sepbench/backend.h"
#include "sepbench/error.h"

/* Checks that api is usable: abi_version == SB_BACKEND_ABI_VERSION, a
 * name of 1..63 characters from [A-Za-z0-9_.-], a description and the
 * three function pointers.  SB_EINVAL (NULL api or a missing field),
 * SB_EUNSUPPORTED (other ABI version). */
sb_err sb_backend_check(const sb_backend_api *api, sb_msg *msg);

/* Checks a name a plugin gives itself or its values: 1..63 characters
 * from A-Z a-z 0-9 and the characters of punct ("_.-").  what names it in
 * the message: "backend name 'x y': character ' ' is not one of A-Z a-z
 * 0-9 _ . -", "metric name '...' must have 1 to 63 characters".
 * SB_EINVAL (also for NULL). */
sb_err sb_backend_check_name(const char *what, const char *name, const char *punct, sb_msg *msg);

/* The ':' that ends PATH in a plugin spec "PATH[:key=value,...]"
 * (`--backends plugin:...`, `--metric-plugin`): the first one followed by
 * a key and '=', or by nothing, so that option values may hold '/' and ':'
 * ("./x.so:model=/data/m.bin"); failing that the first one after the last
 * '/' (options the plugin will refuse); else NULL. */
char *sb_plugin_options_colon(char *path);

/* Writes a one-line reason into errbuf (if errbuf != NULL and errlen > 0,
 * truncated to errlen - 1 characters) and returns err. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
sb_err sb_backend_error(char *errbuf, size_t errlen, sb_err err, const char *fmt, ...);

/* Checks the shape of a separation request before a backend touches it:
 * n_chan >= 1, n_samples >= 1, n_targets >= 1, mix, targets, est and every
 * est[t] non-NULL, and with needs_refs every refs[t] non-NULL.  The reason
 * goes to job->errbuf, prefixed with backend and job->track.
 * SB_EINVAL (NULL job or a malformed one). */
sb_err sb_backend_check_job(const char *backend, const sb_separation *job, int needs_refs);

/* One numeric option of a backend. */
typedef struct sb_backend_option {
  const char *key; /* "alpha" */
  double min;      /* accepted range, inclusive */
  double max;
  int integer;     /* 1: the value must be a whole number */
  double *value;   /* in: the default; out: the parsed value */
} sb_backend_option;

/* Parses options "key=value,key=value" (NULL or "" = none; blanks around
 * keys and values are ignored) into the n_opts entries of opts.  On error
 * no value is changed and errbuf gets e.g. "irm2: unknown option 'beta'
 * (known: alpha, nfft)" or "ibm1: option theta=2: not in [0, 1]".
 * SB_EINVAL (unknown or repeated key, missing '=', empty or non-numeric
 * value, non-integer where one is required, out of range). */
sb_err sb_backend_parse_options(const char *backend, const char *options, const sb_backend_option *opts,
                                size_t n_opts, char *errbuf, size_t errlen);

#endif /* SB_BACKENDS_API_H */
