"""kpi_files: the byte layer of kpi_reader, written from format-spec/ alone:
one segment file (segment.md) or one write-ahead file (wal.md) decoded into
its records and the problems found in it, section by section (the section
numbers below are theirs). kpi_reader.py lists stores and merges files.

Needs only the Python standard library and Debian's python3-zstandard.
"""

import hashlib
import hmac
import re
import struct

import zstandard

# ----------------------------------------------------------------- §8 crc32c


def _crc_entry(n):
    for _ in range(8):
        n = (n >> 1) ^ 0x82F63B78 if n & 1 else n >> 1  # reflected 0x1EDC6F41
    return n


_CRC_TABLE = [_crc_entry(n) for n in range(256)]


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    table = _CRC_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283

# ------------------------------------------------------------ §0 conventions

MS_PER_HOUR = 3600000
MAX_TIME_MS = 253402300800000  # 10000-01-01: four-digit years only
HEADER_MAGIC = 0x184D2A5A
INDEX_MAGIC = 0x184D2A5B
ZSTD_MAGIC = 0xFD2FB528
MAX_WAL_PAYLOAD = 1 << 20
WRITER_RE = re.compile(rb"[a-z0-9]{1,16}\Z")
# §2.1: the record prefix, the only part of a line a reader checks.
PREFIX_RE = re.compile(rb'\{"_id":"([a-z0-9]{1,16})-([0-9a-f]{16})","timestamp":(0|[1-9][0-9]{0,17})([,}])')


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


def u64(b, o):
    return struct.unpack_from("<Q", b, o)[0]


def i64(b, o):
    return struct.unpack_from("<q", b, o)[0]


def valid_hour(hour):
    return 0 <= hour < MAX_TIME_MS and hour % MS_PER_HOUR == 0


def parse_record(line):
    """(timestamp, writer, seq) of a line with a valid record prefix, else None."""
    m = PREFIX_RE.match(line)
    if not m or not line.endswith(b"}"):
        return None
    if m.group(4) == b"}" and m.end() != len(line):
        return None
    return int(m.group(3)), m.group(1).decode(), int(m.group(2), 16)


def record_id(writer, seq):
    return "%s-%016x" % (writer, seq)


class Problem:
    """One entry of the damage report (segment.md §12, wal.md §6)."""

    def __init__(self, path, kind, offset, block=None, severity="damage"):
        self.path, self.kind, self.offset, self.block = path, kind, offset, block
        self.severity = severity

    def text(self):
        block = "" if self.block is None else " block=%d" % self.block
        return "%s %s%s offset=%d" % (self.severity, self.kind, block, self.offset)

    def __str__(self):
        return "%s: %s" % (self.path, self.text())


KIND_ORDER = ("header", "unsupported", "index", "block", "order", "torn", "frame", "record")


def sorted_problems(problems):
    """A file's problems by offset, ties in the order of the spec's tables (§12)."""
    return sorted(problems, key=lambda p: (p.offset, KIND_ORDER.index(p.kind)))


class Record:
    __slots__ = ("ts", "id", "line")

    def __init__(self, ts, rid, line):
        self.ts, self.id, self.line = ts, rid, line

    def key(self):
        return (self.ts, self.id)


# ------------------------------------------------------- RFC 8878 frame walk


def zstd_frame_extent(data, offset):
    """(content size or None, compressed extent or None) of the zstd frame at offset.

    The extent is None when the frame runs past the end of the data (torn)."""
    if offset + 5 > len(data) or u32(data, offset) != ZSTD_MAGIC:
        return None, None
    fhd = data[offset + 4]
    fcs_flag, single, checksum, dict_flag = fhd >> 6, (fhd >> 5) & 1, (fhd >> 2) & 1, fhd & 3
    if (fhd >> 3) & 1:
        return None, None  # reserved bit
    pos = offset + 5 + (0 if single else 1) + (0, 1, 2, 4)[dict_flag]
    fcs_size = (1 if single else 0, 2, 4, 8)[fcs_flag]
    if pos + fcs_size > len(data):
        return None, None
    content = None
    if fcs_size:
        content = int.from_bytes(data[pos:pos + fcs_size], "little") + (256 if fcs_size == 2 else 0)
    pos += fcs_size
    while True:
        if pos + 3 > len(data):
            return content, None
        h = int.from_bytes(data[pos:pos + 3], "little")
        last, kind, size = h & 1, (h >> 1) & 3, h >> 3
        if kind == 3:
            return content, None
        pos += 3 + (1 if kind == 1 else size)
        if pos > len(data):
            return content, None
        if last:
            break
    pos += 4 * checksum
    if pos > len(data):
        return content, None
    return content, pos - offset


