/*
 * backends/command.c — external separator programs run from an
 * argv template (see backends/command.h for the config format).
 *
 * The design follows the MDX/SDX challenge harnesses and museval's
 * estimates layout: the program sees plain audio files and writes one file
 * per stem; sepbench does every conversion, so the program's rate and
 * channel count never leak into the scores.  Templates are split into
 * words once, when the file is read; per item only placeholders inside
 * words are replaced, which is what keeps hostile track names inert.
 */
#include <config.h>

#include "backends/command.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/audio.h"
#include "datasets/track_audio.h"
#include "backends/api.h"
#include "backends/argv_template.h"
#include "common/ini.h"
#include "common/paths.h"
#include "common/subprocess.h"

#define MAX_STEMS 32

struct sb_command_backend {
  char *name;
  char *command;  /* as written */
  char **words;   /* argv template, n_words + NULL */
  int n_words;
  char *outputs;
  int n_stems;
  char *stem_names[MAX_STEMS];   /* program's names */
  char *stem_targets[MAX_STEMS]; /* sepbench's targets */
  int rate, channels;
  double timeout_s;
  int retries;
  char *tmpdir;
};

/* Values of the placeholders for one item. */
typedef struct template_vars {
  const char *input, *outdir, *track, *stem;
  char rate[16], channels[16];
} template_vars;

/* The placeholders of v as sb_template_var entries, expanded into text. */
static char *expand(const char *text, const template_vars *v)
{
  const sb_template_var table[] = {{"input", v->input}, {"outdir", v->outdir},     {"track", v->track},
                                   {"stem", v->stem},   {"rate", v->rate},         {"channels", v->channels}};
  return sb_template_expand(text, table, sizeof table / sizeof table[0]);
}

void sb_command_backend_free(sb_command_backend **cb)
{
  sb_command_backend *c;

  if (!cb || !*cb)
    return;
  c = *cb;
  free(c->name);
  free(c->command);
  sb_template_words_free(c->words, c->n_words);
  free(c->outputs);
  for (int i = 0; i < c->n_stems; i++) {
    free(c->stem_names[i]);
    free(c->stem_targets[i]);
  }
  free(c->tmpdir);
  free(c);
  *cb = NULL;
}

const char *sb_command_backend_command(const sb_command_backend *cb)
{
  return cb ? cb->command : NULL;
}

sb_err sb_command_backend_default_config(char *buf, size_t len)
{
  return sb_path_xdg(buf, len, NULL, "XDG_CONFIG_HOME", ".config", "sepbench/backends.ini");
}

/* ---- templates --------------------------------------------------------- */

/* An outputs template names fresh files of the program, so it must stay
 * under {outdir} (a folder made empty before every attempt): it starts
 * with "{outdir}/" and no component is "..".  Otherwise a program that
 * wrote nothing could be scored on files left from another run. */
