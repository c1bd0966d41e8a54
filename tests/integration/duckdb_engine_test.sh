#!/bin/bash
# A real analytics engine reads the store without kpi code: DuckDB (through
# @duckdb/node-api, installed with npm into the build dir) runs read_json
# over the sealed segments, skipping kpi's header and index frames, and its
# counts equal kpictl's: in total, per hour, per language, and for one day
# selected through the directory layout (segments/2013/02/21/*/*.kpi.zst).
# Skipped (77) when npm, node or the network is unavailable.
source "$(dirname "$0")/kpid_lib.sh"
: "${KPICTL:?KPICTL must name the kpictl binary}"
: "${KPI_BINARY_DIR:?KPI_BINARY_DIR must name the build directory}"
DUCKDB_PACKAGE=@duckdb/node-api@1.5.6-r.1

# --- DuckDB, installed once per build dir ---------------------------------
command -v node >/dev/null && command -v npm >/dev/null || { echo "skip: no node/npm"; exit 77; }
NPM_DIR=$KPI_BINARY_DIR/npm-duckdb
if ! node -e "require.resolve('@duckdb/node-api', {paths: ['$NPM_DIR']})" 2>/dev/null; then
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && timeout 300 npm install --no-audit --no-fund "$DUCKDB_PACKAGE") \
    >"$WORK/npm.out" 2>&1 || { echo "skip: npm install $DUCKDB_PACKAGE failed:"; tail -n 5 "$WORK/npm.out"; exit 77; }
fi
# The query script resolves the package from beside itself.
cp "$KPI_SOURCE_DIR/tests/integration/duckdb_query.mjs" "$WORK/"
ln -s "$NPM_DIR/node_modules" "$WORK/node_modules"

# --- a store with sealed segments over four hours, across midnight --------
D=$WORK/store
start_kpid e "$D" --max-age 0 --seal-grace 0s --writer-id e1 \
  --schema "$KPI_SOURCE_DIR/packaging/schema.json"
START=1361484000000  # 2013-02-21T22:00Z: hours 22, 23, then 00 and 01 of the 22nd
stored=0
for seed in 1 2 3; do
  n=$(python3 "$KPI_SOURCE_DIR/tests/integration/kpi_post_blobs.py" "$PORT_e" 300 \
    --seed $seed --start $START --hours 4) || fail "posting failed"
  stored=$((stored + n))
done
check "kpid stored the 900 blobs (got $stored)" test "$stored" -eq 900

# Engines see sealed segments only: wait until kpid has sealed every WAL.
sealed=""
for ((i = 0; i < 600; i++)); do
  "$KPICTL" --data-dir "$D" ls --json >"$WORK/ls.json" || fail "kpictl ls failed"
  if [ -s "$WORK/ls.json" ] && ! grep -qv '"state":"sealed"' "$WORK/ls.json"; then
    sealed=1
    break
  fi
  sleep 0.1
done
[ -n "$sealed" ] || fail "the hours were not sealed within 60 s: $(cat "$WORK/ls.json")"
check "no WAL is left" test -z "$(ls "$D/wal")"

# --- DuckDB's answers ------------------------------------------------------
node "$WORK/duckdb_query.mjs" "$D" 2013/02/21 >"$WORK/duckdb.json" 2>"$WORK/duckdb.log" ||
  fail "DuckDB failed to read the segments: $(cat "$WORK/duckdb.log")"

# --- kpictl's answers, and the comparison ----------------------------------
"$KPICTL" --data-dir "$D" scan --by hour --json >"$WORK/scan.json" || fail "scan failed"
"$KPICTL" --data-dir "$D" export >"$WORK/export.jsonl" || fail "export failed"
"$KPICTL" --data-dir "$D" scan --json 2013-02-21 >"$WORK/day.json" || fail "scan of the day failed"
jq -s '{records: length, distinct_ids: (map(._id) | unique | length),
        by_language: (group_by(.language // "") | map({key: (.[0].language // ""),
                      value: length}) | from_entries)}' \
  "$WORK/export.jsonl" >"$WORK/kpictl.json" || fail "jq failed on the export"

python3 - "$WORK/duckdb.json" "$WORK/kpictl.json" "$WORK/scan.json" "$WORK/day.json" <<'PY' ||
import json, sys
duck = json.load(open(sys.argv[1]))
ctl = json.load(open(sys.argv[2]))
by_hour = {}
for line in open(sys.argv[3]):
    period = json.loads(line)
    by_hour[period["period"]] = period["records"]
day = sum(json.loads(line)["records"] for line in open(sys.argv[4]))
checks = [
    ("records", duck["records"], ctl["records"]),
    ("distinct ids", duck["distinct_ids"], ctl["records"]),
    ("records per hour", duck["by_hour"], by_hour),
    ("records per language", duck["by_language"], ctl["by_language"]),
    ("records of 2013-02-21 (directory glob)", duck["day_records"], day),
    ("hours of 2013-02-21", duck["day_hours"], 2),
]
bad = [(what, a, b) for what, a, b in checks if a != b]
for what, a, b in bad:
    print("DuckDB and kpictl differ on %s: %r vs %r" % (what, a, b))
assert len(by_hour) == 4, by_hour
sys.exit(1 if bad else 0)
PY
  fail "DuckDB's counts differ from kpictl's (duckdb: $(cat "$WORK/duckdb.json"))"
check "DuckDB saw all $stored records" grep -q "\"records\":$stored," "$WORK/duckdb.json"

stop_kpid e
check "kpid stopped cleanly" test "$STOP_RC" -eq 0
echo "duckdb_engine_test: ok ($(cat "$WORK/duckdb.json"))"
