#!/usr/bin/env python3
"""How many write + fdatasync pairs per second N threads complete on one
prefilled file (as kpid's WAL in --sync always), for N = 1, 2, 4: whether
overlapping syncs would let `always` commit more groups per second than one
sync at a time (README, "Where the ingest targets are missed"), and whether
O_DSYNC writes (one system call, a FUA write where the disk has it) sync
faster than write + fdatasync on this disk.
  bench/fdatasync-overlap.py [DIR] [--seconds S] [--rounds R]
DIR defaults to $KPI_BENCH_TMP or /var/tmp, where the other benches write.
Prints one line per round: syncs/s for each N and the ratio to N = 1, then
O_DSYNC writes/s of one thread and the ratio to its write + fdatasync."""
import argparse
import os
import tempfile
import threading
import time

WRITE = b"x" * 1000  # about a group of single blobs
SLOT = 8 << 20       # each thread writes its own region of the file


def syncs_per_second(fd, threads, seconds, sync=os.fdatasync):
    counts = [0] * threads
    stop = time.monotonic() + seconds

    def run(i):
        n = 0
        while time.monotonic() < stop:
            os.pwrite(fd, WRITE, i * SLOT + (n * len(WRITE)) % SLOT)
            sync(fd)
            n += 1
        counts[i] = n

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", nargs="?", default=os.environ.get("KPI_BENCH_TMP", "/var/tmp"))
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile(dir=args.dir) as f:
        fd = f.fileno()
        os.write(fd, b"\0" * (4 * SLOT))  # prefilled: no size change to journal
        os.fsync(fd)
        dsync_fd = os.open(f.name, os.O_WRONLY | os.O_DSYNC)
        for _ in range(args.rounds):
            rates = {n: syncs_per_second(fd, n, args.seconds) for n in (1, 2, 4)}
            dsync = syncs_per_second(dsync_fd, 1, args.seconds, sync=lambda fd: None)
            print("  ".join("%d thread%s %.0f syncs/s (%.2f x)" %
                            (n, "" if n == 1 else "s", r, r / rates[1])
                            for n, r in rates.items()) +
                  "  O_DSYNC %.0f writes/s (%.2f x)" % (dsync, dsync / rates[1]))
        os.close(dsync_fd)


if __name__ == "__main__":
    main()
