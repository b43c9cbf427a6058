/*
 * tests/datasets/test-rir.c — datasets/rir.c (Allen & Berkley 1979 image
 * sources).  Independent expectations: with absorption 1 only the direct
 * path remains, a tap of 1 / (4 pi d) at delay d / c (hand-computed:
 * 1 / (4 pi 0.686) = 0.11600214511071089 by python3's math module);
 * Sabine's RT60 0.161 V / (S a) for a 5 x 4 x 3 m room at a = 0.5 is
 * 9.66 / 47 = 0.20553191489361702; acoustic reciprocity (swapping source
 * and microphone leaves the response unchanged); less absorption, more
 * energy; out-of-range rooms are refused.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/rir.h"
#include "tap.h"

static double energy(const double *h, int64_t n)
{
  double e = 0;
  for (int64_t i = 0; i < n; i++)
    e += h[i] * h[i];
  return e;
}

int main(void)
{
  tap_pins_load("datasets/test-rir.pins");
  sb_rir_room room = {.size = {5, 4, 3}, .absorption = 1.0, .src = {1, 1, 1}, .mic = {1.686, 1, 1},
                      .sound_speed = 343, .rate = 16000, .length_s = 0.1};
  sb_rir_room swapped;
  double *h = NULL, *h2 = NULL, rt60 = 0, off_peak = 0, max_diff = 0, e_low, e_high;
  int64_t n = 0, n2 = 0;
  sb_msg msg;
  sb_err err;

  err = sb_rir_sabine_rt60(room.size, 0.5, &rt60);
  tap_near(rt60, 0.20553191489361702, 1e-12, "Sabine RT60 of 5x4x3 m at a=0.5");
  tap_ok(sb_rir_sabine_rt60(room.size, 0.0, &rt60) == SB_EINVAL, "absorption 0 is refused by Sabine");

  err = sb_rir_shoebox(&room, &h, &n, &msg);
  tap_ok(err == SB_OK && n == 1600, "0.1 s at 16 kHz gives 1600 taps (%lld)", (long long)n);
  if (!err) {
    tap_near(h[32], 0.11600214511071089, 1e-9, "direct path 1/(4 pi d) at delay d/c = 32 samples");
    /* Regression pin of the current implementation (captured once). */
    tap_pin(h[32], "direct tap");
    for (int64_t i = 0; i < n; i++)
      if (i != 32 && fabs(h[i]) > off_peak)
        off_peak = fabs(h[i]);
    tap_ok(off_peak < 1e-9, "absorption 1: nothing but the direct path (largest other tap %.3g)", off_peak);
  }
  free(h);
  h = NULL;

  room.absorption = 0.3;
  room.length_s = 0.3;
  room.mic[1] = 2.7;
  room.mic[2] = 1.6;
  err = sb_rir_shoebox(&room, &h, &n, &msg);
  swapped = room;
  memcpy(swapped.src, room.mic, sizeof room.mic);
  memcpy(swapped.mic, room.src, sizeof room.src);
  if (!err)
    err = sb_rir_shoebox(&swapped, &h2, &n2, &msg);
  tap_ok(err == SB_OK && n == n2, "responses of a reverberant room (%s)", err ? msg.text : "ok");
  for (int64_t i = 0; !err && i < n; i++)
    if (fabs(h[i] - h2[i]) > max_diff)
      max_diff = fabs(h[i] - h2[i]);
  tap_ok(!err && max_diff < 1e-12, "reciprocity: source and microphone swapped give the same response (%.3g)",
         max_diff);
  e_low = err ? 0 : energy(h, n);
  free(h);
  free(h2);
  h = h2 = NULL;
  room.absorption = 0.8;
  err = sb_rir_shoebox(&room, &h, &n, &msg);
  e_high = err ? 0 : energy(h, n);
  tap_ok(err == SB_OK && e_low > e_high && e_high > 0, "more absorption, less energy (%.4g > %.4g)", e_low, e_high);
  free(h);
  h = NULL;

  room.src[0] = 6;
  err = sb_rir_shoebox(&room, &h, &n, &msg);
  tap_ok(err == SB_EINVAL && h == NULL && strstr(msg.text, "outside"), "a source outside the room: %s", msg.text);
  room.src[0] = 1;
  room.absorption = 1.5;
  tap_ok(sb_rir_shoebox(&room, &h, &n, &msg) == SB_EINVAL, "absorption > 1: %s", msg.text);
  room.absorption = 0.5;
  room.length_s = 0;
  tap_ok(sb_rir_shoebox(&room, &h, &n, &msg) == SB_EINVAL, "zero length: %s", msg.text);
  room.length_s = 0.1;
  room.size[2] = -3;
  tap_ok(sb_rir_shoebox(&room, &h, &n, &msg) == SB_EINVAL, "negative size: %s", msg.text);
  return tap_done();
}
