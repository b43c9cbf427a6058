/*
 * tests/datasets/test-stemset.c — datasets/stemset.c: the common gain puts
 * the largest of the stem peaks and the sum's peak at the requested level,
 * the stems hold k / 2^15 values, mixture.wav is their exact sum, and the
 * .complete marker; bad input.
 *
 * Hand-derived case: stem A = [0.5, -0.25], stem B = [0.5, 0.5] (mono):
 * peaks 0.5 and 0.5, sum [1.0, 0.25] peaks at 1.0, so with peak 0.8 the
 * gain is 0.8 and the quantised stems are round(0.8 * x * 32768):
 * A = [13107, -6554], B = [13107, 13107], mixture = [26214, 6553].
 */
#include <config.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/audio.h"
#include "datasets/stemset.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-stemset-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static int holds(const char *dir, const char *name, double x0, double x1)
{
  char path[1024];
  sb_audio *a = NULL;
  int ok;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (sb_audio_read(path, &a, NULL) != SB_OK)
    return 0;
  ok = a->n_chan == 1 && a->n_samples == 2 && a->rate == 8000 && a->data[0] == x0 / 32768.0 &&
       a->data[1] == x1 / 32768.0;
  sb_audio_free(&a);
  return ok;
}

int main(void)
{
  static const char *const names[2] = {"alpha", "beta"};
  sb_audio *stems[2] = {NULL, NULL}, *odd = NULL;
  sb_msg msg;
  sb_err err;

  if (!mkdtemp(tmp_dir)) {
    tap_ok(0, "create a temporary directory");
    return tap_done();
  }
  sb_audio_new(&stems[0], 1, 2, 8000);
  sb_audio_new(&stems[1], 1, 2, 8000);
  stems[0]->data[0] = 0.5;
  stems[0]->data[1] = -0.25;
  stems[1]->data[0] = 0.5;
  stems[1]->data[1] = 0.5;
  err = sb_stemset_write(tmp_dir, names, stems, 2, 0.8, &msg);
  tap_ok(err == SB_OK, "write two stems (%s)", err ? msg.text : "ok");
  tap_ok(stems[0]->data[0] == 13107 / 32768.0 && stems[0]->data[1] == -6554 / 32768.0, "stem A quantised in place");
  tap_ok(holds(tmp_dir, "alpha.wav", 13107, -6554), "alpha.wav = [13107, -6554] / 2^15");
  tap_ok(holds(tmp_dir, "beta.wav", 13107, 13107), "beta.wav = [13107, 13107] / 2^15");
  tap_ok(holds(tmp_dir, "mixture.wav", 26214, 6553), "mixture.wav = [26214, 6553] / 2^15, the integer sum");

  tap_ok(!sb_stemset_is_complete(tmp_dir, "v1\n"), "no marker yet");
  tap_ok(sb_stemset_mark_complete(tmp_dir, "v1\n", &msg) == SB_OK, "write the marker");
  tap_ok(sb_stemset_is_complete(tmp_dir, "v1\n"), "marker with the same stamp");
  tap_ok(!sb_stemset_is_complete(tmp_dir, "v2\n"), "another stamp is not complete");

  sb_audio_new(&odd, 1, 3, 8000);
  err = sb_stemset_write(tmp_dir, names, (sb_audio *const[]){stems[0], odd}, 2, 0.8, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "beta"), "stems of different lengths: %s", msg.text);
  sb_audio_fit_length(odd, 2);
  memset(odd->data, 0, 2 * sizeof(double));
  err = sb_stemset_write(tmp_dir, names, (sb_audio *const[]){odd, odd}, 2, 0.8, &msg);
  tap_ok(err == SB_EINVAL && strstr(msg.text, "silent"), "all-silent stems: %s", msg.text);
  err = sb_stemset_write(tmp_dir, names, stems, 2, 0.95, &msg);
  tap_ok(err == SB_EINVAL, "peak above 0.9 is SB_EINVAL");
  err = sb_stemset_write("/nonexistent/dir", names, stems, 2, 0.8, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "/nonexistent/dir"), "missing folder: %s", msg.text);

  sb_audio_free(&odd);
  sb_audio_free(&stems[0]);
  sb_audio_free(&stems[1]);
  tap_ok(nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "temporary folder removed");
  return tap_done();
}
