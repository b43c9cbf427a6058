/*
 * tests/fuzz/fuzz-manifest.c — datasets/manifest.c: the input as a
 * generic suite manifest, once as manifest.json and once as manifest.csv,
 * opened with sb_manifest_open (all tracks, then the "test" subset).  A
 * suite must keep suite.h's rules: tracks sorted by name and distinct,
 * valid names, every track with the first track's targets, and every path
 * absolute, free of control characters and of ".." components.
 */
#include <config.h>

#include <string.h>

#include "common/escape.h"
#include "datasets/manifest.h"
#include "fuzz.h"

/* A path a manifest may yield (paths.h: sb_path_resolve): absolute, no
 * control character.  It may hold ".." where the folder before it does not
 * exist: sb_path_resolve keeps such a path as written, so that the error
 * that follows names what the manifest says. */
static int path_ok(const char *path)
{
  return path && path[0] == '/' && sb_control_char_at(path) < 0;
}

static void check_suite(const sb_suite *s, const char *subset)
{
  FUZZ_CHECK(s->n_tracks >= 1 && s->tracks != NULL);
  FUZZ_CHECK(s->name && s->kind && strcmp(s->kind, "manifest") == 0 && s->description);
  for (int i = 0; i < s->n_tracks; i++) {
    const sb_track *t = &s->tracks[i];
    FUZZ_CHECK(sb_track_name_check(t->name, "fuzz", NULL) == SB_OK);
    FUZZ_CHECK(i == 0 || strcmp(s->tracks[i - 1].name, t->name) < 0);
    FUZZ_CHECK(t->subset && !strchr(t->subset, '/'));
    FUZZ_CHECK(!subset || strcmp(t->subset, subset) == 0);
    FUZZ_CHECK(path_ok(t->mix_path));
    FUZZ_CHECK(t->n_stems >= 1 && t->n_stems == s->tracks[0].n_stems);
    for (int k = 0; k < t->n_stems; k++) {
      FUZZ_CHECK(strcmp(t->stem_names[k], s->tracks[0].stem_names[k]) == 0);
      FUZZ_CHECK(sb_track_name_check(t->stem_names[k], "fuzz", NULL) == SB_OK);
      FUZZ_CHECK(path_ok(t->stem_paths[k]));
    }
  }
}

static void open_manifest(const char *name, const uint8_t *data, size_t size)
{
  static const char *const subsets[] = {NULL, "test"};
  const char *path = fuzz_file(name, data, size);

  for (size_t i = 0; i < sizeof subsets / sizeof *subsets; i++) {
    sb_suite *s = NULL;
    sb_msg msg;
    sb_err err;
    sb_msg_clear(&msg);
    err = sb_manifest_open(path, subsets[i], &s, &msg);
    if (err) {
      fuzz_check_error(err, &msg);
      FUZZ_CHECK(s == NULL);
      FUZZ_CHECK(strstr(msg.text, path) != NULL);
      continue;
    }
    check_suite(s, subsets[i]);
    sb_suite_free(&s);
    FUZZ_CHECK(s == NULL);
  }
}

int fuzz_manifest_json(const uint8_t *data, size_t size)
{
  open_manifest("manifest.json", data, size);
  return 0;
}

int fuzz_manifest_csv(const uint8_t *data, size_t size)
{
  open_manifest("manifest.csv", data, size);
  return 0;
}
