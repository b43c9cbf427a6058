/*
 * tests/common/npy_fixture.h — a test helper: writes a .npy-like file
 * byte by byte (for the .npy reader's and the file: embedder's tests),
 * any header text and any number of values, so that malformed files are
 * as easy to make as good ones.
 */
#ifndef SB_TESTS_COMMON_NPY_FIXTURE_H
#define SB_TESTS_COMMON_NPY_FIXTURE_H

#include <stdio.h>
#include <string.h>

/* Writes a .npy-like file: magic + version, header text (padded with
 * spaces and a newline to a multiple of 64 bytes, as numpy does), then
 * n_values doubles (or floats) counting from 0.5 by 0.5. */
static inline int npy_fixture_write(const char *path, int version, const char *header, size_t n_values, int f4)
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

#endif /* SB_TESTS_COMMON_NPY_FIXTURE_H */
