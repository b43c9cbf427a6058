/*
 * datasets/tiny_suite.c — the tiny built-in synthetic suite (see
 * tiny_suite.h).
 *
 * Plain additive synthesis: each note is a sum of sine partials under an
 * attack/release envelope; the vocal partials are weighted by a two-formant
 * vowel envelope (formant frequencies after Peterson & Barney, 1952,
 * "Control methods used in a study of the vowels", JASA 24(2)).  Random
 * choices use xorshift64* (Vigna, 2016, "An experimental exploration of
 * Marsaglia's xorshift generators, scrambled", ACM TOMS 42(4)).
 *
 * Workload: 3 tracks x 4 stems x 264,600 stereo frames, ~10 M sine
 * evaluations in all, once per cache.
 */
#include <config.h>

#include "datasets/tiny_suite.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/audio.h"
#include "common/paths.h"
#include "datasets/stemset.h"

/* Changing the synthesis must change this stamp so caches regenerate. */
static const char tiny_stamp[] = "sepbench tiny suite v1\n";

enum { N_STEMS = 4 };
static const char *const stem_names[N_STEMS] = {"vocals", "drums", "bass", "other"};

typedef struct track_spec {
  const char *name;
  uint64_t seed;
  int root;   /* MIDI note of the key's tonic, octave 4 */
  double bpm; /* tempo */
  int minor;  /* natural minor instead of major */
} track_spec;

static const track_spec tiny_tracks[SB_TINY_N_TRACKS] = {
  {"Tiny Band - Morning (C major)", 1, 60, 100.0, 0},
  {"Tiny Band - Rock & Roll", 2, 55, 124.0, 0},
  {"Tiny Band - Don't Stop", 3, 57, 92.0, 1},
};

static const int major_scale[7] = {0, 2, 4, 5, 7, 9, 11};
static const int minor_scale[7] = {0, 2, 3, 5, 7, 8, 10};
/* Chord roots as scale degrees: I-V-vi-IV (major), i-VI-III-VII (minor). */
static const int major_progression[4] = {0, 4, 5, 3};
static const int minor_progression[4] = {0, 5, 2, 6};

typedef struct rng {
  uint64_t state;
} rng;

static uint64_t rng_next(rng *r)
{
  r->state ^= r->state >> 12;
  r->state ^= r->state << 25;
  r->state ^= r->state >> 27;
  return r->state * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, 1) with 53 random bits. */
