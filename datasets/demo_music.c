/*
 * datasets/demo_music.c — the built-in demo music suite rendered from MIDI
 * with FluidSynth (see demo_music.h for the songs, the grouping heuristic,
 * the excerpt choice and the rendering settings).
 *
 * References: the Standard MIDI File 1.0 and General MIDI 1 specifications
 * (MMA; GM programs 33-40 are basses, channel 10 is percussion), the
 * FluidSynth 2 API (fluid_synth_write_float; events sent between calls take
 * effect at the next 64-frame internal block), MUSDB18-HQ's folder layout.
 *
 * FluidSynth is called through the table of datasets/fluidlib.h, opened on
 * the first render or cache check: fl->new_fluid_synth(...).
 *
 * Workload: 4 songs x 4 groups x 25 s at 44.1 kHz; the planner scores ~100
 * bar positions per song over a few thousand notes.
 */
#include <config.h>

#include "datasets/demo_music.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/audio.h"
#include "datasets/fluidlib.h"
#include "common/paths.h"
#include "datasets/stemset.h"

/* Changing the songs, the plan or the rendering must change this stamp. */
static const char demo_stamp_version[] = "sepbench demo music v1";

enum { GROUP_VOCALS = 0, GROUP_DRUMS, GROUP_BASS, GROUP_OTHER };
enum { DRUM_CHANNEL = 9, BLOCK_FRAMES = 64, N_FRAMES = SB_DEMO_SECONDS * SB_DEMO_RATE };

static const char *const group_names[SB_DEMO_N_GROUPS] = {"vocals", "drums", "bass", "other"};

static const struct {
  const char *file;
  const char *name;
} demo_songs[SB_DEMO_N_SONGS] = {
  {"busy_schedule.mid", "OpenMSX - Busy Schedule"},
  {"keep_on_rolling.mid", "OpenMSX - Keep On Rolling"},
  {"the_fast_route.mid", "OpenMSX - The Fast Route"},
  {"train_filled_with_cash.mid", "OpenMSX - Train Filled With Cash"},
};

sb_err sb_demo_music_song(int i, const char **midi_file, const char **track_name)
{
  if (i < 0 || i >= SB_DEMO_N_SONGS)
    return SB_EINVAL;
  *midi_file = demo_songs[i].file;
  *track_name = demo_songs[i].name;
  return SB_OK;
}

/* ------------------------------------------------------------------ plan */

typedef struct note {
  double on, off; /* seconds */
  int key;
  int program;    /* channel program at note-on, 0-based */
} note;

typedef struct channel_notes {
  note *notes; /* sorted by onset */
  int n, cap;
} channel_notes;

/* What one channel does inside one candidate excerpt. */
typedef struct channel_stats {
  int n_notes;
  int program;          /* at its first note in the excerpt */
  uint32_t frames;      /* bit k: a note sounds in 1-s frame k */
  double mean_key;
  double chord_share;   /* share of notes starting with another (< 30 ms) */
} channel_stats;

static void free_notes(channel_notes chans[16])
{
  for (int c = 0; c < 16; c++) {
    free(chans[c].notes);
    chans[c].notes = NULL;
  }
}

/* Pairs note-ons with note-offs per channel and key; a retriggered key ends
 * the sounding note, and notes still on at the end last to song->duration. */
static sb_err collect_notes(const sb_midi_song *song, channel_notes chans[16])
{
  int open[16][128];
  int program[16] = {0};

  memset(chans, 0, 16 * sizeof *chans);
  for (int c = 0; c < 16; c++)
    for (int k = 0; k < 128; k++)
      open[c][k] = -1;
  for (int64_t i = 0; i < song->n_events; i++) {
    const sb_midi_event *ev = &song->events[i];
    int c = ev->chan, k = ev->data1;
    if (ev->kind == SB_MIDI_PROGRAM) {
      program[c] = ev->data1;
    } else if (ev->kind == SB_MIDI_NOTE_ON || ev->kind == SB_MIDI_NOTE_OFF) {
      if (open[c][k] >= 0) {
        chans[c].notes[open[c][k]].off = ev->time;
        open[c][k] = -1;
      }
      if (ev->kind == SB_MIDI_NOTE_OFF)
        continue;
      if (chans[c].n == chans[c].cap) {
        int new_cap = chans[c].cap ? 2 * chans[c].cap : 256;
        note *grown = realloc(chans[c].notes, (size_t)new_cap * sizeof *grown);
        if (!grown) {
          free_notes(chans);
          return SB_ENOMEM;
        }
        chans[c].notes = grown;
        chans[c].cap = new_cap;
      }
      open[c][k] = chans[c].n;
      chans[c].notes[chans[c].n++] = (note){ev->time, song->duration, k, program[c]};
    }
  }
  return SB_OK;
}

