/*
 * runners/run.c — the (track x backend) scheduler of `sepbench run`.
 *
 * Workload: a suite of 3-150 tracks x a few backends; each item loads one
 * track (~100-500 MB as float64), separates it, evaluates it (seconds) and
 * writes a few thousand rows in one transaction.  Items run in an OpenMP
 * dynamic loop; the store and the progress display are touched only inside
 * one critical section, so the store needs a single connection.  With PS/PM
 * (speech clips of seconds; the reference side — distortion banks and their
 * embeddings — costs as much as scoring several methods) the loop runs over
 * tracks instead: a track's items run in sequence on one thread and share
 * its audio and one sb_pspm_track, freed after the track's last item.
 * A dir: item has nothing to separate: its references, mixture and
 * estimates are streamed from their files (runners/stream_inputs.h), each
 * decoded once and held as int16/float32 within --max-memory, so an item of a
 * 10-minute 4-source stereo track peaks at about 1.4 GB instead of 4.1 GB.
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

#include <cblas.h>

#include "datasets/resolve.h"
#include "datasets/track_audio.h"
#include "backends/embedders.h"
#include "metrics/metric_config.h"
#include "metrics/pspm.h"
#include "backends/plugin.h"
#include "backends/registry.h"
#include "backends/user_metrics.h"
#include "runners/progress.h"
#include "runners/signals.h"
#include "runners/stream_inputs.h"
#include "schemas/store.h"
#include "schemas/store_plugins.h"

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
  o->plugin_timeout_s = SB_PLUGIN_DEFAULT_TIMEOUT_S;
  o->speech_defaults = 1;
  sb_eval_opts_default(&o->eval, 44100);
}

/* The metric configuration of a run (what its items are keyed by; the
 * n_keys keys of its plug-in metrics are described, never keyed). */
static void run_metric_config(const sb_run_opts *o, int n_keys, const char *const *keys, sb_metric_config *c)
{
  *c = (sb_metric_config){.eval = o->eval,
                          .win_s = o->win_s,
                          .hop_s = o->hop_s,
                          .excerpt_start = o->excerpt_start,
                          .excerpt_len = o->excerpt_len,
                          .targets = o->targets,
                          .variant = o->variant,
                          .n_user_metrics = n_keys,
                          .user_metrics = keys};
}

/* One unit of work. */
typedef struct run_item {
  const sb_track *track;
  const sb_backend *backend;
  int64_t track_id, method_id;
  const sb_user_metric_table *metrics; /* the run's plug-in metrics */
  int stored;                          /* 1: the built-in values are stored; only the
                                          plug-in metrics of want are computed */
  unsigned char *want;                 /* per plug-in metric, 1 = compute it (NULL: all) */
  int *perm;                           /* with stored: the item's stored permutation */
  unsigned recorded;                   /* with stored: the groups of SB_METRIC_RECORDED
                                          (stoi, estoi, sasdr) to compute */
} run_item;

static void free_items(run_item **items, int n)
{
  for (int i = 0; *items && i < n; i++) {
    free((*items)[i].want);
    free((*items)[i].perm);
  }
  free(*items);
  *items = NULL;
}

/* Opens the run's plug-in metrics (backends/user_metrics.h) and lists
 * their keys (borrowed from the table) for the run's description. */
static sb_err open_user_metrics(const sb_run_opts *o, sb_user_metric_table **table, const char ***keys,
                                sb_msg *msg)
{
  const sb_user_metric_env env = {.command_config = o->metric_config,
                                  .plugin_in_process = o->plugin_in_process,
                                  .plugin_timeout_s = o->plugin_timeout_s};
  sb_err err = sb_user_metric_table_new(table);
  *keys = calloc((size_t)o->n_user_metrics + 1, sizeof **keys);
  if (err || !*keys)
    return sb_msg_set(msg, SB_ENOMEM, "plug-in metrics: out of memory");
  for (int i = 0; !err && i < o->n_user_metrics; i++)
    err = sb_user_metric_table_open(*table, o->user_metrics[i], &env, msg);
  for (size_t i = 0; !err && i < sb_user_metric_table_count(*table); i++)
    (*keys)[i] = sb_user_metric_table_at(*table, i)->key;
  return err;
}

/* Opens the run's backends (backends/registry.h). */
static sb_err open_backends(const sb_run_opts *o, sb_backend_table **table, sb_msg *msg)
{
  const sb_backend_env env = {.command_config = o->backend_config,
                              .est_layout = o->est_layout,
                              .est_pattern = o->est_pattern,
                              .plugin_in_process = o->plugin_in_process,
                              .plugin_timeout_s = o->plugin_timeout_s};
  sb_err err = sb_backend_table_new(table);
  if (err)
    return sb_msg_set(msg, err, "--backends: out of memory");
  return sb_backend_table_open(*table, o->backends ? o->backends : "mixture,irm2", &env, msg);
}

