/*
 * tests/fuzz/fuzz-midi.c — datasets/midi.c: sb_midi_parse on the input.
 * A song must keep midi.h's promises: events sorted by tick (then track),
 * times finite, >= 0, non-decreasing and equal to sb_midi_tick_time of
 * their tick, the duration at least every event's time, channel messages
 * with 7-bit data, and only the kept meta events.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "datasets/midi.h"
#include "fuzz.h"

/* Checks one event; sb_midi_tick_time (linear in the events) only when
 * with_tick_time, to keep a run fast. */
static void check_event(const sb_midi_song *song, const sb_midi_event *ev, const sb_midi_event *prev,
                        int with_tick_time)
{
  FUZZ_CHECK(ev->tick >= 0 && isfinite(ev->time) && ev->time >= 0);
  FUZZ_CHECK(ev->track >= 0 && ev->track < song->n_tracks);
  FUZZ_CHECK(ev->time <= song->duration);
  FUZZ_CHECK(!with_tick_time || sb_midi_tick_time(song, ev->tick) == ev->time);
  if (prev) {
    FUZZ_CHECK(prev->tick < ev->tick || (prev->tick == ev->tick && prev->track <= ev->track));
    FUZZ_CHECK(prev->time <= ev->time);
  }
  if (ev->kind == 0xFF) {
    FUZZ_CHECK(ev->chan == SB_MIDI_META_TEMPO || ev->chan == SB_MIDI_META_TIME_SIG);
    FUZZ_CHECK(ev->chan != SB_MIDI_META_TEMPO || (ev->value > 0 && ev->value < (1u << 24)));
    return;
  }
  FUZZ_CHECK(ev->kind >= SB_MIDI_NOTE_OFF && ev->kind <= SB_MIDI_PITCH_BEND && (ev->kind & 0x0F) == 0);
  FUZZ_CHECK(ev->chan < 16 && ev->data1 < 128 && ev->data2 < 128);
  FUZZ_CHECK(ev->kind != SB_MIDI_NOTE_ON || ev->data2 > 0);
  FUZZ_CHECK(ev->kind == SB_MIDI_PITCH_BEND ? ev->value < 16384 : ev->value == 0);
}

int fuzz_midi(const uint8_t *data, size_t size)
{
  sb_midi_song *song = NULL;
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_midi_parse(data, size, "in.mid", &song, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(song == NULL);
    FUZZ_CHECK(strncmp(msg.text, "in.mid: ", 8) == 0);
    return 0;
  }
  FUZZ_CHECK(song->format >= 0 && song->format <= 2 && song->n_tracks >= 0 && song->division >= 0);
  FUZZ_CHECK(song->division > 0 || song->seconds_per_tick_smpte > 0);
  FUZZ_CHECK(isfinite(song->duration) && song->duration >= 0);
  FUZZ_CHECK(song->n_events == 0 || song->events != NULL);
  for (int64_t i = 0; i < song->n_events; i++)
    check_event(song, &song->events[i], i ? &song->events[i - 1] : NULL, i < 64 || i == song->n_events - 1);
  sb_midi_free(&song);
  FUZZ_CHECK(song == NULL);
  return 0;
}
