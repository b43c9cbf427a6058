/*
 * runners/run.c — the (track x backend) scheduler of `sepbench run`.
 *
 * Workload: a suite of 3-150 tracks x a few backends; each item loads one
 * track (~100-500 MB as float64), separates it, evaluates it (seconds) and
 * writes a few thousand rows in one transaction.  Items run in an OpenMP
 * dynamic loop; the store and the progress display are touched only inside
 * one critical section, so the store needs a single connection.
 */
#include <config.h>

#include "runners/run.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "datasets/suite.h"
#include "datasets/track_audio.h"
#include "runners/backends.h"
#include "runners/progress.h"
#include "runners/signals.h"
#include "schemas/store.h"

static volatile sig_atomic_t stop_requested;

void sb_run_request_stop(void)
{
  stop_requested = 1;
}

void sb_run_opts_default(sb_run_opts *o)
{
  memset(o, 0, sizeof *o);
  o->suite = "music";
  o->backends = "mixture,irm2";
  o->db_path = "sepbench.db";
  o->win_s = 1.0;
  o->hop_s = 1.0;
  o->progress_tty = -1;
  sb_eval_opts_default(&o->eval, 44100);
}

void sb_run_config_key(const sb_run_opts *o, char *buf, size_t len)
{
  static const char *const group_names[] = {"bss", "sisdr", "gsdr", "snr", "improve", "sdr"};
  static const char *const perm_names[] = {"none", "brute", "hungarian"};
  char groups[64] = "";
  for (int g = 0; g < 6; g++)
    if (o->eval.metrics & (1u << g)) {
      if (groups[0])
        strcat(groups, ",");
      strcat(groups, group_names[g]);
    }
  snprintf(buf, len, "%s;%s;win=%g;hop=%g;taps=%d;perm=%s;silent=%s;zero_mean=%d;metrics=%s",
           o->eval.mode == SB_BSS_V3 ? "v3" : "v4",
           o->eval.crit == SB_CRIT_SOURCES ? "sources" : "images", o->win_s > 0 ? o->win_s : 0.0,
           o->win_s > 0 ? o->hop_s : 0.0, o->eval.filter_len, perm_names[o->eval.perm],
           o->eval.silent == SB_SILENT_PER_SOURCE ? "per-source" : "all", o->eval.zero_mean, groups);
}

/* One unit of work. */
typedef struct run_item {
  const sb_track *track;
  const sb_backend_api *backend;
  const char *backend_options;
  int64_t track_id, method_id;
} run_item;

/* Comma-separated backend specs "name[:options]". */
typedef struct backend_list {
  int n;
  const sb_backend_api **api;
  char **names;
  char **options;
} backend_list;

static void backend_list_free(backend_list *b)
{
  for (int i = 0; i < b->n; i++) {
    free(b->names[i]);
    free(b->options[i]);
  }
  free(b->api);
  free(b->names);
  free(b->options);
  memset(b, 0, sizeof *b);
}

static sb_err backend_list_parse(const char *spec, backend_list *b, sb_msg *msg)
{
  char *copy = strdup(spec), *save = NULL, *tok;
  int cap = 1;
  sb_err err = SB_OK;
  memset(b, 0, sizeof *b);
  if (!copy)
    return SB_ENOMEM;
  for (const char *p = spec; *p; p++)
    cap += *p == ',';
  b->api = calloc((size_t)cap, sizeof *b->api);
  b->names = calloc((size_t)cap, sizeof *b->names);
  b->options = calloc((size_t)cap, sizeof *b->options);
  if (!b->api || !b->names || !b->options) {
    err = SB_ENOMEM;
    goto done;
  }
  for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *colon = strchr(tok, ':');
    if (colon)
      *colon = '\0';
    if (!*tok)
      continue;
    for (int i = 0; i < b->n; i++)
      if (strcmp(b->names[i], tok) == 0) {
        err = sb_msg_set(msg, SB_EINVAL, "--backends: '%s' is listed twice", tok);
        goto done;
      }
    err = sb_backend_find(tok, &b->api[b->n], msg);
    if (err)
      goto done;
    b->names[b->n] = strdup(tok);
    b->options[b->n] = strdup(colon ? colon + 1 : "");
    b->n++;
    if (!b->names[b->n - 1] || !b->options[b->n - 1]) {
      err = SB_ENOMEM;
      goto done;
    }
  }
  if (b->n == 0)
    err = sb_msg_set(msg, SB_EINVAL, "--backends: no backend given");
done:
  free(copy);
  if (err)
    backend_list_free(b);
  return err;
}