uint64_t sb_run_item_hash(const char *track, const char *method)
{
  /* FNV-1a, 64 bits, over track, a NUL byte, method. */
  uint64_t h = UINT64_C(14695981039346656037);
  for (const unsigned char *p = (const unsigned char *)track; *p; p++)
    h = (h ^ *p) * UINT64_C(1099511628211);
  h *= UINT64_C(1099511628211);
  for (const unsigned char *p = (const unsigned char *)method; *p; p++)
    h = (h ^ *p) * UINT64_C(1099511628211);
  return h;
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
    sb_err err = sb_audio_new(&est[j], mix->n_chan, mix->n_samples, mix->rate);
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

/* Runs the backend of one item on the track's mixture; note gets what the
 * backend reports besides its estimates (dir: estimates refitted). */
static sb_err separate(const run_item *it, const sb_track_audio *audio, sb_audio **est, char *note,
                       size_t note_len, sb_msg *msg)
{
  const sb_track *t = it->track;
  const sb_backend *b = it->backend;
  const sb_audio *mix = audio->mix;
  double **est_data = NULL;
  const double **ref_data = NULL;
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
  job = (sb_separation){.track = t->name,
                        .rate = mix->rate,
                        .n_chan = mix->n_chan,
                        .n_samples = mix->n_samples,
                        .mix = mix->data,
                        .n_targets = t->n_stems,
                        .targets = (const char *const *)t->stem_names,
                        .refs = (b->flags & SB_BACKEND_ORACLE) ? ref_data : NULL,
                        .est = est_data};
  err = sb_backend_separate(
    b, &(sb_backend_request){.track = t, .job = &job, .cancel = &stop_requested, .note = note, .note_len = note_len},
    msg);
  for (int j = 0; !err && j < t->n_stems; j++) {
    char label[600];
    snprintf(label, sizeof label, "backend %s, estimate '%s' of '%s'", b->name, t->stem_names[j], t->name);
    err = sb_audio_check_finite(est[j], label, msg);
  }
done:
  free(est_data);
  free(ref_data);
  return err;
}

/* What the items of one track share when they run in sequence: its audio
 * (loaded by the first item) and the PS/PM reference side (created by the
 * first item that asks for PS/PM).  Used by one thread at a time. */
typedef struct track_state {
  sb_track_audio *audio;
  sb_embedder *embedder;
  sb_pspm_track *pspm;
} track_state;

static void track_state_clear(track_state *ts)
{
  sb_pspm_track_free(&ts->pspm); /* before the embedder it uses */
  sb_embedder_free(&ts->embedder);
  sb_track_audio_free(&ts->audio);
}

/* The PS/PM reference side of the track, prepared as sb_evaluate would
 * prepare it for one call (default options, the requested embedder). */
static sb_err ensure_pspm(track_state *ts, const sb_eval_opts *eo, const sb_sources *ref, sb_msg *msg)
{
  sb_pspm_options popt;
  sb_err err;
  sb_embedder_opts emb_opts = {SB_EMBEDDER_TIMEOUT_S, &stop_requested};
  if (ts->pspm)
    return SB_OK;
  if (!ts->embedder && (err = sb_embedder_new_opts(eo->pspm_embedder, &emb_opts, &ts->embedder, msg)) != SB_OK)
    return err;
  sb_pspm_options_default(&popt);
  popt.embedder = ts->embedder;
  return sb_pspm_track_new(ref, &popt, &ts->pspm, msg);
}

/* Scores the estimates of an item with the plug-in metrics it wants,
 * estimate perm[j] against reference j. */
static sb_err score_user_metrics(const run_item *it, const sb_track_audio *audio, sb_audio *const *est,
                                 const int *perm, sb_user_scores **scores, sb_msg *msg)
{
  const int n = it->track->n_stems;
  const double **refs = calloc((size_t)n, sizeof *refs), **ests = calloc((size_t)n, sizeof *ests);
  sb_err err = SB_ENOMEM;
  if (refs && ests) {
    for (int j = 0; j < n; j++) {
      refs[j] = audio->stems[j]->data;
      ests[j] = est[perm[j]]->data;
    }
    err = sb_user_metrics_score(it->metrics, it->want,
                                &(sb_metric_job){.track = it->track->name,
                                                 .rate = audio->mix->rate,
                                                 .n_chan = audio->mix->n_chan,
                                                 .n_samples = audio->mix->n_samples,
                                                 .n_targets = n,
                                                 .targets = (const char *const *)it->track->stem_names,
                                                 .refs = refs,
                                                 .ests = ests,
                                                 .mix = audio->mix->data},
                                &stop_requested, scores, msg);
  }
  free(refs);
  free(ests);
  return err;
}

/* The evaluation options of an item: the run's, or for a stored item the
 * recorded groups it lacks only, under its stored permutation. */
static sb_eval_opts item_eval_opts(const sb_run_opts *o, const run_item *it)
{
  sb_eval_opts eo = o->eval;
  eo.names = (const char *const *)it->track->stem_names;
  if (it->stored) {
    eo.metrics = it->recorded | (eo.metrics & SB_METRIC_IMPROVE);
    eo.perm = SB_PERM_NONE;
  }
  return eo;
}

/* Appends what the backend reported (note, may be "") to the result's note. */
static void add_note(sb_eval_result *res, const char *note)
{
  size_t used = strlen(res->note);
  if (note[0])
    snprintf(res->note + used, sizeof res->note - used, "%s%s", used ? "; " : "", note);
}

/* 1 when an item is evaluated on its files streamed (runners/stream_inputs.h)
 * rather than loaded whole: a dir: backend (nothing to separate), a track
 * with a mixture file, one file per stem and no excerpt, and no PS/PM or
 * plug-in metric (they need whole signals). */
static int streams_item(const sb_run_opts *o, const run_item *it)
{
  const sb_track *t = it->track;
  if (!sb_backend_dir(it->backend) || !t->mix_path || t->excerpt_len > 0 || t->excerpt_start > 0 ||
      (o->eval.metrics & SB_METRIC_PSPM) || sb_user_metric_table_count(it->metrics) > 0)
    return 0;
  for (int k = 0; t->stem_n_parts && k < t->n_stems; k++)
    if (t->stem_n_parts[k] > 0)
      return 0;
  return 1;
}

/* Words a reason about an item's estimate files as its dir: backend does:
 * "dir:PATH: <reason>".  Returns err. */
static sb_err backend_msg(const run_item *it, sb_err err, sb_msg *msg)
{
  sb_msg reason;
  if (!msg)
    return err;
  reason = *msg;
  return sb_msg_set(msg, err, "%s: %s", it->backend->name, reason.text[0] ? reason.text : sb_strerror(err));
}

/* Notes, in target order as the dir: backend does, the estimates padded or
 * cut; estimate j of in is the file paths[order[j]]. */
static void note_refits(const sb_track *t, const sb_stream_inputs *in, char *const *paths, const int *order,
                        char *note, size_t note_len)
{
  for (int k = 0; k < t->n_stems; k++)
    for (int j = 0; j < t->n_stems; j++) {
      int64_t frames;
      if (order[j] != k)
        continue;
      frames = sb_stream_inputs_est_frames(in, j);
      if (frames != in->ref_view.n_samples)
        sb_dir_backend_note_refit(note, note_len, t->stem_names[k], paths[k], frames, in->ref_view.n_samples);
      break;
    }
}

/* Opens the estimate files of a dir: item as streams, estimate j being the
 * file of target j, or of target it->perm[j] for a stored item, and notes
 * those padded or cut.  Errors are worded as by the backend, except
 * SB_EUNSUPPORTED (a file that cannot be streamed). */
static sb_err open_estimates(const run_item *it, sb_stream_inputs *in, char *note, size_t note_len, sb_msg *msg)
{
  const sb_track *t = it->track;
  char **paths = NULL;
  const char **ordered = calloc((size_t)t->n_stems, sizeof *ordered);
  int *order = calloc((size_t)t->n_stems, sizeof *order);
  sb_err err = ordered && order ? sb_dir_backend_locate(sb_backend_dir(it->backend), t, &paths, msg) : SB_ENOMEM;
  for (int j = 0; !err && j < t->n_stems; j++) {
    order[j] = it->stored ? it->perm[j] : j;
    ordered[j] = paths[order[j]];
  }
  if (!err)
    err = sb_stream_inputs_open_ests(in, ordered, msg);
  if (!err)
    note_refits(t, in, paths, order, note, note_len);
  else if (err != SB_EUNSUPPORTED)
    backend_msg(it, err, msg);
  sb_estimates_free_paths(&paths, t->n_stems);
  free(ordered);
  free(order);
  return err;
}

/* Evaluates a dir: item (streams_item) on its files streamed, each decoded
 * once and held as int16/float32 while o->max_memory allows: the values of the
 * whole-file path, bit for bit, in far less memory.  SB_EUNSUPPORTED when
 * a file cannot be streamed (.stem.mp4, MP3, OGG: the caller then loads
 * the item whole); other errors name the file as the whole-file path does,
 * an estimate's after the backend's name. */
static sb_err compute_streamed(const sb_run_opts *o, const run_item *it, sb_eval_result **res, sb_msg *msg)
{
  const sb_track *t = it->track;
  sb_stream_inputs in = {0};
  sb_eval_opts eo = item_eval_opts(o, it);
  char note[1024] = "";
  sb_err err = sb_stream_inputs_open_refs(&in, t->n_stems, (const char *const *)t->stem_paths, t->mix_path, msg);
  if (!err)
    err = open_estimates(it, &in, note, sizeof note, msg);
  if (err)
    goto done;
  err = sb_stream_inputs_hold(&in, o->max_memory, msg);
  if (!err)
    err = sb_signals_set_frames(&eo, o->win_s, o->hop_s, in.ref_view.rate, msg);
  if (!err)
    err = sb_evaluate(&eo, &in.ref_view, &in.est_view, &in.mix_view, res, msg);
  if (err && sb_stream_inputs_take_error(&in, err, msg) == SB_STREAM_EST)
    backend_msg(it, err, msg);
  if (!err)
    add_note(*res, note);
done:
  sb_stream_inputs_clear(&in);
  return err;
}

/* Separates and evaluates one item (when its built-in values are not
 * stored yet; for a stored item only the recorded groups it lacks, under
 * its stored permutation) and scores it with the plug-in metrics it wants,
 * loading the track's audio into ts when it is not there yet; a dir: item
 * that streams (streams_item) loads nothing whole. */
static sb_err compute_item(const sb_run_opts *o, const run_item *it, track_state *ts, sb_eval_result **res,
                           sb_user_scores **scores, sb_msg *msg)
{
  sb_audio **est = NULL, **ordered = NULL;
  sb_signals sig = {0};
  sb_eval_opts eo = item_eval_opts(o, it);
  char note[1024] = "";
  int n = it->track->n_stems;
  sb_err err = SB_OK;
  if (streams_item(o, it)) {
    err = compute_streamed(o, it, res, msg);
    if (err != SB_EUNSUPPORTED)
      goto done;
    sb_msg_clear(msg);
    err = SB_OK;
  }
  if (!ts->audio && (err = sb_track_audio_load(it->track, &ts->audio, msg)) != SB_OK)
    goto done;
  if (!ts->audio->mix) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "track '%s' has no mixture to separate", it->track->name);
    goto done;
  }
  err = alloc_estimates(ts->audio->mix, n, &est);
  if (err)
    goto done;
  err = separate(it, ts->audio, est, note, sizeof note, msg);
  if (err || (it->stored && !it->recorded))
    goto user_metrics;
  if (it->stored) {
    if (!(ordered = malloc((size_t)n * sizeof *ordered))) {
      err = SB_ENOMEM;
      goto done;
    }
    for (int j = 0; j < n; j++)
      ordered[j] = est[it->perm[j]];
  }
  err = sb_signals_set_frames(&eo, o->win_s, o->hop_s, ts->audio->mix->rate, msg);
  if (err)
    goto done;
  err = sb_signals_init(&sig, ts->audio->stems, ordered ? ordered : est, ts->audio->mix, n);
  if (err)
    goto done;
  if (eo.metrics & SB_METRIC_PSPM) {
    err = ensure_pspm(ts, &eo, &sig.ref, msg);
    if (err)
      goto done;
    eo.pspm_track = ts->pspm;
  }
  err = sb_evaluate(&eo, &sig.ref, &sig.est, &sig.mix, res, msg);
  if (!err)
    add_note(*res, note);
