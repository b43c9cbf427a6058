/*
 * tests/fuzz/fuzz-museval.c — reports/import.c: the input as a museval
 * track JSON file, imported into a new in-memory store with
 * sb_import_museval_file.  A file that imports must import once: the same
 * file again writes nothing (import.h).
 */
#include <config.h>

#include <string.h>

#include "reports/import.h"
#include "schemas/store.h"
#include "fuzz.h"

int fuzz_museval(const uint8_t *data, size_t size)
{
  const char *path = fuzz_file("track.json", data, size);
  const sb_import_opts opts = {.suite = "museval", .method = NULL, .config = "fuzz-config"};
  sb_store *store = NULL;
  int imported = -1;
  sb_msg msg;
  sb_err err;

  FUZZ_CHECK(sb_store_open(":memory:", &store, &msg) == SB_OK);
  sb_msg_clear(&msg);
  err = sb_import_museval_file(store, &opts, path, "method", "test", "track", &imported, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(imported == 0);
    FUZZ_CHECK(err == SB_EFORMAT || err == SB_EIO);
  } else {
    FUZZ_CHECK(imported == 1);
    FUZZ_CHECK(sb_import_museval_file(store, &opts, path, "method", "test", "track", &imported, &msg) == SB_OK);
    FUZZ_CHECK(imported == 0);
  }
  sb_store_free(&store);
  return 0;
}
