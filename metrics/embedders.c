/*
 * metrics/embedders.c — raw, log-mel, file and external-program frame
 * embedders for the MAPSS measures; see metrics/embedders.h.  "raw"
 * follows models.py embed_batch_raw of Amir-Ivry/MAPSS-measures 3157d20a;
 * the mel filterbank follows librosa.filters.mel defaults (Slaney scale,
 * Slaney area normalisation); .npy per the NumPy format specification
 * (numpy.lib.format, versions 1-3).
 */
#include <config.h>

#include <complex.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fftw3.h>

#include "common/fftplan.h"
#include "common/first_error.h"
#include "datasets/audio.h"
#include "metrics/embedders.h"

enum { FRAME = 320, MEL_WIN = 400, MEL_FFT = 512, N_MELS = 64 };

typedef enum kind { E_RAW, E_LOGMEL, E_FILE, E_CMD } kind;

struct sb_embedder {
  kind kind;
  char *arg;            /* DIR or TEMPLATE */
  double *mel;          /* [N_MELS][MEL_FFT / 2 + 1] */
  double window[MEL_WIN];
};

static const char *const kind_name[] = {"raw", "logmel", "file", "cmd"};

const char *sb_embedder_kind(const sb_embedder *e)
{
  return e ? kind_name[e->kind] : "raw";
}

size_t sb_embedder_n_frames(size_t n_samples)
{
  return n_samples < FRAME + 1 ? 0 : (n_samples - 1 - FRAME) / FRAME + 1;
}

static double hz_to_mel(double f)
{
  const double f_sp = 200.0 / 3.0, min_log_hz = 1000.0, logstep = log(6.4) / 27.0;
  return f < min_log_hz ? f / f_sp : min_log_hz / f_sp + log(f / min_log_hz) / logstep;
}

static double mel_to_hz(double m)
{
  const double f_sp = 200.0 / 3.0, min_log_mel = 1000.0 / f_sp, logstep = log(6.4) / 27.0;
  return m < min_log_mel ? m * f_sp : 1000.0 * exp(logstep * (m - min_log_mel));
}

static void build_mel(double *w)
{
  const size_t nb = MEL_FFT / 2 + 1;
  double pts[N_MELS + 2], m_hi = hz_to_mel(8000.0);
  for (int i = 0; i < N_MELS + 2; i++)
    pts[i] = mel_to_hz(m_hi * i / (N_MELS + 1));
  for (int i = 0; i < N_MELS; i++) {
    double enorm = 2.0 / (pts[i + 2] - pts[i]);
    for (size_t k = 0; k < nb; k++) {
      double f = (double)k * 16000.0 / MEL_FFT;
      double lower = (f - pts[i]) / (pts[i + 1] - pts[i]);
      double upper = (pts[i + 2] - f) / (pts[i + 2] - pts[i + 1]);
      double v = lower < upper ? lower : upper;
      w[i * nb + k] = (v > 0.0 ? v : 0.0) * enorm;
    }
  }
}

sb_err sb_embedder_new(const char *spec, sb_embedder **out, sb_msg *msg)
{
  sb_embedder *e;
  kind k;
  const char *arg = NULL;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!spec || !*spec || strcmp(spec, "raw") == 0) {
    k = E_RAW;
  } else if (strcmp(spec, "logmel") == 0) {
    k = E_LOGMEL;
  } else if (strncmp(spec, "file:", 5) == 0) {
    k = E_FILE;
    arg = spec + 5;
  } else if (strncmp(spec, "cmd:", 4) == 0) {
    k = E_CMD;
    arg = spec + 4;
  } else {
    return sb_msg_set(msg, SB_EINVAL,
                      "%s: unknown PS/PM embedder (raw, logmel, file:DIR, cmd:TEMPLATE)", spec);
  }
  if (arg && !*arg)
    return sb_msg_set(msg, SB_EINVAL, "%s: empty directory or command template", spec);
  if (!(e = calloc(1, sizeof *e)))
    return SB_ENOMEM;
  e->kind = k;
  if (arg && !(e->arg = strdup(arg))) {
    free(e);
    return SB_ENOMEM;
  }
  if (k == E_LOGMEL) {
    if (!(e->mel = malloc((size_t)N_MELS * (MEL_FFT / 2 + 1) * sizeof *e->mel))) {
      sb_embedder_free(&e);
      return SB_ENOMEM;
    }
    build_mel(e->mel);
    for (int i = 0; i < MEL_WIN; i++)
      e->window[i] = 0.5 - 0.5 * cos(2.0 * M_PI * i / MEL_WIN);
  }
  *out = e;
  return SB_OK;
}