user_metrics:
  if (!err && sb_user_metric_table_count(it->metrics) > 0)
    err = score_user_metrics(it, ts->audio, est, it->stored ? it->perm : (*res)->perm, scores, msg);
done:
  sb_signals_clear(&sig);
  free(ordered);
  free_estimates(&est, n);
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

/* The reason in a message of the store ("PATH: STATEMENT: reason"), without
 * the store's path, which the caller's own message names. */
static const char *store_reason(const char *text, const char *db_path)
{
  size_t len = db_path ? strlen(db_path) : 0;
  if (len > 0 && strncmp(text, db_path, len) == 0 && text[len] == ':' && text[len + 1] == ' ')
    return text + len + 2;
  return text;
}

/* The groups of recorded (SB_METRIC_RECORDED) that the stored item of
 * (track, method, config) lacks into it->recorded, counted in *missing. */
static sb_err plan_recorded(sb_store *store, run_item *it, const char *config, unsigned recorded, int *missing)
{
  sb_err err = SB_OK;
  for (unsigned bit = 1; !err && bit && bit <= recorded; bit <<= 1) {
    const char *name, *key;
    int done = 0;
    if (!(recorded & bit) || sb_metric_group_record(bit, &name, &key) != SB_OK)
      continue;
    err = sb_store_plugin_done(store, it->track_id, it->method_id, config, name, key, &done);
    if (!done)
      it->recorded |= bit;
    *missing += !done;
  }
  return err;
}

