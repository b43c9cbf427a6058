/*
 * datasets/registry.c — suite names from built-ins, environment variables
 * and the suites config file (see registry.h).  The INI dialect is the
 * common subset of Python's configparser and git-config: [section] lines,
 * key = value lines, full-line comments.
 */
#include <config.h>

#include "datasets/registry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/paths.h"

static void free_entry(sb_registry_entry *e)
{
  free(e->name);
  free(e->kind);
  free(e->path);
  free(e->subset);
  free(e->source);
  free(e->description);
  memset(e, 0, sizeof *e);
}

void sb_registry_free(sb_registry **r)
{
  if (!r || !*r)
    return;
  for (int i = 0; i < (*r)->n_entries; i++)
    free_entry(&(*r)->entries[i]);
  free((*r)->entries);
  free((*r)->config_path);
  free(*r);
  *r = NULL;
}

const sb_registry_entry *sb_registry_find(const sb_registry *r, const char *name)
{
  for (int i = 0; r && i < r->n_entries; i++)
    if (strcmp(r->entries[i].name, name) == 0)
      return &r->entries[i];
  return NULL;
}

sb_err sb_registry_default_config(char *buf, size_t len)
{
  const char *env;
  int n;
  if ((env = getenv("SEPBENCH_SUITES")) && env[0])
    n = snprintf(buf, len, "%s", env);
  else if ((env = getenv("XDG_CONFIG_HOME")) && env[0] == '/')
    n = snprintf(buf, len, "%s/sepbench/suites.ini", env);
  else if ((env = getenv("HOME")) && env[0])
    n = snprintf(buf, len, "%s/.config/sepbench/suites.ini", env);
  else
    return SB_ENOTFOUND;
  if (n < 0 || (size_t)n >= len)
    return SB_EINVAL;
  return SB_OK;
}

/* Appends an entry or, when the name exists, returns it for overriding. */
static sb_err entry_for(sb_registry *r, const char *name, sb_registry_entry **out)
{
  sb_registry_entry *e;
  for (int i = 0; i < r->n_entries; i++)
    if (strcmp(r->entries[i].name, name) == 0) {
      *out = &r->entries[i];
      return SB_OK;
    }
  e = realloc(r->entries, ((size_t)r->n_entries + 1) * sizeof *e);
  if (!e)
    return SB_ENOMEM;
  r->entries = e;
  e = &r->entries[r->n_entries];
  memset(e, 0, sizeof *e);
  e->name = strdup(name);
  if (!e->name)
    return SB_ENOMEM;
  r->n_entries++;
  *out = e;
  return SB_OK;
}

/* Replaces *field by a copy of value (NULL clears). */
static sb_err set_field(char **field, const char *value)
{
  char *copy = value ? strdup(value) : NULL;
  if (value && !copy)
    return SB_ENOMEM;
  free(*field);
  *field = copy;
  return SB_OK;
}

static sb_err set_entry(sb_registry *r, const char *name, const char *kind, const char *path, const char *subset,
                        const char *source, const char *description)
{
  sb_registry_entry *e;
  sb_err err = entry_for(r, name, &e);
  if (!err)
    err = set_field(&e->kind, kind);
  if (!err)
    err = set_field(&e->path, path);
  if (!err)
    err = set_field(&e->subset, subset);
  if (!err)
    err = set_field(&e->source, source);
  if (!err)
    err = set_field(&e->description, description);
  return err;
}

static const char *const known_kinds[] = {"auto", "musdb18hq", "musdb18", "echoset", "tiger",
                                          "librimix", "wsj0-2mix", "manifest"};

static char *trim(char *s)
{
  char *end;
  while (isspace((unsigned char)*s))
    s++;
  end = s + strlen(s);
  while (end > s && isspace((unsigned char)end[-1]))
    *--end = '\0';
  return s;
}

