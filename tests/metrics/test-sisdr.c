/*
 * tests/metrics/test-sisdr.c — SI-SDR, SI-SIR, SI-SAR and SD-SDR
 * (metrics/sisdr.c).
 *
 * Expected values:
 *  - expected.json "si_sdr" (per_channel, stacked, *_zero_mean),
 *    "si_sdr_improvement" (mix_stacked) and "pit_si_sdr" of every case;
 *  - SI-SIR / SI-SAR / SD-SDR: computed at development time with numpy
 *    1.24.2 (python3, /tmp script not shipped) from the same FLAC files read
 *    with libsndfile: stacked vectors (channels concatenated), alpha =
 *    <e,s>/<s,s>, P e = least-squares projection of e on all references
 *    (np.linalg.lstsq), e_interf = P e - alpha s, e_artif = e - P e, means
 *    removed first for zero_mean; the Le Roux et al. 2019 definitions;
 *  - hand-derived values on tiny signals;
 *  - regression pins of the current implementation, looked up by label in
 *    tests/metrics/test-sisdr.pins (tests/tap.h: tap_pin);
 *  - the batched sb_sisdr_eval_views against single sb_sisdr_eval_view
 *    calls, bit for bit (memcmp), in memory and streamed.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "tap.h"
#include "metrics/sisdr.h"
#include "tests/metrics/refcase.h"

static void pin(double got, const char *what)
{
  tap_pin(got, "%s", what);
}

/* numpy reference values: case, zero_mean, reference, estimate,
 * {SI-SDR, SI-SIR, SI-SAR, SD-SDR} (see the file comment). */
static const struct {
  const char *name;
  int zero_mean, target, est;
  double v[4];
} numpy_values[] = {
    {"speech2_16k_swapped", 0, 0, 0, {-16.6700488592585, -16.3720684959201, 11.585120766484682, -20.958360970969462}},
    {"speech2_16k_swapped", 0, 1, 1, {-19.877416319402123, -19.697829758972869, 13.791313042704449, -21.52294244068349}},
    {"speech2_16k_swapped", 1, 0, 0, {-16.668794293125668, -16.371524409911064, 11.595859655000343, -20.919477148718627}},
    {"speech2_16k_swapped", 1, 1, 1, {-19.867702526970206, -19.685913000398028, 13.737380232679005, -21.535035445864082}},
    {"speech2_16k_swapped", 0, 0, 1, {12.877525472289058, 20.273521869434227, 13.791313042704449, 12.761165145949283}},
    {"speech2_16k_swapped", 0, 1, 0, {10.364776677956051, 16.765175456324481, 11.585120766484682, 9.4611627129761757}},
    {"speech2_16k_swapped", 1, 0, 1, {12.822015504374614, 20.213458955541878, 13.737380232679005, 12.69999011668421}},
    {"speech2_16k_swapped", 1, 1, 0, {10.365025704458207, 16.732555098327552, 11.595859655000343, 9.4611532322977716}},
    {"music3_silence_nan", 0, 0, 0, {21.323712543740683, 31.585907287335676, 21.756121597916945, 20.228621924246202}},
    {"music3_silence_nan", 0, 1, 1, {3.4946806928180516, 10.52708158793765, 4.8217387316718456, 0.91993323958640572}},
    {"music3_silence_nan", 0, 2, 2, {4.0856358285160006, 7.567992234291717, 7.3708172756476102, 1.9517868866168335}},
    {"music3_silence_nan", 1, 0, 0, {21.323728048743863, 31.585930492960234, 21.756136286534982, 20.228634039001676}},
    {"music3_silence_nan", 1, 1, 1, {3.4962008550747257, 10.531668655293826, 4.8221288117185548, 0.92117683119581584}},
    {"music3_silence_nan", 1, 2, 2, {4.0873693784257901, 7.5690873924783393, 7.3729069192511298, 1.954730718266537}},
    {"music4_stereo_44k1", 0, 0, 0, {7.278914589527993, 13.377760493256117, 8.6976123281104254, 5.8492313491926486}},
    {"music4_stereo_44k1", 0, 1, 1, {5.870844481126217, 17.935568668882812, 6.2188718424726117, 4.9767846855371598}},
    {"music4_stereo_44k1", 0, 2, 2, {-7.8616306092414137, 7.8542611416236507, -7.0844260280071509, -12.771471536199197}},
    {"music4_stereo_44k1", 0, 3, 3, {1.635843339985531, 8.221102619358021, 3.3215539655951263, -0.18369129562334047}},
};

