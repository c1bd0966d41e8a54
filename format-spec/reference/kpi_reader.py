#!/usr/bin/python3
"""kpi_reader: a second reader of kpi stores, written from format-spec/ alone.

Reads a segment (*.kpi.zst), a write-ahead file (*.wal) or whole data
directories, following segment.md and wal.md section by section (the section
numbers below are theirs): kpi_files.py beside it decodes one file, this
module lists stores, merges their files and holds the command line. Needs only the Python standard library and
Debian's python3-zstandard (which installs for /usr/bin/python3).

    kpi_reader.py export PATH...   records as JSON lines, in kpictl export's
                                   order; problems on stderr
    kpi_reader.py verify PATH...   kpictl verify's summary line, then one line
                                   per problem: "<file>: <severity> <kind>
                                   [block=<i>] offset=<n>"  (segment.md §12)
    kpi_reader.py order FILE.wal   per valid record in file order: its
                                   arrival index, its seq, and the seq
                                   wal.md §3.1 gives that index

PATH is a data directory (several are read as one store) or one file. Exit
status: 0, or 3 if any problem is damage (as kpictl), 1 on bad usage.

As a library (for notebooks):

    import kpi_reader
    for line in kpi_reader.export(["/var/lib/kpi"]):
        record = json.loads(line)
"""

import datetime
import os
import re
import sys

from kpi_files import (MAX_TIME_MS, Record, SegmentRead, read_segment, read_wal,
                       record_order_position)

# ------------------------------------------------------ segment.md §6, §10

SEGMENT_NAME = re.compile(r"([a-z0-9]{1,16})-([0-9a-f]{16})\.kpi\.zst\Z")
WAL_NAME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})-([a-z0-9]{1,16})-([0-9a-f]{16})\.wal\Z")


