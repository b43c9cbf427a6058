/*
 * runners/run.h — `sepbench run`: the scheduler.
 *
 * Resolves a suite, runs every (track x backend) item in parallel with
 * OpenMP, evaluates the estimates (metrics/evaluate.h) and stores every
 * per-frame and per-track value in the SQLite store, one transaction per
 * item.  Items of one track run in sequence on one thread when PS/PM is
 * requested, sharing the track's audio and PS/PM reference side (distortion
 * banks and their embeddings, metrics/pspm.h).  Items already stored with
 * the same metric configuration (the key of metrics/metric_config.h, over
 * the metric options and the suite selection) are skipped, so re-running
 * an interrupted command resumes it without recomputing or duplicating
 * anything (--force recomputes).  The run's row keeps the configuration's
 * JSON description (runs.metric_params).  A failing item (unreadable file,
 * backend error, a plugin that crashes or exceeds its time limit, NaN
 * output) is recorded with its reason and the run goes on.
 * A backend that cannot start (unknown name, bad options, a plugin whose
 * create() returns an error, crashes or hangs at the start-up check) stops
 * the run before any item, with one line naming it.
 * Metrics users plug in (backends/user_metrics.h: C plugins and commands)
 * score the same estimates, matched by the run's permutation, and their
 * values are stored with the item's (schemas/store_plugins.h).  They do not
 * enter the item's key: an item whose built-in values are stored but which
 * lacks a plug-in metric of this run (or holds it from another version or
 * with other options, or failed) is separated again and scored with the
 * missing plug-in metrics only; nothing built-in is recomputed or
 * duplicated.  The same holds for the recorded groups STOI, ESTOI and
 * SA-SDR (SB_METRIC_RECORDED, stored like plug-in metrics).  A plug-in metric that fails (crash, time limit, bad output)
 * leaves its values of that item NaN with the reason, and the run goes on.
 * sb_run_request_stop() (from a SIGINT/SIGTERM handler) lets the items in
 * progress finish and be written, then stops; running command programs
 * and isolated plugin calls are killed and their items left for the
 * resume.
 */
#ifndef SB_RUNNERS_RUN_H
#define SB_RUNNERS_RUN_H

#include <stdint.h>
#include <stdio.h>
#include "sepbench/error.h"
#include "datasets/estimates.h"
#include "metrics/evaluate.h"