static int outputs_under_outdir(const char *text)
{
  static const char prefix[] = "{outdir}/";
  if (strncmp(text, prefix, sizeof prefix - 1) != 0)
    return 0;
  for (const char *c = text + sizeof prefix - 2; c; c = strchr(c + 1, '/'))
    if (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0'))
      return 0;
  return 1;
}

/* The placeholder values of one item ({stem} left out). */
static template_vars item_vars(const sb_command_backend *cb, const char *input, const char *outdir,
                               const char *track)
{
  template_vars v = {.input = input, .outdir = outdir, .track = track ? track : ""};
  snprintf(v.rate, sizeof v.rate, "%d", cb->rate);
  snprintf(v.channels, sizeof v.channels, "%d", cb->channels);
  return v;
}

sb_err sb_command_backend_argv(const sb_command_backend *cb, const char *input, const char *outdir,
                               const char *track, char ***argv)
{
  template_vars v;

  if (!argv)
    return SB_EINVAL;
  *argv = NULL;
  if (!cb || !input || !outdir)
    return SB_EINVAL;
  v = item_vars(cb, input, outdir, track);
  {
    const sb_template_var table[] = {{"input", v.input}, {"outdir", v.outdir},    {"track", v.track},
                                     {"rate", v.rate},   {"channels", v.channels}};
    *argv = sb_template_argv(cb->words, cb->n_words, table, sizeof table / sizeof table[0]);
  }
  return *argv ? SB_OK : SB_ENOMEM;
}

void sb_command_backend_free_argv(char ***argv)
{
  if (!argv || !*argv)
    return;
  for (char **word = *argv; *word; word++)
    free(*word);
  free(*argv);
  *argv = NULL;
}

sb_err sb_command_backend_output(const sb_command_backend *cb, const char *outdir, const char *track,
                                 const char *stem, char **path)
{
  template_vars v;

  if (!path)
    return SB_EINVAL;
  *path = NULL;
  if (!cb || !outdir || !stem)
    return SB_EINVAL;
  v = item_vars(cb, NULL, outdir, track);
  v.stem = stem;
  *path = expand(cb->outputs, &v);
  return *path ? SB_OK : SB_ENOMEM;
}

/* ---- the config file --------------------------------------------------- */

/* Parses "stem, stem=target, ..." into cb. */
static sb_err parse_stems(sb_command_backend *cb, char *value, const char *where, sb_msg *msg)
{
  char *save = NULL;
  for (char *item = strtok_r(value, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(item, '='), *stem, *target;
    if (eq)
      *eq = '\0';
    stem = sb_ini_trim(item);
    target = eq ? sb_ini_trim(eq + 1) : stem;
    if (!*stem || !*target)
      return sb_msg_set(msg, SB_EFORMAT, "%s: stems: empty stem or target name", where);
    if (cb->n_stems == MAX_STEMS)
      return sb_msg_set(msg, SB_EFORMAT, "%s: stems: more than %d", where, MAX_STEMS);
    for (int i = 0; i < cb->n_stems; i++)
      if (strcmp(cb->stem_targets[i], target) == 0)
        return sb_msg_set(msg, SB_EFORMAT, "%s: stems: target '%s' given twice", where, target);
    cb->stem_names[cb->n_stems] = strdup(stem);
    cb->stem_targets[cb->n_stems] = strdup(target);
    cb->n_stems++;
    if (!cb->stem_names[cb->n_stems - 1] || !cb->stem_targets[cb->n_stems - 1])
      return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", where);
  }
  return SB_OK;
}

/* Applies one key of the wanted section (the INI reader refuses a key
 * given twice). */
static sb_err apply_key(sb_command_backend *cb, const char *key, char *value, const char *where, sb_msg *msg)
{
  static const char *const keys[] = {"command", "outputs", "stems", "rate", "channels", "timeout", "retries", "tmpdir"};
  char bad[64];
  double number;
  unsigned k;
  sb_err err;

  for (k = 0; k < sizeof keys / sizeof *keys; k++)
    if (strcmp(key, keys[k]) == 0)
      break;
  switch (k) {
  case 0:
    if (!sb_template_check(value, "input outdir track rate channels", bad, sizeof bad))
      return sb_msg_set(msg, SB_EFORMAT, "%s: command: %s", where, bad);
    cb->command = strdup(value);
    if (!cb->command)
      return SB_ENOMEM;
    err = sb_template_split(value, &cb->words, &cb->n_words);
    if (err == SB_EFORMAT)
      return sb_msg_set(msg, err, "%s: command: unbalanced quote", where);
    if (err)
      return err;
    if (cb->n_words == 0)
      return sb_msg_set(msg, SB_EFORMAT, "%s: command is empty", where);
    return SB_OK;
  case 1:
    if (!sb_template_check(value, "outdir track stem rate channels", bad, sizeof bad))
      return sb_msg_set(msg, SB_EFORMAT, "%s: outputs: %s", where, bad);
    if (!strstr(value, "{stem}"))
      return sb_msg_set(msg, SB_EFORMAT, "%s: outputs must contain {stem}", where);
    if (!outputs_under_outdir(value))
      return sb_msg_set(msg, SB_EFORMAT, "%s: outputs = '%s': must be a path under {outdir} ({outdir}/..., no '..')",
                        where, value);
    cb->outputs = strdup(value);
    return cb->outputs ? SB_OK : SB_ENOMEM;
  case 2:
    return parse_stems(cb, value, where, msg);
  case 3:
    err = sb_ini_parse_number(value, 1000, 768000, 1, &number, where, key, msg);
    cb->rate = (int)number;
    return err;
  case 4:
    err = sb_ini_parse_number(value, 1, 2, 1, &number, where, key, msg);
    cb->channels = (int)number;
    return err;
  case 5:
    return sb_ini_parse_number(value, 0.001, 1e7, 0, &cb->timeout_s, where, key, msg);
  case 6:
    err = sb_ini_parse_number(value, 0, 10, 1, &number, where, key, msg);
    cb->retries = (int)number;
    return err;
  case 7:
    cb->tmpdir = strdup(value);
    return cb->tmpdir ? SB_OK : SB_ENOMEM;
  default:
    return sb_msg_set(msg, SB_EFORMAT,
                      "%s: unknown key '%s' (known: command, outputs, stems, rate, channels, timeout, retries, tmpdir)",
                      where, key);
  }
}

/* One key of section [backend NAME] (ctx: the backend being filled). */
static sb_err read_key(void *ctx, const sb_ini_item *item, sb_msg *msg)
{
  return apply_key(ctx, item->key, item->value, item->where, msg);
}

/* Reads the file; fills cb from section [backend name]. */
static sb_err read_config(const char *path, const char *name, sb_command_backend *cb, sb_msg *msg)
{
  sb_err err = sb_ini_parse_section_file(path, "backend", name, read_key, cb, msg);

  if (err)
    return err;
  if (!cb->command || !cb->outputs || !cb->rate || !cb->channels)
    return sb_msg_set(msg, SB_EFORMAT, "%s: [backend %s] needs command, outputs, rate and channels", path, name);
  return SB_OK;
}

sb_err sb_command_backend_load(const char *config_path, const char *name, sb_command_backend **out, sb_msg *msg)
{
  sb_command_backend *cb = NULL;
  char default_path[PATH_MAX] = "";
  sb_err err;

  if (!out || !name || !*name)
    return sb_msg_set(msg, SB_EINVAL, "cmd: no backend name (expected cmd:NAME)");
  *out = NULL;
  if (!config_path && sb_command_backend_default_config(default_path, sizeof default_path) != SB_OK)
    default_path[0] = '\0';
  err = sb_ini_config_file(config_path, default_path, "config file", "backend config", "--backend-config", name,
                           &config_path, msg);
  if (err)
    return err;
  cb = calloc(1, sizeof *cb);
  if (!cb)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", config_path);
  cb->timeout_s = 3600;
  cb->name = strdup(name);
  err = cb->name ? read_config(config_path, name, cb, msg) : sb_msg_set(msg, SB_ENOMEM, "%s: out of memory",
                                                                        config_path);
  if (err) {
    sb_command_backend_free(&cb);
    return err;
  }
  *out = cb;
  return SB_OK;
}

/* ---- one item ---------------------------------------------------------- */

/* Writes the converted mixture to path. */
static sb_err write_input(const sb_command_backend *cb, const sb_separation *job, const char *path, sb_msg *msg)
{
  sb_audio *mix = NULL, *converted = NULL;
  sb_err err = sb_audio_new(&mix, job->n_chan, job->n_samples, job->rate);

  if (err)
    return err;
  memcpy(mix->data, job->mix, (size_t)job->n_chan * (size_t)job->n_samples * sizeof *mix->data);
  err = sb_audio_convert(mix, cb->channels, cb->rate, &converted, msg);
  if (!err)
    err = sb_audio_write(path, converted, SB_FLOAT32, msg);
  sb_audio_free(&mix);
  sb_audio_free(&converted);
  return err;
}

/* Checks that path, an output the program wrote, is a regular file (not a
 * symbolic link) whose real path lies under outdir, so that values a track
 * or stem name carries ("..", '/') or a link cannot bring in older files.
 * SB_EFORMAT otherwise. */
static sb_err fresh_output(const char *path, const char *outdir, const char *stem, sb_msg *msg)
{
  char real_dir[PATH_MAX], real_path[PATH_MAX];
  struct stat st;
  size_t n;
  if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return sb_msg_set(msg, SB_EFORMAT, "output for stem '%s' is not a file the program wrote: %s", stem, path);
  if (!realpath(outdir, real_dir) || !realpath(path, real_path))
    return sb_msg_set(msg, SB_EFORMAT, "output for stem '%s': %s: %s", stem, path, strerror(errno));
  n = strlen(real_dir);
  if (strncmp(real_path, real_dir, n) != 0 || real_path[n] != '/')
    return sb_msg_set(msg, SB_EFORMAT, "output for stem '%s' is outside {outdir}: %s", stem, path);
  return SB_OK;
}

/* Reads the output of the program's stem into est (converted, fitted). */
static sb_err read_output(const sb_command_backend *cb, const sb_separation *job, const template_vars *base,
                          const char *stem, double *est, sb_msg *msg)
{
  sb_audio *raw = NULL, *fitted = NULL;
  char *path;
  int64_t refit;
  sb_err err = sb_command_backend_output(cb, base->outdir, base->track, stem, &path);

  if (err)
    return err;
  if (access(path, F_OK) != 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "missing output for stem '%s': %s", stem, path);
    goto done;
  }
  err = fresh_output(path, base->outdir, stem, msg);
  if (err)
    goto done;
  err = sb_audio_read(path, &raw, msg);
  if (err) {
    err = SB_EFORMAT;
    goto done;
  }
  err = sb_audio_convert(raw, job->n_chan, job->rate, &fitted, msg);
  if (err) {
    if (err == SB_ECHAN)
      sb_msg_set(msg, err, "%s: %d channels, the track has %d", path, raw->n_chan, job->n_chan);
    goto done;
  }
  err = sb_track_audio_fit_estimate(fitted, path, job->rate, job->n_chan, job->n_samples, &refit, msg);
  if (err)
    goto done;
  memcpy(est, fitted->data, (size_t)job->n_chan * (size_t)job->n_samples * sizeof *est);
done:
  sb_audio_free(&raw);
  sb_audio_free(&fitted);
  free(path);
  return err;
}

/* One attempt: run the program, read every target's output. */
static sb_err attempt(const sb_command_backend *cb, const sb_separation *job, const template_vars *vars,
                      const int *stem_of_target, const volatile sig_atomic_t *cancel, sb_msg *msg)
{
  char **argv = NULL;
  sb_subprocess_result *res = malloc(sizeof *res);
  char how[600];
  sb_err err = res ? sb_command_backend_argv(cb, vars->input, vars->outdir, vars->track, &argv) : SB_ENOMEM;

  if (err)
    goto done;
  err = sb_subprocess_run(argv, NULL, cb->timeout_s, cancel, res, msg);
  if (err)
    goto done;
  if (res->timed_out || !res->exited || res->exit_status != 0) {
    sb_subprocess_describe(res, cb->timeout_s, how, sizeof how);
    err = sb_msg_set(msg, res->timed_out ? SB_ETIMEOUT : SB_EBACKEND, "%s", how);
    goto done;
  }
  for (int t = 0; !err && t < job->n_targets; t++)
    err = read_output(cb, job, vars, cb->n_stems ? cb->stem_names[stem_of_target[t]] : job->targets[t], job->est[t],
                      msg);
  if (err && res->stderr_tail[0]) {
    /* Add what the program said: it may explain the bad output. */
    char text[sizeof msg->text];
    snprintf(text, sizeof text, "%s", msg->text);
    res->exit_status = 0;
    sb_subprocess_describe(res, cb->timeout_s, how, sizeof how);
    sb_msg_set(msg, err, "%s (program: %s)", text, how);
  }
done:
  sb_command_backend_free_argv(&argv);
  free(res);
  return err;
}

sb_err sb_command_backend_separate(const sb_command_backend *cb, const sb_separation *job,
                                   const volatile sig_atomic_t *cancel)
{
  char tmp[PATH_MAX], input_dir[PATH_MAX + 8], outdir[PATH_MAX + 8], *input = NULL;
  int stem_of_target[MAX_STEMS * 4];
  template_vars vars;
  sb_msg msg;
  sb_err err;

  if (!cb)
    return SB_EINVAL;
  err = sb_backend_check_job(cb->name, job, 0);
  if (err)
    return err;
  sb_msg_clear(&msg);
  if (job->n_targets > (int)(sizeof stem_of_target / sizeof *stem_of_target))
    return sb_backend_error(job->errbuf, job->errlen, SB_EINVAL, "cmd:%s: too many targets", cb->name);
  for (int t = 0; t < job->n_targets; t++) {
    int s = -1;
    for (int k = 0; k < cb->n_stems && s < 0; k++)
      if (strcmp(cb->stem_targets[k], job->targets[t]) == 0)
        s = k;
    if (cb->n_stems == 0)
      s = t;
    if (s < 0)
      return sb_backend_error(job->errbuf, job->errlen, SB_EBACKEND,
                              "cmd:%s: no stem of the program maps to target '%s' (see 'stems' in the config)",
                              cb->name, job->targets[t]);
    stem_of_target[t] = s;
  }
  err = sb_path_make_temp_dir(cb->tmpdir, "sepbench-cmd", tmp, sizeof tmp, &msg);
  if (err)
    return sb_backend_error(job->errbuf, job->errlen, err, "cmd:%s: %s", cb->name, msg.text);
  snprintf(input_dir, sizeof input_dir, "%s/input", tmp);
  snprintf(outdir, sizeof outdir, "%s/out", tmp);
  input = malloc(strlen(input_dir) + strlen(job->track ? job->track : "mixture") + 8);
  if (!input) {
    err = SB_ENOMEM;
    goto done;
  }
  sprintf(input, "%s/%s.wav", input_dir, job->track && *job->track ? job->track : "mixture");
  if (mkdir(input_dir, 0700) != 0) {
    err = sb_msg_set(&msg, SB_EIO, "cannot create %s: %s", input_dir, strerror(errno));
    goto done;
  }
  err = write_input(cb, job, input, &msg);
  if (err)
    goto done;
  vars = item_vars(cb, input, outdir, job->track);
  for (int a = 0; a <= cb->retries; a++) {
    sb_path_remove_tree(outdir);
    if (mkdir(outdir, 0700) != 0) {
      err = sb_msg_set(&msg, SB_EIO, "cannot create %s: %s", outdir, strerror(errno));
      break;
    }
    sb_msg_clear(&msg);
    err = attempt(cb, job, &vars, stem_of_target, cancel, &msg);
    if (!err || err == SB_ENOMEM || err == SB_EINTERRUPT)
      break;
  }
done:
  sb_path_remove_tree(tmp);
  free(input);
  if (err)
    sb_backend_error(job->errbuf, job->errlen, err, "cmd:%s on '%s'%s: %s", cb->name, job->track ? job->track : "?",
                     cb->retries ? " (every attempt failed)" : "", msg.text[0] ? msg.text : sb_strerror(err));
  return err;
}
