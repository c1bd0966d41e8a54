#!/bin/bash
# Stored bytes per record after `kpictl compact`, against `zstd -19 -T1` of
# the same JSON lines as one file (what an analyst would get by hand); target
# <= 1.05x. Two writers' segments per hour are merged, as in a real store.
# Sizes are deterministic, so one run suffices (the times are a note).
#   bench/compact.sh [--quick]
source "$(dirname "$0")/lib.sh"
RECORDS=6000 HOURS=4
[ "$QUICK" = 1 ] && RECORDS=400 HOURS=2
STORE=$BENCH_WORK/store
for writer in a1 b2; do
  seed=1
  [ "$writer" = b2 ] && seed=1001  # distinct hours: seed + hour never repeats the other writer's
  mkstore "$STORE" --records $((RECORDS / 2)) --hours "$HOURS" --writer "$writer" \
    --seed "$seed"
done
LINES=$BENCH_WORK/lines.jsonl
"$KPICTL" --data-dir "$STORE" export >"$LINES"
records=$(wc -l <"$LINES")
[ "$records" = "$RECORDS" ] || die "the store holds $records records, not $RECORDS"

compact_seconds=$(seconds_of "$KPICTL" --data-dir "$STORE" compact)
stored=$(find "$STORE/segments" -name '*.kpi.zst' -printf '%s\n' | awk '{ s += $1 } END { print s }')
zstd_seconds=$(seconds_of zstd -19 -T1 -q -f "$LINES" -o "$LINES.zst")
reference=$(stat -c %s "$LINES.zst")
"$KPICTL" --data-dir "$STORE" export | cmp -s - "$LINES" || die "compaction changed the records"

kpi=$(calc "$stored / $records") limit=$(calc "$reference / $records")
report compact-bytes-per-record "$kpi" "$limit" B/record "$(calc "$stored / $reference")" "<=" 1.05 \
  "$records records in $HOURS hours; compact ${compact_seconds}s, zstd -19 ${zstd_seconds}s"
