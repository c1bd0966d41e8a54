#!/usr/bin/env python3
"""Posts deterministic, varied blobs to kpid (or nginx in front of it).

usage: kpi_post_blobs.py PORT COUNT --seed N --start MS --hours H [--batch B]
                         [--numbered FIRST] [--awkward]

Blobs are spread over H hours from START (Unix ms) and vary every schema
field, including the "lang" alias. With --awkward, event names and
user_agent members need CSV quoting (commas, quotes) or JSON escaping
(backslashes): only a schema with printable instead of token charsets
accepts them (kpictl_csv_test.sh). Every POST is sent once; the number of
records kpid acknowledged ("stored") is printed on stdout. A status other
than 200 fails the run (exit 1): the tests using this expect a healthy node.
With --numbered, blob i carries number_emails FIRST+i (at most 10000, the
schema's bound), so a test can find every record in the store exactly once.
"""
import argparse
import http.client
import json
import random
import sys

from kpi_csrf import session_token

LANGUAGES = ["en-US", "de", "fr", "pt-BR", "zh-TW", "es"]
TOKENS = {
    "os": ["Windows NT 6.1", "Mac OS X 10.8", "Linux x86_64", "iOS 6", "Android"],
    "browser": ["Firefox", "Chrome", "Safari", "MSIE", "Opera"],
    "event": ["screen.rp_info", "picker", "picker::signin", "odd.name", "semi:colon", "x/y"],
}
AWKWARD = {
    "os": ["Windows NT 6.1", "Mac OS X 10.8", "Linux, x86_64", 'iOS "6"', "Android"],
    "browser": ["Firefox", "Chrome", "Safari", "MSIE, compat", 'Opera "Next"'],
    "event": ["screen.rp_info", "picker", "picker::signin", 'odd,"name"', "semi;colon", "x\\y"],
}


def blob(rng, start_ms, hours, strings):
    events = [[rng.choice(strings["event"]), rng.randrange(0, 600000)]
              for _ in range(rng.randrange(1, 6))]
    b = {
        "timestamp": start_ms + rng.randrange(0, hours * 3600000),
        "event_stream": events,
        "email_type": rng.choice(["primary", "secondary"]),
        "number_emails": rng.randrange(0, 50),
        "new_account": rng.random() < 0.3,
        "lang": rng.choice(LANGUAGES),  # the alias; stored as "language"
        "number_sites_logged_in": rng.randrange(0, 20),
        "screen_size": {"width": rng.choice([640, 1024, 1920]), "height": rng.choice([480, 768])},
        "sample_rate": rng.choice([1, 0.5, 0.1, 0.25]),
        "user_agent": {"os": rng.choice(strings["os"]), "browser": rng.choice(strings["browser"]),
                       "version": rng.choice(["5.1", 17, "24.0", 10.5])},
    }
    for optional in ["number_sites_remembered", "orphaned", "rp_api", "email_type"]:
        if rng.random() < 0.3:
            b.pop(optional, None)
    if rng.random() < 0.5:
        b["number_sites_remembered"] = rng.randrange(0, 9)
    if rng.random() < 0.5:
        b["rp_api"] = rng.choice(["get", "stateless", "internal"])
    if rng.random() < 0.5:
        b["orphaned"] = rng.random() < 0.5
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("count", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, required=True)
    ap.add_argument("--hours", type=int, default=1)
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--numbered", type=int)
    ap.add_argument("--awkward", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    strings = AWKWARD if args.awkward else TOKENS
    blobs = [blob(rng, args.start, args.hours, strings) for _ in range(args.count)]
    if args.numbered is not None:
        for i, b in enumerate(blobs):
            b["number_emails"] = args.numbered + i
    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    stored = 0
    token = session_token(args.port)
    headers = {"Content-Type": "application/json", "Cookie": "kpi_csrf=" + token}
    for i in range(0, len(blobs), args.batch):
        body = json.dumps({"data": blobs[i:i + args.batch], "csrf": token})
        conn.request("POST", "/wsapi/interaction_data", body, headers)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 200:
            sys.exit("POST %d answered %d: %s" % (i // args.batch, response.status, answer[:300]))
        stored += json.loads(answer)["stored"]
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    print(stored)


if __name__ == "__main__":
    main()
