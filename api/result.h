/*
 * api/result.h — what a sepbench_result (include/sepbench/sepbench.h)
 * holds, shared by the two halves of the public C API: api/evaluate.c
 * makes it, api/store.c files it under its configuration key.  Private to
 * libsepbench.
 */
#ifndef SB_API_RESULT_H
#define SB_API_RESULT_H

#include "sepbench/sepbench.h"
#include "metrics/evaluate.h"

struct sepbench_result {
  sb_eval_result *r;  /* the values (frames replaced with frame_permutation) */
  int *frame_perm;    /* n_src * n_frames with frame_permutation, else NULL */
  sb_eval_opts opts;  /* the options it was computed with (names and the PS/PM
                         objects NULL; pspm_embedder NULL or "logmel") */
};

#endif /* SB_API_RESULT_H */
