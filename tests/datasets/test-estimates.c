/*
 * tests/datasets/test-estimates.c — datasets/estimates.c: the museval,
 * demucs and asteroid layouts, --est-pattern templates, auto detection,
 * and the errors (missing file named, several demucs models, bad
 * placeholders, '..', absolute templates, a folder, FIFO or link loop
 * where an estimate should be).  Track names carry & ' ( and
 * spaces as MUSDB's do.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/estimates.h"
#include "fixtures.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-estimates-XXXXXX";

static void touch(const char *path)
{
  char *dir = NULL;
  sb_path_dirname(path, &dir);
  sb_path_mkdir_p(dir, NULL);
  free(dir);
  fx_write_text(path, "x");
}

/* A folder, a FIFO or a link loop where an estimate should be is named as
 * what it is, in every layout and through auto; never "not found". */
static void check_not_files(const sb_track *track)
{
  static const struct {
    const char *what, *want;
  } kinds[] = {{"folder", "is a directory, not a file"},
               {"fifo", "is a FIFO (named pipe), not a file"},
               {"loop", "symbolic link loop"}};
  char root[512], file[1024], **found = NULL;
  sb_msg msg;

  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    snprintf(root, sizeof root, "%s/odd-%s", tmp_dir, kinds[i].what);
    touch(fx_path(root, "test/Zeno - It's (Not) Over & Out/vocals.wav"));
    snprintf(file, sizeof file, "%s/test/Zeno - It's (Not) Over & Out/accompaniment.wav", root);
    if (i == 0)
      sb_path_mkdir_p(file, NULL);
    else if (i == 1)
      mkfifo(file, 0600);
    else
      symlink("accompaniment.wav", file);
    for (int layout = 0; layout < 3; layout++) {
      sb_est_spec spec = {layout == 0 ? SB_EST_MUSEVAL : layout == 1 ? SB_EST_AUTO : SB_EST_PATTERN, root,
                          "{subset}/{track}/{target}.wav", NULL};
      sb_err err = sb_estimates_locate(&spec, track, &found, &msg);
      tap_ok(err == SB_EIO && !found && strstr(msg.text, file) && strstr(msg.text, kinds[i].want) &&
                 strstr(msg.text, "the estimate of 'accompaniment'") && !strstr(msg.text, "not found"),
             "a %s as an estimate (%s layout): %s", kinds[i].what,
             layout == 0 ? "museval" : layout == 1 ? "auto" : "pattern", msg.text);
      sb_estimates_free_paths(&found, 2);
    }
  }
}

