/* tests/common/test-escape.c — common/escape.c: every special character of
 * each format (LaTeX, Markdown table cell, HTML, JSON in UTF-8 and in
 * ASCII, gnuplot), text that passes unchanged, NULL, and ill-formed UTF-8
 * in JSON (each maximal subpart becomes \ufffd, as Python's
 * bytes.decode("utf-8", "replace") does; the expected strings below were
 * derived by hand from Unicode Table 3-7 and agree with Python 3.11).
 * The gnuplot strings are also fed to the gnuplot 5.4 of this machine
 * (`print`), which must print every name back unchanged and run none of
 * the backquoted commands the names hold.  The control characters
 * (sb_control_char, sb_control_char_at, sb_text_printable): each of the
 * 256 bytes against the set escape.h states, and hand-written cases. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/escape.h"
#include "tap.h"

typedef void (*escape_fn)(FILE *f, const char *text);

/* What fn writes for text (malloc'd; NULL when out of memory). */
static char *render(escape_fn fn, const char *text)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (!f)
    return NULL;
  fn(f, text);
  fclose(f);
  return out;
}

/* One case: what fn must write for text. */
typedef struct escape_case {
  escape_fn fn;
  const char *format, *text, *want, *what;
} escape_case;

static const escape_case cases[] = {
  {sb_escape_latex, "latex", "a&b%c$d#e_f{g}h", "a\\&b\\%c\\$d\\#e\\_f\\{g\\}h",
   "& % $ # _ { } get a backslash"},
  {sb_escape_latex, "latex", "~^\\", "\\textasciitilde{}\\textasciicircum{}\\textbackslash{}",
   "~ ^ \\ become text commands"},
  {sb_escape_latex, "latex", "a\nb\tc\rd\x7f" "e", "a b c d e", "control characters become spaces"},
  {sb_escape_latex, "latex", "Don't \"x\" <y> | é", "Don't \"x\" <y> | é",
   "quotes, <, >, | and UTF-8 pass"},
  {sb_escape_latex, "latex", NULL, "", "NULL writes nothing"},
  {sb_escape_markdown, "markdown", "a|b\\c*d_e`f", "a\\|b\\\\c\\*d\\_e\\`f",
   "| \\ * _ ` get a backslash"},
  {sb_escape_markdown, "markdown", "row\nbreak\ttab", "row break tab",
   "a line break cannot end the table row"},
  {sb_escape_markdown, "markdown", "<b>&amp; 'q' \"q\" é", "<b>&amp; 'q' \"q\" é",
   "other text passes"},
  {sb_escape_markdown, "markdown", NULL, "", "NULL writes nothing"},
  {sb_escape_html, "html", "&<>\"'", "&amp;&lt;&gt;&quot;&#39;", "& < > \" ' as entities"},
  {sb_escape_html, "html", "<script>alert('x')</script>",
   "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", "a script tag is inert text"},
  {sb_escape_html, "html", "Rock & Roll", "Rock &amp; Roll", "a track name"},
  {sb_escape_html, "html", "a`b$c\\d é", "a`b$c\\d é", "other text passes"},
  {sb_escape_html, "html", NULL, "", "NULL writes nothing"},
  {sb_escape_json, "json", "\"\\\b\f\n\r\t", "\"\\\"\\\\\\b\\f\\n\\r\\t\"",
   "\" \\ and the five short escapes"},
  {sb_escape_json, "json", "\x01\x1f", "\"\\u0001\\u001f\"", "other control characters as \\u00XX"},
  {sb_escape_json, "json", "/\x7f" "é🎵", "\"/\x7f" "é🎵\"", "/, DEL and valid UTF-8 pass"},
  {sb_escape_json, "json", NULL, "null", "NULL is null"},
  {sb_escape_json, "json", "", "\"\"", "the empty string"},
  {sb_escape_json, "json", "x\xff", "\"x\\ufffd\"", "byte 0xFF becomes \\ufffd"},
  {sb_escape_json, "json", "a\xc3", "\"a\\ufffd\"", "a truncated sequence at the end"},
  {sb_escape_json, "json", "\xe2\x82x", "\"\\ufffdx\"",
   "a truncated 3-byte sequence is one \\ufffd (maximal subpart)"},
  {sb_escape_json, "json", "\xc0\xaf", "\"\\ufffd\\ufffd\"", "an overlong '/' is two"},
  {sb_escape_json, "json", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "a UTF-16 surrogate is three"},
  {sb_escape_json, "json", "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
   "a code point above U+10FFFF is four"},
  {sb_escape_json, "json", "\xef\xbf\xbd", "\"\xef\xbf\xbd\"", "a real U+FFFD passes"},
  {sb_escape_json_ascii, "json ascii", "\"\\\b\f\n\r\t\x01\x1f\x7f" "é🎵/",
   "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f\\u00e9\\ud83c\\udfb5/\"",
   "as Python's json.dumps(ensure_ascii=True)"},
  {sb_escape_json_ascii, "json ascii", "\xff\xe2\x82", "\"\\ufffd\\ufffd\"",
   "ill-formed bytes become \\ufffd"},
  {sb_escape_json_ascii, "json ascii", NULL, "null", "NULL is null"},
  {sb_escape_gnuplot, "gnuplot", "plain", "'plain'", "plain text in single quotes"},
  {sb_escape_gnuplot, "gnuplot", "a'b", "'a'.\"\\047\".'b'", "' as the piece \"\\047\""},
  {sb_escape_gnuplot, "gnuplot", "1\n2", "'1'.\"\\n\".'2'", "a line break as \"\\n\""},
  {sb_escape_gnuplot, "gnuplot", "`x` @y $z \\n \"q\" ;#", "'`x` @y $z \\n \"q\" ;#'",
   "` @ $ \\ \" ; # are plain inside single quotes"},
  {sb_escape_gnuplot, "gnuplot", "t\tr\r\x7f", "'t r  '", "other control characters as spaces"},
  {sb_escape_gnuplot, "gnuplot", NULL, "''", "NULL is the empty string"},
};

