/*
 * tests/fuzz/fuzz-ini.c — common/ini.c: sb_ini_parse on the input with a
 * handler that checks every item against ini.h (trimmed names and values,
 * lines in file order, "FILE:LINE", no repeated section or key), splits
 * the value in place as callers do, and stops the reading at a key named
 * "stop" (the reader must return the handler's error at once).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ini.h"
#include "fuzz.h"

/* What the handler saw. */
typedef struct seen {
  int last_line;
  int stopped;
  const char *section; /* the section of the previous item (or NULL) */
} seen;

static int trimmed(const char *s)
{
  static const char blanks[] = " \t\r\n\v\f";
  const size_t n = strlen(s);
  return n == 0 || (!strchr(blanks, s[0]) && !strchr(blanks, s[n - 1]));
}

static sb_err check_item(void *ctx, const sb_ini_item *item, sb_msg *msg)
{
  seen *s = ctx;
  char where[64];

  FUZZ_CHECK(!s->stopped);
  FUZZ_CHECK(item->line > s->last_line);
  snprintf(where, sizeof where, "in.ini:%d", item->line);
  FUZZ_CHECK(strcmp(item->where, where) == 0);
  FUZZ_CHECK((item->key == NULL) == (item->value == NULL));
  FUZZ_CHECK(item->key || item->section);
  if (item->section)
    FUZZ_CHECK(trimmed(item->section));
  s->last_line = item->line;
  if (!item->key) {
    s->section = item->section;
    return SB_OK;
  }
  FUZZ_CHECK(trimmed(item->key) && trimmed(item->value));
  FUZZ_CHECK(item->section == s->section);
  FUZZ_CHECK(strchr(item->key, '=') == NULL);
  if (strcmp(item->key, "stop") == 0) {
    s->stopped = 1;
    return sb_msg_set(msg, SB_EINVAL, "%s: stopped by the handler", item->where);
  }
  for (char *part = strtok(item->value, ","); part; part = strtok(NULL, ","))
    sb_ini_trim(part);
  return SB_OK;
}

int fuzz_ini(const uint8_t *data, size_t size)
{
  seen s = {0};
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_ini_parse("in.ini", (const char *)data, size, check_item, &s, &msg);
  if (s.stopped)
    FUZZ_CHECK(err == SB_EINVAL && strstr(msg.text, "stopped by the handler"));
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(strncmp(msg.text, "in.ini", 6) == 0);
  }
  return 0;
}
