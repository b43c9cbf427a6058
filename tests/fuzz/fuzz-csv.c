/*
 * tests/fuzz/fuzz-csv.c — common/csv.c: sb_csv_parse on the input.  A
 * table must keep csv.h's rules (a non-empty header of distinct names,
 * every cell present, record lines increasing) and writing it back with
 * sb_csv_write_field must read as the same table.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csv.h"
#include "fuzz.h"

static void check_table(const sb_csv *c)
{
  const int n_cols = sb_csv_n_cols(c), n_rows = sb_csv_n_rows(c);

  FUZZ_CHECK(n_cols >= 1 && n_rows >= 0);
  for (int col = 0; col < n_cols; col++) {
    const char *h = sb_csv_header(c, col);
    FUZZ_CHECK(h != NULL && h[0] != '\0');
    FUZZ_CHECK(sb_csv_col(c, h) == col);
  }
  FUZZ_CHECK(sb_csv_header(c, -1) == NULL && sb_csv_header(c, n_cols) == NULL);
  for (int row = 0; row < n_rows; row++) {
    FUZZ_CHECK(sb_csv_line(c, row) >= 2);
    FUZZ_CHECK(row == 0 || sb_csv_line(c, row) > sb_csv_line(c, row - 1));
    for (int col = 0; col < n_cols; col++)
      FUZZ_CHECK(sb_csv_cell(c, row, col) != NULL);
    FUZZ_CHECK(sb_csv_cell(c, row, n_cols) == NULL);
  }
  FUZZ_CHECK(sb_csv_cell(c, n_rows, 0) == NULL && sb_csv_line(c, n_rows) == 0);
}

/* The table written back (header and rows, LF line ends). */
static char *write_table(const sb_csv *c, size_t *len)
{
  char *text = NULL;
  FILE *f = open_memstream(&text, len);

  if (!f)
    abort();
  for (int row = -1; row < sb_csv_n_rows(c); row++) {
    for (int col = 0; col < sb_csv_n_cols(c); col++) {
      if (col)
        fputc(',', f);
      sb_csv_write_field(f, row < 0 ? sb_csv_header(c, col) : sb_csv_cell(c, row, col));
    }
    fputc('\n', f);
  }
  if (fclose(f) != 0)
    abort();
  return text;
}

/* 1 when the tables hold the same header and cells. */
static int same_table(const sb_csv *a, const sb_csv *b)
{
  if (sb_csv_n_cols(a) != sb_csv_n_cols(b) || sb_csv_n_rows(a) != sb_csv_n_rows(b))
    return 0;
  for (int row = -1; row < sb_csv_n_rows(a); row++)
    for (int col = 0; col < sb_csv_n_cols(a); col++) {
      const char *x = row < 0 ? sb_csv_header(a, col) : sb_csv_cell(a, row, col);
      const char *y = row < 0 ? sb_csv_header(b, col) : sb_csv_cell(b, row, col);
      if (strcmp(x, y) != 0)
        return 0;
    }
  return 1;
}

/* Tables that cannot be written back as they read: a row of one empty
 * cell is written as a blank line, which the reader skips (RFC 4180 cannot
 * tell them apart), and a first header starting with the bytes of a UTF-8
 * byte-order mark is written unquoted at the start of the file, where the
 * reader skips a BOM. */
static int round_trips(const sb_csv *c)
{
  if (strncmp(sb_csv_header(c, 0), "\xEF\xBB\xBF", 3) == 0)
    return 0;
  for (int row = 0; sb_csv_n_cols(c) == 1 && row < sb_csv_n_rows(c); row++)
    if (sb_csv_cell(c, row, 0)[0] == '\0')
      return 0;
  return 1;
}

int fuzz_csv(const uint8_t *data, size_t size)
{
  sb_csv *c = NULL, *again = NULL;
  sb_msg msg;
  char *text;
  size_t len;
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_csv_parse((const char *)data, size, "in.csv", &c, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(c == NULL);
    FUZZ_CHECK(strncmp(msg.text, "in.csv: ", 8) == 0);
    return 0;
  }
  check_table(c);
  if (round_trips(c)) {
    text = write_table(c, &len);
    err = sb_csv_parse(text, len, "again.csv", &again, &msg);
    FUZZ_CHECK(err == SB_OK);
    FUZZ_CHECK(same_table(c, again));
    sb_csv_free(&again);
    free(text);
  }
  sb_csv_free(&c);
  FUZZ_CHECK(c == NULL);
  return 0;
}
