/*
 * cli/result_json.h — the JSON contract of `sepbench eval` (stdout):
 *
 *   {"sepbench_version": "0.1.0", "rate": 44100, "win": 44100, "hop": 44100,
 *    "mode": "v4", "criterion": "images", "permutation": [0, 1, 2, 3],
 *    "targets": [{"name": "vocals",
 *                 "frames": [{"time": 0.0, "duration": 1.0,
 *                             "metrics": {"SDR": 4.1, "ISR": ..., "SIR": ..., "SAR": ...}}, ...],
 *                 "whole": {"SDR": ..., "ISR": ..., "SIR": ..., "SAR": ..., "SI-SDR": ...,
 *                           "SI-SIR": ..., "SI-SAR": ..., "SD-SDR": ..., "SNR": ..., "global_SDR": ...},
 *                 "improvement": {"SDRi": ..., "SI-SDRi": ...}}, ...],
 *    "notes": [...]}
 *
 * With the speech metrics (--metrics stoi,estoi,sasdr; metrics/evaluate.h)
 * "whole" holds "STOI" and "ESTOI" (pystoi 0.4.1; multichannel: per
 * channel then the mean, stated by a top-level "stoi_channels": "per
 * channel, then the mean"), "improvement" holds "dSTOI" and "dESTOI" (with
 * improvements and a mixture), and a top-level "track" object holds
 * "SA-SDR" and "SI-SA-SDR" (all sources jointly, under "permutation").
 *
 * With metrics users plug in (backends/user_metrics.h), each target's
 * "whole" also holds their per-target values ("PESQ": 3.1), a top-level
 * "track" object their per-track values ({"WER": 0.12}), and a top-level
 * "user_metrics" array says what computed them: [{"name": "cmd:pesq",
 * "key": "cmd:pesq;version=1", "error": null}] ("error": the one-line
 * reason when the metric failed and its values are null; failures and
 * notes are in "notes" too).
 *
 * win/hop are in samples, time/duration in seconds.  NaN is written as null
 * and ±infinity as the strings "inf" / "-inf".  Metrics that were not
 * computed are left out; keys are only ever added, never renamed.
 * Numbers are printed with 17 significant digits (round-trip exact).
 * Strings (target names, notes) are written by common/escape.h
 * (sb_escape_json): the output is valid UTF-8 JSON whatever bytes a name
 * holds (an ill-formed byte such as 0xFF becomes \ufffd).
 */
#ifndef SB_CLI_RESULT_JSON_H
#define SB_CLI_RESULT_JSON_H

#include <stdio.h>
#include "sepbench/error.h"
#include "backends/user_metrics.h"
#include "metrics/evaluate.h"

/* Writes one evaluation.  names: n_src target names (reference order).
 * notes: n_notes extra human-readable lines (may be 0).  SB_EIO when the
 * stream reports an error. */
sb_err sb_result_json_write(FILE *f, const sb_eval_result *r, const sb_eval_opts *opts,
                            const char *const *names, const char *const *notes, int n_notes);

/* sb_result_json_write with the values of the plug-in metrics of table
 * (scores by reference order, scores->n_targets == r->n_src; both may be
 * NULL for none). */
sb_err sb_result_json_write_user(FILE *f, const sb_eval_result *r, const sb_eval_opts *opts, const char *const *names,
                                 const char *const *notes, int n_notes, const sb_user_metric_table *table,
                                 const sb_user_scores *scores);

/* Writes a JSON number in the contract's encoding (null / "inf" / "-inf"). */
void sb_json_write_number(FILE *f, double v);

#endif /* SB_CLI_RESULT_JSON_H */
