/*
 * backends/argv_template.c — splitting, checking and expanding command
 * templates (backends/argv_template.h).
 */
#include <config.h>

#include "backends/argv_template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when the n bytes at name are one blank-separated word of allowed. */
static int allowed_word(const char *allowed, const char *name, size_t n)
{
  for (const char *word = allowed; *word;) {
    const size_t word_len = strcspn(word, " ");
    if (word_len == n && n > 0 && strncmp(word, name, n) == 0)
      return 1;
    word += word_len + (word[word_len] == ' ');
  }
  return 0;
}

int sb_template_check(const char *text, const char *allowed, char *bad, size_t bad_len)
{
  for (const char *p = text; *p; p++) {
    if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
      p++;
      continue;
    }
    if (*p == '}') {
      snprintf(bad, bad_len, "unbalanced '}'");
      return 0;
    }
    if (*p == '{') {
      const char *close = strchr(p, '}');
      size_t len;
      if (!close) {
        snprintf(bad, bad_len, "unbalanced '{'");
        return 0;
      }
      len = (size_t)(close - p - 1);
      if (!allowed_word(allowed, p + 1, len)) {
        snprintf(bad, bad_len, "unknown placeholder {%.*s}", (int)(len > 40 ? 40 : len), p + 1);
        return 0;
      }
      p = close;
    }
  }
  return 1;
}

char *sb_template_expand(const char *text, const sb_template_var *vars, size_t n_vars)
{
  size_t cap = strlen(text) + 1, used = 0;
  char *out;

  /* At most strlen(text) / (strlen(key) + 2) occurrences of each key. */
  for (size_t k = 0; k < n_vars; k++)
    if (vars[k].value && strstr(text, vars[k].key))
      cap += strlen(vars[k].value) * (strlen(text) / (strlen(vars[k].key) + 2) + 1);
  out = malloc(cap);
  if (!out)
    return NULL;
  for (const char *p = text; *p; p++) {
    if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
      out[used++] = *p++;
      continue;
    }
    if (*p == '{') {
      const char *close = strchr(p, '}');
      const size_t len = (size_t)(close - p - 1);
      for (size_t k = 0; k < n_vars; k++)
        if (strlen(vars[k].key) == len && strncmp(vars[k].key, p + 1, len) == 0 && vars[k].value) {
          const size_t vlen = strlen(vars[k].value);
          memcpy(out + used, vars[k].value, vlen);
          used += vlen;
        }
      p = close;
      continue;
    }
    out[used++] = *p;
  }
  out[used] = '\0';
  return out;
}

void sb_template_words_free(char **words, int n)
{
  for (int i = 0; words && i < n; i++)
    free(words[i]);
  free(words);
}

/* Reads one word starting at *p (not a blank) into word; advances *p.
 * SB_EFORMAT on an unbalanced quote. */
static sb_err read_word(const char **p, char *word)
{
  const char *c = *p;
  size_t used = 0;
  char quote = 0;
  while (*c && (quote || (*c != ' ' && *c != '\t'))) {
    if (quote == '\'' && *c == '\'')
      quote = 0;
    else if (quote == '\'')
      word[used++] = *c;
    else if (*c == '\\' && c[1])
      word[used++] = *++c;
    else if (quote == '"' && *c == '"')
      quote = 0;
    else if (!quote && (*c == '\'' || *c == '"'))
      quote = *c;
    else
      word[used++] = *c;
    c++;
  }
  word[used] = '\0';
  *p = c;
  return quote ? SB_EFORMAT : SB_OK;
}

sb_err sb_template_split(const char *text, char ***words_out, int *n_out)
{
  const size_t len = strlen(text);
  char **words = calloc(len / 2 + 2, sizeof *words);
  const char *p = text;
  int n = 0;
  sb_err err = SB_OK;

  *words_out = NULL;
  *n_out = 0;
  if (!words)
    return SB_ENOMEM;
  while (!err) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p)
      break;
    words[n] = malloc(len + 1);
    if (!words[n])
      err = SB_ENOMEM;
    else
      err = read_word(&p, words[n++]);
  }
  if (err) {
    sb_template_words_free(words, n);
    return err;
  }
  *words_out = words;
  *n_out = n;
  return SB_OK;
}

char **sb_template_argv(char *const *words, int n_words, const sb_template_var *vars, size_t n_vars)
{
  char **argv = calloc((size_t)n_words + 1, sizeof *argv);
  for (int i = 0; argv && i < n_words; i++)
    if (!(argv[i] = sb_template_expand(words[i], vars, n_vars))) {
      sb_template_words_free(argv, i);
      return NULL;
    }
  return argv;
}
