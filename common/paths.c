/*
 * common/paths.c — file-system helpers (see paths.h).
 *
 * Plain POSIX: stat(2), mkdir(2), opendir(3), rename(2).  Listings are
 * sorted with strcmp so suite order never depends on the locale or on the
 * order the file system returns entries in.
 */
#include <config.h>

#include "common/escape.h"
#include "common/paths.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

sb_path_kind sb_path_kind_of(const char *path)
{
  struct stat st;
  if (!path || stat(path, &st) != 0)
    return SB_PATH_NONE;
  if (S_ISREG(st.st_mode))
    return SB_PATH_FILE;
  if (S_ISDIR(st.st_mode))
    return SB_PATH_DIR;
  return SB_PATH_OTHER;
}

sb_err sb_path_check_file(const char *path, sb_msg *msg)
{
  struct stat st;

  if (!path)
    return SB_EINVAL;
  if (stat(path, &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return sb_msg_set(msg, SB_ENOTFOUND, "%s: no such file", path);
    if (errno == ELOOP)
      return sb_msg_set(msg, SB_EIO, "%s: symbolic link loop", path);
    return sb_msg_set(msg, SB_EIO, "%s: cannot be examined: %s", path, strerror(errno));
  }
  if (S_ISDIR(st.st_mode))
    return sb_msg_set(msg, SB_EIO, "%s: is a directory, not a file", path);
  if (S_ISFIFO(st.st_mode))
    return sb_msg_set(msg, SB_EIO, "%s: is a FIFO (named pipe), not a file", path);
  if (S_ISSOCK(st.st_mode))
    return sb_msg_set(msg, SB_EIO, "%s: is a socket, not a file", path);
  if (!S_ISREG(st.st_mode))
    return sb_msg_set(msg, SB_EIO, "%s: is a device, not a file", path);
  if (access(path, R_OK) != 0)
    return sb_msg_set(msg, SB_EIO, "%s: cannot be opened: %s", path, strerror(errno));
  return SB_OK;
}

sb_err sb_path_join(const char *dir, const char *name, char **out)
{
  size_t dir_len = strlen(dir);
  size_t name_len = strlen(name);
  int slash = dir_len > 0 && dir[dir_len - 1] != '/';
  char *p = malloc(dir_len + (size_t)slash + name_len + 1);

  *out = NULL;
  if (!p)
    return SB_ENOMEM;
  memcpy(p, dir, dir_len);
  if (slash)
    p[dir_len] = '/';
  memcpy(p + dir_len + (size_t)slash, name, name_len + 1);
  *out = p;
  return SB_OK;
}

sb_err sb_path_trim_slashes(const char *path, char **out)
{
  size_t len = strlen(path);

  while (len > 1 && path[len - 1] == '/')
    len--;
  *out = strndup(path, len);
  return *out ? SB_OK : SB_ENOMEM;
}

sb_err sb_path_mkdir_p(const char *dir, sb_msg *msg)
{
  char *path = NULL;
  sb_err err = sb_path_trim_slashes(dir, &path);
  size_t len;

  if (err)
    return err;
  len = strlen(path);
  /* Create each prefix ending before a '/', then the whole path. */
  for (size_t i = 1; i <= len; i++) {
    if (path[i] != '/' && path[i] != '\0')
      continue;
    char saved = path[i];
    path[i] = '\0';
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
      err = sb_msg_set(msg, SB_EIO, "%s: cannot create directory: %s", path, strerror(errno));
      goto done;
    }
    if (sb_path_kind_of(path) != SB_PATH_DIR) {
      err = sb_msg_set(msg, SB_EIO, "%s: exists and is not a directory", path);
      goto done;
    }
    path[i] = saved;
  }
done:
  free(path);
  return err;
}

static int compare_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

sb_err sb_path_list(const char *dir, sb_path_kind want, char ***names, int *n_names, sb_msg *msg)
{
  sb_err err = SB_OK;
  DIR *d = NULL;
  char **list = NULL;
  int n = 0, cap = 0;
  char *full = NULL;
  struct dirent *ent;

  *names = NULL;
  *n_names = 0;
  d = opendir(dir);
  if (!d)
    return sb_msg_set(msg, SB_EIO, "%s: cannot list directory: %s", dir, strerror(errno));
  while ((ent = readdir(d)) != NULL) {
    if (ent->d_name[0] == '.')
      continue;
    if (want != SB_PATH_NONE) {
      err = sb_path_join(dir, ent->d_name, &full);
      if (err)
        goto fail;
      sb_path_kind kind = sb_path_kind_of(full);
      free(full);
      full = NULL;
      if (kind != want)
        continue;
    }
    if (n == cap) {
      int new_cap = cap ? 2 * cap : 16;
      char **grown = realloc(list, (size_t)new_cap * sizeof *grown);
      if (!grown) {
        err = SB_ENOMEM;
        goto fail;
      }
      list = grown;
      cap = new_cap;
    }
    list[n] = strdup(ent->d_name);
    if (!list[n]) {
      err = SB_ENOMEM;
      goto fail;
    }
    n++;
  }
  closedir(d);
  if (n > 1)
    qsort(list, (size_t)n, sizeof *list, compare_names);
  *names = list;
  *n_names = n;
  return SB_OK;

fail:
  closedir(d);
  sb_path_free_list(&list, n);
  return err;
}

