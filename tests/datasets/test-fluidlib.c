/*
 * tests/datasets/test-fluidlib.c — datasets/fluidlib.c (built with
 * FluidSynth only): the process-wide table loads from SB_FLUIDSYNTH_SONAME,
 * every member is resolved, the version is the headers' and a synthesizer
 * can be created and freed through the table; a nonexistent soname fails
 * with SB_EUNSUPPORTED and one line naming it, leaving the process-wide
 * table working; NULL arguments are refused.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "datasets/fluidlib.h"
#include "fixtures.h"
#include "tap.h"

int main(void)
{
  const sb_fluidlib *fl = NULL;
  sb_fluidlib mine;
  char major[16];
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  if (tap_ok(sb_fluidlib_get(&fl, &msg) == SB_OK && fl, "the process-wide table loads from %s (%s)",
             SB_FLUIDSYNTH_SONAME, msg.text)) {
    tap_ok(fx_all_fns_set(fl, sizeof *fl), "all %zu functions resolved", sizeof *fl / sizeof(void (*)(void)));
    snprintf(major, sizeof major, "%d.", FLUIDSYNTH_VERSION_MAJOR);
    tap_ok(strncmp(fl->fluid_version_str(), major, strlen(major)) == 0,
           "the library's version %s has the headers' major version %d", fl->fluid_version_str(),
           FLUIDSYNTH_VERSION_MAJOR);
    fluid_settings_t *settings = fl->new_fluid_settings();
    int set = settings && fl->fluid_settings_setint(settings, "synth.verbose", 0) == FLUID_OK;
    fluid_synth_t *synth = settings ? fl->new_fluid_synth(settings) : NULL;
    tap_ok(set && synth, "a synthesizer is created through the table");
    if (synth)
      fl->delete_fluid_synth(synth);
    if (settings)
      fl->delete_fluid_settings(settings);
  }
  err = sb_fluidlib_load("libfluidsynth-sb-missing.so.0", &mine, &msg);
  tap_ok(err == SB_EUNSUPPORTED && strncmp(msg.text, "libfluidsynth-sb-missing.so.0 cannot be loaded: ", 48) == 0 &&
             !strchr(msg.text, '\n'),
         "nonexistent soname: SB_EUNSUPPORTED, one line naming it (%s)", msg.text);
  tap_ok(sb_fluidlib_get(&fl, &msg) == SB_OK && fl, "the process-wide table is unaffected");
  tap_ok(sb_fluidlib_load(NULL, &mine, &msg) == SB_EINVAL, "NULL soname: SB_EINVAL (%s)", msg.text);
  tap_ok(sb_fluidlib_load(SB_FLUIDSYNTH_SONAME, NULL, &msg) == SB_EINVAL, "NULL table: SB_EINVAL");
  return tap_done();
}
