/*
 * tests/metrics/test-embedders.c — the external-program ("cmd:TEMPLATE")
 * and precomputed ("file:DIR") frame embedders of metrics/embedders.h and
 * the .npy reader, through their success and failure paths.
 *
 * The program is tests/metrics/embedder-stub.py (found through
 * $SB_TOP_SRCDIR, which the test harness sets; the test fails without it),
 * run as "python3 embedder-stub.py MODE {list}".  For signal i of n
 * samples x it writes frame t as [t, x[320 t], n, i] — numbers the test
 * knows without the code under test — in three .npy layouts (float64 with
 * two extra frames, float32, float64 of shape (1, T, D)).  The MODEs make it
 * fail, write too few frames, another dimension, garbage, no file, a
 * truncated or overflowing header, print to standard output or die by a
 * signal: each must be a clear error naming the signal's file or the
 * program, leave no temporary file behind and never crash (the sanitizer
 * build runs this test).  The file embedder and sb_npy_read get malformed
 * files written here byte by byte.  sb_embedder_embed_frames (a list of
 * frames, unsorted and with repeats) is checked against the input samples
 * (raw), the stub's known values (cmd), the whole embedding (logmel) and
 * for indices out of range.  No randomness.
 */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "metrics/embedders.h"

enum { N_SAMPLES = 1000, N_FRAMES = 3, N_SIG = 3, DIM = 4 };

static const char *const names[N_SIG] = {"ref0", "out0", "ps0_d0"};

/* Signal i: dyadic values, exact in float32 (the WAV format handed to the
 * program). */
static void make_signals(double sig[N_SIG][N_SAMPLES])
{
  for (int i = 0; i < N_SIG; i++)
    for (int k = 0; k < N_SAMPLES; k++)
      sig[i][k] = (double)((k * (i + 3)) % 17 - 8) / 64.0;
}

/* Number of entries in directory path other than . and .. (-1: cannot
 * open). */
static int count_entries(const char *path)
{
  DIR *d = opendir(path);
  struct dirent *ent;
  int count = 0;
  if (!d)
    return -1;
  while ((ent = readdir(d)))
    if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0)
      count++;
  closedir(d);
  return count;
}

/* Runs the stub in `mode` on the three signals; returns the error and
 * fills msg (and *out on success). */
static sb_err run_stub(const char *mode, double sig[N_SIG][N_SAMPLES], size_t *T, size_t *D,
                       double **out, sb_msg *msg)
{
  char spec[256];
  sb_embedder *e = NULL;
  const double *sigs[N_SIG] = {sig[0], sig[1], sig[2]};
  sb_err err;
  snprintf(spec, sizeof spec, "cmd:python3 embedder-stub.py %s {list}", mode);
  if ((err = sb_embedder_new(spec, &e, msg)))
    return err;
  msg->text[0] = 0;
  *out = NULL;
  err = sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, names, T, D, out, msg);
  sb_embedder_free(&e);
  return err;
}

static void check_cmd_success(double sig[N_SIG][N_SAMPLES], const char *tmpdir)
{
  sb_msg msg = {{0}};
  size_t T = 0, D = 0, bad = 0;
  double *out = NULL;
  sb_err err = run_stub("ok", sig, &T, &D, &out, &msg);
  if (!tap_ok(err == SB_OK && out, "cmd: the stub embeds 3 signals (%s)", msg.text))
    return;
  tap_ok(T == N_FRAMES && D == DIM, "cmd: %zu frames of dimension %zu (want 3 and 4)", T, D);
  for (int i = 0; i < N_SIG; i++)
    for (int t = 0; t < N_FRAMES; t++) {
      const double *row = out + ((size_t)i * N_FRAMES + (size_t)t) * DIM;
      double want[DIM] = {t, (double)(float)sig[i][320 * t], N_SAMPLES, i};
      for (int j = 0; j < DIM; j++)
        if (row[j] != want[j]) {
          bad++;
          tap_diag("signal %d frame %d value %d: got %.17g want %.17g", i, t, j, row[j], want[j]);
        }
    }
  tap_ok(bad == 0, "cmd: every value read back is [t, x[320 t], n, i] (float64 with extra frames, "
         "float32, shape (1, T, D)): %zu differ", bad);
  free(out);
  tap_ok(count_entries(tmpdir) == 0, "cmd: the temporary directory is removed afterwards");
}

