/*
 * backends/metric_command.c — metrics computed by a program the user has
 * (see backends/metric_command.h for the config and output formats).
 *
 * Like the command backends (backends/command.c), the program sees plain
 * audio files in a fresh folder and sepbench does every conversion; the
 * template is split once, when the file is read, and only placeholders
 * inside words are replaced per run, which keeps hostile track and target
 * names inert.  The program answers on stdout with one JSON object, read by
 * common/json.h.
 */
#include <config.h>

#include "backends/metric_command.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backends/api.h"
#include "backends/argv_template.h"
#include "common/escape.h"
#include "common/ini.h"
#include "common/json.h"
#include "common/paths.h"
#include "common/subprocess.h"
#include "datasets/audio.h"
#include "metrics/metric_config.h"

#define MAX_METRICS 32
/* The most of a program's stdout that is read. */
#define MAX_OUTPUT 65536

struct sb_metric_command {
  char *name;
  char *command;  /* as written */
  char **words;   /* argv template */
  int n_words;
  int per_track;
  int n_metrics;
  char *metrics[MAX_METRICS];
  int rate, channels; /* 0: the track's */
  double timeout_s;
  char *version;
  char *tmpdir;
  int uses_mix;   /* {mix} appears in the template */
};

void sb_metric_command_free(sb_metric_command **mc)
{
  sb_metric_command *c;

  if (!mc || !*mc)
    return;
  c = *mc;
  free(c->name);
  free(c->command);
  sb_template_words_free(c->words, c->n_words);
  for (int k = 0; k < c->n_metrics; k++)
    free(c->metrics[k]);
  free(c->version);
  free(c->tmpdir);
  free(c);
  *mc = NULL;
}

sb_err sb_metric_command_default_config(char *buf, size_t len)
{
  return sb_path_xdg(buf, len, NULL, "XDG_CONFIG_HOME", ".config", "sepbench/metrics.ini");
}

const char *sb_metric_command_template(const sb_metric_command *mc)
{
  return mc ? mc->command : NULL;
}

const char *sb_metric_command_version(const sb_metric_command *mc)
{
  return mc ? mc->version : NULL;
}

int sb_metric_command_per_track(const sb_metric_command *mc)
{
  return mc ? mc->per_track : 0;
}

int sb_metric_command_n_metrics(const sb_metric_command *mc)
{
  return mc ? mc->n_metrics : 0;
}

const char *const *sb_metric_command_metrics(const sb_metric_command *mc)
{
  return mc ? (const char *const *)mc->metrics : NULL;
}

/* ---- the config file --------------------------------------------------- */

/* Adds one declared value name. */
static sb_err add_metric(sb_metric_command *mc, const char *name, const char *where, sb_msg *msg)
{
  sb_msg why;
  sb_err err;

  sb_msg_clear(&why);
  err = sb_backend_check_name("metric", name, "_.+-", &why);
  if (err)
    return sb_msg_set(msg, SB_EFORMAT, "%s: metrics: %s", where, why.text);
  if (sb_metric_name_is_builtin(name))
    return sb_msg_set(msg, SB_EFORMAT, "%s: metrics: '%s' is the name of a sepbench metric", where, name);
  for (int k = 0; k < mc->n_metrics; k++)
    if (strcmp(mc->metrics[k], name) == 0)
      return sb_msg_set(msg, SB_EFORMAT, "%s: metrics: '%s' given twice", where, name);
  if (mc->n_metrics == MAX_METRICS)
    return sb_msg_set(msg, SB_EFORMAT, "%s: metrics: more than %d", where, MAX_METRICS);
  mc->metrics[mc->n_metrics] = strdup(name);
  return mc->metrics[mc->n_metrics++] ? SB_OK : sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", where);
}

