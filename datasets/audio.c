/*
 * datasets/audio.c — float64 audio buffers, libsndfile I/O and libsoxr
 * resampling (see audio.h).
 *
 * References: libsndfile's API (sf_open/sf_readf_double; integer PCM reads
 * as int / 2^(bits-1)), the RIFF/WAVE and RF64 (EBU Tech 3306) chunk layouts
 * for the truncation check, and libsoxr's soxr_oneshot with split float64
 * channels.  Integer PCM is written by this module's own quantiser,
 * round(x * 2^(bits-1)) clipped to the integer range, so that a value k/2^15
 * written as PCM_16 reads back exactly (libsndfile's own double-to-short path
 * scales by 2^15 - 1 and would not round-trip).
 *
 * Workload: whole tracks read once per track (up to ~53 M samples); files
 * are streamed through a 4096-frame interleaved block, never a second copy
 * of the whole track.
 */
#include <config.h>

#include "datasets/audio.h"

#include "datasets/stem_mp4.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <soxr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum { BLOCK_FRAMES = 4096 };

/* Samples (frames x channels) per byte of file up to which a header's
 * frame count is trusted for the first allocation.  Real files stay far
 * below it (PCM <= 1, FLAC about 0.5-2, Vorbis/Opus/MP3 at 6 kbps about
 * 64), so they are allocated once at their exact length; a header that
 * claims more (digital silence in FLAC, or a damaged file: 300 bytes
 * declaring 1.7e9 frames) starts there and grows as samples arrive, so a
 * header alone never makes sepbench allocate more than 2 KB per byte of
 * file. */
enum { TRUSTED_SAMPLES_PER_BYTE = 256 };

/* Reads a little- or big-endian unsigned integer of n bytes. */
static uint64_t read_uint(const unsigned char *p, int n, int big_endian)
{
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v |= (uint64_t)p[big_endian ? n - 1 - i : i] << (8 * i);
  return v;
}

/* The LIST chunk check: no sub-chunk of the LIST chunk at pos (size bytes
 * of content) may reach past the end of the file (file_size bytes).
 * libsndfile 1.2.0 keeps reading such a sub-chunk (an RF64 file whose INFO
 * sub-chunk claims 4 GB kept sf_open busy for minutes: a fuzz finding,
 * tests/fuzz/crashers/audio/), so the file is refused before libsndfile
 * sees it.  An odd-sized sub-chunk is followed by its pad byte unless that
 * byte is printable (writers that omit the pad).  The walk stops at the
 * end of the LIST or of the file, whichever comes first (a LIST claiming
 * megabytes past the end of a small file is walked over the bytes there
 * are: a second fuzz finding). */
static sb_err check_list_chunk(FILE *f, const char *path, uint64_t pos, uint64_t size, uint64_t file_size,
                               int big_endian, sb_msg *msg)
{
  unsigned char buf[9];
  uint64_t at = 4; /* after the list type ("INFO", "adtl") */

  while (at + 8 <= size && pos + 8 + at + 8 <= file_size) {
    uint64_t sub, start = pos + 8 + at;
    if (fseeko(f, (off_t)start, SEEK_SET) != 0 || fread(buf, 1, 8, f) != 8)
      return SB_OK;
    sub = read_uint(buf + 4, 4, big_endian);
    if (sub > file_size - (start + 8))
      return sb_msg_set(msg, SB_EFORMAT, "%s: malformed WAV file: the LIST chunk at byte %llu holds a sub-chunk "
                        "of %llu bytes, past the end of the file (%llu bytes)", path, (unsigned long long)pos,
                        (unsigned long long)sub, (unsigned long long)file_size);
    at += 8 + sub;
    if ((sub & 1) && fseeko(f, (off_t)(pos + 8 + at), SEEK_SET) == 0 && fread(buf + 8, 1, 1, f) == 1 &&
        !(buf[8] >= 0x20 && buf[8] < 0x7F))
      at++;
  }
  return SB_OK;
}

/* The truncation check for RIFF/RIFX/RF64 WAVE files: libsndfile clamps a
 * data chunk that claims more bytes than the file holds and reports only
 * the frames present, so the shortfall is found here by walking the chunks
 * and comparing the data chunk's declared size with the bytes after it;
 * each LIST chunk, before or after the data, is checked too
 * (check_list_chunk).  Sizes 0 and 0xFFFFFFFF mean "unknown" (streamed
 * writers) and pass.  Other files pass untouched. */