/* The stub's frames 2, 0, 2 of the three signals through
 * sb_embedder_embed_frames: [t, x[320 t], n, i] for each listed t. */
static void check_cmd_frames(double sig[N_SIG][N_SAMPLES], const char *tmpdir)
{
  const size_t frames[3] = {2, 0, 2};
  const double *sigs[N_SIG] = {sig[0], sig[1], sig[2]};
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  size_t D = 0, bad = 0;
  double *out = NULL;
  sb_err err = sb_embedder_new("cmd:python3 embedder-stub.py ok {list}", &e, &msg);
  if (!err)
    err = sb_embedder_embed_frames(e, sigs, N_SIG, N_SAMPLES, names, frames, 3, &D, &out, &msg);
  sb_embedder_free(&e);
  if (!tap_ok(err == SB_OK && out && D == DIM, "cmd: frames 2, 0, 2 of 3 signals (%s)", msg.text))
    return;
  for (int i = 0; i < N_SIG; i++)
    for (int r = 0; r < 3; r++) {
      size_t t = frames[r];
      const double *row = out + ((size_t)i * 3 + (size_t)r) * DIM;
      double want[DIM] = {(double)t, (double)(float)sig[i][320 * t], N_SAMPLES, i};
      for (int j = 0; j < DIM; j++)
        bad += row[j] != want[j];
    }
  tap_ok(bad == 0, "cmd: the listed frames are [t, x[320 t], n, i] in the listed order: %zu differ",
         bad);
  free(out);
  tap_ok(count_entries(tmpdir) == 0, "cmd: nothing left after the frame selection");
}

/* raw and logmel: a frame list gives exactly the listed rows of the whole
 * embedding (raw: the float32-rounded samples); bad lists are refused. */
static void check_frame_selection(double sig[N_SIG][N_SAMPLES])
{
  const size_t frames[4] = {1, 0, 2, 1};
  const double *sigs[2] = {sig[0], sig[2]};
  const char *const kinds[2] = {"raw", "logmel"};
  for (int k = 0; k < 2; k++) {
    sb_embedder *e = NULL;
    sb_msg msg = {{0}};
    size_t T = 0, D = 0, D_sel = 0, bad = 0, bad_raw = 0;
    double *all = NULL, *sel = NULL;
    sb_err err = sb_embedder_new(kinds[k], &e, &msg);
    if (!err)
      err = sb_embedder_embed(e, sigs, 2, N_SAMPLES, NULL, &T, &D, &all, &msg);
    if (!err)
      err = sb_embedder_embed_frames(e, sigs, 2, N_SAMPLES, NULL, frames, 4, &D_sel, &sel, &msg);
    if (tap_ok(err == SB_OK && T == N_FRAMES && D_sel == D,
               "%s: frames 1, 0, 2, 1 of 2 signals, dimension %zu (%s)", kinds[k], D_sel,
               msg.text)) {
      for (size_t i = 0; i < 2; i++)
        for (size_t r = 0; r < 4; r++)
          for (size_t j = 0; j < D; j++) {
            double got = sel[(i * 4 + r) * D + j];
            bad += got != all[(i * T + frames[r]) * D + j];
            if (k == 0)
              bad_raw += got != (double)(float)sigs[i][frames[r] * 320 + j];
          }
      tap_ok(bad == 0, "%s: each listed frame equals that row of the whole embedding: %zu differ",
             kinds[k], bad);
      if (k == 0)
        tap_ok(bad_raw == 0, "raw: the listed frames are the float32-rounded samples: %zu differ",
               bad_raw);
    }
    free(all);
    free(sel);
    sel = NULL;
    {
      const size_t past_end[2] = {0, N_FRAMES};
      msg.text[0] = 0;
      tap_ok(sb_embedder_embed_frames(e, sigs, 2, N_SAMPLES, NULL, past_end, 2, &D_sel, &sel,
                                      &msg) == SB_EINVAL &&
                 !sel && strstr(msg.text, "frame 3"),
             "%s: a frame past the end -> EINVAL naming it (%s)", kinds[k], msg.text);
      tap_ok(sb_embedder_embed_frames(e, sigs, 2, N_SAMPLES, NULL, NULL, 2, &D_sel, &sel, NULL) ==
                     SB_EINVAL &&
                 sb_embedder_embed_frames(e, sigs, 2, N_SAMPLES, NULL, frames, 0, &D_sel, &sel,
                                          NULL) == SB_EINVAL && !sel,
             "%s: no frame list or an empty one -> EINVAL", kinds[k]);
      tap_ok(sb_embedder_embed_frames(e, sigs, 2, 320, NULL, frames, 1, &D_sel, &sel, &msg) ==
                     SB_ELENGTH && !sel,
             "%s: a signal shorter than one frame -> ELENGTH", kinds[k]);
    }
    sb_embedder_free(&e);
  }
}