/* For an item whose built-in values are stored: which plug-in metrics and
 * recorded groups it lacks (it->want, it->recorded), how many (*missing),
 * and its stored permutation. */
static sb_err plan_stored_item(sb_store *store, run_item *it, const char *config, unsigned recorded, int *missing)
{
  const size_t n = sb_user_metric_table_count(it->metrics);
  int found = 0;
  sb_err err;
  *missing = 0;
  it->stored = 1;
  err = plan_recorded(store, it, config, recorded, missing);
  if (!err && n > 0 && !(it->want = calloc(n, 1)))
    return SB_ENOMEM;
  for (size_t i = 0; !err && i < n; i++) {
    const sb_user_metric *m = sb_user_metric_table_at(it->metrics, i);
    int done = 0;
    err = sb_store_plugin_done(store, it->track_id, it->method_id, config, m->name, m->key, &done);
    it->want[i] = !done;
    *missing += !done;
  }
  if (err || !*missing)
    return err;
  it->perm = malloc((size_t)it->track->n_stems * sizeof *it->perm);
  if (!it->perm)
    return SB_ENOMEM;
  err = sb_store_item_perm(store, it->track_id, it->method_id, config, it->track->n_stems, it->perm, &found);
  return !err && !found ? SB_ENOTFOUND : err;
}

