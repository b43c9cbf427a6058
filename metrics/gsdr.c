/*
 * metrics/gsdr.c — MDX 2021 / SDX 2023 global SDR (see gsdr.h;
 * facebookresearch/demucs evaluate.py new_sdr, AIcrowd
 * music-demixing-challenge-starter-kit evaluator/music_demixing.py).
 */
#include <config.h>

#include <math.h>

#include "metrics/gsdr.h"

double sb_gsdr_from_energies(double ref_energy, double err_energy)
{
  return 10.0 * log10((ref_energy + SB_GSDR_EPS) / (err_energy + SB_GSDR_EPS));
}

sb_err sb_gsdr(int n_chan, int64_t n_samples, const double *const *ref_chan,
               const double *const *est_chan, double *out)
{
  double ref_energy = 0.0, err_energy = 0.0;
  if (!out)
    return SB_EINVAL;
  *out = NAN;
  if (n_chan < 1 || n_samples < 0 || !ref_chan || !est_chan)
    return SB_EINVAL;
  for (int c = 0; c < n_chan; c++) {
    const double *r = ref_chan[c], *e = est_chan[c];
    if (!r || !e)
      return SB_EINVAL;
    for (int64_t n = 0; n < n_samples; n++) {
      double d = r[n] - e[n];
      ref_energy += r[n] * r[n];
      err_energy += d * d;
    }
  }
  if (!isfinite(ref_energy) || !isfinite(err_energy))
    return SB_ENONFINITE;
  *out = sb_gsdr_from_energies(ref_energy, err_energy);
  return SB_OK;
}
