/*
 * tests/backends/test-embedders.c — the --pspm-embedder specs of
 * backends/embedders.c: parsing (built-in kinds handed to
 * metrics/embedders.h, unknown kinds, empty arguments), the precomputed
 * ("file:DIR") and external-program ("cmd:TEMPLATE") embedders through
 * their success and failure paths, the cmd: program's time limit and
 * cancel flag.
 *
 * The program is tests/backends/embedder-stub.py (found through
 * $SB_TOP_SRCDIR, which the test harness sets; the test fails without it),
 * run as "python3 embedder-stub.py MODE {list}".  For signal i of n
 * samples x it writes frame t as [t, x[320 t], n, i] — numbers the test
 * knows without the code under test — in three .npy layouts (float64 with
 * two extra frames, float32, float64 of shape (1, T, D)).  The MODEs make it
 * fail, write too few frames, another dimension, garbage, no file, a
 * truncated or overflowing header, print to standard output, die by a
 * signal or hang: each must be a clear error naming the signal's file or
 * the program, leave no temporary file behind and never crash (the
 * sanitizer build runs this test).  The file embedder gets malformed files
 * written here byte by byte (the .npy reader itself: tests/common/
 * test-npy.c).  Lists of frames (unsorted, with repeats) are checked
 * against the stub's known values.  No randomness, no timing assertion
 * (the hanging stub is stopped by a 0.5-s limit or a cancel 0.3 s in;
 * the checks are on the outcome only).
 */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "backends/embedders.h"
#include "tests/backends/cancel_later.h"
#include "tests/common/npy_fixture.h"

enum { N_SAMPLES = 1000, N_FRAMES = 3, N_SIG = 3, DIM = 4 };

static const char *const names[N_SIG] = {"ref0", "out0", "ps0_d0"};
static const size_t all_frames[N_FRAMES] = {0, 1, 2};

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

/* Runs the stub in `mode` on the three signals, every frame, dimension
 * DIM, with opts (NULL: the defaults); returns the error and fills msg
 * and out ([N_SIG][N_FRAMES][DIM]). */
static sb_err run_stub(const char *mode, const sb_embedder_opts *opts, double sig[N_SIG][N_SAMPLES], double *out,
                       sb_msg *msg)
{
  char spec[256];
  sb_embedder *e = NULL;
  const double *sigs[N_SIG] = {sig[0], sig[1], sig[2]};
  sb_err err;
  snprintf(spec, sizeof spec, "cmd:python3 embedder-stub.py %s {list}", mode);
  if ((err = sb_embedder_new_opts(spec, opts, &e, msg)))
    return err;
  msg->text[0] = 0;
  err = sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, names, all_frames, N_FRAMES, DIM, out, msg);
  sb_embedder_free(&e);
  return err;
}

static void check_specs(void)
{
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  tap_ok(sb_embedder_new("nonsense", &e, &msg) == SB_EINVAL && !e && strstr(msg.text, "nonsense") &&
             strstr(msg.text, "cmd:TEMPLATE"),
         "unknown kind -> EINVAL naming it and the kinds (%s)", msg.text);
  tap_ok(sb_embedder_new(NULL, &e, NULL) == SB_OK && strcmp(sb_embedder_kind(e), "raw") == 0, "no spec: raw");
  sb_embedder_free(&e);
  tap_ok(sb_embedder_new("logmel", &e, NULL) == SB_OK && strcmp(sb_embedder_kind(e), "logmel") == 0 && !e->batch,
         "logmel: the built-in one");
  sb_embedder_free(&e);
  tap_ok(sb_embedder_new("cmd:true {list}", &e, NULL) == SB_OK && strcmp(sb_embedder_kind(e), "cmd") == 0 &&
             e->batch == 1,
         "cmd: batching (one program run per call)");
  sb_embedder_free(&e);
  tap_ok(sb_embedder_new("file:/nowhere", &e, NULL) == SB_OK && strcmp(sb_embedder_kind(e), "file") == 0 &&
             !e->batch,
         "file: not batching");
  sb_embedder_free(&e);
  tap_ok(sb_embedder_new("raw", NULL, NULL) == SB_EINVAL, "NULL out -> EINVAL");
}

static void check_cmd_success(double sig[N_SIG][N_SAMPLES], const char *tmpdir)
{
  sb_msg msg = {{0}};
  size_t bad = 0, D = 0;
  double out[N_SIG * N_FRAMES * DIM];
  sb_embedder *e = NULL;
  sb_err err = run_stub("ok", NULL, sig, out, &msg);
  if (!tap_ok(err == SB_OK, "cmd: the stub embeds 3 signals (%s)", msg.text))
    return;
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
  tap_ok(count_entries(tmpdir) == 0, "cmd: the temporary directory is removed afterwards");
  msg.text[0] = 0;
  if (sb_embedder_new("cmd:python3 embedder-stub.py ok {list}", &e, &msg) == SB_OK)
    err = sb_embedder_dim(e, sig[1], N_SAMPLES, "out0", &D, &msg);
  sb_embedder_free(&e);
  tap_ok(err == SB_OK && D == DIM, "cmd: the dimension probe runs the program on one signal: %zu (%s)", D, msg.text);
  tap_ok(count_entries(tmpdir) == 0, "cmd: nothing left after the probe");
}

