/*
 * datasets/midi.c — Standard MIDI File reader (see midi.h).
 *
 * Follows the Standard MIDI File 1.0 specification (MMA, 1996).  Each MTrk
 * chunk is decoded into the shared event list in file order; a stable merge
 * sort by tick then interleaves the tracks (ties keep track order, then file
 * order), and one pass over the merged list converts ticks to seconds with
 * the tempo map (default 120 BPM until the first tempo event).
 *
 * Workload: files of a few thousand events; everything is O(n log n).
 */
#include <config.h>

#include "datasets/midi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
  const unsigned char *buf;
  size_t len;
  const char *label;
  sb_msg *msg;
} reader;

static uint32_t be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static sb_err push_event(sb_midi_song *song, int64_t *cap, const sb_midi_event *ev)
{
  if (song->n_events == *cap) {
    int64_t new_cap = *cap ? 2 * *cap : 1024;
    sb_midi_event *grown;
    if ((uint64_t)new_cap > SIZE_MAX / sizeof *grown)
      return SB_ENOMEM;
    grown = realloc(song->events, (size_t)new_cap * sizeof *grown);
    if (!grown)
      return SB_ENOMEM;
    song->events = grown;
    *cap = new_cap;
  }
  song->events[song->n_events++] = *ev;
  return SB_OK;
}

/* Variable-length quantity of at most 4 bytes at *pos (< end). */
static int read_vlq(const unsigned char *buf, size_t end, size_t *pos, uint32_t *out)
{
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    if (*pos >= end)
      return 0;
    unsigned char b = buf[(*pos)++];
    v = v << 7 | (b & 0x7F);
    if (!(b & 0x80)) {
      *out = v;
      return 1;
    }
  }
  return 0;
}

/* Decodes one MTrk body buf[start, end) into song->events; *last_tick
 * receives the tick of its last event. */
static sb_err parse_track(const reader *r, size_t start, size_t end, int track, sb_midi_song *song,
                          int64_t *cap, int64_t *last_tick)
{
  const unsigned char *buf = r->buf;
  size_t pos = start;
  int64_t tick = 0;
  int running = 0;

  while (pos < end) {
    size_t ev_pos = pos;
    uint32_t delta, len;
    sb_midi_event ev;
    int status;

    if (!read_vlq(buf, end, &pos, &delta))
      return sb_msg_set(r->msg, SB_EFORMAT, "%s: track %d at byte %zu: bad or truncated delta time",
                        r->label, track, ev_pos);
    tick += delta;
    if (pos >= end)
      return sb_msg_set(r->msg, SB_EFORMAT, "%s: track %d at byte %zu: truncated event", r->label, track,
                        ev_pos);
    status = buf[pos];
    if (status & 0x80)
      pos++;
    else if (running)
      status = running;
    else
      return sb_msg_set(r->msg, SB_EFORMAT, "%s: track %d at byte %zu: data byte without a status byte",
                        r->label, track, ev_pos);
    memset(&ev, 0, sizeof ev);
    ev.tick = tick;
    ev.track = track;
    if (status == 0xFF) {
      running = 0;
      if (pos >= end)
        return sb_msg_set(r->msg, SB_EFORMAT, "%s: track %d at byte %zu: truncated meta event", r->label,
                          track, ev_pos);
      int type = buf[pos++];
      if (!read_vlq(buf, end, &pos, &len) || len > end - pos)
        return sb_msg_set(r->msg, SB_EFORMAT, "%s: track %d at byte %zu: truncated meta event", r->label,
                          track, ev_pos);
      const unsigned char *data = buf + pos;
      pos += len;
      if (type == 0x2F)
        break;
      if (type == SB_MIDI_META_TEMPO && len == 3) {
        ev.value = (uint32_t)data[0] << 16 | (uint32_t)data[1] << 8 | data[2];
        if (ev.value == 0)
          return sb_msg_set(r->msg, SB_EFORMAT, "%s: track %d at byte %zu: tempo of 0 us per quarter note",
                            r->label, track, ev_pos);
      } else if (type == SB_MIDI_META_TIME_SIG && len >= 2) {
        ev.value = (uint32_t)data[0] << 8 | data[1];
      } else {
        continue;
      }
      ev.kind = 0xFF;
      ev.chan = (uint8_t)type;
      ev.data1 = data[0];
      ev.data2 = data[1];
    } else if (status == 0xF0 || status == 0xF7) {
      running = 0;
      if (!read_vlq(buf, end, &pos, &len) || len > end - pos)
        return sb_msg_set(r->msg, SB_EFORMAT, "%s: track %d at byte %zu: truncated SysEx event", r->label,
                          track, ev_pos);
      pos += len;
      continue;
    } else if (status >= 0xF0) {
      return sb_msg_set(r->msg, SB_EFORMAT, "%s: track %d at byte %zu: status 0x%02X is not allowed in a file",
                        r->label, track, ev_pos, status);
    } else {
      int kind = status & 0xF0;
      size_t n_data = kind == SB_MIDI_PROGRAM || kind == SB_MIDI_CHAN_PRESSURE ? 1 : 2;
      running = status;
      if (n_data > end - pos)
        return sb_msg_set(r->msg, SB_EFORMAT, "%s: track %d at byte %zu: truncated channel message", r->label,
                          track, ev_pos);
      if ((buf[pos] & 0x80) || (n_data == 2 && (buf[pos + 1] & 0x80)))
        return sb_msg_set(r->msg, SB_EFORMAT, "%s: track %d at byte %zu: data byte above 127", r->label,
                          track, ev_pos);
      ev.kind = (uint8_t)kind;
      ev.chan = (uint8_t)(status & 0x0F);
      ev.data1 = buf[pos];
      ev.data2 = n_data == 2 ? buf[pos + 1] : 0;
      pos += n_data;
      if (kind == SB_MIDI_NOTE_ON && ev.data2 == 0)
        ev.kind = SB_MIDI_NOTE_OFF;
      if (kind == SB_MIDI_PITCH_BEND)
        ev.value = (uint32_t)ev.data2 << 7 | ev.data1;
    }
    sb_err err = push_event(song, cap, &ev);
    if (err)
      return err;
  }
  *last_tick = tick;
  return SB_OK;
}

