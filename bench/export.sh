#!/bin/bash
# Export speed: `kpictl export` of a whole store to /dev/null against
# `zstd -dc -T1` of the same segment files to /dev/null (segments are plain
# zstd streams, segment.md), both in MB/s of JSON lines; target >= 0.8x.
# Also kpictl export's peak RSS (/usr/bin/time) for the whole store, one day,
# one hour and a filtered projection; target <= 64 MiB.
#   bench/export.sh [--quick] [--runs N]
source "$(dirname "$0")/lib.sh"
RECORDS=100000 HOURS=24
[ "$QUICK" = 1 ] && RECORDS=1000 HOURS=3
STORE=$BENCH_WORK/store
mkstore "$STORE" --records "$RECORDS" --hours "$HOURS" --from 2026-11-29
mapfile -t SEGMENTS < <(find "$STORE/segments" -name '*.kpi.zst' | sort)
bytes=$("$KPICTL" --data-dir "$STORE" export | wc -c)
[ "$(zstd -dc -T1 "${SEGMENTS[@]}" | wc -c)" = "$bytes" ] ||
  die "zstd -dc of the segments differs in size from kpictl export"

KPI=() LIMIT=()
for ((run = 1; run <= RUNS; run++)); do
  kpi_s=$(seconds_of "$KPICTL" --data-dir "$STORE" export)
  zstd_s=$(seconds_of zstd -dc -T1 "${SEGMENTS[@]}")
  KPI+=("$(calc "$bytes / $kpi_s / 1e6")") LIMIT+=("$(calc "$bytes / $zstd_s / 1e6")")
  echo "  run $run: kpictl export ${KPI[-1]} MB/s, zstd -dc ${LIMIT[-1]} MB/s" >&2
done
kpi=$(median "${KPI[@]}") limit=$(median "${LIMIT[@]}")
report export-all "$kpi" "$limit" MB/s "$(paired_ratio "${KPI[*]}" "${LIMIT[*]}")" ">=" 0.8 \
  "$RECORDS records, $((bytes / 1000000)) MB of JSON lines, $(store_bytes "$STORE") B stored"

peak=0
for range in "" 2026-11-29 2026-11-29T01 "--where language=en-US --fields timestamp,language"; do
  # shellcheck disable=SC2086 # the filtered case is several words on purpose
  kib=$(peak_rss_of "$KPICTL" --data-dir "$STORE" export $range)
  echo "  export ${range:-(everything)}: peak RSS $kib KiB" >&2
  [ "$kib" -gt "$peak" ] && peak=$kib
done
mib=$(calc "$peak / 1024")
report kpictl-export-peak-rss "$mib" "" MiB "$mib" "<=" 64 "largest of: all, a day, an hour, filtered"
