/*
 * tests/datasets/fixtures.h — small helpers shared by the datasets tests:
 * a temporary folder, text files, comparing files, and tiny WAV files
 * whose samples are k / 32768 so that PCM_16 stores them exactly; whether
 * a table of function pointers (datasets/avlib.h, fluidlib.h) is all set.
 */
#ifndef SB_TESTS_DATASETS_FIXTURES_H
#define SB_TESTS_DATASETS_FIXTURES_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/audio.h"
#include "common/paths.h"
#include "tap.h"

static int fx_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static inline int fx_rm_tree(const char *dir)
{
  return nftw(dir, fx_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/name in a rotating static buffer. */
static inline const char *fx_path(const char *dir, const char *name)
{
  static char buf[8][2048];
  static int next;
  char *p = buf[next++ % 8];
  snprintf(p, sizeof buf[0], "%s/%s", dir, name);
  return p;
}

/* Makes the test's temporary folder from template (".../name-XXXXXX") and
 * points SEPBENCH_SUITES at a file in it that does not exist, so that no
 * user suites config leaks into the test.  0 (after a failed check) when
 * the folder cannot be made. */
static inline int fx_begin(char *template)
{
  if (!mkdtemp(template))
    return tap_ok(0, "create a temporary folder");
  setenv("SEPBENCH_SUITES", fx_path(template, "no-suites.ini"), 1);
  return 1;
}

/* Removes the temporary folder (one check) and returns tap_done(). */
static inline int fx_end(const char *dir)
{
  tap_ok(fx_rm_tree(dir) == 0, "temporary folder removed");
  return tap_done();
}

static inline int fx_write_text(const char *path, const char *text)
{
  FILE *f = fopen(path, "wb");
  if (!f)
    return 0;
  fwrite(text, 1, strlen(text), f);
  return fclose(f) == 0;
}

/* 1 when the two files hold the same bytes (0 when one cannot be read). */
static inline int fx_files_equal(const char *a, const char *b)
{
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  int same = fa && fb, ca, cb;
  while (same) {
    ca = fgetc(fa);
    cb = fgetc(fb);
    if (ca != cb)
      same = 0;
    if (ca == EOF || cb == EOF)
      break;
  }
  if (fa)
    fclose(fa);
  if (fb)
    fclose(fb);
  return same;
}

/* The fixture formula of fx_put_wav for channel-major index i. */
static inline double fx_value(int64_t i, int step, int offset)
{
  return (double)((i * step + offset) % 2001 - 1000) / 32768.0;
}

/* Writes a file of n_chan x n_samples samples value(k) = ((k * step + offset)
 * % 2001 - 1000) / 32768 (exact in PCM_16), creating the folders. */
static inline int fx_put_wav(const char *path, int rate, int n_chan, int n_samples, int step, int offset)
{
  sb_audio *a = NULL;
  char *dir = NULL;
  int ok;
  if (sb_path_dirname(path, &dir) != SB_OK)
    return 0;
  sb_path_mkdir_p(dir, NULL);
  free(dir);
  if (sb_audio_new(&a, n_chan, n_samples, rate) != SB_OK)
    return 0;
  for (int64_t i = 0; i < (int64_t)n_chan * n_samples; i++)
    a->data[i] = (double)((i * step + offset) % 2001 - 1000) / 32768.0;
  ok = sb_audio_write(path, a, SB_PCM_16, NULL) == SB_OK;
  sb_audio_free(&a);
  return ok;
}

/* Writes the sum of the given files (same shape) into path (PCM_16). */
static inline int fx_put_sum(const char *path, const char *const *files, int n, double scale_last)
{
  sb_audio *sum = NULL, *a = NULL;
  int ok = 1;
  for (int i = 0; i < n && ok; i++) {
    ok = sb_audio_read(files[i], &a, NULL) == SB_OK;
    if (!ok)
      break;
    if (!sum) {
      sum = a;
      a = NULL;
      continue;
    }
    for (int64_t j = 0; j < (int64_t)a->n_chan * a->n_samples; j++)
      sum->data[j] += (i == n - 1 ? scale_last : 1.0) * a->data[j];
    sb_audio_free(&a);
  }
  if (ok)
    ok = sb_audio_write(path, sum, SB_PCM_16, NULL) == SB_OK;
  sb_audio_free(&sum);
  return ok;
}

/* 1 when each of the size / sizeof(fn) function pointers of table is set
 * (a struct of function pointers only, as the library tables are). */
static inline int fx_all_fns_set(const void *table, size_t size)
{
  void (*fn)(void);
  for (size_t at = 0; at + sizeof fn <= size; at += sizeof fn) {
    memcpy(&fn, (const char *)table + at, sizeof fn);
    if (!fn)
      return 0;
  }
  return size % sizeof fn == 0;
}

#endif /* SB_TESTS_DATASETS_FIXTURES_H */
