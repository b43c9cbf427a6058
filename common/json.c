/*
 * common/json.c — recursive-descent JSON reader (RFC 8259) with the
 * NaN/Infinity extension written by simplejson (museval track files).
 *
 * Workload: manifests and reference-vector files of a few kB to a few MB,
 * parsed once.  Depth is bounded (SB_JSON_MAX_DEPTH) so that hostile input
 * cannot exhaust the stack; every allocation failure unwinds cleanly.
 */
#include <config.h>

#include "common/json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"

#define SB_JSON_MAX_DEPTH 256

typedef struct parser {
  const char *text;
  size_t len;
  size_t pos;
  sb_msg *msg;
} parser;

static sb_err fail(parser *p, const char *what)
{
  size_t line = 1, col = 1;
  for (size_t i = 0; i < p->pos && i < p->len; i++) {
    if (p->text[i] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return sb_msg_set(p->msg, SB_EFORMAT, "line %zu, column %zu: %s", line, col, what);
}

static void skip_space(parser *p)
{
  while (p->pos < p->len) {
    char c = p->text[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      break;
    p->pos++;
  }
}

static int match(parser *p, const char *word)
{
  size_t n = strlen(word);
  if (p->len - p->pos >= n && memcmp(p->text + p->pos, word, n) == 0) {
    p->pos += n;
    return 1;
  }
  return 0;
}

static sb_json *node_new(sb_json_type type)
{
  sb_json *v = calloc(1, sizeof *v);
  if (v)
    v->type = type;
  return v;
}

/* Appends one item (and key, for objects) to a container, growing by doubling. */
static sb_err push(sb_json *c, size_t *cap, sb_json *item, char *key)
{
  if (c->n == *cap) {
    size_t ncap = *cap ? *cap * 2 : 4;
    sb_json **items = realloc(c->items, ncap * sizeof *items);
    if (!items)
      return SB_ENOMEM;
    c->items = items;
    if (c->type == SB_JSON_OBJECT) {
      char **keys = realloc(c->keys, ncap * sizeof *keys);
      if (!keys)
        return SB_ENOMEM;
      c->keys = keys;
    }
    *cap = ncap;
  }
  c->items[c->n] = item;
  if (c->type == SB_JSON_OBJECT)
    c->keys[c->n] = key;
  c->n++;
  return SB_OK;
}

static int hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static int read_hex4(parser *p, unsigned *out)
{
  unsigned v = 0;
  if (p->len - p->pos < 4)
    return 0;
  for (int i = 0; i < 4; i++) {
    int h = hex_value(p->text[p->pos + i]);
    if (h < 0)
      return 0;
    v = v * 16 + (unsigned)h;
  }
  p->pos += 4;
  *out = v;
  return 1;
}

static size_t utf8_encode(unsigned cp, char *out)
{
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Decodes one escape after the backslash into out; returns bytes written or 0. */
static size_t parse_escape(parser *p, char *out)
{
  char c;
  unsigned cp, lo;
  if (p->pos >= p->len)
    return 0;
  c = p->text[p->pos++];
  switch (c) {
  case '"': *out = '"'; return 1;
  case '\\': *out = '\\'; return 1;
  case '/': *out = '/'; return 1;
  case 'b': *out = '\b'; return 1;
  case 'f': *out = '\f'; return 1;
  case 'n': *out = '\n'; return 1;
  case 'r': *out = '\r'; return 1;
  case 't': *out = '\t'; return 1;
  case 'u':
    if (!read_hex4(p, &cp))
      return 0;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (!match(p, "\\u") || !read_hex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF)
        return 0;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return 0;
    }
    if (cp == 0)
      return 0;
    return utf8_encode(cp, out);
  default:
    return 0;
  }
}

/* Parses a string token; the opening quote is at p->pos. */
static sb_err parse_string(parser *p, char **out)
{
  size_t cap = 16, n = 0;
  char *buf = malloc(cap);
  if (!buf)
    return SB_ENOMEM;
  p->pos++;
  for (;;) {
    char c;
    if (p->pos >= p->len) {
      free(buf);
      return fail(p, "unterminated string");
    }
    if (cap - n < 8) {
      char *nbuf = realloc(buf, cap * 2);
      if (!nbuf) {
        free(buf);
        return SB_ENOMEM;
      }
      buf = nbuf;
      cap *= 2;
    }
    c = p->text[p->pos];
    if (c == '"') {
      p->pos++;
      break;
    }
    if ((unsigned char)c < 0x20) { /* RFC 8259 §7: U+0000..U+001F escaped; DEL may stand as it is */
      free(buf);
      return fail(p, "control character in string");
    }
    if (c == '\\') {
      size_t k;
      p->pos++;
      k = parse_escape(p, buf + n);
      if (k == 0) {
        free(buf);
        return fail(p, "invalid escape in string");
      }
      n += k;
      continue;
    }
    buf[n++] = c;
    p->pos++;
  }
  buf[n] = '\0';
  *out = buf;
  return SB_OK;
}

static sb_err parse_number(parser *p, sb_json **out)
{
  size_t start = p->pos;
  char tmp[64];
  char *end;
  double v;
  if (p->pos < p->len && p->text[p->pos] == '-')
    p->pos++;
  if (match(p, "Infinity")) {
    v = p->text[start] == '-' ? -INFINITY : INFINITY;
  } else {
    if (p->pos >= p->len || p->text[p->pos] < '0' || p->text[p->pos] > '9')
      return fail(p, "invalid value");
    if (p->text[p->pos] == '0')
      p->pos++;
    else
      while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9')
        p->pos++;
    if (p->pos < p->len && p->text[p->pos] == '.') {
      p->pos++;
      if (p->pos >= p->len || p->text[p->pos] < '0' || p->text[p->pos] > '9')
        return fail(p, "digit expected after decimal point");
      while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9')
        p->pos++;
    }
    if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
      p->pos++;
      if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
        p->pos++;
      if (p->pos >= p->len || p->text[p->pos] < '0' || p->text[p->pos] > '9')
        return fail(p, "digit expected in exponent");
      while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9')
        p->pos++;
    }
    if (p->pos - start >= sizeof tmp)
      return fail(p, "number too long");
    memcpy(tmp, p->text + start, p->pos - start);
    tmp[p->pos - start] = '\0';
    errno = 0;
    v = strtod(tmp, &end);
    if (*end != '\0')
      return fail(p, "invalid number");
  }
  *out = node_new(SB_JSON_NUMBER);
  if (!*out)
    return SB_ENOMEM;
  (*out)->number = v;
  return SB_OK;
}

static sb_err parse_value(parser *p, int depth, sb_json **out);

static int compare_keys(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Refuses an object that names a member twice (RFC 8259 leaves the meaning
 * open; readers take the first, the last or both, so the file cannot mean
 * one thing).  Small objects are compared pairwise, large ones sorted, so
 * hostile input stays O(n log n).  The message points at the object's
 * first character. */
static sb_err check_unique_keys(parser *p, const sb_json *obj, size_t start)
{
  const char *twice = NULL;
  char **sorted;
  char what[160];

  if (obj->n <= 16) {
    for (size_t i = 1; i < obj->n && !twice; i++)
      for (size_t k = 0; k < i && !twice; k++)
        if (strcmp(obj->keys[i], obj->keys[k]) == 0)
          twice = obj->keys[i];
  } else {
    sorted = malloc(obj->n * sizeof *sorted);
    if (!sorted)
      return SB_ENOMEM;
    memcpy(sorted, obj->keys, obj->n * sizeof *sorted);
    qsort(sorted, obj->n, sizeof *sorted, compare_keys);
    for (size_t i = 1; i < obj->n && !twice; i++)
      if (strcmp(sorted[i], sorted[i - 1]) == 0)
        twice = sorted[i];
    free(sorted);
  }
  if (!twice)
    return SB_OK;
  snprintf(what, sizeof what, "the object starting here has the member \"%.100s\" twice", twice);
  sb_text_printable(what); /* the message stays one line */
  p->pos = start;
  return fail(p, what);
}

static sb_err parse_container(parser *p, int depth, sb_json **out)
{
  int is_object = p->text[p->pos] == '{';
  char close = is_object ? '}' : ']';
  size_t start = p->pos;
  size_t cap = 0;
  sb_err err;
  sb_json *c = node_new(is_object ? SB_JSON_OBJECT : SB_JSON_ARRAY);
  if (!c)
    return SB_ENOMEM;
  if (depth >= SB_JSON_MAX_DEPTH) {
    free(c);
    return fail(p, "nesting deeper than 256 levels");
  }
  p->pos++;
  skip_space(p);
  if (p->pos < p->len && p->text[p->pos] == close) {
    p->pos++;
    *out = c;
    return SB_OK;
  }
  for (;;) {
    char *key = NULL;
    sb_json *item = NULL;
    skip_space(p);
    if (is_object) {
      if (p->pos >= p->len || p->text[p->pos] != '"') {
        err = fail(p, "member name expected");
        goto fail;
      }
      err = parse_string(p, &key);
      if (err)
        goto fail;
      skip_space(p);
      if (p->pos >= p->len || p->text[p->pos] != ':') {
        free(key);
        err = fail(p, "':' expected");
        goto fail;
      }
      p->pos++;
    }
    err = parse_value(p, depth + 1, &item);
    if (err) {
      free(key);
      goto fail;
    }
    err = push(c, &cap, item, key);
    if (err) {
      free(key);
      sb_json_free(&item);
      goto fail;
    }
    skip_space(p);
    if (p->pos < p->len && p->text[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->len && p->text[p->pos] == close) {
      p->pos++;
      err = is_object ? check_unique_keys(p, c, start) : SB_OK;
      if (err)
        goto fail;
      break;
    }
    err = fail(p, is_object ? "',' or '}' expected" : "',' or ']' expected");
    goto fail;
  }
  *out = c;
  return SB_OK;
fail:
  sb_json_free(&c);
  return err;
}

static sb_err parse_value(parser *p, int depth, sb_json **out)
{
  char c;
  skip_space(p);
  if (p->pos >= p->len)
    return fail(p, "unexpected end of input");
  c = p->text[p->pos];
  if (c == '{' || c == '[')
    return parse_container(p, depth, out);
  if (c == '"') {
    sb_json *v = node_new(SB_JSON_STRING);
    sb_err err;
    if (!v)
      return SB_ENOMEM;
    err = parse_string(p, &v->string);
    if (err) {
      free(v);
      return err;
    }
    *out = v;
    return SB_OK;
  }
  if (match(p, "true") || match(p, "false")) {
    *out = node_new(SB_JSON_BOOL);
    if (!*out)
      return SB_ENOMEM;
    (*out)->boolean = p->text[p->pos - 1] == 'e' && p->text[p->pos - 2] == 'u';
    return SB_OK;
  }
  if (match(p, "null")) {
    *out = node_new(SB_JSON_NULL);
    return *out ? SB_OK : SB_ENOMEM;
  }
  if (match(p, "NaN")) {
    *out = node_new(SB_JSON_NUMBER);
    if (!*out)
      return SB_ENOMEM;
    (*out)->number = NAN;
    return SB_OK;
  }
  return parse_number(p, out);
}

sb_err sb_json_parse(const char *text, size_t len, sb_json **out, sb_msg *msg)
{
  parser p = {text, len, 0, msg};
  sb_err err;
  if (!out || (!text && len))
    return SB_EINVAL;
  *out = NULL;
  err = parse_value(&p, 0, out);
  if (err) {
    if (err == SB_ENOMEM)
      sb_msg_set(msg, SB_ENOMEM, "out of memory while parsing JSON");
    return err;
  }
  skip_space(&p);
  if (p.pos != p.len) {
    sb_json_free(out);
    return fail(&p, "trailing characters after the JSON value");
  }
  return SB_OK;
}

sb_err sb_json_parse_file(const char *path, sb_json **out, sb_msg *msg)
{
  FILE *f;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  sb_err err;
  if (!path || !out)
    return SB_EINVAL;
  *out = NULL;
  f = fopen(path, "rb");
  if (!f)
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
  for (;;) {
    size_t got;
    if (cap - n < 65536) {
      size_t ncap = cap ? cap * 2 : 65536;
      char *nbuf = realloc(buf, ncap);
      if (!nbuf) {
        free(buf);
        fclose(f);
        return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
      }
      buf = nbuf;
      cap = ncap;
    }
    got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  if (ferror(f)) {
    free(buf);
    fclose(f);
    return sb_msg_set(msg, SB_EIO, "%s: read error", path);
  }
  fclose(f);
  err = sb_json_parse(buf, n, out, msg);
  free(buf);
  if (err && msg) {
    sb_msg inner = *msg;
    sb_msg_set(msg, err, "%s: %s", path, inner.text);
  }
  return err;
}

const sb_json *sb_json_get(const sb_json *obj, const char *key)
{
  if (!obj || obj->type != SB_JSON_OBJECT || !key)
    return NULL;
  for (size_t i = 0; i < obj->n; i++)
    if (strcmp(obj->keys[i], key) == 0)
      return obj->items[i];
  return NULL;
}

const sb_json *sb_json_at(const sb_json *arr, size_t i)
{
  if (!arr || arr->type != SB_JSON_ARRAY || i >= arr->n)
    return NULL;
  return arr->items[i];
}

double sb_json_num(const sb_json *v)
{
  if (!v)
    return NAN;
  if (v->type == SB_JSON_NUMBER)
    return v->number;
  if (v->type == SB_JSON_STRING) {
    if (strcmp(v->string, "inf") == 0 || strcmp(v->string, "Infinity") == 0)
      return INFINITY;
    if (strcmp(v->string, "-inf") == 0 || strcmp(v->string, "-Infinity") == 0)
      return -INFINITY;
  }
  return NAN;
}

const char *sb_json_str(const sb_json *v)
{
  return v && v->type == SB_JSON_STRING ? v->string : NULL;
}

const char *sb_json_type_words(const sb_json *v)
{
  static const char *const words[] = {"null", "a boolean", "a number", "a string", "an array", "an object"};
  return v ? words[v->type] : "nothing";
}

void sb_json_free(sb_json **v)
{
  sb_json *node;
  if (!v || !*v)
    return;
  node = *v;
  for (size_t i = 0; i < node->n; i++) {
    sb_json_free(&node->items[i]);
    if (node->keys)
      free(node->keys[i]);
  }
  free(node->items);
  free(node->keys);
  free(node->string);
  free(node);
  *v = NULL;
}
