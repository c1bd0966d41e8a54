#!/usr/bin/env python3
"""Posts numbered records to kpid until told to stop; logs the acknowledged ones.

usage: kpid_loader.py PORT ACKED_FILE STOP_FILE [THREADS]

Each record carries its number in number_emails and is posted once, never
retried: a request that fails may or may not have been stored, so retrying
it could store a number twice. ACKED_FILE gets one number per line for every
200 that said stored 1. Used by kpid_crash_test.sh while it SIGKILLs kpid.
"""
import http.client
import json
import os
import sys
import threading
import time

BASE_TS = 1361404800000  # 2013-02-21T00:00Z; five hours of it
MAX_NUMBER = 10000       # the schema's bound on number_emails


def worker(port, first, step, acked, lock, stop_file):
    conn = None
    for number in range(first, MAX_NUMBER, step):
        if os.path.exists(stop_file):
            return
        body = json.dumps({"timestamp": BASE_TS + (number % 5) * 3600000,
                           "number_emails": number, "new_account": number % 2 == 0})
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/wsapi/interaction_data", body,
                         {"Content-Type": "application/json"})
            response = conn.getresponse()
            answer = response.read()
            if response.status == 200 and json.loads(answer)["stored"] == 1:
                with lock:
                    acked.write("%d\n" % number)
                    acked.flush()
        except (OSError, http.client.HTTPException, ValueError):
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)


def main():
    port, acked_path, stop_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    lock = threading.Lock()
    with open(acked_path, "w") as acked:
        workers = [threading.Thread(target=worker,
                                    args=(port, i, threads, acked, lock, stop_file))
                   for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()


if __name__ == "__main__":
    main()
