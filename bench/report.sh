#!/bin/bash
# KPI report cost: `kpictl report` of a 30-day store (1M records; by day,
# grouped by language, user_agent.os and screen_class, JSON) against a plain
# `kpictl export` of the same range to /dev/null, back to back in each run.
# Targets: report time <= 1.5x export time; report peak RSS <= 64 MiB.
#   bench/report.sh [--quick] [--runs N] [--records N]
source "$(dirname "$0")/lib.sh"
month_store
RANGE=(2026-11-01 "2026-11-$(printf %02d $((1 + DAYS)))")
[ "$DAYS" -ge 30 ] && RANGE=(2026-11-01 2026-12-01)
REPORT=(report "${RANGE[@]}" --by day --group language --group user_agent.os
  --group screen_class --format json)
"$KPICTL" --data-dir "$STORE" "${REPORT[@]}" >"$BENCH_WORK/report.json" || die "report failed"
grep -q '"kpi_report":1' "$BENCH_WORK/report.json" || die "no report document"

KPI=() LIMIT=()
for ((run = 1; run <= RUNS; run++)); do
  KPI+=("$(seconds_of "$KPICTL" --data-dir "$STORE" "${REPORT[@]}")")
  LIMIT+=("$(seconds_of "$KPICTL" --data-dir "$STORE" export "${RANGE[@]}")")
  echo "  run $run: report ${KPI[-1]} s, export ${LIMIT[-1]} s" >&2
done
kpi=$(median "${KPI[@]}") limit=$(median "${LIMIT[@]}")
report report-vs-export "$kpi" "$limit" s "$(paired_ratio "${KPI[*]}" "${LIMIT[*]}")" "<=" 1.5 \
  "$RECORDS records over $DAYS days, 3 groups, by day; load $(cut -d' ' -f1 /proc/loadavg)"
kib=$(peak_rss_of "$KPICTL" --data-dir "$STORE" "${REPORT[@]}")
mib=$(calc "$kib / 1024")
report kpictl-report-peak-rss "$mib" "" MiB "$mib" "<=" 64 "the report above"
