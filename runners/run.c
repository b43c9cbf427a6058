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
#include "metrics/pspm.h"
#include "backends/command.h"
#include "backends/dir.h"
#include "backends/registry.h"
#include "backends/plugin.h"
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
  o->plugin_timeout_s = SB_PLUGIN_DEFAULT_TIMEOUT_S;
  sb_eval_opts_default(&o->eval, 44100);
}

void sb_run_config_key(const sb_run_opts *o, char *buf, size_t len)
{
  static const char *const group_names[] = {"bss", "sisdr", "gsdr", "snr", "improve", "sdr", "pspm"};
  static const char *const perm_names[] = {"none", "brute", "hungarian"};
  char groups[64] = "";
  size_t used;
  for (int g = 0; g < 7; g++)
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
  used = strlen(buf);
  if ((o->eval.metrics & SB_METRIC_PSPM) && used < len)
    used += (size_t)snprintf(buf + used, len - used, ";embedder=%s",
                             o->eval.pspm_embedder ? o->eval.pspm_embedder : "raw");
  if (o->excerpt_len > 0 && used < len)
    used += (size_t)snprintf(buf + used, len - used, ";excerpt=%g:%g", o->excerpt_start, o->excerpt_len);
  if (o->targets && o->targets[0] && used < len)
    used += (size_t)snprintf(buf + used, len - used, ";targets=%s", o->targets);
  if (o->variant && o->variant[0] && used < len)
    snprintf(buf + used, len - used, ";variant=%s", o->variant);
}

/* One backend of the run: a built-in or plugin api (create/separate/
 * destroy per item), a command template, or a folder of estimates. */
typedef enum backend_kind { BACKEND_API, BACKEND_PLUGIN, BACKEND_COMMAND, BACKEND_DIR } backend_kind;

typedef struct run_backend {
  backend_kind kind;
  char *name;          /* method name in the store: "irm2", the plugin's name, "cmd:X", "dir:PATH" */
  char *backend;       /* how it runs, stored with the method: "irm2", "plugin:PATH", "cmd", "dir" */
  char *options;       /* "key=value,..." (api and plugin backends), else the command or folder */
  const sb_backend_api *api;
  sb_plugin *plugin;
  int isolate;         /* plugin: start-up check and each separation in a forked child */
  double timeout_s;    /* plugin: wall-clock limit of an isolated call (<= 0: none) */
  sb_command_backend *command;
  sb_dir_backend *dir;
} run_backend;

/* One unit of work. */
typedef struct run_item {
  const sb_track *track;
  const run_backend *backend;
  int64_t track_id, method_id;
} run_item;

typedef struct backend_list {
  int n;
  run_backend *b;
} backend_list;

static void backend_list_free(backend_list *list)
{
  for (int i = 0; i < list->n; i++) {
    run_backend *b = &list->b[i];
    free(b->name);
    free(b->backend);
    free(b->options);
    sb_plugin_free(&b->plugin);
    sb_command_backend_free(&b->command);
    sb_dir_backend_free(&b->dir);
  }
  free(list->b);
  memset(list, 0, sizeof *list);
}

/* The ':' that ends PATH in "plugin:PATH[:key=value,...]": the first one
 * followed by a key and '=', or by nothing, so that option values may hold
 * '/' and ':' ("plugin:./x.so:model=/data/m.bin"); failing that the first
 * one after the last '/' (options the plugin will refuse); else NULL. */
static char *plugin_options_colon(char *path)
{
  static const char key_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
  const char *slash = strrchr(path, '/');
  for (char *c = strchr(path, ':'); c; c = strchr(c + 1, ':')) {
    const size_t key_len = strspn(c + 1, key_chars);
    if (c[1] == '\0' || (key_len > 0 && c[1 + key_len] == '='))
      return c;
  }
  return strchr(slash ? slash : path, ':');
}