static int popcount32(uint32_t x)
{
  int n = 0;
  for (; x; x &= x - 1)
    n++;
  return n;
}

static void channel_window(const channel_notes *ch, double start, channel_stats *st)
{
  const double end = start + SB_DEMO_SECONDS;
  double key_sum = 0.0, prev_on = -1.0;
  int n_chordal = 0;

  memset(st, 0, sizeof *st);
  for (int i = 0; i < ch->n; i++) {
    const note *nt = &ch->notes[i];
    if (nt->on < start)
      continue;
    if (nt->on >= end)
      break;
    double off = nt->off < end ? nt->off : end;
    if (st->n_notes == 0)
      st->program = nt->program;
    /* notes arrive by onset: a chord shows as onsets closer than 30 ms */
    if (st->n_notes > 0 && nt->on - prev_on < 0.03)
      n_chordal++;
    prev_on = nt->on;
    st->n_notes++;
    key_sum += nt->key;
    int first = (int)floor(nt->on - start);
    int last = off > nt->on ? (int)ceil(off - start) - 1 : first;
    for (int k = first; k <= last && k < SB_DEMO_SECONDS; k++)
      st->frames |= 1u << k;
  }
  if (st->n_notes > 0) {
    st->mean_key = key_sum / st->n_notes;
    st->chord_share = (double)n_chordal / st->n_notes;
  }
}

static int is_bass_program(int program)
{
  return program >= 32 && program <= 39;
}

/* Groups the channels of one excerpt; returns the group frame masks. */
static void group_window(const channel_stats st[16], uint16_t channels[SB_DEMO_N_GROUPS],
                         uint32_t frames[SB_DEMO_N_GROUPS])
{
  int lead = -1;

  memset(channels, 0, SB_DEMO_N_GROUPS * sizeof *channels);
  /* The lead: three passes with weaker eligibility rules. */
  for (int pass = 0; pass < 3 && lead < 0; pass++) {
    for (int c = 0; c < 16; c++) {
      if (c == DRUM_CHANNEL || st[c].n_notes == 0 || is_bass_program(st[c].program))
        continue;
      if (pass < 2 && 2 * popcount32(st[c].frames) < SB_DEMO_SECONDS)
        continue;
      if (pass < 1 && st[c].chord_share > 0.25)
        continue;
      if (lead < 0 || st[c].mean_key > st[lead].mean_key)
        lead = c;
    }
  }
  for (int c = 0; c < 16; c++) {
    if (st[c].n_notes == 0)
      continue;
    int g = c == DRUM_CHANNEL ? GROUP_DRUMS
          : is_bass_program(st[c].program) ? GROUP_BASS
          : c == lead ? GROUP_VOCALS : GROUP_OTHER;
    channels[g] |= (uint16_t)(1u << c);
  }
  for (int g = 0; g < SB_DEMO_N_GROUPS; g++) {
    frames[g] = 0;
    for (int c = 0; c < 16; c++)
      if (channels[g] & (1u << c))
        frames[g] |= st[c].frames;
  }
}

/* Candidate excerpt starts: bar lines from the time signatures (whole
 * seconds for SMPTE timing), while the excerpt ends by last_off. */
