/*
 * backends/embedders.c — the --pspm-embedder specs: the built-in embedders
 * of metrics/embedders.h, precomputed .npy files (common/npy.h) and
 * external programs (common/subprocess.h); see backends/embedders.h.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/embedders.h"
#include "common/npy.h"
#include "common/subprocess.h"
#include "datasets/audio.h"
#include "metrics/embedders.h"

enum { MAX_WORDS = 63 };

/* The state of a file: or cmd: embedder. */
typedef struct outside {
  char *arg;             /* DIR or TEMPLATE */
  sb_embedder_opts opts; /* cmd: */
} outside;

static void outside_free(void *ctx)
{
  outside *o = ctx;
  if (!o)
    return;
  free(o->arg);
  free(o);
}

/* Reads the embedding of one signal from path into *data ([rows][*dim]):
 * at least n_frames frames; *dim is set when 0, else the dimension must
 * equal it. */
static sb_err read_embedding(const char *path, size_t n_frames, size_t *dim, double **data, sb_msg *msg)
{
  size_t rows = 0, cols = 0;
  sb_err err = sb_npy_read(path, data, &rows, &cols, msg);
  if (err)
    return err;
  if (rows < n_frames)
    err = sb_msg_set(msg, SB_EFORMAT, "%s: %zu frames, expected at least %zu (50 fps)", path, rows, n_frames);
  else if (*dim && cols != *dim)
    err = sb_msg_set(msg, SB_EFORMAT, "%s: dimension %zu, other signals have %zu", path, cols, *dim);
  else if (cols == 0)
    err = sb_msg_set(msg, SB_EFORMAT, "%s: dimension 0", path);
  if (err) {
    free(*data);
    *data = NULL;
    return err;
  }
  *dim = cols;
  return SB_OK;
}

/* Reads the embedding of signal p from path and copies its listed frames
 * into out (rows of dim values, signal p's block of n_sel rows). */
static sb_err take_frames(const char *path, size_t n_samples, const size_t *frames, size_t n_sel, size_t dim,
                          size_t p, double *out, sb_msg *msg)
{
  double *data = NULL;
  size_t D = dim;
  sb_err err = read_embedding(path, sb_embedder_n_frames(n_samples), &D, &data, msg);
  if (err)
    return err;
  for (size_t t = 0; t < n_sel; t++)
    memcpy(out + (p * n_sel + t) * dim, data + frames[t] * dim, dim * sizeof *out);
  free(data);
  return SB_OK;
}

/* ------------------------------------------------------------ file:DIR */

static sb_err file_dim(void *ctx, const double *signal, size_t n_samples, const char *name, size_t *dim,
                       sb_msg *msg)
{
  const outside *o = ctx;
  char path[4096];
  double *data = NULL;
  sb_err err;
  (void)signal;
  if (!name)
    return SB_EINVAL;
  snprintf(path, sizeof path, "%s/%s.npy", o->arg, name);
  *dim = 0;
  err = read_embedding(path, sb_embedder_n_frames(n_samples), dim, &data, msg);
  free(data);
  return err;
}

static sb_err file_embed(void *ctx, const double *const *signals, size_t n_signals, size_t n_samples,
                         const char *const *names, const size_t *frames, size_t n_sel, size_t dim, double *out,
                         sb_msg *msg)
{
  const outside *o = ctx;
  sb_err err = SB_OK;
  (void)signals;
  if (!names)
    return SB_EINVAL;
  for (size_t i = 0; i < n_signals && !err; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.npy", o->arg, names[i]);
    err = take_frames(path, n_samples, frames, n_sel, dim, i, out, msg);
  }
  return err;
}

/* ------------------------------------------------------------ cmd:TEMPLATE */

/* Runs the template with {list} replaced, through common/subprocess.h. */
static sb_err run_template(const outside *o, const char *list_path, sb_msg *msg)
{
  sb_err err = SB_OK;
  char *copy = strdup(o->arg), *argv[MAX_WORDS + 1], *save = NULL, *tok, how[600];
  sb_subprocess_result *res = malloc(sizeof *res);
  int argc = 0;

  if (!copy || !res) {
    err = SB_ENOMEM;
    goto done;
  }
  for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    if (argc == MAX_WORDS) {
      err = sb_msg_set(msg, SB_EINVAL, "%s: embedder command template has more than %d words", argv[0], MAX_WORDS);
      goto done;
    }
    argv[argc++] = strcmp(tok, "{list}") == 0 ? (char *)list_path : tok;
  }
  argv[argc] = NULL;
  if (argc == 0) {
    err = sb_msg_set(msg, SB_EINVAL, "embedder command template is empty");
    goto done;
  }
  err = sb_subprocess_run(argv, NULL, o->opts.timeout_s, o->opts.cancel, res, msg);
  if (err == SB_EBACKEND) {
    char why[sizeof msg->text];
    snprintf(why, sizeof why, "%s", msg ? msg->text : "cannot run it");
    err = sb_msg_set(msg, SB_EIO, "%s: embedder program: %s", argv[0], why);
  } else if (err == SB_EINTERRUPT) {
    sb_msg_set(msg, err, "%s: embedder program interrupted", argv[0]);
  } else if (!err && (res->timed_out || !res->exited || res->exit_status != 0)) {
    sb_subprocess_describe(res, o->opts.timeout_s, how, sizeof how);
    err = sb_msg_set(msg, res->timed_out ? SB_ETIMEOUT : SB_EIO, "%s: embedder program failed: %s", argv[0], how);
  }
