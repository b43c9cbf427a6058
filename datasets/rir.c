/*
 * datasets/rir.c — shoebox image-source room impulse responses (see
 * rir.h; Allen & Berkley 1979, with windowed-sinc fractional delays as in
 * Peterson, "Simulating the response of multiple microphones to a single
 * acoustic source in a reverberant room", JASA 80(5), 1986).
 *
 * The loops run over image indices n, l, m in the range that can reach
 * the microphone within the response length; the reflection gains are
 * precomputed powers of beta, so the inner loop is a distance, a gain and
 * a 33-tap kernel.
 */
#include <config.h>

#include "datasets/rir.h"

#include <math.h>
#include <stdlib.h>

sb_err sb_rir_sabine_rt60(const double size[3], double absorption, double *rt60)
{
  double volume, surface;
  for (int d = 0; d < 3; d++)
    if (!(size[d] > 0 && size[d] <= 100))
      return SB_EINVAL;
  if (!(absorption > 0 && absorption <= 1))
    return SB_EINVAL;
  volume = size[0] * size[1] * size[2];
  surface = 2 * (size[0] * size[1] + size[0] * size[2] + size[1] * size[2]);
  *rt60 = 0.161 * volume / (surface * absorption);
  return SB_OK;
}

sb_err sb_rir_shoebox(const sb_rir_room *room, double **h, int64_t *n_taps, sb_msg *msg)
{
  const double c = room->sound_speed > 0 ? room->sound_speed : 343.0;
  const double beta = sqrt(1.0 - room->absorption);
  int64_t len;
  int max_order[3];
  double *out, *beta_pow;
  int max_pow;

  *h = NULL;
  *n_taps = 0;
  if (room->rate <= 0 || !(room->length_s > 0 && room->length_s <= 10))
    return sb_msg_set(msg, SB_EINVAL, "room impulse response: rate %d Hz and length %g s out of range", room->rate,
                      room->length_s);
  if (!(room->absorption > 0 && room->absorption <= 1))
    return sb_msg_set(msg, SB_EINVAL, "room impulse response: absorption %g not in (0, 1]", room->absorption);
  for (int d = 0; d < 3; d++) {
    if (!(room->size[d] > 0 && room->size[d] <= 100))
      return sb_msg_set(msg, SB_EINVAL, "room impulse response: room size %g m out of (0, 100]", room->size[d]);
    if (!(room->src[d] > 0 && room->src[d] < room->size[d] && room->mic[d] > 0 && room->mic[d] < room->size[d]))
      return sb_msg_set(msg, SB_EINVAL, "room impulse response: source or microphone outside the room");
  }
  len = (int64_t)llround(room->length_s * room->rate);
  if (len < 1)
    len = 1;
  /* |2 n L| - L <= distance <= c * length: larger |n| cannot arrive in time. */
  for (int d = 0; d < 3; d++)
    max_order[d] = (int)ceil(c * room->length_s / (2 * room->size[d])) + 1;
  max_pow = 2 * (max_order[0] + max_order[1] + max_order[2]) + 6;
  out = calloc((size_t)len, sizeof *out);
  beta_pow = malloc(((size_t)max_pow + 1) * sizeof *beta_pow);
  if (!out || !beta_pow) {
    free(out);
    free(beta_pow);
    return SB_ENOMEM;
  }
  beta_pow[0] = 1.0;
  for (int i = 1; i <= max_pow; i++)
    beta_pow[i] = beta_pow[i - 1] * beta;
  {
    const double max_dist = c * (double)len / room->rate + c * SB_RIR_HALF_TAPS / room->rate;
    const double samples_per_m = room->rate / c;
    for (int n = -max_order[0]; n <= max_order[0]; n++)
      for (int u = 0; u < 2; u++) {
        double dx = (1 - 2 * u) * room->src[0] + 2 * n * room->size[0] - room->mic[0];
        int px = abs(n - u) + abs(n);
        for (int l = -max_order[1]; l <= max_order[1]; l++)
          for (int v = 0; v < 2; v++) {
            double dy = (1 - 2 * v) * room->src[1] + 2 * l * room->size[1] - room->mic[1];
            int py = abs(l - v) + abs(l);
            if (fabs(dx) > max_dist || fabs(dy) > max_dist)
              continue;
            for (int m = -max_order[2]; m <= max_order[2]; m++)
              for (int w = 0; w < 2; w++) {
                double dz = (1 - 2 * w) * room->src[2] + 2 * m * room->size[2] - room->mic[2];
                double dist = sqrt(dx * dx + dy * dy + dz * dz);
                double delay, gain;
                int64_t centre;
                if (dist > max_dist)
                  continue;
                gain = beta_pow[px + py + abs(m - w) + abs(m)] / (4 * M_PI * dist);
                delay = dist * samples_per_m;
                centre = (int64_t)floor(delay);
                for (int64_t k = centre - SB_RIR_HALF_TAPS; k <= centre + SB_RIR_HALF_TAPS; k++) {
                  double t = (double)k - delay, sinc, window;
                  if (k < 0 || k >= len)
                    continue;
                  sinc = fabs(t) < 1e-12 ? 1.0 : sin(M_PI * t) / (M_PI * t);
                  window = 0.5 * (1.0 + cos(M_PI * t / (SB_RIR_HALF_TAPS + 1)));
                  out[k] += gain * sinc * window;
                }
              }
          }
      }
  }
  free(beta_pow);
  *h = out;
  *n_taps = len;
  return SB_OK;
}
