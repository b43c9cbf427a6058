/*
 * datasets/fluidlib.h — libfluidsynth, loaded on first use (dlopen) rather
 * than linked, for rendering the demo music suite from MIDI
 * (datasets/demo_music.h).
 *
 * Linked, libfluidsynth and its dependencies (audio servers, libsndfile's
 * codecs, glib) would be loaded at every sepbench start-up; loaded here,
 * only a process that renders the demo music suite (or reads its cache
 * stamp) pays for them.  The soname is the one a program linked with
 * configure's FLUIDSYNTH_LIBS records (SB_FLUIDSYNTH_SONAME in config.h,
 * e.g. "libfluidsynth.so.3": FluidSynth's soname does not follow its API
 * version 2), opened through common/libload.h (RTLD_NOW | RTLD_LOCAL;
 * loaded for the process's life).
 *
 * The table holds the functions demo_music.c calls, each with the
 * prototype of <fluidsynth.h> (fluidlib.c checks every member against the
 * header at compile time); callers write fl->new_fluid_synth(settings).
 * The header's macros (FLUID_OK, FLUID_FAILED) work as ever.
 *
 * Built only with FluidSynth (HAVE_FLUIDSYNTH).  Workload: one load per
 * process.  Thread-safety: sb_fluidlib_get may be called from any number
 * of threads at once (the load runs once, pthread_once); the table is
 * read-only afterwards.
 */
#ifndef SB_DATASETS_FLUIDLIB_H
#define SB_DATASETS_FLUIDLIB_H

#include <fluidsynth.h>
#include "sepbench/error.h"

typedef struct sb_fluidlib {
  char *(*fluid_version_str)(void);
  fluid_settings_t *(*new_fluid_settings)(void);
  int (*fluid_settings_setnum)(fluid_settings_t *settings, const char *name, double val);
  int (*fluid_settings_setint)(fluid_settings_t *settings, const char *name, int val);
  void (*delete_fluid_settings)(fluid_settings_t *settings);
  fluid_synth_t *(*new_fluid_synth)(fluid_settings_t *settings);
  int (*fluid_synth_sfload)(fluid_synth_t *synth, const char *filename, int reset_presets);
  void (*delete_fluid_synth)(fluid_synth_t *synth);
  int (*fluid_synth_noteon)(fluid_synth_t *synth, int chan, int key, int vel);
  int (*fluid_synth_noteoff)(fluid_synth_t *synth, int chan, int key);
  int (*fluid_synth_key_pressure)(fluid_synth_t *synth, int chan, int key, int val);
  int (*fluid_synth_cc)(fluid_synth_t *synth, int chan, int ctrl, int val);
  int (*fluid_synth_program_change)(fluid_synth_t *synth, int chan, int program);
  int (*fluid_synth_channel_pressure)(fluid_synth_t *synth, int chan, int val);
  int (*fluid_synth_pitch_bend)(fluid_synth_t *synth, int chan, int val);
  int (*fluid_synth_write_float)(fluid_synth_t *synth, int len, void *lout, int loff, int lincr, void *rout,
                                 int roff, int rincr);
} sb_fluidlib;

/* The process-wide table, loaded from SB_FLUIDSYNTH_SONAME on the first
 * call.  *fl is NULL on failure.  Errors: SB_EUNSUPPORTED, msg "SONAME
 * cannot be loaded: <dlerror text>" or "SONAME has no function NAME: ..."
 * (common/libload.h) for the caller to prefix with the file it renders; a
 * failed load is not retried, every later call returns the same error. */
sb_err sb_fluidlib_get(const sb_fluidlib **fl, sb_msg *msg);

/* Fills *fl from the library named soname, independently of the
 * process-wide table: the loader behind sb_fluidlib_get, exposed for tests
 * (a nonexistent soname exercises the failure path).  Errors: as
 * sb_fluidlib_get; SB_EINVAL for NULL arguments. */
sb_err sb_fluidlib_load(const char *soname, sb_fluidlib *fl, sb_msg *msg);

#endif /* SB_DATASETS_FLUIDLIB_H */