static void test_cases(void)
{
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const escape_case *c = &cases[i];
    char *got = render(c->fn, c->text);
    tap_ok(got && strcmp(got, c->want) == 0, "%s: %s (got %s)", c->format, c->what,
           got ? got : "(null)");
    free(got);
  }
}

/* Names that gnuplot would expand or misread if they were not quoted for
 * it: backquotes, $, ", ', \, line breaks, @ macros, ;, #. */
static const char *const hostile[] = {
  "x `touch pwn1`", "$(touch pwn2) $1", "say \"hi\" \\n", "Don't Stop", "''`touch pwn3`''",
  "line 1\nline 2", "@GPVAL_PWD @x", "a; system('touch pwn4') # c", "'", "", "\\'\\",
};

static void test_gnuplot_prints(void)
{
  char dir[] = "/tmp/sb-test-escape-XXXXXX", script[64], cmd[256], line[512];
  FILE *f, *p;
  int n_back = 0, ok = 1;

  /* gnuplot itself: each name printed back as it is, nothing run. */
  if (!mkdtemp(dir)) {
    tap_ok(0, "mkdtemp %s", dir);
    return;
  }
  snprintf(script, sizeof script, "%s/t.gp", dir);
  f = fopen(script, "w");
  if (f) {
    fputs("set print '-'\n", f);
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
      fputs("print ", f);
      sb_escape_gnuplot(f, hostile[i]);
      fputs(".'|end'\n", f);
    }
    fclose(f);
  }
  snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot t.gp 2>&1", dir);
  p = f ? popen(cmd, "r") : NULL;
  tap_ok(p != NULL, "gnuplot runs the script");
  /* Every name ends with "|end"; a name with a line break spans two lines. */
  for (size_t i = 0; p && i < sizeof hostile / sizeof hostile[0]; i++) {
    char want[512] = "", got[512] = "";
    snprintf(want, sizeof want, "%s|end\n", hostile[i]);
    for (int lines = strchr(hostile[i], '\n') ? 2 : 1; lines > 0; lines--)
      if (fgets(line, sizeof line, p))
        strncat(got, line, sizeof got - strlen(got) - 1);
    n_back += strcmp(got, want) == 0;
    if (strcmp(got, want) != 0) {
      ok = 0;
      tap_diag("gnuplot printed '%s' for '%s'", got, hostile[i]);
    }
  }
  tap_ok(p && pclose(p) == 0 && ok, "gnuplot 5.4 prints %d of %zu hostile names back unchanged",
         n_back, sizeof hostile / sizeof hostile[0]);
  for (int k = 1; k <= 4; k++) {
    char pwn[128];
    snprintf(pwn, sizeof pwn, "%s/pwn%d", dir, k);
    tap_ok(access(pwn, F_OK) != 0, "no backquoted or system() command ran (pwn%d absent)", k);
  }
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  tap_ok(system(cmd) == 0, "clean up");
}

