/*
 * api/store.c — the store half of the public C API
 * (include/sepbench/sepbench.h) over schemas/'s typed API: opening,
 * listing runs, items and values (each row copied into the public struct
 * of the same fields) and filing a sepbench_result as an item under the
 * configuration key of its options (metrics/metric_config.h), the key
 * `sepbench run` and `sepbench leaderboard` use.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sepbench/sepbench.h"
#include "api/result.h"
#include "metrics/metric_config.h"
#include "schemas/store.h"
#include "schemas/store_read.h"

struct sepbench_store {
  sb_store *s;
  int mode; /* SEPBENCH_STORE_* */
};

/* A listing's callback and context, for the adapters below. */
typedef struct lister {
  void *ctx;
  union {
    sepbench_run_fn run;
    sepbench_item_fn item;
    sepbench_value_fn value;
  } fn;
} lister;

sb_err sepbench_store_open(const char *path, int mode, sepbench_store **out, sb_msg *msg)
{
  sepbench_store *h;
  sb_err err;

  if (!out)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_open: NULL result pointer");
  *out = NULL;
  if (!path || (mode != SEPBENCH_STORE_READ && mode != SEPBENCH_STORE_WRITE))
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_open: NULL path or mode out of range");
  h = calloc(1, sizeof *h);
  if (!h)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
  h->mode = mode;
  err = mode == SEPBENCH_STORE_WRITE ? sb_store_open(path, &h->s, msg) : sb_store_open_existing(path, &h->s, msg);
  if (err != SB_OK) {
    free(h);
    return err;
  }
  *out = h;
  return SB_OK;
}

void sepbench_store_close(sepbench_store **s)
{
  if (!s || !*s)
    return;
  sb_store_free(&(*s)->s);
  free(*s);
  *s = NULL;
}

/* SB_EINVAL for a NULL handle and, when writing, a store opened for
 * reading. */
static sb_err check_handle(const sepbench_store *s, int writing, const char *fn, sb_msg *msg)
{
  if (!s)
    return sb_msg_set(msg, SB_EINVAL, "%s: NULL store", fn);
  if (writing && s->mode != SEPBENCH_STORE_WRITE)
    return sb_msg_set(msg, SB_EINVAL, "%s: the store was opened for reading", fn);
  return SB_OK;
}

/* err of a schemas/ call without an sb_msg, with its text in msg. */
static sb_err store_err(const sepbench_store *s, sb_err err, sb_msg *msg)
{
  if (err != SB_OK)
    sb_msg_set(msg, err, "%s", sb_store_errmsg(s->s)[0] ? sb_store_errmsg(s->s) : sb_strerror(err));
  return err;
}

sb_err sepbench_store_newest_config(sepbench_store *s, const char *suite, const char *metric, char *buf,
                                    size_t len, sb_msg *msg)
{
  char *config = NULL;
  sb_err err = check_handle(s, 0, "sepbench_store_newest_config", msg);

  if (err != SB_OK)
    return err;
  if (!metric || !buf || len == 0)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_newest_config: NULL metric or no buffer");
  buf[0] = '\0';
  err = sb_store_newest_config(s->s, suite, metric, SB_STORE_FRAMES, &config, msg);
  if (err == SB_OK && !config)
    err = sb_store_newest_config(s->s, suite, metric, SB_STORE_TRACKS, &config, msg);
  if (err == SB_OK && config && strlen(config) >= len)
    err = sb_msg_set(msg, SB_ELENGTH, "sepbench_store_newest_config: the key needs %zu bytes", strlen(config) + 1);
  else if (err == SB_OK && config)
    memcpy(buf, config, strlen(config) + 1);
  free(config);
  return err;
}

static sb_err run_row(void *ctx, const sb_store_run *in, sb_msg *msg)
{
  const lister *l = ctx;
  sepbench_run r = {in->id, in->started_at, in->ended_at, in->status, in->sepbench_version, in->git_revision,
                    in->host, in->command, in->suite, in->backends, in->metric_params};

  return l->fn.run(l->ctx, &r, msg);
}

sb_err sepbench_store_runs(sepbench_store *s, const char *config, sepbench_run_fn fn, void *ctx, sb_msg *msg)
{
  lister l;
  sb_err err = check_handle(s, 0, "sepbench_store_runs", msg);

  if (err != SB_OK)
    return err;
  if (!fn)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_runs: NULL callback");
  l.ctx = ctx;
  l.fn.run = fn;
  return sb_store_each_run(s->s, config, run_row, &l, msg);
}

static sb_err item_row(void *ctx, const sb_store_item *in, sb_msg *msg)
{
  const lister *l = ctx;
  sepbench_item it = {in->id, in->suite, in->method, in->track, in->subset};

  return l->fn.item(l->ctx, &it, msg);
}

