/* tests/backends/test-api.c — backends/api.c: the check of a backend
 * description (ABI version, name, functions), of a separation request, the
 * "key=value" options parser and the reason buffer, with bad input. */
#include <config.h>

#include <string.h>

#include "backends/api.h"
#include "tap.h"

static sb_err fake_create(void **state, const char *options, char *errbuf, size_t errlen)
{
  *state = NULL;
  return SB_OK;
}

static sb_err fake_separate(void *state, const sb_separation *job)
{
  return SB_OK;
}

static void fake_destroy(void *state)
{
}

static void test_check(void)
{
  const sb_backend_api fake = {SB_BACKEND_ABI_VERSION, "fake-sep.v2", "a test backend", 0,
                               fake_create, fake_separate, fake_destroy};
  sb_backend_api bad;
  sb_msg msg;

  tap_ok(sb_backend_check(&fake, &msg) == SB_OK, "a complete description passes");
  bad = fake;
  bad.abi_version = 2;
  tap_ok(sb_backend_check(&bad, &msg) == SB_EUNSUPPORTED && strstr(msg.text, "ABI version 2"),
         "ABI version 2 -> SB_EUNSUPPORTED: %s", msg.text);
  bad = fake;
  bad.name = "my backend";
  tap_ok(sb_backend_check(&bad, &msg) == SB_EINVAL, "a blank in the name -> SB_EINVAL: %s", msg.text);
  bad.name = "";
  tap_ok(sb_backend_check(&bad, &msg) == SB_EINVAL, "an empty name -> SB_EINVAL");
  bad.name = "a1234567890123456789012345678901234567890123456789012345678901234";
  tap_ok(sb_backend_check(&bad, &msg) == SB_EINVAL && strstr(msg.text, "1 to 63"), "a 64-character name: %s", msg.text);
  bad = fake;
  bad.separate = NULL;
  tap_ok(sb_backend_check(&bad, &msg) == SB_EINVAL, "missing separate() -> SB_EINVAL: %s", msg.text);
  bad = fake;
  bad.description = NULL;
  tap_ok(sb_backend_check(&bad, &msg) == SB_EINVAL, "missing description -> SB_EINVAL");
  tap_ok(sb_backend_check(NULL, &msg) == SB_EINVAL, "NULL description -> SB_EINVAL");
}

static void test_check_job(void)
{
  double mix[8] = {0}, est0[8], est1[8], ref0[8];
  double *est[2] = {est0, est1};
  const double *refs[2] = {ref0, NULL};
  const char *targets[2] = {"vocals", "drums"};
  char errbuf[128];
  sb_separation job = {.track = "T", .rate = 8000, .n_chan = 2, .n_samples = 4, .mix = mix, .n_targets = 2,
                       .targets = targets, .est = est, .errbuf = errbuf, .errlen = sizeof errbuf};
  sb_separation bad;

  tap_ok(sb_backend_check_job("b", &job, 0) == SB_OK, "a well-formed job passes");
  bad = job;
  bad.n_chan = 0;
  tap_ok(sb_backend_check_job("b", &bad, 0) == SB_EINVAL && strcmp(errbuf, "b: T: 0 channels") == 0,
         "no channel: %s", errbuf);
  bad = job;
  bad.n_samples = 0;
  tap_ok(sb_backend_check_job("b", &bad, 0) == SB_EINVAL && strcmp(errbuf, "b: T: empty mixture") == 0,
         "an empty mixture: %s", errbuf);
  bad = job;
  bad.n_targets = 0;
  tap_ok(sb_backend_check_job("b", &bad, 0) == SB_EINVAL && strstr(errbuf, "no target"), "no target: %s", errbuf);
  bad = job;
  bad.mix = NULL;
  tap_ok(sb_backend_check_job("b", &bad, 0) == SB_EINVAL && strstr(errbuf, "missing mixture"), "no mixture buffer");
  tap_ok(sb_backend_check_job("b", &job, 1) == SB_EINVAL && strstr(errbuf, "needs the references"),
         "an oracle without references: %s", errbuf);
  bad = job;
  bad.refs = refs;
  tap_ok(sb_backend_check_job("b", &bad, 1) == SB_EINVAL && strcmp(errbuf, "b: T: missing reference for target 'drums'") == 0,
         "a missing reference, named: %s", errbuf);
  est[1] = NULL;
  tap_ok(sb_backend_check_job(NULL, &job, 0) == SB_EINVAL &&
           strcmp(errbuf, "backend: T: no estimate buffer for target 'drums'") == 0,
         "a missing estimate buffer, named: %s", errbuf);
  tap_ok(sb_backend_check_job("b", NULL, 0) == SB_EINVAL, "NULL job");
}