/* Parses "A, B, ..." into the declared names. */
static sb_err parse_metrics(sb_metric_command *mc, char *value, const char *where, sb_msg *msg)
{
  char *save = NULL;
  sb_err err = SB_OK;
  for (char *item = strtok_r(value, ",", &save); item && !err; item = strtok_r(NULL, ",", &save))
    err = add_metric(mc, sb_ini_trim(item), where, msg);
  if (!err && mc->n_metrics == 0)
    err = sb_msg_set(msg, SB_EFORMAT, "%s: metrics is empty", where);
  return err;
}

static sb_err set_text(char **field, const char *value, const char *where, sb_msg *msg)
{
  *field = strdup(value);
  return *field ? SB_OK : sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", where);
}

/* One key of section [metric NAME] (ctx: the metric being filled). */
static sb_err read_key(void *ctx, const sb_ini_item *item, sb_msg *msg)
{
  static const char *const keys[] = {"command", "metrics", "per", "rate", "channels", "timeout", "version", "tmpdir"};
  sb_metric_command *mc = ctx;
  const char *key = item->key, *where = item->where;
  char *value = item->value;
  double number = 0;
  unsigned k;
  sb_err err;

  for (k = 0; k < sizeof keys / sizeof *keys; k++)
    if (strcmp(key, keys[k]) == 0)
      break;
  switch (k) {
  case 0:
    err = set_text(&mc->command, value, where, msg);
    if (!err && (err = sb_template_split(value, &mc->words, &mc->n_words)) == SB_EFORMAT)
      return sb_msg_set(msg, err, "%s: command: unbalanced quote", where);
    if (!err && mc->n_words == 0)
      return sb_msg_set(msg, SB_EFORMAT, "%s: command is empty", where);
    return err == SB_ENOMEM ? sb_msg_set(msg, err, "%s: out of memory", where) : err;
  case 1:
    return parse_metrics(mc, value, where, msg);
  case 2:
    if (strcmp(value, "target") != 0 && strcmp(value, "track") != 0)
      return sb_msg_set(msg, SB_EFORMAT, "%s: per = '%s': expected target or track", where, value);
    mc->per_track = strcmp(value, "track") == 0;
    return SB_OK;
  case 3:
  case 4:
    err = k == 3 ? sb_ini_parse_number(value, 1000, 768000, 1, &number, where, key, msg)
                 : sb_ini_parse_number(value, 1, 2, 1, &number, where, key, msg);
    *(k == 3 ? &mc->rate : &mc->channels) = (int)number;
    return err;
  case 5:
    return sb_ini_parse_number(value, 0.001, 1e7, 0, &mc->timeout_s, where, key, msg);
  case 6:
    if (!*value || strchr(value, ';'))
      return sb_msg_set(msg, SB_EFORMAT, "%s: version = '%s': expected a non-empty text without ';'", where, value);
    free(mc->version);
    return set_text(&mc->version, value, where, msg);
  case 7:
    return set_text(&mc->tmpdir, value, where, msg);
  default:
    return sb_msg_set(msg, SB_EFORMAT,
                      "%s: unknown key '%s' (known: command, metrics, per, rate, channels, timeout, version, tmpdir)",
                      where, key);
  }
}

/* The checks that need the whole section: a command, its placeholders for
 * the chosen `per`, and the default value name. */
static sb_err finish_config(sb_metric_command *mc, const char *path, sb_msg *msg)
{
  char where[PATH_MAX + 80], bad[96];

  snprintf(where, sizeof where, "%s: [metric %s]", path, mc->name);
  if (!mc->command)
    return sb_msg_set(msg, SB_EFORMAT, "%s needs a command", where);
  if (!sb_template_check(mc->command, mc->per_track ? "ref est mix rate channels track"
                                                    : "ref est mix rate channels track target",
                         bad, sizeof bad))
    return sb_msg_set(msg, SB_EFORMAT, "%s: command: %s%s", where, bad,
                      mc->per_track && strstr(bad, "{target}") ? " (per = track runs once for every target)" : "");
  mc->uses_mix = strstr(mc->command, "{mix}") != NULL;
  return mc->n_metrics ? SB_OK : add_metric(mc, mc->name, where, msg);
}

