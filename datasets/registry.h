/*
 * datasets/registry.h — the names a suite can be given (--suite NAME).
 *
 * Built-in names and where they lead, first match wins:
 *   music     $MUSDB_PATH (MUSDB18-HQ) > [music] in the config file > the
 *             built-in demo music suite (MIDI, demo_music.h)
 *   speech    $ECHOSET_PATH (EchoSet) > [speech] in the config file > the
 *             built-in demo speech suite (demo_speech.h)
 *   librimix  $LIBRIMIX_PATH (LibriMix) > [librimix] in the config file
 *   tiny      the built-in synthetic suite (tiny_suite.h)
 * Any other [NAME] section of the config file adds a name.
 *
 * Config file: $SEPBENCH_SUITES, else $XDG_CONFIG_HOME/sepbench/suites.ini
 * (when absolute), else $HOME/.config/sepbench/suites.ini; a missing file
 * is fine.  Format: the INI dialect of common/ini.h ('#' or ';' start a
 * comment line; no inline comments; a section or key given twice is an
 * error):
 *   [vocals-test]
 *   kind = musdb18hq
 *   path = /data/musdb18hq
 *   subset = test
 *   description = MUSDB18-HQ test set on the cluster
 * kind: musdb18hq musdb18 echoset tiger librimix wsj0-2mix manifest, or
 * auto (detect; the default); path: required; subset: optional default
 * subset; description: optional.
 * Environment variables count as unset when empty.
 *
 * Workload: once per command.  Not thread-safe (reads getenv).
 */
#ifndef SB_DATASETS_REGISTRY_H
#define SB_DATASETS_REGISTRY_H

#include <stddef.h>
#include "sepbench/error.h"

typedef struct sb_registry_entry {
  char *name;        /* "music" */
  char *kind;        /* a reader kind (see above), or "demo-music",
                        "demo-speech", "tiny" for the built-in suites, or
                        "none" (librimix without a path) */
  char *path;        /* dataset path; NULL for built-in suites */
  char *subset;      /* default subset or NULL */
  char *source;      /* where it came from: "MUSDB_PATH",
                        "/home/u/.config/sepbench/suites.ini:4", "built-in" */
  char *description; /* one line */
} sb_registry_entry;

typedef struct sb_registry {
  int n_entries;
  sb_registry_entry *entries; /* built-in names first, then config names in
                                 file order */
  char *config_path;          /* the config file consulted (may not exist),
                                 NULL when no HOME either */
} sb_registry;

/* Reads the environment and the config file (config_path NULL = default).
 * SB_EFORMAT (the syntax errors of common/ini.h; an unknown key or kind; a
 * section without path; msg has file:line), SB_EIO (the file exists but
 * cannot be read), SB_ELENGTH (larger than 1 MiB), SB_ENOMEM. */
sb_err sb_registry_load(const char *config_path, sb_registry **out, sb_msg *msg);

/* The entry of name, or NULL. */
const sb_registry_entry *sb_registry_find(const sb_registry *r, const char *name);

/* Default config file path into buf.  SB_ENOTFOUND when neither
 * XDG_CONFIG_HOME nor HOME is set, SB_EINVAL when it does not fit. */
sb_err sb_registry_default_config(char *buf, size_t len);

void sb_registry_free(sb_registry **r);

#endif /* SB_DATASETS_REGISTRY_H */