/* Registers suite, tracks and methods, and lists the items still to do. */
static sb_err plan_items(const sb_run_opts *o, sb_store *store, const sb_suite *suite,
                         const sb_backend_table *backends, const sb_user_metric_table *metrics, const char *config,
                         run_item **items, int *n_items, sb_run_summary *sum, sb_msg *msg)
{
  int64_t suite_id;
  const int n_backends = (int)sb_backend_table_count(backends);
  int cap = suite->n_tracks * n_backends, n = 0, n_tracks = 0;
  int64_t *method_ids = calloc((size_t)n_backends, sizeof *method_ids);
  sb_err err;
  *items = calloc((size_t)(cap > 0 ? cap : 1), sizeof **items);
  if (!*items || !method_ids) {
    err = SB_ENOMEM;
    goto done;
  }
  err = sb_store_suite(store, sum->suite, suite->kind, suite->root, &suite_id);
  for (int k = 0; !err && k < n_backends; k++) {
    const sb_backend *b = sb_backend_table_at(backends, (size_t)k);
    err = sb_store_method(store, b->name, b->backend, b->params, &method_ids[k]);
  }
  for (int t = 0; !err && t < suite->n_tracks; t++) {
    const sb_track *track = &suite->tracks[t];
    int64_t track_id;
    n_tracks++;
    err = sb_store_track(store, suite_id, track->name, track->subset, &track_id);
    for (int k = 0; !err && k < n_backends; k++) {
      const sb_backend *b = sb_backend_table_at(backends, (size_t)k);
      run_item it = {track, b, track_id, method_ids[k], metrics, 0, NULL, NULL, 0};
      int done = 0, missing = 0;
      if (o->shard_count > 1 &&
          sb_run_item_hash(track->name, b->name) % (uint64_t)o->shard_count != (uint64_t)(o->shard_index - 1))
        continue;
      sum->n_items++;
      if (!o->force)
        err = sb_store_item_done(store, track_id, method_ids[k], config, &done);
      else
        err = sb_store_item_forget(store, track_id, method_ids[k], config);
      if (!err && done)
        err = plan_stored_item(store, &it, config, o->eval.metrics & SB_METRIC_RECORDED, &missing);
      if (err || (done && !missing)) {
        free(it.want);
        free(it.perm);
        sum->n_skipped += !err;
        continue;
      }
      (*items)[n++] = it;
    }
  }
  if (err && !msg->text[0])
    sb_msg_set(msg, err, "%s: cannot register the suite: %s", o->db_path,
               err == SB_EDB ? store_reason(sb_store_errmsg(store), o->db_path) : sb_strerror(err));
  sum->n_tracks = n_tracks;
  *n_items = n;
done:
  free(method_ids);
  return err;
}

/* The plug-in records of an item's scores (strings borrowed from the
 * table and the scores), *n of them; NULL with *n = 0 when there are none
 * (or no memory: the caller then stores the item without them and says so). */
static sb_plugin_record *plugin_records(const run_item *it, const sb_user_scores *scores, int *n)
{
  sb_plugin_record *records;
  *n = 0;
  if (!scores || !(records = calloc((size_t)scores->n_metrics + 1, sizeof *records)))
    return NULL;
  for (int i = 0; i < scores->n_metrics; i++) {
    const sb_user_metric *m = sb_user_metric_table_at(it->metrics, (size_t)i);
    const sb_user_metric_result *r = &scores->results[i];
    if (!r->wanted)
      continue;
    records[(*n)++] = (sb_plugin_record){.name = m->name,
                                         .key = m->key,
                                         .error = r->err ? r->message.text : NULL,
                                         .note = r->err ? NULL : r->message.text,
                                         .wall_s = r->wall_s,
                                         .n_target_metrics = m->n_target_metrics,
                                         .target_metrics = m->target_metrics,
                                         .target_values = r->target_values,
                                         .n_track_metrics = m->n_track_metrics,
                                         .track_metrics = m->track_metrics,
                                         .track_values = r->track_values};
  }
  return records;
}

