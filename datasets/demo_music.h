/*
 * datasets/demo_music.h — the built-in demo music suite: four songs of
 * Debian's openttd-openmsx package (OpenMSX, GPL-2, Standard MIDI Files)
 * rendered with FluidSynth and the TimGM6mb General MIDI SoundFont into
 * MUSDB18-HQ-like tracks with real reference stems, so that
 * `sepbench run --suite music` works on a machine without MUSDB18.
 * Built only with FluidSynth (HAVE_FLUIDSYNTH).
 *
 * Songs (OpenMSX file -> track name; 1-based MIDI channels of the groups
 * the rules below give), chosen because each has a GM drum channel, a GM
 * bass program and a monophonic lead line:
 *   busy_schedule.mid          "OpenMSX - Busy Schedule"
 *       vocals 7 (alto sax), bass 2 + 4, other 3 + 6; excerpt at 10.75 s
 *   keep_on_rolling.mid        "OpenMSX - Keep On Rolling"
 *       vocals 4 (trumpet), bass 9, other 1-3, 5-8 (big band); at 9.23 s
 *   the_fast_route.mid         "OpenMSX - The Fast Route"
 *       vocals 2 (electric grand), bass 8, other 1 (piano); at 39.38 s
 *   train_filled_with_cash.mid "OpenMSX - Train Filled With Cash"
 *       vocals 1 (trumpet), bass 12, other 11 (harpsichord); at 8.00 s
 * (drums: channel 10 in all four; every group sounds in all 25 frames).
 *
 * Stem groups (by MIDI channel; a channel's program is the one in effect at
 * its first note of the excerpt):
 *   drums   channel 10 (index 9), the GM percussion channel;
 *   bass    every other channel whose program is a GM bass (33-40, 1-based);
 *   vocals  the lead line: among the remaining channels that sound in at
 *           least half of the excerpt's 1-s frames and play a line rather
 *           than chords (at most 25% of their notes start less than 30 ms
 *           after the channel's previous note), the one with the highest
 *           mean pitch (mean MIDI key of its notes starting in the excerpt;
 *           ties go to the lower channel).  If no channel plays a line the
 *           chord condition is dropped, and if none sounds in half of the
 *           frames, the activity one too;
 *   other   every remaining channel that plays in the excerpt.
 *
 * Excerpt: 25 s starting on a bar line (bars from the time signatures).
 * Each candidate bar whose excerpt ends before the last note is scored by
 * the fraction of 1-s frames in which each group has a note sounding
 * (only notes starting inside the excerpt count, as only those are
 * rendered); the start maximising the smallest group fraction wins, ties
 * broken by the largest summed fraction, then the earliest bar.
 *
 * Rendering: one fresh synthesizer per group (44.1 kHz, stereo,
 * synth.cpu-cores=1, polyphony 256, reverb on with fixed parameters, chorus
 * off), fed with every program change, controller, pitch bend and pressure
 * message of all channels (those before the excerpt are applied before the
 * first sample) but with the note messages of the group's channels only,
 * each dispatched before the 64-frame block that contains its sample
 * position, and rendered with fluid_synth_write_float in 64-frame blocks.
 * A 20 ms fade-in and 1 s fade-out are applied to every stem; the stems are
 * then quantised to PCM_16 with one common gain (peak 0.8 of full scale)
 * and mixture.wav is their exact integer sum (stemset.h).  The output bytes
 * depend only on the MIDI file, the SoundFont and the FluidSynth version.
 *
 * Workload: 4 songs x 4 renders of 25 s; ~0.7 s per song on one core
 * (about 3 s for the suite), once per cache.
 */
#ifndef SB_DATASETS_DEMO_MUSIC_H
#define SB_DATASETS_DEMO_MUSIC_H

#include <stdint.h>
#include "datasets/midi.h"
#include "sepbench/error.h"

enum {
  SB_DEMO_N_SONGS = 4,
  SB_DEMO_RATE = 44100,
  SB_DEMO_SECONDS = 25,
  SB_DEMO_N_GROUPS = 4 /* vocals, drums, bass, other (musdb order) */
};

/* How one song is cut and split. */
typedef struct sb_demo_plan {
  double start;                        /* excerpt start, seconds */
  uint16_t channels[SB_DEMO_N_GROUPS]; /* bit c set: MIDI channel c (0-based)
                                          is in the group */
  double activity[SB_DEMO_N_GROUPS];   /* fraction of the excerpt's 1-s frames
                                          with a note of the group, 0..1 */
} sb_demo_plan;

/* File name (in the MIDI directory) and track name of song i
 * (0 <= i < SB_DEMO_N_SONGS); SB_EINVAL otherwise. */
sb_err sb_demo_music_song(int i, const char **midi_file, const char **track_name);

/* Chooses the groups and the excerpt of a parsed song as documented above.
 * SB_ELENGTH when the song is shorter than the excerpt; SB_ENOTFOUND when
 * a group would be empty (no drum channel, no bass program, no melodic
 * channel) — msg says which. */
sb_err sb_demo_music_plan(const sb_midi_song *song, sb_demo_plan *plan, sb_msg *msg);

/* Renders one song: reads midi_path, plans it, renders the four groups
 * with soundfont, and writes <track_dir>/{vocals,drums,bass,other,
 * mixture}.wav (track_dir is created).  plan may be NULL.
 * SB_EIO (missing MIDI file or SoundFont, write failure), SB_EFORMAT (not a
 * MIDI file, not a SoundFont 2 file), SB_ELENGTH and SB_ENOTFOUND (see
 * sb_demo_music_plan), SB_EBACKEND (FluidSynth failed), SB_EUNSUPPORTED
 * (libfluidsynth cannot be loaded, datasets/fluidlib.h: "MIDI: cannot
 * render the demo music: libfluidsynth.so.3 cannot be loaded: ..."),
 * SB_ENOMEM.  Call from one thread at a time (FluidSynth and libinstpatch
 * initialise global state). */
sb_err sb_demo_music_render_song(const char *midi_path, const char *soundfont, const char *track_dir,
                                 sb_demo_plan *plan, sb_msg *msg);

/* Makes sure <cache_dir>/demo-music holds the complete suite of this
 * version (the marker records the FluidSynth version and the SoundFont
 * path too), rendering the
 * songs from SB_MIDI_DIR with SB_SOUNDFONT (config.h) when it does not, with
 * one progress line per song on stderr unless quiet.  *suite_dir receives
 * that folder (allocated; the caller frees it).
 * libfluidsynth is loaded (datasets/fluidlib.h) even for a complete cache,
 * for its version.  Errors as sb_demo_music_render_song (SB_EUNSUPPORTED
 * names <cache_dir>/demo-music); *suite_dir is NULL on failure. */
sb_err sb_demo_music_ensure(const char *cache_dir, int quiet, char **suite_dir, sb_msg *msg);

#endif /* SB_DATASETS_DEMO_MUSIC_H */