static const char *const cases[] = {"length_mismatch", "music3_silence_nan", "music4_stereo_44k1",
                                    "short_0p8s_22k", "speech2_16k_swapped"};

/* sb_sisdr_eval_views of n pairs against n single sb_sisdr_eval_view
 * calls: 1 when every stacked and per-channel value is bit-identical. */
static int batch_matches(const sb_sisdr *s, int n, const int *target, const sb_sources *est, const int *est_idx)
{
  int C = est->n_chan, same = 1;
  sb_si_values *st = calloc((size_t)n, sizeof *st), *pc = calloc((size_t)n * (size_t)C, sizeof *pc);
  sb_si_values one, one_pc[8];
  if (!st || !pc || C > 8 || sb_sisdr_eval_views(s, n, target, est, est_idx, st, pc) != SB_OK)
    same = 0;
  for (int i = 0; i < n && same; i++)
    same = sb_sisdr_eval_view(s, target[i], est, est_idx[i], &one, one_pc) == SB_OK &&
           memcmp(&one, &st[i], sizeof one) == 0 && memcmp(one_pc, pc + (size_t)i * (size_t)C, (size_t)C * sizeof *pc) == 0;
  free(st);
  free(pc);
  return same;
}

/* The batched call on the matched pairs (j, j) and on every pair of a
 * case, raw and zero-mean. */
static void check_batch(const char *name, const refcase *c, const sb_sisdr *raw, const sb_sisdr *zm)
{
  int n = c->n_src, nn = n * n;
  int *target = malloc((size_t)nn * sizeof *target), *est = malloc((size_t)nn * sizeof *est);
  if (!tap_ok(target && est, "%s: batch allocation", name))
    goto done;
  for (int p = 0; p < nn; p++) {
    target[p] = p < n ? p : p / n;
    est[p] = p < n ? p : p % n;
  }
  tap_ok(batch_matches(raw, n, target, &c->est, est), "%s: batch of the %d matched pairs == single calls, bit for bit", name, n);
  tap_ok(batch_matches(zm, n, target, &c->est, est), "%s: zero-mean batch of the %d matched pairs == single calls", name, n);
  for (int p = 0; p < nn; p++) {
    target[p] = p / n;
    est[p] = p % n;
  }
  tap_ok(batch_matches(raw, nn, target, &c->est, est) && batch_matches(zm, nn, target, &c->est, est),
         "%s: batch of all %d pairs (raw, zero-mean) == single calls", name, nn);

done:
  free(target);
  free(est);
}

