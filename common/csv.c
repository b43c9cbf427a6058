/*
 * common/csv.c — RFC 4180 table reader (see csv.h).
 *
 * Reference: Y. Shafranovich, "Common Format and MIME Type for
 * Comma-Separated Values (CSV) Files", RFC 4180, 2005.  One pass over the
 * bytes with a three-state machine (start of field, unquoted, quoted);
 * cell texts are copied, unescaped and NUL-terminated into one block of at
 * most 2 * len + 2 bytes, so memory is linear in the file size.
 */
#include <config.h>

#include "common/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"

struct sb_csv {
  int n_cols, n_rows;   /* n_rows excludes the header */
  char *block;          /* all cells, NUL-terminated */
  size_t *cells;        /* (n_rows + 1) * n_cols offsets into block */
  size_t *lines;        /* n_rows + 1 start lines */
};

void sb_csv_free(sb_csv **c)
{
  if (!c || !*c)
    return;
  free((*c)->block);
  free((*c)->cells);
  free((*c)->lines);
  free(*c);
  *c = NULL;
}

/* Growable arrays of cell offsets and record start lines. */
typedef struct csv_builder {
  size_t *cells;
  size_t n_cells, cap_cells;
  size_t *lines;
  size_t n_records, cap_records;
} csv_builder;

/* Appends value to the array *items of *n (room for *cap) elements,
 * doubling the room when full (64 at first).  SB_ENOMEM. */
static sb_err push(size_t **items, size_t *n, size_t *cap, size_t value)
{
  if (*n == *cap) {
    const size_t grown_cap = *cap ? 2 * *cap : 64;
    size_t *grown = realloc(*items, grown_cap * sizeof *grown);
    if (!grown)
      return SB_ENOMEM;
    *items = grown;
    *cap = grown_cap;
  }
  (*items)[(*n)++] = value;
  return SB_OK;
}

/* The header (the first n_cols cells): no empty and no repeated name. */
static sb_err check_header(const csv_builder *b, const char *block, int n_cols, const char *label, sb_msg *msg)
{
  for (int i = 0; i < n_cols; i++) {
    const char *h = block + b->cells[i];
    if (!h[0])
      return sb_msg_set(msg, SB_EFORMAT, "%s: line %zu: header column %d is empty", label, b->lines[0], i + 1);
    for (int j = 0; j < i; j++) {
      if (strcmp(h, block + b->cells[j]) != 0)
        continue;
      if (sb_control_char_at(h) >= 0) /* a quoted cell may hold a line break: not in a one-line message */
        return sb_msg_set(msg, SB_EFORMAT, "%s: line %zu: header columns %d and %d have the same name", label,
                          b->lines[0], j + 1, i + 1);
      return sb_msg_set(msg, SB_EFORMAT, "%s: line %zu: header column '%s' appears twice", label, b->lines[0], h);
    }
  }
  return SB_OK;
}

