/*
 * sepbench/backend.h — the separator backend interface, ABI version 1.
 *
 * A backend turns a mixture into named estimates.  Built-in backends
 * (mixture, oracles, blind methods) implement exactly this interface; a
 * plugin is a shared object exporting
 *
 *     const sb_backend_api *sepbench_backend_v1(void);
 *
 * that returns a static description.  Memory: sepbench allocates every
 * buffer it passes; the backend writes estimates into est[t] and never
 * frees them.  Threads: create() is called once per worker thread, so a
 * backend instance is only ever used by one thread at a time.
 */
#ifndef SEPBENCH_BACKEND_H
#define SEPBENCH_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "sepbench/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SB_BACKEND_ABI_VERSION 1

/* Flags in sb_backend_api.flags. */
enum {
  SB_BACKEND_ORACLE = 1u << 0 /* needs the references (oracle baselines) */
};

/* One separation request.  All audio is float64, channel-major: channel c
 * of a signal of n_samples samples per channel starts at offset
 * c * n_samples. */
typedef struct sb_separation {
  const char *track;          /* track name, for messages */
  int rate;                   /* Hz */
  int n_chan;
  int64_t n_samples;          /* samples per channel (called n_frames in earlier
                                 releases: same place, same type, ABI 1) */
  const double *mix;          /* n_chan * n_samples */
  int n_targets;
  const char *const *targets; /* target names ("vocals", "drums", ...) */
  const double *const *refs;  /* oracle backends: n_targets references, else NULL */
  double *const *est;         /* out: n_targets buffers of n_chan * n_samples, zeroed */
  char *errbuf;               /* one-line reason on failure */
  size_t errlen;
} sb_separation;

typedef struct sb_backend_api {
  int abi_version;            /* SB_BACKEND_ABI_VERSION */
  const char *name;           /* "irm2" */
  const char *description;    /* one line */
  unsigned flags;             /* SB_BACKEND_* */
  /* Creates an instance from "key=value,key=value" options (may be NULL or
   * ""); writes a reason into errbuf on failure. */
  sb_err (*create)(void **state, const char *options, char *errbuf, size_t errlen);
  /* Separates job->mix into job->est.  Returns SB_OK or an error with a
   * reason in job->errbuf. */
  sb_err (*separate)(void *state, const sb_separation *job);
  void (*destroy)(void *state);
} sb_backend_api;

/* The symbol a plugin exports. */
typedef const sb_backend_api *(*sb_backend_entry_fn)(void);
#define SB_BACKEND_ENTRY "sepbench_backend_v1"

#ifdef __cplusplus
}
#endif

#endif /* SEPBENCH_BACKEND_H */