def zstd_decode(frame, content_size):
    try:
        out = zstandard.ZstdDecompressor().decompress(frame, max_output_size=content_size)
    except zstandard.ZstdError:
        return None
    return out if len(out) == content_size else None


# ------------------------------------------------------------ §3 the header


class Header:
    def __init__(self):
        self.sound = False
        self.unsupported = False
        self.end = None  # end of the header frame, when its size is plausible
        self.hour = self.seq = None
        self.writer = None
        self.compacted = False
        self.superseded = []


def decode_header(data):
    h = Header()
    if len(data) < 8 or u32(data, 0) != HEADER_MAGIC:
        return h
    n = u32(data, 4)
    if n < 32 or 8 + n > len(data):
        return h
    h.end = 8 + n
    crc_at = 8 + n - 4
    if crc32c(data[8:crc_at]) != u32(data, crc_at) or data[8:12] != b"KPIS":
        return h
    version = u16(data, 12)
    if version > 1:
        h.unsupported = True
        return h
    flags, hour, seq, w = u16(data, 14), i64(data, 16), u64(data, 24), data[32]
    if version == 0 or flags & ~1 or not valid_hour(hour) or 33 + w + 2 > crc_at:
        return h
    writer = bytes(data[33:33 + w])
    if not WRITER_RE.match(writer):
        return h
    pos = 33 + w
    count = u16(data, pos)
    pos += 2
    names = []
    for _ in range(count):
        length = data[pos] if pos < crc_at else 0
        if length == 0 or length > 64 or pos + 1 + length > crc_at:
            return h
        name = bytes(data[pos + 1:pos + 1 + length])
        if b"/" in name:
            return h
        names.append(name.decode("latin-1"))
        pos += 1 + length
    compacted = bool(flags & 1)
    if pos != crc_at or (count and not compacted) or compacted != (writer == b"compact"):
        return h
    h.sound, h.hour, h.seq, h.writer = True, hour, seq, writer.decode()
    h.compacted, h.superseded = compacted, names
    return h


# ------------------------------------------------------------- §5 the index


class Block:
    __slots__ = ("offset", "csize", "usize", "count", "crc", "min_ts", "max_ts", "first_id")


def decode_index(data, header):
    """The blocks of a valid index, else None."""
    size = len(data)
    if size < 16:
        return None
    footer = size - 16
    if data[footer + 12:footer + 16] != b"KPIX" or u32(data, footer + 8) != 0:
        return None
    count = u32(data, footer)
    start = size - (24 + 64 * count)
    min_start = header.end if header.sound else 8
    if start < min_start:
        return None
    if u32(data, start) != INDEX_MAGIC or u32(data, start + 4) != 64 * count + 16:
        return None
    entries_end = start + 8 + 64 * count
    if crc32c(data[start + 8:entries_end + 4]) != u32(data, entries_end + 4):
        return None
    blocks = []
    for i in range(count):
        e = start + 8 + 64 * i
        b = Block()
        b.offset, b.csize, b.usize, b.count, b.crc = struct.unpack_from("<QIIII", data, e)
        b.min_ts, b.max_ts = i64(data, e + 24), i64(data, e + 32)
        writer = bytes(data[e + 40:e + 56]).split(b"\0", 1)[0]
        b.first_id = record_id(writer.decode("latin-1"), u64(data, e + 56))
        if (b.count == 0 or b.csize == 0 or b.usize < b.count or b.min_ts > b.max_ts
                or not WRITER_RE.match(writer)):
            return None
        blocks.append(b)
    expected = header.end if header.sound else (blocks[0].offset if blocks else start)
    if expected < 8:
        return None
    for b in blocks:
        if b.offset != expected:
            return None
        expected += b.csize
    return blocks if expected == start else None


# ------------------------------------------------------------ §4 the blocks


def split_records(content, lo, hi):
    """The records of a block's content (§4 rules 4, 5, 7), else None."""
    if not content or not content.endswith(b"\n"):
        return None
    records = []
    for line in content[:-1].split(b"\n"):
        parsed = parse_record(line)
        if parsed is None:
            return None
        ts, writer, seq = parsed
        r = Record(ts, record_id(writer, seq), line)
        if not lo <= ts <= hi or (records and not records[-1].key() < r.key()):
            return None
        records.append(r)
    return records


