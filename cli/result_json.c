/*
 * cli/result_json.c — writes an sb_eval_result in the JSON contract
 * documented in result_json.h (and README.md, "JSON output").
 */
#include <config.h>

#include "cli/result_json.h"

#include <math.h>

#include "common/escape.h"
#include "metrics/metric_config.h"

void sb_json_write_number(FILE *f, double v)
{
  if (isnan(v))
    fputs("null", f);
  else if (isinf(v))
    fputs(v > 0 ? "\"inf\"" : "\"-inf\"", f);
  else
    fprintf(f, "%.17g", v);
}

/* Whether whole metric m belongs to a requested metric group
 * (metrics/metric_config.h).  The improvements need a mixture: they are
 * written only when some source has a value. */
static int whole_requested(const sb_eval_result *r, unsigned metrics, int m)
{
  if (!sb_whole_metric_is_improvement(m))
    return (metrics & sb_whole_metric_groups(m)) != 0;
  if (!(metrics & SB_METRIC_IMPROVE))
    return 0;
  for (int j = 0; j < r->n_src; j++)
    if (!isnan(r->whole[j * SB_WM_COUNT + m]))
      return 1;
  return 0;
}

/* The plug-in metrics of an evaluation (NULL: none). */
typedef struct user_values {
  const sb_user_metric_table *table;
  const sb_user_scores *scores;
} user_values;

/* Writes ", NAME: value" for the per-target plug-in values of target src
 * (src >= 0) or the per-track ones (src < 0); *written counts the pairs. */
static void write_user_values(FILE *f, const user_values *u, int src, int *written)
{
  for (int i = 0; u->scores && i < u->scores->n_metrics; i++) {
    const sb_user_metric *m = sb_user_metric_table_at(u->table, (size_t)i);
    const sb_user_metric_result *res = &u->scores->results[i];
    const int n = src >= 0 ? m->n_target_metrics : m->n_track_metrics;
    for (int k = 0; res->wanted && k < n; k++) {
      fputs((*written)++ ? ", " : "", f);
      sb_escape_json(f, src >= 0 ? m->target_metrics[k] : m->track_metrics[k]);
      fputs(": ", f);
      sb_json_write_number(f, src >= 0 ? res->target_values[(size_t)src * (size_t)n + (size_t)k] : res->track_values[k]);
    }
  }
}

/* Writes "name": value pairs for the requested whole metrics of one group:
 * the improvements (SDRi, SI-SDRi) or all the others, with the plug-in
 * per-target values. */
static void write_whole_group(FILE *f, const sb_eval_result *r, unsigned metrics, int src,
                              int improvement, const user_values *u)
{
  int written = 0;
  fputc('{', f);
  for (int m = 0; m < SB_WM_COUNT; m++) {
    double v = r->whole[src * SB_WM_COUNT + m];
    if (sb_whole_metric_is_improvement(m) != improvement)
      continue;
    if (!whole_requested(r, metrics, m))
      continue;
    fprintf(f, "%s", written ? ", " : "");
    sb_escape_json(f, sb_whole_metric_name(m));
    fputs(": ", f);
    sb_json_write_number(f, v);
    written++;
  }
  if (!improvement)
    write_user_values(f, u, src, &written);
  fputc('}', f);
}

/* The top-level "track" object: SA-SDR, SI-SA-SDR and the plug-in per-track values. */
static void write_track(FILE *f, const sb_eval_result *r, const user_values *u)
{
  int written = 0;
  fputs(",\n \"track\": {", f);
  for (int t = 0; r->track && t < SB_TM_COUNT; t++) {
    fputs(written++ ? ", " : "", f);
    sb_escape_json(f, sb_track_metric_name(t));
    fputs(": ", f);
    sb_json_write_number(f, r->track[t]);
  }
  write_user_values(f, u, -1, &written);
  fputc('}', f);
}

/* The "user_metrics" array. */
static void write_user_metrics(FILE *f, const user_values *u)
{
  fputs(",\n \"user_metrics\": [", f);
  for (int i = 0; i < u->scores->n_metrics; i++) {
    const sb_user_metric *m = sb_user_metric_table_at(u->table, (size_t)i);
    const sb_user_metric_result *res = &u->scores->results[i];
    fputs(i ? ", {\"name\": " : "{\"name\": ", f);
    sb_escape_json(f, m->name);
    fputs(", \"key\": ", f);
    sb_escape_json(f, m->key);
    fputs(", \"error\": ", f);
    if (res->err)
      sb_escape_json(f, res->message.text);
    else
      fputs("null", f);
    fputc('}', f);
  }
  fputc(']', f);
}

