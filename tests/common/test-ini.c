/*
 * tests/common/test-ini.c — common/ini.c: sections, keys, comments, blanks
 * and CRLF, line numbers naming the file, bytes passed through unchanged;
 * bad input: unterminated or trailing section lines, lines without '=',
 * repeated sections and keys, over-long lines, NUL bytes, oversized and
 * unreadable files; a handler error stops the reading.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ini.h"
#include "tap.h"

/* What the handler saw, one "LINE [SECTION] KEY=VALUE;" per item. */
typedef struct seen {
  char text[4096];
  int n_items;
  int fail_at; /* line where the handler returns SB_EINVAL, 0 = never */
} seen;

static sb_err record(void *ctx, const sb_ini_item *item, sb_msg *msg)
{
  seen *s = ctx;
  size_t used = strlen(s->text);
  s->n_items++;
  if (item->line == s->fail_at)
    return sb_msg_set(msg, SB_EINVAL, "%s: refused by the handler", item->where);
  if (item->key)
    snprintf(s->text + used, sizeof s->text - used, "%d [%s] %s=%s;", item->line,
             item->section ? item->section : "-", item->key, item->value);
  else
    snprintf(s->text + used, sizeof s->text - used, "%d [%s];", item->line, item->section);
  return SB_OK;
}

/* A string literal and its length (NUL bytes inside included). */
#define TEXT(literal) literal, sizeof literal - 1

static sb_err parse(const char *text, size_t len, seen *s, sb_msg *msg)
{
  memset(s, 0, sizeof *s);
  sb_msg_clear(msg);
  return sb_ini_parse("x.ini", text, len, record, s, msg);
}

/* The text must be refused with SB_EFORMAT and a message holding want. */
static void expect_error(const char *text, const char *want, const char *what)
{
  seen s;
  sb_msg msg;
  sb_err err = parse(text, strlen(text), &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, want) != NULL, "%s: %s", what, msg.text);
}

static void test_valid(void)
{
  static const char text[] = "; leading comment\n"
                             "top = before any section\n"
                             "\n"
                             "  [ first ]  \n"
                             "key=value\n"
                             "  spaced   =   out  \n"
                             "\t# indented comment\n"
                             "empty =\n"
                             "url = http://x/?a=b#frag ; not a comment\n"
                             "[backend two words]\r\n"
                             "key = crlf\r\n"
                             "\r\n"
                             "last = no newline";
  const char *want = "2 [-] top=before any section;4 [first];5 [first] key=value;6 [first] spaced=out;"
                     "8 [first] empty=;9 [first] url=http://x/?a=b#frag ; not a comment;"
                     "10 [backend two words];11 [backend two words] key=crlf;13 [backend two words] last=no newline;";
  seen s;
  sb_msg msg;
  sb_err err = parse(text, sizeof text - 1, &s, &msg);

  tap_ok(err == SB_OK, "a valid file is read (%s)", err ? msg.text : "ok");
  tap_ok(strcmp(s.text, want) == 0, "items, trimmed, in file order with their lines: %s", s.text);
  err = parse(TEXT(""), &s, &msg);
  tap_ok(err == SB_OK && s.n_items == 0, "an empty text has no items");
  err = parse(TEXT("# only\n\n;comments\n"), &s, &msg);
  tap_ok(err == SB_OK && s.n_items == 0, "comments and blank lines only: no items");
  err = parse(TEXT("[a]\nk = 1\n[b]\nk = 2\n"), &s, &msg);
  tap_ok(err == SB_OK && strcmp(s.text, "1 [a];2 [a] k=1;3 [b];4 [b] k=2;") == 0,
         "the same key in two sections is fine: %s", s.text);
  err = parse(TEXT("\xEF\xBB\xBF[bom]\nk = v\n"), &s, &msg);
  tap_ok(err == SB_OK && strcmp(s.text, "1 [bom];2 [bom] k=v;") == 0, "a UTF-8 byte-order mark is skipped: %s",
         s.text);
  err = parse(TEXT("[caf\xe9]\npath = /d\xfc\xff/x\n"), &s, &msg);
  tap_ok(err == SB_OK && strcmp(s.text, "1 [caf\xe9];2 [caf\xe9] path=/d\xfc\xff/x;") == 0,
         "non-UTF-8 bytes reach the handler unchanged");
  err = parse(TEXT("[]\n= v\n"), &s, &msg);
  tap_ok(err == SB_OK && strcmp(s.text, "1 [];2 [] =v;") == 0, "empty names are left to the caller: %s", s.text);
}