/* Fills b from one spec (see sb_run_opts.backends). */
static sb_err backend_parse_one(const sb_run_opts *o, char *spec, run_backend *b, sb_msg *msg)
{
  char *colon;
  sb_err err;

  if (strncmp(spec, "plugin:", 7) == 0) {
    char *path = spec + 7;
    colon = plugin_options_colon(path);
    if (colon)
      *colon = '\0';
    b->kind = BACKEND_PLUGIN;
    b->isolate = !o->plugin_in_process;
    b->timeout_s = o->plugin_timeout_s;
    err = sb_plugin_open(path, &b->plugin, msg);
    if (err)
      return err;
    b->api = sb_plugin_api(b->plugin);
    b->name = strdup(b->api->name);
    b->backend = malloc(strlen(path) + 8);
    if (b->backend)
      sprintf(b->backend, "plugin:%s", path);
    b->options = strdup(colon ? colon + 1 : "");
  } else if (strncmp(spec, "cmd:", 4) == 0) {
    b->kind = BACKEND_COMMAND;
    if (strchr(spec + 4, ':'))
      return sb_msg_set(msg, SB_EINVAL, "--backends %s: a command backend takes no options (set them in its config)",
                        spec);
    err = sb_command_backend_load(o->backend_config, spec + 4, &b->command, msg);
    if (err)
      return err;
    b->name = strdup(spec);
    b->backend = strdup("cmd");
    b->options = strdup(sb_command_backend_command(b->command));
  } else if (strncmp(spec, "dir:", 4) == 0) {
    b->kind = BACKEND_DIR;
    err = sb_dir_backend_new(spec + 4, o->est_layout, o->est_pattern, &b->dir, msg);
    if (err)
      return err;
    b->name = strdup(spec);
    b->backend = strdup("dir");
    b->options = strdup(spec + 4);
  } else {
    colon = strchr(spec, ':');
    if (colon)
      *colon = '\0';
    b->kind = BACKEND_API;
    err = sb_backend_find(spec, &b->api, msg);
    if (err)
      return err;
    b->name = strdup(spec);
    b->backend = strdup(spec);
    b->options = strdup(colon ? colon + 1 : "");
  }
  if (!b->name || !b->backend || !b->options)
    return sb_msg_set(msg, SB_ENOMEM, "--backends: out of memory");
  if (b->kind == BACKEND_PLUGIN && b->isolate) {
    /* Bad options fail here, before any item, rather than in every item;
     * a plugin's create() runs in a child, so a crash or hang in it is a
     * message too. */
    sb_msg check;
    sb_msg_clear(&check);
    err = sb_plugin_check_isolated(b->plugin, b->options, b->timeout_s, &check);
    if (err)
      return sb_msg_set(msg, err, "--backends %s: %s", b->name, check.text);
  } else if (b->api) {
    char reason[512] = "";
    void *state = NULL;
    err = b->api->create(&state, b->options, reason, sizeof reason);
    if (err)
      return sb_msg_set(msg, err, "--backends %s: %s", b->name, reason[0] ? reason : sb_strerror(err));
    b->api->destroy(state);
  }
  return SB_OK;
}

/* Splits the comma-separated specs; an item "key=value" (no ':' before
 * its '=') continues the options of the spec before it, so
 * "irm2:alpha=1,nfft=4096,mixture" is irm2 with two options, then mixture. */