/* The program's standard output must not reach ours (it carries results):
 * ours goes to a file for the call. */
static void check_cmd_stdout(double sig[N_SIG][N_SAMPLES], const char *tmpdir, const char *work)
{
  char path[4200];
  sb_msg msg = {{0}};
  size_t T = 0, D = 0;
  double *out = NULL;
  sb_err err;
  int saved, fd;
  struct stat st = {0};
  snprintf(path, sizeof path, "%s/stdout.txt", work);
  fflush(stdout);
  saved = dup(1);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (saved < 0 || fd < 0) {
    tap_ok(0, "cmd: standard output redirected for the check");
    return;
  }
  dup2(fd, 1);
  close(fd);
  err = run_stub("stdout", sig, &T, &D, &out, &msg);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  free(out);
  tap_ok(err == SB_OK && stat(path, &st) == 0 && st.st_size == 0,
         "cmd: the program's standard output goes to standard error, not ours (%lld bytes)",
         (long long)st.st_size);
  unlink(path);
  tap_ok(count_entries(tmpdir) == 0, "cmd: nothing left after the stdout run");
}

/* A failing mode: the error code and the words its message must hold. */
typedef struct failing {
  const char *mode;
  sb_err want;
  const char *word1, *word2;
  const char *what;
} failing;

static void check_cmd_failures(double sig[N_SIG][N_SAMPLES], const char *tmpdir)
{
  static const failing cases[] = {
    {"fail", SB_EIO, "python3", "status 3", "program exits with status 3"},
    {"signal", SB_EIO, "python3", "signal 9", "program killed by SIGKILL"},
    {"short", SB_EFORMAT, "ref0.npy", "2 frames", "one frame too few"},
    {"dim", SB_EFORMAT, "out0.npy", "dimension 5", "dimension differing between signals"},
    {"garbage", SB_EFORMAT, "ref0.npy", "not a .npy", "text instead of .npy"},
    {"skip", SB_EIO, "ps0_d0", "wrote no embedding", "no file for the last signal"},
    {"truncated", SB_EFORMAT, "ref0.npy", "truncated", "header promises more data"},
    {"huge", SB_EFORMAT, "ref0.npy", "truncated", "shape overflowing 64 bits"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    sb_msg msg = {{0}};
    size_t T = 0, D = 0;
    double *out = NULL;
    sb_err err = run_stub(cases[c].mode, sig, &T, &D, &out, &msg);
    tap_ok(err == cases[c].want && !out && strstr(msg.text, cases[c].word1) &&
               strstr(msg.text, cases[c].word2),
           "cmd %s (%s): %s, message names it: %s", cases[c].mode, cases[c].what,
           sb_strerror(err), msg.text);
    tap_ok(count_entries(tmpdir) == 0, "cmd %s: no temporary file left", cases[c].mode);
  }
}

static void check_cmd_bad_setup(double sig[N_SIG][N_SAMPLES], const char *tmpdir)
{
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  const double *sigs[N_SIG] = {sig[0], sig[1], sig[2]};
  size_t T = 0, D = 0;
  double *out = NULL;
  sb_err err;

  tap_ok(sb_embedder_new("cmd:/nonexistent/sb-embedder {list}", &e, &msg) == SB_OK,
         "cmd: a template naming a missing program is accepted until it runs");
  err = sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, names, &T, &D, &out, &msg);
  tap_ok(err == SB_EIO && !out && strstr(msg.text, "/nonexistent/sb-embedder") &&
             strstr(msg.text, "No such file"),
         "cmd: missing program -> EIO naming it and why (%s)", msg.text);
  tap_ok(count_entries(tmpdir) == 0, "cmd: nothing left after the missing program");
  tap_ok(sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, NULL, &T, &D, &out, &msg) == SB_EINVAL,
         "cmd: signal names are required -> EINVAL");
  sb_embedder_free(&e);

  msg.text[0] = 0;
  tap_ok(sb_embedder_new("cmd:", &e, &msg) == SB_EINVAL && !e && strstr(msg.text, "empty"),
         "cmd: empty template -> EINVAL (%s)", msg.text);
  tap_ok(sb_embedder_new("cmd:   ", &e, NULL) == SB_OK, "cmd: a template of spaces parses");
  msg.text[0] = 0;
  err = sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, names, &T, &D, &out, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "empty"),
         "cmd: a template without words -> EINVAL when run (%s)", msg.text);
  sb_embedder_free(&e);
  {
    char spec[400] = "cmd:true";
    for (int i = 0; i < 70; i++)
      strcat(spec, " x");
    tap_ok(sb_embedder_new(spec, &e, NULL) == SB_OK, "cmd: a 71-word template parses");
    msg.text[0] = 0;
    err = sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, names, &T, &D, &out, &msg);
    tap_ok(err == SB_EINVAL && strstr(msg.text, "63 words"),
           "cmd: more than 63 words -> EINVAL when run (%s)", msg.text);
    sb_embedder_free(&e);
  }
  tap_ok(count_entries(tmpdir) == 0, "cmd: nothing left after the template errors");
}

