/*
 * tests/backends/test-isolate.c — backends/isolate.c: a callback in a forked
 * child with a shared region; its exit code, a crash, a time limit that
 * kills a hanging child (and does not delay one that ends at once), a
 * cancel flag set by another thread, and bad arguments.
 *
 * Expected values are facts of the callbacks below (the exit code they
 * return, the signal they raise); times are checked against the limits
 * given, with slack for a loaded machine.
 */
#include <config.h>

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "backends/isolate.h"
#include "tap.h"
#include "tests/backends/cancel_later.h"

typedef struct region {
  int64_t value;
  char text[32];
} region;

static int write_and_exit(void *ctx, void *shared)
{
  region *r = shared;
  r->value = *(const int64_t *)ctx;
  strcpy(r->text, "written by the child");
  return 7;
}

static int crash(void *ctx, void *shared)
{
  (void)ctx;
  (void)shared;
  raise(SIGSEGV);
  return 0;
}

static int hang(void *ctx, void *shared)
{
  region *r = shared;
  (void)ctx;
  r->value = 1;
  sleep(60); /* far beyond every limit used below */
  return 0;
}

static int quick(void *ctx, void *shared)
{
  (void)ctx;
  (void)shared;
  return 0;
}

int main(void)
{
  sb_isolate *iso = NULL;
  sb_isolate_status st;
  sb_msg msg;
  sb_err err;
  region *r;
  int64_t token = INT64_C(0x5eb0123456789);
  volatile sig_atomic_t cancel = 0;
  pthread_t thread;
  /* The hangs below last for ever: a limit that failed would hang the
   * suite; SIGALRM ends the program (an ERROR) instead.  Not a timing bound. */
  alarm(600);

  sb_msg_clear(&msg);
  tap_ok(sb_isolate_new(0, &iso, &msg) == SB_EINVAL && iso == NULL, "an empty region is refused");
  tap_ok(sb_isolate_new(64, NULL, &msg) == SB_EINVAL, "a NULL result pointer is refused");
  tap_ok(sb_isolate_new(sizeof *r, &iso, &msg) == SB_OK && iso != NULL, "a region is mapped");
  if (!iso)
    return tap_done();
  r = sb_isolate_shared(iso);
  tap_ok(r->value == 0 && r->text[0] == '\0', "the region starts zeroed");
  tap_ok(sb_isolate_run(NULL, quick, NULL, 0, NULL, &st, &msg) == SB_EINVAL, "NULL iso is refused");
  tap_ok(sb_isolate_run(iso, NULL, NULL, 0, NULL, &st, &msg) == SB_EINVAL, "NULL callback is refused");
  tap_ok(sb_isolate_run(iso, quick, NULL, 0, NULL, NULL, &msg) == SB_EINVAL, "NULL status is refused");

  sb_msg_clear(&msg);
  err = sb_isolate_run(iso, write_and_exit, &token, 0, NULL, &st, &msg);
  tap_ok(err == SB_OK, "a child runs: %s", msg.text);
  tap_ok(st.exit_code == 7 && st.signal == 0 && !st.timed_out && !st.cancelled,
         "its return value is the exit code (7, got %d, signal %d)", st.exit_code, st.signal);
  tap_ok(r->value == token && strcmp(r->text, "written by the child") == 0,
         "what the child writes into the region is seen by the parent");

  tap_ok(sb_isolate_run(iso, crash, NULL, 10, NULL, &st, &msg) == SB_OK, "a crashing child is no error of the call");
  tap_ok(st.signal == SIGSEGV && !st.timed_out, "the crash is reported as SIGSEGV (got signal %d)", st.signal);

  tap_ok(sb_isolate_run(iso, quick, NULL, 10, NULL, &st, &msg) == SB_OK && st.exit_code == 0 && st.signal == 0,
         "a child that ends at once under a 10 s limit");
  tap_ok(st.wall_s >= 0 && st.wall_s < 10.0, "is not held back until the limit (%.3f s)", st.wall_s);

  r->value = 0;
  tap_ok(sb_isolate_run(iso, hang, NULL, 0.3, NULL, &st, &msg) == SB_OK, "a hanging child under a 0.3 s limit");
  tap_ok(st.timed_out == 1 && st.cancelled == 0 && st.signal == SIGKILL,
         "is killed with SIGKILL and reported as timed out (timed_out %d, signal %d)", st.timed_out, st.signal);
  tap_ok(st.wall_s >= 0.3, "not before the limit (%.3f s)", st.wall_s);
  tap_ok(r->value == 1, "the hanging child had started (its write is visible)");

  tap_ok(pthread_create(&thread, NULL, cancel_later, (void *)&cancel) == 0, "a thread sets the cancel flag in 0.3 s");
  tap_ok(sb_isolate_run(iso, hang, NULL, 0, &cancel, &st, &msg) == SB_OK, "a hanging child without a limit");
  pthread_join(thread, NULL);
  tap_ok(st.cancelled == 1 && st.timed_out == 0 && st.signal == SIGKILL,
         "is killed once the cancel flag is set (cancelled %d, signal %d)", st.cancelled, st.signal);
  tap_ok(st.wall_s >= 0.3, "not before the flag was set (%.3f s)", st.wall_s);

  err = sb_isolate_run(iso, hang, NULL, 0, &cancel, &st, &msg);
  tap_ok(err == SB_OK && st.cancelled == 1,
         "with the flag already set, the next hanging child is stopped (%.3f s)", st.wall_s);

  sb_isolate_free(&iso);
  tap_ok(iso == NULL, "free sets the pointer to NULL");
  sb_isolate_free(&iso);
  sb_isolate_free(NULL);
  return tap_done();
}
