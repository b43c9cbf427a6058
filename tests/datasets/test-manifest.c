/*
 * tests/datasets/test-manifest.c — datasets/manifest.c: JSON and CSV
 * manifests (relative paths against the manifest folder, tags, subsets,
 * names with & ' ( and spaces, a file name with a double quote), the
 * three keys of a track name ("id", "track", "name") in both forms, paths
 * with ".." resolved against the manifest folder (through a symbolic
 * link as the kernel does), and hostile manifests: bad quoting, huge
 * numbers, non-UTF-8 ids and paths, '/' in ids, NUL bytes, deep nesting,
 * wrong types (a numeric subset), two synonyms, repeated keys, duplicates.
 * Each must give a clear error, never a crash (run under ASan).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/manifest.h"
#include "common/paths.h"
#include "datasets/resolve.h"
#include "fixtures.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-manifest-XXXXXX";

static sb_err open_text(const char *name, const char *text, size_t len, sb_suite **s, sb_msg *msg)
{
  const char *path = fx_path(tmp_dir, name);
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(text, 1, len, f);
    fclose(f);
  }
  sb_msg_clear(msg);
  return sb_manifest_open(path, NULL, s, msg);
}

static void expect(const char *name, const char *text, sb_err want, const char *want_in_msg, const char *what)
{
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err = open_text(name, text, strlen(text), &s, &msg);
  tap_ok(err == want && s == NULL && strstr(msg.text, want_in_msg) != NULL, "%s: %s", what, msg.text);
  sb_suite_free(&s);
}

/* As expect, and the message is one line. */
static void expect_one_line(const char *name, const char *text, sb_err want, const char *want_in_msg,
                            const char *what)
{
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err = open_text(name, text, strlen(text), &s, &msg);
  tap_ok(err == want && s == NULL && strstr(msg.text, want_in_msg) && !strchr(msg.text, '\n'), "%s: %s", what,
         msg.text);
  sb_suite_free(&s);
}