/* Stable merge sort of the events by tick. */
static sb_err sort_by_tick(sb_midi_event *events, int64_t n)
{
  sb_midi_event *tmp;
  if (n < 2)
    return SB_OK;
  tmp = malloc((size_t)n * sizeof *tmp);
  if (!tmp)
    return SB_ENOMEM;
  for (int64_t width = 1; width < n; width *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * width) {
      int64_t mid = lo + width < n ? lo + width : n;
      int64_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      int64_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi)
        tmp[k++] = events[j].tick < events[i].tick ? events[j++] : events[i++];
      while (i < mid)
        tmp[k++] = events[i++];
      while (j < hi)
        tmp[k++] = events[j++];
    }
    memcpy(events, tmp, (size_t)n * sizeof *tmp);
  }
  free(tmp);
  return SB_OK;
}

/* Seconds at tick, continuing from the tempo segment (seg_tick, seg_time). */
static double tick_time(const sb_midi_song *song, int64_t tick, int64_t seg_tick, double seg_time, uint32_t tempo)
{
  if (song->division == 0)
    return (double)tick * song->seconds_per_tick_smpte;
  return seg_time + (double)(tick - seg_tick) * (double)tempo / (1e6 * song->division);
}

sb_err sb_midi_parse(const unsigned char *buf, size_t len, const char *label, sb_midi_song **out, sb_msg *msg)
{
  sb_err err;
  reader r = {buf, len, label, msg};
  sb_midi_song *song;
  size_t pos;
  uint32_t header_len;
  int declared_tracks;
  int64_t cap = 0, max_tick = 0, seg_tick = 0;
  double seg_time = 0.0;
  uint32_t tempo = 500000;

  *out = NULL;
  if (len < 14 || memcmp(buf, "MThd", 4) != 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: not a Standard MIDI File (no MThd header)", label);
  header_len = be32(buf + 4);
  if (header_len < 6 || header_len > len - 8)
    return sb_msg_set(msg, SB_EFORMAT, "%s: bad MThd length %u", label, (unsigned)header_len);
  song = calloc(1, sizeof *song);
  if (!song)
    return SB_ENOMEM;
  song->format = buf[8] << 8 | buf[9];
  declared_tracks = buf[10] << 8 | buf[11];
  int division = buf[12] << 8 | buf[13];
  if (song->format > 2) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: unknown SMF format %d", label, song->format);
    goto fail;
  }
  if (division & 0x8000) {
    int fps = -(int)(signed char)(division >> 8);
    int ticks_per_frame = division & 0xFF;
    if (fps <= 0 || ticks_per_frame == 0) {
      err = sb_msg_set(msg, SB_EFORMAT, "%s: bad SMPTE division 0x%04X", label, (unsigned)division);
      goto fail;
    }
    song->division = 0;
    song->seconds_per_tick_smpte = 1.0 / ((fps == 29 ? 29.97 : fps) * ticks_per_frame);
  } else if (division == 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: division of 0 ticks per quarter note", label);
    goto fail;
  } else {
    song->division = division;
  }

  pos = 8 + header_len;
  while (pos + 8 <= len) {
    uint32_t chunk_len = be32(buf + pos + 4);
    size_t body = pos + 8;
    if (chunk_len > len - body) {
      err = sb_msg_set(msg, SB_EFORMAT, "%s: chunk at byte %zu declares %u bytes, only %zu remain", label, pos,
                       (unsigned)chunk_len, len - body);
      goto fail;
    }
    if (memcmp(buf + pos, "MTrk", 4) == 0) {
      int64_t last_tick = 0;
      err = parse_track(&r, body, body + chunk_len, song->n_tracks, song, &cap, &last_tick);
      if (err)
        goto fail;
      if (last_tick > max_tick)
        max_tick = last_tick;
      song->n_tracks++;
    }
    pos = body + chunk_len;
  }
  if (song->n_tracks < declared_tracks) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: truncated: the header declares %d tracks, the file holds %d", label,
                     declared_tracks, song->n_tracks);
    goto fail;
  }
  err = sort_by_tick(song->events, song->n_events);
  if (err)
    goto fail;
  for (int64_t i = 0; i < song->n_events; i++) {
    sb_midi_event *ev = &song->events[i];
    ev->time = tick_time(song, ev->tick, seg_tick, seg_time, tempo);
    if (ev->kind == 0xFF && ev->chan == SB_MIDI_META_TEMPO) {
      seg_tick = ev->tick;
      seg_time = ev->time;
      tempo = ev->value;
    }
  }
  song->duration = tick_time(song, max_tick, seg_tick, seg_time, tempo);
  *out = song;
  return SB_OK;

