/*
 * metrics/metric_config.c — names, `--metrics` lists, the canonical key and
 * the JSON description of a metric configuration (metrics/metric_config.h).
 * Every name lives in one table below; the key's spellings ("improve") are
 * frozen with it.
 */
#include <config.h>

#include "metrics/metric_config.h"
#include "common/escape.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The metric groups in bit order (the key lists them in this order).  A
 * group with a record (SB_METRIC_RECORDED) never enters the key: its
 * values are filed with a record of that name and key (metric_config.h). */
static const struct {
  const char *name; /* as `--metrics` takes it */
  const char *key;  /* as the key spells it */
  unsigned bit;
  const char *record, *record_key;
} groups[] = {
  {"bss", "bss", SB_METRIC_BSS, NULL, NULL},
  {"sisdr", "sisdr", SB_METRIC_SISDR, NULL, NULL},
  {"gsdr", "gsdr", SB_METRIC_GSDR, NULL, NULL},
  {"snr", "snr", SB_METRIC_SNR, NULL, NULL},
  {"improvements", "improve", SB_METRIC_IMPROVE, NULL, NULL},
  {"sdr", "sdr", SB_METRIC_SDR, NULL, NULL},
  {"pspm", "pspm", SB_METRIC_PSPM, NULL, NULL},
  {"stoi", "stoi", SB_METRIC_STOI, "builtin:stoi", "builtin:stoi;version=pystoi-0.4.1"},
  {"estoi", "estoi", SB_METRIC_ESTOI, "builtin:estoi", "builtin:estoi;version=pystoi-0.4.1"},
  {"sasdr", "sasdr", SB_METRIC_SASDR, "builtin:sasdr", "builtin:sasdr;version=torchmetrics-1"},
};
#define N_GROUPS (sizeof groups / sizeof groups[0])

const char sb_metric_groups_known[] = "bss, sdr, sisdr, gsdr, snr, improvements, pspm, stoi, estoi, sasdr, all";

/* The group of every whole metric, and whether it is an improvement over
 * the mixture (the JSON's "improvement" object). */
static const struct {
  int wm;
  unsigned groups;
  int improvement;
} whole_groups[] = {
  {SB_WM_SDR, SB_METRIC_BSS | SB_METRIC_SDR, 0}, {SB_WM_ISR, SB_METRIC_BSS, 0},
  {SB_WM_SIR, SB_METRIC_BSS, 0},                 {SB_WM_SAR, SB_METRIC_BSS, 0},
  {SB_WM_SI_SDR, SB_METRIC_SISDR, 0},            {SB_WM_SI_SIR, SB_METRIC_SISDR, 0},
  {SB_WM_SI_SAR, SB_METRIC_SISDR, 0},            {SB_WM_SD_SDR, SB_METRIC_SISDR, 0},
  {SB_WM_SNR, SB_METRIC_SNR, 0},                 {SB_WM_GLOBAL_SDR, SB_METRIC_GSDR, 0},
  {SB_WM_SDRI, SB_METRIC_IMPROVE, 1},            {SB_WM_SI_SDRI, SB_METRIC_IMPROVE, 1},
  {SB_WM_PS, SB_METRIC_PSPM, 0},                 {SB_WM_PM, SB_METRIC_PSPM, 0},
  {SB_WM_STOI, SB_METRIC_STOI, 0},               {SB_WM_ESTOI, SB_METRIC_ESTOI, 0},
  {SB_WM_DSTOI, SB_METRIC_STOI, 1},              {SB_WM_DESTOI, SB_METRIC_ESTOI, 1},
};

/* The group of every per-track metric (SB_TM_*). */
static const struct {
  int tm;
  unsigned groups;
} track_groups[] = {{SB_TM_SA_SDR, SB_METRIC_SASDR}, {SB_TM_SI_SA_SDR, SB_METRIC_SASDR}};

unsigned sb_track_metric_groups(int tm)
{
  for (size_t i = 0; i < sizeof track_groups / sizeof track_groups[0]; i++)
    if (track_groups[i].tm == tm)
      return track_groups[i].groups;
  return 0;
}

