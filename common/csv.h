/*
 * common/csv.h — a strict reader for comma-separated tables (RFC 4180),
 * used for LibriMix metadata and generic CSV manifests.
 *
 * Rules (RFC 4180, with the usual relaxations): records end with CRLF or
 * LF; fields are separated by ','; a field may be enclosed in double
 * quotes, inside which ',' CR LF are literal and "" is one quote; a UTF-8
 * byte-order mark at the start is skipped; blank lines are skipped.  The
 * first record is the header.  Refused with SB_EFORMAT and the line
 * number: a quote inside an unquoted field, text after a closing quote, an
 * unterminated quoted field, a NUL byte, a record whose field count
 * differs from the header's, an empty header or a repeated header name.
 * Cells are kept as bytes (any encoding); callers check what they need.
 *
 * Workload: metadata files of up to ~50 000 rows (LibriMix train-360);
 * one pass, cells stored in one block.  Thread-safety: a table is
 * read-only after parsing and may be shared.
 */
#ifndef SB_COMMON_CSV_H
#define SB_COMMON_CSV_H

#include <stddef.h>
#include <stdio.h>
#include "sepbench/error.h"

typedef struct sb_csv sb_csv;

/* Largest file sb_csv_parse_file accepts, in bytes. */
enum { SB_CSV_MAX_BYTES = 256 * 1024 * 1024 };

/* Parses len bytes; label names the source in messages ("file.csv: line
 * 3: unterminated quoted field").  SB_EFORMAT, SB_ENOMEM; *out is NULL on
 * failure. */
sb_err sb_csv_parse(const char *text, size_t len, const char *label, sb_csv **out, sb_msg *msg);

/* Reads and parses a file.  SB_EIO (cannot read), SB_ELENGTH (larger than
 * SB_CSV_MAX_BYTES), SB_EFORMAT, SB_ENOMEM. */
sb_err sb_csv_parse_file(const char *path, sb_csv **out, sb_msg *msg);

/* Number of data records (header excluded) and of columns. */
int sb_csv_n_rows(const sb_csv *c);
int sb_csv_n_cols(const sb_csv *c);

/* Header name of column col, or NULL when out of range. */
const char *sb_csv_header(const sb_csv *c, int col);

/* Column index of a header name (exact match), or -1. */
int sb_csv_col(const sb_csv *c, const char *name);

/* Cell (row, col) of the data records, NUL-terminated; NULL when out of
 * range.  Valid until sb_csv_free. */
const char *sb_csv_cell(const sb_csv *c, int row, int col);

/* Line (1-based) of the file where data record row starts, for messages. */
int sb_csv_line(const sb_csv *c, int row);

void sb_csv_free(sb_csv **c);

/* Writes one RFC 4180 field: as is, or quoted (with doubled quotes) when it
 * holds a comma, a quote or a line break.  NULL writes an empty field. */
void sb_csv_write_field(FILE *f, const char *text);

#endif /* SB_COMMON_CSV_H */
