/*
 * tests/runners/test-signals.c — runners/signals.c: frame lengths in
 * seconds turned into samples, with the messages for windows and hops that
 * are not usable (each names the option it is about), and the views built
 * over loaded audio.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "runners/signals.h"
#include "tap.h"

static void test_frames(void)
{
  static const struct {
    double win_s, hop_s;
    const char *needle;
  } bad[] = {
    {NAN, 1.0, "--win nan"},     {INFINITY, 1.0, "--win inf"}, {1e300, 1.0, "--win 1e+300"},
    {1.0, 0.0, "--hop 0"},       {1.0, NAN, "--hop nan"},      {1.0, INFINITY, "--hop inf"},
    {1e-9, 1.0, "shorter than one sample"},
  };
  sb_eval_opts eo;
  sb_msg msg;
  sb_eval_opts_default(&eo, 44100);
  tap_ok(sb_signals_set_frames(&eo, 1.0, 0.5, 44100, &msg) == SB_OK && eo.win == 44100 && eo.hop == 22050,
         "1 s / 0.5 s at 44.1 kHz: 44100 / 22050 samples");
  tap_ok(sb_signals_set_frames(&eo, 0.0, NAN, 44100, &msg) == SB_OK && eo.win == 0 && eo.hop == 0,
         "a zero window is the whole signal (the hop is not looked at)");
  tap_ok(sb_signals_set_frames(&eo, 1e6, 1e6, 8000, &msg) == SB_OK && eo.win == 8000000000LL,
         "the longest window, 1e6 s, in samples");
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sb_msg_clear(&msg);
    tap_ok(sb_signals_set_frames(&eo, bad[i].win_s, bad[i].hop_s, 44100, &msg) == SB_EINVAL &&
             strstr(msg.text, bad[i].needle),
           "--win %g --hop %g: SB_EINVAL naming the right option (%s)", bad[i].win_s, bad[i].hop_s, msg.text);
  }
}

static void test_views(void)
{
  sb_audio *ref[2] = {NULL, NULL}, *est[2] = {NULL, NULL}, *mix = NULL;
  sb_signals sig;
  int ok = 1;
  for (int j = 0; j < 2; j++)
    ok = ok && sb_audio_new(&ref[j], 2, 10, 8000) == SB_OK && sb_audio_new(&est[j], 2, 10, 8000) == SB_OK;
  ok = ok && sb_audio_new(&mix, 2, 10, 8000) == SB_OK;
  if (tap_ok(ok, "fixture buffers")) {
    tap_ok(sb_signals_init(&sig, ref, est, mix, 2) == SB_OK, "views built");
    tap_ok(sig.ref.n_src == 2 && sig.ref.n_chan == 2 && sig.ref.n_samples == 10 && sig.ref.rate == 8000 &&
             sig.ref.chan[3] == sb_audio_chan(ref[1], 1) && sig.est.chan[0] == est[0]->data,
           "the reference and estimate views point into the buffers, source-major");
    tap_ok(sig.mix.n_src == 1 && sig.mix.chan[1] == sb_audio_chan(mix, 1), "the mixture view");
    sb_signals_clear(&sig);
    tap_ok(sb_signals_init(&sig, ref, est, NULL, 2) == SB_OK && sig.mix.n_src == 0, "no mixture: an empty view");
    sb_signals_clear(&sig);
  }
  for (int j = 0; j < 2; j++) {
    sb_audio_free(&ref[j]);
    sb_audio_free(&est[j]);
  }
  sb_audio_free(&mix);
}

int main(void)
{
  test_frames();
  test_views();
  return tap_done();
}
