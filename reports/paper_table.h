/*
 * reports/paper_table.h — the table of a speech-separation paper
 * (Conv-TasNet, the LibriMix and EchoSet baselines): one row per method,
 * one column per metric, SI-SDRi, SDRi, STOI, ESTOI and SA-SDR, each cell
 * the leaderboard's avg of that metric (reports/leaderboard.h with
 * SB_LB_MEAN: the mean over tracks of the per-track value, averaged over
 * the targets; SA-SDR has the one pseudo-target "_track").  Every column
 * is read from the same metric configuration (the newest holding STOI
 * unless given); a metric the configuration does not hold is left out.
 * Rows in the order of the first column shown, the best value of each
 * column in bold.  No statistics: `sepbench table --metric M` gives those
 * per target (reports/table.h).
 *
 * Workload: five leaderboards of one configuration.
 * Thread-safety: uses the store (calls on one sb_store are serialised by
 * the caller); no state.
 */
#ifndef SB_REPORTS_PAPER_TABLE_H
#define SB_REPORTS_PAPER_TABLE_H

#include <stdio.h>
#include "sepbench/error.h"
#include "reports/table.h"
#include "schemas/store.h"

/* 1 when the store holds STOI values of suite (NULL = every suite), so
 * that `sepbench table` without --metric writes the paper table; else 0
 * (also on a store error). */
int sb_paper_table_applies(sb_store *s, const char *suite);

/* Writes the table of suite (NULL = every suite) and config (NULL = the
 * newest holding STOI) to f in fmt (LaTeX booktabs or markdown), with a
 * footnote naming the configuration and the aggregation.  Errors:
 * SB_EINVAL (NULL s or f), SB_ENOTFOUND (no STOI values: msg says so),
 * SB_EIO (write error), SB_ENOMEM, the store's errors. */
sb_err sb_paper_table_write(sb_store *s, const char *suite, const char *config, sb_table_format fmt, FILE *f,
                            sb_msg *msg);

#endif /* SB_REPORTS_PAPER_TABLE_H */
