/*
 * tests/fuzz/fuzz-estimates.c — datasets/estimates.c: estimate-layout
 * templates.  The input is a template, then (NUL-separated) a track name,
 * a subset, a model folder and two target names; a track of those names
 * (when they are names a suite can hold: suite.h, and a subset as a
 * manifest may give it) is expanded for each target with
 * sb_estimates_expand and located with sb_estimates_locate in a folder
 * that holds nothing.  No component of an expansion may be ".."
 * (estimates.h: a template may not leave the folder; a leading '/', from
 * an empty value, stays under the folder once joined to it).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/paths.h"
#include "datasets/estimates.h"
#include "fuzz.h"

/* 1 when no component of path is "..". */
static int inside(const char *path)
{
  for (const char *c = path; *c;) {
    size_t n = strcspn(c, "/");
    if (n == 2 && c[0] == '.' && c[1] == '.')
      return 0;
    c += n + (c[n] == '/');
  }
  return 1;
}

/* A folder name as sb_path_list yields it (demucs models), without control
 * characters: messages print paths as they are, and a folder name holding
 * a line break would split any of them (a limit of every message that
 * names a file, not of this reader). */
static int folder_name(const char *name)
{
  return sb_control_char_at(name) < 0 && name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static void expand_and_locate(const char *pattern, const sb_track *t, const char *model)
{
  static const sb_est_layout layouts[] = {SB_EST_PATTERN, SB_EST_AUTO, SB_EST_MUSEVAL, SB_EST_ASTEROID};
  char root[4200];
  sb_msg msg;

  for (int k = 0; k < t->n_stems; k++) {
    char *rel = NULL;
    sb_err err;
    sb_msg_clear(&msg);
    err = sb_estimates_expand(pattern, t, k, model, &rel, &msg);
    if (err) {
      fuzz_check_error(err, &msg);
      FUZZ_CHECK(rel == NULL);
      continue;
    }
    FUZZ_CHECK(rel != NULL && inside(rel));
    free(rel);
  }
  snprintf(root, sizeof root, "%s/estimates", fuzz_dir());
  for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++) {
    const sb_est_spec spec = {layouts[i], root, pattern, model};
    char **paths = NULL;
    sb_err err;
    sb_msg_clear(&msg);
    err = sb_estimates_locate(&spec, t, &paths, &msg);
    FUZZ_CHECK(err != SB_OK && paths == NULL);
    fuzz_check_error(err, &msg);
  }
}

int fuzz_estimates(const uint8_t *data, size_t size)
{
  const char *parts[6];
  char *block = fuzz_split(data, size, parts, 6);
  const char *subset = parts[2], *model = folder_name(parts[3]) ? parts[3] : NULL;
  sb_suite *s = NULL;
  sb_track *t;

  if (strchr(subset, '/') || !sb_path_is_utf8(subset))
    goto done;
  FUZZ_CHECK(sb_suite_new("fuzz", "fuzz", NULL, &s) == SB_OK);
  if (sb_suite_add_track(s, parts[1], subset, NULL, &t, NULL) != SB_OK ||
      sb_track_add_stem(t, parts[4], "a.wav", NULL) != SB_OK)
    goto done;
  if (parts[5][0] && sb_track_add_stem(t, parts[5], "b.wav", NULL) != SB_OK)
    goto done;
  expand_and_locate(parts[0], t, model);
done:
  sb_suite_free(&s);
  free(block);
  return 0;
}