static sb_err bar_starts(const sb_midi_song *song, double last_off, double **starts, int *n_starts)
{
  int cap = 64, n = 0;
  double *list = malloc((size_t)cap * sizeof *list);
  int64_t tick = 0;
  int numerator = 4, denominator_log2 = 2;
  int64_t ts = 0;

  if (!list)
    return SB_ENOMEM;
  for (;;) {
    double t;
    if (song->division == 0) {
      t = (double)n;
    } else {
      for (; ts < song->n_events && song->events[ts].tick <= tick; ts++) {
        const sb_midi_event *ev = &song->events[ts];
        if (ev->kind == 0xFF && ev->chan == SB_MIDI_META_TIME_SIG && ev->data1 > 0 && ev->data2 < 7) {
          numerator = ev->data1;
          denominator_log2 = ev->data2;
        }
      }
      t = sb_midi_tick_time(song, tick);
    }
    if (t + SB_DEMO_SECONDS > last_off)
      break;
    if (n == cap) {
      double *grown = realloc(list, (size_t)(2 * cap) * sizeof *grown);
      if (!grown) {
        free(list);
        return SB_ENOMEM;
      }
      list = grown;
      cap *= 2;
    }
    list[n++] = t;
    if (song->division != 0) {
      int64_t bar_ticks = (int64_t)numerator * song->division * 4 / ((int64_t)1 << denominator_log2);
      tick += bar_ticks > 0 ? bar_ticks : 1;
    }
  }
  *starts = list;
  *n_starts = n;
  return SB_OK;
}

sb_err sb_demo_music_plan(const sb_midi_song *song, sb_demo_plan *plan, sb_msg *msg)
{
  sb_err err;
  channel_notes chans[16];
  channel_stats st[16];
  double *starts = NULL, last_off = 0.0, best_min = -1.0, best_sum = -1.0;
  int n_starts = 0, has_drums = 0, has_bass = 0, n_melodic = 0;

  memset(plan, 0, sizeof *plan);
  err = collect_notes(song, chans);
  if (err)
    return err;
  for (int c = 0; c < 16; c++) {
    int melodic = 0;
    for (int i = 0; i < chans[c].n; i++) {
      if (chans[c].notes[i].off > last_off)
        last_off = chans[c].notes[i].off;
      if (c == DRUM_CHANNEL)
        has_drums = 1;
      else if (is_bass_program(chans[c].notes[i].program))
        has_bass = 1;
      else
        melodic = 1;
    }
    n_melodic += melodic;
  }
  if (!has_drums || !has_bass || n_melodic < 2) {
    err = sb_msg_set(msg, SB_ENOTFOUND, "cannot split into stems: %s",
                     !has_drums ? "no notes on the drum channel 10"
                     : !has_bass ? "no channel with a GM bass program (33-40)"
                                 : "fewer than two melodic channels (lead and other)");
    goto done;
  }
  err = bar_starts(song, last_off, &starts, &n_starts);
  if (err)
    goto done;
  if (n_starts == 0) {
    err = sb_msg_set(msg, SB_ELENGTH, "the song lasts %.1f s, shorter than the %d s excerpt", last_off,
                     SB_DEMO_SECONDS);
    goto done;
  }
  for (int s = 0; s < n_starts; s++) {
    uint16_t channels[SB_DEMO_N_GROUPS];
    uint32_t frames[SB_DEMO_N_GROUPS];
    double min_fraction = 1.0, sum_fraction = 0.0;
    for (int c = 0; c < 16; c++)
      channel_window(&chans[c], starts[s], &st[c]);
    group_window(st, channels, frames);
    for (int g = 0; g < SB_DEMO_N_GROUPS; g++) {
      double fraction = (double)popcount32(frames[g]) / SB_DEMO_SECONDS;
      if (fraction < min_fraction)
        min_fraction = fraction;
      sum_fraction += fraction;
    }
    if (min_fraction > best_min || (min_fraction == best_min && sum_fraction > best_sum)) {
      best_min = min_fraction;
      best_sum = sum_fraction;
      plan->start = starts[s];
      for (int g = 0; g < SB_DEMO_N_GROUPS; g++) {
        plan->channels[g] = channels[g];
        plan->activity[g] = (double)popcount32(frames[g]) / SB_DEMO_SECONDS;
      }
    }
  }
  if (best_min <= 0.0)
    err = sb_msg_set(msg, SB_ENOTFOUND, "no %d s excerpt where all four stem groups play", SB_DEMO_SECONDS);
done:
  free(starts);
  free_notes(chans);
  return err;
}

