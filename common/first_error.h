/*
 * common/first_error.h — the first error of a parallel region.
 *
 * An OpenMP loop cannot return from its body: each thread notes the error
 * of its iteration here and the loop goes on (or skips its remaining
 * work); after the region the caller returns what was kept.  Two rules:
 *  - sb_first_error_keep: the first error noted in time (any iteration's);
 *    enough where every error aborts the whole computation the same way;
 *  - sb_first_error_keep_at: the error of the lowest iteration index, so
 *    the result does not depend on the schedule or the thread count.
 * Both keep the first non-SB_OK value and ignore SB_OK.
 *
 * Workload: called on error paths only.  Thread-safety: safe from any
 * number of threads at once (one OpenMP critical section, sb_first_error).
 */
#ifndef SB_COMMON_FIRST_ERROR_H
#define SB_COMMON_FIRST_ERROR_H

#include <stddef.h>
#include "sepbench/error.h"

/* Sets *kept to err when err != SB_OK and *kept is still SB_OK. */
void sb_first_error_keep(sb_err *kept, sb_err err);

/* Sets *kept to err and *kept_at to index when err != SB_OK and index <
 * *kept_at (start with *kept = SB_OK, *kept_at = SIZE_MAX). */
void sb_first_error_keep_at(sb_err *kept, size_t *kept_at, sb_err err, size_t index);

#endif /* SB_COMMON_FIRST_ERROR_H */
