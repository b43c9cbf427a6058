/*
 * datasets/midi.h — a small Standard MIDI File reader for the demo music
 * suite: the channel events of every track merged into one list in time
 * order, with times in seconds from the tempo map.
 *
 * Follows the Standard MIDI File 1.0 specification (MIDI Manufacturers
 * Association, 1996): "MThd" header (format 0, 1 or 2; metrical or SMPTE
 * division), "MTrk" chunks of variable-length delta times, running status,
 * meta events (FF type len data) and SysEx (F0/F7 len data).  Unknown chunks
 * are skipped.  Kept: the channel messages (note on/off, aftertouch, control
 * and program change, channel pressure, pitch bend) and the tempo (FF 51)
 * and time-signature (FF 58) meta events; a note-on with velocity 0 is
 * turned into a note-off.  SysEx and other meta events are dropped.
 * Format 2 files (independent sequences) are merged like format 1.
 *
 * Workload: game-music files of 5-60 KB, parsed once per demo song.
 */
#ifndef SB_DATASETS_MIDI_H
#define SB_DATASETS_MIDI_H

#include <stddef.h>
#include <stdint.h>
#include "sepbench/error.h"

enum {
  SB_MIDI_NOTE_OFF = 0x80,
  SB_MIDI_NOTE_ON = 0x90,
  SB_MIDI_POLY_PRESSURE = 0xA0,
  SB_MIDI_CONTROL = 0xB0,
  SB_MIDI_PROGRAM = 0xC0,
  SB_MIDI_CHAN_PRESSURE = 0xD0,
  SB_MIDI_PITCH_BEND = 0xE0,
  SB_MIDI_META_TEMPO = 0x51, /* type of a kept meta event */
  SB_MIDI_META_TIME_SIG = 0x58
};

typedef struct sb_midi_event {
  double time;    /* seconds from the start of the song, >= 0 */
  int64_t tick;   /* position in division units */
  int track;      /* MTrk chunk index, 0-based */
  uint8_t kind;   /* SB_MIDI_NOTE_OFF .. SB_MIDI_PITCH_BEND (upper nibble of
                     the status byte), or 0xFF for a meta event */
  uint8_t chan;   /* 0..15 for channel messages; the meta type otherwise */
  uint8_t data1;  /* key, controller, program; meta: first data byte */
  uint8_t data2;  /* velocity, value (0 for program/pressure); meta: second */
  uint32_t value; /* pitch bend 0..16383 (8192 = centre); tempo in us per
                     quarter note; time signature numerator << 8 | log2 of the
                     denominator; 0 otherwise */
} sb_midi_event;

typedef struct sb_midi_song {
  int format;            /* 0, 1 or 2 */
  int n_tracks;          /* MTrk chunks read */
  int division;          /* ticks per quarter note (> 0), or 0 for SMPTE */
  double seconds_per_tick_smpte; /* SMPTE division only */
  int64_t n_events;
  sb_midi_event *events; /* sorted by tick, then track, then file order */
  double duration;       /* time of the last event (end of track), seconds */
} sb_midi_song;

/* Parses len bytes of an SMF image; label names the data in messages.
 * SB_EFORMAT ("label: track 2 at byte 1234: truncated event"), SB_ENOMEM.
 * *out is NULL on failure. */
sb_err sb_midi_parse(const unsigned char *buf, size_t len, const char *label, sb_midi_song **out, sb_msg *msg);

/* Reads and parses a file.  SB_EIO (missing or unreadable), SB_EFORMAT,
 * SB_ENOMEM; msg names the file. */
sb_err sb_midi_read(const char *path, sb_midi_song **out, sb_msg *msg);

/* Seconds from the start of the song at tick (>= 0), following the tempo
 * map; for SMPTE division, tick * seconds_per_tick_smpte.  O(n_events). */
double sb_midi_tick_time(const sb_midi_song *song, int64_t tick);

/* Frees a song and sets *song to NULL; accepts NULL. */
void sb_midi_free(sb_midi_song **song);

#endif /* SB_DATASETS_MIDI_H */