/* ---------------------------------------------------------------- render */

/* Sends one channel event to the synth if the group lets it through. */
static void dispatch(const sb_fluidlib *fl, fluid_synth_t *synth, const sb_midi_event *ev, uint16_t group_channels,
                     int notes_allowed)
{
  int c = ev->chan;
  int in_group = (group_channels >> c) & 1;

  switch (ev->kind) {
  case SB_MIDI_NOTE_ON:
    if (in_group && notes_allowed)
      fl->fluid_synth_noteon(synth, c, ev->data1, ev->data2);
    break;
  case SB_MIDI_NOTE_OFF:
    if (in_group)
      fl->fluid_synth_noteoff(synth, c, ev->data1);
    break;
  case SB_MIDI_POLY_PRESSURE:
    if (in_group)
      fl->fluid_synth_key_pressure(synth, c, ev->data1, ev->data2);
    break;
  case SB_MIDI_CONTROL:
    fl->fluid_synth_cc(synth, c, ev->data1, ev->data2);
    break;
  case SB_MIDI_PROGRAM:
    fl->fluid_synth_program_change(synth, c, ev->data1);
    break;
  case SB_MIDI_CHAN_PRESSURE:
    fl->fluid_synth_channel_pressure(synth, c, ev->data1);
    break;
  case SB_MIDI_PITCH_BEND:
    fl->fluid_synth_pitch_bend(synth, c, (int)ev->value);
    break;
  default:
    break;
  }
}

static sb_err make_synth(const sb_fluidlib *fl, const char *soundfont, fluid_settings_t **settings_out,
                         fluid_synth_t **synth_out, sb_msg *msg)
{
  static const struct {
    const char *name;
    double value;
  } nums[] = {
    {"synth.sample-rate", SB_DEMO_RATE}, {"synth.gain", 0.5},
    {"synth.reverb.room-size", 0.5},     {"synth.reverb.damp", 0.3},
    {"synth.reverb.width", 0.8},         {"synth.reverb.level", 0.5},
  };
  static const struct {
    const char *name;
    int value;
  } ints[] = {
    {"synth.cpu-cores", 1},      {"synth.polyphony", 256},     {"synth.reverb.active", 1},
    {"synth.chorus.active", 0},  {"synth.midi-channels", 16},  {"synth.audio-channels", 1},
    {"synth.audio-groups", 1},   {"synth.verbose", 0},         {"synth.lock-memory", 0},
    {"synth.dynamic-sample-loading", 0},
  };
  fluid_settings_t *settings = fl->new_fluid_settings();
  fluid_synth_t *synth = NULL;

  *settings_out = NULL;
  *synth_out = NULL;
  if (!settings)
    return sb_msg_set(msg, SB_EBACKEND, "FluidSynth: cannot create settings");
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
    if (fl->fluid_settings_setnum(settings, nums[i].name, nums[i].value) != FLUID_OK) {
      fl->delete_fluid_settings(settings);
      return sb_msg_set(msg, SB_EBACKEND, "FluidSynth: cannot set %s", nums[i].name);
    }
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
    if (fl->fluid_settings_setint(settings, ints[i].name, ints[i].value) != FLUID_OK) {
      fl->delete_fluid_settings(settings);
      return sb_msg_set(msg, SB_EBACKEND, "FluidSynth: cannot set %s", ints[i].name);
    }
  synth = fl->new_fluid_synth(settings);
  if (!synth) {
    fl->delete_fluid_settings(settings);
    return sb_msg_set(msg, SB_EBACKEND, "FluidSynth: cannot create a synthesizer");
  }
  if (fl->fluid_synth_sfload(synth, soundfont, 1) == FLUID_FAILED) {
    fl->delete_fluid_synth(synth);
    fl->delete_fluid_settings(settings);
    return sb_msg_set(msg, SB_EBACKEND, "%s: FluidSynth cannot load this SoundFont", soundfont);
  }
  *settings_out = settings;
  *synth_out = synth;
  return SB_OK;
}