static sb_err backend_list_parse(const sb_run_opts *o, const char *text, backend_list *list, sb_msg *msg)
{
  char **specs = NULL, *copy = strdup(text), *save = NULL;
  int n_specs = 0, cap = 1;
  sb_err err = SB_OK;

  memset(list, 0, sizeof *list);
  for (const char *p = text; *p; p++)
    cap += *p == ',';
  specs = calloc((size_t)cap, sizeof *specs);
  list->b = calloc((size_t)cap, sizeof *list->b);
  if (!copy || !specs || !list->b) {
    err = sb_msg_set(msg, SB_ENOMEM, "--backends: out of memory");
    goto done;
  }
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '='), *colon = strchr(tok, ':');
    if (!*tok)
      continue;
    if (eq && (!colon || colon > eq) && n_specs > 0) {
      char *joined = malloc(strlen(specs[n_specs - 1]) + strlen(tok) + 2);
      if (!joined) {
        err = sb_msg_set(msg, SB_ENOMEM, "--backends: out of memory");
        goto done;
      }
      sprintf(joined, "%s,%s", specs[n_specs - 1], tok);
      free(specs[n_specs - 1]);
      specs[n_specs - 1] = joined;
      continue;
    }
    specs[n_specs] = strdup(tok);
    if (!specs[n_specs++]) {
      err = sb_msg_set(msg, SB_ENOMEM, "--backends: out of memory");
      goto done;
    }
  }
  for (int i = 0; i < n_specs; i++) {
    err = backend_parse_one(o, specs[i], &list->b[list->n], msg);
    list->n++;
    if (err)
      goto done;
    for (int k = 0; k < list->n - 1; k++)
      if (strcmp(list->b[k].name, list->b[list->n - 1].name) == 0) {
        err = sb_msg_set(msg, SB_EINVAL, "--backends: '%s' is listed twice", list->b[k].name);
        goto done;
      }
  }
  if (list->n == 0)
    err = sb_msg_set(msg, SB_EINVAL, "--backends: no backend given");
done:
  for (int i = 0; specs && i < n_specs; i++)
    free(specs[i]);
  free(specs);
  free(copy);
  if (err)
    backend_list_free(list);
  return err;
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

/* Runs the backend of one item on the track's mixture; note gets what the
 * backend reports besides its estimates (dir: estimates refitted). */
static sb_err separate(const run_item *it, const sb_track_audio *audio, sb_audio **est, char *note,
                       size_t note_len, sb_msg *msg)
{
  const sb_track *t = it->track;
  const run_backend *b = it->backend;
  const sb_audio *mix = audio->mix;
  double **est_data = NULL;
  const double **ref_data = NULL;
  void *state = NULL;
  char reason[1024] = "";
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
                        .n_frames = mix->n_frames,
                        .mix = mix->data,
                        .n_targets = t->n_stems,
                        .targets = (const char *const *)t->stem_names,
                        .refs = (b->api && (b->api->flags & SB_BACKEND_ORACLE)) ? ref_data : NULL,
                        .est = est_data,
                        .errbuf = reason,
                        .errlen = sizeof reason};
  if (b->kind == BACKEND_COMMAND) {
    err = sb_command_backend_separate(b->command, &job, &stop_requested);
    if (err)
      sb_msg_set(msg, err, "%s", reason[0] ? reason : sb_strerror(err));
  } else if (b->kind == BACKEND_DIR) {
    err = sb_dir_backend_separate(b->dir, t, &job, note, note_len);
    if (err)
      sb_msg_set(msg, err, "%s", reason[0] ? reason : sb_strerror(err));
  } else if (b->kind == BACKEND_PLUGIN && b->isolate) {
    err = sb_plugin_separate_isolated(b->plugin, b->options, &job, b->timeout_s, &stop_requested, msg);
  } else {
    err = b->api->create(&state, b->options, reason, sizeof reason);
    if (err) {
      sb_msg_set(msg, err, "backend %s: cannot start: %s", b->name, reason[0] ? reason : sb_strerror(err));
      goto done;
    }
    err = b->api->separate(state, &job);
    if (err)
      sb_msg_set(msg, err, "backend %s failed on '%s': %s", b->name, t->name, reason[0] ? reason : sb_strerror(err));
    b->api->destroy(state);
  }
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

/* Separates and evaluates one item, loading the track's audio into ts when
 * it is not there yet. */
