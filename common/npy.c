/*
 * common/npy.c — the .npy reader of common/npy.h, following the NumPy
 * format specification (numpy.lib.format, versions 1-3).
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/npy.h"

/* The header text after the magic and version (NUL-terminated, malloc'ed
 * into *header), f left at the first data byte. */
static sb_err read_header(FILE *f, const char *path, char **header, sb_msg *msg)
{
  unsigned char magic[8], b[4] = {0};
  uint32_t hlen = 0;
  *header = NULL;
  if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "\x93NUMPY", 6) != 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: not a .npy file", path);
  if (magic[6] < 1 || magic[6] > 3)
    return sb_msg_set(msg, SB_EFORMAT, "%s: unsupported .npy format version %d", path, magic[6]);
  /* Version 1: a 2-byte header length; versions 2 and 3: 4 bytes. */
  if (fread(b, 1, magic[6] == 1 ? 2 : 4, f) == (magic[6] == 1 ? 2u : 4u))
    hlen = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
  if (hlen == 0 || hlen > 65536 || !(*header = calloc(hlen + 1, 1)) || fread(*header, 1, hlen, f) != hlen) {
    free(*header);
    *header = NULL;
    return sb_msg_set(msg, SB_EFORMAT, "%s: truncated .npy header", path);
  }
  return SB_OK;
}

/* dtype (*width 4 or 8 bytes), order and shape of the header text. */
static sb_err parse_header(const char *header, const char *path, size_t *width, size_t *rows, size_t *cols,
                           sb_msg *msg)
{
  size_t dims[3] = {0}, n_dims = 0;
  const char *p;
  if (strstr(header, "'descr': '<f4'"))
    *width = 4;
  else if (strstr(header, "'descr': '<f8'"))
    *width = 8;
  else
    return sb_msg_set(msg, SB_EFORMAT, "%s: dtype must be little-endian float32 or float64", path);
  if (strstr(header, "'fortran_order': True"))
    return sb_msg_set(msg, SB_EFORMAT, "%s: Fortran-ordered arrays are not supported", path);
  if (!(p = strstr(header, "'shape': (")))
    return sb_msg_set(msg, SB_EFORMAT, "%s: no shape in the .npy header", path);
  p += 10;
  while (*p && *p != ')' && n_dims < 3) {
    char *end;
    if (*p < '0' || *p > '9')
      break;
    dims[n_dims++] = (size_t)strtoull(p, &end, 10);
    p = end;
    while (*p == ',' || *p == ' ')
      p++;
  }
  if (*p != ')' || !(n_dims == 2 || (n_dims == 3 && dims[0] == 1)))
    return sb_msg_set(msg, SB_EFORMAT, "%s: shape must be (frames, dim) or (1, frames, dim)", path);
  *rows = dims[n_dims - 2];
  *cols = dims[n_dims - 1];
  return SB_OK;
}

/* The rows x cols values of width bytes from f's position to its end,
 * which must hold exactly that many bytes (checked before allocating, so
 * that a header claiming a huge shape cannot cause a huge allocation). */
static sb_err read_data(FILE *f, const char *path, size_t width, size_t rows, size_t cols, double **data,
                        sb_msg *msg)
{
  long data_start = ftell(f), file_end = -1;
  size_t have, count;
  unsigned char *raw;
  if (data_start < 0 || fseek(f, 0, SEEK_END) != 0 || (file_end = ftell(f)) < data_start ||
      fseek(f, data_start, SEEK_SET) != 0)
    return sb_msg_set(msg, SB_EIO, "%s: cannot seek: %s", path, strerror(errno));
  have = (size_t)(file_end - data_start);
  if (cols && rows > have / width / cols)
    return sb_msg_set(msg, SB_EFORMAT, "%s: truncated .npy data (shape (%zu, %zu), %zu bytes of data)", path,
                      rows, cols, have);
  if (rows * cols * width != have)
    return sb_msg_set(msg, SB_EFORMAT, "%s: %zu bytes after the .npy data of shape (%zu, %zu)", path,
                      have - rows * cols * width, rows, cols);
  count = rows * cols;
  raw = malloc(count ? count * width : 1);
  *data = malloc((count ? count : 1) * sizeof **data);
  if (!raw || !*data) {
    free(raw);
    return SB_ENOMEM;
  }
  if (fread(raw, width, count, f) != count) {
    free(raw);
    return sb_msg_set(msg, SB_EIO, "%s: read error", path);
  }
  for (size_t i = 0; i < count; i++) {
    if (width == 4) {
      float v;
      memcpy(&v, raw + 4 * i, 4);
      (*data)[i] = v;
    } else {
      memcpy(&(*data)[i], raw + 8 * i, 8);
    }
  }
  free(raw);
  return SB_OK;
}

sb_err sb_npy_read(const char *path, double **data, size_t *rows, size_t *cols, sb_msg *msg)
{
  FILE *f;
  char *header = NULL;
  size_t width = 8;
  sb_err err;

  if (!path || !data || !rows || !cols)
    return SB_EINVAL;
  *data = NULL;
  if (!(f = fopen(path, "rb")))
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
  err = read_header(f, path, &header, msg);
  if (!err)
    err = parse_header(header, path, &width, rows, cols, msg);
  if (!err)
    err = read_data(f, path, width, *rows, *cols, data, msg);
  fclose(f);
  free(header);
  if (err) {
    free(*data);
    *data = NULL;
  }
  return err;
}
