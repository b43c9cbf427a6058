/*
 * cli/cmd_suites.c — `sepbench suites`: lists the registered suite
 * names (datasets/registry.h), shows the tracks of a suite, and validates
 * every file of a suite (datasets/validate.h).
 */
#include <config.h>

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/registry.h"
#include "datasets/resolve.h"
#include "datasets/validate.h"
#include "cli/options.h"

enum { OPT_SUBSET = SB_OPT_FIRST_FREE, OPT_VARIANT, OPT_CACHE, OPT_CONFIG, OPT_MAX_RESIDUAL, OPT_TARGETS,
       OPT_TRACKS, OPT_LIMIT };

static const char suites_usage[] =
  "usage: sepbench suites [list]\n"
  "       sepbench suites show SUITE [OPTIONS]\n"
  "       sepbench suites validate SUITE [OPTIONS]\n"
  "\n"
  "list      the suite names and where each leads (environment variable,\n"
  "          config file or built-in demo suite)\n"
  "show      the tracks of a suite and the files that will be read (manifest\n"
  "          paths resolved against the manifest's folder, .. included)\n"
  "validate  check every file of a suite: exists, decodes completely, rates,\n"
  "          channels and lengths agree, mixture = sum of stems where the\n"
  "          layout says so (residual in dB); every problem is reported, and\n"
  "          the exit status is 1 when there was any\n"
  "\n"
  "SUITE is a name (music, speech, librimix, tiny, or a [NAME] of the config\n"
  "file), KIND:PATH (musdb18hq, musdb18, echoset, tiger, librimix, wsj0-2mix,\n"
  "manifest) or a path whose layout is detected.\n"
  "\n"
  "  --subset S          subset or split (MUSDB: test, train, valid, train-split)\n"
  "  --variant V         LibriMix task: sep_clean or sep_noisy [sep_clean]\n"
  "  --targets LIST      keep these targets; accompaniment is derived\n"
  "  --tracks LIST       only tracks whose name contains one of these\n"
  "  --limit N           at most N tracks\n"
  "  --max-residual DB   mixture-sum residual limit for validate [-30]\n"
  "  --cache DIR         where demo suites are generated\n"
  "  --config FILE       suites config [$SEPBENCH_SUITES, else\n"
  "                      $XDG_CONFIG_HOME/sepbench/suites.ini or\n"
  "                      ~/.config/sepbench/suites.ini]\n"
  "\n"
  "config file (INI):\n"
  "  [vocals-test]\n"
  "  kind = musdb18hq\n"
  "  path = /data/musdb18hq\n"
  "  subset = test\n"
  "\n"
  "examples:\n"
  "  sepbench suites\n"
  "  sepbench suites validate music\n"
  "  sepbench suites validate librimix:/data/Libri2Mix/wav8k/min/metadata/mixture_test_mix_clean.csv\n";

static int list_suites(const char *config)
{
  sb_registry *r = NULL;
  sb_msg msg;
  sb_err err;
  sb_msg_clear(&msg);
  err = sb_registry_load(config, &r, &msg);
  if (err) {
    fprintf(stderr, "sepbench: %s\n", msg.text[0] ? msg.text : sb_strerror(err));
    return 1;
  }
  for (int i = 0; i < r->n_entries; i++) {
    const sb_registry_entry *e = &r->entries[i];
    printf("%-10s %-12s %s\n", e->name, e->kind, e->description ? e->description : "");
    printf("%-10s %-12s from %s%s%s\n", "", "", e->source, e->path ? ": " : "", e->path ? e->path : "");
  }
  fprintf(stderr, "sepbench: config file: %s%s\n", r->config_path ? r->config_path : "(none: HOME is not set)",
          r->config_path && sb_registry_find(r, "tiny") && r->n_entries <= 4 ? " (no extra suites)" : "");
  sb_registry_free(&r);
  return 0;
}