/* The stub's frames 2, 0, 2 of the three signals: [t, x[320 t], n, i] for
 * each listed t. */
static void check_cmd_frames(double sig[N_SIG][N_SAMPLES], const char *tmpdir)
{
  const size_t frames[3] = {2, 0, 2};
  const double *sigs[N_SIG] = {sig[0], sig[1], sig[2]};
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  size_t bad = 0;
  double out[N_SIG * 3 * DIM];
  sb_err err = sb_embedder_new("cmd:python3 embedder-stub.py ok {list}", &e, &msg);
  if (!err)
    err = sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, names, frames, 3, DIM, out, &msg);
  sb_embedder_free(&e);
  if (!tap_ok(err == SB_OK, "cmd: frames 2, 0, 2 of 3 signals (%s)", msg.text))
    return;
  for (int i = 0; i < N_SIG; i++)
    for (int r = 0; r < 3; r++) {
      size_t t = frames[r];
      const double *row = out + ((size_t)i * 3 + (size_t)r) * DIM;
      double want[DIM] = {(double)t, (double)(float)sig[i][320 * t], N_SAMPLES, i};
      for (int j = 0; j < DIM; j++)
        bad += row[j] != want[j];
    }
  tap_ok(bad == 0, "cmd: the listed frames are [t, x[320 t], n, i] in the listed order: %zu differ", bad);
  tap_ok(count_entries(tmpdir) == 0, "cmd: nothing left after the frame selection");
}

/* The program's standard output must not reach ours (it carries results):
 * ours goes to a file for the call. */
static void check_cmd_stdout(double sig[N_SIG][N_SAMPLES], const char *tmpdir, const char *work)
{
  char path[4200];
  sb_msg msg = {{0}};
  double out[N_SIG * N_FRAMES * DIM];
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
  err = run_stub("stdout", NULL, sig, out, &msg);
  fflush(stdout);
  dup2(saved, 1);
  close(saved);
  tap_ok(err == SB_OK && stat(path, &st) == 0 && st.st_size == 0,
         "cmd: the program's standard output does not reach ours (%lld bytes)",
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
    {"fail", SB_EIO, "exit status 3", "model exploded", "the message ends with the tail of its stderr"},
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
    double out[N_SIG * N_FRAMES * DIM];
    sb_err err = run_stub(cases[c].mode, NULL, sig, out, &msg);
    tap_ok(err == cases[c].want && strstr(msg.text, cases[c].word1) && strstr(msg.text, cases[c].word2),
           "cmd %s (%s): %s, message names it: %s", cases[c].mode, cases[c].what, sb_strerror(err), msg.text);
    tap_ok(count_entries(tmpdir) == 0, "cmd %s: no temporary file left", cases[c].mode);
  }
}

/* A program that never ends: the time limit, then a cancel, kill it (and
 * its process group) and the call fails cleanly. */
static void check_cmd_limits(double sig[N_SIG][N_SAMPLES], const char *tmpdir)
{
  double out[N_SIG * N_FRAMES * DIM];
  sb_msg msg = {{0}};
  sb_embedder_opts limit = {0.5, NULL};
  volatile sig_atomic_t flag = 0;
  sb_embedder_opts cancel = {SB_EMBEDDER_TIMEOUT_S, &flag};
  pthread_t th;
  sb_err err = run_stub("hang", &limit, sig, out, &msg);
  tap_ok(err == SB_ETIMEOUT && strstr(msg.text, "python3") && strstr(msg.text, "timed out after 0.5 s"),
         "cmd: a hanging program is killed at its time limit -> ETIMEOUT (%s)", msg.text);
  tap_ok(count_entries(tmpdir) == 0, "cmd: nothing left after the time limit");
  if (!tap_ok(pthread_create(&th, NULL, cancel_later, (void *)&flag) == 0, "cancel thread started"))
    return;
  err = run_stub("hang", &cancel, sig, out, &msg);
  pthread_join(th, NULL);
  tap_ok(err == SB_EINTERRUPT && strstr(msg.text, "interrupted"),
         "cmd: a cancel (Ctrl-C) kills the running program -> EINTERRUPT (%s)", msg.text);
  tap_ok(count_entries(tmpdir) == 0, "cmd: nothing left after the cancel");
  flag = 1;
  err = run_stub("ok", &cancel, sig, out, &msg);
  tap_ok(err == SB_EINTERRUPT, "cmd: a cancel set before the call stops it too (%s)", sb_strerror(err));
}