def read_block(data, b, lo, hi):
    """Records of block b read through its entry (§4), else None."""
    end = b.offset + b.csize
    if end > len(data):
        return None
    content_size, extent = zstd_frame_extent(data, b.offset)
    if content_size != b.usize or extent != b.csize:
        return None
    content = zstd_decode(bytes(data[b.offset:end]), b.usize)
    if content is None or crc32c(content) != b.crc:
        return None
    records = split_records(content, max(lo, b.min_ts), min(hi, b.max_ts))
    if (records is None or len(records) != b.count or records[0].ts != b.min_ts
            or records[0].id != b.first_id or records[-1].ts != b.max_ts):
        return None
    return records


class SegmentRead:
    """Everything one read of a segment yields (§9)."""

    def __init__(self, path):
        self.path = path
        self.header = None
        self.blocks = 0
        self.records = []
        self.problems = []


def forward_scan(data, header, lo, hi, out):
    """§9 step 3: the frames after the header, one by one."""
    if header.sound:
        offset = header.end
    else:
        at = data.find(struct.pack("<I", ZSTD_MAGIC), 0, 1 << 16)
        offset = len(data) if at < 0 else at
    number = 0
    while offset + 4 <= len(data):
        magic = u32(data, offset)
        if magic & 0xFFFFFFF0 == 0x184D2A50:
            return  # a skippable frame: normally the index
        content_size, extent = zstd_frame_extent(data, offset)
        if content_size is None or content_size == 0 or content_size > 0xFFFFFFFF or extent is None:
            return
        content = zstd_decode(bytes(data[offset:offset + extent]), content_size)
        records = None if content is None else split_records(content, lo, hi)
        if records is None:
            out.problems.append(Problem(out.path, "block", offset, number))
        else:
            out.records.extend(records)
            out.blocks += 1
        number += 1
        offset += extent


def read_segment(path, data, path_key=None):
    """Reads one segment. path_key is (hour, writer, seq) from a store path (§3)."""
    out = SegmentRead(path)
    header = decode_header(data)
    out.header = header
    if header.unsupported:
        out.problems.append(Problem(path, "unsupported", 0))
        return out
    if header.sound and path_key and (header.hour, header.writer, header.seq) != path_key:
        header.sound = False  # §3: a header that disagrees with its path is damaged
    if not header.sound:
        out.problems.append(Problem(path, "header", 0))
    hour = header.hour if header.sound else (path_key[0] if path_key else None)
    lo, hi = (0, MAX_TIME_MS) if hour is None else (hour, hour + MS_PER_HOUR - 1)
    blocks = decode_index(data, header)
    if blocks is None:
        out.problems.append(Problem(path, "index", max(len(data) - 16, 0)))
        forward_scan(data, header, lo, hi, out)
        out.problems = sorted_problems(out.problems)
        return out
    out.blocks = len(blocks)
    last = None
    for i, b in enumerate(blocks):
        records = read_block(data, b, lo, hi)
        if records is None:
            out.problems.append(Problem(path, "block", b.offset, i))
            continue
        if last is not None and not last < records[0].key():
            out.problems.append(Problem(path, "order", b.offset, i))
        last = records[-1].key()
        out.records.extend(records)
    out.problems = sorted_problems(out.problems)
    return out


# --------------------------------------------------------------- wal.md


class WalRead:
    def __init__(self, path):
        self.path = path
        self.records = []
        self.problems = []
        self.header = None
        self.frame_seqs = []  # the valid records' seqs in file (arrival) order


def valid_frame_at(data, p):
    """The payload length of a valid frame at p (wal.md §3), else None."""
    if p + 24 > len(data):
        return None
    length = u32(data, p + 4)
    if not 1 <= length <= MAX_WAL_PAYLOAD or p + 24 + length > len(data):
        return None
    if crc32c(data[p + 4:p + 24 + length]) != u32(data, p):
        return None
    return length


def next_valid_frame(data, p):
    for q in range(p + 1, len(data) - 23):
        if valid_frame_at(data, q) is not None:
            return q
    return None


def wal_header_size(data):
    """Where frames start (wal.md §2): 48 if the version field reads 1, else 64."""
    return 48 if len(data) >= 6 and u16(data, 4) == 1 else 64


