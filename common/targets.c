/*
 * common/targets.c — canonical target order (MUSDB first, then bytewise).
 */
#include <config.h>

#include "common/targets.h"

#include <string.h>

static const char *const musdb_order[] = {"vocals", "drums", "bass", "other", "accompaniment", "linear_mixture"};

int sb_target_rank(const char *name)
{
  int n = (int)(sizeof musdb_order / sizeof musdb_order[0]);
  for (int i = 0; i < n; i++)
    if (strcmp(name, musdb_order[i]) == 0)
      return i;
  return n;
}

int sb_target_cmp(const char *a, const char *b)
{
  int ra = sb_target_rank(a), rb = sb_target_rank(b);
  if (ra != rb)
    return ra < rb ? -1 : 1;
  return strcmp(a, b);
}

void sb_targets_sort(char **names, char **paths, int n)
{
  /* Insertion sort: target lists are short (a handful of stems). */
  for (int i = 1; i < n; i++) {
    char *name = names[i];
    char *path = paths ? paths[i] : NULL;
    int j = i - 1;
    while (j >= 0 && sb_target_cmp(names[j], name) > 0) {
      names[j + 1] = names[j];
      if (paths)
        paths[j + 1] = paths[j];
      j--;
    }
    names[j + 1] = name;
    if (paths)
      paths[j + 1] = path;
  }
}
