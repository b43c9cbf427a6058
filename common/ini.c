/*
 * common/ini.c — the INI reader (dialect and errors in common/ini.h).
 *
 * One pass over a private copy of the text: each line is cut in place
 * (NUL-terminated, trimmed) and handed to the caller.  Sections and keys
 * seen so far sit in an open-addressing hash set (FNV-1a), so a file of
 * many keys is checked for repeats in linear time.
 */
#include <config.h>

#include "common/ini.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/paths.h"

/* A section (key NULL) or a key of a section (section NULL: before the
 * first section), and the line it was first given on. */
typedef struct seen_name {
  const char *section, *key;
  int line;
} seen_name;

typedef struct seen_set {
  seen_name *slots; /* cap slots, empty ones have line 0 */
  size_t cap, used;
} seen_set;

char *sb_ini_trim(char *s)
{
  static const char blanks[] = " \t\r\n\v\f";
  char *end;

  s += strspn(s, blanks);
  end = s + strlen(s);
  while (end > s && strchr(blanks, end[-1]))
    *--end = '\0';
  return s;
}

/* FNV-1a over a string, NULL distinct from "". */
static uint64_t hash_text(uint64_t h, const char *s)
{
  h = (h ^ (s ? 1u : 2u)) * 1099511628211ULL;
  for (; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int same_text(const char *a, const char *b)
{
  return a == b || (a && b && strcmp(a, b) == 0);
}

static seen_name *slot_of(seen_name *slots, size_t cap, const char *section, const char *key)
{
  size_t i = (size_t)hash_text(hash_text(14695981039346656037ULL, section), key) & (cap - 1);
  while (slots[i].line && !(same_text(slots[i].section, section) && same_text(slots[i].key, key)))
    i = (i + 1) & (cap - 1);
  return &slots[i];
}

/* The line where (section, key) was first given, or 0 after recording it
 * as given on line.  -1 when out of memory. */
static int seen_before(seen_set *set, const char *section, const char *key, int line)
{
  seen_name *slot;

  if (2 * (set->used + 1) > set->cap) {
    size_t cap = set->cap ? 2 * set->cap : 64;
    seen_name *slots = calloc(cap, sizeof *slots);
    if (!slots)
      return -1;
    for (size_t i = 0; i < set->cap; i++)
      if (set->slots[i].line)
        *slot_of(slots, cap, set->slots[i].section, set->slots[i].key) = set->slots[i];
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
  }
  slot = slot_of(set->slots, set->cap, section, key);
  if (slot->line)
    return slot->line;
  *slot = (seen_name){section, key, line};
  set->used++;
  return 0;
}

/* Reading state of one file. */
typedef struct reader {
  sb_ini_handler handler;
  void *ctx;
  seen_set seen;
  const char *section;
} reader;

/* Handles one line (NUL-terminated, in place). */
static sb_err read_line(reader *r, char *line, sb_ini_item *item, sb_msg *msg)
{
  char *s = sb_ini_trim(line), *cut;
  int first;

  if (!*s || *s == '#' || *s == ';')
    return SB_OK;
  if (*s == '[') {
    cut = strchr(s, ']');
    if (!cut || cut[1] != '\0')
      return sb_msg_set(msg, SB_EFORMAT, "%s: a section line must be [NAME]", item->where);
    *cut = '\0';
    item->section = sb_ini_trim(s + 1);
    item->key = item->value = NULL;
  } else {
    cut = strchr(s, '=');
    if (!cut)
      return sb_msg_set(msg, SB_EFORMAT, "%s: expected [NAME], KEY = VALUE or a # comment", item->where);
    *cut = '\0';
    item->section = r->section;
    item->key = sb_ini_trim(s);
    item->value = sb_ini_trim(cut + 1);
  }
  first = seen_before(&r->seen, item->section, item->key, item->line);
  if (first < 0)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", item->where);
  if (first > 0 && !item->key)
    return sb_msg_set(msg, SB_EFORMAT, "%s: section [%s] given twice (first on line %d)", item->where,
                      item->section, first);
  if (first > 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: key '%s' given twice%s%s%s (first on line %d)", item->where,
                      item->key, item->section ? " in [" : "", item->section ? item->section : "",
                      item->section ? "]" : "", first);
  r->section = item->section;
  return r->handler(r->ctx, item, msg);
}

/* Parses text[0 .. len) in place; text[len] must be writable. */
static sb_err parse_in_place(const char *name, char *text, size_t len, sb_ini_handler handler, void *ctx,
                             sb_msg *msg)
{
  reader r = {.handler = handler, .ctx = ctx};
  char *where = malloc(strlen(name) + 24);
  sb_ini_item item = {.where = where};
  size_t pos = 0;
  sb_err err = SB_OK;

  if (!where)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", name);
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;
  while (!err && pos < len) {
    char *line = text + pos, *newline = memchr(line, '\n', len - pos);
    const size_t n = newline ? (size_t)(newline - line) : len - pos;
    pos += n + (newline != NULL);
    item.line++;
    sprintf(where, "%s:%d", name, item.line);
    if (memchr(line, '\0', n))
      err = sb_msg_set(msg, SB_EFORMAT, "%s: NUL byte (not a text file)", where);
    else if (n > SB_INI_MAX_LINE)
      err = sb_msg_set(msg, SB_EFORMAT, "%s: line longer than %d bytes", where, (int)SB_INI_MAX_LINE);
    else {
      line[n] = '\0';
      err = read_line(&r, line, &item, msg);
    }
  }
  free(r.seen.slots);
  free(where);
  return err;
}

sb_err sb_ini_parse(const char *name, const char *text, size_t len, sb_ini_handler handler, void *ctx,
                    sb_msg *msg)
{
  char *copy;
  sb_err err;

  if (!name || !handler || (!text && len > 0))
    return sb_msg_set(msg, SB_EINVAL, "ini: no text, name or handler");
  if (len > SB_INI_MAX_BYTES)
    return sb_msg_set(msg, SB_ELENGTH, "%s: longer than %d bytes", name, (int)SB_INI_MAX_BYTES);
  copy = malloc(len + 1);
  if (!copy)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", name);
  if (len)
    memcpy(copy, text, len);
  err = parse_in_place(name, copy, len, handler, ctx, msg);
  free(copy);
  return err;
}

sb_err sb_ini_parse_file(const char *path, sb_ini_handler handler, void *ctx, sb_msg *msg)
{
  char *text;
  size_t len = 0;
  sb_err err;

  if (!path || !handler)
    return sb_msg_set(msg, SB_EINVAL, "ini: no path or handler");
  text = malloc((size_t)SB_INI_MAX_BYTES + 1);
  if (!text)
    return sb_msg_set(msg, SB_ENOMEM, "%s: out of memory", path);
  err = sb_path_read_small(path, text, SB_INI_MAX_BYTES, &len, msg);
  if (!err)
    err = parse_in_place(path, text, len, handler, ctx, msg);
  free(text);
  return err;
}

sb_err sb_ini_parse_number(const char *value, double min, double max, int integer, double *out, const char *where,
                           const char *key, sb_msg *msg)
{
  char *stop;
  const double v = strtod(value, &stop);
  if (stop == value || *stop != '\0' || !(v >= min && v <= max) || (integer && v != floor(v)))
    return sb_msg_set(msg, SB_EFORMAT, "%s: %s = '%s': expected a%s number in [%g, %g]", where, key, value,
                      integer ? " whole" : "", min, max);
  *out = v;
  return SB_OK;
}

/* Reading state of sb_ini_parse_section_file. */
typedef struct section_reader {
  const char *kind, *name;
  sb_ini_handler handler;
  void *ctx;
  int in_section, found;
  char sections[512]; /* the section names, for the message when name is missing */
  size_t sections_used;
} section_reader;

static sb_err read_section_item(void *ctx, const sb_ini_item *item, sb_msg *msg)
{
  section_reader *sr = ctx;
  const size_t kind_len = strlen(sr->kind);
  const char *section = item->section;

  if (item->key)
    return sr->in_section ? sr->handler(sr->ctx, item, msg) : SB_OK;
  if (strncmp(section, sr->kind, kind_len) != 0 || (section[kind_len] != ' ' && section[kind_len] != '\t'))
    return sb_msg_set(msg, SB_EFORMAT, "%s: expected [%s NAME], got [%s]", item->where, sr->kind, section);
  section += kind_len + strspn(section + kind_len, " \t");
  sr->in_section = strcmp(section, sr->name) == 0;
  /* Also "[KIND  NAME]" with other blanks names it. */
  if (sr->in_section && sr->found)
    return sb_msg_set(msg, SB_EFORMAT, "%s: [%s %s] defined twice", item->where, sr->kind, sr->name);
  sr->found |= sr->in_section;
  if (sr->sections_used < sizeof sr->sections)
    sr->sections_used += (size_t)snprintf(sr->sections + sr->sections_used, sizeof sr->sections - sr->sections_used,
                                          "%s%s", sr->sections_used ? ", " : "", section);
  return SB_OK;
}

sb_err sb_ini_parse_section_file(const char *path, const char *kind, const char *name, sb_ini_handler handler,
                                 void *ctx, sb_msg *msg)
{
  section_reader sr = {.kind = kind, .name = name, .handler = handler, .ctx = ctx};
  sb_err err;

  if (!path || !kind || !name || !handler)
    return sb_msg_set(msg, SB_EINVAL, "ini: NULL argument");
  err = sb_ini_parse_file(path, read_section_item, &sr, msg);
  if (err)
    return err == SB_ENOMEM ? sb_msg_set(msg, err, "%s: out of memory", path) : err;
  if (!sr.found)
    return sb_msg_set(msg, SB_ENOTFOUND, "%s: no section [%s %s] (sections: %s)", path, kind, name,
                      sr.sections[0] ? sr.sections : "none");
  return SB_OK;
}

sb_err sb_ini_config_file(const char *given, const char *default_path, const char *file_what, const char *what,
                          const char *option, const char *name, const char **path, sb_msg *msg)
{
  *path = given ? given : default_path;
  if (!*path || !**path)
    return sb_msg_set(msg, SB_ENOTFOUND, "cmd:%s: no %s (give %s PATH; HOME is not set)", name, file_what, option);
  if (access(*path, R_OK) != 0)
    return sb_msg_set(msg, SB_EIO, "%s: cannot read the %s for cmd:%s: %s", *path, what, name, strerror(errno));
  return SB_OK;
}
