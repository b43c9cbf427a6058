#!/usr/bin/env python3
"""tests/backends/embedder-stub.py -- a stand-in frame embedder for the
cmd:TEMPLATE embedder test (tests/backends/test-embedders.c).

usage: embedder-stub.py MODE LIST

LIST has one line per signal: "<input.wav>\t<output.npy>" (float32 WAV,
16 kHz mono, as sepbench writes them).  For line i, with the n samples x of
its WAV, frame t < T = (n - 321) // 320 + 1 gets the 4 values
    [t, x[320 t], n, i]
written as .npy (format version 1): float64 of shape (T + 2, 4) for line 0
(two extra frames, which the reader ignores), float32 (T, 4) for line 1,
float64 (1, T, 4) for the others.  Every value is exact in both dtypes, so
the test knows them independently.

MODE selects a misbehaviour:
  ok         as above
  fail       a message on stderr, exit status 3, no files
  short      T - 1 frames for every line (no extra frames on line 0)
  dim        dimension 5 from line 1 on
  garbage    text instead of .npy for every line
  skip       no file for the last line
  truncated  line 0's header promises one frame more than the data holds
  huge       line 0's header claims a shape whose size overflows 64 bits
  stdout     prints to standard output, then behaves as ok
  signal     kills itself with SIGKILL
  hang       sleeps (for an hour) without writing anything
"""
import os
import signal
import struct
import sys
import time


def read_wav_f32(path):
    """Samples of a mono float32 WAV (RIFF chunks walked by hand: the
    wave module reads integer PCM only)."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[0:4] != b"RIFF" or blob[8:12] != b"WAVE":
        raise SystemExit("%s: not a WAV file" % path)
    pos, fmt = 12, None
    while pos + 8 <= len(blob):
        tag, size = blob[pos:pos + 4], struct.unpack("<I", blob[pos + 4:pos + 8])[0]
        body = blob[pos + 8:pos + 8 + size]
        if tag == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif tag == b"data":
            if fmt is None or fmt[1] != 1 or fmt[5] != 32 or fmt[0] not in (3, 0xFFFE):
                raise SystemExit("%s: expected mono float32 samples, got %r" % (path, fmt))
            return list(struct.unpack("<%df" % (size // 4), body[:size // 4 * 4]))
        pos += 8 + size + (size & 1)
    raise SystemExit("%s: no data chunk" % path)


def npy_bytes(rows, shape, dtype):
    """A version-1 .npy file: header padded to a multiple of 64 bytes."""
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        dtype, ", ".join(str(d) for d in shape))
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    code = "<%d%s" % (len(rows) * len(rows[0]) if rows else 0, "f" if dtype == "<f4" else "d")
    data = struct.pack(code, *[v for row in rows for v in row])
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin-1") + data


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    mode, list_path = sys.argv[1], sys.argv[2]
    if mode == "fail":
        sys.stderr.write("embedder-stub: model exploded\n")
        sys.exit(3)
    if mode == "signal":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        time.sleep(3600)
    if mode == "stdout":
        print("embedder-stub: progress text on standard output")
    with open(list_path) as f:
        lines = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for i, (wav, npy) in enumerate(lines):
        if mode == "skip" and i == len(lines) - 1:
            continue
        if mode == "garbage":
            with open(npy, "w") as out:
                out.write("not an array\n")
            continue
        x = read_wav_f32(wav)
        n = len(x)
        frames = (n - 321) // 320 + 1
        if mode == "short":
            frames -= 1
        dim = 5 if mode == "dim" and i >= 1 else 4
        extra = 2 if i == 0 and mode != "short" else 0
        rows = [[float(t), x[320 * t] if 320 * t < n else 0.0, float(n), float(i)] +
                [0.0] * (dim - 4) for t in range(frames + extra)]
        if i == 0:
            shape, dtype = (len(rows), dim), "<f8"
            if mode == "truncated":
                shape = (len(rows) + 1, dim)
            if mode == "huge":
                shape = (2 ** 62, 4)
        elif i == 1:
            shape, dtype = (len(rows), dim), "<f4"
        else:
            shape, dtype = (1, len(rows), dim), "<f8"
        with open(npy, "wb") as out:
            out.write(npy_bytes(rows, shape, dtype))


if __name__ == "__main__":
    main()