static void check_case(const char *name)
{
  refcase *c = NULL;
  sb_msg msg = {{0}};
  sb_sisdr *raw = NULL, *zm = NULL;
  sb_si_values *pc = NULL;
  double *mat = NULL, *base = NULL;
  char what[256];

  if (!tap_ok(refcase_load(name, &c, &msg) == SB_OK, "%s: load (%s)", name, msg.text))
    return;
  pc = calloc((size_t)c->n_chan, sizeof *pc);
  mat = calloc((size_t)c->n_src * (size_t)c->n_src, sizeof *mat);
  base = calloc((size_t)c->n_src, sizeof *base);
  if (!tap_ok(pc && mat && base && sb_sisdr_new(&c->ref, 0, &raw) == SB_OK && sb_sisdr_new(&c->ref, 1, &zm) == SB_OK,
              "%s: sb_sisdr_new", name))
    goto done;
  for (int j = 0; j < c->n_src; j++) {
    const sb_json *want = refcase_get(c, "si_sdr", c->names[j], (const char *)NULL);
    const double *const *est = c->est.chan + j * c->n_chan;
    for (int z = 0; z < 2; z++) {
      sb_si_values st;
      tap_ok(sb_sisdr_eval(z ? zm : raw, j, est, &st, pc) == SB_OK, "%s/%s: eval", name, c->names[j]);
      snprintf(what, sizeof what, "%s/%s: stacked%s SI-SDR", name, c->names[j], z ? " zero-mean" : "");
      tap_near(st.si_sdr, sb_json_num(sb_json_get(want, z ? "stacked_zero_mean" : "stacked")), 1e-3, "%s", what);
      pin(st.si_sdr, what);
      for (int ch = 0; ch < c->n_chan; ch++) {
        snprintf(what, sizeof what, "%s/%s: channel %d%s SI-SDR", name, c->names[j], ch, z ? " zero-mean" : "");
        tap_near(pc[ch].si_sdr,
                 sb_json_num(sb_json_at(sb_json_get(want, z ? "per_channel_zero_mean" : "per_channel"), (size_t)ch)),
                 1e-3, "%s", what);
        pin(pc[ch].si_sdr, what);
      }
    }
  }
  check_batch(name, c, raw, zm);
  /* The PIT score matrix: its diagonal is the stacked SI-SDR. */
  tap_ok(sb_sisdr_matrix(raw, &c->est, mat) == SB_OK, "%s: SI-SDR matrix", name);
  for (int j = 0; j < c->n_src; j++) {
    snprintf(what, sizeof what, "%s/%s: matrix diagonal", name, c->names[j]);
    tap_near(mat[j * c->n_src + j], sb_json_num(refcase_get(c, "si_sdr", c->names[j], "stacked", (const char *)NULL)),
             1e-3, "%s", what);
  }
  if (c->has_mix) {
    tap_ok(sb_sisdr_matrix(raw, &c->mix, base) == SB_OK, "%s: mixture baseline", name);
    for (int j = 0; j < c->n_src; j++) {
      snprintf(what, sizeof what, "%s/%s: SI-SDR of the mixture", name, c->names[j]);
      tap_near(base[j],
               sb_json_num(refcase_get(c, "si_sdr_improvement", c->names[j], "mix_stacked", (const char *)NULL)),
               1e-3, "%s", what);
      pin(base[j], what);
    }
  }
  {
    const sb_json *pit = refcase_get(c, "pit_si_sdr", (const char *)NULL);
    if (pit && pit->type == SB_JSON_OBJECT) {
      const sb_json *perm = sb_json_get(pit, "perm");
      for (int j = 0; j < c->n_src; j++) {
        int e = (int)sb_json_num(sb_json_at(perm, (size_t)j));
        snprintf(what, sizeof what, "%s/%s: PIT pair SI-SDR", name, c->names[j]);
        tap_near(mat[j * c->n_src + e], sb_json_num(refcase_get(c, "pit_si_sdr", "si_sdr", c->names[j], (const char *)NULL)),
                 1e-3, "%s", what);
        pin(mat[j * c->n_src + e], what);
      }
    }
  }
  for (size_t i = 0; i < sizeof numpy_values / sizeof *numpy_values; i++) {
    sb_si_values st;
    static const char *const label[4] = {"SI-SDR", "SI-SIR", "SI-SAR", "SD-SDR"};
    double got[4];
    if (strcmp(numpy_values[i].name, name) != 0)
      continue;
    sb_sisdr_eval(numpy_values[i].zero_mean ? zm : raw, numpy_values[i].target,
                  c->est.chan + numpy_values[i].est * c->n_chan, &st, NULL);
    got[0] = st.si_sdr;
    got[1] = st.si_sir;
    got[2] = st.si_sar;
    got[3] = st.sd_sdr;
    for (int m = 0; m < 4; m++) {
      snprintf(what, sizeof what, "%s: %s of reference %d / estimate %d%s vs numpy", name, label[m],
               numpy_values[i].target, numpy_values[i].est, numpy_values[i].zero_mean ? " (zero-mean)" : "");
      tap_near(got[m], numpy_values[i].v[m], 1e-3, "%s", what);
      pin(got[m], what);
    }
  }

done:
  free(pc);
  free(mat);
  free(base);
  sb_sisdr_free(&raw);
  sb_sisdr_free(&zm);
  refcase_free(&c);
}

/* Two orthogonal references s1 = [1,0,0,0], s2 = [0,1,0,0] and
 * e = [2, 0.5, 0.1, 0]: alpha = 2, e_target = [2,0,0,0], e_interf =
 * [0,0.5,0,0], e_artif = [0,0,0.1,0], s1 - e = [-1,-0.5,-0.1,0]. */