static void test_parse_options(void)
{
  double value = 3.0, whole = 4.0;
  const sb_backend_option opts[2] = {{"k", 0.0, 10.0, 0, &value}, {"n", 1, 64, 1, &whole}};
  char errbuf[256];

  tap_ok(sb_backend_parse_options("t", "k=4", opts, 2, NULL, 0) == SB_OK && value == 4.0,
         "a parsed value is written (and a NULL errbuf is fine)");
  tap_ok(sb_backend_parse_options("t", "k=5,k=6", opts, 2, errbuf, sizeof errbuf) == SB_EINVAL && value == 4.0 &&
           strcmp(errbuf, "t: option 'k' given twice") == 0,
         "on error no value changes: %s", errbuf);
  tap_ok(sb_backend_parse_options("t", "k=1e1", opts, 2, errbuf, 8) == SB_OK && value == 10.0,
         "exponent notation and the inclusive upper bound");
  tap_ok(sb_backend_parse_options("t", "zzzzzzzzzzzz=1", opts, 2, errbuf, 8) == SB_EINVAL && strlen(errbuf) == 7,
         "a short errbuf is truncated, not overrun");
  tap_ok(sb_backend_parse_options("t", "q=1", opts, 2, errbuf, sizeof errbuf) == SB_EINVAL &&
           strcmp(errbuf, "t: unknown option 'q' (known: k, n)") == 0,
         "an unknown key lists the known ones: %s", errbuf);
  tap_ok(sb_backend_parse_options("t", " n = 8 , k = 2 ", opts, 2, errbuf, sizeof errbuf) == SB_OK && whole == 8.0 &&
           value == 2.0,
         "blanks around keys and values");
  tap_ok(sb_backend_parse_options("t", "n=2.5", opts, 2, errbuf, sizeof errbuf) == SB_EINVAL &&
           strstr(errbuf, "not a whole number"),
         "a fraction for a whole-number option: %s", errbuf);
  tap_ok(sb_backend_parse_options("t", "k=inf", opts, 2, errbuf, sizeof errbuf) == SB_EINVAL &&
           strstr(errbuf, "not a finite number"),
         "inf is not a number here: %s", errbuf);
  tap_ok(sb_backend_parse_options("t", NULL, opts, 2, errbuf, sizeof errbuf) == SB_OK, "NULL options: none");
  tap_ok(sb_backend_parse_options("t", "k=1", NULL, 1, errbuf, sizeof errbuf) == SB_EINVAL, "a NULL option table");
}

static void test_error(void)
{
  char errbuf[8] = "x";
  tap_ok(sb_backend_error(errbuf, sizeof errbuf, SB_EBACKEND, "%s %d", "failure", 42) == SB_EBACKEND &&
           strcmp(errbuf, "failure") == 0,
         "the reason is written, cut to the buffer, and the code returned");
  tap_ok(sb_backend_error(NULL, 0, SB_EIO, "x") == SB_EIO, "a NULL errbuf is fine");
}

int main(void)
{
  test_check();
  test_check_job();
  test_parse_options();
  test_error();
  return tap_done();
}
