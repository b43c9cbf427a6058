/*
 * tests/fuzz/fuzz-npy.c — the .npy reader (common/npy.h) on the input as a
 * file.  An array that reads must be exactly as large as the file's data
 * (rows x cols values of 4 or 8 bytes after the header), every value
 * readable.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "common/npy.h"
#include "fuzz.h"

int fuzz_npy(const uint8_t *data, size_t size)
{
  const char *path = fuzz_file("x.npy", data, size);
  double *values = NULL;
  volatile double sum = 0; /* keeps every read */
  size_t rows = 0, cols = 0;
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_npy_read(path, &values, &rows, &cols, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(values == NULL);
    FUZZ_CHECK(strstr(msg.text, path) != NULL);
    return 0;
  }
  FUZZ_CHECK(values != NULL);
  FUZZ_CHECK(cols == 0 || rows <= size / cols);
  FUZZ_CHECK(rows * cols * 4 < size);
  for (size_t i = 0; i < rows * cols; i++)
    sum += values[i];
  free(values);
  return 0;
}
