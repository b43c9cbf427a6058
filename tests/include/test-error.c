/*
 * tests/include/test-error.c — include/sepbench/error.h: sb_msg_set keeps
 * short texts whole and cuts a text longer than sb_msg in its middle (the
 * start and the reason at the end survive, the cut on UTF-8 boundaries);
 * arguments that point into the message itself; NULL messages; every code
 * has a text.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "sepbench/error.h"
#include "tap.h"

/* 1 when s is well-formed UTF-8 (lead bytes followed by their
 * continuation bytes); no check of overlong forms, which the cut cannot
 * create. */
static int utf8_whole(const char *s)
{
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
    if (n < 0)
      return 0;
    for (int i = 1; i <= n; i++)
      if ((p[i] & 0xC0) != 0x80)
        return 0;
    p += n + 1;
  }
  return 1;
}

int main(void)
{
  const size_t room = sizeof(((sb_msg *)0)->text) - 1;
  char path[3000], multibyte[3000];
  sb_msg msg;
  size_t len;

  tap_ok(sb_msg_set(&msg, SB_EIO, "%s: cannot open: %s", "a.wav", "No such file") == SB_EIO &&
             strcmp(msg.text, "a.wav: cannot open: No such file") == 0,
         "a short text is kept whole: %s", msg.text);
  tap_ok(sb_msg_set(NULL, SB_EFORMAT, "%s", "x") == SB_EFORMAT, "a NULL message still returns the code");

  /* A 2000-byte path and its reason. */
  memset(path, 'p', 2000);
  path[0] = '/';
  memcpy(path + 1, "start-of-path/", 14);
  memcpy(path + 2000 - 12, "/end-of-path", 12);
  path[2000] = '\0';
  sb_msg_set(&msg, SB_EIO, "%s: cannot open: %s", path, "Permission denied");
  len = strlen(msg.text);
  tap_ok(len <= room && len > room - 8, "a 2000-byte path fills the message (%zu of %zu bytes)", len, room);
  tap_ok(strncmp(msg.text, "/start-of-path/", 15) == 0, "its start survives");
  tap_ok(len > 50 && strcmp(msg.text + len - 44, "/end-of-path: cannot open: Permission denied") == 0,
         "its end and the reason survive: ...%s", msg.text + len - 50);
  tap_ok(strstr(msg.text, "p ... p") != NULL, "the middle is marked ' ... '");

  /* The text exactly as long as the room, and one byte longer. */
  memset(path, 'x', room);
  path[room] = '\0';
  sb_msg_set(&msg, SB_EIO, "%s", path);
  tap_ok(strlen(msg.text) == room && !strstr(msg.text, " ... "), "a text of exactly %zu bytes is kept whole", room);
  path[room] = 'y';
  path[room + 1] = '\0';
  sb_msg_set(&msg, SB_EIO, "%s", path);
  len = strlen(msg.text);
  tap_ok(len <= room && strstr(msg.text, " ... ") && msg.text[len - 1] == 'y', "one byte more is cut in the middle");

  /* Three-byte characters (U+20AC) all along: no character is split. */
  for (int i = 0; i < 900; i++)
    memcpy(multibyte + 3 * i, "\xe2\x82\xac", 3);
  multibyte[2700] = '\0';
  for (int shift = 0; shift < 3; shift++) {
    sb_msg_set(&msg, SB_EIO, "%.*s%s: reason", shift, "ab", multibyte);
    tap_ok(utf8_whole(msg.text) && strstr(msg.text, " ... ") &&
               strcmp(msg.text + strlen(msg.text) - 8, ": reason") == 0,
           "a cut among 3-byte characters keeps them whole (shift %d)", shift);
  }

  /* An argument that is the message itself (msg->text fed back in). */
  sb_msg_set(&msg, SB_EIO, "inner reason");
  sb_msg_set(&msg, SB_EIO, "%s: %s", "outer.json", msg.text);
  tap_ok(strcmp(msg.text, "outer.json: inner reason") == 0, "msg->text as an argument: %s", msg.text);
  memset(path, 'q', 1500);
  path[1500] = '\0';
  sb_msg_set(&msg, SB_EIO, "%s: deep reason", path);
  sb_msg_set(&msg, SB_EIO, "%s: %s", "outer.json", msg.text);
  len = strlen(msg.text);
  tap_ok(strncmp(msg.text, "outer.json: qq", 14) == 0 && strcmp(msg.text + len - 13, ": deep reason") == 0,
         "a cut message fed back keeps both ends");

  for (int e = 0; e <= SB_ERR_COUNT; e++)
    if (!sb_strerror((sb_err)e) || !sb_strerror((sb_err)e)[0])
      tap_ok(0, "code %d has a text", e);
  tap_ok(strcmp(sb_strerror(SB_ERR_COUNT), "unknown error") == 0 &&
             strcmp(sb_strerror(SB_EIO), "input/output error") == 0,
         "sb_strerror: a text for every code, 'unknown error' beyond");
  return tap_done();
}
