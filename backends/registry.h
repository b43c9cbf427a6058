/*
 * backends/registry.h — the registry of separator backends and the helpers
 * every backend shares (job checks, "key=value" options, error text).
 *
 * The built-in backends form a fixed list (mixture, irm1, irm2, ibm1, ibm2,
 * mwf, hpss, repet-sim; see backends/mixture.h,
 * backends/oracle.h and backends/blind.h).  A
 * sb_backend_table starts with that list, and run-time backends (C plugins
 * loaded with dlopen, command templates) are added to it; the table only
 * points to their sb_backend_api, which its owner keeps alive.
 *
 * Workload: a few look-ups per run; nothing here is on a hot path.
 * Thread-safety: the built-in list is immutable (any thread); a table may
 * be read concurrently but must not be read while it is being added to.
 */
#ifndef SB_BACKENDS_REGISTRY_H
#define SB_BACKENDS_REGISTRY_H

#include <stddef.h>
#include "sepbench/backend.h"
#include "sepbench/error.h"

/* ---- built-in backends ------------------------------------------------ */

/* Number of built-in backends (>= 1). */
size_t sb_backend_count(void);

/* Built-in backend i in listing order, or NULL if i >= sb_backend_count(). */
const sb_backend_api *sb_backend_at(size_t i);

/* Finds the built-in backend called name (exact, case-sensitive).
 * *out is NULL on failure.  SB_EINVAL (NULL name or out), SB_ENOTFOUND
 * ("unknown backend 'x' (known: mixture, irm1, ...)"). */
sb_err sb_backend_find(const char *name, const sb_backend_api **out, sb_msg *msg);

/* Checks that api is usable: abi_version == SB_BACKEND_ABI_VERSION, a
 * name of 1..63 characters from [A-Za-z0-9_.-], a description and the
 * three function pointers.  SB_EINVAL (NULL api or a missing field),
 * SB_EUNSUPPORTED (other ABI version). */
sb_err sb_backend_check(const sb_backend_api *api, sb_msg *msg);

/* ---- tables: built-ins plus run-time backends --------------------------- */

typedef struct sb_backend_table sb_backend_table;

/* Creates a table holding the built-in backends.  *out is NULL on failure.
 * SB_EINVAL (NULL out), SB_ENOMEM. */
sb_err sb_backend_table_new(sb_backend_table **out);

/* Adds api (not copied: it must outlive the table) after sb_backend_check.
 * SB_EINVAL (bad api, or a backend of that name is already in the table),
 * SB_EUNSUPPORTED (ABI version), SB_ENOMEM. */
sb_err sb_backend_table_add(sb_backend_table *table, const sb_backend_api *api, sb_msg *msg);

/* Number of backends in the table, and backend i (NULL if out of range). */
size_t sb_backend_table_count(const sb_backend_table *table);
const sb_backend_api *sb_backend_table_at(const sb_backend_table *table, size_t i);

/* Like sb_backend_find, over the table.  SB_EINVAL, SB_ENOTFOUND. */
sb_err sb_backend_table_find(const sb_backend_table *table, const char *name, const sb_backend_api **out,
                             sb_msg *msg);

/* Frees the table (not the backends); accepts NULL; sets *table to NULL. */
void sb_backend_table_free(sb_backend_table **table);

/* ---- helpers for backend implementations -------------------------------- */

/* Writes a one-line reason into errbuf (if errbuf != NULL and errlen > 0,
 * truncated to errlen - 1 characters) and returns err. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
sb_err sb_backend_error(char *errbuf, size_t errlen, sb_err err, const char *fmt, ...);

/* Checks the shape of a separation request before a backend touches it:
 * n_chan >= 1, n_frames >= 1, n_targets >= 1, mix, targets, est and every
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

#endif /* SB_BACKENDS_REGISTRY_H */