static void test_hand(void)
{
  double s1[4] = {1, 0, 0, 0}, s2[4] = {0, 1, 0, 0}, e[4] = {2, 0.5, 0.1, 0}, z[4] = {0, 0, 0, 0};
  const double *rp[2] = {s1, s2}, *ep[1] = {e}, *zp[1] = {z};
  sb_sources ref = {2, 1, 4, 8000, rp, NULL, NULL};
  sb_sisdr *s = NULL;
  sb_si_values v, pc;

  tap_ok(sb_sisdr_new(&ref, 0, &s) == SB_OK && s, "two orthogonal references");
  if (!s)
    return;
  tap_ok(sb_sisdr_eval(s, 0, ep, &v, &pc) == SB_OK, "eval");
  tap_near(v.si_sdr, 10 * log10(4 / 0.26), 1e-12, "SI-SDR = 10 log10(4 / (0.25 + 0.01))");
  tap_near(v.si_sir, 10 * log10(4 / 0.25), 1e-12, "SI-SIR = 10 log10(4 / 0.25)");
  tap_near(v.si_sar, 10 * log10(4.25 / 0.01), 1e-9, "SI-SAR = 10 log10(4.25 / 0.01)");
  tap_near(v.sd_sdr, 10 * log10(4 / 1.26), 1e-12, "SD-SDR = 10 log10(4 / 1.26)");
  tap_ok(pc.si_sdr == v.si_sdr && pc.si_sir == v.si_sir, "mono: the per-channel values are the stacked ones");
  tap_ok(sb_sisdr_eval(s, 1, rp, &v, NULL) == SB_OK && v.si_sdr == -INFINITY,
         "estimate orthogonal to the target: alpha = 0, SI-SDR = -inf");
  tap_ok(sb_sisdr_eval(s, 0, zp, &v, NULL) == SB_OK && isnan(v.si_sdr) && isnan(v.sd_sdr) == 0,
         "all-zero estimate: SI-SDR is 0/0 = NaN, SD-SDR = 0/1 = -inf");
  tap_ok(v.sd_sdr == -INFINITY, "all-zero estimate: SD-SDR = -inf");
  tap_ok(sb_sisdr_eval(s, 2, ep, &v, NULL) == SB_EINVAL, "target out of range: SB_EINVAL");
  tap_ok(sb_sisdr_eval(s, -1, ep, &v, NULL) == SB_EINVAL, "negative target: SB_EINVAL");
  tap_ok(sb_sisdr_eval(s, 0, NULL, &v, NULL) == SB_EINVAL, "NULL estimate: SB_EINVAL");
  sb_sisdr_free(&s);
  tap_ok(s == NULL, "free NULLs the pointer");

  /* One source: e_interf = 0 -> SI-SIR = +inf, SI-SAR = SI-SDR. */
  ref.n_src = 1;
  sb_sisdr_new(&ref, 0, &s);
  tap_ok(s && sb_sisdr_eval(s, 0, ep, &v, NULL) == SB_OK, "one source");
  tap_ok(v.si_sir == INFINITY, "one source: SI-SIR = +inf (mir_eval#264 analogue)");
  tap_near(v.si_sar, v.si_sdr, 1e-9, "one source: SI-SAR = SI-SDR");
  sb_sisdr_free(&s);
  /* e = 2 s exactly: alpha = 2 exactly and alpha s - e == 0 -> +inf. */
  s1[2] = -0.75;
  e[0] = 2;
  e[1] = e[3] = 0;
  e[2] = -1.5;
  sb_sisdr_new(&ref, 0, &s);
  tap_ok(s && sb_sisdr_eval(s, 0, ep, &v, NULL) == SB_OK && v.si_sdr == INFINITY, "bit-exact scaled estimate: +inf");
  tap_near(v.sd_sdr, 10 * log10(4.0), 1e-12, "scaled estimate: SD-SDR = 10 log10(alpha^2) = 6.02 dB");
  sb_sisdr_free(&s);

  /* Zero-energy target and a duplicated reference. */
  {
    double d[4] = {1, 0, -0.75, 0};
    const double *dp[3] = {z, s1, d};
    sb_sources r3 = {3, 1, 4, 8000, dp, NULL, NULL};
    e[0] = 1;
    e[1] = 0.5;
    e[2] = -0.75;
    tap_ok(sb_sisdr_new(&r3, 0, &s) == SB_OK, "a silent and a duplicated reference");
    tap_ok(sb_sisdr_eval(s, 0, ep, &v, NULL) == SB_OK && isnan(v.si_sdr) && isnan(v.si_sir) && isnan(v.si_sar),
           "zero-energy target: NaN");
    tap_ok(sb_sisdr_eval(s, 1, ep, &v, NULL) == SB_OK, "duplicate references are dropped from the basis");
    tap_ok(v.si_sir == INFINITY, "interference from a duplicate of the target is 0");
    /* e = s1 + [0,0.5,0,0]: e_artif = [0,0.5,0,0], SI-SAR = 10 log10(||s1||^2 / 0.25). */
    tap_near(v.si_sar, 10 * log10((1 + 0.5625) / 0.25), 1e-9, "SI-SAR with the dependent reference dropped");
    sb_sisdr_free(&s);
  }
  ref.n_src = 0;
  tap_ok(sb_sisdr_new(&ref, 0, &s) == SB_EINVAL && !s, "no source: SB_EINVAL");
  tap_ok(sb_sisdr_new(NULL, 0, &s) == SB_EINVAL, "NULL references: SB_EINVAL");
}

