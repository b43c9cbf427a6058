/* tests/common/test-json.c — the JSON reader: values, escapes, the
 * simplejson NaN/Infinity tokens, the reference-vector number encoding,
 * hostile input (deep nesting, truncation, bad escapes, a member named
 * twice) and files. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "tap.h"

static sb_err parse(const char *text, sb_json **out, sb_msg *msg)
{
  return sb_json_parse(text, strlen(text), out, msg);
}

static void test_values(void)
{
  sb_json *v = NULL;
  sb_msg msg;
  const char *doc = "{\"a\": [1, -2.5e2, true, false, null, \"x\\ty\\u00e9\\ud83d\\ude00\"],"
                    " \"b\": {\"c\": NaN, \"d\": -Infinity, \"e\": \"inf\", \"f\": \"-inf\"}, \"g\": 0.125}";
  tap_ok(parse(doc, &v, &msg) == SB_OK, "a nested document parses");
  if (!v)
    return;
  const sb_json *a = sb_json_get(v, "a");
  tap_ok(a && a->type == SB_JSON_ARRAY && a->n == 6, "array with 6 items");
  tap_ok(sb_json_num(sb_json_at(a, 0)) == 1.0, "integer 1");
  tap_ok(sb_json_num(sb_json_at(a, 1)) == -250.0, "exponent -2.5e2 = -250");
  tap_ok(sb_json_at(a, 2)->type == SB_JSON_BOOL && sb_json_at(a, 2)->boolean == 1, "true");
  tap_ok(sb_json_at(a, 3)->type == SB_JSON_BOOL && sb_json_at(a, 3)->boolean == 0, "false");
  tap_ok(isnan(sb_json_num(sb_json_at(a, 4))), "null reads as NaN");
  tap_ok(strcmp(sb_json_str(sb_json_at(a, 5)), "x\ty\xc3\xa9\xf0\x9f\x98\x80") == 0,
         "escapes, BMP and surrogate-pair code points decode to UTF-8");
  const sb_json *b = sb_json_get(v, "b");
  tap_ok(isnan(sb_json_num(sb_json_get(b, "c"))), "bare NaN token");
  tap_ok(sb_json_num(sb_json_get(b, "d")) == -INFINITY, "bare -Infinity token");
  tap_ok(sb_json_num(sb_json_get(b, "e")) == INFINITY, "\"inf\" string is +inf");
  tap_ok(sb_json_num(sb_json_get(b, "f")) == -INFINITY, "\"-inf\" string is -inf");
  tap_ok(sb_json_num(sb_json_get(v, "g")) == 0.125, "0.125 exact");
  tap_ok(sb_json_get(v, "missing") == NULL && sb_json_at(a, 6) == NULL, "absent member and index give NULL");
  tap_ok(isnan(sb_json_num(NULL)), "num(NULL) is NaN");
  sb_json_free(&v);
  tap_ok(v == NULL, "free sets the pointer to NULL");
}

static void test_round_trip_precision(void)
{
  sb_json *v = NULL;
  /* Python repr of a float must read back bit-exactly. */
  tap_ok(parse("[7.2789145895279885, -6.043862553691609, 1e-300, 5e-324]", &v, NULL) == SB_OK, "repr floats parse");
  tap_ok(v && sb_json_num(sb_json_at(v, 0)) == 7.2789145895279885, "repr float is exact");
  tap_ok(v && sb_json_num(sb_json_at(v, 3)) == 5e-324, "subnormal parses");
  sb_json_free(&v);
}

static void test_bad_input(void)
{
  static const char *const bad[] = {
    "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "\"abc", "\"\\x\"", "01", "1.", "-", "[1] x",
    "\"\\ud800\"", "\"a\nb\"", "nul", "{1:2}", "[\"\\u0000\"]",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sb_json *v = NULL;
    sb_msg msg;
    sb_msg_clear(&msg);
    sb_err err = parse(bad[i], &v, &msg);
    tap_ok(err == SB_EFORMAT && v == NULL && strstr(msg.text, "line 1") != NULL,
           "malformed input %zu is rejected with a position (%s)", i, msg.text);
  }
  /* 100000 nested arrays must not crash the parser. */
  size_t depth = 100000;
  char *deep = malloc(2 * depth + 1);
  if (!deep) {
    tap_ok(0, "allocation for the deep-nesting test");
    return;
  }
  memset(deep, '[', depth);
  memset(deep + depth, ']', depth);
  deep[2 * depth] = '\0';
  sb_json *v = NULL;
  sb_msg msg;
  tap_ok(parse(deep, &v, &msg) == SB_EFORMAT && strstr(msg.text, "nesting") != NULL,
         "100000-deep nesting is refused, not a stack overflow");
  free(deep);
}

