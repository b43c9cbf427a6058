/*
 * datasets/fluidlib.c — libfluidsynth opened on first use and its
 * functions resolved into one table (datasets/fluidlib.h).
 */
#include <config.h>

#include "datasets/fluidlib.h"

#include <pthread.h>
#include <stddef.h>

#include "common/libload.h"

/* X(name) per member of sb_fluidlib. */
#define FLUID_FNS(X)                                                                                         \
  X(fluid_version_str) X(new_fluid_settings) X(fluid_settings_setnum) X(fluid_settings_setint)              \
  X(delete_fluid_settings) X(new_fluid_synth) X(fluid_synth_sfload) X(delete_fluid_synth)                    \
  X(fluid_synth_noteon) X(fluid_synth_noteoff) X(fluid_synth_key_pressure) X(fluid_synth_cc)                 \
  X(fluid_synth_program_change) X(fluid_synth_channel_pressure) X(fluid_synth_pitch_bend)                    \
  X(fluid_synth_write_float)

/* Every member has the type of a pointer to the header's function (the
 * operand of _Generic is not evaluated: no reference to the symbol). */
#define SAME_TYPE(name)                                                                                        \
  _Static_assert(_Generic(&name, __typeof__(((sb_fluidlib *)0)->name): 1, default: 0),                       \
                 "sb_fluidlib." #name " differs from the header's prototype");
FLUID_FNS(SAME_TYPE)

#define ENTRY(name) {#name, offsetof(sb_fluidlib, name)},
static const sb_libload_fn fluid_fns[] = {FLUID_FNS(ENTRY)};

sb_err sb_fluidlib_load(const char *soname, sb_fluidlib *fl, sb_msg *msg)
{
  if (!fl)
    return sb_msg_set(msg, SB_EINVAL, "FluidSynth loading: NULL argument");
  return sb_libload(soname, fluid_fns, sizeof fluid_fns / sizeof fluid_fns[0], fl, msg);
}

/* The process-wide table and the outcome of its one load. */
static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static sb_fluidlib table;
static sb_err table_err;
static sb_msg table_msg;

static void load_table(void)
{
  table_err = sb_fluidlib_load(SB_FLUIDSYNTH_SONAME, &table, &table_msg);
}

sb_err sb_fluidlib_get(const sb_fluidlib **fl, sb_msg *msg)
{
  pthread_once(&table_once, load_table);
  *fl = table_err ? NULL : &table;
  return table_err ? sb_msg_set(msg, table_err, "%s", table_msg.text) : SB_OK;
}