void sb_embedder_free(sb_embedder **e)
{
  if (!e || !*e)
    return;
  free((*e)->arg);
  free((*e)->mel);
  free(*e);
  *e = NULL;
}

/* ------------------------------------------------------------- .npy */

sb_err sb_npy_read(const char *path, double **data, size_t *rows, size_t *cols, sb_msg *msg)
{
  sb_err err = SB_EFORMAT;
  FILE *f;
  unsigned char magic[8];
  uint32_t hlen = 0;
  char *header = NULL, *p;
  size_t dims[3] = {0}, n_dims = 0, count, width;
  int is_f4;
  long data_start, file_end;
  void *raw = NULL;

  if (!path || !data || !rows || !cols)
    return SB_EINVAL;
  *data = NULL;
  if (!(f = fopen(path, "rb")))
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
  if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "\x93NUMPY", 6) != 0) {
    fclose(f);
    return sb_msg_set(msg, SB_EFORMAT, "%s: not a .npy file", path);
  }
  if (magic[6] < 1 || magic[6] > 3) {
    fclose(f);
    return sb_msg_set(msg, SB_EFORMAT, "%s: unsupported .npy format version %d", path, magic[6]);
  }
  if (magic[6] == 1) {
    unsigned char b[2];
    if (fread(b, 1, 2, f) == 2)
      hlen = (uint32_t)b[0] | (uint32_t)b[1] << 8;
  } else {
    unsigned char b[4];
    if (fread(b, 1, 4, f) == 4)
      hlen = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  }
  if (hlen == 0 || hlen > 65536 || !(header = calloc(hlen + 1, 1)) ||
      fread(header, 1, hlen, f) != hlen) {
    sb_msg_set(msg, SB_EFORMAT, "%s: truncated .npy header", path);
    goto fail;
  }
  if (strstr(header, "'descr': '<f4'"))
    is_f4 = 1;
  else if (strstr(header, "'descr': '<f8'"))
    is_f4 = 0;
  else {
    sb_msg_set(msg, SB_EFORMAT, "%s: dtype must be little-endian float32 or float64", path);
    goto fail;
  }
  if (strstr(header, "'fortran_order': True")) {
    sb_msg_set(msg, SB_EFORMAT, "%s: Fortran-ordered arrays are not supported", path);
    goto fail;
  }
  if (!(p = strstr(header, "'shape': ("))) {
    sb_msg_set(msg, SB_EFORMAT, "%s: no shape in the .npy header", path);
    goto fail;
  }
  p += 10;
  while (*p && *p != ')' && n_dims < 3) {
    char *end;
    unsigned long long v;
    if (*p < '0' || *p > '9')
      break;
    v = strtoull(p, &end, 10);
    dims[n_dims++] = (size_t)v;
    p = end;
    while (*p == ',' || *p == ' ')
      p++;
  }
  if (*p != ')' || !(n_dims == 2 || (n_dims == 3 && dims[0] == 1))) {
    sb_msg_set(msg, SB_EFORMAT, "%s: shape must be (frames, dim) or (1, frames, dim)", path);
    goto fail;
  }
  *rows = dims[n_dims - 2];
  *cols = dims[n_dims - 1];
  width = is_f4 ? 4 : 8;
  /* The data must be all there (checked before allocating, so that a
   * header claiming a huge shape cannot cause a huge allocation). */
  data_start = ftell(f);
  if (data_start < 0 || fseek(f, 0, SEEK_END) != 0 || (file_end = ftell(f)) < data_start ||
      fseek(f, data_start, SEEK_SET) != 0) {
    sb_msg_set(msg, SB_EIO, "%s: cannot seek: %s", path, strerror(errno));
    err = SB_EIO;
    goto fail;
  }
  {
    size_t have = (size_t)(file_end - data_start);
    if (*cols && *rows > have / width / *cols) {
      sb_msg_set(msg, SB_EFORMAT, "%s: truncated .npy data (shape (%zu, %zu), %zu bytes of data)",
                 path, *rows, *cols, have);
      goto fail;
    }
    if (*rows * *cols * width != have) {
      sb_msg_set(msg, SB_EFORMAT, "%s: %zu bytes after the .npy data of shape (%zu, %zu)", path,
                 have - *rows * *cols * width, *rows, *cols);
      goto fail;
    }
  }
  count = *rows * *cols;
  if (!(raw = malloc(count ? count * width : 1)) ||
      !(*data = malloc((count ? count : 1) * sizeof **data))) {
    err = SB_ENOMEM;
    goto fail;
  }
  if (fread(raw, width, count, f) != count) {
    sb_msg_set(msg, SB_EIO, "%s: read error", path);
    err = SB_EIO;
    goto fail;
  }
  for (size_t i = 0; i < count; i++) {
    if (is_f4) {
      float v;
      memcpy(&v, (unsigned char *)raw + 4 * i, 4);
      (*data)[i] = v;
    } else {
      memcpy(&(*data)[i], (unsigned char *)raw + 8 * i, 8);
    }
  }
  err = SB_OK;

