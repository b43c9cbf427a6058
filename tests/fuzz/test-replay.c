/*
 * tests/fuzz/test-replay.c — the fuzz targets (fuzz.h) in the normal
 * build: every committed seed (tests/fuzz/corpus/NAME/) and every input
 * that once broke a reader (tests/fuzz/crashers/NAME/) runs through its
 * target's entry in a child process, one TAP result per file: ok when the
 * child exits 0, not ok when it aborts (a broken contract), crashes or,
 * in the sanitizer build, reports an error or a leak.
 *
 *   test-replay                    every target, files under $SB_TOP_SRCDIR
 *   test-replay NAME FILE...       the given files through target NAME
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"
#include "tap.h"

/* Reads a whole file; NULL (with a diagnostic) when it cannot. */
static uint8_t *read_file(const char *path, size_t *size)
{
  FILE *f = fopen(path, "rb");
  uint8_t *data = NULL;
  struct stat st;

  if (!f || fstat(fileno(f), &st) != 0 || !(data = malloc((size_t)st.st_size + 1)) ||
      fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
    tap_diag("%s: cannot read: %s", path, strerror(errno));
    free(data);
    data = NULL;
  }
  if (f)
    fclose(f);
  *size = data ? (size_t)st.st_size : 0;
  return data;
}

/* Runs one file through target t in a child; 1 when the child exits 0. */
static int replay_file(const fuzz_target *t, const char *path)
{
  size_t size;
  uint8_t *data = read_file(path, &size);
  pid_t pid;
  int status;

  if (!data)
    return 0;
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    t->entry(data, size);
    free(data);
    exit(0);
  }
  free(data);
  if (pid < 0 || waitpid(pid, &status, 0) != pid)
    return 0;
  if (WIFSIGNALED(status))
    tap_diag("%s: killed by signal %d", path, WTERMSIG(status));
  else if (WEXITSTATUS(status) != 0)
    tap_diag("%s: exit status %d", path, WEXITSTATUS(status));
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int only_files(const struct dirent *e)
{
  return e->d_name[0] != '.';
}

/* Replays every file of dir (sorted by name) through t; returns how many
 * there were. */
static int replay_dir(const fuzz_target *t, const char *dir)
{
  struct dirent **names = NULL;
  int n = scandir(dir, &names, only_files, alphasort);

  for (int i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
    tap_ok(replay_file(t, path), "%s: %s", t->name, path);
    free(names[i]);
  }
  free(names);
  return n > 0 ? n : 0;
}

static const fuzz_target *find_target(const char *name)
{
  for (const fuzz_target *t = fuzz_targets; t->name; t++)
    if (strcmp(t->name, name) == 0)
      return t;
  return NULL;
}

int main(int argc, char **argv)
{
  const char *top = getenv("SB_TOP_SRCDIR");

  fuzz_dir(); /* made once here, so every child writes into it */
  if (argc >= 2) {
    const fuzz_target *t = find_target(argv[1]);
    if (!t) {
      fprintf(stderr, "test-replay: no target '%s'\n", argv[1]);
      return 2;
    }
    for (int i = 2; i < argc; i++)
      tap_ok(replay_file(t, argv[i]), "%s: %s", t->name, argv[i]);
    return tap_done();
  }
  if (!top) {
    fprintf(stderr, "test-replay: SB_TOP_SRCDIR is not set (run it through make check)\n");
    return 2;
  }
  for (const fuzz_target *t = fuzz_targets; t->name; t++) {
    char dir[4096];
    int n;
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", top, t->name);
    n = replay_dir(t, dir);
    tap_ok(n > 0, "%s: %d seed(s) in %s", t->name, n, dir);
    snprintf(dir, sizeof dir, "%s/tests/fuzz/crashers/%s", top, t->name);
    replay_dir(t, dir);
  }
  return tap_done();
}