sb_err sb_metric_group_record(unsigned bit, const char **name, const char **key)
{
  for (size_t g = 0; g < N_GROUPS; g++)
    if (groups[g].bit == bit && groups[g].record) {
      if (name)
        *name = groups[g].record;
      if (key)
        *key = groups[g].record_key;
      return SB_OK;
    }
  return SB_EINVAL;
}

unsigned sb_whole_metric_groups(int wm)
{
  for (size_t i = 0; i < sizeof whole_groups / sizeof whole_groups[0]; i++)
    if (whole_groups[i].wm == wm)
      return whole_groups[i].groups;
  return 0;
}

int sb_whole_metric_is_improvement(int wm)
{
  for (size_t i = 0; i < sizeof whole_groups / sizeof whole_groups[0]; i++)
    if (whole_groups[i].wm == wm)
      return whole_groups[i].improvement;
  return 0;
}

static const char *const mode_names[] = {[SB_BSS_V4] = "v4", [SB_BSS_V3] = "v3"};
static const char *const crit_names[] = {[SB_CRIT_IMAGES] = "images", [SB_CRIT_SOURCES] = "sources"};
static const char *const perm_names[] = {[SB_PERM_NONE] = "none", [SB_PERM_BRUTE] = "brute",
                                         [SB_PERM_HUNGARIAN] = "hungarian"};
static const char *const silent_names[] = {[SB_SILENT_ALL] = "all", [SB_SILENT_PER_SOURCE] = "per-source"};
#define NAME_OF(table, v) ((unsigned)(v) < sizeof table / sizeof table[0] ? table[(unsigned)(v)] : "?")

void sb_metric_config_default(sb_metric_config *c)
{
  if (!c)
    return;
  memset(c, 0, sizeof *c);
  sb_eval_opts_default(&c->eval, 44100);
  c->win_s = 1.0;
  c->hop_s = 1.0;
}

/* Index of name in a table of n names, or -1. */
static int index_of(const char *const *table, size_t n, const char *name)
{
  for (size_t i = 0; name && i < n; i++)
    if (strcmp(table[i], name) == 0)
      return (int)i;
  return -1;
}

const char *sb_metric_mode_name(sb_bss_mode mode)
{
  return NAME_OF(mode_names, mode);
}

const char *sb_metric_crit_name(sb_bss_crit crit)
{
  return NAME_OF(crit_names, crit);
}

const char *sb_metric_perm_name(sb_perm_rule perm)
{
  return NAME_OF(perm_names, perm);
}

const char *sb_metric_silent_name(sb_silent_rule silent)
{
  return NAME_OF(silent_names, silent);
}

sb_err sb_metric_mode_parse(const char *name, sb_bss_mode *out)
{
  const int i = index_of(mode_names, sizeof mode_names / sizeof mode_names[0], name);
  if (i < 0 || !out)
    return SB_EINVAL;
  *out = (sb_bss_mode)i;
  return SB_OK;
}

sb_err sb_metric_perm_parse(const char *name, sb_perm_rule *out)
{
  const int i = index_of(perm_names, sizeof perm_names / sizeof perm_names[0], name);
  if (i < 0 || !out)
    return SB_EINVAL;
  *out = (sb_perm_rule)i;
  return SB_OK;
}

sb_err sb_metric_silent_parse(const char *name, sb_silent_rule *out)
{
  const int i = index_of(silent_names, sizeof silent_names / sizeof silent_names[0], name);
  if (i < 0 || !out)
    return SB_EINVAL;
  *out = (sb_silent_rule)i;
  return SB_OK;
}

/* The bits of one item of a `--metrics` list [item, item + len), or 0. */
static unsigned group_bits(const char *item, size_t len)
{
  if (len == 3 && strncmp(item, "all", 3) == 0)
    return SB_METRIC_DEFAULT;
  for (size_t g = 0; g < N_GROUPS; g++)
    if (strlen(groups[g].name) == len && strncmp(groups[g].name, item, len) == 0)
      return groups[g].bit;
  return 0;
}

