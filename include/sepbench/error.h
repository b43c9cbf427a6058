/*
 * sepbench/error.h — the one error convention of libsepbench.
 *
 * Every library function returns an sb_err and writes its results through
 * out-pointers.  SB_OK is 0; every other value is a failure whose generic
 * text comes from sb_strerror().  Functions that can fail because of a
 * user's file also fill an sb_msg with a one-line message that names the
 * file and the problem ("ref/vocals.wav: sample rate 22050 Hz, expected
 * 44100 Hz"); the caller prints it as is.
 *
 * The numeric values are part of the public ABI (plugins return them):
 * new codes are only ever appended.
 */
#ifndef SEPBENCH_ERROR_H
#define SEPBENCH_ERROR_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sb_err {
  SB_OK = 0,       /* success */
  SB_ENOMEM,       /* an allocation failed */
  SB_EIO,          /* a file could not be opened, read or written */
  SB_EFORMAT,      /* a file is not in the expected format or is truncated */
  SB_EINVAL,       /* an argument is out of range or inconsistent */
  SB_ERATE,        /* sample rates disagree */
  SB_ECHAN,        /* channel counts disagree */
  SB_ELENGTH,      /* signal lengths disagree or a signal is too short */
  SB_ESILENT,      /* a signal is all zero where that is not allowed */
  SB_ENONFINITE,   /* a signal holds NaN or Inf samples */
  SB_ENOTFOUND,    /* a named file, track, target or method does not exist */
  SB_EDB,          /* the SQLite store reported an error */
  SB_EBACKEND,     /* a separator backend failed */
  SB_ETIMEOUT,     /* a backend or program exceeded its time limit */
  SB_ENUMERIC,     /* a linear system could not be solved */
  SB_EINTERRUPT,   /* the run was interrupted (SIGINT/SIGTERM) */
  SB_EUNSUPPORTED, /* the feature is not built in or not applicable */
  SB_ERR_COUNT     /* number of codes; not an error */
} sb_err;

/* Generic English text for an error code; never NULL, static storage.
 * A switch (no array designators), so that the header is C++ too; inline,
 * so that plugins, which link nothing of sepbench, may call it. */
static inline const char *sb_strerror(sb_err err)
{
  switch (err) {
  case SB_OK: return "success";
  case SB_ENOMEM: return "out of memory";
  case SB_EIO: return "input/output error";
  case SB_EFORMAT: return "malformed or truncated file";
  case SB_EINVAL: return "invalid argument";
  case SB_ERATE: return "sample rate mismatch";
  case SB_ECHAN: return "channel count mismatch";
  case SB_ELENGTH: return "length mismatch or signal too short";
  case SB_ESILENT: return "silent signal";
  case SB_ENONFINITE: return "NaN or infinite sample";
  case SB_ENOTFOUND: return "not found";
  case SB_EDB: return "result store error";
  case SB_EBACKEND: return "separator backend failed";
  case SB_ETIMEOUT: return "time limit exceeded";
  case SB_ENUMERIC: return "numerical failure";
  case SB_EINTERRUPT: return "interrupted";
  case SB_EUNSUPPORTED: return "not supported";
  case SB_ERR_COUNT: break;
  }
  return "unknown error";
}

/* A one-line, user-facing diagnostic that names the file and the cause.
 * Callers own the storage (usually on the stack); functions that accept
 * an sb_msg * also accept NULL. */
typedef struct sb_msg {
  char text[1024];
} sb_msg;

/* Puts len bytes of text into msg, cut in the middle when they do not
 * fit: "<head> ... <tail>", the head a quarter of the room and the tail
 * the rest, each cut on a UTF-8 character boundary, so that the start of a
 * long path and the reason at the end of the line both survive.  The
 * helper of sb_msg_set. */
static inline void sb_msg_keep_ends(sb_msg *msg, const char *text, size_t len)
{
  static const char gap[] = " ... ";
  const size_t room = sizeof msg->text - 1, gap_len = sizeof gap - 1;
  size_t head = (room - gap_len) / 4, tail_start;

  if (len <= room) {
    memcpy(msg->text, text, len);
    msg->text[len] = '\0';
    return;
  }
  tail_start = len - (room - gap_len - head);
  while (head > 0 && ((unsigned char)text[head] & 0xC0) == 0x80)
    head--;
  while (tail_start < len && ((unsigned char)text[tail_start] & 0xC0) == 0x80)
    tail_start++;
  memcpy(msg->text, text, head);
  memcpy(msg->text + head, gap, gap_len);
  memcpy(msg->text + head + gap_len, text + tail_start, len - tail_start);
  msg->text[head + gap_len + len - tail_start] = '\0';
}

/* Formats into msg (if not NULL) and returns err, so that error paths read
 *   return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, why);
 * A text longer than msg holds keeps its beginning and its end
 * (sb_msg_keep_ends): a path of several KB is cut in its middle, never the
 * reason after it.  The arguments may point into msg->text itself. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static inline sb_err sb_msg_set(sb_msg *msg, sb_err err, const char *fmt, ...)
{
  if (msg) {
    char first[sizeof msg->text];
    va_list ap, again;
    int n;
    va_start(ap, fmt);
    va_copy(again, ap);
    n = vsnprintf(first, sizeof first, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof first) {
      char *full = (char *)malloc((size_t)n + 1);
      if (full && vsnprintf(full, (size_t)n + 1, fmt, again) == n)
        sb_msg_keep_ends(msg, full, (size_t)n);
      else /* out of memory: the head at least */
        memcpy(msg->text, first, sizeof first);
      free(full);
    } else if (n >= 0) {
      memcpy(msg->text, first, (size_t)n + 1);
    } else {
      msg->text[0] = '\0';
    }
    va_end(again);
  }
  return err;
}

/* Clears a message so that an empty text means "no diagnostic". */
static inline void sb_msg_clear(sb_msg *msg)
{
  if (msg)
    msg->text[0] = '\0';
}

#ifdef __cplusplus
}
#endif

#endif /* SEPBENCH_ERROR_H */