/* Renders the notes of one group into a stereo buffer of N_FRAMES. */
static sb_err render_group(const sb_fluidlib *fl, const sb_midi_song *song, const sb_demo_plan *plan,
                           uint16_t group_channels, const char *soundfont, sb_audio *out, sb_msg *msg)
{
  sb_err err;
  fluid_settings_t *settings;
  fluid_synth_t *synth;
  float left[BLOCK_FRAMES], right[BLOCK_FRAMES];
  const double end = plan->start + SB_DEMO_SECONDS;
  int64_t i = 0;

  err = make_synth(fl, soundfont, &settings, &synth, msg);
  if (err)
    return err;
  /* Channel state before the excerpt: everything but notes. */
  for (; i < song->n_events && song->events[i].time < plan->start; i++)
    if (song->events[i].kind != 0xFF)
      dispatch(fl, synth, &song->events[i], group_channels, 0);
  for (int64_t block = 0; block * BLOCK_FRAMES < N_FRAMES; block++) {
    for (; i < song->n_events && song->events[i].time < end; i++) {
      const sb_midi_event *ev = &song->events[i];
      int64_t pos = (int64_t)llround((ev->time - plan->start) * SB_DEMO_RATE);
      if (pos / BLOCK_FRAMES > block)
        break;
      if (ev->kind != 0xFF)
        dispatch(fl, synth, ev, group_channels, 1);
    }
    if (fl->fluid_synth_write_float(synth, BLOCK_FRAMES, left, 0, 1, right, 0, 1) != FLUID_OK) {
      err = sb_msg_set(msg, SB_EBACKEND, "FluidSynth: rendering failed");
      goto done;
    }
    int64_t first = block * BLOCK_FRAMES;
    int n = N_FRAMES - first < BLOCK_FRAMES ? (int)(N_FRAMES - first) : BLOCK_FRAMES;
    for (int k = 0; k < n; k++) {
      sb_audio_chan(out, 0)[first + k] = left[k];
      sb_audio_chan(out, 1)[first + k] = right[k];
    }
  }
done:
  fl->delete_fluid_synth(synth);
  fl->delete_fluid_settings(settings);
  return err;
}

/* 20 ms linear fade-in and 1 s raised-cosine fade-out. */
static void apply_fades(sb_audio *a)
{
  const int64_t fade_in = SB_DEMO_RATE / 50, fade_out = SB_DEMO_RATE;
  for (int c = 0; c < a->n_chan; c++) {
    double *x = sb_audio_chan(a, c);
    for (int64_t k = 0; k < fade_in; k++)
      x[k] *= (double)k / (double)fade_in;
    for (int64_t k = 0; k < fade_out; k++)
      x[a->n_samples - 1 - k] *= 0.5 - 0.5 * cos(M_PI * (double)k / (double)fade_out);
  }
}

/* FluidSynth's table, loaded on the first call; the message names file. */
static sb_err load_fluidsynth(const char *file, const sb_fluidlib **fl, sb_msg *msg)
{
  sb_msg why;
  sb_err err = sb_fluidlib_get(fl, &why);
  return err ? sb_msg_set(msg, err, "%s: cannot render the demo music: %s", file, why.text) : SB_OK;
}