sb_err sb_metric_groups_parse(const char *list, unsigned *mask)
{
  unsigned bits = 0;
  if (!mask)
    return SB_EINVAL;
  *mask = 0;
  if (!list)
    return SB_EINVAL;
  for (const char *item = list; *item;) {
    const size_t len = strcspn(item, ",");
    if (len > 0) {
      const unsigned b = group_bits(item, len);
      if (!b)
        return SB_EINVAL;
      bits |= b;
    }
    item += len + (item[len] == ',');
  }
  if ((bits & SB_METRIC_BSS) && (bits & SB_METRIC_SDR))
    bits &= ~(unsigned)SB_METRIC_SDR;
  if (bits == SB_METRIC_IMPROVE)
    bits |= SB_METRIC_SDR | SB_METRIC_SISDR;
  if (!bits)
    return SB_EINVAL;
  *mask = bits;
  return SB_OK;
}

/* A bounded writer into a caller's buffer: once something does not fit,
 * every later append is a no-op and full stays set. */
typedef struct text_buf {
  char *buf;
  size_t len, used;
  int full;
} text_buf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void put(text_buf *t, const char *fmt, ...)
{
  va_list ap;
  int n;
  if (t->full)
    return;
  va_start(ap, fmt);
  n = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= t->len - t->used)
    t->full = 1;
  else
    t->used += (size_t)n;
}

/* A JSON string literal, escaped by common/escape.h (valid UTF-8 out). */
static void put_json_string(text_buf *t, const char *s)
{
  char lit[4096];
  FILE *f = fmemopen(lit, sizeof lit, "w");
  int ok = f != NULL;
  if (f) {
    sb_escape_json(f, s);
    ok = fputc('\0', f) != EOF && fflush(f) == 0 && memchr(lit, '\0', sizeof lit) != NULL;
    fclose(f);
  }
  if (ok)
    put(t, "%s", lit);
  else
    t->full = 1;
}

static sb_err check_config(const sb_metric_config *c, char *buf, size_t len)
{
  if (!c || !buf || len == 0)
    return SB_EINVAL;
  buf[0] = '\0';
  if ((unsigned)c->eval.mode > SB_BSS_V3 || (unsigned)c->eval.crit > SB_CRIT_SOURCES ||
      (unsigned)c->eval.perm > SB_PERM_HUNGARIAN || (unsigned)c->eval.silent > SB_SILENT_PER_SOURCE)
    return SB_EINVAL;
  if (isnan(c->win_s) || isinf(c->win_s) || (c->win_s > 0 && !isfinite(c->hop_s)) ||
      (c->excerpt_len > 0 && !(isfinite(c->excerpt_start) && isfinite(c->excerpt_len))))
    return SB_EINVAL;
  return SB_OK;
}

static sb_err finish(text_buf *t)
{
  if (!t->full)
    return SB_OK;
  t->buf[0] = '\0';
  return SB_ELENGTH;
}

sb_err sb_metric_config_key(const sb_metric_config *c, char *buf, size_t len)
{
  text_buf t = {buf, len, 0, 0};
  const int framed = c && c->win_s > 0;
  sb_err err = check_config(c, buf, len);
  if (err)
    return err;
  put(&t, "%s;%s;win=%g;hop=%g;taps=%d;perm=%s;silent=%s;zero_mean=%d;metrics=", sb_metric_mode_name(c->eval.mode),
      sb_metric_crit_name(c->eval.crit), framed ? c->win_s : 0.0, framed ? c->hop_s : 0.0, c->eval.filter_len,
      sb_metric_perm_name(c->eval.perm), sb_metric_silent_name(c->eval.silent), c->eval.zero_mean);
  for (size_t g = 0, n = 0; g < N_GROUPS; g++)
    if ((c->eval.metrics & groups[g].bit) && !groups[g].record)
      put(&t, "%s%s", n++ ? "," : "", groups[g].key);
  if (c->eval.metrics & SB_METRIC_PSPM)
    put(&t, ";embedder=%s", c->eval.pspm_embedder ? c->eval.pspm_embedder : "raw");
  if (c->excerpt_len > 0)
    put(&t, ";excerpt=%g:%g", c->excerpt_start, c->excerpt_len);
  if (c->targets && c->targets[0])
    put(&t, ";targets=%s", c->targets);
  if (c->variant && c->variant[0])
    put(&t, ";variant=%s", c->variant);
  return finish(&t);
}

