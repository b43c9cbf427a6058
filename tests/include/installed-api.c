/*
 * tests/include/installed-api.c — a program over the installed C API,
 * built and run by `make installcheck` (and so by `make distcheck`) with
 * the flags of the installed sepbench.pc only: two sources whose estimates
 * are the references plus a tenth of themselves score an SDR of 20 dB,
 * whole signal and in every 1-s frame; the result written into a new
 * store (argv[1]) reads back as one item with those values.  Prints
 * TAP-like lines, exits 1 on a failure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sepbench/sepbench.h"

/* Counts the SDR frame values equal to 20 dB (ctx: int[2] = all, 20 dB). */
static sb_err count_sdr(void *ctx, const sepbench_value *v, sb_msg *msg)
{
  int *n = ctx;

  (void)msg;
  if (strcmp(v->metric, "SDR") == 0) {
    n[0]++;
    n[1] += fabs(v->value - 20.0) < 1e-9;
  }
  return SB_OK;
}

static sb_err first_item(void *ctx, const sepbench_item *it, sb_msg *msg)
{
  (void)msg;
  if (*(int64_t *)ctx == 0)
    *(int64_t *)ctx = it->id;
  return SB_OK;
}

/* Writes res into a new store at path and reads its SDR frames back. */
static int store_round_trip(const char *path, const sepbench_result *res)
{
  const char *targets[2] = {"a", "b"};
  sepbench_item_info info = {0, "suite", "track", "method", NULL, 2, targets, 1.0};
  sepbench_store *st = NULL;
  char config[512];
  int64_t item = 0;
  int n[2] = {0, 0};
  sb_msg msg;
  sb_err err;

  err = sepbench_store_open(path, SEPBENCH_STORE_WRITE, &st, &msg);
  if (err == SB_OK)
    err = sepbench_store_put(st, &info, res, &msg);
  sepbench_store_close(&st);
  if (err == SB_OK)
    err = sepbench_store_open(path, SEPBENCH_STORE_READ, &st, &msg);
  if (err == SB_OK)
    err = sepbench_store_newest_config(st, NULL, "SDR", config, sizeof config, &msg);
  if (err == SB_OK)
    err = sepbench_store_items(st, NULL, config, NULL, first_item, &item, &msg);
  if (err == SB_OK)
    err = sepbench_store_values(st, item, 0, count_sdr, n, &msg);
  sepbench_store_close(&st);
  if (err != SB_OK) {
    printf("not ok - store %s: %s: %s\n", path, sb_strerror(err), msg.text);
    return 1;
  }
  printf("%s - store: item %lld, %d SDR frames of 20 dB of %d\n", n[0] == 6 && n[1] == 6 ? "ok" : "not ok",
         (long long)item, n[1], n[0]);
  return !(n[0] == 6 && n[1] == 6);
}

int main(int argc, char **argv)
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
  if (argc > 1)
    bad |= store_round_trip(argv[1], res);
  sepbench_result_free(&res);
  return bad;
}
