/*
 * tests/common/test-npy.c — the .npy reader of common/npy.c on files
 * written here byte by byte: version 1 float32, version 3 float64 of shape
 * (1, T, D), an empty (0, D) matrix; the bad-input table — other versions
 * and dtypes, Fortran order, 1-D, 3-D, 4-D, unclosed and lettered shapes,
 * no shape or dtype, data one value short or long, dtype and data of
 * different widths, shapes whose byte count overflows 64 bits (refused
 * before any allocation, which the sanitizer build would report), header
 * lengths 0 and over 64 KiB, files cut inside the magic, the header
 * length or the header, other files; a missing file and NULL arguments.
 * Every failure names the file.  No randomness.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/npy.h"
#include "tap.h"
#include "tests/common/npy_fixture.h"

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
  static const struct {
    int version;
    const char *header;
    size_t rows, cols;
    int f4;
    const char *what;
  } good[] = {
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 2, 3, 1, "v1 float32 (2, 3)"},
    {3, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", 2, 3, 0, "v3 float64 (1, 2, 3)"},
    {2, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }", 0, 4, 0, "v2 float64 (0, 4)"},
  };
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
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 99999999999999999999999), }", 6, 0,
     SB_EFORMAT, "truncated", "dimension beyond 64 bits"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3074457345618258603, 6), }", 6, 0,
     SB_EFORMAT, "truncated", "rows x cols x 8 wrapping to a small size"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, }", 6, 0, SB_EFORMAT, "shape",
     "unclosed shape"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3, 4), }", 6, 0, SB_EFORMAT, "shape",
     "4-D shape"},
    {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (a, 3), }", 6, 0, SB_EFORMAT, "shape",
     "letters in the shape"},
    {1, "{'fortran_order': False, 'shape': (2, 3), }", 6, 0, SB_EFORMAT, "dtype", "no dtype"},
    {3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 6, 0, SB_EFORMAT, "bytes after",
     "float32 header over float64 data"},
  };
  char path[4200];
  double *data = NULL;
  size_t rows = 0, cols = 0;
  sb_msg msg = {{0}};
  snprintf(path, sizeof path, "%s/m.npy", work);

  /* Good files first: v1 float32, v3 float64 (1, T, D), v2 empty (0, D):
   * shape, and the first and last values (0.5 counting by 0.5). */
  for (size_t g = 0; g < sizeof good / sizeof good[0]; g++) {
    npy_fixture_write(path, good[g].version, good[g].header, good[g].rows * good[g].cols, good[g].f4);
    msg.text[0] = 0;
    tap_ok(sb_npy_read(path, &data, &rows, &cols, &msg) == SB_OK && data && rows == good[g].rows &&
               cols == good[g].cols && (rows * cols == 0 || (data[0] == 0.5 && data[rows * cols - 1] == 0.5 * rows * cols)),
           ".npy %s read as %zu x %zu (%s)", good[g].what, good[g].rows, good[g].cols, msg.text);
    free(data);
    data = NULL;
  }

  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    sb_err err;
    npy_fixture_write(path, cases[c].version, cases[c].header, cases[c].n_values, cases[c].f4);
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
    static const struct {
      const char *bytes;
      size_t len;
      const char *what;
    } raw[] = {{"\x93NUMPY\x01\x00\x00\x00", 10, "header length 0"},
               {"\x93NUMPY\x02\x00\x70\x11\x01\x00{'descr'", 19, "header length 70000 (over 64 KiB)"},
               {"\x93NUMPY\x02\x00\x40", 9, "version 2 cut inside the header length"},
               {"\x93NUM", 5, "cut inside the magic"}};
    for (size_t r = 0; r < sizeof raw / sizeof raw[0]; r++) {
      f = fopen(path, "wb");
      if (f) {
        fwrite(raw[r].bytes, 1, raw[r].len, f);
        fclose(f);
      }
      msg.text[0] = 0;
      tap_ok(sb_npy_read(path, &data, &rows, &cols, &msg) == SB_EFORMAT && !data && strstr(msg.text, "m.npy"),
             ".npy %s -> EFORMAT (%s)", raw[r].what, msg.text);
    }
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

int main(void)
{
  const char *tmp = getenv("TMPDIR");
  char work[4096];
  snprintf(work, sizeof work, "%s/sb-test-npy-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!tap_ok(mkdtemp(work) != NULL, "work directory %s", work))
    return tap_done();
  check_npy_reader(work);
  rmdir(work);
  return tap_done();
}