int main(void)
{
  char vocals[] = "vocals", acc[] = "accompaniment", v[] = "v", a[] = "a";
  char name[] = "Zeno - It's (Not) Over & Out", subset[] = "test", empty[] = "";
  char *names[2] = {vocals, acc}, *paths[2] = {v, a};
  sb_track track = {.name = name, .subset = subset, .n_stems = 2, .stem_names = names, .stem_paths = paths};
  sb_est_spec spec = {0};
  char root[512], **found = NULL, *out = NULL;
  sb_est_layout layout;
  sb_msg msg;
  sb_err err;

  if (!mkdtemp(tmp_dir)) {
    tap_ok(0, "create a temporary folder");
    return tap_done();
  }
  tap_ok(sb_estimates_parse_layout("demucs", &layout) == SB_OK && layout == SB_EST_DEMUCS &&
             sb_estimates_parse_layout("nope", &layout) == SB_EINVAL,
         "layout names parse");

  /* museval */
  snprintf(root, sizeof root, "%s/museval", tmp_dir);
  touch(fx_path(root, "test/Zeno - It's (Not) Over & Out/vocals.wav"));
  touch(fx_path(root, "test/Zeno - It's (Not) Over & Out/accompaniment.wav"));
  spec = (sb_est_spec){SB_EST_MUSEVAL, root, NULL, NULL};
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_OK && strcmp(found[1], fx_path(root, "test/Zeno - It's (Not) Over & Out/accompaniment.wav")) == 0,
         "museval <subset>/<track>/<target>.wav (%s)", err ? msg.text : "ok");
  sb_estimates_free_paths(&found, 2);
  remove(fx_path(root, "test/Zeno - It's (Not) Over & Out/accompaniment.wav"));
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_ENOTFOUND && found == NULL && strstr(msg.text, "accompaniment.wav") &&
             strstr(msg.text, "'accompaniment'"),
         "a missing estimate is named: %s", msg.text);

  /* demucs: one model found by itself; two models need a name. */
  snprintf(root, sizeof root, "%s/separated", tmp_dir);
  touch(fx_path(root, "htdemucs/Zeno - It's (Not) Over & Out/vocals.wav"));
  touch(fx_path(root, "htdemucs/Zeno - It's (Not) Over & Out/accompaniment.flac"));
  spec = (sb_est_spec){SB_EST_DEMUCS, root, NULL, NULL};
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_OK && strstr(found[0], "htdemucs/Zeno - It's (Not) Over & Out/vocals.wav") &&
             strstr(found[1], "accompaniment.flac"),
         "demucs <model>/<track>/<stem>, the only model, .flac accepted (%s)", err ? msg.text : "ok");
  sb_estimates_free_paths(&found, 2);
  touch(fx_path(root, "mdx/Zeno - It's (Not) Over & Out/vocals.wav"));
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "2 model folders"), "two models without a name: %s", msg.text);
  tap_ok(strstr(msg.text, "e.g. dir:") != NULL, "the message says how to name one: %s", msg.text);
  spec.model = "htdemucs";
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_OK, "the named model is used");
  sb_estimates_free_paths(&found, 2);
  /* the model folder itself, in the museval layout (dir:ROOT/htdemucs):
   * vocals.wav and accompaniment.flac */
  spec = (sb_est_spec){SB_EST_AUTO, fx_path(root, "htdemucs"), NULL, NULL};
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_OK && strstr(found[0], "htdemucs/Zeno - It's (Not) Over & Out/vocals.wav") &&
           strstr(found[1], "htdemucs/Zeno - It's (Not) Over & Out/accompaniment.flac") &&
           !strstr(found[0], "mdx"),
         "a model folder given as the root: museval layout, .flac accepted (%s)", err ? msg.text : "ok");
  sb_estimates_free_paths(&found, 2);
  spec.layout = SB_EST_MUSEVAL;
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_OK && strstr(found[1], "accompaniment.flac"), "museval layout takes .flac for a missing .wav (%s)",
         err ? msg.text : "ok");
  sb_estimates_free_paths(&found, 2);
  remove(fx_path(root, "htdemucs/Zeno - It's (Not) Over & Out/accompaniment.flac"));
  touch(fx_path(root, "htdemucs/Zeno - It's (Not) Over & Out/accompaniment.mp3"));
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_ENOTFOUND && found == NULL && strstr(msg.text, "accompaniment.wav"),
         "museval layout does not take .mp3 (lossy): the missing .wav is named (%s)", msg.text);

  /* asteroid */
  snprintf(root, sizeof root, "%s/asteroid", tmp_dir);
  touch(fx_path(root, "Zeno - It's (Not) Over & Out_est1.wav"));
  touch(fx_path(root, "Zeno - It's (Not) Over & Out_est2.wav"));
  spec = (sb_est_spec){SB_EST_ASTEROID, root, NULL, NULL};
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_OK && strcmp(found[1], fx_path(root, "Zeno - It's (Not) Over & Out_est2.wav")) == 0,
         "asteroid <name>_est<k>.wav");
  sb_estimates_free_paths(&found, 2);
  spec.layout = SB_EST_AUTO;
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_OK && strstr(found[0], "_est1.wav"), "auto finds the asteroid layout");
  sb_estimates_free_paths(&found, 2);
  spec.root = fx_path(tmp_dir, "nothing");
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "museval") && strstr(msg.text, "asteroid"),
         "auto with nothing there lists the layouts tried: %s", msg.text);

  /* templates */
  err = sb_estimates_expand("{subset}/{track}.{index0}-{index}/{target}.wav", &track, 1, NULL, &out, &msg);
  tap_ok(err == SB_OK && strcmp(out, "test/Zeno - It's (Not) Over & Out.1-2/accompaniment.wav") == 0,
         "placeholders expand: %s", out ? out : msg.text);
  free(out);
  out = NULL;
  tap_ok(sb_estimates_expand("{track}/{colour}.wav", &track, 0, NULL, &out, &msg) == SB_EINVAL &&
             strstr(msg.text, "{colour}"),
         "unknown placeholder: %s", msg.text);
  tap_ok(sb_estimates_expand("{track/x.wav", &track, 0, NULL, &out, &msg) == SB_EINVAL, "unclosed brace: %s",
         msg.text);
  tap_ok(sb_estimates_expand("../{track}.wav", &track, 0, NULL, &out, &msg) == SB_EINVAL, "'..': %s", msg.text);
  tap_ok(sb_estimates_expand("/abs/{track}.wav", &track, 0, NULL, &out, &msg) == SB_EINVAL, "absolute: %s", msg.text);
  tap_ok(sb_estimates_expand("/\n", &track, 0, NULL, &out, &msg) == SB_EINVAL && !strchr(msg.text, '\n') &&
             strstr(msg.text, "control character (0x0A at byte 1)"),
         "an absolute template holding a line break: the one-line message (fuzz finding): %s", msg.text);
  track.subset = empty;
  tap_ok(sb_estimates_expand("d/{subset}../{track}.wav", &track, 0, NULL, &out, &msg) == SB_EINVAL && !out &&
             strstr(msg.text, "expands to 'd/../Zeno - It's (Not) Over & Out.wav'") && strstr(msg.text, "'..'"),
         "a '..' made by an empty {subset} is refused, naming the expansion: %s", msg.text);
  track.subset = subset;
  tap_ok(sb_estimates_expand("{model}/{track}.wav", &track, 0, NULL, &out, &msg) == SB_EINVAL,
         "{model} without a model: %s", msg.text);
  tap_ok(sb_estimates_expand("{subset\n/{track}.wav", &track, 0, NULL, &out, &msg) == SB_EINVAL && !out &&
             !strchr(msg.text, '\n') && strstr(msg.text, "control character (0x0A at byte 7)"),
         "a line break in a template is refused in a one-line message: %s", msg.text);
  spec = (sb_est_spec){SB_EST_PATTERN, fx_path(tmp_dir, "museval"), "{subset}/{track}/{target}.flac", NULL};
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "vocals.flac"),
         "a template naming .flac takes no other extension (%s)", msg.text);
  spec.pattern = "{subset}/{track}/{target}.wav";
  touch(fx_path(tmp_dir, "museval/test/Zeno - It's (Not) Over & Out/accompaniment.wav"));
  err = sb_estimates_locate(&spec, &track, &found, &msg);
  tap_ok(err == SB_OK && found && strstr(found[0], "museval/test/Zeno - It's (Not) Over & Out/vocals.wav"),
         "--est-pattern locates (%s)", err ? msg.text : "ok");
  sb_estimates_free_paths(&found, 2);
  spec.root = NULL;
  tap_ok(sb_estimates_locate(&spec, &track, &found, &msg) == SB_EINVAL, "no root: %s", msg.text);
  check_not_files(&track);
  fx_rm_tree(tmp_dir);
  return tap_done();
}
