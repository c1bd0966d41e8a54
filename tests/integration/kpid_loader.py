#!/usr/bin/env python3
"""Posts numbered records to kpid until told to stop; logs the acknowledged ones.

usage: kpid_loader.py PORT ACKED_FILE STOP_FILE [THREADS]
                      [--base-ts MS] [--hours N] [--wide-numbers]

Each record carries its number and is posted once, never retried: a request
that fails may or may not have been stored, so retrying it could store a
number twice. ACKED_FILE gets one number per line for every 200 that said
stored 1. A lost connection (kpid killed or restarting) is expected; any
answer other than a 200 storing the record (a 500, a 503, a rejection) is a
failure: the loader says which on stderr and exits 1 at once. Record n goes to hour n % N from --base-ts (default: five hours
from 2013-02-21T00:00Z).

The number is in number_emails, whose schema bound (10000) ends the run
early; --wide-numbers also uses number_sites_remembered (see
record_number), so a long soak never runs out. Used by kpid_crash_test.sh
and kpid_soak_test.sh while they SIGKILL kpid.
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time

from kpi_csrf import csrf_headers

BASE_TS = 1361404800000  # 2013-02-21T00:00Z
EMAILS_BOUND = 10000     # the schema's bound on number_emails
SITES_BOUND = 100000     # ... and on number_sites_remembered


def record_fields(number, wide):
    """The members that carry `number` (the inverse of record_number)."""
    if not wide:
        return {"number_emails": number}
    return {"number_emails": number % EMAILS_BOUND,
            "number_sites_remembered": number // EMAILS_BOUND}


def record_number(record):
    """The loader number of a stored record posted with --wide-numbers."""
    return record["number_sites_remembered"] * EMAILS_BOUND + record["number_emails"]


def fail(message):
    """Ends the whole loader (every thread) with exit status 1."""
    sys.stderr.write("kpid_loader: %s\n" % message)
    sys.stderr.flush()
    os._exit(1)


def stored(answer):
    """The "stored" count of an answer; None if it is not kpid's JSON."""
    try:
        return json.loads(answer).get("stored")
    except (ValueError, AttributeError):
        return None


def worker(args, first, acked, lock):
    conn = None
    limit = EMAILS_BOUND * (SITES_BOUND + 1) if args.wide_numbers else EMAILS_BOUND
    for number in range(first, limit, args.threads):
        if os.path.exists(args.stop_file):
            return
        blob = {"timestamp": args.base_ts + (number % args.hours) * 3600000,
                "event_stream": [["screen.rp_info", number % 1000]],
                "new_account": number % 2 == 0}
        blob.update(record_fields(number, args.wide_numbers))
        try:
            if conn is None:
                headers = {"Content-Type": "application/json"}
                headers.update(csrf_headers(args.port))
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
            conn.request("POST", "/wsapi/interaction_data", json.dumps(blob), headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 200 or stored(answer) != 1:
                fail("record %d answered %d: %s" % (number, response.status, answer[:300]))
            with lock:
                acked.write("%d\n" % number)
                acked.flush()
        except (OSError, http.client.HTTPException):
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("acked_file")
    parser.add_argument("stop_file")
    parser.add_argument("threads", type=int, nargs="?", default=4)
    parser.add_argument("--base-ts", type=int, default=BASE_TS)
    parser.add_argument("--hours", type=int, default=5)
    parser.add_argument("--wide-numbers", action="store_true")
    args = parser.parse_args()
    lock = threading.Lock()
    with open(args.acked_file, "w") as acked:
        workers = [threading.Thread(target=worker, args=(args, i, acked, lock))
                   for i in range(args.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()


if __name__ == "__main__":
    main()
