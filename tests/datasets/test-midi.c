/*
 * tests/datasets/test-midi.c — datasets/midi.c: a hand-assembled Standard
 * MIDI File (two tracks, tempo change, running status, note-on velocity 0,
 * SysEx and text events to drop, time signature, pitch bend) with times
 * derived by hand; SMPTE division; malformed files; and one OpenMSX file
 * checked against an independent Python parser run at development time.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/midi.h"
#include "tap.h"

static const unsigned char two_tracks[] = {
  'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 1, 0, 2, 0, 96,
  /* track 0: 3/4, 120 BPM, then 60 BPM at tick 96 */
  'M', 'T', 'r', 'k', 0, 0, 0, 26,
  0x00, 0xFF, 0x58, 0x04, 0x03, 0x02, 0x18, 0x08,
  0x00, 0xFF, 0x51, 0x03, 0x07, 0xA1, 0x20,
  0x60, 0xFF, 0x51, 0x03, 0x0F, 0x42, 0x40,
  0x00, 0xFF, 0x2F, 0x00,
  /* track 1 */
  'M', 'T', 'r', 'k', 0, 0, 0, 40,
  0x00, 0xC0, 0x21,                         /* program 33, channel 0 */
  0x00, 0xF0, 0x03, 0x7E, 0x7F, 0xF7,       /* SysEx: dropped */
  0x00, 0x90, 0x3C, 0x64,                   /* tick 0: note on 60 */
  0x60, 0x3C, 0x00,                         /* tick 96: running status, velocity 0 */
  0x00, 0xE1, 0x00, 0x40,                   /* pitch bend ch 1, centre */
  0x81, 0x40, 0x90, 0x40, 0x50,             /* tick 288: note on 64 */
  0x00, 0xFF, 0x01, 0x03, 'a', 'b', 'c',    /* text: dropped */
  0x60, 0x80, 0x40, 0x00,                   /* tick 384: note off 64 */
  0x00, 0xFF, 0x2F, 0x00,
};

static void test_hand_made(void)
{
  sb_midi_song *song = NULL;
  sb_msg msg;
  sb_err err = sb_midi_parse(two_tracks, sizeof two_tracks, "two.mid", &song, &msg);

  tap_ok(err == SB_OK, "hand-made file parses (%s)", err ? msg.text : "ok");
  if (err)
    return;
  tap_ok(song->format == 1 && song->n_tracks == 2 && song->division == 96, "format 1, 2 tracks, 96 ticks per quarter");
  tap_ok(song->n_events == 9, "9 kept events (SysEx, text and end-of-track dropped): %lld", (long long)song->n_events);
  if (song->n_events != 9)
    return;
  const sb_midi_event *e = song->events;
  tap_ok(e[0].kind == 0xFF && e[0].chan == SB_MIDI_META_TIME_SIG && e[0].value == (3u << 8 | 2), "time signature 3/4");
  tap_ok(e[1].kind == 0xFF && e[1].chan == SB_MIDI_META_TEMPO && e[1].value == 500000, "tempo 500000 us");
  tap_ok(e[2].kind == SB_MIDI_PROGRAM && e[2].chan == 0 && e[2].data1 == 33 && e[2].track == 1, "program 33");
  tap_ok(e[3].kind == SB_MIDI_NOTE_ON && e[3].data1 == 60 && e[3].data2 == 100 && e[3].time == 0.0,
         "note on 60 at 0 s");
  tap_ok(e[4].kind == 0xFF && e[4].value == 1000000 && e[4].tick == 96 && e[4].track == 0,
         "tick 96: track 0's tempo change comes first");
  tap_ok(e[5].kind == SB_MIDI_NOTE_OFF && e[5].data1 == 60 && e[5].tick == 96,
         "velocity 0 (running status) is a note-off");
  tap_near(e[5].time, 0.5, 1e-12, "96 ticks at 120 BPM = 0.5 s");
  tap_ok(e[6].kind == SB_MIDI_PITCH_BEND && e[6].chan == 1 && e[6].value == 8192,
         "pitch bend centre 8192 on channel 1");
  tap_ok(e[7].kind == SB_MIDI_NOTE_ON && e[7].data1 == 64 && e[7].tick == 288, "two-byte delta 0x81 0x40 = 192 ticks");
  tap_near(e[7].time, 2.5, 1e-12, "then 192 ticks at 60 BPM: 0.5 + 2 = 2.5 s");
  tap_ok(e[8].kind == SB_MIDI_NOTE_OFF && e[8].data1 == 64, "note off after a meta event (status byte given)");
  tap_near(e[8].time, 3.5, 1e-12, "tick 384 at 3.5 s");
  tap_near(song->duration, 3.5, 1e-12, "duration = end of the longest track");
  tap_near(sb_midi_tick_time(song, 192), 1.5, 1e-12, "sb_midi_tick_time(192) = 1.5 s");
  sb_midi_free(&song);
  sb_midi_free(&song);
  tap_ok(song == NULL, "free NULLs the pointer and accepts NULL");
}