/* Reports the plug-in metrics of an item that failed or have notes. */
static void log_plugin_records(FILE *log, const char *lead, const sb_plugin_record *records, int n,
                               sb_run_summary *sum)
{
  for (int i = 0; i < n; i++) {
    if (records[i].error)
      sum->n_metric_failed++;
    if (records[i].error || records[i].note[0])
      fprintf(log, "%ssepbench: %s\n", lead, records[i].error ? records[i].error : records[i].note);
  }
}

/* Writes one finished item (inside the critical section). */
static void record_item(const sb_run_opts *o, sb_store *store, const run_item *it,
                        const sb_eval_result *res, const sb_user_scores *scores, sb_err item_err,
                        const sb_msg *item_msg, double wall, int64_t run_id, const char *config, sb_progress *prog,
                        sb_run_summary *sum)
{
  FILE *log = o->log ? o->log : stderr;
  const char *lead = prog && o->progress_tty ? "\n" : "";
  sb_item_record rec = {.run_id = run_id,
                        .track_id = it->track_id,
                        .method_id = it->method_id,
                        .config = config,
                        .n_targets = it->track->n_stems,
                        .targets = (const char *const *)it->track->stem_names,
                        .result = res,
                        .wall_s = wall,
                        .peak_rss_kb = peak_rss_kb(),
                        .recorded = it->stored ? it->recorded : o->eval.metrics & SB_METRIC_RECORDED};
  int n_records = 0;
  sb_plugin_record *records = item_err ? NULL : plugin_records(it, scores, &n_records);
  sb_msg store_msg;
  sb_err err;
  char what[512];
  sb_msg_clear(&store_msg);
  if (item_err) {
    fprintf(log, "%ssepbench: %s\n", lead, item_msg->text);
    err = sb_store_put_failure(store, &rec, item_msg->text, &store_msg);
  } else if (scores && !records) {
    err = sb_msg_set(&store_msg, SB_ENOMEM, "out of memory");
  } else if (it->stored) {
    err = sb_store_put_plugins(store, &rec, n_records, records, &store_msg);
  } else {
    err = sb_store_put_item_plugins(store, &rec, n_records, records, &store_msg);
  }
  if (!err && !item_err && res && res->note[0])
    fprintf(log, "%ssepbench: %s / %s: %s\n", lead, it->backend->name, it->track->name, res->note);
  if (!err)
    log_plugin_records(log, lead, records, n_records, sum);
  free(records);
  /* An item whose values did not reach the store (a failed commit: a full
   * disk, an I/O error) is a failed item, whatever it computed. */
  if (item_err || err)
    sum->n_failed++;
  else
    sum->n_computed++;
  sum->n_metrics_only += !item_err && !err && it->stored;
  if (err)
    fprintf(log, "%ssepbench: %s: cannot store %s / %s: %s\n", lead, o->db_path, it->backend->name, it->track->name,
            store_msg.text[0] ? store_reason(store_msg.text, o->db_path) : sb_strerror(err));
  snprintf(what, sizeof what, "%s / %s", it->backend->name, it->track->name);
  sb_progress_step(prog, what, item_err != SB_OK || err != SB_OK);
}

/* Items [first, first + n) of the plan, run in sequence by one thread. */
typedef struct run_group {
  int first, n;
} run_group;

/* One group per item, or with PS/PM one per track (the plan lists a
 * track's items next to each other). */
static sb_err group_items(const sb_run_opts *o, const run_item *items, int n_items, run_group **groups,
                          int *n_groups)
{
  int by_track = (o->eval.metrics & SB_METRIC_PSPM) != 0, n = 0;
  *groups = malloc((size_t)(n_items > 0 ? n_items : 1) * sizeof **groups);
  if (!*groups)
    return SB_ENOMEM;
  for (int i = 0; i < n_items; i++) {
    if (by_track && n > 0 && items[(*groups)[n - 1].first].track == items[i].track)
      (*groups)[n - 1].n++;
    else
      (*groups)[n++] = (run_group){i, 1};
  }
  *n_groups = n;
  return SB_OK;
}

