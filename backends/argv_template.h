/*
 * backends/argv_template.h — the command templates of the programs
 * sepbench runs for users: command backends (backends/command.h) and
 * command metrics (backends/metric_command.h).
 *
 * A template is split into words once, when its config is read: words are
 * separated by blanks; '...' groups words literally and "..." groups them
 * with backslash escapes; outside '...' a backslash escapes the next
 * character.  Placeholders "{name}" are replaced inside each word AFTER
 * splitting, so a value (a hostile track name) never splits a word,
 * re-quotes or reaches a shell: the program is started with fork/exec and
 * that argv (common/subprocess.h).  "{{" and "}}" are literal braces.
 *
 * Workload: a split per config read, an expansion per program run.
 * Thread-safety: pure functions, any thread.
 */
#ifndef SB_BACKENDS_ARGV_TEMPLATE_H
#define SB_BACKENDS_ARGV_TEMPLATE_H

#include <stddef.h>
#include "sepbench/error.h"

/* One placeholder's value; NULL expands to nothing. */
typedef struct sb_template_var {
  const char *key;   /* "input" for {input} */
  const char *value;
} sb_template_var;

/* Checks the placeholders of text: each "{name}" must be a word of
 * allowed, a blank-separated list ("input outdir track"); "{{" and "}}"
 * are literal.  Returns 1 when text is fine; otherwise 0 with the problem
 * in bad (bad_len bytes, e.g. "unknown placeholder {x}",
 * "unbalanced '{'"). */
int sb_template_check(const char *text, const char *allowed, char *bad, size_t bad_len);

/* Expands a checked template: every {key} of vars is replaced by its
 * value.  Returns a malloc'd string (the caller frees it), NULL when out of
 * memory. */
char *sb_template_expand(const char *text, const sb_template_var *vars, size_t n_vars);

/* Splits text into words (rules above) into *words (n_words entries and a
 * NULL; free with sb_template_words_free).  SB_EFORMAT (an unbalanced
 * quote), SB_ENOMEM; *words is NULL then. */
sb_err sb_template_split(const char *text, char ***words, int *n_words);

/* The argv of one run: every word of a split template expanded, NULL
 * terminated (free with sb_template_words_free(argv, n_words)); NULL when
 * out of memory. */
char **sb_template_argv(char *const *words, int n_words, const sb_template_var *vars, size_t n_vars);

/* Frees n words and the array; accepts NULL. */
void sb_template_words_free(char **words, int n);

#endif /* SB_BACKENDS_ARGV_TEMPLATE_H */
