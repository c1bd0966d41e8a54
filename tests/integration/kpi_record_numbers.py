#!/usr/bin/env python3
"""Prints the loader numbers of a writer's records in JSON lines output.

usage: kpi_record_numbers.py JSONL_FILE WRITER

Reads what `kpictl export` or `kpictl tail` printed, checks every line is a
JSON object with an _id and that no _id appears twice (exit 1 naming the
line otherwise), and prints one line per record whose _id is WRITER-<seq>:
its number as kpid_loader.py --wide-numbers posted it. Records of other
writers (seeded data) are checked but not printed.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kpid_loader import record_number  # noqa: E402


def main():
    path, writer = sys.argv[1], sys.argv[2]
    prefix = writer + "-"
    seen = {}
    out = []
    with open(path, encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
                record_id = record["_id"]
            except (ValueError, KeyError, TypeError) as e:
                sys.exit("%s:%d: not a stored record (%s): %.120s" % (path, line_no, e, line))
            if record_id in seen:
                sys.exit("%s:%d: _id %s already on line %d" % (path, line_no, record_id,
                                                               seen[record_id]))
            seen[record_id] = line_no
            if record_id.startswith(prefix):
                out.append("%d\n" % record_number(record))
    sys.stdout.writelines(out)


if __name__ == "__main__":
    main()