/* Computes and records the items of one group. */
static void run_group_items(const sb_run_opts *o, sb_store *store, const run_item *items, run_group group,
                            int64_t run_id, const char *config, sb_progress *prog, sb_run_summary *sum)
{
  track_state ts = {0};
  for (int i = group.first; i < group.first + group.n && !stop_requested; i++) {
    sb_eval_result *res = NULL;
    sb_user_scores *scores = NULL;
    sb_msg msg;
    double t0;
    sb_err item_err;
    sb_msg_clear(&msg);
    t0 = now_s();
    item_err = compute_item(o, &items[i], &ts, &res, &scores, &msg);
    /* A command killed by Ctrl-C is not a result: leave it for the resume. */
    if (item_err == SB_EINTERRUPT && stop_requested) {
      sb_eval_result_free(&res);
      sb_user_scores_free(&scores);
      break;
    }
    if (item_err && !msg.text[0])
      sb_msg_set(&msg, item_err, "%s / %s: %s", items[i].backend->name, items[i].track->name,
                 sb_strerror(item_err));
#ifdef _OPENMP
#pragma omp critical(sb_store)
#endif
    record_item(o, store, &items[i], res, scores, item_err, &msg, now_s() - t0, run_id, config, prog, sum);
    sb_eval_result_free(&res);
    sb_user_scores_free(&scores);
  }
  track_state_clear(&ts);
}

static sb_err execute(const sb_run_opts *o, sb_store *store, const run_item *items, int n_items,
                      int64_t run_id, const char *config, const char *label, sb_run_summary *sum)
{
  sb_progress *prog = NULL;
  run_group *groups = NULL;
  int n_groups = 0;
  FILE *log = o->log ? o->log : stderr;
  sb_err err = group_items(o, items, n_items, &groups, &n_groups);
  if (!err)
    err = sb_progress_new(log, n_items, label, o->progress_tty, &prog);
  if (err) {
    free(groups);
    return err;
  }
#ifdef _OPENMP
  int jobs = o->jobs > 0 ? o->jobs : omp_get_max_threads();
  /* With fewer groups than threads, let the metrics use the idle threads. */
  omp_set_max_active_levels(n_groups < jobs ? 2 : 1);
#pragma omp parallel num_threads(jobs)
#endif
  {
    /* BLAS single-threaded in the workers: PS/PM values are then the same
     * to the last bit for any number of threads (metrics/pspm.h). */
    openblas_set_num_threads(1);
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
    for (int g = 0; g < n_groups; g++)
      run_group_items(o, store, items, groups[g], run_id, config, prog, sum);
  }
  sb_progress_free(&prog);
  free(groups);
  return SB_OK;
}

/* The run's end could not be written (its row stays 'running'): the items
 * are stored or counted as failed, but the run is not a success.  A run
 * with failed items or interrupted already says so (its exit status too):
 * then one more line; otherwise the failure becomes the run's error. */
static void report_run_end_failure(sb_store *store, const char *db_path, FILE *log, const sb_run_summary *sum,
                                   sb_err *err, sb_msg *msg)
{
  const char *reason = store_reason(sb_store_errmsg(store), db_path);
  if (*err || sum->n_failed)
    fprintf(log, "sepbench: %s: cannot record the end of run %lld: %s\n", db_path, (long long)sum->run_id, reason);
  else
    *err = sb_msg_set(msg, SB_EDB, "%s: cannot record the end of run %lld: %s", db_path, (long long)sum->run_id,
                      reason);
}

/* The key of the run's configuration (config, sizeof sum->config bytes)
 * and its JSON description with the plug-in metrics' keys. */
static sb_err describe_config(const sb_run_opts *o, const sb_user_metric_table *metrics, const char *const *keys,
                              char *config, char *params, size_t params_len, sb_msg *msg)
{
  sb_metric_config mc;
  sb_err err;
  run_metric_config(o, (int)sb_user_metric_table_count(metrics), keys, &mc);
  err = sb_metric_config_key(&mc, config, sizeof ((sb_run_summary *)0)->config);
  if (!err)
    err = sb_metric_config_json(&mc, params, params_len);
  if (err)
    sb_msg_set(msg, err, "the metric configuration has no key: %s",
               err != SB_ELENGTH                 ? "a window, hop or excerpt is not a finite number of seconds"
               : sb_user_metric_table_count(metrics) ? "--targets, --pspm-embedder or the plug-in metrics are too long"
                                                     : "--targets or --pspm-embedder is too long");
  return err;
}

/* Says how many stored items are scored again for the metrics they lack
 * only, and which: plug-in metrics and the recorded groups
 * (SB_METRIC_RECORDED: "builtin:stoi", ...). */