class WalHeader:
    """A WAL header (wal.md §2): sound or not, and what it says."""

    def __init__(self, sound=False, unsupported=False, hour=None, writer=None, seq=None,
                 version=None, order_bits=0, order_key=b""):
        self.sound, self.unsupported = sound, unsupported
        self.hour, self.writer, self.seq = hour, writer, seq
        self.version, self.order_bits, self.order_key = version, order_bits, order_key


def decode_wal_header(data):
    """The WalHeader of a WAL whose first wal_header_size(data) bytes are given."""
    size = wal_header_size(data)
    if data[0:4] != b"KPIW" or crc32c(data[0:size - 4]) != u32(data, size - 4):
        return WalHeader()
    version = u16(data, 4)
    if version > 2:
        return WalHeader(unsupported=True)
    writer_field = bytes(data[24:40])
    writer = writer_field.rstrip(b"\0")
    hour = i64(data, 8)
    if version == 1:
        reserved_bad, bits, key = u32(data, 40) != 0, 0, b""
    else:
        bits, key = data[40], bytes(data[44:60])
        reserved_bad = any(data[41:44]) or bits < 2 or bits > 24 or bits % 2
    if (version == 0 or u16(data, 6) or reserved_bad or b"\0" in writer
            or not WRITER_RE.match(writer) or not valid_hour(hour)):
        return WalHeader(version=version)
    return WalHeader(True, False, hour, writer.decode(), u64(data, 16), version, bits, key)


def record_order_position(bits, key, i):
    """P(i) of wal.md §3.1: 10 Feistel rounds on `bits` bits, HMAC-SHA256 rounds."""
    half = bits // 2
    mask = (1 << half) - 1
    left, right = (i >> half) & mask, i & mask
    for r in range(10):
        digest = hmac.new(key, bytes([r]) + struct.pack("<I", right), hashlib.sha256).digest()
        left, right = right, left ^ (struct.unpack("<I", digest[:4])[0] & mask)
    return (left << half) | right


class SeqRule:
    """wal.md §3: version 1 seqs increase; version 2 seqs lie in the file's block."""

    def __init__(self, header, version):
        self.version, self.prev = version, None
        self.low = header.seq + 1 if header.sound else None
        self.high = header.seq + (1 << header.order_bits) if header.sound else None

    def broken(self, seq):
        if self.version == 1:
            bad = self.prev is not None and seq <= self.prev
        else:
            bad = self.low is not None and not self.low <= seq <= self.high
        self.prev = seq
        return bad


def read_wal(path, data, path_key=None):
    """Reads one WAL (wal.md §5). path_key is (hour, writer, seq) from its name."""
    out = WalRead(path)
    size = wal_header_size(data)
    if len(data) < size:
        out.problems.append(Problem(path, "torn", 0, severity="warning"))
        return out
    header = decode_wal_header(data)
    if header.unsupported:
        out.problems.append(Problem(path, "unsupported", 0))
        return out
    sound, hour, writer = header.sound, header.hour, header.writer
    if sound and path_key and (hour, writer, header.seq) != path_key:
        sound = header.sound = False
    if not sound:
        out.problems.append(Problem(path, "header", 0))
        hour, writer = (path_key[0], path_key[1]) if path_key else (None, None)
    out.header = header
    rule = SeqRule(header, 1 if size == 48 else 2)
    p = size
    while p < len(data):
        length = valid_frame_at(data, p)
        if length is None:
            if not any(data[p:]):
                break  # kpid's prefill (§4), or nothing
            q = next_valid_frame(data, p)
            if q is None:
                out.problems.append(Problem(path, "torn", p, severity="warning"))
                break
            out.problems.append(Problem(path, "frame", p))
            p = q
            continue
        ts, fseq = i64(data, p + 8), u64(data, p + 16)
        line = bytes(data[p + 24:p + 24 + length])
        parsed = parse_record(line)
        if (parsed is None or parsed[0] != ts or parsed[2] != fseq
                or (writer is not None and parsed[1] != writer)
                or (hour is not None and not hour <= ts < hour + MS_PER_HOUR)):
            out.problems.append(Problem(path, "record", p))
        else:
            if rule.broken(fseq):
                out.problems.append(Problem(path, "order", p))
            out.records.append(Record(ts, record_id(parsed[1], fseq), line))
            out.frame_seqs.append(fseq)
        p += 24 + length
    out.problems = sorted_problems(out.problems)
    return out