sb_err sb_csv_parse(const char *text, size_t len, const char *label, sb_csv **out, sb_msg *msg)
{
  enum { FIELD_START, UNQUOTED, QUOTED, AFTER_QUOTE } state = FIELD_START;
  csv_builder b = {0};
  sb_csv *c = NULL;
  char *block = NULL;
  size_t pos = 0, w = 0, cell_start = 0, record_first_cell = 0;
  int line = 1, record_line = 1, n_cols = -1, in_record = 0;
  sb_err err = SB_OK;

  *out = NULL;
  if (!label)
    label = "CSV";
  if (len > (size_t)SB_CSV_MAX_BYTES)
    return sb_msg_set(msg, SB_ELENGTH, "%s: larger than %d bytes", label, (int)SB_CSV_MAX_BYTES);
  if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB && (unsigned char)text[2] == 0xBF)
    pos = 3;
  block = malloc(2 * len + 2);
  if (!block)
    return SB_ENOMEM;
  for (;; pos++) {
    int at_end = pos >= len;
    char ch = at_end ? '\n' : text[pos];
    int end_record = 0, end_field = 0;
    if (!at_end && ch == '\0') {
      err = sb_msg_set(msg, SB_EFORMAT, "%s: line %d: NUL byte (not a text file)", label, line);
      goto fail;
    }
    if (at_end && !in_record && state == FIELD_START)
      break;
    if (!in_record) {
      if (ch == '\n' || (ch == '\r' && pos + 1 < len && text[pos + 1] == '\n')) {
        if (ch == '\n')
          line++;
        continue; /* blank line */
      }
      in_record = 1;
      record_line = line;
      record_first_cell = b.n_cells;
      cell_start = w;
    }
    switch (state) {
    case FIELD_START:
    case UNQUOTED:
      if (ch == '"' && state == FIELD_START && !at_end) {
        state = QUOTED;
      } else if (ch == '"' && !at_end) {
        err = sb_msg_set(msg, SB_EFORMAT, "%s: line %d: quote inside an unquoted field (quote the whole field and "
                         "double the quote)", label, line);
        goto fail;
      } else if (ch == ',') {
        end_field = 1;
      } else if (ch == '\n' || (ch == '\r' && pos + 1 < len && text[pos + 1] == '\n')) {
        end_field = end_record = 1;
      } else {
        block[w++] = ch;
        state = UNQUOTED;
      }
      break;
    case QUOTED:
      if (at_end) {
        err = sb_msg_set(msg, SB_EFORMAT, "%s: line %d: unterminated quoted field (started on line %d)", label,
                         line, record_line);
        goto fail;
      }
      if (ch == '"') {
        if (pos + 1 < len && text[pos + 1] == '"') {
          block[w++] = '"';
          pos++;
        } else {
          state = AFTER_QUOTE;
        }
      } else {
        block[w++] = ch;
      }
      break;
    case AFTER_QUOTE:
      if (ch == ',') {
        end_field = 1;
      } else if (ch == '\n' || (ch == '\r' && pos + 1 < len && text[pos + 1] == '\n')) {
        end_field = end_record = 1;
      } else {
        err = sb_msg_set(msg, SB_EFORMAT, "%s: line %d: text after the closing quote of a field", label, line);
        goto fail;
      }
      break;
    }
    if (!at_end && ch == '\n' && state == QUOTED)
      line++;
    if (end_field) {
      block[w++] = '\0';
      err = push(&b.cells, &b.n_cells, &b.cap_cells, cell_start);
      if (err)
        goto fail;
      cell_start = w;
      state = FIELD_START;
    }
    if (end_record) {
      int n = (int)(b.n_cells - record_first_cell);
      if (ch == '\r')
        pos++;
      line++;
      if (n_cols < 0) {
        n_cols = n;
      } else if (n != n_cols) {
        err = sb_msg_set(msg, SB_EFORMAT, "%s: line %d: %d field(s), the header has %d", label, record_line, n,
                         n_cols);
        goto fail;
      }
      err = push(&b.lines, &b.n_records, &b.cap_records, (size_t)record_line);
      if (err)
        goto fail;
      in_record = 0;
      if (at_end)
        break;
    }
  }
  if (n_cols < 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: empty (no header line)", label);
    goto fail;
  }
  err = check_header(&b, block, n_cols, label, msg);
  if (err)
    goto fail;
  c = calloc(1, sizeof *c);
  if (!c) {
    err = SB_ENOMEM;
    goto fail;
  }
  c->n_cols = n_cols;
  c->n_rows = (int)b.n_records - 1;
  c->block = block;
  c->cells = b.cells;
  c->lines = b.lines;
  *out = c;
  return SB_OK;

fail:
  free(block);
  free(b.cells);
  free(b.lines);
  return err;
}

sb_err sb_csv_parse_file(const char *path, sb_csv **out, sb_msg *msg)
{
  FILE *f;
  char *text = NULL;
  long size;
  size_t got;
  sb_err err;

  *out = NULL;
  f = fopen(path, "rb");
  if (!f)
    return sb_msg_set(msg, SB_EIO, "%s: cannot open", path);
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return sb_msg_set(msg, SB_EIO, "%s: cannot read (not a regular file?)", path);
  }
  if (size > (long)SB_CSV_MAX_BYTES) {
    fclose(f);
    return sb_msg_set(msg, SB_ELENGTH, "%s: larger than %d bytes", path, (int)SB_CSV_MAX_BYTES);
  }
  text = malloc((size_t)size + 1);
  if (!text) {
    fclose(f);
    return SB_ENOMEM;
  }
  got = fread(text, 1, (size_t)size, f);
  fclose(f);
  if (got != (size_t)size) {
    free(text);
    return sb_msg_set(msg, SB_EIO, "%s: read error", path);
  }
  err = sb_csv_parse(text, got, path, out, msg);
  free(text);
  return err;
}

int sb_csv_n_rows(const sb_csv *c)
{
  return c ? c->n_rows : 0;
}

int sb_csv_n_cols(const sb_csv *c)
{
  return c ? c->n_cols : 0;
}

const char *sb_csv_header(const sb_csv *c, int col)
{
  if (!c || col < 0 || col >= c->n_cols)
    return NULL;
  return c->block + c->cells[col];
}

int sb_csv_col(const sb_csv *c, const char *name)
{
  for (int i = 0; c && i < c->n_cols; i++)
    if (strcmp(c->block + c->cells[i], name) == 0)
      return i;
  return -1;
}

const char *sb_csv_cell(const sb_csv *c, int row, int col)
{
  if (!c || row < 0 || row >= c->n_rows || col < 0 || col >= c->n_cols)
    return NULL;
  return c->block + c->cells[(size_t)(row + 1) * (size_t)c->n_cols + (size_t)col];
}

int sb_csv_line(const sb_csv *c, int row)
{
  if (!c || row < 0 || row >= c->n_rows)
    return 0;
  return (int)c->lines[row + 1];
}

void sb_csv_write_field(FILE *f, const char *text)
{
  if (!text)
    return;
  if (!strpbrk(text, ",\"\r\n")) {
    fputs(text, f);
    return;
  }
  fputc('"', f);
  for (const char *p = text; *p; p++) {
    if (*p == '"')
      fputc('"', f);
    fputc(*p, f);
  }
  fputc('"', f);
}
