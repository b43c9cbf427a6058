/*
 * tests/fuzz/fuzz-command.c — backends/command.c: command templates.  The
 * input is a backends.ini file, a NUL, a track name, a NUL and a stem
 * name; section [backend fuzz] is loaded with sb_command_backend_load
 * (template checks, word splitting), then one item's argv and output path
 * are expanded (placeholders).  A loaded template must expand to the same
 * number of words whatever the track name (a value never splits), and the
 * output path must lie under {outdir}.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "backends/command.h"
#include "fuzz.h"

static int count_words(char **argv)
{
  int n = 0;
  while (argv[n])
    n++;
  return n;
}

int fuzz_command(const uint8_t *data, size_t size)
{
  static const char outdir[] = "/tmp/sepbench-cmd-XXXXXX/out";
  const char *parts[3];
  char *block = fuzz_split(data, size, parts, 3);
  const char *path = fuzz_file("backends.ini", (const uint8_t *)parts[0], strlen(parts[0]));
  sb_command_backend *cb = NULL;
  char **argv = NULL, **plain = NULL, *output = NULL;
  sb_msg msg;
  sb_err err;

  sb_msg_clear(&msg);
  err = sb_command_backend_load(path, "fuzz", &cb, &msg);
  if (err) {
    fuzz_check_error(err, &msg);
    FUZZ_CHECK(cb == NULL);
    FUZZ_CHECK(strstr(msg.text, path) != NULL);
    free(block);
    return 0;
  }
  FUZZ_CHECK(sb_command_backend_command(cb) != NULL);
  FUZZ_CHECK(sb_command_backend_argv(cb, "/tmp/in put/x.wav", outdir, parts[1], &argv) == SB_OK);
  FUZZ_CHECK(sb_command_backend_argv(cb, "/tmp/in put/x.wav", outdir, NULL, &plain) == SB_OK);
  FUZZ_CHECK(count_words(argv) >= 1 && count_words(argv) == count_words(plain));
  FUZZ_CHECK(sb_command_backend_output(cb, outdir, parts[1], parts[2][0] ? parts[2] : "vocals", &output) ==
             SB_OK);
  FUZZ_CHECK(strncmp(output, outdir, sizeof outdir - 1) == 0 && output[sizeof outdir - 1] == '/');
  free(output);
  sb_command_backend_free_argv(&argv);
  sb_command_backend_free_argv(&plain);
  FUZZ_CHECK(argv == NULL);
  sb_command_backend_free(&cb);
  FUZZ_CHECK(cb == NULL);
  free(block);
  return 0;
}