static void write_frames(FILE *f, const sb_eval_result *r, int src)
{
  double dur = (double)r->win / r->rate;
  fputs("\"frames\": [", f);
  for (int64_t k = 0; k < r->n_frames; k++) {
    int written = 0;
    fprintf(f, "%s\n      {\"time\": ", k ? "," : "");
    sb_json_write_number(f, (double)(k * r->hop) / r->rate);
    fputs(", \"duration\": ", f);
    sb_json_write_number(f, dur);
    fputs(", \"metrics\": {", f);
    for (int m = 0; m < SB_FM_COUNT; m++) {
      if (!r->frame[m])
        continue;
      fprintf(f, "%s", written ? ", " : "");
      sb_escape_json(f, sb_frame_metric_name(m));
      fputs(": ", f);
      sb_json_write_number(f, r->frame[m][src * r->n_frames + k]);
      written++;
    }
    fputs("}}", f);
  }
  fputs(r->n_frames ? "\n    ]" : "]", f);
}

/* The PS/PM 20-ms series of one target (SB_METRIC_PSPM). */
static void write_pspm_frames(FILE *f, const sb_eval_result *r, int src)
{
  fputs("\"pspm_frames\": [", f);
  for (int64_t k = 0; k < r->pspm_n_frames; k++) {
    fprintf(f, "%s\n      {\"time\": ", k ? "," : "");
    sb_json_write_number(f, (double)k * r->pspm_hop_s);
    fputs(", \"duration\": ", f);
    sb_json_write_number(f, r->pspm_hop_s);
    for (int m = 0; m < SB_PSM_COUNT; m++) {
      fputs(", ", f);
      sb_escape_json(f, sb_pspm_metric_name(m));
      fputs(": ", f);
      sb_json_write_number(f, r->pspm[m][src * r->pspm_n_frames + k]);
    }
    fputc('}', f);
  }
  fputs(r->pspm_n_frames ? "\n    ]" : "]", f);
}

sb_err sb_result_json_write(FILE *f, const sb_eval_result *r, const sb_eval_opts *opts,
                            const char *const *names, const char *const *notes, int n_notes)
{
  return sb_result_json_write_user(f, r, opts, names, notes, n_notes, NULL, NULL);
}

sb_err sb_result_json_write_user(FILE *f, const sb_eval_result *r, const sb_eval_opts *opts, const char *const *names,
                                 const char *const *notes, int n_notes, const sb_user_metric_table *table,
                                 const sb_user_scores *scores)
{
  const user_values u = {table, table ? scores : NULL};
  int n_written = 0;
  fputs("{\"sepbench_version\": ", f);
  sb_escape_json(f, PACKAGE_VERSION);
  fprintf(f, ", \"rate\": %d, \"win\": %lld, \"hop\": %lld", r->rate, (long long)r->win,
          (long long)r->hop);
  fprintf(f, ", \"mode\": \"%s\", \"criterion\": \"%s\"", sb_metric_mode_name(opts->mode),
          sb_metric_crit_name(opts->crit));
  fputs(", \"permutation\": [", f);
  for (int j = 0; j < r->n_src; j++)
    fprintf(f, "%s%d", j ? ", " : "", r->perm[j]);
  fputc(']', f);
  if (opts->metrics & (SB_METRIC_STOI | SB_METRIC_ESTOI))
    fputs(", \"stoi_channels\": \"per channel, then the mean\"", f);
  fputs(",\n \"targets\": [", f);
  for (int j = 0; j < r->n_src; j++) {
    fprintf(f, "%s\n  {\"name\": ", j ? "," : "");
    sb_escape_json(f, names[j]);
    fputs(",\n    ", f);
    write_frames(f, r, j);
    if (r->pspm[SB_PSM_PS]) {
      fputs(",\n    ", f);
      write_pspm_frames(f, r, j);
    }
    fputs(",\n    \"whole\": ", f);
    write_whole_group(f, r, opts->metrics, j, 0, &u);
    fputs(",\n    \"improvement\": ", f);
    write_whole_group(f, r, opts->metrics, j, 1, &u);
    fputs("}", f);
  }
  fputs("\n ]", f);
  if (r->track || u.scores)
    write_track(f, r, &u);
  if (u.scores)
    write_user_metrics(f, &u);
  fputs(",\n \"notes\": [", f);
  for (int i = 0; i < n_notes; i++) {
    fputs(n_written++ ? ", " : "", f);
    sb_escape_json(f, notes[i]);
  }
  for (int i = 0; u.scores && i < u.scores->n_metrics; i++)
    if (u.scores->results[i].message.text[0]) {
      fputs(n_written++ ? ", " : "", f);
      sb_escape_json(f, u.scores->results[i].message.text);
    }
  fputs("]}\n", f);
  return ferror(f) ? SB_EIO : SB_OK;
}