/* Writes a .npy-like file: magic + version, header text (padded with
 * spaces and a newline to a multiple of 64 bytes, as numpy does), then
 * n_values doubles (or floats) counting from 0.5 by 0.5. */
static int write_file(const char *path, int version, const char *header, size_t n_values, int f4)
{
  FILE *f = fopen(path, "wb");
  char text[512];
  size_t len, pre = version == 1 ? 10 : 12;
  if (!f)
    return 0;
  snprintf(text, sizeof text, "%s", header);
  len = strlen(text);
  while ((pre + len + 1) % 64 && len < sizeof text - 2)
    text[len++] = ' ';
  text[len++] = '\n';
  fwrite("\x93NUMPY", 1, 6, f);
  fputc(version, f);
  fputc(0, f);
  fputc((int)(len & 0xff), f);
  fputc((int)(len >> 8), f);
  if (version != 1) {
    fputc(0, f);
    fputc(0, f);
  }
  fwrite(text, 1, len, f);
  for (size_t i = 0; i < n_values; i++) {
    if (f4) {
      float v = 0.5f * (float)(i + 1);
      fwrite(&v, 4, 1, f);
    } else {
      double v = 0.5 * (double)(i + 1);
      fwrite(&v, 8, 1, f);
    }
  }
  fclose(f);
  return 1;
}

