/*
 * backends/mixture.c — the "MIX" baseline of sigsep-mus-oracle
 * (MIX.py): estimate_j = mixture / J for each of the J targets.  The
 * division (not a multiplication by 1/J) gives the same samples as numpy.
 */
#include <config.h>

#include <stdint.h>

#include "backends/mixture.h"
#include "backends/api.h"

/* The backend keeps no state; create hands out the address of this
 * (never written) byte so that an instance is never NULL. */
static char mixture_token;

static sb_err mixture_create(void **state, const char *options, char *errbuf, size_t errlen)
{
  sb_err err;

  if (!state)
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "mixture: no state pointer");
  *state = NULL;
  err = sb_backend_parse_options("mixture", options, NULL, 0, errbuf, errlen);
  if (err != SB_OK)
    return err;
  *state = &mixture_token;
  return SB_OK;
}

static sb_err mixture_separate(void *state, const sb_separation *job)
{
  int64_t n, i;
  double n_targets;
  int t;
  sb_err err = sb_backend_check_job("mixture", job, 0);

  if (err != SB_OK)
    return err;
  n = (int64_t)job->n_chan * job->n_samples;
  n_targets = (double)job->n_targets;
  for (t = 0; t < job->n_targets; t++) {
    double *est = job->est[t];
    for (i = 0; i < n; i++)
      est[i] = job->mix[i] / n_targets;
  }
  return SB_OK;
}

static void mixture_destroy(void *state)
{
}

static const sb_backend_api mixture_api = {
  .abi_version = SB_BACKEND_ABI_VERSION,
  .name = "mixture",
  .description = "SiSEC MIX baseline: every estimate is the mixture divided by the number of targets",
  .flags = 0,
  .create = mixture_create,
  .separate = mixture_separate,
  .destroy = mixture_destroy,
};

const sb_backend_api *sb_backend_mixture(void)
{
  return &mixture_api;
}
