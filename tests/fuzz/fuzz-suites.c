/*
 * tests/fuzz/fuzz-suites.c — datasets/registry.c: the input as a suites
 * config file (suites.ini) for sb_registry_load.  A registry must hold the
 * built-in names and every name once, each entry with a kind, a source and
 * a description, and sb_registry_find must find each.  The environment
 * variables that override entries are cleared first, so only the file
 * counts.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "datasets/registry.h"
#include "fuzz.h"

int fuzz_suites(const uint8_t *data, size_t size)
{
  static const char *const builtin[] = {"music", "speech", "librimix", "tiny"};
  const char *path = fuzz_file("suites.ini", data, size);
  sb_registry *r = NULL;
  sb_msg msg;
  sb_err err;

  unsetenv("MUSDB_PATH");
  unsetenv("ECHOSET_PATH");
  unsetenv("LIBRIMIX_PATH");
  sb_msg_clear(&msg);
  err = sb_registry_load(path, &r, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(r == NULL);
    FUZZ_CHECK(strstr(msg.text, path) != NULL);
    return 0;
  }
  FUZZ_CHECK(r != NULL && r->n_entries >= 4);
  FUZZ_CHECK(r->config_path && strcmp(r->config_path, path) == 0);
  for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++)
    FUZZ_CHECK(sb_registry_find(r, builtin[i]) != NULL);
  for (int i = 0; i < r->n_entries; i++) {
    const sb_registry_entry *e = &r->entries[i];
    FUZZ_CHECK(e->name && e->name[0] && !strchr(e->name, '/') && !strchr(e->name, ':'));
    FUZZ_CHECK(e->kind && e->source && e->description);
    FUZZ_CHECK(sb_registry_find(r, e->name) == e);
    FUZZ_CHECK(!strchr(e->source, ':') || e->path != NULL);
  }
  sb_registry_free(&r);
  FUZZ_CHECK(r == NULL);
  return 0;
}
