/*
 * tests/common/test-csv.c — common/csv.c: RFC 4180 quoting (commas,
 * doubled quotes, line breaks inside quotes), CRLF and LF, BOM, blank
 * lines, and every malformed-input error with its line number.  Expected
 * cells are written by hand from RFC 4180's rules.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/csv.h"
#include "tap.h"

static int cell_is(const sb_csv *c, int row, int col, const char *want)
{
  const char *got = sb_csv_cell(c, row, col);
  return got && strcmp(got, want) == 0;
}

static void test_good(void)
{
  static const char text[] = "\xEF\xBB\xBFid,mixture,\"odd, name\"\r\n"
                             "a,\"x,y.wav\",\"say \"\"hi\"\"\"\r\n"
                             "\r\n"
                             "\"Ben & Jerry's (live)\",\"two\nlines\",\n"
                             "c,,last";
  sb_csv *c = NULL;
  sb_msg msg;
  sb_err err = sb_csv_parse(text, sizeof text - 1, "t.csv", &c, &msg);
  tap_ok(err == SB_OK, "a valid table parses (%s)", err ? msg.text : "ok");
  if (err)
    return;
  tap_ok(sb_csv_n_cols(c) == 3 && sb_csv_n_rows(c) == 3, "3 columns, 3 rows (blank line skipped): %d x %d",
         sb_csv_n_cols(c), sb_csv_n_rows(c));
  tap_ok(strcmp(sb_csv_header(c, 0), "id") == 0, "the BOM is not part of the first header");
  tap_ok(sb_csv_col(c, "odd, name") == 2 && sb_csv_col(c, "nope") == -1, "quoted header with a comma; unknown -1");
  tap_ok(cell_is(c, 0, 1, "x,y.wav"), "comma inside quotes");
  tap_ok(cell_is(c, 0, 2, "say \"hi\""), "doubled quotes are one quote");
  tap_ok(cell_is(c, 1, 0, "Ben & Jerry's (live)"), "& ' ( ) in a quoted cell");
  tap_ok(cell_is(c, 1, 1, "two\nlines"), "line break inside quotes");
  tap_ok(cell_is(c, 1, 2, ""), "trailing comma gives an empty last cell");
  tap_ok(cell_is(c, 2, 1, "") && cell_is(c, 2, 2, "last"), "empty cell and a last line without newline");
  tap_ok(sb_csv_line(c, 0) == 2 && sb_csv_line(c, 1) == 4 && sb_csv_line(c, 2) == 6,
         "record lines 2, 4, 6: %d %d %d", sb_csv_line(c, 0), sb_csv_line(c, 1), sb_csv_line(c, 2));
  tap_ok(sb_csv_cell(c, 3, 0) == NULL && sb_csv_cell(c, 0, 3) == NULL && sb_csv_cell(c, -1, 0) == NULL,
         "out-of-range cells are NULL");
  sb_csv_free(&c);
  tap_ok(c == NULL, "free NULLs the pointer");
  sb_csv_free(&c);
}

static void expect_error(const char *text, size_t len, const char *what, const char *want_in_msg)
{
  sb_csv *c = NULL;
  sb_msg msg;
  sb_err err;
  sb_msg_clear(&msg);
  err = sb_csv_parse(text, len, "bad.csv", &c, &msg);
  tap_ok(err == SB_EFORMAT && c == NULL && strstr(msg.text, want_in_msg) != NULL, "%s: %s", what, msg.text);
}

static void test_bad(void)
{
  static const char nul[] = "a,b\n1,\0\n";
  expect_error("id,mix\nab\"c,d\n", 14, "quote inside an unquoted field", "line 2: quote inside");
  expect_error("id,mix\n\"abc,d\n", 14, "unterminated quoted field", "unterminated");
  expect_error("id,mix\n\"a\"b,d\n", 14, "text after the closing quote", "line 2: text after");
  expect_error("id,mix\n1,2,3\n", 13, "too many fields", "line 2: 3 field(s), the header has 2");
  expect_error("id,mix\n1\n", 9, "too few fields", "1 field(s)");
  expect_error(nul, sizeof nul - 1, "NUL byte", "NUL byte");
  expect_error("", 0, "empty input", "empty");
  expect_error("\n\n", 2, "only blank lines", "empty");
  expect_error("id,,x\n", 6, "empty header name", "header column 2 is empty");
  expect_error("id,id\n", 6, "repeated header", "appears twice");
  expect_error("\"a\nb\",\"a\nb\"\n", 12, "a repeated header holding a line break is named by its columns",
               "line 1: header columns 1 and 2 have the same name");
}

static void test_file(void)
{
  char path[] = "/tmp/sb-test-csv-XXXXXX";
  int fd = mkstemp(path);
  sb_csv *c = NULL;
  sb_msg msg;
  sb_err err;
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (f) {
    fputs("h1,h2\n\"1\",2\n", f);
    fclose(f);
  }
  err = sb_csv_parse_file(path, &c, &msg);
  tap_ok(err == SB_OK && cell_is(c, 0, 0, "1") && cell_is(c, 0, 1, "2"), "reads a file");
  sb_csv_free(&c);
  remove(path);
  err = sb_csv_parse_file(path, &c, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, path), "a missing file is SB_EIO naming it: %s", msg.text);
  err = sb_csv_parse_file("/tmp", &c, &msg);
  tap_ok(err != SB_OK && c == NULL, "a folder is refused: %s", msg.text);
}

/* Fields written by sb_csv_write_field read back unchanged through the
 * parser; plain fields are written without quotes. */
static void test_write_field(void)
{
  static const char *const fields[] = {"plain", "A & B - C'est (live)", "comma, inside",
                                       "say \"hi\"", "two\nlines"};
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  sb_csv *c = NULL;
  int n = (int)(sizeof fields / sizeof fields[0]);
  for (int i = 0; i < n; i++) {
    if (i)
      fputc(',', f);
    sb_csv_write_field(f, fields[i]);
  }
  fputs("\n", f);
  for (int i = 0; i < n; i++)
    fprintf(f, "%s%d", i ? "," : "", i);
  fputs("\n", f);
  fclose(f);
  tap_ok(strncmp(text, "plain,A & B - C'est (live),\"comma, inside\",\"say \"\"hi\"\"\",\"two\nlines\"", 62) == 0,
         "fields are quoted only when needed, quotes doubled");
  tap_ok(sb_csv_parse(text, len, "written", &c, NULL) == SB_OK && sb_csv_n_cols(c) == n,
         "the written header parses with %d columns", n);
  for (int i = 0; c && i < n; i++)
    tap_ok(strcmp(sb_csv_header(c, i), fields[i]) == 0, "field %d reads back unchanged", i);
  sb_csv_free(&c);
  free(text);
}

int main(void)
{
  test_good();
  test_bad();
  test_file();
  test_write_field();
  return tap_done();
}
