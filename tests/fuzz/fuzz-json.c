/*
 * tests/fuzz/fuzz-json.c — common/json.c: sb_json_parse on the input.
 * A parsed tree must be well formed (keys only on objects, no NULL item
 * or string), its accessors must agree with it, and writing it back
 * as JSON must parse to the same tree (numbers with 17 digits, strings
 * with every byte below 0x20 escaped).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "fuzz.h"

/* A growing text buffer for the writer. */
typedef struct text {
  char *s;
  size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n)
{
  if (t->len + n + 1 > t->cap) {
    t->cap = 2 * (t->len + n + 1);
    t->s = realloc(t->s, t->cap);
    if (!t->s)
      abort();
  }
  memcpy(t->s + t->len, s, n);
  t->len += n;
  t->s[t->len] = '\0';
}

static void put_string(text *t, const char *s)
{
  put(t, "\"", 1);
  for (; *s; s++) {
    char esc[8];
    if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\') {
      snprintf(esc, sizeof esc, "\\u%04x", (unsigned char)*s);
      put(t, esc, strlen(esc));
    } else {
      put(t, s, 1);
    }
  }
  put(t, "\"", 1);
}

static void put_value(text *t, const sb_json *v)
{
  char num[40];
  switch (v->type) {
  case SB_JSON_NULL: put(t, "null", 4); break;
  case SB_JSON_BOOL: put(t, v->boolean ? "true" : "false", v->boolean ? 4 : 5); break;
  case SB_JSON_NUMBER:
    if (isnan(v->number))
      snprintf(num, sizeof num, "NaN");
    else if (isinf(v->number))
      snprintf(num, sizeof num, "%sInfinity", v->number < 0 ? "-" : "");
    else
      snprintf(num, sizeof num, "%.17g", v->number);
    put(t, num, strlen(num));
    break;
  case SB_JSON_STRING: put_string(t, v->string); break;
  case SB_JSON_ARRAY:
  case SB_JSON_OBJECT:
    put(t, v->type == SB_JSON_ARRAY ? "[" : "{", 1);
    for (size_t i = 0; i < v->n; i++) {
      if (i)
        put(t, ",", 1);
      if (v->type == SB_JSON_OBJECT) {
        put_string(t, v->keys[i]);
        put(t, ":", 1);
      }
      put_value(t, v->items[i]);
    }
    put(t, v->type == SB_JSON_ARRAY ? "]" : "}", 1);
    break;
  }
}

/* The shape and the accessors of one value. */
static void check_tree(const sb_json *v)
{
  FUZZ_CHECK(v != NULL);
  FUZZ_CHECK(v->type >= SB_JSON_NULL && v->type <= SB_JSON_OBJECT);
  FUZZ_CHECK((v->type == SB_JSON_STRING) == (v->string != NULL));
  FUZZ_CHECK(v->type == SB_JSON_OBJECT || v->keys == NULL);
  FUZZ_CHECK(v->type != SB_JSON_OBJECT || v->n == 0 || v->keys != NULL);
  FUZZ_CHECK(v->n == 0 || v->type == SB_JSON_ARRAY || v->type == SB_JSON_OBJECT);
  FUZZ_CHECK(sb_json_str(v) == v->string);
  if (v->type == SB_JSON_NUMBER)
    FUZZ_CHECK(isnan(v->number) ? isnan(sb_json_num(v)) : sb_json_num(v) == v->number);
  for (size_t i = 0; i < v->n; i++) {
    check_tree(v->items[i]);
    if (v->type == SB_JSON_ARRAY) {
      FUZZ_CHECK(sb_json_at(v, i) == v->items[i]);
    } else {
      size_t first = 0;
      while (strcmp(v->keys[first], v->keys[i]) != 0)
        first++;
      FUZZ_CHECK(sb_json_get(v, v->keys[i]) == v->items[first]);
    }
  }
  FUZZ_CHECK(sb_json_at(v, v->n) == NULL);
}

/* 1 when a and b are the same tree (NaN equal to NaN). */
static int same_tree(const sb_json *a, const sb_json *b)
{
  if (a->type != b->type || a->n != b->n)
    return 0;
  switch (a->type) {
  case SB_JSON_BOOL: return a->boolean == b->boolean;
  case SB_JSON_NUMBER: return isnan(a->number) ? isnan(b->number) : a->number == b->number;
  case SB_JSON_STRING: return strcmp(a->string, b->string) == 0;
  default: break;
  }
  for (size_t i = 0; i < a->n; i++)
    if ((a->keys && strcmp(a->keys[i], b->keys[i]) != 0) || !same_tree(a->items[i], b->items[i]))
      return 0;
  return 1;
}

int fuzz_json(const uint8_t *data, size_t size)
{
  sb_json *doc = NULL, *again = NULL;
  text written = {0};
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_json_parse((const char *)data, size, &doc, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(doc == NULL);
    FUZZ_CHECK(strncmp(msg.text, "line ", 5) == 0);
    return 0;
  }
  check_tree(doc);
  put_value(&written, doc);
  err = sb_json_parse(written.s, written.len, &again, &msg);
  FUZZ_CHECK(err == SB_OK);
  FUZZ_CHECK(same_tree(doc, again));
  free(written.s);
  sb_json_free(&again);
  sb_json_free(&doc);
  FUZZ_CHECK(doc == NULL);
  return 0;
}
