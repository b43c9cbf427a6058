/*
 * common/escape.h — text written into other languages: LaTeX, Markdown
 * table cells, HTML, JSON strings and gnuplot strings.  One function per
 * target language, used by every writer of sepbench (leaderboards, paper
 * tables, the HTML report, museval export, eval's JSON, figures), so a name
 * of a method, track, target or suite reaches each format the same way.
 * (CSV fields: common/csv.h, sb_csv_write_field.)
 *
 * Each function writes the escaped form of the NUL-terminated text to f
 * and reports nothing: the caller checks ferror(f) once at the end, as for
 * any stdio output.  Text is taken as bytes (UTF-8 passes through) except
 * by the JSON writers, which decode UTF-8.  NULL text writes nothing (JSON:
 * the token null).
 *
 * References: the ten LaTeX special characters # $ % & ~ _ ^ \ { }
 * (Lamport, "LaTeX: A Document Preparation System", 2nd ed.); the GitHub
 * Flavored Markdown spec (tables extension: '|' inside a cell escaped with
 * a backslash; backslash escapes of ASCII punctuation); the HTML Living
 * Standard, "Serializing HTML fragments" (escaping & < > and quotes;
 * &#39; for the apostrophe, safe in text and in either attribute quoting);
 * RFC 8259 §7 (JSON strings) and §8.1 (UTF-8); the Unicode Standard §3.9
 * (U+FFFD substitution of maximal subparts); gnuplot 5.4 "help quotes",
 * "help substitution" and "help macros" (see sb_escape_gnuplot).
 *
 * Thread-safety: reentrant; calls on one FILE follow stdio's rules.
 */
#ifndef SB_COMMON_ESCAPE_H
#define SB_COMMON_ESCAPE_H

#include <stdio.h>

/* Control characters, for every writer and check of sepbench: the bytes
 * 0x00 to 0x1f (C0: a line break, a carriage return, a tab, an escape) and
 * 0x7f (DEL); nothing else, so UTF-8 (bytes from 0x80 up) passes.  One
 * definition, used by the escape functions below, by the checks that refuse
 * such names before a message quotes them on one line, and by the writers
 * that show such bytes in a message in a form of their own. */

/* 1 when the byte c is a control character, 0 when not. */
int sb_control_char(unsigned char c);

/* The byte offset of the first control character of the NUL-terminated
 * text, -1 when there is none. */
int sb_control_char_at(const char *text);

/* Replaces, in place, every control character of the NUL-terminated text
 * with '?', so that a message quoting text stays one line and no byte of a
 * file reaches the terminal raw; other bytes (UTF-8 included) are kept and
 * the length is unchanged.  NULL does nothing. */
void sb_text_printable(char *text);

/* LaTeX text (captions, tabular cells): & % $ # _ { } as \& \% \$ \# \_ \{
 * \}; ~ ^ \ as \textasciitilde{} \textasciicircum{} \textbackslash{};
 * control characters (bytes < 0x20 and 0x7f, e.g. a line break, which
 * would end a paragraph inside a table) as a space; other bytes as they
 * are. */
void sb_escape_latex(FILE *f, const char *text);

/* A Markdown table cell: | \ * _ ` preceded by a backslash; control
 * characters as a space (a line break would end the table row); other bytes
 * as they are. */
void sb_escape_markdown(FILE *f, const char *text);

/* HTML text and attribute values (double- or single-quoted): & < > " ' as
 * &amp; &lt; &gt; &quot; &#39;; other bytes as they are. */
void sb_escape_html(FILE *f, const char *text);

/* A JSON string literal, quotes included; NULL as null.  " and \ as \" and
 * \\; backspace, form feed, line feed, carriage return and tab as \b \f \n
 * \r \t; other characters below U+0020 as \u00XX (lower-case hex); valid
 * UTF-8 as it is.  The output is always valid UTF-8: each ill-formed
 * sequence of the input (a byte that cannot start a character such as
 * 0xFF, a truncated or overlong sequence, a surrogate, a code point above
 * U+10FFFF) becomes \ufffd (U+FFFD REPLACEMENT CHARACTER), one per maximal
 * subpart as Unicode §3.9 (U+FFFD substitution) recommends, the same as
 * Python's bytes.decode("utf-8", "replace"). */
void sb_escape_json(FILE *f, const char *text);

/* The same in ASCII only, as Python's json.dumps(ensure_ascii=True) writes
 * it (museval's track files): every character from U+007F up as \uXXXX,
 * above U+FFFF as a UTF-16 surrogate pair "\ud83c\udfb5". */
void sb_escape_json_ascii(FILE *f, const char *text);

/* A gnuplot string expression that evaluates to text and that gnuplot
 * never expands: usable wherever gnuplot 5.4 takes a string (titles,
 * labels, tic labels, key entries).  gnuplot runs `...` (backquote command
 * substitution) anywhere on a command line except inside single-quoted
 * strings, expands @name macros outside quotes (its macro scanner toggles
 * on every ' and " independently), and interprets backslash escapes in
 * double-quoted strings only.  So the text goes out as single-quoted
 * pieces, in which only ' is special, joined by gnuplot's string
 * concatenation '.': a quote becomes the piece "\047" and a line break the
 * piece "\n" (double-quoted, holding neither ' nor ` nor @), so that every
 * ' of the output opens or closes a single-quoted piece and every byte of
 * the text lies inside one.  Other control characters (bytes < 0x20 and
 * 0x7f) become spaces.  Examples: a'b -> 'a'."\047".'b'; "" -> ''. */
void sb_escape_gnuplot(FILE *f, const char *text);

#endif /* SB_COMMON_ESCAPE_H */