sb_err sb_metric_command_load(const char *config_path, const char *name, sb_metric_command **out, sb_msg *msg)
{
  sb_metric_command *mc = NULL;
  char default_path[PATH_MAX] = "";
  sb_err err;

  if (!out || !name || !*name)
    return sb_msg_set(msg, SB_EINVAL, "--metric-command: no metric name");
  *out = NULL;
  if (!config_path && sb_metric_command_default_config(default_path, sizeof default_path) != SB_OK)
    default_path[0] = '\0';
  err = sb_ini_config_file(config_path, default_path, "metric config file", "metric config", "--metric-config", name,
                           &config_path, msg);
  if (err)
    return err;
  mc = calloc(1, sizeof *mc);
  if (!mc)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", config_path);
  mc->timeout_s = 3600;
  mc->name = strdup(name);
  mc->version = strdup("1");
  err = mc->name && mc->version ? sb_ini_parse_section_file(config_path, "metric", name, read_key, mc, msg)
                                : sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", config_path);
  if (!err)
    err = finish_config(mc, config_path, msg);
  if (err) {
    sb_metric_command_free(&mc);
    return err;
  }
  *out = mc;
  return SB_OK;
}

/* ---- the program's output ------------------------------------------------ */

/* The first bytes of text for a message, control characters as blanks. */
static void preview(const char *text, size_t len, char *buf, size_t buf_len)
{
  size_t n = len < buf_len - 4 ? len : buf_len - 4, i;
  for (i = 0; i < n; i++)
    buf[i] = sb_control_char((unsigned char)text[i]) ? ' ' : text[i];
  strcpy(buf + i, n < len ? "..." : "");
}

/* Index of name among the declared names, or -1. */
static int declared(const sb_metric_command *mc, const char *name)
{
  for (int k = 0; k < mc->n_metrics; k++)
    if (strcmp(mc->metrics[k], name) == 0)
      return k;
  return -1;
}