/* Fills buf (2 * n_chan_total * T doubles) with seeded uniform noise in
 * [-centre, 1 - centre) and points rp and ep (n_chan_total channels each)
 * at its two halves. */
static void seeded_noise(double *buf, uint64_t seed, double centre, int n_chan_total, int64_t T, const double **rp,
                         const double **ep)
{
  uint64_t state = seed;
  for (size_t i = 0; i < (size_t)2 * (size_t)n_chan_total * (size_t)T; i++) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    buf[i] = (double)(state >> 11) / 9007199254740992.0 - centre;
  }
  for (int i = 0; i < n_chan_total; i++) {
    rp[i] = buf + (size_t)i * (size_t)T;
    ep[i] = buf + (size_t)(n_chan_total + i) * (size_t)T;
  }
}

/* Matrix shape checks and thread-count independence on seeded noise. */
static void test_threads(void)
{
  enum { T = 50001, J = 3, C = 2 };
  double *buf = malloc((size_t)2 * J * C * T * sizeof *buf);
  const double *rp[J * C], *ep[J * C];
  sb_sources ref = {J, C, T, 16000, rp, NULL, NULL}, est = {J, C, T, 16000, ep, NULL, NULL};
  sb_sisdr *s = NULL;
  sb_si_values a, b, pa[C], pb[C];
  double m1[J * J], m2[J * J];
  uint64_t seed = 7777u;

  if (!tap_ok(buf != NULL, "allocation"))
    return;
  tap_diag("seed %llu", (unsigned long long)seed);
  seeded_noise(buf, seed, 0.5, J * C, T, rp, ep);
  sb_sisdr_new(&ref, 1, &s);
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
  sb_sisdr_eval(s, 1, ep, &a, pa);
  sb_sisdr_matrix(s, &est, m1);
#ifdef _OPENMP
  omp_set_num_threads(2);
#endif
  sb_sisdr_eval(s, 1, ep, &b, pb);
  sb_sisdr_matrix(s, &est, m2);
  tap_ok(memcmp(&a, &b, sizeof a) == 0 && memcmp(pa, pb, sizeof pa) == 0 && memcmp(m1, m2, sizeof m1) == 0,
         "1 and 2 threads give bit-identical values");
  tap_near(m1[1 * J + 0], a.si_sdr, 1e-9, "matrix entry equals the eval value");
  est.n_chan = 1;
  tap_ok(sb_sisdr_matrix(s, &est, m1) == SB_EINVAL, "matrix: channel mismatch: SB_EINVAL");
  est.n_chan = C;
  est.n_samples = T - 1;
  tap_ok(sb_sisdr_matrix(s, &est, m1) == SB_EINVAL, "matrix: length mismatch: SB_EINVAL");
  sb_sisdr_free(&s);
  free(buf);
}

/* The batched call on seeded noise with a silent reference (its pairs are
 * NaN), in memory and through streamed views, raw and zero-mean, and its
 * argument checks. */