static void test_good(void)
{
  static const char json[] =
    "{\"name\": \"my suite\", \"rate\": 16000, \"mixture_is_sum\": true, \"tracks\": ["
    " {\"id\": \"Ben & Jerry's (live) take 2\", \"mixture\": \"a/mix.wav\","
    "  \"references\": {\"s2\": \"a/s2.wav\", \"s1\": \"a/s1.wav\"}, \"subset\": \"dev\", \"tags\": [\"far\", \"noisy\"]},"
    " {\"id\": \"b\", \"mixture\": \"b/we\\\"ird.wav\", \"references\": {\"s1\": \"/abs/s1.wav\", \"s2\": \"b/s2.wav\"}}]}";
  static const char csv[] = "id,mixture,vocals,subset,tags,other\n"
                            "\"Zeno - It's (Not) Over\",z/mix.wav,z/v.wav,test,live;old,z/o.wav\n"
                            "\"A, B\",\"q/we\"\"ird.wav\",q/v.wav,train,,q/o.wav\n";
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  err = open_text("m.json", json, sizeof json - 1, &s, &msg);
  tap_ok(err == SB_OK, "JSON manifest (%s)", err ? msg.text : "ok");
  if (!err) {
    const sb_track *t = &s->tracks[0];
    tap_ok(s->n_tracks == 2 && strcmp(t->name, "Ben & Jerry's (live) take 2") == 0, "names kept verbatim, sorted");
    tap_ok(strcmp(t->mix_path, fx_path(tmp_dir, "a/mix.wav")) == 0, "relative paths against the manifest folder");
    tap_ok(strcmp(t->stem_names[0], "s1") == 0 && strcmp(t->stem_paths[0], fx_path(tmp_dir, "a/s1.wav")) == 0,
           "references sorted by name");
    tap_ok(strcmp(t->subset, "dev") == 0 && t->tags && strcmp(t->tags, "far,noisy") == 0, "subset and tags");
    tap_ok(strcmp(s->tracks[1].mix_path, fx_path(tmp_dir, "b/we\"ird.wav")) == 0 &&
               strcmp(s->tracks[1].stem_paths[0], "/abs/s1.wav") == 0 && strcmp(s->tracks[1].subset, "test") == 0,
           "a quote in a path; absolute paths kept; default subset test");
    tap_ok(s->rate == 16000 && s->mix_is_sum == 1 && strstr(s->description, "my suite"), "rate, sum flag, name");
  }
  sb_suite_free(&s);
  err = open_text("m.csv", csv, sizeof csv - 1, &s, &msg);
  tap_ok(err == SB_OK, "CSV manifest (%s)", err ? msg.text : "ok");
  if (!err) {
    tap_ok(s->n_tracks == 2 && strcmp(s->tracks[0].name, "A, B") == 0 &&
               strcmp(s->tracks[1].name, "Zeno - It's (Not) Over") == 0,
           "quoted ids with a comma and a quote mark");
    tap_ok(s->tracks[1].n_stems == 2 && strcmp(s->tracks[1].stem_names[0], "vocals") == 0 &&
               strcmp(s->tracks[1].stem_names[1], "other") == 0,
           "the other columns are references, canonical order");
    tap_ok(strcmp(s->tracks[0].mix_path, fx_path(tmp_dir, "q/we\"ird.wav")) == 0 &&
               strcmp(s->tracks[1].tags, "live,old") == 0,
           "doubled quote in a path; tags split on ';'");
  }
  sb_suite_free(&s);
  err = sb_manifest_open(fx_path(tmp_dir, "m.csv"), "train", &s, &msg);
  tap_ok(err == SB_OK && s->n_tracks == 1 && strcmp(s->tracks[0].name, "A, B") == 0, "subset filter");
  sb_suite_free(&s);
  err = sb_manifest_open(fx_path(tmp_dir, "m.csv"), "valid", &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "no track of subset 'valid'"), "empty subset: %s", msg.text);
  {
    char spec[600];
    snprintf(spec, sizeof spec, "manifest:%s", fx_path(tmp_dir, "m.csv"));
    err = sb_suite_resolve(spec, NULL, &s, &msg);
    tap_ok(err == SB_OK && strcmp(s->kind, "manifest") == 0 && strcmp(s->name, spec) == 0,
           "manifest:PATH through sb_suite_resolve");
    sb_suite_free(&s);
    err = sb_suite_resolve(fx_path(tmp_dir, "m.json"), NULL, &s, &msg);
    tap_ok(err == SB_OK && strcmp(s->kind, "manifest") == 0, "a .json path is detected as a manifest");
    sb_suite_free(&s);
  }
}

/* "id", "track" and "name" name a track in both forms. */
static void test_name_keys(void)
{
  static const char json[] = "[{\"id\": \"a\", \"mixture\": \"m.wav\", \"references\": {\"s1\": \"1.wav\"}},"
                             " {\"track\": \"b\", \"mixture\": \"m.wav\", \"references\": {\"s1\": \"1.wav\"}},"
                             " {\"name\": \"c\", \"mixture\": \"m.wav\", \"references\": {\"s1\": \"1.wav\"}}]";
  static const char *const csv_keys[] = {"id", "track", "name"};
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err = open_text("keys.json", json, sizeof json - 1, &s, &msg);

  tap_ok(err == SB_OK && s->n_tracks == 3 && strcmp(s->tracks[0].name, "a") == 0 &&
             strcmp(s->tracks[1].name, "b") == 0 && strcmp(s->tracks[2].name, "c") == 0,
         "JSON: \"id\", \"track\" and \"name\" name a track %s", msg.text);
  sb_suite_free(&s);
  for (int k = 0; k < 3; k++) {
    char text[128], file[32], name[8];
    snprintf(name, sizeof name, "t%d", k);
    snprintf(text, sizeof text, "%s,mixture,s1\n%s,m.wav,1.wav\n", csv_keys[k], name);
    snprintf(file, sizeof file, "keys%d.csv", k);
    err = open_text(file, text, strlen(text), &s, &msg);
    tap_ok(err == SB_OK && s->n_tracks == 1 && s->tracks[0].n_stems == 1 && strcmp(s->tracks[0].name, name) == 0,
           "CSV: a \"%s\" column names the track, not a reference %s", csv_keys[k], msg.text);
    sb_suite_free(&s);
  }
}