static sb_err check_wav_chunks(const char *path, sb_msg *msg)
{
  sb_err err = SB_OK;
  unsigned char head[12], chunk[8], ds64[16];
  FILE *f = fopen(path, "rb");
  struct stat st;
  int big_endian, rf64;
  uint64_t file_size, pos, rf64_data_size = 0;

  if (!f)
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
  if (fstat(fileno(f), &st) != 0 || fread(head, 1, sizeof head, f) != sizeof head)
    goto done;
  file_size = (uint64_t)st.st_size;
  if (memcmp(head + 8, "WAVE", 4) != 0)
    goto done;
  big_endian = memcmp(head, "RIFX", 4) == 0;
  rf64 = memcmp(head, "RF64", 4) == 0;
  if (!big_endian && !rf64 && memcmp(head, "RIFF", 4) != 0)
    goto done;
  pos = 12;
  while (pos + 8 <= file_size) {
    if (fseeko(f, (off_t)pos, SEEK_SET) != 0 || fread(chunk, 1, sizeof chunk, f) != sizeof chunk)
      goto done;
    uint64_t size = read_uint(chunk + 4, 4, big_endian);
    if (rf64 && memcmp(chunk, "ds64", 4) == 0 && size >= 16) {
      if (fread(ds64, 1, sizeof ds64, f) != sizeof ds64)
        goto done;
      rf64_data_size = read_uint(ds64 + 8, 8, 0);
    }
    if (memcmp(chunk, "LIST", 4) == 0 && (err = check_list_chunk(f, path, pos, size, file_size, big_endian, msg)) != SB_OK)
      goto done;
    if (memcmp(chunk, "data", 4) == 0) {
      uint64_t declared = size;
      uint64_t available = file_size - (pos + 8);
      if (rf64 && size == 0xFFFFFFFFu)
        declared = rf64_data_size;
      else if (size == 0xFFFFFFFFu)
        declared = 0;
      if (declared > available)
        err = sb_msg_set(msg, SB_EFORMAT,
                         "%s: truncated WAV file: the data chunk declares %llu bytes but only %llu follow it",
                         path, (unsigned long long)declared, (unsigned long long)available);
      if (err || declared == 0)
        goto done;
      size = declared; /* the chunks after the data (LIST, id3) are walked too */
    }
    pos += 8 + size + (size & 1);
  }
done:
  fclose(f);
  return err;
}

/* Moves the first n_used frames of each channel of a channel-major block
 * with stride old_cap into a new block with stride new_cap. */
static sb_err grow_channels(double **data, int n_chan, int64_t n_used, int64_t old_cap, int64_t new_cap)
{
  double *grown;

  if ((uint64_t)new_cap > SIZE_MAX / sizeof(double) / (size_t)n_chan)
    return SB_ENOMEM;
  grown = malloc((size_t)n_chan * (size_t)new_cap * sizeof *grown);
  if (!grown)
    return SB_ENOMEM;
  for (int c = 0; c < n_chan; c++)
    memcpy(grown + (size_t)c * (size_t)new_cap, *data + (size_t)c * (size_t)old_cap,
           (size_t)n_used * sizeof *grown);
  free(*data);
  *data = grown;
  return SB_OK;
}

/* Opens a file with libsndfile and applies the header checks shared by
 * sb_audio_read and sb_audio_probe: exists, not a directory, not empty,
 * decodable, a sane header, at least one frame, no truncated WAV data
 * chunk.  On success *sf_out is open, *info filled and *file_bytes (when
 * not NULL) holds the file's size. */