static void test_bad_input(void)
{
  char *text;
  seen s;
  sb_msg msg;
  sb_err err;

  expect_error("[a]\nk = v\n[b\n", "x.ini:3: a section line must be [NAME]", "unterminated section");
  expect_error("[a] trailing\n", "x.ini:1: a section line must be [NAME]", "text after ']'");
  expect_error("[a]]\n", "x.ini:1: a section line must be [NAME]", "a second ']'");
  expect_error("[a]\njust words\n", "x.ini:2: expected [NAME], KEY = VALUE or a # comment", "a line without '='");
  expect_error("[a]\nk = 1\nother = 2\nk = 3\n", "x.ini:4: key 'k' given twice in [a] (first on line 2)",
               "a key repeated in a section");
  expect_error("k = 1\nk = 2\n", "x.ini:2: key 'k' given twice (first on line 1)",
               "a key repeated before the first section");
  expect_error("[a]\nk = 1\n[b]\n[ a ]\n", "x.ini:4: section [a] given twice (first on line 1)",
               "a section repeated (names trimmed)");
  err = parse(TEXT("[a]\nk = v\0x\n"), &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "x.ini:2: NUL byte"), "a NUL byte: %s", msg.text);
  tap_ok(strcmp(s.text, "1 [a];") == 0, "nothing of the line with the NUL byte reaches the handler");

  text = malloc(SB_INI_MAX_LINE + 16);
  memcpy(text, "[a]\nk=", 6);
  memset(text + 6, 'v', SB_INI_MAX_LINE - 2);
  text[SB_INI_MAX_LINE + 4] = '\n';
  err = parse(text, SB_INI_MAX_LINE + 5, &s, &msg);
  tap_ok(err == SB_OK && s.n_items == 2, "a line of exactly SB_INI_MAX_LINE bytes is read (%s)",
         err ? msg.text : "ok");
  text[SB_INI_MAX_LINE + 4] = 'v';
  text[SB_INI_MAX_LINE + 5] = '\n';
  err = parse(text, SB_INI_MAX_LINE + 6, &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "x.ini:2: line longer than 65536 bytes"), "a longer line: %s",
         msg.text);
  free(text);

  text = calloc(SB_INI_MAX_BYTES + 1, 1);
  memset(text, '#', SB_INI_MAX_BYTES + 1);
  err = parse(text, SB_INI_MAX_BYTES + 1, &s, &msg);
  tap_ok(err == SB_ELENGTH && strstr(msg.text, "x.ini: longer than 1048576 bytes"), "an oversized text: %s",
         msg.text);
  free(text);

  memset(&s, 0, sizeof s);
  s.fail_at = 2;
  err = sb_ini_parse("x.ini", TEXT("[a]\nk = v\nz = w\n"), record, &s, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "x.ini:2: refused") && s.n_items == 2,
         "a handler error stops the reading and is returned: %s", msg.text);
  tap_ok(sb_ini_parse(NULL, "", 0, record, &s, &msg) == SB_EINVAL &&
             sb_ini_parse("x", NULL, 3, record, &s, &msg) == SB_EINVAL &&
             sb_ini_parse("x", "", 0, NULL, &s, &msg) == SB_EINVAL,
         "NULL name, text or handler is SB_EINVAL");
}

/* Many keys: the repeat check stays linear and finds a late repeat. */
static void test_many_keys(void)
{
  enum { N = 20000 };
  char *text = malloc((size_t)N * 16 + 64), *p = text;
  seen s;
  sb_msg msg;
  sb_err err;

  p += sprintf(p, "[big]\n");
  for (int i = 0; i < N; i++)
    p += sprintf(p, "key%d = %d\n", i, i);
  err = parse(text, (size_t)(p - text), &s, &msg);
  tap_ok(err == SB_OK && s.n_items == N + 1, "%d distinct keys are read (%d items)", N, s.n_items);
  p += sprintf(p, "key12345 = again\n");
  err = parse(text, (size_t)(p - text), &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, ":20002: key 'key12345' given twice in [big] (first on line 12347)"),
         "a repeat after %d keys is found: %s", N, msg.text);
  free(text);
}

static void test_files(void)
{
  char dir[] = "/tmp/sb-test-ini-XXXXXX", path[64];
  FILE *f;
  seen s = {0};
  sb_msg msg;
  sb_err err;

  if (!mkdtemp(dir)) {
    tap_ok(0, "create a temporary folder");
    return;
  }
  snprintf(path, sizeof path, "%s/a.ini", dir);
  f = fopen(path, "w");
  fputs("[s]\nk = v\nbroken\n", f);
  fclose(f);
  err = sb_ini_parse_file(path, record, &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, path) && strstr(msg.text, "a.ini:3: expected"),
         "messages name the file and the line: %s", msg.text);
  tap_ok(strcmp(s.text, "1 [s];2 [s] k=v;") == 0, "the lines before the error were read");
  err = sb_ini_parse_file(dir, record, &s, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, dir), "a folder is SB_EIO: %s", msg.text);
  remove(path);
  err = sb_ini_parse_file(path, record, &s, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "a.ini: cannot open"), "a missing file is SB_EIO: %s", msg.text);
  rmdir(dir);
}

static void test_trim(void)
{
  char a[] = " \t\v\f x y \r\n", b[] = " \t ", c[] = "z";
  tap_ok(strcmp(sb_ini_trim(a), "x y") == 0, "sb_ini_trim drops blanks at both ends, keeps inner ones");
  tap_ok(strcmp(sb_ini_trim(b), "") == 0 && strcmp(sb_ini_trim(c), "z") == 0, "all blanks, no blanks");
}

int main(void)
{
  test_valid();
  test_bad_input();
  test_many_keys();
  test_files();
  test_trim();
  return tap_done();
}
