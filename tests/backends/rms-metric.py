#!/usr/bin/env python3
# tests/backends/rms-metric.py — a command metric as a user would write one
# (backends/metric_command.h), for tests/backends/test-metric-command.c and
# tests/runners/test-run-user-metrics.sh; the standard library only.
#
#   rms-metric.py REF.wav EST.wav [FAULT]       prints {"RMSR_cmd": dB}
#   rms-metric.py --track REFDIR ESTDIR [FAULT] prints {"RMSR_cmd_all": dB}
#   rms-metric.py --key NAME ...                prints NAME as the key
#
# RMSR_cmd = 10 log10(sum est^2 / sum ref^2) over every channel and sample
# (the test plugin's RMSR, tests/backends/rms_metric_plugin.c), RMSR_cmd_all
# the same over every TARGET.wav of the two folders.  The WAV reader takes
# what sepbench writes (float32, WAVE_FORMAT_IEEE_FLOAT or EXTENSIBLE) and
# 16-bit PCM.  FAULT makes it misbehave: crash (SIGSEGV), hang (sleeps for
# ever), exit3 (a message on stderr, exit status 3), badjson, nan (prints
# NaN, as json.dumps does), null, wrongkey, missingkey, string, nothing.
import json
import os
import signal
import struct
import sys
import time
from array import array


def read_wav(path):
    """The samples of a WAV file as a list of floats (channels interleaved)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SystemExit(f"{path}: not a WAV file")
    pos, fmt, bits = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt, bits = struct.unpack("<H", body[:2])[0], struct.unpack("<H", body[14:16])[0]
            if fmt == 0xFFFE:
                fmt = struct.unpack("<H", body[24:26])[0]
        elif cid == b"data":
            if fmt == 3 and bits == 32:
                samples = array("f")
                samples.frombytes(body)
                return list(samples)
            if fmt == 1 and bits == 16:
                samples = array("h")
                samples.frombytes(body)
                return [s / 32768.0 for s in samples]
            raise SystemExit(f"{path}: format {fmt}, {bits} bits not read")
        pos += 8 + size + (size & 1)
    raise SystemExit(f"{path}: no data chunk")


def energy(path):
    return sum(x * x for x in read_wav(path))


def ratio_db(est, ref):
    import math
    return 10 * math.log10(est / ref) if ref > 0 else float("nan")


def main(argv):
    key = None
    if argv[:1] == ["--key"]:
        key, argv = argv[1], argv[2:]
    per_track = argv[:1] == ["--track"]
    if per_track:
        argv = argv[1:]
    ref, est, fault = argv[0], argv[1], argv[2] if len(argv) > 2 else ""
    if fault == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if fault == "hang":
        while True:
            time.sleep(3600)
    if fault == "exit3":
        print("rms-metric: cannot score as asked", file=sys.stderr)
        return 3
    if per_track:
        names = sorted(os.listdir(ref))
        value = ratio_db(sum(energy(os.path.join(est, n)) for n in names),
                         sum(energy(os.path.join(ref, n)) for n in names))
    else:
        value = ratio_db(energy(est), energy(ref))
    key = key or ("RMSR_cmd_all" if per_track else "RMSR_cmd")
    outputs = {
        "badjson": '{"%s": 3.1' % key,
        "nan": json.dumps({key: float("nan")}),
        "null": json.dumps({key: None}),
        "wrongkey": json.dumps({key: value, "PESQ": 3.1}),
        "missingkey": "{}",
        "string": json.dumps({key: "3.1"}),
        "nothing": "",
    }
    print(outputs.get(fault, json.dumps({key: value})))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
