#!/usr/bin/env python3
"""Mutated blobs for comparing two canonicalisers (bench/kpi-canon dump).

    bench/mutate-blobs.py BODIES SEED > mutated.jsonl

Takes ~3,000 blobs of BODIES (kpi-gen --mode requests output) and changes
0-2 things in each: an event name or a string field set to a line of
tests/fixtures/pii-corpus.txt or to a text of 15-17, 31-33, 59-65 or 127-129
bytes, escapes or controls; numbers set to doubles, -0.0, 2^63, uint64,
negatives or over the maximum; timestamps missing, null or bad; aliases,
unknown and nested members, dropped members; a few blobs with duplicate or
escaped keys, and some bodies written with white space. One body of 50 blobs
per line; the same SEED gives the same file.
"""
import json
import random
import sys
from pathlib import Path

PII = [line.rstrip("\n") for line in
       open(Path(__file__).resolve().parent.parent / "tests/fixtures/pii-corpus.txt")
       if line.strip() and not line.startswith("#")]
TEXTS = PII + [
    "", "a", "x" * 15, "y" * 16, "z" * 17, "w" * 31, "v" * 32, "u" * 33, "t" * 59, "s" * 60,
    "r" * 61, "q" * 63, "p" * 64, "o" * 65, "n" * 127, "m" * 128, "l" * 129,
    "quote\"d", "back\\slash", "new\nline", "tab\t", "ctl\x01", "del\x7f", "caf\u00e9", "\u20ac",
    "www.x", "a.www.b", "mozilla/5", "chrome/21.0", "khtml,", "like gecko", "1.2.3.4", "::",
    "a::b", "fe80::1", "x@y", "@", "a@", "//x", "a://b", "window.blur", "picker::change",
    "sp ace", "dot.", "-_:/.", "UPPER", "lower-case_tag", "en-US", "de"]
NUMBERS = [0, 1, -1, 7, 10, 99, 100, 604800000, 604800001, 2**31, 2**53, 2**63 - 1, 2**63,
           2**64 - 1, 0.5, 1.0, -0.0, 1e-7, 1e300, 3.25, 123456789012]
COUNTS = ["timestamp", "number_emails", "number_sites_remembered", "sample_rate"]


def mutate_events(blob, rng):
    events = blob.get("event_stream")
    if not isinstance(events, list) or not events:
        return
    event = rng.choice(events)
    if rng.random() < 0.3:
        event.append(rng.choice(NUMBERS))
    elif rng.random() < 0.6:
        event[0] = rng.choice(TEXTS)
    else:
        event[rng.randrange(len(event))] = rng.choice(NUMBERS + TEXTS[:3])


def mutate(blob, rng):
    for _ in range(rng.choice([0, 1, 1, 1, 2])):
        k = rng.random()
        if k < 0.35:
            mutate_events(blob, rng)
        elif k < 0.45:
            field = rng.choice(["os", "browser", "version"])
            blob.setdefault("user_agent", {})[field] = rng.choice(TEXTS + NUMBERS)
        elif k < 0.52:
            blob["lang" if "lang" in blob else "language"] = rng.choice(TEXTS)
        elif k < 0.6:
            signed_in = "number_sites_signed_in" if "number_sites_signed_in" in blob \
                else "number_sites_logged_in"
            blob[rng.choice(COUNTS + [signed_in])] = rng.choice(NUMBERS + [None, "7", True])
        elif k < 0.66:
            blob[rng.choice(["unknown", "local_timestamp", "extra"])] = \
                rng.choice([1, {"a": {"b": 1}}, [[1]], "x"])
        elif k < 0.72 and blob:
            blob.pop(rng.choice(list(blob.keys())))
        elif k < 0.77:
            blob["screen_size"] = rng.choice([{"width": 1, "height": 2}, {"width": -1},
                                              {"w": 1}, [], None, {"width": 2**63}])
        elif k < 0.82:
            blob[rng.choice(["email_type", "rp_api", "orphaned", "new_account"])] = \
                rng.choice(["primary", "get", "bogus", True, 1, None])
    return blob


def blob_text(blob, rng):
    text = json.dumps(blob, separators=(",", ":") if rng.random() < 0.8 else (", ", ": "))
    if rng.random() < 0.05:  # as raw text: an escaped key, or a duplicate one
        if rng.random() < 0.5:
            return text.replace('"orphaned"', '"orph\\u0061ned"', 1)
        return text[:-1] + ',"lang":"de","lang":"en"}'
    return text


def main():
    rng = random.Random(int(sys.argv[2]))
    blobs = []
    for line in open(sys.argv[1]):
        blobs.extend(json.loads(line)["data"])
        if len(blobs) > 3000:
            break
    texts = [blob_text(mutate(blob, rng), rng) for blob in blobs]
    for i in range(0, len(texts), 50):
        print('{"data":[' + ",".join(texts[i:i + 50]) + "]}")


if __name__ == "__main__":
    main()
