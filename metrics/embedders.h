/*
 * metrics/embedders.h — the built-in frame embedders of the MAPSS measures
 * (PS/PM), pure computation behind the interface of metrics/embedder.h:
 *
 *  "raw"     the reference code's waveform-only variant (models.py
 *            embed_batch_raw of Amir-Ivry/MAPSS-measures 3157d20a): frame t
 *            = samples [320 t, 320 t + 320) of the signal without its last
 *            sample, rounded to float32; dim 320.  PS/PM's default.
 *  "logmel"  built-in spectral embedder: 64 log-mel energies (Slaney mel
 *            scale and area normalisation as librosa's defaults, 0-8 kHz)
 *            of a 400-sample periodic-Hann frame starting at 320 t
 *            (zero-padded at the end), 512-point FFT, log(power + 1e-6);
 *            dim 64.
 * Both compute only the listed frames, ignore the signal names, and embed
 * several signals of one call in parallel (OpenMP); their values do not
 * depend on the thread count.  Embedders that read files or run programs
 * ("file:DIR", "cmd:TEMPLATE") live in backends/embedders.h.
 */
#ifndef SB_METRICS_EMBEDDERS_H
#define SB_METRICS_EMBEDDERS_H

#include "sepbench/error.h"
#include "metrics/embedder.h"

/* A built-in embedder: kind "raw" (also NULL or "") or "logmel"; free with
 * sb_embedder_free.  SB_EINVAL (NULL out; another kind, named in msg),
 * SB_ENOMEM. */
sb_err sb_embedder_builtin_new(const char *kind, sb_embedder **out, sb_msg *msg);

#endif /* SB_METRICS_EMBEDDERS_H */
