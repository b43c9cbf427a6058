/*
 * common/json.h — a small, strict JSON reader (RFC 8259) for manifests,
 * museval track files and reference vectors.
 *
 * Extensions needed by the field's files: the bare tokens NaN, Infinity
 * and -Infinity (simplejson/museval write them).  Strings are decoded to
 * UTF-8 (\uXXXX escapes and surrogate pairs).  Nesting is limited to 256
 * levels so hostile input cannot exhaust the stack.  An object that names
 * a member twice is refused (RFC 8259 section 4 leaves its meaning open),
 * so a file never means two things.
 */
#ifndef SB_COMMON_JSON_H
#define SB_COMMON_JSON_H

#include <stddef.h>
#include "sepbench/error.h"

typedef enum sb_json_type {
  SB_JSON_NULL = 0, SB_JSON_BOOL, SB_JSON_NUMBER, SB_JSON_STRING, SB_JSON_ARRAY, SB_JSON_OBJECT
} sb_json_type;

typedef struct sb_json sb_json;
struct sb_json {
  sb_json_type type;
  double number;   /* SB_JSON_NUMBER (also NaN/Infinity tokens) */
  int boolean;     /* SB_JSON_BOOL */
  char *string;    /* SB_JSON_STRING, NUL-terminated UTF-8 */
  size_t n;        /* number of items (array) or members (object) */
  sb_json **items; /* n values */
  char **keys;     /* object member names, n entries (NULL for arrays) */
};

/* Parses len bytes of text.  SB_EFORMAT with "line L, column C: reason" in
 * msg (a repeated member: "line L, column C: the object starting here has
 * the member "KEY" twice"); SB_ENOMEM. */
sb_err sb_json_parse(const char *text, size_t len, sb_json **out, sb_msg *msg);

/* Reads and parses a file; msg names the file.  SB_EIO, SB_EFORMAT, SB_ENOMEM. */
sb_err sb_json_parse_file(const char *path, sb_json **out, sb_msg *msg);

/* Member of an object (first match), or NULL when absent or not an object. */
const sb_json *sb_json_get(const sb_json *obj, const char *key);

/* Item i of an array, or NULL when out of range or not an array. */
const sb_json *sb_json_at(const sb_json *arr, size_t i);

/* Numeric value in the reference-vector encoding: numbers as is, null ->
 * NaN, the strings "inf"/"-inf"/"nan" -> +inf/-inf/NaN; NaN for anything else
 * (including a NULL pointer). */
double sb_json_num(const sb_json *v);

/* String value or NULL. */
const char *sb_json_str(const sb_json *v);

/* The type of v in words for messages: "null", "a boolean", "a number",
 * "a string", "an array", "an object" ("nothing" for NULL); static. */
const char *sb_json_type_words(const sb_json *v);

void sb_json_free(sb_json **v);

#endif /* SB_COMMON_JSON_H */
