/*
 * datasets/validate.h — `sepbench suites validate`: checks every file of a
 * suite and reports every problem, not only the first.
 *
 * Per track: every file (mixture, stems, parts of derived stems) exists
 * and decodes completely (sb_audio_read refuses truncated files) with
 * finite samples; its rate is the one the layout prescribes (suite->rate)
 * and the mixture's; channel counts and lengths agree with the mixture's
 * (and with a length the manifest declares); where the mixture should be
 * the sum of the stems (suite->mix_is_sum) the residual
 * 10 log10(sum (mix - sum stems)^2 / sum mix^2) is measured and reported,
 * a problem above max_residual_db.
 *
 * Report (to out, one line per track, then a summary):
 *   ok       <track>: 4 stems, 44100 Hz, 2 ch, 6.000 s, residual -inf dB
 *   PROBLEM  <track>: <file>: <what>
 * Workload: reads every file once; one track in memory at a time.
 */
#ifndef SB_DATASETS_VALIDATE_H
#define SB_DATASETS_VALIDATE_H

#include <stdio.h>
#include "datasets/suite.h"
#include "sepbench/error.h"

typedef struct sb_validate_summary {
  int n_tracks;          /* tracks checked */
  int n_files;           /* files checked */
  int n_problems;        /* problems found (each one report line) */
  int n_bad_tracks;      /* tracks with at least one problem */
  double worst_residual_db; /* largest residual measured, -inf when none */
} sb_validate_summary;

/* Default threshold of the mixture-sum residual, dB: MUSDB18-HQ stays far
 * below it, a stem missing from the mixture or scaled by 0.9 does not. */
#define SB_VALIDATE_MAX_RESIDUAL_DB (-30.0)

/* Checks s, writing the report to out (may be NULL).  Problems are
 * counted in *sum, not returned as errors: SB_OK even when problems were
 * found.  SB_ENOMEM, SB_EIO (cannot write the report). */
sb_err sb_suite_validate(const sb_suite *s, double max_residual_db, FILE *out, sb_validate_summary *sum,
                         sb_msg *msg);

#endif /* SB_DATASETS_VALIDATE_H */