/* Parses the config text: sections override or add entries. */
static sb_err parse_config(sb_registry *r, const char *path, char *text, sb_msg *msg)
{
  char *line;
  int line_no = 0, entry = -1;
  sb_err err = SB_OK;
  for (char *p = text; p && *p && !err;) {
    char *nl = strchr(p, '\n');
    char where[4200];
    if (nl)
      *nl = '\0';
    line = trim(p);
    line_no++;
    p = nl ? nl + 1 : NULL;
    snprintf(where, sizeof where, "%s:%d", path, line_no);
    if (!line[0] || line[0] == '#' || line[0] == ';')
      continue;
    if (line[0] == '[') {
      char *close = strchr(line, ']');
      char *name;
      sb_registry_entry *e;
      if (!close || trim(close + 1)[0]) {
        err = sb_msg_set(msg, SB_EFORMAT, "%s: a section line must be [NAME]", where);
        break;
      }
      *close = '\0';
      name = trim(line + 1);
      if (!name[0] || strchr(name, '/') || strchr(name, ':')) {
        err = sb_msg_set(msg, SB_EFORMAT, "%s: suite name '%s' is empty or holds '/' or ':'", where, name);
        break;
      }
      if (strcmp(name, "tiny") == 0) {
        err = sb_msg_set(msg, SB_EFORMAT, "%s: the built-in suite tiny cannot be redefined", where);
        break;
      }
      err = entry_for(r, name, &e);
      if (!err)
        err = set_entry(r, name, "auto", NULL, NULL, where, NULL);
      if (err)
        break;
      entry = (int)(e - r->entries);
      continue;
    }
    {
      char *eq = strchr(line, '=');
      char *key, *value;
      sb_registry_entry *e;
      if (!eq) {
        err = sb_msg_set(msg, SB_EFORMAT, "%s: expected [NAME], KEY = VALUE or a # comment", where);
        break;
      }
      if (entry < 0) {
        err = sb_msg_set(msg, SB_EFORMAT, "%s: KEY = VALUE before the first [NAME] section", where);
        break;
      }
      *eq = '\0';
      key = trim(line);
      value = trim(eq + 1);
      e = &r->entries[entry];
      if (strcmp(key, "path") == 0) {
        if (!value[0]) {
          err = sb_msg_set(msg, SB_EFORMAT, "%s: empty path", where);
          break;
        }
        err = set_field(&e->path, value);
        if (!err)
          err = set_field(&e->source, where);
      } else if (strcmp(key, "kind") == 0) {
        int ok = 0;
        for (size_t i = 0; i < sizeof known_kinds / sizeof known_kinds[0]; i++)
          ok |= strcmp(value, known_kinds[i]) == 0;
        if (!ok) {
          err = sb_msg_set(msg, SB_EFORMAT, "%s: unknown kind '%s' (auto, musdb18hq, musdb18, echoset, tiger, "
                           "librimix, wsj0-2mix, manifest)", where, value);
          break;
        }
        err = set_field(&e->kind, value);
      } else if (strcmp(key, "subset") == 0) {
        err = set_field(&e->subset, value[0] ? value : NULL);
      } else if (strcmp(key, "description") == 0) {
        err = set_field(&e->description, value);
      } else {
        err = sb_msg_set(msg, SB_EFORMAT, "%s: unknown key '%s' (kind, path, subset, description)", where, key);
      }
    }
  }
  /* Every section needs a path. */
  for (int i = 0; !err && i < r->n_entries; i++)
    if (strchr(r->entries[i].source ? r->entries[i].source : "", ':') && !r->entries[i].path)
      err = sb_msg_set(msg, SB_EFORMAT, "%s: section [%s] has no path", r->entries[i].source, r->entries[i].name);
  for (int i = 0; !err && i < r->n_entries; i++)
    if (!r->entries[i].description) {
      char *d = NULL;
      err = sb_path_printf(&d, "%s (from %s)", r->entries[i].path, path);
      free(r->entries[i].description);
      r->entries[i].description = d;
    }
  return err;
}

sb_err sb_registry_load(const char *config_path, sb_registry **out, sb_msg *msg)
{
  sb_registry *r = calloc(1, sizeof *r);
  char cfg[4096];
  const char *env;
  sb_err err;

  *out = NULL;
  if (!r)
    return SB_ENOMEM;
  /* Built-in names with their fallbacks. */
  err = set_entry(r, "music", "demo-music", NULL, NULL, "built-in",
                  "built-in demo music suite (OpenMSX MIDI rendered with FluidSynth, 4 stems, 44.1 kHz); set "
                  "MUSDB_PATH for MUSDB18-HQ");
  if (!err)
    err = set_entry(r, "speech", "demo-speech", NULL, NULL, "built-in",
                    "built-in demo speech suite (reverberant 2-speaker mixtures, EchoSet layout, 16 kHz); set "
                    "ECHOSET_PATH for EchoSet");
  if (!err)
    err = set_entry(r, "librimix", "none", NULL, NULL, "built-in",
                    "LibriMix is not configured: set LIBRIMIX_PATH to a LibriMix folder or metadata CSV");
  if (!err)
    err = set_entry(r, "tiny", "tiny", NULL, NULL, "built-in",
                    "built-in tiny synthetic suite (3 tracks x 6 s, 4 stems, 44.1 kHz)");
  if (err)
    goto fail;
  if (config_path)
    snprintf(cfg, sizeof cfg, "%s", config_path);
  else if (sb_registry_default_config(cfg, sizeof cfg) != SB_OK)
    cfg[0] = '\0';
  if (cfg[0]) {
    r->config_path = strdup(cfg);
    if (!r->config_path) {
      err = SB_ENOMEM;
      goto fail;
    }
    if (sb_path_kind_of(cfg) == SB_PATH_FILE) {
      enum { MAX_CONFIG = 1 << 20 };
      char *text = malloc(MAX_CONFIG + 1);
      size_t len = 0;
      if (!text) {
        err = SB_ENOMEM;
        goto fail;
      }
      err = sb_path_read_small(cfg, text, MAX_CONFIG, &len, msg);
      if (!err) {
        if (memchr(text, '\0', len))
          err = sb_msg_set(msg, SB_EFORMAT, "%s: NUL byte (not a text file)", cfg);
        else
          err = parse_config(r, cfg, text, msg);
      }
      free(text);
      if (err)
        goto fail;
    } else if (config_path && sb_path_kind_of(cfg) != SB_PATH_NONE) {
      err = sb_msg_set(msg, SB_EIO, "%s: not a regular file", cfg);
      goto fail;
    }
  }
  /* Environment variables win over everything. */
  if ((env = getenv("MUSDB_PATH")) && env[0])
    err = set_entry(r, "music", "musdb18hq", env, NULL, "MUSDB_PATH", "MUSDB18-HQ at $MUSDB_PATH");
  if (!err && (env = getenv("ECHOSET_PATH")) && env[0])
    err = set_entry(r, "speech", "echoset", env, NULL, "ECHOSET_PATH", "EchoSet at $ECHOSET_PATH");
  if (!err && (env = getenv("LIBRIMIX_PATH")) && env[0])
    err = set_entry(r, "librimix", "librimix", env, NULL, "LIBRIMIX_PATH", "LibriMix at $LIBRIMIX_PATH");
  if (err)
    goto fail;
  *out = r;
  return SB_OK;
fail:
  sb_registry_free(&r);
  return err;
}