static sb_err open_checked(const char *path, SNDFILE **sf_out, SF_INFO *info, int64_t *file_bytes, sb_msg *msg)
{
  sb_err err;
  SNDFILE *sf;
  struct stat st;

  *sf_out = NULL;
  if (stat(path, &st) != 0)
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
  if (S_ISDIR(st.st_mode))
    return sb_msg_set(msg, SB_EIO, "%s: cannot open: is a directory", path);
  if (st.st_size == 0)
    return sb_msg_set(msg, SB_EFORMAT, "%s: empty file (0 bytes), not audio", path);

  /* The WAV chunk checks before libsndfile reads the header (see
   * check_list_chunk); a header whose data chunk declares samples that are
   * not there is truncated, not empty. */
  if ((err = check_wav_chunks(path, msg)) != SB_OK)
    return err;
  memset(info, 0, sizeof *info);
  sf = sf_open(path, SFM_READ, info);
  if (!sf) {
    FILE *probe = fopen(path, "rb");
    if (!probe)
      return sb_msg_set(msg, SB_EIO, "%s: cannot open: %s", path, strerror(errno));
    fclose(probe);
    return sb_msg_set(msg, SB_EFORMAT, "%s: not an audio file libsndfile can read (%s)", path,
                      sf_strerror(NULL));
  }
  if (info->channels < 1 || info->samplerate <= 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: invalid header (%d channels, %d Hz)", path,
                     info->channels, info->samplerate);
    goto fail;
  }
  if (info->frames == 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: empty audio file (0 frames)", path);
    goto fail;
  }
  *sf_out = sf;
  if (file_bytes)
    *file_bytes = (int64_t)st.st_size;
  return SB_OK;

fail:
  sf_close(sf);
  return err;
}

/* 1 for the codecs whose samples after a seek are those of a sequential
 * decode: one sample per word (PCM, float, A-law, mu-law) and FLAC.
 * Lossy codecs (Vorbis, Opus, MP3) and codecs with state across blocks
 * (GSM, some ADPCM) decode differently after a seek. */
static int exact_seek_codec(int format)
{
  int major = format & SF_FORMAT_TYPEMASK;
  if (major == SF_FORMAT_OGG || major == SF_FORMAT_MPEG)
    return 0;
  switch (format & SF_FORMAT_SUBMASK) {
  case SF_FORMAT_PCM_S8:
  case SF_FORMAT_PCM_U8:
  case SF_FORMAT_PCM_16:
  case SF_FORMAT_PCM_24:
  case SF_FORMAT_PCM_32:
  case SF_FORMAT_FLOAT:
  case SF_FORMAT_DOUBLE:
  case SF_FORMAT_ULAW:
  case SF_FORMAT_ALAW:
    return 1;
  default:
    return 0;
  }
}

sb_err sb_audio_probe(const char *path, sb_audio_header *out, sb_msg *msg)
{
  SF_INFO info;
  SNDFILE *sf;
  size_t ref_len;
  int ref_stream;
  sb_err err;

  if (sb_stem_mp4_parse_ref(path, &ref_len, &ref_stream))
    return sb_msg_set(msg, SB_EUNSUPPORTED, "%s: a .stem.mp4 stream has no libsndfile header", path);
  err = open_checked(path, &sf, &info, NULL, msg);
  if (err)
    return err;
  out->n_chan = info.channels;
  out->rate = info.samplerate;
  out->n_samples = info.frames;
  /* MP3 frame counts are estimates; every other format's count is exact. */
  out->exact_count = (info.format & SF_FORMAT_TYPEMASK) != SF_FORMAT_MPEG;
  out->exact_seek = info.seekable && exact_seek_codec(info.format);
  out->format = info.format;
  sf_close(sf);
  return SB_OK;
}

