#!/usr/bin/env python3
"""Damages kpi files in one precise way each, for kpictl verify's tests.

usage: kpi_damage.py swap-blocks SEGMENT
       kpi_damage.py flip SEGMENT_OR_WAL OFFSET
       kpi_damage.py wal-frame-offsets WAL
       kpi_damage.py blocks SEGMENT
       kpi_damage.py writer-seq DATA_DIR WRITER BOUND

swap-blocks  exchanges a segment's first two blocks and rewrites its index
             (entries, offsets, crc32c) to match: every block and the index
             stay valid, only the (timestamp, _id) order across blocks is
             broken. Prints the new offset of the block now second.
flip         inverts the byte at OFFSET.
wal-frame-offsets  prints the offset of every frame of a WAL, one a line.
blocks       prints the number of blocks a segment's index lists.
writer-seq   writes writers/WRITER/seq with BOUND (8 bytes LE + crc32c), which
             kpid needs to take over a writer whose files a tool wrote.
Layouts: format-spec/segment.md §3-§5, format-spec/wal.md §2-§3.
"""
import os
import struct
import sys

INDEX_MAGIC = 0x184D2A5B
ENTRY = 64
FRAME_HEADER = 24


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def swap_blocks(path):
    data = bytearray(open(path, "rb").read())
    count, = struct.unpack_from("<I", data, len(data) - 16)
    index_start = len(data) - (24 + ENTRY * count)
    magic, size = struct.unpack_from("<II", data, index_start)
    assert magic == INDEX_MAGIC and size == ENTRY * count + 16, "not a kpi segment index"
    assert count >= 2, "the segment has fewer than two blocks"
    entries = [bytearray(data[index_start + 8 + i * ENTRY:index_start + 8 + (i + 1) * ENTRY])
               for i in range(count)]
    blocks = []
    for e in entries:
        offset, compressed = struct.unpack_from("<QI", e, 0)
        blocks.append(bytes(data[offset:offset + compressed]))
    first = struct.unpack_from("<Q", entries[0], 0)[0]
    order = [1, 0] + list(range(2, count))
    body = bytearray()
    new_entries = []
    for i in order:
        e = bytearray(entries[i])
        struct.pack_into("<Q", e, 0, first + len(body))
        body += blocks[i]
        new_entries.append(e)
    index = b"".join(new_entries) + struct.pack("<I", count)
    index += struct.pack("<I", crc32c(index)) + data[len(data) - 8:]
    out = data[:first] + body + struct.pack("<II", INDEX_MAGIC, size) + index
    assert len(out) == len(data)
    open(path, "wb").write(out)
    print(struct.unpack_from("<Q", new_entries[1], 0)[0])


def wal_frame_offsets(path):
    data = open(path, "rb").read()
    at = 48 if struct.unpack_from("<H", data, 4)[0] == 1 else 64  # wal.md §2
    while at + FRAME_HEADER <= len(data):
        length, = struct.unpack_from("<I", data, at + 4)
        if length == 0 or at + FRAME_HEADER + length > len(data):
            break
        print(at)
        at += FRAME_HEADER + length


def main():
    command, path = sys.argv[1], sys.argv[2]
    if command == "swap-blocks":
        swap_blocks(path)
    elif command == "flip":
        offset = int(sys.argv[3])
        data = bytearray(open(path, "rb").read())
        data[offset] ^= 0xFF
        open(path, "wb").write(data)
    elif command == "blocks":
        data = open(path, "rb").read()
        print(struct.unpack_from("<I", data, len(data) - 16)[0])
    elif command == "writer-seq":
        writer, bound = sys.argv[3], int(sys.argv[4])
        os.makedirs(os.path.join(path, "writers", writer), exist_ok=True)
        value = struct.pack("<Q", bound)
        with open(os.path.join(path, "writers", writer, "seq"), "wb") as f:
            f.write(value + struct.pack("<I", crc32c(value)))
    elif command == "wal-frame-offsets":
        wal_frame_offsets(path)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