/* A member named twice is refused wherever the object is, small or large,
 * with the object's position and the key; the same name in two objects,
 * or as a string value, is fine. */
static void test_repeated_keys(void)
{
  static const struct {
    const char *text, *want;
  } cases[] = {
    {"{\"a\": 1, \"a\": 2}", "line 1, column 1: the object starting here has the member \"a\" twice"},
    {"{\"tracks\": [{\"id\": \"x\",\n \"subset\": \"a\", \"subset\": \"b\"}]}", "line 1, column 13"},
    {"[{\"k\": {\"x\": 1, \"y\": 2, \"x\": 3}}]", "member \"x\" twice"},
    {"{\"caf\u00e9\": 1, \"caf\u00e9\": 2}", "member \"caf\xc3\xa9\" twice"},
    {"{\"a\\nb\": 1, \"a\\nb\": 2}", "member \"a?b\" twice"},
  };
  char big[8192];
  size_t n = 0;
  sb_json *v = NULL;
  sb_msg msg;

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sb_msg_clear(&msg);
    sb_err err = parse(cases[i].text, &v, &msg);
    tap_ok(err == SB_EFORMAT && v == NULL && strstr(msg.text, cases[i].want) != NULL,
           "repeated key %zu is refused: %s", i, msg.text);
  }
  /* 300 members, the repeated one far apart: the sorted check. */
  n += (size_t)snprintf(big + n, sizeof big - n, "{");
  for (int k = 0; k < 300; k++)
    n += (size_t)snprintf(big + n, sizeof big - n, "\"m%d\": %d, ", k, k);
  snprintf(big + n, sizeof big - n, "\"m7\": 0}");
  tap_ok(parse(big, &v, &msg) == SB_EFORMAT && strstr(msg.text, "member \"m7\" twice"),
         "a repeated key among 300 members: %s", msg.text);
  big[n - 2] = '}';
  big[n - 1] = '\0';
  tap_ok(parse(big, &v, NULL) == SB_OK && v && v->n == 300, "300 distinct members parse");
  sb_json_free(&v);
  tap_ok(parse("[{\"a\": \"a\"}, {\"a\": 2}]", &v, &msg) == SB_OK, "one name in two objects is fine");
  sb_json_free(&v);
}

static void test_files(void)
{
  sb_json *v = NULL;
  sb_msg msg;
  char path[] = "/tmp/sb-test-json-XXXXXX";
  int fd = mkstemp(path);
  tap_ok(sb_json_parse_file("/nonexistent/dir/x.json", &v, &msg) == SB_EIO &&
         strstr(msg.text, "/nonexistent/dir/x.json") != NULL, "missing file: SB_EIO naming the file");
  if (fd < 0) {
    tap_ok(0, "mkstemp");
    return;
  }
  FILE *f = fdopen(fd, "w");
  fputs("{\"names\": [\"vocals\",\n  \"drums\"], \"x\": }", f);
  fclose(f);
  tap_ok(sb_json_parse_file(path, &v, &msg) == SB_EFORMAT && strstr(msg.text, path) != NULL &&
         strstr(msg.text, "line 2") != NULL, "malformed file: message names the file and line (%s)", msg.text);
  remove(path);
  const char *rv = getenv("SB_REFVECTORS");
  char ref[4096];
  snprintf(ref, sizeof ref, "%s/bss/music4_stereo_44k1/expected.json", rv ? rv : "");
  tap_ok(rv && sb_json_parse_file(ref, &v, &msg) == SB_OK, "a reference-vector file parses (%s)", ref);
  const sb_json *names = sb_json_get(v, "names");
  tap_ok(names && names->n == 4 && strcmp(sb_json_str(sb_json_at(names, 0)), "vocals") == 0,
         "its names list starts with vocals");
  sb_json_free(&v);
}

int main(void)
{
  test_values();
  test_round_trip_precision();
  test_bad_input();
  test_repeated_keys();
  test_files();
  return tap_done();
}