static void check_cmd_bad_setup(double sig[N_SIG][N_SAMPLES], const char *tmpdir)
{
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  const double *sigs[N_SIG] = {sig[0], sig[1], sig[2]};
  double out[N_SIG * N_FRAMES * DIM];
  size_t D = 0;
  sb_err err;

  tap_ok(sb_embedder_new("cmd:/nonexistent/sb-embedder {list}", &e, &msg) == SB_OK,
         "cmd: a template naming a missing program is accepted until it runs");
  err = sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, names, all_frames, N_FRAMES, DIM, out, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "/nonexistent/sb-embedder") && strstr(msg.text, "No such file"),
         "cmd: missing program -> EIO naming it and why (%s)", msg.text);
  tap_ok(count_entries(tmpdir) == 0, "cmd: nothing left after the missing program");
  tap_ok(sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, NULL, all_frames, N_FRAMES, DIM, out, &msg) == SB_EINVAL &&
             sb_embedder_dim(e, sig[0], N_SAMPLES, NULL, &D, &msg) == SB_EINVAL,
         "cmd: signal names are required -> EINVAL");
  sb_embedder_free(&e);

  msg.text[0] = 0;
  tap_ok(sb_embedder_new("cmd:", &e, &msg) == SB_EINVAL && !e && strstr(msg.text, "empty"),
         "cmd: empty template -> EINVAL (%s)", msg.text);
  tap_ok(sb_embedder_new("cmd:   ", &e, NULL) == SB_OK, "cmd: a template of spaces parses");
  msg.text[0] = 0;
  err = sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, names, all_frames, N_FRAMES, DIM, out, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "empty"), "cmd: a template without words -> EINVAL when run (%s)",
         msg.text);
  sb_embedder_free(&e);
  {
    char spec[400] = "cmd:true";
    for (int i = 0; i < 70; i++)
      strcat(spec, " x");
    tap_ok(sb_embedder_new(spec, &e, NULL) == SB_OK, "cmd: a 71-word template parses");
    msg.text[0] = 0;
    err = sb_embedder_embed(e, sigs, N_SIG, N_SAMPLES, names, all_frames, N_FRAMES, DIM, out, &msg);
    tap_ok(err == SB_EINVAL && strstr(msg.text, "63 words"), "cmd: more than 63 words -> EINVAL when run (%s)",
           msg.text);
    sb_embedder_free(&e);
  }
  tap_ok(count_entries(tmpdir) == 0, "cmd: nothing left after the template errors");
}

/* file:DIR: good files (extra frames, float32 of shape (1, T, D)), frame
 * lists, the dimension probe; bad files: malformed, truncated, too few
 * frames, dimension 0 or another dimension, missing. */