/* Reads the object of a parsed output into values (n_metrics). */
static sb_err read_object(const sb_metric_command *mc, const sb_json *obj, double *values, sb_msg *msg)
{
  unsigned char seen[MAX_METRICS] = {0};
  for (size_t i = 0; i < obj->n; i++) {
    const int k = declared(mc, obj->keys[i]);
    const sb_json *v = obj->items[i];
    if (k < 0) {
      char names[400];
      size_t used = 0;
      for (int d = 0; d < mc->n_metrics && used < sizeof names; d++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", d ? ", " : "", mc->metrics[d]);
      return sb_msg_set(msg, SB_EFORMAT, "unexpected key '%.80s' in the output (declared: %s)", obj->keys[i], names);
    }
    if (seen[k]++)
      return sb_msg_set(msg, SB_EFORMAT, "key '%s' given twice in the output", mc->metrics[k]);
    if (v->type != SB_JSON_NUMBER && v->type != SB_JSON_NULL)
      return sb_msg_set(msg, SB_EFORMAT, "'%s' in the output is not a number", mc->metrics[k]);
    values[k] = v->type == SB_JSON_NULL ? NAN : v->number;
  }
  for (int k = 0; k < mc->n_metrics; k++)
    if (!seen[k])
      return sb_msg_set(msg, SB_EFORMAT, "no value '%s' in the output", mc->metrics[k]);
  return SB_OK;
}

/* Parses the program's stdout into values (n_metrics); values is written
 * only when the whole output is right. */
static sb_err parse_output(const sb_metric_command *mc, const char *text, size_t len, double *values, sb_msg *msg)
{
  double got[MAX_METRICS];
  char shown[100];
  sb_json *json = NULL;
  sb_msg why;
  sb_err err;

  preview(text ? text : "", text ? len : 0, shown, sizeof shown);
  if (!text || strspn(text, " \t\r\n") == len)
    return sb_msg_set(msg, SB_EFORMAT, "printed nothing (expected a JSON object like {\"%s\": 3.1})", mc->metrics[0]);
  if (len >= MAX_OUTPUT)
    return sb_msg_set(msg, SB_EFORMAT, "printed more than %d bytes: %s", MAX_OUTPUT, shown);
  sb_msg_clear(&why);
  err = sb_json_parse(text, len, &json, &why);
  if (err == SB_EFORMAT)
    return sb_msg_set(msg, err, "output is not JSON (%s): %s", why.text, shown);
  if (err)
    return err;
  if (json->type != SB_JSON_OBJECT)
    err = sb_msg_set(msg, SB_EFORMAT, "expected a JSON object like {\"%s\": 3.1}, got: %s", mc->metrics[0], shown);
  else
    err = read_object(mc, json, got, msg);
  sb_json_free(&json);
  if (!err)
    memcpy(values, got, (size_t)mc->n_metrics * sizeof *values);
  return err;
}

/* ---- one item ------------------------------------------------------------ */

/* Writes n_chan x n_samples of data, converted for the program, to path. */
static sb_err write_signal(const sb_metric_command *mc, const sb_metric_job *job, const double *data,
                           const char *path, sb_msg *msg)
{
  sb_audio *a = NULL, *converted = NULL;
  sb_err err = sb_audio_new(&a, job->n_chan, job->n_samples, job->rate);
  if (err)
    return err;
  memcpy(a->data, data, (size_t)job->n_chan * (size_t)job->n_samples * sizeof *a->data);
  err = sb_audio_convert(a, mc->channels ? mc->channels : job->n_chan, mc->rate ? mc->rate : job->rate, &converted,
                         msg);
  if (!err)
    err = sb_audio_write(path, converted, SB_FLOAT32, msg);
  sb_audio_free(&a);
  sb_audio_free(&converted);
  return err;
}

/* A target name that can be a file name in the program's folders. */
static int file_name_ok(const char *name)
{
  return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
         strlen(name) < 200;
}

/* The files of one item under dir: ref/T.wav, est/T.wav for every target,
 * and mix.wav when the template uses it. */
static sb_err write_inputs(const sb_metric_command *mc, const sb_metric_job *job, const char *dir, sb_msg *msg)
{
  char path[PATH_MAX + 256];
  sb_err err = SB_OK;

  for (int side = 0; side < 2 && !err; side++) {
    snprintf(path, sizeof path, "%s/%s", dir, side ? "est" : "ref");
    if (mkdir(path, 0700) != 0)
      return sb_msg_set(msg, SB_EIO, "cannot create %s: %s", path, strerror(errno));
    for (int t = 0; t < job->n_targets && !err; t++) {
      snprintf(path, sizeof path, "%s/%s/%s.wav", dir, side ? "est" : "ref", job->targets[t]);
      err = write_signal(mc, job, side ? job->ests[t] : job->refs[t], path, msg);
    }
  }
  if (!err && mc->uses_mix) {
    snprintf(path, sizeof path, "%s/mix.wav", dir);
    err = write_signal(mc, job, job->mix, path, msg);
  }
  return err;
}

/* One program run with the placeholders of target t (t < 0: per track);
 * its values go to values (n_metrics). */
static sb_err run_once(const sb_metric_command *mc, const sb_metric_job *job, const char *dir, int t,
                       const volatile sig_atomic_t *cancel, double *values, sb_msg *msg)
{
  char ref[PATH_MAX + 256], est[PATH_MAX + 256], mix[PATH_MAX + 16], rate[16], channels[16], how[600];
  const char *target = t >= 0 ? job->targets[t] : NULL;
  sb_subprocess_io io = {.output_limit = MAX_OUTPUT};
  sb_subprocess_result *res = malloc(sizeof *res);
  char **argv = NULL;
  sb_err err;

  snprintf(ref, sizeof ref, "%s/ref%s%s%s", dir, target ? "/" : "", target ? target : "", target ? ".wav" : "");
  snprintf(est, sizeof est, "%s/est%s%s%s", dir, target ? "/" : "", target ? target : "", target ? ".wav" : "");
  snprintf(mix, sizeof mix, "%s/mix.wav", dir);
  snprintf(rate, sizeof rate, "%d", mc->rate ? mc->rate : job->rate);
  snprintf(channels, sizeof channels, "%d", mc->channels ? mc->channels : job->n_chan);
  {
    const sb_template_var vars[] = {{"ref", ref},         {"est", est},   {"mix", mix},       {"rate", rate},
                                    {"channels", channels}, {"track", job->track}, {"target", target}};
    argv = sb_template_argv(mc->words, mc->n_words, vars, sizeof vars / sizeof vars[0]);
  }
  if (!argv || !res) {
    err = SB_ENOMEM;
    goto done;
  }
  err = sb_subprocess_run_io(argv, NULL, mc->timeout_s, cancel, &io, res, msg);
  if (err)
    goto done;
  if (res->timed_out || !res->exited || res->exit_status != 0) {
    sb_subprocess_describe(res, mc->timeout_s, how, sizeof how);
    err = sb_msg_set(msg, res->timed_out ? SB_ETIMEOUT : SB_EBACKEND, "%s", how);
    goto done;
  }
  err = parse_output(mc, io.output, io.output_len, values, msg);
done:
  free(io.output);
  free(io.errors);
  sb_template_words_free(argv, mc->n_words);
  free(res);
  return err;
}

/* Checks the shape of a job.  SB_EINVAL (msg says what). */
static sb_err check_job(const sb_metric_command *mc, const sb_metric_job *job, sb_msg *msg)
{
  if (job->n_targets < 1 || job->n_chan < 1 || job->n_samples < 1 || !job->targets || !job->refs || !job->ests ||
      !job->target_values || !job->track_values)
    return sb_msg_set(msg, SB_EINVAL, "an empty or malformed job");
  for (int t = 0; t < job->n_targets; t++) {
    if (!file_name_ok(job->targets[t]))
      return sb_msg_set(msg, SB_EINVAL, "target name '%.80s' cannot be a file name",
                        job->targets[t] ? job->targets[t] : "(null)");
    if (!job->refs[t] || !job->ests[t])
      return sb_msg_set(msg, SB_EINVAL, "no signal for target '%s'", job->targets[t]);
  }
  if (mc->uses_mix && !job->mix)
    return sb_msg_set(msg, SB_EBACKEND, "the track has no mixture for {mix}");
  return SB_OK;
}

sb_err sb_metric_command_compute(const sb_metric_command *mc, const sb_metric_job *job,
                                 const volatile sig_atomic_t *cancel, sb_msg *msg)
{
  char dir[PATH_MAX];
  const char *track;
  int t = -1;
  sb_msg why;
  sb_err err;

  if (!mc || !job)
    return sb_msg_set(msg, SB_EINVAL, "metric command: NULL argument");
  track = job->track ? job->track : "?";
  sb_msg_clear(&why);
  err = check_job(mc, job, &why);
  if (err)
    return sb_msg_set(msg, err, "cmd:%s on '%s': %s", mc->name, track, why.text);
  err = sb_path_make_temp_dir(mc->tmpdir, "sepbench-metric", dir, sizeof dir, &why);
  if (err)
    return sb_msg_set(msg, err, "cmd:%s: %s", mc->name, why.text);
  err = write_inputs(mc, job, dir, &why);
  if (!err && mc->per_track)
    err = run_once(mc, job, dir, -1, cancel, job->track_values, &why);
  for (t = 0; !err && !mc->per_track && t < job->n_targets; t++)
    err = run_once(mc, job, dir, t, cancel, job->target_values + (size_t)t * (size_t)mc->n_metrics, &why);
  sb_path_remove_tree(dir);
  if (err == SB_ENOMEM && !why.text[0])
    sb_msg_set(&why, err, "out of memory");
  if (err && !mc->per_track && t >= 1 && t <= job->n_targets)
    return sb_msg_set(msg, err, "cmd:%s on '%s', target '%s': %s", mc->name, track, job->targets[t - 1], why.text);
  if (err)
    return sb_msg_set(msg, err, "cmd:%s on '%s': %s", mc->name, track, why.text);
  return SB_OK;
}