sb_err sb_audio_read(const char *path, sb_audio **out, sb_msg *msg)
{
  sb_err err = SB_OK;
  SF_INFO info;
  SNDFILE *sf = NULL;
  double *block = NULL, *data = NULL;
  sb_audio *a = NULL;
  int64_t n_read = 0, cap, trusted, file_bytes;
  int exact_count, n_chan, ref_stream;
  size_t ref_len;

  *out = NULL;
  if (sb_stem_mp4_parse_ref(path, &ref_len, &ref_stream))
    return sb_stem_mp4_read_ref(path, out, msg);
  err = open_checked(path, &sf, &info, &file_bytes, msg);
  if (err)
    return err;
  int major = info.format & SF_FORMAT_TYPEMASK;
  /* MP3 frame counts are estimates; every other format's count is exact. */
  exact_count = major != SF_FORMAT_MPEG;
  n_chan = info.channels;
  cap = info.frames > 0 && info.frames < SF_COUNT_MAX ? info.frames : BLOCK_FRAMES;
  trusted = file_bytes / n_chan > INT64_MAX / TRUSTED_SAMPLES_PER_BYTE ? INT64_MAX
                                                                      : file_bytes / n_chan * TRUSTED_SAMPLES_PER_BYTE;
  if (cap > trusted)
    cap = trusted > BLOCK_FRAMES ? trusted : BLOCK_FRAMES;
  if ((uint64_t)cap > SIZE_MAX / sizeof(double) / (size_t)n_chan) {
    err = sb_msg_set(msg, SB_ENOMEM, "%s: too long to hold in memory (%lld frames)", path,
                     (long long)info.frames);
    goto fail;
  }
  data = malloc((size_t)n_chan * (size_t)cap * sizeof *data);
  block = malloc((size_t)n_chan * BLOCK_FRAMES * sizeof *block);
  if (!data || !block) {
    err = SB_ENOMEM;
    goto fail;
  }
  for (;;) {
    sf_count_t got = sf_readf_double(sf, block, BLOCK_FRAMES);
    if (got <= 0)
      break;
    if (n_read + got > cap) {
      int64_t new_cap = cap * 2 > n_read + got ? cap * 2 : n_read + got;
      /* Up to the declared length while the samples keep coming. */
      if (info.frames >= n_read + got && new_cap > info.frames)
        new_cap = info.frames;
      err = grow_channels(&data, n_chan, n_read, cap, new_cap);
      if (err)
        goto fail;
      cap = new_cap;
    }
    for (int c = 0; c < n_chan; c++) {
      double *dst = data + (size_t)c * (size_t)cap + (size_t)n_read;
      const double *src = block + c;
      for (sf_count_t i = 0; i < got; i++)
        dst[i] = src[i * n_chan];
    }
    n_read += got;
  }
  if (sf_error(sf) != SF_ERR_NO_ERROR || (exact_count && n_read < info.frames)) {
    err = sb_audio_shortfall_msg(msg, path, info.frames, n_read,
                                 sf_error(sf) != SF_ERR_NO_ERROR ? sf_strerror(sf) : NULL);
    goto fail;
  }
  if (n_read == 0) {
    err = sb_msg_set(msg, SB_EFORMAT, "%s: empty audio file (0 frames)", path);
    goto fail;
  }
  a = malloc(sizeof *a);
  if (!a) {
    err = SB_ENOMEM;
    goto fail;
  }
  if (n_read < cap) {
    /* Close the gaps between channels, then give back the slack. */
    for (int c = 1; c < n_chan; c++)
      memmove(data + (size_t)c * (size_t)n_read, data + (size_t)c * (size_t)cap,
              (size_t)n_read * sizeof *data);
    double *shrunk = realloc(data, (size_t)n_chan * (size_t)n_read * sizeof *data);
    if (shrunk)
      data = shrunk;
  }
  a->n_chan = n_chan;
  a->n_samples = n_read;
  a->rate = info.samplerate;
  a->data = data;
  free(block);
  sf_close(sf);
  *out = a;
  return SB_OK;

fail:
  free(block);
  free(data);
  sf_close(sf);
  return err;
}

/* Container chosen by the file name's extension. */
static sb_err container_for(const char *path, sb_sample_format fmt, int n_bytes_large, int *format, sb_msg *msg)
{
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  int subtype;

  if (!dot || (slash && dot < slash))
    dot = "";
  switch (fmt) {
  case SB_PCM_16: subtype = SF_FORMAT_PCM_16; break;
  case SB_PCM_24: subtype = SF_FORMAT_PCM_24; break;
  case SB_FLOAT32: subtype = SF_FORMAT_FLOAT; break;
  case SB_FLOAT64: subtype = SF_FORMAT_DOUBLE; break;
  default: return sb_msg_set(msg, SB_EINVAL, "%s: unknown sample format %d", path, (int)fmt);
  }
  if (strcasecmp(dot, ".flac") == 0) {
    if (fmt != SB_PCM_16 && fmt != SB_PCM_24)
      return sb_msg_set(msg, SB_EINVAL, "%s: FLAC holds 16- or 24-bit integer samples only", path);
    *format = SF_FORMAT_FLAC | subtype;
  } else if (strcasecmp(dot, ".ogg") == 0) {
    *format = SF_FORMAT_OGG | SF_FORMAT_VORBIS;
  } else if (strcasecmp(dot, ".mp3") == 0) {
    *format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
  } else if (strcasecmp(dot, ".wav") == 0 || dot[0] == '\0') {
    *format = (n_bytes_large ? SF_FORMAT_RF64 : SF_FORMAT_WAV) | subtype;
  } else {
    return sb_msg_set(msg, SB_EINVAL, "%s: unsupported extension '%s' (use .wav, .flac, .ogg or .mp3)",
                      path, dot);
  }
  return SB_OK;
}