static double rng_uniform(rng *r)
{
  return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static void rng_seed(rng *r, uint64_t seed)
{
  r->state = seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
  for (int i = 0; i < 8; i++)
    rng_next(r);
}

static double midi_hz(double note)
{
  return 440.0 * pow(2.0, (note - 69.0) / 12.0);
}

/* MIDI note of scale step idx (any integer) above root. */
static int scale_note(const track_spec *t, int idx)
{
  const int *scale = t->minor ? minor_scale : major_scale;
  int octave = idx >= 0 ? idx / 7 : -((-idx + 6) / 7);
  return t->root + 12 * octave + scale[idx - 7 * octave];
}

/* Attack/release envelope at time t of a note held for dur seconds. */
static double envelope(double t, double attack, double dur, double release)
{
  double e = t < attack ? t / attack : 1.0;
  if (t > dur)
    e *= exp(-(t - dur) / release);
  return e;
}

/* sum over h of amp[h] * sin((h + 1) * phase), by the Chebyshev recurrence
 * sin((h + 1) x) = 2 cos(x) sin(h x) - sin((h - 1) x): two libm calls per
 * sample instead of one per partial. */
static double harmonic_sum(double phase, const double *amp, int n_partials)
{
  double s1 = sin(phase), two_cos = 2.0 * cos(phase), s0 = 0.0, sum = 0.0;
  for (int h = 0; h < n_partials; h++) {
    double next = two_cos * s1 - s0;
    sum += amp[h] * s1;
    s0 = s1;
    s1 = next;
  }
  return sum;
}

/* Two-formant vowel weight of a partial at f Hz. */
static double formant_gain(double f, int vowel)
{
  static const double f1[5] = {730, 530, 270, 570, 300}; /* a e i o u */
  static const double f2[5] = {1090, 1840, 2290, 840, 870};
  double d1 = (f - f1[vowel]) / 110.0, d2 = (f - f2[vowel]) / 160.0;
  return 1.0 / (1.0 + d1 * d1) + 0.6 / (1.0 + d2 * d2) + 0.03;
}

static void sing_note(sb_audio *out, double start, double dur, int note, int vowel)
{
  enum { MAX_PARTIALS = 24 };
  const double rate = out->rate, f0 = midi_hz(note), release = 0.06;
  double amp[MAX_PARTIALS], phase = 0.0;
  int n_partials = 0;
  int64_t first = (int64_t)llround(start * rate), n = (int64_t)llround((dur + 5 * release) * rate);
  double *left = sb_audio_chan(out, 0), *right = sb_audio_chan(out, 1);

  while (n_partials < MAX_PARTIALS && f0 * (n_partials + 1) < 6000.0) {
    amp[n_partials] = formant_gain(f0 * (n_partials + 1), vowel) / (n_partials + 1);
    n_partials++;
  }
  for (int64_t i = 0; i < n && first + i < out->n_samples; i++) {
    double t = (double)i / rate;
    double depth = 0.35 * fmin(fmax((t - 0.15) / 0.2, 0.0), 1.0);
    double f = f0 * pow(2.0, depth * sin(2.0 * M_PI * 5.5 * t) / 12.0);
    phase += 2.0 * M_PI * f / rate;
    double s = 0.5 * envelope(t, 0.04, dur, release) * harmonic_sum(phase, amp, n_partials);
    left[first + i] += s;
    right[first + i] += s;
  }
}

static void pluck_bass(sb_audio *out, double start, double dur, int note)
{
  const double rate = out->rate, f0 = midi_hz(note);
  int64_t first = (int64_t)llround(start * rate), n = (int64_t)llround((dur + 0.1) * rate);
  double *left = sb_audio_chan(out, 0), *right = sb_audio_chan(out, 1);

  for (int64_t i = 0; i < n && first + i < out->n_samples; i++) {
    /* partial h decays as exp(-t (2.5 + 1.5 h)) and starts at 1 / h */
    double t = (double)i / rate, amp[8], base = exp(-2.5 * t), step = exp(-1.5 * t), decay = base * step;
    for (int h = 0; h < 8; h++) {
      amp[h] = decay / (h + 1);
      decay *= step;
    }
    double s = 0.5 * envelope(t, 0.005, dur, 0.03) * harmonic_sum(2.0 * M_PI * f0 * t, amp, 8);
    left[first + i] += s;
    right[first + i] += s;
  }
}

static void pad_chord(sb_audio *out, double start, double dur, const int notes[3])
{
  const double rate = out->rate, release = 0.25;
  int64_t first = (int64_t)llround(start * rate), n = (int64_t)llround((dur + 4 * release) * rate);
  double *left = sb_audio_chan(out, 0), *right = sb_audio_chan(out, 1);

  static const double amp[3] = {1.0, 0.4, 0.2};
  for (int v = 0; v < 3; v++) {
    double f = midi_hz(notes[v]);
    double f_left = f * pow(2.0, -4.0 / 1200.0), f_right = f * pow(2.0, 4.0 / 1200.0);
    for (int64_t i = 0; i < n && first + i < out->n_samples; i++) {
      double t = (double)i / rate, e = 0.08 * envelope(t, 0.08, dur, release);
      left[first + i] += e * harmonic_sum(2.0 * M_PI * f_left * t, amp, 3);
      right[first + i] += e * harmonic_sum(2.0 * M_PI * f_right * t, amp, 3);
    }
  }
}

/* Kind 0 = kick, 1 = snare, 2 = closed hi-hat. */
static void hit_drum(sb_audio *out, double start, int kind, double velocity, rng *r)
{
  const double rate = out->rate;
  static const double length[3] = {0.45, 0.25, 0.08};
  static const double pan_left[3] = {1.0, 0.9, 0.6}, pan_right[3] = {1.0, 1.0, 0.95};
  int64_t first = (int64_t)llround(start * rate), n = (int64_t)llround(length[kind] * rate);
  double *left = sb_audio_chan(out, 0), *right = sb_audio_chan(out, 1);
  double phase = 0.0, prev_noise = 0.0;

  for (int64_t i = 0; i < n && first + i < out->n_samples; i++) {
    double t = (double)i / rate, noise = 2.0 * rng_uniform(r) - 1.0, s;
    if (kind == 0) {
      phase += 2.0 * M_PI * (48.0 + 100.0 * exp(-t / 0.035)) / rate;
      s = 0.9 * exp(-t / 0.22) * sin(phase) + (t < 0.003 ? 0.3 * noise : 0.0);
    } else if (kind == 1) {
      s = 0.45 * exp(-t / 0.07) * noise + 0.35 * exp(-t / 0.05) * sin(2.0 * M_PI * 190.0 * t);
    } else {
      s = 0.25 * exp(-t / 0.025) * (noise - prev_noise);
    }
    prev_noise = noise;
    s *= velocity * fmin(t / 0.001, 1.0);
    left[first + i] += pan_left[kind] * s;
    right[first + i] += pan_right[kind] * s;
  }
}

/* Renders the four stems of track t into stems[] (zeroed, stereo). */
static void synthesize(const track_spec *t, sb_audio *const stems[N_STEMS])
{
  const int *progression = t->minor ? minor_progression : major_progression;
  const double beat = 60.0 / t->bpm, total = (double)SB_TINY_FRAMES / SB_TINY_RATE;
  const int n_beats = (int)ceil(total / beat);
  rng melody_rng, drum_rng;
  int melody_idx = 7;

  rng_seed(&melody_rng, t->seed);
  rng_seed(&drum_rng, t->seed ^ 0xD6E8FEB86659FD93ULL);
  for (int b = 0; b < n_beats; b++) {
    double at = b * beat;
    int degree = progression[(b / 4) % 4];

    /* vocals: a random walk over the scale, leaning on chord tones */
    if (b == 0 || rng_uniform(&melody_rng) > 0.12) {
      int halves = rng_uniform(&melody_rng) < 0.3 ? 2 : 1;
      for (int k = 0; k < halves; k++) {
        int step = (int)(rng_uniform(&melody_rng) * 5.0) - 2;
        melody_idx += step;
        if (melody_idx < 4)
          melody_idx = 4 + (4 - melody_idx);
        if (melody_idx > 11)
          melody_idx = 11 - (melody_idx - 11);
        if (k == 0 && ((melody_idx - degree) % 7 + 7) % 7 % 2 == 1)
          melody_idx++;
        int vowel = (int)(rng_uniform(&melody_rng) * 5.0);
        sing_note(stems[0], at + k * beat / halves, 0.9 * beat / halves, scale_note(t, melody_idx), vowel);
      }
    }

    /* drums: kick on 1 and 3, snare on 2 and 4, hi-hat on every eighth */
    hit_drum(stems[1], at, b % 2 == 0 ? 0 : 1, 1.0, &drum_rng);
    if (b % 4 == 2 && rng_uniform(&drum_rng) < 0.4)
      hit_drum(stems[1], at + 0.5 * beat, 0, 0.7, &drum_rng);
    for (int k = 0; k < 2; k++)
      hit_drum(stems[1], at + 0.5 * k * beat, 2, 0.6 + 0.4 * rng_uniform(&drum_rng), &drum_rng);

    /* bass: root on 1 and 3, fifth on 2 and 4, sometimes an octave up */
    int bass_note = scale_note(t, degree + (b % 2 ? 4 : 0)) - 24;
    if (rng_uniform(&melody_rng) < 0.2)
      bass_note += 12;
    pluck_bass(stems[2], at, 0.85 * beat, bass_note);

    /* other: one sustained triad per bar */
    if (b % 4 == 0) {
      int chord[3] = {scale_note(t, degree) - 12, scale_note(t, degree + 2) - 12, scale_note(t, degree + 4) - 12};
      pad_chord(stems[3], at, 4 * beat, chord);
    }
  }
  /* A 50 ms fade-out so the excerpt ends cleanly. */
  int64_t fade = SB_TINY_RATE / 20;
  for (int s = 0; s < N_STEMS; s++)
    for (int c = 0; c < stems[s]->n_chan; c++) {
      double *x = sb_audio_chan(stems[s], c);
      for (int64_t i = 0; i < fade; i++)
        x[SB_TINY_FRAMES - 1 - i] *= (double)i / (double)fade;
    }
}

sb_err sb_tiny_suite_generate(const char *dir, sb_msg *msg)
{
  sb_err err;
  sb_audio *stems[N_STEMS] = {NULL};
  char *track_dir = NULL;

  err = sb_path_mkdir_p(dir, msg);
  if (err)
    return err;
  for (int t = 0; t < SB_TINY_N_TRACKS; t++) {
    for (int s = 0; s < N_STEMS; s++) {
      sb_audio_free(&stems[s]);
      err = sb_audio_new(&stems[s], 2, SB_TINY_FRAMES, SB_TINY_RATE);
      if (err)
        goto done;
    }
    synthesize(&tiny_tracks[t], stems);
    err = sb_path_join(dir, tiny_tracks[t].name, &track_dir);
    if (err)
      goto done;
    err = sb_path_mkdir_p(track_dir, msg);
    if (err)
      goto done;
    err = sb_stemset_write(track_dir, stem_names, stems, N_STEMS, 0.8, msg);
    if (err)
      goto done;
    free(track_dir);
    track_dir = NULL;
  }
  err = sb_stemset_mark_complete(dir, tiny_stamp, msg);
done:
  free(track_dir);
  for (int s = 0; s < N_STEMS; s++)
    sb_audio_free(&stems[s]);
  return err;
}

sb_err sb_tiny_suite_ensure(const char *cache_dir, int quiet, char **suite_dir, sb_msg *msg)
{
  char *dir = NULL;
  sb_err err = sb_path_join(cache_dir, "tiny", &dir);

  *suite_dir = NULL;
  if (err)
    return err;
  if (!sb_stemset_is_complete(dir, tiny_stamp)) {
    if (!quiet)
      fprintf(stderr, "sepbench: generating the tiny suite into %s\n", dir);
    err = sb_tiny_suite_generate(dir, msg);
    if (err) {
      free(dir);
      return err;
    }
  }
  *suite_dir = dir;
  return SB_OK;
}