sb_err sb_metric_config_json(const sb_metric_config *c, char *buf, size_t len)
{
  char key[1024];
  text_buf t = {buf, len, 0, 0};
  const int framed = c && c->win_s > 0;
  sb_err err = check_config(c, buf, len);
  if (err)
    return err;
  err = sb_metric_config_key(c, key, sizeof key);
  if (err)
    return err;
  put(&t, "{\"key\": ");
  put_json_string(&t, key);
  put(&t, ", \"mode\": \"%s\", \"criterion\": \"%s\", \"win_s\": %.17g, \"hop_s\": %.17g, \"filter_len\": %d",
      sb_metric_mode_name(c->eval.mode), sb_metric_crit_name(c->eval.crit), framed ? c->win_s : 0.0,
      framed ? c->hop_s : 0.0, c->eval.filter_len);
  put(&t, ", \"permutation\": \"%s\", \"silent_frames\": \"%s\", \"zero_mean\": %s, \"metrics\": [",
      sb_metric_perm_name(c->eval.perm), sb_metric_silent_name(c->eval.silent), c->eval.zero_mean ? "true" : "false");
  for (size_t g = 0, n = 0; g < N_GROUPS; g++)
    if (c->eval.metrics & groups[g].bit)
      put(&t, "%s\"%s\"", n++ ? ", " : "", groups[g].name);
  put(&t, "]");
  if (c->eval.metrics & SB_METRIC_PSPM) {
    put(&t, ", \"pspm_embedder\": ");
    put_json_string(&t, c->eval.pspm_embedder ? c->eval.pspm_embedder : "raw");
  }
  if (c->excerpt_len > 0)
    put(&t, ", \"excerpt\": {\"start_s\": %.17g, \"duration_s\": %.17g}", c->excerpt_start, c->excerpt_len);
  if (c->targets && c->targets[0]) {
    put(&t, ", \"targets\": ");
    put_json_string(&t, c->targets);
  }
  if (c->variant && c->variant[0]) {
    put(&t, ", \"variant\": ");
    put_json_string(&t, c->variant);
  }
  if (c->n_user_metrics > 0 && c->user_metrics) {
    put(&t, ", \"user_metrics\": [");
    for (int i = 0; i < c->n_user_metrics; i++) {
      put(&t, "%s", i ? ", " : "");
      put_json_string(&t, c->user_metrics[i] ? c->user_metrics[i] : "");
    }
    put(&t, "]");
  }
  put(&t, "}");
  return finish(&t);
}

sb_err sb_metric_user_key(const char *kind, const char *name, const char *version, const char *options, char *buf,
                          size_t len)
{
  text_buf t = {buf, len, 0, 0};
  if (!buf || len == 0)
    return SB_EINVAL;
  buf[0] = '\0';
  if (!kind || !name || !version || !*kind || !*name || !*version || strchr(name, ';') || strchr(version, ';'))
    return SB_EINVAL;
  put(&t, "%s:%s;version=%s", kind, name, version);
  if (options && options[0])
    put(&t, ";options=%s", options);
  return finish(&t);
}

int sb_metric_name_is_builtin(const char *name)
{
  const char *(*const tables[])(int) = {sb_frame_metric_name, sb_whole_metric_name, sb_pspm_metric_name,
                                       sb_track_metric_name};
  if (!name)
    return 0;
  for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++)
    for (int m = 0; tables[k](m); m++)
      if (strcmp(tables[k](m), name) == 0)
        return 1;
  return 0;
}
