/*
 * reports/export.h — a run's stored values in the formats of the field:
 * museval / SiSEC 2018 track JSON (one file per track) and a CSV long
 * format (one row per value).
 *
 * museval 0.4.1 track JSON (shared/specs/bsseval.md §3, schema
 * shared/specs/museval-track.schema.json):
 *   {"targets": [{"name": T, "frames": [{"time": t, "duration": d,
 *     "metrics": {"SDR": x, "SIR": x, "SAR": x, "ISR": x}}, ...]}, ...],
 *    "museval_version": "0.4.1"}
 * written byte for byte as museval does (simplejson, indent=2, no final
 * line break): metric values quantised to 5 decimals with round-half-even
 * on the exact binary value (Decimal(x).quantize(Decimal(".00001"))),
 * +-inf and NaN written as the bare token NaN; time and duration as Python
 * float repr ("0.0", "1.0", "0.37").  Targets in musdb order (vocals,
 * drums, bass, other, accompaniment, linear_mixture), then others by name.
 *
 * Workload: one file per (method, track): ~4 targets x 250 frames; a
 * MUSDB18 test pass of one method (50 files) exports in well under 1 s.
 * Thread-safety: the functions use the store (calls on one sb_store are
 * serialised by the caller) and are otherwise reentrant.
 */
#ifndef SB_REPORTS_EXPORT_H
#define SB_REPORTS_EXPORT_H

#include <stdint.h>
#include <stdio.h>
#include "sepbench/error.h"
#include "schemas/store.h"

/* Frame metrics of a museval frame, in museval's key order. */
enum { SB_MUSEVAL_SDR = 0, SB_MUSEVAL_SIR, SB_MUSEVAL_SAR, SB_MUSEVAL_ISR, SB_MUSEVAL_N };

/* One target of a track: n_frames frames with start time and length (s)
 * and values[k * SB_MUSEVAL_N + m] in dB (NaN and +-inf allowed). */
typedef struct sb_museval_target {
  const char *name;
  int64_t n_frames;
  const double *time_s, *duration_s;
  const double *values;
} sb_museval_target;

/* Writes one museval track JSON to f, targets in the order given.
 * SB_EINVAL (NULL argument, n_targets < 0), SB_EIO (write error). */
sb_err sb_museval_write_track(FILE *f, int n_targets, const sb_museval_target *targets);

/* Formats x like museval's 5-decimal Decimal ("4.12346", "-0.00000",
 * "NaN" for NaN and +-inf) into buf (>= 40 bytes; |x| < 1e30). */
void sb_museval_format_value(double x, char *buf, size_t len);

/* Formats x as Python's repr(float) ("0.0", "1.5", "1e-05") into buf
 * (>= 32 bytes). */
void sb_format_python_float(double x, char *buf, size_t len);

/* What to export; a zeroed struct gives the defaults. */
typedef struct sb_export_opts {
  const char *suite;  /* suite name; NULL = every suite */
  const char *config; /* config key; NULL = the config of the newest 'done'
                         item with frame SDR values (else per-track SDR
                         values: sb_leaderboard_default_config) */
  const char *method; /* one method; NULL = every method */
} sb_export_opts;

/* Writes museval JSON files: with o->method set, DIR/<subset>/<track>.json
 * (museval's own layout for one method); otherwise DIR/<method>/<subset>/
 * <track>.json (the SiSEC 2018 submissions layout).  When the selected
 * items come from several suites (o->suite NULL), each suite gets its own
 * such tree, DIR/<suite>/..., since the layout has no suite level and two
 * suites may share a method, subset and track name.  Tracks without a
 * subset use "test"; '/' in names becomes '_' (an empty name, "." and ".."
 * become "_").  Directories are created; files of an earlier export are
 * replaced, but one export never writes a file twice: when two items map
 * to the same file the export is refused before anything is written.
 * Items without frame values are skipped.  *n_files (may be NULL) receives
 * the number of files written.
 * Errors: SB_EINVAL (NULL s or dir; two items map to one file, msg names
 * the file and both items), SB_ENOTFOUND (no items for the selection, msg
 * says which), SB_EIO (a directory or file cannot be created or written,
 * msg names it), SB_EDB, SB_ENOMEM. */
sb_err sb_export_museval(sb_store *s, const sb_export_opts *o, const char *dir, int *n_files,
                         sb_msg *msg);

/* Writes the CSV long format (RFC 4180) to f: header
 * "method,track,target,metric,time,value", one row per frame value (time =
 * frame start, s) and per per-track value (time empty); values with 17
 * significant digits, NaN as an empty field, +-inf as inf / -inf.
 * *n_rows (may be NULL) receives the number of data rows.  Errors as
 * sb_export_museval (SB_EIO for a write error on f). */
sb_err sb_export_csv(sb_store *s, const sb_export_opts *o, FILE *f, int64_t *n_rows,
                     sb_msg *msg);

#endif /* SB_REPORTS_EXPORT_H */
