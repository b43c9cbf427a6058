/*
 * tests/datasets/test-demo-music.c — datasets/demo_music.c (built with
 * FluidSynth only): the plan of each demo song against an independent
 * Python implementation of the documented heuristic (run at development
 * time), then ONE song rendered twice into a temporary folder: four
 * non-silent stereo 44.1 kHz stems of 25 s, mixture == exact sum, and
 * identical bytes on both renders; bad inputs.
 */
#include <config.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/audio.h"
#include "datasets/demo_music.h"
#include "fixtures.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-demo-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static uint16_t mask(const int *channels_1_based)
{
  uint16_t m = 0;
  for (; *channels_1_based; channels_1_based++)
    m |= (uint16_t)(1u << (*channels_1_based - 1));
  return m;
}

/* Expected plans: from an independent Python re-implementation of the SMF
 * parsing and of the heuristic documented in demo_music.h, run once at
 * development time (channels 1-based). */
static void test_plans(void)
{
  static const struct {
    const char *file;
    double start;
    int vocals[4], bass[4], other[8];
  } expected[SB_DEMO_N_SONGS] = {
    {"busy_schedule.mid", 10.746264, {7, 0}, {2, 4, 0}, {3, 6, 0}},
    {"keep_on_rolling.mid", 9.230768, {4, 0}, {9, 0}, {1, 2, 3, 5, 6, 7, 8, 0}},
    {"the_fast_route.mid", 39.375, {2, 0}, {8, 0}, {1, 0}},
    {"train_filled_with_cash.mid", 7.999992, {1, 0}, {12, 0}, {11, 0}},
  };
  const char *file, *name;

  for (int i = 0; i < SB_DEMO_N_SONGS; i++) {
    char path[1024];
    sb_midi_song *song = NULL;
    sb_demo_plan plan;
    sb_msg msg;

    sb_err err = sb_demo_music_song(i, &file, &name);
    tap_ok(err == SB_OK && strcmp(file, expected[i].file) == 0 && strncmp(name, "OpenMSX - ", 10) == 0,
           "song %d is %s (%s)", i, expected[i].file, err ? "?" : name);
    snprintf(path, sizeof path, "%s/%s", SB_MIDI_DIR, expected[i].file);
    if (sb_midi_read(path, &song, &msg) != SB_OK) {
      tap_ok(0, "%s", msg.text);
      continue;
    }
    tap_ok(sb_demo_music_plan(song, &plan, &msg) == SB_OK, "%s: plan", expected[i].file);
    tap_near(plan.start, expected[i].start, 1e-6, "%s: excerpt starts at %.6f s", expected[i].file, expected[i].start);
    tap_ok(plan.channels[0] == mask(expected[i].vocals) && plan.channels[1] == (1u << 9) &&
               plan.channels[2] == mask(expected[i].bass) && plan.channels[3] == mask(expected[i].other),
           "%s: groups vocals/drums/bass/other = %04x/%04x/%04x/%04x", expected[i].file, plan.channels[0],
           plan.channels[1], plan.channels[2], plan.channels[3]);
    tap_ok(plan.activity[0] == 1.0 && plan.activity[1] == 1.0 && plan.activity[2] == 1.0 && plan.activity[3] == 1.0,
           "%s: every group plays in all 25 frames", expected[i].file);
    sb_midi_free(&song);
  }
  tap_ok(sb_demo_music_song(SB_DEMO_N_SONGS, &file, &name) == SB_EINVAL, "song index out of range is SB_EINVAL");
}

