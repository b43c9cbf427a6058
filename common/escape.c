/*
 * common/escape.c — text escaping for LaTeX, Markdown, HTML, JSON and
 * gnuplot (see escape.h).
 *
 * Workload: names of a few to a few hundred bytes, written once per cell
 * of a table or figure; stdio does the buffering.
 */
#include <config.h>

#include "common/escape.h"

#include <string.h>

/* Marks an ill-formed UTF-8 sequence (above every code point). */
#define NOT_UTF8 0x110000u

int sb_control_char(unsigned char c)
{
  return c < 0x20 || c == 0x7f;
}

void sb_escape_latex(FILE *f, const char *text)
{
  for (const char *p = text ? text : ""; *p; p++) {
    if (strchr("&%$#_{}", *p))
      fprintf(f, "\\%c", *p);
    else if (*p == '~')
      fputs("\\textasciitilde{}", f);
    else if (*p == '^')
      fputs("\\textasciicircum{}", f);
    else if (*p == '\\')
      fputs("\\textbackslash{}", f);
    else
      fputc(sb_control_char((unsigned char)*p) ? ' ' : *p, f);
  }
}

void sb_escape_markdown(FILE *f, const char *text)
{
  for (const char *p = text ? text : ""; *p; p++) {
    if (strchr("|\\*_`", *p))
      fputc('\\', f);
    fputc(sb_control_char((unsigned char)*p) ? ' ' : *p, f);
  }
}

void sb_escape_html(FILE *f, const char *text)
{
  for (const char *p = text ? text : ""; *p; p++) {
    switch (*p) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&#39;", f); break;
    default: fputc(*p, f); break;
    }
  }
}

/* Decodes the UTF-8 character at p (Unicode Table 3-7, well-formed byte
 * sequences): returns its length in bytes and its code point in *cp, or,
 * for an ill-formed sequence, the length of its maximal subpart (at least
 * 1; never past the terminating NUL) and *cp = NOT_UTF8. */
static size_t utf8_decode(const unsigned char *p, unsigned *cp)
{
  unsigned c = p[0], lo = 0x80, hi = 0xbf;
  int n_more;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xc2 && c <= 0xdf) {
    n_more = 1;
    c &= 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n_more = 2;
    lo = c == 0xe0 ? 0xa0 : 0x80; /* no overlong form */
    hi = c == 0xed ? 0x9f : 0xbf; /* no surrogate */
    c &= 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n_more = 3;
    lo = c == 0xf0 ? 0x90 : 0x80; /* no overlong form */
    hi = c == 0xf4 ? 0x8f : 0xbf; /* nothing above U+10FFFF */
    c &= 0x07;
  } else {
    *cp = NOT_UTF8;
    return 1;
  }
  for (int k = 1; k <= n_more; k++) {
    if (p[k] < lo || p[k] > hi) {
      *cp = NOT_UTF8;
      return (size_t)k;
    }
    c = (c << 6) | (p[k] & 0x3fu);
    lo = 0x80;
    hi = 0xbf;
  }
  *cp = c;
  return (size_t)n_more + 1;
}

/* sb_escape_json (ascii = 0) and sb_escape_json_ascii (ascii = 1). */
static void json_string(FILE *f, const char *text, int ascii)
{
  static const char short_escape[] = {['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r',
                                      ['\t'] = 't', ['"'] = '"', ['\\'] = '\\'};
  const unsigned char *p = (const unsigned char *)text;
  if (!text) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  while (*p) {
    unsigned cp;
    size_t n = utf8_decode(p, &cp);
    if (cp == NOT_UTF8)
      fputs("\\ufffd", f);
    else if (cp < sizeof short_escape && short_escape[cp])
      fprintf(f, "\\%c", short_escape[cp]);
    else if (cp < 0x20 || (ascii && cp >= 0x7f && cp < 0x10000))
      fprintf(f, "\\u%04x", cp);
    else if (ascii && cp >= 0x10000)
      fprintf(f, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
              0xdc00 + ((cp - 0x10000) & 0x3ff));
    else
      fwrite(p, 1, n, f);
    p += n;
  }
  fputc('"', f);
}

void sb_escape_json(FILE *f, const char *text)
{
  json_string(f, text, 0);
}

void sb_escape_json_ascii(FILE *f, const char *text)
{
  json_string(f, text, 1);
}

void sb_escape_gnuplot(FILE *f, const char *text)
{
  fputc('\'', f);
  for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
    if (*p == '\'')
      fputs("'.\"\\047\".'", f);
    else if (*p == '\n')
      fputs("'.\"\\n\".'", f);
    else
      fputc(sb_control_char(*p) ? ' ' : *p, f);
  }
  fputc('\'', f);
}

int sb_control_char_at(const char *text)
{
  for (const char *p = text; *p; p++)
    if (sb_control_char((unsigned char)*p))
      return (int)(p - text);
  return -1;
}

void sb_text_printable(char *text)
{
  for (char *p = text; p && *p; p++)
    if (sb_control_char((unsigned char)*p))
      *p = '?';
}
