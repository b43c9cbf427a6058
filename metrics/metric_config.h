/*
 * metrics/metric_config.h — the one vocabulary of a metric configuration:
 * the names of the metric groups (`--metrics`), of the BSS Eval mode and
 * criterion, of the permutation and silent-frame rules; the canonical key
 * under which the store files the items of one configuration; and the JSON
 * description kept with each run (runs.metric_params, schemas/001_init.sql).
 * The CLI parses with it, the scheduler keys items with it, the result
 * writers name with it.
 *
 * Names only: nothing here computes, reads a file, allocates or keeps state;
 * every function is thread-safe.
 *
 * The key is frozen: stores written by earlier versions file their items
 * under it, and a resumed run or a merge finds them only if the key of the
 * same configuration is byte for byte the same.  The default (museval /
 * SiSEC 2018) configuration's key is
 *   "v4;images;win=1;hop=1;taps=512;perm=none;silent=all;zero_mean=0;metrics=bss,sisdr,gsdr,snr,improve"
 * (groups in bit order, `improvements` spelled "improve"); then, only when
 * set, ";embedder=E" (with pspm; "raw" when none is named),
 * ";excerpt=START:LEN" (seconds, %g), ";targets=LIST", ";variant=V".
 * Items with different keys never count as the same stored item.
 *
 * The speech groups (stoi, estoi, sasdr: SB_METRIC_RECORDED below) never
 * enter the key either: they are filed like plug-in metrics.
 *
 * Metrics users plug in (a C plugin, include/sepbench/metric.h, or a
 * command of a [metric NAME] section; backends/user_metrics.h) never enter
 * that key: their values are filed under the item of the run's key, beside
 * the built-in values, each plug-in with a key of its own
 * (sb_metric_user_key: "cmd:pesq;version=1", "plugin:rmsratio;version=1.0;
 * options=floor=-80").  So adding a plug-in metric to a finished run finds
 * every item stored and computes that metric only; dropping it again
 * changes nothing; a plug-in whose key changed (another version or other
 * options) is computed again and its values replace the old ones.  The
 * run's JSON description lists the plug-in keys ("user_metrics").
 */
#ifndef SB_METRICS_METRIC_CONFIG_H
#define SB_METRICS_METRIC_CONFIG_H

#include <stddef.h>
#include "sepbench/error.h"
#include "metrics/evaluate.h"

/* One configuration: the metric options and what else changes the stored
 * values (the suite selection of a run).  Strings are borrowed. */
typedef struct sb_metric_config {
  sb_eval_opts eval;        /* metrics, mode, crit, perm, silent, filter_len,
                               zero_mean, pspm_embedder; win/hop, names and
                               pspm_track are not part of a configuration */
  double win_s, hop_s;      /* framing in seconds; win_s <= 0 = whole signal
                               (hop then ignored) */
  double excerpt_start;     /* seconds; with excerpt_len > 0 every track is */
  double excerpt_len;       /* cut to [start, start + len); <= 0 = whole tracks */
  const char *targets;      /* comma-separated target selection; NULL or "" = all */
  const char *variant;      /* dataset variant (LibriMix); NULL or "" = default */
  int n_user_metrics;       /* plug-in metrics of the run: their keys */
  const char *const *user_metrics; /* (sb_metric_user_key), in the JSON only */
} sb_metric_config;

/* The museval / SiSEC 2018 defaults (sb_eval_opts_default at 44.1 kHz,
 * 1 s window and hop, every default group, no selection). */
void sb_metric_config_default(sb_metric_config *c);

/* The groups a user may name in a `--metrics` list, for help and messages:
 * "bss, sdr, sisdr, gsdr, snr, improvements, pspm, stoi, estoi, sasdr, all". */
extern const char sb_metric_groups_known[];

/* Parses a comma-separated `--metrics` list (empty items skipped) into a
 * SB_METRIC_* mask: bss, sdr, sisdr, gsdr, snr, improvements, pspm, stoi,
 * estoi, sasdr, all (= SB_METRIC_DEFAULT, without pspm and the speech
 * groups; improvements add dSTOI/dESTOI to stoi/estoi).  sdr is dropped when bss is there
 * (bss holds it).  improvements are the SDRi of the SDR requested (bss or
 * sdr) and the SI-SDRi of sisdr; asked for alone, improvements implies
 * sdr and sisdr, the two it is computed from.  SB_EINVAL (NULL argument,
 * an unknown group, nothing named); *mask is 0 then. */
sb_err sb_metric_groups_parse(const char *list, unsigned *mask);