def hour_ms(year, month, day, hour):
    try:
        t = datetime.datetime(year, month, day, hour, tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    ms = int(t.timestamp()) * 1000
    return ms if 0 <= ms < MAX_TIME_MS else None


def numbered(path, width):
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return []
    return sorted(int(n) for n in names if len(n) == width and n.isdigit())


def list_segments(data_dir):
    """{hour: {name: (hour, writer, seq)}} of every published segment (§6)."""
    root = os.path.join(data_dir, "segments")
    out = {}
    for y in numbered(root, 4):
        for m in numbered(os.path.join(root, "%04d" % y), 2):
            for d in numbered(os.path.join(root, "%04d/%02d" % (y, m)), 2):
                for h in numbered(os.path.join(root, "%04d/%02d/%02d" % (y, m, d)), 2):
                    hour = hour_ms(y, m, d, h) if h <= 23 else None
                    if hour is None:
                        continue
                    files = {}
                    for name in os.listdir(hour_dir(data_dir, hour)):
                        match = SEGMENT_NAME.match(name)
                        if match:
                            files[name] = (hour, match.group(1), int(match.group(2), 16))
                    out.setdefault(hour, {}).update(files)
    return out


def hour_dir(data_dir, hour):
    t = datetime.datetime.fromtimestamp(hour // 1000, datetime.timezone.utc)
    return os.path.join(data_dir, "segments", t.strftime("%Y/%m/%d/%H"))


def list_wals(data_dir):
    """{name: (hour, writer, seq)} of the WALs (wal.md §1)."""
    out = {}
    try:
        names = os.listdir(os.path.join(data_dir, "wal"))
    except FileNotFoundError:
        return out
    for name in names:
        m = WAL_NAME.match(name)
        if not m:
            continue
        hour = hour_ms(*(int(m.group(i)) for i in range(1, 5)))
        if hour is not None and int(m.group(4)) <= 23:
            out[name] = (hour, m.group(5), int(m.group(6), 16))
    return out


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def snapshot_reads(data_dir, hour, wals, segments):
    """§10: the reads of one hour of one data directory, superseded and sealed files left out."""
    seg_reads = []
    for name in sorted(segments, key=lambda n: segments[n]):
        path = os.path.join(hour_dir(data_dir, hour), name)
        seg_reads.append((name, read_segment(path, read_file(path), segments[name])))
    superseded = set()
    for _, r in seg_reads:
        if r.header.sound and r.header.compacted:
            superseded.update(r.header.superseded)
    reads = [r for name, r in seg_reads if name not in superseded]
    keys = set(segments.values())
    for name, key in sorted(wals.items(), key=lambda kv: kv[1]):
        if key[0] != hour or key in keys or "%s-%016x.kpi.zst" % key[1:] in superseded:
            continue
        path = os.path.join(data_dir, "wal", name)
        reads.append(read_wal(path, read_file(path), key))
    return reads


def merged(reads):
    """§11.2/§11.3: the records of one hour in order-key order, copies once."""
    records = sorted((r for read in reads for r in read.records), key=Record.key)
    last = None
    for r in records:
        if r.key() != last:
            yield r
        last = r.key()


def is_data_dir(path):
    return os.path.isdir(path)


def read_lone(path):
    data = read_file(path)
    return read_wal(path, data) if path.endswith(".wal") else read_segment(path, data)


def export_reads(paths):
    """Yields, hour by hour, the list of reads of that hour (lone files: one group)."""
    dirs = [p for p in paths if is_data_dir(p)]
    for p in paths:
        if not is_data_dir(p):
            yield [read_lone(p)]
    listings = [(d, list_segments(d), list_wals(d)) for d in dirs]
    hours = set()
    for _, segs, wals in listings:
        hours.update(segs)
        hours.update(k[0] for k in wals.values())
    for hour in sorted(hours):
        reads = []
        for d, segs, wals in listings:
            reads.extend(snapshot_reads(d, hour, wals, segs.get(hour, {})))
        yield reads


def export(paths, problems=None):
    """The records of the store (or files) as JSON lines (bytes, no newline)."""
    for reads in export_reads(paths):
        for read in reads:
            if problems is not None:
                problems.extend(read.problems)
        for r in merged(reads):
            yield r.line


def verify(paths):
    """(summary line, problems) as kpictl verify: every listed file is read."""
    segments = blocks = wals = records = 0
    problems = []
    reads = []
    for p in paths:
        if not is_data_dir(p):
            reads.append(read_lone(p))
            continue
        for hour, files in sorted(list_segments(p).items()):
            for name in sorted(files, key=lambda n: files[n]):
                path = os.path.join(hour_dir(p, hour), name)
                reads.append(read_segment(path, read_file(path), files[name]))
        for name, key in sorted(list_wals(p).items(), key=lambda kv: kv[1]):
            path = os.path.join(p, "wal", name)
            reads.append(read_wal(path, read_file(path), key))
    for r in reads:
        if isinstance(r, SegmentRead):
            segments += 1
            blocks += r.blocks
        else:
            wals += 1
        records += len(r.records)
        problems.extend(r.problems)
    damaged = sum(p.severity == "damage" for p in problems)
    summary = "verified %d segments (%d blocks), %d WALs, %d records: %d damaged, %d warnings" % (
        segments, blocks, wals, records, damaged, len(problems) - damaged)
    return summary, problems


def print_order(path):
    """The `order` command: checks a WAL's seqs against wal.md §3.1."""
    read = read_wal(path, read_file(path))
    header = read.header
    if header is None or not header.sound or header.version != 2:
        sys.stderr.write("kpi_reader: %s: no sound version 2 header\n" % path)
        return 1
    for i, seq in enumerate(read.frame_seqs):
        expected = header.seq + 1 + record_order_position(header.order_bits, header.order_key, i)
        print("%d %d %d" % (i, seq, expected))
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "order":
        return print_order(argv[2])
    if len(argv) < 3 or argv[1] not in ("export", "verify"):
        sys.stderr.write(__doc__)
        return 1
    paths = argv[2:]
    for p in paths:
        if not os.path.exists(p):
            sys.stderr.write("kpi_reader: %s: no such file or directory\n" % p)
            return 1
    if argv[1] == "export":
        problems = []
        out = sys.stdout.buffer
        for line in export(paths, problems):
            out.write(line + b"\n")
        for p in problems:
            sys.stderr.write("%s\n" % p)
    else:
        summary, problems = verify(paths)
        print(summary)
        for p in problems:
            print(p)
    return 3 if any(p.severity == "damage" for p in problems) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
