/* tests/backends/cancel_later.c — see tests/backends/cancel_later.h. */
#include <config.h>

#include <signal.h>
#include <time.h>

#include "tests/backends/cancel_later.h"

void *cancel_later(void *arg)
{
  volatile sig_atomic_t *flag = arg;
  const struct timespec delay = {0, CANCEL_LATER_MS * 1000000L};
  nanosleep(&delay, NULL);
  *flag = 1;
  return NULL;
}