/* sb_control_char_at: the offset of the first byte 0x00..0x1f or 0x7f. */
static void test_control_char_at(void)
{
  tap_ok(sb_control_char_at("") == -1 && sb_control_char_at("vocals") == -1, "no control character: -1");
  tap_ok(sb_control_char_at("acc\nt") == 3, "a line break at byte 3");
  tap_ok(sb_control_char_at("\tx") == 0 && sb_control_char_at("ab\x7f") == 2, "a tab at 0, DEL at 2");
  tap_ok(sb_control_char_at("caf\xc3\xa9 \xff") == -1, "UTF-8 and other high bytes are not control characters");
}

/* sb_control_char: exactly the bytes 0x00..0x1f and 0x7f. */
static void test_control_char(void)
{
  int n_control = 0, set_ok = 1;
  for (int c = 0; c < 256; c++) {
    n_control += sb_control_char((unsigned char)c);
    set_ok &= sb_control_char((unsigned char)c) == (c <= 0x1f || c == 0x7f);
  }
  tap_ok(set_ok && n_control == 33, "33 control bytes: 0x00..0x1f and 0x7f (%d found)", n_control);
  tap_ok(sb_control_char(0x01) && sb_control_char(0x1f) && sb_control_char(0x7f), "0x01, 0x1f, DEL");
  tap_ok(!sb_control_char(' ') && !sb_control_char('~') && !sb_control_char(0x80) && !sb_control_char(0xff),
         "space, ~, 0x80, 0xff are not");
}

/* sb_text_printable: what it leaves of text (a copy it edits in place). */
static void check_printable(const char *text, const char *want, const char *what)
{
  char buf[64];
  snprintf(buf, sizeof buf, "%s", text);
  sb_text_printable(buf);
  tap_ok(strcmp(buf, want) == 0, "sb_text_printable: %s", what);
}

static void test_text_printable(void)
{
  check_printable("", "", "empty text stays empty");
  check_printable("vocals", "vocals", "plain ASCII unchanged");
  check_printable("a\x01" "b\x1f" "c\x7f", "a?b?c?", "0x01, 0x1f and DEL become '?'");
  check_printable("line\nbreak\ttab\r", "line?break?tab?", "line break, tab, carriage return become '?'");
  check_printable("\x1b[31mred", "?[31mred", "an escape sequence loses its ESC");
  check_printable("caf\xc3\xa9 \xe2\x99\xaa \xf0\x9f\x8e\xb5 \xc2\x85 \xff",
                  "caf\xc3\xa9 \xe2\x99\xaa \xf0\x9f\x8e\xb5 \xc2\x85 \xff",
                  "UTF-8 multibyte bytes (>= 0x80, C1 in UTF-8 too) and 0xff are kept");
  check_printable(" ~", " ~", "space and ~ (0x20, 0x7e) kept");
  sb_text_printable(NULL);
  tap_ok(1, "sb_text_printable(NULL) does nothing (no crash)");
}

int main(void)
{
  test_cases();
  test_control_char_at();
  test_control_char();
  test_text_printable();
  test_gnuplot_prints();
  return tap_done();
}