static short quantise_16(double x)
{
  double y = x * 32768.0;
  if (y >= 32767.0)
    return 32767;
  if (y <= -32768.0)
    return -32768;
  if (y != y)
    return 0;
  return (short)lrint(y);
}

/* 24-bit value scaled into the top three bytes of an int, as libsndfile's
 * sf_writef_int expects for PCM_24. */
static int quantise_24(double x)
{
  double y = x * 8388608.0;
  long v;
  if (y >= 8388607.0)
    v = 8388607;
  else if (y <= -8388608.0)
    v = -8388608;
  else if (y != y)
    v = 0;
  else
    v = lrint(y);
  return (int)(v * 256);
}

sb_err sb_audio_write(const char *path, const sb_audio *a, sb_sample_format fmt, sb_msg *msg)
{
  sb_err err = SB_OK;
  SF_INFO info;
  SNDFILE *sf = NULL;
  void *block = NULL;
  int format = 0, n_chan = a->n_chan;
  size_t sample_size;
  uint64_t n_bytes;

  if (a->n_chan < 1 || a->n_samples < 0 || a->rate <= 0)
    return sb_msg_set(msg, SB_EINVAL, "%s: invalid audio buffer (%d channels, %lld frames, %d Hz)", path,
                      a->n_chan, (long long)a->n_samples, a->rate);
  sample_size = fmt == SB_PCM_16 ? 2 : fmt == SB_PCM_24 ? 3 : fmt == SB_FLOAT32 ? 4 : 8;
  n_bytes = (uint64_t)a->n_samples * (uint64_t)n_chan * sample_size;
  err = container_for(path, fmt, n_bytes > 0xFFFFF000u, &format, msg);
  if (err)
    return err;
  memset(&info, 0, sizeof info);
  info.channels = n_chan;
  info.samplerate = a->rate;
  info.format = format;
  if (!sf_format_check(&info))
    return sb_msg_set(msg, SB_EINVAL, "%s: libsndfile cannot write this format with %d channels at %d Hz",
                      path, n_chan, a->rate);
  sf = sf_open(path, SFM_WRITE, &info);
  if (!sf)
    return sb_msg_set(msg, SB_EIO, "%s: cannot create: %s", path, sf_strerror(NULL));
  /* No PEAK chunk: its timestamp would make identical audio differ in bytes. */
  sf_command(sf, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
  block = malloc((size_t)n_chan * BLOCK_FRAMES * sizeof(double));
  if (!block) {
    err = SB_ENOMEM;
    goto done;
  }
  for (int64_t start = 0; start < a->n_samples; start += BLOCK_FRAMES) {
    int64_t len = a->n_samples - start < BLOCK_FRAMES ? a->n_samples - start : BLOCK_FRAMES;
    sf_count_t wrote;
    if (fmt == SB_PCM_16 && (format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_16) {
      short *s = block;
      for (int c = 0; c < n_chan; c++) {
        const double *src = sb_audio_chan(a, c) + start;
        for (int64_t i = 0; i < len; i++)
          s[i * n_chan + c] = quantise_16(src[i]);
      }
      wrote = sf_writef_short(sf, s, len);
    } else if (fmt == SB_PCM_24 && (format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_24) {
      int *s = block;
      for (int c = 0; c < n_chan; c++) {
        const double *src = sb_audio_chan(a, c) + start;
        for (int64_t i = 0; i < len; i++)
          s[i * n_chan + c] = quantise_24(src[i]);
      }
      wrote = sf_writef_int(sf, s, len);
    } else {
      double *s = block;
      for (int c = 0; c < n_chan; c++) {
        const double *src = sb_audio_chan(a, c) + start;
        for (int64_t i = 0; i < len; i++)
          s[i * n_chan + c] = src[i];
      }
      wrote = sf_writef_double(sf, s, len);
    }
    if (wrote != len) {
      err = sb_msg_set(msg, SB_EIO, "%s: write failed: %s", path, sf_strerror(sf));
      goto done;
    }
  }
done:
  free(block);
  if (sf_close(sf) != 0 && !err)
    err = sb_msg_set(msg, SB_EIO, "%s: cannot finish writing: %s", path, sf_strerror(NULL));
  if (err)
    remove(path);
  return err;
}

sb_err sb_audio_resample(const sb_audio *a, int rate, sb_audio **out, sb_msg *msg)
{
  sb_err err;
  sb_audio *r = NULL;
  const double **in_chans = NULL;
  double **out_chans = NULL;
  double *scratch = NULL;
  int64_t n_out;
  size_t done_out = 0, cap_out;
  soxr_error_t soxr_err;
  soxr_io_spec_t io_spec;
  soxr_quality_spec_t q_spec;

  *out = NULL;
  if (rate <= 0 || a->rate <= 0 || a->n_chan < 1 || a->n_samples < 0)
    return sb_msg_set(msg, SB_EINVAL, "cannot resample %d Hz audio to %d Hz", a->rate, rate);
  /* round(n * rate / a->rate), half up, in exact integer arithmetic. */
  n_out = (a->n_samples * 2 * (int64_t)rate + a->rate) / (2 * (int64_t)a->rate);
  err = sb_audio_new(&r, a->n_chan, n_out, rate);
  if (err)
    return err;
  if (rate == a->rate || a->n_samples == 0) {
    if (a->n_samples > 0)
      memcpy(r->data, a->data, (size_t)a->n_chan * (size_t)a->n_samples * sizeof *a->data);
    *out = r;
    return SB_OK;
  }
  /* soxr may deliver a few samples more than the rounded length: give it
   * room, then keep exactly n_out per channel. */
  cap_out = (size_t)n_out + 64;
  in_chans = malloc((size_t)a->n_chan * sizeof *in_chans);
  out_chans = malloc((size_t)a->n_chan * sizeof *out_chans);
  scratch = malloc((size_t)a->n_chan * cap_out * sizeof *scratch);
  if (!in_chans || !out_chans || !scratch) {
    err = SB_ENOMEM;
    goto fail;
  }
  for (int c = 0; c < a->n_chan; c++) {
    in_chans[c] = sb_audio_chan(a, c);
    out_chans[c] = scratch + (size_t)c * cap_out;
  }
  io_spec = soxr_io_spec(SOXR_FLOAT64_S, SOXR_FLOAT64_S);
  q_spec = soxr_quality_spec(SOXR_VHQ, 0);
  soxr_err = soxr_oneshot((double)a->rate, (double)rate, (unsigned)a->n_chan, (soxr_cbuf_t)in_chans,
                          (size_t)a->n_samples, NULL, (soxr_buf_t)out_chans, cap_out, &done_out, &io_spec,
                          &q_spec, NULL);
  if (soxr_err) {
    err = sb_msg_set(msg, SB_EINVAL, "resampling %d Hz to %d Hz failed: %s", a->rate, rate, soxr_err);
    goto fail;
  }
  for (int c = 0; c < a->n_chan; c++) {
    size_t keep = done_out < (size_t)n_out ? done_out : (size_t)n_out;
    memcpy(sb_audio_chan(r, c), out_chans[c], keep * sizeof(double));
  }
  free(scratch);
  free(out_chans);
  free(in_chans);
  *out = r;
  return SB_OK;

fail:
  free(scratch);
  free(out_chans);
  free(in_chans);
  sb_audio_free(&r);
  return err;
}

sb_err sb_audio_shortfall_msg(sb_msg *msg, const char *path, int64_t declared, int64_t n_read,
                              const char *error_text)
{
  if (error_text)
    return sb_msg_set(msg, SB_EFORMAT, "%s: read error after %lld frames: %s", path, (long long)n_read,
                      error_text);
  return sb_msg_set(msg, SB_EFORMAT, "%s: truncated: the header declares %lld frames, only %lld could be read",
                    path, (long long)declared, (long long)n_read);
}

sb_err sb_audio_nonfinite_msg(sb_msg *msg, const char *label, double value, int c, int64_t i)
{
  return sb_msg_set(msg, SB_ENONFINITE, "%s: %s at channel %d, sample %lld", label ? label : "audio",
                    isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf", c, (long long)i);
}

sb_err sb_audio_check_finite(const sb_audio *a, const char *label, sb_msg *msg)
{
  for (int c = 0; c < a->n_chan; c++) {
    const double *x = sb_audio_chan(a, c);
    for (int64_t i = 0; i < a->n_samples; i++) {
      if (isfinite(x[i]))
        continue;
      return sb_audio_nonfinite_msg(msg, label, x[i], c, i);
    }
  }
  return SB_OK;
}

sb_err sb_audio_fit_length(sb_audio *a, int64_t n_samples)
{
  int64_t old = a->n_samples;
  size_t n_chan = (size_t)a->n_chan;
  double *data;

  if (n_samples < 0)
    return SB_EINVAL;
  if (n_samples == old)
    return SB_OK;
  if ((uint64_t)n_samples > SIZE_MAX / sizeof(double) / n_chan)
    return SB_ENOMEM;
  if (n_samples < old) {
    for (size_t c = 1; c < n_chan; c++)
      memmove(a->data + c * (size_t)n_samples, a->data + c * (size_t)old, (size_t)n_samples * sizeof *data);
    data = realloc(a->data, (n_samples ? n_chan * (size_t)n_samples : 1) * sizeof *data);
    if (data)
      a->data = data;
  } else {
    data = realloc(a->data, n_chan * (size_t)n_samples * sizeof *data);
    if (!data)
      return SB_ENOMEM;
    for (size_t c = n_chan; c-- > 0;) {
      memmove(data + c * (size_t)n_samples, data + c * (size_t)old, (size_t)old * sizeof *data);
      memset(data + c * (size_t)n_samples + old, 0, (size_t)(n_samples - old) * sizeof *data);
    }
    a->data = data;
  }
  a->n_samples = n_samples;
  return SB_OK;
}

/* A new buffer with n_chan channels: a copy, a mean (downmix to mono), or a
 * mono signal copied to every channel.  SB_ECHAN otherwise. */
static sb_err convert_channels(const sb_audio *in, int n_chan, sb_audio **out)
{
  sb_err err;

  *out = NULL;
  if (in->n_chan != n_chan && n_chan != 1 && in->n_chan != 1)
    return SB_ECHAN;
  err = sb_audio_new(out, n_chan, in->n_samples, in->rate);
  if (err)
    return err;
  for (int c = 0; c < n_chan; c++) {
    double *y = sb_audio_chan(*out, c);
    if (in->n_chan == n_chan) {
      memcpy(y, sb_audio_chan(in, c), (size_t)in->n_samples * sizeof *y);
    } else if (in->n_chan == 1) {
      memcpy(y, in->data, (size_t)in->n_samples * sizeof *y);
    } else {
      for (int k = 0; k < in->n_chan; k++) {
        const double *x = sb_audio_chan(in, k);
        for (int64_t i = 0; i < in->n_samples; i++)
          y[i] += x[i];
      }
      for (int64_t i = 0; i < in->n_samples; i++)
        y[i] /= in->n_chan;
    }
  }
  return SB_OK;
}

sb_err sb_audio_convert(const sb_audio *a, int n_chan, int rate, sb_audio **out, sb_msg *msg)
{
  sb_audio *mixed = NULL;
  sb_err err;

  *out = NULL;
  if (n_chan < 1)
    return sb_msg_set(msg, SB_EINVAL, "cannot convert audio to %d channels", n_chan);
  err = convert_channels(a, n_chan, &mixed);
  if (err == SB_ECHAN)
    return sb_msg_set(msg, err, "%d channels cannot be converted to %d", a->n_chan, n_chan);
  if (err)
    return err;
  if (mixed->rate == rate) {
    *out = mixed;
    return SB_OK;
  }
  err = sb_audio_resample(mixed, rate, out, msg);
  sb_audio_free(&mixed);
  return err;
}
