/*
 * common/ini.h — the one INI reader of sepbench (suites.ini, backends.ini).
 *
 * Dialect: the common subset of Python's configparser (strict mode) and
 * git-config, read line by line:
 *   [NAME]          starts a section; the first ']' must end the line;
 *                   NAME is trimmed and may be anything else (callers check
 *                   it: "backend x", "vocals-test"; it may be empty).
 *   KEY = VALUE     the first '=' splits; KEY and VALUE are trimmed; VALUE
 *                   may be empty and may hold '=', '#' and ';' (there are no
 *                   inline comments: "a = b # c" has the value "b # c").
 *   # ... / ; ...   a comment line (after leading blanks); blank lines.
 * Blanks are space, tab, CR, LF, VT and FF, so CRLF files read as LF files.
 * Refused with SB_EFORMAT and a one-line message "FILE:LINE: ...":
 *   - a '[' line whose first ']' is missing or followed by text
 *     ("a section line must be [NAME]");
 *   - any other line without '=' ("expected [NAME], KEY = VALUE or a #
 *     comment");
 *   - a section name given twice, or a key given twice within one section
 *     (also before the first section): configparser's strict rule; git-config's
 *     multi-valued keys are not supported.  Names compare bytewise after trimming;
 *   - a NUL byte ("NUL byte (not a text file)");
 *   - a line longer than SB_INI_MAX_LINE bytes.
 * Bytes are not decoded: any encoding (UTF-8, Latin-1, arbitrary bytes
 * other than NUL) reaches the handler unchanged, so file names in any
 * encoding work.  A UTF-8 byte-order mark at the start is skipped (as in
 * common/csv.h).  Files are at most SB_INI_MAX_BYTES.
 *
 * The reader streams: the handler sees every section line and KEY = VALUE
 * line in file order, so the first problem of the file (syntax or meaning)
 * is the one reported.  Checks of meaning (known keys, values) are the
 * caller's.
 *
 * Workload: a few config files per command, a few hundred lines each.
 * Thread-safety: no shared state; concurrent calls are safe.
 */
#ifndef SB_COMMON_INI_H
#define SB_COMMON_INI_H

#include <stddef.h>
#include "sepbench/error.h"

enum {
  SB_INI_MAX_BYTES = 1 << 20, /* largest file (1 MiB) */
  SB_INI_MAX_LINE = 1 << 16   /* longest line, bytes without the newline */
};

/* One section line or KEY = VALUE line. */
typedef struct sb_ini_item {
  const char *where;   /* "FILE:LINE", for the caller's messages */
  int line;            /* 1-based */
  const char *section; /* current section's name; NULL before the first */
  const char *key;     /* NULL on a section line itself */
  char *value;         /* NULL on a section line; may be ""; the handler
                          may change it in place (to split a list) */
} sb_ini_item;

/* Called for each item; the strings live until the handler returns.  A
 * return other than SB_OK stops the reading and is returned (with the
 * handler's msg). */
typedef sb_err (*sb_ini_handler)(void *ctx, const sb_ini_item *item, sb_msg *msg);

/* Reads len bytes of text (need not be NUL-terminated); name stands for
 * the file in messages.  Errors: SB_EINVAL (NULL text with len > 0, NULL
 * name or handler), SB_ELENGTH (len > SB_INI_MAX_BYTES), SB_EFORMAT (see
 * above), SB_ENOMEM, or the handler's error. */
sb_err sb_ini_parse(const char *name, const char *text, size_t len, sb_ini_handler handler, void *ctx,
                    sb_msg *msg);

/* Reads the file at path (see sb_ini_parse).  Adds the errors of reading:
 * SB_EIO ("PATH: cannot open: why", "PATH: cannot read: why"), SB_ELENGTH
 * ("PATH: longer than 1048576 bytes"). */
sb_err sb_ini_parse_file(const char *path, sb_ini_handler handler, void *ctx, sb_msg *msg);

/* Reads a file of "[KIND NAME]" sections (backends.ini: "[backend
 * demucs]"; metrics.ini: "[metric pesq]") and calls handler for the
 * KEY = VALUE items of section [KIND name] only; the blanks between KIND
 * and NAME do not matter.  Errors: those of sb_ini_parse_file and of the
 * handler; SB_EFORMAT ("FILE:LINE: expected [KIND NAME], got [X]" for any
 * other section line, "FILE:LINE: [KIND name] defined twice"),
 * SB_ENOTFOUND ("FILE: no section [KIND name] (sections: a, b)", "none"
 * when there is none), SB_ENOMEM ("FILE: out of memory"). */
sb_err sb_ini_parse_section_file(const char *path, const char *kind, const char *name, sb_ini_handler handler,
                                 void *ctx, sb_msg *msg);

/* The config file of section [KIND name] (command backends and metrics):
 * given when not NULL, else default_path (the per-user file, "" when there
 * is none), which must be readable.  Messages: SB_ENOTFOUND "cmd:NAME: no
 * FILE_WHAT (give OPTION PATH; HOME is not set)" when nothing applies,
 * SB_EIO "PATH: cannot read the WHAT for cmd:NAME: why"; *path is the file
 * otherwise. */
sb_err sb_ini_config_file(const char *given, const char *default_path, const char *file_what, const char *what,
                          const char *option, const char *name, const char **path, sb_msg *msg);

/* Trims INI blanks (see above) from both ends of s in place and returns
 * the first non-blank character (for callers that split a value further,
 * e.g. a comma-separated list). */
char *sb_ini_trim(char *s);

/* Parses a whole VALUE as a number in [min, max] (a whole number when
 * integer is 1); NaN and infinities are refused.  where and key name the
 * place in the message: SB_EFORMAT ("FILE:LINE: timeout = 'x': expected a
 * number in [0.001, 1e+07]"); *out is unchanged then. */
sb_err sb_ini_parse_number(const char *value, double min, double max, int integer, double *out, const char *where,
                           const char *key, sb_msg *msg);

#endif /* SB_COMMON_INI_H */
