/*
 * tests/common/test-first-error.c — common/first_error.c: SB_OK is never
 * kept; the first error noted is kept and later ones are ignored; the
 * index rule keeps the error of the lowest index whatever the order of the
 * notes, also from an OpenMP loop of 1000 iterations where every seventh
 * fails with its own code (the kept one is the lowest failing index's,
 * for any schedule and thread count).
 */
#include <config.h>

#include <stdint.h>

#include "common/first_error.h"
#include "tap.h"

int main(void)
{
  sb_err kept = SB_OK;
  size_t at = SIZE_MAX;

  sb_first_error_keep(&kept, SB_OK);
  tap_ok(kept == SB_OK, "SB_OK is not an error");
  sb_first_error_keep(&kept, SB_EIO);
  sb_first_error_keep(&kept, SB_ENOMEM);
  sb_first_error_keep(&kept, SB_OK);
  tap_ok(kept == SB_EIO, "the first error noted is kept (%s)", sb_strerror(kept));

  kept = SB_OK;
  sb_first_error_keep_at(&kept, &at, SB_ENOMEM, 9);
  sb_first_error_keep_at(&kept, &at, SB_OK, 1);
  sb_first_error_keep_at(&kept, &at, SB_EIO, 4);
  sb_first_error_keep_at(&kept, &at, SB_EFORMAT, 6);
  tap_ok(kept == SB_EIO && at == 4, "the lowest index's error is kept, not the first noted (%s at %zu)",
         sb_strerror(kept), at);

  kept = SB_OK;
  at = SIZE_MAX;
  {
    sb_err any = SB_OK;
#pragma omp parallel for schedule(dynamic, 3)
    for (int i = 999; i >= 0; i--) {
      sb_err e = i % 7 == 3 ? (i == 3 ? SB_ELENGTH : SB_EIO) : SB_OK;
      sb_first_error_keep_at(&kept, &at, e, (size_t)i);
      sb_first_error_keep(&any, e);
    }
    tap_ok(kept == SB_ELENGTH && at == 3, "parallel loop: the error of index 3 is kept (%s at %zu)",
           sb_strerror(kept), at);
    tap_ok(any == SB_ELENGTH || any == SB_EIO, "parallel loop: some error is kept by the first rule (%s)",
           sb_strerror(any));
  }
  return tap_done();
}
