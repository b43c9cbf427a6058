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
  write_file(path, 2, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4), }", 0, 0);
  tap_ok(sb_npy_read(path, &data, &rows, &cols, &msg) == SB_OK && data && rows == 0 && cols == 4,
         ".npy v2 of shape (0, 4): no values, still a buffer (%s)", msg.text);
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
