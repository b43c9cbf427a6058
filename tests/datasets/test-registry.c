/*
 * tests/datasets/test-registry.c — datasets/registry.c: built-in names,
 * environment variables winning over the config file, config sections
 * adding names and overriding built-ins, the default config path, and
 * malformed config files reported with file:line.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/registry.h"
#include "datasets/resolve.h"
#include "fixtures.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-registry-XXXXXX";

static sb_err load_text(const char *text, sb_registry **r, sb_msg *msg)
{
  const char *path = fx_path(tmp_dir, "suites.ini");
  fx_write_text(path, text);
  sb_msg_clear(msg);
  return sb_registry_load(path, r, msg);
}

static void expect_error(const char *text, const char *want, const char *what)
{
  sb_registry *r = NULL;
  sb_msg msg;
  sb_err err = load_text(text, &r, &msg);
  tap_ok(err == SB_EFORMAT && r == NULL && strstr(msg.text, want) != NULL, "%s: %s", what, msg.text);
}

int main(void)
{
  sb_registry *r = NULL;
  const sb_registry_entry *e;
  char buf[4096];
  sb_msg msg;
  sb_err err;

  if (!mkdtemp(tmp_dir)) {
    tap_ok(0, "create a temporary folder");
    return tap_done();
  }
  unsetenv("MUSDB_PATH");
  unsetenv("ECHOSET_PATH");
  unsetenv("LIBRIMIX_PATH");
  unsetenv("SEPBENCH_SUITES");
  err = sb_registry_load(fx_path(tmp_dir, "absent.ini"), &r, &msg);
  tap_ok(err == SB_OK && r->n_entries == 4, "a missing config file is fine: 4 built-in names");
  e = sb_registry_find(r, "speech");
  tap_ok(e && strcmp(e->kind, "demo-speech") == 0 && e->path == NULL, "speech falls back to the demo suite");
  e = sb_registry_find(r, "librimix");
  tap_ok(e && strcmp(e->kind, "none") == 0 && strstr(e->description, "LIBRIMIX_PATH"), "librimix says what to set");
  tap_ok(sb_registry_find(r, "nope") == NULL, "unknown names are NULL");
  sb_registry_free(&r);
  tap_ok(r == NULL, "free NULLs the pointer");

  err = load_text("# my suites\n"
                  "[cluster-musdb]\n"
                  "kind = musdb18hq\n"
                  "path = /data/musdb18hq\n"
                  "subset = train\n"
                  "\n"
                  "; EchoSet on the cluster\n"
                  "[speech]\n"
                  "path = /data/EchoSet\n"
                  "description = EchoSet (cluster copy)\n",
                  &r, &msg);
  tap_ok(err == SB_OK && r->n_entries == 5, "a config adds a name (%s)", err ? msg.text : "ok");
  e = sb_registry_find(r, "cluster-musdb");
  tap_ok(e && strcmp(e->kind, "musdb18hq") == 0 && strcmp(e->path, "/data/musdb18hq") == 0 &&
             strcmp(e->subset, "train") == 0 && strstr(e->source, "suites.ini:4"),
         "kind, path, subset and the source line (%s)", e ? e->source : "-");
  e = sb_registry_find(r, "speech");
  tap_ok(e && strcmp(e->kind, "auto") == 0 && strcmp(e->path, "/data/EchoSet") == 0 &&
             strcmp(e->description, "EchoSet (cluster copy)") == 0,
         "a config section overrides a built-in fallback");
  sb_registry_free(&r);

  setenv("ECHOSET_PATH", "/env/EchoSet", 1);
  err = load_text("[speech]\npath = /data/EchoSet\n", &r, &msg);
  e = sb_registry_find(r, "speech");
  tap_ok(err == SB_OK && e && strcmp(e->path, "/env/EchoSet") == 0 && strcmp(e->source, "ECHOSET_PATH") == 0 &&
             strcmp(e->kind, "echoset") == 0,
         "ECHOSET_PATH wins over the config file");
  sb_registry_free(&r);
  setenv("ECHOSET_PATH", "", 1);
  err = load_text("", &r, &msg);
  e = sb_registry_find(r, "speech");
  tap_ok(err == SB_OK && e && e->path == NULL, "an empty variable counts as unset");
  sb_registry_free(&r);
  unsetenv("ECHOSET_PATH");

  expect_error("path = /x\n", "suites.ini:1: KEY = VALUE before", "key before a section");
  expect_error("[a]\npath = /x\ncolour = red\n", "suites.ini:3: unknown key 'colour'", "unknown key");
  expect_error("[a]\nkind = mp3\npath = /x\n", "suites.ini:2: unknown kind 'mp3'", "unknown kind");
  expect_error("[a]\nkind = echoset\n", "[a] has no path", "section without path");
  expect_error("[a\npath = /x\n", "suites.ini:1: a section line", "unclosed section");
  expect_error("[a/b]\npath = /x\n", "holds '/'", "'/' in a name");
  expect_error("[tiny]\npath = /x\n", "cannot be redefined", "tiny is reserved");
  expect_error("[a]\njust words\n", "suites.ini:2: expected", "a line without '='");
  expect_error("[a]\npath = /x\npath = /y\n", "suites.ini:3: key 'path' given twice in [a]", "a key given twice");
  expect_error("[a]\npath = /x\n[a]\npath = /y\n", "suites.ini:3: section [a] given twice", "a section given twice");

  setenv("XDG_CONFIG_HOME", "/xdg", 1);
  tap_ok(sb_registry_default_config(buf, sizeof buf) == SB_OK && strcmp(buf, "/xdg/sepbench/suites.ini") == 0,
         "default config under XDG_CONFIG_HOME: %s", buf);
  setenv("SEPBENCH_SUITES", "/etc/my-suites.ini", 1);
  tap_ok(sb_registry_default_config(buf, sizeof buf) == SB_OK && strcmp(buf, "/etc/my-suites.ini") == 0,
         "SEPBENCH_SUITES wins: %s", buf);
  unsetenv("SEPBENCH_SUITES");
  setenv("XDG_CONFIG_HOME", "relative", 1);
  setenv("HOME", "/home/u", 1);
  tap_ok(sb_registry_default_config(buf, sizeof buf) == SB_OK && strcmp(buf, "/home/u/.config/sepbench/suites.ini") == 0,
         "a relative XDG_CONFIG_HOME is ignored: %s", buf);

  /* A config name resolves through sb_suite_resolve (to a missing folder). */
  {
    sb_suite *s = NULL;
    sb_suite_opts o = {0};
    fx_write_text(fx_path(tmp_dir, "suites.ini"), "[gone]\nkind = wsj0-2mix\npath = /nonexistent/wsj0\n");
    o.config = fx_path(tmp_dir, "suites.ini");
    err = sb_suite_resolve("gone", &o, &s, &msg);
    tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "/nonexistent/wsj0"), "a config name is resolved: %s", msg.text);
    err = sb_suite_resolve("unheard-of", &o, &s, &msg);
    tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "unknown suite 'unheard-of'"), "unknown name: %s", msg.text);
  }
  fx_rm_tree(tmp_dir);
  return tap_done();
}
