/*
 * backends/metric_command.h — command metrics (`--metric-command NAME`):
 * a program the user has (a PESQ, DNSMOS or WER script) scores the
 * estimates of a track and prints its values as JSON; a section of an INI
 * file describes it.
 *
 * Config file: --metric-config PATH, else $XDG_CONFIG_HOME/sepbench/
 * metrics.ini (XDG_CONFIG_HOME unset or relative: $HOME/.config).  A file
 * of its own rather than backends.ini, so that each file keeps its one
 * kind of section and a misspelt section ("[metirc x]") is still an
 * error.  Syntax: common/ini.h; "[metric NAME]" starts a section.  Keys:
 *
 *   command  = argv template (required; backends/argv_template.h: split
 *              at blanks, '...' and "..." group, placeholders replaced
 *              after splitting, run by fork/exec, never a shell):
 *              {ref}, {est} (the reference and the estimate of the target,
 *              float32 WAV; with per = track: folders holding TARGET.wav of
 *              every target, the same names in both), {mix} (the mixture,
 *              float32 WAV; a track without one fails the call), {rate},
 *              {channels} (of the files), {track}, {target} (per = target
 *              only).
 *   metrics  = comma-separated names of the values the program prints
 *              (default: NAME); each 1..63 of A-Z a-z 0-9 _ . + -, none a
 *              sepbench metric's name.
 *   per      = target (default: the program runs once per target, and its
 *              values are that target's) or track (once per track: values
 *              over every target jointly, stored under target "_track").
 *   rate     = Hz of the files, 1000..768000 (default: the track's rate);
 *   channels = 1 or 2 (default: the track's channels).  sepbench converts
 *              the signals (libsoxr; downmix by averaging, upmix by
 *              copying a mono signal).
 *   timeout  = seconds per program run, in [0.001, 1e7] (default 3600); on
 *              expiry the program's process group is killed.
 *   version  = the metric's version (default "1"): part of the key of its
 *              stored values (metrics/metric_config.h sb_metric_user_key),
 *              so values are computed again when it changes, and not when
 *              the command line changes (a script that moved).
 *   tmpdir   = where the per-item temporary folder is made (default
 *              $TMPDIR, else /tmp); it is removed afterwards.
 *
 * Output: the program's stdout must be one JSON object holding exactly the
 * declared names, each a number, null or NaN (NaN as Python's json module
 * writes it): {"PESQ": 3.1}.  null and NaN are stored as NaN ("not
 * defined"); ±Infinity as infinities.  A failure — the program cannot be
 * started, exits non-zero, is killed, times out, prints something that is
 * not such an object (bad JSON, a missing or an unexpected key, a string)
 * — ends the metric for that track with a one-line reason naming the
 * section, the track, the target and, for exits, the tail of stderr; the
 * values not computed stay NaN and the run goes on.  Crashes of the
 * program never affect sepbench.
 *
 * Workload: one program run per (track, method, target), seconds each.
 * Thread-safety: a loaded metric is read-only; sb_metric_command_compute
 * may run concurrently on it (each call has its own temporary folder).
 */
#ifndef SB_BACKENDS_METRIC_COMMAND_H
#define SB_BACKENDS_METRIC_COMMAND_H

#include <signal.h>
#include <stddef.h>
#include "sepbench/error.h"
#include "sepbench/metric.h"

typedef struct sb_metric_command sb_metric_command;

/* Default config file path (see above) into buf.  SB_ENOTFOUND when
 * neither XDG_CONFIG_HOME (absolute) nor HOME is set, SB_EINVAL when it
 * does not fit. */
sb_err sb_metric_command_default_config(char *buf, size_t len);

/* Loads section [metric name] of the INI file config_path (NULL = the
 * default path) and checks it.  *out is NULL on failure.  Errors (msg
 * names the file, and the line when there is one): SB_EINVAL (NULL name
 * or out), SB_EIO (cannot read the file), SB_ENOTFOUND (no such section;
 * the message lists the sections there are), SB_EFORMAT (syntax error,
 * unknown or repeated key, no command, bad number, bad or reserved metric
 * name, unknown placeholder, {target} with per = track, unbalanced quote
 * or brace), SB_ENOMEM. */
sb_err sb_metric_command_load(const char *config_path, const char *name, sb_metric_command **out, sb_msg *msg);

/* The command template as written, the version, whether values are per
 * track (else per target), and the declared value names (n of them). */
const char *sb_metric_command_template(const sb_metric_command *mc);
const char *sb_metric_command_version(const sb_metric_command *mc);
int sb_metric_command_per_track(const sb_metric_command *mc);
int sb_metric_command_n_metrics(const sb_metric_command *mc);
const char *const *sb_metric_command_metrics(const sb_metric_command *mc);

/* Runs the program on the signals of job: per target (job->target_values
 * [t * n + k] for the n declared names) or per track (job->track_values
 * [k]); values it did not reach stay as they were (NaN).  job->errbuf is
 * not used.  cancel: see sb_subprocess_run (NULL = never; SB_EINTERRUPT
 * once it is set, the program killed).  Errors (msg "cmd:NAME on 'TRACK',
 * target 'T': REASON"): SB_EBACKEND (cannot start, non-zero exit, killed,
 * no mixture for {mix}), SB_ETIMEOUT, SB_EFORMAT (output), SB_EINTERRUPT,
 * SB_EIO (temporary files), SB_EINVAL (a malformed job or a target name
 * that is not a file name), SB_ENOMEM. */
sb_err sb_metric_command_compute(const sb_metric_command *mc, const sb_metric_job *job,
                                 const volatile sig_atomic_t *cancel, sb_msg *msg);

/* Frees; accepts NULL and *mc == NULL; sets *mc to NULL. */
void sb_metric_command_free(sb_metric_command **mc);

#endif /* SB_BACKENDS_METRIC_COMMAND_H */
