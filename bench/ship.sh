#!/bin/bash
# Shipping to ClickHouse: `kpictl ship` of a whole store into a fresh table
# against `kpictl export --format csv | curl` of the same store into a table
# of the CSV's columns on the same server (ClickHouse's own CSV loader: the
# cost of moving the records without ship's per-hour checks), both in
# seconds; target ship <= 2x. Both start from an empty table each run, and
# ship counts every hour with FINAL after its insert, as it always does.
#   bench/ship.sh [--quick] [--runs N] [--records N]
source "$(dirname "$0")/lib.sh"
RECORDS=1000000 HOURS=24
[ "$QUICK" = 1 ] && RECORDS=2000 HOURS=2
[ "${ARGS[0]:-}" = --records ] && RECORDS=${ARGS[1]}
command -v curl >/dev/null || die "no curl"

# clickhouse-server from its Debian package, as the tests start it.
WORK=$BENCH_WORK STARTED_PIDS=()
fail() { die "$*"; }
cleanup() { bench_cleanup; }
# shellcheck source=../tests/integration/clickhouse_lib.sh
source "$SRC_DIR/tests/integration/clickhouse_lib.sh"
start_clickhouse bench

STORE=$BENCH_WORK/store
mkstore "$STORE" --records "$RECORDS" --hours "$HOURS" --from 2026-11-29
printf 'kpi:%s\n' "$CH_PASSWORD" >"$BENCH_WORK/creds"
chmod 600 "$BENCH_WORK/creds"

# The CSV's columns as a table: _id and timestamp typed as ship's, every other
# column a Nullable(String) (CSV booleans are true/false, which 18.16 does not
# read as numbers), so the loader does the least parsing it can.
# (head closes the pipe after the header: kpictl's SIGPIPE is expected.)
header=$( ("$KPICTL" --data-dir "$STORE" export --format csv 2>/dev/null || true) | head -n 1 | tr -d '\r')
columns=$(echo "$header" | tr ',' '\n' | awk '
  $0 == "_id" { print "`_id` String"; next }
  $0 == "timestamp" { print "`timestamp` Int64"; next }
  { print "`" $0 "` Nullable(String)" }' | paste -sd, -)
reset_tables() {
  ch bench "DROP TABLE IF EXISTS kpi_records" >/dev/null
  ch bench "DROP TABLE IF EXISTS kpi_csv" >/dev/null
  ch bench "CREATE TABLE kpi_csv ($columns) ENGINE = ReplacingMergeTree
    PARTITION BY toYYYYMMDD(toDateTime(intDiv(timestamp, 1000))) ORDER BY (timestamp, _id)" >/dev/null
  rm -f "$BENCH_WORK/state"
}
ship() {
  "$KPICTL" -q --data-dir "$STORE" ship --clickhouse "$CH_URL_bench" \
    --credentials-file "$BENCH_WORK/creds" --state-file "$BENCH_WORK/state"
}
export_curl() {
  "$KPICTL" --data-dir "$STORE" export --format csv |
    curl -sS --fail -u "kpi:$CH_PASSWORD" --data-binary @- \
      "$CH_URL_bench/?query=INSERT%20INTO%20kpi_csv%20FORMAT%20CSVWithNames"
}

KPI=() LIMIT=()
for ((run = 1; run <= RUNS; run++)); do
  reset_tables
  kpi_s=$(seconds_of ship)
  limit_s=$(seconds_of export_curl)
  [ "$(ch bench 'SELECT count() FROM kpi_records FINAL')" = "$RECORDS" ] || die "ship did not load $RECORDS records"
  [ "$(ch bench 'SELECT count() FROM kpi_csv FINAL')" = "$RECORDS" ] || die "the CSV load did not load $RECORDS records"
  KPI+=("$kpi_s") LIMIT+=("$limit_s")
  echo "  run $run: kpictl ship $kpi_s s, export --format csv | curl $limit_s s" >&2
done
kpi=$(median "${KPI[@]}") limit=$(median "${LIMIT[@]}")
ver=$(ch bench 'SELECT version()')
report ship-clickhouse "$kpi" "$limit" s "$(paired_ratio "${KPI[*]}" "${LIMIT[*]}")" "<=" 2 \
  "$RECORDS records over $HOURS hours into ClickHouse $ver on loopback"
