/*
 * backends/command.h — the command backend (`--backends cmd:NAME`):
 * runs any external separator program, described by a section of an INI
 * file, once per track.
 *
 * Config file: --backend-config PATH, else $XDG_CONFIG_HOME/sepbench/
 * backends.ini (XDG_CONFIG_HOME unset or relative: $HOME/.config).
 * Syntax: the INI dialect of common/ini.h: "[backend NAME]" starts a
 * section; "key = value" lines; blank lines and lines starting with '#' or
 * ';' are ignored (no inline comments); a section or a key given twice is
 * an error, in any section.  Keys:
 *
 *   command  = argv template (required).  Split into words at blanks; '...'
 *              and "..." group words (a backslash escapes the next
 *              character outside '...').  Placeholders, replaced inside
 *              each word AFTER splitting, so a value never splits or
 *              re-quotes: {input} (the mixture written as
 *              <tmp>/input/<track>.wav, float32), {outdir} (an empty
 *              folder for the outputs), {track}, {rate}, {channels};
 *              "{{" and "}}" are literal braces.  The program runs through
 *              fork/exec with this argv, never through a shell.
 *   outputs  = path template of one estimate (required): {stem} (the
 *              program's stem name), {outdir}, {track}, {rate}, {channels}.
 *              It must name a file under {outdir}: start with "{outdir}/"
 *              and hold no ".." component (refused when the file is read);
 *              {outdir} is emptied before every attempt, and an output that
 *              is a symbolic link or whose real path leaves {outdir} fails
 *              the item, so only files the program just wrote are scored.
 *   stems    = comma-separated program stems, each "stem" or
 *              "stem=target" (e.g. "vocals, no_vocals=accompaniment");
 *              default: the suite's target names.  Every target of the
 *              suite must be produced by some stem.
 *   rate     = sample rate the program expects, Hz (required);
 *   channels = channel count it expects, 1 or 2 (required).  sepbench
 *              converts the mixture to rate/channels (libsoxr; downmix by
 *              averaging, upmix by copying a mono signal) and converts the
 *              outputs back to the track's rate and channels, then pads or
 *              truncates them to the track's length.
 *   timeout  = seconds per attempt, in [0.001, 1e7] (default 3600; nan
 *              and inf are refused); on expiry the program's process group
 *              is killed.
 *   retries  = extra attempts after a failure, 0..10 (default 0).
 *   tmpdir   = where the per-item temporary folder is made (default
 *              $TMPDIR, else /tmp); it is removed after the item.
 *
 * Failures — the program cannot be started, exits non-zero, is killed,
 * times out, or an output is missing, unreadable, not finite or of a
 * channel count that cannot be converted — make the item fail with a
 * one-line reason that ends with the tail of the program's stderr; the run
 * goes on.  Crashes of the program never affect sepbench.
 *
 * Workload: one program run per (track, backend), seconds to minutes.
 * Thread-safety: a loaded backend is read-only; sb_command_backend_separate
 * may run concurrently on it (each call has its own temporary folder).
 */
#ifndef SB_BACKENDS_COMMAND_H
#define SB_BACKENDS_COMMAND_H

#include <signal.h>
#include <stddef.h>
#include "sepbench/backend.h"
#include "sepbench/error.h"

typedef struct sb_command_backend sb_command_backend;

/* Default config file path (see above) into buf.  SB_ENOTFOUND when
 * neither XDG_CONFIG_HOME (absolute) nor HOME is set, SB_EINVAL when it
 * does not fit. */
sb_err sb_command_backend_default_config(char *buf, size_t len);

/* Loads section [backend name] of the INI file config_path (NULL = the
 * default path) and checks it.  *out is NULL on failure.  Errors (msg
 * names the file, and the line when there is one): SB_EINVAL (NULL name or
 * out), SB_EIO (cannot read the file), SB_ENOTFOUND (no such section; the
 * message lists the sections there are), SB_EFORMAT (syntax error, unknown
 * or repeated key, missing command/outputs/rate/channels, bad number,
 * unknown placeholder, unbalanced quote or brace), SB_ENOMEM. */
sb_err sb_command_backend_load(const char *config_path, const char *name, sb_command_backend **out, sb_msg *msg);

/* The command template as written in the file (for provenance). */
const char *sb_command_backend_command(const sb_command_backend *cb);

/* The argv of one item, as sb_command_backend_separate runs it: the
 * command's words (split when the file was read) with {input}, {outdir},
 * {track} (NULL = "") and the config's {rate} and {channels} replaced
 * inside each word, "{{" and "}}" as single braces; a value is inserted
 * verbatim (never split, quoted or expanded again).  *argv holds one
 * string per word and a NULL; free it with sb_command_backend_free_argv.
 * SB_EINVAL (NULL cb, input, outdir or argv), SB_ENOMEM; *argv is NULL on
 * failure. */
sb_err sb_command_backend_argv(const sb_command_backend *cb, const char *input, const char *outdir,
                               const char *track, char ***argv);

/* Frees an argv from sb_command_backend_argv and sets *argv to NULL;
 * accepts NULL and *argv == NULL. */
void sb_command_backend_free_argv(char ***argv);

/* The path where the program writes stem's output for one item: the
 * outputs template with {outdir}, {track} (NULL = ""), {stem}, {rate} and
 * {channels} replaced (as sb_command_backend_argv).  *path is allocated.
 * SB_EINVAL (NULL cb, outdir, stem or path), SB_ENOMEM. */
sb_err sb_command_backend_output(const sb_command_backend *cb, const char *outdir, const char *track,
                                 const char *stem, char **path);

/* Runs the program on job->mix and fills job->est[t] for every target
 * (job->refs is ignored).  On failure job->errbuf gets "cmd:NAME on
 * 'TRACK': <reason>".  cancel: see sb_subprocess_run (NULL = never;
 * SB_EINTERRUPT once it is set, the program killed).  Errors: SB_EINVAL (malformed job), SB_EBACKEND
 * (cannot start, non-zero exit, killed, missing target), SB_ETIMEOUT,
 * SB_EFORMAT (missing or malformed output), SB_ECHAN, SB_ENONFINITE,
 * SB_EIO (temporary files), SB_ENOMEM. */
sb_err sb_command_backend_separate(const sb_command_backend *cb, const sb_separation *job,
                                   const volatile sig_atomic_t *cancel);

/* Frees; accepts NULL and *cb == NULL; sets *cb to NULL. */
void sb_command_backend_free(sb_command_backend **cb);

#endif /* SB_BACKENDS_COMMAND_H */
