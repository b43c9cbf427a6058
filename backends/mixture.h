/*
 * backends/mixture.h — the SiSEC "MIX" baseline: every target's
 * estimate is the mixture divided by the number of targets
 * (sigsep-mus-oracle MIX.py: track.audio / len(track.sources)).  It scores
 * what doing nothing scores; SiSEC 2018 reports it beside the oracles.
 *
 * Name "mixture", no flags (needs no references), no options (any option
 * is an error).  Workload: one pass over the mixture per target.
 */
#ifndef SB_BACKENDS_MIXTURE_H
#define SB_BACKENDS_MIXTURE_H

#include "sepbench/backend.h"

/* The static description of the mixture backend; never NULL. */
const sb_backend_api *sb_backend_mixture(void);

#endif /* SB_BACKENDS_MIXTURE_H */
