/*
 * tests/include/installed-api.c — a program over the installed C API,
 * built and run by `make installcheck` (and so by `make distcheck`) with
 * the flags of the installed sepbench.pc only: two sources whose estimates
 * are the references plus a tenth of themselves score an SDR of 20 dB,
 * whole signal and in every 1-s frame.  Prints TAP-like lines, exits 1 on
 * a failure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "sepbench/sepbench.h"

int main(void)
{
  enum { N = 3 * 8000 };
  static double ref[2][N], est[2][N];
  const double *rc[2] = {ref[0], ref[1]}, *ec[2] = {est[0], est[1]};
  sepbench_signals r = {2, 1, N, 8000, rc}, e = {2, 1, N, 8000, ec};
  sepbench_options o;
  sepbench_result *res = NULL;
  sb_msg msg;
  sb_err err;
  int j, bad = 0;
  int64_t k;

  for (j = 0; j < 2; j++)
    for (k = 0; k < N; k++) {
      ref[j][k] = sin(0.01 * (double)(k + 1) * (j + 1)) + 0.3 * cos(0.037 * (double)k * (j + 2));
      est[j][k] = 1.1 * ref[j][k];
    }
  sepbench_options_init(&o, 8000);
  err = sepbench_evaluate(&o, &r, &e, NULL, &res, &msg);
  if (err != SB_OK) {
    printf("not ok - sepbench_evaluate: %s: %s\n", sb_strerror(err), msg.text);
    return 1;
  }
  for (j = 0; j < 2; j++) {
    const double *sdr = sepbench_result_frames(res, SEPBENCH_FRAME_SDR);
    bad |= fabs(sepbench_result_value(res, j, SEPBENCH_SDR) - 20.0) > 1e-9;
    for (k = 0; k < sepbench_result_n_frames(res); k++)
      bad |= fabs(sdr[j * sepbench_result_n_frames(res) + k] - 20.0) > 1e-9;
  }
  bad |= sepbench_result_n_frames(res) != 3;
  printf("%s - sepbench %s: SDR 20 dB, %lld frames\n", bad ? "not ok" : "ok", sepbench_version(),
         (long long)sepbench_result_n_frames(res));
  sepbench_result_free(&res);
  return bad;
}
