/*
 * common/npy.h — a reader of NumPy .npy files (numpy.lib.format, format
 * versions 1-3) holding a matrix of little-endian float32 or float64
 * values: the precomputed frame embeddings of PS/PM (backends/embedders.h).
 *
 * Accepted: dtype '<f4' or '<f8', C order, shape (T, D) or (1, T, D).
 * The header is at most 64 KiB; the data must fill the rest of the file
 * exactly; every size is checked against the file before anything is
 * allocated, so a header claiming a huge shape fails without a huge
 * allocation.
 *
 * Workload: one file per signal, kB to tens of MB.  Thread-safety: calls on
 * different files may run concurrently (no shared state).
 */
#ifndef SB_COMMON_NPY_H
#define SB_COMMON_NPY_H

#include <stddef.h>
#include "sepbench/error.h"

/* Reads path into *data (malloc'ed, *rows x *cols values in C order, as
 * float64; caller frees).  *data is NULL on error.
 * Errors (msg names the file): SB_EINVAL (NULL arguments), SB_EIO (cannot
 * open, seek or read), SB_EFORMAT (no .npy magic, other version, header
 * truncated, other dtype, Fortran order, other shape, data truncated or
 * followed by extra bytes), SB_ENOMEM. */
sb_err sb_npy_read(const char *path, double **data, size_t *rows, size_t *cols, sb_msg *msg);

#endif /* SB_COMMON_NPY_H */