void sb_path_free_list(char ***names, int n_names)
{
  if (!names || !*names)
    return;
  for (int i = 0; i < n_names; i++)
    free((*names)[i]);
  free(*names);
  *names = NULL;
}

sb_err sb_path_temp_sibling(const char *path, char **out)
{
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  const char *dot = strrchr(base, '.');
  long pid = (long)getpid(), tid = (long)gettid();
  int dir_len = (int)(base - path), stem_len, len;
  char *p;

  *out = NULL;
  if (!dot || dot == base)
    dot = base + strlen(base);
  stem_len = (int)(dot - base);
  len = snprintf(NULL, 0, "%.*s.%.*s.tmp-%ld-%ld%s", dir_len, path, stem_len, base, pid, tid, dot);
  p = malloc((size_t)len + 1);
  if (!p)
    return SB_ENOMEM;
  snprintf(p, (size_t)len + 1, "%.*s.%.*s.tmp-%ld-%ld%s", dir_len, path, stem_len, base, pid, tid, dot);
  *out = p;
  return SB_OK;
}

sb_err sb_path_write_atomic(const char *path, const void *data, size_t len, sb_msg *msg)
{
  sb_err err;
  char *tmp = NULL;
  FILE *f;

  err = sb_path_temp_sibling(path, &tmp);
  if (err)
    return err;
  f = fopen(tmp, "wb");
  if (!f) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    goto done;
  }
  if (fwrite(data, 1, len, f) != len) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot write: %s", tmp, strerror(errno));
    fclose(f);
    remove(tmp);
    goto done;
  }
  if (fclose(f) != 0) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot write: %s", tmp, strerror(errno));
    remove(tmp);
    goto done;
  }
  if (rename(tmp, path) != 0) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
    remove(tmp);
  }
done:
  free(tmp);
  return err;
}

sb_err sb_path_read_small(const char *path, char *buf, size_t max_len, size_t *len, sb_msg *msg)
{
  sb_err err = SB_OK;
  FILE *f = fopen(path, "rb");
  size_t got;

  *len = 0;
  buf[0] = '\0';
  if (!f)
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
  got = fread(buf, 1, max_len, f);
  if (ferror(f)) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot read: %s", path, strerror(errno));
    goto done;
  }
  if (got == max_len && fgetc(f) != EOF) {
    err = sb_msg_set(msg, SB_ELENGTH, "%s: longer than %zu bytes", path, max_len);
    goto done;
  }
  buf[got] = '\0';
  *len = got;
done:
  fclose(f);
  return err;
}

sb_err sb_path_printf(char **out, const char *fmt, ...)
{
  va_list ap;
  int len;

  *out = NULL;
  va_start(ap, fmt);
  len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (len < 0)
    return SB_EINVAL;
  *out = malloc((size_t)len + 1);
  if (!*out)
    return SB_ENOMEM;
  va_start(ap, fmt);
  vsnprintf(*out, (size_t)len + 1, fmt, ap);
  va_end(ap);
  return SB_OK;
}

int sb_path_is_utf8(const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned cp;
    int n;
    if (*p < 0x80) {
      p++;
      continue;
    } else if ((*p & 0xE0) == 0xC0) {
      cp = *p & 0x1Fu;
      n = 1;
    } else if ((*p & 0xF0) == 0xE0) {
      cp = *p & 0x0Fu;
      n = 2;
    } else if ((*p & 0xF8) == 0xF0) {
      cp = *p & 0x07u;
      n = 3;
    } else {
      return 0;
    }
    for (int i = 1; i <= n; i++) {
      if ((p[i] & 0xC0) != 0x80)
        return 0;
      cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    p += n + 1;
  }
  return 1;
}

