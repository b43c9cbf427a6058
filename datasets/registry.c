/*
 * datasets/registry.c — suite names from built-ins, environment variables
 * and the suites config file (see registry.h), read with common/ini.h.
 */
#include <config.h>

#include "datasets/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ini.h"
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
  return sb_path_xdg(buf, len, "SEPBENCH_SUITES", "XDG_CONFIG_HOME", ".config", "sepbench/suites.ini");
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

/* Reading state of the config file. */
typedef struct config_reader {
  sb_registry *r;
  int entry; /* the current section's entry, -1 before the first */
} config_reader;

/* A [NAME] line: adds the name or overrides a built-in one. */
static sb_err read_section(config_reader *cr, const sb_ini_item *item, sb_msg *msg)
{
  sb_registry_entry *e;
  sb_err err;

  if (!item->section[0] || strchr(item->section, '/') || strchr(item->section, ':'))
    return sb_msg_set(msg, SB_EFORMAT, "%s: suite name '%s' is empty or holds '/' or ':'", item->where,
                      item->section);
  if (strcmp(item->section, "tiny") == 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: the built-in suite tiny cannot be redefined", item->where);
  err = entry_for(cr->r, item->section, &e);
  if (!err)
    err = set_entry(cr->r, item->section, "auto", NULL, NULL, item->where, NULL);
  if (!err)
    cr->entry = (int)(e - cr->r->entries);
  return err;
}

/* A KEY = VALUE line of the current section. */
static sb_err read_key(config_reader *cr, const sb_ini_item *item, sb_msg *msg)
{
  const char *key = item->key, *value = item->value;
  sb_registry_entry *e;
  sb_err err;

  if (cr->entry < 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: KEY = VALUE before the first [NAME] section", item->where);
  e = &cr->r->entries[cr->entry];
  if (strcmp(key, "path") == 0) {
    if (!value[0])
      return sb_msg_set(msg, SB_EFORMAT, "%s: empty path", item->where);
    err = set_field(&e->path, value);
    return err ? err : set_field(&e->source, item->where);
  }
  if (strcmp(key, "kind") == 0) {
    for (size_t i = 0; i < sizeof known_kinds / sizeof known_kinds[0]; i++)
      if (strcmp(value, known_kinds[i]) == 0)
        return set_field(&e->kind, value);
    return sb_msg_set(msg, SB_EFORMAT, "%s: unknown kind '%s' (auto, musdb18hq, musdb18, echoset, tiger, "
                      "librimix, wsj0-2mix, manifest)", item->where, value);
  }
  if (strcmp(key, "subset") == 0)
    return set_field(&e->subset, value[0] ? value : NULL);
  if (strcmp(key, "description") == 0)
    return set_field(&e->description, value);
  return sb_msg_set(msg, SB_EFORMAT, "%s: unknown key '%s' (kind, path, subset, description)", item->where, key);
}

static sb_err read_item(void *ctx, const sb_ini_item *item, sb_msg *msg)
{
  return item->key ? read_key(ctx, item, msg) : read_section(ctx, item, msg);
}

/* Reads the config file: sections override or add entries. */
static sb_err read_config(sb_registry *r, const char *path, sb_msg *msg)
{
  config_reader cr = {r, -1};
  sb_err err = sb_ini_parse_file(path, read_item, &cr, msg);

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
      err = read_config(r, cfg, msg);
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