/* A manifest in manifests/ pointing at ../audio: paths resolved against its
 * folder, ".." and links as the kernel resolves them, the file name kept. */
static void test_relative_paths(void)
{
  char *real_tmp = realpath(tmp_dir, NULL), want[4200], *saved = NULL;
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  sb_path_mkdir_p(fx_path(tmp_dir, "set/manifests"), NULL);
  sb_path_mkdir_p(fx_path(tmp_dir, "set/audio/t1"), NULL);
  sb_path_mkdir_p(fx_path(tmp_dir, "elsewhere/inner"), NULL);
  tap_ok(real_tmp && symlink(fx_path(tmp_dir, "elsewhere/inner"), fx_path(tmp_dir, "set/manifests/link")) == 0,
         "fixture: manifests/link -> elsewhere/inner");
  fx_write_text(fx_path(tmp_dir, "set/manifests/m.json"),
                "{\"tracks\": [{\"id\": \"t1\", \"mixture\": \"../audio/t1/mix.wav\", \"references\": "
                "{\"s1\": \"../audio/./t1/s1.wav\", \"s2\": \"link/../s2.wav\", \"s3\": \"../nowhere/../s3.wav\"}}]}");
  sb_msg_clear(&msg);
  err = sb_manifest_open(fx_path(tmp_dir, "set/manifests/m.json"), NULL, &s, &msg);
  tap_ok(err == SB_OK, "'..' in manifest paths is accepted %s", msg.text);
  if (!err && real_tmp) {
    const sb_track *t = &s->tracks[0];
    snprintf(want, sizeof want, "%s/set/audio/t1/mix.wav", real_tmp);
    tap_ok(strcmp(t->mix_path, want) == 0, "../audio/t1/mix.wav resolves to %s (%s)", want, t->mix_path);
    snprintf(want, sizeof want, "%s/set/audio/t1/s1.wav", real_tmp);
    tap_ok(strcmp(t->stem_paths[0], want) == 0, "'.' components go too: %s", t->stem_paths[0]);
    snprintf(want, sizeof want, "%s/elsewhere/s2.wav", real_tmp);
    tap_ok(strcmp(t->stem_paths[1], want) == 0, "link/.. is the link target's parent, as the kernel reads it: %s",
           t->stem_paths[1]);
    tap_ok(strstr(t->stem_paths[2], "nowhere/../s3.wav") != NULL,
           "a folder that does not exist stays as written, so reading it fails: %s", t->stem_paths[2]);
  }
  sb_suite_free(&s);
  /* The same through a relative manifest path, from another directory. */
  saved = getcwd(NULL, 0);
  if (saved && chdir(fx_path(tmp_dir, "set")) == 0) {
    fx_write_text("manifests/m.csv", "name,mixture,vocals\nt1,../audio/t1/mix.wav,../audio/t1/v.wav\n");
    err = sb_manifest_open("manifests/m.csv", NULL, &s, &msg);
    snprintf(want, sizeof want, "%s/set/audio/t1/v.wav", real_tmp ? real_tmp : "");
    tap_ok(err == SB_OK && strcmp(s->tracks[0].stem_paths[0], want) == 0,
           "CSV from a relative manifest path: %s", err ? msg.text : s->tracks[0].stem_paths[0]);
    sb_suite_free(&s);
    tap_ok(chdir(saved) == 0, "back to the first working directory");
  }
  free(saved);
  free(real_tmp);
}