static sb_err compute_item(const sb_run_opts *o, const run_item *it, track_state *ts, sb_eval_result **res,
                           sb_msg *msg)
{
  sb_audio **est = NULL;
  sb_signals sig = {0};
  sb_eval_opts eo = o->eval;
  char note[1024] = "";
  int n = it->track->n_stems;
  eo.names = (const char *const *)it->track->stem_names;
  sb_err err = SB_OK;
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
  if (err)
    goto done;
  err = sb_signals_set_frames(&eo, o->win_s, o->hop_s, ts->audio->mix->rate, msg);
  if (err)
    goto done;
  err = sb_signals_init(&sig, ts->audio->stems, est, ts->audio->mix, n);
  if (err)
    goto done;
  if (eo.metrics & SB_METRIC_PSPM) {
    err = ensure_pspm(ts, &eo, &sig.ref, msg);
    if (err)
      goto done;
    eo.pspm_track = ts->pspm;
  }
  err = sb_evaluate(&eo, &sig.ref, &sig.est, &sig.mix, res, msg);
  if (!err && note[0]) {
    size_t used = strlen((*res)->note);
    snprintf((*res)->note + used, sizeof (*res)->note - used, "%s%s", used ? "; " : "", note);
  }
done:
  sb_signals_clear(&sig);
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
    err = sb_store_method(store, b->b[k].name, b->b[k].backend, b->b[k].options, &method_ids[k]);
  for (int t = 0; !err && t < suite->n_tracks; t++) {
    const sb_track *track = &suite->tracks[t];
    int64_t track_id;
    n_tracks++;
    err = sb_store_track(store, suite_id, track->name, track->subset, &track_id);
    for (int k = 0; !err && k < b->n; k++) {
      int done = 0;
      if (o->shard_count > 1 &&
          sb_run_item_hash(track->name, b->b[k].name) % (uint64_t)o->shard_count != (uint64_t)(o->shard_index - 1))
        continue;
      sum->n_items++;
      if (!o->force)
        err = sb_store_item_done(store, track_id, method_ids[k], config, &done);
      else
        err = sb_store_item_forget(store, track_id, method_ids[k], config);
      if (done) {
        sum->n_skipped++;
        continue;
      }
      (*items)[n++] = (run_item){track, &b->b[k], track_id, method_ids[k]};
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
    sb_msg msg;
    double t0;
    sb_err item_err;
    sb_msg_clear(&msg);
    t0 = now_s();
    item_err = compute_item(o, &items[i], &ts, &res, &msg);
    /* A command killed by Ctrl-C is not a result: leave it for the resume. */
    if (item_err == SB_EINTERRUPT && stop_requested) {
      sb_eval_result_free(&res);
      break;
    }
    if (item_err && !msg.text[0])
      sb_msg_set(&msg, item_err, "%s / %s: %s", items[i].backend->name, items[i].track->name,
                 sb_strerror(item_err));
#ifdef _OPENMP
#pragma omp critical(sb_store)
#endif
    record_item(o, store, &items[i], res, item_err, &msg, now_s() - t0, run_id, config, prog, sum);
    sb_eval_result_free(&res);
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

sb_err sb_run(const sb_run_opts *o, sb_run_summary *sum, sb_msg *msg)
{
  sb_suite *suite = NULL;
  sb_store *store = NULL;
  backend_list backends = {0};
  run_item *items = NULL;
  int n_items = 0;
  char config[sizeof sum->config], backends_text[512];
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
  sb_err err;
  memset(sum, 0, sizeof *sum);
  stop_requested = 0;
  sb_run_config_key(o, config, sizeof config);
  snprintf(sum->config, sizeof sum->config, "%s", config);
  if (o->shard_count < 0 || (o->shard_count > 0 && (o->shard_index < 1 || o->shard_index > o->shard_count))) {
    err = sb_msg_set(msg, SB_EINVAL, "--shard %d/%d: expected K/N with 1 <= K <= N", o->shard_index, o->shard_count);
    goto done;
  }
  err = backend_list_parse(o, o->backends ? o->backends : "mixture,irm2", &backends, msg);
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
