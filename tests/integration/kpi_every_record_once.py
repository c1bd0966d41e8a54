#!/usr/bin/env python3
"""Checks an export of records posted by kpi_post_blobs.py --numbered.

usage: kpi_every_record_once.py EXPORT COUNT WRITER...

Passes (exit 0) when EXPORT holds number_emails 0..COUNT-1 once each, every
_id once, lines in (timestamp, _id) order, and records of exactly the
WRITERs named; otherwise says what is wrong (exit 1).
"""
import json
import sys


def main():
    path, count, writers = sys.argv[1], int(sys.argv[2]), set(sys.argv[3:])
    records = [json.loads(line) for line in open(path)]
    numbers = sorted(r["number_emails"] for r in records)
    if numbers != list(range(count)):
        sys.exit("%s: records missing or repeated: %d lines for %d numbers"
                 % (path, len(records), count))
    ids = [r["_id"] for r in records]
    if len(set(ids)) != len(ids):
        sys.exit("%s: an id appears twice" % path)
    keys = [(r["timestamp"], r["_id"]) for r in records]
    if keys != sorted(keys):
        sys.exit("%s: not in (timestamp, _id) order" % path)
    seen = {i.rsplit("-", 1)[0] for i in ids}
    if seen != writers:
        sys.exit("%s: records of writers %s, expected %s" % (path, sorted(seen), sorted(writers)))


if __name__ == "__main__":
    main()