fail:
  sb_midi_free(&song);
  return err;
}

sb_err sb_midi_read(const char *path, sb_midi_song **out, sb_msg *msg)
{
  sb_err err = SB_OK;
  FILE *f;
  unsigned char *buf = NULL;
  long size;

  *out = NULL;
  f = fopen(path, "rb");
  if (!f)
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot read: %s", path, strerror(errno));
    goto done;
  }
  buf = malloc(size ? (size_t)size : 1);
  if (!buf) {
    err = SB_ENOMEM;
    goto done;
  }
  if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
    err = sb_msg_set(msg, SB_EIO, "%s: cannot read: %s", path, strerror(errno));
    goto done;
  }
  err = sb_midi_parse(buf, (size_t)size, path, out, msg);
done:
  free(buf);
  fclose(f);
  return err;
}

double sb_midi_tick_time(const sb_midi_song *song, int64_t tick)
{
  int64_t seg_tick = 0;
  double seg_time = 0.0;
  uint32_t tempo = 500000;

  for (int64_t i = 0; i < song->n_events && song->events[i].tick <= tick; i++) {
    const sb_midi_event *ev = &song->events[i];
    if (ev->kind == 0xFF && ev->chan == SB_MIDI_META_TEMPO) {
      seg_tick = ev->tick;
      seg_time = ev->time;
      tempo = ev->value;
    }
  }
  return tick_time(song, tick, seg_tick, seg_time, tempo);
}

void sb_midi_free(sb_midi_song **song)
{
  if (!song || !*song)
    return;
  free((*song)->events);
  free(*song);
  *song = NULL;
}