/* The SB_METRIC_* groups that compute whole metric wm (SB_WM_*; 0 for
 * an index out of range), and 1 when wm is an improvement over the
 * mixture (SDRi, SI-SDRi, dSTOI, dESTOI: the JSON's "improvement"
 * object, written only with improvements requested), else 0. */
unsigned sb_whole_metric_groups(int wm);
int sb_whole_metric_is_improvement(int wm);

/* The groups filed with a record of their own instead of in the key:
 * stoi, estoi, sasdr.  The key of a configuration never names them, so
 * adding one to a finished run finds every item stored and computes that
 * group only (as a plug-in metric, under the permutation stored with the
 * item); each group's values are filed in the item with a record
 * (schemas/003_plugin_metrics.sql) named and keyed by
 * sb_metric_group_record: "builtin:stoi" / "builtin:stoi;version=pystoi-0.4.1",
 * "builtin:estoi" / "builtin:estoi;version=pystoi-0.4.1", "builtin:sasdr" /
 * "builtin:sasdr;version=torchmetrics-1".  A change of an implementation's
 * values changes its version, and runs compute it again.  SB_EINVAL (*name
 * and *key untouched) for a bit that is not one recorded group; name and
 * key may be NULL. */
#define SB_METRIC_RECORDED (SB_METRIC_STOI | SB_METRIC_ESTOI | SB_METRIC_SASDR)
sb_err sb_metric_group_record(unsigned bit, const char **name, const char **key);

/* The SB_METRIC_* group that computes per-track metric tm (SB_TM_*, values
 * over all sources of a track jointly, stored under the pseudo-target
 * "_track", common/targets.h); 0 for an index out of range. */
unsigned sb_track_metric_groups(int tm);

/* Names of the options' values, as the CLI takes them and the JSON and
 * table writers print them; "?" for a value out of range. */
const char *sb_metric_mode_name(sb_bss_mode mode);        /* "v4", "v3" */
const char *sb_metric_crit_name(sb_bss_crit crit);        /* "images", "sources" */
const char *sb_metric_perm_name(sb_perm_rule perm);       /* "none", "brute", "hungarian" */
const char *sb_metric_silent_name(sb_silent_rule silent); /* "all", "per-source" */

/* The reverse look-ups, exact and case-sensitive.  SB_EINVAL (NULL
 * argument or an unknown name; *out unchanged). */
sb_err sb_metric_mode_parse(const char *name, sb_bss_mode *out);
sb_err sb_metric_perm_parse(const char *name, sb_perm_rule *out);
sb_err sb_metric_silent_parse(const char *name, sb_silent_rule *out);

/* Writes the canonical key of c (see the top of this file) into buf.
 * SB_EINVAL (NULL argument, a value out of range, a window, hop or excerpt
 * that is NaN or infinite), SB_ELENGTH (the key needs more than len bytes);
 * buf is "" on failure. */
sb_err sb_metric_config_key(const sb_metric_config *c, char *buf, size_t len);

/* Writes a JSON object describing c into buf: {"key": KEY, "mode", "criterion",
 * "win_s", "hop_s", "filter_len", "permutation", "silent_frames",
 * "zero_mean" (true/false), "metrics" (array of group names as `--metrics`
 * takes them), and when set "pspm_embedder", "excerpt" ({"start_s",
 * "duration_s"}), "targets", "variant", "user_metrics" (array of keys)}.  Strings are escaped as RFC 8259
 * requires; numbers keep 17 significant digits.  SB_EINVAL, SB_ELENGTH as
 * sb_metric_config_key. */
sb_err sb_metric_config_json(const sb_metric_config *c, char *buf, size_t len);

/* The key of a plug-in metric (see the top of this file): "KIND:NAME;
 * version=VERSION", then ";options=OPTIONS" when options is neither NULL
 * nor "".  kind is "plugin" or "cmd"; name the plugin's own name or the
 * section's.  SB_EINVAL (NULL kind, name or version, an empty one, or a
 * name or version holding ';'), SB_ELENGTH (more than len bytes); buf is
 * "" on failure. */
sb_err sb_metric_user_key(const char *kind, const char *name, const char *version, const char *options, char *buf,
                          size_t len);

/* 1 when name is the name of a value sepbench's own metrics store (a frame
 * metric, a whole-signal metric or a PS/PM series: "SDR", "SI-SDRi",
 * "PS_ci", ...), which a plug-in metric may not take; else 0. */
int sb_metric_name_is_builtin(const char *name);

#endif /* SB_METRICS_METRIC_CONFIG_H */
