/*
 * tests/metrics/test-permutation.c — brute-force (mir_eval) and Hungarian
 * (fast_bss_eval) permutation rules of metrics/permutation.c.
 *
 * Expected values: hand-built score matrices whose best permutation and
 * tie/NaN behaviour follow from the rules (itertools.permutations order,
 * numpy argmax returning the first NaN / first maximum); brute force as the
 * oracle for the Hungarian method on seeded random matrices; the speech
 * reference vector's pit_si_sdr (perm, mean of every permutation).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "metrics/permutation.h"
#include "metrics/sisdr.h"
#include "tests/metrics/refcase.h"

static int same_perm(const int *a, const int *b, int n)
{
  return memcmp(a, b, (size_t)n * sizeof *a) == 0;
}

static void test_brute_hand(void)
{
  /* score[j][e]: reference j, estimate e; best: 0->2, 1->0, 2->1 (mean 8). */
  double s3[9] = {1, 2, 9, 8, 0, 1, 3, 7, 2};
  int want3[3] = {2, 0, 1}, perm[SB_PERM_BRUTE_MAX];
  double best = 0.0;
  /* Candidates [0,2,1] (1+5+5=11) and [1,0,2] (5+5+1=11) tie; [0,2,1] comes
   * first in itertools order. */
  double tie[9] = {1, 5, 0, 5, 0, 5, 0, 5, 1};
  int want_tie[3] = {0, 2, 1};
  double flat[4] = {3, 3, 3, 3};
  int id2[2] = {0, 1}, sw2[2] = {1, 0};
  double nan_one[4] = {1, 5, NAN, 0};
  double nan_all[4] = {NAN, NAN, NAN, NAN};
  double inf_m[4] = {-INFINITY, 1, 2, 3};

  tap_ok(sb_perm_brute(3, s3, perm, &best) == SB_OK && same_perm(perm, want3, 3), "3 x 3: best is [2, 0, 1]");
  tap_near(best, 8.0, 0, "3 x 3: best mean (9 + 8 + 7) / 3");
  tap_ok(sb_perm_brute(3, tie, perm, &best) == SB_OK && same_perm(perm, want_tie, 3),
         "tie: the first maximiser in itertools order wins");
  tap_ok(sb_perm_brute(2, flat, perm, NULL) == SB_OK && same_perm(perm, id2, 2), "all equal: identity");
  /* [0,1] has mean (1 + 0) / 2; [1,0] contains NaN -> numpy argmax takes it. */
  tap_ok(sb_perm_brute(2, nan_one, perm, &best) == SB_OK && same_perm(perm, sw2, 2) && isnan(best),
         "a NaN candidate wins like np.argmax (first NaN)");
  tap_ok(sb_perm_brute(2, nan_all, perm, &best) == SB_OK && same_perm(perm, id2, 2) && isnan(best),
         "all candidates NaN (museval v4 with a NaN frame): identity");
  tap_ok(sb_perm_brute(2, inf_m, perm, &best) == SB_OK && same_perm(perm, sw2, 2) && best == 1.5,
         "-inf entries lose");
  perm[0] = -1;
  tap_ok(sb_perm_brute(1, s3, perm, &best) == SB_OK && perm[0] == 0 && best == 1.0, "one source: [0]");
  tap_ok(sb_perm_brute(0, s3, perm, NULL) == SB_EINVAL, "n = 0: SB_EINVAL");
  tap_ok(sb_perm_brute(SB_PERM_BRUTE_MAX + 1, s3, perm, NULL) == SB_EINVAL, "n > SB_PERM_BRUTE_MAX: SB_EINVAL");
  tap_ok(sb_perm_brute(3, NULL, perm, NULL) == SB_EINVAL, "NULL score: SB_EINVAL");
  tap_ok(sb_perm_brute(3, s3, NULL, NULL) == SB_EINVAL, "NULL perm: SB_EINVAL");
}

static uint64_t rng_state;

static double uniform(void)
{
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (double)(rng_state >> 11) / 9007199254740992.0;
}

static int is_permutation(const int *p, int n)
{
  unsigned char *seen = calloc((size_t)n, 1);
  int ok = seen != NULL;
  for (int j = 0; ok && j < n; j++) {
    ok = p[j] >= 0 && p[j] < n && !seen[p[j]];
    if (ok)
      seen[p[j]] = 1;
  }
  free(seen);
  return ok;
}

