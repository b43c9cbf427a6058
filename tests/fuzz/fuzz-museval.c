/*
 * tests/fuzz/fuzz-museval.c — reports/import.c: the input as a museval
 * track JSON file, imported with sb_import_museval_file into an in-memory
 * store as a new track.  A file that imports must import once: the same
 * file again writes nothing (import.h).  The store is opened once per 256
 * inputs (opening and migrating it costs more than an import).
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "reports/import.h"
#include "schemas/store.h"
#include "fuzz.h"

int fuzz_museval(const uint8_t *data, size_t size)
{
  static sb_store *store;
  static unsigned n_runs;
  const char *path = fuzz_file("track.json", data, size);
  const sb_import_opts opts = {.suite = "museval", .method = NULL, .config = "fuzz-config"};
  char track[32];
  int imported = -1;
  sb_msg msg;
  sb_err err;

  if (n_runs++ % 256 == 0) {
    sb_store_free(&store);
    FUZZ_CHECK(sb_store_open(":memory:", &store, &msg) == SB_OK);
  }
  snprintf(track, sizeof track, "track %u", n_runs);
  sb_msg_clear(&msg);
  err = sb_import_museval_file(store, &opts, path, "method", "test", track, &imported, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(imported == 0);
    FUZZ_CHECK(err == SB_EFORMAT || err == SB_EIO);
  } else {
    FUZZ_CHECK(imported == 1);
    FUZZ_CHECK(sb_import_museval_file(store, &opts, path, "method", "test", track, &imported, &msg) == SB_OK);
    FUZZ_CHECK(imported == 0);
  }
  return 0;
}
