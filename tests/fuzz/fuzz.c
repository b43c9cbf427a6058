/*
 * tests/fuzz/fuzz.c — what the fuzz targets share (see fuzz.h): the table
 * of targets, contract checks, the temporary folder and input splitting.
 */
#include <config.h>

#include "fuzz.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FUZZ_ENTRY_OF(entry, name) {name, fuzz_##entry},
const fuzz_target fuzz_targets[] = {FUZZ_TARGETS(FUZZ_ENTRY_OF){NULL, NULL}};
#undef FUZZ_ENTRY_OF

void fuzz_fail(const char *what, const char *file, int line)
{
  fprintf(stderr, "fuzz: contract broken: %s (%s:%d)\n", what, file, line);
  abort();
}

void fuzz_check_error(sb_err err, const sb_msg *msg)
{
  FUZZ_CHECK(err > SB_OK && err < SB_ERR_COUNT);
  /* Inputs are small: running out of memory means a reader sized a buffer
   * from a length the input only claims. */
  FUZZ_CHECK(err != SB_ENOMEM);
  if (!msg)
    return;
  FUZZ_CHECK(msg->text[0] != '\0');
  FUZZ_CHECK(strchr(msg->text, '\n') == NULL);
}

static char dir_path[PATH_MAX];
static pid_t dir_owner; /* forked children leave the folder to its maker */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void)st;
  (void)type;
  (void)ftw;
  return remove(path);
}

static void remove_dir(void)
{
  if (getpid() == dir_owner)
    nftw(dir_path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
  if (!dir_path[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(dir_path, sizeof dir_path, "%s/sepbench-fuzz-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir_path)) {
      perror(dir_path);
      abort();
    }
    dir_owner = getpid();
    atexit(remove_dir);
  }
  return dir_path;
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
  static char path[PATH_MAX + 256];
  FILE *f;

  snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
  /* A new file each time: ext4 flushes a file truncated and rewritten in
   * place at close (auto_da_alloc), which costs milliseconds. */
  remove(path);
  f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
    perror(path);
    abort();
  }
  return path;
}

char *fuzz_split(const uint8_t *data, size_t size, const char **parts, int n_parts)
{
  char *block = malloc(size + (size_t)n_parts + 1);
  size_t at = 0;

  if (!block)
    abort();
  memcpy(block, data, size);
  memset(block + size, 0, (size_t)n_parts + 1);
  for (int i = 0; i < n_parts; i++) {
    parts[i] = block + at;
    at += strlen(block + at) + 1;
  }
  return block;
}
