#!/bin/bash
# The reading figures of issue 16 on a 30-day store (1M records, 721
# segments), each side measured back to back in every run:
#   export-vs-zstd     `kpictl export` against `zstd -dc -T1` of the same
#                      segment files, MB/s; target >= 0.9
#   export-filtered    `export --where language=de --where number_emails>=2`
#                      against plain export, speed ratio; target >= 0.8
#   export-csv         `export --format csv` against plain (JSON lines)
#                      export, speed ratio; target >= 0.5
#   sample-vs-export   `sample -n 1000` against plain export, speed ratio;
#                      target >= 5
#   kpictl-peak-rss    the largest VmHWM (/usr/bin/time) of ls, scan, export,
#                      sample, report, verify, tail -n 1000, compact (two
#                      hours of two writers) and purge (--dry-run, then half
#                      a day); target <= 64 MiB
#   bench/read.sh [--quick] [--runs N] [--records N]
source "$(dirname "$0")/lib.sh"
month_store
mapfile -t SEGMENTS < <(find "$STORE/segments" -name '*.kpi.zst' | sort)
ctl() { "$KPICTL" --data-dir "$STORE" "$@"; }
bytes=$(ctl export | wc -c)
[ "$(zstd -dc -T1 "${SEGMENTS[@]}" | wc -c)" = "$bytes" ] ||
  die "zstd -dc of the segments differs in size from kpictl export"
FILTER=(--where language=de --where number_emails'>='2)

EXPORT=() ZSTD=() FILTERED=() CSV=() SAMPLE=()
for ((run = 1; run <= RUNS; run++)); do
  EXPORT+=("$(seconds_of ctl export)")
  ZSTD+=("$(seconds_of zstd -dc -T1 "${SEGMENTS[@]}")")
  FILTERED+=("$(seconds_of ctl export "${FILTER[@]}")")
  CSV+=("$(seconds_of ctl export --format csv)")
  SAMPLE+=("$(seconds_of ctl sample -n 1000 --seed "$run")")
  echo "  run $run: export ${EXPORT[-1]} s, zstd -dc ${ZSTD[-1]} s, filtered ${FILTERED[-1]} s," \
    "csv ${CSV[-1]} s, sample -n 1000 ${SAMPLE[-1]} s" >&2
done
# Each figure as "kpi / limit" speeds, i.e. limit seconds / kpi seconds.
export_s=$(median "${EXPORT[@]}")
note="$RECORDS records over $DAYS days, ${#SEGMENTS[@]} segments; load $(cut -d' ' -f1 /proc/loadavg)"
report export-vs-zstd "$(calc "$bytes / $export_s / 1e6")" \
  "$(calc "$bytes / $(median "${ZSTD[@]}") / 1e6")" MB/s \
  "$(paired_ratio "${ZSTD[*]}" "${EXPORT[*]}")" ">=" 0.9 "$note"
report export-filtered "$(median "${FILTERED[@]}")" "$export_s" s \
  "$(paired_ratio "${EXPORT[*]}" "${FILTERED[*]}")" ">=" 0.8 "speed vs plain export; ${FILTER[*]}"
report export-csv "$(median "${CSV[@]}")" "$export_s" s \
  "$(paired_ratio "${EXPORT[*]}" "${CSV[*]}")" ">=" 0.5 "speed vs JSON-lines export"
report sample-vs-export "$(median "${SAMPLE[@]}")" "$export_s" s \
  "$(paired_ratio "${EXPORT[*]}" "${SAMPLE[*]}")" ">=" 5 "sample -n 1000, speed vs plain export"

# Peak RSS of every command; the ones that change the store run last, on a
# few hours (compaction and purge work hour by hour, so that shows their
# per-hour memory) after the read-only ones saw the whole store.
FIRST_DAY=2026-11-01
peak=0 worst=
rss_of() {
  local name=$1 kib
  shift
  kib=$(peak_rss_of "$KPICTL" --data-dir "$STORE" "$@")
  echo "  $name: peak RSS $kib KiB" >&2
  [ "$kib" -gt "$peak" ] && { peak=$kib; worst=$name; }
  return 0
}
rss_of ls ls
rss_of scan scan --by day
rss_of export export
rss_of export-filtered export "${FILTER[@]}"
rss_of export-csv export --format csv
rss_of sample sample -n 1000 --seed 1
rss_of sample-where sample -n 1000 --seed 1 --where language=de
rss_of report report --by day --group language --group user_agent.os --format json
rss_of verify verify
rss_of tail tail -n 1000
# A second writer's two hours, so that compaction has hours to merge (at its
# default level 19 and 4 MiB blocks, the most memory it takes).
"$MKSTORE" --data-dir "$STORE" --writer b2 --records $((RECORDS / 360)) --hours 2 \
  --from 2026-11-02 --seed 2 >/dev/null
rss_of compact compact 2026-11-02T00 2026-11-02T02
rss_of purge-dry-run purge --before 2026-11-03 --dry-run
rss_of purge purge --before "$FIRST_DAY"T12
mib=$(calc "$peak / 1024")
report kpictl-peak-rss "$mib" "" MiB "$mib" "<=" 64 "largest: $worst, of ls scan export sample report verify tail compact purge"