static void check_npy_reader(const char *work)
{
  typedef struct bad_npy {
    int version;
    const char *header;
    size_t n_values;
    int f4;
    sb_err want;
    const char *word;
    const char *what;
  } bad_npy;
  static const bad_npy cases[] = {
    {9, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 6, 0, SB_EFORMAT, "version",
     "format version 9"},
    {1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }", 6, 1, SB_EFORMAT, "dtype",
     "int32 dtype"},
    {1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", 6, 0, SB_EFORMAT, "dtype",
     "big-endian float64"},
    {1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", 6, 0, SB_EFORMAT, "Fortran",
     "Fortran order"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", 6, 0, SB_EFORMAT, "shape",
     "1-D shape"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1, 3), }", 6, 0, SB_EFORMAT, "shape",
     "3-D shape not (1, T, D)"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 3), }", 6, 0, SB_EFORMAT, "shape",
     "negative dimension"},
    {1, "{'descr': '<f8', 'fortran_order': False, }", 6, 0, SB_EFORMAT, "shape", "no shape"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 5, 0, SB_EFORMAT,
     "truncated", "one value missing"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 7, 0, SB_EFORMAT,
     "bytes after", "one value too many"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", 6, 0,
     SB_EFORMAT, "truncated", "shape overflowing 64 bits"},
    {2, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387905, 3), }", 6, 0,
     SB_EFORMAT, "truncated", "huge shape, version 2"},
  };
  char path[4200];
  double *data = NULL;
  size_t rows = 0, cols = 0;
  sb_msg msg = {{0}};
  snprintf(path, sizeof path, "%s/m.npy", work);

  /* Good files first: version 1 float32, version 3 float64 (1, T, D). */
  write_file(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 6, 1);
  tap_ok(sb_npy_read(path, &data, &rows, &cols, &msg) == SB_OK && rows == 2 && cols == 3 &&
             data[0] == 0.5 && data[5] == 3.0,
         ".npy v1 float32 (2, 3): values 0.5 .. 3.0 (%s)", msg.text);
  free(data);
  data = NULL;
  write_file(path, 3, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", 6, 0);
  tap_ok(sb_npy_read(path, &data, &rows, &cols, &msg) == SB_OK && rows == 2 && cols == 3 &&
             data[4] == 2.5,
         ".npy v3 float64 (1, 2, 3) read as 2 x 3 (%s)", msg.text);
  free(data);
  data = NULL;

  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    sb_err err;
    write_file(path, cases[c].version, cases[c].header, cases[c].n_values, cases[c].f4);
    msg.text[0] = 0;
    err = sb_npy_read(path, &data, &rows, &cols, &msg);
    tap_ok(err == cases[c].want && !data && strstr(msg.text, "m.npy") &&
               strstr(msg.text, cases[c].word),
           ".npy %s -> %s naming the file (%s)", cases[c].what, sb_strerror(err), msg.text);
    free(data);
    data = NULL;
  }
  {
    FILE *f = fopen(path, "wb");
    if (f) {
      fwrite("\x93NUMPY\x01\x00\x40", 1, 9, f);
      fclose(f);
    }
    msg.text[0] = 0;
    tap_ok(sb_npy_read(path, &data, &rows, &cols, &msg) == SB_EFORMAT && strstr(msg.text, "header"),
           ".npy with a cut header -> EFORMAT (%s)", msg.text);
    f = fopen(path, "wb");
    if (f) {
      fputs("PK\x03\x04 a zip archive", f);
      fclose(f);
    }
    tap_ok(sb_npy_read(path, &data, &rows, &cols, &msg) == SB_EFORMAT &&
               strstr(msg.text, "not a .npy"),
           ".npz / other file -> EFORMAT not a .npy (%s)", msg.text);
  }
  unlink(path);
  tap_ok(sb_npy_read(path, &data, &rows, &cols, &msg) == SB_EIO && strstr(msg.text, "m.npy"),
         "missing .npy -> EIO naming it (%s)", msg.text);
  tap_ok(sb_npy_read(NULL, &data, &rows, &cols, NULL) == SB_EINVAL, "NULL path -> EINVAL");
}

/* file:DIR with bad files (the frame-count and dimension checks are in
 * test-pspm). */