static void test_batch(void)
{
  enum { T = 3 * 4096 + 1234, J = 3, C = 2, N = 5 };
  double *buf = malloc((size_t)2 * J * C * T * sizeof *buf);
  const double *rp[J * C], *ep[J * C];
  sb_sources ref = {J, C, T, 16000, rp, NULL, NULL}, est = {J, C, T, 16000, ep, NULL, NULL};
  refcase_stream rctx, ectx;
  sb_sources ref_s = refcase_stream_view(&ref, &rctx), est_s = refcase_stream_view(&est, &ectx);
  int target[N] = {2, 0, 1, 0, 2}, idx[N] = {1, 2, 0, 2, 2}, bad[N] = {0, 1, 2, 3, 0};
  sb_si_values mem[N], str[N], pc[N * C];
  double m_mem[J * J], m_str[J * J];

  if (!tap_ok(buf != NULL, "batch: allocation"))
    return;
  seeded_noise(buf, 4242u, 0.25, J * C, T, rp, ep); /* mean 0.25: zero_mean changes the values */
  memset(buf + (size_t)2 * C * T, 0, (size_t)C * T * sizeof *buf); /* reference 2: silent */
  for (int z = 0; z < 2; z++) {
    const char *zs = z ? "zero-mean" : "raw";
    sb_sisdr *s = NULL, *ss = NULL;
    if (!tap_ok(sb_sisdr_new(&ref, z, &s) == SB_OK && sb_sisdr_new(&ref_s, z, &ss) == SB_OK, "batch %s: sb_sisdr_new", zs))
      goto next;
    tap_ok(batch_matches(s, N, target, &est, idx), "batch %s, in memory: == %d single calls, bit for bit", zs, N);
    tap_ok(batch_matches(ss, N, target, &est_s, idx), "batch %s, streamed: == %d single calls, bit for bit", zs, N);
    tap_ok(sb_sisdr_eval_views(s, N, target, &est, idx, mem, pc) == SB_OK &&
             sb_sisdr_eval_views(ss, N, target, &est_s, idx, str, NULL) == SB_OK && memcmp(mem, str, sizeof mem) == 0,
           "batch %s: streamed == in memory, bit for bit", zs);
    tap_ok(isnan(mem[0].si_sdr) && isnan(mem[0].si_sir) && isnan(mem[4].sd_sdr) && isnan(pc[0].si_sar) &&
             isfinite(mem[1].si_sdr) && isfinite(pc[2].si_sdr),
           "batch %s: the pairs of the silent reference are NaN, the others finite", zs);
    tap_ok(sb_sisdr_eval_views(s, 1, target + 1, &est, idx + 1, str, NULL) == SB_OK &&
             memcmp(&str[0], &mem[1], sizeof str[0]) == 0,
           "batch %s: a pair gives the same values in a batch of 1 and of %d", zs, N);
    tap_ok(sb_sisdr_matrix(s, &est, m_mem) == SB_OK && sb_sisdr_matrix(ss, &est_s, m_str) == SB_OK &&
             memcmp(m_mem, m_str, sizeof m_mem) == 0 && isnan(m_mem[2 * J + 1]) && isfinite(m_mem[0]),
           "matrix %s: streamed == in memory, bit for bit; the silent reference's row is NaN", zs);
  next:
    sb_sisdr_free(&s);
    sb_sisdr_free(&ss);
  }

  {
    sb_sisdr *s = NULL;
    sb_sources mono = est;
    sb_sisdr_new(&ref, 0, &s);
    mono.n_chan = 1;
    tap_ok(sb_sisdr_eval_views(s, 0, target, &est, idx, mem, NULL) == SB_EINVAL &&
             sb_sisdr_eval_views(s, -1, target, &est, idx, mem, NULL) == SB_EINVAL,
           "batch: n < 1: SB_EINVAL");
    tap_ok(sb_sisdr_eval_views(NULL, N, target, &est, idx, mem, NULL) == SB_EINVAL &&
             sb_sisdr_eval_views(s, N, NULL, &est, idx, mem, NULL) == SB_EINVAL &&
             sb_sisdr_eval_views(s, N, target, NULL, idx, mem, NULL) == SB_EINVAL &&
             sb_sisdr_eval_views(s, N, target, &est, NULL, mem, NULL) == SB_EINVAL,
           "batch: NULL s, target, est or est_idx: SB_EINVAL");
    tap_ok(sb_sisdr_eval_views(s, N, bad, &est, idx, mem, NULL) == SB_EINVAL, "batch: target %d of %d references: SB_EINVAL", bad[3], J);
    bad[3] = -1;
    tap_ok(sb_sisdr_eval_views(s, N, bad, &est, idx, mem, NULL) == SB_EINVAL, "batch: negative target: SB_EINVAL");
    tap_ok(sb_sisdr_eval_views(s, N, target, &est, bad, mem, NULL) == SB_EINVAL &&
             sb_sisdr_eval_views(s, 3, target, &est, (const int[]){0, 1, 3}, mem, NULL) == SB_EINVAL,
           "batch: estimate index out of range: SB_EINVAL");
    tap_ok(sb_sisdr_eval_views(s, N, target, &mono, idx, mem, NULL) == SB_EINVAL, "batch: channel mismatch: SB_EINVAL");
    sb_sisdr_free(&s);
  }
  free(buf);
}

int main(void)
{
  tap_pins_load("metrics/test-sisdr.pins");
  tap_ok(refcase_root() != NULL, "SB_REFVECTORS points to the reference vectors");
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    check_case(cases[i]);
  test_hand();
  test_threads();
  test_batch();
  return tap_done();
}