sb_err sb_demo_music_render_song(const char *midi_path, const char *soundfont, const char *track_dir,
                                 sb_demo_plan *plan_out, sb_msg *msg)
{
  sb_err err;
  sb_midi_song *song = NULL;
  sb_demo_plan plan;
  sb_audio *stems[SB_DEMO_N_GROUPS] = {NULL};
  const sb_fluidlib *fl;
  unsigned char riff[12];
  FILE *probe;

  err = load_fluidsynth(midi_path, &fl, msg);
  if (err)
    return err;
  probe = fopen(soundfont, "rb");
  if (!probe)
    return sb_msg_set(msg, SB_EIO, "%s: cannot open the SoundFont: %s (Debian package timgm6mb-soundfont)",
                      soundfont, strerror(errno));
  /* An SF2 file is a RIFF form of type "sfbk"; checked here so FluidSynth
   * is not asked (it logs to stderr) to load anything else. */
  size_t got = fread(riff, 1, sizeof riff, probe);
  fclose(probe);
  if (got != sizeof riff || memcmp(riff, "RIFF", 4) != 0 || memcmp(riff + 8, "sfbk", 4) != 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: not a SoundFont 2 file", soundfont);
  err = sb_midi_read(midi_path, &song, msg);
  if (err)
    return err;
  err = sb_demo_music_plan(song, &plan, msg);
  if (err && err != SB_ENOMEM) {
    char reason[sizeof msg->text];
    snprintf(reason, sizeof reason, "%s", msg ? msg->text : "");
    sb_msg_set(msg, err, "%s: %s", midi_path, reason);
  }
  if (err)
    goto done;
  for (int g = 0; g < SB_DEMO_N_GROUPS; g++) {
    err = sb_audio_new(&stems[g], 2, N_FRAMES, SB_DEMO_RATE);
    if (err)
      goto done;
    err = render_group(fl, song, &plan, plan.channels[g], soundfont, stems[g], msg);
    if (err)
      goto done;
    apply_fades(stems[g]);
  }
  err = sb_path_mkdir_p(track_dir, msg);
  if (err)
    goto done;
  err = sb_stemset_write(track_dir, group_names, stems, SB_DEMO_N_GROUPS, 0.8, msg);
  if (!err && plan_out)
    *plan_out = plan;
done:
  for (int g = 0; g < SB_DEMO_N_GROUPS; g++)
    sb_audio_free(&stems[g]);
  sb_midi_free(&song);
  return err;
}

sb_err sb_demo_music_ensure(const char *cache_dir, int quiet, char **suite_dir, sb_msg *msg)
{
  sb_err err;
  char *dir = NULL, *midi_path = NULL, *track_dir = NULL;
  const sb_fluidlib *fl;
  char stamp[512];

  *suite_dir = NULL;
  err = sb_path_join(cache_dir, "demo-music", &dir);
  if (err)
    return err;
  err = load_fluidsynth(dir, &fl, msg);
  if (err)
    goto fail;
  snprintf(stamp, sizeof stamp, "%s fluidsynth %s %s\n", demo_stamp_version, fl->fluid_version_str(), SB_SOUNDFONT);
  if (sb_stemset_is_complete(dir, stamp)) {
    *suite_dir = dir;
    return SB_OK;
  }
  for (int i = 0; i < SB_DEMO_N_SONGS; i++) {
    if (!quiet)
      fprintf(stderr, "sepbench: generating the demo music suite (song %d/%d: %s) into %s\n", i + 1,
              SB_DEMO_N_SONGS, demo_songs[i].name, dir);
    err = sb_path_join(SB_MIDI_DIR, demo_songs[i].file, &midi_path);
    if (err)
      goto fail;
    if (sb_path_kind_of(midi_path) != SB_PATH_FILE) {
      err = sb_msg_set(msg, SB_EIO, "%s: cannot open: %s (Debian package openttd-openmsx)", midi_path,
                       strerror(ENOENT));
      goto fail;
    }
    err = sb_path_join(dir, demo_songs[i].name, &track_dir);
    if (err)
      goto fail;
    err = sb_demo_music_render_song(midi_path, SB_SOUNDFONT, track_dir, NULL, msg);
    if (err)
      goto fail;
    free(midi_path);
    free(track_dir);
    midi_path = track_dir = NULL;
  }
  err = sb_stemset_mark_complete(dir, stamp, msg);
  if (err)
    goto fail;
  *suite_dir = dir;
  return SB_OK;

fail:
  free(midi_path);
  free(track_dir);
  free(dir);
  return err;
}
