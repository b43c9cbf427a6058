/*
 * datasets/rir.h — room impulse responses of a rectangular ("shoebox")
 * room by the image-source method of J. B. Allen and D. A. Berkley, "Image
 * method for efficiently simulating small-room acoustics", J. Acoust. Soc.
 * Am. 65(4), 943-950, 1979.
 *
 * Every wall reflects with the pressure coefficient beta = sqrt(1 - a) of
 * its energy absorption a; the image of order (n, l, m, u, v, w) lies at
 * ((1 - 2u) xs + 2 n Lx, (1 - 2v) ys + 2 l Ly, (1 - 2w) zs + 2 m Lz) and
 * contributes beta^(|n - u| + |n| + |l - v| + |l| + |m - w| + |m|) /
 * (4 pi d) at delay d / c.  Where Allen and Berkley round the delay to a
 * sample, each image is placed with a Hann-windowed sinc of 2 *
 * SB_RIR_HALF_TAPS + 1 taps (fractional delay, Peterson 1986), so that the
 * response does not depend on rounding.  Images whose delay exceeds the
 * response length are dropped.
 *
 * Workload: a few responses of 0.2-0.8 s at 16 kHz per generated suite;
 * ~10^5-10^6 images each, computed in well under a second.
 * Thread-safety: pure functions.
 */
#ifndef SB_DATASETS_RIR_H
#define SB_DATASETS_RIR_H

#include <stdint.h>
#include "sepbench/error.h"

enum { SB_RIR_HALF_TAPS = 16 };

typedef struct sb_rir_room {
  double size[3];    /* Lx, Ly, Lz in metres, each in (0, 100] */
  double absorption; /* energy absorption of every wall, in (0, 1] */
  double src[3];     /* source position, metres, strictly inside the room */
  double mic[3];     /* microphone position, metres, strictly inside */
  double sound_speed;/* m/s; <= 0 means 343 */
  int rate;          /* Hz, > 0 */
  double length_s;   /* response length in seconds, in (0, 10] */
} sb_rir_room;

/* Computes the response: *h receives n_taps = round(length_s * rate)
 * samples (allocated; the caller frees it).  SB_EINVAL with msg for a
 * value out of range or a position outside the room; SB_ENOMEM. */
sb_err sb_rir_shoebox(const sb_rir_room *room, double **h, int64_t *n_taps, sb_msg *msg);

/* Sabine's reverberation time 0.161 V / (S a) in seconds of a shoebox room
 * of the given size with uniform absorption a; SB_EINVAL for a bad size or
 * absorption. */
sb_err sb_rir_sabine_rt60(const double size[3], double absorption, double *rt60);

#endif /* SB_DATASETS_RIR_H */