sb_err sepbench_store_items(sepbench_store *s, const char *suite, const char *config, const char *method,
                            sepbench_item_fn fn, void *ctx, sb_msg *msg)
{
  lister l;
  sb_err err = check_handle(s, 0, "sepbench_store_items", msg);

  if (err != SB_OK)
    return err;
  if (!fn || !config)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_items: NULL config or callback");
  l.ctx = ctx;
  l.fn.item = fn;
  return sb_store_each_item(s->s, suite, config, method, item_row, &l, msg);
}

static sb_err value_row(void *ctx, const sb_store_item_value *in, sb_msg *msg)
{
  const lister *l = ctx;
  sepbench_value v = {in->target, in->metric, in->frame, in->time_s, in->duration_s, in->value};

  return l->fn.value(l->ctx, &v, msg);
}

sb_err sepbench_store_values(sepbench_store *s, int64_t item_id, int per_track, sepbench_value_fn fn, void *ctx,
                             sb_msg *msg)
{
  lister l;
  sb_err err = check_handle(s, 0, "sepbench_store_values", msg);

  if (err != SB_OK)
    return err;
  if (!fn)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_values: NULL callback");
  l.ctx = ctx;
  l.fn.value = fn;
  return sb_store_each_item_value(s->s, item_id, per_track ? SB_STORE_TRACKS : SB_STORE_FRAMES, value_row, &l,
                                  msg);
}

sb_err sepbench_store_run_begin(sepbench_store *s, const char *command, const char *suite, const char *methods,
                                int64_t *run_id, sb_msg *msg)
{
  sb_run_info info = {command, suite, methods, NULL};
  sb_err err = check_handle(s, 1, "sepbench_store_run_begin", msg);

  if (err != SB_OK)
    return err;
  if (!run_id)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_run_begin: NULL run id pointer");
  return store_err(s, sb_store_run_begin(s->s, &info, run_id), msg);
}

sb_err sepbench_store_run_end(sepbench_store *s, int64_t run_id, const char *status, sb_msg *msg)
{
  sb_err err = check_handle(s, 1, "sepbench_store_run_end", msg);

  if (err != SB_OK)
    return err;
  if (!status)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_run_end: NULL status");
  err = sb_store_run_end(s->s, run_id, status);
  if (err == SB_EINVAL)
    return sb_msg_set(msg, err, "sepbench_store_run_end: unknown status '%s'", status);
  if (err == SB_ENOTFOUND)
    return sb_msg_set(msg, err, "sepbench_store_run_end: no run %lld", (long long)run_id);
  return store_err(s, err, msg);
}

/* The configuration key of the options r was computed with. */
static sb_err config_key(const sepbench_result *r, char *buf, size_t len, sb_msg *msg)
{
  sb_metric_config c;
  sb_err err;

  sb_metric_config_default(&c);
  c.eval = r->opts;
  c.win_s = r->opts.win > 0 ? (double)r->opts.win / r->r->rate : 0.0;
  c.hop_s = r->opts.win > 0 ? (double)r->opts.hop / r->r->rate : 0.0;
  err = sb_metric_config_key(&c, buf, len);
  return err != SB_OK ? sb_msg_set(msg, err, "sepbench_store_put: the options have no configuration key") : SB_OK;
}

/* The ids of the item's suite, track and method, created when new. */
static sb_err item_ids(sepbench_store *s, const sepbench_item_info *info, sb_item_record *rec, sb_msg *msg)
{
  int64_t suite_id;
  sb_err err = sb_store_suite(s->s, info->suite, "python", NULL, &suite_id);

  if (err == SB_OK)
    err = sb_store_track(s->s, suite_id, info->track, info->subset, &rec->track_id);
  if (err == SB_OK)
    err = sb_store_method(s->s, info->method, "python", NULL, &rec->method_id);
  return store_err(s, err, msg);
}

sb_err sepbench_store_put(sepbench_store *s, const sepbench_item_info *info, const sepbench_result *r, sb_msg *msg)
{
  char config[1024];
  sb_item_record rec;
  sb_err err = check_handle(s, 1, "sepbench_store_put", msg);

  if (err != SB_OK)
    return err;
  if (!info || !r || !info->suite || !info->track || !info->method || !info->targets)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_put: NULL result, suite, track, method or targets");
  if (info->n_targets != r->r->n_src)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_put: %d target names for %d sources", info->n_targets,
                      r->r->n_src);
  if (r->frame_perm || r->r->rate <= 0)
    return sb_msg_set(msg, SB_EINVAL, "sepbench_store_put: a result with per-frame permutations or no sample rate "
                                      "cannot be stored");
  if ((err = config_key(r, config, sizeof config, msg)) != SB_OK)
    return err;
  memset(&rec, 0, sizeof rec);
  if ((err = item_ids(s, info, &rec, msg)) != SB_OK)
    return err;
  rec.run_id = info->run_id;
  rec.config = config;
  rec.n_targets = info->n_targets;
  rec.targets = info->targets;
  rec.result = r->r;
  rec.wall_s = info->wall_s;
  rec.peak_rss_kb = -1;
  return sb_store_put_item(s->s, &rec, msg);
}
