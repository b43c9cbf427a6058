/*
 * common/paths.h — small file-system helpers for the suite code: joining
 * paths, testing what a path is, creating directory trees, listing a
 * directory in a deterministic order, and writing a small file atomically.
 *
 * POSIX only (stat, mkdir, opendir, rename).  Workload: a few hundred calls
 * per suite resolution (MUSDB18-HQ: 150 track folders x 5 files).
 */
#ifndef SB_COMMON_PATHS_H
#define SB_COMMON_PATHS_H

#include <stddef.h>
#include "sepbench/error.h"

/* What a path names, following symbolic links. */
typedef enum sb_path_kind {
  SB_PATH_NONE = 0, /* does not exist (or cannot be examined) */
  SB_PATH_FILE,     /* a regular file */
  SB_PATH_DIR,      /* a directory */
  SB_PATH_OTHER     /* a device, FIFO, socket, ... */
} sb_path_kind;

/* Kind of path; SB_PATH_NONE for NULL. */
sb_path_kind sb_path_kind_of(const char *path);

/* Checks that path names a regular file one can open (following symbolic
 * links), and says what it is otherwise.  SB_OK for a regular file;
 * SB_ENOTFOUND ("PATH: no such file") when it, or a folder on the way, does
 * not exist; SB_EIO when it is something else: "PATH: is a directory, not a
 * file" (also a FIFO, a socket, a device), "PATH: symbolic link loop",
 * "PATH: cannot be examined: Permission denied" (a folder on the way that
 * may not be searched), "PATH: cannot be opened: Permission denied" (an
 * unreadable file); SB_EINVAL for NULL.  Opens nothing that could block:
 * a FIFO is recognised by stat(2). */
sb_err sb_path_check_file(const char *path, sb_msg *msg);

/* *out = dir + "/" + name (no doubled slash when dir ends with one), newly
 * allocated; the caller frees it.  SB_ENOMEM (*out is then NULL). */
sb_err sb_path_join(const char *dir, const char *name, char **out);

/* *out = a copy of path without trailing slashes ("a/b//" -> "a/b"; "/"
 * stays "/"), newly allocated.  SB_ENOMEM (*out is then NULL). */
sb_err sb_path_trim_slashes(const char *path, char **out);

/* Creates dir and any missing parents (mode 0777 before umask); existing
 * directories are fine.  SB_EIO when a component cannot be created or
 * exists as a non-directory (msg names it); SB_ENOMEM. */
sb_err sb_path_mkdir_p(const char *dir, sb_msg *msg);

/* Lists the entries of dir, excluding "." , ".." and names starting with
 * '.', sorted bytewise (strcmp, independent of the locale).  want selects
 * SB_PATH_DIR or SB_PATH_FILE entries only (following symbolic links), or
 * SB_PATH_NONE for all.  *names is an array of *n_names allocated strings
 * (free with sb_path_free_list).  SB_EIO when dir cannot be read; SB_ENOMEM. */
sb_err sb_path_list(const char *dir, sb_path_kind want, char ***names, int *n_names, sb_msg *msg);

/* Frees a list from sb_path_list and sets *names to NULL; accepts NULL. */
void sb_path_free_list(char ***names, int n_names);

/* *out = a hidden sibling of path that no other process or thread uses at
 * the same time, keeping the extension ("a/b.wav" ->
 * "a/.b.tmp-<pid>-<tid>.wav"), for writing a file before rename(2); hidden
 * so that sb_path_list never reports a leftover one.  SB_ENOMEM. */
sb_err sb_path_temp_sibling(const char *path, char **out);

/* Writes len bytes to path through a temporary file in the same directory
 * and rename(2), so readers see either the old or the complete new file.
 * SB_EIO (msg names the file); SB_ENOMEM. */
sb_err sb_path_write_atomic(const char *path, const void *data, size_t len, sb_msg *msg);

/* Reads a whole small file (up to max_len bytes, NUL-terminated) into buf of
 * max_len + 1 bytes; *len receives the byte count.  SB_EIO when it cannot be
 * read, SB_ELENGTH when it is longer than max_len. */
sb_err sb_path_read_small(const char *path, char *buf, size_t max_len, size_t *len, sb_msg *msg);

/* *out = a newly allocated printf-style string.  SB_ENOMEM, SB_EINVAL (bad
 * format); *out is NULL on failure. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
sb_err sb_path_printf(char **out, const char *fmt, ...);

/* 1 when s is valid UTF-8 (no overlong forms, surrogates or code points
 * beyond U+10FFFF), else 0. */
int sb_path_is_utf8(const char *s);

/* Resolves a path written in a manifest (or another file that lists the
 * files to read): a relative path is joined to base_dir (the listing
 * file's folder), then its folder part is made physical with realpath(3)
 * ("man/../audio/a.wav" -> "/data/audio/a.wav"; ".." and symbolic links
 * resolved as the kernel resolves them when it opens the file), while
 * its last component stays as written (an extension or a "#<n>" stream
 * suffix survives; a link to a file is not followed).  When the folder
 * does not exist the joined path is kept, so opening it fails with that
 * path.  what names the place for messages ("m.csv: line 3").  SB_EINVAL
 * when the path is empty, longer than 4095 bytes, not UTF-8 or holds a
 * control character; SB_ENOMEM. */
sb_err sb_path_resolve(const char *base_dir, const char *path, const char *what, char **out, sb_msg *msg);

/* *out = the folder part of path ("a/b.csv" -> "a", "b.csv" -> ".").
 * SB_ENOMEM. */
sb_err sb_path_dirname(const char *path, char **out);

/* A per-user file or folder by the XDG Base Directory rule
 * (freedesktop.org): $override_var when it is set and not empty
 * (override_var may be NULL), else $xdg_var/rel when xdg_var holds an
 * absolute path, else $HOME/home_dir/rel when HOME is set and not empty;
 * e.g. ("SEPBENCH_CACHE", "XDG_CACHE_HOME", ".cache", "sepbench").  Writes
 * into buf (len bytes); nothing is created.  SB_ENOTFOUND when none
 * applies, SB_EINVAL when it does not fit.  Reads getenv. */
sb_err sb_path_xdg(char *buf, size_t len, const char *override_var, const char *xdg_var, const char *home_dir,
                   const char *rel);

/* 1 when name is longer than suffix and ends with it ("x.wav", ".wav"). */
int sb_path_has_suffix(const char *name, const char *suffix);

/* 1 when dir, or a folder at most depth levels below it, holds a regular
 * file (following links) whose name ends with suffix (sb_path_has_suffix);
 * hidden entries are not looked at (sb_path_list).  0 otherwise, also
 * when a folder cannot be read. */
int sb_path_find_suffix(const char *dir, const char *suffix, int depth);

/* Creates a new private folder (mode 0700) base/PREFIX-XXXXXX (mkdtemp)
 * and writes its path into buf (len bytes); base NULL or "" is $TMPDIR,
 * else /tmp.  SB_EIO (msg: "cannot create a folder in BASE: why"),
 * SB_EINVAL (the path does not fit). */
sb_err sb_path_make_temp_dir(const char *base, const char *prefix, char *buf, size_t len, sb_msg *msg);

/* Removes path and, when it is a folder, everything below it, without
 * following symbolic links (nftw FTW_PHYS); what cannot be removed is
 * left.  Accepts NULL and a path that does not exist. */
void sb_path_remove_tree(const char *path);

#endif /* SB_COMMON_PATHS_H */