typedef struct sb_run_opts {
  const char *suite;        /* "music", "tiny" or a directory */
  const char *subset;       /* MUSDB subset, NULL = "test" */
  const char *cache_dir;    /* demo suites; NULL = default */
  const char *db_path;      /* NULL = "sepbench.db" */
  const char *backends;     /* comma-separated backend specs; NULL = "mixture,irm2":
                               NAME[:key=value,...]   a built-in (sepbench backends)
                               plugin:PATH.so[:key=value,...]  a C plugin (backends/plugin.h)
                               cmd:NAME               a command template (backends/command.h)
                               dir:PATH               estimates on disk (backends/dir.h)
                             an item "key=value" continues the options of the spec before it
                             (the grammar and its checks: backends/registry.h) */
  const char *backend_config; /* INI file of the cmd: backends; NULL = the default path */
  sb_est_layout est_layout; /* layout of the dir: backends (SB_EST_AUTO = 0 by default) */
  const char *est_pattern;  /* with SB_EST_PATTERN: template such as "{track}/{target}.wav" */
  /* Suite selection (datasets/suite.h sb_suite_opts), applied when the
   * suite is resolved: */
  const char *tracks;       /* comma-separated substrings of track names to keep; NULL = all */
  double excerpt_start;     /* seconds; with excerpt_len > 0 every track is cut */
  double excerpt_len;       /* to [start, start + len) s; <= 0 = whole tracks */
  const char *targets;      /* comma-separated targets ("vocals,accompaniment"); NULL = all */
  const char *variant;      /* LibriMix: "sep_clean" or "sep_noisy"; NULL = default */
  const char *suites_config; /* suites config file (datasets/registry.h); NULL = default */
  int jobs;                 /* worker threads; <= 0 = OpenMP default */
  int64_t max_memory;       /* bytes of decoded audio a dir: item holds in memory (its files
                               streamed, runners/stream_inputs.h), per item, up to jobs items
                               at once; 0 = SB_STREAM_INPUTS_MAX_MEMORY (1 GiB), < 0 = none */
  int force;                /* recompute items already stored */
  int plugin_in_process;    /* call plugins in this process (a crash ends it, nothing limits
                               its time); 0 = the start-up check of their options and each
                               separation in a forked child (backends/plugin.h) */
  double plugin_timeout_s;  /* wall-clock limit of one isolated plugin call, seconds (<= 0:
                               none; default SB_PLUGIN_DEFAULT_TIMEOUT_S = 3600): the child
                               is killed, the item recorded as failed (SB_ETIMEOUT); the same
                               for metric plugins, whose values are then NaN */
  int n_user_metrics;       /* metrics users plug in, one spec each (backends/user_metrics.h): */
  const char *const *user_metrics; /* "plugin:PATH.so[:key=value,...]" or "cmd:NAME" */
  const char *metric_config; /* INI file of the cmd: metrics; NULL = the default path */
  int shard_index;          /* with shard_count > 1: run only the items of shard K = shard_index */
  int shard_count;          /* (1 <= K <= N = shard_count), see sb_run_item_hash; 0 = all items */
  int limit;                /* at most this many tracks; <= 0 = all */
  double win_s, hop_s;      /* framing in seconds (museval: 1.0, 1.0) */
  sb_eval_opts eval;        /* metrics, mode, criterion, permutation, silent rule */
  int speech_defaults;      /* 1 (the default): a speech suite (sb_suite_kind_is_speech:
                               EchoSet, TIGER, LibriMix, WSJ0-2mix, the demo speech suite)
                               adds stoi, estoi and sasdr to eval.metrics; the CLI sets 0
                               when --metrics names the groups */
  const char *command_line; /* recorded in the run's provenance */
  int progress_tty;         /* < 0 detect, 0 plain lines, 1 bar */
  FILE *log;                /* diagnostics and progress; NULL = stderr */
} sb_run_opts;

typedef struct sb_run_summary {
  int64_t run_id;
  int n_tracks, n_backends;
  int n_items, n_computed, n_skipped, n_failed;
  int n_metrics_only;       /* of n_computed: items stored before, scored now with the plug-in
                               metrics or recorded groups they lacked only */
  int n_metric_failed;      /* plug-in metric values of an item that failed (NaN, reason stored) */
  int interrupted;
  char suite[256];          /* suite name as stored */
  char config[512];         /* metric configuration key of the run (metrics/metric_config.h) */
} sb_run_summary;

/* Sets the defaults: museval/SiSEC 2018 metrics (v4 images, 1 s / 1 s;
 * on a speech suite also STOI, ESTOI, SA-SDR: speech_defaults),
 * backends mixture,irm2, store sepbench.db, plugins isolated with a limit
 * of SB_PLUGIN_DEFAULT_TIMEOUT_S per call. */
void sb_run_opts_default(sb_run_opts *o);

/* Runs.  Returns SB_OK when every item has been tried (some may have
 * failed: see summary->n_failed, which counts the items whose separation
 * or evaluation failed and those whose values could not be stored, e.g.
 * a commit failing on a full disk, and summary->n_metric_failed), SB_EINTERRUPT
 * when stopped early, or an error that prevented the run (suite not found,
 * store not writable, unknown backend or plug-in metric) with msg set. */
sb_err sb_run(const sb_run_opts *o, sb_run_summary *summary, sb_msg *msg);

/* The key that assigns an item to a shard: FNV-1a (64 bit) of the track
 * name, a NUL byte and the method name; `--shard K/N` runs the items with
 * hash % N == K - 1.  Depends on nothing but the two names, so shards agree
 * across machines, backend lists and track filters, and the N shards
 * partition every item set exactly (shares are balanced only on average). */
uint64_t sb_run_item_hash(const char *track, const char *method);

/* Async-signal-safe: asks a running sb_run to stop after the items in
 * progress are written. */
void sb_run_request_stop(void);

#endif /* SB_RUNNERS_RUN_H */
