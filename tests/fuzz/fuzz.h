/*
 * tests/fuzz/fuzz.h — the fuzz targets of sepbench: one entry per input
 * format sepbench parses itself, each taking the bytes of one input.
 *
 * An entry feeds its bytes to the library through the same public
 * function a command uses (in memory where the reader has such an entry,
 * else through a file in a private temporary folder), then checks the
 * reader's contract as its header states it: an error comes with a
 * one-line message and leaves the out-pointer NULL; a success gives a
 * value that keeps the documented invariants.  A broken contract aborts
 * (fuzz_fail), so libFuzzer reports it like a crash and the replay test
 * (test-replay.c) fails on it.
 *
 * The same sources build two ways: with clang and libFuzzer
 * (tests/fuzz/run.sh; libfuzzer.c picks one entry per program) and with
 * the normal build as tests/fuzz/test-replay, which runs every committed
 * seed (tests/fuzz/corpus/NAME/) and crashing input
 * (tests/fuzz/crashers/NAME/) through the entries.
 *
 * Thread-safety: none (one input at a time, as libFuzzer runs them).
 */
#ifndef SB_TESTS_FUZZ_H
#define SB_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "sepbench/error.h"

/* One fuzz target: the name of its corpus folder and its entry.  An entry
 * returns 0 (libFuzzer's convention); a broken contract never returns. */
typedef struct fuzz_target {
  const char *name;
  int (*entry)(const uint8_t *data, size_t size);
} fuzz_target;

/* Every target, in the order run.sh runs them; ends with {NULL, NULL}. */
extern const fuzz_target fuzz_targets[];

/* Every target once, as X(entry, "name"): fuzz_<entry> is its entry point
 * and name its folder and run.sh's name for it. */
#define FUZZ_TARGETS(X)                                                                                                \
  X(json, "json") X(museval, "museval") X(csv, "csv") X(manifest_json, "manifest-json")                                \
  X(manifest_csv, "manifest-csv") X(ini, "ini") X(suites, "suites") X(command, "command") X(midi, "midi")              \
  X(npy, "npy") X(estimates, "estimates") X(audio, "audio") X(stem_mp4, "stem-mp4")
#define FUZZ_DECLARE(entry, name) int fuzz_##entry(const uint8_t *data, size_t size);
FUZZ_TARGETS(FUZZ_DECLARE)
#undef FUZZ_DECLARE

/* Prints "fuzz: contract broken: WHAT (FILE:LINE)" on stderr and aborts. */
_Noreturn void fuzz_fail(const char *what, const char *file, int line);

/* Aborts through fuzz_fail unless cond holds. */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))

/* The contract of a failed call: err is a known code other than SB_ENOMEM
 * (an input of a few KB must not exhaust memory) and msg (when not NULL)
 * one non-empty line.  Aborts otherwise. */
void fuzz_check_error(sb_err err, const sb_msg *msg);

/* Writes size bytes to a file NAME in the process's temporary folder (made
 * on first use under $TMPDIR or /tmp, removed at exit) and returns its
 * path (static storage, valid until the next call).  Aborts when the
 * folder or the file cannot be written: that is the machine's fault, not
 * the input's. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/* The process's temporary folder (see fuzz_file). */
const char *fuzz_dir(void);

/* Splits data at NUL bytes into n_parts strings: parts[i] is the text
 * between the i-th and the (i+1)-th NUL ("" when data has fewer parts;
 * bytes after the n_parts-th NUL are ignored).  Returns the block to
 * free() that holds them.  Aborts on ENOMEM. */
char *fuzz_split(const uint8_t *data, size_t size, const char **parts, int n_parts);

#endif /* SB_TESTS_FUZZ_H */