static void test_hungarian(void)
{
  uint64_t seed = tap_seed(424242u);
  int agree = 1, perm_b[8], perm_h[8];
  rng_state = seed;
  for (int trial = 0; trial < 200; trial++) {
    int n = 2 + trial % 7;
    double score[64], mb, mh;
    for (int i = 0; i < n * n; i++)
      score[i] = 40.0 * uniform() - 20.0;
    sb_perm_brute(n, score, perm_b, &mb);
    sb_perm_hungarian(n, score, perm_h, &mh);
    agree &= same_perm(perm_b, perm_h, n) && mb == mh;
  }
  tap_ok(agree, "Hungarian == brute force on 200 random matrices (n = 2..8)");

  {
    /* Infinite entries (fast_bss_eval placeholders): +inf is the best. */
    double s[9] = {1, INFINITY, 2, 3, 1, 0, 0, 2, INFINITY};
    int want[3] = {1, 0, 2};
    tap_ok(sb_perm_hungarian(3, s, perm_h, NULL) == SB_OK && same_perm(perm_h, want, 3), "+inf scores are taken");
    /* [[1, -inf, 2], [3, 1, 0], [0, 2, 6]]: identity (1 + 1 + 6) is the
     * unique best, any -inf assignment the worst. */
    s[1] = -INFINITY;
    s[8] = 6;
    {
      int id3[3] = {0, 1, 2}, nan_best[3] = {0, 2, 1};
      tap_ok(sb_perm_hungarian(3, s, perm_h, NULL) == SB_OK && same_perm(perm_h, id3, 3), "-inf scores are avoided");
      s[0] = INFINITY;
      tap_ok(sb_perm_hungarian(3, s, perm_h, NULL) == SB_OK && same_perm(perm_h, id3, 3),
             "+inf and -inf in one matrix (fast_bss_eval raises): +inf taken, -inf avoided");
      s[4] = NAN;
      tap_ok(sb_perm_hungarian(3, s, perm_h, NULL) == SB_OK && same_perm(perm_h, nan_best, 3),
             "NaN counts as the worst score");
    }
  }
  {
    double all_nan[4] = {NAN, NAN, NAN, NAN};
    tap_ok(sb_perm_hungarian(2, all_nan, perm_h, NULL) == SB_OK && is_permutation(perm_h, 2), "all NaN: a permutation");
  }
  {
    /* n = 150: valid permutation and no improving swap of two rows. */
    int n = 150, ok = 1;
    double *s = malloc((size_t)n * n * sizeof *s);
    int *p = malloc((size_t)n * sizeof *p);
    if (s && p) {
      for (int i = 0; i < n * n; i++)
        s[i] = uniform();
      ok = sb_perm_hungarian(n, s, p, NULL) == SB_OK && is_permutation(p, n);
      for (int a = 0; ok && a < n; a++)
        for (int b = a + 1; ok && b < n; b++)
          ok = s[a * n + p[a]] + s[b * n + p[b]] >= s[a * n + p[b]] + s[b * n + p[a]] - 1e-12;
    }
    tap_ok(s && p && ok, "n = 150: a permutation no two-row swap improves");
    free(s);
    free(p);
  }
  tap_ok(sb_perm_hungarian(0, NULL, perm_h, NULL) == SB_EINVAL, "n = 0: SB_EINVAL");
  tap_ok(sb_perm_hungarian(2, NULL, perm_h, NULL) == SB_EINVAL, "NULL score: SB_EINVAL");
}

/* PIT SI-SDR on the speech reference vector: perm [1, 0] and the mean of
 * every permutation. */
static void test_pit_refvector(void)
{
  refcase *c = NULL;
  sb_msg msg = {{0}};
  sb_sisdr *s = NULL;
  double mat[4], best = 0.0;
  int perm[2];
  const sb_json *pit, *all;

  tap_ok(refcase_root() != NULL, "SB_REFVECTORS points to the reference vectors");
  if (!tap_ok(refcase_load("speech2_16k_swapped", &c, &msg) == SB_OK, "speech case (%s)", msg.text))
    return;
  pit = refcase_get(c, "pit_si_sdr", (const char *)NULL);
  if (tap_ok(sb_sisdr_new(&c->ref, 0, &s) == SB_OK && sb_sisdr_matrix(s, &c->est, mat) == SB_OK, "SI-SDR matrix")) {
    for (int rule = 0; rule < 2; rule++) {
      sb_err err = rule ? sb_perm_hungarian(2, mat, perm, &best) : sb_perm_brute(2, mat, perm, &best);
      tap_ok(err == SB_OK && perm[0] == (int)sb_json_num(sb_json_at(sb_json_get(pit, "perm"), 0)) &&
                 perm[1] == (int)sb_json_num(sb_json_at(sb_json_get(pit, "perm"), 1)),
             "%s: PIT perm equals pit_si_sdr.perm", rule ? "Hungarian" : "brute force");
      tap_near(best, sb_json_num(sb_json_get(pit, "mean_si_sdr")), 1e-3, "%s: best mean SI-SDR",
               rule ? "Hungarian" : "brute force");
      tap_pin(best, "%s: best mean SI-SDR", rule ? "Hungarian" : "brute force");
    }
    all = sb_json_get(pit, "all_permutations");
    for (size_t i = 0; i < all->n; i++) {
      const sb_json *cand = sb_json_at(all, i);
      int p[2] = {(int)sb_json_num(sb_json_at(sb_json_get(cand, "perm"), 0)),
                  (int)sb_json_num(sb_json_at(sb_json_get(cand, "perm"), 1))};
      tap_near((mat[0 * 2 + p[0]] + mat[1 * 2 + p[1]]) / 2, sb_json_num(sb_json_get(cand, "mean_si_sdr")), 1e-3,
               "candidate [%d, %d] mean SI-SDR", p[0], p[1]);
    }
  }
  sb_sisdr_free(&s);
  refcase_free(&c);
}

int main(void)
{
  tap_pins_load("metrics/test-permutation.pins");
  test_brute_hand();
  test_hungarian();
  test_pit_refvector();
  return tap_done();
}
