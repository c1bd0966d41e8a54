#!/usr/bin/env python3
"""Prints every record of a kpi store, one JSON line each, without kpi code.

Sealed segments are zstd streams (format-spec/segment.md): `zstdcat` prints
their records. Write-ahead files (format-spec/wal.md) are read here: the
valid prefix of CRC-framed records; a WAL whose segment exists is skipped,
as every reader does. Used by the integration tests to check what kpid
stored independently of kpictl.
"""
import os
import struct
import subprocess
import sys

_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def wal_records(path):
    with open(path, "rb") as f:
        data = f.read()
    # wal.md §2: frames start after a 64-byte header (48 in version 1).
    pos = 48 if struct.unpack_from("<H", data, 4)[0] == 1 else 64
    while pos + 24 <= len(data):
        crc, length = struct.unpack_from("<II", data, pos)
        end = pos + 24 + length
        if length == 0 or length > (1 << 20) or end > len(data):
            break
        if crc32c(data[pos + 4:end]) != crc:
            break
        yield data[pos + 24:end].decode("utf-8")
        pos = end


def segment_for_wal(data_dir, name):
    hour, rest = name[:-len(".wal")].split("-", 1)
    return os.path.join(data_dir, "segments", hour[0:4], hour[4:6], hour[6:8], hour[9:11],
                        rest + ".kpi.zst")


def main():
    data_dir = sys.argv[1]
    out = sys.stdout
    for root, _, files in sorted(os.walk(os.path.join(data_dir, "segments"))):
        for name in sorted(files):
            if name.endswith(".kpi.zst") and not name.startswith("."):
                text = subprocess.run(["zstdcat", os.path.join(root, name)], check=True,
                                      capture_output=True).stdout.decode("utf-8")
                out.write(text)
    wal_dir = os.path.join(data_dir, "wal")
    for name in sorted(os.listdir(wal_dir) if os.path.isdir(wal_dir) else []):
        if name.endswith(".wal") and not os.path.exists(segment_for_wal(data_dir, name)):
            for line in wal_records(os.path.join(wal_dir, name)):
                out.write(line + "\n")


if __name__ == "__main__":
    main()
