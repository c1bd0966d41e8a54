#!/bin/bash
# Export of one hour from a 30-day store against the export of that same
# hour from a store holding only it: a time range must cost what it selects,
# not what the store holds. Target: <= 1.2x the time. Each run times 10
# invocations of each side back to back (one invocation is a few ms).
#   bench/export-hour.sh [--quick] [--runs N]
source "$(dirname "$0")/lib.sh"
DAYS=30 PER_HOUR=100 REPEAT=10
[ "$QUICK" = 1 ] && DAYS=2 PER_HOUR=5 REPEAT=2
BIG=$BENCH_WORK/big SMALL=$BENCH_WORK/small
mkstore "$BIG" --records $((DAYS * 24 * PER_HOUR)) --hours $((DAYS * 24)) --from 2026-11-01
HOUR=2026-11-02T12 HOUR_DIR=2026/11/02/12
mkdir -p "$SMALL/segments/2026/11/02"
cp -a "$BIG/segments/$HOUR_DIR" "$SMALL/segments/$HOUR_DIR"
"$KPICTL" --data-dir "$BIG" export "$HOUR" >"$BENCH_WORK/big.jsonl"
"$KPICTL" --data-dir "$SMALL" export "$HOUR" >"$BENCH_WORK/small.jsonl"
cmp -s "$BENCH_WORK/big.jsonl" "$BENCH_WORK/small.jsonl" || die "the two exports differ"
[ -s "$BENCH_WORK/small.jsonl" ] || die "the hour $HOUR exported nothing"

repeat() {  # repeat STORE: export the hour REPEAT times
  local i
  for ((i = 0; i < REPEAT; i++)); do "$KPICTL" --data-dir "$1" export "$HOUR"; done
}
KPI=() LIMIT=()
for ((run = 1; run <= RUNS; run++)); do
  KPI+=("$(calc "$(seconds_of repeat "$BIG") * 1000 / $REPEAT")")
  LIMIT+=("$(calc "$(seconds_of repeat "$SMALL") * 1000 / $REPEAT")")
  echo "  run $run: from $DAYS days ${KPI[-1]} ms, alone ${LIMIT[-1]} ms" >&2
done
kpi=$(median "${KPI[@]}") limit=$(median "${LIMIT[@]}")
report export-hour-of-30-days "$kpi" "$limit" ms "$(paired_ratio "${KPI[*]}" "${LIMIT[*]}")" "<=" 1.2 \
  "$(wc -l <"$BENCH_WORK/small.jsonl") records in the hour, $((DAYS * 24)) hours in the store"