static void check_file_embedder(double sig[N_SIG][N_SAMPLES], const char *work)
{
  char dir[4200], path[4400], spec[4300];
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  const double *sigs[N_SIG] = {sig[0], sig[1], sig[2]};
  size_t T = 0, D = 0;
  double *out = NULL;
  sb_err err;

  snprintf(dir, sizeof dir, "%s/emb", work);
  if (!tap_ok(mkdir(dir, 0700) == 0, "file: embedding directory created"))
    return;
  snprintf(spec, sizeof spec, "file:%s", dir);
  tap_ok(sb_embedder_new(spec, &e, NULL) == SB_OK && strcmp(sb_embedder_kind(e), "file") == 0,
         "file: embedder created");
  /* ref0: 4 frames (one extra) x 2, float64; out0: float32 (1, 3, 2). */
  snprintf(path, sizeof path, "%s/ref0.npy", dir);
  write_file(path, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }", 8, 0);
  snprintf(path, sizeof path, "%s/out0.npy", dir);
  write_file(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 2), }", 6, 1);
  err = sb_embedder_embed(e, sigs, 2, N_SAMPLES, names, &T, &D, &out, &msg);
  tap_ok(err == SB_OK && T == 3 && D == 2 && out[0] == 0.5 && out[5] == 3.0 && out[6] == 0.5 &&
             out[11] == 3.0,
         "file: extra frames ignored, float32 (1, T, D) accepted, values 0.5 .. 3.0 (%s)",
         msg.text);
  free(out);
  out = NULL;
  {
    const size_t frames[2] = {2, 0};
    const double want[4] = {2.5, 3.0, 0.5, 1.0};
    size_t bad = 0;
    err = sb_embedder_embed_frames(e, sigs, 2, N_SAMPLES, names, frames, 2, &D, &out, &msg);
    for (size_t i = 0; !err && i < 8; i++)
      bad += out[i] != want[i % 4];
    tap_ok(err == SB_OK && D == 2 && bad == 0,
           "file: frames 2, 0 of both signals are [2.5 3] [0.5 1] (%zu differ; %s)", bad, msg.text);
    free(out);
    out = NULL;
  }

  snprintf(path, sizeof path, "%s/out0.npy", dir);
  write_file(path, 1, "not a dictionary at all", 0, 0);
  msg.text[0] = 0;
  err = sb_embedder_embed(e, sigs, 2, N_SAMPLES, names, &T, &D, &out, &msg);
  tap_ok(err == SB_EFORMAT && !out && strstr(msg.text, "out0.npy"),
         "file: malformed header of the second signal -> EFORMAT naming it (%s)", msg.text);
  write_file(path, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", 5, 0);
  msg.text[0] = 0;
  err = sb_embedder_embed(e, sigs, 2, N_SAMPLES, names, &T, &D, &out, &msg);
  tap_ok(err == SB_EFORMAT && !out && strstr(msg.text, "out0.npy") && strstr(msg.text, "truncated"),
         "file: truncated data -> EFORMAT naming the file (%s)", msg.text);
  snprintf(path, sizeof path, "%s/ref0.npy", dir);
  write_file(path, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0), }", 0, 0);
  msg.text[0] = 0;
  err = sb_embedder_embed(e, sigs, 1, N_SAMPLES, names, &T, &D, &out, &msg);
  tap_ok(err == SB_EFORMAT && !out && strstr(msg.text, "ref0.npy") &&
             strstr(msg.text, "dimension 0"),
         "file: dimension 0 -> EFORMAT (%s)", msg.text);
  tap_ok(sb_embedder_embed(e, sigs, 1, N_SAMPLES, NULL, &T, &D, &out, NULL) == SB_EINVAL,
         "file: signal names are required -> EINVAL");
  msg.text[0] = 0;
  tap_ok(sb_embedder_embed(e, sigs, 1, 320, names, &T, &D, &out, &msg) == SB_ELENGTH,
         "file: a signal shorter than one frame -> ELENGTH (%s)", msg.text);
  sb_embedder_free(&e);
  tap_ok(sb_embedder_new("file:", &e, &msg) == SB_EINVAL && !e, "file: empty directory -> EINVAL");
  snprintf(path, sizeof path, "%s/ref0.npy", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/out0.npy", dir);
  unlink(path);
  rmdir(dir);
}

int main(void)
{
  const char *src = getenv("SB_TOP_SRCDIR"), *tmp = getenv("TMPDIR");
  char script_dir[4096], work[4096], tmpdir[4200];
  static double sig[N_SIG][N_SAMPLES];

  make_signals(sig);
  snprintf(work, sizeof work, "%s/sb-test-embedders-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!tap_ok(mkdtemp(work) != NULL, "work directory %s", work))
    return tap_done();
  check_npy_reader(work);
  check_file_embedder(sig, work);
  check_frame_selection(sig);

  /* The cmd: embedder's own temporary directories go to tmpdir, which
   * must be empty after every call. */
  snprintf(tmpdir, sizeof tmpdir, "%s/tmp", work);
  if (tap_ok(src && *src, "SB_TOP_SRCDIR is set (the stub embedder lives in the source tree)") &&
      tap_ok(mkdir(tmpdir, 0700) == 0 && setenv("TMPDIR", tmpdir, 1) == 0,
             "TMPDIR for the embedder: %s", tmpdir)) {
    snprintf(script_dir, sizeof script_dir, "%s/tests/metrics", src);
    if (tap_ok(chdir(script_dir) == 0 && access("embedder-stub.py", R_OK) == 0,
               "the stub embedder is in %s", script_dir)) {
      check_cmd_success(sig, tmpdir);
      check_cmd_frames(sig, tmpdir);
      check_cmd_stdout(sig, tmpdir, work);
      check_cmd_failures(sig, tmpdir);
      check_cmd_bad_setup(sig, tmpdir);
    }
    rmdir(tmpdir);
  }
  rmdir(work);
  return tap_done();
}