static int track_selected(const sb_run_opts *o, const sb_track *t)
{
  char *copy, *save = NULL, *tok;
  int keep = 0;
  if (!o->tracks || !*o->tracks)
    return 1;
  copy = strdup(o->tracks);
  if (!copy)
    return 1;
  for (tok = strtok_r(copy, ",", &save); tok && !keep; tok = strtok_r(NULL, ",", &save))
    keep = strstr(t->name, tok) != NULL;
  free(copy);
  return keep;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Allocates zeroed estimates shaped like the mixture. */
static sb_err alloc_estimates(const sb_audio *mix, int n, sb_audio ***out)
{
  sb_audio **est = calloc((size_t)n, sizeof *est);
  if (!est)
    return SB_ENOMEM;
  for (int j = 0; j < n; j++) {
    sb_err err = sb_audio_new(&est[j], mix->n_chan, mix->n_frames, mix->rate);
    if (err) {
      for (int k = 0; k < j; k++)
        sb_audio_free(&est[k]);
      free(est);
      return err;
    }
  }
  *out = est;
  return SB_OK;
}

static void free_estimates(sb_audio ***est, int n)
{
  if (!*est)
    return;
  for (int j = 0; j < n; j++)
    sb_audio_free(&(*est)[j]);
  free(*est);
  *est = NULL;
}

/* Runs the backend of one item on the track's mixture. */
static sb_err separate(const run_item *it, const sb_track_audio *audio, sb_audio **est, sb_msg *msg)
{
  const sb_track *t = it->track;
  const sb_audio *mix = audio->mix;
  double **est_data = NULL;
  const double **ref_data = NULL;
  void *state = NULL;
  char reason[512] = "";
  sb_separation job;
  sb_err err;
  est_data = calloc((size_t)t->n_stems, sizeof *est_data);
  ref_data = calloc((size_t)t->n_stems, sizeof *ref_data);
  if (!est_data || !ref_data) {
    err = SB_ENOMEM;
    goto done;
  }
  for (int j = 0; j < t->n_stems; j++) {
    est_data[j] = est[j]->data;
    ref_data[j] = audio->stems[j]->data;
  }
  err = it->backend->create(&state, it->backend_options, reason, sizeof reason);
  if (err) {
    sb_msg_set(msg, err, "backend %s: cannot start: %s", it->backend->name, reason[0] ? reason : sb_strerror(err));
    goto done;
  }
  job = (sb_separation){.track = t->name,
                        .rate = mix->rate,
                        .n_chan = mix->n_chan,
                        .n_frames = mix->n_frames,
                        .mix = mix->data,
                        .n_targets = t->n_stems,
                        .targets = (const char *const *)t->stem_names,
                        .refs = (it->backend->flags & SB_BACKEND_ORACLE) ? ref_data : NULL,
                        .est = est_data,
                        .errbuf = reason,
                        .errlen = sizeof reason};
  err = it->backend->separate(state, &job);
  if (err)
    sb_msg_set(msg, err, "backend %s failed on '%s': %s", it->backend->name, t->name,
               reason[0] ? reason : sb_strerror(err));
  it->backend->destroy(state);
  for (int j = 0; !err && j < t->n_stems; j++) {
    char label[600];
    snprintf(label, sizeof label, "backend %s, estimate '%s' of '%s'", it->backend->name, t->stem_names[j], t->name);
    err = sb_audio_check_finite(est[j], label, msg);
  }
done:
  free(est_data);
  free(ref_data);
  return err;
}

/* Loads, separates and evaluates one item. */
static sb_err compute_item(const sb_run_opts *o, const run_item *it, sb_eval_result **res, sb_msg *msg)
{
  sb_track_audio *audio = NULL;
  sb_audio **est = NULL;
  sb_signals sig = {0};
  sb_eval_opts eo = o->eval;
  int n = it->track->n_stems;
  sb_err err = sb_track_audio_load(it->track, &audio, msg);
  if (err)
    goto done;
  if (!audio->mix) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "track '%s' has no mixture to separate", it->track->name);
    goto done;
  }
  err = alloc_estimates(audio->mix, n, &est);
  if (err)
    goto done;
  err = separate(it, audio, est, msg);
  if (err)
    goto done;
  err = sb_signals_set_frames(&eo, o->win_s, o->hop_s, audio->mix->rate, msg);
  if (err)
    goto done;
  err = sb_signals_init(&sig, audio->stems, est, audio->mix, n);
  if (err)
    goto done;
  err = sb_evaluate(&eo, &sig.ref, &sig.est, &sig.mix, res, msg);