static void report_metrics_only(FILE *log, const run_item *items, int n_items, const char *db_path)
{
  char what[256] = "";
  unsigned recorded = 0;
  int n = 0, plugin = 0;
  for (int i = 0; i < n_items; i++) {
    const size_t k = sb_user_metric_table_count(items[i].metrics);
    n += items[i].stored;
    recorded |= items[i].stored ? items[i].recorded : 0;
    for (size_t m = 0; items[i].stored && items[i].want && m < k; m++)
      plugin |= items[i].want[m];
  }
  if (!n)
    return;
  if (plugin)
    snprintf(what, sizeof what, "plug-in metrics");
  for (unsigned bit = 1; bit && bit <= recorded; bit <<= 1) {
    const char *name;
    size_t used = strlen(what);
    if ((recorded & bit) && sb_metric_group_record(bit, &name, NULL) == SB_OK)
      snprintf(what + used, sizeof what - used, "%s%s", used ? ", " : "", name);
  }
  fprintf(log, "sepbench: %d items in %s lack metrics of this run (%s): separating them again to compute those only\n",
          n, db_path, what);
}

sb_err sb_run(const sb_run_opts *o, sb_run_summary *sum, sb_msg *msg)
{
  sb_suite *suite = NULL;
  sb_store *store = NULL;
  sb_backend_table *backends = NULL;
  sb_user_metric_table *metrics = NULL;
  const char **metric_keys = NULL;
  run_item *items = NULL;
  int n_items = 0;
  char config[sizeof sum->config], params[4096], backends_text[512];
  sb_suite_opts so = {.subset = o->subset,
                      .cache_dir = o->cache_dir,
                      .tracks = o->tracks,
                      .limit = o->limit,
                      .excerpt_start = o->excerpt_start,
                      .excerpt_len = o->excerpt_len,
                      .targets = o->targets,
                      .variant = o->variant,
                      .config = o->suites_config};
  FILE *log = o->log ? o->log : stderr;
  const char *db_path = o->db_path ? o->db_path : "sepbench.db";
  sb_run_opts speech;
  sb_err err;
  memset(sum, 0, sizeof *sum);
  stop_requested = 0;
  if (o->shard_count < 0 || (o->shard_count > 0 && (o->shard_index < 1 || o->shard_index > o->shard_count))) {
    err = sb_msg_set(msg, SB_EINVAL, "--shard %d/%d: expected K/N with 1 <= K <= N", o->shard_index, o->shard_count);
    goto done;
  }
  err = open_backends(o, &backends, msg);
  if (!err)
    err = open_user_metrics(o, &metrics, &metric_keys, msg);
  if (!err)
    err = sb_suite_resolve(o->suite, &so, &suite, msg);
  if (err)
    goto done;
  if (o->speech_defaults && sb_suite_kind_is_speech(suite->kind)) {
    speech = *o;
    speech.eval.metrics |= SB_METRIC_RECORDED;
    o = &speech;
  }
  err = describe_config(o, metrics, metric_keys, config, params, sizeof params, msg);
  if (err)
    goto done;
  snprintf(sum->config, sizeof sum->config, "%s", config);
  fprintf(log, "sepbench: suite '%s': %s (%d tracks)\n", suite->name, suite->description, suite->n_tracks);
  stored_suite_name(o, suite, sum->suite, sizeof sum->suite);
  err = sb_store_open(db_path, &store, msg);
  if (err)
    goto done;
  snprintf(backends_text, sizeof backends_text, "%s", o->backends ? o->backends : "mixture,irm2");
  err = sb_store_run_begin(store, &(sb_run_info){o->command_line, suite->name, backends_text, params},
                           &sum->run_id);
  if (err) {
    sb_msg_set(msg, err, "%s: cannot record the run: %s", db_path,
               store_reason(sb_store_errmsg(store), db_path));
    goto done;
  }
  sum->n_backends = (int)sb_backend_table_count(backends);
  err = plan_items(o, store, suite, backends, metrics, config, &items, &n_items, sum, msg);
  if (err)
    goto done;
  if (sum->n_skipped)
    fprintf(log, "sepbench: %d of %d items already in %s (resuming; --force recomputes)\n", sum->n_skipped,
            sum->n_items, db_path);
  report_metrics_only(log, items, n_items, db_path);
  err = execute(o, store, items, n_items, sum->run_id, config, suite->name, sum);
  sum->interrupted = stop_requested != 0;
  if (!err && sum->interrupted)
    err = sb_msg_set(msg, SB_EINTERRUPT, "interrupted: finished items are stored in %s; run the same command to resume", db_path);
  if (sb_store_run_end(store, sum->run_id, sum->interrupted ? "interrupted" : "done") != SB_OK)
    report_run_end_failure(store, db_path, log, sum, &err, msg);
done:
  free_items(&items, n_items);
  sb_store_free(&store);
  sb_suite_free(&suite);
  free(metric_keys);
  sb_user_metric_table_free(&metrics);
  sb_backend_table_free(&backends);
  return err;
}
