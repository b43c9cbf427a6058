/*
 * datasets/manifest.h — the generic suite manifest, so that any dataset
 * can be described in a few lines.
 *
 * JSON form:
 *   {"name": "my-suite",            optional: the suite's description
 *    "rate": 16000,                 optional: prescribed sample rate, Hz
 *    "mixture_is_sum": true,        optional: validate mixture = sum [false]
 *    "tracks": [
 *      {"id": "utt 1",              the track name ("track" and "name"
 *                                   are synonyms: give one of the three)
 *       "mixture": "utt1/mix.wav",
 *       "references": {"s1": "utt1/s1.wav", "s2": "../clean/s2.wav"},
 *       "subset": "test",           optional ("split" is a synonym) [test]
 *       "tags": ["noisy", "far"]}]} optional (array or "a,b" string)
 * or just the "tracks" array.  Every value must have the type shown (a
 * "subset" that is a number is refused), and so is a key repeated in an
 * object (common/json.h); the message names the file and the key.
 * CSV form (RFC 4180, csv.h): a header with "id" (or "track" or "name"),
 * "mixture", optional "subset" (or "split") and "tags" (separated by ';');
 * every other column is a reference named by its header.
 * Paths: relative ones are resolved against the manifest's folder, ".."
 * included, and every path's folder is made physical (sb_path_resolve:
 * realpath(3) of the folder, the file name kept), so a track's paths are
 * the files that will be read.  Ids and names must pass
 * sb_track_name_check.
 *
 * Workload: one read per run; thousands of tracks.
 */
#ifndef SB_DATASETS_MANIFEST_H
#define SB_DATASETS_MANIFEST_H

#include "datasets/suite.h"
#include "sepbench/error.h"

/* Reads a manifest (.json or .csv by extension).  subset, when not NULL,
 * keeps only the tracks of that subset.  SB_EFORMAT (malformed file, a
 * field of the wrong type or missing, two synonyms given, a repeated JSON
 * key: msg has the line or track index),
 * SB_EINVAL (bad id, name, path, number), SB_ENOTFOUND (no track left),
 * SB_EIO, SB_ENOMEM; *out is NULL on failure. */
sb_err sb_manifest_open(const char *path, const char *subset, sb_suite **out, sb_msg *msg);

#endif /* SB_DATASETS_MANIFEST_H */