static void check_file_embedder(double sig[N_SIG][N_SAMPLES], const char *work)
{
  char dir[4200], path[4400], spec[4300];
  sb_embedder *e = NULL;
  sb_msg msg = {{0}};
  const double *sigs[N_SIG] = {sig[0], sig[1], sig[2]};
  const char *missing[1] = {"missing"};
  double out[2 * N_FRAMES * 2];
  size_t D = 0;
  sb_err err;

  snprintf(dir, sizeof dir, "%s/emb", work);
  if (!tap_ok(mkdir(dir, 0700) == 0, "file: embedding directory created"))
    return;
  snprintf(spec, sizeof spec, "file:%s", dir);
  tap_ok(sb_embedder_new(spec, &e, NULL) == SB_OK && strcmp(sb_embedder_kind(e), "file") == 0,
         "file: embedder created");
  /* ref0: 4 frames (one extra) x 2, float64; out0: float32 (1, 3, 2). */
  snprintf(path, sizeof path, "%s/ref0.npy", dir);
  npy_fixture_write(path, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }", 8, 0);
  snprintf(path, sizeof path, "%s/out0.npy", dir);
  npy_fixture_write(path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 2), }", 6, 1);
  err = sb_embedder_dim(e, sig[0], N_SAMPLES, "ref0", &D, &msg);
  tap_ok(err == SB_OK && D == 2, "file: the probe reads dimension 2 from ref0.npy (%s)", msg.text);
  err = sb_embedder_embed(e, sigs, 2, N_SAMPLES, names, all_frames, N_FRAMES, 2, out, &msg);
  tap_ok(err == SB_OK && out[0] == 0.5 && out[5] == 3.0 && out[6] == 0.5 && out[11] == 3.0,
         "file: extra frames ignored, float32 (1, T, D) accepted, values 0.5 .. 3.0 (%s)", msg.text);
  {
    const size_t frames[2] = {2, 0};
    const double want[4] = {2.5, 3.0, 0.5, 1.0};
    size_t bad = 0;
    err = sb_embedder_embed(e, sigs, 2, N_SAMPLES, names, frames, 2, 2, out, &msg);
    for (size_t i = 0; !err && i < 8; i++)
      bad += out[i] != want[i % 4];
    tap_ok(err == SB_OK && bad == 0, "file: frames 2, 0 of both signals are [2.5 3] [0.5 1] (%zu differ; %s)", bad,
           msg.text);
  }
  msg.text[0] = 0;
  tap_ok(sb_embedder_embed(e, sigs, 2, N_SAMPLES, names, all_frames, N_FRAMES, 3, out, &msg) == SB_EFORMAT &&
             strstr(msg.text, "ref0.npy") && strstr(msg.text, "dimension 2"),
         "file: dimension 2 where the probe said 3 -> EFORMAT naming the file (%s)", msg.text);
  msg.text[0] = 0;
  /* 1700 samples are 5 frames, ref0.npy has 4 (the file embedder never
   * reads the samples, so the 1000-sample array stands for the longer
   * signal). */
  tap_ok(sb_embedder_embed(e, sigs, 1, 1700, names, all_frames, N_FRAMES, 2, out, &msg) == SB_EFORMAT &&
             strstr(msg.text, "4 frames, expected at least 5"),
         "file: too few frames for a longer signal -> EFORMAT (%s)", msg.text);
  msg.text[0] = 0;
  tap_ok(sb_embedder_embed(e, sigs, 1, N_SAMPLES, missing, all_frames, N_FRAMES, 2, out, &msg) == SB_EIO &&
             strstr(msg.text, "missing.npy") && sb_embedder_dim(e, sig[0], N_SAMPLES, "missing", &D, NULL) == SB_EIO,
         "file: missing file -> EIO naming it (%s)", msg.text);

  snprintf(path, sizeof path, "%s/out0.npy", dir);
  npy_fixture_write(path, 1, "not a dictionary at all", 0, 0);
  msg.text[0] = 0;
  err = sb_embedder_embed(e, sigs, 2, N_SAMPLES, names, all_frames, N_FRAMES, 2, out, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "out0.npy"),
         "file: malformed header of the second signal -> EFORMAT naming it (%s)", msg.text);
  npy_fixture_write(path, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", 5, 0);
  msg.text[0] = 0;
  err = sb_embedder_embed(e, sigs, 2, N_SAMPLES, names, all_frames, N_FRAMES, 2, out, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "out0.npy") && strstr(msg.text, "truncated"),
         "file: truncated data -> EFORMAT naming the file (%s)", msg.text);
  snprintf(path, sizeof path, "%s/ref0.npy", dir);
  npy_fixture_write(path, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0), }", 0, 0);
  msg.text[0] = 0;
  err = sb_embedder_dim(e, sig[0], N_SAMPLES, "ref0", &D, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "ref0.npy") && strstr(msg.text, "dimension 0"),
         "file: dimension 0 -> EFORMAT (%s)", msg.text);
  tap_ok(sb_embedder_embed(e, sigs, 1, N_SAMPLES, NULL, all_frames, N_FRAMES, 2, out, NULL) == SB_EINVAL,
         "file: signal names are required -> EINVAL");
  msg.text[0] = 0;
  tap_ok(sb_embedder_embed(e, sigs, 1, 320, names, all_frames, 1, 2, out, &msg) == SB_ELENGTH,
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
  check_specs();
  check_file_embedder(sig, work);

  /* The cmd: embedder's own temporary directories go to tmpdir, which
   * must be empty after every call. */
  snprintf(tmpdir, sizeof tmpdir, "%s/tmp", work);
  if (tap_ok(src && *src, "SB_TOP_SRCDIR is set (the stub embedder lives in the source tree)") &&
      tap_ok(mkdir(tmpdir, 0700) == 0 && setenv("TMPDIR", tmpdir, 1) == 0, "TMPDIR for the embedder: %s", tmpdir)) {
    snprintf(script_dir, sizeof script_dir, "%s/tests/backends", src);
    if (tap_ok(chdir(script_dir) == 0 && access("embedder-stub.py", R_OK) == 0, "the stub embedder is in %s",
               script_dir)) {
      check_cmd_success(sig, tmpdir);
      check_cmd_frames(sig, tmpdir);
      check_cmd_stdout(sig, tmpdir, work);
      check_cmd_failures(sig, tmpdir);
      check_cmd_limits(sig, tmpdir);
      check_cmd_bad_setup(sig, tmpdir);
    }
    rmdir(tmpdir);
  }
  rmdir(work);
  return tap_done();
}