static void test_render(void)
{
  static const char *const stems[4] = {"vocals", "drums", "bass", "other"};
  char midi[1024], dir_a[512], dir_b[512], path[1024], path_b[1024];
  sb_demo_plan plan;
  sb_msg msg;
  sb_err err;
  sb_audio *mix = NULL, *stem = NULL;

  snprintf(midi, sizeof midi, "%s/train_filled_with_cash.mid", SB_MIDI_DIR);
  snprintf(dir_a, sizeof dir_a, "%s/a/OpenMSX - Train Filled With Cash", tmp_dir);
  snprintf(dir_b, sizeof dir_b, "%s/b/OpenMSX - Train Filled With Cash", tmp_dir);
  err = sb_demo_music_render_song(midi, SB_SOUNDFONT, dir_a, &plan, &msg);
  tap_ok(err == SB_OK, "render train_filled_with_cash (%s)", err ? msg.text : "ok");
  if (err)
    return;
  snprintf(path, sizeof path, "%s/mixture.wav", dir_a);
  err = sb_audio_read(path, &mix, &msg);
  tap_ok(err == SB_OK && mix->n_chan == 2 && mix->rate == 44100, "mixture is stereo 44.1 kHz");
  if (err)
    return;
  double seconds = (double)mix->n_samples / mix->rate;
  tap_ok(seconds >= 20 && seconds <= 30, "excerpt lasts %.2f s (20-30 s)", seconds);
  double *sum = calloc((size_t)(2 * mix->n_samples), sizeof *sum);
  for (int k = 0; k < 4; k++) {
    snprintf(path, sizeof path, "%s/%s.wav", dir_a, stems[k]);
    err = sb_audio_read(path, &stem, &msg);
    tap_ok(err == SB_OK && stem->n_chan == 2 && stem->rate == 44100 && stem->n_samples == mix->n_samples,
           "%s: stereo 44.1 kHz, as long as the mixture", stems[k]);
    if (err)
      continue;
    int active = 0;
    int n_seconds = (int)(mix->n_samples / 44100);
    for (int s = 0; s < n_seconds; s++) {
      double e = 0;
      for (int c = 0; c < 2; c++)
        for (int64_t i = (int64_t)s * 44100; i < (int64_t)(s + 1) * 44100; i++)
          e += sb_audio_chan(stem, c)[i] * sb_audio_chan(stem, c)[i];
      active += e / (2 * 44100.0) > 1e-6; /* above -60 dBFS RMS */
    }
    tap_ok(active >= n_seconds - 1, "%s: sounds in %d of %d seconds", stems[k], active, n_seconds);
    for (int64_t i = 0; i < 2 * mix->n_samples; i++)
      sum[i] += stem->data[i];
    sb_audio_free(&stem);
  }
  tap_ok(memcmp(sum, mix->data, (size_t)(2 * mix->n_samples) * sizeof *sum) == 0, "mixture == sum of stems, exactly");
  double peak = 0;
  for (int64_t i = 0; i < 2 * mix->n_samples; i++)
    peak = fmax(peak, fabs(mix->data[i]));
  tap_ok(peak < 1.0, "the mixture does not clip (peak %.4f)", peak);
  free(sum);
  sb_audio_free(&mix);

  err = sb_demo_music_render_song(midi, SB_SOUNDFONT, dir_b, NULL, &msg);
  int same = err == SB_OK;
  for (int k = 0; same && k < 5; k++) {
    const char *name = k < 4 ? stems[k] : "mixture";
    snprintf(path, sizeof path, "%s/%s.wav", dir_a, name);
    snprintf(path_b, sizeof path_b, "%s/%s.wav", dir_b, name);
    same = fx_files_equal(path, path_b);
  }
  tap_ok(same, "rendering twice gives identical bytes");
}

static void test_bad_input(void)
{
  char midi[1024], dir[512], text[512];
  sb_msg msg;
  sb_err err;
  FILE *f;

  snprintf(dir, sizeof dir, "%s/bad", tmp_dir);
  snprintf(midi, sizeof midi, "%s/no such song.mid", tmp_dir);
  err = sb_demo_music_render_song(midi, SB_SOUNDFONT, dir, NULL, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "no such song.mid"), "missing MIDI file: %s", msg.text);
  snprintf(midi, sizeof midi, "%s/train_filled_with_cash.mid", SB_MIDI_DIR);
  err = sb_demo_music_render_song(midi, "/nonexistent/font.sf2", dir, NULL, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "/nonexistent/font.sf2"), "missing SoundFont: %s", msg.text);
  snprintf(midi, sizeof midi, "%s/harp_harmony.mid", SB_MIDI_DIR);
  err = sb_demo_music_render_song(midi, SB_SOUNDFONT, dir, NULL, &msg);
  tap_ok(err == SB_ENOTFOUND && strstr(msg.text, "harp_harmony.mid") && strstr(msg.text, "bass"),
         "a song without a bass program: %s", msg.text);
  snprintf(text, sizeof text, "%s/notes.mid", tmp_dir);
  f = fopen(text, "w");
  fputs("not a MIDI file\n", f);
  fclose(f);
  err = sb_demo_music_render_song(text, SB_SOUNDFONT, dir, NULL, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "notes.mid"), "a text file: %s", msg.text);
  snprintf(text, sizeof text, "%s/font.sf2", tmp_dir);
  f = fopen(text, "w");
  fputs("not a SoundFont\n", f);
  fclose(f);
  snprintf(midi, sizeof midi, "%s/train_filled_with_cash.mid", SB_MIDI_DIR);
  err = sb_demo_music_render_song(midi, text, dir, NULL, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "font.sf2"), "a file that is not a SoundFont: %s", msg.text);
}

int main(void)
{
  if (!mkdtemp(tmp_dir)) {
    tap_ok(0, "create a temporary directory");
    return tap_done();
  }
  test_plans();
  test_render();
  test_bad_input();
  tap_ok(nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "temporary folder removed");
  return tap_done();
}
