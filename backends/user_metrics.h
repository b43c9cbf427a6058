/*
 * backends/user_metrics.h — the metrics users plug in (PESQ, DNSMOS, WER,
 * ... from tools sepbench does not ship), behind one interface, as
 * backends/registry.h puts every separator behind one: C plugins
 * (include/sepbench/metric.h, backends/metric_plugin.h) and command
 * templates (backends/metric_command.h).
 *
 * Specs, one per `--metric-plugin` or `--metric-command`:
 *   plugin:PATH[:key=value,...]  a C plugin; PATH is a file ("x.so" is
 *                                ./x.so); the options end PATH at the first
 *                                ':' followed by "key=" (sb_plugin_options_colon)
 *   cmd:NAME                     section [metric NAME] of the metric
 *                                config (no options)
 * A metric is named "plugin:NAME" (its own name) or "cmd:NAME"; its values
 * are stored under the names it declares ("PESQ"), per target or under the
 * pseudo-target "_track" (common/targets.h), and a stored value set is
 * known by the metric's key (metrics/metric_config.h sb_metric_user_key:
 * name, version, options).
 *
 * Each spec is checked when it is opened, before any item: an unreadable
 * file or section, a malformed description, and the options (create() and
 * destroy() once, in a forked child for an isolated plugin, so a crash or
 * hang there is a message too).  Two metrics of one name, or two declaring
 * the same value name, are refused (their values would be confused).
 *
 * Isolation: plugins run in a forked child under env->plugin_timeout_s
 * per call unless env->plugin_in_process; programs in their own process
 * group under their section's timeout.  A crash, a hang, bad output or an
 * error makes that metric's values of that item NaN with the reason; the
 * other metrics and items go on.
 *
 * Workload: a handful of metrics per run, opened once; one
 * sb_user_metrics_score per (track, method) item.
 * Thread-safety: a table is filled from one thread; once filled it is
 * read-only and sb_user_metrics_score may run from several threads at
 * once.
 */
#ifndef SB_BACKENDS_USER_METRICS_H
#define SB_BACKENDS_USER_METRICS_H

#include <signal.h>
#include <stddef.h>
#include "sepbench/error.h"
#include "sepbench/metric.h"

/* What opening a spec needs besides its text. */
typedef struct sb_user_metric_env {
  const char *command_config; /* INI file of the cmd: metrics; NULL = the default path */
  int plugin_in_process;      /* 1: call plugins in this process (a crash ends it, no limit) */
  double plugin_timeout_s;    /* isolated plugin call limit, seconds; <= 0 = none */
} sb_user_metric_env;

/* What each kind provides over the context its spec was opened into:
 * compute() fills job's value buffers (preset to NaN) or returns an error
 * with a one-line reason in msg. */
typedef struct sb_user_metric_ops {
  sb_err (*compute)(void *ctx, const char *name, const sb_metric_job *job, const volatile sig_atomic_t *cancel,
                    sb_msg *msg);
  void (*destroy)(void *ctx);
} sb_user_metric_ops;

/* A metric of a table.  The name lists belong to the metric's context. */
typedef struct sb_user_metric {
  char *name;   /* "plugin:rmsratio", "cmd:pesq" */
  char *key;    /* its key (sb_metric_user_key) */
  char *params; /* provenance: "PATH[:options]" or the command template */
  int n_target_metrics;
  const char *const *target_metrics; /* per-target value names */
  int n_track_metrics;
  const char *const *track_metrics;  /* per-track value names */
  const sb_user_metric_ops *ops;
  void *ctx;
} sb_user_metric;

typedef struct sb_user_metric_table sb_user_metric_table;

/* Creates an empty table.  SB_EINVAL (NULL out), SB_ENOMEM. */
sb_err sb_user_metric_table_new(sb_user_metric_table **out);

/* Opens spec (grammar above) with env (NULL: isolated plugins with
 * SB_PLUGIN_DEFAULT_TIMEOUT_S, the default config path) and adds it.
 * Errors (msg is one line naming the spec): SB_EINVAL (unknown kind,
 * options of a cmd: spec, a name or value name listed twice, a malformed
 * description, bad options), SB_ENOTFOUND (plugin that does not load, no
 * such section), SB_EIO, SB_EFORMAT (unreadable or malformed config),
 * SB_EUNSUPPORTED (plugin ABI), SB_EBACKEND / SB_ETIMEOUT (the start-up
 * check crashed or hung), the plugin's own code from create(), SB_ENOMEM. */
sb_err sb_user_metric_table_open(sb_user_metric_table *table, const char *spec, const sb_user_metric_env *env,
                                 sb_msg *msg);

/* Number of metrics, and metric i in the order they were opened (NULL if
 * out of range). */
size_t sb_user_metric_table_count(const sb_user_metric_table *table);
const sb_user_metric *sb_user_metric_table_at(const sb_user_metric_table *table, size_t i);

/* Destroys every metric and frees the table; accepts NULL and *table ==
 * NULL; sets *table to NULL. */
void sb_user_metric_table_free(sb_user_metric_table **table);

/* The values of one metric for one item. */
typedef struct sb_user_metric_result {
  int wanted;            /* 1: the metric was asked for (else nothing below is set) */
  sb_err err;            /* SB_OK, or why every value not computed is NaN */
  sb_msg message;        /* err's one line; with SB_OK a note naming the values that
                            are NaN ("plugin:x on 'T': NaN (not defined): RMSR of
                            'bass'"), or "" */
  double wall_s;         /* seconds the metric took */
  double *target_values; /* n_targets * n_target_metrics, [t * n_target_metrics + k] */
  double *track_values;  /* n_track_metrics */
} sb_user_metric_result;

/* The values of every metric of a table for one item. */
typedef struct sb_user_scores {
  int n_metrics;                  /* = the table's count */
  int n_targets;
  sb_user_metric_result *results; /* n_metrics, in table order */
} sb_user_scores;

/* Scores the signals of job (its value buffers and errbuf are not used)
 * with every metric i of table for which want is NULL or want[i] != 0, one
 * after the other.  A metric that fails leaves its values NaN, with err
 * and message set, and the others go on.  *out is NULL on failure.
 * Errors: SB_EINTERRUPT (cancel was set: the metrics not done are left
 * out, *out is NULL), SB_EINVAL (NULL argument, a job without targets,
 * samples or signals), SB_ENOMEM. */
sb_err sb_user_metrics_score(const sb_user_metric_table *table, const unsigned char *want, const sb_metric_job *job,
                             const volatile sig_atomic_t *cancel, sb_user_scores **out, sb_msg *msg);

/* Frees scores; accepts NULL and *scores == NULL; sets *scores to NULL. */
void sb_user_scores_free(sb_user_scores **scores);

#endif /* SB_BACKENDS_USER_METRICS_H */