static void show_suite(const sb_suite *s)
{
  printf("suite %s (%s): %s\n", s->name, s->kind, s->description ? s->description : "");
  for (int i = 0; i < s->n_tracks; i++) {
    const sb_track *t = &s->tracks[i];
    printf("%s\t%s\tmixture\t%s\n", t->name, t->subset, t->mix_path ? t->mix_path : "-");
    for (int k = 0; k < t->n_stems; k++)
      printf("%s\t%s\t%s\t%s\n", t->name, t->subset, t->stem_names[k], t->stem_paths[k]);
  }
}

int sb_cmd_suites(int argc, char **argv)
{
  static const struct option longopts[] = {
    {"subset", required_argument, NULL, OPT_SUBSET},   {"variant", required_argument, NULL, OPT_VARIANT},
    {"cache", required_argument, NULL, OPT_CACHE},     {"config", required_argument, NULL, OPT_CONFIG},
    {"max-residual", required_argument, NULL, OPT_MAX_RESIDUAL},
    {"targets", required_argument, NULL, OPT_TARGETS}, {"tracks", required_argument, NULL, OPT_TRACKS},
    {"limit", required_argument, NULL, OPT_LIMIT},     {"help", no_argument, NULL, SB_OPT_HELP},
    {NULL, 0, NULL, 0}};
  sb_suite_opts so = {0};
  double max_residual = SB_VALIDATE_MAX_RESIDUAL_DB;
  const char *action, *spec;
  sb_suite *suite = NULL;
  sb_msg msg;
  sb_err err;
  int opt, status = 0;

  while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (opt) {
    case 'h':
    case SB_OPT_HELP:
      fputs(suites_usage, stdout);
      return 0;
    case OPT_SUBSET: so.subset = optarg; break;
    case OPT_VARIANT: so.variant = optarg; break;
    case OPT_CACHE: so.cache_dir = optarg; break;
    case OPT_CONFIG: so.config = optarg; break;
    case OPT_TARGETS: so.targets = optarg; break;
    case OPT_TRACKS: so.tracks = optarg; break;
    case OPT_MAX_RESIDUAL:
      if (!sb_cli_parse_range(optarg, -DBL_MAX, DBL_MAX, &max_residual))
        return sb_cli_usage_error("suites", "--max-residual needs a number of dB, not '%s'", optarg);
      break;
    case OPT_LIMIT:
      if (!sb_cli_parse_count(optarg, 1000000000, &so.limit))
        return sb_cli_usage_error("suites", "--limit needs a positive integer, not '%s'", optarg);
      break;
    default:
      fprintf(stderr, "Try 'sepbench suites --help'.\n");
      return SB_EXIT_USAGE;
    }
  }
  action = optind < argc ? argv[optind] : "list";
  if (strcmp(action, "list") == 0) {
    if (optind + 1 < argc)
      return sb_cli_usage_error("suites", "unexpected argument '%s'", argv[optind + 1]);
    return list_suites(so.config);
  }
  if (strcmp(action, "validate") != 0 && strcmp(action, "show") != 0)
    return sb_cli_usage_error("suites", "unknown action '%s' (list, show, validate)", action);
  if (optind + 2 != argc)
    return sb_cli_usage_error("suites", "%s needs exactly one SUITE", action);
  spec = argv[optind + 1];
  sb_msg_clear(&msg);
  err = sb_suite_resolve(spec, &so, &suite, &msg);
  if (err) {
    fprintf(stderr, "sepbench: %s\n", msg.text[0] ? msg.text : sb_strerror(err));
    return 1;
  }
  if (strcmp(action, "show") == 0) {
    show_suite(suite);
  } else {
    sb_validate_summary sum;
    err = sb_suite_validate(suite, max_residual, stdout, &sum, &msg);
    if (err) {
      fprintf(stderr, "sepbench: %s\n", msg.text[0] ? msg.text : sb_strerror(err));
      status = 1;
    } else if (sum.n_problems) {
      status = 1;
    }
  }
  sb_suite_free(&suite);
  return status;
}