fail:
  fclose(f);
  free(header);
  free(raw);
  if (err) {
    free(*data);
    *data = NULL;
  }
  return err;
}

/* ------------------------------------------------------------- embedders */

/* Index of the i-th frame to embed: frames[i], or i when frames is NULL
 * (every frame). */
static size_t frame_at(const size_t *frames, size_t i)
{
  return frames ? frames[i] : i;
}

/* Rows 0..n_out of out: the listed 320-sample frames of x, rounded to
 * float32. */
static void embed_raw(const double *x, const size_t *frames, size_t n_out, double *out)
{
  for (size_t i = 0; i < n_out; i++) {
    const double *src = x + frame_at(frames, i) * FRAME;
    for (size_t j = 0; j < FRAME; j++)
      out[i * FRAME + j] = (double)(float)src[j];
  }
}

static sb_err embed_logmel(const sb_embedder *e, const double *x, size_t n, const size_t *frames,
                           size_t n_out, double *out)
{
  const size_t nb = MEL_FFT / 2 + 1;
  double *buf = fftw_malloc(MEL_FFT * sizeof *buf), power[MEL_FFT / 2 + 1];
  fftw_complex *bins = fftw_malloc(nb * sizeof *bins);
  fftw_plan plan = NULL;
  if (buf && bins)
    plan = sb_fftplan_r2c(MEL_FFT, buf, bins, FFTW_ESTIMATE);
  if (!plan) {
    fftw_free(buf);
    fftw_free(bins);
    return SB_ENOMEM;
  }
  for (size_t i = 0; i < n_out; i++) {
    size_t t = frame_at(frames, i);
    for (size_t j = 0; j < MEL_FFT; j++) {
      size_t p = t * FRAME + j;
      buf[j] = (j < MEL_WIN && p < n) ? x[p] * e->window[j] : 0.0;
    }
    fftw_execute(plan);
    for (size_t k = 0; k < nb; k++)
      power[k] = creal(bins[k]) * creal(bins[k]) + cimag(bins[k]) * cimag(bins[k]);
    for (int m = 0; m < N_MELS; m++) {
      double acc = 0.0;
      for (size_t k = 0; k < nb; k++)
        acc += e->mel[m * nb + k] * power[k];
      out[i * N_MELS + m] = log(acc + 1e-6);
    }
  }
  sb_fftplan_destroy(&plan);
  fftw_free(buf);
  fftw_free(bins);
  return SB_OK;
}

/* Reads DIR/<name>.npy into out ([n_frames][*dim]); *dim is set by the
 * first file and checked for the others. */
static sb_err embed_file(const char *path, size_t n_frames, size_t *dim, double **out, sb_msg *msg)
{
  double *data = NULL;
  size_t rows = 0, cols = 0;
  sb_err err = sb_npy_read(path, &data, &rows, &cols, msg);
  if (err)
    return err;
  if (rows < n_frames) {
    free(data);
    return sb_msg_set(msg, SB_EFORMAT, "%s: %zu frames, expected at least %zu (50 fps)", path,
                      rows, n_frames);
  }
  if (*dim && cols != *dim) {
    free(data);
    return sb_msg_set(msg, SB_EFORMAT, "%s: dimension %zu, other signals have %zu", path, cols,
                      *dim);
  }
  if (cols == 0) {
    free(data);
    return sb_msg_set(msg, SB_EFORMAT, "%s: dimension 0", path);
  }
  *dim = cols;
  *out = data;
  return SB_OK;
}

/* Runs the command template with {list} replaced; no shell.  The
 * program's standard output goes to standard error (sepbench's standard
 * output carries results); a failed exec is reported back through a
 * close-on-exec pipe, so a missing program gets its own message. */