static void test_hostile(void)
{
  static const char nul[] = "id,mixture,s1\na,\0b.wav,c.wav\n";
  static const char bad_utf8_id[] = "id,mixture,s1\n\xff\xfe,b.wav,c.wav\n";
  static const char bad_utf8_path[] = "id,mixture,s1\na,b\xc3\x28.wav,c.wav\n";
  static const char overlong[] = "id,mixture,s1\na,b\xc0\xaf.wav,c.wav\n";
  char deep[3000];
  sb_suite *s = NULL;
  sb_msg msg;
  sb_err err;

  expect("q.csv", "id,mixture,s1\n\"a,b.wav,c.wav\n", SB_EFORMAT, "unterminated", "unterminated quote");
  expect("q2.csv", "id,mixture,s1\na\"x,b.wav,c.wav\n", SB_EFORMAT, "line 2: quote inside", "stray quote");
  expect("q3.csv", "id,mixture,s1\na,b.wav\n", SB_EFORMAT, "line 2: 2 field(s)", "missing field");
  expect("slash.csv", "id,mixture,s1\na/b,x.wav,c.wav\n", SB_EINVAL, "holds '/'", "'/' in an id");
  expect("dotid.csv", "id,mixture,s1\n..,x.wav,c.wav\n", SB_EINVAL, "not a usable name", "id '..'");
  expect("dup.csv", "id,mixture,s1\na,x.wav,c.wav\na,y.wav,d.wav\n", SB_EINVAL, "dup.csv: track 'a' appears twice",
         "duplicate id, named with the file");
  expect("dupref.json", "[{\"id\": \"a\", \"mixture\": \"x.wav\", \"references\": {\"s1\": \"c.wav\", \"s1\": \"d.wav\"}}]",
         SB_EFORMAT, "the member \"s1\" twice", "a reference named twice (a repeated JSON key), with the file");
  expect("noid.csv", "title,mixture,s1\na,x.wav,c.wav\n", SB_EFORMAT, "\"id\" (or \"track\" or \"name\")",
         "no id column");
  expect("two.csv", "id,name,mixture,s1\na,b,x.wav,c.wav\n", SB_EFORMAT, "both \"id\" and \"name\"",
         "two name columns");
  expect("twosub.csv", "id,subset,split,mixture,s1\na,test,test,x.wav,c.wav\n", SB_EFORMAT,
         "both \"subset\" and \"split\"", "two subset columns");
  expect("noref.csv", "id,mixture\na,x.wav\n", SB_EFORMAT, "no references", "no reference column");
  expect("emptypath.csv", "id,mixture,s1\na,,c.wav\n", SB_EINVAL, "empty path", "empty mixture path");
  expect("ctl.csv", "id,mixture,s1\n\"a\tb\",x.wav,c.wav\n", SB_EINVAL, "control", "tab in an id");
  expect_one_line("refnl.json", "[{\"id\": \"a\", \"mixture\": \"x\", \"references\": {\"v\\nb\": \"y\"}}]",
                  SB_EINVAL, "track 0: reference: name holds a control character (0x0A at byte 1)",
                  "a line break in a reference name (JSON; found by the manifest-json fuzz target)");
  expect_one_line("refnl2.json", "[{\"id\": \"a\", \"mixture\": \"x\", \"references\": {\"v\\nb\": 3}}]",
                  SB_EINVAL, "reference: name holds a control character", "a line break in a name whose path is no string");
  expect_one_line("refnl.csv", "id,mixture,\"v\nb\"\na,x.wav,c.wav\n", SB_EINVAL,
                  "reference: name holds a control character (0x0A at byte 1)", "a line break in a reference column");
  err = open_text("nul.csv", nul, sizeof nul - 1, &s, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "NUL"), "a NUL byte: %s", msg.text);
  err = open_text("u1.csv", bad_utf8_id, sizeof bad_utf8_id - 1, &s, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "UTF-8"), "a non-UTF-8 id: %s", msg.text);
  err = open_text("u2.csv", bad_utf8_path, sizeof bad_utf8_path - 1, &s, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "UTF-8"), "a non-UTF-8 path: %s", msg.text);
  err = open_text("u3.csv", overlong, sizeof overlong - 1, &s, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "UTF-8"), "an overlong UTF-8 '/': %s", msg.text);

  expect("big.json", "{\"rate\": 1e308, \"tracks\": []}", SB_EINVAL, "rate", "huge rate");
  expect("neg.json", "{\"rate\": -44100, \"tracks\": []}", SB_EINVAL, "rate", "negative rate");
  expect("frac.json", "{\"rate\": 44100.5, \"tracks\": []}", SB_EINVAL, "rate", "fractional rate");
  expect("type.json", "{\"tracks\": [{\"id\": 5, \"mixture\": \"x\", \"references\": {}}]}", SB_EFORMAT, "track 0",
         "an id that is a number");
  expect("ref.json", "{\"tracks\": [{\"id\": \"a\", \"mixture\": \"x\", \"references\": {\"s1\": 3}}]}", SB_EFORMAT,
         "reference 's1'", "a reference that is not a path");
  expect("sub.json", "{\"tracks\": [{\"id\": \"a\", \"subset\": 3, \"mixture\": \"x\", \"references\": "
         "{\"s1\": \"y\"}}]}", SB_EFORMAT, "track 0: \"subset\" must be a string, not a number", "a numeric subset");
  expect("split.json", "{\"tracks\": [{\"id\": \"a\", \"split\": [\"test\"], \"mixture\": \"x\", "
         "\"references\": {\"s1\": \"y\"}}]}", SB_EFORMAT, "\"split\" must be a string, not an array",
         "a split that is an array");
  expect("twoname.json", "{\"tracks\": [{\"id\": \"a\", \"name\": \"b\", \"mixture\": \"x\", \"references\": "
         "{\"s1\": \"y\"}}]}", SB_EFORMAT, "\"id\" and \"name\" mean the same", "both id and name");
  expect("dupkey.json", "{\"tracks\": [{\"id\": \"a\", \"mixture\": \"x\", \"mixture\": \"z\", "
         "\"references\": {\"s1\": \"y\"}}]}", SB_EFORMAT, "dupkey.json: line 1, column 13: the object starting "
         "here has the member \"mixture\" twice", "a repeated key in a track");
  expect("dupref.json", "{\"tracks\": [{\"id\": \"a\", \"mixture\": \"x\", \"references\": "
         "{\"s1\": \"y\", \"s1\": \"z\"}}]}", SB_EFORMAT, "member \"s1\" twice", "a repeated reference");
  expect("dupdoc.json", "{\"rate\": 8000, \"rate\": 16000, \"tracks\": []}", SB_EFORMAT,
         "member \"rate\" twice", "a repeated top-level key");
  expect("tags.json", "{\"tracks\": [{\"id\": \"a\", \"mixture\": \"x\", \"references\": {\"s1\": \"y\"}, "
         "\"tags\": 7}]}", SB_EFORMAT, "tags", "tags of the wrong type");
  expect("trunc.json", "{\"tracks\": [{\"id\": \"a\"", SB_EFORMAT, "m", "truncated JSON");
  expect("notobj.json", "[1, 2]", SB_EFORMAT, "track 0: not an object", "array of numbers");
  expect("sum.json", "{\"mixture_is_sum\": 1, \"tracks\": []}", SB_EFORMAT, "mixture_is_sum", "wrong sum type");
  expect("empty.json", "{\"tracks\": []}", SB_ENOTFOUND, "no tracks", "no tracks");
  expect("esc.json", "{\"tracks\": [{\"id\": \"a\\u0000b\", \"mixture\": \"x\", \"references\": {\"s1\": \"y\"}}]}",
         SB_EFORMAT, "escape", "an escaped NUL in an id");
  memset(deep, '[', sizeof deep - 1);
  deep[sizeof deep - 1] = '\0';
  expect("deep.json", deep, SB_EFORMAT, "", "nesting 3000 deep");
  expect("m.txt", "id,mixture\n", SB_EINVAL, ".json or .csv", "unknown extension");
  err = sb_manifest_open(fx_path(tmp_dir, "absent.json"), NULL, &s, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "absent.json"), "a missing manifest: %s", msg.text);
}

int main(void)
{
  if (!fx_begin(tmp_dir))
    return tap_done();
  test_good();
  test_name_keys();
  test_relative_paths();
  test_hostile();
  return fx_end(tmp_dir);
}