done:
  free(copy);
  free(res);
  return err;
}

/* Removes every file of dir (including any the program left), then dir. */
static void remove_dir(const char *dir)
{
  char path[4400];
  DIR *d = opendir(dir);
  struct dirent *ent;
  while (d && (ent = readdir(d))) {
    if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
      continue;
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    unlink(path);
  }
  if (d)
    closedir(d);
  rmdir(dir);
}

/* Writes the signals as float32 WAV files into dir and their list. */
static sb_err write_inputs(const char *dir, const double *const *signals, size_t n_signals, size_t n_samples,
                           const char *const *names, const char *list, sb_msg *msg)
{
  char path[4400];
  sb_audio *a = NULL;
  FILE *lf = fopen(list, "w");
  sb_err err;
  if (!lf)
    return sb_msg_set(msg, SB_EIO, "%s: cannot create: %s", list, strerror(errno));
  err = sb_audio_new(&a, 1, (int64_t)n_samples, 16000);
  for (size_t i = 0; i < n_signals && !err; i++) {
    memcpy(a->data, signals[i], n_samples * sizeof *a->data);
    snprintf(path, sizeof path, "%s/%s.wav", dir, names[i]);
    err = sb_audio_write(path, a, SB_FLOAT32, msg);
    fprintf(lf, "%s\t%s/%s.npy\n", path, dir, names[i]);
  }
  if (fclose(lf) != 0 && !err)
    err = sb_msg_set(msg, SB_EIO, "%s: cannot write: %s", list, strerror(errno));
  sb_audio_free(&a);
  return err;
}

/* One program run on the signals; each output's listed frames into out
 * (dim 0: a probe of one signal, its dimension into *probed). */
static sb_err cmd_run(const outside *o, const double *const *signals, size_t n_signals, size_t n_samples,
                      const char *const *names, const size_t *frames, size_t n_sel, size_t dim, double *out,
                      size_t *probed, sb_msg *msg)
{
  const char *tmpdir = getenv("TMPDIR");
  char dir[4096], list[4200], path[4400];
  sb_err err;

  if (!names)
    return SB_EINVAL;
  snprintf(dir, sizeof dir, "%s/sepbench-embed-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
  if (!mkdtemp(dir))
    return sb_msg_set(msg, SB_EIO, "%s: cannot create: %s", dir, strerror(errno));
  snprintf(list, sizeof list, "%s/list.txt", dir);
  err = write_inputs(dir, signals, n_signals, n_samples, names, list, msg);
  if (!err)
    err = run_template(o, list, msg);
  for (size_t i = 0; i < n_signals && !err; i++) {
    snprintf(path, sizeof path, "%s/%s.npy", dir, names[i]);
    if (access(path, F_OK) != 0) {
      err = sb_msg_set(msg, SB_EIO, "%s: the embedder program wrote no embedding for signal %s", path, names[i]);
    } else if (probed) {
      double *data = NULL;
      *probed = 0;
      err = read_embedding(path, sb_embedder_n_frames(n_samples), probed, &data, msg);
      free(data);
    } else {
      err = take_frames(path, n_samples, frames, n_sel, dim, i, out, msg);
    }
  }
  remove_dir(dir);
  return err;
}

static sb_err cmd_dim(void *ctx, const double *signal, size_t n_samples, const char *name, size_t *dim,
                      sb_msg *msg)
{
  return cmd_run(ctx, &signal, 1, n_samples, name ? &name : NULL, NULL, 0, 0, NULL, dim, msg);
}

static sb_err cmd_embed(void *ctx, const double *const *signals, size_t n_signals, size_t n_samples,
                        const char *const *names, const size_t *frames, size_t n_sel, size_t dim, double *out,
                        sb_msg *msg)
{
  return cmd_run(ctx, signals, n_signals, n_samples, names, frames, n_sel, dim, out, NULL, msg);
}

/* ------------------------------------------------------------ specs */

sb_err sb_embedder_new_opts(const char *spec, const sb_embedder_opts *opts, sb_embedder **out, sb_msg *msg)
{
  outside *o;
  int is_cmd;
  const char *arg;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!spec || !*spec || strcmp(spec, "raw") == 0 || strcmp(spec, "logmel") == 0)
    return sb_embedder_builtin_new(spec, out, msg);
  if (strncmp(spec, "file:", 5) == 0) {
    is_cmd = 0;
    arg = spec + 5;
  } else if (strncmp(spec, "cmd:", 4) == 0) {
    is_cmd = 1;
    arg = spec + 4;
  } else {
    return sb_msg_set(msg, SB_EINVAL, "%s: unknown PS/PM embedder (raw, logmel, file:DIR, cmd:TEMPLATE)", spec);
  }
  if (!*arg)
    return sb_msg_set(msg, SB_EINVAL, "%s: empty directory or command template", spec);
  if (!(o = calloc(1, sizeof *o)) || !(o->arg = strdup(arg))) {
    outside_free(o);
    return SB_ENOMEM;
  }
  if (opts)
    o->opts = *opts;
  else
    o->opts.timeout_s = SB_EMBEDDER_TIMEOUT_S;
  if (is_cmd)
    return sb_embedder_new_custom("cmd", 1, cmd_dim, cmd_embed, outside_free, o, out);
  return sb_embedder_new_custom("file", 0, file_dim, file_embed, outside_free, o, out);
}

sb_err sb_embedder_new(const char *spec, sb_embedder **out, sb_msg *msg)
{
  return sb_embedder_new_opts(spec, NULL, out, msg);
}