/* *out = path with its folder part made physical (realpath(3): symbolic
 * links and ".." resolved as the kernel resolves them) and its last
 * component kept as written, so an extension or a "#<n>" stream suffix
 * survives; path itself when its folder does not exist (opening it then
 * fails, as the kernel's walk would). */
static sb_err physical(const char *path, char **out)
{
  const char *slash = strrchr(path, '/');
  char *dir, *real;
  sb_err err;

  *out = NULL;
  if (!slash || slash == path) {
    *out = strdup(path);
    return *out ? SB_OK : SB_ENOMEM;
  }
  dir = strndup(path, (size_t)(slash - path));
  if (!dir)
    return SB_ENOMEM;
  real = realpath(dir, NULL);
  free(dir);
  if (!real) {
    *out = strdup(path);
    return *out ? SB_OK : SB_ENOMEM;
  }
  err = sb_path_join(real, slash + 1, out);
  free(real);
  return err;
}

sb_err sb_path_resolve(const char *base_dir, const char *path, const char *what, char **out, sb_msg *msg)
{
  size_t len = path ? strlen(path) : 0;
  char *joined = NULL;
  sb_err err;

  *out = NULL;
  if (len == 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: empty path", what);
  if (len > 4095)
    return sb_msg_set(msg, SB_EINVAL, "%s: path longer than 4095 bytes", what);
  if (!sb_path_is_utf8(path))
    return sb_msg_set(msg, SB_EINVAL, "%s: path is not valid UTF-8", what);
  if (sb_control_char_at(path) >= 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: path holds a control character", what);
  if (path[0] == '/' || !base_dir || !base_dir[0])
    err = sb_path_printf(&joined, "%s", path);
  else
    err = sb_path_join(base_dir, path, &joined);
  if (!err)
    err = physical(joined, out);
  free(joined);
  return err;
}

sb_err sb_path_dirname(const char *path, char **out)
{
  const char *slash = strrchr(path, '/');
  if (!slash)
    *out = strdup(".");
  else if (slash == path)
    *out = strdup("/");
  else
    *out = strndup(path, (size_t)(slash - path));
  return *out ? SB_OK : SB_ENOMEM;
}

int sb_path_has_suffix(const char *name, const char *suffix)
{
  const size_t len = strlen(name), n = strlen(suffix);
  return len > n && strcmp(name + len - n, suffix) == 0;
}

int sb_path_find_suffix(const char *dir, const char *suffix, int depth)
{
  char **entries = NULL;
  int n = 0, found = 0;

  if (sb_path_list(dir, SB_PATH_NONE, &entries, &n, NULL) != SB_OK)
    return 0;
  for (int i = 0; i < n && !found; i++) {
    char *sub = NULL;
    if (sb_path_join(dir, entries[i], &sub) != SB_OK)
      break;
    if (sb_path_has_suffix(entries[i], suffix) && sb_path_kind_of(sub) == SB_PATH_FILE)
      found = 1;
    else if (depth > 0 && sb_path_kind_of(sub) == SB_PATH_DIR)
      found = sb_path_find_suffix(sub, suffix, depth - 1);
    free(sub);
  }
  sb_path_free_list(&entries, n);
  return found;
}

sb_err sb_path_xdg(char *buf, size_t len, const char *override_var, const char *xdg_var, const char *home_dir,
                   const char *rel)
{
  const char *env;
  int n;

  if (override_var && (env = getenv(override_var)) && env[0])
    n = snprintf(buf, len, "%s", env);
  else if ((env = getenv(xdg_var)) && env[0] == '/')
    n = snprintf(buf, len, "%s/%s", env, rel);
  else if ((env = getenv("HOME")) && env[0])
    n = snprintf(buf, len, "%s/%s/%s", env, home_dir, rel);
  else
    return SB_ENOTFOUND;
  return n < 0 || (size_t)n >= len ? SB_EINVAL : SB_OK;
}

sb_err sb_path_make_temp_dir(const char *base, const char *prefix, char *buf, size_t len, sb_msg *msg)
{
  int n;
  if (!base || !*base)
    base = getenv("TMPDIR");
  if (!base || !*base)
    base = "/tmp";
  n = snprintf(buf, len, "%s/%s-XXXXXX", base, prefix);
  if (n < 0 || (size_t)n >= len)
    return sb_msg_set(msg, SB_EINVAL, "%s: temporary folder path too long", base);
  if (!mkdtemp(buf))
    return sb_msg_set(msg, SB_EIO, "cannot create a folder in %s: %s", base, strerror(errno));
  return SB_OK;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
  (void)st;
  (void)type;
  (void)ftw;
  return remove(path);
}

void sb_path_remove_tree(const char *path)
{
  if (path)
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