done:
  sb_signals_clear(&sig);
  free_estimates(&est, n);
  sb_track_audio_free(&audio);
  if (err == SB_ENOMEM && msg && !msg->text[0])
    sb_msg_set(msg, err, "out of memory while processing '%s'", it->track->name);
  return err;
}

static int64_t peak_rss_kb(void)
{
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return -1;
  return (int64_t)ru.ru_maxrss;
}

/* The name results are stored under.  "music" and "speech" resolve to
 * different datasets (MUSDB18-HQ, EchoSet, or a built-in demo suite), so
 * their results are kept apart under the dataset kind, with the subset for
 * MUSDB ("musdb18hq-test", "demo-music"); other suites keep their name. */
static void stored_suite_name(const sb_run_opts *o, const sb_suite *suite, char *buf, size_t len)
{
  if (strcmp(suite->name, "music") != 0 && strcmp(suite->name, "speech") != 0)
    snprintf(buf, len, "%s", suite->name);
  else if (strcmp(suite->kind, "musdb18hq") == 0)
    snprintf(buf, len, "%s-%s", suite->kind, o->subset ? o->subset : "test");
  else
    snprintf(buf, len, "%s", suite->kind);
}

/* Registers suite, tracks and methods, and lists the items still to do. */
static sb_err plan_items(const sb_run_opts *o, sb_store *store, const sb_suite *suite,
                         const backend_list *b, const char *config, run_item **items, int *n_items,
                         sb_run_summary *sum, sb_msg *msg)
{
  int64_t suite_id;
  int cap = suite->n_tracks * b->n, n = 0, n_tracks = 0;
  int64_t *method_ids = calloc((size_t)b->n, sizeof *method_ids);
  sb_err err;
  *items = calloc((size_t)(cap > 0 ? cap : 1), sizeof **items);
  if (!*items || !method_ids) {
    err = SB_ENOMEM;
    goto done;
  }
  err = sb_store_suite(store, sum->suite, suite->kind, suite->root, &suite_id);
  for (int k = 0; !err && k < b->n; k++)
    err = sb_store_method(store, b->names[k], b->names[k], b->options[k], &method_ids[k]);
  for (int t = 0; !err && t < suite->n_tracks; t++) {
    const sb_track *track = &suite->tracks[t];
    int64_t track_id;
    if (!track_selected(o, track) || (o->limit > 0 && n_tracks >= o->limit))
      continue;
    n_tracks++;
    err = sb_store_track(store, suite_id, track->name, track->subset, &track_id);
    for (int k = 0; !err && k < b->n; k++) {
      int done = 0;
      sum->n_items++;
      if (!o->force)
        err = sb_store_item_done(store, track_id, method_ids[k], config, &done);
      else
        err = sb_store_item_forget(store, track_id, method_ids[k], config);
      if (done) {
        sum->n_skipped++;
        continue;
      }
      (*items)[n++] = (run_item){track, b->api[k], b->options[k], track_id, method_ids[k]};
    }
  }
  if (err && !msg->text[0])
    sb_msg_set(msg, err, "%s: cannot register the suite: %s", o->db_path, sb_strerror(err));
  sum->n_tracks = n_tracks;
  *n_items = n;
done:
  free(method_ids);
  return err;
}

/* Writes one finished item (inside the critical section). */
static void record_item(const sb_run_opts *o, sb_store *store, const run_item *it,
                        const sb_eval_result *res, sb_err item_err, const sb_msg *item_msg,
                        double wall, int64_t run_id, const char *config, sb_progress *prog,
                        sb_run_summary *sum)
{
  FILE *log = o->log ? o->log : stderr;
  sb_item_record rec = {.run_id = run_id,
                        .track_id = it->track_id,
                        .method_id = it->method_id,
                        .config = config,
                        .n_targets = it->track->n_stems,
                        .targets = (const char *const *)it->track->stem_names,
                        .result = res,
                        .wall_s = wall,
                        .peak_rss_kb = peak_rss_kb()};
  sb_msg store_msg;
  sb_err err;
  char what[512];
  sb_msg_clear(&store_msg);
  if (item_err) {
    fprintf(log, "%ssepbench: %s\n", prog && o->progress_tty ? "\n" : "", item_msg->text);
    err = sb_store_put_failure(store, &rec, item_msg->text, &store_msg);
    sum->n_failed++;
  } else {
    err = sb_store_put_item(store, &rec, &store_msg);
    sum->n_computed++;
    if (res->note[0])
      fprintf(log, "%ssepbench: %s / %s: %s\n", prog && o->progress_tty ? "\n" : "", it->backend->name,
              it->track->name, res->note);
  }
  if (err)
    fprintf(log, "sepbench: %s: cannot store %s / %s: %s\n", o->db_path, it->backend->name,
            it->track->name, store_msg.text[0] ? store_msg.text : sb_strerror(err));
  snprintf(what, sizeof what, "%s / %s", it->backend->name, it->track->name);
  sb_progress_step(prog, what, item_err != SB_OK);
}

