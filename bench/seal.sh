#!/bin/bash
# Seal speed: kpid's sealer turning a write-ahead file into a segment
# (bench/kpi-seal, the same SealWal the seal thread runs, segment fsync
# included) against `zstd -3 -T1` compressing the same JSON lines from the
# page cache to /dev/null. Both in MB/s of JSON lines; target >= 0.8x.
#   bench/seal.sh [--quick] [--runs N]
source "$(dirname "$0")/lib.sh"
SEAL=$KPI_BUILD_DIR/bench/kpi-seal
RECORDS=60000
[ "$QUICK" = 1 ] && RECORDS=500

PRISTINE=$BENCH_WORK/pristine
mkstore "$PRISTINE" --records "$RECORDS" --hours 1 --wal-hours 1 \
  --writer bench
LINES=$BENCH_WORK/lines.jsonl
"$KPICTL" --data-dir "$PRISTINE" export >"$LINES"
bytes=$(stat -c %s "$LINES")
[ "$(wc -l <"$LINES")" = "$RECORDS" ] || die "export of the WAL store is not $RECORDS lines"

KPI=() LIMIT=()
for ((run = 1; run <= RUNS; run++)); do
  store=$BENCH_WORK/store-$run
  cp -a "$PRISTINE" "$store"
  read -r records _ seconds <<<"$("$SEAL" --data-dir "$store")"
  [ "$records" = "$RECORDS" ] || die "kpi-seal sealed $records records, not $RECORDS"
  rm -rf "$store"
  zstd_seconds=$(seconds_of zstd -3 -T1 -q -c "$LINES")
  KPI+=("$(calc "$bytes / $seconds / 1e6")") LIMIT+=("$(calc "$bytes / $zstd_seconds / 1e6")")
  echo "  run $run: seal ${KPI[-1]} MB/s, zstd -3 ${LIMIT[-1]} MB/s" >&2
done
kpi=$(median "${KPI[@]}") limit=$(median "${LIMIT[@]}")
report seal "$kpi" "$limit" MB/s "$(paired_ratio "${KPI[*]}" "${LIMIT[*]}")" ">=" 0.8 \
  "$RECORDS records, $((bytes / 1000000)) MB of JSON lines"