static void test_smpte_and_errors(void)
{
  unsigned char buf[sizeof two_tracks];
  sb_midi_song *song = NULL;
  sb_msg msg;
  sb_err err;

  /* 25 fps x 40 ticks per frame = 1000 ticks per second. */
  static const unsigned char smpte[] = {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1, 0xE7, 40,
                                        'M', 'T', 'r', 'k', 0, 0, 0, 9,
                                        0x83, 0x74, 0x99, 0x24, 0x70, 0x00, 0xFF, 0x2F, 0x00};
  err = sb_midi_parse(smpte, sizeof smpte, "smpte.mid", &song, &msg);
  tap_ok(err == SB_OK && song->n_events == 1 && song->division == 0, "SMPTE file parses");
  if (!err)
    tap_near(song->events[0].time, 0.5, 1e-12, "tick 500 at 1000 ticks/s = 0.5 s");
  sb_midi_free(&song);

  err = sb_midi_parse((const unsigned char *)"RIFF....WAVE", 12, "a.wav", &song, &msg);
  tap_ok(err == SB_EFORMAT && song == NULL && strstr(msg.text, "a.wav") && strstr(msg.text, "MThd"),
         "not MIDI: %s", msg.text);
  err = sb_midi_parse(two_tracks, sizeof two_tracks - 5, "cut.mid", &song, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "cut.mid") && strstr(msg.text, "declares"), "truncated chunk: %s",
         msg.text);
  err = sb_midi_parse(two_tracks, 14 + 8 + 26, "one.mid", &song, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "2 tracks"), "missing track: %s", msg.text);

  memcpy(buf, two_tracks, sizeof buf);
  buf[14 + 8 + 26 + 8 + 1] = 0x3C; /* track 1 starts with a data byte */
  err = sb_midi_parse(buf, sizeof buf, "run.mid", &song, &msg);
  tap_ok(err == SB_EFORMAT && strstr(msg.text, "without a status byte"), "data byte first: %s", msg.text);
  memcpy(buf, two_tracks, sizeof buf);
  buf[14 + 8 + 26 + 8 + 2] = 0x80; /* program change with a data byte >= 128 */
  err = sb_midi_parse(buf, sizeof buf, "bad.mid", &song, &msg);
  tap_ok(err == SB_EFORMAT && song == NULL, "data byte above 127: %s", msg.text);

  err = sb_midi_read("/nonexistent/song.mid", &song, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "/nonexistent/song.mid"), "missing file is SB_EIO: %s", msg.text);
}

static void test_openmsx(void)
{
  char path[1024];
  sb_midi_song *song = NULL;
  sb_msg msg;
  int64_t n_on = 0, n_off = 0;
  double first_on = -1, last_on = -1;

  snprintf(path, sizeof path, "%s/train_filled_with_cash.mid", SB_MIDI_DIR);
  tap_ok(sb_midi_read(path, &song, &msg) == SB_OK, "%s parses", path);
  if (!song)
    return;
  for (int64_t i = 0; i < song->n_events; i++) {
    if (song->events[i].kind == SB_MIDI_NOTE_ON) {
      n_on++;
      if (first_on < 0)
        first_on = song->events[i].time;
      last_on = song->events[i].time;
    }
    n_off += song->events[i].kind == SB_MIDI_NOTE_OFF;
  }
  /* Expected values from an independent Python SMF parser (development time). */
  tap_ok(song->n_events == 1901, "1901 events kept (Python: 1901)");
  tap_ok(n_on == 941 && n_off == 941, "941 note-ons and 941 note-offs (Python: 941, 941)");
  tap_near(first_on, 0.666666, 1e-9, "first note at 0.666666 s (Python)");
  tap_near(last_on, 69.333264, 1e-9, "last note at 69.333264 s (Python)");
  tap_near(song->duration, 69.888819, 1e-9, "duration 69.888819 s (Python)");
  /* Regression pin of the current implementation. */
  tap_pin(song->duration, "duration");
  sb_midi_free(&song);
}

int main(void)
{
  tap_pins_load("datasets/test-midi.pins");
  test_hand_made();
  test_smpte_and_errors();
  test_openmsx();
  return tap_done();
}