static sb_err execute(const sb_run_opts *o, sb_store *store, const run_item *items, int n_items,
                      int64_t run_id, const char *config, const char *label, sb_run_summary *sum)
{
  sb_progress *prog = NULL;
  FILE *log = o->log ? o->log : stderr;
  sb_err err = sb_progress_new(log, n_items, label, o->progress_tty, &prog);
  if (err)
    return err;
#ifdef _OPENMP
  int jobs = o->jobs > 0 ? o->jobs : omp_get_max_threads();
  /* With fewer items than threads, let the metrics use the idle threads. */
  omp_set_max_active_levels(n_items < jobs ? 2 : 1);
#pragma omp parallel for schedule(dynamic, 1) num_threads(jobs)
#endif
  for (int i = 0; i < n_items; i++) {
    sb_eval_result *res = NULL;
    sb_msg msg;
    double t0;
    sb_err item_err;
    if (stop_requested)
      continue;
    sb_msg_clear(&msg);
    t0 = now_s();
    item_err = compute_item(o, &items[i], &res, &msg);
    if (item_err && !msg.text[0])
      sb_msg_set(&msg, item_err, "%s / %s: %s", items[i].backend->name, items[i].track->name,
                 sb_strerror(item_err));
#ifdef _OPENMP
#pragma omp critical(sb_store)
#endif
    record_item(o, store, &items[i], res, item_err, &msg, now_s() - t0, run_id, config, prog, sum);
    sb_eval_result_free(&res);
  }
  sb_progress_free(&prog);
  return SB_OK;
}

sb_err sb_run(const sb_run_opts *o, sb_run_summary *sum, sb_msg *msg)
{
  sb_suite *suite = NULL;
  sb_store *store = NULL;
  backend_list backends = {0};
  run_item *items = NULL;
  int n_items = 0;
  char config[256], backends_text[512];
  sb_suite_opts so = {o->subset, o->cache_dir, 0};
  FILE *log = o->log ? o->log : stderr;
  const char *db_path = o->db_path ? o->db_path : "sepbench.db";
  sb_err err;
  memset(sum, 0, sizeof *sum);
  stop_requested = 0;
  sb_run_config_key(o, config, sizeof config);
  snprintf(sum->config, sizeof sum->config, "%s", config);
  err = backend_list_parse(o->backends ? o->backends : "mixture,irm2", &backends, msg);
  if (err)
    goto done;
  err = sb_suite_resolve(o->suite, &so, &suite, msg);
  if (err)
    goto done;
  fprintf(log, "sepbench: suite '%s': %s (%d tracks)\n", suite->name, suite->description, suite->n_tracks);
  stored_suite_name(o, suite, sum->suite, sizeof sum->suite);
  err = sb_store_open(db_path, &store, msg);
  if (err)
    goto done;
  snprintf(backends_text, sizeof backends_text, "%s", o->backends ? o->backends : "mixture,irm2");
  err = sb_store_run_begin(store, &(sb_run_info){o->command_line, suite->name, backends_text, config},
                           &sum->run_id);
  if (err) {
    sb_msg_set(msg, err, "%s: cannot record the run", db_path);
    goto done;
  }
  sum->n_backends = backends.n;
  err = plan_items(o, store, suite, &backends, config, &items, &n_items, sum, msg);
  if (err)
    goto done;
  if (sum->n_skipped)
    fprintf(log, "sepbench: %d of %d items already in %s (resuming; --force recomputes)\n", sum->n_skipped,
            sum->n_items, db_path);
  err = execute(o, store, items, n_items, sum->run_id, config, suite->name, sum);
  sum->interrupted = stop_requested != 0;
  if (!err && sum->interrupted)
    err = sb_msg_set(msg, SB_EINTERRUPT, "interrupted: finished items are stored in %s; run the same command to resume", db_path);
  sb_store_run_end(store, sum->run_id, sum->interrupted ? "interrupted" : "done");
done:
  free(items);
  sb_store_free(&store);
  sb_suite_free(&suite);
  backend_list_free(&backends);
  return err;
}
