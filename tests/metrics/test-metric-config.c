/*
 * tests/metrics/test-metric-config.c — metrics/metric_config.c: the keys
 * of stored items equal, byte for byte, the keys earlier versions wrote
 * (literal strings taken from sb_run_config_key of the code before this
 * module existed), so resumed runs and merges of old stores still match;
 * `--metrics` lists; the names of modes, criteria and rules; the JSON
 * description is valid JSON holding the key; the keys of plug-in metrics,
 * which never change the item's key and are listed in the JSON; the names
 * reserved for sepbench's own metrics; bad input.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "common/json.h"
#include "metrics/metric_config.h"
#include "tap.h"

static void check_key(const sb_metric_config *c, const char *want, const char *what)
{
  char key[512];
  sb_err err = sb_metric_config_key(c, key, sizeof key);
  if (!tap_ok(err == SB_OK && strcmp(key, want) == 0, "key of %s", what))
    tap_diag("got  '%s'\nwant '%s'", key, want);
}

static void test_keys(void)
{
  sb_metric_config c;
  sb_metric_config_default(&c);
  check_key(&c, "v4;images;win=1;hop=1;taps=512;perm=none;silent=all;zero_mean=0;metrics=bss,sisdr,gsdr,snr,improve",
            "the default configuration");
  c.eval.mode = SB_BSS_V3;
  c.eval.crit = SB_CRIT_SOURCES;
  c.eval.perm = SB_PERM_BRUTE;
  c.win_s = 0;
  check_key(&c, "v3;sources;win=0;hop=0;taps=512;perm=brute;silent=all;zero_mean=0;metrics=bss,sisdr,gsdr,snr,improve",
            "v3 sources, brute permutation, whole signal");
  sb_metric_config_default(&c);
  c.eval.metrics = SB_METRIC_SDR | SB_METRIC_PSPM;
  c.win_s = 1.5;
  c.hop_s = 0.5;
  check_key(&c, "v4;images;win=1.5;hop=0.5;taps=512;perm=none;silent=all;zero_mean=0;metrics=sdr,pspm;embedder=raw",
            "sdr,pspm with the raw embedder, 1.5 s / 0.5 s");
  sb_metric_config_default(&c);
  c.eval.metrics = SB_METRIC_SDR | SB_METRIC_PSPM;
  c.eval.pspm_embedder = "logmel";
  c.eval.silent = SB_SILENT_PER_SOURCE;
  c.eval.zero_mean = 1;
  check_key(&c, "v4;images;win=1;hop=1;taps=512;perm=none;silent=per-source;zero_mean=1;metrics=sdr,pspm;embedder=logmel",
            "logmel embedder, per-source silent rule, zero mean");
  sb_metric_config_default(&c);
  c.excerpt_start = 30;
  c.excerpt_len = 10;
  c.targets = "vocals,accompaniment";
  check_key(&c, "v4;images;win=1;hop=1;taps=512;perm=none;silent=all;zero_mean=0;metrics=bss,sisdr,gsdr,snr,improve;"
                "excerpt=30:10;targets=vocals,accompaniment",
            "an excerpt and a target selection");
  sb_metric_config_default(&c);
  c.variant = "sep_noisy";
  c.eval.perm = SB_PERM_HUNGARIAN;
  c.eval.metrics = SB_METRIC_SISDR | SB_METRIC_IMPROVE | SB_METRIC_BSS;
  check_key(&c, "v4;images;win=1;hop=1;taps=512;perm=hungarian;silent=all;zero_mean=0;metrics=bss,sisdr,improve;"
                "variant=sep_noisy",
            "a variant, the Hungarian rule, three groups");
  sb_metric_config_default(&c);
  c.eval.metrics = SB_METRIC_DEFAULT | SB_METRIC_PSPM;
  c.eval.pspm_embedder = "cmd:python3 e.py {in}";
  check_key(&c, "v4;images;win=1;hop=1;taps=512;perm=none;silent=all;zero_mean=0;metrics=bss,sisdr,gsdr,snr,improve,pspm;"
                "embedder=cmd:python3 e.py {in}",
            "all,pspm with a command embedder");
}

static void test_groups(void)
{
  unsigned m = 99;
  tap_ok(sb_metric_groups_parse("all", &m) == SB_OK && m == SB_METRIC_DEFAULT, "all is the default set");
  tap_ok(sb_metric_groups_parse("bss,sdr", &m) == SB_OK && m == SB_METRIC_BSS, "bss holds sdr");
  tap_ok(sb_metric_groups_parse("sdr,,pspm", &m) == SB_OK && m == (SB_METRIC_SDR | SB_METRIC_PSPM),
         "empty items are skipped");
  tap_ok(sb_metric_groups_parse("improvements", &m) == SB_OK &&
           m == (SB_METRIC_IMPROVE | SB_METRIC_SDR | SB_METRIC_SISDR),
         "improvements alone implies sdr and sisdr (got %#x)", m);
  tap_ok(sb_metric_groups_parse("bss,improvements", &m) == SB_OK && m == (SB_METRIC_IMPROVE | SB_METRIC_BSS),
         "improvements with bss keeps the set as given (its key stays as before)");
  tap_ok(sb_metric_groups_parse("bss,nosuch", &m) == SB_EINVAL && m == 0, "an unknown group is refused");
  tap_ok(sb_metric_groups_parse(",", &m) == SB_EINVAL && m == 0, "a list naming nothing is refused");
  tap_ok(sb_metric_groups_parse("Bss", &m) == SB_EINVAL, "names are case-sensitive");
  tap_ok(sb_metric_groups_parse(NULL, &m) == SB_EINVAL && sb_metric_groups_parse("bss", NULL) == SB_EINVAL,
         "NULL arguments");
  tap_ok(strstr(sb_metric_groups_known, "improvements") != NULL, "the known list names improvements");
}

static void test_names(void)
{
  sb_bss_mode mode = SB_BSS_V4;
  sb_perm_rule perm = SB_PERM_NONE;
  sb_silent_rule silent = SB_SILENT_ALL;
  tap_ok(strcmp(sb_metric_mode_name(SB_BSS_V3), "v3") == 0 && strcmp(sb_metric_mode_name(SB_BSS_V4), "v4") == 0,
         "mode names");
  tap_ok(strcmp(sb_metric_crit_name(SB_CRIT_SOURCES), "sources") == 0 &&
           strcmp(sb_metric_crit_name(SB_CRIT_IMAGES), "images") == 0,
         "criterion names");
  tap_ok(strcmp(sb_metric_perm_name(SB_PERM_HUNGARIAN), "hungarian") == 0 && strcmp(sb_metric_perm_name(7), "?") == 0,
         "permutation names, '?' out of range");
  tap_ok(strcmp(sb_metric_silent_name(SB_SILENT_PER_SOURCE), "per-source") == 0, "silent-rule names");
  tap_ok(sb_metric_mode_parse("v3", &mode) == SB_OK && mode == SB_BSS_V3, "v3 parsed");
  tap_ok(sb_metric_mode_parse("v5", &mode) == SB_EINVAL && mode == SB_BSS_V3, "v5 refused, value kept");
  tap_ok(sb_metric_perm_parse("brute", &perm) == SB_OK && perm == SB_PERM_BRUTE, "brute parsed");
  tap_ok(sb_metric_perm_parse("greedy", &perm) == SB_EINVAL, "greedy refused");
  tap_ok(sb_metric_silent_parse("per-source", &silent) == SB_OK && silent == SB_SILENT_PER_SOURCE,
         "per-source parsed");
  tap_ok(sb_metric_silent_parse(NULL, &silent) == SB_EINVAL, "NULL name refused");
}

static void test_json(void)
{
  sb_metric_config c;
  char text[2048], key[512];
  sb_json *j = NULL;
  const sb_json *metrics;
  sb_metric_config_default(&c);
  c.eval.metrics |= SB_METRIC_PSPM;
  c.eval.pspm_embedder = "cmd:prog \"a\\b\"\n";
  c.targets = "vocals";
  c.excerpt_start = 1.25;
  c.excerpt_len = 2;
  tap_ok(sb_metric_config_json(&c, text, sizeof text) == SB_OK, "JSON description written");
  tap_ok(sb_json_parse(text, strlen(text), &j, NULL) == SB_OK, "it is valid JSON (quotes, backslash, newline)");
  sb_metric_config_key(&c, key, sizeof key);
  tap_ok(j && strcmp(sb_json_str(sb_json_get(j, "key")), key) == 0, "it holds the key");
  tap_ok(j && strcmp(sb_json_str(sb_json_get(j, "mode")), "v4") == 0 &&
           strcmp(sb_json_str(sb_json_get(j, "criterion")), "images") == 0 &&
           sb_json_num(sb_json_get(j, "win_s")) == 1.0 && sb_json_num(sb_json_get(j, "filter_len")) == 512,
         "mode, criterion, window, filter length");
  metrics = j ? sb_json_get(j, "metrics") : NULL;
  tap_ok(metrics && metrics->n == 6 && strcmp(sb_json_str(sb_json_at(metrics, 4)), "improvements") == 0,
         "metric groups listed with the names --metrics takes");
  tap_ok(j && strcmp(sb_json_str(sb_json_get(j, "pspm_embedder")), c.eval.pspm_embedder) == 0,
         "the embedder string round-trips");
  tap_ok(j && sb_json_num(sb_json_get(sb_json_get(j, "excerpt"), "start_s")) == 1.25 &&
           strcmp(sb_json_str(sb_json_get(j, "targets")), "vocals") == 0,
         "excerpt and targets");
  sb_json_free(&j);
  tap_ok(sb_metric_config_json(&c, text, 40) == SB_ELENGTH && text[0] == '\0', "a short buffer: SB_ELENGTH, empty");
  tap_ok(sb_metric_config_key(&c, key, 20) == SB_ELENGTH && key[0] == '\0', "the key too");
  c.win_s = NAN;
  tap_ok(sb_metric_config_key(&c, key, sizeof key) == SB_EINVAL, "a NaN window is refused");
  c.win_s = INFINITY;
  tap_ok(sb_metric_config_json(&c, text, sizeof text) == SB_EINVAL, "an infinite window is refused");
  sb_metric_config_default(&c);
  c.eval.mode = (sb_bss_mode)5;
  tap_ok(sb_metric_config_key(&c, key, sizeof key) == SB_EINVAL, "a mode out of range is refused");
  tap_ok(sb_metric_config_key(NULL, key, sizeof key) == SB_EINVAL && sb_metric_config_key(&c, NULL, 9) == SB_EINVAL,
         "NULL arguments");
}

static void test_user_metrics(void)
{
  static const char *const keys[] = {"cmd:pesq;version=1", "plugin:rmsratio;version=1.0;options=floor=-80"};
  sb_metric_config c;
  char key[512], plain[512], text[2048];
  const sb_json *list;
  sb_json *j = NULL;

  tap_ok(sb_metric_user_key("cmd", "pesq", "1", NULL, key, sizeof key) == SB_OK &&
           strcmp(key, "cmd:pesq;version=1") == 0,
         "a command metric's key: %s", key);
  tap_ok(sb_metric_user_key("plugin", "rmsratio", "1.0", "floor=-80", key, sizeof key) == SB_OK &&
           strcmp(key, "plugin:rmsratio;version=1.0;options=floor=-80") == 0,
         "a plugin's key with its options: %s", key);
  tap_ok(sb_metric_user_key("plugin", "rmsratio", "1.0", "", key, sizeof key) == SB_OK &&
           strcmp(key, "plugin:rmsratio;version=1.0") == 0,
         "no options: no options part");
  tap_ok(sb_metric_user_key("cmd", "a;b", "1", NULL, key, sizeof key) == SB_EINVAL && key[0] == '\0' &&
           sb_metric_user_key("cmd", "a", "1;2", NULL, key, sizeof key) == SB_EINVAL &&
           sb_metric_user_key("cmd", "a", "", NULL, key, sizeof key) == SB_EINVAL &&
           sb_metric_user_key(NULL, "a", "1", NULL, key, sizeof key) == SB_EINVAL,
         "a ';' in a name or version, an empty version, a NULL kind are refused");
  tap_ok(sb_metric_user_key("cmd", "pesq", "1", NULL, key, 8) == SB_ELENGTH && key[0] == '\0', "a short buffer");
  sb_metric_config_default(&c);
  sb_metric_config_key(&c, plain, sizeof plain);
  c.n_user_metrics = 2;
  c.user_metrics = keys;
  tap_ok(sb_metric_config_key(&c, key, sizeof key) == SB_OK && strcmp(key, plain) == 0,
         "plug-in metrics leave the item's key as it is");
  tap_ok(sb_metric_config_json(&c, text, sizeof text) == SB_OK && sb_json_parse(text, strlen(text), &j, NULL) == SB_OK,
         "the JSON description with plug-in metrics is valid JSON");
  list = j ? sb_json_get(j, "user_metrics") : NULL;
  tap_ok(list && list->n == 2 && strcmp(sb_json_str(sb_json_at(list, 1)), keys[1]) == 0,
         "it lists the plug-in metrics' keys");
  sb_json_free(&j);
  tap_ok(sb_metric_name_is_builtin("SDR") && sb_metric_name_is_builtin("SI-SDRi") &&
           sb_metric_name_is_builtin("global_SDR") && sb_metric_name_is_builtin("PM_radius"),
         "frame, whole-signal and PS/PM names are sepbench's");
  tap_ok(!sb_metric_name_is_builtin("PESQ") && !sb_metric_name_is_builtin("sdr") && !sb_metric_name_is_builtin(NULL),
         "PESQ, a name in another case and NULL are not");
}

int main(void)
{
  test_keys();
  test_groups();
  test_names();
  test_json();
  test_user_metrics();
  return tap_done();
}
