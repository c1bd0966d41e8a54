#!/bin/bash
# Bytes read by `kpictl scan --by day` of a 30-day store without a filter:
# the counts must come from the segments' indexes, not from their records.
# Measured as rchar (every byte read(2)/pread(2) returned, page cache or not)
# with bench/io_bytes.py; target: <= 1% of the store's segment bytes. The
# time is reported too (a note; no limit to hold it to).
#   bench/scan.sh [--quick]
source "$(dirname "$0")/lib.sh"
DAYS=30 PER_HOUR=300
[ "$QUICK" = 1 ] && DAYS=2 PER_HOUR=5
STORE=$BENCH_WORK/store
mkstore "$STORE" --records $((DAYS * 24 * PER_HOUR)) --hours $((DAYS * 24)) --from 2026-11-01
stored=$(store_bytes "$STORE")
read -r rchar read_bytes syscr <<<"$(python3 "$BENCH_DIR/io_bytes.py" \
  "$KPICTL" --data-dir "$STORE" scan --by day)"
"$KPICTL" --data-dir "$STORE" scan --by day --json | grep -q . || die "scan printed nothing"
TIMES=()
for ((run = 1; run <= RUNS; run++)); do TIMES+=("$(seconds_of "$KPICTL" --data-dir "$STORE" scan --by day)"); done
report scan-by-day-bytes-read "$rchar" "$stored" bytes "$(calc "$rchar / $stored")" "<=" 0.01 \
  "rchar of $stored B stored ($DAYS days); read_bytes $read_bytes, $syscr read calls, $(median "${TIMES[@]}") s"
