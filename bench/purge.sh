#!/bin/bash
# `kpictl purge --max-bytes` removing 10,000 segments (the oldest of 10,100
# one-record hours) against rm(1) of the same files plus rmdir of the
# directories they leave empty (find -empty -delete), on identical copies of
# the store. Target: <= 2x the time.
#   bench/purge.sh [--quick] [--runs N]
source "$(dirname "$0")/lib.sh"
REMOVE=10000 KEEP=100
[ "$QUICK" = 1 ] && REMOVE=50 KEEP=5
[ "$QUICK" = 0 ] && [ "$RUNS" = 5 ] && RUNS=3
PRISTINE=$BENCH_WORK/pristine
mkstore "$PRISTINE" --records $((REMOVE + KEEP)) --hours $((REMOVE + KEEP)) --from 2025-01-01
# Segment paths sort by hour: the budget is what the newest KEEP hours use.
find "$PRISTINE/segments" -name '*.kpi.zst' -printf '%P %s\n' | sort >"$BENCH_WORK/all"
[ "$(wc -l <"$BENCH_WORK/all")" = $((REMOVE + KEEP)) ] || die "the store is not one segment per hour"
budget=$(tail -n "$KEEP" "$BENCH_WORK/all" | awk '{ s += $2 } END { print s }')
head -n "$REMOVE" "$BENCH_WORK/all" | awk '{ print $1 }' >"$BENCH_WORK/doomed"

KPI=() LIMIT=()
for ((run = 1; run <= RUNS; run++)); do
  a=$BENCH_WORK/a-$run b=$BENCH_WORK/b-$run
  cp -a "$PRISTINE" "$a" && cp -a "$PRISTINE" "$b" && sync
  KPI+=("$(seconds_of "$KPICTL" --quiet --data-dir "$a" purge --max-bytes "$budget")")
  left=$(find "$a/segments" -name '*.kpi.zst' | wc -l)
  [ "$left" = "$KEEP" ] || die "purge left $left segments, not $KEEP"
  rm_them() { (cd "$b/segments" && xargs rm -f <"$BENCH_WORK/doomed" &&
    find . -mindepth 1 -type d -empty -delete); }
  LIMIT+=("$(seconds_of rm_them)")
  echo "  run $run: purge ${KPI[-1]} s, rm ${LIMIT[-1]} s" >&2
  rm -rf "$a" "$b"
done
kpi=$(median "${KPI[@]}") limit=$(median "${LIMIT[@]}")
report purge-10k-segments "$kpi" "$limit" s "$(paired_ratio "${KPI[*]}" "${LIMIT[*]}")" "<=" 2 \
  "$REMOVE of $((REMOVE + KEEP)) segments removed"