static sb_err run_template(const char *tmpl, const char *list_path, sb_msg *msg)
{
  sb_err err = SB_OK;
  char *copy = strdup(tmpl), *argv[64], *save = NULL, *tok;
  int argc = 0, status = 0, fds[2] = {-1, -1}, child_errno = 0;
  ssize_t got;
  pid_t pid;

  if (!copy)
    return SB_ENOMEM;
  for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    if (argc == 63) {
      err = sb_msg_set(msg, SB_EINVAL, "%s: embedder command template has more than 63 words",
                       argv[0]);
      goto done;
    }
    argv[argc++] = strcmp(tok, "{list}") == 0 ? (char *)list_path : tok;
  }
  argv[argc] = NULL;
  if (argc == 0) {
    err = sb_msg_set(msg, SB_EINVAL, "embedder command template is empty");
    goto done;
  }
  if (pipe2(fds, O_CLOEXEC) != 0) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot create a pipe: %s", argv[0], strerror(errno));
    goto done;
  }
  pid = fork();
  if (pid < 0) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot fork: %s", argv[0], strerror(errno));
    goto done;
  }
  if (pid == 0) {
    int e;
    ssize_t w;
    dup2(2, 1);
    execvp(argv[0], argv);
    e = errno;
    w = write(fds[1], &e, sizeof e);
    (void)w;
    _exit(127);
  }
  close(fds[1]);
  fds[1] = -1;
  while ((got = read(fds[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR)
    ;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (got == (ssize_t)sizeof child_errno)
    err = sb_msg_set(msg, SB_EIO, "%s: cannot run the embedder program: %s", argv[0],
                     strerror(child_errno));
  else if (WIFSIGNALED(status))
    err = sb_msg_set(msg, SB_EIO, "%s: embedder program killed by signal %d", argv[0],
                     WTERMSIG(status));
  else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    err = sb_msg_set(msg, SB_EIO, "%s: embedder program exited with status %d", argv[0],
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);

done:
  if (fds[0] >= 0)
    close(fds[0]);
  if (fds[1] >= 0)
    close(fds[1]);
  free(copy);
  return err;
}

static sb_err embed_cmd(const sb_embedder *e, const double *const *signals, size_t n_signals,
                        size_t n_samples, const char *const *names, size_t n_frames, size_t *dim,
                        double **out, sb_msg *msg)
{
  sb_err err = SB_OK;
  const char *tmpdir = getenv("TMPDIR");
  char dir[4096], list[4200], path[4400];
  FILE *lf = NULL;
  sb_audio *a = NULL;

  snprintf(dir, sizeof dir, "%s/sepbench-embed-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
  if (!mkdtemp(dir))
    return sb_msg_set(msg, SB_EIO, "%s: cannot create: %s", dir, strerror(errno));
  snprintf(list, sizeof list, "%s/list.txt", dir);
  if (!(lf = fopen(list, "w"))) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot create: %s", list, strerror(errno));
    goto cleanup;
  }
  if ((err = sb_audio_new(&a, 1, (int64_t)n_samples, 16000)))
    goto cleanup;
  for (size_t i = 0; i < n_signals && !err; i++) {
    memcpy(a->data, signals[i], n_samples * sizeof *a->data);
    snprintf(path, sizeof path, "%s/%s.wav", dir, names[i]);
    err = sb_audio_write(path, a, SB_FLOAT32, msg);
    fprintf(lf, "%s\t%s/%s.npy\n", path, dir, names[i]);
  }
  fclose(lf);
  lf = NULL;
  if (!err)
    err = run_template(e->arg, list, msg);
  for (size_t i = 0; i < n_signals && !err; i++) {
    double *data = NULL;
    snprintf(path, sizeof path, "%s/%s.npy", dir, names[i]);
    if (access(path, F_OK) != 0) {
      err = sb_msg_set(msg, SB_EIO, "%s: the embedder program wrote no embedding for signal %s",
                       path, names[i]);
      break;
    }
    if ((err = embed_file(path, n_frames, dim, &data, msg)))
      break;
    if (!*out && !(*out = malloc(n_signals * n_frames * *dim * sizeof **out))) {
      free(data);
      err = SB_ENOMEM;
      break;
    }
    memcpy(*out + i * n_frames * *dim, data, n_frames * *dim * sizeof **out);
    free(data);
  }

cleanup:
  if (lf)
    fclose(lf);
  sb_audio_free(&a);
  /* Every file in the directory goes, including any the program left. */
  {
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
  }
  rmdir(dir);
  return err;
}

/* Replaces *buf ([n_signals][T][D]) by its listed frames,
 * [n_signals][n_sel][D]; *buf is left as it was on error. */
static sb_err keep_frames(double **buf, size_t n_signals, size_t T, size_t D,
                          const size_t *frames, size_t n_sel)
{
  double *kept = malloc(n_signals * n_sel * D * sizeof *kept);
  if (!kept)
    return SB_ENOMEM;
  for (size_t i = 0; i < n_signals; i++)
    for (size_t t = 0; t < n_sel; t++)
      memcpy(kept + (i * n_sel + t) * D, *buf + (i * T + frames[t]) * D, D * sizeof *kept);
  free(*buf);
  *buf = kept;
  return SB_OK;
}

/* sb_embedder_embed_frames with frames NULL meaning every frame. */
static sb_err embed_some(const sb_embedder *e, const double *const *signals, size_t n_signals,
                         size_t n_samples, const char *const *names, const size_t *frames,
                         size_t n_sel, size_t *dim, double **out, sb_msg *msg)
{
  sb_err err = SB_OK;
  size_t T = sb_embedder_n_frames(n_samples), D, n_out = frames ? n_sel : T;
  double *buf = NULL;

  if (!e || !signals || !dim || !out || n_signals == 0 || (frames && n_sel == 0))
    return SB_EINVAL;
  *out = NULL;
  if (T == 0)
    return sb_msg_set(msg, SB_ELENGTH, "signal of %zu samples is shorter than one 20-ms frame",
                      n_samples);
  for (size_t i = 0; frames && i < n_sel; i++)
    if (frames[i] >= T)
      return sb_msg_set(msg, SB_EINVAL, "frame %zu requested of a signal of %zu frames",
                        frames[i], T);
  if ((e->kind == E_FILE || e->kind == E_CMD) && !names)
    return SB_EINVAL;
  if (e->kind == E_RAW || e->kind == E_LOGMEL) {
    D = e->kind == E_RAW ? FRAME : N_MELS;
    if (!(buf = malloc(n_signals * n_out * D * sizeof *buf)))
      return SB_ENOMEM;
#pragma omp parallel for schedule(dynamic)
    for (size_t i = 0; i < n_signals; i++) {
      if (e->kind == E_RAW) {
        embed_raw(signals[i], frames, n_out, buf + i * n_out * D);
      } else {
        sb_err s_err = embed_logmel(e, signals[i], n_samples, frames, n_out, buf + i * n_out * D);
        sb_first_error_keep(&err, s_err);
      }
    }
  } else if (e->kind == E_FILE) {
    D = 0;
    for (size_t i = 0; i < n_signals && !err; i++) {
      char path[4096];
      double *data = NULL;
      snprintf(path, sizeof path, "%s/%s.npy", e->arg, names[i]);
      if ((err = embed_file(path, T, &D, &data, msg)))
        break;
      if (!buf && !(buf = malloc(n_signals * n_out * D * sizeof *buf))) {
        free(data);
        err = SB_ENOMEM;
        break;
      }
      for (size_t t = 0; t < n_out; t++)
        memcpy(buf + (i * n_out + t) * D, data + frame_at(frames, t) * D, D * sizeof *buf);
      free(data);
    }
  } else {
    D = 0;
    err = embed_cmd(e, signals, n_signals, n_samples, names, T, &D, &buf, msg);
    if (!err && frames)
      err = keep_frames(&buf, n_signals, T, D, frames, n_sel);
  }
  if (err) {
    free(buf);
    return err;
  }
  *dim = D;
  *out = buf;
  return SB_OK;
}

sb_err sb_embedder_embed(const sb_embedder *e, const double *const *signals, size_t n_signals,
                         size_t n_samples, const char *const *names, size_t *n_frames, size_t *dim,
                         double **out, sb_msg *msg)
{
  sb_err err;
  if (!n_frames)
    return SB_EINVAL;
  err = embed_some(e, signals, n_signals, n_samples, names, NULL, 0, dim, out, msg);
  if (!err)
    *n_frames = sb_embedder_n_frames(n_samples);
  return err;
}

sb_err sb_embedder_embed_frames(const sb_embedder *e, const double *const *signals,
                                size_t n_signals, size_t n_samples, const char *const *names,
                                const size_t *frames, size_t n_sel, size_t *dim, double **out,
                                sb_msg *msg)
{
  if (!frames)
    return SB_EINVAL;
  return embed_some(e, signals, n_signals, n_samples, names, frames, n_sel, dim, out, msg);
}
