/*
 * datasets/wav_map.c — WAV sample data mapped into memory (see wav_map.h).
 *
 * Reference: the RIFF chunk layout of Microsoft's "Multimedia Programming
 * Interface and Data Specifications 1.0" (chunk id, 32-bit little-endian
 * size, data padded to an even length) and the WAVEFORMATEX /
 * WAVEFORMATEXTENSIBLE fields (format tag, channels, rate, byte rate,
 * block align, bits per sample; the extensible sub-format GUID begins
 * with the real format tag).
 *
 * Workload: 8-16 files of 3-10 minutes per evaluation, each mapped once.
 */
#include <config.h>

#include "datasets/wav_map.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { TAG_PCM = 1, TAG_FLOAT = 3, TAG_EXTENSIBLE = 0xFFFE };

/* The samples are read as the host's int16_t and float: little-endian only. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_LITTLE_ENDIAN 1
#else
#define HOST_LITTLE_ENDIAN 0
#endif

struct sb_wav_map {
  void *base;   /* the mapping, from the start of the file */
  size_t len;   /* bytes mapped */
  size_t data;  /* offset of the samples in the file */
};

/* The fields of a fmt chunk this reader needs. */
typedef struct wav_format {
  unsigned tag, channels, block_align, bits;
} wav_format;

static unsigned get16(const unsigned char *p)
{
  return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
  return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static int read_at(int fd, off_t at, void *buf, size_t n)
{
  return pread(fd, buf, n, at) == (ssize_t)n;
}

/* Reads the fmt chunk of size bytes at offset at; 0 when it is too short. */
static int read_format(int fd, off_t at, uint32_t size, wav_format *f)
{
  unsigned char b[40];
  size_t n = size < sizeof b ? size : sizeof b;
  if (n < 16 || !read_at(fd, at, b, n))
    return 0;
  f->tag = get16(b);
  f->channels = get16(b + 2);
  f->block_align = get16(b + 12);
  f->bits = get16(b + 14);
  if (f->tag == TAG_EXTENSIBLE)
    f->tag = n >= 26 ? get16(b + 24) : 0;
  return 1;
}

/* Walks the chunks of a RIFF/WAVE file of file_size bytes: its format and
 * the offset and size of its data chunk.  0 when it is not such a file or
 * has no fmt chunk before its data. */
static int find_data(int fd, off_t file_size, wav_format *f, off_t *data, uint32_t *data_size)
{
  unsigned char head[12];
  int have_format = 0;
  off_t at = 12;
  if (!read_at(fd, 0, head, sizeof head) || memcmp(head, "RIFF", 4) != 0 || memcmp(head + 8, "WAVE", 4) != 0)
    return 0;
  while (at + 8 <= file_size) {
    unsigned char chunk[8];
    uint32_t size;
    if (!read_at(fd, at, chunk, sizeof chunk))
      return 0;
    size = get32(chunk + 4);
    if (memcmp(chunk, "fmt ", 4) == 0)
      have_format = read_format(fd, at + 8, size, f);
    else if (memcmp(chunk, "data", 4) == 0) {
      *data = at + 8;
      *data_size = size;
      return have_format;
    }
    at += 8 + (off_t)size + (size & 1);
  }
  return 0;
}

/* 1 when the format and data chunk hold frames frames as expected. */
static int fits(const wav_format *f, off_t data, uint32_t data_size, off_t file_size, int n_chan,
                int64_t frames, int sample_bytes)
{
  const unsigned tag = sample_bytes == 2 ? TAG_PCM : TAG_FLOAT;
  const int64_t need = frames * n_chan * sample_bytes;
  return f->tag == tag && f->bits == 8u * (unsigned)sample_bytes && f->channels == (unsigned)n_chan &&
         f->block_align == (unsigned)(n_chan * sample_bytes) && data % sample_bytes == 0 &&
         (int64_t)data_size >= need && data + need <= file_size;
}

/* Maps the first len bytes of fd with their pages populated. */
static sb_err map_file(int fd, size_t len, void **base)
{
  *base = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  if (*base == MAP_FAILED) {
    *base = NULL;
    return SB_EIO;
  }
  return SB_OK;
}

sb_err sb_wav_map_open(const char *path, int n_chan, int64_t frames, int sample_bytes, sb_wav_map **out)
{
  struct stat st;
  wav_format f = {0, 0, 0, 0};
  off_t data = 0;
  uint32_t data_size = 0;
  sb_wav_map *m;
  sb_err err;
  int fd;

  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (!path || n_chan < 1 || frames < 1 || (sample_bytes != 2 && sample_bytes != 4))
    return SB_EINVAL;
  if (!HOST_LITTLE_ENDIAN)
    return SB_EUNSUPPORTED;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return SB_EIO;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return SB_EIO;
  }
  if (!find_data(fd, st.st_size, &f, &data, &data_size) ||
      !fits(&f, data, data_size, st.st_size, n_chan, frames, sample_bytes)) {
    close(fd);
    return SB_EUNSUPPORTED;
  }
  m = calloc(1, sizeof *m);
  if (!m) {
    close(fd);
    return SB_ENOMEM;
  }
  m->data = (size_t)data;
  m->len = (size_t)data + (size_t)frames * (size_t)n_chan * (size_t)sample_bytes;
  err = map_file(fd, m->len, &m->base);
  close(fd);
  if (err) {
    free(m);
    return err;
  }
  *out = m;
  return SB_OK;
}

const void *sb_wav_map_samples(const sb_wav_map *m)
{
  return m ? (const unsigned char *)m->base + m->data : NULL;
}

void sb_wav_map_free(sb_wav_map **m)
{
  if (!m || !*m)
    return;
  munmap((*m)->base, (*m)->len);
  free(*m);
  *m = NULL;
}
